//! Matching a batch's columns to a campaign's facts, and reading them.
//!
//! [`compile`] pairs each fact of a record schema with its column (by name:
//! exactly, or ignoring case with a warning), checks once per file that the
//! column's Arrow type can hold the fact, and gives for each fact a
//! [`Node`]: how to read the cell of any row. A list fact is a column of
//! `list<struct>`, whose struct's fields are matched to the items' facts in
//! turn, at any depth.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, OffsetSizeTrait, PrimitiveArray, StringArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Fields, TimeUnit};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::super::FileError;
use super::super::undeclared::closest_fact;
use super::cell::Cell;
use crate::program::schema::{FactType, RecordSchema};

/// Reads the cell of a row.
pub(super) type Getter<'a> = Box<dyn Fn(usize) -> Cell<'a> + 'a>;

/// How one fact is read from a batch.
pub(super) enum Node<'a> {
    /// No column: the fact is unknown in every row (an optional fact).
    Absent,
    /// A scalar fact.
    Scalar(Scalar<'a>),
    /// A list fact.
    List(ListNode<'a>),
}

/// A scalar fact's column: any cell through its getter, and the column itself when it is of a
/// type warehouses write for most facts, for the conversion of whole columns to read it in a
/// loop of its own (`fill::scalars`) rather than through a [`Cell`] per cell.
pub(super) struct Scalar<'a> {
    /// Reads the cell of a row.
    pub(super) get: Getter<'a>,
    /// The column, when of a common type.
    pub(super) typed: Typed<'a>,
}

/// A column of a type read in a loop of its own.
#[derive(Clone, Copy)]
pub(super) enum Typed<'a> {
    /// `decimal128`, and its scale.
    Decimal(&'a PrimitiveArray<Decimal128Type>, i8),
    /// Instants in microseconds (a timestamp column adjusted to UTC, as warehouses write them).
    Micros(&'a PrimitiveArray<TimestampMicrosecondType>),
    /// Plain strings.
    Strings(&'a StringArray),
    /// Any other type: read through the getter.
    Other,
}

impl<'a> Typed<'a> {
    /// The typed view of `array`, a column read for a fact (of a type its getter accepted).
    fn of(array: &'a ArrayRef) -> Typed<'a> {
        match array.data_type() {
            DataType::Decimal128(_, scale) => array
                .as_primitive_opt::<Decimal128Type>()
                .map_or(Typed::Other, |a| Typed::Decimal(a, *scale)),
            DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => array
                .as_primitive_opt::<TimestampMicrosecondType>()
                .map_or(Typed::Other, Typed::Micros),
            DataType::Utf8 => array.as_string_opt::<i32>().map_or(Typed::Other, Typed::Strings),
            _ => Typed::Other,
        }
    }
}

/// A `list<struct>` column.
pub(super) struct ListNode<'a> {
    /// Where each row's items are among the struct's rows.
    offsets: Offsets<'a>,
    /// Which rows' lists are null.
    nulls: Option<&'a NullBuffer>,
    /// Which items are null.
    pub(super) item_nulls: Option<&'a NullBuffer>,
    /// The items' facts.
    pub(super) fields: Vec<Node<'a>>,
    /// The number of the items' schema (as `undeclared::schemas` numbers them).
    pub(super) number: u32,
}

enum Offsets<'a> {
    Small(&'a OffsetBuffer<i32>),
    Large(&'a OffsetBuffer<i64>),
}

impl ListNode<'_> {
    /// The items of row `row` (as rows of the struct column), or `None` for a null list.
    pub(super) fn items(&self, row: usize) -> Option<Range<usize>> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        fn range<O: OffsetSizeTrait>(offsets: &OffsetBuffer<O>, row: usize) -> Option<Range<usize>> {
            let start = offsets.get(row)?.as_usize();
            let end = offsets.get(row + 1)?.as_usize();
            Some(start..end.max(start))
        }
        match self.offsets {
            Offsets::Small(o) => range(o, row),
            Offsets::Large(o) => range(o, row),
        }
    }

    /// The struct's rows holding the items of rows `rows`, null lists' included (a null
    /// list may still have a range of items, to be skipped).
    pub(super) fn span(&self, rows: Range<usize>) -> Range<usize> {
        fn at<O: OffsetSizeTrait>(offsets: &OffsetBuffer<O>, row: usize) -> usize {
            offsets.get(row).map_or(0, |o| o.as_usize())
        }
        let (start, end) = match self.offsets {
            Offsets::Small(o) => (at(o, rows.start), at(o, rows.end)),
            Offsets::Large(o) => (at(o, rows.start), at(o, rows.end)),
        };
        start..end.max(start)
    }
}

/// What matching the columns found, beyond the nodes.
#[derive(Debug, Default)]
pub(super) struct Matched {
    /// Columns matched ignoring case: one warning each.
    pub(super) warnings: Vec<String>,
    /// The undeclared columns, with the number of the schema they sit in.
    pub(super) undeclared: Vec<(u32, String)>,
}

/// How to match: the zone of zone-less timestamps, and the numbers of the
/// nested schemas.
pub(super) struct Context<'c> {
    /// `--facts-timezone`.
    pub(super) zone: Option<Tz>,
    /// Every record schema of the campaign, numbered (see `undeclared::schemas`).
    pub(super) schemas: &'c [(String, &'c RecordSchema)],
    /// What was found.
    pub(super) matched: Matched,
}

