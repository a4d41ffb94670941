//! The property test: any campaign tree, printed, spoiled with blanks and
//! comments, and formatted, comes back with the same meaning and comments, and
//! formatting it again changes nothing.

use campaign::fmt::{extract_comments, format, print, same_meaning};
use campaign::syntax::ast::*;
use campaign::syntax::keywords::Surface;
use campaign::syntax::{convert, parse};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;

use super::ascii_operators;

fn sp() -> Span {
    Span::default()
}

fn ident(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: sp(),
    }
}

fn ex(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn txt(value: &str) -> Text {
    Text {
        value: value.to_string(),
        span: sp(),
    }
}

fn name() -> impl Strategy<Value = String> {
    // Never a keyword: every name has an underscore.
    "[a-z]{1,3}_[a-z0-9_]{0,14}"
}

fn text_value() -> impl Strategy<Value = String> {
    // Quotes, backslashes and `#` test quoting and comment scanning.
    "[a-z0-9 中文#\"\\\\-]{0,12}"
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (0i64..2_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s))
}

fn unit() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["CNY", "points", "packs", "days"])
}

fn timestamp() -> impl Strategy<Value = TimestampLit> {
    prop::sample::select(vec![
        "2024-08-16",
        "2024-08-16 15:00",
        "2022-12-31 23:59:59",
        "2024-08-16T15:00+08:00",
        "2024-08-28 24:00",
    ])
    .prop_map(|text| TimestampLit {
        year: 2024,
        month: 8,
        day: 16,
        time: None,
        seconds_written: false,
        offset: None,
        text: text.to_string(),
    })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => name().prop_map(|n| ex(ExprKind::Name(ident(&n)))),
        2 => decimal().prop_map(|d| ex(ExprKind::Number(d))),
        1 => decimal().prop_map(|d| ex(ExprKind::Percent(d))),
        1 => (decimal(), unit()).prop_map(|(d, u)| ex(ExprKind::Quantity(d, ident(u)))),
        1 => text_value().prop_map(|t| ex(ExprKind::Text(t))),
        1 => any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
        1 => timestamp().prop_map(|t| ex(ExprKind::Timestamp(t))),
        1 => prop::collection::vec(text_value(), 0..3)
            .prop_map(|v| ex(ExprKind::Set(v.iter().map(|s| txt(s)).collect()))),
    ]
}

fn key_literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        text_value().prop_map(|t| ex(ExprKind::Text(t))),
        decimal().prop_map(|d| ex(ExprKind::Number(d))),
        any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
    ]
}

fn binop() -> impl Strategy<Value = BinOp> {
    prop::sample::select(vec![
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::And,
        BinOp::Or,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
    ])
}

/// `l op r` as the parser builds it: a chain for `and`, `or` and arithmetic (longer when the
/// operand on the left is a chain of the same precedence), a pair for a comparison.
fn join(op: BinOp, l: Expr, r: Expr) -> Expr {
    let additive = |o: BinOp| matches!(o, BinOp::Add | BinOp::Sub);
    let kind = match (op, l.kind) {
        (BinOp::And, ExprKind::And(mut v)) | (BinOp::Or, ExprKind::Or(mut v)) => {
            v.push(r);
            if op == BinOp::And {
                ExprKind::And(v)
            } else {
                ExprKind::Or(v)
            }
        }
        (BinOp::And, k) => ExprKind::And(vec![ex(k), r]),
        (BinOp::Or, k) => ExprKind::Or(vec![ex(k), r]),
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, ExprKind::Arith { first, mut rest })
            if rest.first().is_some_and(|(o, _)| additive(*o) == additive(op)) =>
        {
            rest.push((op, r));
            ExprKind::Arith { first, rest }
        }
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, k) => ExprKind::Arith {
            first: Box::new(ex(k)),
            rest: vec![(op, r)],
        },
        (_, k) => ExprKind::Binary(op, Box::new(ex(k)), Box::new(r)),
    };
    ex(kind)
}

