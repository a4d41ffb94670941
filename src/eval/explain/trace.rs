//! Explaining a record's outcome: each condition with what it read and what would pass it,
//! the items each aggregate took and left out (a walk of its list, [`Env::walk`]), and each
//! reward's arithmetic.

use rust_decimal::Decimal;

use super::show::{group_digits, show, show_time, show_window_end};
use super::{ConditionLine, Explanation, ItemLine, RewardLine, ValueLine};
use crate::eval::Evaluator;
use crate::eval::env::{Context, Env, Result};
use crate::eval::reference::groups::top_place;
use crate::eval::reference::lists::Visit;
use crate::eval::value::*;
use crate::facts::Record;
use crate::number::Number;
use crate::program::types::{Dim, Ty};
use crate::program::*;

/// At most this many list items are listed per value in an explanation.
const MAX_EXPLAINED_ITEMS: usize = 50;

impl Evaluator<'_> {
    /// Explains a record's outcome (as returned by [`Evaluator::evaluate`] or [`Evaluator::evaluate_all`]).
    pub fn explain(&self, id: &str, record: &Record, outcome: &Outcome) -> std::result::Result<Explanation, EvalError> {
        self.explain_one(id, record, outcome).map_err(|e| *e)
    }

    fn explain_one(&self, id: &str, record: &Record, outcome: &Outcome) -> Result<Explanation> {
        let program = self.program;
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
        env.ranks = outcome.ranks.clone();
        env.waitlisted = outcome
            .rewards
            .iter()
            .map(|r| r.budget.as_ref().is_some_and(|b| !b.granted))
            .collect();
        env.pools = crate::eval::interpreter::pools_of(outcome);
        for (i, def) in program.definitions.iter().enumerate() {
            env.compute_def(i, def)?;
        }
        // As when it was decided: each reward earned when eligible, its own conditions held and
        // it paid more than 0 (a budgeted reward, which no reward reads, as granted).
        env.earned = outcome
            .rewards
            .iter()
            .map(|r| outcome.eligible && r.gate_passed() && r.amount > Decimal::ZERO)
            .collect();
        let mut conditions = Vec::new();
        for (i, c) in program.conditions.iter().enumerate() {
            env.context = Context::Condition(i);
            let passed = outcome.conditions.get(i).copied().unwrap_or(false);
            conditions.push(env.condition_line(c, passed)?);
        }
        let mut values = Vec::new();
        for (i, def) in program.definitions.iter().enumerate() {
            let (list, top) = match &def.expr {
                Ir::Aggregate(_, list) => (Some(list), None),
                Ir::Top(t) => (Some(&t.list), Some(&**t)),
                _ => (None, None),
            };
            let reads_periods = def.per.is_some() && reads_other_periods(&def.expr);
            env.context = Context::Definition(i);
            match (def.per.and_then(|p| program.periods.get(p).map(|r| (p, r))), list) {
                (None, None) => {}
                (None, Some(list)) => {
                    let mut items = Vec::new();
                    env.walk(list, 0, &mut Trace { out: &mut items }, &String::new())?;
                    let result = show(program, env.defs.get(i).copied().unwrap_or(Value::Unknown), &def.ty);
                    let mut line = value_line(def.name.clone(), result, items);
                    if let Some(t) = top {
                        line.groups = env.group_lines(t)?;
                    }
                    values.push(line);
                }
                (Some(_), None) if !reads_periods => {}
                (Some((p, range)), list) => {
                    for (k, period) in range.periods.iter().enumerate() {
                        env.period = Some((p, k));
                        let mut items = Vec::new();
                        if let Some(list) = list {
                            env.walk(list, 0, &mut Trace { out: &mut items }, &String::new())?;
                        }
                        let v = env.periodic_at(i, k);
                        let result = show(program, v, &def.ty);
                        let mut line = value_line(format!("{}[{}]", def.name, period.key), result, items);
                        if reads_periods {
                            line.reads = env.period_reads(&def.expr)?;
                        }
                        if let Some(t) = top {
                            line.groups = env.group_lines(t)?;
                        }
                        values.push(line);
                    }
                    env.period = None;
                }
            }
        }
        let thresholds = env.threshold_lines()?;
        let balances = env.balance_lines()?;
        let mut rewards = Vec::new();
        for (i, (r, o)) in program.rewards.iter().zip(&outcome.rewards).enumerate() {
            let gate = match (&r.gate, &o.gate) {
                (Some(defs), Some(passed)) => {
                    let mut lines = Vec::with_capacity(defs.len());
                    for (k, (c, passed)) in defs.iter().zip(passed).enumerate() {
                        env.context = Context::RewardCondition(i, k);
                        lines.push(env.condition_line(c, *passed)?);
                    }
                    Some(lines)
                }
                _ => None,
            };
            env.context = Context::Reward(i);
            let mut line = env.reward_steps(r, o, outcome.eligible)?;
            line.conditions = gate;
            rewards.push(line);
        }
        Ok(Explanation {
            kind: program.output_kind(),
            id: id.to_string(),
            eligible: outcome.eligible,
            conditions,
            values,
            thresholds,
            balances,
            rewards,
        })
    }
}

