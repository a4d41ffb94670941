//! `campaign fmt`: the canonical layout, comments kept, meaning unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failed assertion is a failed test"
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use campaign::fmt::{extract_comments, format, print, same_meaning};
use campaign::syntax::ast::*;
use campaign::syntax::parse;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;

const POLICIES: [&str; 6] = [
    "channels-alliance-admission-2024",
    "channels-brand-coldstart-2023",
    "channels-edu-back-to-school-2024",
    "douyin-trade-miniprogram-2023",
    "kuaishou-provider-gmv-2022",
    "kuaishou-provider-industry-2022",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_campaign"))
}

/// A fresh folder under the target directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fmt").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fmt(text: &str) -> String {
    match format(text) {
        Ok(t) => t,
        Err(d) => panic!("format failed: {} ({:?})\n{text}", d.message, d.help),
    }
}

/// Formats `$input`, asserts the result is exactly `$expected`, and that
/// formatting the result again changes nothing. Both strings start with a
/// line break, which is dropped.
macro_rules! assert_format {
    ($input:expr, $expected:expr $(,)?) => {{
        let input = $input.strip_prefix('\n').unwrap_or($input);
        let expected = $expected.strip_prefix('\n').unwrap_or($expected);
        let once = fmt(input);
        pretty_assert(&once, expected);
        let twice = fmt(&once);
        pretty_assert(&twice, &once);
    }};
}

fn pretty_assert(got: &str, want: &str) {
    if got != want {
        panic!("formatted text differs\n--- got ---\n{got}--- want ---\n{want}--- end ---");
    }
}

// ------------------------------------------------------------------ fixed points

#[test]
fn operators_and_indentation() {
    assert_format!(
        r##"
campaign "ops" {
timezone   Asia/Shanghai
    facts {
        score: decimal , optional
     n:count,
        }
value a = n*2/3>=1
  let b=score<=4.2 if unknown false
      let c = n != 0 and (n >= 1 or n <= 2)
}
"##,
        r##"
campaign "ops" {
  timezone Asia/Shanghai
  facts {
    score: decimal, optional
    n: count
  }
  value a = n × 2 ÷ 3 ≥ 1
  let b = score ≤ 4.2 if unknown false
  let c = n ≠ 0 and (n ≥ 1 or n ≤ 2)
}
"##
    );
}

#[test]
fn blank_lines_collapse_and_are_kept_where_written() {
    assert_format!(
        r##"
campaign "blank" {


  timezone Asia/Shanghai
  source "s"
  unit points



  facts {

    a: count

    b: count


  }
  value x = a
  value y = b

}
"##,
        r##"
campaign "blank" {
  timezone Asia/Shanghai
  source "s"
  unit points

  facts {
    a: count

    b: count
  }
  value x = a
  value y = b
}
"##
    );
}

#[test]
fn comments_around_items_and_at_the_ends_of_the_file() {
    assert_format!(
        r##"
# File header.
#   indented detail kept verbatim

# A second paragraph.
campaign "comments" {  # the name
  # about the zone
timezone Asia/Shanghai   # always Shanghai
      # about the facts
  facts {
    a: count  # how many
  }
    # a value
  value v = a + 1  # plus one
  # before the closing brace
}
# after the end
# last words
"##,
        r##"
# File header.
#   indented detail kept verbatim

# A second paragraph.
campaign "comments" {  # the name
  # about the zone
  timezone Asia/Shanghai  # always Shanghai
  # about the facts
  facts {
    a: count  # how many
  }
  # a value
  value v = a + 1  # plus one
  # before the closing brace
}
# after the end
# last words
"##
    );
}

#[test]
fn comments_inside_facts_and_lists() {
    assert_format!(
        r##"
campaign "facts" {
  timezone Asia/Shanghai
  facts {  # the schema
    # leading field comment
    id: text
    items: list of {  # per item
      # first
      price: money CNY  # in yuan
      qty: count, optional
      # end of the list
    }, optional  # the list may be missing
    kind: one of "a",
       "b"
    # end of facts
  }
}
"##,
        r##"
campaign "facts" {
  timezone Asia/Shanghai
  facts {  # the schema
    # leading field comment
    id: text
    items: list of {  # per item
      # first
      price: money CNY  # in yuan
      qty: count, optional
      # end of the list
    }, optional  # the list may be missing
    kind: one of "a", "b"
    # end of facts
  }
}
"##
    );
}

#[test]
fn conditions_align_reasons_and_keep_comments_between_them() {
    assert_format!(
        r##"
campaign "conds" {
  timezone Asia/Shanghai
  facts { score: decimal, optional
  status: one of "normal", "closed"
  name: text }
  eligible when {
    # first rule
    status = "normal" "must be normal"   # trailing
      score >= 4.2 if unknown false "score"
    # between rules

    name = "一个很长的中文名字用来测试宽度计算是否正确处理了全角字符" "long condition, reason after two spaces"
    not (status = "closed")    "not closed"
    # before the end
  }
}
"##,
        r##"
campaign "conds" {
  timezone Asia/Shanghai
  facts {
    score: decimal, optional
    status: one of "normal", "closed"
    name: text
  }
  eligible when {
    # first rule
    status = "normal"             "must be normal"  # trailing
    score ≥ 4.2 if unknown false  "score"
    # between rules

    name = "一个很长的中文名字用来测试宽度计算是否正确处理了全角字符"  "long condition, reason after two spaces"
    not (status = "closed")       "not closed"
    # before the end
  }
}
"##
    );
}

