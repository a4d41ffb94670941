//! The options for tables of facts (`--sheet`, `--facts-timezone`, `--list`)
//! and the opening of a fact file with the tables joined to it.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use clap::Args;

use super::Termination;
use crate::batch::{self, RecordSource, Records};
use crate::facts::join::{JoinPlan, Table};
use crate::facts::{
    FileError, Format, ReadOptions, SheetOptions, Workbook, open_columnar, open_columnar_bytes, read_records_with,
};
use crate::program::schema::RecordSchema;
use crate::report::{shown, shown_path};

/// How to read a table of facts: a workbook's sheet, the zone of its dates,
/// and list facts joined from further tables.
#[derive(Debug, Clone, Default, Args)]
pub struct TableArgs {
    /// The sheet of an .xlsx fact file to read (default: its first visible sheet).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// The time zone of the date cells of .xlsx tables, and of the timestamps without a zone of
    /// Parquet and Arrow files (an IANA name such as Asia/Shanghai): needed to read them.
    #[arg(long, value_name = "ZONE")]
    facts_timezone: Option<String>,
    /// Read a list fact from a table of its own, whose rows name their record in a
    /// `parent_id` column: FACT=FILE.csv, FACT=FILE.xlsx (its first sheet) or FACT=SHEET
    /// (a sheet of the --facts workbook). Repeatable: one per list fact.
    #[arg(long = "list", value_name = "FACT=TABLE")]
    lists: Vec<String>,
}

/// Why the facts could not be opened, ready to print.
#[derive(Debug)]
pub struct Refusal {
    message: String,
    help: Option<String>,
    termination: Termination,
}

impl Refusal {
    /// A usage error: options that do not go together, a file that cannot be opened.
    fn usage(message: String, help: Option<String>) -> Refusal {
        Refusal {
            message,
            help,
            termination: Termination::Usage,
        }
    }

    /// A table that cannot be read as a whole (`file` is its name).
    fn table(file: &Path, e: FileError) -> Refusal {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        Refusal {
            message: format!("{}{at}: {}", shown_path(file), e.message),
            help: e.help,
            termination: Termination::Failure,
        }
    }

    /// Prints the refusal on stderr and gives the exit code.
    pub fn report(&self) -> Termination {
        say!("error: {}", shown(&self.message));
        if let Some(help) = &self.help {
            say!("  help: {}", shown(help));
        }
        self.termination
    }
}

/// The `--facts` input, opened and decoded.
pub struct Opened<'a, 'p> {
    /// How the facts are written.
    pub format: Format,
    /// The facts' bytes, as UTF-8.
    pub input: Box<dyn Read + 'a>,
    /// Where they come from (`-` for standard input), for messages.
    pub path: &'p Path,
    /// Strict or counted undeclared fields.
    pub reading: &'p ReadOptions,
}

/// Where a joined list's table is.
enum Source {
    Csv(PathBuf),
    Workbook(PathBuf),
    /// A sheet of the `--facts` workbook.
    Sheet(String),
}

/// Opens the fact file `file` (at `path`, of `format`) with the tables
/// joined to it; `plan` holds the join for as long as the source is read.
pub fn open<'a>(
    schema: &'a RecordSchema,
    facts: Opened<'a, '_>,
    args: &TableArgs,
    plan: &'a mut Option<JoinPlan<'a>>,
) -> Result<Box<dyn RecordSource + 'a>, Refusal> {
    let Opened {
        format,
        input,
        path,
        reading,
    } = facts;
    let lists = parse_lists(&args.lists, format)?;
    let zone = zone(args, format, &lists)?;
    if args.sheet.is_some() && format != Format::Xlsx {
        return Err(Refusal::usage(
            format!(
                "`--sheet` names a sheet of an .xlsx fact file, and `{}` is not one",
                shown_path(path)
            ),
            None,
        ));
    }
    if matches!(format, Format::Parquet | Format::Arrow) {
        return columnar(schema, format, input, path, reading, zone);
    }
    if !matches!(format, Format::Csv | Format::Xlsx) {
        return batch::open_with(schema, format, input, reading).map_err(|e| Refusal::table(path, e));
    }
    let names: Vec<&str> = lists.iter().map(|(name, _)| name.as_str()).collect();
    let plan = &*plan.insert(JoinPlan::new(schema, &names).map_err(|e| {
        if names.is_empty() {
            // A campaign with lists and a flat file, as the CSV reader has always refused it.
            Refusal::table(path, e)
        } else {
            Refusal::usage(e.message, e.help)
        }
    })?);
    let mut book = None;
    let parents = match format {
        Format::Xlsx => {
            let book = book.insert(workbook(path, input)?);
            let options = SheetOptions {
                sheet: args.sheet.clone(),
                timezone: zone,
            };
            book.records(plan.flat(), &options)
                .map_err(|e| Refusal::table(path, e))?
        }
        Format::Csv | Format::Json | Format::Ndjson | Format::Parquet | Format::Arrow => {
            read_records_with(plan.flat(), format, BufReader::with_capacity(1 << 16, input), reading)
                .map_err(|e| Refusal::table(path, e))?
        }
    };
    let mut tables: Vec<Table> = Vec::with_capacity(lists.len());
    for (i, (_, source)) in lists.iter().enumerate() {
        tables.push(match source {
            Source::Csv(table) => {
                let input = BufReader::new(open_file(table)?);
                let rows = plan.csv_table(i, input).map_err(|e| Refusal::table(table, e))?;
                plan.group(i, format!("`{}`", shown_path(table)), false, rows)
            }
            Source::Workbook(table) => {
                let mut other = workbook(table, open_file(table)?)?;
                let options = SheetOptions {
                    sheet: None,
                    timezone: zone,
                };
                let rows = plan
                    .sheet_table(i, &mut other, &options)
                    .map_err(|e| Refusal::table(table, e))?;
                plan.group(i, format!("`{}`", shown_path(table)), true, rows)
            }
            Source::Sheet(sheet) => {
                let Some(book) = book.as_mut() else {
                    return Err(Refusal::usage(sheet_without_workbook(sheet, path), None));
                };
                let options = SheetOptions {
                    sheet: Some(sheet.clone()),
                    timezone: zone,
                };
                let rows = plan
                    .sheet_table(i, book, &options)
                    .map_err(|e| Refusal::table(path, e))?;
                plan.group(i, format!("sheet `{sheet}`"), true, rows)
            }
        });
    }
    Ok(Box::new(Records::new(plan.join(parents, tables))))
}

