//! `campaign completions SHELL` and `campaign man [--out DIR]`: shell completions (clap_complete)
//! and manual pages (clap_mangen) generated from the same definition of the command line that
//! parses it, so they never fall behind a new flag.
//!
//! They are commands of the installed binary rather than files made at build time, as
//! ripgrep, jj and uv do: a packager runs the binary it packages
//! (`campaign man --out share/man/man1`, `campaign completions bash > …`), and a user of
//! `cargo install` can make them too; nothing is written into the build's output folder.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory, ValueEnum};

use super::{Cli, Termination};

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// Arguments of `campaign completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for; they are printed on standard output.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `campaign man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `campaign.1` and one page per command (`campaign-evaluate.1`, ...) into this folder
    /// (created if missing) instead of printing `campaign.1` on standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `campaign completions SHELL`.
pub fn completions(args: &CompletionsArgs) -> Termination {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
        Shell::Elvish => clap_complete::Shell::Elvish,
    };
    clap_complete::generate(shell, &mut command, "campaign", &mut script);
    write_stdout(&script)
}

/// `campaign man [--out DIR]`.
pub fn man(args: &ManArgs) -> Termination {
    let command = Cli::command();
    let Some(dir) = &args.out else {
        return match page(&command, "campaign") {
            Ok(page) => write_stdout(&page),
            Err(e) => fail(&format!("cannot write the manual page: {e}")),
        };
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(&format!("cannot create `{}`: {e}", dir.display()));
    }
    let mut pages = vec![("campaign".to_string(), command.clone())];
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        // The page is `campaign-evaluate(1)`, its synopsis the whole command: `campaign evaluate`.
        let name = format!("campaign-{}", sub.get_name());
        let sub = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("campaign {}", sub.get_name()));
        pages.push((name, sub));
    }
    for (name, command) in pages {
        let path = dir.join(format!("{name}.1"));
        let written = page(&command, &name).and_then(|page| std::fs::write(&path, page));
        if let Err(e) = written {
            return fail(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    Termination::Success
}

/// One command's manual page, in roff: titled `title` (`campaign-evaluate`), with the version
/// and commit in the footer.
fn page(command: &clap::Command, title: &str) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .title(title)
        .source(format!("campaign {}", env!("CAMPAIGN_VERSION")))
        .render(&mut page)?;
    Ok(page)
}

fn write_stdout(bytes: &[u8]) -> Termination {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Termination::Success,
        // A closed pipe (`campaign man | head`) ends quietly, as other tools do.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Termination::Success,
        Err(e) => fail(&format!("cannot write to standard output: {e}")),
    }
}

fn fail(message: &str) -> Termination {
    say!("error: {}", crate::report::shown(message));
    Termination::Usage
}
