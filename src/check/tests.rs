//! The name table the checker fills, and the fixes of the checker's messages.

#![expect(clippy::unwrap_used, clippy::panic, reason = "a test stops at its first surprise")]

use std::collections::BTreeSet;

use super::check;
use super::names::{NameTable, Symbol, SymbolKind};
use crate::diagnostics::{Code, Diagnostic, Span};

const CAMPAIGN: &str = r#"campaign "names" {
  timezone Asia/Shanghai
  unit points
  parameter bonus: money CNY = 10 CNY
  window spring = 2024-03-01 through 2024-05-31
  periods settlement = months 2024-03 through 2024-05

  facts {
    score: decimal, optional
    joined_at: timestamp
    sales: list of {
      gmv: money CNY
      paid_at: timestamp
    },
  }

  let big of sales = gmv ≥ 100 CNY
  let total = sum of sales.gmv where big
  let monthly per month in settlement = sum of sales.gmv where paid_at in month
  value shown = sum of monthly

  eligible when {
    joined_at in spring  "joined in spring"
    score ≥ 60 if unknown false  "a good score"
    total ≥ bonus  "enough sales"
  }

  reward cash = total × 1%, rounded down
  reward extra = 10 points
}
"#;

/// The offset of the `nth` occurrence of `needle` in `text`, plus `within` bytes.
fn offset(text: &str, needle: &str, nth: usize, within: usize) -> usize {
    text.match_indices(needle).nth(nth).unwrap().0 + within
}

fn symbol<'t>(table: &'t NameTable, name: &str, kind: SymbolKind) -> &'t Symbol {
    table
        .symbols()
        .iter()
        .find(|s| s.name == name && s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} `{name}`"))
}

