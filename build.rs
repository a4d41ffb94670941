//! Build script: the commit `campaign --version` shows (`CAMPAIGN_VERSION`), read from git when
//! the crate is built from a git work tree, and nothing more when it is not (a `cargo package`
//! tarball, a vendored copy, a machine without git). It never fails the build.

#[path = "build/git.rs"]
mod git;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/git.rs");
    println!("cargo:rerun-if-env-changed=CAMPAIGN_GIT");
    let root = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let package = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    // `CAMPAIGN_GIT` names another git binary (or a missing one, to build as if without git).
    let program = std::env::var("CAMPAIGN_GIT").unwrap_or_else(|_| "git".into());
    let info = git::git_info(&program, &root);
    if let Some(info) = &info {
        // Another commit (or a change to the index) reruns this script; nothing else does.
        for path in &info.watch {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!(
        "cargo:rustc-env=CAMPAIGN_VERSION={}",
        git::version_text(&package, info.as_ref())
    );
}
