//! `campaign render`: the terms merchants read, generated from the file.
//!
//! Every shipped policy and example is rendered in both languages and compared with its
//! snapshot (read them: they are what a merchant reads); every number, date, time and
//! rate written in a file must appear in its terms; HTML and Markdown escape what the
//! author wrote; and the command line writes, refuses and chooses its language as
//! documented in docs/cli.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::str::FromStr;

use campaign::syntax::{parse, scan};
use campaign::terms::{Format, Lang, render};
use rust_decimal::Decimal;

use crate::harness::{Run, TempDir, campaign, command, root};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn terms(text: &str, lang: Lang, format: Format) -> String {
    render(&parse(text).unwrap(), lang, format)
}

/// Every policy and example, both languages, Markdown.
#[test]
fn markdown_snapshots() {
    insta::glob!("../../policies", "**/*.campaign", |path| {
        let text = read(path);
        insta::assert_snapshot!("zh", terms(&text, Lang::Zh, Format::Markdown));
        insta::assert_snapshot!("en", terms(&text, Lang::En, Format::Markdown));
    });
}

/// A few whole pages: a seed policy in Chinese, an example with tables in English.
#[test]
fn html_snapshots() {
    for (file, lang, name) in [
        (
            "policies/channels-brand-coldstart-2023.campaign",
            Lang::Zh,
            "html_coldstart_zh",
        ),
        (
            "policies/examples/douyin-category-fee-rebate.campaign",
            Lang::En,
            "html_fee_rebate_en",
        ),
    ] {
        let html = terms(&read(&root().join(file)), lang, Format::Html);
        insta::assert_snapshot!(name, html);
    }
}

/// What a number, date, time or rate is, whatever its spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Date(String),
    Month(String),
    Time(String),
    Number(String),
    Percent(String),
}

/// The numbers, dates, times and rates in `text`: digits inside a name (`q3`,
/// `sales_2024`) are not numbers.
fn tokens(text: &str) -> BTreeSet<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    let digits = |from: usize| chars[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    while i < chars.len() {
        let c = chars[i];
        // A digit right after a token just read (`2024-08-1615:00`) starts the next one.
        let in_name = i > 0 && (chars[i - 1].is_ascii_alphabetic() || chars[i - 1] == '_');
        if !c.is_ascii_digit() || in_name {
            i += 1;
            continue;
        }
        let n = digits(i);
        let run: String = chars[i..i + n].iter().collect();
        let at = |k: usize| chars.get(k).copied();
        // 2024-08-16, 2022-12
        if n == 4 && at(i + 4) == Some('-') && digits(i + 5) == 2 {
            let month: String = chars[i + 5..i + 7].iter().collect();
            if at(i + 7) == Some('-') && digits(i + 8) >= 2 {
                let day: String = chars[i + 8..i + 10].iter().collect();
                out.insert(Token::Date(format!("{run}-{month}-{day}")));
                i += 10;
            } else {
                out.insert(Token::Month(format!("{run}-{month}")));
                i += 7;
            }
            continue;
        }
        // 15:00, 23:59:59
        if at(i + n) == Some(':') && digits(i + n + 1) == 2 {
            let mut end = i + n + 3;
            if at(end) == Some(':') && digits(end + 1) == 2 {
                end += 3;
            }
            out.insert(Token::Time(chars[i..end].iter().collect()));
            i = end;
            continue;
        }
        let mut end = i + n;
        if at(end) == Some('.') && digits(end + 1) > 0 {
            end += 1 + digits(end + 1);
        }
        let number: String = chars[i..end].iter().collect();
        let number = Decimal::from_str(&number).unwrap().normalize().to_string();
        let mut after = end;
        while at(after) == Some(' ') {
            after += 1;
        }
        out.insert(if at(after) == Some('%') {
            Token::Percent(number)
        } else {
            Token::Number(number)
        });
        i = end;
    }
    out
}

