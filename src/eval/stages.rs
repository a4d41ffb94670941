//! A population evaluation (rankings and budgets) cut into stages whose data
//! can cross process boundaries, for engines that spread records over
//! machines (docs/warehouse.md, "Budgets and rankings"):
//!
//! 1. per record, [`Evaluator::rank_entries`]: the record's own definitions,
//!    giving its entry in each place of each ranking (a ranking per period has
//!    a place per period): the group keys of `within` as text, equal for equal
//!    keys, and the order keys;
//! 2. per place and ranking group, [`Evaluator::rank_group`]: the group's
//!    entries sorted as [`Evaluator::evaluate_all`] sorts them (one comparison
//!    for both), ties by the order the caller gives them in, and numbered;
//! 3. per record, [`Evaluator::claims`]: everything before the budgets (the
//!    definitions, conditions and rewards), given the record's places, giving
//!    its claim on each budget with its group (the budget period, or `total`)
//!    and queue key;
//! 4. per budget, in declaration order, and per budget group,
//!    [`Evaluator::allot_group`]: the group's claims put in the budget's queue
//!    order and handed out by the allocator of [`Evaluator::evaluate_all`]. A
//!    record whose claim on a budget fails (it cannot be handed out exactly:
//!    [`Allotment::is_failed`]) fails, and is left out of the queues of the
//!    budgets after it, as [`Evaluator::evaluate_all`] leaves it out: the
//!    caller removes its claims before the next budget's groups are handed out;
//! 5. per record, [`Evaluator::finish`]: the record evaluated again up to its
//!    claims (evaluation is deterministic, so nothing else needs to travel),
//!    given its places and what its claims came to, then the definitions that
//!    read `is waitlisted` and `pool_claims`, which read only the record's own
//!    allotments.
//!
//! Nothing else couples records: `REWARD is earned` never reads a budgeted
//! reward, and a claim's amount is decided before any budget is handed out.
//! The outcomes are those of [`Evaluator::evaluate_all`] over the records in
//! the order the caller breaks ties by (a warehouse sorts by key).
//!
//! Order keys, queue keys and allotments travel as text ([`RankKey::encode`],
//! [`ClaimKey::encode`], [`Allotment::encode`]): JSON whose decimals are
//! strings, exact and with their scale.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use super::EvalError;
use super::budget::{Allotted, Claim, grant, in_queue_order};
use super::interpreter::{Evaluator, Partial, QueueKey, places, rank_places};
use super::value::{BudgetOutcome, Outcome, SplitOutcome};
use crate::facts::Record;
use crate::number::{Number, Ordered, Ratio, Unrepresentable};

/// A record's entry in one place of a ranking, for [`Evaluator::rank_group`].
#[derive(Debug, Clone, PartialEq)]
pub struct RankEntry {
    /// The place: its index among a record's places, every ranking's in declaration order (a
    /// ranking has one place, a ranking per period one per period of its range).
    pub place: usize,
    /// The record's group keys (`within`) as text: equal keys give equal text (`1.50` and
    /// `1.5` alike), so that an engine can group the entries by it. Empty keys (a ranking
    /// without `within`) are one group.
    pub group: String,
    /// The record's order keys.
    pub order: RankKey,
}

