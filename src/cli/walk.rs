//! The folder walk of `check`, `fmt` and `test`: the files a path names, in a stable order.
//!
//! A folder is walked with walkdir, symbolic links **not** followed: a link (to a folder or
//! a file, dangling or not) met inside a folder is skipped, so a walk cannot loop, cannot
//! find a file twice, and `fmt` cannot write outside the folders it was given. Hidden and
//! git-ignored files are walked like any other. A FIFO, device or socket whose name matches
//! is skipped with a warning (reading one could block forever or never end). A path named on
//! the command line is taken as it is, link or not.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::report::shown_path;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Found {
    /// The files, in the order found (each folder's entries sorted by name).
    pub files: Vec<PathBuf>,
    /// Whether a folder (or a path) could not be read; each problem was reported.
    pub unreadable: bool,
}

/// Walks each of `paths`, keeping the files `wanted` accepts, and reports on standard error
/// what it skips. A path that is not a folder is kept as given (if it exists).
pub fn files(paths: &[PathBuf], wanted: impl Fn(&Path) -> bool) -> Found {
    let mut found = Found::default();
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            say!("error: `{}` does not exist", shown_path(path));
            found.unreadable = true;
            continue;
        }
        if path.is_dir() {
            walk(path, &wanted, &mut found);
        } else {
            found.files.push(path.clone());
        }
    }
    found
}

/// Walks one folder.
fn walk(dir: &Path, wanted: &impl Fn(&Path) -> bool, found: &mut Found) {
    let entries = WalkDir::new(dir)
        .follow_links(false)
        .follow_root_links(true)
        .sort_by_file_name();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().map(shown_path).unwrap_or_else(|| shown_path(dir));
                let why = e.io_error().map_or_else(|| e.to_string(), ToString::to_string);
                say!("error: cannot read `{at}`: {why}");
                found.unreadable = true;
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        let path = entry.path();
        if !wanted(path) {
            continue;
        }
        if kind.is_symlink() {
            say!(
                "warning: skipping `{}`: a symbolic link inside a folder is not followed (name it on the command line to use it)",
                shown_path(path)
            );
        } else if !kind.is_file() {
            say!(
                "warning: skipping `{}`: not a regular file (a FIFO, device or socket)",
                shown_path(path)
            );
        } else {
            found.files.push(path.to_path_buf());
        }
    }
}

/// Whether `path` names a campaign file.
pub fn is_campaign(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "campaign")
}

/// Whether `path` names a `.tests` file.
pub fn is_tests(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tests")
}