/// The campaign's code, quotes and comments blanked out.
fn code_only(text: &str) -> String {
    let mut out: Vec<char> = text.chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
    let offsets: Vec<usize> = text.char_indices().map(|(o, _)| o).collect();
    for (offset, c) in scan::code_chars(text) {
        if let Ok(k) = offsets.binary_search(&offset) {
            out[k] = c;
        }
    }
    out.into_iter().collect()
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The terms with their dates written as the file writes them: `2024年8月16日` and
/// `16 August 2024` as `2024-08-16` (a Chinese date without its year takes the year last
/// written), `2024年7月` and `July 2024` as `2024-07`.
fn dates_as_written(terms: &str) -> String {
    let chars: Vec<char> = terms.chars().collect();
    let mut out = String::new();
    let mut year: Option<String> = None;
    let mut i = 0;
    let digits = |from: usize| chars[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    while i < chars.len() {
        let n = digits(i);
        if n == 0 || (i > 0 && chars[i - 1].is_ascii_digit()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run: String = chars[i..i + n].iter().collect();
        let at = |k: usize| chars.get(k).copied();
        let (y, m_at) = if at(i + n) == Some('年') {
            year = Some(run.clone());
            (Some(run.clone()), i + n + 1)
        } else if at(i + n) == Some('月') {
            (year.clone(), i)
        } else {
            out.push_str(&run);
            i += n;
            continue;
        };
        let m = digits(m_at);
        if m == 0 || at(m_at + m) != Some('月') {
            out.push_str(&run);
            i = m_at;
            continue;
        }
        let month: u32 = chars[m_at..m_at + m].iter().collect::<String>().parse().unwrap();
        let y = y.expect("a Chinese month without a year before it");
        let d_at = m_at + m + 1;
        let d = digits(d_at);
        if d > 0 && at(d_at + d) == Some('日') {
            let day: u32 = chars[d_at..d_at + d].iter().collect::<String>().parse().unwrap();
            out.push_str(&format!("{y}-{month:02}-{day:02}"));
            i = d_at + d + 1;
        } else {
            out.push_str(&format!("{y}-{month:02}"));
            i = d_at;
        }
    }
    english_dates(&out)
}

/// `16 August 2024` as `2024-08-16`, `August 2024` as `2024-08`.
fn english_dates(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (k, name) in MONTHS.iter().enumerate() {
            let Some(after) = rest.strip_prefix(name).and_then(|r| r.strip_prefix(' ')) else {
                continue;
            };
            let year: String = after.chars().take_while(char::is_ascii_digit).collect();
            if year.len() != 4 {
                continue;
            }
            // The day, if any, is the number just written before ` August`.
            let before = out.trim_end_matches(' ');
            let day: String = before.chars().rev().take_while(char::is_ascii_digit).collect();
            let day: String = day.chars().rev().collect();
            let month = k + 1;
            if !day.is_empty() && before.len() < out.len() {
                out.truncate(before.len() - day.len());
                out.push_str(&format!("{year}-{month:02}-{:02}", day.parse::<u32>().unwrap()));
            } else {
                out.push_str(&format!("{year}-{month:02}"));
            }
            rest = &after[4..];
            continue 'scan;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Every number, date, time and rate written in the code of a campaign appears in its
/// terms, in both languages.
#[test]
fn every_number_date_and_rate_appears() {
    let mut files = Vec::new();
    for dir in ["policies", "policies/examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "campaign") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 30, "{} campaigns", files.len());
    let mut checked = 0;
    for path in files {
        let text = read(&path);
        let written = tokens(&code_only(&text));
        checked += written.len();
        for lang in [Lang::Zh, Lang::En] {
            let shown = tokens(&dates_as_written(&terms(&text, lang, Format::Markdown)));
            let missing: Vec<&Token> = written.difference(&shown).collect();
            assert!(
                missing.is_empty(),
                "{} ({lang:?}): not in the terms: {missing:?}",
                path.display()
            );
        }
    }
    // (one seed policy has no number at all: its conditions are all yes/no and sets)
    assert!(
        checked > 300,
        "only {checked} numbers, dates and rates found: is the scan reading the code?"
    );
}

/// The normalisation the test above relies on.
#[test]
fn dates_are_read_in_both_spellings() {
    assert_eq!(
        dates_as_written("2024年8月16日15:00至8月28日24:00; 2025年1月至3月"),
        "2024-08-1615:00至2024-08-2824:00; 2025-01至2025-03"
    );
    assert_eq!(
        dates_as_written("16 August 2024, 15:00 to 28 August 2024, 24:00; March 2025"),
        "2024-08-16, 15:00 to 2024-08-28, 24:00; 2025-03"
    );
    let t = tokens("x ≥ 0.9 % and y = 0.50 CNY, q3, 2024-08-16 15:00");
    assert!(t.contains(&Token::Percent("0.9".into())));
    assert!(t.contains(&Token::Number("0.5".into())));
    assert!(t.contains(&Token::Date("2024-08-16".into())));
    assert!(t.contains(&Token::Time("15:00".into())));
    let zh = tokens(&dates_as_written("2024年8月16日15:00至8月28日24:00"));
    assert!(
        zh.contains(&Token::Date("2024-08-28".into())) && zh.contains(&Token::Time("15:00".into())),
        "{zh:?}"
    );
    assert!(!t.contains(&Token::Number("3".into())));
}

/// What the author wrote is escaped: nothing in a reason or a name becomes markup.
#[test]
fn markup_in_reasons_is_escaped() {
    let text = r#"campaign "<b>A & B</b>" {
  timezone Asia/Shanghai
  facts {
    ok: bool
  }
  eligible when {
    ok  "需 <script>alert(1)</script> *满足* | 条件"
  }
  reward x = 1 CNY
}
"#;
    let html = terms(text, Lang::Zh, Format::Html);
    assert!(html.contains("<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>"), "{html}");
    assert!(
        html.contains("需 &lt;script&gt;alert(1)&lt;/script&gt; *满足* | 条件"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<link") && !html.contains("src="), "self-contained");
    let md = terms(text, Lang::Zh, Format::Markdown);
    assert!(md.starts_with("# \\<b\\>A \\& B\\</b\\>\n"), "{md}");
    assert!(
        md.contains("需 \\<script\\>alert(1)\\</script\\> \\*满足\\* \\| 条件"),
        "{md}"
    );
}

const COLDSTART: &str = "policies/channels-brand-coldstart-2023.campaign";

#[test]
fn render_prints_the_terms() {
    let run = campaign(&["render", COLDSTART, "--lang", "zh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = terms(&read(&root().join(COLDSTART)), Lang::Zh, Format::Markdown);
    assert_eq!(run.stdout, expected);
    assert!(
        run.stdout.contains("每月预算 `monthly_packs` (默认 50)"),
        "{}",
        run.stdout
    );
}

#[test]
fn render_writes_html_to_a_file() {
    let dir = TempDir::new("terms", "html");
    let out = dir.path().join("terms.html");
    let run = campaign(&[
        "render",
        COLDSTART,
        "--lang",
        "en",
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let page = read(&out);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{page}");
    assert!(page.contains("29 November 2023 to 28 December 2023"), "{page}");
}

#[test]
fn render_takes_the_language_from_the_environment() {
    let zh = Run::of(command().env("CAMPAIGN_LANG", "zh").args(["render", COLDSTART]));
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    assert!(zh.stdout.contains("## 参与条件"), "{}", zh.stdout);
    let flag = Run::of(
        command()
            .env("CAMPAIGN_LANG", "zh")
            .args(["render", COLDSTART, "--lang", "en"]),
    );
    assert!(
        flag.stdout.contains("## Who qualifies"),
        "the flag wins: {}",
        flag.stdout
    );
    let default = campaign(&["render", COLDSTART]);
    assert!(default.stdout.contains("## Who qualifies"), "{}", default.stdout);
}

#[test]
fn render_refuses_a_campaign_with_errors() {
    let dir = TempDir::new("terms", "broken");
    let file = dir.path().join("broken.campaign");
    std::fs::write(
        &file,
        "campaign \"x\" {\n  timezone Asia/Shanghai\n  facts {\n    gmv: money CNY\n  }\n  reward r = gnv × 1%, rounded down\n}\n",
    )
    .unwrap();
    let run = campaign(&["render", file.to_str().unwrap(), "--lang", "zh"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("its terms were not rendered"), "{}", run.stderr);
    let missing = campaign(&["render", "no/such.campaign"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

/// The example in docs/cli.md is what the command writes.
#[test]
fn the_documented_example_is_current() {
    let doc = read(&root().join("docs/cli.md"));
    let marker = "The first lines of `campaign render policies/channels-edu-back-to-school-2024.campaign --lang zh`:";
    let after = &doc[doc.find(marker).expect("the example in docs/cli.md") + marker.len()..];
    let mut shown = Vec::new();
    for line in after.lines().skip(1).skip_while(|l| l.is_empty()) {
        if line.is_empty() {
            shown.push("");
        } else if let Some(code) = line.strip_prefix("    ") {
            shown.push(code);
        } else {
            break;
        }
    }
    while shown.last() == Some(&"") {
        shown.pop();
    }
    assert!(shown.len() > 20, "{shown:?}");
    let text = read(&root().join("policies/channels-edu-back-to-school-2024.campaign"));
    let rendered = terms(&text, Lang::Zh, Format::Markdown);
    let actual: Vec<&str> = rendered.lines().take(shown.len()).collect();
    assert_eq!(actual, shown);
}
