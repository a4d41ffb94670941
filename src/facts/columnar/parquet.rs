//! Parquet files, and folders of Parquet part files.
//!
//! Each file is read through the `parquet` crate's Arrow reader, a batch of
//! [`BATCH_ROWS`] rows at a time (row group after row group, never the whole
//! file), with a projection: only the leaves of the columns of declared facts
//! (nested ones included) and of `id` are decoded. INT96 timestamps (Spark
//! and Hive write them) are read as UTC instants to the microsecond, so that
//! the warehouses' sentinel 9999-12-31 does not overflow the nanoseconds the
//! reader would otherwise give them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::basic::Type as PhysicalType;
use parquet::file::reader::ChunkReader;

use super::super::FileError;
use super::columns::{declares, list_item};
use super::job::PartInfo;
use super::{BATCH_ROWS, Columnar, Later, Part, Setup, unreadable};
use crate::program::schema::RecordSchema;
use crate::report::shown_path;

/// Opens the Parquet file at `path`, or the `.parquet` parts of the folder
/// at `path` in the order of their names (hidden files, and Spark's
/// `_SUCCESS` and other files starting with `_` or `.`, are skipped). Every
/// part's columns are checked before any record is read.
pub(super) fn open_parts<'s>(path: &Path, setup: Setup<'s>) -> Result<Columnar<'s>, FileError> {
    if !path.is_dir() {
        let file = std::fs::File::open(path).map_err(|e| unreadable(path, &e))?;
        let name = shown_path(path);
        let (meta, mask, undeclared) = prepare(&file, &name, &setup)?;
        let part = part(file, meta, mask, name, undeclared)?;
        return Ok(setup.finish(vec![Box::new(move || Ok(part))]));
    }
    let paths = part_files(path)?;
    let mut parts: Vec<Later<'s>> = Vec::with_capacity(paths.len());
    for part_path in paths {
        let file = std::fs::File::open(&part_path).map_err(|e| unreadable(&part_path, &e))?;
        let name = shown_path(&part_path);
        // Checked now; opened again when its turn comes, so that a folder of many parts
        // does not hold a file open for each.
        let (_, _, undeclared) = prepare(&file, &name, &setup)?;
        drop(file);
        let schema = setup.schema;
        parts.push(Box::new(move || {
            let file = std::fs::File::open(&part_path).map_err(|e| unreadable(&part_path, &e))?;
            let meta = metadata(&file, &name)?;
            let mask = projection(schema, &meta);
            part(file, meta, mask, name, undeclared)
        }));
    }
    Ok(setup.finish(parts))
}

/// Opens a Parquet file held whole in `bytes`.
pub(super) fn open_bytes(bytes: Vec<u8>, setup: &Setup<'_>) -> Result<Part, FileError> {
    let bytes = bytes::Bytes::from(bytes);
    let name = "the input".to_owned();
    let (meta, mask, undeclared) = prepare(&bytes, &name, setup)?;
    part(bytes, meta, mask, name, undeclared)
}

/// The `.parquet` files of `folder`, sorted by name.
fn part_files(folder: &Path) -> Result<Vec<PathBuf>, FileError> {
    let entries = std::fs::read_dir(folder).map_err(|e| unreadable(folder, &e))?;
    let mut parts = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(folder, &e))?;
        let name = entry.file_name();
        let Some(text) = name.to_str() else { continue };
        let hidden = text.starts_with('.') || text.starts_with('_');
        let parquet = Path::new(text)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if parquet && !hidden && entry.path().is_file() {
            parts.push(entry.path());
        }
    }
    parts.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    if parts.is_empty() {
        return Err(FileError {
            line: None,
            message: format!("the folder `{}` holds no .parquet files", shown_path(folder)),
            help: Some("name a Parquet file, or a folder of part files named *.parquet".into()),
        });
    }
    Ok(parts)
}

/// A file's metadata, the leaves to read, and its undeclared columns (with the number of
/// the schema they sit in).
type Prepared = (ArrowReaderMetadata, ProjectionMask, Vec<(u32, String)>);

