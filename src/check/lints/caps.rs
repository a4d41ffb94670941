//! Caps below the smallest payment.
//!
//! (`lint::cap_below_minimum`, a warning.) For a reward with a constant cap
//! (`at most` a literal, or a parameter's default): the cap is reported
//! when it is 0 or less, when it is below a constant floor (`at least`), or
//! when it is below the smallest non-zero amount the reward can pay. That
//! amount is known when the reward is a positive constant, or a constant
//! times a count (`new_active × 100 CNY`: at least 100 CNY when it pays
//! anything), and when the reward is rounded to a step (then it pays whole
//! steps).
//!
//! Separate because it reads the compiled program, where the other analyses read the parsed
//! campaign.

use crate::check::errors;

use rust_decimal::Decimal;

use crate::diagnostics::Diagnostic;
use crate::program::schema::FactType;
use crate::program::types::{Dim, Ty};
use crate::program::{ArithOp, Const, Ir, Program};
use crate::syntax::ast::{AggOp, Campaign, Item, Modifier};
use crate::syntax::{expr_in, print};

fn const_num(ir: &Ir, program: &Program) -> Option<Decimal> {
    match ir {
        Ir::Const(Const::Num(n)) => Some(*n),
        Ir::Param(i) => match program.params.get(*i).map(|p| &p.default) {
            Some(Const::Num(n)) => Some(*n),
            _ => None,
        },
        Ir::Neg(x) => const_num(x, program).map(|n| -n),
        _ => None,
    }
}

/// Whether `ir` is a whole number of things (so at least 1 when not 0).
fn counting(ir: &Ir, program: &Program) -> bool {
    match ir {
        Ir::Fact { frame: 0, field } => {
            matches!(program.schema.fields.get(*field).map(|f| &f.ty), Some(FactType::Count))
        }
        Ir::Aggregate(AggOp::Count | AggOp::CountDistinct, _) => true,
        Ir::Def(i) => matches!(program.definitions.get(*i).map(|d| &d.ty), Some(Ty::Num(Dim::Count))),
        Ir::Param(i) => matches!(program.params.get(*i).map(|p| &p.ty), Some(Ty::Num(Dim::Count))),
        Ir::IfUnknown(a, b) => counting(a, program) && counting(b, program),
        Ir::If { branches, otherwise } => {
            branches.iter().all(|(_, v)| counting(v, program)) && counting(otherwise, program)
        }
        Ir::Arith(ArithOp::Add | ArithOp::Mul, a, b) => counting(a, program) && counting(b, program),
        Ir::ArithChain { first, rest } => counting_chain(first, rest, program),
        _ => false,
    }
}

/// Whether a chain of operations is a whole number of things: sums and products of them.
fn counting_chain(first: &Ir, rest: &[(ArithOp, Ir)], program: &Program) -> bool {
    counting(first, program)
        && rest
            .iter()
            .all(|(op, x)| matches!(op, ArithOp::Add | ArithOp::Mul) && counting(x, program))
}

/// The smallest non-zero amount an expression can be, when it is known from literals.
fn min_pay(ir: &Ir, program: &Program, depth: usize) -> Option<Decimal> {
    if depth > 32 {
        return None;
    }
    match ir {
        Ir::Const(Const::Num(n)) if *n > Decimal::ZERO => Some(*n),
        Ir::Param(_) => const_num(ir, program).filter(|n| *n > Decimal::ZERO),
        Ir::Arith(ArithOp::Mul, a, b) => match (const_num(a, program), const_num(b, program)) {
            (Some(x), Some(y)) => x.checked_mul(y).filter(|n| *n > Decimal::ZERO),
            (Some(x), None) if x > Decimal::ZERO && counting(b, program) => Some(x),
            (None, Some(y)) if y > Decimal::ZERO && counting(a, program) => Some(y),
            _ => None,
        },
        // The last operation applied to the chain before it, which is not a constant.
        Ir::ArithChain { first, rest } => match rest.split_last() {
            Some(((ArithOp::Mul, last), init)) => {
                const_num(last, program).filter(|y| *y > Decimal::ZERO && counting_chain(first, init, program))
            }
            _ => None,
        },
        Ir::IfUnknown(a, b) => {
            let m = min_pay(a, program, depth + 1)?;
            match const_num(b, program) {
                Some(n) if n.is_zero() => Some(m),
                Some(n) if n > Decimal::ZERO => Some(m.min(n)),
                _ => None,
            }
        }
        Ir::Def(i) => {
            let def = program.definitions.get(*i)?;
            if def.adjust.rounding.is_some() || def.adjust.at_most.is_some() || def.adjust.at_least.is_some() {
                return None;
            }
            min_pay(&def.expr, program, depth + 1)
        }
        _ => None,
    }
}

pub(super) fn caps(campaign: &Campaign, program: &Program, out: &mut Vec<Diagnostic>) {
    for item in &campaign.items {
        let Item::Reward(r) = item else { continue };
        let Some(def) = program.rewards.iter().find(|d| d.name == r.name.name) else {
            continue;
        };
        let Some(cap) = def.adjust.at_most.as_ref().and_then(|c| const_num(c, program)) else {
            continue;
        };
        let Some((cap_expr, cap_span)) = r.modifiers.iter().find_map(|m| match m {
            Modifier::AtMost(e, s) => Some((e, *s)),
            _ => None,
        }) else {
            continue;
        };
        let unit = &def.unit.name;
        let surface = campaign.surface;
        let cap_text = expr_in(&print::expr(cap_expr), surface);
        let name = &r.name.name;
        if cap <= Decimal::ZERO {
            out.push(errors::lints::cap_of_zero(surface, cap_span, &cap_text, name));
            continue;
        }
        let floor = def.adjust.at_least.as_ref().and_then(|f| const_num(f, program));
        if let Some(floor) = floor
            && floor > cap
            && let Some(floor_span) = r.modifiers.iter().find_map(|m| match m {
                Modifier::AtLeast(_, s) => Some(*s),
                _ => None,
            })
        {
            out.push(errors::lints::cap_below_floor(
                surface,
                cap_span,
                &cap_text,
                name,
                &floor.to_string(),
                unit,
                floor_span,
            ));
            continue;
        }
        let structural = min_pay(&def.expr, program, 0);
        let rounding_span = r.modifiers.iter().find_map(|m| match m {
            Modifier::Rounded { span, .. } => Some(*span),
            _ => None,
        });
        // The smallest payment, and where it comes from: the amount itself or its rounding.
        let (min, from_rounding) = match (structural, def.adjust.rounding) {
            (Some(m), Some((_, step))) if m.checked_div(step).is_some_and(|q| q.fract().is_zero()) => (Some(m), false),
            (_, Some((_, step))) if step > Decimal::ZERO => (Some(step), true),
            (m, _) => (m, false),
        };
        let Some(min) = min else { continue };
        if min <= cap {
            continue;
        }
        let min = min.normalize();
        let (source_span, source_label) = match rounding_span {
            Some(span) if from_rounding => (span, format!("pays whole steps of {min} {unit}")),
            _ => (r.expr.span, format!("pays at least {min} {unit} whenever it pays")),
        };
        out.push(errors::lints::cap_below_smallest_payment(
            surface,
            cap_span,
            &cap_text,
            name,
            (&min.to_string(), unit),
            (source_span, source_label),
        ));
    }
}
