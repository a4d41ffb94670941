//! Sorted counts and sums: `count of ys where y > x` (or `sum of ys.v where y > x`) computed for
//! every item of another list (`let above of xs = ...`) in n log n instead of n².
//!
//! The shape: a `count` or `sum` over one top-level list whose filter has one conjunct comparing
//! something of the counted item (`y`) with something that does not read it (`x`, of the item
//! the count is computed for), every other conjunct reading only the counted item and the
//! top-level record. What is read of the counted items is then the same for every count: the
//! first count of the record tests every item's other conjuncts once, keeps the keys (`y`) of
//! the items that pass, sorted; each count is then two binary searches for its `x`. A sum keeps
//! the prefix sums of the values in key order, as integers at the largest scale of the values
//! (exact), and for each scale that occurs how many items have it, so that the sum of a range
//! is written with the largest scale of its own items, as adding them one by one writes it.
//! A sum is only taken this way when the sum of the values' magnitudes fits a decimal: then
//! adding the items in any order is exact, and equals the prefix sums' difference.
//!
//! **Reference:** the aggregate as [`Env::aggregate`] walks it. Anything the sorted index cannot
//! reproduce exactly gives up to the walk: an error while building the index (the walk then
//! reports it, or does not, exactly as the reference), keys of different kinds, an error or a
//! value of another kind on the other side of the comparison.

use std::cmp::Ordering;

use super::super::env::{Env, Result};
use super::super::reference::values::compare;
use super::super::value::Value;
use crate::facts::{FactValue, Items};
use crate::program::{CmpOp, Ir, ListExpr, Program, Read};
use crate::syntax::ast::AggOp;

/// Where a count's list compares its item with something else.
#[derive(Debug, Clone, Copy)]
pub(in crate::eval) struct SortedCount {
    /// The conjunct of the comparison.
    conjunct: usize,
    /// The comparison, with the counted item's side on the left.
    op: CmpOp,
    /// Whether the counted item's side is the comparison's left operand.
    item_left: bool,
    /// Whether it is a sum (of the list's value) rather than a count.
    sum: bool,
}

/// The index of one count's list for the record, or `None` when the index cannot reproduce the
/// walk.
pub(in crate::eval) type SortedKeys<'a> = Option<SortedIndex<'a>>;

/// The kept items' keys in order, and for a sum their values.
pub(in crate::eval) struct SortedIndex<'a> {
    keys: Vec<Value<'a>>,
    sums: Option<Sums>,
}

/// The values of a sum's kept items, in key order.
struct Sums {
    /// The largest scale of the values.
    scale: u32,
    /// `prefix[i]`: the sum of the first `i` values, as an integer at `scale`.
    prefix: Vec<i128>,
    /// For each scale that occurs, largest first: `counts[i]`, how many of the first `i` values
    /// have it.
    scales: Vec<(u32, Vec<u32>)>,
}

/// The largest mantissa of a decimal.
const MAX_MANTISSA: i128 = 79_228_162_514_264_337_593_543_950_335;

/// Whether an expression reads nothing of the frames between the top-level record and the
/// counted item (`base`), nor the current period.
fn reads_only_item(ir: &Ir, base: usize) -> bool {
    let outer = |frame: usize| frame != 0 && frame < base;
    !ir.reads_any(&mut |read| match read {
        Read::Field(frame) | Read::List(frame) => outer(frame),
        Read::Period => true,
    })
}

/// Whether an expression reads nothing of the counted item and walks no list (it is evaluated
/// once, outside the walk).
fn reads_no_item(ir: &Ir, base: usize) -> bool {
    !ir.reads_any(&mut |read| match read {
        Read::Field(frame) => frame >= base,
        Read::List(_) => true,
        Read::Period => false,
    })
}

fn flipped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Eq => CmpOp::Eq,
        CmpOp::Ne => CmpOp::Ne,
    }
}

