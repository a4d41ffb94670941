//! A budget's population evaluation cut into three stages whose data can
//! cross process boundaries, for engines that spread records over machines
//! (docs/warehouse.md, "Budgets and rankings"):
//!
//! 1. per record, [`Evaluator::claims`]: everything before the budget (the
//!    definitions, conditions and rewards), giving the record's claim on each
//!    budget with its group (the budget period, or `total`) and queue key;
//! 2. per budget group, [`Evaluator::allot_group`]: the group's claims put in
//!    the budget's queue order and handed out by the allocator of
//!    [`Evaluator::evaluate_all`];
//! 3. per record, [`Evaluator::finish`]: the record evaluated again up to its
//!    claims (evaluation is deterministic, so nothing else needs to travel),
//!    given what its claims came to, then the definitions that read
//!    `is waitlisted`.
//!
//! The outcomes are those of [`Evaluator::evaluate_all`] over the records in
//! the order the caller breaks queue ties by (a warehouse sorts by key) when
//! [`Evaluator::allots_by_group`] holds: the campaign has one budget and no
//! ranking. Rankings place records before rewards are computed, and with two
//! budgets a claim the first cannot hand out exactly fails its record, which
//! takes the record out of the second budget's queue: such campaigns need
//! every record in one place.
//!
//! Queue keys and allotments travel as text ([`ClaimKey::encode`],
//! [`Allotment::encode`]): JSON whose decimals are strings, exact and with
//! their scale.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::EvalError;
use super::budget::{Allotted, Claim, grant, in_queue_order};
use super::interpreter::{Evaluator, QueueKey};
use super::value::{BudgetOutcome, Outcome, SplitOutcome};
use crate::facts::Record;
use crate::number::{Number, Ordered, Ratio, Unrepresentable};

/// A record's claim on a budget: the reward that claims, the budget group, the queue key and
/// the amount claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetClaim {
    /// The index of the budgeted reward in the program.
    pub reward: usize,
    /// The budget period the claim falls in (`2024-11`), or `total`.
    pub group: String,
    /// Where the claim stands in the queue.
    pub key: ClaimKey,
    /// The amount claimed.
    pub amount: Decimal,
}

/// A claim's place in its budget's queue (the value of `ordered by`), opaque: it is compared
/// by the allocator, and travels as text.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimKey(QueueKey);

/// What a claim came to: what [`Evaluator::finish`] needs from the budget's allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Allotment(Allotted);