#[test]
fn tier_tables_one_band_a_line_with_their_comments() {
    assert_format!(
        r##"
campaign "tiers" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY }
  value rate = band of gmv {   # by band
    # lowest band
    .. 10000 CNY -> 0%,   # nothing below 10k
    10000 CNY .. 50000 CNY → 1%
    # middle

    50000 CNY through 100000 CNY -> 2%
    100000 CNY .. -> 3%  # top
    # after the last band
  }
  reward bonus = marginal of gmv { 0 CNY .. 10000 CNY -> 1%, 10000 CNY .. -> 2% } as points, rounded down
}
"##,
        r##"
campaign "tiers" {
  timezone Asia/Shanghai
  unit points
  facts {
    gmv: money CNY
  }
  value rate = band of gmv {  # by band
    # lowest band
    .. 10000 CNY -> 0%  # nothing below 10k
    10000 CNY .. 50000 CNY -> 1%
    # middle

    50000 CNY through 100000 CNY -> 2%
    100000 CNY .. -> 3%  # top
    # after the last band
  }
  reward bonus = marginal of gmv {
    0 CNY .. 10000 CNY -> 1%
    10000 CNY .. -> 2%
  } as points, rounded down
}
"##
    );
}

#[test]
fn lookup_tables_one_row_a_line() {
    assert_format!(
        r##"
campaign "lookup" {
  timezone Asia/Shanghai
  facts { category: text
    tier: text }
  value rate = lookup category {  # by category
    "文娱" -> 2%,
    # tools pay more
    "工具" → 3%
    otherwise -> 0%   # everything else
  }
  value bonus = lookup (category, tier) { ("文娱", "gold") -> 10000 CNY, ("文娱", "silver") -> 5000 CNY, otherwise -> 0 CNY }
}
"##,
        r##"
campaign "lookup" {
  timezone Asia/Shanghai
  facts {
    category: text
    tier: text
  }
  value rate = lookup category {  # by category
    "文娱" -> 2%
    # tools pay more
    "工具" -> 3%
    otherwise -> 0%  # everything else
  }
  value bonus = lookup (category, tier) {
    ("文娱", "gold") -> 10000 CNY,
    ("文娱", "silver") -> 5000 CNY
    otherwise -> 0 CNY
  }
}
"##
    );
}

#[test]
fn rankings_payouts_and_expiry() {
    assert_format!(
        r##"
campaign "rank" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY
    applied_at: timestamp
    industry: text }
  value place = rank by gmv descending,then by applied_at ascending within industry
  reward bonus = 100 points, paid 90% on 2024-10-01 and 10% on 2025-01-31, expires 2024-12-31 24:00
  reward bonus_points = 100 points, paid 90% on 2024-10-01 and 10% on 2025-01-31, expires 2024-12-31 24:00
}
"##,
        r##"
campaign "rank" {
  timezone Asia/Shanghai
  unit points
  facts {
    gmv: money CNY
    applied_at: timestamp
    industry: text
  }
  value place = rank by gmv descending, then by applied_at ascending within industry
  reward bonus = 100 points, paid 90% on 2024-10-01 and 10% on 2025-01-31, expires 2024-12-31 24:00
  reward bonus_points = 100 points,
    paid 90% on 2024-10-01 and 10% on 2025-01-31,
    expires 2024-12-31 24:00
}
"##
    );
}

#[test]
fn long_definitions_break_before_where_and_each_and() {
    assert_format!(
        r##"
campaign "long" {
  timezone Asia/Shanghai
  facts {
    sales: list of { at: timestamp, category: text, gmv: money CNY, refunded: bool }
    first_at: timestamp, optional
    entered_at: timestamp, optional
  }
  window activity = 2024-08-22 10:00 .. 2024-08-31 24:00
  value counted = sum of sales.gmv where at in activity and category = "教育培训" and not refunded and gmv > 0 CNY
  let ok = first_at in entered_at through entered_at + 30 days if unknown false and entered_at is known and first_at is known
  let soon = first_at in entered_at through entered_at + 30 days + 1 days + 1 days + 1 days + 1 days if unknown false
  let short = sum of sales.gmv
     where at in activity
       and not refunded
}
"##,
        r##"
campaign "long" {
  timezone Asia/Shanghai
  facts {
    sales: list of {
      at: timestamp
      category: text
      gmv: money CNY
      refunded: bool
    }
    first_at: timestamp, optional
    entered_at: timestamp, optional
  }
  window activity = 2024-08-22 10:00 .. 2024-08-31 24:00
  value counted = sum of sales.gmv
    where at in activity
      and category = "教育培训"
      and not refunded
      and gmv > 0 CNY
  let ok = first_at in entered_at through entered_at + 30 days if unknown false
    and entered_at is known
    and first_at is known
  let soon = first_at in entered_at through entered_at + 30 days + 1 days + 1 days + 1 days + 1 days
    if unknown false
  let short = sum of sales.gmv where at in activity and not refunded
}
"##
    );
}

#[test]
fn modifiers_stay_on_the_line_unless_it_is_too_long() {
    assert_format!(
        r##"
campaign "mods" {
  timezone Asia/Shanghai
  unit packs
  unit points
  parameter monthly_packs: count = 50
  facts { applied_at: timestamp
    gmv: money CNY }
  reward packs = 1 packs, budget monthly_packs per month of applied_at, first come first served by applied_at ascending
  reward late = 1 packs,budget monthly_packs per week of applied_at,first come first served by applied_at descending
  reward points = gmv × 0.9% as points,
      rounded down,
      at most 600_000 points
  reward capped = gmv × 0.9% as points, rounded half up to 1, at most 600000 points, at least 0 points
}
"##,
        r##"
campaign "mods" {
  timezone Asia/Shanghai
  unit packs
  unit points
  parameter monthly_packs: count = 50
  facts {
    applied_at: timestamp
    gmv: money CNY
  }
  reward packs = 1 packs,
    budget monthly_packs per month of applied_at, first come first served by applied_at ascending
  reward late = 1 packs,
    budget monthly_packs per week of applied_at, first come first served by applied_at descending
  reward points = gmv × 0.9% as points, rounded down, at most 600_000 points
  reward capped = gmv × 0.9% as points,
    rounded half up to 1,
    at most 600000 points,
    at least 0 points
}
"##
    );
}

