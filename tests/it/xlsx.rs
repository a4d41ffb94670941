//! `.xlsx` facts, Excel's `TRUE`/`FALSE` in CSV, and list facts joined from a
//! second table (issue 15, item 18), end to end through `campaign evaluate`.
//! The workbooks are written here with `rust_xlsxwriter`.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;

use crate::harness::{TempDir, campaign, root};

const DOUYIN: &str = "policies/douyin-trade-miniprogram-2023.campaign";
const COLDSTART: &str = "policies/channels-brand-coldstart-2023.campaign";
const EDU: &str = "policies/channels-edu-back-to-school-2024.campaign";
const EDU_FACTS: &str = "tests/fixtures/contract/channels-edu-back-to-school-2024.ndjson";

/// One cell of a test workbook.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell (`yyyy-mm-dd hh:mm:ss`), zone-less as Excel's are.
    Date(String),
    /// A formula whose cached result is an error (`#DIV/0!`).
    Error(&'static str),
    Blank,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// A workbook of `sheets`, each a name and its rows, written to `path`.
fn write_workbook(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>)]) {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r).unwrap();
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap();
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s).unwrap();
                    }
                    Cell::Number(x) => {
                        sheet.write_number(r, c, *x).unwrap();
                    }
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, c, *b).unwrap();
                    }
                    Cell::Date(s) => {
                        let t = ExcelDateTime::parse_from_str(s).unwrap();
                        sheet.write_datetime_with_format(r, c, &t, &date).unwrap();
                    }
                    Cell::Error(e) => {
                        sheet.write_formula(r, c, Formula::new("=1/0").set_result(*e)).unwrap();
                    }
                    Cell::Blank => {}
                }
            }
        }
    }
    std::fs::write(path, book.save_to_buffer().unwrap()).unwrap();
}

