//! The report of one evaluation, counted row by row: [`Tally`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Value as Json, json};

use super::bins::Histogram;
use super::{Exact, percent};
use crate::batch::Row;
use crate::eval::Outcome;
use crate::program::Program;

/// How many of the most common reasons a report lists.
pub const TOP_REASONS: usize = 10;

/// What a report counts, fed one row at a time: counters per reward, period, condition,
/// budget group and reason, never per record (memory does not grow with the input).
#[derive(Debug, Clone)]
pub struct Tally<'p> {
    program: &'p Program,
    /// Records read, qualifying (eligible or liable), not qualifying, failed.
    pub counts: Counts,
    rewards: Vec<RewardTally>,
    /// Per condition: records failing it, and records failing it and no other.
    conditions: Vec<(usize, usize)>,
    /// Per reward, per condition of its `when` block: qualifying records failing it.
    gates: Vec<Vec<usize>>,
    /// Per reward with a budget: its groups (periods, or `total`), by key.
    budgets: Vec<BTreeMap<String, BudgetGroup>>,
    exact: Exact,
}

/// Counts of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every row.
    pub read: usize,
    /// Evaluated, and every condition holds.
    pub qualifying: usize,
    /// Evaluated, and some condition fails.
    pub not_qualifying: usize,
    /// Not read or not evaluated.
    pub failed: usize,
}

#[derive(Debug, Clone, Default)]
struct RewardTally {
    total: Decimal,
    /// Qualifying records given a non-zero amount.
    paid: usize,
    by_period: Vec<Decimal>,
    histogram: Histogram,
}

/// One budget group (a period's budget, or the whole budget).
#[derive(Debug, Clone, Default)]
struct BudgetGroup {
    claims: usize,
    granted: usize,
    claimed: Decimal,
    paid: Decimal,
    /// The first claim in the queue that was not granted whole: its place, and what was left
    /// before it.
    ran_out: Option<(usize, Decimal)>,
}

impl<'p> Tally<'p> {
    /// An empty tally of `program`'s results.
    pub fn new(program: &'p Program) -> Self {
        Tally {
            program,
            counts: Counts::default(),
            rewards: program
                .rewards
                .iter()
                .map(|r| RewardTally {
                    by_period: vec![Decimal::ZERO; periods_of(program, r.per)],
                    ..RewardTally::default()
                })
                .collect(),
            conditions: vec![(0, 0); program.conditions.len()],
            gates: program
                .rewards
                .iter()
                .map(|r| vec![0; r.gate.as_ref().map_or(0, Vec::len)])
                .collect(),
            budgets: program.rewards.iter().map(|_| BTreeMap::new()).collect(),
            exact: Exact::default(),
        }
    }

    /// The campaign counted.
    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// Counts one row.
    pub fn add(&mut self, row: &Row) {
        self.counts.read += 1;
        match row {
            Row::Evaluated(e) => self.add_outcome(&e.outcome),
            Row::Failed(_) => self.counts.failed += 1,
        }
    }

    fn add_outcome(&mut self, outcome: &Outcome) {
        let failing = outcome.conditions.iter().filter(|held| !**held).count();
        for (counts, held) in self.conditions.iter_mut().zip(&outcome.conditions) {
            if !held {
                counts.0 += 1;
                counts.1 += usize::from(failing == 1);
            }
        }
        if !outcome.eligible {
            self.counts.not_qualifying += 1;
            return;
        }
        self.counts.qualifying += 1;
        for (r, out) in outcome.rewards.iter().enumerate() {
            let (Some(tally), Some(gates), Some(groups)) =
                (self.rewards.get_mut(r), self.gates.get_mut(r), self.budgets.get_mut(r))
            else {
                continue;
            };
            self.exact.add(&mut tally.total, out.amount);
            tally.paid += usize::from(!out.amount.is_zero());
            tally.histogram.add(out.amount);
            for (sum, amount) in tally.by_period.iter_mut().zip(out.by_period.iter().flatten()) {
                self.exact.add(sum, *amount);
            }
            for (count, held) in gates.iter_mut().zip(out.gate.iter().flatten()) {
                *count += usize::from(!held);
            }
            if let Some(b) = &out.budget {
                let group = groups.entry(b.group.clone()).or_default();
                group.claims += 1;
                group.granted += usize::from(b.granted);
                self.exact.add(&mut group.claimed, b.claim);
                self.exact.add(&mut group.paid, out.amount);
                let cut = !b.granted || out.amount < b.claim;
                if cut && group.ran_out.is_none_or(|(at, _)| b.position < at) {
                    group.ran_out = Some((b.position, b.remaining_before));
                }
            }
        }
    }

    /// Whether some sum left the range of exact decimals (the report then says so instead of
    /// giving a wrong total).
    pub fn overflowed(&self) -> bool {
        self.exact.overflowed
    }

