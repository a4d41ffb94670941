//! Tables: rankings, lookup tables and tier tables (`band of`, `marginal of`).

use chrono::Timelike;
use rust_decimal::Decimal;

use crate::check::errors;
use crate::diagnostics::Span;
use crate::program::types::{Dim, Ty};
use crate::program::{Band, Const, Ir, RankingDef};
use crate::syntax::ast::{Expr, LookupRow, RangeKind, TierKind, TierRow};

use super::expressions::written_text;
use super::{Bare, Checker, T, num_const};

impl<'a> Checker<'a> {
    pub(super) fn rank(&mut self, keys: &[(Expr, bool)], within: &[Expr], whole: &Expr) -> Option<T> {
        if self.ctx.frames.len() > 1 {
            self.error(errors::tables::ranking_not_at_top_level(self.surface(), whole.span));
            return None;
        }
        let mut key_irs = Vec::new();
        for (k, desc) in keys {
            let t = self.expr(k)?;
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Text) {
                self.error(errors::tables::rank_key_wrong_kind(k.span, &t.ty));
                return None;
            }
            if t.after_budget {
                self.error(errors::tables::rank_key_after_budget(k.span));
                return None;
            }
            key_irs.push((t.ir, *desc));
        }
        let mut group_irs = Vec::new();
        for g in within {
            let t = self.expr(g)?;
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Text | Ty::Choice(_) | Ty::Bool) {
                self.error(errors::tables::rank_group_wrong_kind(self.surface(), g.span, &t.ty));
                return None;
            }
            if t.after_budget {
                self.error(errors::tables::rank_group_after_budget(g.span));
                return None;
            }
            group_irs.push(t.ir);
        }
        let nested = key_irs
            .iter()
            .map(|(ir, _)| ir)
            .chain(group_irs.iter())
            .any(|ir| ir.any(&mut |n| matches!(n, Ir::Rank(_))));
        if nested {
            self.error(errors::tables::ranking_of_ranking(whole.span));
            return None;
        }
        // Written in a per-period definition or reward, the ranking is one per period.
        let per = self.ctx.period_var.as_ref().map(|(_, p)| *p);
        let places = match per {
            Some(p) => self.periods.get(p).map_or(0, |r| r.periods.len()),
            None => 1,
        };
        let slot = self.rankings.last().map_or(0, |r| r.slot + r.places);
        let index = self.rankings.len();
        self.rankings.push(RankingDef {
            keys: key_irs,
            within: group_irs,
            per,
            slot,
            places,
        });
        // A record whose ranking keys are unknown is not ranked: its place is unknown.
        Some(T::new(Ir::Rank(index), Ty::Num(Dim::Count)).maybe(true))
    }

    pub(super) fn lookup(&mut self, keys: &[Expr], rows: &[LookupRow], whole: &Expr) -> Option<T> {
        let mut key_types = Vec::new();
        let mut maybe = false;
        let mut after_budget = false;
        let mut key_irs = Vec::new();
        for k in keys {
            let t = self.expr(k)?;
            if !matches!(t.ty, Ty::Text | Ty::Choice(_) | Ty::Num(_) | Ty::Bool) {
                self.error(errors::tables::lookup_key_wrong_kind(k.span, &t.ty));
                return None;
            }
            maybe |= t.maybe;
            after_budget |= t.after_budget;
            key_types.push(t.ty.clone());
            key_irs.push(t.ir);
        }
        if rows.is_empty() {
            self.error(errors::tables::empty_lookup_table(self.surface(), whole.span));
            return None;
        }
        let mut out_rows: Vec<(Vec<Const>, Ir)> = Vec::new();
        let mut row_spans: Vec<Span> = Vec::new();
        let mut otherwise: Option<Box<Ir>> = None;
        let mut value_ty: Option<(Ty, Span)> = None;
        let mut exact = true;
        let mut bares = Vec::new();
        let mut ok = true;
        for row in rows {
            let Some(v) = self.expr(&row.value) else {
                ok = false;
                continue;
            };
            match &value_ty {
                Some((ty, first)) if !self.compatible(ty, &v.ty, &row.value) => {
                    let d = errors::tables::lookup_values_differ(row.value.span, &v.ty, ty, *first);
                    self.error(d);
                    ok = false;
                    continue;
                }
                Some(_) => {}
                None => value_ty = Some((v.ty.clone(), row.value.span)),
            }
            maybe |= v.maybe;
            exact &= v.exact;
            after_budget |= v.after_budget;
            bares.extend(v.bare);
            let Some(row_keys) = &row.keys else {
                if otherwise.is_some() {
                    self.error(errors::tables::second_otherwise_row(self.surface(), row.span));
                    ok = false;
                }
                otherwise = Some(Box::new(v.ir));
                continue;
            };
            let Some(consts) = self.row_keys(row, row_keys, &key_types, &out_rows, &row_spans) else {
                ok = false;
                continue;
            };
            out_rows.push((consts, v.ir));
            row_spans.push(row.span);
        }
        if !ok {
            return None;
        }
        if otherwise.is_none() {
            // With one choice key, every choice must have a row (or the table is unknown for it).
            maybe |= !self.lookup_complete(&key_types, &out_rows, whole);
        }
        let ty = value_ty.map(|(t, _)| t).unwrap_or(Ty::Num(Dim::Decimal));
        let bare = self.table_bare(bares);
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::Lookup {
                        keys: key_irs,
                        rows: out_rows,
                        otherwise,
                    },
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact)
            .bare(bare),
        )
    }

    /// The keys of a row, as constants of the looked-up values' types, none of them in an earlier
    /// row (`seen`, written at `seen_spans`).
    fn row_keys(
        &mut self,
        row: &LookupRow,
        row_keys: &[Expr],
        key_types: &[Ty],
        seen: &[(Vec<Const>, Ir)],
        seen_spans: &[Span],
    ) -> Option<Vec<Const>> {
        if row_keys.len() != key_types.len() {
            self.error(errors::tables::lookup_row_arity(
                row.span,
                row_keys.len(),
                key_types.len(),
            ));
            return None;
        }
        let mut consts = Vec::new();
        for (k, ty) in row_keys.iter().zip(key_types) {
            if let Some(c) = self.key_const(k, ty) {
                consts.push(c);
            }
        }
        if consts.len() != key_types.len() {
            return None;
        }
        if let Some(i) = seen.iter().position(|(c, _)| *c == consts) {
            let first = seen_spans.get(i).copied().unwrap_or(row.span);
            let key = row_keys.iter().map(|k| self.written(k)).collect::<Vec<_>>().join(", ");
            self.error(errors::tables::lookup_key_repeated(row.span, &key, first));
            return None;
        }
        Some(consts)
    }

    /// Whether a table without `otherwise` has a row for every case: with one yes/no key, for
    /// `true` and `false`; with one choice key, for every choice (warning of those it lacks).
    fn lookup_complete(&mut self, key_types: &[Ty], rows: &[(Vec<Const>, Ir)], whole: &Expr) -> bool {
        // A yes/no key has two cases, `true` and `false`; several yes/no or choice keys have
        // every combination of theirs (up to a bound, beyond which the table counts as partial).
        if key_types.len() > 1 || matches!(key_types, [Ty::Bool]) {
            return every_case_has_a_row(key_types, rows);
        }
        if let [Ty::Choice(choices)] = key_types {
            let missing: Vec<&String> = choices
                .iter()
                .enumerate()
                .filter(|(i, _)| !rows.iter().any(|(c, _)| c.first() == Some(&Const::Choice(*i as u32))))
                .map(|(_, c)| c)
                .collect();
            if missing.is_empty() {
                return true;
            }
            let d = errors::tables::lookup_missing_choices(self.surface(), whole.span, &missing);
            self.error(d);
        }
        false
    }

    /// A row key as a constant of the looked-up key's type.
    fn key_const(&mut self, k: &Expr, ty: &Ty) -> Option<Const> {
        let t = self.expr(k)?;
        let Ir::Const(c) = t.ir else { return None };
        match (ty, c) {
            (Ty::Choice(choices), Const::Text(s)) => match choices.iter().position(|x| x.as_str() == &*s) {
                Some(i) => Some(Const::Choice(i as u32)),
                None => {
                    let choices = choices.clone();
                    self.unknown_choice(&s, &choices, k.span, &written_text(k));
                    None
                }
            },
            (Ty::Text, c @ Const::Text(_)) | (Ty::Bool, c @ Const::Bool(_)) => Some(c),
            (Ty::Num(_), c @ Const::Num(_)) => Some(c),
            (ty, _) => {
                self.error(errors::tables::lookup_key_kind_differs(k.span, ty));
                None
            }
        }
    }

    /// An end of a band, in the subject's unit (instants as nanoseconds since 1970): a constant,
    /// or a parameter with its default (the analyses below use it) and its index.
    fn tier_bound(&mut self, e: &Expr, dim: &Dim, time: bool) -> Option<(Decimal, Option<usize>)> {
        let t = self.expr(e)?;
        // A parameter stands for its declared default here; a run's value is checked again
        // against the table (`program::tables`).
        let (constant, param) = match &t.ir {
            Ir::Param(i) => (self.params.get(*i).map(|p| p.default.clone()), Some(*i)),
            Ir::Const(c) => (Some(c.clone()), None),
            _ => (None, None),
        };
        if time {
            return match constant {
                Some(Const::Time(at)) => at.timestamp_nanos_opt().map(|n| (Decimal::from(n), param)),
                _ => {
                    self.error(errors::tables::band_end_not_literal_time(e.span));
                    None
                }
            };
        }
        let value = match (param, &constant) {
            (Some(_), Some(Const::Num(n))) => Some(*n),
            (Some(_), _) => None,
            (None, _) => num_const(&t.ir),
        };
        let Some(value) = value else {
            self.error(errors::tables::band_end_not_constant(e.span));
            return None;
        };
        if !self.same_dim(&Ty::Num(dim.clone()), &t.ty, e, "band end") {
            return None;
        }
        Some((value, param))
    }

    /// A band end as written back in messages: a number in the table's unit, or a local time.
    fn show_bound(&self, value: Decimal, time: bool, unit: Option<&str>) -> String {
        if !time {
            return in_unit(value.normalize(), unit);
        }
        // As a campaign writes it: a bare date for midnight, minutes unless seconds are needed.
        let nanos = i64::try_from(value.trunc()).unwrap_or_default();
        let local = chrono::DateTime::from_timestamp_nanos(nanos).with_timezone(&self.tz);
        let format = match (local.hour(), local.minute(), local.second(), local.nanosecond()) {
            (0, 0, 0, 0) => "%Y-%m-%d",
            (_, _, 0, 0) => "%Y-%m-%d %H:%M",
            (_, _, _, 0) => "%Y-%m-%d %H:%M:%S",
            _ => "%Y-%m-%d %H:%M:%S%.f",
        };
        local.format(format).to_string()
    }

    /// The written plain number a table's value is, given all of them (the first stands for
    /// the table; the others are reported with it).
    pub(super) fn table_bare(&mut self, mut bares: Vec<Bare>) -> Option<Bare> {
        if bares.is_empty() {
            return None;
        }
        let first = bares.remove(0);
        if !bares.is_empty() {
            self.bare_siblings.insert(first.span, bares);
        }
        Some(first)
    }

    /// An end of a gap between bands, for messages: a local time, or the number as computed.
    fn show_gap_end(&self, value: Decimal, ends: BandEnds) -> String {
        if ends.time {
            self.show_bound(value, true, ends.unit)
        } else {
            in_unit(value, ends.unit)
        }
    }

    pub(super) fn tiers(&mut self, kind: TierKind, subject: &Expr, rows: &[TierRow], whole: &Expr) -> Option<T> {
        let s = self.expr(subject)?;
        let (dim, time) = self.tier_subject(kind, subject, &s.ty)?;
        // The unit the ends of the bands are in, for messages (timestamps are shown as dates).
        let unit = if time { None } else { dim.unit_label() };
        // Whether the subject is a count, which is a whole number and never below 0.
        let counts = dim == Dim::Count && !time;
        if rows.is_empty() {
            self.error(errors::tables::empty_tier_table(whole.span));
            return None;
        }
        let mut bands: Vec<Band> = Vec::new();
        let mut value_ty: Option<(Ty, Span)> = None;
        let mut maybe = s.maybe;
        let mut exact = kind == TierKind::Band;
        let mut after_budget = s.after_budget;
        let mut bares = Vec::new();
        let mut ok = true;
        for row in rows {
            let Some(((start, start_param), (end, end_param), end_inclusive)) = self.band_ends(kind, row, &dim, time)
            else {
                ok = false;
                continue;
            };
            let Some(v) = self.band_value(kind, row, &mut value_ty) else {
                ok = false;
                continue;
            };
            maybe |= v.maybe;
            exact &= v.exact;
            after_budget |= v.after_budget;
            bares.extend(v.bare);
            bands.push(Band {
                start,
                end,
                end_inclusive,
                value: v.ir,
                start_param,
                end_param,
            });
        }
        if !ok {
            return None;
        }
        // Overlaps: two bands sharing a value make the table ambiguous.
        if self.tier_overlaps(&bands, rows, time, unit) {
            return None;
        }
        // Gaps: values between two bands fall in none.
        let order = band_order(&bands);
        let gap = self.tier_gaps(kind, &bands, &order, rows, counts, BandEnds { time, unit });
        maybe |= gap && kind == TierKind::Band;
        // Values below the first band or above the last fall in no band.
        if kind == TierKind::Band {
            let lowest = order.first().and_then(|&i| bands.get(i)).and_then(|b| b.start);
            let below_possible = match lowest {
                None => false,
                Some(low) => !(counts && low <= Decimal::ZERO),
            };
            let open_top = bands.iter().any(|b| b.end.is_none());
            if below_possible || !open_top {
                maybe = true;
            }
        }
        let ir = match kind {
            TierKind::Band => Ir::Band(Box::new(s.ir), bands),
            TierKind::Marginal => Ir::Marginal(Box::new(s.ir), bands),
        };
        let ty = match kind {
            TierKind::Band => value_ty.map(|(t, _)| t).unwrap_or(Ty::Num(Dim::Decimal)),
            TierKind::Marginal => Ty::Num(if dim == Dim::Count { Dim::Decimal } else { dim }),
        };
        // A `band of` giving written plain numbers gives one of them; a `marginal of` gives an
        // amount (its rates were checked above).
        let bare = if kind == TierKind::Band {
            self.table_bare(bares)
        } else {
            None
        };
        Some(
            T {
                after_budget,
                ..T::new(ir, ty)
            }
            .maybe(maybe)
            .exact(exact)
            .bare(bare),
        )
    }

    /// What a tier table chooses by: the subject's quantity, and whether it is a timestamp.
    fn tier_subject(&mut self, kind: TierKind, subject: &Expr, ty: &Ty) -> Option<(Dim, bool)> {
        // Bands of timestamps choose by date (editions chosen by a cohort's first listing, say).
        Some(match ty.clone() {
            Ty::Num(dim) => (dim, false),
            Ty::Time if kind == TierKind::Band => (Dim::Decimal, true),
            other => {
                self.error(errors::tables::tier_subject_wrong_kind(
                    self.surface(),
                    subject.span,
                    kind,
                    &other,
                ));
                return None;
            }
        })
    }

    /// The ends of a band, checked: constants or parameters in the subject's unit, the lower end
    /// first.
    fn band_ends(&mut self, kind: TierKind, row: &TierRow, dim: &Dim, time: bool) -> Option<(BandEnd, BandEnd, bool)> {
        let (start, start_param) = match &row.start {
            Some(e) => self.tier_bound(e, dim, time).map(|(v, p)| (Some(v), p))?,
            None => (None, None),
        };
        let (end, end_param) = match &row.end {
            Some(e) => self.tier_bound(e, dim, time).map(|(v, p)| (Some(v), p))?,
            None => (None, None),
        };
        let end_inclusive = row.kind == RangeKind::Through;
        if kind == TierKind::Marginal && start.is_none() {
            self.error(errors::tables::marginal_band_without_start(row.span));
            return None;
        }
        if let (Some(a), Some(b)) = (start, end)
            && (b < a || (b == a && !end_inclusive))
        {
            self.error(errors::tables::band_backwards(row.span, a, b));
            return None;
        }
        if *dim == Dim::Count && !time && end.is_some_and(|e| e <= Decimal::ZERO && !(e.is_zero() && end_inclusive)) {
            self.error(errors::tables::count_band_below_zero(row.span));
        }
        Some(((start, start_param), (end, end_param), end_inclusive))
    }

    /// The value of a band: of one kind for every band of a table, a rate for a marginal one.
    fn band_value(&mut self, kind: TierKind, row: &TierRow, value_ty: &mut Option<(Ty, Span)>) -> Option<T> {
        let v = self.expr(&row.value)?;
        match kind {
            TierKind::Band => match value_ty {
                Some((ty, first_span)) => {
                    if !self.compatible(ty, &v.ty, &row.value) {
                        let d = errors::tables::band_values_differ(row.value.span, &v.ty, ty, *first_span);
                        self.error(d);
                        return None;
                    }
                }
                None => *value_ty = Some((v.ty.clone(), row.value.span)),
            },
            TierKind::Marginal => {
                if !matches!(v.ty, Ty::Num(Dim::Fraction | Dim::Decimal | Dim::Count)) {
                    self.error(errors::tables::marginal_band_not_rate(row.value.span, &v.ty));
                    return None;
                }
                // Each rate scales part of the amount: `-> 5` pays 500 % of it.
                if let Some(bare) = v.bare
                    && self.bare_reported.insert(bare.span)
                {
                    let text = self.text.get(bare.span.start..bare.span.end).unwrap_or("");
                    self.error(errors::units::bare_rate_in_table(bare.span, text, bare.value));
                }
            }
        }
        Some(v)
    }

    /// Reports bands that share values, which make the table ambiguous; whether there are any.
    fn tier_overlaps(&mut self, bands: &[Band], rows: &[TierRow], time: bool, unit: Option<&str>) -> bool {
        let mut reported_overlap = false;
        for (i, a) in bands.iter().enumerate() {
            for (j, b) in bands.iter().enumerate().skip(i + 1) {
                if let Some(example) = overlap_example(a, b) {
                    let (ra, rb) = (rows.get(i).map(|r| r.span), rows.get(j).map(|r| r.span));
                    if let (Some(ra), Some(rb)) = (ra, rb) {
                        let example = self.show_bound(example, time, unit);
                        self.error(errors::tables::tier_overlap(rb, &example, ra));
                        reported_overlap = true;
                    }
                }
            }
        }
        reported_overlap
    }

    /// Warns of values between two bands that fall in none, with the table's unit; whether there
    /// are any. `order`: the bands by their start; `counts`: whether the subject is a count;
    /// `ends`: what the ends of the bands are, for the message.
    fn tier_gaps(
        &mut self,
        kind: TierKind,
        bands: &[Band],
        order: &[usize],
        rows: &[TierRow],
        counts: bool,
        ends: BandEnds,
    ) -> bool {
        let mut gap = false;
        for pair in order.windows(2) {
            let (Some(&x), Some(&y)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let (Some(a), Some(b)) = (bands.get(x), bands.get(y)) else {
                continue;
            };
            // For counts, `10 through 19` followed by `20 ..` leaves no whole number out.
            let whole_step = counts && a.end_inclusive;
            if let (Some(end), Some(start)) = (a.end, b.start)
                && end < start
                && !(whole_step && start - end <= Decimal::ONE && start.fract().is_zero() && end.fract().is_zero())
            {
                let example = if a.end_inclusive {
                    (end + start) / Decimal::TWO
                } else {
                    end
                };
                if let (Some(ra), Some(rb)) = (rows.get(x), rows.get(y)) {
                    self.error(errors::tables::tier_gap(
                        ra.span.to(rb.span),
                        kind,
                        &self.show_gap_end(end, ends),
                        &self.show_gap_end(start, ends),
                        &self.show_gap_end(example.normalize(), ends),
                    ));
                }
                gap = true;
            }
        }
        gap
    }
}