fn value_line(name: String, result: String, mut items: Vec<ItemLine>) -> ValueLine {
    let more_items = items.len().saturating_sub(MAX_EXPLAINED_ITEMS);
    items.truncate(MAX_EXPLAINED_ITEMS);
    ValueLine {
        name,
        result,
        items,
        more_items,
        reads: Vec::new(),
        groups: Vec::new(),
    }
}

impl<'a> Env<'a> {
    /// Each group of a `top` with its total, in the order of their first items, the top one
    /// marked: the totals behind the value, which results do not show.
    fn group_lines(&mut self, top: &'a Top) -> Result<Vec<String>> {
        let Some(groups) = self.groups(top)? else {
            return Ok(vec![
                "an item's key or total is unknown: no group is the top one".to_string(),
            ]);
        };
        let first = top_place(top, &groups);
        let program = self.program;
        let line = |(key, totals): &(Value<'a>, Vec<Value<'a>>), mark: &str| {
            let mut text = show(program, *key, &top.key_ty);
            let types = std::iter::once(&top.total_ty).chain(top.ties.iter().filter_map(|t| match t {
                TopTie::Total { ty, .. } => Some(ty),
                TopTie::Key { .. } => None,
            }));
            for (i, (total, ty)) in totals.iter().zip(types).enumerate() {
                text.push_str(if i == 0 { " = " } else { ", then " });
                text.push_str(&show(program, *total, ty));
            }
            text.push_str(mark);
            text
        };
        let mut out: Vec<String> = groups
            .iter()
            .take(MAX_EXPLAINED_ITEMS)
            .enumerate()
            .map(|(i, group)| line(group, if Some(i) == first { " (top)" } else { "" }))
            .collect();
        if let Some(top_group) = first.filter(|i| *i >= MAX_EXPLAINED_ITEMS).and_then(|i| groups.get(i)) {
            out.push(line(top_group, " (top)"));
        }
        let more = groups.len().saturating_sub(out.len());
        if more > 0 {
            out.push(format!("… and {more} more groups"));
        }
        Ok(out)
    }
}

/// Whether an expression reads other periods than the current one, or numbers it.
fn reads_other_periods(ir: &Ir) -> bool {
    ir.any(&mut |n| matches!(n, Ir::Previous { .. } | Ir::Cumulative(_) | Ir::PeriodNumber(_)))
}

impl<'a> Env<'a> {
    /// What an expression reads of other periods in the current one, as `cumulative(gmv) =
    /// 520,000 CNY`, in the order written: the answer to "why is March's tier 2?".
    fn period_reads(&mut self, ir: &'a Ir) -> Result<Vec<String>> {
        let mut nodes: Vec<&'a Ir> = Vec::new();
        collect_period_reads(ir, &mut nodes);
        let program = self.program;
        let name = |j: usize| program.definitions.get(j).map(|d| (d.name.as_str(), &d.ty));
        let mut out = Vec::new();
        for node in nodes {
            let v = self.eval(node)?;
            let line = match node {
                Ir::Previous { def, .. } => {
                    name(*def).map(|(n, ty)| format!("previous({n}) = {}", show(program, v, ty)))
                }
                Ir::Cumulative(def) => name(*def).map(|(n, ty)| format!("cumulative({n}) = {}", show(program, v, ty))),
                _ => Some(format!("period_number = {}", show(program, v, &Ty::Num(Dim::Count)))),
            };
            out.extend(line.filter(|l| !out.contains(l)));
        }
        Ok(out)
    }
}

/// The reads of other periods in an expression, outermost first, in the order written.
fn collect_period_reads<'a>(ir: &'a Ir, out: &mut Vec<&'a Ir>) {
    if matches!(ir, Ir::Previous { .. } | Ir::Cumulative(_) | Ir::PeriodNumber(_)) {
        out.push(ir);
        return;
    }
    ir.for_each_child(&mut |child| collect_period_reads(child, out));
}

