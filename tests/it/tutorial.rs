//! The tutorial (`docs/tutorial.md`) is replayed, so that its commands, run as
//! written, give the output it shows.
//!
//! - Every ` ```console ` block holds commands, each on a line starting with
//!   `$ campaign `, each followed by the lines it prints. Each command is run
//!   from the repository root with the `campaign` binary, `NO_COLOR=1` and
//!   `COLUMNS=80`. Its output is its standard output followed by its standard
//!   error (the bytes of both, concatenated in that order), and must equal the
//!   lines under the command. The only normalisation, on both sides: trailing
//!   whitespace is removed from every line, and trailing empty lines are
//!   dropped.
//! - Every block whose info string has `title="PATH"` (a file state shown in
//!   the tutorial) must be exactly the file `PATH`, and every file under
//!   `docs/tutorial/` must be shown that way, so no command runs on a file
//!   the reader cannot see.
//! - Every other ` ```campaign ` block (the lines a step adds) must appear, as
//!   consecutive lines, in the next file state shown after it.
//! - The finished `docs/tutorial/edu.campaign` has the same rules as
//!   `policies/channels-edu-back-to-school-2024.campaign`: each passes the
//!   other's test cases, and both give the same results for the tutorial's
//!   fact file.

use std::path::Path;

use crate::harness::{TempDir, command, root};

const TUTORIAL: &str = "docs/tutorial.md";
const EDU: &str = "docs/tutorial/edu.campaign";
const POLICY: &str = "policies/channels-edu-back-to-school-2024.campaign";

fn read(path: &str) -> String {
    let full = root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

/// A fenced code block: its info string, its text, and the line of the opening fence.
#[derive(Debug)]
struct Block {
    info: String,
    text: String,
    line: usize,
}

impl Block {
    /// The `title="PATH"` of the info string.
    fn title(&self) -> Option<&str> {
        let start = self.info.find("title=\"")? + "title=\"".len();
        let len = self.info[start..].find('"')?;
        Some(&self.info[start..start + len])
    }

    /// The language of the block: the first word of the info string.
    fn lang(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }
}

/// The fenced blocks of a Markdown text, in order.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match current.take() {
            None if fence => {
                current = Some(Block {
                    info: line.trim_start().trim_start_matches('`').trim().to_string(),
                    text: String::new(),
                    line: i + 1,
                });
            }
            None => {}
            Some(block) if fence => out.push(block),
            Some(mut block) => {
                block.text.push_str(line);
                block.text.push('\n');
                current = Some(block);
            }
        }
    }
    assert!(current.is_none(), "{TUTORIAL}: a code block is not closed");
    out
}

/// Trailing whitespace removed from every line, trailing empty lines dropped.
fn normalise(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// One command of a console block and the output shown under it.
#[derive(Debug)]
struct Shown {
    args: Vec<String>,
    output: String,
    line: usize,
}

/// The commands of a console block.
fn commands(block: &Block) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    for (i, line) in block.text.lines().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            assert!(
                !command.contains(['"', '\'', '\\', '|', '>', '<', '&', ';', '$']),
                "{TUTORIAL}:{}: keep commands to plain words, without quoting or shell syntax: {command}",
                block.line + 1 + i
            );
            let mut words = command.split_whitespace().map(str::to_string);
            assert_eq!(
                words.next().as_deref(),
                Some("campaign"),
                "{TUTORIAL}:{}: every command runs `campaign`",
                block.line + 1 + i
            );
            out.push(Shown {
                args: words.collect(),
                output: String::new(),
                line: block.line + 1 + i,
            });
        } else {
            let shown = out.last_mut().unwrap_or_else(|| {
                panic!(
                    "{TUTORIAL}:{}: a console block starts with a `$ ` command",
                    block.line + 1 + i
                )
            });
            shown.output.push_str(line);
            shown.output.push('\n');
        }
    }
    assert!(
        !out.is_empty(),
        "{TUTORIAL}:{}: a console block without a command",
        block.line
    );
    out
}

/// Runs `campaign ARGS` from the repository root as the tutorial does (80 columns):
/// stdout, then stderr.
fn run(args: &[String]) -> (String, Option<i32>) {
    let output = command().env("COLUMNS", "80").args(args).output().unwrap();
    let mut combined = output.stdout;
    combined.extend_from_slice(&output.stderr);
    (String::from_utf8(combined).unwrap(), output.status.code())
}

