//! One JSON text (an NDJSON line or a `.json` array element) to a [`Record`]:
//! the `DeserializeSeed`s driven by the schema that convert each value to its
//! fact's type as it is parsed. Separate from the line and document readers,
//! which only find where each text starts and ends and say where errors are.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::facts::record::{FactValue, ListBuilder, Record};
use crate::facts::undeclared::closest_fact;
use crate::facts::{
    MISSING, Source, Why, code, code_json_string, mismatch, value_from_bool, value_from_int, value_from_number,
    value_from_text,
};
use crate::program::schema::FactType;

use super::{ID_TYPE, NUMBER_TOKEN, Plan, Seen};

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

/// Why one JSON text could not be read as a record.
pub(super) struct Failure {
    pub(super) id: Option<String>,
    pub(super) fact: Option<String>,
    pub(super) message: String,
    /// For syntax errors: `serde_json`'s line and (byte) column, relative to
    /// the text.
    pub(super) at: Option<(usize, usize)>,
}

/// Reads one JSON text (an NDJSON line or a `.json` array element) as an
/// input record: its id and its values.
pub(super) fn read_record(plan: &Plan<'_>, text: &str) -> Result<(String, Record), Failure> {
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