#[test]
fn literals_are_kept_as_written() {
    assert_format!(
        r##"
campaign "literals" {
  timezone Asia/Shanghai
  note "line one\nline two \"quoted\" back\\slash # hash"  # a real comment
  unit credits, precision 0.010
  window w = 2024-08-16T15:00 .. 2024-08-28 24:00 +08:00
  periods months_range = months 2022-1 through 2023-06
  facts { gmv: money CNY }
  value big = 600_000 + 4.20 + 1_000.50
  value share = gmv × 0.90%
  value q = 10000   CNY
  value s = {"a",  "b" ,"c",}
}
"##,
        r##"
campaign "literals" {
  timezone Asia/Shanghai
  note "line one\nline two \"quoted\" back\\slash # hash"  # a real comment
  unit credits, precision 0.010
  window w = 2024-08-16T15:00 .. 2024-08-28 24:00 +08:00
  periods months_range = months 2022-1 through 2023-06
  facts {
    gmv: money CNY
  }
  value big = 600_000 + 4.20 + 1_000.50
  value share = gmv × 0.90%
  value q = 10000 CNY
  value s = {"a", "b", "c"}
}
"##
    );
}

#[test]
fn comments_inside_one_line_constructs_move_above_the_line() {
    assert_format!(
        r##"
campaign "flat" {
  timezone Asia/Shanghai
  facts { a: count
    b: count }
  # before the call
  value m = max(
    # inside the call
    a,   # first argument
    b    # second argument
  )
  value s = {"x",
     "y"}  # a set
  value t = a +  # plus
    b
}
"##,
        r##"
campaign "flat" {
  timezone Asia/Shanghai
  facts {
    a: count
    b: count
  }
  # before the call
  # inside the call
  # first argument
  value m = max(a, b)  # second argument
  value s = {"x", "y"}  # a set
  value t = a + b  # plus
}
"##
    );
}

#[test]
fn a_comment_before_a_continuation_keeps_the_definition_broken() {
    assert_format!(
        r##"
campaign "forced" {
  timezone Asia/Shanghai
  facts { a: bool
    b: bool
    c: bool
    n: count, optional }
  let all_of = a
    # b is required too
    and b and c
  let known_n = n > 1
    # unknown counts as no
    if unknown false
  value pts = n,
    # rounding keeps whole units
    rounded down
  eligible when {
    a
      # and b
      and b "a and b"
    c "c"
  }
}
"##,
        r##"
campaign "forced" {
  timezone Asia/Shanghai
  facts {
    a: bool
    b: bool
    c: bool
    n: count, optional
  }
  let all_of = a
    # b is required too
    and b
    and c
  let known_n = n > 1
    # unknown counts as no
    if unknown false
  value pts = n,
    # rounding keeps whole units
    rounded down
  eligible when {
    a
      # and b
      and b  "a and b"
    c  "c"
  }
}
"##
    );
}

#[test]
fn commas_stay_where_a_line_could_run_on_and_empty_blocks_close() {
    assert_format!(
        r##"
campaign "edge" {
  timezone Asia/Shanghai
  facts {
  }
  eligible when {
    true,
    -1 < 0,
    ("a" = "a"),
    "x" in {"x"},
    false
  }
  value t = band of 1 {
    .. 0 -> 1,
    0 .. -> -1,
    .. -> 2,
  }
  eligible when {}
}"##,
        r##"
campaign "edge" {
  timezone Asia/Shanghai
  facts {}
  eligible when {
    true,
    -1 < 0,
    ("a" = "a"),
    "x" in {"x"}
    false
  }
  value t = band of 1 {
    .. 0 -> 1
    0 .. -> -1,
    .. -> 2
  }
  eligible when {}
}
"##
    );
}

#[test]
fn strings_with_hashes_and_escaped_quotes_are_not_comments() {
    assert_format!(
        r##"
campaign "a \"#1\" campaign" {   # real
  timezone Asia/Shanghai
  facts { tag: text }
  eligible when {
    tag = "\"#\"" "the tag is \"#\" # not a comment" # comment "with quotes"
    tag != "\\" "backslash # also not"
  }
}
"##,
        r##"
campaign "a \"#1\" campaign" {  # real
  timezone Asia/Shanghai
  facts {
    tag: text
  }
  eligible when {
    tag = "\"#\""  "the tag is \"#\" # not a comment"  # comment "with quotes"
    tag ≠ "\\"     "backslash # also not"
  }
}
"##
    );
}

#[test]
fn joined_lines_keep_only_the_last_trailing_comment_at_the_end() {
    assert_format!(
        r##"
campaign "joined" {
  timezone Asia/Shanghai
  facts { a: count }

  # about v
  value v = a  # one
    + 1        # two
    + 2        # three
}
"##,
        r##"
campaign "joined" {
  timezone Asia/Shanghai
  facts {
    a: count
  }

  # about v
  # one
  # two
  value v = a + 1 + 2  # three
}
"##
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    let err = format("campaign \"x\" {\n  value = 1\n}\n").unwrap_err();
    assert_eq!(err.code, campaign::diagnostics::Code::Syntax);
}

// ------------------------------------------------------------------ the policies

#[test]
fn the_policies_are_formatted() {
    bin()
        .arg("fmt")
        .arg("--check")
        .arg(root().join("policies"))
        .assert()
        .success();
}

#[test]
fn formatting_the_policies_is_idempotent() {
    for name in POLICIES {
        let text = std::fs::read_to_string(root().join("policies").join(format!("{name}.campaign"))).unwrap();
        let once = fmt(&text);
        assert_eq!(fmt(&once), once, "{name}");
    }
}

/// The policy with its layout spoiled: no indentation, ASCII operators, and
/// continuation lines joined to the line they continue.
fn spoil(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let code = ascii_operators(line.trim_start());
        let continues = ["and ", "or ", "where ", "if unknown ", "budget "]
            .iter()
            .any(|w| code.starts_with(w));
        if continues {
            while out.ends_with('\n') {
                out.pop();
            }
            out.push(' ');
        }
        out.push_str(&code);
        out.push('\n');
    }
    out
}

