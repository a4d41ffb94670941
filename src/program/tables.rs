//! Tier tables whose band ends are parameters, checked against an evaluation's parameter values
//! (`--param`, a test case's `with` line).
//!
//! The checker analyses a table with each parameter at its declared default: the order of the
//! bands, overlaps, gaps, and so whether a `band of` can be unknown. The values given for a run
//! must keep what it found: every band starting before it ends, the bands in the same order
//! without sharing a value, no gap between neighbours wider than with the defaults, the lowest
//! start no higher and the highest end no lower. Then everything the checker accepted (a
//! `band of` it found never unknown, say) still holds; otherwise the run is refused before any
//! record, naming the parameters.

use rust_decimal::Decimal;

use super::inputs::ParamError;
use super::{Band, Const, Ir, Program};

type Ends = (Option<Decimal>, Option<Decimal>);

/// Refuses parameter values that break a tier table whose band ends are parameters.
pub fn check_tables(program: &Program, params: &[Const]) -> Result<(), ParamError> {
    let mut problem = None;
    let mut look = |ir: &Ir| {
        ir.any(&mut |node| match node {
            Ir::Band(_, bands) | Ir::Marginal(_, bands) => {
                problem = table_problem(bands, params, program);
                problem.is_some()
            }
            _ => false,
        })
    };
    let roots = program
        .definitions
        .iter()
        .flat_map(|d| std::iter::once(&d.expr).chain(adjust_irs(&d.adjust)))
        .chain(program.levels.iter().flat_map(|l| l.derived.iter().map(|d| &d.expr)))
        .chain(program.conditions.iter().map(|c| &c.expr))
        .chain(
            program
                .rewards
                .iter()
                .flat_map(|r| std::iter::once(&r.expr).chain(adjust_irs(&r.adjust))),
        )
        .chain(
            program
                .rankings
                .iter()
                .flat_map(|r| r.keys.iter().map(|(k, _)| k).chain(&r.within)),
        );
    for root in roots {
        if look(root) {
            break;
        }
    }
    match problem {
        None => Ok(()),
        Some(message) => Err(ParamError {
            message: format!("the parameter values make a tier table invalid: {message}"),
            help: "give values that keep the bands in their declared order, each starting where the one before ends"
                .into(),
        }),
    }
}

fn adjust_irs(adjust: &super::Adjust) -> impl Iterator<Item = &Ir> {
    adjust
        .at_most
        .iter()
        .chain(&adjust.at_least)
        .chain(adjust.parts.iter().map(|(_, ir)| ir))
        .chain(&adjust.expires)
}

/// What is wrong with a table under the run's values, in words naming its parameters.
fn table_problem(bands: &[Band], params: &[Const], program: &Program) -> Option<String> {
    if !bands.iter().any(|b| b.start_param.is_some() || b.end_param.is_some()) {
        return None;
    }
    let now: Vec<Ends> = bands.iter().map(|b| b.ends(params)).collect();
    let declared: Vec<Ends> = bands.iter().map(|b| (b.start, b.end)).collect();
    if now == declared {
        return None;
    }
    let shown = |i: usize| shown_band(bands.get(i), now.get(i).copied(), program);
    for (i, (b, (s, e))) in bands.iter().zip(&now).enumerate() {
        if let (Some(s), Some(e)) = (s, e)
            && (e < s || (e == s && !b.end_inclusive))
        {
            return Some(format!("the band {} would hold no value", shown(i)));
        }
    }
    let order = order_by_start(&declared);
    for pair in order.windows(2) {
        let (Some(&x), Some(&y)) = (pair.first(), pair.get(1)) else {
            continue;
        };
        let (Some(a), Some(&(_, a_end)), Some(&(b_start, _))) = (bands.get(x), now.get(x), now.get(y)) else {
            continue;
        };
        let (Some(a_end), Some(b_start)) = (a_end, b_start) else {
            return Some(format!("the bands {} and {} would share values", shown(x), shown(y)));
        };
        if b_start < a_end || (b_start == a_end && a.end_inclusive) {
            return Some(format!("the bands {} and {} would share values", shown(x), shown(y)));
        }
        let declared_gap = match (declared.get(x).and_then(|e| e.1), declared.get(y).and_then(|e| e.0)) {
            (Some(end), Some(start)) => (start - end).max(Decimal::ZERO),
            _ => Decimal::ZERO,
        };
        if b_start - a_end > declared_gap {
            return Some(format!(
                "values between the bands {} and {} would fall in no band",
                shown(x),
                shown(y)
            ));
        }
    }
    let (first, last) = (order.first().copied()?, order.last().copied()?);
    let start_of = |v: &[Ends]| v.get(first).and_then(|e| e.0);
    if let (Some(n), Some(d)) = (start_of(&now), start_of(&declared))
        && n > d
    {
        return Some(format!(
            "the first band {} would start above its declared start {}",
            shown(first),
            d.normalize()
        ));
    }
    let end_of = |v: &[Ends]| v.get(last).and_then(|e| e.1);
    if let (Some(n), Some(d)) = (end_of(&now), end_of(&declared))
        && n < d
    {
        return Some(format!(
            "the last band {} would end below its declared end {}",
            shown(last),
            d.normalize()
        ));
    }
    None
}

/// A band as `start .. end`, each parameter end written `name = value`.
fn shown_band(band: Option<&Band>, ends: Option<Ends>, program: &Program) -> String {
    let (Some(band), Some((start, end))) = (band, ends) else {
        return String::new();
    };
    let one = |value: Option<Decimal>, param: Option<usize>| {
        let name = param.and_then(|p| program.params.get(p)).map(|p| p.name.as_str());
        match (value, name) {
            (Some(v), Some(name)) => format!("{name} = {}", v.normalize()),
            (Some(v), None) => v.normalize().to_string(),
            (None, _) => String::new(),
        }
    };
    let (start, end) = (one(start, band.start_param), one(end, band.end_param));
    let op = if band.end_inclusive { "through" } else { ".." };
    let text = [start.as_str(), op, end.as_str()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    format!("`{text}`")
}

/// The bands by their start, the one open below first (as the checker orders them).
fn order_by_start(ends: &[Ends]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ends.len()).collect();
    order.sort_by_key(|&i| ends.get(i).and_then(|e| e.0).map_or((0, Decimal::ZERO), |s| (1, s)));
    order
}