/// A record's order keys in a ranking, opaque: compared by [`Evaluator::rank_group`], and
/// travels as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RankKey(Vec<QueueKey>);

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
    /// How many places a record has across every ranking: the places of
    /// [`RankEntry::place`], and the length of the places [`Evaluator::claims`] and
    /// [`Evaluator::finish`] take.
    pub fn rank_places(&self) -> usize {
        rank_places(self.program)
    }

    /// The indices of the budgeted rewards, in the order their budgets are handed out (the
    /// order they are declared in).
    pub fn budgets(&self) -> Vec<usize> {
        let rewards = self.program.rewards.iter().enumerate();
        rewards.filter(|(_, r)| r.budget.is_some()).map(|(i, _)| i).collect()
    }

    /// Stage 1: the record's entries in the rankings' places, one for each place where its
    /// keys are known.
    ///
    /// # Errors
    ///
    /// The record's error, as evaluating it gives it (it then ranks nowhere; the later stages
    /// give the same error again).
    pub fn rank_entries(&self, record: &Record) -> Result<Vec<RankEntry>, EvalError> {
        let partial = self.stage_a(record).map_err(|e| *e)?;
        let entries = partial.rank_keys.into_iter().enumerate();
        Ok(entries
            .filter_map(|(place, keys)| {
                let (groups, order) = keys?;
                let group = Json::Array(groups.iter().map(canonical).collect()).to_string();
                Some(RankEntry {
                    place,
                    group,
                    order: RankKey(order),
                })
            })
            .collect())
    }

    /// Stage 2: the places of one ranking group's entries at place `place`, whose order keys
    /// are given in the order that breaks ties (the CLI's input order; a warehouse's key
    /// order): each entry's place, from 1, in the order given; nothing for a place no ranking
    /// has.
    pub fn rank_group(&self, place: usize, orders: Vec<RankKey>) -> Vec<usize> {
        let mut rankings = self.program.rankings.iter();
        let Some(ranking) = rankings.find(|r| (r.slot..r.slot + r.places).contains(&place)) else {
            return Vec::new();
        };
        let mut given = vec![0; orders.len()];
        let entries = orders
            .into_iter()
            .enumerate()
            .map(|(i, k)| (Vec::new(), k.0, i))
            .collect();
        for (index, p) in places(ranking, entries) {
            if let Some(slot) = given.get_mut(index) {
                *slot = p;
            }
        }
        given
    }

    /// Stage 3: the record's claims on budgets, given its places (`ranks`, by place: none where
    /// it has none).
    ///
    /// # Errors
    ///
    /// The record's error, as evaluating it gives it (it then claims nothing; [`Evaluator::finish`]
    /// gives the same error again).
    pub fn claims(&self, record: &Record, ranks: &[Option<usize>]) -> Result<Vec<BudgetClaim>, EvalError> {
        let mut partial = self.stage_a(record).map_err(|e| *e)?;
        self.place(&mut partial, ranks);
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

    /// Stage 4: the budget of reward `reward` handed out in one `group`, whose claims
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

    /// Stage 5: the record's outcome, given its places (`ranks`, as [`Evaluator::claims`] takes
    /// them) and what its claims came to (`allotted`: by reward index, one for each claim
    /// [`Evaluator::claims`] gave on a budget it was still in the queue of, in the budgets'
    /// order).
    ///
    /// # Errors
    ///
    /// The record's error, as [`Evaluator::evaluate_all`] gives it.
    pub fn finish(
        &self,
        record: &Record,
        ranks: &[Option<usize>],
        allotted: &[(usize, Allotment)],
    ) -> Result<Outcome, EvalError> {
        let mut partial = self.stage_a(record);
        if let Ok(p) = &mut partial {
            self.place(p, ranks);
            if let Err(e) = self.stage_b(record, p) {
                partial = Err(e);
            }
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

    /// Gives the record its places (none beyond those given).
    fn place(&self, partial: &mut Partial<'_>, ranks: &[Option<usize>]) {
        partial.ranks = (0..rank_places(self.program))
            .map(|k| ranks.get(k).copied().flatten())
            .collect();
    }
}

impl RankKey {
    /// The keys as text, for [`RankKey::decode`].
    pub fn encode(&self) -> String {
        Json::Array(self.0.iter().map(tagged).collect()).to_string()
    }

    /// The keys written by [`RankKey::encode`]; none for any other text.
    pub fn decode(text: &str) -> Option<RankKey> {
        let json: Json = serde_json::from_str(text).ok()?;
        let keys = json.as_array()?.iter().map(untagged).collect::<Option<Vec<_>>>()?;
        Some(RankKey(keys))
    }
}

impl ClaimKey {
    /// The key as text, for [`ClaimKey::decode`].
    pub fn encode(&self) -> String {
        tagged(&self.0).to_string()
    }

    /// The key written by [`ClaimKey::encode`]; none for any other text.
    pub fn decode(text: &str) -> Option<ClaimKey> {
        let json: Json = serde_json::from_str(text).ok()?;
        untagged(&json).map(ClaimKey)
    }
}

/// A key as JSON, exact: an object whose one field's name says the key's kind.
fn tagged(key: &QueueKey) -> Json {
    match key {
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
    }
}

/// A key as JSON, the same for equal keys: as [`tagged`], a number as its lowest terms
/// (`Ordered` compares numbers by value, whatever their form).
fn canonical(key: &QueueKey) -> Json {
    match key {
        QueueKey::Num(Ordered(n)) => json!({ "q": n.canonical() }),
        QueueKey::Time(_) | QueueKey::Duration(_) | QueueKey::Text(_) | QueueKey::Choice(_) | QueueKey::Bool(_) => {
            tagged(key)
        }
    }
}

/// The key written by [`tagged`]; none for any other JSON.
fn untagged(json: &Json) -> Option<QueueKey> {
    let (tag, value) = json.as_object()?.iter().next()?;
    Some(match tag.as_str() {
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
    })
}

impl Allotment {
    /// Whether the claim cannot be handed out exactly: its record fails, and leaves the queues
    /// of the budgets after this one.
    pub fn is_failed(&self) -> bool {
        matches!(self.0, Allotted::Failed { .. })
    }

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
