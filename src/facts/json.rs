//! Reading JSON and NDJSON fact files.
//!
//! Records are read straight into [`Record`]s by a `DeserializeSeed` driven by
//! the schema, without building a `serde_json::Value` tree. A value that does
//! not fit its fact is recorded as the record's problem and the rest of the
//! record is skipped (but still parsed, so a `.json` array stays in step);
//! only JSON syntax errors abort the parse.
//!
//! `serde_json` is built with `arbitrary_precision`: numbers that do not fit
//! `u64`/`i64` reach a visitor as a one-entry map whose key is
//! [`NUMBER_TOKEN`] and whose value is the number's exact text.

mod fast;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::record::{FactValue, ListBuilder, Record};
use super::undeclared::{UndeclaredFields, closest_fact};
use super::{
    FileError, InputRecord, LineBlock, MISSING, NdjsonLines, ReadOptions, RecordError, Source, Why, char_column, code,
    code_json_string, mismatch, value_from_bool, value_from_int, value_from_number, value_from_text,
};
use crate::program::schema::{FactType, FieldSchema, RecordSchema};

/// The key under which `serde_json` (with `arbitrary_precision`) hands over a
/// number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The type the record `id` must have.
static ID_TYPE: FactType = FactType::Text;

/// A schema prepared for reading: a name index per (nested) record.
pub(super) struct Plan<'s> {
    /// The declared facts.
    fields: &'s [FieldSchema],
    /// Fact index by name.
    index: HashMap<&'s str, usize>,
    /// For each fact, the plan of its items when it is a list.
    items: Vec<Option<Plan<'s>>>,
    /// The index of a declared `id` fact.
    id_index: Option<usize>,
    /// Whether no two facts have the same name.
    distinct: bool,
    /// This record schema's number among those of the input record (see
    /// `undeclared::schemas`), under which its undeclared fields are counted.
    pub(super) number: u32,
    /// Whether an undeclared field is an error (`--strict-facts`).
    pub(super) strict: bool,
    /// Where undeclared fields are counted (the input record's plan counts
    /// those of its lists' items too).
    pub(super) undeclared: UndeclaredFields,
}

impl<'s> Plan<'s> {
    /// Schemas up to this many facts are searched by comparing names, which is
    /// faster than hashing for the few facts a campaign declares.
    const LINEAR: usize = 16;

    /// The index of a declared fact by name.
    fn lookup(&self, key: &str) -> Option<usize> {
        if self.fields.len() <= Self::LINEAR {
            self.fields.iter().position(|f| f.name == key)
        } else {
            self.index.get(key).copied()
        }
    }

    /// Whether `other` reads every line as this plan does: the same declared facts (nested
    /// ones included), the same strictness, undeclared fields counted in the same place.
    pub(super) fn reads_like(&self, other: &Plan<'_>) -> bool {
        self.fields == other.fields && self.strict == other.strict && self.undeclared.same(&other.undeclared)
    }

