//! List facts read from tables of their own, joined to the records by id.
//!
//! A CSV file or a sheet holds flat records; a campaign's `list of { ... }`
//! facts then come from further tables (a CSV file, or another sheet), one
//! per list, whose rows are the list items: each row names its record in the
//! column `parent_id` and holds the item's facts in the other columns, by the
//! same rules as the main table. A [`JoinPlan`] splits the schema into the
//! flat facts of the main table and the joined lists; [`JoinPlan::group`]
//! reads a list's table into memory, grouped by record id (about 120 bytes a
//! row plus the item's values: see docs/cli.md); [`JoinPlan::join`] then
//! streams the main table, giving each record its items in the order of
//! their rows (an empty list when it has none).
//!
//! Nothing is dropped silently: a row that cannot be read fails its record
//! (the error names the table, the row and the item, `sales[2].gmv`), and a
//! row whose record is not in the main table is an error of its own,
//! reported after the records (with line 0: it is not a line of the main
//! table; its place is in the message).

use std::collections::HashMap;
use std::io::BufRead;

use super::record::{FactValue, List, ListBuilder, Record};
use super::{FileError, InputRecord, RecordError, SheetOptions, Workbook, code};
use crate::program::schema::{FactType, RecordSchema};

/// The column of a joined table that names each row's record.
pub const PARENT_KEY: &str = "parent_id";

/// Records (or the errors reading them), one item per input record.
type Records<'s> = Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>;

/// A campaign's schema split into the facts of the main table and the list
/// facts joined to it.
#[derive(Debug)]
pub struct JoinPlan<'s> {
    schema: &'s RecordSchema,
    /// The schema without its list facts: what the main table holds.
    flat: RecordSchema,
    /// The joined lists, in the order given: the list's index in `schema`,
    /// its name and its items' schema.
    lists: Vec<(usize, &'s str, &'s RecordSchema)>,
}

impl<'s> JoinPlan<'s> {
    /// Plans to read `schema`'s list facts from the tables of `joined` (list
    /// fact names, one table each); every list fact must have its table.
    ///
    /// # Errors
    ///
    /// A [`FileError`] (without a line) when a name is not a list fact, is
    /// given twice, a list fact has no table, or a list's items have lists
    /// of their own (which a table cannot hold).
    pub fn new(schema: &'s RecordSchema, joined: &[&str]) -> Result<Self, FileError> {
        let refuse = |message: String, help: String| FileError {
            line: None,
            message,
            help: Some(help),
        };
        let list_facts: Vec<&str> = schema
            .fields
            .iter()
            .filter(|f| matches!(f.ty, FactType::List(_)))
            .map(|f| f.name.as_str())
            .collect();
        let named = |names: &[&str]| names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ");
        let known = if list_facts.is_empty() {
            "this campaign has no list facts".to_owned()
        } else {
            format!("its list facts are {}", named(&list_facts))
        };
        let mut lists = Vec::with_capacity(joined.len());
        for (i, name) in joined.iter().enumerate() {
            let Some(index) = schema.index_of(name) else {
                return Err(refuse(format!("the campaign has no fact {}", code(name)), known));
            };
            let Some(FactType::List(items)) = schema.fields.get(index).map(|f| &f.ty) else {
                return Err(refuse(format!("the fact {} is not a list", code(name)), known));
            };
            if joined.get(..i).is_some_and(|before| before.contains(name)) {
                return Err(refuse(
                    format!("the list {} is given more than one table", code(name)),
                    "give each list one table".into(),
                ));
            }
            let nested: Vec<&str> = items
                .fields
                .iter()
                .filter(|f| matches!(f.ty, FactType::List(_)))
                .map(|f| f.name.as_str())
                .collect();
            if !nested.is_empty() {
                return Err(refuse(
                    format!(
                        "the items of {} have list facts ({}), which a table cannot hold",
                        code(name),
                        named(&nested)
                    ),
                    "export the facts as NDJSON (one JSON object per line)".into(),
                ));
            }
            lists.push((
                index,
                schema.fields.get(index).map_or("", |f| f.name.as_str()),
                &**items,
            ));
        }
        let missing: Vec<&str> = list_facts.into_iter().filter(|f| !joined.contains(f)).collect();
        if !missing.is_empty() {
            let nested = missing.iter().copied().filter(|name| {
                let items = schema.index_of(name).and_then(|i| schema.fields.get(i)).map(|f| &f.ty);
                matches!(items, Some(FactType::List(items)) if items.has_lists())
            });
            let help = match nested.collect::<Vec<_>>().as_slice() {
                [] => format!(
                    "read each list from a table of its own joined by the record id (`--list {}=FILE.csv`, see docs/cli.md), or export the facts as NDJSON",
                    missing.first().copied().unwrap_or_default()
                ),
                nested => format!(
                    "export the facts as NDJSON (one JSON object per line): the items of {} have lists of their own, which no table can hold",
                    named(nested)
                ),
            };
            return Err(refuse(
                format!(
                    "this campaign has list facts ({}), which a table (a CSV file or a sheet) cannot hold",
                    named(&missing)
                ),
                help,
            ));
        }
        let flat = RecordSchema {
            fields: schema
                .fields
                .iter()
                .filter(|f| !matches!(f.ty, FactType::List(_)))
                .cloned()
                .collect(),
        };
        Ok(JoinPlan { schema, flat, lists })
    }

