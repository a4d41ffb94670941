//! A hand-written implementation of two seed campaigns — what a team would
//! write without `campaign`: typed structs with `#[derive(Deserialize)]`
//! (borrowing strings from the input line), exact decimals (`rust_decimal`),
//! time zones (`chrono-tz`), and results written with `#[derive(Serialize)]`
//! in the contract's shape.
//!
//! - `channels-edu-back-to-school-2024` ([`edu_line`])
//! - `kuaishou-provider-gmv-2022` ([`gmv_line`])

use std::borrow::Cow;
use std::io::Write;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Reading facts.

/// A timestamp: RFC 3339 with an offset, as an instant.
fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let s = Cow::<str>::deserialize(d)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| de::Error::custom(format!("bad timestamp `{s}`: {e}")))
}

/// An optional timestamp: missing or `null` is `None`.
fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<Cow<str>>::deserialize(d)? {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| de::Error::custom(format!("bad timestamp `{s}`: {e}"))),
    }
}

/// Money or a decimal: a JSON number or a decimal string, exactly.
fn money<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor { percent: false })
}

/// An optional decimal.
fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a decimal or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            money(d).map(Some)
        }
    }
    d.deserialize_option(Opt)
}

/// A fraction: a number or decimal string as a ratio, or `"2.5%"` as a percentage.
fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor { percent: true })
}

struct DecimalVisitor {
    percent: bool,
}

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a decimal number or string")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Decimal, E> {
        if self.percent
            && let Some(p) = s.strip_suffix('%')
        {
            let d = Decimal::from_str_exact(p).map_err(|e| E::custom(format!("bad percentage `{s}`: {e}")))?;
            return Ok(d / Decimal::ONE_HUNDRED);
        }
        Decimal::from_str_exact(s).map_err(|e| E::custom(format!("bad decimal `{s}`: {e}")))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    // serde_json's `arbitrary_precision` hands numbers over as a one-entry map.
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Decimal, A::Error> {
        let n = serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Decimal::from_str_exact(n.as_str()).map_err(|e| de::Error::custom(format!("bad decimal `{n}`: {e}")))
    }
}

// ---------------------------------------------------------------------------
// Results.

#[derive(Serialize)]
struct Amount {
    amount: Decimal,
    unit: &'static str,
}

#[derive(Serialize)]
struct Error<'a> {
    line: usize,
    id: Option<&'a str>,
    error: String,
}

/// Pulls the `id` out of a line that failed to read, when it can.
fn id_of(line: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
    }
    serde_json::from_slice::<Id>(line).ok().map(|i| i.id.into_owned())
}

fn write_error(out: &mut Vec<u8>, line_no: usize, line: &[u8], e: &serde_json::Error) {
    let id = id_of(line);
    let _ = serde_json::to_writer(
        &mut *out,
        &Error {
            line: line_no,
            id: id.as_deref(),
            error: e.to_string(),
        },
    );
    out.push(b'\n');
}

// ---------------------------------------------------------------------------
// channels-edu-back-to-school-2024

/// An anchor.
#[derive(Deserialize)]
pub struct Anchor<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, deserialize_with = "opt_decimal")]
    store_score: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_time")]
    registered_at: Option<DateTime<Utc>>,
    #[serde(borrow)]
    sales: Vec<Sale<'a>>,
}

#[derive(Deserialize)]
struct Sale<'a> {
    #[serde(deserialize_with = "time")]
    at: DateTime<Utc>,
    #[serde(borrow)]
    live_category: Cow<'a, str>,
    #[serde(borrow)]
    category_l1: Cow<'a, str>,
    #[serde(borrow)]
    category_l2: Cow<'a, str>,
    #[serde(deserialize_with = "money")]
    gmv: Decimal,
}

struct EduRules {
    signup: (DateTime<Utc>, DateTime<Utc>),
    activity: (DateTime<Utc>, DateTime<Utc>),
    min_score: Decimal,
    min_gmv: Decimal,
    rate: Decimal,
    cap: Decimal,
}

