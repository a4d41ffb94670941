//! Where results and reports go: standard output, or a file written atomically.
//!
//! `-o FILE` writes a temporary file in the same folder and renames it over `FILE` only once
//! everything was written and flushed, so a reader never sees a file cut short: on any error
//! the temporary file is removed and an older `FILE` is left as it was. `-o -` is standard
//! output.
//!
//! A failed write ends the run as [`write_failed`] says: a reader that closed standard output
//! (`| head`) ends it quietly, exit 0, as grep and ripgrep do; anything else (a full disk,
//! `> /dev/full`) is reported once on standard error and exits 2.

use std::fs::Permissions;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::Termination;
use crate::report::shown_path;

/// The results' destination, buffered.
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<Stdout>),
    /// A file that exists and is not a regular file (`/dev/null`, a FIFO): written in place,
    /// since there is nothing to replace atomically (and a device must never be renamed over).
    Stream {
        /// The opened file.
        file: BufWriter<std::fs::File>,
        /// Its name.
        path: PathBuf,
    },
    /// A temporary file beside `path`, renamed over it by [`Output::commit`].
    File {
        /// The temporary file.
        temp: BufWriter<NamedTempFile>,
        /// Where it goes.
        path: PathBuf,
    },
}

impl Output {
    /// Standard output, or with `Some(path)` (other than `-`) a temporary file beside `path`.
    ///
    /// # Errors
    ///
    /// A message when the temporary file cannot be created.
    pub fn open(path: Option<&Path>) -> Result<Output, String> {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())));
        };
        let path = target_of(path);
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| format!("cannot write `{}`: {e}", shown_path(&path)))?;
            return Ok(Output::Stream {
                file: BufWriter::with_capacity(1 << 16, file),
                path,
            });
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let temp = temp_beside(&folder, &path).map_err(|e| {
            format!(
                "cannot write `{}`: cannot create a temporary file in `{}`: {e}",
                shown_path(&path),
                shown_path(&folder)
            )
        })?;
        Ok(Output::File {
            temp: BufWriter::with_capacity(1 << 16, temp),
            path,
        })
    }

    /// Flushes the output and, for a file, renames it into place (keeping the permissions of
    /// the file it replaces).
    ///
    /// # Errors
    ///
    /// When the last writes, the flush or the rename fail; the temporary file is then removed.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::Stream { mut file, .. } => file.flush(),
            Output::File { temp, path } => {
                let temp = temp.into_inner().map_err(io::IntoInnerError::into_error)?;
                persist(temp, &path)
            }
        }
    }

    /// What the output is, for messages: `standard output` or the file's name.
    pub fn describe(&self) -> String {
        match self {
            Output::Stdout(_) => "standard output".into(),
            Output::File { path, .. } | Output::Stream { path, .. } => format!("`{}`", shown_path(path)),
        }
    }

    /// Whether this writes to standard output (where a closed pipe ends the run quietly).
    pub fn is_stdout(&self) -> bool {
        matches!(self, Output::Stdout(_))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::Stream { file, .. } => file.write(buf),
            Output::File { temp, .. } => temp.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.write_all(buf),
            Output::Stream { file, .. } => file.write_all(buf),
            Output::File { temp, .. } => temp.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::Stream { file, .. } => file.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
}

/// How a failed write to `what` ends the run: a closed pipe on standard output quietly
/// ([`Termination::Closed`], exit 0), anything else with one message and exit 2.
pub fn write_failed(error: &io::Error, what: &str, on_stdout: bool) -> Termination {
    if on_stdout && error.kind() == io::ErrorKind::BrokenPipe {
        return Termination::Closed;
    }
    say!("error: cannot write {what}: {error}");
    Termination::Usage
}

/// A path named for writing: a symbolic link is followed, so that the file it points to is
/// replaced and the link kept.
pub fn target_of(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// A new temporary file in `folder`, named after `path` and hidden (`.NAME.XXXXXX.tmp`), with
/// the permissions a new file gets (0666 less the umask).
fn temp_beside(folder: &Path, path: &Path) -> io::Result<NamedTempFile> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(Permissions::from_mode(0o666));
    }
    builder.tempfile_in(folder)
}

/// Flushes `temp` to disk and renames it over `path`, giving it `path`'s permissions when
/// `path` exists. The temporary file is removed on error (dropping it does).
fn persist(temp: NamedTempFile, path: &Path) -> io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        let permissions: Permissions = meta.permissions();
        temp.as_file().set_permissions(permissions)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `text` to `path` atomically (temporary file beside it, then rename), keeping the
/// permissions of the file it replaces: what `fmt` uses to rewrite a campaign.
///
/// # Errors
///
/// When the temporary file cannot be created, written or renamed; `path` is then unchanged.
pub fn replace_file(path: &Path, text: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = temp_beside(&folder, path)?;
    temp.write_all(text)?;
    temp.flush()?;
    persist(temp, path)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("campaign-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let dir = folder("whole");
        let path = dir.join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let mut out = Output::open(Some(&path)).unwrap();
        out.write_all(b"new").unwrap();
        out.flush().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "old",
            "not replaced before commit"
        );
        out.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(entries(&dir), ["out.txt"], "no temporary file left");

        // An output dropped without commit (a failed run) leaves the old file and no temporary file.
        let mut out = Output::open(Some(&path)).unwrap();
        out.write_all(b"partial").unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(entries(&dir), ["out.txt"]);

        // A rename that fails (a folder is in the way) removes the temporary file.
        let blocked = dir.join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), "x").unwrap();
        let temp = temp_beside(&dir, &blocked).unwrap();
        assert!(persist(temp, &blocked).is_err());
        assert_eq!(entries(&dir), ["blocked", "out.txt"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = folder("mode");
        let path = dir.join("x.campaign");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        replace_file(&path, b"new").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
