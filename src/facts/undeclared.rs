//! Fields a fact file gives that the campaign does not declare.
//!
//! An undeclared field is usually harmless (an export with more columns than
//! the campaign reads), but one that looks like a declared fact is usually a
//! slip: `fraud_flaged` for the optional `fraud_flagged` leaves the fact
//! unknown, and a fraud-flagged merchant is paid. So the readers count every
//! undeclared field name as they go ([`UndeclaredFields`]), and once the run
//! is over [`UndeclaredFields::report`] names those that resemble a declared
//! fact, with how often they appeared; `--strict-facts` makes any undeclared
//! field an error for its record instead (see [`super::ReadOptions`]).
//!
//! Counting must cost nothing on the hot path: records without undeclared
//! fields do no work at all, and the others take one uncontended lock (one
//! shard per thread) and one hash lookup per undeclared field. Suggestions are
//! computed once, at the end.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::program::schema::{FactType, RecordSchema};

/// How many locks the counts are spread over: threads take a shard each in
/// turn, so that threads rarely wait for one another.
const SHARDS: usize = 16;

/// The counts of one shard: per record schema (numbered as [`schemas`]
/// numbers them), per undeclared field name.
type Shard = Vec<HashMap<Box<str>, u64>>;

/// Counts of the undeclared fields met while reading, shared (cheaply
/// cloned) by every reader and thread of one run.
#[derive(Clone, Default)]
pub struct UndeclaredFields {
    shards: Arc<[Mutex<Shard>; SHARDS]>,
}

impl std::fmt::Debug for UndeclaredFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UndeclaredFields").finish_non_exhaustive()
    }
}

thread_local! {
    /// The shard of this thread.
    static SHARD: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The next shard handed to a thread.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

fn my_shard() -> usize {
    SHARD.with(|shard| match shard.get() {
        Some(i) => i,
        None => {
            let i = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
            shard.set(Some(i));
            i
        }
    })
}

impl UndeclaredFields {
    /// Whether `other` counts into the same place as this one (a clone of it).
    pub(super) fn same(&self, other: &UndeclaredFields) -> bool {
        Arc::ptr_eq(&self.shards, &other.shards)
    }

    /// Counts each `(schema number, field name)` once.
    pub(super) fn add<'k>(&self, fields: impl IntoIterator<Item = (u32, &'k str)>) {
        let Some(shard) = self.shards.get(my_shard()) else {
            return;
        };
        // A poisoned lock only means another thread panicked while counting:
        // the counts are still usable.
        let mut shard = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (schema, name) in fields {
            add_to(&mut shard, schema, name, 1);
        }
    }

    /// Counts the field `name` of schema `schema` `n` times.
    pub(super) fn add_many(&self, schema: u32, name: &str, n: u64) {
        if let Some(shard) = self.shards.get(my_shard()) {
            let mut shard = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            add_to(&mut shard, schema, name, n);
        }
    }

    /// The undeclared fields counted that look like a declared fact of
    /// `schema` (the schema the records were read against), most frequent
    /// first, then by name.
    pub fn report(&self, schema: &RecordSchema) -> Vec<UndeclaredField> {
        let mut totals: HashMap<(u32, Box<str>), u64> = HashMap::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for (number, names) in shard.iter().enumerate() {
                let Ok(number) = u32::try_from(number) else { continue };
                for (name, n) in names {
                    *totals.entry((number, name.clone())).or_default() += n;
                }
            }
        }
        let schemas = schemas(schema);
        let mut out: Vec<UndeclaredField> = totals
            .into_iter()
            .filter_map(|((number, name), count)| {
                let (prefix, schema) = schemas.get(usize::try_from(number).ok()?)?;
                let declared = declared_names(schema, prefix.is_empty());
                let suggestion = closest_fact(&name, declared.iter().copied())?;
                Some(UndeclaredField {
                    field: format!("{prefix}{name}"),
                    count,
                    in_list: !prefix.is_empty(),
                    suggestion: format!("{prefix}{suggestion}"),
                })
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.field.cmp(&b.field)));
        out
    }
}

fn add_to(shard: &mut Shard, schema: u32, name: &str, n: u64) {
    let Ok(schema) = usize::try_from(schema) else { return };
    if shard.len() <= schema {
        shard.resize_with(schema + 1, HashMap::new);
    }
    let Some(names) = shard.get_mut(schema) else { return };
    match names.get_mut(name) {
        Some(count) => *count = count.saturating_add(n),
        None => {
            names.insert(name.into(), n);
        }
    }
}