impl Context<'_> {
    /// The number of `schema` among [`Context::schemas`].
    fn number(&self, schema: &RecordSchema) -> u32 {
        let found = self.schemas.iter().position(|(_, s)| std::ptr::eq(*s, schema));
        found.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
    }
}

/// The column holding field `name` among `fields`: the one of that name, or
/// the only one whose name differs from it only in case (then with `true`).
fn find(fields: &Fields, name: &str) -> Result<Option<(usize, bool)>, FileError> {
    if let Some(i) = fields.iter().position(|f| f.name() == name) {
        return Ok(Some((i, false)));
    }
    let lower = name.to_lowercase();
    let mut like = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name().to_lowercase() == lower);
    match (like.next(), like.next()) {
        (Some((i, _)), None) => Ok(Some((i, true))),
        (None, _) => Ok(None),
        (Some((_, a)), Some((_, b))) => Err(FileError {
            line: None,
            message: format!(
                "the columns `{}` and `{}` both match the fact `{name}` ignoring case",
                a.name(),
                b.name()
            ),
            help: Some(format!("name one column exactly `{name}`")),
        }),
    }
}

/// Whether the column `name` is read for `schema`: a fact's (its name,
/// ignoring case), or at the top level the ids'.
pub(super) fn declares(schema: &RecordSchema, name: &str, top: bool) -> bool {
    let lower = name.to_lowercase();
    (top && lower == "id") || schema.fields.iter().any(|f| f.name.to_lowercase() == lower)
}

/// The item schema of the list fact read from column `name` of `schema`.
#[cfg(feature = "parquet")]
pub(super) fn list_item<'s>(schema: &'s RecordSchema, name: &str) -> Option<&'s RecordSchema> {
    let lower = name.to_lowercase();
    schema.fields.iter().find_map(|f| match &f.ty {
        FactType::List(item) if f.name.to_lowercase() == lower => Some(&**item),
        _ => None,
    })
}

/// The nodes of the facts of `schema`, read from `columns` (named by
/// `fields`); `prefix` is the path of the items (`sales[].`) for messages.
/// For the top level, `id` is left to [`id_column`].
pub(super) fn compile<'a>(
    schema: &RecordSchema,
    fields: &'a Fields,
    columns: &'a [ArrayRef],
    prefix: &str,
    ctx: &mut Context<'_>,
) -> Result<Vec<Node<'a>>, FileError> {
    let top = prefix.is_empty();
    let number = ctx.number(schema);
    let mut used = vec![false; fields.len()];
    let mut nodes = Vec::with_capacity(schema.fields.len());
    let mut missing = Vec::new();
    for fact in &schema.fields {
        let Some((i, folded)) = find(fields, &fact.name)? else {
            if !fact.optional {
                missing.push(fact.name.as_str());
            }
            nodes.push(Node::Absent);
            continue;
        };
        let (Some(field), Some(array)) = (fields.get(i), columns.get(i)) else {
            nodes.push(Node::Absent);
            continue;
        };
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        let column = format!("{prefix}{}", field.name());
        if folded {
            ctx.matched.warnings.push(format!(
                "column `{column}` is read as the fact `{prefix}{}` (the names differ only in case)",
                fact.name
            ));
        }
        nodes.push(match &fact.ty {
            FactType::List(item) => Node::List(list(item, array, &column, ctx)?),
            ty => Node::Scalar(Scalar {
                get: scalar(ty, array, &column, ctx.zone)?,
                typed: Typed::of(array),
            }),
        });
    }
    let undeclared: Vec<&str> = fields
        .iter()
        .zip(&used)
        .filter(|(f, used)| !(**used || top && f.name() == "id"))
        .map(|(f, _)| f.name().as_str())
        .collect();
    if !missing.is_empty() {
        return Err(missing_columns(prefix, &missing, &undeclared));
    }
    ctx.matched
        .undeclared
        .extend(undeclared.into_iter().map(|name| (number, name.to_owned())));
    Ok(nodes)
}