    /// The facts the main table holds: the schema without its list facts.
    pub fn flat(&self) -> &RecordSchema {
        &self.flat
    }

    /// Reads the CSV table of the `list`-th joined list (in the order given
    /// to [`JoinPlan::new`]).
    ///
    /// # Errors
    ///
    /// A [`FileError`] when the table cannot be read as a whole (its header
    /// lacks `parent_id` or a required item fact's column, ...).
    pub fn csv_table<R: BufRead + 's>(&self, list: usize, input: R) -> Result<Records<'s>, FileError> {
        super::csv::read_csv_keyed(self.items(list)?, PARENT_KEY, input, &super::ReadOptions::default())
    }

    /// Reads the table of the `list`-th joined list from a sheet of `book`.
    ///
    /// # Errors
    ///
    /// A [`FileError`] when the sheet cannot be read as a whole.
    pub fn sheet_table(
        &self,
        list: usize,
        book: &mut Workbook,
        options: &SheetOptions,
    ) -> Result<Records<'s>, FileError> {
        book.records_keyed(self.items(list)?, PARENT_KEY, options)
    }

    /// The items' schema of the `list`-th joined list.
    fn items(&self, list: usize) -> Result<&'s RecordSchema, FileError> {
        self.lists
            .get(list)
            .map(|&(_, _, items)| items)
            .ok_or_else(|| FileError {
                line: None,
                message: format!("no list number {list} is joined"),
                help: None,
            })
    }

    /// Reads the rows of the `list`-th joined list's table into memory,
    /// grouped by the record they name. `table` names the table in messages
    /// (`` `orders.csv` ``, ``sheet `Orders` ``), and `rows` says whether its
    /// places are sheet rows rather than file lines.
    pub fn group(&self, list: usize, table: String, rows: bool, records: Records<'_>) -> Table {
        let mut groups: HashMap<String, Group> = HashMap::new();
        let mut loose = Vec::new();
        let (name, width) = self
            .lists
            .get(list)
            .map_or(("", 0), |&(_, name, items)| (name, items.fields.len()));
        let place = Place { table, rows };
        let group_of = |_: &String| Group {
            items: ListBuilder::new(width),
            lines: Vec::new(),
            problem: None,
            more_problems: Vec::new(),
            taken_by: None,
        };
        for record in records {
            match record {
                Ok(row) => {
                    let group = groups.entry(row.id).or_insert_with_key(group_of);
                    group.items.push(row.record.into_values());
                    group.lines.push(row.line);
                }
                Err(e) => match e.id.clone() {
                    Some(id) => {
                        let group = groups.entry(id).or_insert_with_key(group_of);
                        let index = group.lines.len();
                        group.lines.push(e.line);
                        match group.problem {
                            None => group.problem = Some((index, e)),
                            Some(_) => group.more_problems.push(e.line),
                        }
                    }
                    None => loose.push((
                        e.line,
                        RecordError {
                            line: 0,
                            column: None,
                            id: None,
                            fact: Some(name.to_owned()),
                            message: format!("{}: {}", place.at(e.line), child_message(&e)),
                        },
                    )),
                },
            }
        }
        Table {
            list,
            place,
            groups,
            loose,
        }
    }

    /// Streams the records of `parents` (read against [`JoinPlan::flat`])
    /// with their lists from `tables`, then one error for each table row
    /// whose record was not among them.
    pub fn join<'p, I>(&'p self, parents: I, tables: Vec<Table>) -> Joined<'p, 's, I>
    where
        I: Iterator<Item = Result<InputRecord, RecordError>>,
    {
        Joined {
            plan: self,
            parents,
            tables,
            orphans: None,
        }
    }
}

