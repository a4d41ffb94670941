//! Printing diagnostics: graphical, plain, JSON, GitHub annotations.

use std::io::{IsTerminal, Write};

use serde_json::json;

use super::DiagnosticFormat;
use crate::diagnostics::{Diagnostic, Fix, Rendered, Severity, SourceFile};

/// Whether to colour output on stderr: a terminal, and `NO_COLOR` unset.
pub fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Renders one diagnostic for people.
pub fn graphical(diagnostic: &Diagnostic, file: &SourceFile, colour: bool) -> String {
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

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

/// One diagnostic as a JSON object. `fixes` is always there, `[]` when there is none.
pub fn json_object(diagnostic: &Diagnostic, file: &SourceFile) -> serde_json::Value {
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

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Prints the diagnostics of several files in the chosen format.
pub fn print_all(format: DiagnosticFormat, reports: &[(SourceFile, Vec<Diagnostic>)]) {
    match format {
        DiagnosticFormat::Human | DiagnosticFormat::Plain => {
            let colour = format == DiagnosticFormat::Human && colour_on_stderr();
            let mut err = std::io::stderr().lock();
            for (file, diags) in reports {
                for d in diags {
                    let _ = write!(err, "{}", graphical(d, file, colour));
                }
            }
        }
        DiagnosticFormat::Json => {
            let all: Vec<serde_json::Value> = reports
                .iter()
                .flat_map(|(f, ds)| ds.iter().map(move |d| json_object(d, f)))
                .collect();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into())
            );
        }
        DiagnosticFormat::Github => {
            let mut out = std::io::stdout().lock();
            for (file, diags) in reports {
                for d in diags {
                    let _ = writeln!(out, "{}", github_line(d, file));
                }
            }
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