fn agg_op() -> impl Strategy<Value = AggOp> {
    prop::sample::select(vec![
        AggOp::Sum,
        AggOp::Count,
        AggOp::CountDistinct,
        AggOp::Min,
        AggOp::Max,
        AggOp::Average,
        AggOp::Any,
        AggOp::All,
    ])
}

fn range_kind() -> impl Strategy<Value = RangeKind> {
    prop::sample::select(vec![RangeKind::Exclusive, RangeKind::Through])
}

fn path_expr() -> impl Strategy<Value = Expr> {
    prop::collection::vec(name(), 1..3).prop_map(|names| {
        let mut it = names.iter();
        let mut e = ex(ExprKind::Name(ident(it.next().map_or("x_", |s| s.as_str()))));
        for n in it {
            e = ex(ExprKind::Field(Box::new(e), ident(n)));
        }
        e
    })
}

/// Any expression tree; [`fix`] then adds the parentheses it needs to be written.
fn raw_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        let b = |e: Expr| Box::new(e);
        prop_oneof![
            1 => (inner.clone(), name()).prop_map(move |(e, f)| ex(ExprKind::Field(b(e), ident(&f)))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Neg(b(e)))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Not(b(e)))),
            3 => (binop(), inner.clone(), inner.clone()).prop_map(move |(op, l, r)| join(op, l, r)),
            1 => (binop(), inner.clone(), inner.clone(), inner.clone())
                .prop_map(move |(op, x, y, z)| join(op, join(op, x, y), z)),
            1 => (inner.clone(), inner.clone(), any::<bool>()).prop_map(move |(v, t, negated)| ex(ExprKind::In {
                value: b(v),
                target: InTarget::Expr(b(t)),
                negated,
            })),
            1 => (inner.clone(), inner.clone(), range_kind(), inner.clone(), any::<bool>()).prop_map(
                move |(v, s, kind, e, negated)| ex(ExprKind::In {
                    value: b(v),
                    target: InTarget::Range(Range {
                        start: b(s),
                        kind,
                        end: b(e),
                        span: sp(),
                    }),
                    negated,
                })
            ),
            1 => (inner.clone(), any::<bool>()).prop_map(move |(e, k)| ex(ExprKind::IsKnown(b(e), k))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::IsWaitlisted(b(e)))),
            2 => (inner.clone(), inner.clone()).prop_map(move |(l, r)| ex(ExprKind::IfUnknown(b(l), b(r)))),
            1 => (inner.clone(), unit()).prop_map(move |(e, u)| ex(ExprKind::As(b(e), ident(u)))),
            2 => (agg_op(), path_expr(), prop::option::of(inner.clone())).prop_map(move |(op, source, filter)| {
                ex(ExprKind::Aggregate {
                    op,
                    source: b(source),
                    filter: filter.map(b),
                })
            }),
            1 => (inner.clone(), inner.clone()).prop_map(move |(l, f)| ex(ExprKind::Where(b(l), b(f)))),
            1 => (
                prop::sample::select(vec!["max", "min", "f_call"]),
                prop::collection::vec(inner.clone(), 1..3)
            )
                .prop_map(|(n, args)| ex(ExprKind::Call(ident(n), args))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Paren(b(e)))),
            1 => (prop::collection::vec((inner.clone(), any::<bool>()), 1..3), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(keys, within)| ex(ExprKind::Rank { keys, within })),
            1 => (
                prop::collection::vec(inner.clone(), 1..3),
                prop::collection::vec((prop::option::of(prop::collection::vec(key_literal(), 1..3)), inner.clone()), 0..4)
            )
                .prop_map(|(keys, rows)| ex(ExprKind::Lookup {
                    keys,
                    rows: rows
                        .into_iter()
                        .map(|(keys, value)| LookupRow { keys, value, span: sp() })
                        .collect(),
                })),
            1 => (
                any::<bool>(),
                path_expr(),
                prop::collection::vec(
                    (
                        prop::option::of(inner.clone()),
                        range_kind(),
                        prop::option::of(inner.clone()),
                        inner.clone()
                    ),
                    0..4
                )
            )
                .prop_map(move |(marginal, subject, rows)| ex(ExprKind::Tiers {
                    kind: if marginal { TierKind::Marginal } else { TierKind::Band },
                    subject: b(subject),
                    rows: rows
                        .into_iter()
                        .map(|(start, kind, end, value)| TierRow {
                            start,
                            kind,
                            end,
                            value,
                            span: sp(),
                        })
                        .collect(),
                })),
            1 => (prop::collection::vec((inner.clone(), inner.clone()), 1..3), inner.clone())
                .prop_map(move |(branches, otherwise)| ex(ExprKind::If { branches, otherwise: b(otherwise) })),
        ]
    })
}