/// Every file under a folder, as paths relative to the repository root, with `/`.
fn files_under(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root().join(dir)];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root()).unwrap();
                let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_command_gives_the_output_shown() {
    let doc = read(TUTORIAL);
    let all = blocks(&doc);
    let mut failures = Vec::new();
    let mut count = 0;
    for block in all.iter().filter(|b| b.lang() == "console") {
        for shown in commands(block) {
            count += 1;
            let (actual, code) = run(&shown.args);
            if normalise(&actual) != normalise(&shown.output) {
                failures.push(format!(
                    "{TUTORIAL}:{}: `campaign {}` (exit {code:?}) printed:\n{}\n--- but the tutorial shows:\n{}\n",
                    shown.line,
                    shown.args.join(" "),
                    normalise(&actual),
                    normalise(&shown.output)
                ));
            }
        }
    }
    assert!(count >= 15, "only {count} commands found in {TUTORIAL}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_file_shown_is_the_file_on_disk() {
    let doc = read(TUTORIAL);
    let mut shown = Vec::new();
    for block in blocks(&doc) {
        if let Some(path) = block.title() {
            assert_eq!(
                block.text,
                read(path),
                "{TUTORIAL}:{}: the block titled {path} is not the file's text",
                block.line
            );
            shown.push(path.to_string());
        }
    }
    for file in files_under("docs/tutorial") {
        assert!(
            shown.contains(&file),
            "{file} is not shown in {TUTORIAL} (a block with title=\"{file}\")"
        );
    }
}

#[test]
fn every_file_a_command_uses_is_shown_before_it() {
    let doc = read(TUTORIAL);
    let mut shown: Vec<String> = Vec::new();
    for block in blocks(&doc) {
        if let Some(path) = block.title() {
            shown.push(path.to_string());
        }
        if block.lang() != "console" {
            continue;
        }
        for command in commands(&block) {
            for arg in &command.args {
                let path = Path::new(arg);
                let mut needed = Vec::new();
                if arg.ends_with(".campaign") || arg.ends_with(".ndjson") || arg.ends_with(".tests") {
                    needed.push(arg.clone());
                }
                if command.args.first().is_some_and(|c| c == "test") && arg.ends_with(".campaign") {
                    needed.push(path.with_extension("tests").to_string_lossy().into_owned());
                }
                for file in needed {
                    assert!(
                        shown.contains(&file),
                        "{TUTORIAL}:{}: `{file}` is used before the tutorial shows it",
                        command.line
                    );
                }
            }
        }
    }
}

#[test]
fn every_added_snippet_is_in_the_next_file_state() {
    let doc = read(TUTORIAL);
    let all = blocks(&doc);
    for (i, block) in all.iter().enumerate() {
        if block.lang() != "campaign" || block.title().is_some() {
            continue;
        }
        let next = all[i + 1..]
            .iter()
            .find(|b| b.lang() == "campaign" && b.title().is_some())
            .unwrap_or_else(|| panic!("{TUTORIAL}:{}: no file state shown after this snippet", block.line));
        let snippet: Vec<&str> = block.text.lines().collect();
        let file: Vec<&str> = next.text.lines().collect();
        assert!(
            file.windows(snippet.len()).any(|w| w == snippet.as_slice()),
            "{TUTORIAL}:{}: these lines are not in {} (shown at line {}):\n{}",
            block.line,
            next.title().unwrap_or_default(),
            next.line,
            block.text
        );
    }
}

#[test]
fn the_first_try_at_the_tests_runs_against_the_finished_campaign() {
    assert_eq!(read("docs/tutorial/steps/8-first-try.campaign"), read(EDU));
}

/// Runs `campaign test` on `campaign` with the cases of `tests` beside it.
fn cases_pass(name: &str, campaign: &str, tests: &str) {
    let dir = TempDir::new("tutorial", name);
    std::fs::write(dir.join("c.campaign"), read(campaign)).unwrap();
    std::fs::write(dir.join("c.tests"), read(tests)).unwrap();
    let args = vec![
        "test".to_string(),
        dir.join("c.campaign").to_string_lossy().into_owned(),
    ];
    let (output, code) = run(&args);
    assert_eq!(code, Some(0), "{campaign} against the cases of {tests}:\n{output}");
    assert!(output.contains(" passed, 0 failed"), "{output}");
}

#[test]
fn the_finished_campaign_passes_the_policys_cases() {
    cases_pass("policy-cases", EDU, "policies/channels-edu-back-to-school-2024.tests");
}

#[test]
fn the_policy_passes_the_tutorials_cases() {
    cases_pass("tutorial-cases", POLICY, "docs/tutorial/edu.tests");
}

#[test]
fn the_finished_campaign_and_the_policy_decide_alike() {
    for format in ["ndjson", "table"] {
        let results = |campaign: &str| {
            run(&[
                "evaluate".to_string(),
                campaign.to_string(),
                "--facts".to_string(),
                "docs/tutorial/anchors.ndjson".to_string(),
                "--format".to_string(),
                format.to_string(),
            ])
        };
        let (tutorial, code) = results(EDU);
        assert_eq!(code, Some(0), "{tutorial}");
        assert_eq!(tutorial, results(POLICY).0, "--format {format}");
    }
}