/// The refusal of a file without a column for required facts.
fn missing_columns(prefix: &str, missing: &[&str], undeclared: &[&str]) -> FileError {
    let quoted: Vec<String> = missing.iter().map(|name| format!("`{prefix}{name}`")).collect();
    let slips: Vec<String> = missing
        .iter()
        .filter_map(|name| {
            let slip = undeclared.iter().find(|u| closest_fact(u, [*name]).is_some())?;
            Some(format!("the file has `{prefix}{slip}`: did you mean `{prefix}{name}`?"))
        })
        .collect();
    let rule = "every required fact needs a column; only optional facts' columns may be left out".to_owned();
    FileError {
        line: None,
        message: format!(
            "the file has no column for {}",
            if quoted.is_empty() {
                String::new()
            } else {
                quoted.join(", ")
            }
        ),
        help: Some(if slips.is_empty() {
            rule
        } else {
            format!("{} ({rule})", slips.join("; "))
        }),
    }
}

/// The `id` column of a batch: text or integers.
pub(super) fn id_column<'a>(fields: &'a Fields, columns: &'a [ArrayRef]) -> Result<Getter<'a>, FileError> {
    let Some((i, _)) = find(fields, "id")? else {
        return Err(missing_columns("", &["id"], &[]));
    };
    let (Some(field), Some(array)) = (fields.get(i), columns.get(i)) else {
        return Err(missing_columns("", &["id"], &[]));
    };
    if let Some(get) = integers(array) {
        return Ok(get);
    }
    strings(array).ok_or_else(|| FileError {
        line: None,
        message: format!(
            "the column `{}` holds {}, not the records' ids",
            field.name(),
            field.data_type()
        ),
        help: Some("ids are text or whole numbers".into()),
    })
}

/// The items of a list fact: a `list<struct>` column.
fn list<'a>(
    item: &RecordSchema,
    array: &'a ArrayRef,
    column: &str,
    ctx: &mut Context<'_>,
) -> Result<ListNode<'a>, FileError> {
    let (offsets, values) = if let Some(l) = array.as_list_opt::<i32>() {
        (Offsets::Small(l.offsets()), l.values())
    } else if let Some(l) = array.as_list_opt::<i64>() {
        (Offsets::Large(l.offsets()), l.values())
    } else {
        return Err(refused(
            column,
            array.data_type(),
            "a list of records, a column of list<struct>",
        ));
    };
    let Some(items) = values.as_struct_opt() else {
        return Err(refused(
            column,
            array.data_type(),
            "a list of records, a column of list<struct>",
        ));
    };
    let prefix = format!("{column}[].");
    let fields = compile(item, items.fields(), items.columns(), &prefix, ctx)?;
    Ok(ListNode {
        offsets,
        nulls: array.nulls(),
        item_nulls: items.nulls(),
        fields,
        number: ctx.number(item),
    })
}

/// The refusal of a column whose type cannot hold its fact.
fn refused(column: &str, found: &DataType, expected: &str) -> FileError {
    FileError {
        line: None,
        message: format!("the column `{column}` is of type {found}, which cannot hold {expected}"),
        help: None,
    }
}

