//! Units and types: declared units, currencies, and whether two types are the same quantity.

use rust_decimal::Decimal;

use crate::program::schema::FactType;
use crate::program::types::{CURRENCIES, Dim, Ty, UnitInfo, currency, duration_unit};
use crate::suggest::closest;
use crate::syntax::ast::{self, Expr, ExprKind};

use super::super::errors::units;
use super::{Checker, is_literal, literal_value};

impl<'a> Checker<'a> {
    pub(super) fn declare_unit(&mut self, u: &ast::UnitDecl) {
        if currency(&u.name.name).is_some()
            || duration_unit(&u.name.name).is_some()
            || super::MULTIPLIER_WORDS.contains(&u.name.name.as_str())
        {
            let line = self.unit_declaration(u).map(|decl| self.whole_line(decl));
            self.error(units::already_built_in(u.name.span, &u.name.name, line));
            return;
        }
        if self.units.contains_key(&u.name.name) {
            self.error(units::unit_declared_twice(u.name.span, &u.name.name, self.surface));
            return;
        }
        let precision = match u.precision {
            Some((p, span)) => {
                if !is_power_of_ten(p) {
                    self.error(units::precision_not_power_of_ten(span, p));
                    Decimal::ONE
                } else {
                    p
                }
            }
            None => Decimal::ONE,
        };
        self.units.insert(
            u.name.name.clone(),
            UnitInfo {
                name: u.name.name.as_str().into(),
                precision,
                currency: false,
            },
        );
        self.declare_unit_symbol(u, precision);
    }

    pub(super) fn note_currency(&mut self, code: &str, minor: u32) {
        self.units.entry(code.to_string()).or_insert_with(|| UnitInfo {
            name: code.into(),
            precision: Decimal::new(1, minor),
            currency: true,
        });
    }

    pub(super) fn unknown_currency(&mut self, c: &ast::Ident) {
        let codes = CURRENCIES.iter().map(|(c, _)| *c);
        let suggestion = currency_alias(&c.name).or_else(|| closest(&c.name, codes));
        self.error(units::not_a_currency(c.span, &c.name, suggestion));
    }

    pub(super) fn unknown_unit(&mut self, u: &ast::Ident) {
        // `10000 RMB` is money: the currency's ISO code is meant, not a unit to declare.
        if let Some(code) = currency_alias(&u.name) {
            self.error(units::not_a_currency(u.span, &u.name, Some(code)));
            return;
        }
        let mut names: Vec<&str> = self.units.keys().map(String::as_str).collect();
        names.extend(CURRENCIES.iter().map(|(c, _)| *c));
        names.extend(["days", "hours", "minutes", "seconds", "weeks"]);
        let suggestion = closest(&u.name, names.iter().copied());
        let d = units::not_a_known_unit(u.span, &u.name, suggestion, self.surface);
        self.error(d);
    }

    pub(super) fn unit_info(&mut self, dim: &Dim) -> Option<UnitInfo> {
        match dim {
            Dim::Money(c) => {
                if let Some((code, minor)) = currency(c) {
                    self.note_currency(code, minor);
                }
                self.units.get(&**c).cloned()
            }
            Dim::Unit(u) => self.units.get(&**u).cloned(),
            _ => None,
        }
    }

    /// Whether two types are the same quantity, reporting when not.
    pub(super) fn same_dim(&mut self, want: &Ty, got: &Ty, expr: &Expr, what: &str) -> bool {
        match (want, got) {
            (Ty::Num(a), Ty::Num(b)) if a == b => true,
            (Ty::Num(_), Ty::Num(_)) if literal_value(expr) == Some(Decimal::ZERO) => true,
            (Ty::Num(Dim::Decimal | Dim::Count), Ty::Num(Dim::Decimal | Dim::Count)) => true,
            (Ty::Num(a), Ty::Num(b)) => {
                // A plain number (not in parentheses) takes a unit by writing it after.
                let plain = match &expr.kind {
                    ExprKind::Number(_) => true,
                    ExprKind::Neg(inner) => matches!(inner.kind, ExprKind::Number(_)),
                    _ => false,
                };
                let d = units::wrong_unit(expr.span, what, a, b, is_literal(expr), &self.written(expr), plain);
                self.error(d);
                false
            }
            (a, b) => {
                self.error(units::wrong_kind(expr.span, what, a, b));
                false
            }
        }
    }

    /// Whether a value of type `b` (written as `expr`) can stand where `a` is expected.
    pub(super) fn compatible(&self, a: &Ty, b: &Ty, expr: &Expr) -> bool {
        match (a, b) {
            (Ty::Num(x), Ty::Num(y)) => {
                x == y
                    || literal_value(expr) == Some(Decimal::ZERO)
                    || matches!((x, y), (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal))
            }
            (Ty::Choice(_), Ty::Text) | (Ty::Text, Ty::Choice(_)) => true,
            (x, y) => x == y,
        }
    }
}

/// The ISO code people usually mean by a non-ISO currency word.
pub(super) fn currency_alias(word: &str) -> Option<&'static str> {
    match word {
        "RMB" | "rmb" | "人民币" | "CNH" => Some("CNY"),
        "美元" | "US$" => Some("USD"),
        _ => None,
    }
}

pub(super) fn is_power_of_ten(d: Decimal) -> bool {
    if d <= Decimal::ZERO {
        return false;
    }
    let n = d.normalize();
    let mut m = n.mantissa();
    while m % 10 == 0 && m != 0 {
        m /= 10;
    }
    m == 1
}

pub(super) fn ty_of_fact(f: &FactType) -> Ty {
    match f {
        FactType::Text => Ty::Text,
        FactType::Bool => Ty::Bool,
        FactType::Count => Ty::Num(Dim::Count),
        FactType::Decimal => Ty::Num(Dim::Decimal),
        FactType::Fraction => Ty::Num(Dim::Fraction),
        FactType::Timestamp => Ty::Time,
        FactType::Duration => Ty::Duration,
        FactType::Money(c) => Ty::Num(Dim::Money(c.as_str().into())),
        FactType::Quantity(u) => Ty::Num(Dim::Unit(u.as_str().into())),
        FactType::Enum(c) => Ty::Choice(c.clone().into()),
        FactType::List(_) => Ty::Records(0),
    }
}
