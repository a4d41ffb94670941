//! Explaining a balance carried across months: what it credited, used, let expire, lost and
//! left each month, and how each item's fee was paid, so that "why did order 17 cost me 0.80
//! in cash?" has its answer ("orders[16] paid 3.20 CNY from the 2025-03 credit, 0.80 CNY in
//! cash").

use std::fmt::Write as _;

use super::BalanceLine;
use super::show::show;
use crate::eval::env::{Env, Result};
use crate::eval::reference::balance::{BalanceRun, Settled};
use crate::eval::value::Value;
use crate::program::types::Ty;
use crate::program::{Balance, Ir, Program};

impl<'a> Env<'a> {
    /// A line for each balance of the program, for the record in frame 0.
    pub(super) fn balance_lines(&mut self) -> Result<Vec<BalanceLine>> {
        let program = self.program;
        let mut lines = Vec::new();
        for def in &program.definitions {
            let Ir::Balance(b) = &def.expr else { continue };
            let run = self.balance_run(b)?;
            lines.push(line(program, &def.name, b, run));
        }
        Ok(lines)
    }
}

fn line(program: &Program, name: &str, b: &Balance, run: &BalanceRun) -> BalanceLine {
    let keys: Vec<&str> = program
        .periods
        .get(b.range)
        .map(|r| r.periods.iter().map(|p| p.key.as_str()).collect())
        .unwrap_or_default();
    let amount = |d: rust_decimal::Decimal| show(program, Value::Num(d), &b.ty);
    let mut months = Vec::with_capacity(keys.len());
    for (k, key) in keys.iter().enumerate() {
        let at = |v: &[rust_decimal::Decimal]| amount(v.get(k).copied().unwrap_or_default());
        let cash = run
            .cash
            .get(k)
            .map_or_else(String::new, |n| exact(program, b, Value::of_number(*n)));
        months.push(format!(
            "{key}: credited {}, used {}, expired {}, lost {}, left {}; paid in cash {cash}",
            at(&run.credited),
            at(&run.used),
            at(&run.expired),
            at(&run.lost),
            at(&run.left),
        ));
    }
    let items = run
        .settled
        .iter()
        .map(|s| item(program, b, &keys, s))
        .collect::<Vec<_>>();
    let mut items = items;
    if run.outside > 0 {
        items.push(format!(
            "{} item(s) of {} dated outside the months: not settled by the balance",
            run.outside, b.items
        ));
    }
    BalanceLine {
        balance: format!("{name} = {}", b.items),
        months,
        items,
    }
}

/// `orders[2] paid 0.61 CNY from the 2025-01 credit, 0.007 CNY in cash (fee 0.617 CNY, settled
/// 2025-02-05 10:00:00)`.
fn item(program: &Program, b: &Balance, keys: &[&str], s: &Settled) -> String {
    let mut path = String::new();
    for (level, index) in b.list.levels.iter().zip(&s.path) {
        if !path.is_empty() {
            path.push('.');
        }
        let _ = write!(path, "{}[{index}]", level.name);
    }
    let amount = |v: Value<'_>| exact(program, b, v);
    let mut paid = String::new();
    for (j, d) in &s.from {
        let key = keys.get(*j).copied().unwrap_or("?");
        let _ = write!(paid, "{} from the {key} credit, ", amount(Value::Num(*d)));
    }
    let why = if s.after_leaving {
        " (after leaving: no credit)"
    } else {
        ""
    };
    format!(
        "{path} paid {paid}{} in cash{why} (fee {}, settled {} in {})",
        amount(Value::of_number(s.cash)),
        amount(Value::of_number(s.fee)),
        show(program, Value::Time(s.date), &Ty::Time),
        keys.get(s.month).copied().unwrap_or("?"),
    )
}

/// An exact amount (a fee, the cash part) with the step's decimals, and more only where it has
/// them (`5.00 CNY`, `0.005 CNY`), not the trailing zeros of its arithmetic (`0.6170`).
fn exact(program: &Program, b: &Balance, v: Value<'_>) -> String {
    match v {
        Value::Num(d) => {
            let mut n = d.normalize();
            if n.scale() < b.step.scale() {
                n.rescale(b.step.scale());
            }
            show(program, Value::Num(n), &b.ty)
        }
        other => show(program, other, &b.ty),
    }
}
