//! Two evaluations of the same records compared, row pair by row pair: [`DiffTally`] for the
//! totals, [`record_change`] for what changed for one record.
//!
//! Rewards are matched by name (those of one version only are compared with nothing: 0 on
//! the other side), periods by key. A reward whose unit changed between the versions has no
//! delta: amounts of different units are never subtracted.

use rust_decimal::Decimal;
use serde_json::{Map, Value as Json, json};

use super::Exact;
use crate::batch::Row;
use crate::program::{Program, RewardDef};

/// How many of the largest movers a diff lists per reward.
pub const MOVERS: usize = 10;

/// One reward of either version.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    old: Option<usize>,
    new: Option<usize>,
    /// The union of the periods' keys: the old version's, then the new one's that it lacks;
    /// each with its index in the old and the new version's range.
    periods: Vec<(String, Option<usize>, Option<usize>)>,
    /// Whether both versions give it in the same unit (or only one version has it).
    comparable: bool,
}

/// A record whose result differs between the versions, for one reward.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardChange {
    /// The amount before (none when the record failed or the old version lacks the reward).
    pub before: Option<Decimal>,
    /// The amount after.
    pub after: Option<Decimal>,
    /// The periods whose amount changed: key, before, after.
    pub by_period: Vec<(String, Decimal, Decimal)>,
}

impl RewardChange {
    /// After minus before (a missing side counts 0), when both are in one unit.
    pub fn delta(&self) -> Decimal {
        self.after.unwrap_or_default() - self.before.unwrap_or_default()
    }
}

/// What changed for one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    /// The line where the record starts.
    pub line: usize,
    /// Its id (when it could be read).
    pub id: Option<String>,
    /// Whether it qualified before and after (none: it failed on that side).
    pub qualifying: (Option<bool>, Option<bool>),
    /// The error on each side, if it failed.
    pub errors: (Option<String>, Option<String>),
    /// Per reward of either version (in the diff's order).
    pub rewards: Vec<RewardChange>,
}

/// One of the largest movers of a reward.
#[derive(Debug, Clone, PartialEq)]
pub struct Mover {
    /// The record's id.
    pub id: String,
    /// The amounts before and after.
    pub before: Decimal,
    /// The amount after.
    pub after: Decimal,
}

impl Mover {
    fn delta(&self) -> Decimal {
        self.after - self.before
    }
}

/// The totals of a diff, fed pairs of rows: rewards matched by name, periods by key, no delta
/// for a reward whose unit changed.
#[derive(Debug, Clone)]
pub struct DiffTally<'p> {
    old: &'p Program,
    new: &'p Program,
    columns: Vec<Column>,
    read: usize,
    changed: usize,
    gained: usize,
    lost: usize,
    qualifying: (usize, usize),
    failed: (usize, usize),
    totals: Vec<(Decimal, Decimal)>,
    /// Per column: records given more, and less.
    movement: Vec<(usize, usize)>,
    by_period: Vec<Vec<(Decimal, Decimal)>>,
    movers: Vec<Vec<Mover>>,
    exact: Exact,
    /// The parameters set on each side (`NAME=VALUE`), to say what was compared.
    params: (Vec<String>, Vec<String>),
}