/// An end of a band, if it has one, and the parameter it is, if it is one.
type BandEnd = (Option<Decimal>, Option<usize>);

/// The most combinations of keys [`every_case_has_a_row`] looks through.
const MAX_KEY_CASES: usize = 4096;

/// Whether a row of `rows` has every combination of the keys' values, each key a yes/no or a
/// choice; false for any other key, or for more combinations than [`MAX_KEY_CASES`].
fn every_case_has_a_row(key_types: &[Ty], rows: &[(Vec<Const>, Ir)]) -> bool {
    let mut domains: Vec<Vec<Const>> = Vec::new();
    for ty in key_types {
        domains.push(match ty {
            Ty::Bool => vec![Const::Bool(true), Const::Bool(false)],
            Ty::Choice(choices) => (0..choices.len()).map(|i| Const::Choice(i as u32)).collect(),
            _ => return false,
        });
    }
    let cases = domains.iter().try_fold(1usize, |n, d| n.checked_mul(d.len()));
    if cases.is_none_or(|n| n > MAX_KEY_CASES) {
        return false;
    }
    let mut combos: Vec<Vec<Const>> = vec![Vec::new()];
    for domain in &domains {
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                domain.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    combos.iter().all(|combo| rows.iter().any(|(keys, _)| keys == combo))
}

/// What the ends of a table's bands are: instants (shown as the file writes them), or numbers
/// in `unit`.
#[derive(Debug, Clone, Copy)]
struct BandEnds<'u> {
    time: bool,
    unit: Option<&'u str>,
}

/// A value in both bands, if they overlap.
fn overlap_example(a: &Band, b: &Band) -> Option<Decimal> {
    // The larger of the two starts is the first candidate value in both.
    let lo = match (a.start, b.start) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    };
    match lo {
        Some(v) => (a.contains(v) && b.contains(v)).then_some(v),
        None => {
            // Both open below: they share everything below the smaller end.
            let end = match (a.end, b.end) {
                (Some(x), Some(y)) => x.min(y),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => Decimal::ZERO,
            };
            Some(end - Decimal::ONE)
        }
    }
}

/// A number as messages write it, followed by its unit when it has one.
fn in_unit(value: Decimal, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{value} {u}"),
        None => value.to_string(),
    }
}

/// The bands of a table by their start, the one open below first.
fn band_order(bands: &[Band]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..bands.len()).collect();
    order.sort_by(|&x, &y| {
        let sx = bands.get(x).and_then(|b| b.start);
        let sy = bands.get(y).and_then(|b| b.start);
        match (sx, sy) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(a), Some(b)) => a.cmp(&b),
        }
    });
    order
}