/// Reads a file's metadata, checks its columns, and chooses the leaves to read.
fn prepare<T: ChunkReader>(reader: &T, name: &str, setup: &Setup<'_>) -> Result<Prepared, FileError> {
    let meta = metadata(reader, name)?;
    let matched = setup.check(meta.schema()).map_err(|mut e| {
        e.message = format!("`{name}`: {}", e.message);
        e
    })?;
    let mask = projection(setup.schema, &meta);
    setup.warn_later(matched.warnings);
    Ok((meta, mask, matched.undeclared))
}

/// The reader for a file, a batch of rows at a time.
fn part<T: ChunkReader + 'static>(
    reader: T,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    name: String,
    undeclared: Vec<(u32, String)>,
) -> Result<Part, FileError> {
    let groups = meta
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
        .collect();
    let batches = ParquetRecordBatchReaderBuilder::new_with_metadata(reader, meta)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| not_parquet(&name, &e))?;
    Ok(Part {
        info: PartInfo {
            name,
            unit: "row group",
            groups: Some(groups),
            undeclared,
        },
        batches: Box::new(batches),
    })
}

/// The refusal of a file that is not Parquet.
fn not_parquet(name: &str, e: &dyn std::fmt::Display) -> FileError {
    FileError {
        line: None,
        message: format!("`{name}` is not a Parquet file that can be read: {e}"),
        help: None,
    }
}

/// The file's metadata, with its INT96 columns read as UTC instants to the microsecond.
fn metadata<T: ChunkReader>(reader: &T, name: &str) -> Result<ArrowReaderMetadata, FileError> {
    let meta = ArrowReaderMetadata::load(reader, ArrowReaderOptions::new()).map_err(|e| not_parquet(name, &e))?;
    let int96: Vec<usize> = meta
        .parquet_schema()
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.physical_type() == PhysicalType::INT96)
        .map(|(i, _)| i)
        .collect();
    if int96.is_empty() {
        return Ok(meta);
    }
    let mut leaf = 0;
    let fields = instants(meta.schema().fields(), &int96, &mut leaf);
    let schema: SchemaRef = Arc::new(Schema::new_with_metadata(fields, meta.schema().metadata().clone()));
    ArrowReaderMetadata::try_new(meta.metadata().clone(), ArrowReaderOptions::new().with_schema(schema))
        .map_err(|e| not_parquet(name, &e))
}

/// `fields` with the leaves numbered in `int96` (counted from `leaf`, depth
/// first, as the file's columns are) made UTC timestamps in microseconds.
fn instants(fields: &Fields, int96: &[usize], leaf: &mut usize) -> Fields {
    fields
        .iter()
        .map(|f| {
            Arc::new(
                f.as_ref()
                    .clone()
                    .with_data_type(instant_type(f.data_type(), int96, leaf)),
            )
        })
        .collect()
}

fn instant_type(dt: &DataType, int96: &[usize], leaf: &mut usize) -> DataType {
    let inner = |f: &Arc<Field>, leaf: &mut usize| {
        Arc::new(
            f.as_ref()
                .clone()
                .with_data_type(instant_type(f.data_type(), int96, leaf)),
        )
    };
    match dt {
        DataType::Struct(fields) => DataType::Struct(instants(fields, int96, leaf)),
        DataType::List(f) => DataType::List(inner(f, leaf)),
        DataType::LargeList(f) => DataType::LargeList(inner(f, leaf)),
        DataType::Map(f, sorted) => DataType::Map(inner(f, leaf), *sorted),
        DataType::Timestamp(TimeUnit::Nanosecond, None) if int96.contains(leaf) => {
            *leaf += 1;
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        }
        other => {
            *leaf += leaves(other);
            other.clone()
        }
    }
}

/// How many leaf columns a column of type `dt` has.
fn leaves(dt: &DataType) -> usize {
    match dt {
        DataType::Struct(fields) => fields.iter().map(|f| leaves(f.data_type())).sum(),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => leaves(f.data_type()),
        _ => 1,
    }
}

