//! Rankings and budgets evaluated in stages (`campaign::eval::stages`, what Spark runs per
//! ranking group and per budget group) give the outcomes of the whole population evaluated at
//! once: per record, its ranking entries; per place and ranking group, the entries in input
//! order placed; per record, its claims given its places; per budget in turn and per budget
//! group, the claims in input order handed out, without the records whose claim on an earlier
//! budget failed; per record, the finish. Every order key, queue key and allotment crosses as
//! text, as it does between Spark's stages, and ranking groups meet by their text alone.

use std::collections::{BTreeMap, BTreeSet};

use campaign::eval::Evaluator;
use campaign::eval::stages::{Allotment, ClaimKey, RankKey};
use campaign::facts::{Format, Record, read_records};
use campaign::program::Program;
use rust_decimal::Decimal;

/// Every shipped campaign with a ranking or a budget (under policies/, or tests/ for the
/// coverage fixtures), with its fact files (under tests/).
const SHIPPED: &[(&str, &[&str])] = &[
    (
        "policies/channels-brand-coldstart-2023",
        &[
            "fixtures/edges/coldstart-budget.ndjson",
            "fixtures/edges/coldstart-budget-month.ndjson",
            "fixtures/edges/coldstart-budget-subsecond.ndjson",
        ],
    ),
    (
        "policies/examples/channels-mini-program-equal-pool",
        &["../policies/examples/channels-mini-program-equal-pool.ndjson"],
    ),
    (
        "policies/examples/douyin-anchor-weekly-ranking",
        &["../policies/examples/douyin-anchor-weekly-ranking.ndjson"],
    ),
    (
        "policies/examples/douyin-double11-sprint-pool",
        &["../policies/examples/douyin-double11-sprint-pool.ndjson"],
    ),
    (
        "policies/examples/douyin-live-daily-anchor-contest",
        &["../policies/examples/douyin-live-daily-anchor-contest.ndjson"],
    ),
    (
        "tests/fixtures/coverage/division",
        &["fixtures/coverage/division.ndjson"],
    ),
];

fn text_of(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/{path}.campaign")).unwrap()
}

fn records_of(program: &Program, facts: &str) -> Vec<Record> {
    let root = env!("CARGO_MANIFEST_DIR");
    let bytes = std::fs::read(format!("{root}/tests/{facts}")).unwrap();
    read_records(&program.schema, Format::Ndjson, bytes.as_slice())
        .unwrap()
        .flatten()
        .map(|r| r.record)
        .collect()
}

/// `records` three times over, interleaved: every record then ties with two others on every
/// key of every ranking and queue, and input order decides between them.
fn with_ties(records: &[Record]) -> Vec<Record> {
    records.iter().flat_map(|r| [r.clone(), r.clone(), r.clone()]).collect()
}

/// A group's entries or claims: each record's index and what it brings, in input order.
type Members<T> = Vec<(usize, T)>;

/// Each record's places, after stages 1 and 2.
fn placed(evaluator: &Evaluator<'_>, records: &[Record]) -> Vec<Vec<Option<usize>>> {
    let mut groups: BTreeMap<(usize, String), Members<RankKey>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        for entry in evaluator.rank_entries(record).unwrap_or_default() {
            let order = RankKey::decode(&entry.order.encode()).unwrap();
            assert_eq!(order, entry.order);
            groups
                .entry((entry.place, entry.group))
                .or_default()
                .push((index, order));
        }
    }
    let mut ranks = vec![vec![None; evaluator.rank_places()]; records.len()];
    for ((place, _), members) in groups {
        let (indices, orders): (Vec<usize>, Vec<RankKey>) = members.into_iter().unzip();
        let given = evaluator.rank_group(place, orders);
        assert_eq!(given.len(), indices.len());
        for (index, p) in indices.into_iter().zip(given) {
            ranks[index][place] = Some(p);
        }
    }
    ranks
}