fn text_of(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

#[test]
fn a_use_finds_its_declaration() {
    let checked = check(CAMPAIGN);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let table = &checked.names;
    let at = |needle: &str, nth: usize, within: usize| {
        let (symbol, span) = table.at(offset(CAMPAIGN, needle, nth, within)).unwrap();
        (
            symbol.name.as_str(),
            symbol.kind,
            symbol.scope.as_deref(),
            text_of(CAMPAIGN, span),
        )
    };
    // A fact, a value, a window and a parameter, each where it is used.
    assert_eq!(at("score ≥", 0, 2), ("score", SymbolKind::Fact, None, "score"));
    assert_eq!(at("total ≥ bonus", 0, 0), ("total", SymbolKind::Value, None, "total"));
    assert_eq!(at("in spring", 0, 5), ("spring", SymbolKind::Window, None, "spring"));
    assert_eq!(at("≥ bonus", 0, 6), ("bonus", SymbolKind::Parameter, None, "bonus"));
    // `sales.gmv`: the list, then its field.
    assert_eq!(at("sales.gmv", 0, 1), ("sales", SymbolKind::Fact, None, "sales"));
    assert_eq!(
        at("sales.gmv", 0, 7),
        ("gmv", SymbolKind::ListField, Some("sales"), "gmv")
    );
    // A list field used bare inside a per-item value and inside a filter.
    assert_eq!(
        at("= gmv ≥", 0, 3),
        ("gmv", SymbolKind::ListField, Some("sales"), "gmv")
    );
    assert_eq!(
        at("paid_at in month", 0, 0),
        ("paid_at", SymbolKind::ListField, Some("sales"), "paid_at")
    );
    // A per-item value used in a filter, and the list of its `of`.
    assert_eq!(
        at("where big", 0, 7),
        ("big", SymbolKind::ItemField, Some("sales"), "big")
    );
    assert_eq!(at("of sales =", 0, 3), ("sales", SymbolKind::Fact, None, "sales"));
    // A period range in `per month in`, a per-period value, a unit after a number.
    assert_eq!(
        at("in settlement", 0, 3),
        ("settlement", SymbolKind::Periods, None, "settlement")
    );
    assert_eq!(at("of monthly", 0, 3), ("monthly", SymbolKind::Value, None, "monthly"));
    assert_eq!(at("10 points", 0, 3), ("points", SymbolKind::Unit, None, "points"));
    // A declaration finds itself; keywords and the period's variable find nothing.
    assert_eq!(at("score: decimal", 0, 1), ("score", SymbolKind::Fact, None, "score"));
    assert_eq!(at("reward cash", 0, 8), ("cash", SymbolKind::Reward, None, "cash"));
    assert!(table.at(offset(CAMPAIGN, "eligible", 0, 1)).is_none());
    assert!(table.at(offset(CAMPAIGN, "in month", 0, 4)).is_none());
}

#[test]
fn declarations_span_the_whole_item_and_say_their_type() {
    let checked = check(CAMPAIGN);
    let table = &checked.names;
    let declared = |name: &str, kind: SymbolKind| {
        let s = symbol(table, name, kind);
        (text_of(CAMPAIGN, s.declaration), s.detail.as_deref())
    };
    assert_eq!(
        declared("bonus", SymbolKind::Parameter),
        ("parameter bonus: money CNY = 10 CNY", Some("money CNY"))
    );
    assert_eq!(
        declared("spring", SymbolKind::Window),
        ("window spring = 2024-03-01 through 2024-05-31", Some("window"))
    );
    assert_eq!(
        declared("settlement", SymbolKind::Periods),
        ("periods settlement = months 2024-03 through 2024-05", Some("3 months"))
    );
    assert_eq!(
        declared("points", SymbolKind::Unit),
        ("unit points", Some("precision 1"))
    );
    assert_eq!(
        declared("score", SymbolKind::Fact),
        ("score: decimal, optional", Some("decimal, optional"))
    );
    assert_eq!(
        declared("gmv", SymbolKind::ListField),
        ("gmv: money CNY", Some("money CNY"))
    );
    let (sales, detail) = declared("sales", SymbolKind::Fact);
    assert!(sales.starts_with("sales: list of {") && sales.ends_with('}'), "{sales}");
    assert_eq!(detail, Some("list of { gmv, paid_at }"));
    assert_eq!(
        declared("big", SymbolKind::ItemField),
        ("let big of sales = gmv ≥ 100 CNY", Some("bool"))
    );
    assert_eq!(declared("total", SymbolKind::Value).1, Some("money CNY"));
    assert_eq!(
        declared("monthly", SymbolKind::Value).1,
        Some("money CNY per period of settlement")
    );
    assert_eq!(declared("cash", SymbolKind::Reward).1, Some("money CNY"));
    assert_eq!(declared("extra", SymbolKind::Reward).1, Some("quantity points"));
}

/// The spans of the words of a campaign's text outside comments and quoted texts.
fn words(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for segment in crate::syntax::scan::campaign(text) {
        for (i, c) in segment.char_indices(text) {
            let word_char = segment.is_code() && (c.is_alphanumeric() || c == '_');
            match start {
                Some(s) if !word_char => {
                    out.push(Span::new(s, i));
                    start = None;
                }
                None if word_char => start = Some(i),
                _ => {}
            }
        }
    }
    out
}

/// Every word of the file that is a declared name is that name's declaration or a recorded use.
fn assert_uses_complete(text: &str, name: &str) -> usize {
    let checked = check(text);
    assert!(!checked.has_errors(), "{name}: {:?}", checked.diagnostics);
    let table = &checked.names;
    let declared: BTreeSet<&str> = table.symbols().iter().map(|s| s.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    for s in table.symbols() {
        assert!(
            seen.insert((s.name_span.start, s.name_span.end)),
            "{name}: `{}` twice",
            s.name
        );
        for r in &s.references {
            assert_eq!(text_of(text, *r), s.name, "{name}: a use of `{}`", s.name);
            assert!(seen.insert((r.start, r.end)), "{name}: {r:?} is a use of two names");
        }
    }
    for w in words(text) {
        let word = text_of(text, w);
        // Keywords that can also be names: `is waitlisted`, `at most`, `days 2024-06-01 through`,
        // `30 days`.
        let (before, after) = (&text[..w.start], &text[w.end..]);
        let digit = |s: Option<char>| s.is_some_and(|c| c.is_ascii_digit());
        let period_word = ["days", "weeks", "months"].contains(&word)
            && (digit(after.strip_prefix(' ').and_then(|s| s.chars().next()))
                || digit(before.strip_suffix(' ').and_then(|s| s.chars().next_back())));
        let keyword =
            before.ends_with("is ") || after.starts_with(" most") || after.starts_with(" least") || period_word;
        if declared.contains(word) && !keyword && !seen.contains(&(w.start, w.end)) {
            let line = text[..w.start].lines().count();
            panic!("{name}: `{word}` on line {line} is not recorded");
        }
    }
    table.symbols().iter().map(|s| s.references.len()).sum()
}

#[test]
fn every_use_of_a_name_in_the_seed_policies_is_recorded() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain(
            std::fs::read_dir(root.join("examples"))
                .unwrap()
                .map(|e| e.unwrap().path()),
        )
        .filter(|p| p.extension().is_some_and(|e| e == "campaign"))
        .collect();
    files.sort();
    assert!(files.len() > 5);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_uses_complete(&text, &path.display().to_string());
    }
    let seed = std::fs::read_to_string(root.join("kuaishou-provider-gmv-2022.campaign")).unwrap();
    // 4 top-level facts used once each, `mini_programs` twice (`of` and `sum of`), 6 of its
    // fields, `orders` and its 3 fields once each, `settlement` and `monthly_gmv` twice,
    // `qualifying` once.
    assert_eq!(assert_uses_complete(&seed, "seed 000"), 21);
    assert_eq!(assert_uses_complete(CAMPAIGN, "names"), 17);
}