impl<'p> DiffTally<'p> {
    /// An empty diff of `old` against `new`.
    pub fn new(old: &'p Program, new: &'p Program) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        for (i, def) in old.rewards.iter().enumerate() {
            let j = new.rewards.iter().position(|r| r.name == def.name);
            let other = j.and_then(|j| new.rewards.get(j));
            columns.push(Column {
                name: def.name.clone(),
                old: Some(i),
                new: j,
                periods: periods(old, Some(def), new, other),
                comparable: other.is_none_or(|o| o.unit.name == def.unit.name),
            });
        }
        for (j, def) in new.rewards.iter().enumerate() {
            if !old.rewards.iter().any(|r| r.name == def.name) {
                columns.push(Column {
                    name: def.name.clone(),
                    old: None,
                    new: Some(j),
                    periods: periods(old, None, new, Some(def)),
                    comparable: true,
                });
            }
        }
        let n = columns.len();
        DiffTally {
            old,
            new,
            by_period: columns
                .iter()
                .map(|c| vec![Default::default(); c.periods.len()])
                .collect(),
            columns,
            read: 0,
            changed: 0,
            gained: 0,
            lost: 0,
            qualifying: (0, 0),
            failed: (0, 0),
            totals: vec![Default::default(); n],
            movement: vec![(0, 0); n],
            movers: vec![Vec::new(); n],
            exact: Exact::default(),
            params: (Vec::new(), Vec::new()),
        }
    }

    /// Says which parameters were set on the old and the new side (`NAME=VALUE`, in order).
    pub fn with_params(mut self, old: Vec<String>, new: Vec<String>) -> Self {
        self.params = (old, new);
        self
    }

    /// Counts the rows of one record under the old and the new version; gives what changed
    /// for it, if anything did.
    pub fn add(&mut self, old: &Row, new: &Row) -> Option<RecordChange> {
        self.read += 1;
        let change = self.change(old, new);
        let (before, after) = (verdict(old), verdict(new));
        self.failed.0 += usize::from(before.is_none());
        self.failed.1 += usize::from(after.is_none());
        self.qualifying.0 += usize::from(before == Some(true));
        self.qualifying.1 += usize::from(after == Some(true));
        self.gained += usize::from(before == Some(false) && after == Some(true));
        self.lost += usize::from(before == Some(true) && after == Some(false));
        for (c, column) in self.columns.iter().enumerate() {
            let (b, a) = (amount(self.old, old, column.old), amount(self.new, new, column.new));
            if let Some(t) = self.totals.get_mut(c) {
                self.exact.add(&mut t.0, b.unwrap_or_default());
                self.exact.add(&mut t.1, a.unwrap_or_default());
            }
            if let Some(sums) = self.by_period.get_mut(c) {
                for (sum, (_, i, j)) in sums.iter_mut().zip(&column.periods) {
                    self.exact.add(&mut sum.0, period_amount(old, column.old, *i));
                    self.exact.add(&mut sum.1, period_amount(new, column.new, *j));
                }
            }
            let (Some(b), Some(a), true) = (b, a, column.comparable) else {
                continue;
            };
            if let Some(m) = self.movement.get_mut(c) {
                m.0 += usize::from(a > b);
                m.1 += usize::from(a < b);
            }
            if let (Some(movers), Some(id), true) = (self.movers.get_mut(c), old.id(), a != b) {
                keep_mover(movers, id, b, a);
            }
        }
        self.changed += usize::from(change.is_some());
        change
    }

    fn change(&self, old: &Row, new: &Row) -> Option<RecordChange> {
        let rewards: Vec<RewardChange> = self
            .columns
            .iter()
            .map(|c| RewardChange {
                before: amount(self.old, old, c.old),
                after: amount(self.new, new, c.new),
                by_period: c
                    .periods
                    .iter()
                    .map(|(key, i, j)| {
                        (
                            key.clone(),
                            period_amount(old, c.old, *i),
                            period_amount(new, c.new, *j),
                        )
                    })
                    .filter(|(_, b, a)| b != a)
                    .collect(),
            })
            .collect();
        let qualifying = (verdict(old), verdict(new));
        let same =
            qualifying.0 == qualifying.1 && rewards.iter().all(|r| r.before == r.after && r.by_period.is_empty());
        let both_failed = qualifying == (None, None);
        if same || both_failed {
            return None;
        }
        Some(RecordChange {
            line: old.line(),
            id: old.id().or_else(|| new.id()).map(str::to_owned),
            qualifying,
            errors: (error(old), error(new)),
            rewards,
        })
    }

    /// Whether some sum left the range of exact decimals.
    pub fn overflowed(&self) -> bool {
        self.exact.overflowed
    }

    /// The names of the rewards compared (either version's), in the diff's order.
    pub fn reward_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The diff's totals as JSON (the shape documented in docs/cli.md, "campaign diff").
    pub fn to_json(&self) -> Json {
        let kind = self.new.output_kind();
        let key = kind.verdict_key();
        let mut records = Map::new();
        records.insert("read".into(), json!(self.read));
        records.insert("changed".into(), json!(self.changed));
        records.insert(format!("{key}_before"), json!(self.qualifying.0));
        records.insert(format!("{key}_after"), json!(self.qualifying.1));
        records.insert("gained".into(), json!(self.gained));
        records.insert("lost".into(), json!(self.lost));
        records.insert("failed_before".into(), json!(self.failed.0));
        records.insert("failed_after".into(), json!(self.failed.1));
        let rewards: Vec<Json> = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| self.column_json(c, col))
            .collect();
        json!({
            "old": self.old.name,
            "new": self.new.name,
            "old_params": self.params.0,
            "new_params": self.params.1,
            "facts": fact_differences(self.old, self.new),
            "records": Json::Object(records),
            "totals": self.unit_totals(),
            kind.plural(): rewards,
        })
    }

    fn column_json(&self, c: usize, col: &Column) -> Json {
        let (before, after) = self.totals.get(c).copied().unwrap_or_default();
        let (more, less) = self.movement.get(c).copied().unwrap_or_default();
        let by_period: Vec<Json> = col
            .periods
            .iter()
            .zip(self.by_period.get(c).into_iter().flatten())
            .map(|((key, _, _), (b, a))| {
                json!({"period": key, "before": b.to_string(), "after": a.to_string(), "delta": delta(col, *b, *a)})
            })
            .collect();
        let movers: Vec<Json> = self
            .movers
            .get(c)
            .into_iter()
            .flatten()
            .map(|m| {
                json!({"id": m.id, "before": m.before.to_string(), "after": m.after.to_string(), "delta": m.delta().to_string()})
            })
            .collect();
        let (old_unit, new_unit) = (self.unit(self.old, col.old), self.unit(self.new, col.new));
        json!({
            "name": col.name,
            "unit": old_unit.or(new_unit),
            "unit_after": if col.comparable { None } else { new_unit },
            "in": match (col.old, col.new) { (Some(_), Some(_)) => "both", (Some(_), None) => "old", _ => "new" },
            "before": before.to_string(),
            "after": after.to_string(),
            "delta": delta(col, before, after),
            "more": more,
            "less": less,
            "by_period": by_period,
            "movers": movers,
        })
    }

    fn unit(&self, program: &'p Program, index: Option<usize>) -> Option<&'p str> {
        index.and_then(|i| program.rewards.get(i)).map(|r| &*r.unit.name)
    }

    /// Before, after and delta per unit, each side summing its own rewards of that unit.
    fn unit_totals(&self) -> Json {
        let mut units: Vec<(&str, Decimal, Decimal)> = Vec::new();
        let mut exact = self.exact;
        let mut add = |unit: Option<&'p str>, before: Decimal, after: Decimal| {
            let Some(unit) = unit else { return };
            match units.iter_mut().find(|(u, _, _)| *u == unit) {
                Some((_, b, a)) => {
                    exact.add(b, before);
                    exact.add(a, after);
                }
                None => units.push((unit, before, after)),
            }
        };
        for (col, (before, after)) in self.columns.iter().zip(&self.totals) {
            let (old_unit, new_unit) = (self.unit(self.old, col.old), self.unit(self.new, col.new));
            if col.comparable {
                add(old_unit.or(new_unit), *before, *after);
            } else {
                add(old_unit, *before, Decimal::ZERO);
                add(new_unit, Decimal::ZERO, *after);
            }
        }
        Json::Array(
            units
                .into_iter()
                .map(|(u, b, a)| json!({"unit": u, "before": b.to_string(), "after": a.to_string(), "delta": (a - b).to_string()}))
                .collect(),
        )
    }
}

