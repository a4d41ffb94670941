//! Explaining a running threshold (`portion of x within first t ordered by k`): which item of
//! the list took the running total to the threshold, so that "why is this order at the
//! standard rate?" has its answer ("the running total had reached 1,000,000 CNY at
//! orders[5811], the 5,812th in that order").

use std::cmp::Ordering;

use super::ThresholdLine;
use super::show::{group_digits, show};
use crate::eval::env::{Env, Result};
use crate::eval::reference::ordered::{Read, order};
use crate::eval::value::Value;
use crate::program::{Derived, Ir, Ordered, OrderedOp};

impl<'a> Env<'a> {
    /// A line for each per-item field of a top-level list whose expression has a running
    /// threshold (the first one in it), for the record in frame 0.
    pub(super) fn threshold_lines(&mut self) -> Result<Vec<ThresholdLine>> {
        let mut lines = Vec::new();
        let program = self.program;
        for level in program.levels.iter().filter(|l| l.depth == 1) {
            for field in &level.derived {
                if let Some(o) = first_threshold(field) {
                    let outcome = self.threshold_outcome(o)?;
                    lines.push(ThresholdLine {
                        field: format!("{} of {}", field.name, level.path),
                        rule: o.text.clone(),
                        outcome,
                    });
                }
            }
        }
        Ok(lines)
    }

    /// Where the running total of the list reached the threshold, or that it never did.
    fn threshold_outcome(&mut self, o: &'a Ordered) -> Result<String> {
        let OrderedOp::Portion(limit) = &o.op else {
            return Ok(String::new());
        };
        let items = match self.frames.first().and_then(|f| f.values.get(o.list)) {
            Some(crate::facts::FactValue::List(items)) => Some(items),
            _ => None,
        };
        let mut reads: Vec<(Read<'a>, Value<'a>)> = Vec::with_capacity(items.map_or(0, |l| l.len()));
        self.beside_item(o, |env| {
            for (j, record) in items.into_iter().flat_map(|l| l.items()).enumerate() {
                let read = env.read_item(o, record, j)?;
                env.push_item(record, o.frame.saturating_sub(1), j);
                let t = env.eval(limit);
                env.frames.truncate(o.frame);
                reads.push((read, t?));
            }
            Ok(())
        })?;
        let mut placed: Vec<usize> = (0..reads.len())
            .filter(|j| reads.get(*j).is_some_and(|(r, _)| r.keys.is_some()))
            .collect();
        placed.sort_by(|a, b| match (reads.get(*a), reads.get(*b)) {
            (Some((ra, _)), Some((rb, _))) => match (&ra.keys, &rb.keys) {
                (Some(ka), Some(kb)) => order(o, ka, *a, kb, *b),
                _ => a.cmp(b),
            },
            _ => a.cmp(b),
        });
        let unplaced = reads.len() - placed.len();
        let mut total = Value::of_const(&o.zero);
        let mut taken = 0usize;
        for (position, j) in placed.iter().enumerate() {
            let Some((read, t)) = reads.get(*j) else { continue };
            if !read.taken {
                continue;
            }
            taken += 1;
            let before = total;
            total = self.add_running(o, total, read.value)?;
            if matches!(compare(total, *t), Some(Ordering::Greater | Ordering::Equal)) {
                let limit = show(self.program, *t, &o.ty);
                let at = format!("{}[{j}]", o.list_name);
                let nth = ordinal(position + 1);
                let (before, with) = (show(self.program, before, &o.ty), show(self.program, total, &o.ty));
                let later = placed.len() - position - 1;
                let past = match later {
                    0 => "no later item".to_string(),
                    1 => "the 1 later item is past it".to_string(),
                    n => format!(
                        "the {} later items are past it",
                        group_digits(rust_decimal::Decimal::from(n))
                    ),
                };
                return Ok(format!(
                    "the running total reached {limit} at {at}, the {nth} in that order ({before} before it, {with} with it); {past}{}",
                    left_out(unplaced)
                ));
            }
        }
        let Some((_, first_limit)) = reads.first() else {
            return Ok(format!(
                "the list {} is empty: nothing reached the threshold",
                o.list_name
            ));
        };
        let limit = show(self.program, *first_limit, &o.ty);
        Ok(format!(
            "the running total never reached {limit}: {} over {}{}",
            show(self.program, total, &o.ty),
            match taken {
                1 => "the 1 item taken".to_string(),
                n => format!("the {n} items taken"),
            },
            left_out(unplaced)
        ))
    }
}

/// The first running threshold in a field's expression.
fn first_threshold(field: &Derived) -> Option<&Ordered> {
    fn find(ir: &Ir) -> Option<&Ordered> {
        if let Ir::Ordered(o) = ir
            && matches!(o.op, OrderedOp::Portion(_))
            && o.frame == 1
        {
            return Some(o);
        }
        let mut found = None;
        ir.any_child(&mut |child| {
            found = find(child);
            found.is_some()
        });
        found
    }
    find(&field.expr)
}

fn compare(a: Value<'_>, b: Value<'_>) -> Option<Ordering> {
    crate::eval::reference::values::compare(a, b)
}

/// `1st`, `2nd`, `3rd`, `5,812th`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, k) if k != 11 => "st",
        (2, k) if k != 12 => "nd",
        (3, k) if k != 13 => "rd",
        _ => "th",
    };
    format!("{}{suffix}", group_digits(rust_decimal::Decimal::from(n)))
}

/// What is said of the items without a known order key.
fn left_out(unplaced: usize) -> String {
    match unplaced {
        0 => String::new(),
        1 => "; 1 item has no known order and is left out".into(),
        n => format!("; {n} items have no known order and are left out"),
    }
}