/// Where a joined table's rows are, for messages.
#[derive(Debug, Clone)]
struct Place {
    /// The table's name, ready to print.
    table: String,
    /// Sheet rows rather than file lines.
    rows: bool,
}

impl Place {
    /// The place of row (or line) `n`: `` `orders.csv` line 14 ``.
    fn at(&self, n: usize) -> String {
        let unit = if self.rows { "row" } else { "line" };
        format!("{} {unit} {n}", self.table)
    }
}

/// What a record's error adds about its other rows that cannot be read
/// (one error a record: the others are named, never hidden).
fn more_problems(rows: bool, lines: &[usize]) -> String {
    let unit = if rows { "row" } else { "line" };
    match lines {
        [] => String::new(),
        [one] => format!(" (its {unit} {one} cannot be read either)"),
        [first @ .., last] => {
            let first: Vec<String> = first.iter().map(usize::to_string).collect();
            format!(" (its {unit}s {} and {last} cannot be read either)", first.join(", "))
        }
    }
}

/// A child row's error as one text: its fact, then what is wrong.
fn child_message(e: &RecordError) -> String {
    match &e.fact {
        Some(fact) => format!("`{fact}`: {}", e.message),
        None => e.message.clone(),
    }
}

/// One joined list's table, read and grouped by record id.
#[derive(Debug)]
pub struct Table {
    /// Which joined list (in the plan's order).
    list: usize,
    place: Place,
    groups: HashMap<String, Group>,
    /// Errors of rows whose record could not be told, with their lines.
    loose: Vec<(usize, RecordError)>,
}

/// The rows of one record in a joined table.
#[derive(Debug)]
struct Group {
    /// The items read, in row order.
    items: ListBuilder,
    /// The line (or row) of every row of the record, read or not.
    lines: Vec<usize>,
    /// The first row that could not be read: its position in the record's rows, and why.
    problem: Option<(usize, RecordError)>,
    /// The lines of the record's other rows that could not be read.
    more_problems: Vec<usize>,
    /// The line of the record of the main table that has this id, once read
    /// (the items are then moved to it: memory is not held twice).
    taken_by: Option<usize>,
}

/// The records of a main table with their joined lists (see [`JoinPlan::join`]).
pub struct Joined<'p, 's, I> {
    plan: &'p JoinPlan<'s>,
    parents: I,
    tables: Vec<Table>,
    /// The errors for rows without a record, once the records are done.
    orphans: Option<std::vec::IntoIter<RecordError>>,
}

impl<I> std::fmt::Debug for Joined<'_, '_, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Joined").finish_non_exhaustive()
    }
}