impl SortedCount {
    /// How to count a list by a sorted index, when it has the shape.
    pub(in crate::eval) fn of(op: AggOp, list: &ListExpr) -> Option<SortedCount> {
        let [level] = list.levels.as_slice() else { return None };
        let base = list.base;
        let sum = match op {
            AggOp::Count => false,
            AggOp::Sum if list.project.is_some() => true,
            _ => return None,
        };
        if list.record_invariant || level.frame != 0 || base == 0 {
            return None;
        }
        if list.project.as_deref().is_some_and(|p| !reads_only_item(p, base)) {
            return None;
        }
        let mut found = None;
        for (j, f) in level.filters.iter().enumerate() {
            if reads_only_item(&f.ir, base) {
                continue;
            }
            let Ir::Compare(op, a, b) = &f.ir else { return None };
            if found.is_some() {
                return None;
            }
            found = if reads_only_item(a, base) && reads_no_item(b, base) {
                Some(SortedCount {
                    conjunct: j,
                    op: *op,
                    item_left: true,
                    sum,
                })
            } else if reads_only_item(b, base) && reads_no_item(a, base) {
                Some(SortedCount {
                    conjunct: j,
                    op: flipped(*op),
                    item_left: false,
                    sum,
                })
            } else {
                return None;
            };
        }
        found
    }
}

/// The counts of a program that have the shape, wherever they are.
pub(in crate::eval) fn sorted_counts(program: &Program) -> Vec<(&ListExpr, SortedCount)> {
    fn collect<'p>(ir: &'p Ir, out: &mut Vec<(&'p ListExpr, SortedCount)>) {
        if let Ir::Aggregate(op, list) = ir
            && let Some(shape) = SortedCount::of(*op, list)
        {
            out.push((list, shape));
        }
        ir.for_each_child(&mut |child| collect(child, out));
    }
    let mut out = Vec::new();
    for level in &program.levels {
        for d in &level.derived {
            collect(&d.expr, &mut out);
        }
    }
    for d in &program.definitions {
        collect(&d.expr, &mut out);
    }
    out
}

