//! End-to-end tests of `campaign test`: the seed policies' own cases, a failing case with its
//! diff, JUnit output, coverage, and diagnostics for a broken `.tests` file.

use std::path::{Path, PathBuf};

use crate::harness::{Run, TempDir, command, root};

/// `campaign ARGS`, 120 columns wide.
fn run(args: &[&str]) -> Run {
    Run::of(command().env("COLUMNS", "120").args(args))
}

/// Copies a seed policy into `dir` as `NAME.campaign` and writes `NAME.tests` beside it.
fn policy_with_tests(dir: &Path, policy: &str, name: &str, tests: &str) -> PathBuf {
    let campaign = dir.join(format!("{name}.campaign"));
    std::fs::copy(root().join("policies").join(policy), &campaign).unwrap();
    std::fs::write(dir.join(format!("{name}.tests")), tests).unwrap();
    campaign
}

/// The `N passed, M failed` line, which must be alone on its line.
fn summary(text: &str) -> (usize, usize) {
    let line = text
        .lines()
        .rfind(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let (passed, failed) = line.split_once(" passed, ").unwrap();
    (
        passed.parse().unwrap(),
        failed.strip_suffix(" failed").unwrap().parse().unwrap(),
    )
}

const EDU_FACTS: &str = r#"{"store_score": 4.2, "registered_at": "2024-08-20T10:00:00+08:00",
         "sales": [{"at": "2024-08-25T12:00:00+08:00", "live_category": "购物",
                    "category_l1": "教育培训", "category_l2": "语言培训", "gmv": "10001.00"}]}"#;