/// How to read a scalar fact of type `ty` from `array` (column `column`).
fn scalar<'a>(ty: &FactType, array: &'a ArrayRef, column: &str, zone: Option<Tz>) -> Result<Getter<'a>, FileError> {
    let dt = array.data_type();
    if matches!(dt, DataType::Float16 | DataType::Float32 | DataType::Float64) {
        return Err(float_refused(ty, column, dt));
    }
    let numeric = matches!(
        ty,
        FactType::Count
            | FactType::Decimal
            | FactType::Fraction
            | FactType::Money(_)
            | FactType::Quantity(_)
            | FactType::Duration
    );
    let getter = match dt {
        DataType::Null => Some(Box::new(|_| Cell::Null) as Getter<'a>),
        DataType::Boolean if matches!(ty, FactType::Bool) => array.as_boolean_opt().map(|a| {
            Box::new(move |i| {
                if a.is_null(i) {
                    Cell::Null
                } else {
                    Cell::Bool(a.value(i))
                }
            }) as Getter<'a>
        }),
        DataType::Decimal128(_, scale) if numeric => {
            let scale = *scale;
            primitive::<Decimal128Type>(array, move |n| Cell::Dec(n, scale))
        }
        DataType::Decimal256(_, scale) if numeric => {
            let scale = *scale;
            primitive::<Decimal256Type>(array, move |n| Cell::Dec256(n, scale))
        }
        DataType::Timestamp(unit, Some(_)) if matches!(ty, FactType::Timestamp) => instants(array, *unit),
        DataType::Timestamp(unit, None) if matches!(ty, FactType::Timestamp) => {
            let Some(zone) = zone else {
                return Err(FileError {
                    line: None,
                    message: format!(
                        "the column `{column}` holds timestamps without a time zone, so the instants they mean are not known"
                    ),
                    help: Some(
                        "name the zone of its times (`--facts-timezone Asia/Shanghai`), or write the column as an instant (a timestamp adjusted to UTC)"
                            .into(),
                    ),
                });
            };
            locals(array, *unit, zone)
        }
        DataType::Duration(unit) if matches!(ty, FactType::Duration) => durations(array, *unit),
        _ if numeric && dt.is_integer() => integers(array),
        _ => match ty {
            FactType::Text
            | FactType::Enum(_)
            | FactType::Count
            | FactType::Decimal
            | FactType::Fraction
            | FactType::Money(_)
            | FactType::Quantity(_)
            | FactType::Duration
            | FactType::Timestamp => strings(array),
            FactType::Bool | FactType::List(_) => None,
        },
    };
    getter.ok_or_else(|| refused(column, dt, &ty.describe()))
}

/// The refusal of a floating-point column for a fact read exactly.
fn float_refused(ty: &FactType, column: &str, dt: &DataType) -> FileError {
    let exact = matches!(
        ty,
        FactType::Money(_) | FactType::Decimal | FactType::Quantity(_) | FactType::Fraction
    );
    let (what, cast) = match ty {
        FactType::Money(_) => ("money is", "DECIMAL(18,2)"),
        FactType::Count | FactType::Duration => ("whole numbers are", "BIGINT"),
        _ if exact => ("amounts are", "DECIMAL(38,10)"),
        _ => ("it is", "a type the fact can hold"),
    };
    let name = column.rsplit('.').next().unwrap_or(column);
    FileError {
        line: None,
        message: format!(
            "the column `{column}` is floating-point ({dt}), but `{column}` is {}: {what} read exactly, never through floating point",
            ty.describe()
        ),
        help: Some(format!(
            "write the column with an exact type: `CAST({name} AS {cast})` in the query that writes the file"
        )),
    }
}

/// Cells of a primitive column.
fn primitive<'a, T: ArrowPrimitiveType>(
    array: &'a ArrayRef,
    cell: impl Fn(T::Native) -> Cell<'a> + 'a,
) -> Option<Getter<'a>> {
    let a = array.as_primitive_opt::<T>()?;
    Some(Box::new(
        move |i| if a.is_null(i) { Cell::Null } else { cell(a.value(i)) },
    ))
}

