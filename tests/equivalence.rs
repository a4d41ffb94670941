#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failed assertion is a failed test"
)]
//! The evaluator's shortcuts change nothing but speed.
//!
//! The evaluator states the language's semantics once (`eval::reference`: how
//! each node evaluates) and computes faster beside it (`eval::fast`): the last
//! compilation step rewrites common expressions into single steps
//! (`check::optimise`, the fused nodes); filters and conditions are decided as
//! truth values; amounts are multiplied and summed in place; per-period values
//! are computed in one pass over their list instead of one pass per period;
//! computed fields and record-wide aggregates are remembered. Here every
//! campaign in `policies/`, `policies/examples/` and `tests/fixtures/coverage/`
//! is evaluated by the reference (`Evaluator::plain` on the unoptimised
//! program) and compared with the optimised program evaluated by the reference
//! (the fused nodes alone), with each shortcut alone
//! (`Evaluator::with_shortcuts`), and with all of them (`Evaluator::with_inputs`,
//! as the command line runs); the outcomes (or errors) must be identical:
//!
//! - on every record of every fact file of the project that reads under the
//!   campaign's schema, one at a time and as a population (budgets, rankings),
//!   and the explanations of those records;
//! - on records derived from those by random edits that aim at the edges the
//!   shortcuts decide on: timestamps moved onto, just before and just after
//!   every instant the campaign names (window ends, period boundaries),
//!   numbers set onto its thresholds, texts swapped for the texts it compares
//!   with, unknowns, list items dropped and repeated.
//!
//! The comparison is only as good as the nodes it meets: every kind of node of
//! the compiled program must appear in some campaign evaluated here, in the
//! unoptimised and in the optimised program (`every_node_kind_is_compared`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use campaign::check::{check, check_unoptimised};
use campaign::eval::{Evaluator, Shortcuts};
use campaign::facts::{FactValue, Format, List, ListBuilder, Record, read_records};
use campaign::program::inputs::Inputs;
use campaign::program::schema::RecordSchema;
use campaign::program::{Const, Ir, Program};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

fn campaigns() -> Vec<PathBuf> {
    let mut all = files("policies", "campaign");
    all.extend(files("policies/examples", "campaign"));
    all.extend(files("tests/fixtures/coverage", "campaign"));
    assert!(
        all.len() >= 27,
        "the policies, examples and coverage campaigns are found"
    );
    all
}

fn fact_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in [
        "tests/fixtures/contract",
        "tests/fixtures/edges",
        "tests/fixtures/regressions",
        "tests/fixtures/coverage",
        "policies/examples",
    ] {
        if root().join(dir).is_dir() {
            all.extend(files(dir, "ndjson"));
        }
    }
    assert!(all.len() >= 20, "the fact files are found");
    all
}

/// What the command line would give: a reference time and the example holiday calendar.
fn inputs(program: &Program) -> Inputs {
    let mut inputs = Inputs::defaults(program);
    if program.uses_as_of {
        inputs.as_of = Some("2024-10-01T00:00:00+08:00".parse::<DateTime<Utc>>().unwrap());
    }
    if program.uses_business_days {
        let text = std::fs::read_to_string(root().join("policies/examples/cn-calendar-2024.txt")).unwrap();
        let days = campaign::program::inputs::parse_holiday_file(&text).unwrap();
        inputs.holidays = Some(days);
    }
    inputs
}

/// The campaign compiled both ways.
fn both(path: &Path) -> (Program, Program) {
    let text = std::fs::read_to_string(path).unwrap();
    let plain = check_unoptimised(&text)
        .program
        .unwrap_or_else(|| panic!("{} does not check", path.display()));
    let fast = check(&text).program.unwrap();
    (plain, fast)
}

/// The records of a fact file that read under a schema.
fn records(schema: &RecordSchema, path: &Path) -> Vec<Record> {
    let bytes = std::fs::read(path).unwrap();
    match read_records(schema, Format::Ndjson, &bytes[..]) {
        Ok(items) => items.filter_map(Result::ok).map(|r| r.record).collect(),
        Err(_) => Vec::new(),
    }
}

/// The reference: the unoptimised program, evaluated without any shortcut.
fn reference(plain: &Program) -> Evaluator<'_> {
    Evaluator::plain(plain, inputs(plain))
}

