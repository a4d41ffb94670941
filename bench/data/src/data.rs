//! Synthetic fact records for the six seed campaigns, shaped like the
//! contract examples (`tests/fixtures/contract/*.ndjson`): the same field
//! order and spelling, decimal strings for money, RFC 3339 timestamps with
//! `+08:00` (sometimes `Z`, sometimes with milliseconds), Chinese category
//! names, optional facts sometimes missing or `null`, and a share of values
//! placed exactly on the campaigns' boundaries.
//!
//! Each record is a pure function of (seed, index), so a file of any size is
//! written in constant memory and any prefix of a big file equals the smaller
//! file.

use std::io::Write;

use crate::{Rng, shanghai, write_rfc3339};

/// The six seed campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Campaign {
    /// `channels-edu-back-to-school-2024`.
    Edu,
    /// `kuaishou-provider-gmv-2022`.
    KuaishouGmv,
    /// `kuaishou-provider-industry-2022`.
    KuaishouIndustry,
    /// `channels-brand-coldstart-2023`.
    Coldstart,
    /// `douyin-trade-miniprogram-2023`.
    Douyin,
    /// `channels-alliance-admission-2024`.
    Alliance,
}

impl Campaign {
    /// All six.
    pub const ALL: [Campaign; 6] = [
        Campaign::Edu,
        Campaign::KuaishouGmv,
        Campaign::KuaishouIndustry,
        Campaign::Coldstart,
        Campaign::Douyin,
        Campaign::Alliance,
    ];

    /// A short name (`edu`, `gmv`, ...) or the policy's file stem.
    pub fn parse(name: &str) -> Option<Campaign> {
        Campaign::ALL
            .into_iter()
            .find(|c| c.short() == name || c.file_stem() == name)
    }

    /// The short name.
    pub fn short(self) -> &'static str {
        match self {
            Campaign::Edu => "edu",
            Campaign::KuaishouGmv => "gmv",
            Campaign::KuaishouIndustry => "industry",
            Campaign::Coldstart => "coldstart",
            Campaign::Douyin => "douyin",
            Campaign::Alliance => "alliance",
        }
    }

    /// The policy's file stem under `policies/`.
    pub fn file_stem(self) -> &'static str {
        match self {
            Campaign::Edu => "channels-edu-back-to-school-2024",
            Campaign::KuaishouGmv => "kuaishou-provider-gmv-2022",
            Campaign::KuaishouIndustry => "kuaishou-provider-industry-2022",
            Campaign::Coldstart => "channels-brand-coldstart-2023",
            Campaign::Douyin => "douyin-trade-miniprogram-2023",
            Campaign::Alliance => "channels-alliance-admission-2024",
        }
    }
}

/// How records are shaped.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The seed: the same seed gives the same records.
    pub seed: u64,
    /// Multiplies the maximum length of every list (sales lines, mini
    /// programs, orders, products): 1 is the contract's shape.
    pub list_scale: u32,
}

/// Writes record number `index` (0-based) of `campaign` as one NDJSON line (with its `\n`).
pub fn record(campaign: Campaign, options: &Options, index: u64, out: &mut Vec<u8>) {
    let mut rng = Rng::new(options.seed.wrapping_mul(0x1000_0000_01B3) ^ index.wrapping_mul(0x9E37_79B9));
    // Warm up so that neighbouring indexes diverge.
    rng.next_u64();
    let mut g = Gen {
        rng,
        out,
        scale: i64::from(options.list_scale.max(1)),
    };
    match campaign {
        Campaign::Edu => g.edu(index),
        Campaign::KuaishouGmv => g.gmv(index),
        Campaign::KuaishouIndustry => g.industry(index),
        Campaign::Coldstart => g.coldstart(index),
        Campaign::Douyin => g.douyin(index),
        Campaign::Alliance => g.alliance(index),
    }
    g.out.push(b'\n');
}

struct Gen<'o> {
    rng: Rng,
    out: &'o mut Vec<u8>,
    scale: i64,
}

const EDU_L2: [&str; 5] = [
    "学习/读书卡",
    "语言培训",
    "青少年素质教育",
    "学历资格/职业技能培训",
    "生活兴趣",
];
const SCORES: [&str; 9] = ["3.8", "4.0", "4.19", "4.2", "4.21", "4.5", "4.8", "4.95", "5.0"];

