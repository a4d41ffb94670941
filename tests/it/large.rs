//! Large campaigns of the shapes that once made `check` quadratic or overflowed the stack
//! (issue 14, item 12): long `and` / `or` chains, thousands of misspelt names each with a
//! "did you mean", large sets of texts, chains of per-item and top-level definitions, thousands
//! of facts, and sums alternating timestamps and durations. Each is checked (and some are
//! evaluated) at a size where the quadratic code took from seconds to minutes; the tests assert
//! only what is computed, never a time (timings are in docs/performance.md, "check on large
//! campaigns", from `bench/check-shapes.py`).

use campaign::check::check;
use campaign::diagnostics::{Code, SourceFile, render_plain};

fn head(facts: &str) -> String {
    format!("campaign \"large\" {{\n  timezone UTC\n  facts {{ {facts} }}\n")
}

fn errors(text: &str) -> Vec<campaign::diagnostics::Diagnostic> {
    check(text).diagnostics.into_iter().filter(|d| d.is_error()).collect()
}

#[test]
fn a_long_and_chain_checks_clean() {
    let terms: Vec<String> = (0..8_000).map(|i| format!("n > {i}")).collect();
    let text = format!(
        "{}  eligible when {{\n    {} \"r\"\n  }}\n}}\n",
        head("n: count"),
        terms.join(" and ")
    );
    assert!(errors(&text).is_empty());
}

#[test]
fn a_long_or_chain_checks_clean() {
    let terms: Vec<String> = (0..8_000).map(|i| format!("n = {i}")).collect();
    let text = format!(
        "{}  eligible when {{\n    {} \"r\"\n  }}\n}}\n",
        head("n: count"),
        terms.join(" or ")
    );
    assert!(errors(&text).is_empty());
}

/// 3,000 misspelt names among 3,000 declared ones: each gets its own suggestion, the one the
/// plain search over every name gives.
#[test]
fn thousands_of_misspelt_names_each_get_their_suggestion() {
    let n = 3_000;
    let declared: String = (0..n).map(|i| format!("  let amount_{i:05}_x = n\n")).collect();
    let uses: Vec<String> = (0..n).map(|i| format!("amount_{i:05}x")).collect();
    let text = format!(
        "{}{declared}  value total = {}\n}}\n",
        head("n: count"),
        uses.join(" + ")
    );
    let unknown: Vec<_> = errors(&text)
        .into_iter()
        .filter(|d| d.code == Code::UnknownName)
        .collect();
    assert_eq!(unknown.len(), n);
    for (i, d) in unknown.iter().enumerate() {
        let help = d.help.as_deref().unwrap_or_default();
        assert!(help.contains(&format!("`amount_{i:05}_x`")), "{i}: {help}");
    }
    // Rendering every one of them stays proportional to their number (a line index, not a
    // scan from the top per report); the report names the right line.
    let file = SourceFile::new("large.campaign", text.as_str());
    let last = render_plain(unknown.last().unwrap(), &file, 80);
    assert!(last.contains(&format!("large.campaign:{}:", n + 4)), "{last}");
}

#[test]
fn a_large_set_of_texts_checks_clean_and_finds_its_one_repeat() {
    let mut items: Vec<String> = (0..20_000).map(|i| format!("\"c{i}\"")).collect();
    let text = format!(
        "{}  eligible when {{\n    category in {{{}}} \"r\"\n  }}\n}}\n",
        head("category: text"),
        items.join(", ")
    );
    assert!(errors(&text).is_empty());
    items.push("\"c12345\"".into());
    let text = format!(
        "{}  eligible when {{\n    category in {{{}}} \"r\"\n  }}\n}}\n",
        head("category: text"),
        items.join(", ")
    );
    let codes: Vec<Code> = check(&text).diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::DuplicateSetItem]);
}