#[test]
fn a_campaign_with_errors_has_its_names_as_far_as_checking_got() {
    let text = "campaign \"x\" {\n  facts {\n    score: decimal\n  }\n  let a = score + scroe\n  let b = a\n}\n";
    let checked = check(text);
    assert!(checked.has_errors());
    let table = &checked.names;
    let score = symbol(table, "score", SymbolKind::Fact);
    assert_eq!(score.references.len(), 1);
    assert_eq!(symbol(table, "a", SymbolKind::Value).references.len(), 1);
    assert_eq!(symbol(table, "a", SymbolKind::Value).detail, None);
    assert!(check("campaign \"x\" {\n  facts {\n").names.symbols().is_empty());
}

/// Checks `text`, and for each diagnostic of `code`: it has a fix that writes `replacement`,
/// and applying it makes the diagnostic go away.
fn assert_fixed(text: &str, code: Code, replacement: &str) {
    let checked = check(text);
    let with_fix: Vec<&Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == code && !d.fixes.is_empty())
        .collect();
    assert!(!with_fix.is_empty(), "no fix for {code}: {:?}", checked.diagnostics);
    for d in with_fix {
        let mut after = text.to_string();
        for f in d.fixes.iter().rev() {
            after.replace_range(f.span.start..f.span.end, &f.replacement);
        }
        assert!(d.fixes.iter().any(|f| f.replacement == replacement), "{:?}", d.fixes);
        let left: Vec<Diagnostic> = check(&after)
            .diagnostics
            .into_iter()
            .filter(|e| e.code == code && e.message == d.message)
            .collect();
        assert!(left.is_empty(), "after {:?}:\n{after}\nleft {left:?}", d.fixes);
    }
}

fn campaign(body: &str) -> String {
    format!("campaign \"x\" {{\n  timezone Asia/Shanghai\n{body}}}\n")
}

#[test]
fn fixes_write_what_the_help_says() {
    let facts = "  facts {\n    gmv: money CNY\n    level: one of \"a\", \"b\", \"a\"\n    sales: list of {\n      amount: money CNY\n    }\n  }\n";
    // A built-in unit declared: the line goes.
    assert_fixed(
        &campaign(&format!("  unit CNY\n{facts}")),
        Code::DuplicateDefinition,
        "",
    );
    // A repeated choice goes with its comma.
    assert_fixed(&campaign(facts), Code::DuplicateDefinition, "");
    // A bare number as a cap takes the amount's unit.
    let cap = format!("{facts}  reward cash = gmv × 1%, rounded down, at most 50\n");
    assert_fixed(&campaign(&cap), Code::BareNumber, "50 CNY");
    // Misspelt period range, list, currency alias.
    let periods = format!(
        "  periods settlement = months 2024-01 through 2024-03\n{facts}  value m per month in setlement = gmv\n"
    );
    assert_fixed(&campaign(&periods), Code::UnknownName, "settlement");
    let list = format!("{facts}  let big of salse = amount > 1 CNY\n  value n = count of sales where big\n");
    assert_fixed(&campaign(&list), Code::UnknownName, "sales");
    assert_fixed(
        &campaign("  facts {\n    gmv: money rmb\n  }\n  value g = gmv\n"),
        Code::UnknownUnit,
        "CNY",
    );
    // `value` that cannot be shown: write `let`.
    let window = format!("{facts}  value w = {{\"a\", \"b\"}}\n");
    let shown = check(&campaign(&window));
    assert!(shown.diagnostics.iter().any(|d| d.message.contains("cannot be shown")));
    assert_fixed(&campaign(&window), Code::TypeMismatch, "let");
    // A per-period `value` is shown per period (`by_period`): nothing to fix.
    let per_period = check(&campaign(&periods.replace("setlement", "settlement")));
    assert!(
        per_period.diagnostics.iter().all(|d| d.code != Code::InvalidScope),
        "{:?}",
        per_period.diagnostics
    );
}

