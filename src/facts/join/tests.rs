#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a test stops at its first surprise: unwrap and indexing say plainly what went wrong"
)]

use rust_decimal::Decimal;

use super::*;
use crate::facts::{Format, read_records};
use crate::program::schema::FieldSchema;

fn field(name: &str, ty: FactType, optional: bool) -> FieldSchema {
    FieldSchema {
        name: name.into(),
        ty,
        optional,
    }
}

/// gmv, sales (list of id, amount), tags? (list of tag).
fn schema() -> RecordSchema {
    let sales = RecordSchema {
        fields: vec![
            field("id", FactType::Text, false),
            field("amount", FactType::Decimal, false),
        ],
    };
    let tags = RecordSchema {
        fields: vec![field("tag", FactType::Text, false)],
    };
    RecordSchema {
        fields: vec![
            field("sales", FactType::List(Box::new(sales)), false),
            field("gmv", FactType::Decimal, false),
            field("tags", FactType::List(Box::new(tags)), true),
        ],
    }
}

fn n(i: i64) -> FactValue {
    FactValue::Number(Decimal::from(i))
}

fn sale(id: &str, amount: i64) -> Vec<FactValue> {
    vec![FactValue::Text(id.into()), n(amount)]
}

/// A list of items of `width` values.
fn list(width: usize, items: Vec<Vec<FactValue>>) -> FactValue {
    let mut list = ListBuilder::new(width);
    for item in items {
        list.push(item);
    }
    FactValue::List(list.finish())
}

/// Joins `main` (CSV) with the `sales` and `tags` tables (CSV).
fn joined(schema: &RecordSchema, main: &str, sales: &str, tags: &str) -> Vec<Result<InputRecord, RecordError>> {
    let plan = JoinPlan::new(schema, &["sales", "tags"]).unwrap();
    let sales = plan.group(
        0,
        "`sales.csv`".into(),
        false,
        plan.csv_table(0, sales.as_bytes()).unwrap(),
    );
    let tags = plan.group(
        1,
        "sheet `Tags`".into(),
        true,
        plan.csv_table(1, tags.as_bytes()).unwrap(),
    );
    let parents = read_records(plan.flat(), Format::Csv, main.as_bytes()).unwrap();
    plan.join(parents, vec![sales, tags]).collect()
}

#[test]
fn lists_in_row_order_and_empty_when_absent() {
    let schema = schema();
    let rs = joined(
        &schema,
        "id,gmv\nm1,10\nm2,20\nm1,30\n",
        "parent_id,id,amount\nm1,s1,1\nm1,s2,2\nm2,s3,3\nm1,s4,4\n",
        "tag,parent_id\nvip,m2\n",
    );
    assert_eq!(rs.len(), 3);
    let m1 = rs[0].as_ref().unwrap();
    assert_eq!((m1.line, m1.id.as_str()), (2, "m1"));
    assert_eq!(
        m1.record.values,
        vec![
            list(2, vec![sale("s1", 1), sale("s2", 2), sale("s4", 4)]),
            n(10),
            list(1, vec![]),
        ]
    );
    let m2 = rs[1].as_ref().unwrap();
    assert_eq!(
        m2.record.values,
        vec![
            list(2, vec![sale("s3", 3)]),
            n(20),
            list(1, vec![vec![FactValue::Text("vip".into())]]),
        ]
    );
    // An id given twice: whose rows they are cannot be told.
    let e = rs[2].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.id.as_deref(), e.fact.as_deref()),
        (4, Some("m1"), Some("sales"))
    );
    assert_eq!(
        e.message,
        "the record on line 2 has this id too, and the rows of `sales.csv` went to it: ids must be unique to join a table"
    );
}

