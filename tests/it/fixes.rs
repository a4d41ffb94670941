//! Fixes (`Diagnostic::fixes`) do what they say.
//!
//! For every campaign under `tests/ui/`, every fix must point at whole
//! characters of the file, and applying the fixes of one diagnostic must make
//! that diagnostic go away. A fix is only attached where the help says exactly
//! what to write, so applying it must never leave the same problem in place.

use std::path::{Path, PathBuf};

use campaign::check::check;
use campaign::diagnostics::{Code, Diagnostic};

use crate::harness::root;

fn campaigns(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            campaigns(&path, out);
        } else if path.extension().is_some_and(|e| e == "campaign") {
            out.push(path);
        }
    }
}

/// The text with one diagnostic's fixes applied, last first.
fn apply(text: &str, d: &Diagnostic) -> String {
    let mut out = text.to_string();
    let mut fixes = d.fixes.clone();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    for f in fixes {
        out.replace_range(f.span.start..f.span.end, &f.replacement);
    }
    out
}

#[test]
fn every_fix_removes_its_diagnostic() {
    let mut files = Vec::new();
    campaigns(&root().join("tests/ui"), &mut files);
    let mut applied = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        for d in check(&text).diagnostics.iter().filter(|d| !d.fixes.is_empty()) {
            for f in &d.fixes {
                assert!(
                    f.span.end <= text.len()
                        && text.is_char_boundary(f.span.start)
                        && text.is_char_boundary(f.span.end),
                    "{name}: the fix {f:?} of {} does not cover whole characters",
                    d.code
                );
                assert!(!f.title.is_empty(), "{name}: a fix of {} without a title", d.code);
            }
            let after = apply(&text, d);
            let checked = check(&after);
            let left: Vec<&Diagnostic> = checked
                .diagnostics
                .iter()
                .filter(|e| e.code == d.code && e.span().start == d.span().start)
                .collect();
            assert!(
                left.is_empty(),
                "{name}: applying the fixes of {} `{}` leaves {left:?}",
                d.code,
                d.message
            );
            applied.push(d.code);
        }
    }
    // The UI campaigns exercise these fixes; `checker_fixes_beyond_the_ui_campaigns` the rest.
    for code in [
        Code::FullWidthPunctuation,
        Code::Syntax,
        Code::Tab,
        Code::BareNumber,
        Code::PercentExpected,
        Code::MissingRounding,
        Code::NeedlessUnknownRule,
        Code::UnknownEnumValue,
        Code::AmbiguousWindowEnd,
        Code::DuplicateSetItem,
    ] {
        assert!(applied.contains(&code), "no UI campaign has a fix for {code}");
    }
}

/// A small campaign around `body`, with a choice fact, an amount, an optional amount, a
/// timestamp and a reward with a budget.
fn campaign(body: &str) -> String {
    format!(
        "campaign \"fixes\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    store_status: one of \"normal\", \"suspended\"\n    \
         gmv: money CNY\n    refund: money CNY, optional\n    applied_at: timestamp\n  }}\n\n{body}\n\n  \
         reward cash = 10 CNY, budget 1000 CNY in total, first come first served by applied_at\n}}\n"
    )
}

#[test]
fn checker_fixes_beyond_the_ui_campaigns() {
    // (what is wrong, the code, the text replaced, the replacement)
    let cases = [
        (
            "  eligible when {\n    store_status in {\"normall\", \"suspended\"}   \"r\"\n  }",
            Code::UnknownEnumValue,
            "\"normall\"",
            "\"normal\"",
        ),
        (
            "  value rate = lookup store_status {\n    \"normall\" -> 1%\n    otherwise -> 0%\n  }\n\n  \
             eligible when {\n    rate > 0%   \"r\"\n  }",
            Code::UnknownEnumValue,
            "\"normall\"",
            "\"normal\"",
        ),
        (
            "  eligible when {\n    start_of_mont(applied_at) < 2024-09-01   \"r\"\n  }",
            Code::UnknownFunction,
            "start_of_mont",
            "start_of_month",
        ),
        (
            "  value late = csh is waitlisted\n\n  eligible when {\n    not late   \"r\"\n  }",
            Code::UnknownName,
            "csh",
            "cash",
        ),
        (
            "  eligible when {\n    (refund if unknown false) < gmv   \"r\"\n  }",
            Code::TypeMismatch,
            "false",
            "0 CNY",
        ),
        (
            "  eligible when {\n    store_status in {\"normal\", \"suspended\", \"normal\"}   \"r\"\n  }",
            Code::DuplicateSetItem,
            ", \"normal\"",
            "",
        ),
    ];
    for (body, code, before, after) in cases {
        let text = campaign(body);
        let checked = check(&text);
        let found = checked.diagnostics.iter().find(|d| d.code == code);
        assert!(found.is_some(), "no {code} for {body}: {:?}", checked.diagnostics);
        let d = found.unwrap();
        assert_eq!(d.fixes.len(), 1, "{code} for {body}: {:?}", d.fixes);
        let fix = d.fixes.first().unwrap();
        assert_eq!(text.get(fix.span.start..fix.span.end), Some(before), "{body}");
        assert_eq!(fix.replacement, after, "{body}");
        let fixed = check(&apply(&text, d));
        let left: Vec<&Diagnostic> = fixed.diagnostics.iter().filter(|e| e.code == code).collect();
        assert!(left.is_empty(), "{body}: the fix leaves {left:?}");
    }
}