    /// The total of each reward, in the order declared.
    pub fn reward_totals(&self) -> Vec<Decimal> {
        self.rewards.iter().map(|r| r.total).collect()
    }

    /// How many qualifying records each reward gave a non-zero amount.
    pub fn reward_paid(&self) -> Vec<usize> {
        self.rewards.iter().map(|r| r.paid).collect()
    }

    /// The report as JSON (the shape documented in docs/cli.md, "campaign report").
    pub fn to_json(&self) -> Json {
        let program = self.program;
        let kind = program.output_kind();
        let evaluated = self.counts.qualifying + self.counts.not_qualifying;
        let mut records = Map::new();
        records.insert("read".into(), json!(self.counts.read));
        records.insert(kind.verdict_key().into(), json!(self.counts.qualifying));
        records.insert(format!("not_{}", kind.verdict_key()), json!(self.counts.not_qualifying));
        records.insert("failed".into(), json!(self.counts.failed));
        let rewards: Vec<Json> = program
            .rewards
            .iter()
            .zip(&self.rewards)
            .map(|(def, t)| {
                let by_period: Vec<Json> = def
                    .per
                    .and_then(|p| program.periods.get(p))
                    .map(|range| {
                        range
                            .periods
                            .iter()
                            .zip(&t.by_period)
                            .map(|(p, a)| json!({"period": p.key, "amount": a.to_string()}))
                            .collect()
                    })
                    .unwrap_or_default();
                let histogram: Vec<Json> = t
                    .histogram
                    .bins()
                    .iter()
                    .map(|b| json!({"from": b.lo.to_string(), "to": b.hi.to_string(), "count": b.count}))
                    .collect();
                json!({
                    "name": def.name,
                    "unit": &*def.unit.name,
                    "total": t.total.to_string(),
                    kind.settled(): t.paid,
                    "by_period": by_period,
                    "histogram": histogram,
                })
            })
            .collect();
        let conditions: Vec<Json> = program
            .conditions
            .iter()
            .zip(&self.conditions)
            .map(|(c, &(excludes, alone))| {
                json!({
                    "reason": c.reason,
                    "excludes": excludes,
                    "excludes_percent": percent(excludes, evaluated),
                    "alone": alone,
                    "alone_percent": percent(alone, evaluated),
                })
            })
            .collect();
        json!({
            "campaign": program.name,
            "records": Json::Object(records),
            "totals": super::totals_by_unit(program, &self.reward_totals()),
            kind.plural(): rewards,
            "conditions": conditions,
            "budgets": self.budgets_json(),
            "reasons": self.reasons_json(),
        })
    }

    fn budgets_json(&self) -> Vec<Json> {
        self.program
            .rewards
            .iter()
            .zip(&self.budgets)
            .filter(|(def, _)| def.budget.is_some())
            .map(|(def, groups)| {
                let groups: Vec<Json> = groups
                    .iter()
                    .map(|(key, g)| {
                        json!({
                            "group": key,
                            "claims": g.claims,
                            "granted": g.granted,
                            "waitlisted": g.claims - g.granted,
                            "claimed": g.claimed.to_string(),
                            "paid": g.paid.to_string(),
                            "ran_out_at": g.ran_out.map(|(at, _)| at),
                            "left_then": g.ran_out.map(|(_, left)| left.to_string()),
                        })
                    })
                    .collect();
                json!({"name": def.name, "unit": &*def.unit.name, "groups": groups})
            })
            .collect()
    }

    /// The most common reasons: failed conditions over every evaluated record, then the
    /// conditions of rewards' `when` blocks over qualifying records; the most frequent first,
    /// ties in the order written.
    fn reasons_json(&self) -> Vec<Json> {
        let mut reasons: Vec<(&str, Option<&str>, usize)> = self
            .program
            .conditions
            .iter()
            .zip(&self.conditions)
            .map(|(c, &(n, _))| (c.reason.as_str(), None, n))
            .collect();
        for ((def, counts), _) in self.program.rewards.iter().zip(&self.gates).zip(&self.rewards) {
            for (c, &n) in def.gate.iter().flatten().zip(counts) {
                reasons.push((c.reason.as_str(), Some(def.name.as_str()), n));
            }
        }
        reasons.retain(|r| r.2 > 0);
        reasons.sort_by_key(|r| std::cmp::Reverse(r.2));
        reasons
            .into_iter()
            .take(TOP_REASONS)
            .map(|(reason, reward, count)| match reward {
                Some(reward) => json!({"reason": reason, "reward": reward, "count": count}),
                None => json!({"reason": reason, "count": count}),
            })
            .collect()
    }
}

/// How many periods a reward settled per period has.
fn periods_of(program: &Program, per: Option<usize>) -> usize {
    per.and_then(|p| program.periods.get(p)).map_or(0, |r| r.periods.len())
}
