//! The diagnostics catalogue (`docs/errors.md`) and the golden suite
//! (`tests/ui/`, snapshots in `tests/it/snapshots/`) cover every code.
//!
//! - every code in `Code::ALL` has a section headed exactly ``## `code` ``,
//!   and every such section names a code that exists;
//! - every section has a broken example (a ```` ```campaign ```` block; a
//!   ```` ```text ```` block of a `.tests` file for `test::` codes; none for
//!   `internal::` codes, which no file is meant to give), the message it
//!   gives (a `> ` line) and the fix (`**Fix:**`);
//! - every code appears in at least one UI snapshot, and the message quoted
//!   in its section is one that a snapshot really shows (so the catalogue
//!   cannot drift from what `campaign check` prints).

use std::collections::{BTreeMap, BTreeSet};

use campaign::diagnostics::Code;

use crate::harness::root;

/// Codes that `campaign::check::check` cannot produce, so no UI snapshot can show them, and why.
const NOT_FROM_CHECK: &[(&str, &str)] = &[
    (
        "check::parameter_override",
        "reported for `--param NAME=VALUE` (campaign evaluate, campaign tests), never for a campaign file alone",
    ),
    (
        "test::syntax",
        "reported for `.tests` files (campaign test), never for a campaign file; tests/it/testing.rs covers it",
    ),
    (
        "test::mixed_keywords",
        "reported for `.tests` files (campaign test, fmt --keywords), never for a campaign file; tests/it/testing.rs covers it",
    ),
    (
        "internal::error",
        "a fault in campaign itself: a campaign file that gives it is a bug to fix, not a case to keep",
    ),
];

/// Codes in the catalogue that the checker does not give yet: the diagnostics they are
/// meant for are still reported under an older, stretched code. When the checker switches
/// over, add a campaign under tests/ui/ that gives the code and remove it from this list.
const NOT_YET_FROM_CHECK: &[(&str, &str)] = &[];

/// Whether no UI snapshot is expected to show the code, and why.
fn exemption(code: &str) -> Option<&'static str> {
    NOT_FROM_CHECK
        .iter()
        .chain(NOT_YET_FROM_CHECK)
        .find(|(c, _)| *c == code)
        .map(|(_, why)| *why)
}

/// The sections of `docs/errors.md` by code, with their text.
fn sections() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md exists");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let code = heading
                .strip_prefix('`')
                .and_then(|h| h.strip_suffix('`'))
                .filter(|c| c.contains("::") && !c.contains('`'));
            let Some(code) = code else {
                assert!(
                    !heading.contains("::"),
                    "docs/errors.md: the heading `## {heading}` must be exactly ``## `code` ``"
                );
                current = None;
                continue;
            };
            assert!(!out.contains_key(code), "docs/errors.md: `{code}` has two sections");
            out.insert(code.to_string(), String::new());
            current = Some(code.to_string());
        } else if line.starts_with("# ") {
            current = None;
        } else if let Some(code) = &current
            && let Some(body) = out.get_mut(code)
        {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// Every diagnostic shown in the UI snapshots: its code and its message (unwrapped).
fn snapshot_messages() -> Vec<(String, String)> {
    let dir = root().join("tests/it/snapshots");
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/it/snapshots exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let is_code = Code::ALL.iter().any(|c| c.as_str() == line);
            if is_code {
                // The message follows: `  × ...` or `  ⚠ ...`, wrapped on `  │ ...` lines.
                let mut j = i + 1;
                while j < lines.len() && lines[j].trim().is_empty() {
                    j += 1;
                }
                let first = lines.get(j).copied().unwrap_or("");
                let message = first
                    .trim_start()
                    .strip_prefix('×')
                    .or_else(|| first.trim_start().strip_prefix('⚠'))
                    .map(str::trim);
                if let Some(message) = message {
                    let mut message = message.to_string();
                    let mut k = j + 1;
                    while let Some(more) = lines.get(k).and_then(|l| l.strip_prefix("  │ ")) {
                        message.push(' ');
                        message.push_str(more.trim());
                        k += 1;
                    }
                    out.push((line.to_string(), message));
                    i = k;
                    continue;
                }
            }
            i += 1;
        }
    }
    out
}

#[test]
fn every_code_has_a_section_and_every_section_a_code() {
    let documented: BTreeSet<String> = sections().into_keys().collect();
    let codes: BTreeSet<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    let missing: Vec<&String> = codes.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&codes).collect();
    assert!(
        missing.is_empty(),
        "docs/errors.md has no section for: {missing:?} (add ``## `code` `` with the meaning, a broken example, the message and the fix)"
    );
    assert!(
        unknown.is_empty(),
        "docs/errors.md has sections for codes that do not exist: {unknown:?}"
    );
}

#[test]
fn every_section_has_an_example_a_message_and_a_fix() {
    for (code, body) in sections() {
        if code.starts_with("test::") {
            assert!(
                body.contains("```text"),
                "docs/errors.md `{code}`: add a broken `.tests` excerpt in a ```text block"
            );
        } else if !code.starts_with("internal::") {
            assert!(
                body.contains("```campaign"),
                "docs/errors.md `{code}`: add a broken example in a ```campaign block"
            );
        }
        assert!(
            body.lines().any(|l| l.starts_with("> ")),
            "docs/errors.md `{code}`: quote the message it gives on a `> ` line"
        );
        assert!(
            body.contains("**Fix:**"),
            "docs/errors.md `{code}`: say how to fix it (`**Fix:**`)"
        );
    }
}

#[test]
fn every_code_appears_in_a_ui_snapshot() {
    let shown: BTreeSet<String> = snapshot_messages().into_iter().map(|(code, _)| code).collect();
    for code in Code::ALL {
        let code = code.as_str();
        match exemption(code) {
            Some(why) => assert!(
                !shown.contains(code),
                "`{code}` now appears in a UI snapshot; remove it from NOT_FROM_CHECK or NOT_YET_FROM_CHECK ({why})"
            ),
            None => assert!(
                shown.contains(code),
                "no UI snapshot shows `{code}`: add a campaign under tests/ui/ that produces it"
            ),
        }
    }
}

#[test]
fn every_quoted_message_is_one_the_checker_gives() {
    let messages = snapshot_messages();
    for (code, body) in sections() {
        if exemption(&code).is_some() {
            continue;
        }
        let quoted: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("> ")).collect();
        for q in quoted {
            assert!(
                messages.iter().any(|(c, m)| *c == code && m == q),
                "docs/errors.md `{code}` quotes the message `{q}`, which no UI snapshot shows for that code; copy the message from the snapshot"
            );
        }
    }
}
