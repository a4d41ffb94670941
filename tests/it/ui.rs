//! The diagnostics golden suite.
//!
//! Every file under `tests/ui/` is a small campaign with a mistake a policy
//! author really makes. Its header comment says what the mistake is and
//! which codes it must produce (`# expect: check::unknown_name`; `# expect:
//! none` for a file that must be clean). The test renders every diagnostic
//! as the command line shows it (without colour, 80 columns) and compares
//! the result with the snapshot in `tests/it/snapshots/`; it also checks that
//! the codes produced are exactly the ones the header names, so that a
//! snapshot cannot silently drift to a different error.
//!
//! To add a case, write the file, run `INSTA_UPDATE=always cargo test --test
//! it ui::` (or `cargo insta review`), and read the new snapshot: the code, the
//! label on the exact span, and a help line a policy author can act on.

use std::collections::BTreeSet;
use std::path::Path;

use campaign::check::check;
use campaign::diagnostics::{Code, Diagnostic, SourceFile, render_plain};

use crate::harness::root;

/// The codes named by `# expect:` lines in the header comment.
fn expected_codes(text: &str, name: &str) -> BTreeSet<String> {
    let mut expected = BTreeSet::new();
    let mut found = false;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# expect:") {
            found = true;
            for code in rest.split(',').map(str::trim).filter(|c| !c.is_empty() && *c != "none") {
                assert!(
                    Code::ALL.iter().any(|c| c.as_str() == code),
                    "{name}: `# expect:` names `{code}`, which is not a diagnostic code"
                );
                expected.insert(code.to_string());
            }
        }
    }
    assert!(
        found,
        "{name}: the header comment must have an `# expect: CODE, ...` line"
    );
    expected
}

/// Every diagnostic, rendered as the command line shows it.
fn render(diagnostics: &[Diagnostic], file: &SourceFile) -> String {
    diagnostics
        .iter()
        .map(|d| render_plain(d, file, 80))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The path relative to the crate root, with forward slashes.
fn relative(path: &Path) -> String {
    let root = root();
    let rel = path.strip_prefix(&root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn ui() {
    insta::glob!("../ui", "**/*.campaign", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = relative(path);
        assert!(
            text.starts_with('#'),
            "{name}: start the file with a `#` comment saying what mistake it contains"
        );
        let expected = expected_codes(&text, &name);
        let checked = check(&text);
        let got: BTreeSet<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect();
        assert_eq!(
            got, expected,
            "{name}: the codes produced differ from the header's `# expect:`"
        );
        for d in &checked.diagnostics {
            assert!(d.help.is_some(), "{name}: `{}` has no help line", d.code);
        }
        let rendered = render(&checked.diagnostics, &SourceFile::new(name, text.as_str()));
        insta::assert_snapshot!(rendered);
    });
}

/// The names, values and code a text quotes: what is in backticks, and every number.
fn facts(text: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = text.split('`').skip(1).step_by(2).map(str::to_string).collect();
    let mut number = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            number.push(c);
        } else if !number.is_empty() {
            out.insert(std::mem::take(&mut number));
        }
    }
    out
}

/// `--lang zh`: every case of the suite that gives a translated code, its diagnostics in
/// Chinese (a code without Chinese texts stays in English). Each text of a translated
/// code must be translated whole, and quote the same names, values and code as the
/// English; every translated code must be in some case.
#[test]
fn ui_in_chinese() {
    let translated: BTreeSet<&str> = campaign::catalogue::translated_codes().map(|c| c.as_str()).collect();
    assert!(translated.len() >= 20, "{} codes translated", translated.len());
    let mut covered = BTreeSet::new();
    let mut problems = Vec::new();
    insta::glob!("../ui", "**/*.campaign", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = relative(path);
        let checked = check(&text);
        if !checked.diagnostics.iter().any(|d| translated.contains(d.code.as_str())) {
            return;
        }
        let mut chinese = Vec::new();
        for d in &checked.diagnostics {
            let zh = campaign::catalogue::chinese(d);
            if translated.contains(d.code.as_str()) {
                covered.insert(d.code.as_str());
                for left in campaign::catalogue::untranslated(d) {
                    problems.push(format!("{name}: `{}` has no Chinese for {left:?}", d.code));
                }
                let english = d.labels.iter().map(|l| &l.text).chain(&d.help).chain([&d.message]);
                let translated = zh.labels.iter().map(|l| &l.text).chain(&zh.help).chain([&zh.message]);
                for (en, cn) in english.zip(translated) {
                    let missing: Vec<String> = facts(en).difference(&facts(cn)).cloned().collect();
                    if !missing.is_empty() {
                        problems.push(format!("{name}: {cn:?} lost {missing:?} of {en:?}"));
                    }
                }
            }
            chinese.push(zh);
        }
        let rendered = render(&chinese, &SourceFile::new(name, text.as_str()));
        insta::assert_snapshot!("zh", rendered);
    });
    assert!(problems.is_empty(), "{problems:#?}");
    let uncovered: Vec<&&str> = translated.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "translated codes in no case of tests/ui: {uncovered:?}"
    );
}

