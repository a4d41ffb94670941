//! The education and Kuaishou-GMV campaigns in two rule engines a team could
//! pick instead of `campaign`:
//!
//! - GoRules ZEN, through its expression language (`zen-expression`: the
//!   language of ZEN's decision tables and expression nodes, without the
//!   graph runtime). Numbers are `rust_decimal` decimals, so money is exact;
//!   dates are parsed with `d(text)` and compared as instants; calendar months
//!   come from `d(text, 'Asia/Shanghai')`.
//! - Rego through `regorus` (Microsoft's Rust implementation of OPA's
//!   language). Rego numbers are binary floating point, so money is carried in
//!   whole fen: `round(to_number(x) * 100)` is exact for amounts with at most two
//!   decimals below 10^13 yuan, and every later step is integer arithmetic
//!   (sums, `%`), never a float. Fractions and scores are compared as parsed
//!   floats against literals parsed the same way (monotonic, so `0.02 >= 0.02`
//!   and `0.019 < 0.02` hold). Instants are `time.parse_rfc3339_ns` (exact
//!   nanoseconds); month boundaries are instants written with `+08:00`
//!   (Asia/Shanghai has had no daylight saving since 1991).
//!
//! Both are compiled once; each record is handed over as the engine's own
//! value (converted from JSON beforehand, outside the timed evaluation).

use rust_decimal::Decimal;
use zen_expression::expression::Standard;
use zen_expression::variable::Variable;
use zen_expression::vm::VM;
use zen_expression::{Expression, Isolate};

/// One record's outcome, normalised for comparison across implementations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Norm {
    /// Eligible.
    pub eligible: bool,
    /// Which conditions failed, in declaration order.
    pub failed: Vec<bool>,
    /// Reward amounts (for a per-period reward: the total, then each period).
    pub rewards: Vec<Decimal>,
    /// Value amounts.
    pub values: Vec<Decimal>,
}

impl Norm {
    /// Whether two outcomes agree (amounts compared as decimals).
    pub fn agrees(&self, other: &Norm) -> bool {
        self.eligible == other.eligible
            && self.failed == other.failed
            && self.rewards.len() == other.rewards.len()
            && self.values.len() == other.values.len()
            && self
                .rewards
                .iter()
                .zip(&other.rewards)
                .all(|(a, b)| a.normalize() == b.normalize())
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|(a, b)| a.normalize() == b.normalize())
    }
}

/// The outcome of `campaign`'s evaluator, normalised.
pub fn norm_of_campaign(outcome: &campaign::eval::Outcome) -> Norm {
    let mut rewards = Vec::new();
    for r in &outcome.rewards {
        rewards.push(r.amount);
        if let Some(by) = &r.by_period {
            rewards.extend(by.iter().copied());
        }
    }
    let values = outcome
        .values
        .iter()
        .map(|v| match v {
            campaign::eval::Shown::Amount(n, _)
            | campaign::eval::Shown::Count(n)
            | campaign::eval::Shown::Number(n) => *n,
            campaign::eval::Shown::Bool(b) => Decimal::from(u8::from(*b)),
            _ => Decimal::MIN,
        })
        .collect();
    Norm {
        eligible: outcome.eligible,
        failed: outcome.conditions.iter().map(|c| !c).collect(),
        rewards,
        values,
    }
}

/// The hand-written education outcome, normalised.
pub fn norm_of_hand_edu(o: &crate::hand::EduOutcome) -> Norm {
    Norm {
        eligible: o.eligible,
        failed: (0..3).map(|i| o.failed & (1 << i) != 0).collect(),
        rewards: vec![o.points],
        values: vec![o.counted_gmv],
    }
}

/// The hand-written GMV outcome, normalised.
pub fn norm_of_hand_gmv(o: &crate::hand::GmvOutcome) -> Norm {
    let mut rewards = vec![o.cash];
    rewards.extend(o.cash_by_month);
    Norm {
        eligible: o.eligible,
        failed: (0..4).map(|i| o.failed & (1 << i) != 0).collect(),
        rewards,
        values: vec![o.gmv],
    }
}

// ---------------------------------------------------------------------------
// ZEN