/// `≥ ≤ ≠ × ÷` as `>= <= != * /`, outside quotes and comments.
fn ascii_operators(line: &str) -> String {
    let mut out = String::new();
    for segment in campaign::syntax::scan::campaign(line) {
        let written = segment.text(line);
        if !segment.is_code() {
            out.push_str(written);
            continue;
        }
        for c in written.chars() {
            match c {
                '≥' => out.push_str(">="),
                '≤' => out.push_str("<="),
                '≠' => out.push_str("!="),
                '×' => out.push('*'),
                '÷' => out.push('/'),
                c => out.push(c),
            }
        }
    }
    out
}

#[test]
fn spoiled_policies_format_back_to_the_policies() {
    for name in POLICIES {
        let text = std::fs::read_to_string(root().join("policies").join(format!("{name}.campaign"))).unwrap();
        let spoiled = spoil(&text);
        assert_ne!(spoiled, text, "{name}: nothing was spoiled");
        pretty_assert(&fmt(&spoiled), &text);
    }
}

fn evaluate(policy: &Path, facts: &Path) -> Vec<u8> {
    let output = bin()
        .arg("evaluate")
        .arg(policy)
        .arg("--facts")
        .arg(facts)
        .arg("--format")
        .arg("ndjson")
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(!output.stdout.is_empty(), "{}: no results", policy.display());
    output.stdout
}

#[test]
fn formatting_does_not_change_the_contract_results() {
    let dir = temp_dir("contract");
    for name in POLICIES {
        let original = root().join("policies").join(format!("{name}.campaign"));
        let facts = root().join("tests/fixtures/contract").join(format!("{name}.ndjson"));
        let text = std::fs::read_to_string(&original).unwrap();
        let expected = evaluate(&original, &facts);
        for (variant, source) in [("formatted", text.clone()), ("spoiled", spoil(&text))] {
            let copy = dir.join(format!("{name}.{variant}.campaign"));
            std::fs::write(&copy, fmt(&source)).unwrap();
            assert!(
                evaluate(&copy, &facts) == expected,
                "{name} ({variant}): results differ after formatting"
            );
        }
    }
}

// ------------------------------------------------------------------ the command

const MESSY: &str = "campaign \"messy\" {\ntimezone Asia/Shanghai\n facts { a: count }\n  value v = a*2  # double\n}\n";

#[test]
fn check_lists_then_fmt_rewrites_then_check_passes() {
    let dir = temp_dir("check-then-fix");
    let nested = dir.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    let messy = nested.join("messy.campaign");
    std::fs::write(&messy, MESSY).unwrap();
    let tidy = dir.join("tidy.campaign");
    std::fs::write(&tidy, fmt(MESSY)).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a campaign {").unwrap();

    let out = bin().arg("fmt").arg("--check").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("would reformat {}\n", messy.display())
    );
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        MESSY,
        "--check wrote the file"
    );

    bin().arg("fmt").arg(&dir).assert().success();
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), fmt(MESSY));

    bin().arg("fmt").arg("--check").arg(&dir).assert().success().stdout("");
}

#[test]
fn fmt_leaves_formatted_files_untouched() {
    let dir = temp_dir("untouched");
    let tidy = dir.join("tidy.campaign");
    std::fs::write(&tidy, fmt(MESSY)).unwrap();
    let before = std::fs::metadata(&tidy).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    bin().arg("fmt").arg(&tidy).assert().success();
    assert_eq!(std::fs::metadata(&tidy).unwrap().modified().unwrap(), before);
}

#[test]
fn a_file_that_does_not_parse_fails_with_its_diagnostic() {
    let dir = temp_dir("broken");
    let broken = dir.join("broken.campaign");
    std::fs::write(&broken, "campaign \"x\" {\n  value = 1\n}\n").unwrap();
    let out = bin().arg("fmt").arg(&broken).env("NO_COLOR", "1").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("parse::syntax"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "campaign \"x\" {\n  value = 1\n}\n"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    bin().arg("fmt").arg(root().join("no/such/folder")).assert().code(2);
}

// ------------------------------------------------------------------ property

fn sp() -> Span {
    Span::default()
}

fn ident(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: sp(),
    }
}

fn ex(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn txt(value: &str) -> Text {
    Text {
        value: value.to_string(),
        span: sp(),
    }
}

fn name() -> impl Strategy<Value = String> {
    // Never a keyword: every name has an underscore.
    "[a-z]{1,3}_[a-z0-9_]{0,14}"
}

fn text_value() -> impl Strategy<Value = String> {
    // Quotes, backslashes and `#` test quoting and comment scanning.
    "[a-z0-9 中文#\"\\\\-]{0,12}"
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (0i64..2_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s))
}

fn unit() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["CNY", "points", "packs", "days"])
}