fn shanghai(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(y, m, d, h, mi, s)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

static EDU: LazyLock<EduRules> = LazyLock::new(|| EduRules {
    signup: (shanghai(2024, 8, 16, 15, 0, 0), shanghai(2024, 8, 29, 0, 0, 0)),
    activity: (shanghai(2024, 8, 22, 10, 0, 0), shanghai(2024, 9, 1, 0, 0, 0)),
    min_score: Decimal::new(42, 1),
    min_gmv: Decimal::new(10_000, 0),
    rate: Decimal::new(9, 3),
    cap: Decimal::new(600_000, 0),
});

const EDU_CATEGORIES: [&str; 5] = [
    "学习/读书卡",
    "语言培训",
    "青少年素质教育",
    "学历资格/职业技能培训",
    "生活兴趣",
];

#[derive(Serialize)]
struct EduRewards {
    growth_points: Amount,
}

#[derive(Serialize)]
struct EduValues {
    counted_gmv: Amount,
}

#[derive(Serialize)]
struct EduResult<'a> {
    id: &'a str,
    eligible: bool,
    rewards: EduRewards,
    values: EduValues,
    reasons: Vec<&'static str>,
}

/// The outcome of one anchor.
pub struct EduOutcome {
    /// Eligible.
    pub eligible: bool,
    /// `growth_points`.
    pub points: Decimal,
    /// `counted_gmv`.
    pub counted_gmv: Decimal,
    /// Which conditions failed (bit i: condition i).
    pub failed: u8,
}

/// Evaluates one anchor.
pub fn edu(a: &Anchor) -> EduOutcome {
    let r = &*EDU;
    let mut counted = Decimal::ZERO;
    for s in &a.sales {
        if s.at >= r.activity.0
            && s.at < r.activity.1
            && s.live_category == "购物"
            && s.category_l1 == "教育培训"
            && EDU_CATEGORIES.contains(&&*s.category_l2)
        {
            counted += s.gmv;
        }
    }
    let c1 = a.registered_at.is_some_and(|t| t >= r.signup.0 && t < r.signup.1);
    let c2 = a.store_score.is_some_and(|s| s >= r.min_score);
    let c3 = counted > r.min_gmv;
    let eligible = c1 && c2 && c3;
    let points = if eligible {
        (counted * r.rate)
            .round_dp_with_strategy(0, RoundingStrategy::ToNegativeInfinity)
            .min(r.cap)
    } else {
        Decimal::ZERO
    };
    EduOutcome {
        eligible,
        points,
        counted_gmv: counted,
        failed: u8::from(!c1) | u8::from(!c2) << 1 | u8::from(!c3) << 2,
    }
}

const EDU_REASONS: [&str; 3] = [
    "报名时间内完成报名 (2024-08-16 15:00 至 08-28 24:00)",
    "视频号小店店铺评分需≥4.2",
    "活动期间累计 GMV 需超过 1 万元",
];

/// Reads, evaluates and writes one anchor line (appending the result line to `out`).
pub fn edu_line(line_no: usize, line: &[u8], out: &mut Vec<u8>) -> bool {
    let a: Anchor = match serde_json::from_slice(line) {
        Ok(a) => a,
        Err(e) => {
            write_error(out, line_no, line, &e);
            return false;
        }
    };
    let o = edu(&a);
    let result = EduResult {
        id: &a.id,
        eligible: o.eligible,
        rewards: EduRewards {
            growth_points: Amount {
                amount: o.points,
                unit: "points",
            },
        },
        values: EduValues {
            counted_gmv: Amount {
                amount: o.counted_gmv,
                unit: "CNY",
            },
        },
        reasons: (0..3)
            .filter(|i| o.failed & (1 << i) != 0)
            .map(|i| EDU_REASONS[i])
            .collect(),
    };
    let _ = serde_json::to_writer(&mut *out, &result);
    out.push(b'\n');
    true
}

/// Parses an anchor line (for evaluation-only timing).
pub fn parse_anchor(line: &[u8]) -> Option<Anchor<'_>> {
    serde_json::from_slice(line).ok()
}

// ---------------------------------------------------------------------------
// kuaishou-provider-gmv-2022

/// A service provider.
#[derive(Deserialize)]
pub struct Provider<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(default, deserialize_with = "opt_time")]
    onboarded_at: Option<DateTime<Utc>>,
    agreement_signed: bool,
    profit_sharing_live: bool,
    local_life: bool,
    #[serde(borrow)]
    mini_programs: Vec<MiniProgram<'a>>,
}

