//! Fixes (`Diagnostic::fixes`) do what they say.
//!
//! For every campaign under `tests/ui/`, every fix must point at whole
//! characters of the file, and applying the fixes of one diagnostic must make
//! that diagnostic go away. A fix is only attached where the help says exactly
//! what to write, so applying it must never leave the same problem in place.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
)]

use std::path::{Path, PathBuf};

use campaign::check::check;
use campaign::diagnostics::{Code, Diagnostic};

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
    campaigns(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui"), &mut files);
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
    // The fixes wired so far are all exercised by the UI campaigns.
    for code in [Code::FullWidthPunctuation, Code::Syntax, Code::Tab] {
        assert!(applied.contains(&code), "no UI campaign has a fix for {code}");
    }
}