/// What each record's claims came to, after stages 3 and 4.
fn allotted(
    evaluator: &Evaluator<'_>,
    records: &[Record],
    ranks: &[Vec<Option<usize>>],
) -> Vec<Vec<(usize, Allotment)>> {
    let mut groups: BTreeMap<(usize, String), Members<(ClaimKey, Decimal)>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        for claim in evaluator.claims(record, &ranks[index]).unwrap_or_default() {
            let key = ClaimKey::decode(&claim.key.encode()).unwrap();
            assert_eq!(key, claim.key);
            groups
                .entry((claim.reward, claim.group))
                .or_default()
                .push((index, (key, claim.amount)));
        }
    }
    let mut allotted: Vec<Vec<(usize, Allotment)>> = vec![Vec::new(); records.len()];
    let mut failed: BTreeSet<usize> = BTreeSet::new();
    for reward in evaluator.budgets() {
        let mut failed_here = BTreeSet::new();
        for ((_, group), members) in groups.range((reward, String::new())..(reward + 1, String::new())) {
            let (indices, claims): (Vec<usize>, Vec<(ClaimKey, Decimal)>) =
                members.iter().filter(|(i, _)| !failed.contains(i)).cloned().unzip();
            let given = evaluator.allot_group(reward, group, claims);
            assert_eq!(given.len(), indices.len());
            for (index, allotment) in indices.into_iter().zip(given) {
                let decoded = Allotment::decode(&allotment.encode()).unwrap();
                assert_eq!(decoded, allotment);
                if decoded.is_failed() {
                    failed_here.insert(index);
                }
                allotted[index].push((reward, decoded));
            }
        }
        failed.extend(failed_here);
    }
    allotted
}

/// The outcomes of the five stages, in input order.
fn in_stages(evaluator: &Evaluator<'_>, records: &[Record]) -> Vec<String> {
    let ranks = placed(evaluator, records);
    let allotted = allotted(evaluator, records, &ranks);
    records
        .iter()
        .enumerate()
        .map(|(i, record)| format!("{:?}", evaluator.finish(record, &ranks[i], &allotted[i])))
        .collect()
}

fn assert_same_as_evaluate_all(text: &str, records: &[Record], what: &str) {
    let program = campaign::check::check(text).program.unwrap();
    let evaluator = Evaluator::new(&program);
    assert!(evaluator.needs_population(), "{what}");
    let together: Vec<String> = evaluator
        .evaluate_all(records)
        .into_iter()
        .map(|r| format!("{r:?}"))
        .collect();
    let staged = in_stages(&evaluator, records);
    assert_eq!(staged.len(), together.len());
    for (i, (s, t)) in staged.iter().zip(&together).enumerate() {
        assert_eq!(s, t, "{what}, record {i}");
    }
}

/// The campaign `text` on the records of each fact file, and on them with ties.
fn assert_same_on(text: &str, facts: &[&str], what: &str) {
    let program = campaign::check::check(text).program.unwrap();
    for f in facts {
        let records = records_of(&program, f);
        assert!(!records.is_empty(), "{f}");
        assert_same_as_evaluate_all(text, &records, &format!("{what} on {f}"));
        assert_same_as_evaluate_all(text, &with_ties(&records), &format!("{what} on {f} with ties"));
    }
}

#[test]
fn every_shipped_campaign_with_a_ranking_or_a_budget() {
    for (path, facts) in SHIPPED {
        assert_same_on(&text_of(path), facts, path);
    }
}

#[test]
fn the_list_holds_every_shipped_campaign_with_a_ranking_or_a_budget() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut found = BTreeSet::new();
    for dir in ["policies", "policies/examples", "tests/fixtures/coverage"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "campaign") {
                let text = std::fs::read_to_string(&path).unwrap();
                let Some(program) = campaign::check::check(&text).program else {
                    continue;
                };
                if Evaluator::new(&program).needs_population() {
                    found.insert(format!("{dir}/{}", path.file_stem().unwrap().to_string_lossy()));
                }
            }
        }
    }
    let listed: BTreeSet<String> = SHIPPED.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(found, listed);
}

/// The campaign at `path` with `old` replaced by `new`.
fn variant(path: &str, old: &str, new: &str) -> String {
    let text = text_of(path);
    assert!(text.contains(old));
    text.replacen(old, new, 1)
}

#[test]
fn a_ranking_with_a_budget() {
    let text = variant(
        "policies/examples/douyin-anchor-weekly-ranking",
        "} if unknown 0 CNY",
        "} if unknown 0 CNY,\n    budget 6000 CNY in total, first come first served by applied_at",
    );
    let facts = ["../policies/examples/douyin-anchor-weekly-ranking.ndjson"];
    assert_same_on(&text, &facts, "the weekly ranking with a budget");
}