#[derive(Deserialize)]
struct MiniProgram<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    id: Cow<'a, str>,
    bound: bool,
    #[serde(default, deserialize_with = "opt_time")]
    launched_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "fraction")]
    fee_rate: Decimal,
    local_life: bool,
    risk_flagged: bool,
    fake_orders: bool,
    orders: Vec<Order>,
}

#[derive(Deserialize)]
struct Order {
    #[serde(deserialize_with = "money")]
    amount: Decimal,
    #[serde(default, deserialize_with = "opt_time")]
    redeemed_at: Option<DateTime<Utc>>,
    status_posted: bool,
}

/// The settlement months.
pub const MONTHS: [&str; 7] = [
    "2022-12", "2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06",
];

struct GmvRules {
    onboarded_by: DateTime<Utc>,
    launched_from: DateTime<Utc>,
    min_fee: Decimal,
    rate: Decimal,
}

static GMV: LazyLock<GmvRules> = LazyLock::new(|| GmvRules {
    onboarded_by: shanghai(2022, 12, 31, 23, 59, 59),
    launched_from: shanghai(2022, 12, 1, 0, 0, 0),
    min_fee: Decimal::new(2, 2),
    rate: Decimal::new(1, 2),
});

/// The outcome of one provider.
pub struct GmvOutcome {
    /// Eligible.
    pub eligible: bool,
    /// `cash` per month.
    pub cash_by_month: [Decimal; 7],
    /// `cash`.
    pub cash: Decimal,
    /// `gmv`.
    pub gmv: Decimal,
    /// Which conditions failed.
    pub failed: u8,
}

/// The index of the settlement month an instant falls in (Asia/Shanghai), if any.
fn month_index(t: DateTime<Utc>) -> Option<usize> {
    let local = t.with_timezone(&Shanghai);
    let k = (local.year() - 2022) * 12 + local.month() as i32 - 12;
    usize::try_from(k).ok().filter(|k| *k < 7)
}

/// Evaluates one provider.
pub fn gmv(p: &Provider) -> GmvOutcome {
    let r = &*GMV;
    let mut monthly = [Decimal::ZERO; 7];
    for mp in &p.mini_programs {
        let qualifying = mp.bound
            && mp.launched_at.is_some_and(|t| t >= r.launched_from)
            && mp.fee_rate >= r.min_fee
            && !mp.local_life
            && !mp.risk_flagged
            && !mp.fake_orders;
        if !qualifying {
            continue;
        }
        for o in &mp.orders {
            if o.status_posted
                && let Some(k) = o.redeemed_at.and_then(month_index)
            {
                monthly[k] += o.amount;
            }
        }
    }
    let gmv = monthly.iter().sum();
    let c1 = p.onboarded_at.is_some_and(|t| t <= r.onboarded_by);
    let (c2, c3, c4) = (p.agreement_signed, p.profit_sharing_live, !p.local_life);
    let eligible = c1 && c2 && c3 && c4;
    let mut cash_by_month = [Decimal::ZERO; 7];
    let mut cash = Decimal::ZERO;
    if eligible {
        for (c, g) in cash_by_month.iter_mut().zip(monthly) {
            let mut v = (g * r.rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            v.rescale(2);
            *c = v;
            cash += v;
        }
    }
    GmvOutcome {
        eligible,
        cash_by_month,
        cash,
        gmv,
        failed: u8::from(!c1) | u8::from(!c2) << 1 | u8::from(!c3) << 2 | u8::from(!c4) << 3,
    }
}

const GMV_REASONS: [&str; 4] = [
    "需于 2022-12-31 23:59:59 前完成服务商入驻",
    "需签署《小程序服务商结算框架协议》",
    "需完成三方平台分账能力开发上线",
    "本地生活类服务商不包含在激励内",
];

#[derive(Serialize)]
struct ByPeriod {
    #[serde(rename = "2022-12")]
    m0: Decimal,
    #[serde(rename = "2023-01")]
    m1: Decimal,
    #[serde(rename = "2023-02")]
    m2: Decimal,
    #[serde(rename = "2023-03")]
    m3: Decimal,
    #[serde(rename = "2023-04")]
    m4: Decimal,
    #[serde(rename = "2023-05")]
    m5: Decimal,
    #[serde(rename = "2023-06")]
    m6: Decimal,
}

#[derive(Serialize)]
struct Cash {
    amount: Decimal,
    unit: &'static str,
    by_period: ByPeriod,
}

#[derive(Serialize)]
struct GmvRewards {
    cash: Cash,
}

#[derive(Serialize)]
struct GmvValues {
    gmv: Amount,
}

#[derive(Serialize)]
struct GmvResult<'a> {
    id: &'a str,
    eligible: bool,
    rewards: GmvRewards,
    values: GmvValues,
    reasons: Vec<&'static str>,
}