/// How tightly an expression binds: 0 (`where`) to 11 (a primary).
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Where(..) => 0,
        ExprKind::Or(_) => 1,
        // A filter runs to the end of the enclosing `or`: treat it as loose as one.
        ExprKind::Aggregate { filter: Some(_), .. } => 1,
        // So does the `else` branch.
        ExprKind::If { .. } => 1,
        ExprKind::And(_) => 2,
        // `within a and b` runs on over a following `and`.
        ExprKind::Rank { within, .. } if !within.is_empty() => 2,
        ExprKind::Not(_) => 3,
        ExprKind::IfUnknown(..) => 4,
        ExprKind::Arith { rest, .. } if rest.first().is_some_and(|(o, _)| matches!(o, BinOp::Add | BinOp::Sub)) => 7,
        ExprKind::Arith { .. } => 8,
        ExprKind::Binary(..) | ExprKind::In { .. } | ExprKind::IsKnown(..) | ExprKind::IsWaitlisted(_) => 5,
        ExprKind::As(..) => 6,
        ExprKind::Neg(_) => 9,
        ExprKind::Field(..) => 10,
        _ => 11,
    }
}

/// The tree with parentheses wherever a part binds more loosely than its place allows.
fn fix(e: Expr, min: u8) -> Expr {
    let b = Box::new;
    let kind = match e.kind {
        ExprKind::Where(l, f) => ExprKind::Where(b(fix(*l, 1)), b(fix(*f, 1))),
        // Every operand of a chain binds more tightly than the chain: one of the same
        // precedence would be read as part of it.
        ExprKind::Or(v) => ExprKind::Or(v.into_iter().map(|x| fix(x, 2)).collect()),
        ExprKind::And(v) => ExprKind::And(v.into_iter().map(|x| fix(x, 3)).collect()),
        ExprKind::Arith { first, rest } => {
            let min = if rest.first().is_some_and(|(o, _)| matches!(o, BinOp::Add | BinOp::Sub)) {
                8
            } else {
                9
            };
            ExprKind::Arith {
                first: b(fix(*first, min)),
                rest: rest.into_iter().map(|(o, x)| (o, fix(x, min))).collect(),
            }
        }
        ExprKind::Binary(op, l, r) => ExprKind::Binary(op, b(fix(*l, 6)), b(fix(*r, 6))),
        ExprKind::Not(x) => ExprKind::Not(b(fix(*x, 3))),
        ExprKind::IfUnknown(l, r) => ExprKind::IfUnknown(b(fix(*l, 5)), b(fix(*r, 5))),
        ExprKind::In { value, target, negated } => ExprKind::In {
            value: b(fix(*value, 6)),
            target: match target {
                InTarget::Expr(t) => InTarget::Expr(b(fix(*t, 6))),
                InTarget::Range(r) => InTarget::Range(Range {
                    start: b(fix(*r.start, 6)),
                    kind: r.kind,
                    end: b(fix(*r.end, 6)),
                    span: sp(),
                }),
            },
            negated,
        },
        ExprKind::IsKnown(x, k) => ExprKind::IsKnown(b(fix(*x, 6)), k),
        ExprKind::IsWaitlisted(x) => ExprKind::IsWaitlisted(b(fix(*x, 6))),
        ExprKind::As(x, u) => ExprKind::As(b(fix(*x, 7)), u),
        ExprKind::Neg(x) => ExprKind::Neg(b(fix(*x, 9))),
        ExprKind::Field(x, f) => {
            let base = fix(*x, 10);
            // Only names, fields and parentheses take a `.field`.
            let base = match base.kind {
                ExprKind::Name(_) | ExprKind::Field(..) | ExprKind::Paren(_) | ExprKind::Call(..) => base,
                _ => ex(ExprKind::Paren(b(base))),
            };
            ExprKind::Field(b(base), f)
        }
        ExprKind::Aggregate { op, source, filter } => ExprKind::Aggregate {
            op,
            source,
            filter: filter.map(|f| b(fix(*f, 1))),
        },
        ExprKind::Call(n, args) => ExprKind::Call(n, args.into_iter().map(|a| fix(a, 0)).collect()),
        ExprKind::Paren(x) => ExprKind::Paren(b(fix(*x, 0))),
        ExprKind::Rank { keys, within } => ExprKind::Rank {
            keys: keys.into_iter().map(|(k, d)| (fix(k, 6), d)).collect(),
            within: within.into_iter().map(|g| fix(g, 6)).collect(),
        },
        ExprKind::Lookup { keys, rows } => ExprKind::Lookup {
            keys: keys.into_iter().map(|k| fix(k, 6)).collect(),
            rows: rows
                .into_iter()
                .map(|r| LookupRow {
                    keys: r.keys,
                    value: fix(r.value, 1),
                    span: sp(),
                })
                .collect(),
        },
        ExprKind::Tiers { kind, subject, rows } => ExprKind::Tiers {
            kind,
            subject,
            rows: rows
                .into_iter()
                .map(|r| TierRow {
                    start: r.start.map(|s| fix(s, 6)),
                    kind: r.kind,
                    end: r.end.map(|x| fix(x, 6)),
                    value: fix(r.value, 1),
                    span: sp(),
                })
                .collect(),
        },
        ExprKind::If { branches, otherwise } => ExprKind::If {
            branches: branches.into_iter().map(|(c, v)| (fix(c, 1), fix(v, 1))).collect(),
            // An `if` written right after `else` continues the chain: in parentheses it is a branch.
            otherwise: b(match fix(*otherwise, 1) {
                nested @ Expr {
                    kind: ExprKind::If { .. },
                    ..
                } => ex(ExprKind::Paren(b(nested))),
                other => other,
            }),
        },
        other => other,
    };
    let e = ex(kind);
    if level(&e) < min { ex(ExprKind::Paren(b(e))) } else { e }
}

