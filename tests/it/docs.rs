//! The examples in the documentation are checked, so that the reference
//! cannot drift away from the language.
//!
//! In `docs/language.md`:
//!
//! - every ` ```campaign ` block that is a complete campaign file (it starts
//!   with `campaign "`) must check without errors;
//! - every ` ```campaign,fails ` block must check *with* at least one error;
//! - inside either kind, a comment line `# error: CODE` or `# warning: CODE`
//!   names a diagnostic the example must produce, with that severity;
//! - a ` ```ndjson,facts ` block is evaluated against the complete campaign
//!   block before it, and the ` ```ndjson,results ` block after it must be
//!   exactly what `campaign evaluate` writes for those facts (compared as
//!   JSON, line by line).
//!
//! In `docs/testing.md`, the example campaign (its ` ```campaign ` block) and
//! its tests (the ` ```text ` block starting `# tests for`) must pass
//! `campaign test` with the summary the page shows.
//!
//! In every `docs/*.md` file owned by this suite (`language.md`, `cli.md`,
//! `design.md`, `testing.md`), each diagnostic code written in backticks must exist.

use std::path::Path;

use campaign::check::check;
use campaign::diagnostics::{Code, Severity};

use crate::harness::{TempDir, command, root};

fn read_doc(name: &str) -> String {
    let path = root().join("docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A fenced code block: its info string, its text, and the line its text starts on.
#[derive(Debug)]
struct Block {
    info: String,
    text: String,
    line: usize,
}

/// The fenced blocks of a Markdown text, in order.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some(Block {
                        info: info.trim().to_string(),
                        text: String::new(),
                        line: i + 2,
                    });
                }
            }
            Some(block) => {
                if trimmed.starts_with("```") {
                    out.push(current.take().unwrap());
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "a code block is not closed");
    out
}

/// The codes an example says it produces: `# error: CODE` and `# warning: CODE` lines.
fn announced(text: &str) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        for (prefix, severity) in [("# error:", Severity::Error), ("# warning:", Severity::Warning)] {
            if let Some(code) = line.strip_prefix(prefix) {
                out.push((severity, code.trim().to_string()));
            }
        }
    }
    out
}

fn is_campaign_file(block: &Block) -> bool {
    block.text.trim_start().starts_with("campaign \"")
}

#[test]
fn campaign_examples_check_as_documented() {
    let doc = read_doc("language.md");
    let mut valid = 0;
    let mut failing = 0;
    for block in blocks(&doc) {
        let fails = match block.info.as_str() {
            "campaign" => false,
            "campaign,fails" => true,
            _ => continue,
        };
        let at = format!("docs/language.md:{}", block.line);
        if !is_campaign_file(&block) {
            assert!(
                !fails,
                "{at}: a `campaign,fails` block must be a complete campaign file"
            );
            continue;
        }
        let checked = check(&block.text);
        let errors: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        if fails {
            failing += 1;
            assert!(
                !errors.is_empty(),
                "{at}: this example is marked `fails` but checks without errors"
            );
        } else {
            valid += 1;
            assert!(
                errors.is_empty(),
                "{at}: this example should check without errors, but:\n  {}",
                errors.join("\n  ")
            );
        }
        for (severity, code) in announced(&block.text) {
            assert!(
                checked
                    .diagnostics
                    .iter()
                    .any(|d| d.code.as_str() == code && d.severity == severity),
                "{at}: the example announces `{code}` ({severity:?}), but produces: {:?}",
                checked
                    .diagnostics
                    .iter()
                    .map(|d| format!("{} ({:?})", d.code, d.severity))
                    .collect::<Vec<_>>()
            );
        }
    }
    assert!(valid >= 20, "expected many complete examples, found {valid}");
    assert!(failing >= 10, "expected many broken examples, found {failing}");
}