/// Cells of a column of integers of any width.
fn integers(array: &ArrayRef) -> Option<Getter<'_>> {
    match array.data_type() {
        DataType::Int8 => primitive::<Int8Type>(array, |n| Cell::Int(n.into())),
        DataType::Int16 => primitive::<Int16Type>(array, |n| Cell::Int(n.into())),
        DataType::Int32 => primitive::<Int32Type>(array, |n| Cell::Int(n.into())),
        DataType::Int64 => primitive::<Int64Type>(array, |n| Cell::Int(n.into())),
        DataType::UInt8 => primitive::<UInt8Type>(array, |n| Cell::Int(n.into())),
        DataType::UInt16 => primitive::<UInt16Type>(array, |n| Cell::Int(n.into())),
        DataType::UInt32 => primitive::<UInt32Type>(array, |n| Cell::Int(n.into())),
        DataType::UInt64 => primitive::<UInt64Type>(array, |n| Cell::Int(n.into())),
        _ => None,
    }
}

/// Cells of a column of strings: plain, large, views, or dictionary-encoded.
fn strings(array: &ArrayRef) -> Option<Getter<'_>> {
    fn plain<'a>(a: &'a dyn Array) -> Option<Box<dyn Fn(usize) -> &'a str + 'a>> {
        if let Some(s) = a.as_string_opt::<i32>() {
            return Some(Box::new(move |i| s.value(i)));
        }
        if let Some(s) = a.as_string_opt::<i64>() {
            return Some(Box::new(move |i| s.value(i)));
        }
        a.as_string_view_opt()
            .map(|s| Box::new(move |i| s.value(i)) as Box<dyn Fn(usize) -> &'a str + 'a>)
    }
    if let Some(text) = plain(array.as_ref()) {
        return Some(Box::new(move |i| {
            if array.is_null(i) {
                Cell::Null
            } else {
                Cell::Str(text(i))
            }
        }));
    }
    let dictionary = array.as_any_dictionary_opt()?;
    let text = plain(dictionary.values().as_ref())?;
    let keys = dictionary.normalized_keys();
    Some(Box::new(move |i| match keys.get(i) {
        Some(&k) if !array.is_null(i) => Cell::Str(text(k)),
        _ => Cell::Null,
    }))
}

/// An instant `n` units after the epoch.
fn instant(n: i64, unit: TimeUnit) -> Option<DateTime<Utc>> {
    match unit {
        TimeUnit::Second => DateTime::from_timestamp(n, 0),
        TimeUnit::Millisecond => DateTime::from_timestamp_millis(n),
        TimeUnit::Microsecond => DateTime::from_timestamp_micros(n),
        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(n)),
    }
}

/// Cells of a timestamp column with a zone: instants.
fn instants(array: &ArrayRef, unit: TimeUnit) -> Option<Getter<'_>> {
    let cell = move |n: i64| Cell::Instant(instant(n, unit));
    match unit {
        TimeUnit::Second => primitive::<TimestampSecondType>(array, cell),
        TimeUnit::Millisecond => primitive::<TimestampMillisecondType>(array, cell),
        TimeUnit::Microsecond => primitive::<TimestampMicrosecondType>(array, cell),
        TimeUnit::Nanosecond => primitive::<TimestampNanosecondType>(array, cell),
    }
}

/// Cells of a timestamp column without a zone: local times in `zone`.
fn locals(array: &ArrayRef, unit: TimeUnit, zone: Tz) -> Option<Getter<'_>> {
    let cell = move |n: i64| Cell::Local(instant(n, unit).map(|t| t.naive_utc()), zone);
    match unit {
        TimeUnit::Second => primitive::<TimestampSecondType>(array, cell),
        TimeUnit::Millisecond => primitive::<TimestampMillisecondType>(array, cell),
        TimeUnit::Microsecond => primitive::<TimestampMicrosecondType>(array, cell),
        TimeUnit::Nanosecond => primitive::<TimestampNanosecondType>(array, cell),
    }
}

/// Cells of a duration column, in nanoseconds.
fn durations(array: &ArrayRef, unit: TimeUnit) -> Option<Getter<'_>> {
    let per = match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    let cell = move |n: i64| Cell::Nanos(i128::from(n) * per);
    match unit {
        TimeUnit::Second => primitive::<DurationSecondType>(array, cell),
        TimeUnit::Millisecond => primitive::<DurationMillisecondType>(array, cell),
        TimeUnit::Microsecond => primitive::<DurationMicrosecondType>(array, cell),
        TimeUnit::Nanosecond => primitive::<DurationNanosecondType>(array, cell),
    }
}