fn expr_at(min: u8) -> impl Strategy<Value = Expr> {
    raw_expr().prop_map(move |e| fix(e, min))
}

fn modifier() -> impl Strategy<Value = Modifier> {
    let mode = prop::sample::select(vec![
        RoundingMode::Down,
        RoundingMode::Up,
        RoundingMode::HalfUp,
        RoundingMode::HalfDown,
        RoundingMode::HalfEven,
    ]);
    let unit = prop::sample::select(vec![PeriodUnit::Month, PeriodUnit::Week, PeriodUnit::Day]);
    prop_oneof![
        (mode, prop::option::of(decimal())).prop_map(|(mode, step)| Modifier::Rounded {
            mode,
            step: step.map(|d| (d, sp())),
            span: sp(),
        }),
        expr_at(1).prop_map(|e| Modifier::AtMost(e, sp())),
        expr_at(1).prop_map(|e| Modifier::AtLeast(e, sp())),
        prop::collection::vec((decimal(), expr_at(6)), 1..3)
            .prop_map(|parts| Modifier::Paid(parts.into_iter().map(|(d, e)| (d, sp(), e)).collect(), sp())),
        expr_at(6).prop_map(|e| Modifier::Expires(e, sp())),
        (
            expr_at(6),
            prop::option::of((unit.clone(), expr_at(1))),
            path_expr(),
            any::<bool>(),
            prop::option::of(unit),
            0..3u8,
        )
            .prop_map(|(amount, per, order, descending, last_split, kind)| {
                let allocation = match kind {
                    0 => Allocation::Queue {
                        order,
                        descending,
                        last_split,
                    },
                    1 => Allocation::Split(Split::ProRata),
                    _ => Allocation::Split(Split::Equally),
                };
                Modifier::Budget(Budget {
                    amount,
                    scope: per.map_or(BudgetScope::Total, |(u, of)| BudgetScope::Per(u, of)),
                    allocation,
                    span: sp(),
                })
            }),
    ]
}

