//! Printing diagnostics: graphical, plain, JSON, GitHub annotations.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::Write;
use std::sync::Arc;

use anstream::{AutoStream, ColorChoice};
use serde_json::json;

use std::sync::atomic::{AtomicBool, Ordering};

use super::{ColorWhen, DiagnosticFormat, Language};
use crate::diagnostics::{Diagnostic, Fix, Rendered, Severity, SourceFile};
use crate::report::terminal::{masked, shown};

/// Records the `--color` choice for the run (anstream's global choice; `auto` leaves the
/// decision to [`colour_on_stderr`]).
pub fn choose_colour(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// Whether diagnostics are shown in Chinese (`--lang zh`), for the whole run.
static CHINESE: AtomicBool = AtomicBool::new(false);

/// Records the `--lang` choice for the run.
pub fn choose_language(lang: Language) {
    CHINESE.store(lang == Language::Zh, Ordering::Relaxed);
}

/// The diagnostic in the chosen language: in Chinese, the catalogue's texts where it has
/// them (`crate::catalogue`); in English, as built.
fn localised(diagnostic: &Diagnostic) -> Cow<'_, Diagnostic> {
    if CHINESE.load(Ordering::Relaxed) {
        Cow::Owned(crate::catalogue::chinese(diagnostic))
    } else {
        Cow::Borrowed(diagnostic)
    }
}

/// Whether to colour diagnostics on standard error, as anstream decides: `--color always` or
/// `never` as given; `auto`: standard error is a terminal that supports colour (or
/// `CLICOLOR_FORCE` is set), and `NO_COLOR` is unset or empty. Miette's rendering follows it.
pub fn colour_on_stderr() -> bool {
    AutoStream::choice(&std::io::stderr()) != ColorChoice::Never
}

/// `file` as a terminal may show it (name and text masked, offsets kept), or `None` when it is
/// safe as it is. Made once per file and kept for the next diagnostic about it: masking scans
/// the whole text, and a file with thousands of diagnostics was scanned once for each.
fn safe_file(file: &SourceFile) -> Option<SourceFile> {
    type Last = Option<(Arc<str>, String, Option<SourceFile>)>;
    thread_local! {
        static LAST: RefCell<Last> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((text, name, safe)) = last.as_ref()
            && Arc::ptr_eq(text, &file.text)
            && *name == file.name
        {
            return safe.clone();
        }
        let (safe_name, safe_text) = (shown(&file.name), masked(&file.text));
        let safe = if matches!(safe_name, Cow::Borrowed(_)) && matches!(safe_text, Cow::Borrowed(_)) {
            None
        } else {
            Some(SourceFile::new(safe_name.into_owned(), safe_text.into_owned()))
        };
        *last = Some((Arc::clone(&file.text), file.name.clone(), safe.clone()));
        safe
    })
}

/// Renders one diagnostic for people. The file's name and the source lines shown are made
/// safe for a terminal first (see [`crate::report::terminal`]); offsets are unchanged.
pub fn graphical(diagnostic: &Diagnostic, file: &SourceFile, colour: bool) -> String {
    let localised = localised(diagnostic);
    let diagnostic = localised.as_ref();
    let safe = safe_file(file);
    let file = safe.as_ref().unwrap_or(file);
    let cleaned;
    let diagnostic = if texts_of(diagnostic).any(|t| matches!(shown(t), std::borrow::Cow::Owned(_))) {
        let mut d = diagnostic.clone();
        d.message = shown(&d.message).into_owned();
        d.help = d.help.map(|h| shown(&h).into_owned());
        for label in &mut d.labels {
            label.text = shown(&label.text).into_owned();
        }
        cleaned = d;
        &cleaned
    } else {
        diagnostic
    };
    if !crate::diagnostics::fits_a_snippet(diagnostic, file) {
        return crate::diagnostics::render_without_snippet(diagnostic, file);
    }
    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let width = terminal_width();
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    if handler
        .render_report(&mut out, &Rendered::new(diagnostic, file))
        .is_err()
    {
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

/// The texts of a diagnostic that may quote the input: message, help, labels.
fn texts_of(d: &Diagnostic) -> impl Iterator<Item = &str> {
    std::iter::once(d.message.as_str())
        .chain(d.help.as_deref())
        .chain(d.labels.iter().map(|l| l.text.as_str()))
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// One diagnostic as a JSON object. `fixes` is always there, `[]` when there is none.
pub fn json_object(diagnostic: &Diagnostic, file: &SourceFile) -> serde_json::Value {
    let localised = localised(diagnostic);
    let diagnostic = localised.as_ref();
    let span = diagnostic.span();
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    let fixes: Vec<serde_json::Value> = diagnostic.fixes.iter().map(|f| json_fix(f, file)).collect();
    json!({
        "code": diagnostic.code.as_str(),
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "file": file.name,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "span": {"offset": span.start, "length": span.len()},
        "label": diagnostic.labels.first().map(|l| l.text.clone()),
        "help": diagnostic.help,
        "fixes": fixes,
    })
}

/// One fix as a JSON object, its place written like a diagnostic's.
fn json_fix(fix: &Fix, file: &SourceFile) -> serde_json::Value {
    let (line, column) = file.line_col(fix.span.start);
    let (end_line, end_column) = file.line_col(fix.span.end);
    json!({
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "span": {"offset": fix.span.start, "length": fix.span.len()},
        "replacement": fix.replacement,
        "title": fix.title,
    })
}

/// One diagnostic as a GitHub Actions workflow command.
pub fn github_line(diagnostic: &Diagnostic, file: &SourceFile) -> String {
    let localised = localised(diagnostic);
    let diagnostic = localised.as_ref();
    let span = diagnostic.span();
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    let kind = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{kind} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}",
        escape_property(&file.name),
        escape_property(diagnostic.code.as_str()),
        escape_data(&message)
    )
}

/// Escapes a GitHub workflow command's message (shown in CI logs, so made terminal-safe
/// first, line breaks kept as the workflow command's escapes).
pub fn escape_data(s: &str) -> String {
    let lines: Vec<String> = s.split('\n').map(|line| shown(line).into_owned()).collect();
    lines.join("\n").replace('%', "%25").replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Prints the diagnostics of several files in the chosen format: for people on standard
/// error (a failed write there is ignored), JSON and GitHub annotations on `out`.
///
/// # Errors
///
/// When `out` cannot be written.
pub fn print_all(
    format: DiagnosticFormat,
    reports: &[(SourceFile, Vec<Diagnostic>)],
    out: &mut impl Write,
) -> std::io::Result<()> {
    match format {
        DiagnosticFormat::Human | DiagnosticFormat::Plain => {
            let colour = format == DiagnosticFormat::Human && colour_on_stderr();
            let mut err = std::io::stderr().lock();
            for (file, diags) in reports {
                for d in diags {
                    let _ = write!(err, "{}", graphical(d, file, colour));
                }
            }
            Ok(())
        }
        DiagnosticFormat::Json => {
            let all: Vec<serde_json::Value> = reports
                .iter()
                .flat_map(|(f, ds)| ds.iter().map(move |d| json_object(d, f)))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into())
            )
        }
        DiagnosticFormat::Github => {
            for (file, diags) in reports {
                for d in diags {
                    writeln!(out, "{}", github_line(d, file))?;
                }
            }
            Ok(())
        }
    }
}

/// "2 errors, 1 warning in 3 files".
pub fn summary(errors: usize, warnings: usize, files: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if errors == 0 && warnings == 0 {
        format!("{} checked: no problems", plural(files, "file"))
    } else {
        format!(
            "{}, {} in {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files, "file")
        )
    }
}