/// Runs `campaign evaluate` on a campaign and NDJSON facts; returns stdout.
fn evaluate(dir: &Path, index: usize, campaign: &str, facts: &str) -> String {
    let policy = dir.join(format!("example-{index}.campaign"));
    let input = dir.join(format!("example-{index}.ndjson"));
    std::fs::write(&policy, campaign).unwrap();
    std::fs::write(&input, facts).unwrap();
    let output = command()
        .arg("evaluate")
        .arg(&policy)
        .arg("--facts")
        .arg(&input)
        .arg("--quiet")
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn documented_results_are_what_evaluate_writes() {
    let doc = read_doc("language.md");
    let dir = TempDir::new("docs", "examples");
    let mut campaign: Option<(usize, String)> = None;
    let mut facts: Option<(usize, String)> = None;
    let mut compared = 0;
    for (index, block) in blocks(&doc).into_iter().enumerate() {
        match block.info.as_str() {
            "campaign" if is_campaign_file(&block) => {
                campaign = Some((block.line, block.text));
                facts = None;
            }
            "ndjson,facts" => {
                assert!(
                    campaign.is_some(),
                    "docs/language.md:{}: facts without a campaign before them",
                    block.line
                );
                facts = Some((block.line, block.text));
            }
            "ndjson,results" => {
                let at = format!("docs/language.md:{}", block.line);
                let (Some((_, policy)), Some((_, input))) = (&campaign, &facts) else {
                    panic!("{at}: results without a campaign and facts before them");
                };
                let actual = json_lines(&evaluate(&dir, index, policy, input));
                let expected = json_lines(&block.text);
                assert_eq!(
                    actual.len(),
                    expected.len(),
                    "{at}: evaluate wrote {} results, the documentation shows {}",
                    actual.len(),
                    expected.len()
                );
                for (a, e) in actual.iter().zip(&expected) {
                    assert_eq!(a, e, "{at}: evaluate wrote\n  {a}\nbut the documentation shows\n  {e}");
                }
                compared += 1;
            }
            _ => {}
        }
    }
    assert!(compared >= 3, "expected several documented results, found {compared}");
}

#[test]
fn documented_codes_exist() {
    for name in ["language.md", "cli.md", "design.md", "testing.md"] {
        let doc = read_doc(name);
        for (i, line) in doc.lines().enumerate() {
            for piece in line.split('`').skip(1).step_by(2) {
                let looks_like_code = ["parse::", "check::", "lint::", "test::", "internal::"]
                    .iter()
                    .any(|p| piece.starts_with(p))
                    && piece.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ':');
                if looks_like_code {
                    assert!(
                        Code::ALL.iter().any(|c| c.as_str() == piece),
                        "docs/{name}:{}: `{piece}` is not a diagnostic code",
                        i + 1
                    );
                }
            }
        }
    }
}

/// The Chinese example of docs/testing.md ("In Chinese") is the English example's first cases,
/// keyword for keyword.
#[test]
fn the_testing_pages_chinese_example_is_the_english_one() {
    use campaign::syntax::keywords::Surface;
    let doc = read_doc("testing.md");
    let blocks = blocks(&doc);
    let find = |head: &str| {
        blocks
            .iter()
            .find(|b| b.info == "text" && b.text.starts_with(head))
            .unwrap_or_else(|| panic!("docs/testing.md has no block starting {head:?}"))
    };
    let (english, chinese) = (find("# tests for"), find("# shop-launch.tests 的前两个用例"));
    let parsed = campaign::testing::parse(&chinese.text).unwrap();
    assert_eq!(parsed.surface, Surface::Chinese);
    let converted = campaign::testing::convert::convert(&chinese.text, Surface::English).unwrap();
    let (_, cases) = converted.split_once('\n').unwrap();
    assert!(
        english.text.contains(cases),
        "docs/testing.md:{}: the Chinese example is not the English one's first cases",
        chinese.line
    );
}

#[test]
fn the_testing_page_example_passes_its_tests() {
    let doc = read_doc("testing.md");
    let blocks = blocks(&doc);
    let policy = blocks
        .iter()
        .find(|b| b.info == "campaign" && is_campaign_file(b))
        .expect("docs/testing.md has an example campaign");
    let tests = blocks
        .iter()
        .find(|b| b.info == "text" && b.text.starts_with("# tests for"))
        .expect("docs/testing.md has an example `.tests` file");
    let dir = TempDir::new("docs", "testing-page");
    std::fs::write(dir.join("shop-launch.campaign"), &policy.text).unwrap();
    std::fs::write(dir.join("shop-launch.tests"), &tests.text).unwrap();
    let output = command()
        .arg("test")
        .arg(dir.join("shop-launch.campaign"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "docs/testing.md:{}: campaign test said\n{stdout}",
        tests.line
    );
    assert!(
        stdout.contains("shop-launch.campaign .........") && stdout.contains("9 passed, 0 failed"),
        "docs/testing.md:{}: campaign test said\n{stdout}",
        tests.line
    );
}