    /// Prepares `schema` and its nested schemas.
    pub(super) fn new(schema: &'s RecordSchema, options: &ReadOptions) -> Plan<'s> {
        Plan::numbered(schema, options, &mut 0)
    }

    /// Prepares `schema` as the schema numbered `*next`, and its nested
    /// schemas with the numbers after it, depth first.
    fn numbered(schema: &'s RecordSchema, options: &ReadOptions, next: &mut u32) -> Plan<'s> {
        let number = *next;
        *next = next.saturating_add(1);
        let mut index = HashMap::with_capacity(schema.fields.len());
        for (i, field) in schema.fields.iter().enumerate() {
            index.entry(field.name.as_str()).or_insert(i);
        }
        let items = schema
            .fields
            .iter()
            .map(|field| match &field.ty {
                FactType::List(item) => Some(Plan::numbered(item, options, next)),
                _ => None,
            })
            .collect();
        Plan {
            fields: &schema.fields,
            id_index: index.get("id").copied(),
            distinct: index.len() == schema.fields.len(),
            index,
            items,
            number,
            strict: options.strict,
            undeclared: options.undeclared.clone(),
        }
    }
}

/// Where a value sits in a record, for messages; rendered only on error.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// The record itself.
    Root,
    /// A fact of a record.
    Field(&'p Path<'p>, &'p str),
    /// An item of a list.
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    /// `sales[2].gmv`, or `None` for the record itself.
    fn render(&self) -> Option<String> {
        let mut out = String::new();
        self.write(&mut out);
        if out.is_empty() { None } else { Some(out) }
    }

    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Field(parent, name) => {
                parent.write(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Path::Index(parent, i) => {
                parent.write(out);
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

/// What one record's parse found besides its values.
#[derive(Default)]
struct Ctx {
    /// The record's id, once read.
    id: Option<String>,
    /// The first problem: the fact's path and the message.
    problem: Option<(Option<String>, String)>,
    /// The undeclared fields met, with the number of their record schema.
    undeclared: Vec<(u32, Box<str>)>,
}

impl Ctx {
    fn failed(&self) -> bool {
        self.problem.is_some()
    }

    /// Records a problem unless one was found already.
    fn fail(&mut self, path: &Path<'_>, message: impl Into<String>) {
        if self.problem.is_none() {
            self.problem = Some((path.render(), message.into()));
        }
    }
}

/// The outcome of reading one fact's value.
enum Got {
    /// `null`.
    Null,
    /// A value of the fact's type.
    Value(FactValue),
    /// A value that does not fit: why, and the value as shown in messages.
    Bad(Why, String),
    /// A problem inside the value, already recorded with its path.
    Failed,
}

impl Got {
    fn from(result: Result<FactValue, Why>, found: impl FnOnce() -> String) -> Got {
        match result {
            Ok(value) => Got::Value(value),
            Err(why) => Got::Bad(why, found()),
        }
    }
}

const AN_OBJECT: &str = "a JSON object";
const AN_ARRAY: &str = "a JSON array";

/// Reads the rest of a map.
fn drain_map<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads the rest of a sequence.
fn drain_seq<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A map handed to a visitor: a number's exact text, or a JSON object.
enum MapKind {
    Number(String),
    Object,
}

/// Tells a number from an object, reading all of the map.
fn classify_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<MapKind, A::Error> {
    match map.next_key_seed(KeySeed)? {
        Some(key) if key == NUMBER_TOKEN => {
            // A JSON object may have a key of that name too: only a number's
            // text comes as an owned string (see `NumberText`).
            let text = map.next_value_seed(NumberText)?;
            drain_map(&mut map)?;
            Ok(text.map_or(MapKind::Object, MapKind::Number))
        }
        Some(_) => {
            map.next_value::<IgnoredAny>()?;
            drain_map(&mut map)?;
            Ok(MapKind::Object)
        }
        None => Ok(MapKind::Object),
    }
}

/// Reads the value under [`NUMBER_TOKEN`]: `Some` with the number's text
/// when the map is a number, `None` when it is a JSON object that merely has
/// a key of that name.
///
/// `serde_json` hands a number's text over with `visit_string` (an owned
/// `String`), while the strings of a JSON text always arrive through
/// `visit_str` or `visit_borrowed_str`; that tells the two apart.
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = Option<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NumberText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        drain_map(&mut map)?;
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(&mut seq)?;
        Ok(None)
    }
}

/// The undeclared keys of one object, kept to detect duplicates: a short
/// list, or a hash set once there are many.
#[derive(Default)]
struct KeySet<'de> {
    few: Vec<Cow<'de, str>>,
    many: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> KeySet<'de> {
    /// Keys kept in the list before switching to a hash set.
    const FEW: usize = 16;

    /// Adds `key`, or gives it back if it is already there.
    fn insert(&mut self, key: Cow<'de, str>) -> Result<(), Cow<'de, str>> {
        if let Some(many) = &mut self.many {
            return if many.contains(&*key) {
                Err(key)
            } else {
                many.insert(key);
                Ok(())
            };
        }
        if self.few.contains(&key) {
            return Err(key);
        }
        self.few.push(key);
        if self.few.len() > Self::FEW {
            self.many = Some(self.few.drain(..).collect());
        }
        Ok(())
    }

    /// The keys, in no particular order.
    fn iter(&self) -> impl Iterator<Item = &str> {
        self.few.iter().chain(self.many.iter().flatten()).map(|key| &**key)
    }
}

/// Reads an object key, borrowing it from the input when possible.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// Reads a value of a scalar fact type.
struct ScalarSeed<'t> {
    ty: &'t FactType,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Got;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Got, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ty.describe())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Got, E> {
        Ok(Got::from(value_from_bool(self.ty, v), || code(&v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Got, E> {
        Ok(Got::from(value_from_int(self.ty, v.into()), || code(&v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Got, E> {
        Ok(Got::from(value_from_int(self.ty, v.into()), || code(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code(&v.to_string())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Got, E> {
        Ok(Got::from(value_from_text(self.ty, v, Source::Json), || {
            code_json_string(v)
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Got, A::Error> {
        Ok(match classify_map(map)? {
            MapKind::Number(text) => Got::from(value_from_number(self.ty, &text), || code(&text)),
            MapKind::Object => Got::Bad(Why::Mismatch, AN_OBJECT.into()),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        drain_seq(&mut seq)?;
        Ok(Got::Bad(Why::Mismatch, AN_ARRAY.into()))
    }
}

/// Reads a `list of` fact: an array of records.
struct ListSeed<'a, 's, 'p> {
    item: &'a Plan<'s>,
    ctx: &'a mut Ctx,
    path: Path<'p>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_, '_> {
    type Value = Got;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Got, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_, '_> {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code(&v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code(&v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code(&v.to_string())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Got, E> {
        Ok(Got::Bad(Why::Mismatch, code_json_string(v)))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Got, A::Error> {
        Ok(match classify_map(map)? {
            MapKind::Number(text) => Got::Bad(Why::Mismatch, code(&text)),
            MapKind::Object => Got::Bad(Why::Mismatch, AN_OBJECT.into()),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        let ListSeed { item, ctx, path } = self;
        let mut items = ListBuilder::new(item.fields.len());
        let mut k = 0usize;
        loop {
            if ctx.failed() {
                drain_seq(&mut seq)?;
                break;
            }
            let seed = RecordSeed {
                plan: item,
                ctx: &mut *ctx,
                path: Path::Index(&path, k),
                top: false,
            };
            match seq.next_element_seed(seed)? {
                None => break,
                Some(Some(record)) => items.push(record.into_values()),
                Some(None) => {}
            }
            k = k.saturating_add(1);
        }
        Ok(if ctx.failed() {
            Got::Failed
        } else {
            Got::Value(FactValue::List(items.finish()))
        })
    }
}

/// Reads a record (an object) against a plan; `None` when a problem was
/// recorded in the context.
struct RecordSeed<'a, 's, 'p> {
    plan: &'a Plan<'s>,
    ctx: &'a mut Ctx,
    path: Path<'p>,
    /// Whether this is an input record (which must have an `id`) rather than
    /// a list item.
    top: bool,
}

impl RecordSeed<'_, '_, '_> {
    fn not_a_record(self, found: &str) -> Option<Record> {
        self.ctx
            .fail(&self.path, format!("expected a record (a JSON object), found {found}"));
        None
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_, '_> {
    type Value = Option<Record>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_, '_> {
    type Value = Option<Record>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.not_a_record("`null`"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.not_a_record("`null`"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.not_a_record(&code(&v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.not_a_record(&code(&v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.not_a_record(&code(&v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.not_a_record(&code(&v.to_string())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.not_a_record(&code_json_string(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(&mut seq)?;
        Ok(self.not_a_record(AN_ARRAY))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let RecordSeed { plan, ctx, path, top } = self;
        // Every fact starts unknown; `seen` tells which were given.
        let mut values: Vec<FactValue> = Vec::new();
        values.resize_with(plan.fields.len(), || FactValue::Unknown);
        let mut seen = Seen::new(plan.fields.len());
        let mut id_seen = false;
        // Undeclared keys, kept only to detect duplicates.
        let mut others = KeySet::default();
        let mut first = true;

        while let Some(key) = map.next_key_seed(KeySeed)? {
            if std::mem::take(&mut first) && key == NUMBER_TOKEN {
                let Some(text) = map.next_value_seed(NumberText)? else {
                    // An object with a key of that name: an undeclared key.
                    let _ = others.insert(key);
                    continue;
                };
                drain_map(&mut map)?;
                ctx.fail(
                    &path,
                    format!("expected a record (a JSON object), found {}", code(&text)),
                );
                return Ok(None);
            }

            if top && key == "id" {
                let id_path = Path::Field(&path, "id");
                if id_seen {
                    ctx.fail(&id_path, "duplicate key `id`");
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                id_seen = true;
                match map.next_value_seed(ScalarSeed { ty: &ID_TYPE })? {
                    Got::Value(FactValue::Text(id)) => {
                        if let Some(i) = plan.id_index
                            && !ctx.failed()
                            && let (Some(slot), Some(field)) = (values.get_mut(i), plan.fields.get(i))
                        {
                            match value_from_text(&field.ty, &id, Source::Json) {
                                Ok(value) => {
                                    *slot = value;
                                    seen.set(i);
                                }
                                Err(why) => ctx.fail(&id_path, mismatch(&field.ty, &code_json_string(&id), why)),
                            }
                        }
                        ctx.id = Some(id.into_string());
                    }
                    Got::Null => ctx.fail(&id_path, MISSING),
                    Got::Bad(_, found) => {
                        ctx.fail(&id_path, format!("expected the record's id as text, found {found}"))
                    }
                    Got::Value(_) | Got::Failed => {}
                }
                continue;
            }

            let declared = plan
                .lookup(&key)
                .and_then(|i| Some((i, plan.fields.get(i)?, seen.get(i))));
            let Some((i, field, given)) = declared else {
                if plan.strict {
                    ctx.fail(&Path::Field(&path, &key), not_declared(&key, plan, top));
                } else if let Err(key) = others.insert(key)
                    && !ctx.failed()
                {
                    ctx.fail(&Path::Field(&path, &key), format!("duplicate key {}", code(&key)));
                }
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if ctx.failed() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let fact_path = Path::Field(&path, &field.name);
            if given {
                ctx.fail(&fact_path, format!("duplicate key {}", code(&key)));
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let got = match plan.items.get(i) {
                Some(Some(item)) => map.next_value_seed(ListSeed {
                    item,
                    ctx: &mut *ctx,
                    path: fact_path,
                })?,
                _ => map.next_value_seed(ScalarSeed { ty: &field.ty })?,
            };
            let value = match got {
                Got::Null if field.optional => FactValue::Unknown,
                Got::Null => {
                    ctx.fail(&fact_path, MISSING);
                    continue;
                }
                Got::Value(value) => value,
                Got::Bad(why, found) => {
                    ctx.fail(&fact_path, mismatch(&field.ty, &found, why));
                    continue;
                }
                Got::Failed => continue,
            };
            if let Some(slot) = values.get_mut(i) {
                *slot = value;
                seen.set(i);
            }
        }

        ctx.undeclared
            .extend(others.iter().map(|key| (plan.number, Box::<str>::from(key))));
        if ctx.failed() {
            return Ok(None);
        }
        if top && !id_seen {
            ctx.fail(&Path::Field(&path, "id"), missing("id", &others));
            return Ok(None);
        }
        // A fact not given stays unknown if it is optional.
        if let Some(field) = plan
            .fields
            .iter()
            .enumerate()
            .find_map(|(i, field)| (!field.optional && !seen.get(i)).then_some(field))
        {
            ctx.fail(&Path::Field(&path, &field.name), missing(&field.name, &others));
            return Ok(None);
        }
        Ok(Some(Record { values }))
    }
}

/// The message for a field that `plan` does not declare (`--strict-facts`).
/// (The field's path goes with the message, as for every fact.)
fn not_declared(key: &str, plan: &Plan<'_>, top: bool) -> String {
    let declared = declared_names_of(plan, top);
    match closest_fact(key, declared.iter().copied()) {
        Some(name) => format!("not a declared fact; did you mean `{name}`?"),
        None => "not a declared fact (--strict-facts)".into(),
    }
}

/// The names a record read with `plan` may have.
fn declared_names_of<'p>(plan: &Plan<'p>, top: bool) -> Vec<&'p str> {
    let mut names: Vec<&str> = plan.fields.iter().map(|f| f.name.as_str()).collect();
    if top && !names.contains(&"id") {
        names.push("id");
    }
    names
}

/// The message for the required fact `name` missing from a record whose
/// undeclared fields are `others`: with "did you mean" when one of them looks
/// like it.
fn missing(name: &str, others: &KeySet<'_>) -> String {
    match others.iter().find(|key| closest_fact(key, [name]).is_some()) {
        Some(key) => format!(
            "{MISSING}; the record has {}, which is not a declared fact: did you mean `{name}`?",
            code(key)
        ),
        None => MISSING.into(),
    }
}

/// Which facts of a record were given: bits for up to 64 facts (no
/// allocation), a vector beyond.
struct Seen {
    bits: u64,
    many: Vec<bool>,
}

impl Seen {
    fn new(facts: usize) -> Seen {
        Seen {
            bits: 0,
            many: if facts > 64 { vec![false; facts] } else { Vec::new() },
        }
    }

    fn get(&self, i: usize) -> bool {
        if i < 64 && self.many.is_empty() {
            self.bits & (1 << i) != 0
        } else {
            self.many.get(i).copied().unwrap_or(false)
        }
    }

    fn set(&mut self, i: usize) {
        if i < 64 && self.many.is_empty() {
            self.bits |= 1 << i;
        } else if let Some(b) = self.many.get_mut(i) {
            *b = true;
        }
    }
}

/// Why one JSON text could not be read as a record.
struct Failure {
    id: Option<String>,
    fact: Option<String>,
    message: String,
    /// For syntax errors: `serde_json`'s line and (byte) column, relative to
    /// the text.
    at: Option<(usize, usize)>,
}

/// Reads one JSON text (an NDJSON line or a `.json` array element) as an
/// input record: its id and its values.
fn read_record(plan: &Plan<'_>, text: &str) -> Result<(String, Record), Failure> {
    let mut ctx = Ctx::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = RecordSeed {
        plan,
        ctx: &mut ctx,
        path: Path::Root,
        top: true,
    };
    let result = seed.deserialize(&mut de).and_then(|r| de.end().map(|()| r));
    if !ctx.undeclared.is_empty() {
        plan.undeclared
            .add(ctx.undeclared.iter().map(|(number, key)| (*number, &**key)));
    }
    match result {
        Err(e) => Err(Failure {
            id: ctx.id,
            fact: None,
            message: syntax_message(&e),
            at: Some((e.line(), e.column())),
        }),
        Ok(record) => match (ctx.problem, record, ctx.id) {
            (None, Some(record), Some(id)) => Ok((id, record)),
            (Some((fact, message)), _, id) => Err(Failure {
                id,
                fact,
                message,
                at: None,
            }),
            (None, _, id) => Err(Failure {
                id,
                fact: Some("id".into()),
                message: MISSING.into(),
                at: None,
            }),
        },
    }
}

/// A `serde_json` syntax error as a message, without its position.
fn syntax_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let text = text.strip_suffix(&suffix).unwrap_or(&text);
    let text = text.replace("EOF while parsing", "unexpected end of input while parsing");
    format!("invalid JSON: {text}")
}

/// Whether `b` is JSON whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

// ---------------------------------------------------------------------------
// NDJSON

/// Reads NDJSON: one record per non-blank line (split by [`NdjsonLines`], as
/// the batch engine splits them).
pub(super) struct Ndjson<'s, R> {
    plan: Plan<'s>,
    lines: NdjsonLines<R>,
    block: LineBlock,
    /// The lines of `block` not read yet.
    pending: VecDeque<Result<(usize, Range<usize>), RecordError>>,
}

impl<'s, R: Read> Ndjson<'s, R> {
    /// Lines split off at a time.
    const LINES: usize = 256;

    /// Reads `input` against `schema`.
    pub(super) fn new(schema: &'s RecordSchema, input: R, options: &ReadOptions) -> Self {
        Ndjson {
            plan: Plan::new(schema, options),
            lines: NdjsonLines::new(input),
            block: LineBlock::default(),
            pending: VecDeque::new(),
        }
    }
}

impl<R: Read> Iterator for Ndjson<'_, R> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty() {
            let pending = &mut self.pending;
            self.lines
                .fill(&mut self.block, Self::LINES, |item| pending.push_back(item));
        }
        Some(match self.pending.pop_front()? {
            Ok((line, range)) => read_line(&self.plan, self.block.line(range), line),
            Err(e) => Err(e),
        })
    }
}

/// `bytes` as text: validated with SIMD (`simdutf8`, several times faster
/// than `std` on text with many non-ASCII characters); the standard library
/// finds where an invalid line goes wrong, so errors are exactly `std`'s.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Reads one NDJSON line.
pub(super) fn read_line(plan: &Plan<'_>, bytes: &[u8], line: usize) -> Result<InputRecord, RecordError> {
    let text = utf8(bytes).map_err(|e| RecordError {
        line,
        column: Some(char_column(bytes, e.valid_up_to())),
        id: None,
        fact: None,
        message: "the line is not valid UTF-8".into(),
    })?;
    if let Some((id, record)) = fast::read(plan, text) {
        return Ok(InputRecord { line, id, record });
    }
    match read_record(plan, text) {
        Ok((id, record)) => Ok(InputRecord { line, id, record }),
        Err(f) => Err(RecordError {
            line,
            column: f.at.map(|(_, column)| char_column(bytes, column.saturating_sub(1))),
            id: f.id,
            fact: f.fact,
            message: f.message,
        }),
    }
}

// ---------------------------------------------------------------------------
// JSON documents

/// Reads a `.json` file: one object, or an array of objects.
pub(super) fn read_document<'s>(
    schema: &'s RecordSchema,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = position(bytes, offset);
        FileError {
            line: Some(line),
            message: format!("the file is not valid UTF-8 (line {line}, column {column})"),
            help: Some("save the file as UTF-8".into()),
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(|&b| !is_ws(b)) else {
        return Err(FileError {
            line: None,
            message: "the file is empty".into(),
            help: Some("a .json file holds one record (a JSON object) or an array of records".into()),
        });
    };
    let (line, _) = position(bytes, start);
    match bytes.get(start) {
        Some(b'{') => {
            let plan = Plan::new(schema, options);
            let item = match read_record(&plan, &text) {
                Ok((id, record)) => Ok(InputRecord { line, id, record }),
                Err(f) => {
                    let mut message = f.message;
                    if message.starts_with("invalid JSON: trailing characters") {
                        message.push_str(
                            " after the record (a .json file holds one object or an array of objects; \
                             for one object per line, use NDJSON)",
                        );
                    }
                    let (line, column) = match f.at {
                        Some((l, c)) => {
                            let (l, c) = position(bytes, offset_in(bytes, l, c));
                            (l, Some(c))
                        }
                        None => (line, None),
                    };
                    Err(RecordError {
                        line,
                        column,
                        id: f.id,
                        fact: f.fact,
                        message,
                    })
                }
            };
            Ok(Box::new(std::iter::once(item)))
        }
        Some(b'[') => Ok(Box::new(JsonArray {
            plan: Plan::new(schema, options),
            pos: start.saturating_add(1),
            line,
            line_pos: start,
            first: true,
            one_per_line: None,
            last_end: start,
            done: false,
            text,
        })),
        _ => {
            let end = value_end(bytes, start);
            let found = text.get(start..end).unwrap_or_default();
            Err(FileError {
                line: Some(line),
                message: format!(
                    "expected a record (a JSON object) or an array of records, found {}",
                    code(found)
                ),
                help: None,
            })
        }
    }
}

/// The 1-based line and character column of byte `offset` in `bytes`.
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let head = bytes.get(..offset).unwrap_or(bytes);
    let line = head.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = head
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i.saturating_add(1));
    let line_bytes = bytes.get(line_start..).unwrap_or_default();
    (line, char_column(line_bytes, offset.saturating_sub(line_start)))
}

/// The byte offset in `bytes` of `serde_json`'s 1-based `line` and byte `column`.
fn offset_in(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line.saturating_sub(2))
            .map_or(bytes.len(), |(i, _)| i.saturating_add(1))
    };
    line_start.saturating_add(column.saturating_sub(1)).min(bytes.len())
}

/// Where the JSON value starting at `start` ends (one past its last byte),
/// found by matching brackets outside strings. On malformed input the result
/// is only a guess; `serde_json` then reports the error.
fn value_end(bytes: &[u8], start: usize) -> usize {
    let rest = bytes.get(start..).unwrap_or_default();
    let end = match rest.first() {
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut in_string = false;
            let mut escaped = false;
            let mut end = None;
            for (i, &b) in rest.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth = depth.saturating_add(1),
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i.saturating_add(1));
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end
        }
        Some(b'"') => {
            let mut escaped = false;
            rest.iter()
                .enumerate()
                .skip(1)
                .find(|&(_, &b)| {
                    if escaped {
                        escaped = false;
                        false
                    } else if b == b'\\' {
                        escaped = true;
                        false
                    } else {
                        b == b'"'
                    }
                })
                .map(|(i, _)| i.saturating_add(1))
        }
        _ => rest.iter().position(|&b| matches!(b, b',' | b']' | b'}') || is_ws(b)),
    };
    start.saturating_add(end.unwrap_or(rest.len()))
}

/// Reads the elements of a top-level JSON array, one record each.
///
/// A syntax error inside an element spoils only that element when the
/// brackets around it still match (reading goes on at the next element); a
/// `,` missing between two elements spoils the second one. When the structure
/// itself is broken (a string never closed, a bracket missing), reading goes
/// on at the next line that holds a whole element if the array has one
/// element per line; otherwise the rest of the file is not read. Either way
/// the error says exactly which lines and bytes were not read.
struct JsonArray<'s> {
    plan: Plan<'s>,
    text: String,
    /// Where reading goes on (just after `[` or after the last element).
    pos: usize,
    /// The line number of byte `line_pos`.
    line: usize,
    line_pos: usize,
    /// Whether an element comes next (rather than `,` or `]`): at the start,
    /// and after skipping to a line that holds one.
    first: bool,
    /// Whether every element so far sat on one line, on a line of its own,
    /// and at least one did: then a broken element can be skipped to the
    /// next line.
    one_per_line: Option<bool>,
    /// Where the last element ended.
    last_end: usize,
    done: bool,
}

impl JsonArray<'_> {
    fn skip_ws(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| !is_ws(b)))
            .map_or(bytes.len(), |i| from.saturating_add(i))
    }

    /// The line of byte `pos` (not before the last one asked for).
    fn line_at(&mut self, pos: usize) -> usize {
        let newlines = self
            .text
            .as_bytes()
            .get(self.line_pos..pos)
            .map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
        self.line = self.line.saturating_add(newlines);
        self.line_pos = pos.max(self.line_pos);
        self.line
    }

    /// A syntax error at byte `pos`, after which reading stops: the rest of
    /// the file, from `from`, is not read.
    fn stop(&mut self, from: usize, pos: usize, message: &str) -> Option<Result<InputRecord, RecordError>> {
        self.done = true;
        let (line, column) = position(self.text.as_bytes(), pos);
        let unread = self.unread(from, self.text.len());
        Some(Err(RecordError {
            line,
            column: Some(column),
            id: None,
            fact: None,
            message: format!("invalid JSON: {message}{unread}"),
        }))
    }

    /// What is said of the bytes `from..to` that were not read: nothing when
    /// they hold only whitespace and the closing `]`.
    fn unread(&self, from: usize, to: usize) -> String {
        let bytes = self.text.as_bytes();
        let Some(part) = bytes.get(from..to) else {
            return String::new();
        };
        if part.iter().all(|&b| is_ws(b) || b == b']') {
            return String::new();
        }
        let (first, _) = position(bytes, from);
        let last_byte = to.saturating_sub(1).max(from);
        let (last, _) = position(bytes, last_byte);
        let (lines, were) = if first == last {
            (format!("line {first}"), "was")
        } else {
            (format!("lines {first}–{last}"), "were")
        };
        let end = if to >= bytes.len() {
            "the end of the file"
        } else {
            "the next record"
        };
        format!(
            "; {lines} (bytes {}–{}, up to {end}) {were} not read",
            from.saturating_add(1),
            to
        )
    }

    /// After the closing `]`: only whitespace may follow.
    fn finish(&mut self, after: usize) -> Option<Result<InputRecord, RecordError>> {
        self.done = true;
        let p = self.skip_ws(after);
        if p < self.text.len() {
            self.stop(
                p,
                p,
                "text after the closing `]` of the array (a .json file holds one object or one array of objects)",
            )
        } else {
            None
        }
    }

    /// Notes how the element at `start..end` was laid out.
    fn note_layout(&mut self, start: usize, end: usize) {
        let bytes = self.text.as_bytes();
        let inside = bytes.get(start..end).is_some_and(|e| e.contains(&b'\n'));
        let own_line = self.one_per_line.is_none()
            || bytes
                .get(self.last_end..start)
                .is_some_and(|between| between.contains(&b'\n'));
        self.one_per_line = Some(self.one_per_line.unwrap_or(true) && !inside && own_line);
        self.last_end = end;
    }

    /// Where the next line holding one whole element starts, after the line
    /// of byte `from` (each line is looked at once, up to its end).
    fn next_element_line(&self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        loop {
            at = at
                .saturating_add(memchr::memchr(b'\n', bytes.get(at..)?)?)
                .saturating_add(1);
            let line_end = memchr::memchr(b'\n', bytes.get(at..)?).map_or(bytes.len(), |i| at.saturating_add(i));
            let line = bytes.get(at..line_end)?;
            let Some(open) = line.iter().position(|&b| !is_ws(b)) else {
                continue;
            };
            if line.get(open) != Some(&b'{') {
                continue;
            }
            let element = line.get(open..)?;
            let end = value_end(element, 0);
            let balanced = end > 0 && element.get(end.saturating_sub(1)) == Some(&b'}');
            let after = element.get(end..).unwrap_or_default();
            let after = after.iter().copied().filter(|&b| !is_ws(b));
            let tail_ok = matches!(after.collect::<Vec<u8>>().as_slice(), [] | [b','] | [b']']);
            if balanced && tail_ok {
                return Some(at.saturating_add(open));
            }
        }
    }

    /// Whether the element `p..end` is followed by `,`, `]` or nothing: its
    /// brackets matched, so a syntax error in it spoils it alone.
    ///
    /// In an array of one element per line, an element running over several
    /// lines is not sound: a quote out of place may have merged lines.
    fn sound(&self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        let next = self.skip_ws(end);
        let merged = self.one_per_line == Some(true) && bytes.get(start..end).is_some_and(|e| e.contains(&b'\n'));
        // The element closes where it opened (`value_end` runs to the end of
        // the text when it does not).
        let closed = match (bytes.get(start), bytes.get(end.saturating_sub(1))) {
            (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) | (Some(b'"'), Some(b'"')) => end > start + 1,
            (Some(b'{' | b'[' | b'"'), _) => false,
            _ => true,
        };
        closed && !merged && matches!(bytes.get(next), None | Some(b',' | b']'))
    }
}

impl Iterator for JsonArray<'_> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut p = self.skip_ws(self.pos);
        let at = self.text.as_bytes().get(p).copied();
        let mut missing_comma = false;
        if std::mem::take(&mut self.first) {
            if at == Some(b']') {
                return self.finish(p.saturating_add(1));
            }
        } else {
            match at {
                Some(b',') => p = self.skip_ws(p.saturating_add(1)),
                Some(b']') => return self.finish(p.saturating_add(1)),
                // Another element: the `,` before it is missing.
                Some(b'{') => missing_comma = true,
                Some(_) => return self.stop(p, p, "expected `,` or `]`"),
                None => {
                    return self.stop(p, p, "unexpected end of input while parsing a list");
                }
            }
        }
        match self.text.as_bytes().get(p) {
            None => return self.stop(p, p, "unexpected end of input while parsing a list"),
            Some(b']' | b',') => return self.stop(p, p, "expected a value"),
            Some(_) => {}
        }
        let end = value_end(self.text.as_bytes(), p);
        let line = self.line_at(p);
        let sound = self.sound(p, end);
        if sound {
            self.note_layout(p, end);
        }
        let Some(element) = self.text.get(p..end) else {
            return self.stop(p, p, "expected a value");
        };
        let read = read_record(&self.plan, element);
        match read {
            Ok((id, _)) if missing_comma => {
                self.pos = end;
                let (line, column) = position(self.text.as_bytes(), p);
                Some(Err(RecordError {
                    line,
                    column: Some(column),
                    id: Some(id),
                    fact: None,
                    message: "invalid JSON: expected `,` before this record; the record is not read".into(),
                }))
            }
            Ok((id, record)) => {
                self.pos = end;
                Some(Ok(InputRecord { line, id, record }))
            }
            Err(Failure {
                id,
                fact,
                message,
                at: None,
            }) => {
                self.pos = end;
                Some(Err(RecordError {
                    line,
                    column: None,
                    id,
                    fact,
                    message,
                }))
            }
            Err(Failure {
                id,
                message,
                at: Some((l, c)),
                ..
            }) => {
                let offset = p.saturating_add(offset_in(element.as_bytes(), l, c));
                let (line, column) = position(self.text.as_bytes(), offset);
                // The id is trusted only when the element's brackets matched.
                let error = |message: String| {
                    Some(Err(RecordError {
                        line,
                        column: Some(column),
                        id: id.filter(|_| sound),
                        fact: None,
                        message,
                    }))
                };
                if sound {
                    // Only this element is spoilt (said with its extent: a
                    // quote out of place may have joined elements).
                    self.pos = end;
                    let unread = self.unread(p, end);
                    return error(format!("{message}{unread}"));
                }
                let resume = match self.one_per_line {
                    Some(true) => self.next_element_line(p),
                    _ => None,
                };
                match resume {
                    Some(next) => {
                        let (next_line, _) = position(self.text.as_bytes(), next);
                        let unread = self.unread(p, next);
                        self.pos = next;
                        self.first = true;
                        error(format!("{message}{unread}; reading goes on at line {next_line}"))
                    }
                    None => {
                        self.done = true;
                        let unread = self.unread(p, self.text.len());
                        error(format!("{message}{unread}"))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
)]
mod tests;