#[test]
fn a_chain_of_per_item_values_checks_clean() {
    let n = 5_000;
    let defs: String = (0..n).map(|i| format!("  let f{} of xs = f{i} + 1\n", i + 1)).collect();
    let text = format!(
        "{}{defs}  value total = sum of xs.f{n}\n}}\n",
        head("xs: list of { f0: count }")
    );
    assert!(errors(&text).is_empty());
}

#[test]
fn thousands_of_facts_each_used_once_check_clean() {
    let n = 10_000;
    let facts: Vec<String> = (0..n).map(|i| format!("fact_{i}: count")).collect();
    let uses: Vec<String> = (0..n).map(|i| format!("fact_{i}")).collect();
    let text = format!("{}  value total = {}\n}}\n", head(&facts.join(", ")), uses.join(" + "));
    assert!(errors(&text).is_empty());
}

/// `t - t + t - ... + t`: 20,001 terms alternating timestamps and durations, which once nested
/// one level per pair and overflowed the stack in `evaluate`. Checked and evaluated: the
/// result is `t`.
#[test]
fn a_long_chain_of_timestamps_and_durations_is_checked_and_evaluated() {
    let terms: Vec<&str> = (0..20_001)
        .map(|i| {
            if i == 0 {
                "t"
            } else if i % 2 == 1 {
                "- t"
            } else {
                "+ t"
            }
        })
        .collect();
    let text = format!("{}  value v = {}\n}}\n", head("t: timestamp"), terms.join(" "));
    assert!(errors(&text).is_empty());
    let dir = crate::harness::TempDir::new("large", "timechain");
    let policy = dir.path().join("chain.campaign");
    std::fs::write(&policy, &text).unwrap();
    let facts = dir.path().join("facts.ndjson");
    std::fs::write(&facts, "{\"id\":\"a\",\"t\":\"2024-08-22T10:00:00Z\"}\n").unwrap();
    let run = crate::harness::campaign(&["evaluate", policy.to_str().unwrap(), "--facts", facts.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"v\":\"2024-08-22T10:00:00+00:00\""),
        "{}",
        run.stdout
    );
}

/// A value written `2 × 30 days` (a number times a duration) keeps its operands in the order
/// written and evaluates as `30 days × 2`.
#[test]
fn a_number_times_a_duration_evaluates_as_the_duration_times_the_number() {
    let text = format!(
        "{}  value due = t + 2 × duration_of + 1 days\n}}\n",
        head("t: timestamp, duration_of: duration")
    );
    assert!(errors(&text).is_empty(), "{:?}", errors(&text));
    let dir = crate::harness::TempDir::new("large", "durmul");
    let policy = dir.path().join("due.campaign");
    std::fs::write(&policy, &text).unwrap();
    let facts = dir.path().join("facts.ndjson");
    std::fs::write(
        &facts,
        "{\"id\":\"a\",\"t\":\"2024-08-01T00:00:00Z\",\"duration_of\":86400}\n",
    )
    .unwrap();
    let run = crate::harness::campaign(&["evaluate", policy.to_str().unwrap(), "--facts", facts.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"due\":\"2024-08-04T00:00:00+00:00\""),
        "{}",
        run.stdout
    );
}

/// A campaign saved with a UTF-8 byte order mark is read as without it; `fmt` writes it
/// without the mark.
#[test]
fn a_byte_order_mark_is_accepted_and_fmt_leaves_it_out() {
    let text = format!("\u{FEFF}{}  value v = n\n}}\n", head("n: count"));
    assert!(errors(&text).is_empty());
    let dir = crate::harness::TempDir::new("large", "bom");
    let file = dir.path().join("bom.campaign");
    std::fs::write(&file, &text).unwrap();
    let run = crate::harness::campaign(&["fmt", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert!(formatted.starts_with("campaign \"large\""), "{formatted:?}");
    assert_eq!(crate::harness::campaign(&["check", file.to_str().unwrap()]).code, 0);
}
