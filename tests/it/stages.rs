//! A budget evaluated in stages (`campaign::eval::stages`, what Spark runs per budget group)
//! gives the outcomes of the whole population evaluated at once: per record, its claims; per
//! budget group, the claims in input order handed out; per record, the finish. Every queue key
//! and allotment crosses as text, as it does between Spark's stages.

use std::collections::BTreeMap;

use campaign::eval::Evaluator;
use campaign::eval::stages::{Allotment, ClaimKey};
use campaign::facts::{Format, Record, read_records};
use campaign::program::Program;
use rust_decimal::Decimal;

/// The campaign at `policy` (under policies/) and the records of `facts` (under tests/).
fn load(policy: &str, facts: &str) -> (Program, Vec<Record>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/policies/{policy}.campaign")).unwrap();
    let program = campaign::check::check(&text).program.unwrap();
    let bytes = std::fs::read(format!("{root}/tests/{facts}")).unwrap();
    let records = read_records(&program.schema, Format::Ndjson, bytes.as_slice())
        .unwrap()
        .flatten()
        .map(|r| r.record)
        .collect();
    (program, records)
}

/// A budget group's claims: each record's index, queue key and amount, in input order.
type GroupClaims = Vec<(usize, ClaimKey, Decimal)>;

/// The outcomes of the three stages, in input order.
fn in_stages(evaluator: &Evaluator<'_>, records: &[Record]) -> Vec<String> {
    // Stage 1, with every claim's key through its text.
    let mut groups: BTreeMap<(usize, String), GroupClaims> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        for claim in evaluator.claims(record).unwrap_or_default() {
            let key = ClaimKey::decode(&claim.key.encode()).unwrap();
            assert_eq!(key, claim.key);
            groups
                .entry((claim.reward, claim.group))
                .or_default()
                .push((index, key, claim.amount));
        }
    }
    // Stage 2, the claims of each group in input order (a warehouse's key order).
    let mut allotted: Vec<Vec<(usize, Allotment)>> = vec![Vec::new(); records.len()];
    for ((reward, group), claims) in groups {
        let indices: Vec<usize> = claims.iter().map(|c| c.0).collect();
        let given = evaluator.allot_group(reward, &group, claims.into_iter().map(|c| (c.1, c.2)).collect());
        assert_eq!(given.len(), indices.len());
        for (index, allotment) in indices.into_iter().zip(given) {
            let decoded = Allotment::decode(&allotment.encode()).unwrap();
            assert_eq!(decoded, allotment);
            allotted[index].push((reward, decoded));
        }
    }
    // Stage 3.
    records
        .iter()
        .zip(&allotted)
        .map(|(record, given)| format!("{:?}", evaluator.finish(record, given)))
        .collect()
}

fn assert_same_as_evaluate_all(policy: &str, facts: &str) {
    let (program, records) = load(policy, facts);
    let evaluator = Evaluator::new(&program);
    assert!(evaluator.allots_by_group(), "{policy}");
    let together: Vec<String> = evaluator
        .evaluate_all(&records)
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    assert_eq!(in_stages(&evaluator, &records), together, "{policy}");
}

#[test]
fn a_budget_per_month_first_come_first_served() {
    assert_same_as_evaluate_all(
        "channels-brand-coldstart-2023",
        "fixtures/edges/coldstart-budget.ndjson",
    );
    assert_same_as_evaluate_all(
        "channels-brand-coldstart-2023",
        "fixtures/edges/coldstart-budget-month.ndjson",
    );
    assert_same_as_evaluate_all(
        "channels-brand-coldstart-2023",
        "fixtures/edges/coldstart-budget-subsecond.ndjson",
    );
}

#[test]
fn pools_split_pro_rata_on_the_last_day_and_equally() {
    assert_same_as_evaluate_all(
        "examples/douyin-double11-sprint-pool",
        "../policies/examples/douyin-double11-sprint-pool.ndjson",
    );
    assert_same_as_evaluate_all(
        "examples/channels-mini-program-equal-pool",
        "../policies/examples/channels-mini-program-equal-pool.ndjson",
    );
}

#[test]
fn rankings_and_second_budgets_are_not_split() {
    let root = env!("CARGO_MANIFEST_DIR");
    let ranking = std::fs::read_to_string(format!(
        "{root}/policies/examples/douyin-anchor-weekly-ranking.campaign"
    ))
    .unwrap();
    let with_budget = ranking.replace(
        "} if unknown 0 CNY",
        "} if unknown 0 CNY,\n    budget 6000 CNY in total, first come first served by applied_at",
    );
    for text in [ranking, with_budget] {
        let program = campaign::check::check(&text).program.unwrap();
        assert!(!Evaluator::new(&program).allots_by_group());
    }
}