/// After minus before as text, or null for a reward whose unit changed.
fn delta(col: &Column, before: Decimal, after: Decimal) -> Json {
    if col.comparable {
        json!((after - before).to_string())
    } else {
        Json::Null
    }
}

/// Keeps `movers` the [`MOVERS`] largest changes by size, largest first, the earlier record
/// first among equal ones.
pub(super) fn keep_mover(movers: &mut Vec<Mover>, id: &str, before: Decimal, after: Decimal) {
    let size = (after - before).abs();
    let at = movers
        .iter()
        .position(|m| m.delta().abs() < size)
        .unwrap_or(movers.len());
    if at < MOVERS {
        movers.insert(
            at,
            Mover {
                id: id.to_owned(),
                before,
                after,
            },
        );
        movers.truncate(MOVERS);
    }
}

/// Whether the record qualified; none when it failed.
fn verdict(row: &Row) -> Option<bool> {
    match row {
        Row::Evaluated(e) => Some(e.outcome.eligible),
        Row::Failed(_) => None,
    }
}

fn error(row: &Row) -> Option<String> {
    match row {
        Row::Evaluated(_) => None,
        Row::Failed(f) => Some(f.error.clone()),
    }
}

/// The amount of reward `index` of `program` for the record (none when it failed, or the
/// version has no such reward).
fn amount(program: &Program, row: &Row, index: Option<usize>) -> Option<Decimal> {
    let Row::Evaluated(e) = row else { return None };
    let i = index?;
    program.rewards.get(i)?;
    e.outcome.rewards.get(i).map(|r| r.amount)
}