/// The education campaign in ZEN's expression language: one expression of
/// assignments, evaluated per record.
pub const ZEN_EDU: &str = r#"
counted_gmv = sum(map(filter(sales,
    d(#.at) in [d('2024-08-22T10:00:00+08:00')..d('2024-09-01T00:00:00+08:00'))
    and #.live_category == '购物'
    and #.category_l1 == '教育培训'
    and #.category_l2 in ['学习/读书卡', '语言培训', '青少年素质教育', '学历资格/职业技能培训', '生活兴趣']),
  number(#.gmv)));
c_signup = registered_at != null and d(registered_at) in [d('2024-08-16T15:00:00+08:00')..d('2024-08-29T00:00:00+08:00'));
c_score = store_score != null and number(store_score) >= 4.2;
c_gmv = counted_gmv > 10000;
eligible = c_signup and c_score and c_gmv;
growth_points = eligible ? min([floor(counted_gmv * 0.009), 600000]) : 0
"#;

/// The Kuaishou GMV campaign in ZEN's expression language.
pub const ZEN_GMV: &str = r#"
orders = flatten(map(filter(mini_programs,
    #.bound
    and #.launched_at != null and d(#.launched_at) >= d('2022-12-01T00:00:00+08:00')
    and (endsWith(string(#.fee_rate), '%') ? number(string(#.fee_rate)[0:len(string(#.fee_rate)) - 2]) / 100 : number(#.fee_rate)) >= 0.02
    and not #.local_life and not #.risk_flagged and not #.fake_orders),
  #.orders));
months = map(filter(orders, #.status_posted and #.redeemed_at != null),
  [d(#.redeemed_at, 'Asia/Shanghai').format('%Y-%m'), number(#.amount)]);
monthly = [
  sum(map(filter(months, #[0] == '2022-12'), #[1])),
  sum(map(filter(months, #[0] == '2023-01'), #[1])),
  sum(map(filter(months, #[0] == '2023-02'), #[1])),
  sum(map(filter(months, #[0] == '2023-03'), #[1])),
  sum(map(filter(months, #[0] == '2023-04'), #[1])),
  sum(map(filter(months, #[0] == '2023-05'), #[1])),
  sum(map(filter(months, #[0] == '2023-06'), #[1]))];
gmv = sum(monthly);
c_onboarded = onboarded_at != null and d(onboarded_at) <= d('2022-12-31T23:59:59+08:00');
c_agreement = agreement_signed;
c_profit = profit_sharing_live;
c_local = not local_life;
eligible = c_onboarded and c_agreement and c_profit and c_local;
cash_by_month = map(monthly, eligible ? round(# * 0.01, 2) : 0);
cash = sum(cash_by_month)
"#;

/// A compiled ZEN program and its VM.
pub struct Zen {
    expr: Expression<Standard>,
    vm: VM,
    kind: Kind,
}

/// Which campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Education.
    Edu,
    /// Kuaishou GMV.
    Gmv,
}

fn num(v: &Variable, key: &str) -> Decimal {
    v.dot(key).and_then(|n| n.as_number()).unwrap_or(Decimal::MIN)
}

fn flag(v: &Variable, key: &str) -> bool {
    v.dot(key).and_then(|b| b.as_bool()).unwrap_or(false)
}

impl Zen {
    /// Compiles the campaign.
    pub fn new(kind: Kind) -> Result<Zen, String> {
        let source = match kind {
            Kind::Edu => ZEN_EDU,
            Kind::Gmv => ZEN_GMV,
        };
        let expr = Isolate::new().compile_standard(source).map_err(|e| format!("{e:?}"))?;
        Ok(Zen {
            expr,
            vm: VM::new(),
            kind,
        })
    }

    /// Converts a JSON record to ZEN's value (not timed as evaluation).
    pub fn input(json: &serde_json::Value) -> Variable {
        Variable::from(json.clone())
    }

    /// Evaluates one record, returning the engine's raw output.
    pub fn eval_raw(&mut self, input: &Variable) -> Result<Variable, String> {
        // Assignments write into the context: hand each evaluation a fresh top-level object.
        let ctx = input.shallow_clone();
        self.expr.evaluate_with(ctx, &mut self.vm).map_err(|e| format!("{e:?}"))
    }

    /// Evaluates one record, normalised.
    pub fn eval(&mut self, input: &Variable) -> Result<Norm, String> {
        let out = self.eval_raw(input)?;
        Ok(match self.kind {
            Kind::Edu => Norm {
                eligible: flag(&out, "eligible"),
                failed: vec![!flag(&out, "c_signup"), !flag(&out, "c_score"), !flag(&out, "c_gmv")],
                rewards: vec![num(&out, "growth_points")],
                values: vec![num(&out, "counted_gmv")],
            },
            Kind::Gmv => {
                let mut rewards = vec![num(&out, "cash")];
                if let Some(a) = out.dot("cash_by_month").and_then(|a| a.as_array()) {
                    rewards.extend(a.borrow().iter().map(|v| v.as_number().unwrap_or(Decimal::MIN)));
                }
                Norm {
                    eligible: flag(&out, "eligible"),
                    failed: vec![
                        !flag(&out, "c_onboarded"),
                        !flag(&out, "c_agreement"),
                        !flag(&out, "c_profit"),
                        !flag(&out, "c_local"),
                    ],
                    rewards,
                    values: vec![num(&out, "gmv")],
                }
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Rego

/// The education campaign in Rego.
pub const REGO_EDU: &str = r#"
package edu

import rego.v1

signup_start := time.parse_rfc3339_ns("2024-08-16T15:00:00+08:00")
signup_end := time.parse_rfc3339_ns("2024-08-29T00:00:00+08:00")
activity_start := time.parse_rfc3339_ns("2024-08-22T10:00:00+08:00")
activity_end := time.parse_rfc3339_ns("2024-09-01T00:00:00+08:00")

education_categories := {"学习/读书卡", "语言培训", "青少年素质教育", "学历资格/职业技能培训", "生活兴趣"}

# Money in whole fen (exact for amounts with at most two decimals).
fen(x) := round(to_number(x) * 100)

counted_fen := sum([fen(s.gmv) |
	some s in input.sales
	t := time.parse_rfc3339_ns(s.at)
	t >= activity_start
	t < activity_end
	s.live_category == "购物"
	s.category_l1 == "教育培训"
	education_categories[s.category_l2]
])

default c_signup := false

c_signup if {
	input.registered_at != null
	t := time.parse_rfc3339_ns(input.registered_at)
	t >= signup_start
	t < signup_end
}

default c_score := false

c_score if {
	input.store_score != null
	to_number(input.store_score) >= 4.2
}

c_gmv := counted_fen > 1000000

default eligible := false

eligible if {
	c_signup
	c_score
	c_gmv
}

# 0.9 % of the GMV, rounded down to whole points, at most 600000: in integers.
raw_points := (counted_fen * 9 - ((counted_fen * 9) % 100000)) / 100000

default growth_points := 0

growth_points := min([raw_points, 600000]) if eligible

result := {
	"eligible": eligible,
	"c_signup": c_signup,
	"c_score": c_score,
	"c_gmv": c_gmv,
	"growth_points": growth_points,
	"counted_fen": counted_fen,
}
"#;

/// The Kuaishou GMV campaign in Rego.
pub const REGO_GMV: &str = r#"
package gmv

import rego.v1

onboarded_by := time.parse_rfc3339_ns("2022-12-31T23:59:59+08:00")
launched_from := time.parse_rfc3339_ns("2022-12-01T00:00:00+08:00")

# Month starts in Asia/Shanghai (UTC+8 all year): 2022-12 ... 2023-07.
month_starts := [time.parse_rfc3339_ns(s) | some s in [
	"2022-12-01T00:00:00+08:00", "2023-01-01T00:00:00+08:00", "2023-02-01T00:00:00+08:00",
	"2023-03-01T00:00:00+08:00", "2023-04-01T00:00:00+08:00", "2023-05-01T00:00:00+08:00",
	"2023-06-01T00:00:00+08:00", "2023-07-01T00:00:00+08:00",
]]

fen(x) := round(to_number(x) * 100)

fee_ok(rate) if {
	is_string(rate)
	endswith(rate, "%")
	to_number(trim_suffix(rate, "%")) >= 2
}

fee_ok(rate) if {
	is_string(rate)
	not endswith(rate, "%")
	to_number(rate) >= 0.02
}

fee_ok(rate) if {
	is_number(rate)
	rate >= 0.02
}

qualifying(mp) if {
	mp.bound
	mp.launched_at != null
	time.parse_rfc3339_ns(mp.launched_at) >= launched_from
	fee_ok(mp.fee_rate)
	not mp.local_life
	not mp.risk_flagged
	not mp.fake_orders
}

# (redeemed instant, amount in fen) of qualifying mini programs' posted orders.
redeemed := [[time.parse_rfc3339_ns(o.redeemed_at), fen(o.amount)] |
	some mp in input.mini_programs
	qualifying(mp)
	some o in mp.orders
	o.status_posted
	o.redeemed_at != null
]

monthly_fen := [sum([r[1] |
	some r in redeemed
	r[0] >= month_starts[k]
	r[0] < month_starts[k + 1]
]) | some k in numbers.range(0, 6)]

gmv_fen := sum(monthly_fen)

default c_onboarded := false

c_onboarded if {
	input.onboarded_at != null
	time.parse_rfc3339_ns(input.onboarded_at) <= onboarded_by
}

c_agreement := input.agreement_signed == true

c_profit := input.profit_sharing_live == true

c_local := input.local_life == false

default eligible := false

eligible if {
	c_onboarded
	c_agreement
	c_profit
	c_local
}

# 1 % of each month's GMV, rounded half up to the fen: in integers.
cash_by_month_fen := [c | some g in monthly_fen; c := cash_of(g)]

cash_of(g) := (g + 50 - ((g + 50) % 100)) / 100 if eligible

cash_of(_) := 0 if not eligible

result := {
	"eligible": eligible,
	"c_onboarded": c_onboarded,
	"c_agreement": c_agreement,
	"c_profit": c_profit,
	"c_local": c_local,
	"cash_by_month_fen": cash_by_month_fen,
	"gmv_fen": gmv_fen,
}
"#;

/// A Rego engine holding one campaign.
pub struct Rego {
    engine: regorus::Engine,
    rule: String,
    kind: Kind,
}

fn rflag(v: &regorus::Value, key: &str) -> bool {
    v[key].as_bool().copied().unwrap_or(false)
}

fn fen(v: &regorus::Value) -> Decimal {
    v.as_i64().map(|n| Decimal::new(n, 2)).unwrap_or(Decimal::MIN)
}

impl Rego {
    /// Loads the campaign.
    pub fn new(kind: Kind) -> Result<Rego, String> {
        let mut engine = regorus::Engine::new();
        let (file, source, rule) = match kind {
            Kind::Edu => ("edu.rego", REGO_EDU, "data.edu.result"),
            Kind::Gmv => ("gmv.rego", REGO_GMV, "data.gmv.result"),
        };
        engine
            .add_policy(file.to_string(), source.to_string())
            .map_err(|e| e.to_string())?;
        Ok(Rego {
            engine,
            rule: rule.to_string(),
            kind,
        })
    }

    /// Converts a JSON line to Rego's value (not timed as evaluation).
    pub fn input(line: &str) -> Result<regorus::Value, String> {
        regorus::Value::from_json_str(line).map_err(|e| e.to_string())
    }

    /// Evaluates one record, returning the engine's raw output.
    pub fn eval_raw(&mut self, input: &regorus::Value) -> Result<regorus::Value, String> {
        self.engine.set_input(input.clone());
        self.engine.eval_rule(self.rule.clone()).map_err(|e| e.to_string())
    }

    /// Evaluates one record, normalised.
    pub fn eval(&mut self, input: &regorus::Value) -> Result<Norm, String> {
        let out = self.eval_raw(input)?;
        Ok(match self.kind {
            Kind::Edu => Norm {
                eligible: rflag(&out, "eligible"),
                failed: vec![!rflag(&out, "c_signup"), !rflag(&out, "c_score"), !rflag(&out, "c_gmv")],
                rewards: vec![out["growth_points"].as_i64().map(Decimal::from).unwrap_or(Decimal::MIN)],
                values: vec![fen(&out["counted_fen"])],
            },
            Kind::Gmv => {
                let by: Vec<Decimal> = out["cash_by_month_fen"]
                    .as_array()
                    .map(|a| a.iter().map(fen).collect())
                    .unwrap_or_default();
                let mut rewards = vec![by.iter().sum()];
                rewards.extend(by);
                Norm {
                    eligible: rflag(&out, "eligible"),
                    failed: vec![
                        !rflag(&out, "c_onboarded"),
                        !rflag(&out, "c_agreement"),
                        !rflag(&out, "c_profit"),
                        !rflag(&out, "c_local"),
                    ],
                    rewards,
                    values: vec![fen(&out["gmv_fen"])],
                }
            }
        })
    }
}