fn timestamp() -> impl Strategy<Value = TimestampLit> {
    prop::sample::select(vec![
        "2024-08-16",
        "2024-08-16 15:00",
        "2022-12-31 23:59:59",
        "2024-08-16T15:00+08:00",
        "2024-08-28 24:00",
    ])
    .prop_map(|text| TimestampLit {
        year: 2024,
        month: 8,
        day: 16,
        time: None,
        seconds_written: false,
        offset: None,
        text: text.to_string(),
    })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => name().prop_map(|n| ex(ExprKind::Name(ident(&n)))),
        2 => decimal().prop_map(|d| ex(ExprKind::Number(d))),
        1 => decimal().prop_map(|d| ex(ExprKind::Percent(d))),
        1 => (decimal(), unit()).prop_map(|(d, u)| ex(ExprKind::Quantity(d, ident(u)))),
        1 => text_value().prop_map(|t| ex(ExprKind::Text(t))),
        1 => any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
        1 => timestamp().prop_map(|t| ex(ExprKind::Timestamp(t))),
        1 => prop::collection::vec(text_value(), 0..3)
            .prop_map(|v| ex(ExprKind::Set(v.iter().map(|s| txt(s)).collect()))),
    ]
}

fn key_literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        text_value().prop_map(|t| ex(ExprKind::Text(t))),
        decimal().prop_map(|d| ex(ExprKind::Number(d))),
        any::<bool>().prop_map(|b| ex(ExprKind::Bool(b))),
    ]
}

fn binop() -> impl Strategy<Value = BinOp> {
    prop::sample::select(vec![
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::And,
        BinOp::Or,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
    ])
}

/// `l op r` as the parser builds it: a chain for `and`, `or` and arithmetic (longer when the
/// operand on the left is a chain of the same precedence), a pair for a comparison.
fn join(op: BinOp, l: Expr, r: Expr) -> Expr {
    let additive = |o: BinOp| matches!(o, BinOp::Add | BinOp::Sub);
    let kind = match (op, l.kind) {
        (BinOp::And, ExprKind::And(mut v)) | (BinOp::Or, ExprKind::Or(mut v)) => {
            v.push(r);
            if op == BinOp::And {
                ExprKind::And(v)
            } else {
                ExprKind::Or(v)
            }
        }
        (BinOp::And, k) => ExprKind::And(vec![ex(k), r]),
        (BinOp::Or, k) => ExprKind::Or(vec![ex(k), r]),
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, ExprKind::Arith { first, mut rest })
            if rest.first().is_some_and(|(o, _)| additive(*o) == additive(op)) =>
        {
            rest.push((op, r));
            ExprKind::Arith { first, rest }
        }
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, k) => ExprKind::Arith {
            first: Box::new(ex(k)),
            rest: vec![(op, r)],
        },
        (_, k) => ExprKind::Binary(op, Box::new(ex(k)), Box::new(r)),
    };
    ex(kind)
}

fn agg_op() -> impl Strategy<Value = AggOp> {
    prop::sample::select(vec![
        AggOp::Sum,
        AggOp::Count,
        AggOp::CountDistinct,
        AggOp::Min,
        AggOp::Max,
        AggOp::Average,
        AggOp::Any,
        AggOp::All,
    ])
}

fn range_kind() -> impl Strategy<Value = RangeKind> {
    prop::sample::select(vec![RangeKind::Exclusive, RangeKind::Through])
}

fn path_expr() -> impl Strategy<Value = Expr> {
    prop::collection::vec(name(), 1..3).prop_map(|names| {
        let mut it = names.iter();
        let mut e = ex(ExprKind::Name(ident(it.next().map_or("x_", |s| s.as_str()))));
        for n in it {
            e = ex(ExprKind::Field(Box::new(e), ident(n)));
        }
        e
    })
}

/// Any expression tree; [`fix`] then adds the parentheses it needs to be written.
fn raw_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        let b = |e: Expr| Box::new(e);
        prop_oneof![
            1 => (inner.clone(), name()).prop_map(move |(e, f)| ex(ExprKind::Field(b(e), ident(&f)))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Neg(b(e)))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Not(b(e)))),
            3 => (binop(), inner.clone(), inner.clone()).prop_map(move |(op, l, r)| join(op, l, r)),
            1 => (binop(), inner.clone(), inner.clone(), inner.clone())
                .prop_map(move |(op, x, y, z)| join(op, join(op, x, y), z)),
            1 => (inner.clone(), inner.clone(), any::<bool>()).prop_map(move |(v, t, negated)| ex(ExprKind::In {
                value: b(v),
                target: InTarget::Expr(b(t)),
                negated,
            })),
            1 => (inner.clone(), inner.clone(), range_kind(), inner.clone(), any::<bool>()).prop_map(
                move |(v, s, kind, e, negated)| ex(ExprKind::In {
                    value: b(v),
                    target: InTarget::Range(Range {
                        start: b(s),
                        kind,
                        end: b(e),
                        span: sp(),
                    }),
                    negated,
                })
            ),
            1 => (inner.clone(), any::<bool>()).prop_map(move |(e, k)| ex(ExprKind::IsKnown(b(e), k))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::IsWaitlisted(b(e)))),
            2 => (inner.clone(), inner.clone()).prop_map(move |(l, r)| ex(ExprKind::IfUnknown(b(l), b(r)))),
            1 => (inner.clone(), unit()).prop_map(move |(e, u)| ex(ExprKind::As(b(e), ident(u)))),
            2 => (agg_op(), path_expr(), prop::option::of(inner.clone())).prop_map(move |(op, source, filter)| {
                ex(ExprKind::Aggregate {
                    op,
                    source: b(source),
                    filter: filter.map(b),
                })
            }),
            1 => (inner.clone(), inner.clone()).prop_map(move |(l, f)| ex(ExprKind::Where(b(l), b(f)))),
            1 => (
                prop::sample::select(vec!["max", "min", "f_call"]),
                prop::collection::vec(inner.clone(), 1..3)
            )
                .prop_map(|(n, args)| ex(ExprKind::Call(ident(n), args))),
            1 => inner.clone().prop_map(move |e| ex(ExprKind::Paren(b(e)))),
            1 => (prop::collection::vec((inner.clone(), any::<bool>()), 1..3), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(keys, within)| ex(ExprKind::Rank { keys, within })),
            1 => (
                prop::collection::vec(inner.clone(), 1..3),
                prop::collection::vec((prop::option::of(prop::collection::vec(key_literal(), 1..3)), inner.clone()), 0..4)
            )
                .prop_map(|(keys, rows)| ex(ExprKind::Lookup {
                    keys,
                    rows: rows
                        .into_iter()
                        .map(|(keys, value)| LookupRow { keys, value, span: sp() })
                        .collect(),
                })),
            1 => (
                any::<bool>(),
                path_expr(),
                prop::collection::vec(
                    (
                        prop::option::of(inner.clone()),
                        range_kind(),
                        prop::option::of(inner.clone()),
                        inner.clone()
                    ),
                    0..4
                )
            )
                .prop_map(move |(marginal, subject, rows)| ex(ExprKind::Tiers {
                    kind: if marginal { TierKind::Marginal } else { TierKind::Band },
                    subject: b(subject),
                    rows: rows
                        .into_iter()
                        .map(|(start, kind, end, value)| TierRow {
                            start,
                            kind,
                            end,
                            value,
                            span: sp(),
                        })
                        .collect(),
                })),
        ]
    })
}