#[test]
fn the_seed_policies_pass_their_own_cases() {
    let r = run(&["test", "policies/"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let (passed, failed) = summary(&r.stdout);
    assert_eq!(failed, 0);
    assert!(passed > 200, "only {passed} cases");
    assert_eq!(
        r.stdout.lines().last(),
        Some(format!("{passed} passed, 0 failed").as_str())
    );
    // Every seed policy has its tests.
    for entry in std::fs::read_dir(root().join("policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "campaign") {
            assert!(path.with_extension("tests").exists(), "{} has no tests", path.display());
        }
    }
}

#[test]
fn default_path_is_policies() {
    let r = run(&["test"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(summary(&r.stdout), summary(&run(&["test", "policies"]).stdout));
}

#[test]
fn every_seed_condition_is_exercised_both_ways() {
    let r = run(&["test", "policies/", "--coverage"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let campaigns = std::fs::read_dir(root().join("policies"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "campaign"))
        .count();
    assert_eq!(campaigns, 6);
    assert_eq!(
        r.stdout.matches("all conditions exercised both ways").count(),
        campaigns,
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("condition never"), "{}", r.stdout);
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_and_an_explanation() {
    let dir = TempDir::new("testing", "wrong");
    let tests = format!(
        r#"# one right case, one wrong
case "right" {{
  facts {EDU_FACTS}
  expect eligible
  expect growth_points = 90 points
}}

case "deliberately wrong" {{
  facts {EDU_FACTS}
  expect eligible
  expect growth_points = 91 points   # 10001.00 × 0.9 % = 90.009 → 90, not 91
  expect counted_gmv = 10001 CNY     # right: amounts compare as decimals
}}
"#
    );
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", &tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(summary(&r.stdout), (1, 1));
    assert!(r.stdout.contains("FAIL \"deliberately wrong\""), "{}", r.stdout);
    assert!(r.stdout.contains("edu.tests:10"), "{}", r.stdout);
    assert!(r.stdout.contains("growth_points  (line 15)"), "{}", r.stdout);
    assert!(r.stdout.contains("- expected: 91 points"), "{}", r.stdout);
    assert!(r.stdout.contains("+ actual:   90 points"), "{}", r.stdout);
    // Only the mismatching field is in the diff.
    assert!(!r.stdout.contains("counted_gmv  (line"), "{}", r.stdout);
    // The explanation of the actual result: conditions with ✓/✗, values and rewards.
    assert!(
        r.stdout.contains("✓ store_score ≥ 4.2 if unknown false"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("actual result:"), "{}", r.stdout);
    assert!(r.stdout.contains("counted_gmv = "), "{}", r.stdout);
    assert!(r.stdout.contains("growth_points = 90 points"), "{}", r.stdout);
    // The passing case is not listed without --verbose; with it, one line.
    assert!(!r.stdout.contains("\"right\""), "{}", r.stdout);
    let v = run(&["test", "--verbose", dir.path().to_str().unwrap()]);
    assert!(
        v.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("ok") && l.contains("right")),
        "{}",
        v.stdout
    );
}

#[test]
fn a_failing_table_row_and_a_budget_record_are_named() {
    let dir = TempDir::new("testing", "rows");
    let tests = r#"table "scores" {
  facts {"registered_at": "2024-08-20T10:00:00+08:00", "sales": []}
  | store_score | eligible |
  | "4.2"       | false    |
  | "4.19"      | false    |
}
"#;
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", tests);
    let coldstart = r#"case "budget" {
  with monthly_packs = 1
  facts [
    {"id": "first", "brand_certified": true, "library_entered_at": "2023-11-01T10:00:00+08:00",
     "applied_at": "2023-12-01T10:00:00+08:00", "previously_supported": false,
     "refund_rate_high": false, "complaints_high": false, "counterfeit": false, "store_closed": false},
    {"id": "second", "brand_certified": true, "library_entered_at": "2023-11-01T10:00:00+08:00",
     "applied_at": "2023-12-02T10:00:00+08:00", "previously_supported": false,
     "refund_rate_high": false, "complaints_high": false, "counterfeit": false, "store_closed": false}
  ]
  expect "first" traffic_packs = 1 packs
  expect "second" traffic_packs = 1 packs
}
"#;
    policy_with_tests(&dir, "channels-brand-coldstart-2023.campaign", "coldstart", coldstart);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    // "4.2" gives an eligible score, but no GMV: still not eligible, so both rows pass.
    assert_eq!(summary(&r.stdout), (2, 1), "{}", r.stdout);
    assert!(r.stdout.contains("\"second\" traffic_packs"), "{}", r.stdout);
    assert!(r.stdout.contains("+ actual:   0 packs"), "{}", r.stdout);
    assert!(r.stdout.contains("waitlisted"), "{}", r.stdout);
}

#[test]
fn junit_output_is_well_formed_with_the_right_counts() {
    let dir = TempDir::new("testing", "junit");
    let tests = format!(
        r#"case "ok <&> \"quoted\"" {{
  facts {EDU_FACTS}
  expect eligible
}}
case "wrong" {{
  facts {EDU_FACTS}
  expect not eligible
}}
table "t" {{
  facts {EDU_FACTS}
  | store_score | eligible |
  | "4.19"      | false    |
  | "4.2"       | false    |
}}
"#
    );
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", &tests);
    let r = run(&["test", "--format", "junit", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let elements = parse_xml(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    let suites: Vec<&Element> = elements.iter().filter(|e| e.name == "testsuite").collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attr("tests"), Some("4"));
    assert_eq!(suites[0].attr("failures"), Some("2"));
    let root = elements.iter().find(|e| e.name == "testsuites").unwrap();
    assert_eq!(root.attr("tests"), Some("4"));
    assert_eq!(root.attr("failures"), Some("2"));
    let cases: Vec<&Element> = elements.iter().filter(|e| e.name == "testcase").collect();
    assert_eq!(cases.len(), 4);
    assert_eq!(cases[0].attr("name"), Some("ok &lt;&amp;&gt; &quot;quoted&quot;"));
    assert_eq!(cases[3].attr("name"), Some("t / row 2"));
    assert_eq!(elements.iter().filter(|e| e.name == "failure").count(), 2);
    assert!(r.stdout.contains("- expected: not eligible"));
    // The summary goes to stderr, so stdout is only XML.
    assert_eq!(summary(&r.stderr), (2, 2));
}

#[test]
fn coverage_reports_a_condition_never_seen_false() {
    let dir = TempDir::new("testing", "coverage");
    let tests = r#"table "categories" {
  facts {"entity_verified": true, "payment_onboarded": true}
  | service_category | payment_onboarded | eligible |
  | "文娱"           | true              | true     |
  | "医疗"           | true              | false    |
  | "工具"           | false             | false    |
}
"#;
    policy_with_tests(&dir, "douyin-trade-miniprogram-2023.campaign", "douyin", tests);
    let r = run(&["test", "--coverage", dir.path().to_str().unwrap()]);
    // Coverage is information: the run passes.
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("condition never false: entity_verified"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("never false: payment_onboarded"), "{}", r.stdout);
    assert!(!r.stdout.contains("all conditions exercised both ways"), "{}", r.stdout);
    let table_line = r
        .stdout
        .lines()
        .find(|l| l.ends_with("entity_verified  ← not both ways"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let counts: Vec<&str> = table_line.split_whitespace().take(2).collect();
    assert_eq!(counts, ["3", "0"]);
    assert_eq!(summary(&r.stdout), (3, 0));
}

#[test]
fn coverage_of_caps_and_budgets() {
    let r = run(&[
        "test",
        "--coverage",
        "policies/channels-edu-back-to-school-2024.campaign",
        "policies/channels-brand-coldstart-2023.campaign",
    ]);
    assert_eq!(r.code, 0);
    let edu = r.stdout.lines().find(|l| l.contains("reward growth_points")).unwrap();
    assert!(!edu.contains("cap reached 0"), "{edu}");
    let packs = r.stdout.lines().find(|l| l.contains("reward traffic_packs")).unwrap();
    assert!(!packs.contains("waitlisted 0"), "{packs}");
}

#[test]
fn a_syntax_error_is_a_diagnostic_with_line_and_column() {
    let dir = TempDir::new("testing", "syntax");
    let tests = r#"case "bad" {
  facts {"store_score": 4.2}
  expect growth_points == 90 points
}
"#;
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("test::syntax"), "{}", r.stderr);
    // The message docs/errors.md quotes for `test::syntax`.
    assert!(
        r.stderr.contains("unexpected `=` where a value was expected"),
        "{}",
        r.stderr
    );
    // The second `=` is at line 3, column 25.
    assert!(r.stderr.contains("edu.tests:3:25"), "{}", r.stderr);
    assert_eq!(summary(&r.stdout), (0, 1));
}

/// A `.tests` file in Chinese keywords with one English keyword: one error on that keyword,
/// pointing at the first keyword that set the file's set, with the word to write.
#[test]
fn a_tests_file_mixing_keyword_sets_is_refused() {
    let dir = TempDir::new("testing", "mixed");
    let tests = "用例 \"评分达标\" {\n  事实 {\"store_score\": 4.5}\n  expect 资格\n}\n";
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("test::mixed_keywords"), "{}", r.stderr);
    // The message docs/errors.md quotes for `test::mixed_keywords`.
    assert!(
        r.stderr
            .contains("`expect` is an English keyword, but this tests file is written with Chinese keywords"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("edu.tests:3:3"), "{}", r.stderr);
    assert!(r.stderr.contains("write `预期` here"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("the first keyword sets the file's keywords to Chinese"),
        "{}",
        r.stderr
    );
    assert_eq!(summary(&r.stdout), (0, 1));
}

/// A Chinese `.tests` file that writes the fee campaign's word in a campaign of rewards is told
/// what to write in its own keywords.
#[test]
fn the_runners_help_quotes_the_files_keywords() {
    let dir = TempDir::new("testing", "runner-help-zh");
    let tests = "用例 \"a\" {\n  事实 {\"store_score\": 4.5, \"sales\": []}\n  预期 应缴\n}\n";
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("write `预期 资格` or `预期 非 资格"), "{all}");
    assert!(!all.contains("`expect eligible`"), "{all}");
}

/// `campaign fmt --keywords` converts `.tests` files named on the command line or found in a
/// folder, and leaves them alone without it.
#[test]
fn fmt_converts_tests_files_both_ways() {
    let dir = TempDir::new("testing", "fmt-keywords");
    let english =
        "# 注释\ncase \"a\" {\n  facts {\"store_score\": 4.5, \"sales\": []}   # facts\n  expect not eligible\n}\n";
    let path = policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", english);
    let tests = path.with_extension("tests");
    let r = run(&["fmt", tests.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read_to_string(&tests).unwrap(), english);
    let r = run(&["fmt", "--keywords", "zh", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("2 files reformatted"), "{}", r.stderr);
    let chinese = std::fs::read_to_string(&tests).unwrap();
    assert_eq!(
        chinese,
        "# 注释\n用例 \"a\" {\n  事实 {\"store_score\": 4.5, \"sales\": []}   # facts\n  预期 非 资格\n}\n"
    );
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(summary(&r.stdout), (1, 0), "{}{}", r.stdout, r.stderr);
    let r = run(&["fmt", "--keywords", "en", tests.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(std::fs::read_to_string(&tests).unwrap(), english);
}

#[test]
fn bad_facts_json_points_into_the_json() {
    let dir = TempDir::new("testing", "json");
    let tests = "case \"bad json\" {\n  facts {\"store_score\": 4.2,\n         \"sales\": [}\n  expect eligible\n}\n";
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
    assert!(r.stderr.contains("edu.tests:3:20"), "{}", r.stderr);
}

#[test]
fn unknown_names_are_diagnostics_with_suggestions() {
    let dir = TempDir::new("testing", "names");
    let tests = format!(
        r#"case "typo" {{
  facts {EDU_FACTS}
  expect growth_point = 90 points
}}
case "bad reason" {{
  facts {EDU_FACTS}
  expect reason "视频号小店店铺评分需≥4.3"
}}
case "bad unit" {{
  facts {EDU_FACTS}
  expect growth_points = 90 CNY
}}
case "bad param" {{
  with monthly_packs = 2
  facts {EDU_FACTS}
  expect eligible
}}
case "fine" {{
  facts {EDU_FACTS}
  expect eligible
}}
"#
    );
    policy_with_tests(&dir, "channels-edu-back-to-school-2024.campaign", "edu", &tests);
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert_eq!(summary(&r.stdout), (1, 4));
    assert!(r.stdout.contains("did you mean `growth_points`?"), "{}", r.stdout);
    assert!(
        r.stdout.contains("did you mean \"视频号小店店铺评分需≥4.2\"?"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("paid in points, not CNY"), "{}", r.stdout);
    assert!(r.stdout.contains("no parameter `monthly_packs`"), "{}", r.stdout);
    assert!(r.stdout.contains("edu.tests:5:10"), "{}", r.stdout);
}

#[test]
fn a_campaign_with_errors_counts_as_failed() {
    let dir = TempDir::new("testing", "broken");
    std::fs::write(
        dir.path().join("x.campaign"),
        "campaign \"x\" {\n  facts { a: bool }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("x.tests"),
        "case \"a\" {\n  facts {\"a\": true}\n  expect eligible\n}\n",
    )
    .unwrap();
    let r = run(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert_eq!(summary(&r.stdout), (0, 1));
    assert!(r.stderr.contains("none of its cases ran"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&["test", "no/such/folder"]);
    assert_eq!(r.code, 2);
    let r = run(&["test", "--format", "xml"]);
    assert_eq!(r.code, 2);
}

// -------------------------------------------------------------------------------------------
// A small XML well-formedness checker (elements, attributes, entities, nesting).

struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn check_text(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let after = &rest[i + 1..];
        let end = after.find(';').ok_or("`&` without `;`")?;
        let entity = &after[..end];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity
                .strip_prefix('#')
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("unknown entity `&{entity};`"));
        }
        rest = &after[end + 1..];
    }
    if text.contains('<') {
        return Err("raw `<` in text".into());
    }
    if text
        .chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("control character".into());
    }
    Ok(())
}

fn parse_xml(text: &str) -> Result<Vec<Element>, String> {
    let mut rest = text
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .ok_or("no XML declaration")?;
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut seen_root = false;
    loop {
        let Some(open) = rest.find('<') else {
            if !rest.trim().is_empty() {
                return Err("text after the root element".into());
            }
            break;
        };
        let text_part = &rest[..open];
        if stack.is_empty() && !text_part.trim().is_empty() {
            return Err("text outside the root element".into());
        }
        check_text(text_part)?;
        let close = rest[open..].find('>').ok_or("unclosed tag")? + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().ok_or("closing tag without opening")?;
            if top != name.trim() {
                return Err(format!("</{name}> closes <{top}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(format!("bad element name `{name}`"));
        }
        if stack.is_empty() {
            if seen_root {
                return Err("two root elements".into());
            }
            seen_root = true;
        }
        let mut attrs = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let eq = attrs_text.find('=').ok_or("attribute without value")?;
            let key = attrs_text[..eq].trim().to_string();
            let after = attrs_text[eq + 1..].trim_start();
            let value_rest = after.strip_prefix('"').ok_or("attribute value not quoted")?;
            let end = value_rest.find('"').ok_or("attribute value not closed")?;
            let value = &value_rest[..end];
            check_text(value)?;
            if attrs.iter().any(|(k, _): &(String, String)| *k == key) {
                return Err(format!("attribute `{key}` twice"));
            }
            attrs.push((key, value.to_string()));
            attrs_text = &value_rest[end + 1..];
        }
        elements.push(Element {
            name: name.to_string(),
            attrs,
        });
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    Ok(elements)
}
