//! Handing out budgets across the population: every claim of a group, in the budget's order,
//! whole while it fits (first come first served) or cut with others' (`split pro rata`,
//! `split equally`, and the period in which a first-come budget runs out with
//! `split pro rata per day`). See the language reference, "Budgets".

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::env::Result;
use super::error::{EvalError, EvalErrorKind, Place};
use super::interpreter::{Evaluator, Partial, QueueKey};
use super::pool::{Cut, share};
use super::value::{BudgetOutcome, SplitOutcome, Value};
use crate::number::Unrepresentable;
use crate::program::{BudgetDef, RewardDef, Share};

/// One claim on a budget: the record's index, its group, its queue key and its amount.
pub(super) struct Claim {
    pub(super) index: usize,
    pub(super) group: String,
    pub(super) key: QueueKey,
    pub(super) amount: Decimal,
}

/// A claim that cannot be allocated exactly: its index, the expression, and why.
type Failed = (usize, String, Unrepresentable);

/// What one claim was given.
struct Grant {
    index: usize,
    group: String,
    position: usize,
    granted: Decimal,
    before: Decimal,
    split: Option<SplitOutcome>,
}

/// What one claim on a budget comes to: its amount and its budget's outcome, or why it cannot
/// be allocated exactly (which fails its record).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Allotted {
    Granted {
        amount: Decimal,
        budget: BudgetOutcome,
    },
    /// The expression that could not be computed exactly, and why.
    Failed {
        expression: String,
        why: Unrepresentable,
    },
}

impl Evaluator<'_> {
    /// Hands out every budget; for each record, which of its rewards are waitlisted.
    pub(super) fn allocate(&self, partials: &mut [Result<Partial<'_>>]) -> Vec<Vec<bool>> {
        let mut waitlisted = vec![vec![false; self.program.rewards.len()]; partials.len()];
        for (ri, reward) in self.program.rewards.iter().enumerate() {
            let Some(budget) = &reward.budget else { continue };
            let queue = queue(partials, ri, budget);
            for (index, allotted) in self.allot(reward, queue) {
                if let Some(p) = partials.get_mut(index)
                    && let Some(granted) = grant(p, ri, reward, allotted)
                    && let Some(w) = waitlisted.get_mut(index).and_then(|w| w.get_mut(ri))
                {
                    *w = !granted;
                }
            }
        }
        waitlisted
    }

    /// The budget of `reward` handed out to the claims of `queue` (in queue order): what each
    /// claim comes to, by the claim's index.
    pub(super) fn allot(&self, reward: &RewardDef, queue: Vec<Claim>) -> Vec<(usize, Allotted)> {
        let Some(budget) = &reward.budget else {
            return Vec::new();
        };
        let amount = match self.constant(&budget.amount) {
            Ok(Value::Num(n)) => n,
            _ => Decimal::ZERO,
        };
        // What each group claimed, for `pool_claims` and explanations. Claims are amounts a
        // record could be paid; a group whose claims add up beyond what a decimal holds
        // (about 7.9 × 10^28) is not a pool any campaign shares, so the sum stops there.
        let mut pools: BTreeMap<String, (Decimal, usize)> = BTreeMap::new();
        for c in &queue {
            let (sum, count) = pools.entry(c.group.clone()).or_insert((Decimal::ZERO, 0));
            *sum = sum.checked_add(c.amount).unwrap_or(*sum);
            *count += 1;
        }
        let claims: BTreeMap<usize, Decimal> = queue.iter().map(|c| (c.index, c.amount)).collect();
        let mut failed = Vec::new();
        let grants = match budget.share {
            Share::Whole => self.whole(queue, amount, &mut failed),
            Share::ProRata | Share::Equally | Share::LastPeriodProRata(_) => {
                self.split(queue, amount, reward, budget.share, &mut failed)
            }
        };
        let mut allotted: Vec<(usize, Allotted)> = failed
            .into_iter()
            .map(|(index, expression, why)| (index, Allotted::Failed { expression, why }))
            .collect();
        for g in grants {
            let claim = claims.get(&g.index).copied().unwrap_or(Decimal::ZERO);
            let pool = pools.get(&g.group).copied().unwrap_or((Decimal::ZERO, 0));
            let budget = BudgetOutcome {
                group: g.group,
                position: g.position,
                granted: g.granted > Decimal::ZERO,
                remaining_before: g.before,
                claim,
                pool,
                split: g.split,
            };
            allotted.push((
                g.index,
                Allotted::Granted {
                    amount: g.granted,
                    budget,
                },
            ));
        }
        allotted
    }

    /// First come first served: each claim whole while it fits, else nothing; a later, smaller
    /// claim that fits is still granted.
    fn whole(&self, queue: Vec<Claim>, amount: Decimal, failed: &mut Vec<Failed>) -> Vec<Grant> {
        let mut remaining: BTreeMap<String, (Decimal, usize)> = BTreeMap::new();
        let mut grants = Vec::with_capacity(queue.len());
        for c in queue {
            let (left, position) = remaining.entry(c.group.clone()).or_insert((amount, 0));
            *position += 1;
            let before = *left;
            let mut granted = zero_like(c.amount);
            if c.amount <= before {
                // Exact: a claim that cannot be taken from what is left without rounding
                // (a budget of 29 digits, a claim in fen) fails its record instead.
                match crate::number::sub_decimals(before, c.amount) {
                    Ok(rest) => {
                        *left = rest;
                        granted = c.amount;
                    }
                    Err(why) => {
                        let expression = format!("{before} - {}", c.amount);
                        failed.push((c.index, expression, why));
                        continue;
                    }
                }
            }
            grants.push(Grant {
                index: c.index,
                group: c.group,
                position: *position,
                granted,
                before,
                split: None,
            });
        }
        grants
    }

    /// Claims cut together: every claim of a group at once (`split pro rata`, `split equally`),
    /// or the claims of each calendar period of the queue key in turn, whole while the period's
    /// claims fit, the period in which the budget runs out pro rata, later periods nothing.
    fn split(
        &self,
        queue: Vec<Claim>,
        amount: Decimal,
        reward: &RewardDef,
        share_by: Share,
        failed: &mut Vec<Failed>,
    ) -> Vec<Grant> {
        let (cut, how) = match share_by {
            Share::Equally => (Cut::Equally, "equally"),
            Share::Whole | Share::ProRata | Share::LastPeriodProRata(_) => (Cut::ProRata, "pro rata"),
        };
        // Batches in queue order: (group, batch key) → claims.
        let mut batches: Vec<(String, String, Vec<Claim>)> = Vec::new();
        for c in queue {
            let batch = match (share_by, &c.key) {
                (Share::LastPeriodProRata(unit), QueueKey::Time(t)) => {
                    crate::time::period_key(self.program.timezone, unit, *t)
                }
                _ => c.group.clone(),
            };
            match batches.last_mut() {
                Some((g, b, claims)) if *g == c.group && *b == batch => claims.push(c),
                _ => batches.push((c.group.clone(), batch, vec![c])),
            }
        }
        let step = reward.unit.precision;
        let mut left: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut positions: BTreeMap<String, usize> = BTreeMap::new();
        let mut grants = Vec::new();
        for (group, batch, claims) in batches {
            let before = *left.entry(group.clone()).or_insert(amount);
            let amounts: Vec<Decimal> = claims.iter().map(|c| c.amount).collect();
            let total = amounts.iter().try_fold(Decimal::ZERO, |s, a| s.checked_add(*a));
            let shares = match (share(cut, &amounts, before, step), total) {
                (Ok(shares), Some(total)) => shares.into_iter().zip(std::iter::repeat(total)),
                _ => {
                    for c in &claims {
                        let expression = format!("{before} × claim ÷ claims");
                        failed.push((c.index, expression, Unrepresentable::TooLarge));
                    }
                    continue;
                }
            };
            // A batch served after the budget ran out is waitlisted, not split.
            let cut_here = before > Decimal::ZERO && total.is_some_and(|t| t > before);
            // Shares add up to at most what was left (`pool::share`), so this never overflows.
            let mut given = Decimal::ZERO;
            for (c, (granted, total)) in claims.into_iter().zip(shares) {
                let position = positions.entry(group.clone()).or_insert(0);
                *position += 1;
                given = given.checked_add(granted).unwrap_or(given);
                grants.push(Grant {
                    index: c.index,
                    group: c.group,
                    position: *position,
                    granted,
                    before,
                    split: cut_here.then(|| SplitOutcome {
                        how,
                        batch: batch.clone(),
                        shared: before,
                        claims: (total, amounts.len()),
                    }),
                });
            }
            if let Some(l) = left.get_mut(&group) {
                *l = l.checked_sub(given).unwrap_or(Decimal::ZERO).max(Decimal::ZERO);
            }
        }
        grants
    }
}