impl<I> Iterator for Joined<'_, '_, I>
where
    I: Iterator<Item = Result<InputRecord, RecordError>>,
{
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.orphans.is_none() {
            match self.parents.next() {
                Some(Ok(record)) => return Some(self.attach(record)),
                Some(Err(e)) => {
                    // The record exists, though it cannot be read: its rows are not orphans.
                    if let Some(id) = &e.id {
                        self.mark_taken(id, e.line);
                    }
                    return Some(Err(e));
                }
                None => self.orphans = Some(self.orphans().into_iter()),
            }
        }
        self.orphans.as_mut()?.next().map(Err)
    }
}

impl<I> Joined<'_, '_, I> {
    /// Notes that the record on `line` has `id`, which takes its rows away (unread).
    fn mark_taken(&mut self, id: &str, line: usize) {
        for table in &mut self.tables {
            if let Some(group) = table.groups.get_mut(id)
                && group.taken_by.is_none()
            {
                group.taken_by = Some(line);
                group.items = ListBuilder::default();
            }
        }
    }

    /// Gives `record` (read against the flat schema) its lists.
    fn attach(&mut self, record: InputRecord) -> Result<InputRecord, RecordError> {
        let InputRecord { line, id, record } = record;
        let mut lists: Vec<(usize, List)> = Vec::with_capacity(self.tables.len());
        for table in &mut self.tables {
            let Some(&(index, name, _)) = self.plan.lists.get(table.list) else {
                continue;
            };
            let Some(group) = table.groups.get_mut(&id) else {
                lists.push((index, List::default()));
                continue;
            };
            if let Some(first) = group.taken_by {
                // Whose rows they are cannot be told: never given to both, nor to either silently.
                return Err(RecordError {
                    line,
                    column: None,
                    id: Some(id),
                    fact: Some(name.to_owned()),
                    message: format!(
                        "the record on line {first} has this id too, and the rows of {} went to it: ids must be unique to join a table",
                        table.place.table
                    ),
                });
            }
            group.taken_by = Some(line);
            if let Some((item, e)) = &group.problem {
                let fact = match &e.fact {
                    Some(fact) => format!("{name}[{item}].{fact}"),
                    None => format!("{name}[{item}]"),
                };
                return Err(RecordError {
                    line,
                    column: None,
                    id: Some(id),
                    fact: Some(fact),
                    message: format!(
                        "{}: {}{}",
                        table.place.at(e.line),
                        e.message,
                        more_problems(table.place.rows, &group.more_problems)
                    ),
                });
            }
            lists.push((index, std::mem::take(&mut group.items).finish()));
        }
        let mut flat = record.into_values().into_iter();
        let mut values = Vec::with_capacity(self.plan.schema.fields.len());
        for (index, _) in self.plan.schema.fields.iter().enumerate() {
            match lists.iter_mut().find(|(i, _)| *i == index) {
                Some((_, items)) => values.push(FactValue::List(std::mem::take(items))),
                None => values.push(flat.next().unwrap_or(FactValue::Unknown)),
            }
        }
        Ok(InputRecord {
            line,
            id,
            record: Record { values },
        })
    }

    /// One error for each row whose record was not in the main table, and
    /// for each row whose record could not be told, in table and row order.
    fn orphans(&mut self) -> Vec<RecordError> {
        let mut errors = Vec::new();
        for table in &mut self.tables {
            let name = self.plan.lists.get(table.list).map_or("", |&(_, name, _)| name);
            let mut rows: Vec<(usize, RecordError)> = Vec::new();
            for (id, group) in &table.groups {
                if group.taken_by.is_some() {
                    continue;
                }
                for &line in &group.lines {
                    rows.push((
                        line,
                        RecordError {
                            line: 0,
                            column: None,
                            id: Some(id.clone()),
                            fact: Some(name.to_owned()),
                            message: format!(
                                "{}: this row's `{PARENT_KEY}` is {}, but no record has that id",
                                table.place.at(line),
                                code(id)
                            ),
                        },
                    ));
                }
            }
            rows.append(&mut table.loose);
            rows.sort_by_key(|(line, _)| *line);
            errors.extend(rows.into_iter().map(|(_, e)| e));
        }
        errors
    }
}

#[cfg(test)]
#[path = "join/tests.rs"]
mod tests;