/// The leaves read: those of `id` and of the facts' columns; of a list
/// fact's items, only the leaves of the items' facts.
fn projection(schema: &RecordSchema, meta: &ArrowReaderMetadata) -> ProjectionMask {
    let mut wanted = Vec::new();
    let mut leaf = 0;
    wanted_leaves(schema, meta.schema().fields(), true, &mut leaf, &mut wanted);
    ProjectionMask::leaves(meta.parquet_schema(), wanted)
}

fn wanted_leaves(schema: &RecordSchema, fields: &Fields, top: bool, leaf: &mut usize, wanted: &mut Vec<usize>) {
    for field in fields {
        let start = *leaf;
        let n = leaves(field.data_type());
        let items = match field.data_type() {
            DataType::List(f) | DataType::LargeList(f) => match f.data_type() {
                DataType::Struct(sub) => list_item(schema, field.name()).map(|item| (item, sub)),
                _ => None,
            },
            _ => None,
        };
        match items {
            Some((item, sub)) => {
                let before = wanted.len();
                wanted_leaves(item, sub, false, leaf, wanted);
                if wanted.len() == before && n > 0 {
                    // No item fact has a column: one leaf still tells the items apart.
                    wanted.push(start);
                }
            }
            None if declares(schema, field.name(), top) => wanted.extend(start..start + n),
            None => {}
        }
        *leaf = start + n;
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::panic,
        clippy::indexing_slicing,
        reason = "tests fail loudly"
    )]

    use super::*;

    fn list_of(fields: Vec<Field>) -> DataType {
        DataType::List(Arc::new(Field::new("element", DataType::Struct(fields.into()), true)))
    }

    #[test]
    fn only_the_leaves_of_declared_facts_and_ids_are_read() {
        let program = crate::check::check(
            r#"
campaign "n" {
  timezone Asia/Shanghai
  unit points
  facts {
    shops: list of {
      name: text
      orders: list of { amount: money CNY }
    }
    gmv: money CNY, optional
  }
  eligible when { count of shops ≥ 1  "至少一个店铺" }
  reward points = 1 points
}
"#,
        )
        .program
        .unwrap();
        let orders = list_of(vec![
            Field::new("note", DataType::Utf8, true),
            Field::new("AMOUNT", DataType::Decimal128(18, 2), true),
        ]);
        let fields: Fields = vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("junk", DataType::Utf8, true),
            Field::new(
                "shops",
                list_of(vec![
                    Field::new("name", DataType::Utf8, true),
                    Field::new("extra", DataType::Int64, true),
                    Field::new("orders", orders, true),
                ]),
                true,
            ),
            Field::new("more", list_of(vec![Field::new("x", DataType::Utf8, true)]), true),
            Field::new("gmv", DataType::Decimal128(18, 2), true),
        ]
        .into();
        // Leaves: id 0, junk 1, shops.name 2, shops.extra 3, shops.orders.note 4,
        // shops.orders.AMOUNT 5, more.x 6, gmv 7.
        let mut wanted = Vec::new();
        let mut leaf = 0;
        wanted_leaves(&program.schema, &fields, true, &mut leaf, &mut wanted);
        assert_eq!(wanted, [0, 2, 5, 7]);
        assert_eq!(leaf, 8);
    }

    #[test]
    fn int96_leaves_become_microsecond_instants() {
        let fields: Fields = vec![
            Field::new("a", DataType::Timestamp(TimeUnit::Nanosecond, None), true),
            Field::new(
                "l",
                list_of(vec![
                    Field::new("b", DataType::Utf8, true),
                    Field::new("c", DataType::Timestamp(TimeUnit::Nanosecond, None), true),
                ]),
                true,
            ),
        ]
        .into();
        let mut leaf = 0;
        let out = instants(&fields, &[2], &mut leaf);
        assert_eq!(out[0].data_type(), &DataType::Timestamp(TimeUnit::Nanosecond, None));
        let DataType::List(item) = out[1].data_type() else {
            panic!("a list")
        };
        let DataType::Struct(sub) = item.data_type() else {
            panic!("a struct")
        };
        assert_eq!(
            sub[1].data_type(),
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
        assert_eq!(leaf, 3);
    }
}
