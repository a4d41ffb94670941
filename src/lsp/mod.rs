//! `campaign lsp`: the language server (see `docs/editors.md`).
//!
//! The server is synchronous: one thread runs the loop of `server`, which reads messages,
//! keeps the open documents (`document`) and answers requests; one worker thread checks
//! documents (`analysis`), one version at a time. A change is checked after a short pause
//! (the debounce), so that a burst of changes is checked once, and the result of a version that
//! a newer one replaced while it was being checked is dropped, never published. Requests that
//! need the check of the current text (hover, definition, references, rename, code actions,
//! outline) wait for it; completion, formatting and folding answer from the text at once.
//!
//! What the requests answer is computed by one module each: `diagnostics` (and quick fixes),
//! `hover`, `navigation` (definition, references, rename), `completion` and `outline`
//! (document symbols, folding ranges, formatting). `transport` reads and writes the messages.
//! Nothing here reads a file but through the function the command line gives [`serve`].

mod analysis;
mod completion;
mod diagnostics;
mod document;
mod hover;
mod navigation;
mod outline;
mod requests;
mod server;
mod transport;

use std::io::{BufRead, Write};
use std::path::Path;

/// Reads a file the editor has not opened (the campaign beside a `.tests` file): its text, or
/// none when it cannot be read as UTF-8 text.
pub type ReadFile = Box<dyn Fn(&Path) -> Option<String> + Send>;

/// How the server is run.
pub struct Config {
    /// Reads files from disk.
    pub read_file: ReadFile,
    /// Writes a line to the server's log (standard error, shown by editors in the server's output).
    pub log: fn(&str),
}

/// Serves one client over `input` and `output` until it says `exit` or closes the input.
///
/// Returns whether the client asked for the shutdown before it left, as the protocol wants
/// (the exit code is then 0, otherwise 1).
///
/// # Errors
///
/// When the server's threads cannot be started, or the output cannot be written.
pub fn serve<I, O>(input: I, output: O, config: Config) -> std::io::Result<bool>
where
    I: BufRead + Send + 'static,
    O: Write + Send + 'static,
{
    let (sender, receiver, threads) = transport::start(input, output)?;
    let server = server::Server::new(sender, receiver, config)?;
    let clean = server.run();
    threads.join_writer()?;
    Ok(clean)
}