/// How tightly an expression binds: 0 (`where`) to 11 (a primary).
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Where(..) => 0,
        ExprKind::Or(_) => 1,
        // A filter runs to the end of the enclosing `or`: treat it as loose as one.
        ExprKind::Aggregate { filter: Some(_), .. } => 1,
        ExprKind::And(_) => 2,
        // `within a and b` runs on over a following `and`.
        ExprKind::Rank { within, .. } if !within.is_empty() => 2,
        ExprKind::Not(_) => 3,
        ExprKind::IfUnknown(..) => 4,
        ExprKind::Arith { rest, .. } if rest.first().is_some_and(|(o, _)| matches!(o, BinOp::Add | BinOp::Sub)) => 7,
        ExprKind::Arith { .. } => 8,
        ExprKind::Binary(..) | ExprKind::In { .. } | ExprKind::IsKnown(..) | ExprKind::IsWaitlisted(_) => 5,
        ExprKind::As(..) => 6,
        ExprKind::Neg(_) => 9,
        ExprKind::Field(..) => 10,
        _ => 11,
    }
}

/// The tree with parentheses wherever a part binds more loosely than its place allows.
fn fix(e: Expr, min: u8) -> Expr {
    let b = Box::new;
    let kind = match e.kind {
        ExprKind::Where(l, f) => ExprKind::Where(b(fix(*l, 1)), b(fix(*f, 1))),
        // Every operand of a chain binds more tightly than the chain: one of the same
        // precedence would be read as part of it.
        ExprKind::Or(v) => ExprKind::Or(v.into_iter().map(|x| fix(x, 2)).collect()),
        ExprKind::And(v) => ExprKind::And(v.into_iter().map(|x| fix(x, 3)).collect()),
        ExprKind::Arith { first, rest } => {
            let min = if rest.first().is_some_and(|(o, _)| matches!(o, BinOp::Add | BinOp::Sub)) {
                8
            } else {
                9
            };
            ExprKind::Arith {
                first: b(fix(*first, min)),
                rest: rest.into_iter().map(|(o, x)| (o, fix(x, min))).collect(),
            }
        }
        ExprKind::Binary(op, l, r) => ExprKind::Binary(op, b(fix(*l, 6)), b(fix(*r, 6))),
        ExprKind::Not(x) => ExprKind::Not(b(fix(*x, 3))),
        ExprKind::IfUnknown(l, r) => ExprKind::IfUnknown(b(fix(*l, 5)), b(fix(*r, 5))),
        ExprKind::In { value, target, negated } => ExprKind::In {
            value: b(fix(*value, 6)),
            target: match target {
                InTarget::Expr(t) => InTarget::Expr(b(fix(*t, 6))),
                InTarget::Range(r) => InTarget::Range(Range {
                    start: b(fix(*r.start, 6)),
                    kind: r.kind,
                    end: b(fix(*r.end, 6)),
                    span: sp(),
                }),
            },
            negated,
        },
        ExprKind::IsKnown(x, k) => ExprKind::IsKnown(b(fix(*x, 6)), k),
        ExprKind::IsWaitlisted(x) => ExprKind::IsWaitlisted(b(fix(*x, 6))),
        ExprKind::As(x, u) => ExprKind::As(b(fix(*x, 7)), u),
        ExprKind::Neg(x) => ExprKind::Neg(b(fix(*x, 9))),
        ExprKind::Field(x, f) => {
            let base = fix(*x, 10);
            // Only names, fields and parentheses take a `.field`.
            let base = match base.kind {
                ExprKind::Name(_) | ExprKind::Field(..) | ExprKind::Paren(_) | ExprKind::Call(..) => base,
                _ => ex(ExprKind::Paren(b(base))),
            };
            ExprKind::Field(b(base), f)
        }
        ExprKind::Aggregate { op, source, filter } => ExprKind::Aggregate {
            op,
            source,
            filter: filter.map(|f| b(fix(*f, 1))),
        },
        ExprKind::Call(n, args) => ExprKind::Call(n, args.into_iter().map(|a| fix(a, 0)).collect()),
        ExprKind::Paren(x) => ExprKind::Paren(b(fix(*x, 0))),
        ExprKind::Rank { keys, within } => ExprKind::Rank {
            keys: keys.into_iter().map(|(k, d)| (fix(k, 6), d)).collect(),
            within: within.into_iter().map(|g| fix(g, 6)).collect(),
        },
        ExprKind::Lookup { keys, rows } => ExprKind::Lookup {
            keys: keys.into_iter().map(|k| fix(k, 6)).collect(),
            rows: rows
                .into_iter()
                .map(|r| LookupRow {
                    keys: r.keys,
                    value: fix(r.value, 1),
                    span: sp(),
                })
                .collect(),
        },
        ExprKind::Tiers { kind, subject, rows } => ExprKind::Tiers {
            kind,
            subject,
            rows: rows
                .into_iter()
                .map(|r| TierRow {
                    start: r.start.map(|s| fix(s, 6)),
                    kind: r.kind,
                    end: r.end.map(|x| fix(x, 6)),
                    value: fix(r.value, 1),
                    span: sp(),
                })
                .collect(),
        },
        other => other,
    };
    let e = ex(kind);
    if level(&e) < min { ex(ExprKind::Paren(b(e))) } else { e }
}

