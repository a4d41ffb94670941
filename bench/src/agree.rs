//! Field-by-field comparison of two NDJSON result files: same records in the
//! same order, same keys, same values; two strings that both read as decimals
//! compare as decimals (`"12.30"` equals `"12.3"`, `"0"` equals `"0.00"`).

use std::io::BufRead;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

/// Whether two JSON values agree.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            x == y || matches!((Decimal::from_str_exact(x), Decimal::from_str_exact(y)), (Ok(p), Ok(q)) if p == q)
        }
        (Value::Number(x), Value::Number(y)) => {
            matches!((Decimal::from_str(&x.to_string()), Decimal::from_str(&y.to_string())), (Ok(p), Ok(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Compares two result streams; returns (records compared, records that differ),
/// printing the first few differences.
pub fn compare_files<A: BufRead, B: BufRead>(a: A, b: B) -> (usize, usize) {
    let mut la = a.lines();
    let mut lb = b.lines();
    let (mut n, mut bad) = (0, 0);
    loop {
        match (la.next(), lb.next()) {
            (None, None) => break,
            (Some(Ok(x)), Some(Ok(y))) => {
                n += 1;
                let ok = match (serde_json::from_str::<Value>(&x), serde_json::from_str::<Value>(&y)) {
                    (Ok(p), Ok(q)) => same(&p, &q),
                    _ => false,
                };
                if !ok {
                    if bad < 3 {
                        eprintln!("record {n} differs:\n  {x}\n  {y}");
                    }
                    bad += 1;
                }
            }
            _ => {
                n += 1;
                bad += 1;
                eprintln!("the files have different numbers of records");
                break;
            }
        }
    }
    (n, bad)
}