/// The ways compared with the reference, by name: the fused nodes alone (the optimised program
/// evaluated by the reference), each shortcut alone on the optimised program, and everything.
fn fast_ways(fast: &Program) -> Vec<(&'static str, Evaluator<'_>)> {
    let mut ways = vec![("the fused nodes", Evaluator::plain(fast, inputs(fast)))];
    for (name, shortcuts) in Shortcuts::each() {
        ways.push((name, Evaluator::with_shortcuts(fast, inputs(fast), shortcuts)));
    }
    ways.push(("every shortcut", Evaluator::with_inputs(fast, inputs(fast))));
    ways
}

/// Evaluates records by the reference and by every fast way, one at a time (with their
/// explanations) and as a population; panics on any difference.
fn assert_same(name: &str, plain: &Program, fast: &Program, records: &[Record]) {
    let slow = reference(plain);
    let expected: Vec<_> = records.iter().map(|r| slow.evaluate(r)).collect();
    let expected_all = slow.evaluate_all(records);
    for (way, quick) in fast_ways(fast) {
        for (i, (record, outcome)) in records.iter().zip(&expected).enumerate() {
            let got = quick.evaluate(record);
            assert_eq!(
                outcome, &got,
                "{name}: record {i} evaluates differently with {way}: {record:?}"
            );
            if let Ok(outcome) = outcome {
                assert_eq!(
                    slow.explain("x", record, outcome),
                    quick.explain("x", record, outcome),
                    "{name}: record {i} is explained differently with {way}: {record:?}"
                );
            }
        }
        assert_eq!(
            expected_all,
            quick.evaluate_all(records),
            "{name}: the population evaluates differently with {way}"
        );
    }
}

#[test]
fn every_record_of_every_fact_file_evaluates_the_same_every_way() {
    let facts = fact_files();
    let mut compared = 0;
    for path in campaigns() {
        let (plain, fast) = both(&path);
        for file in &facts {
            let records = records(&plain.schema, file);
            compared += records.len();
            let name = format!("{} on {}", path.display(), file.display());
            assert_same(&name, &plain, &fast, &records);
        }
    }
    assert!(compared >= 400, "only {compared} records were compared");
}

// ---------------------------------------------------------------------------
// Coverage of the node kinds

/// Declares the kinds of node: `kind` names the kind of a node, `KINDS` lists them all. The
/// match has no catch-all, so a new kind of node does not compile until it is listed here, and
/// then `every_node_kind_is_compared` requires a campaign that uses it.
macro_rules! node_kinds {
    ($($name:ident),* $(,)?) => {
        const KINDS: &[&str] = &[$(stringify!($name)),*];

        fn kind(ir: &Ir) -> &'static str {
            match ir {
                $(Ir::$name { .. } => stringify!($name),)*
            }
        }
    };
}

node_kinds!(
    Const,
    Unknown,
    Fact,
    Derived,
    Def,
    DefAt,
    Param,
    PeriodWindow,
    PeriodsWindow,
    Neg,
    Not,
    And,
    Or,
    Arith,
    ArithChain,
    Compare,
    InWindow,
    InSet,
    MakeWindow,
    IsKnown,
    IfUnknown,
    Aggregate,
    AggregatePeriods,
    Min,
    Max,
    Waitlisted,
    AsOf,
    Rank,
    Pool,
    Func,
    Lookup,
    Band,
    Marginal,
    FactCompare,
    FactInWindow,
    FactInSet,
    Previous,
    Cumulative,
    PeriodNumber,
    If,
    Earned,
    Ordered,
    Top,
    Balance,
    BalanceOf,
);

/// The kinds of node only the optimiser makes.
const FUSED: &[&str] = &["FactCompare", "FactInWindow", "FactInSet"];

/// The expressions evaluating a record runs: definitions with their rounding and caps,
/// conditions, rewards with theirs and their budgets, rankings, computed fields.
fn roots(program: &Program) -> Vec<&Ir> {
    fn adjust(a: &campaign::program::Adjust) -> Vec<&Ir> {
        let mut out: Vec<&Ir> = a.at_most.iter().chain(&a.at_least).chain(&a.expires).collect();
        out.extend(a.parts.iter().map(|(_, ir)| ir));
        out
    }
    let mut roots: Vec<&Ir> = Vec::new();
    for d in &program.definitions {
        roots.push(&d.expr);
        roots.extend(adjust(&d.adjust));
    }
    roots.extend(program.conditions.iter().map(|c| &c.expr));
    for r in &program.rewards {
        roots.push(&r.expr);
        roots.extend(adjust(&r.adjust));
        roots.extend(r.gate.iter().flatten().map(|c| &c.expr));
        if let Some(b) = &r.budget {
            roots.push(&b.amount);
            roots.extend(&b.order);
            roots.extend(b.group.as_ref().map(|(_, ir)| ir));
        }
    }
    for ranking in &program.rankings {
        roots.extend(ranking.keys.iter().map(|(ir, _)| ir));
        roots.extend(&ranking.within);
    }
    roots.extend(program.levels.iter().flat_map(|l| l.derived.iter().map(|d| &d.expr)));
    roots
}