/// The rows of a CSV file (no quoting in the fixtures read this way).
fn csv_rows(path: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(root().join(path))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn ndjson(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The records read, eligible, not eligible and failed, from the summary line.
fn summary(stderr: &str) -> [u64; 4] {
    let line = stderr.lines().find(|l| l.contains("records read:")).unwrap();
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    [n[0], n[1], n[2], n[3]]
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `2023-11-29T22:00:01+08:00` as the wall time in Shanghai.
fn shanghai_wall_time(rfc3339: &str) -> String {
    assert!(rfc3339.ends_with("+08:00"), "{rfc3339}");
    rfc3339[..19].replace('T', " ")
}

#[test]
fn a_flat_campaign_from_xlsx_gives_the_same_results_as_csv() {
    let dir = TempDir::new("xlsx", "flat");
    // The contract records of tests/fixtures/csv/coldstart.csv as Excel holds them:
    // timestamps as date cells, bools as logical cells or as TRUE/FALSE text.
    let rows = csv_rows("tests/fixtures/csv/coldstart.csv");
    let mut sheet = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let cells = row
            .iter()
            .enumerate()
            .map(|(c, v)| match v.as_str() {
                _ if r == 0 || c == 0 => text(v),
                "" => Cell::Blank,
                "true" | "false" if (r + c) % 2 == 0 => Cell::Bool(v == "true"),
                "true" | "false" => text(&v.to_uppercase()),
                _ => Cell::Date(shanghai_wall_time(v)),
            })
            .collect();
        sheet.push(cells);
    }
    let book = dir.join("accounts.xlsx");
    let decoy = vec![vec![text("not the facts")]];
    write_workbook(&book, &[("Notes", decoy), ("Accounts", sheet)]);

    let from_csv = campaign(&["evaluate", COLDSTART, "--facts", "tests/fixtures/csv/coldstart.csv"]);
    assert_eq!(from_csv.code, 0, "{from_csv:?}");
    let from_xlsx = campaign(&[
        "evaluate",
        COLDSTART,
        "--facts",
        s(&book),
        "--sheet",
        "Accounts",
        "--facts-timezone",
        "Asia/Shanghai",
    ]);
    assert_eq!(from_xlsx.code, 0, "{from_xlsx:?}");
    let (csv, xlsx) = (ndjson(&from_csv.stdout), ndjson(&from_xlsx.stdout));
    assert_eq!(csv.len(), 20);
    // Same records, in the same order, with the same results.
    assert_eq!(xlsx, csv);
    assert_eq!(summary(&from_xlsx.stderr), summary(&from_csv.stderr));

    // The first sheet by default: not the facts.
    let first = campaign(&["evaluate", COLDSTART, "--facts", s(&book), "--facts-timezone", "UTC"]);
    assert_eq!(first.code, 1, "{first:?}");
    assert!(
        first.stderr.contains("the header row has no column"),
        "{}",
        first.stderr
    );
    // A sheet that is not there: the sheets are listed, with the closest.
    let typo = campaign(&["evaluate", COLDSTART, "--facts", s(&book), "--sheet", "Acounts"]);
    assert_eq!(typo.code, 1, "{typo:?}");
    assert!(typo.stderr.contains("no sheet `Acounts`"), "{}", typo.stderr);
    assert!(typo.stderr.contains("did you mean `Accounts`"), "{}", typo.stderr);
}

#[test]
fn date_cells_need_a_zone() {
    let dir = TempDir::new("xlsx", "zone");
    let rows = csv_rows("tests/fixtures/csv/coldstart.csv");
    let mut sheet = vec![rows[0].iter().map(|h| text(h)).collect::<Vec<_>>()];
    for row in &rows[1..4] {
        sheet.push(
            row.iter()
                .enumerate()
                .map(|(c, v)| match v.as_str() {
                    _ if c == 0 => text(v),
                    "" => Cell::Blank,
                    "true" | "false" => text(v),
                    _ => Cell::Date(shanghai_wall_time(v)),
                })
                .collect(),
        );
    }
    let book = dir.join("dates.xlsx");
    write_workbook(&book, &[("Sheet1", sheet)]);

    // Without a zone, every record with a date cell fails, naming the cell; none is guessed.
    let run = campaign(&["evaluate", COLDSTART, "--facts", s(&book)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(summary(&run.stderr), [3, 0, 0, 3]);
    let results = ndjson(&run.stdout);
    assert_eq!(results[0]["line"], 2);
    assert_eq!(results[0]["fact"], "library_entered_at");
    let error = results[0]["error"].as_str().unwrap();
    assert!(error.contains("cell Sheet1!C2"), "{error}");
    assert!(error.contains("has no time zone"), "{error}");
    assert!(error.contains("--facts-timezone"), "{error}");

    // With the zone the cells were written in: the CSV's instants.
    let shanghai = campaign(&[
        "evaluate",
        COLDSTART,
        "--facts",
        s(&book),
        "--facts-timezone",
        "Asia/Shanghai",
    ]);
    assert_eq!(shanghai.code, 0, "{shanghai:?}");
    let csv = ndjson(&campaign(&["evaluate", COLDSTART, "--facts", "tests/fixtures/csv/coldstart.csv"]).stdout);
    assert_eq!(ndjson(&shanghai.stdout), csv[..3].to_vec());
    // Another zone is another instant: 05:00 in Shanghai is before the activity
    // (from 10:00 Shanghai time), 05:00 in UTC is 13:00 in Shanghai, within it.
    let policy = dir.join("sheet.campaign");
    std::fs::write(&policy, SHEET_CAMPAIGN).unwrap();
    let early = dir.join("early.xlsx");
    let opened = |t: &str| vec![text("m1"), Cell::Number(1.0), Cell::Date(t.into())];
    write_workbook(
        &early,
        &[(
            "Sheet1",
            vec![
                ["id", "gmv", "opened"].map(text).to_vec(),
                opened("2024-08-22 05:00:00"),
                opened("2024-03-10 02:30:00"),
            ],
        )],
    );
    let in_activity = |zone: &str| {
        let run = campaign(&["evaluate", s(&policy), "--facts", s(&early), "--facts-timezone", zone]);
        let results = ndjson(&run.stdout);
        (results[0]["values"]["opened_in_activity"].as_bool(), results[1].clone())
    };
    assert_eq!(in_activity("Asia/Shanghai").0, Some(false));
    assert_eq!(in_activity("UTC").0, Some(true));
    // A wall time the zone skips is not moved to another: it is an error.
    let (_, skipped) = in_activity("America/New_York");
    let e = skipped["error"].as_str().unwrap();
    assert!(
        e.contains("cell Sheet1!C3: the time `2024-03-10 02:30:00` does not exist in America/New_York"),
        "{e}"
    );

    // A zone that does not exist, and a zone given where nothing reads it.
    let bad = campaign(&[
        "evaluate",
        COLDSTART,
        "--facts",
        s(&book),
        "--facts-timezone",
        "Asia/Beijing",
    ]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("is not a time zone"), "{}", bad.stderr);
    let unused = campaign(&[
        "evaluate",
        COLDSTART,
        "--facts",
        "tests/fixtures/csv/coldstart.csv",
        "--facts-timezone",
        "UTC",
    ]);
    assert_eq!(unused.code, 2, "{unused:?}");
}

/// A flat campaign reading every kind of cell.
const SHEET_CAMPAIGN: &str = r#"campaign "sheet" {
  timezone Asia/Shanghai
  unit points

  window activity = 2024-08-22 10:00 .. 2024-08-31 24:00

  facts {
    gmv: money CNY
    rate: fraction, optional
    opened: timestamp, optional
    active: bool, optional
    note: text, optional
  }

  value shown_gmv = gmv
  value shown_rate = rate if unknown 0
  value opened_in_activity = opened in activity if unknown false

  eligible when {
    active if unknown false  "active"
  }

  reward bonus = gmv × 1% as points, rounded down
}
"#;

#[test]
fn cells_of_every_kind() {
    let dir = TempDir::new("xlsx", "cells");
    let policy = dir.join("sheet.campaign");
    std::fs::write(&policy, SHEET_CAMPAIGN).unwrap();
    let header = ["id", "gmv", "rate", "opened", "active", "note"].map(text).to_vec();
    let sheet = vec![
        header,
        // 2: numbers by their shortest decimal (0.1 + 0.2 would not be), a percentage cell.
        vec![
            text("m1"),
            Cell::Number(1234.5),
            Cell::Number(0.02),
            Cell::Date("2024-08-22 10:00:00".into()),
            Cell::Bool(true),
            Cell::Number(7.0),
        ],
        // 3: TRUE/FALSE as text in any case, money as text, an id typed as a number.
        vec![
            Cell::Number(10001.0),
            text("12.30"),
            text("2.5%"),
            Cell::Blank,
            text("False"),
            text("x"),
        ],
        // 4: 16 significant digits: refused, naming the cell.
        vec![
            text("m3"),
            Cell::Number(1234567890123456.0),
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
        ],
        // 5: an error cell.
        vec![
            text("m4"),
            Cell::Error("#DIV/0!"),
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
        ],
        // 6: blank rows are skipped; an empty required cell is missing.
        vec![],
        vec![
            text("m5"),
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
            text("true"),
            Cell::Blank,
        ],
        // 8: #N/A in an optional fact is still an error; a bool cell is not a number.
        vec![
            text("m6"),
            Cell::Bool(true),
            Cell::Error("#N/A"),
            Cell::Blank,
            Cell::Blank,
            Cell::Blank,
        ],
        // 9: 15 digits are kept exactly; a date in a bool column is refused.
        vec![
            text("m7"),
            Cell::Number(123456789012.345),
            Cell::Blank,
            Cell::Blank,
            Cell::Date("2024-08-22 00:00:00".into()),
            Cell::Blank,
        ],
        // 10: fine again.
        vec![
            text("m8"),
            Cell::Number(-5.0),
            Cell::Blank,
            Cell::Blank,
            Cell::Bool(false),
            Cell::Blank,
        ],
    ];
    let book = dir.join("cells.xlsx");
    write_workbook(&book, &[("Sheet1", sheet)]);
    let run = campaign(&[
        "evaluate",
        s(&policy),
        "--facts",
        s(&book),
        "--facts-timezone",
        "Asia/Shanghai",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let results = ndjson(&run.stdout);
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, ["m1", "10001", "m3", "m4", "m5", "m6", "m7", "m8"]);
    let r = &results[0];
    assert_eq!(r["values"]["shown_gmv"]["amount"], "1234.5");
    assert_eq!(r["values"]["shown_rate"], "0.02");
    assert_eq!(r["values"]["opened_in_activity"], true);
    assert_eq!(r["eligible"], true);
    let r = &results[1];
    assert_eq!(r["values"]["shown_gmv"]["amount"], "12.30");
    assert_eq!(r["values"]["shown_rate"], "0.025");
    assert_eq!(r["eligible"], false);
    let error = |i: usize| {
        (
            results[i]["line"].as_u64().unwrap(),
            results[i]["fact"].as_str().unwrap(),
            results[i]["error"].as_str().unwrap(),
        )
    };
    let (line, fact, e) = error(2);
    assert_eq!((line, fact), (4, "gmv"));
    assert!(
        e.contains("cell Sheet1!B4: the number `1234567890123456` has 16 significant digits, but Excel keeps only 15"),
        "{e}"
    );
    assert!(e.contains("store the column as text"), "{e}");
    let (line, fact, e) = error(3);
    assert_eq!((line, fact), (5, "gmv"));
    assert!(e.contains("cell Sheet1!B5: the cell holds the error `#DIV/0!`"), "{e}");
    let (line, fact, e) = error(4);
    assert_eq!((line, fact), (7, "gmv"));
    assert!(e.contains("cell Sheet1!B7: missing required fact"), "{e}");
    let (line, _, e) = error(5);
    assert_eq!(line, 8);
    assert!(e.contains("cell Sheet1!B8: expected an amount of CNY"), "{e}");
    assert!(e.contains("the logical value `TRUE`"), "{e}");
    let (line, fact, e) = error(6);
    assert_eq!((line, fact), (9, "active"));
    assert!(
        e.contains("cell Sheet1!E9: expected true or false, found the date cell `2024-08-22 00:00:00`"),
        "{e}"
    );
    assert_eq!(results[7]["values"]["shown_gmv"]["amount"], "-5");
    assert_eq!(summary(&run.stderr), [8, 1, 2, 5]);
    // Failures are listed with the file and the row.
    assert!(run.stderr.contains("cells.xlsx:5 (record `m4`)"), "{}", run.stderr);
    // `explain` reads the same options.
    let explain = campaign(&[
        "explain",
        s(&policy),
        "--facts",
        s(&book),
        "--facts-timezone",
        "Asia/Shanghai",
        "--id",
        "10001",
        "--format",
        "json",
    ]);
    assert_eq!(explain.code, 0, "{explain:?}");
    assert_eq!(ndjson(&explain.stdout)[0]["values"]["shown_gmv"]["amount"], "12.30");

    // 15 significant digits, exactly.
    let fifteen = dir.join("fifteen.xlsx");
    write_workbook(
        &fifteen,
        &[(
            "Sheet1",
            vec![
                ["id", "gmv"].map(text).to_vec(),
                vec![text("a"), Cell::Number(123456789012.345)],
                vec![text("b"), Cell::Number(0.1)],
            ],
        )],
    );
    let run = campaign(&["evaluate", s(&policy), "--facts", s(&fifteen)]);
    assert_eq!(run.code, 0, "{run:?}");
    let results = ndjson(&run.stdout);
    assert_eq!(results[0]["values"]["shown_gmv"]["amount"], "123456789012.345");
    assert_eq!(results[1]["values"]["shown_gmv"]["amount"], "0.1");
}

#[test]
fn excel_true_and_false_in_csv() {
    let dir = TempDir::new("xlsx", "csv-bools");
    // douyin.csv as Excel saves it: TRUE and FALSE.
    let text = std::fs::read_to_string(root().join("tests/fixtures/csv/douyin.csv")).unwrap();
    let excel = text.replace(",true", ",TRUE").replace(",false", ",False");
    assert_ne!(excel, text);
    let file = dir.join("douyin.csv");
    std::fs::write(&file, excel).unwrap();
    let plain = campaign(&["evaluate", DOUYIN, "--facts", "tests/fixtures/csv/douyin.csv"]);
    let run = campaign(&["evaluate", DOUYIN, "--facts", s(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), ndjson(&plain.stdout));
}

/// The EDU contract records split into a main table and a `sales` table.
fn edu_tables() -> (Vec<Value>, Vec<Vec<String>>, Vec<Vec<String>>) {
    let records = ndjson(&std::fs::read_to_string(root().join(EDU_FACTS)).unwrap());
    let mut main = vec![vec!["id".to_owned(), "store_score".into(), "registered_at".into()]];
    let item = ["at", "live_category", "category_l1", "category_l2", "gmv"];
    let mut sales = vec![
        std::iter::once("parent_id")
            .chain(item)
            .map(str::to_owned)
            .collect::<Vec<_>>(),
    ];
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for r in &records {
        main.push(vec![cell(&r["id"]), cell(&r["store_score"]), cell(&r["registered_at"])]);
        for sale in r["sales"].as_array().unwrap() {
            let mut row = vec![cell(&r["id"])];
            row.extend(item.iter().map(|k| cell(&sale[k])));
            sales.push(row);
        }
    }
    (records, main, sales)
}

fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn lists_joined_from_a_second_csv_file() {
    let dir = TempDir::new("xlsx", "join-csv");
    let (records, main, mut sales) = edu_tables();
    let expected = ndjson(&campaign(&["evaluate", EDU, "--facts", EDU_FACTS]).stdout);
    assert_eq!(expected.len(), records.len());
    let merchants = dir.join("merchants.csv");
    write_csv(&merchants, &main);
    let orders = dir.join("sales.csv");
    write_csv(&orders, &sales);
    let list = format!("sales={}", s(&orders));
    let run = campaign(&["evaluate", EDU, "--facts", s(&merchants), "--list", &list]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), expected);

    // A row whose record is missing is an error of its own, after the records; a bad
    // row fails its record, naming the item; a record with no rows has an empty list.
    let with_sales = records
        .iter()
        .position(|r| !r["sales"].as_array().unwrap().is_empty())
        .unwrap();
    let id = records[with_sales]["id"].as_str().unwrap();
    let first_row = sales.iter().position(|r| r[0] == id).unwrap();
    sales[first_row][5] = "12.3O".into();
    sales.insert(
        3,
        vec![
            "ghost".into(),
            "2024-08-23T10:00:00+08:00".into(),
            "购物".into(),
            "x".into(),
            "y".into(),
            "1".into(),
        ],
    );
    write_csv(&orders, &sales);
    let run = campaign(&["evaluate", EDU, "--facts", s(&merchants), "--list", &list]);
    assert_eq!(run.code, 1, "{run:?}");
    let results = ndjson(&run.stdout);
    assert_eq!(results.len(), records.len() + 1);
    let failed = &results[with_sales];
    assert_eq!(failed["id"], id);
    assert_eq!(failed["line"], with_sales + 2);
    assert_eq!(failed["fact"], "sales[0].gmv");
    let e = failed["error"].as_str().unwrap();
    assert!(
        e.contains(&format!("sales.csv` line {}: expected an amount of CNY", first_row + 1)),
        "{e}"
    );
    let orphan = results.last().unwrap();
    assert_eq!(
        (orphan["line"].as_u64(), orphan["id"].as_str(), orphan["fact"].as_str()),
        (Some(0), Some("ghost"), Some("sales"))
    );
    let e = orphan["error"].as_str().unwrap();
    assert!(
        e.contains("sales.csv` line 4: this row's `parent_id` is `ghost`, but no record has that id"),
        "{e}"
    );
    assert!(
        run.stderr.contains("error: ") && run.stderr.contains("merchants.csv (record `ghost`)"),
        "{}",
        run.stderr
    );
    let others: Vec<&Value> = results[..records.len()]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != with_sales)
        .map(|(_, r)| r)
        .collect();
    let expected_others: Vec<&Value> = expected
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != with_sales)
        .map(|(_, r)| r)
        .collect();
    assert_eq!(others, expected_others);
}

#[test]
fn lists_joined_from_a_second_sheet() {
    let dir = TempDir::new("xlsx", "join-sheet");
    let (records, main, sales) = edu_tables();
    let expected = ndjson(&campaign(&["evaluate", EDU, "--facts", EDU_FACTS]).stdout);
    let as_cells = |rows: &[Vec<String>]| -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|v| if v.is_empty() { Cell::Blank } else { text(v) })
                    .collect()
            })
            .collect()
    };
    let mut sales_sheet = as_cells(&sales);
    // An orphan row in the middle of the sheet (row 5).
    sales_sheet.insert(
        4,
        vec![
            text("ghost"),
            text("2024-08-23T10:00:00+08:00"),
            text("购物"),
            text("x"),
            text("y"),
            Cell::Number(1.0),
        ],
    );
    let book = dir.join("book.xlsx");
    write_workbook(&book, &[("Merchants", as_cells(&main)), ("Sales", sales_sheet)]);
    let run = campaign(&["evaluate", EDU, "--facts", s(&book), "--list", "sales=Sales"]);
    assert_eq!(run.code, 1, "{run:?}");
    let results = ndjson(&run.stdout);
    assert_eq!(results[..records.len()].to_vec(), expected);
    let orphan = &results[records.len()];
    assert_eq!(
        (orphan["line"].as_u64(), orphan["id"].as_str()),
        (Some(0), Some("ghost"))
    );
    let e = orphan["error"].as_str().unwrap();
    assert!(
        e.contains("sheet `Sales` row 5: this row's `parent_id` is `ghost`"),
        "{e}"
    );
    assert_eq!(summary(&run.stderr)[3], 1);

    // The same table as the first sheet of a workbook of its own, joined to a CSV file.
    let merchants = dir.join("merchants.csv");
    write_csv(&merchants, &main);
    let other = dir.join("sales.xlsx");
    write_workbook(&other, &[("Sales", as_cells(&sales))]);
    let list = format!("sales={}", s(&other));
    let run = campaign(&["evaluate", EDU, "--facts", s(&merchants), "--list", &list]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), expected);

    // A sheet name that is not a sheet; a list that is not a fact; a list without a table.
    let run = campaign(&["evaluate", EDU, "--facts", s(&book), "--list", "sales=Sale"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no sheet `Sale`"), "{}", run.stderr);
    let run = campaign(&["evaluate", EDU, "--facts", s(&book), "--list", "sale=Sales"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no fact `sale`"), "{}", run.stderr);
    let run = campaign(&["evaluate", EDU, "--facts", s(&book)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--list sales="), "{}", run.stderr);
    // A sheet named while the facts are CSV.
    let run = campaign(&["evaluate", EDU, "--facts", s(&merchants), "--list", "sales=Sales"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("is neither a .csv nor an .xlsx file"),
        "{}",
        run.stderr
    );
}