/// The claims on the budget of reward `ri`, by group, then queue key (reversed when
/// descending), then input order: eligible records with an amount above 0.
fn queue(partials: &[Result<Partial<'_>>], ri: usize, budget: &BudgetDef) -> Vec<Claim> {
    let mut queue: Vec<Claim> = Vec::new();
    for (index, p) in partials.iter().enumerate() {
        if let Ok(p) = p
            && let (Some(Some((group, key))), Some(r)) = (p.claims.get(ri), p.outcome.rewards.get(ri))
        {
            queue.push(Claim {
                index,
                group: group.clone(),
                key: key.clone(),
                amount: r.amount,
            });
        }
    }
    in_queue_order(&mut queue, budget);
    queue
}

/// Puts claims in the budget's queue order: by group, then queue key (reversed when
/// descending), then index (the input order).
pub(super) fn in_queue_order(queue: &mut [Claim], budget: &BudgetDef) {
    queue.sort_by(|a, b| {
        let order = a.key.cmp(&b.key);
        let order = if budget.descending { order.reverse() } else { order };
        a.group.cmp(&b.group).then(order).then(a.index.cmp(&b.index))
    });
}

/// Gives the record `partial` what its claim on the budget of reward `ri` came to: its amount
/// and budget outcome (then whether it was granted), or the error that fails it.
pub(super) fn grant(
    partial: &mut Result<Partial<'_>>,
    ri: usize,
    reward: &RewardDef,
    allotted: Allotted,
) -> Option<bool> {
    match allotted {
        Allotted::Granted { amount, budget } => {
            let granted = budget.granted;
            if let Ok(p) = partial
                && let Some(r) = p.outcome.rewards.get_mut(ri)
            {
                if amount != budget.claim {
                    r.amount = amount;
                    for (_, part) in r.payments.iter_mut() {
                        *part = zero_like(*part);
                    }
                }
                r.budget = Some(budget);
            }
            Some(granted)
        }
        Allotted::Failed { expression, why } => {
            let kind = EvalErrorKind::NotRepresentable { expression, why };
            *partial = Err(Box::new(EvalError::new(kind, Place::Reward(reward.name.clone()))));
            None
        }
    }
}

/// Zero written with `d`'s decimals (a refused claim of 3.00 CNY is 0.00).
pub(super) fn zero_like(d: Decimal) -> Decimal {
    let mut z = Decimal::ZERO;
    let _ = z.set_scale(d.scale());
    z
}