/// How many nodes of each kind a program has.
fn count_kinds(program: &Program, counts: &mut BTreeMap<&'static str, usize>) {
    for root in roots(program) {
        root.any(&mut |n| {
            *counts.entry(kind(n)).or_default() += 1;
            false
        });
    }
}

#[test]
fn every_node_kind_is_compared() {
    let facts = fact_files();
    let (mut unoptimised, mut optimised) = (BTreeMap::new(), BTreeMap::new());
    for path in campaigns() {
        let (plain, fast) = both(&path);
        // Only campaigns evaluated on some record count.
        if facts.iter().all(|f| records(&plain.schema, f).is_empty()) {
            continue;
        }
        count_kinds(&plain, &mut unoptimised);
        count_kinds(&fast, &mut optimised);
    }
    let missing = |counts: &BTreeMap<&str, usize>, kinds: &mut dyn Iterator<Item = &&'static str>| {
        kinds.filter(|k| !counts.contains_key(**k)).copied().collect::<Vec<_>>()
    };
    let mut unfused = KINDS.iter().filter(|k| !FUSED.contains(k));
    assert_eq!(
        missing(&unoptimised, &mut unfused),
        Vec::<&str>::new(),
        "kinds of node no unoptimised program evaluated here has: {unoptimised:?}"
    );
    assert_eq!(
        missing(&optimised, &mut KINDS.iter()),
        Vec::<&str>::new(),
        "kinds of node no optimised program evaluated here has: {optimised:?}"
    );
    assert!(
        unoptimised.keys().all(|k| !FUSED.contains(k)),
        "the unoptimised programs have no fused node"
    );
}

#[test]
fn the_shortcuts_are_taken_where_they_apply() {
    // The Kuaishou GMV policy's monthly value has a list filter `redeemed_at in month`:
    // the single pass applies. Its text filter compares a fact with a constant: rewritten.
    let text = std::fs::read_to_string(root().join("policies/kuaishou-provider-gmv-2022.campaign")).unwrap();
    let plain = check_unoptimised(&text).program.unwrap();
    let fast = check(&text).program.unwrap();
    let fused = |p: &Program| {
        p.definitions
            .iter()
            .filter(|d| {
                d.expr.any(&mut |n| {
                    matches!(
                        n,
                        Ir::FactCompare { .. } | Ir::FactInWindow { .. } | Ir::FactInSet { .. }
                    )
                })
            })
            .count()
            + p.levels
                .iter()
                .flat_map(|l| &l.derived)
                .filter(|d| d.expr.any(&mut |n| matches!(n, Ir::FactCompare { .. })))
                .count()
    };
    assert_eq!(fused(&plain), 0);
    assert!(fused(&fast) > 0);
}

// ---------------------------------------------------------------------------
// Edited records

/// What a campaign names: instants, numbers and texts, to aim edits at.
#[derive(Debug, Default, Clone)]
struct Targets {
    instants: Vec<DateTime<Utc>>,
    numbers: Vec<Decimal>,
    texts: Vec<String>,
}

fn targets(program: &Program) -> Targets {
    let mut instants = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    let mut texts = BTreeSet::new();
    for range in &program.periods {
        for p in &range.periods {
            instants.insert(p.window.start);
            instants.insert(p.window.end);
        }
    }
    let mut visit = |ir: &Ir| {
        ir.any(&mut |n| {
            let c = match n {
                Ir::Const(c) => Some(c),
                Ir::FactCompare { value, .. } => Some(value),
                _ => None,
            };
            match c {
                Some(Const::Time(t)) => {
                    instants.insert(*t);
                }
                Some(Const::Window(w)) => {
                    instants.insert(w.start);
                    instants.insert(w.end);
                }
                Some(Const::Num(x)) => {
                    numbers.insert(*x);
                }
                Some(Const::Text(t)) => {
                    texts.insert(t.to_string());
                }
                Some(Const::Set(s)) => texts.extend(s.iter().map(|t| t.to_string())),
                _ => {}
            }
            if let Ir::FactInWindow { window, .. } = n {
                instants.insert(window.start);
                instants.insert(window.end);
            }
            false
        });
    };
    for def in &program.definitions {
        visit(&def.expr);
    }
    for c in &program.conditions {
        visit(&c.expr);
    }
    for r in &program.rewards {
        visit(&r.expr);
    }
    for l in &program.levels {
        for d in &l.derived {
            visit(&d.expr);
        }
    }
    Targets {
        instants: instants.into_iter().collect(),
        numbers: numbers.into_iter().collect(),
        texts: texts.into_iter().collect(),
    }
}