impl Evaluator<'_> {
    /// Whether [`Evaluator::claims`], [`Evaluator::allot_group`] and [`Evaluator::finish`]
    /// give the outcomes of [`Evaluator::evaluate_all`]: the campaign has exactly one budget
    /// and no ranking (see the module's documentation for why).
    pub fn allots_by_group(&self) -> bool {
        let budgets = self.program.rewards.iter().filter(|r| r.budget.is_some()).count();
        budgets == 1 && self.program.rankings.is_empty()
    }

    /// Stage 1: the record's claims on budgets.
    ///
    /// # Errors
    ///
    /// The record's error, as evaluating it gives it (it then claims nothing; [`Evaluator::finish`]
    /// gives the same error again).
    pub fn claims(&self, record: &Record) -> Result<Vec<BudgetClaim>, EvalError> {
        let mut partial = self.stage_a(record).map_err(|e| *e)?;
        self.stage_b(record, &mut partial).map_err(|e| *e)?;
        let mut claims = Vec::new();
        for (reward, (claim, outcome)) in partial.claims.iter().zip(&partial.outcome.rewards).enumerate() {
            if let Some((group, key)) = claim {
                claims.push(BudgetClaim {
                    reward,
                    group: group.clone(),
                    key: ClaimKey(key.clone()),
                    amount: outcome.amount,
                });
            }
        }
        Ok(claims)
    }

    /// Stage 2: the budget of reward `reward` handed out in one `group`, whose claims
    /// (key and amount) are given in the order that breaks ties in the queue (the CLI's
    /// input order; a warehouse's key order). What each claim came to, in the order given.
    pub fn allot_group(&self, reward: usize, group: &str, claims: Vec<(ClaimKey, Decimal)>) -> Vec<Allotment> {
        let Some(def) = self.program.rewards.get(reward) else {
            return Vec::new();
        };
        let Some(budget) = &def.budget else {
            return Vec::new();
        };
        let count = claims.len();
        let mut queue: Vec<Claim> = claims
            .into_iter()
            .enumerate()
            .map(|(index, (key, amount))| Claim {
                index,
                group: group.to_owned(),
                key: key.0,
                amount,
            })
            .collect();
        in_queue_order(&mut queue, budget);
        let mut given: Vec<Option<Allotted>> = vec![None; count];
        for (index, allotted) in self.allot(def, queue) {
            if let Some(slot) = given.get_mut(index) {
                *slot = Some(allotted);
            }
        }
        // Every claim is allotted something (`allot` gives each index once).
        given.into_iter().flatten().map(Allotment).collect()
    }

    /// Stage 3: the record's outcome, given what its claims came to (`allotted`: by reward
    /// index, one for each claim [`Evaluator::claims`] gave).
    ///
    /// # Errors
    ///
    /// The record's error, as [`Evaluator::evaluate_all`] gives it.
    pub fn finish(&self, record: &Record, allotted: &[(usize, Allotment)]) -> Result<Outcome, EvalError> {
        let mut partial = self.stage_a(record);
        if let Ok(p) = &mut partial
            && let Err(e) = self.stage_b(record, p)
        {
            partial = Err(e);
        }
        let mut waitlisted = vec![false; self.program.rewards.len()];
        for (ri, allotment) in allotted {
            let Some(reward) = self.program.rewards.get(*ri) else {
                continue;
            };
            if let Some(granted) = grant(&mut partial, *ri, reward, allotment.0.clone())
                && let Some(w) = waitlisted.get_mut(*ri)
            {
                *w = !granted;
            }
        }
        let mut p = partial.map_err(|e| *e)?;
        if self.has_after_budget {
            self.stage_c(record, &mut p, &waitlisted).map_err(|e| *e)?;
        }
        Ok(p.outcome)
    }
}

impl ClaimKey {
    /// The key as text, for [`ClaimKey::decode`].
    pub fn encode(&self) -> String {
        let json = match &self.0 {
            QueueKey::Num(Ordered(Number::Decimal(d))) => json!({ "n": d.to_string() }),
            QueueKey::Num(Ordered(Number::Ratio(r))) => {
                let (num, den) = r.parts();
                json!({ "r": [num.to_string(), den] })
            }
            QueueKey::Time(t) => json!({ "t": [t.timestamp(), t.timestamp_subsec_nanos()] }),
            QueueKey::Duration(d) => json!({ "d": [d.num_seconds(), d.subsec_nanos()] }),
            QueueKey::Text(s) => json!({ "s": s }),
            QueueKey::Choice(c) => json!({ "c": c }),
            QueueKey::Bool(b) => json!({ "b": b }),
        };
        json.to_string()
    }

    /// The key written by [`ClaimKey::encode`]; none for any other text.
    pub fn decode(text: &str) -> Option<ClaimKey> {
        let json: Json = serde_json::from_str(text).ok()?;
        let (tag, value) = json.as_object()?.iter().next()?;
        let key = match tag.as_str() {
            "n" => QueueKey::Num(Ordered(Number::Decimal(decimal(value)?))),
            "r" => {
                let (num, den) = pair(value)?;
                QueueKey::Num(Ordered(Number::Ratio(Ratio::from_parts(decimal(num)?, den.as_u64()?))))
            }
            "t" => {
                let (secs, nanos) = pair(value)?;
                let nanos = u32::try_from(nanos.as_u64()?).ok()?;
                QueueKey::Time(DateTime::<Utc>::from_timestamp(secs.as_i64()?, nanos)?)
            }
            "d" => {
                let (secs, nanos) = pair(value)?;
                let nanos = i32::try_from(nanos.as_i64()?).ok()?;
                let whole = TimeDelta::try_seconds(secs.as_i64()?)?;
                QueueKey::Duration(whole.checked_add(&TimeDelta::nanoseconds(i64::from(nanos)))?)
            }
            "s" => QueueKey::Text(value.as_str()?.to_owned()),
            "c" => QueueKey::Choice(u32::try_from(value.as_u64()?).ok()?),
            "b" => QueueKey::Bool(value.as_bool()?),
            _ => return None,
        };
        Some(ClaimKey(key))
    }
}