#[test]
fn two_budgets() {
    let text = variant(
        "policies/examples/douyin-double11-sprint-pool",
        "  value cut_off",
        "  reward extra = gmv × 1%,\n    rounded down,\n    budget 30000 CNY in total, split pro rata\n\n  value cut_off",
    );
    let facts = ["../policies/examples/douyin-double11-sprint-pool.ndjson"];
    assert_same_on(&text, &facts, "the sprint pool with a second budget");
}

#[test]
fn a_claim_that_fails_on_the_first_budget_leaves_the_second_budgets_queue() {
    // 79228162514264337593543950335 - 0.01 has 31 digits: `a`'s claim on `first` fails its
    // record, which then claims nothing of `second`: its 100 CNY go to `b` (50) and `c` (50),
    // where with `a` in the queue (applied first, 0.01) `c` would find 49.99 left and get none.
    let text = r#"campaign "two budgets" {
  timezone Asia/Shanghai
  facts {
    paid: money CNY
    applied_at: timestamp
  }
  reward first = paid, rounded down,
    budget 79228162514264337593543950335 CNY in total, first come first served by applied_at
  reward second = paid, rounded down,
    budget 100 CNY in total, first come first served by applied_at
}"#;
    let program = campaign::check::check(text).program.unwrap();
    let facts = concat!(
        "{\"id\":\"a\",\"paid\":\"0.01\",\"applied_at\":\"2024-01-01T00:00:00+08:00\"}\n",
        "{\"id\":\"b\",\"paid\":\"50\",\"applied_at\":\"2024-01-02T00:00:00+08:00\"}\n",
        "{\"id\":\"c\",\"paid\":\"50\",\"applied_at\":\"2024-01-03T00:00:00+08:00\"}\n",
    );
    let records: Vec<Record> = read_records(&program.schema, Format::Ndjson, facts.as_bytes())
        .unwrap()
        .flatten()
        .map(|r| r.record)
        .collect();
    let evaluator = Evaluator::new(&program);
    let outcomes = evaluator.evaluate_all(&records);
    assert!(outcomes[0].is_err());
    let second = |i: usize| outcomes[i].as_ref().unwrap().rewards[1].amount;
    assert_eq!((second(1), second(2)), (Decimal::from(50), Decimal::from(50)));
    assert_same_as_evaluate_all(text, &records, "two budgets, a claim failing on the first");
    assert_same_as_evaluate_all(text, &with_ties(&records), "two budgets, with ties");
}

#[test]
fn equal_group_keys_give_equal_text_whatever_their_scale() {
    // `within` a decimal written with different scales: one group, places 1 and 2 (by `n`).
    let text = r#"campaign "groups" {
  timezone Asia/Shanghai
  facts {
    tier: decimal
    n: decimal
  }
  value place = rank by n within tier
  reward prize = lookup place {
    1 -> 10 CNY
    otherwise -> 0 CNY
  } if unknown 0 CNY
}"#;
    let program = campaign::check::check(text).program.unwrap();
    let facts = concat!(
        "{\"id\":\"a\",\"tier\":\"1.50\",\"n\":\"2\"}\n",
        "{\"id\":\"b\",\"tier\":\"1.5\",\"n\":\"1\"}\n",
        "{\"id\":\"c\",\"tier\":\"2\",\"n\":\"1\"}\n",
    );
    let records: Vec<Record> = read_records(&program.schema, Format::Ndjson, facts.as_bytes())
        .unwrap()
        .flatten()
        .map(|r| r.record)
        .collect();
    let evaluator = Evaluator::new(&program);
    let groups: Vec<String> = records
        .iter()
        .map(|r| evaluator.rank_entries(r).unwrap()[0].group.clone())
        .collect();
    assert_eq!(groups[0], groups[1]);
    assert_ne!(groups[0], groups[2]);
    assert_eq!(
        placed(&evaluator, &records),
        vec![vec![Some(2)], vec![Some(1)], vec![Some(1)]]
    );
    assert_same_as_evaluate_all(text, &records, "a group key at two scales");
}