// ---- daylight saving (the policy is `crate::time`'s)

/// Whether each record (NDJSON lines) is eligible under `text`.
fn eligible(text: &str, facts: &str) -> Vec<bool> {
    let checked = check(text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let program = checked.program.unwrap();
    let evaluator = crate::eval::Evaluator::new(&program);
    let records = crate::facts::read_records(&program.schema, crate::facts::Format::Ndjson, facts.as_bytes()).unwrap();
    records
        .map(|r| evaluator.evaluate(&r.unwrap().record).unwrap().eligible)
        .collect()
}

/// Santiago skips midnight on 2024-09-08 (00:00 -04 becomes 01:00 -03). Before `crate::time`
/// this range was refused (`a period starts at a midnight that the time zone skips`); a day
/// now starts when its midnight would have, as `start_of_day` does.
#[test]
fn a_period_over_a_skipped_midnight_starts_after_the_gap() {
    let text = r#"campaign "c" {
  timezone America/Santiago
  periods launch = days 2024-09-07 through 2024-09-08
  facts { t: timestamp }
}"#;
    let checked = check(text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let program = checked.program.unwrap();
    let days: Vec<_> = program
        .periods
        .first()
        .unwrap()
        .periods
        .iter()
        .map(|p| (p.key.as_str(), p.window.start.to_rfc3339(), p.window.end.to_rfc3339()))
        .collect();
    assert_eq!(
        days,
        [
            (
                "2024-09-07",
                "2024-09-07T04:00:00+00:00".into(),
                "2024-09-08T04:00:00+00:00".into()
            ),
            (
                "2024-09-08",
                "2024-09-08T04:00:00+00:00".into(),
                "2024-09-09T03:00:00+00:00".into()
            ),
        ]
    );
}

/// `through 2024-09-07` ends where 2024-09-08 starts, after the skipped midnight. Before
/// `crate::time` the checker found no end, and the condition silently disappeared.
#[test]
fn through_the_day_before_a_skipped_midnight_ends_after_the_gap() {
    let text = r#"campaign "c" {
  timezone America/Santiago
  window w = 2024-09-01 through 2024-09-07
  facts { t: timestamp }
  eligible when { t in w  "in the window" }
}"#;
    let facts = r#"{"id": "last", "t": "2024-09-07T23:59:59-04:00"}
{"id": "next", "t": "2024-09-08T01:00:00-03:00"}
"#;
    assert_eq!(eligible(text, facts), [true, false]);
}

/// A campaign with `facts` and `body`, checked: the codes it gives, and the text under each
/// `check::bare_multiplier`.
fn bare_multipliers(body: &str) -> Vec<String> {
    let text = format!(
        "campaign \"m\" {{\n  timezone Asia/Shanghai\n  unit points\n  facts {{ gmv: money CNY, n: count, vip: bool, items: list of {{ amount: money CNY }} }}\n{body}\n}}\n"
    );
    check(&text)
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::BareMultiplier)
        .map(|d| text_of(&text, d.span()).to_string())
        .collect()
}

#[test]
fn every_way_a_written_number_reaches_an_amount_is_a_bare_multiplier() {
    let cases: [(&str, &[&str]); 14] = [
        ("  reward r = gmv × 5, rounded down", &["5"]),
        ("  reward r = 5 × gmv, rounded down", &["5"]),
        ("  reward r = gmv × (5), rounded down", &["5"]),
        ("  reward r = gmv × -5, rounded down", &["5"]),
        ("  reward r = gmv × (2 + 3), rounded down", &["2 + 3"]),
        ("  let k = 3\n  reward r = gmv × k, rounded down", &["3"]),
        ("  let k = max(n, 3)\n  reward r = gmv × k, rounded down", &["3"]),
        (
            "  let k = n ÷ n if unknown 1\n  reward r = gmv × k, rounded down",
            &["1"],
        ),
        (
            "  let k = lookup vip { true -> 2, false -> 1 }\n  reward r = gmv × k, rounded down",
            &["2", "1"],
        ),
        (
            "  let k = band of n { 0 .. 10 -> 1, 10 .. -> 2 }\n  reward r = gmv × k, rounded down",
            &["1", "2"],
        ),
        (
            "  parameter k: decimal = 1.5\n  reward r = gmv × k, rounded down",
            &["1.5"],
        ),
        (
            "  let k of items = 2\n  let t of items = amount × k\n  value s = sum of items.t",
            &["2"],
        ),
        ("  reward r = marginal of gmv { 0 CNY .. -> 5 }, rounded down", &["5"]),
        ("  reward r = gmv × 2 as points, rounded down", &["2"]),
    ];
    for (body, under) in cases {
        assert_eq!(bare_multipliers(body), under, "{body}");
    }
}

