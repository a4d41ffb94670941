//! The last step of compilation: rewrites the commonest shapes of the compiled
//! expression language into single nodes the interpreter runs in one step.
//!
//! A filter such as `live_category = "购物"` compiles to a comparison of a fact
//! with a constant: three nodes, so three dispatches of the interpreter for
//! every list item it tests. After this pass it is one node
//! ([`Ir::FactCompare`]). The rewritten nodes mean exactly what the nodes they
//! replace meant (the interpreter's tests run every campaign both ways), and
//! only constants written in the campaign are folded in: parameters stay
//! parameters, so `--param` still changes them after checking.
//!
//! The pass runs after the checker and its lints, which therefore never see
//! the rewritten nodes.

use crate::program::*;

/// Rewrites every expression of a compiled program.
pub fn optimise(program: &mut Program) {
    for level in &mut program.levels {
        for derived in &mut level.derived {
            expr(&mut derived.expr);
        }
    }
    for def in &mut program.definitions {
        expr(&mut def.expr);
        adjust(&mut def.adjust);
    }
    for condition in &mut program.conditions {
        expr(&mut condition.expr);
    }
    for reward in &mut program.rewards {
        expr(&mut reward.expr);
        adjust(&mut reward.adjust);
        for condition in reward.gate.iter_mut().flatten() {
            expr(&mut condition.expr);
        }
        if let Some(budget) = &mut reward.budget {
            expr(&mut budget.amount);
            if let Some(order) = &mut budget.order {
                expr(order);
            }
            if let Some((_, group)) = &mut budget.group {
                expr(group);
            }
        }
    }
    for ranking in &mut program.rankings {
        for (key, _) in &mut ranking.keys {
            expr(key);
        }
        for group in &mut ranking.within {
            expr(group);
        }
    }
}

fn adjust(adjust: &mut Adjust) {
    for ir in [&mut adjust.at_most, &mut adjust.at_least, &mut adjust.expires]
        .into_iter()
        .flatten()
    {
        expr(ir);
    }
    for (_, when) in &mut adjust.parts {
        expr(when);
    }
}

/// Rewrites the children of `ir`, then `ir` itself.
fn expr(ir: &mut Ir) {
    ir.for_each_child_mut(&mut expr);
    if let Some(fused) = fuse(ir) {
        *ir = fused;
    }
}

/// The single node that does what `ir` does, if there is one.
fn fuse(ir: &Ir) -> Option<Ir> {
    match ir {
        Ir::Compare(op, a, b) => match (&**a, &**b) {
            (&Ir::Fact { frame, field }, Ir::Const(c)) if comparable(c) => Some(Ir::FactCompare {
                frame,
                field,
                op: *op,
                value: c.clone(),
            }),
            (Ir::Const(c), &Ir::Fact { frame, field }) if comparable(c) => Some(Ir::FactCompare {
                frame,
                field,
                op: flipped(*op),
                value: c.clone(),
            }),
            _ => None,
        },
        Ir::InWindow(a, b) => match (&**a, &**b) {
            (&Ir::Fact { frame, field }, Ir::Const(Const::Window(window))) => Some(Ir::FactInWindow {
                frame,
                field,
                window: *window,
            }),
            _ => None,
        },
        Ir::InSet(a, b) => match (&**a, &**b) {
            (&Ir::Fact { frame, field }, Ir::Const(Const::Set(set))) => Some(Ir::FactInSet {
                frame,
                field,
                set: set.clone(),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a constant is of a kind comparisons order (windows and sets are not).
fn comparable(c: &Const) -> bool {
    !matches!(c, Const::Window(_) | Const::Set(_))
}

/// The comparison with its sides swapped: `c < x` is `x > c`.
fn flipped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Eq,
        CmpOp::Ne => CmpOp::Ne,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
    }
}