/// A file over the size limit cannot live in the repository; build one in memory.
#[test]
fn file_too_large() {
    let mut text = String::from("# a campaign pasted together with a whole data export\ncampaign \"x\" {\n");
    while text.len() <= 1 << 20 {
        text.push_str("  note \"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十\"\n");
    }
    text.push_str("}\n");
    let checked = check(&text);
    let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["parse::file_too_large"]);
    let rendered = render(
        &checked.diagnostics,
        &SourceFile::new("tests/ui/huge.campaign", text.as_str()),
    );
    insta::assert_snapshot!(rendered);
}

/// A campaign over the limit of conditions would be a very long file; build one in memory.
#[test]
fn too_many_conditions() {
    let mut text = String::from(
        "# every product's rule pasted as its own condition\ncampaign \"x\" {\n  timezone Asia/Shanghai\n  facts {\n    agreement_signed: bool\n  }\n  eligible when {\n",
    );
    for i in 0..1001 {
        text.push_str(&format!("    agreement_signed   \"条件 {i}\"\n"));
    }
    text.push_str("  }\n}\n");
    let checked = check(&text);
    let codes: BTreeSet<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, BTreeSet::from(["check::too_large"]));
    let rendered = render(
        &checked.diagnostics,
        &SourceFile::new("tests/ui/long.campaign", text.as_str()),
    );
    insta::assert_snapshot!(rendered);
}

/// Checking never panics, whatever the text: every case of the suite and every seed policy,
/// each with many small random edits of the kind a hurried author makes.
#[test]
fn checking_edited_campaigns_never_panics() {
    const SNIPPETS: &[&str] = &[
        " and ",
        " or ",
        "≥",
        "<",
        ">",
        "=",
        "5",
        "0",
        "4.2",
        " CNY",
        "%",
        " × ",
        "÷",
        "-",
        "..",
        " through ",
        "2024-08-01",
        "2024-02-30",
        "24:00",
        " 00:00",
        " in ",
        "signup",
        " if unknown true",
        " if unknown false",
        "\t",
        "\"",
        "(",
        ")",
        "{",
        "}",
        ",",
        ".",
        " not ",
        " at most 0 CNY",
        "\n",
        "：",
        "registered_at",
    ];
    let mut files = Vec::new();
    for dir in ["tests/ui/parse", "tests/ui/check", "tests/ui/lint", "policies"] {
        let dir = root().join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "campaign") {
                files.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    assert!(files.len() > 60);
    // A fixed xorshift generator: the same edits on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1) as u64) as usize
    };
    for text in &files {
        for _ in 0..40 {
            let mut edited = text.clone();
            for _ in 0..1 + next(3) {
                let boundaries: Vec<usize> = (0..=edited.len()).filter(|i| edited.is_char_boundary(*i)).collect();
                let at = boundaries[next(boundaries.len())];
                match next(3) {
                    0 => edited.insert_str(at, SNIPPETS[next(SNIPPETS.len())]),
                    1 => {
                        let end = boundaries.iter().copied().find(|b| *b > at).unwrap_or(at);
                        edited.replace_range(at..end, "");
                    }
                    _ => {
                        let len = next(12);
                        let end = boundaries.iter().copied().filter(|b| *b >= at).nth(len).unwrap_or(at);
                        let copy = edited[at..end].to_string();
                        edited.insert_str(end, &copy);
                    }
                }
            }
            let checked = check(&edited);
            for d in &checked.diagnostics {
                let _ = render_plain(d, &SourceFile::new("edited.campaign", edited.as_str()), 80);
            }
        }
    }
}

/// docs/errors.md lists exactly the codes that have Chinese texts.
#[test]
fn the_translated_codes_are_documented() {
    let doc = std::fs::read_to_string(root().join("docs/errors.md")).unwrap();
    let start = doc
        .find("## Diagnostics in Chinese")
        .expect("the section in docs/errors.md");
    let section = &doc[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let listed: BTreeSet<&str> = section[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let translated: BTreeSet<&str> = campaign::catalogue::translated_codes().map(|c| c.as_str()).collect();
    assert_eq!(listed, translated);
}

/// `--lang zh` and `CAMPAIGN_LANG=zh` on the command line; English without them.
#[test]
fn diagnostics_in_chinese_on_the_command_line() {
    use crate::harness::{Run, campaign, command};
    let case = "tests/ui/check/unknown_fact_typo.campaign";
    let zh = campaign(&["--lang", "zh", "check", case]);
    assert_eq!(zh.code, 1);
    assert!(zh.stderr.contains("未定义"), "{}", zh.stderr);
    let env = Run::of(
        command()
            .env("CAMPAIGN_LANG", "zh")
            .args(["check", "--format", "json", case]),
    );
    assert!(env.stdout.contains("未定义"), "{}", env.stdout);
    let flag = Run::of(
        command()
            .env("CAMPAIGN_LANG", "zh")
            .args(["check", case, "--lang", "en"]),
    );
    assert!(
        flag.stderr.contains("is not defined") && !flag.stderr.contains("未定义"),
        "{}",
        flag.stderr
    );
    let en = campaign(&["check", case]);
    assert!(en.stderr.contains("is not defined"), "{}", en.stderr);
}