impl Gen<'_> {
    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn key(&mut self, first: bool, name: &str) {
        if !first {
            self.raw(", ");
        }
        self.out.push(b'"');
        self.raw(name);
        self.raw("\": ");
    }

    fn string(&mut self, first: bool, name: &str, value: &str) {
        self.key(first, name);
        self.out.push(b'"');
        self.raw(value);
        self.out.push(b'"');
    }

    fn bool(&mut self, name: &str, p_true: f64) {
        let v = self.rng.chance(p_true);
        self.key(false, name);
        self.raw(if v { "true" } else { "false" });
    }

    fn int(&mut self, name: &str, v: i64) {
        self.key(false, name);
        let _ = write!(self.out, "{v}");
    }

    /// A timestamp value: mostly `+08:00`, sometimes `Z`, sometimes with milliseconds.
    fn time_value(&mut self, unix: i64) {
        let r = self.rng.unit();
        self.out.push(b'"');
        if r < 0.05 {
            write_rfc3339(self.out, unix, 0, None);
        } else if r < 0.08 {
            let ms = self.rng.range(0, 999) as u32;
            write_rfc3339(self.out, unix, 8, Some(ms));
        } else {
            write_rfc3339(self.out, unix, 8, None);
        }
        self.out.push(b'"');
    }

    fn time(&mut self, name: &str, unix: i64) {
        self.key(false, name);
        self.time_value(unix);
    }

    /// An optional timestamp: missing with `p_missing`, `null` with `p_null`.
    fn opt_time(&mut self, name: &str, p_missing: f64, p_null: f64, unix: i64) {
        let r = self.rng.unit();
        if r < p_missing {
            return;
        }
        if r < p_missing + p_null {
            self.key(false, name);
            self.raw("null");
            return;
        }
        self.time(name, unix);
    }

    /// A uniform instant in `lo..hi`, or (with `p_edge`) one of `edges` ± 0–1 s.
    fn instant(&mut self, lo: i64, hi: i64, edges: &[i64], p_edge: f64) -> i64 {
        if !edges.is_empty() && self.rng.chance(p_edge) {
            let e = *self.rng.pick(edges);
            e + self.rng.range(-1, 1)
        } else {
            self.rng.range(lo, hi - 1)
        }
    }

    /// An amount with two decimals, roughly log-uniform in `lo..hi` yuan.
    fn money_value(&mut self, lo: f64, hi: f64) -> String {
        let x = lo * (hi / lo).powf(self.rng.unit());
        let fen = (x * 100.0).round() as i64;
        format!("{}.{:02}", fen / 100, fen % 100)
    }

    fn money(&mut self, name: &str, lo: f64, hi: f64) {
        let v = self.money_value(lo, hi);
        self.string(false, name, &v);
    }

    fn score(&mut self, name: &str, p_missing: f64, p_null: f64) {
        let r = self.rng.unit();
        if r < p_missing {
            return;
        }
        if r < p_missing + p_null {
            self.key(false, name);
            self.raw("null");
            return;
        }
        let v = if self.rng.chance(0.5) {
            (*self.rng.pick(&SCORES)).to_string()
        } else {
            let n = self.rng.range(350, 500);
            format!("{}.{:02}", n / 100, n % 100)
        };
        self.string(false, name, &v);
    }

    fn list_len(&mut self, max: i64) -> i64 {
        self.rng.range(0, max * self.scale)
    }

    // -- the campaigns ------------------------------------------------------

    fn edu(&mut self, index: u64) {
        self.raw("{");
        self.string(true, "id", &format!("anchor-{index:08}"));
        self.score("store_score", 0.12, 0.03);
        let signup = [shanghai(2024, 8, 16, 15, 0, 0), shanghai(2024, 8, 29, 0, 0, 0)];
        let reg = self.instant(
            shanghai(2024, 8, 14, 0, 0, 0),
            shanghai(2024, 8, 31, 0, 0, 0),
            &signup,
            0.05,
        );
        self.opt_time("registered_at", 0.15, 0.02, reg);
        self.key(false, "sales");
        self.raw("[");
        let activity = [shanghai(2024, 8, 22, 10, 0, 0), shanghai(2024, 9, 1, 0, 0, 0)];
        let n = self.list_len(10);
        for k in 0..n {
            if k > 0 {
                self.raw(", ");
            }
            self.raw("{");
            let at = self.instant(
                shanghai(2024, 8, 19, 0, 0, 0),
                shanghai(2024, 9, 4, 0, 0, 0),
                &activity,
                0.05,
            );
            self.key(true, "at");
            self.time_value(at);
            let r = self.rng.unit();
            let live = if r < 0.8 {
                "购物"
            } else if r < 0.9 {
                "知识"
            } else {
                "娱乐"
            };
            self.string(false, "live_category", live);
            let l1 = if self.rng.chance(0.85) {
                "教育培训"
            } else {
                "图书"
            };
            self.string(false, "category_l1", l1);
            let r = self.rng.unit();
            let l2 = if r < 0.85 {
                *self.rng.pick(&EDU_L2)
            } else if r < 0.95 {
                "少儿编程"
            } else {
                "学习/读书卡 "
            };
            self.string(false, "category_l2", l2);
            if self.rng.chance(0.03) {
                self.string(false, "gmv", "10000.00");
            } else {
                self.money("gmv", 10.0, 80_000.0);
            }
            self.raw("}");
        }
        self.raw("]}");
    }

    fn gmv(&mut self, index: u64) {
        self.raw("{");
        self.string(true, "id", &format!("sp-{index:08}"));
        let cutoff = shanghai(2023, 1, 1, 0, 0, 0) - 1;
        let on = self.instant(
            shanghai(2022, 10, 1, 0, 0, 0),
            shanghai(2023, 3, 1, 0, 0, 0),
            &[cutoff],
            0.05,
        );
        self.opt_time("onboarded_at", 0.08, 0.0, on);
        self.bool("agreement_signed", 0.85);
        self.bool("profit_sharing_live", 0.8);
        self.bool("local_life", 0.1);
        self.key(false, "mini_programs");
        self.raw("[");
        let months: Vec<i64> = [
            (2022, 12),
            (2023, 1),
            (2023, 2),
            (2023, 3),
            (2023, 4),
            (2023, 5),
            (2023, 6),
            (2023, 7),
        ]
        .iter()
        .map(|&(y, m)| shanghai(y, m, 1, 0, 0, 0))
        .collect();
        let n = self.list_len(4);
        for k in 0..n {
            if k > 0 {
                self.raw(", ");
            }
            self.raw("{");
            self.string(true, "id", &format!("mp-{index:08}-{k}"));
            self.bool("bound", 0.85);
            let launch = self.instant(
                shanghai(2022, 9, 1, 0, 0, 0),
                shanghai(2023, 4, 1, 0, 0, 0),
                &[shanghai(2022, 12, 1, 0, 0, 0)],
                0.05,
            );
            self.opt_time("launched_at", 0.08, 0.0, launch);
            let rate = *self.rng.pick(&[
                "0.01", "0.019", "0.02", "0.02", "0.025", "0.03", "0.05", "2%", "2.5%", "1.5%",
            ]);
            self.string(false, "fee_rate", rate);
            self.bool("local_life", 0.08);
            self.bool("risk_flagged", 0.05);
            self.bool("fake_orders", 0.04);
            self.key(false, "orders");
            self.raw("[");
            let m = self.list_len(8);
            for j in 0..m {
                if j > 0 {
                    self.raw(", ");
                }
                self.raw("{");
                let amount = self.money_value(1.0, 3000.0);
                self.string(true, "amount", &amount);
                let at = self.instant(
                    shanghai(2022, 11, 15, 0, 0, 0),
                    shanghai(2023, 7, 15, 0, 0, 0),
                    &months,
                    0.05,
                );
                self.opt_time("redeemed_at", 0.15, 0.0, at);
                self.bool("status_posted", 0.9);
                self.raw("}");
            }
            self.raw("]}");
        }
        self.raw("]}");
    }

    fn industry(&mut self, index: u64) {
        self.raw("{");
        self.string(true, "id", &format!("sp-{index:08}"));
        let cutoff = shanghai(2023, 1, 1, 0, 0, 0) - 1;
        let on = self.instant(
            shanghai(2022, 10, 1, 0, 0, 0),
            shanghai(2023, 3, 1, 0, 0, 0),
            &[cutoff],
            0.05,
        );
        self.opt_time("onboarded_at", 0.08, 0.0, on);
        self.bool("agreement_signed", 0.8);
        self.key(false, "mini_programs");
        self.raw("[");
        let n = self.list_len(7);
        for k in 0..n {
            if k > 0 {
                self.raw(", ");
            }
            self.raw("{");
            self.string(true, "id", &format!("mp-{index:08}-{k}"));
            self.bool("targeted_industry", 0.6);
            self.bool("bound", 0.85);
            self.bool("active", 0.7);
            let launch = self.instant(
                shanghai(2022, 11, 10, 0, 0, 0),
                shanghai(2023, 1, 20, 0, 0, 0),
                &[shanghai(2022, 12, 1, 0, 0, 0), shanghai(2023, 1, 1, 0, 0, 0)],
                0.08,
            );
            self.opt_time("launched_at", 0.08, 0.0, launch);
            self.raw("}");
        }
        self.raw("]}");
    }

    fn coldstart(&mut self, index: u64) {
        const DAY: i64 = 86_400;
        self.raw("{");
        self.string(true, "id", &format!("acct-{index:08}"));
        self.bool("brand_certified", 0.85);
        let entry = self
            .rng
            .range(shanghai(2023, 9, 1, 0, 0, 0), shanghai(2023, 12, 20, 0, 0, 0));
        let applied = self.instant(
            shanghai(2023, 11, 20, 0, 0, 0),
            shanghai(2024, 1, 15, 0, 0, 0),
            &[shanghai(2023, 11, 29, 0, 0, 0), shanghai(2023, 12, 29, 0, 0, 0)],
            0.05,
        );
        self.opt_time("library_entered_at", 0.1, 0.0, entry);
        let first = if self.rng.chance(0.05) {
            entry + 30 * DAY + self.rng.range(0, 1)
        } else {
            entry + self.rng.range(0, 45 * DAY)
        };
        self.opt_time("first_live_at", 0.4, 0.0, first);
        let last = if self.rng.chance(0.05) {
            applied - 60 * DAY + self.rng.range(0, 1)
        } else {
            applied - self.rng.range(0, 120 * DAY)
        };
        self.opt_time("last_live_at", 0.5, 0.0, last);
        self.time("applied_at", applied);
        self.bool("previously_supported", 0.1);
        self.bool("refund_rate_high", 0.05);
        self.bool("complaints_high", 0.05);
        self.bool("counterfeit", 0.03);
        self.bool("store_closed", 0.03);
        if self.rng.chance(0.6) {
            let submitted = applied + self.rng.range(0, 10 * DAY);
            self.time("case_submitted_at", submitted);
            let event = if self.rng.chance(0.1) {
                submitted + 14 * DAY - self.rng.range(0, 1)
            } else {
                submitted + self.rng.range(0, 30 * DAY)
            };
            self.opt_time("case_event_at", 0.1, 0.0, event);
        }
        self.raw("}");
    }

    fn douyin(&mut self, index: u64) {
        self.raw("{");
        self.string(true, "id", &format!("app-{index:08}"));
        let category = *self.rng.pick(&[
            "文娱",
            "工具",
            "家装",
            "法律",
            "财会",
            "汽车",
            "生活服务",
            "泛知识",
            "医疗",
            "游戏",
        ]);
        self.string(false, "service_category", category);
        self.bool("entity_verified", 0.85);
        self.bool("payment_onboarded", 0.75);
        self.raw("}");
    }

    fn alliance(&mut self, index: u64) {
        self.raw("{");
        self.string(true, "id", &format!("store-{index:08}"));
        self.bool("local_life", 0.15);
        let r = self.rng.unit();
        let status = if r < 0.8 {
            "normal"
        } else if r < 0.92 {
            "suspended"
        } else {
            "closed"
        };
        self.string(false, "store_status", status);
        self.bool("freight_insurance", 0.9);
        self.score("store_score", 0.15, 0.0);
        let entity = if self.rng.chance(0.6) {
            "enterprise"
        } else {
            "individual"
        };
        self.string(false, "entity_type", entity);
        self.key(false, "products");
        self.raw("[");
        let n = self.list_len(5);
        for k in 0..n {
            if k > 0 {
                self.raw(", ");
            }
            self.raw("{");
            self.string(true, "id", &format!("p-{index:08}-{k}"));
            let settled = if self.rng.chance(0.2) {
                self.rng.range(25, 35)
            } else {
                self.rng.range(0, 500)
            };
            self.int("settled_orders", settled);
            let paid = if self.rng.chance(0.5) {
                0
            } else {
                self.rng.range(1, 600)
            };
            self.int("valid_paid_orders", paid);
            if self.rng.chance(0.7) {
                let refunds = self.rng.range(0, 20);
                self.int("quality_refund_orders", refunds);
            }
            if self.rng.chance(0.3) {
                let v = if self.rng.chance(0.5) { "2500.00" } else { "5000.00" };
                self.string(false, "sales_today", v);
            } else {
                self.money("sales_today", 1.0, 5000.0);
            }
            self.raw("}");
        }
        self.raw("]}");
    }
}