impl<'a> Env<'a> {
    /// A count by its sorted index (see the module's text); `None` when the walk must do it.
    pub(in crate::eval) fn sorted_count(&mut self, list: &'a ListExpr) -> Result<Option<Value<'a>>> {
        let Some(slot) = self.plan.sorted.iter().position(|(l, _)| std::ptr::eq(*l, list)) else {
            return Ok(None);
        };
        let Some(&(_, shape)) = self.plan.sorted.get(slot) else {
            return Ok(None);
        };
        // The count is evaluated where it is written: its items go on top of these frames.
        if self.frames.len() != list.base {
            return Ok(None);
        }
        if !self.caches.sorted.contains_key(&slot) {
            let keys = self.sorted_keys(list, shape)?;
            self.caches.sorted.insert(slot, keys);
        }
        let Some(Ir::Compare(_, a, b)) = list
            .levels
            .first()
            .and_then(|l| l.filters.get(shape.conjunct))
            .map(|f| &f.ir)
        else {
            return Ok(None);
        };
        let other = if shape.item_left { b } else { a };
        let Ok(x) = self.eval(other) else { return Ok(None) };
        self.charge(1)?;
        let Some(Some(index)) = self.caches.sorted.get(&slot) else {
            return Ok(None);
        };
        let keys = &index.keys;
        let empty = Value::Num(0.into());
        if x.is_unknown() || keys.is_empty() {
            // `y op unknown` keeps no item.
            return Ok(Some(empty));
        }
        if keys.first().and_then(|k| compare(*k, x)).is_none() {
            return Ok(None);
        }
        let below = keys.partition_point(|k| compare(*k, x) == Some(Ordering::Less));
        let not_above = keys.partition_point(|k| compare(*k, x) != Some(Ordering::Greater));
        let n = keys.len();
        let ranges: &[(usize, usize)] = match shape.op {
            CmpOp::Lt => &[(0, below)],
            CmpOp::Le => &[(0, not_above)],
            CmpOp::Gt => &[(not_above, n)],
            CmpOp::Ge => &[(below, n)],
            CmpOp::Eq => &[(below, not_above)],
            CmpOp::Ne => &[(0, below), (not_above, n)],
        };
        let count: usize = ranges.iter().map(|(lo, hi)| hi - lo).sum();
        let Some(sums) = &index.sums else {
            return Ok(Some(Value::Num(count.into())));
        };
        if count == 0 {
            return Ok(Some(empty));
        }
        Ok(sums.range_sum(ranges).map(Value::Num))
    }

    /// The keys of the items that pass every other conjunct, sorted; `None` when an item's test
    /// fails with an error or the keys are not of one kind that orders them all.
    fn sorted_keys(&mut self, list: &'a ListExpr, shape: SortedCount) -> Result<SortedKeys<'a>> {
        let Some(level) = list.levels.first() else {
            return Ok(None);
        };
        let items = match self.fact(level.frame, level.field)? {
            FactValue::List(items) => items.items(),
            _ => Items::default(),
        };
        let Some(Ir::Compare(_, a, b)) = level.filters.get(shape.conjunct).map(|f| &f.ir) else {
            return Ok(None);
        };
        let key = if shape.item_left { a } else { b };
        self.charge(items.len())?;
        let mut kept = Vec::with_capacity(items.len());
        for (index, item) in items.enumerate() {
            self.push_item(item, level.frame, index);
            let found = self.item_key(level, shape.conjunct, key, list.project.as_deref());
            self.frames.pop();
            match found {
                Ok(Some((Value::Unknown, _))) | Ok(None) => {}
                Ok(Some(pair)) => kept.push(pair),
                Err(_) => return Ok(None),
            }
        }
        let same_kind = kept.windows(2).all(|w| match w {
            [(x, _), (y, _)] => compare(*x, *y).is_some(),
            _ => true,
        });
        let ordered = kept
            .iter()
            .all(|(k, _)| matches!(k, Value::Num(_) | Value::Time(_) | Value::Duration(_) | Value::Text(_)));
        if !same_kind || !ordered {
            return Ok(None);
        }
        kept.sort_by(|(x, _), (y, _)| compare(*x, *y).unwrap_or(Ordering::Equal));
        let sums = match shape.sum {
            true => match Sums::of(kept.iter().map(|(_, v)| *v)) {
                Some(sums) => Some(sums),
                None => return Ok(None),
            },
            false => None,
        };
        Ok(Some(SortedIndex {
            keys: kept.into_iter().map(|(k, _)| k).collect(),
            sums,
        }))
    }

    /// The item on top of the frames: its key and its value (or `true` for a count) when every
    /// conjunct but the comparison holds.
    fn item_key(
        &mut self,
        level: &'a crate::program::ListLevel,
        conjunct: usize,
        key: &'a Ir,
        project: Option<&'a Ir>,
    ) -> Result<Option<(Value<'a>, Value<'a>)>> {
        for (j, f) in level.filters.iter().enumerate() {
            if j != conjunct && !self.keeps(f)? {
                return Ok(None);
            }
        }
        let k = self.operand(key)?;
        // Evaluated as the walk would for a kept item, so that its errors are found here.
        let v = match project {
            Some(p) => self.operand(p)?,
            None => Value::Bool(true),
        };
        Ok(Some((k, v)))
    }
}

impl Sums {
    /// The prefix sums of the values, when each is a number and the sum of their magnitudes
    /// fits a decimal (so that every sum of some of them, in any order, is exact).
    fn of<'a>(values: impl Iterator<Item = Value<'a>>) -> Option<Sums> {
        let mut numbers = Vec::new();
        for v in values {
            let Value::Num(n) = v else { return None };
            numbers.push(n);
        }
        let scale = numbers.iter().map(|n| n.scale()).max().unwrap_or(0);
        let mut prefix = Vec::with_capacity(numbers.len() + 1);
        prefix.push(0i128);
        let (mut total, mut magnitude) = (0i128, 0i128);
        let mut scales: Vec<(u32, Vec<u32>)> = Vec::new();
        for n in &numbers {
            if !scales.iter().any(|(s, _)| *s == n.scale()) {
                scales.push((n.scale(), Vec::with_capacity(numbers.len() + 1)));
            }
        }
        for (s, counts) in &mut scales {
            counts.push(0);
            let mut seen = 0u32;
            for n in &numbers {
                seen += u32::from(n.scale() == *s);
                counts.push(seen);
            }
        }
        for n in &numbers {
            let factor = 10i128.checked_pow(scale - n.scale())?;
            let m = n.mantissa().checked_mul(factor)?;
            magnitude = magnitude.checked_add(m.checked_abs()?)?;
            if magnitude > MAX_MANTISSA {
                return None;
            }
            total += m;
            prefix.push(total);
        }
        scales.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        Some(Sums { scale, prefix, scales })
    }

    /// The sum of the values in some ranges (of key order), written with the largest scale of
    /// those values; `None` when it is zero (whose sign adding one by one may write otherwise)
    /// or, which the way it is built rules out, not exact.
    fn range_sum(&self, ranges: &[(usize, usize)]) -> Option<rust_decimal::Decimal> {
        let mut total = 0i128;
        for &(lo, hi) in ranges {
            total += self.prefix.get(hi)? - self.prefix.get(lo)?;
        }
        let scale = self.scales.iter().find_map(|(s, counts)| {
            let present = ranges
                .iter()
                .any(|&(lo, hi)| counts.get(hi).copied().unwrap_or(0) > counts.get(lo).copied().unwrap_or(0));
            present.then_some(*s)
        })?;
        let factor = 10i128.checked_pow(self.scale - scale)?;
        if total == 0 || total % factor != 0 {
            return None;
        }
        rust_decimal::Decimal::try_from_i128_with_scale(total / factor, scale).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(definitions: &str) -> usize {
        let text = format!(
            "campaign \"c\" {{\n  timezone Asia/Shanghai\n  facts {{ k: decimal, xs: list of {{ x: decimal, tag: text }}, ys: list of {{ y: decimal, ok: bool, label: text }} }}\n{definitions}\n}}\n"
        );
        let checked = crate::check::check(&text);
        assert!(checked.program.is_some(), "{:?}", checked.diagnostics);
        let Some(program) = checked.program else {
            return Default::default();
        };
        sorted_counts(&program).len()
    }

    #[test]
    fn a_count_or_sum_comparing_the_counted_item_with_another_item_is_sorted() {
        assert_eq!(
            shapes("  let above of xs = count of ys where ok and y > x\n  value v = sum of xs.above"),
            1
        );
        assert_eq!(
            shapes("  let below of xs = count of ys where x × 2 ≥ y + k\n  value v = sum of xs.below"),
            1
        );
        assert_eq!(
            shapes("  let same of xs = count of ys where label = tag\n  value v = sum of xs.same"),
            1
        );
        assert_eq!(
            shapes("  let s of xs = sum of ys.y where y > x\n  value v = sum of xs.s"),
            1
        );
    }

    #[test]
    fn other_shapes_are_walked() {
        // An average, two comparisons with the outer item, a count the same for every item.
        assert_eq!(
            shapes("  let s of xs = (average of ys.y where y > x) if unknown 0\n  value v = sum of xs.s"),
            0
        );
        assert_eq!(
            shapes("  let c of xs = count of ys where y > x and y < x + 1\n  value v = sum of xs.c"),
            0
        );
        assert_eq!(shapes("  value v = count of ys where y > k"), 0);
    }
}