fn simple_type() -> impl Strategy<Value = TypeExpr> {
    prop_oneof![
        prop::sample::select(vec![
            TypeExprKind::Text,
            TypeExprKind::Bool,
            TypeExprKind::Count,
            TypeExprKind::Decimal,
            TypeExprKind::Fraction,
            TypeExprKind::Timestamp,
            TypeExprKind::Duration,
        ]),
        unit().prop_map(|u| TypeExprKind::Money(ident(u))),
        unit().prop_map(|u| TypeExprKind::Quantity(ident(u))),
        prop::collection::vec(text_value(), 1..3).prop_map(|v| TypeExprKind::Enum(v.iter().map(|s| txt(s)).collect())),
    ]
    .prop_map(|kind| TypeExpr { kind, span: sp() })
}

fn field_decl() -> impl Strategy<Value = FieldDecl> {
    let flat = (name(), simple_type(), any::<bool>()).prop_map(|(n, ty, optional)| FieldDecl {
        name: ident(&n),
        ty,
        optional,
        span: sp(),
    });
    flat.prop_recursive(2, 12, 4, |inner| {
        (name(), prop::collection::vec(inner, 0..4), any::<bool>()).prop_map(|(n, fields, optional)| FieldDecl {
            name: ident(&n),
            ty: TypeExpr {
                kind: TypeExprKind::List(fields),
                span: sp(),
            },
            optional,
            span: sp(),
        })
    })
}