fn expr_at(min: u8) -> impl Strategy<Value = Expr> {
    raw_expr().prop_map(move |e| fix(e, min))
}

fn modifier() -> impl Strategy<Value = Modifier> {
    let mode = prop::sample::select(vec![
        RoundingMode::Down,
        RoundingMode::Up,
        RoundingMode::HalfUp,
        RoundingMode::HalfDown,
        RoundingMode::HalfEven,
    ]);
    let unit = prop::sample::select(vec![PeriodUnit::Month, PeriodUnit::Week, PeriodUnit::Day]);
    prop_oneof![
        (mode, prop::option::of(decimal())).prop_map(|(mode, step)| Modifier::Rounded {
            mode,
            step: step.map(|d| (d, sp())),
            span: sp(),
        }),
        expr_at(1).prop_map(|e| Modifier::AtMost(e, sp())),
        expr_at(1).prop_map(|e| Modifier::AtLeast(e, sp())),
        prop::collection::vec((decimal(), expr_at(6)), 1..3)
            .prop_map(|parts| Modifier::Paid(parts.into_iter().map(|(d, e)| (d, sp(), e)).collect(), sp())),
        expr_at(6).prop_map(|e| Modifier::Expires(e, sp())),
        (
            expr_at(6),
            prop::option::of((unit, expr_at(1))),
            path_expr(),
            any::<bool>()
        )
            .prop_map(|(amount, per, order, descending)| {
                Modifier::Budget(Budget {
                    amount,
                    scope: per.map_or(BudgetScope::Total, |(u, of)| BudgetScope::Per(u, of)),
                    order,
                    descending,
                    span: sp(),
                })
            }),
    ]
}

fn simple_type() -> impl Strategy<Value = TypeExpr> {
    prop_oneof![
        prop::sample::select(vec![
            TypeExprKind::Text,
            TypeExprKind::Bool,
            TypeExprKind::Count,
            TypeExprKind::Decimal,
            TypeExprKind::Fraction,
            TypeExprKind::Timestamp,
            TypeExprKind::Duration,
        ]),
        unit().prop_map(|u| TypeExprKind::Money(ident(u))),
        unit().prop_map(|u| TypeExprKind::Quantity(ident(u))),
        prop::collection::vec(text_value(), 1..3).prop_map(|v| TypeExprKind::Enum(v.iter().map(|s| txt(s)).collect())),
    ]
    .prop_map(|kind| TypeExpr { kind, span: sp() })
}

fn field_decl() -> impl Strategy<Value = FieldDecl> {
    let flat = (name(), simple_type(), any::<bool>()).prop_map(|(n, ty, optional)| FieldDecl {
        name: ident(&n),
        ty,
        optional,
        span: sp(),
    });
    flat.prop_recursive(2, 12, 4, |inner| {
        (name(), prop::collection::vec(inner, 0..4), any::<bool>()).prop_map(|(n, fields, optional)| FieldDecl {
            name: ident(&n),
            ty: TypeExpr {
                kind: TypeExprKind::List(fields),
                span: sp(),
            },
            optional,
            span: sp(),
        })
    })
}

