//! `campaign fmt [--check [--diff]] [--keywords en|zh] PATH...`.
//!
//! `.tests` files have no canonical layout: `fmt` leaves them as they are, except that
//! `--keywords` converts their keywords too (and then finds them in folders as well).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::output::{replace_file, target_of, write_failed};
use super::read::{self, CAMPAIGN_LIMIT, ReadError};
use super::render::{colour_on_stderr, graphical};
use super::{Termination, walk};
use crate::diagnostics::SourceFile;
use crate::report::shown_path;
use crate::syntax::keywords::Surface;

/// Arguments of `campaign fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Campaign files, or folders searched recursively for *.campaign files (and, with
    /// --keywords, *.tests files); symbolic links inside a folder are not followed; a link
    /// named here is formatted at its target.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Do not write: list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// With --check: print a unified diff of what would change, instead of the file names.
    #[arg(long, requires = "check")]
    diff: bool,
    /// Print only errors, and no summary: nothing at all when every file is formatted.
    #[arg(long, short)]
    quiet: bool,
    /// Write the files with this keyword set (`en` English, `zh` Chinese), converting those
    /// written with the other (docs/language.zh.md), `.tests` files included
    /// (docs/testing.md); by default each keeps its own.
    #[arg(long, value_name = "en|zh", value_parser = parse_surface)]
    keywords: Option<Surface>,
}

/// `--keywords en|zh`.
fn parse_surface(word: &str) -> Result<Surface, String> {
    [Surface::English, Surface::Chinese]
        .into_iter()
        .find(|s| s.name() == word)
        .ok_or_else(|| format!("`{word}` is not a keyword set: write `en` (English) or `zh` (Chinese)"))
}

/// What happened to the files.
#[derive(Debug, Default)]
struct Counts {
    changed: usize,
    unchanged: usize,
    broken: usize,
    unreadable: bool,
}

/// Runs `campaign fmt`: rewrites each file that is not in the canonical layout
/// (only those; atomically, through a temporary file beside it), or with `--check` lists
/// them (`would reformat PATH` on stdout, or with `--diff` their diffs) and exits 1 if there
/// are any. A file that does not parse is reported on stderr and makes the command exit 1;
/// a missing or unreadable path, or a file that cannot be written, exits 2.
pub fn run(args: &FmtArgs) -> Termination {
    let converting = args.keywords.is_some();
    let found = walk::files(&args.paths, |p| {
        walk::is_campaign(p) || (converting && walk::is_tests(p))
    });
    let mut counts = Counts {
        unreadable: found.unreadable,
        ..Counts::default()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &found.files {
        match one(args, path, &mut counts, &mut out) {
            Ok(()) => {}
            Err(Stop::Write(e)) => return write_failed(&e, "standard output", true),
            Err(Stop::Usage) => return Termination::Usage,
        }
    }
    if let Err(e) = out.flush() {
        return write_failed(&e, "standard output", true);
    }
    if !args.quiet {
        say!("{}", summary(args.check, &counts));
    }
    if counts.unreadable {
        Termination::Usage
    } else if counts.broken > 0 || (args.check && counts.changed > 0) {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// Why the run stops before the end.
enum Stop {
    /// Standard output could not be written.
    Write(std::io::Error),
    /// A file could not be written (reported).
    Usage,
}

/// Formats one file.
fn one(args: &FmtArgs, path: &Path, counts: &mut Counts, out: &mut impl Write) -> Result<(), Stop> {
    // A link named on the command line is formatted at its target (the link is kept).
    let target = target_of(path);
    let text = match read::text(&target, CAMPAIGN_LIMIT) {
        Ok(t) => t,
        Err(e) => {
            say!("error: {}", e.message());
            match e {
                ReadError::Unreadable(_) => counts.unreadable = true,
                ReadError::Refused(_) | ReadError::TooLarge(..) => counts.broken += 1,
            }
            return Ok(());
        }
    };
    let formatted = if walk::is_tests(path) {
        tests_in(&text, args.keywords)
    } else {
        match args.keywords {
            None => crate::fmt::format(&text),
            Some(surface) => crate::fmt::format_in(&text, surface),
        }
        .map_err(|d| vec![d])
    };
    let formatted = match formatted {
        Ok(f) => f,
        Err(diagnostics) => {
            let file = SourceFile::new(path.display().to_string(), text.as_str());
            for diagnostic in &diagnostics {
                say_raw!("{}", graphical(diagnostic, &file, colour_on_stderr()));
            }
            counts.broken += 1;
            return Ok(());
        }
    };
    if formatted == text {
        counts.unchanged += 1;
        return Ok(());
    }
    counts.changed += 1;
    if args.check {
        let written = if args.diff {
            write!(out, "{}", diff(path, &text, &formatted))
        } else {
            writeln!(out, "would reformat {}", shown_path(path))
        };
        return written.map_err(Stop::Write);
    }
    if !std::fs::metadata(&target).is_ok_and(|m| m.is_file()) {
        say!("error: cannot write `{}`: not a regular file", shown_path(path));
        return Err(Stop::Usage);
    }
    if let Err(e) = replace_file(&target, formatted.as_bytes()) {
        say!(
            "error: cannot write `{}`: {e} (the file was left as it was)",
            shown_path(path)
        );
        return Err(Stop::Usage);
    }
    Ok(())
}

/// A `.tests` file as `fmt` writes it: with the keywords of `to`, or as it is (once it is
/// known to follow the format).
fn tests_in(text: &str, to: Option<Surface>) -> Result<String, Vec<crate::diagnostics::Diagnostic>> {
    match to {
        Some(surface) => crate::testing::convert::convert(text, surface),
        None => crate::testing::parse(text).map(|_| text.to_string()),
    }
}

/// The unified diff from `before` to `after`, headed `--- PATH` / `+++ PATH (formatted)`.
fn diff(path: &Path, before: &str, after: &str) -> String {
    let name = shown_path(path);
    let text = similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&name, &format!("{name} (formatted)"))
        .to_string();
    crate::report::terminal::masked(&text).into_owned()
}

/// `2 files would be reformatted, 4 already formatted`.
fn summary(check: bool, counts: &Counts) -> String {
    let verb = if check { "would be reformatted" } else { "reformatted" };
    let mut summary = format!(
        "{} {} {verb}, {} already formatted",
        counts.changed,
        plural(counts.changed, "file", "files"),
        counts.unchanged
    );
    if counts.broken > 0 {
        summary.push_str(&format!(", {} could not be formatted", counts.broken));
    }
    summary
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