/// The walk of an explanation: each item with its place in the record, counted or left out and
/// by which conjunct (tested as the reference does), with the value it adds or would have added.
struct Trace<'v> {
    out: &'v mut Vec<ItemLine>,
}

impl<'a> Visit<'a> for Trace<'_> {
    /// Where the item is in the record: `sales[2]`, `mini_programs[0].orders[3]`.
    type State = String;

    fn enter(&mut self, level: &'a ListLevel, index: usize, outer: &String) -> Option<String> {
        if self.out.len() > MAX_EXPLAINED_ITEMS {
            // Keep counting items beyond the limit without evaluating them.
            self.out.push(ItemLine {
                path: String::new(),
                value: None,
                counted: false,
                left_out_by: None,
            });
            return None;
        }
        Some(if outer.is_empty() {
            format!("{}[{index}]", level.name)
        } else {
            format!("{outer}.{}[{index}]", level.name)
        })
    }

    fn keep(&mut self, env: &mut Env<'a>, _: usize, _: usize, filter: &'a Filter, _: &mut String) -> Result<bool> {
        Ok(env.eval(&filter.ir)? == Value::Bool(true))
    }

    fn left_out(
        &mut self,
        env: &mut Env<'a>,
        list: &'a ListExpr,
        last: bool,
        filter: &'a Filter,
        path: String,
    ) -> Result<()> {
        // The value the item would have added, had it passed (at the innermost level).
        let value = match (&list.project, last) {
            (Some(p), true) => env.eval(p).ok().map(|v| item_value(env.program, v)),
            _ => None,
        };
        self.out.push(ItemLine {
            path,
            value,
            counted: false,
            left_out_by: Some(filter.text.clone()),
        });
        Ok(())
    }

    fn take(&mut self, env: &mut Env<'a>, list: &'a ListExpr, path: String) -> Result<()> {
        let value = match &list.project {
            Some(p) => Some(item_value(env.program, env.eval(p)?)),
            None => None,
        };
        self.out.push(ItemLine {
            path,
            value,
            counted: true,
            left_out_by: None,
        });
        Ok(())
    }
}

/// The value an item adds to an aggregate, as a plain number (`—` when unknown).
fn item_value(program: &Program, v: Value<'_>) -> String {
    show(program, v, &Ty::Num(Dim::Decimal)).replace("unknown", "—")
}

