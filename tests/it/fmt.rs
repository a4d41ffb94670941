//! `campaign fmt`: the canonical layout, comments kept, meaning unchanged.

use std::path::Path;

use campaign::fmt::format;

use crate::harness::{TempDir, command, root};

const POLICIES: [&str; 6] = [
    "channels-alliance-admission-2024",
    "channels-brand-coldstart-2023",
    "channels-edu-back-to-school-2024",
    "douyin-trade-miniprogram-2023",
    "kuaishou-provider-gmv-2022",
    "kuaishou-provider-industry-2022",
];

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
fn a_long_balance_breaks_before_each_part_and_keeps_its_comments() {
    assert_format!(
        r##"
campaign "balance" {
  timezone Asia/Shanghai
  periods p = months 2025-01 through 2025-03
  facts {
    left_at: timestamp, optional
    ad: money CNY
    orders: list of { at: timestamp, id: text, fee: money CNY }
  }
  value credit per month in p = balance of ad × 10% applied to orders.fee ordered by at, then by id expiring after 1 months lost at left_at
  let kept per month in p = balance of ad × 10%
    # 逐单抵扣
    applied to orders.fee ordered by at   # 先结算先抵扣
    expiring after 2 months
  let short per month in p = balance of ad
     applied to orders.fee ordered by at
  value used per month in p = credit_used(credit) + credit_used(kept) + credit_used(short)
}
"##,
        r##"
campaign "balance" {
  timezone Asia/Shanghai
  periods p = months 2025-01 through 2025-03
  facts {
    left_at: timestamp, optional
    ad: money CNY
    orders: list of {
      at: timestamp
      id: text
      fee: money CNY
    }
  }
  value credit per month in p = balance of ad × 10%
    applied to orders.fee ordered by at, then by id
    expiring after 1 month
    lost at left_at
  let kept per month in p = balance of ad × 10%
    # 逐单抵扣
    applied to orders.fee ordered by at  # 先结算先抵扣
    expiring after 2 months
  let short per month in p = balance of ad applied to orders.fee ordered by at
  value used per month in p = credit_used(credit) + credit_used(kept) + credit_used(short)
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
    command()
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
    let output = command()
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
    let dir = TempDir::new("fmt", "contract");
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
    let dir = TempDir::new("fmt", "check-then-fix");
    let nested = dir.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    let messy = nested.join("messy.campaign");
    std::fs::write(&messy, MESSY).unwrap();
    let tidy = dir.join("tidy.campaign");
    std::fs::write(&tidy, fmt(MESSY)).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a campaign {").unwrap();

    let out = command().arg("fmt").arg("--check").arg(&dir).output().unwrap();
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

    command().arg("fmt").arg(&dir).assert().success();
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), fmt(MESSY));

    command()
        .arg("fmt")
        .arg("--check")
        .arg(&dir)
        .assert()
        .success()
        .stdout("");
}

#[test]
fn fmt_leaves_formatted_files_untouched() {
    let dir = TempDir::new("fmt", "untouched");
    let tidy = dir.join("tidy.campaign");
    std::fs::write(&tidy, fmt(MESSY)).unwrap();
    let before = std::fs::metadata(&tidy).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    command().arg("fmt").arg(&tidy).assert().success();
    assert_eq!(std::fs::metadata(&tidy).unwrap().modified().unwrap(), before);
}

#[test]
fn a_file_that_does_not_parse_fails_with_its_diagnostic() {
    let dir = TempDir::new("fmt", "broken");
    let broken = dir.join("broken.campaign");
    std::fs::write(&broken, "campaign \"x\" {\n  value = 1\n}\n").unwrap();
    let out = command().arg("fmt").arg(&broken).output().unwrap();
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
    command().arg("fmt").arg(root().join("no/such/folder")).assert().code(2);
}

mod props;

#[test]
fn choices_and_reward_conditions() {
    // A choice that fits stays on its line; a long one puts each `else` at the start of a
    // continuation line. A reward's `when` block goes on the line after its amount, with its
    // reasons in a column, like `eligible when`.
    assert_format!(
        r##"
campaign "choices" {
  timezone UTC
  facts { orders_in_the_first_ninety_days: count, brand: bool, listed: bool }
  value short = if orders_in_the_first_ninety_days >= 10 then 3% else 1%
  value long = if orders_in_the_first_ninety_days >= 100 then 3% else if orders_in_the_first_ninety_days >= 30 then 2% else 1%
  reward brand_bonus = 300 USD when { brand "The brand bonus needs a registered brand" listed "And a listing" }
  reward kicker = if brand_bonus is earned then 100 USD else 0 USD, at most 100 USD when {
  }
}
"##,
        r##"
campaign "choices" {
  timezone UTC
  facts {
    orders_in_the_first_ninety_days: count
    brand: bool
    listed: bool
  }
  value short = if orders_in_the_first_ninety_days ≥ 10 then 3% else 1%
  value long = if orders_in_the_first_ninety_days ≥ 100 then 3%
    else if orders_in_the_first_ninety_days ≥ 30 then 2%
    else 1%
  reward brand_bonus = 300 USD
    when {
      brand   "The brand bonus needs a registered brand"
      listed  "And a listing"
    }
  reward kicker = if brand_bonus is earned then 100 USD else 0 USD, at most 100 USD
    when {}
}
"##,
    );
}