/// Opens Parquet or Arrow facts: by their path (a file, or a folder of parts), or read whole
/// from standard input; the warnings found opening them are said at once.
fn columnar<'a>(
    schema: &'a RecordSchema,
    format: Format,
    mut input: Box<dyn Read + 'a>,
    path: &Path,
    reading: &ReadOptions,
    zone: Option<Tz>,
) -> Result<Box<dyn RecordSource + 'a>, Refusal> {
    let opened = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|e| Refusal::usage(format!("cannot read standard input: {e}"), None))?;
        open_columnar_bytes(schema, format, bytes, reading, zone)
    } else {
        open_columnar(schema, format, path, reading, zone)
    };
    let opened = opened.map_err(|e| Refusal::table(path, e))?;
    for warning in &opened.warnings {
        say!("warning: {}: {}", shown_path(path), shown(warning));
    }
    Ok(Box::new(batch::Jobs::new(opened.jobs)))
}

/// The `--list FACT=TABLE` options, each as the list's name and its table.
fn parse_lists(lists: &[String], format: Format) -> Result<Vec<(String, Source)>, Refusal> {
    if !lists.is_empty() && !matches!(format, Format::Csv | Format::Xlsx) {
        return Err(Refusal::usage(
            "`--list` joins a table to a .csv or .xlsx fact file; JSON facts hold their lists themselves".into(),
            None,
        ));
    }
    lists
        .iter()
        .map(|spec| {
            let Some((name, table)) = spec.split_once('=').filter(|(n, t)| !n.is_empty() && !t.is_empty()) else {
                return Err(Refusal::usage(
                    format!("`--list {spec}` is not FACT=TABLE"),
                    Some("write `--list sales=orders.csv`, `--list sales=orders.xlsx` or `--list sales=Orders` (a sheet of the --facts workbook)".into()),
                ));
            };
            let path = PathBuf::from(table);
            let source = match Format::from_path(&path) {
                Some(Format::Csv) => Source::Csv(path),
                Some(Format::Xlsx) => Source::Workbook(path),
                Some(Format::Json | Format::Ndjson | Format::Parquet | Format::Arrow) => {
                    return Err(Refusal::usage(
                        format!("`{table}` cannot be joined: a list's table is a .csv file, an .xlsx workbook or a sheet"),
                        None,
                    ));
                }
                None => Source::Sheet(table.to_owned()),
            };
            Ok((name.to_owned(), source))
        })
        .collect()
}

/// The message for a sheet named when the facts are not a workbook.
fn sheet_without_workbook(sheet: &str, facts: &Path) -> String {
    format!(
        "`{sheet}` is neither a .csv nor an .xlsx file, and `{}` is not a workbook whose sheet it could be",
        shown_path(facts)
    )
}

/// The zone of `--facts-timezone`, refused when no workbook is read.
fn zone(args: &TableArgs, format: Format, lists: &[(String, Source)]) -> Result<Option<Tz>, Refusal> {
    let Some(name) = &args.facts_timezone else {
        return Ok(None);
    };
    let workbook = format == Format::Xlsx || lists.iter().any(|(_, s)| matches!(s, Source::Workbook(_)));
    let columnar = matches!(format, Format::Parquet | Format::Arrow);
    if !workbook && !columnar {
        return Err(Refusal::usage(
            "`--facts-timezone` is the zone of the date cells of .xlsx tables and of the zone-less timestamps of Parquet and Arrow files, and no such file is read".into(),
            Some("timestamps in CSV and JSON carry their offset (`2024-08-22T10:00:00+08:00`)".into()),
        ));
    }
    name.parse::<Tz>().map(Some).map_err(|_| {
        Refusal::usage(
            format!("`--facts-timezone {name}` is not a time zone"),
            Some("use an IANA name such as Asia/Shanghai or UTC".into()),
        )
    })
}

/// Opens a table named by `--list`.
fn open_file(path: &Path) -> Result<File, Refusal> {
    File::open(path).map_err(|e| Refusal::usage(format!("cannot read the table `{}`: {e}", shown_path(path)), None))
}

/// Reads the workbook in `file` (at `path`).
fn workbook(path: &Path, mut file: impl Read) -> Result<Workbook, Refusal> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Refusal::usage(format!("cannot read `{}`: {e}", shown_path(path)), None))?;
    Workbook::open(bytes).map_err(|e| Refusal::table(path, e))
}