/// A period's amount of a reward (0 when the record failed or lacks it).
fn period_amount(row: &Row, reward: Option<usize>, period: Option<usize>) -> Decimal {
    let Row::Evaluated(e) = row else {
        return Decimal::ZERO;
    };
    reward
        .and_then(|r| e.outcome.rewards.get(r))
        .and_then(|r| r.by_period.as_ref())
        .zip(period)
        .and_then(|(by, p)| by.get(p).copied())
        .unwrap_or_default()
}

/// The union of the period keys of a reward's two versions.
fn periods(
    old: &Program,
    old_def: Option<&RewardDef>,
    new: &Program,
    new_def: Option<&RewardDef>,
) -> Vec<(String, Option<usize>, Option<usize>)> {
    let keys = |program: &Program, def: Option<&RewardDef>| -> Vec<String> {
        def.and_then(|d| d.per)
            .and_then(|p| program.periods.get(p))
            .map(|r| r.periods.iter().map(|p| p.key.clone()).collect())
            .unwrap_or_default()
    };
    let (old_keys, new_keys) = (keys(old, old_def), keys(new, new_def));
    let mut union: Vec<(String, Option<usize>, Option<usize>)> = old_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), Some(i), new_keys.iter().position(|n| n == k)))
        .collect();
    for (j, k) in new_keys.iter().enumerate() {
        if !old_keys.contains(k) {
            union.push((k.clone(), None, Some(j)));
        }
    }
    union
}

/// The facts one version declares and the other does not, and those declared with another
/// type: `{"only_old": [...], "only_new": [...], "retyped": [...]}`.
pub fn fact_differences(old: &Program, new: &Program) -> Json {
    let only = |a: &Program, b: &Program| -> Vec<String> {
        a.schema
            .fields
            .iter()
            .filter(|f| b.schema.index_of(&f.name).is_none())
            .map(|f| f.name.clone())
            .collect()
    };
    let retyped: Vec<Json> = old
        .schema
        .fields
        .iter()
        .filter_map(|f| {
            let other = new.schema.fields.iter().find(|g| g.name == f.name)?;
            (other.ty != f.ty || other.optional != f.optional)
                .then(|| json!({"fact": f.name, "before": f.ty.describe(), "after": other.ty.describe()}))
        })
        .collect();
    json!({"only_old": only(old, new), "only_new": only(new, old), "retyped": retyped})
}
