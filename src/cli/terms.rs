//! `campaign render POLICY [--lang zh|en] [--format md|html] [-o FILE]`: the terms
//! merchants read, generated from the campaign file (the wording is `crate::terms`; `--lang`
//! is the global flag, which also sets the language of diagnostics).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::output::{replace_file, target_of, write_failed};
use super::read::{self, CAMPAIGN_LIMIT, ReadError};
use super::render::{colour_on_stderr, graphical};
use super::{Language, Termination};
use crate::check::check;
use crate::diagnostics::SourceFile;
use crate::report::shown_path;
use crate::terms::{Format, Lang};

/// Arguments of `campaign render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The campaign file.
    policy: PathBuf,
    /// Markdown, or one self-contained HTML page.
    #[arg(long, value_enum, default_value_t = TermsFormat::Md)]
    format: TermsFormat,
    /// Write the terms to FILE (replaced whole) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TermsFormat {
    /// Markdown.
    Md,
    /// HTML.
    Html,
}

/// Runs `campaign render`: checks the campaign (its errors are printed and nothing is
/// rendered: terms of a campaign that does not compute would mislead), then writes its
/// terms.
pub fn run(args: &RenderArgs, lang: Language) -> Termination {
    let text = match read::text(&args.policy, CAMPAIGN_LIMIT) {
        Ok(t) => t,
        Err(e) => {
            say!("error: {}", e.message());
            return match e {
                ReadError::Unreadable(_) => Termination::Usage,
                ReadError::Refused(_) | ReadError::TooLarge(..) => Termination::Failure,
            };
        }
    };
    let file = SourceFile::new(args.policy.display().to_string(), text.as_str());
    let checked = check(&text);
    if checked.has_errors() {
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            say_raw!("{}", graphical(d, &file, colour_on_stderr()));
        }
        say!(
            "error: `{}` has errors; its terms were not rendered",
            shown_path(&args.policy)
        );
        return Termination::Failure;
    }
    let campaign = match crate::syntax::parse(&text) {
        Ok(c) => c,
        Err(d) => {
            say_raw!("{}", graphical(&d, &file, colour_on_stderr()));
            return Termination::Failure;
        }
    };
    let format = match args.format {
        TermsFormat::Md => Format::Markdown,
        TermsFormat::Html => Format::Html,
    };
    let lang = match lang {
        Language::Zh => Lang::Zh,
        Language::En => Lang::En,
    };
    let mut terms = crate::terms::render(&campaign, lang, format);
    if !terms.ends_with('\n') {
        terms.push('\n');
    }
    match &args.output {
        Some(path) => match replace_file(&target_of(path), terms.as_bytes()) {
            Ok(()) => Termination::Success,
            Err(e) => {
                say!("error: cannot write `{}`: {e}", shown_path(path));
                Termination::Usage
            }
        },
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match out.write_all(terms.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => Termination::Success,
                Err(e) => write_failed(&e, "standard output", true),
            }
        }
    }
}
