//! The commit a build comes from, for `campaign --version`; shared by `build.rs` and its test
//! (`tests/it/version.rs`), so that the case without git is tested too.

use std::path::Path;
use std::process::Command;

/// What `git` says about the repository at `root`, when `root` is the top of a git work tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitInfo {
    /// `git describe --always --dirty --abbrev=12`: the commit (or the nearest tag and the
    /// commits since), with `-dirty` when the work tree had changes at build time.
    pub describe: String,
    /// The files whose change means another commit: `HEAD`, the branch's ref, `packed-refs`
    /// (those that exist).
    pub watch: Vec<String>,
}

/// Runs `git ARGS` in `root`; its trimmed output when it succeeds.
fn git(program: &str, root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).arg("-C").arg(root).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// The git information of `root`, using the `program` binary (`git`). `None` when there is no
/// such binary, no repository, or `root` is not its top (a crate unpacked inside another
/// repository, as `cargo package` and vendoring do, must not take that repository's commit).
pub fn git_info(program: &str, root: &Path) -> Option<GitInfo> {
    let top = git(program, root, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&top), root) {
        return None;
    }
    let describe = git(program, root, &["describe", "--always", "--dirty", "--abbrev=12"])?;
    // Not the index: `git status` rewrites it, and every rewrite would rebuild the crate. So
    // `-dirty` is as the work tree was when the commit last changed.
    let mut watch = Vec::new();
    watch.extend(git(program, root, &["rev-parse", "--git-path", "HEAD"]));
    watch.extend(git(program, root, &["rev-parse", "--git-path", "packed-refs"]));
    if let Some(branch) = git(program, root, &["symbolic-ref", "-q", "HEAD"]) {
        watch.extend(git(program, root, &["rev-parse", "--git-path", &branch]));
    }
    // A path that does not exist would make cargo rerun the script on every build.
    let watch = watch
        .into_iter()
        .map(|p| {
            if Path::new(&p).is_absolute() {
                p
            } else {
                root.join(p).to_string_lossy().into_owned()
            }
        })
        .filter(|p| Path::new(p).exists())
        .collect();
    Some(GitInfo { describe, watch })
}

/// The version `campaign --version` prints: the package's, and the commit when there is one
/// (`0.1.0 (652d0a9b1c2d-dirty)`).
pub fn version_text(package: &str, git: Option<&GitInfo>) -> String {
    match git {
        Some(info) => format!("{package} ({})", info.describe),
        None => package.to_string(),
    }
}
