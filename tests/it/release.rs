//! Installing and packaging (issue 15, items 14 and 15, "Install"): shell completions and
//! manual pages from the command line's own definition, `--version` with the commit, the
//! policy-repository CI of docs/ci.md (workflow, script, pre-commit hooks) held together.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::harness::{TempDir, campaign, root};

#[path = "../../build/git.rs"]
#[allow(dead_code, reason = "the build script's helpers, shared with this test")]
mod git;

/// The commands people run, which every generated output must know.
const COMMANDS: [&str; 10] = [
    "check",
    "evaluate",
    "explain",
    "test",
    "fmt",
    "completions",
    "man",
    "report",
    "diff",
    "sweep",
];

#[test]
fn completions_are_generated_for_every_shell_and_know_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = campaign(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in COMMANDS {
            assert!(run.stdout.contains(command), "{shell} completions lack `{command}`");
        }
        // Flags complete too, and in bash, zsh and fish their fixed values.
        assert!(run.stdout.contains("as-of"), "{shell}");
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(run.stdout.contains("github"), "{shell}");
        }
    }
    let run = campaign(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn manual_pages_are_printed_or_written_one_per_command() {
    let run = campaign(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq") || run.stdout.contains(".TH campaign 1"),
        "{}",
        run.stdout
    );
    for command in COMMANDS {
        assert!(run.stdout.contains(command), "campaign.1 lacks `{command}`");
    }
    let dir = TempDir::new("release", "man");
    let out = dir.join("man1");
    let run = campaign(&["man", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for command in COMMANDS {
        let page = std::fs::read_to_string(out.join(format!("campaign-{command}.1"))).unwrap();
        assert!(page.contains(&format!(".TH campaign-{command} 1")), "{page}");
    }
    let evaluate = std::fs::read_to_string(out.join("campaign-evaluate.1")).unwrap();
    assert!(evaluate.contains("as\\-of"), "{evaluate}");
    assert!(
        std::fs::read_to_string(out.join("campaign.1"))
            .unwrap()
            .contains(".TH campaign 1")
    );
    // A folder that cannot be made is a usage error.
    let blocked = dir.join("file");
    std::fs::write(&blocked, "").unwrap();
    let run = campaign(&["man", "--out", blocked.join("man1").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let run = campaign(&["--version"]);
    assert_eq!(run.code, 0);
    let package = env!("CARGO_PKG_VERSION");
    let expected = git::version_text(package, git::git_info("git", &root()).as_ref());
    // `-dirty` is as the work tree was when the build last saw the commit change, which an
    // edit since may have changed: compare without it.
    let clean = |text: &str| text.trim().replace("-dirty", "");
    assert_eq!(clean(&run.stdout), clean(&format!("campaign {expected}")));
    if let Some(head) = std::process::Command::new("git")
        .args(["-C", root().to_str().unwrap(), "rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
    {
        let head = String::from_utf8(head.stdout).unwrap();
        assert!(run.stdout.contains(head.trim()), "{} lacks {head}", run.stdout);
    }
}

#[test]
fn version_without_git_is_the_package_version() {
    // No git binary, or a folder that is not the top of a work tree (a `cargo package` copy),
    // gives no commit and no failure.
    assert_eq!(git::git_info("/nonexistent/git", &root()), None);
    let dir = TempDir::new("release", "nogit");
    assert_eq!(git::git_info("git", &dir), None);
    // Inside another repository, that repository's commit is not taken.
    let nested = root().join("src");
    assert_eq!(git::git_info("git", &nested), None);
    assert_eq!(git::version_text("0.1.0", None), "0.1.0");
}

/// The YAML blocks of a Markdown file.
fn yaml_blocks(markdown: &str) -> Vec<String> {
    markdown
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(block, _)| block.to_string()))
        .collect()
}

/// A command line as the script and the workflow write it, without an output redirection.
fn command_of(line: &str) -> String {
    line.split(" > ").next().unwrap_or(line).trim().to_string()
}

#[test]
fn the_ci_script_runs_the_workflows_commands_word_for_word() {
    let docs = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&docs);
    assert_eq!(blocks.len(), 2, "a workflow and a pre-commit config");
    let workflow = &YamlLoader::load_from_str(&blocks[0]).unwrap()[0];
    let steps = workflow["jobs"]["policies"]["steps"].as_vec().unwrap();
    let from_workflow: Vec<String> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|run| run.starts_with("campaign "))
        .map(command_of)
        .collect();
    assert_eq!(
        from_workflow,
        [
            "campaign check --format github policies/",
            "campaign fmt --check policies/",
            "campaign test --format junit policies/"
        ]
    );
    let script = std::fs::read_to_string(root().join("scripts/policy-ci.sh")).unwrap();
    let from_script: Vec<String> = script
        .lines()
        .filter(|l| l.starts_with("campaign "))
        .map(command_of)
        .collect();
    assert_eq!(from_script, from_workflow);
    // `.ci/run` calls the script.
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.contains("bash scripts/policy-ci.sh"), "{ci}");
    // The pre-commit config names the hooks of `.pre-commit-hooks.yaml`.
    let config = &YamlLoader::load_from_str(&blocks[1]).unwrap()[0];
    let ids: Vec<String> = config["repos"][0]["hooks"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids, hook_ids());
}

#[test]
fn the_ci_script_passes_on_the_shipped_policies() {
    let run = crate::harness::Run::of(
        assert_cmd::Command::new("bash")
            .current_dir(root())
            .arg("scripts/policy-ci.sh")
            .arg(env!("CARGO_BIN_EXE_campaign")),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("policy CI: check, fmt --check and test passed"),
        "{}",
        run.stdout
    );
}

fn hooks() -> Vec<Yaml> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap()[0].as_vec().unwrap().clone()
}

fn hook_ids() -> Vec<String> {
    hooks().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_pre_commit_hooks_parse_and_run_commands_that_exist() {
    let hooks = hooks();
    let entries: Vec<&str> = hooks.iter().map(|h| h["entry"].as_str().unwrap()).collect();
    assert_eq!(entries, ["campaign check", "campaign fmt --check"]);
    for hook in &hooks {
        for key in ["id", "name", "entry", "language", "files"] {
            assert!(hook[key].as_str().is_some(), "{key} in {hook:?}");
        }
        assert_eq!(hook["language"].as_str(), Some("rust"));
        let files = hook["files"].as_str().unwrap();
        assert_eq!(files, "\\.campaign$");
        // pre-commit appends the staged files: run the entry on a shipped policy.
        let mut args: Vec<&str> = hook["entry"].as_str().unwrap().split(' ').skip(1).collect();
        let policy = "policies/channels-edu-back-to-school-2024.campaign";
        assert!(Path::new(&root().join(policy)).exists());
        args.push(policy);
        let run = campaign(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
}