/// One edit, drawn at random; applied to the n-th value of the record in visiting order.
#[derive(Debug, Clone)]
enum Edit {
    Instant { at: usize, target: usize, nanos: i64 },
    Number { at: usize, target: usize, delta: i64 },
    Text { at: usize, target: usize },
    Unknown { at: usize },
    Flip { at: usize },
    DropItem { at: usize, item: usize },
    RepeatItem { at: usize, item: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0usize..64;
    prop_oneof![
        4 => (at.clone(), 0usize..64, prop_oneof![Just(0i64), Just(-1), Just(1), Just(-1_000_000_000), Just(1_000_000_000), -86_400_000_000_000i64..86_400_000_000_000])
            .prop_map(|(at, target, nanos)| Edit::Instant { at, target, nanos }),
        3 => (at.clone(), 0usize..64, prop_oneof![Just(0i64), Just(-1), Just(1)])
            .prop_map(|(at, target, delta)| Edit::Number { at, target, delta }),
        2 => (at.clone(), 0usize..64).prop_map(|(at, target)| Edit::Text { at, target }),
        1 => at.clone().prop_map(|at| Edit::Unknown { at }),
        1 => at.clone().prop_map(|at| Edit::Flip { at }),
        1 => (at.clone(), 0usize..8).prop_map(|(at, item)| Edit::DropItem { at, item }),
        1 => (at, 0usize..8).prop_map(|(at, item)| Edit::RepeatItem { at, item }),
    ]
}

/// How many values a record (or an item) and its list items hold.
fn count_values(values: &[FactValue]) -> usize {
    values
        .iter()
        .map(|v| match v {
            FactValue::List(items) => 1 + items.items().map(count_values).sum::<usize>(),
            _ => 1,
        })
        .sum()
}

/// The n-th value of a record (or an item) and its list items, depth first.
fn nth_value<'r>(values: &'r mut [FactValue], n: &mut usize) -> Option<&'r mut FactValue> {
    for v in values {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
        if let FactValue::List(items) = v {
            for item in items.items_mut() {
                if let Some(found) = nth_value(item, n) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// `list` with its item `i` there `times` times (0: dropped, 2: repeated).
fn with_item_times(list: &List, i: usize, times: usize) -> List {
    let width = list.items().next().map_or(0, <[FactValue]>::len);
    let mut edited = ListBuilder::new(width);
    for (k, item) in list.items().enumerate() {
        for _ in 0..if k == i { times } else { 1 } {
            edited.push(item.iter().cloned());
        }
    }
    edited.finish()
}

fn apply(record: &Record, edit: &Edit, t: &Targets) -> Record {
    let mut record = record.clone();
    let at = match edit {
        Edit::Instant { at, .. }
        | Edit::Number { at, .. }
        | Edit::Text { at, .. }
        | Edit::Unknown { at }
        | Edit::Flip { at }
        | Edit::DropItem { at, .. }
        | Edit::RepeatItem { at, .. } => *at,
    };
    let count = count_values(&record.values);
    if count == 0 {
        return record;
    }
    let mut n = at % count;
    let Some(value) = nth_value(&mut record.values, &mut n) else {
        return record;
    };
    match (edit, value) {
        (Edit::Instant { target, nanos, .. }, FactValue::Time(x)) if !t.instants.is_empty() => {
            *x = t.instants[target % t.instants.len()] + TimeDelta::nanoseconds(*nanos);
        }
        (Edit::Number { target, delta, .. }, FactValue::Number(x)) if !t.numbers.is_empty() => {
            let base = t.numbers[target % t.numbers.len()];
            let step = Decimal::new(1, base.scale().max(2));
            *x = base + step * Decimal::from(*delta);
        }
        (Edit::Text { target, .. }, FactValue::Text(x)) if !t.texts.is_empty() => {
            *x = t.texts[target % t.texts.len()].as_str().into();
        }
        (Edit::Unknown { .. }, v) if !matches!(v, FactValue::List(_)) => *v = FactValue::Unknown,
        (Edit::Flip { .. }, FactValue::Bool(b)) => *b = !*b,
        (Edit::DropItem { item, .. }, FactValue::List(items)) if !items.is_empty() => {
            *items = with_item_times(items, item % items.len(), 0);
        }
        (Edit::RepeatItem { item, .. }, FactValue::List(items)) if !items.is_empty() => {
            *items = with_item_times(items, item % items.len(), 2);
        }
        _ => {}
    }
    record
}

#[test]
fn edited_records_evaluate_the_same_every_way() {
    // A thread with an ordinary 8 MB stack (the test harness's threads have 2 MB).
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            let facts = fact_files();
            for path in campaigns() {
                let (plain, fast) = both(&path);
                let seeds: Vec<Record> = facts.iter().flat_map(|f| records(&plain.schema, f)).collect();
                if seeds.is_empty() {
                    continue;
                }
                let targets = targets(&plain);
                let slow = reference(&plain);
                let ways = fast_ways(&fast);
                let strategy = (0..seeds.len(), proptest::collection::vec(edit(), 1..6));
                let mut runner = TestRunner::new(Config {
                    cases: 48,
                    failure_persistence: None,
                    ..Config::default()
                });
                runner
                    .run(&strategy, |(seed, edits)| {
                        let mut record = seeds[seed].clone();
                        for e in &edits {
                            record = apply(&record, e, &targets);
                        }
                        let expected = slow.evaluate(&record);
                        for (way, quick) in &ways {
                            prop_assert_eq!(
                                &expected,
                                &quick.evaluate(&record),
                                "{} with {}: {:?}",
                                path.display(),
                                way,
                                record
                            );
                        }
                        Ok(())
                    })
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        })
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

// ---------------------------------------------------------------------------
// Generated campaigns

/// A campaign written from a tape of random choices: facts with nested lists, per-item fields
/// on every list (using the facts of their item, of the items it is inside and of other
/// lists), aggregates with filters at any depth, per-period values whose filters use other
/// per-period values, tier tables, rankings of records and of items. Names that two unrelated
/// items in scope share (`n`, `tag`, `ok` of `a` and `b`) are written as freely as the others:
/// `check` refuses those, and every campaign it refuses is dropped.
#[path = "support/generated.rs"]
mod generated;

/// Every campaign `check` accepts evaluates without an internal error on every record, and the
/// reference and every shortcut agree on it (issue 14: whatever `check` accepts, `evaluate`
/// computes).
#[test]
fn generated_checked_campaigns_never_fail_inside_and_agree() {
    // More with `GENERATED_CASES=N` (a longer search, not run by default).
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("GENERATED_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(400),
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0usize);
    let strategy = (
        proptest::collection::vec(any::<u8>(), 120),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 60), 4),
    );
    runner
        .run(&strategy, |(tape, record_tapes)| {
            let text = generated::Writer::campaign(&tape);
            let (Some(plain), Some(fast)) = (check_unoptimised(&text).program, check(&text).program) else {
                return Ok(());
            };
            accepted.set(accepted.get() + 1);
            if std::env::var("SHOW_GENERATED").is_ok() {
                eprintln!("{text}");
            }
            let lines: Vec<String> = record_tapes
                .iter()
                .enumerate()
                .map(|(i, t)| generated::record(t, i))
                .collect();
            let bytes = lines.join("\n");
            let records: Vec<Record> = read_records(&plain.schema, Format::Ndjson, bytes.as_bytes())
                .unwrap()
                .map(|r| r.unwrap().record)
                .collect();
            let slow = reference(&plain);
            for (i, record) in records.iter().enumerate() {
                for (way, result) in [
                    ("the reference", slow.evaluate(record)),
                    (
                        "every shortcut",
                        Evaluator::with_inputs(&fast, inputs(&fast)).evaluate(record),
                    ),
                ] {
                    if let Err(e) = &result {
                        prop_assert!(
                            !matches!(e.kind, campaign::eval::error::EvalErrorKind::Internal(_)),
                            "{way}: {e} on record {i}\n{text}\n{}",
                            lines[i]
                        );
                    }
                }
            }
            if plain.rankings.is_empty() {
                assert_same("a generated campaign", &plain, &fast, &records);
            } else {
                let got = Evaluator::with_inputs(&fast, inputs(&fast)).evaluate_all(&records);
                prop_assert_eq!(slow.evaluate_all(&records), got, "{}", text);
            }
            Ok(())
        })
        .unwrap();
    assert!(
        accepted.get() >= 100,
        "only {} of 400 generated campaigns checked",
        accepted.get()
    );
}