#[test]
fn bad_rows_fail_their_record_and_orphans_are_reported() {
    let schema = schema();
    let rs = joined(
        &schema,
        "id,gmv\nm1,10\nm2,x\nm3,30\n",
        "parent_id,id,amount\nm1,s1,1\nghost,s9,9\nm3,s3,1\nm3,s4,oops\n,s5,5\nm2,s6,6\nghost,s10,10\nm3,s11,x\nm3,s12,y\n",
        "parent_id,tag\nnobody,x\n",
    );
    let errors: Vec<&RecordError> = rs.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(rs.len(), 3 + 4);
    assert!(rs[0].is_ok());
    // m2 cannot be read itself: its rows are not orphans.
    assert_eq!((errors[0].line, errors[0].fact.as_deref()), (3, Some("gmv")));
    // m3's second row: the item's place in the list, and the row's place in the table.
    let e = errors[1];
    assert_eq!(
        (e.line, e.id.as_deref(), e.fact.as_deref()),
        (4, Some("m3"), Some("sales[1].amount"))
    );
    assert_eq!(
        e.message,
        "`sales.csv` line 5: expected a decimal number, found `oops` (its lines 9 and 10 cannot be read either)"
    );
    // Then the rows without a record, in table and row order.
    let rest: Vec<(usize, Option<&str>, Option<&str>, &str)> = errors[2..]
        .iter()
        .map(|e| (e.line, e.id.as_deref(), e.fact.as_deref(), e.message.as_str()))
        .collect();
    assert_eq!(
        rest,
        vec![
            (
                0,
                Some("ghost"),
                Some("sales"),
                "`sales.csv` line 3: this row's `parent_id` is `ghost`, but no record has that id"
            ),
            (
                0,
                None,
                Some("sales"),
                "`sales.csv` line 6: `parent_id`: missing required fact"
            ),
            (
                0,
                Some("ghost"),
                Some("sales"),
                "`sales.csv` line 8: this row's `parent_id` is `ghost`, but no record has that id"
            ),
            (
                0,
                Some("nobody"),
                Some("tags"),
                "sheet `Tags` row 2: this row's `parent_id` is `nobody`, but no record has that id"
            ),
        ]
    );
}

#[test]
fn plans_that_cannot_be() {
    let schema = schema();
    let message = |joined: &[&str]| JoinPlan::new(&schema, joined).unwrap_err().message;
    assert_eq!(
        message(&["sales"]),
        "this campaign has list facts (`tags`), which a table (a CSV file or a sheet) cannot hold"
    );
    assert_eq!(message(&["sales", "tags", "gmv"]), "the fact `gmv` is not a list");
    assert_eq!(message(&["sales", "tags", "sale"]), "the campaign has no fact `sale`");
    assert_eq!(
        message(&["sales", "tags", "sales"]),
        "the list `sales` is given more than one table"
    );
    let e = JoinPlan::new(&schema, &[]).unwrap_err();
    assert_eq!(
        e.help.as_deref(),
        Some(
            "read each list from a table of its own joined by the record id (`--list sales=FILE.csv`, see docs/cli.md), or export the facts as NDJSON"
        )
    );
    let nested = RecordSchema {
        fields: vec![field("programs", FactType::List(Box::new(schema.clone())), false)],
    };
    let e = JoinPlan::new(&nested, &[]).unwrap_err();
    assert_eq!(
        e.help.as_deref(),
        Some(
            "export the facts as NDJSON (one JSON object per line): the items of `programs` have lists of their own, which no table can hold"
        )
    );
    let e = JoinPlan::new(&nested, &["programs"]).unwrap_err();
    assert_eq!(
        e.message,
        "the items of `programs` have list facts (`sales`, `tags`), which a table cannot hold"
    );
    // A flat campaign needs no plan, and an empty one changes nothing.
    let flat = RecordSchema {
        fields: vec![field("gmv", FactType::Decimal, false)],
    };
    assert_eq!(JoinPlan::new(&flat, &[]).unwrap().flat(), &flat);
    // The child table's header must name `parent_id`.
    let plan = JoinPlan::new(&schema, &["sales", "tags"]).unwrap();
    let e = plan.csv_table(0, &b"id,amount\n"[..]).err().unwrap();
    assert_eq!(e.message, "the header row has no column for `parent_id`");
}

#[test]
fn other_bad_rows_are_named() {
    assert_eq!(more_problems(true, &[]), "");
    assert_eq!(more_problems(true, &[7]), " (its row 7 cannot be read either)");
    assert_eq!(
        more_problems(false, &[3, 5, 8]),
        " (its lines 3, 5 and 8 cannot be read either)"
    );
}