#[test]
fn multipliers_said_explicitly_and_numbers_from_facts_are_not_bare_multipliers() {
    let cases = [
        "  reward r = gmv × 5%, rounded down",
        "  reward r = gmv × 2 times, rounded down",
        "  reward r = gmv × 1.5 倍, rounded down",
        "  reward r = gmv × (band of n { 0 .. 10 -> 1 times, 10 .. -> 2 times }), rounded down",
        "  reward r = n × 100 CNY",
        "  reward r = 2 × 100 CNY",
        "  parameter packs: count = 2\n  reward r = packs × 100 CNY",
        "  reward r = gmv ÷ 12, rounded down",
        "  reward r = gmv × 0, rounded down",
        "  reward r = gmv × (n ÷ 4) if unknown 0 CNY, rounded down",
        "  reward r = marginal of gmv { 0 CNY .. -> 2 times }, rounded down",
        "  value score = n × 2",
    ];
    for body in cases {
        assert_eq!(bare_multipliers(body), Vec::<String>::new(), "{body}");
    }
}

#[test]
fn a_lookup_with_a_row_for_every_yes_no_and_choice_combination_is_never_unknown() {
    let text = |rows: &str| {
        format!(
            "campaign \"m\" {{\n  timezone Asia/Shanghai\n  facts {{ gmv: money CNY, vip: bool, tier: one of \"a\", \"b\" }}\n  let rate = lookup (vip, tier) {{\n{rows}\n  }}\n  reward r = gmv × rate, rounded down\n}}\n"
        )
    };
    let every = "    (true, \"a\") -> 1%\n    (true, \"b\") -> 2%\n    (false, \"a\") -> 3%\n    (false, \"b\") -> 4%";
    let checked = check(&text(every));
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let missing = "    (true, \"a\") -> 1%\n    (true, \"b\") -> 2%\n    (false, \"a\") -> 3%";
    let codes: Vec<Code> = check(&text(missing)).diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnknownNotHandled]);
}

/// A name used only by an item with an error is not reported as never used: checking an
/// item stops at its first error, before it looks some names up (the arguments of a function,
/// the rows of a lookup), and the error is the thing to fix first. The error may be in any
/// part of the item (its definition or a modifier); a name nobody uses is still reported.
#[test]
fn names_used_in_items_with_errors_are_not_called_unused() {
    let text = r#"campaign "errors" {
  timezone UTC
  facts { n: count }
  let in_function = n
  let in_lookup = n
  let in_modifier = n
  let nobody = n
  value a = max(misspelt_a, in_function)
  value b = lookup misspelt_b { 1 -> in_lookup, 2 -> 3 }
  value c = n, at most max(misspelt_c, in_modifier)
}"#;
    let checked = check(text);
    let unused: BTreeSet<&str> = (checked.diagnostics.iter())
        .filter(|d| d.code == Code::UnusedDefinition)
        .map(|d| text_of(text, d.span()))
        .collect();
    assert_eq!(unused, BTreeSet::from(["nobody"]));
    assert_eq!(checked.diagnostics.iter().filter(|d| d.is_error()).count(), 3);
}

/// A pool function naming no reward says what the function takes, not what `is waitlisted`
/// follows (the message it shared before).
#[test]
fn a_pool_function_of_no_reward_says_what_it_takes() {
    let text = r#"campaign "pools" {
  timezone UTC
  facts { n: count }
  value claims = pool_claims(nothing)
}"#;
    let checked = check(text);
    let d = (checked.diagnostics.iter())
        .find(|d| d.code == Code::UnknownName)
        .unwrap();
    assert_eq!(
        d.help.as_deref(),
        Some("`pool_claims` takes the name of a reward with a budget")
    );
}