/// An undeclared field that looks like a declared fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndeclaredField {
    /// The field as written, with the list it sits in (`sales[].gmvv`).
    pub field: String,
    /// How many records (or list items) have it.
    pub count: u64,
    /// Whether it sits in the items of a list.
    pub in_list: bool,
    /// The declared fact it resembles (`sales[].gmv`).
    pub suggestion: String,
}

impl UndeclaredField {
    /// The warning for people: ``field `fraud_flaged` (in 1,234 records) is
    /// not a declared fact; did you mean `fraud_flagged`?``
    pub fn message(&self) -> String {
        let what = match (self.in_list, self.count) {
            (false, 1) => "record",
            (false, _) => "records",
            (true, 1) => "list item",
            (true, _) => "list items",
        };
        format!(
            "field `{}` (in {} {what}) is not a declared fact; did you mean `{}`?",
            self.field,
            thousands(self.count),
            self.suggestion
        )
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Every record schema of `schema` with the prefix of its fields' paths
/// (`""`, `sales[].`), numbered in the order the readers number their plans:
/// the schema itself, then the items of each list fact in declaration order,
/// depth first.
pub(super) fn schemas(schema: &RecordSchema) -> Vec<(String, &RecordSchema)> {
    fn walk<'s>(prefix: String, schema: &'s RecordSchema, out: &mut Vec<(String, &'s RecordSchema)>) {
        out.push((prefix.clone(), schema));
        for field in &schema.fields {
            if let FactType::List(item) = &field.ty {
                walk(format!("{prefix}{}[].", field.name), item, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(String::new(), schema, &mut out);
    out
}

/// The names a record of `schema` may have: its facts, and `id` for an input
/// record.
pub(super) fn declared_names(schema: &RecordSchema, top: bool) -> Vec<&str> {
    let mut names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    if top && !names.contains(&"id") {
        names.push("id");
    }
    names
}

/// The declared name that `wrong` most likely meant: the same name ignoring
/// case and the separators `_`, `-`, `.` and spaces (`fraudFlagged`,
/// `Fraud-Flagged`), or else the closest by edit distance.
pub(crate) fn closest_fact<'a>(wrong: &str, declared: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    fn folded(name: &str) -> String {
        name.chars()
            .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    }
    let wrong_folded = folded(wrong);
    if let Some(name) = declared
        .clone()
        .into_iter()
        .find(|name| *name != wrong && folded(name) == wrong_folded)
    {
        return Some(name);
    }
    crate::suggest::closest(wrong, declared)
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "a test stops at its first surprise")]
mod tests {
    use super::*;
    use crate::program::schema::FieldSchema;

    fn field(name: &str, ty: FactType) -> FieldSchema {
        FieldSchema {
            name: name.into(),
            ty,
            optional: true,
        }
    }

    #[test]
    fn closest_facts() {
        let names = ["fraud_flagged", "gmv", "store_score"];
        assert_eq!(closest_fact("fraud_flaged", names), Some("fraud_flagged"));
        assert_eq!(closest_fact("fraudFlagged", names), Some("fraud_flagged"));
        assert_eq!(closest_fact("Fraud-Flagged", names), Some("fraud_flagged"));
        assert_eq!(closest_fact("STORE SCORE", names), Some("store_score"));
        assert_eq!(closest_fact("region", names), None);
        assert_eq!(closest_fact("gmv", names), None);
    }

    #[test]
    fn counts_across_threads_and_reports_lookalikes() {
        let item = RecordSchema {
            fields: vec![field("amount", FactType::Decimal)],
        };
        let schema = RecordSchema {
            fields: vec![
                field("fraud_flagged", FactType::Bool),
                field("sales", FactType::List(Box::new(item))),
            ],
        };
        let tally = UndeclaredFields::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                let tally = tally.clone();
                s.spawn(move || {
                    for _ in 0..1000 {
                        tally.add([(0, "fraud_flaged"), (0, "region"), (1, "amout")]);
                    }
                });
            }
        });
        tally.add_many(0, "fraud_flaged", 234);
        let report = tally.report(&schema);
        assert_eq!(report.len(), 2, "{report:?}");
        assert_eq!(
            report[0].message(),
            "field `fraud_flaged` (in 4,234 records) is not a declared fact; did you mean `fraud_flagged`?"
        );
        assert_eq!(
            report[1].message(),
            "field `sales[].amout` (in 4,000 list items) is not a declared fact; did you mean `sales[].amount`?"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
