//! Which parts of a campaign its test cases exercise (`campaign test --coverage`).
//!
//! Coverage is counted over every record that was evaluated, in every case
//! of the campaign (passing or not): how often each condition held and how
//! often it failed, how often each reward paid something, paid nothing to an
//! eligible record, reached its cap, or was refused by its budget.

use rust_decimal::Decimal;

use super::run::CaseResult;
use crate::eval::round;
use crate::program::{OutputKind, Program};

/// What the cases of one campaign exercised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// How many records were evaluated.
    pub records: usize,
    /// Each condition, in the campaign's order.
    pub conditions: Vec<ConditionCoverage>,
    /// Each reward, in the campaign's order.
    pub rewards: Vec<RewardCoverage>,
}

/// How often a condition held and failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionCoverage {
    /// The condition as written.
    pub text: String,
    /// Its reason.
    pub reason: String,
    /// Records for which it held.
    pub passed: usize,
    /// Records for which it failed.
    pub failed: usize,
}

/// How a reward was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardCoverage {
    /// The reward's name.
    pub name: String,
    /// Records paid a non-zero amount.
    pub paid: usize,
    /// Eligible records paid 0 (nothing earned, or waitlisted).
    pub zero_when_eligible: usize,
    /// For a reward with `at most`: records that reached the cap, and records below it.
    pub cap: Option<(usize, usize)>,
    /// For a reward with a budget: claims granted, and claims waitlisted.
    pub budget: Option<(usize, usize)>,
    /// A reward or a fee (for which "paid" means charged and "eligible" liable).
    pub kind: OutputKind,
}

impl Coverage {
    /// Counts what the results of one campaign's cases exercised.
    pub fn of(program: &Program, results: &[CaseResult]) -> Coverage {
        let mut conditions: Vec<ConditionCoverage> = program
            .conditions
            .iter()
            .map(|c| ConditionCoverage {
                text: c.text.clone(),
                reason: c.reason.clone(),
                passed: 0,
                failed: 0,
            })
            .collect();
        let mut rewards: Vec<RewardCoverage> = program
            .rewards
            .iter()
            .map(|r| RewardCoverage {
                name: r.name.clone(),
                paid: 0,
                zero_when_eligible: 0,
                cap: r.adjust.at_most.as_ref().map(|_| (0, 0)),
                budget: r.budget.as_ref().map(|_| (0, 0)),
                kind: r.kind,
            })
            .collect();
        let mut records = 0;
        for outcome in results
            .iter()
            .flat_map(|r| &r.records)
            .filter_map(|r| r.outcome.as_ref().ok())
        {
            records += 1;
            for (c, passed) in conditions.iter_mut().zip(&outcome.conditions) {
                if *passed {
                    c.passed += 1;
                } else {
                    c.failed += 1;
                }
            }
            for ((cov, def), r) in rewards.iter_mut().zip(&program.rewards).zip(&outcome.rewards) {
                if !r.amount.is_zero() {
                    cov.paid += 1;
                } else if outcome.eligible {
                    cov.zero_when_eligible += 1;
                }
                if let (Some((granted, waitlisted)), Some(b)) = (&mut cov.budget, &r.budget) {
                    if b.granted {
                        *granted += 1;
                    } else {
                        *waitlisted += 1;
                    }
                }
                let refused = r.budget.as_ref().is_some_and(|b| !b.granted);
                if let Some((reached, below)) = &mut cov.cap
                    && outcome.eligible
                    && !refused
                {
                    // The amount before the cap: the raw amount, rounded as the reward rounds.
                    let uncapped = match def.adjust.rounding {
                        Some((mode, step)) => round(r.raw, mode, step).unwrap_or(r.raw),
                        None => r.raw,
                    };
                    if uncapped > r.amount && r.amount >= Decimal::ZERO {
                        *reached += 1;
                    } else {
                        *below += 1;
                    }
                }
            }
        }
        Coverage {
            records,
            conditions,
            rewards,
        }
    }

    /// Whether every condition was seen both holding and failing.
    pub fn complete(&self) -> bool {
        self.conditions.iter().all(|c| c.passed > 0 && c.failed > 0)
    }

    /// What was never seen, one line each (conditions first).
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.conditions {
            match (c.passed, c.failed) {
                (0, 0) => out.push(format!("condition never evaluated: {}", c.text)),
                (0, _) => out.push(format!("condition never true: {}", c.text)),
                (_, 0) => out.push(format!("condition never false: {}", c.text)),
                _ => {}
            }
        }
        for r in &self.rewards {
            if r.paid == 0 {
                out.push(format!("reward `{}` never paid a non-zero amount", r.name));
            }
            if let Some((reached, below)) = r.cap {
                if reached == 0 {
                    out.push(format!("reward `{}` never reached its cap", r.name));
                }
                if below == 0 {
                    out.push(format!("reward `{}` never paid below its cap", r.name));
                }
            }
            if let Some((granted, waitlisted)) = r.budget {
                if granted == 0 {
                    out.push(format!("reward `{}` never granted from its budget", r.name));
                }
                if waitlisted == 0 {
                    out.push(format!(
                        "reward `{}` never ran out of budget (no record waitlisted)",
                        r.name
                    ));
                }
            }
        }
        out
    }
}