fn scope() -> impl Strategy<Value = Option<Scope>> {
    prop_oneof![
        2 => Just(None),
        1 => prop::collection::vec(name(), 1..3).prop_map(|v| Some(Scope::Of(v.iter().map(|s| ident(s)).collect()))),
        1 => (name(), name()).prop_map(|(var, periods)| Some(Scope::Per {
            var: ident(&var),
            periods: ident(&periods),
        })),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let bound = (2020i32..2030, 1u32..13, prop::option::of(1u32..29)).prop_map(|(year, month, day)| PeriodBound {
        year,
        month,
        day,
        year_only: false,
        span: sp(),
    });
    prop_oneof![
        1 => prop::sample::select(vec!["Asia/Shanghai", "UTC"]).prop_map(|z| Item::Timezone(ident(z))),
        1 => text_value().prop_map(|t| Item::Source(txt(&t))),
        1 => text_value().prop_map(|t| Item::Note(txt(&t))),
        1 => (name(), prop::option::of(decimal())).prop_map(|(n, p)| Item::Unit(UnitDecl {
            name: ident(&n),
            precision: p.map(|d| (d, sp())),
        })),
        1 => (name(), simple_type(), expr_at(0)).prop_map(|(n, ty, default)| Item::Parameter(ParameterDecl {
            name: ident(&n),
            ty,
            default,
        })),
        1 => (name(), timestamp(), range_kind(), timestamp()).prop_map(|(n, a, kind, z)| Item::Window(WindowDecl {
            name: ident(&n),
            range: Range {
                start: Box::new(ex(ExprKind::Timestamp(a))),
                kind,
                end: Box::new(ex(ExprKind::Timestamp(z))),
                span: sp(),
            },
        })),
        1 => (
            name(),
            prop::sample::select(vec![PeriodUnit::Month, PeriodUnit::Week, PeriodUnit::Day]),
            bound.clone(),
            bound
        )
            .prop_map(|(n, unit, first, last)| Item::Periods(PeriodsDecl {
                name: ident(&n),
                unit,
                first,
                last,
                span: sp(),
            })),
        2 => prop::collection::vec(field_decl(), 0..5).prop_map(|fields| Item::Facts(FactsBlock { fields, span: sp() })),
        4 => (any::<bool>(), name(), scope(), expr_at(0), prop::collection::vec(modifier(), 0..3)).prop_map(
            |(exposed, n, scope, expr, modifiers)| Item::Value(ValueDecl {
                exposed,
                name: ident(&n),
                scope,
                expr,
                modifiers,
                span: sp(),
            })
        ),
        3 => prop::collection::vec((expr_at(0), prop::option::of(text_value())), 0..5).prop_map(|conds| {
            Item::Eligible(EligibleBlock {
                conditions: conds
                    .into_iter()
                    .map(|(expr, reason)| Condition {
                        expr,
                        reason: reason.map(|r| txt(&r)),
                        span: sp(),
                    })
                    .collect(),
                head_span: sp(),
                span: sp(),
            })
        }),
        2 => (
            any::<bool>(),
            name(),
            prop::option::of((name(), name())),
            expr_at(0),
            prop::collection::vec(modifier(), 0..3),
            prop::option::of(prop::collection::vec((expr_at(0), prop::option::of(text_value())), 0..3))
        )
            .prop_map(|(fee, n, per, expr, modifiers, gate)| Item::Reward(RewardDecl {
                kind: if fee { OutputKind::Fee } else { OutputKind::Reward },
                name: ident(&n),
                per: per.map(|(v, p)| Scope::Per {
                    var: ident(&v),
                    periods: ident(&p),
                }),
                expr,
                modifiers,
                gate: gate.map(|conds| RewardGate {
                    conditions: conds
                        .into_iter()
                        .map(|(expr, reason)| Condition {
                            expr,
                            reason: reason.map(|r| txt(&r)),
                            span: sp(),
                        })
                        .collect(),
                    head_span: sp(),
                    span: sp(),
                }),
                span: sp(),
            })),
    ]
}

fn campaign_tree() -> impl Strategy<Value = Campaign> {
    (text_value(), prop::collection::vec(item(), 0..7)).prop_map(|(n, items)| Campaign {
        name: txt(&n),
        items,
        span: sp(),
        surface: Surface::English,
    })
}

/// Spoils a canonical text with `noise` as the source of choices: ASCII
/// operators, random indentation, continuation lines joined, blank lines,
/// and numbered comments on their own lines and at the ends of lines.
/// Returns the text and how many comments it holds.
fn spoil_randomly(canonical: &str, noise: &[u8]) -> (String, usize) {
    let mut pick = noise.iter().copied().cycle();
    let mut next = move || pick.next().unwrap_or(0);
    let ascii = next() % 2 == 0;
    // Join continuation lines first, while no comment can swallow them.
    let mut lines: Vec<String> = Vec::new();
    for line in canonical.lines() {
        let code = if ascii { ascii_operators(line) } else { line.to_string() };
        let trimmed = code.trim_start();
        let joins = ["and ", "or ", "where ", "if unknown ", "}"]
            .iter()
            .any(|w| trimmed.starts_with(w))
            || lines.last().is_some_and(|l| l.ends_with(',') || l.ends_with('{'));
        match lines.last_mut() {
            Some(last) if joins && next() % 3 == 0 => {
                last.push(' ');
                last.push_str(trimmed);
            }
            _ => lines.push(code),
        }
    }
    let mut out = String::new();
    let mut count = 0;
    for line in &lines {
        let r = next();
        if r % 7 == 0 {
            out.push('\n');
        }
        if r % 5 == 0 {
            out.push_str(&" ".repeat(usize::from(next() % 8)));
            comment(&mut out, &mut count, next());
            out.push('\n');
        }
        out.push_str(&" ".repeat(usize::from(next() % 4)));
        out.push_str(line.trim_start());
        if next() % 4 == 0 {
            out.push_str(&" ".repeat(usize::from(next() % 3)));
            comment(&mut out, &mut count, next());
        }
        out.push('\n');
    }
    if next() % 2 == 0 {
        comment(&mut out, &mut count, next());
        out.push('\n');
    }
    (out, count)
}

/// Appends comment number `count + 1`: `# [N]` and maybe a word.
fn comment(out: &mut String, count: &mut usize, n: u8) {
    *count += 1;
    let words = [" note", " \"quoted\"", " # again", " 中文", " x = 1", ""];
    let word = words.get(usize::from(n) % words.len()).copied().unwrap_or("");
    out.push_str(&format!("# [{count}]{word}"));
}

fn comment_texts(text: &str) -> Vec<String> {
    extract_comments(text).into_iter().map(|c| c.text).collect()
}

fn check_formatting(campaign: &Campaign, noise: &[u8]) -> Result<(), TestCaseError> {
    let canonical = print(campaign);
    let (input, count) = spoil_randomly(&canonical, noise);
    let parsed = parse(&input)
        .map_err(|d| TestCaseError::fail(format!("generated text does not parse: {}\n{input}", d.message)))?;
    let once = format(&input).map_err(|d| TestCaseError::fail(format!("{}\n{input}", d.message)))?;
    let reparsed = parse(&once).map_err(|d| TestCaseError::fail(format!("{}\n{once}", d.message)))?;
    prop_assert!(
        same_meaning(&parsed, &reparsed),
        "meaning changed:\n{input}\n---\n{once}"
    );
    let twice = format(&once).map_err(|d| TestCaseError::fail(d.message))?;
    prop_assert_eq!(&twice, &once, "not idempotent; input:\n{}", input);
    for k in 1..=count {
        let tag = format!("# [{k}]");
        prop_assert_eq!(
            once.matches(&tag).count(),
            1,
            "comment {} lost or doubled:\n{}\n---\n{}",
            k,
            input,
            once
        );
    }
    prop_assert_eq!(comment_texts(&once), comment_texts(&input));
    check_chinese_formatting(&parsed, &input, &once)
}

/// The same text with Chinese keywords (docs/language.zh.md): formatting it keeps its meaning,
/// keywords and comments and is idempotent, and converting the result back to English and
/// formatting that gives the English result.
fn check_chinese_formatting(parsed: &Campaign, input: &str, once: &str) -> Result<(), TestCaseError> {
    let chinese =
        convert(input, Surface::Chinese).map_err(|d| TestCaseError::fail(format!("{}\n{input}", d.message)))?;
    let zh_once = format(&chinese).map_err(|d| TestCaseError::fail(format!("{}\n{chinese}", d.message)))?;
    let mut reparsed = parse(&zh_once).map_err(|d| TestCaseError::fail(format!("{}\n{zh_once}", d.message)))?;
    prop_assert_eq!(reparsed.surface, Surface::Chinese);
    reparsed.surface = Surface::English;
    prop_assert!(
        same_meaning(parsed, &reparsed),
        "meaning changed:\n{chinese}\n---\n{zh_once}"
    );
    let zh_twice = format(&zh_once).map_err(|d| TestCaseError::fail(d.message))?;
    prop_assert_eq!(&zh_twice, &zh_once, "not idempotent in Chinese; input:\n{}", chinese);
    prop_assert_eq!(comment_texts(&zh_once), comment_texts(input));
    let back = convert(&zh_once, Surface::English).map_err(|d| TestCaseError::fail(d.message))?;
    let back = format(&back).map_err(|d| TestCaseError::fail(d.message))?;
    prop_assert_eq!(back.as_str(), once, "Chinese, formatted, back in English:\n{}", zh_once);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_meaning_and_comments_and_is_idempotent(
        campaign in campaign_tree(),
        noise in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        // The parser recurses deeply in debug builds: give it room.
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || check_formatting(&campaign, &noise))
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .join()
            .map_err(|_| TestCaseError::fail("the check panicked"))??;
    }
}
