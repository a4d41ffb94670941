//! `campaign lsp`: the language server over standard input and output.

use std::io::BufReader;
use std::path::Path;

use clap::Args;

use super::Termination;

/// Arguments of `campaign lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Accepted because editors pass it (VS Code's language client appends `--stdio`); the
    /// server always speaks over standard input and output.
    #[arg(long, hide = true)]
    stdio: bool,
}

fn read_file(path: &Path) -> Option<String> {
    std::fs::read(path).ok().and_then(|bytes| String::from_utf8(bytes).ok())
}

fn log(line: &str) {
    say!("{line}");
}

/// Runs `campaign lsp` until the editor says `exit` or closes standard input.
pub fn run(args: &LspArgs) -> Termination {
    let _ = args.stdio;
    let config = crate::lsp::Config {
        read_file: Box::new(read_file),
        log,
    };
    match crate::lsp::serve(BufReader::new(std::io::stdin()), std::io::stdout(), config) {
        Ok(true) => Termination::Success,
        // `exit` without `shutdown` first: the protocol asks for exit code 1.
        Ok(false) => Termination::Failure,
        Err(e) => {
            say!("error: the language server stopped: {e}");
            Termination::Failure
        }
    }
}