fn scope() -> impl Strategy<Value = Option<Scope>> {
    prop_oneof![
        2 => Just(None),
        1 => prop::collection::vec(name(), 1..3).prop_map(|v| Some(Scope::Of(v.iter().map(|s| ident(s)).collect()))),
        1 => (name(), name()).prop_map(|(var, periods)| Some(Scope::Per {
            var: ident(&var),
            periods: ident(&periods),
        })),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let bound = (2020i32..2030, 1u32..13, prop::option::of(1u32..29)).prop_map(|(year, month, day)| PeriodBound {
        year,
        month,
        day,
        span: sp(),
    });
    prop_oneof![
        1 => prop::sample::select(vec!["Asia/Shanghai", "UTC"]).prop_map(|z| Item::Timezone(ident(z))),
        1 => text_value().prop_map(|t| Item::Source(txt(&t))),
        1 => text_value().prop_map(|t| Item::Note(txt(&t))),
        1 => (name(), prop::option::of(decimal())).prop_map(|(n, p)| Item::Unit(UnitDecl {
            name: ident(&n),
            precision: p.map(|d| (d, sp())),
        })),
        1 => (name(), simple_type(), expr_at(0)).prop_map(|(n, ty, default)| Item::Parameter(ParameterDecl {
            name: ident(&n),
            ty,
            default,
        })),
        1 => (name(), timestamp(), range_kind(), timestamp()).prop_map(|(n, a, kind, z)| Item::Window(WindowDecl {
            name: ident(&n),
            range: Range {
                start: Box::new(ex(ExprKind::Timestamp(a))),
                kind,
                end: Box::new(ex(ExprKind::Timestamp(z))),
                span: sp(),
            },
        })),
        1 => (
            name(),
            prop::sample::select(vec![PeriodUnit::Month, PeriodUnit::Week, PeriodUnit::Day]),
            bound.clone(),
            bound
        )
            .prop_map(|(n, unit, first, last)| Item::Periods(PeriodsDecl {
                name: ident(&n),
                unit,
                first,
                last,
                span: sp(),
            })),
        2 => prop::collection::vec(field_decl(), 0..5).prop_map(|fields| Item::Facts(FactsBlock { fields, span: sp() })),
        4 => (any::<bool>(), name(), scope(), expr_at(0), prop::collection::vec(modifier(), 0..3)).prop_map(
            |(exposed, n, scope, expr, modifiers)| Item::Value(ValueDecl {
                exposed,
                name: ident(&n),
                scope,
                expr,
                modifiers,
                span: sp(),
            })
        ),
        3 => prop::collection::vec((expr_at(0), prop::option::of(text_value())), 0..5).prop_map(|conds| {
            Item::Eligible(EligibleBlock {
                conditions: conds
                    .into_iter()
                    .map(|(expr, reason)| Condition {
                        expr,
                        reason: reason.map(|r| txt(&r)),
                        span: sp(),
                    })
                    .collect(),
                head_span: sp(),
                span: sp(),
            })
        }),
        2 => (
            name(),
            prop::option::of((name(), name())),
            expr_at(0),
            prop::collection::vec(modifier(), 0..3)
        )
            .prop_map(|(n, per, expr, modifiers)| Item::Reward(RewardDecl {
                name: ident(&n),
                per: per.map(|(v, p)| Scope::Per {
                    var: ident(&v),
                    periods: ident(&p),
                }),
                expr,
                modifiers,
                span: sp(),
            })),
    ]
}

fn campaign_tree() -> impl Strategy<Value = Campaign> {
    (text_value(), prop::collection::vec(item(), 0..7)).prop_map(|(n, items)| Campaign {
        name: txt(&n),
        items,
        span: sp(),
    })
}

/// Spoils a canonical text with `noise` as the source of choices: ASCII
/// operators, random indentation, continuation lines joined, blank lines,
/// and numbered comments on their own lines and at the ends of lines.
/// Returns the text and how many comments it holds.
fn spoil_randomly(canonical: &str, noise: &[u8]) -> (String, usize) {
    let mut pick = noise.iter().copied().cycle();
    let mut next = move || pick.next().unwrap_or(0);
    let ascii = next() % 2 == 0;
    // Join continuation lines first, while no comment can swallow them.
    let mut lines: Vec<String> = Vec::new();
    for line in canonical.lines() {
        let code = if ascii { ascii_operators(line) } else { line.to_string() };
        let trimmed = code.trim_start();
        let joins = ["and ", "or ", "where ", "if unknown ", "}"]
            .iter()
            .any(|w| trimmed.starts_with(w))
            || lines.last().is_some_and(|l| l.ends_with(',') || l.ends_with('{'));
        match lines.last_mut() {
            Some(last) if joins && next() % 3 == 0 => {
                last.push(' ');
                last.push_str(trimmed);
            }
            _ => lines.push(code),
        }
    }
    let mut out = String::new();
    let mut count = 0;
    for line in &lines {
        let r = next();
        if r % 7 == 0 {
            out.push('\n');
        }
        if r % 5 == 0 {
            out.push_str(&" ".repeat(usize::from(next() % 8)));
            comment(&mut out, &mut count, next());
            out.push('\n');
        }
        out.push_str(&" ".repeat(usize::from(next() % 4)));
        out.push_str(line.trim_start());
        if next() % 4 == 0 {
            out.push_str(&" ".repeat(usize::from(next() % 3)));
            comment(&mut out, &mut count, next());
        }
        out.push('\n');
    }
    if next() % 2 == 0 {
        comment(&mut out, &mut count, next());
        out.push('\n');
    }
    (out, count)
}

/// Appends comment number `count + 1`: `# [N]` and maybe a word.
fn comment(out: &mut String, count: &mut usize, n: u8) {
    *count += 1;
    let words = [" note", " \"quoted\"", " # again", " 中文", " x = 1", ""];
    let word = words.get(usize::from(n) % words.len()).copied().unwrap_or("");
    out.push_str(&format!("# [{count}]{word}"));
}

fn comment_texts(text: &str) -> Vec<String> {
    extract_comments(text).into_iter().map(|c| c.text).collect()
}

fn check_formatting(campaign: &Campaign, noise: &[u8]) -> Result<(), TestCaseError> {
    let canonical = print(campaign);
    let (input, count) = spoil_randomly(&canonical, noise);
    let parsed = parse(&input)
        .map_err(|d| TestCaseError::fail(format!("generated text does not parse: {}\n{input}", d.message)))?;
    let once = format(&input).map_err(|d| TestCaseError::fail(format!("{}\n{input}", d.message)))?;
    let reparsed = parse(&once).map_err(|d| TestCaseError::fail(format!("{}\n{once}", d.message)))?;
    prop_assert!(
        same_meaning(&parsed, &reparsed),
        "meaning changed:\n{input}\n---\n{once}"
    );
    let twice = format(&once).map_err(|d| TestCaseError::fail(d.message))?;
    prop_assert_eq!(&twice, &once, "not idempotent; input:\n{}", input);
    for k in 1..=count {
        let tag = format!("# [{k}]");
        prop_assert_eq!(
            once.matches(&tag).count(),
            1,
            "comment {} lost or doubled:\n{}\n---\n{}",
            k,
            input,
            once
        );
    }
    prop_assert_eq!(comment_texts(&once), comment_texts(&input));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_meaning_and_comments_and_is_idempotent(
        campaign in campaign_tree(),
        noise in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        // The parser recurses deeply in debug builds: give it room.
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || check_formatting(&campaign, &noise))
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .join()
            .map_err(|_| TestCaseError::fail("the check panicked"))??;
    }
}
