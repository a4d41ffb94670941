//! What the integration tests share: the repository's root, the `campaign`
//! binary run the same way every time, and folders of their own.

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The terminal width the binary is given, wide enough that no message any test
/// reads is wrapped. A test that needs another width (the tutorial shows 80
/// columns) sets `COLUMNS` on [`command`].
pub const COLUMNS: &str = "200";

/// The repository's root (the crate's folder).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `campaign` binary, run from the repository's root, without colour or a
/// progress line, [`COLUMNS`] wide.
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campaign"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", COLUMNS)
        .env_remove("CAMPAIGN_PROGRESS")
        .env_remove("CAMPAIGN_LANG");
    cmd
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to the end; its output must be UTF-8.
    pub fn of(cmd: &mut Command) -> Run {
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

/// `campaign ARGS`, run by [`command`].
pub fn campaign(args: &[&str]) -> Run {
    Run::of(command().args(args))
}

/// A fresh, empty folder of one test's own under the system's temporary
/// folder, removed when dropped. It reads as its path.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// The folder for test `name` of module `group` (the pair must be unique).
    pub fn new(group: &str, name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("campaign-{group}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for TempDir {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