impl Allotment {
    /// The allotment as text, for [`Allotment::decode`].
    pub fn encode(&self) -> String {
        let json = match &self.0 {
            Allotted::Granted { amount, budget } => json!({
                "amount": amount.to_string(),
                "group": budget.group,
                "position": budget.position,
                "granted": budget.granted,
                "before": budget.remaining_before.to_string(),
                "claim": budget.claim.to_string(),
                "pool": [budget.pool.0.to_string(), budget.pool.1],
                "split": budget.split.as_ref().map(|s| json!({
                    "how": s.how,
                    "batch": s.batch,
                    "shared": s.shared.to_string(),
                    "claims": [s.claims.0.to_string(), s.claims.1],
                })),
            }),
            Allotted::Failed { expression, why } => json!({
                "failed": expression,
                "why": why_name(*why),
            }),
        };
        json.to_string()
    }

    /// The allotment written by [`Allotment::encode`]; none for any other text.
    pub fn decode(text: &str) -> Option<Allotment> {
        let json: Json = serde_json::from_str(text).ok()?;
        if let Some(expression) = json.get("failed") {
            let expression = expression.as_str()?.to_owned();
            let why = why_of(json.get("why")?.as_str()?)?;
            return Some(Allotment(Allotted::Failed { expression, why }));
        }
        let (pool_sum, pool_count) = pair(json.get("pool")?)?;
        let split = match json.get("split")? {
            Json::Null => None,
            s => {
                let (sum, count) = pair(s.get("claims")?)?;
                Some(SplitOutcome {
                    how: match s.get("how")?.as_str()? {
                        "equally" => "equally",
                        "pro rata" => "pro rata",
                        _ => return None,
                    },
                    batch: s.get("batch")?.as_str()?.to_owned(),
                    shared: decimal(s.get("shared")?)?,
                    claims: (decimal(sum)?, usize::try_from(count.as_u64()?).ok()?),
                })
            }
        };
        let budget = BudgetOutcome {
            group: json.get("group")?.as_str()?.to_owned(),
            position: usize::try_from(json.get("position")?.as_u64()?).ok()?,
            granted: json.get("granted")?.as_bool()?,
            remaining_before: decimal(json.get("before")?)?,
            claim: decimal(json.get("claim")?)?,
            pool: (decimal(pool_sum)?, usize::try_from(pool_count.as_u64()?).ok()?),
            split,
        };
        Some(Allotment(Allotted::Granted {
            amount: decimal(json.get("amount")?)?,
            budget,
        }))
    }
}

/// A decimal written as a string (exact, with its scale).
fn decimal(json: &Json) -> Option<Decimal> {
    json.as_str()?.parse().ok()
}

/// The two items of a JSON array of two.
fn pair(json: &Json) -> Option<(&Json, &Json)> {
    match json.as_array()?.as_slice() {
        [a, b] => Some((a, b)),
        _ => None,
    }
}

fn why_name(why: Unrepresentable) -> &'static str {
    match why {
        Unrepresentable::TooLarge => "too large",
        Unrepresentable::TooPrecise => "too precise",
        Unrepresentable::DivisorTooLarge => "divisor too large",
        Unrepresentable::FractionOfNanosecond => "fraction of a nanosecond",
    }
}

fn why_of(name: &str) -> Option<Unrepresentable> {
    Some(match name {
        "too large" => Unrepresentable::TooLarge,
        "too precise" => Unrepresentable::TooPrecise,
        "divisor too large" => Unrepresentable::DivisorTooLarge,
        "fraction of a nanosecond" => Unrepresentable::FractionOfNanosecond,
        _ => return None,
    })
}