/// Reads, evaluates and writes one provider line.
pub fn gmv_line(line_no: usize, line: &[u8], out: &mut Vec<u8>) -> bool {
    let p: Provider = match serde_json::from_slice(line) {
        Ok(p) => p,
        Err(e) => {
            write_error(out, line_no, line, &e);
            return false;
        }
    };
    let o = gmv(&p);
    let [m0, m1, m2, m3, m4, m5, m6] = o.cash_by_month;
    let result = GmvResult {
        id: &p.id,
        eligible: o.eligible,
        rewards: GmvRewards {
            cash: Cash {
                amount: o.cash,
                unit: "CNY",
                by_period: ByPeriod {
                    m0,
                    m1,
                    m2,
                    m3,
                    m4,
                    m5,
                    m6,
                },
            },
        },
        values: GmvValues {
            gmv: Amount {
                amount: o.gmv,
                unit: "CNY",
            },
        },
        reasons: (0..4)
            .filter(|i| o.failed & (1 << i) != 0)
            .map(|i| GMV_REASONS[i])
            .collect(),
    };
    let _ = serde_json::to_writer(&mut *out, &result);
    out.push(b'\n');
    true
}

/// Parses a provider line (for evaluation-only timing).
pub fn parse_provider(line: &[u8]) -> Option<Provider<'_>> {
    serde_json::from_slice(line).ok()
}

/// One line in, one result line out.
pub type LineFn = fn(usize, &[u8], &mut Vec<u8>) -> bool;

/// Streams NDJSON from `input` to `output` through `f`, on `jobs` threads
/// (chunks of lines evaluated in parallel, written in input order). Returns
/// (records, failed).
pub fn run_stream<R: std::io::BufRead, W: Write>(f: LineFn, mut input: R, output: W, jobs: usize) -> (usize, usize) {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, output);
    let mut records = 0;
    let mut failed = 0;
    let mut line_no = 0usize;
    if jobs <= 1 {
        let mut line = Vec::with_capacity(1 << 14);
        let mut result = Vec::with_capacity(1 << 10);
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            line_no += 1;
            let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            result.clear();
            records += 1;
            if !f(line_no, bytes, &mut result) {
                failed += 1;
            }
            let _ = out.write_all(&result);
        }
    } else {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().ok();
        let read_chunk = |input: &mut R, line_no: &mut usize| -> Vec<(usize, Vec<u8>)> {
            let mut chunk = Vec::with_capacity(CHUNK);
            while chunk.len() < CHUNK {
                let mut line = Vec::new();
                match input.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                *line_no += 1;
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                if !line.iter().all(u8::is_ascii_whitespace) {
                    chunk.push((*line_no, line));
                }
            }
            chunk
        };
        let process = |chunk: Vec<(usize, Vec<u8>)>| -> Vec<(bool, Vec<u8>)> {
            chunk
                .into_par_iter()
                .map(|(n, l)| {
                    let mut r = Vec::with_capacity(256);
                    let ok = f(n, &l, &mut r);
                    (ok, r)
                })
                .collect()
        };
        let mut current = read_chunk(&mut input, &mut line_no);
        while !current.is_empty() {
            let mut results = Vec::new();
            let mut next = Vec::new();
            match &pool {
                Some(pool) => pool.in_place_scope(|scope| {
                    let results = &mut results;
                    scope.spawn(move |_| *results = process(current));
                    next = read_chunk(&mut input, &mut line_no);
                }),
                None => {
                    results = process(current);
                    next = read_chunk(&mut input, &mut line_no);
                }
            }
            for (ok, r) in results {
                records += 1;
                if !ok {
                    failed += 1;
                }
                let _ = out.write_all(&r);
            }
            current = next;
        }
    }
    let _ = out.flush();
    (records, failed)
}