impl<'a> Env<'a> {
    /// The smallest change that would pass a failed condition decided by one threshold.
    fn hint(&mut self, threshold: &'a Threshold) -> Result<Option<String>> {
        let program = self.program;
        Ok(match threshold {
            Threshold::Flag { subject, expected } => Some(format!("`{subject}` must be {expected}")),
            Threshold::InWindow { subject, ir, window } => match (self.eval(ir)?, self.eval(window)?) {
                (Value::Unknown, _) => Some(format!("`{subject}` is unknown; it must be a time in the window")),
                (Value::Time(t), Value::Window(w)) if t < w.start => Some(format!(
                    "`{subject}` must be at or after {}",
                    show_time(program, w.start)
                )),
                (Value::Time(_), Value::Window(w)) => Some(format!(
                    "`{subject}` must be {} {}",
                    if w.end_inclusive { "at or before" } else { "before" },
                    show_window_end(program, w.end, w.end_inclusive)
                )),
                _ => None,
            },
            Threshold::Compare {
                subject,
                ir,
                op,
                bound,
                ty,
            } => {
                let x = self.eval(ir)?;
                let bound_value = Value::of_const(bound);
                let bound_text = show(program, bound_value, ty);
                let words = match op {
                    CmpOp::Eq => "equal to",
                    CmpOp::Ne => "other than",
                    CmpOp::Lt => "below",
                    CmpOp::Le => "at most",
                    CmpOp::Gt => "above",
                    CmpOp::Ge => "at least",
                };
                // A ratio is measured against the bound by its 28 digits: a hint, not a payment.
                let x = match x {
                    Value::Ratio(r) => Value::Num(r.to_decimal()),
                    other => other,
                };
                match (x, bound_value) {
                    (Value::Unknown, _) => Some(format!(
                        "`{subject}` is unknown; it must be known and {words} {bound_text}"
                    )),
                    (Value::Num(x), Value::Num(c)) if !matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                        let step = match ty {
                            Ty::Num(Dim::Money(cur)) => crate::program::types::currency(cur)
                                .map(|(_, minor)| Decimal::new(1, minor))
                                .unwrap_or(Decimal::new(1, 2)),
                            Ty::Num(Dim::Unit(u)) => program
                                .units
                                .iter()
                                .find(|i| *i.name == **u)
                                .map(|i| i.precision)
                                .unwrap_or(Decimal::ONE),
                            Ty::Num(Dim::Count) => Decimal::ONE,
                            _ => Decimal::new(1, x.scale().max(c.scale()).max(2)),
                        };
                        // Checked: a hint on numbers near the largest decimal is left out, never a panic.
                        let (diff, more) = match op {
                            CmpOp::Ge => (c.checked_sub(x), true),
                            CmpOp::Gt => (c.checked_add(step).and_then(|c| c.checked_sub(x)), true),
                            CmpOp::Le => (x.checked_sub(c), false),
                            _ => (x.checked_sub(c).and_then(|d| d.checked_add(step)), false),
                        };
                        let Some(diff) = diff else {
                            return Ok(Some(format!("`{subject}` must be {words} {bound_text}")));
                        };
                        let diff = diff.normalize().max(step);
                        let amount = show(program, Value::Num(diff), ty);
                        let target = if more { x.checked_add(diff) } else { x.checked_sub(diff) };
                        let Some(target) = target else {
                            return Ok(Some(format!("`{subject}` must be {words} {bound_text}")));
                        };
                        let target_text = show(program, Value::Num(target), ty);
                        Some(format!(
                            "{amount} {} `{subject}`: {target_text} would pass (it must be {words} {bound_text})",
                            if more { "more" } else { "less" }
                        ))
                    }
                    (Value::Time(_), Value::Time(_)) | (Value::Duration(_), Value::Duration(_)) => {
                        Some(format!("`{subject}` must be {words} {bound_text}"))
                    }
                    _ => Some(format!("`{subject}` must be {words} {bound_text}")),
                }
            }
        })
    }

    /// A condition's line: its outcome, what it read, and what would pass it.
    fn condition_line(&mut self, c: &'a ConditionDef, passed: bool) -> Result<ConditionLine> {
        let mut actual = Vec::new();
        for o in &c.operands {
            let v = self.eval(&o.ir)?;
            actual.push(format!("{} = {}", o.text, show(self.program, v, &o.ty)));
        }
        let to_pass = match (&c.threshold, passed) {
            (Some(t), false) => self.hint(t)?,
            _ => None,
        };
        Ok(ConditionLine {
            condition: c.text.clone(),
            reason: c.reason.clone(),
            passed,
            actual,
            to_pass,
        })
    }

    /// The steps of a reward computed per item: each item's exact amount, its rounding and what
    /// it pays (the first [`MAX_EXPLAINED_ITEMS`]), then the cap on the total.
    fn item_steps(
        &mut self,
        r: &'a RewardDef,
        list: &'a ListExpr,
        paid: &[Decimal],
        rounding: Option<&str>,
        steps: &mut Vec<String>,
    ) -> Result<()> {
        let unit = &r.unit.name;
        let name = list.levels.first().map_or("", |l| l.name.as_str());
        let raws = self.item_amounts(r, list)?;
        for (k, (raw, paid)) in raws.iter().zip(paid).enumerate().take(MAX_EXPLAINED_ITEMS) {
            let mut line = format!(
                "{name}[{k}]: computed {} {unit}",
                group_digits(raw.to_decimal().normalize())
            );
            if let Some(rw) = rounding {
                line.push_str(&format!(", {rw}"));
            }
            line.push_str(&format!(", {} {} {unit}", r.kind.settled(), group_digits(*paid)));
            steps.push(line);
        }
        if let Some(more) = paid.len().checked_sub(MAX_EXPLAINED_ITEMS).filter(|n| *n > 0) {
            steps.push(format!("… and {more} more items"));
        }
        if let Some(cap) = &r.adjust.at_most
            && let Some(c) = self.eval(cap)?.number().map(Number::to_decimal)
        {
            steps.push(format!(
                "at most {} {unit} in total, consumed item by item in the list's order",
                group_digits(c)
            ));
        }
        Ok(())
    }

    fn reward_steps(&mut self, r: &'a RewardDef, o: &RewardOutcome, eligible: bool) -> Result<RewardLine> {
        let unit = &r.unit.name;
        let amount = format!("{} {unit}", group_digits(o.amount));
        let mut steps = Vec::new();
        if !eligible || !o.gate_passed() {
            steps.push(if eligible {
                "its own conditions do not all hold: nothing is paid".to_string()
            } else {
                format!("{}: nothing is {}", r.kind.verdict(false), r.kind.settled())
            });
            return Ok(RewardLine {
                name: r.name.clone(),
                amount,
                steps,
                conditions: None,
            });
        }
        let rounding = r
            .adjust
            .rounding
            .map(|(mode, step)| format!("rounded {} to {}", mode.words(), step));
        if let (Some(paid), Some(list)) = (&o.by_item, &r.items) {
            self.item_steps(r, list, paid, rounding.as_deref(), &mut steps)?;
            return Ok(RewardLine {
                name: r.name.clone(),
                amount,
                steps,
                conditions: None,
            });
        }
        match (
            &o.by_period,
            r.per.and_then(|p| self.program.periods.get(p).map(|range| (p, range))),
        ) {
            (Some(paid), Some((p, range))) => {
                for (k, (period, paid)) in range.periods.iter().zip(paid).enumerate() {
                    self.period = Some((p, k));
                    let raw = self.eval(&r.expr)?.number().map_or(Decimal::ZERO, Number::to_decimal);
                    let mut line = format!("{}: computed {} {unit}", period.key, raw.normalize());
                    if let Some(rw) = &rounding {
                        line.push_str(&format!(", {rw}"));
                    }
                    line.push_str(&format!(", {} {paid} {unit}", r.kind.settled()));
                    steps.push(line);
                }
                self.period = None;
                if let Some(cap) = &r.adjust.at_most
                    && let Some(c) = self.eval(cap)?.number().map(Number::to_decimal)
                {
                    steps.push(format!(
                        "at most {} {unit} in total, consumed month by month",
                        group_digits(c)
                    ));
                }
            }
            _ => {
                steps.push(format!("computed: {} {unit}", group_digits(o.raw.normalize())));
                let mut current = o.raw;
                if let Some((mode, step)) = r.adjust.rounding {
                    // The exact amount rounded, as the reward is (not its 28 digits shown).
                    let exact = self.eval(&r.expr)?.number().unwrap_or(Number::Decimal(current));
                    current = crate::number::round(exact, mode, step).unwrap_or(current);
                    steps.push(format!(
                        "{}: {} {unit}",
                        rounding.unwrap_or_default(),
                        group_digits(current)
                    ));
                }
                if let Some(cap) = &r.adjust.at_most
                    && let Some(c) = self.eval(cap)?.number().map(Number::to_decimal)
                {
                    if current > c {
                        steps.push(format!("at most {} {unit}: capped", group_digits(c)));
                        current = c;
                    } else {
                        steps.push(format!("at most {} {unit}: not reached", group_digits(c)));
                    }
                }
                if let Some(floor) = &r.adjust.at_least
                    && let Some(c) = self.eval(floor)?.number().map(Number::to_decimal)
                {
                    if current < c {
                        steps.push(format!("at least {} {unit}: raised", group_digits(c)));
                    } else {
                        steps.push(format!("at least {} {unit}: already above", group_digits(c)));
                    }
                }
            }
        }
        if let Some(b) = &o.budget
            && let Some(s) = &b.split
        {
            // "why did I get 1,016.05? the pool ran out on 11-11; that day's claims were split"
            let when = match s.batch == b.group {
                true => String::new(),
                false => format!(" ran out in {}:", s.batch),
            };
            let claims = match s.claims.1 {
                1 => "1 claim".to_string(),
                n => format!("{n} claims"),
            };
            steps.push(format!(
                "budget for {}:{when} {} {unit} left for {claims} of {} {unit} in all, split {}: this claim {} {unit}, {amount} granted",
                b.group,
                group_digits(s.shared),
                group_digits(s.claims.0),
                s.how,
                group_digits(b.claim),
            ));
        } else if let Some(b) = &o.budget {
            steps.push(format!(
                "budget for {}: place {} in the queue, {} {unit} left before this claim: {}",
                b.group,
                b.position,
                group_digits(b.remaining_before),
                if b.granted {
                    "granted"
                } else {
                    "waitlisted (the budget had run out)"
                }
            ));
        }
        Ok(RewardLine {
            name: r.name.clone(),
            amount,
            steps,
            conditions: None,
        })
    }
}
