//! The command line under hostile conditions and its conventions (issue 15, items 5–10, 12,
//! 13, 16, 17): closed and full output streams, symbolic-link loops, FIFOs and devices,
//! oversized files, control characters in names and data, atomic writes, `--jobs` bounds,
//! `--color`, `-o`, `--quiet`, `fmt --check --diff`, `test --format json|github`, and the
//! table fitted to the terminal and streamed.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Run, TempDir, campaign, command, root};

/// The binary as [`command`] runs it, as a `std` command (for pipes, files and children).
fn raw() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_campaign"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", crate::harness::COLUMNS)
        .env_remove("CAMPAIGN_PROGRESS");
    cmd
}

fn scratch(test: &str) -> TempDir {
    TempDir::new("hardening", test)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const DOUYIN: &str = "policies/douyin-trade-miniprogram-2023.campaign";
const KS_GMV: &str = "policies/kuaishou-provider-gmv-2022.campaign";

/// A valid campaign in the canonical layout.
const CLEAN: &str = "campaign \"c\" {\n  timezone Asia/Shanghai\n  unit points\n  facts {\n    gmv: money CNY\n  }\n  eligible when {\n    gmv ≥ 100 CNY  \"GMV 需达到 100 元\"\n  }\n  reward points = gmv × 1% as points, rounded down\n}\n";

/// The same campaign, not in the canonical layout.
const MESSY: &str = "campaign \"c\" {\n timezone Asia/Shanghai\n unit points\n facts { gmv: money CNY }\n eligible when { gmv >= 100 CNY  \"GMV 需达到 100 元\" }\n reward points = gmv * 1% as points, rounded down\n}\n";

/// `n` douyin records, one in every `bad_every` failing to read.
fn douyin_facts(dir: &Path, n: usize, bad_every: usize) -> PathBuf {
    let path = dir.join("facts.ndjson");
    let mut text = String::new();
    for i in 0..n {
        if bad_every > 0 && i % bad_every == 0 {
            text.push_str(&format!("{{\"id\":\"r{i}\",\"entity_verified\":\"yes\"}}\n"));
        } else {
            text.push_str(&format!(
                "{{\"id\":\"r{i}\",\"service_category\":\"工具\",\"entity_verified\":true,\"payment_onboarded\":true}}\n"
            ));
        }
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits for `child`, killing it (and failing) after `limit`.
fn wait_at_most(mut child: Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn dev_full() -> Option<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/full").ok()
}

// ---------------------------------------------------------------------------
// 5. Closed and full streams

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = scratch("closed-stdout");
    let facts = douyin_facts(&dir, 20_000, 0);
    std::fs::write(dir.join("a.campaign"), MESSY).unwrap();
    let runs: [&[&str]; 5] = [
        &["evaluate", DOUYIN, "--facts", s(&facts)],
        &["evaluate", DOUYIN, "--facts", s(&facts), "--format", "table"],
        &["fmt", "--check", s(&dir)],
        &["test", "policies"],
        &["check", "--format", "json", "tests/ui"],
    ];
    for args in runs {
        let out = raw().args(args).stdout(closed_pipe()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("cannot write"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_does_not_make_evaluate_panic() {
    let dir = scratch("head");
    let facts = douyin_facts(&dir, 50_000, 0);
    let mut child = raw()
        .args(["evaluate", DOUYIN, "--facts", s(&facts)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"id\":\"r0\""), "{first}");
    let out = wait_at_most(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_stderr_never_shortens_the_results() {
    let dir = scratch("closed-stderr");
    // Every tenth record fails, so there is plenty to say on stderr.
    let facts = douyin_facts(&dir, 5_000, 10);
    let results = dir.join("out.ndjson");
    let file = std::fs::File::create(&results).unwrap();
    let out = raw()
        .args(["evaluate", DOUYIN, "--facts", s(&facts)])
        .stdout(file)
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "records failed: exit 1, not a panic");
    let written = std::fs::read_to_string(&results).unwrap();
    assert_eq!(written.lines().count(), 5_000);
    // And with -o.
    let out_file = dir.join("o.ndjson");
    let out = raw()
        .args(["evaluate", DOUYIN, "--facts", s(&facts), "-o", s(&out_file)])
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out_file).unwrap().lines().count(), 5_000);
}

#[test]
fn a_full_disk_is_reported_once_and_exits_2() {
    if dev_full().is_none() {
        return;
    }
    let dir = scratch("full");
    std::fs::write(dir.join("a.campaign"), MESSY).unwrap();
    let runs: [&[&str]; 6] = [
        &[
            "evaluate",
            DOUYIN,
            "--facts",
            "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson",
        ],
        &[
            "evaluate",
            DOUYIN,
            "--facts",
            "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson",
            "--format",
            "table",
        ],
        &["test", "policies"],
        &["test", "--format", "junit", "policies"],
        &["check", "--format", "github", "tests/ui"],
        &["fmt", "--check", s(&dir)],
    ];
    for args in runs {
        let out = raw().args(args).stdout(dev_full().unwrap()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.matches("cannot write").count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains("No space left"), "{args:?}: {stderr}");
    }
}

// ---------------------------------------------------------------------------
// 6. The folder walk

#[test]
fn symbolic_link_loops_are_not_followed() {
    let dir = scratch("loops");
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("a.campaign"), CLEAN).unwrap();
    symlink("..", sub.join("up")).unwrap();
    symlink(".", sub.join("here")).unwrap();
    symlink(&dir, sub.join("root")).unwrap();
    let start = Instant::now();
    let child = raw()
        .args(["check", s(&dir)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_at_most(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 file checked"), "each file once: {stderr}");
    assert!(start.elapsed() < Duration::from_secs(30));
    let run = campaign(&["test", s(&dir)]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn fmt_never_writes_through_a_link_out_of_the_folder() {
    let dir = scratch("outside");
    let inside = dir.join("inside");
    let outside = dir.join("outside");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("x.campaign"), MESSY).unwrap();
    symlink(outside.join("x.campaign"), inside.join("link.campaign")).unwrap();
    symlink(&outside, inside.join("dirlink")).unwrap();
    symlink(dir.join("nowhere.campaign"), inside.join("dangling.campaign")).unwrap();
    std::fs::write(inside.join("own.campaign"), MESSY).unwrap();
    let run = campaign(&["fmt", s(&inside)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(outside.join("x.campaign")).unwrap(),
        MESSY,
        "untouched"
    );
    assert_eq!(std::fs::read_to_string(inside.join("own.campaign")).unwrap(), CLEAN);
    assert!(
        run.stderr.contains("skipping") && run.stderr.contains("link.campaign"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("dangling.campaign"),
        "a dangling link is skipped, not fatal: {}",
        run.stderr
    );
    assert!(run.stderr.contains("1 file reformatted"), "{}", run.stderr);
}

#[test]
fn a_fifo_or_a_device_in_a_folder_is_skipped_with_a_warning() {
    let dir = scratch("special");
    std::fs::write(dir.join("a.campaign"), CLEAN).unwrap();
    let fifo = dir.join("pipe.campaign");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    symlink("/dev/zero", dir.join("zero.campaign")).unwrap();
    for cmd in ["check", "fmt", "test"] {
        let child = raw()
            .args([cmd, s(&dir)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_at_most(child, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {stderr}");
        if cmd != "test" {
            assert!(
                stderr.contains("pipe.campaign") && stderr.contains("not a regular file"),
                "{cmd}: {stderr}"
            );
            assert!(stderr.contains("zero.campaign"), "{cmd}: {stderr}");
        }
    }
}

// ---------------------------------------------------------------------------
// 7. fmt writes atomically

#[test]
fn fmt_replaces_a_file_whole_keeping_its_mode_and_formats_a_named_link_at_its_target() {
    let dir = scratch("atomic");
    let file = dir.join("a.campaign");
    std::fs::write(&file, MESSY).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let run = campaign(&["fmt", s(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CLEAN);
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");

    // A link named on the command line: its target is formatted, the link kept.
    let target = dir.join("target.campaign");
    std::fs::write(&target, MESSY).unwrap();
    let link = dir.join("link.campaign");
    symlink(&target, &link).unwrap();
    let run = campaign(&["fmt", s(&link)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), CLEAN);
}

// ---------------------------------------------------------------------------
// 8. --jobs

#[test]
fn jobs_beyond_the_maximum_are_refused() {
    let facts = "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson";
    for jobs in ["10000", "257", "0", "many"] {
        let start = Instant::now();
        let run = campaign(&["evaluate", DOUYIN, "--facts", facts, "--jobs", jobs]);
        assert_eq!(run.code, 2, "--jobs {jobs}: {run:?}");
        assert!(run.stderr.contains("from 1 to 256"), "{}", run.stderr);
        assert!(start.elapsed() < Duration::from_secs(10));
    }
    let run = campaign(&["evaluate", DOUYIN, "--facts", facts, "--jobs", "256"]);
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------
// 9. The size limit is applied before reading

#[test]
fn a_campaign_over_the_limit_is_refused_without_being_read_whole() {
    let dir = scratch("large");
    let big = dir.join("big.campaign");
    let mut text = String::from(CLEAN);
    while text.len() < 2 << 20 {
        text.push_str("// padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&big, &text).unwrap();
    std::fs::write(dir.join("big.tests"), "").unwrap();
    for args in [
        vec!["check", s(&big)],
        vec!["fmt", "--check", s(&big)],
        vec!["test", s(&big)],
        vec![
            "evaluate",
            s(&big),
            "--facts",
            "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson",
        ],
    ] {
        let run = campaign(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("more than the limit of 1048576 bytes"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // A device named on the command line is read up to the limit and no further.
    let zero = dir.join("zero.campaign");
    symlink("/dev/zero", &zero).unwrap();
    let child = raw()
        .args(["check", s(&zero)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_at_most(child, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("larger than the limit"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 10. Control characters

#[test]
fn control_characters_in_names_and_sources_never_reach_the_terminal_raw() {
    let dir = scratch("names");
    let name = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}1m\u{202e}.campaign";
    let file = dir.join(name);
    // An error on a line holding a comment with ESC, C1 CSI and a bidi override.
    std::fs::write(
        &file,
        "campaign \"c\" { // \u{1b}[31m red \u{9b}2J \u{202e}abc\n  timezone Asia/Shanghai\n  unit points\n  facts { gmv: money CNY }\n  eligible when { gmv ≥ 100 CNY \"r\" }\n  reward points = gmz × 1% as points, rounded down\n}\n",
    )
    .unwrap();
    let raw = |text: &str| text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\0', '\r']);
    for args in [
        vec!["check", s(&dir)],
        vec!["check", "--format", "plain", s(&file)],
        vec!["check", "--color", "always", s(&file)],
        vec!["fmt", "--check", s(&dir)],
        vec!["check", "--format", "github", s(&dir)],
        vec![
            "evaluate",
            s(&file),
            "--facts",
            "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson",
        ],
    ] {
        let run = campaign(&args);
        assert!(run.code != 0, "{args:?}: {run:?}");
        let colourless = run.stderr.replace("\u{1b}[", "");
        assert!(!raw(&colourless) && !raw(&run.stdout), "{args:?}: {:?}", run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("\\u{1b}]0;pwned\\u{7}"), "{args:?}: {all}");
    }
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised_numbers_kept() {
    let dir = scratch("formula");
    let facts = dir.join("facts.ndjson");
    let lines = [
        r#"{"id":"=HYPERLINK(\"http://x\")","service_category":"工具","entity_verified":true,"payment_onboarded":true}"#,
        r#"{"id":"@SUM(A1)","service_category":"工具","entity_verified":true,"payment_onboarded":true}"#,
        r#"{"id":"-12.50","service_category":"工具","entity_verified":true,"payment_onboarded":true}"#,
        r#"{"id":"+x\u001b[2J","service_category":"工具","entity_verified":true,"payment_onboarded":true}"#,
    ];
    std::fs::write(&facts, lines.join("\n") + "\n").unwrap();
    let run = campaign(&["evaluate", DOUYIN, "--facts", s(&facts), "--format", "csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(
        ids,
        ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "-12.50", "'+x\\u{1b}[2J"]
    );
}

// ---------------------------------------------------------------------------
// 12. -o / --output

#[test]
fn output_files_are_written_whole_by_every_command() {
    let dir = scratch("output");
    let facts = "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson";
    let results = dir.join("results.ndjson");
    std::fs::write(&results, "old\n").unwrap();
    std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = campaign(&["evaluate", DOUYIN, "--facts", facts, "-o", s(&results)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty());
    let plain = campaign(&["evaluate", DOUYIN, "--facts", facts]);
    assert_eq!(std::fs::read_to_string(&results).unwrap(), plain.stdout);
    assert_eq!(std::fs::metadata(&results).unwrap().permissions().mode() & 0o777, 0o600);

    let explained = dir.join("explained.txt");
    let run = campaign(&[
        "explain",
        DOUYIN,
        "--facts",
        facts,
        "--id",
        "app-00002",
        "--output",
        s(&explained),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(std::fs::read_to_string(&explained).unwrap().contains("app-00002"));

    let junit = dir.join("junit.xml");
    let run = campaign(&["test", "--format", "junit", "-o", s(&junit), "policies"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testsuites"));

    let diagnostics = dir.join("check.json");
    let run = campaign(&["check", "--format", "json", "-o", s(&diagnostics), "policies"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&diagnostics).unwrap()).unwrap();
    assert!(json.is_array());

    // Reports for people go to the file too, without colour; the summary stays on stderr.
    let bad = dir.join("bad.campaign");
    std::fs::write(&bad, CLEAN.replace("gmv ≥", "gmz ≥")).unwrap();
    let report = dir.join("check.txt");
    let run = campaign(&["check", "--color", "always", "-o", s(&report), s(&bad)]);
    assert_eq!(run.code, 1, "{run:?}");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("gmz") && !text.contains('\u{1b}'), "{text}");
    assert!(
        run.stderr.contains("1 error") && !run.stderr.contains("gmz"),
        "{}",
        run.stderr
    );

    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 6, "no temporary file left: {names:?}");

    // A folder that does not exist: exit 2, nothing written.
    let run = campaign(&["evaluate", DOUYIN, "--facts", facts, "-o", s(&dir.join("no/such/out"))]);
    assert_eq!(run.code, 2, "{run:?}");
    // A device is written in place, never renamed over.
    let run = campaign(&["evaluate", DOUYIN, "--facts", facts, "-o", "/dev/null"]);
    assert_eq!(run.code, 0, "{run:?}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
}

// ---------------------------------------------------------------------------
// 13. --color

#[test]
fn the_color_flag_wins_over_no_color() {
    let dir = scratch("color");
    let file = dir.join("bad.campaign");
    std::fs::write(&file, CLEAN.replace("gmv ≥", "gmz ≥")).unwrap();
    let run = |color: Option<&str>, no_color: Option<&str>| {
        let mut cmd = command();
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .args(["check", s(&file)]);
        if let Some(c) = color {
            cmd.args(["--color", c]);
        }
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        Run::of(&mut cmd)
    };
    let coloured = |r: &Run| r.stderr.contains("\u{1b}[");
    assert!(coloured(&run(Some("always"), Some("1"))), "the flag wins");
    assert!(coloured(&run(Some("always"), None)));
    assert!(!coloured(&run(Some("never"), None)));
    assert!(!coloured(&run(None, Some("1"))), "not a terminal, and NO_COLOR");
    assert!(!coloured(&run(Some("auto"), None)), "not a terminal");
    let bad = campaign(&["check", "--color", "sometimes", s(&file)]);
    assert_eq!(bad.code, 2);
}

// ---------------------------------------------------------------------------
// 16. --quiet, --diff, test formats

#[test]
fn check_and_fmt_quiet_print_nothing_on_success() {
    let dir = scratch("quiet");
    let file = dir.join("a.campaign");
    std::fs::write(&file, CLEAN).unwrap();
    for args in [
        vec!["check", "--quiet", s(&file)],
        vec!["fmt", "--quiet", s(&file)],
        vec!["fmt", "-q", "--check", s(&file)],
    ] {
        let run = campaign(&args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (0, "", ""),
            "{args:?}"
        );
    }
    std::fs::write(&file, CLEAN.replace("gmv ≥", "gmz ≥")).unwrap();
    let run = campaign(&["check", "--quiet", s(&file)]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("gmz") && !run.stderr.contains("in 1 file"),
        "{}",
        run.stderr
    );
}

#[test]
fn fmt_check_diff_prints_a_unified_diff() {
    let dir = scratch("diff");
    let file = dir.join("a.campaign");
    std::fs::write(&file, MESSY).unwrap();
    let run = campaign(&["fmt", "--check", "--diff", s(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with(&format!("--- {}\n+++ {} (formatted)\n@@ ", s(&file), s(&file))),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n- eligible when { gmv >= 100 CNY"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\n+    gmv ≥ 100 CNY"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY, "nothing written");
    assert_eq!(campaign(&["fmt", "--diff", s(&file)]).code, 2, "--diff needs --check");
}

/// A campaign with one passing and one failing case.
fn failing_suite(dir: &Path) -> PathBuf {
    let file = dir.join("c.campaign");
    std::fs::write(&file, CLEAN).unwrap();
    std::fs::write(
        dir.join("c.tests"),
        "case \"passes\" {\n  facts {\"id\": \"a\", \"gmv\": \"150\"}\n  expect eligible\n}\n\ncase \"fails\" {\n  facts {\"id\": \"b\", \"gmv\": \"50\"}\n  expect eligible\n}\n",
    )
    .unwrap();
    file
}

#[test]
fn test_writes_json_and_github_annotations() {
    let dir = scratch("test-formats");
    let file = failing_suite(&dir);
    let run = campaign(&["test", "--format", "json", s(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(1), Some(1)),
        "{json}"
    );
    let cases = &json["campaigns"][0]["cases"];
    assert_eq!(cases[0]["passed"], true);
    assert_eq!(cases[1]["passed"], false);
    assert_eq!(cases[1]["line"], 6);
    assert_eq!(cases[1]["mismatches"][0]["expected"], "eligible");

    let run = campaign(&["test", "--format", "github", s(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    let tests = dir.join("c.tests");
    assert!(
        run.stdout.starts_with(&format!(
            "::error file={},line=6,title=campaign test%3A fails::",
            s(&tests)
        )),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);

    let run = campaign(&["test", "--format", "junit", s(&file)]);
    assert!(
        run.stdout.contains("<failure") && run.stdout.contains("line=\"6\""),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// 17. The table

#[test]
fn the_table_fits_the_terminal() {
    let facts = "tests/fixtures/contract/kuaishou-provider-gmv-2022.ndjson";
    let wide = Run::of(
        command()
            .env("COLUMNS", "400")
            .args(["evaluate", KS_GMV, "--facts", facts, "--format", "table"]),
    );
    assert!(
        wide.stdout.lines().next().unwrap().contains("cash[2022-12]"),
        "{}",
        wide.stdout
    );
    let narrow = Run::of(
        command()
            .env("COLUMNS", "70")
            .args(["evaluate", KS_GMV, "--facts", facts, "--format", "table"]),
    );
    assert_eq!(narrow.code, wide.code);
    use unicode_width::UnicodeWidthStr;
    for line in narrow.stdout.lines() {
        assert!(line.width() <= 70, "{line:?} in\n{}", narrow.stdout);
    }
    assert!(!narrow.stdout.lines().next().unwrap().contains("cash[2022-12]"));
    assert!(
        narrow.stdout.contains("\n  cash[2022-12] "),
        "periods under each row: {}",
        narrow.stdout
    );
    // Reasons wrap.
    let douyin = Run::of(command().env("COLUMNS", "50").args([
        "evaluate",
        DOUYIN,
        "--facts",
        "tests/fixtures/contract/douyin-trade-miniprogram-2023.ndjson",
        "--format",
        "table",
    ]));
    for line in douyin.stdout.lines() {
        assert!(line.width() <= 50, "{line:?}");
    }
    let squeezed: String = douyin.stdout.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed
            .contains("app-00000false服务类目需为文娱、工具、家装、法律、财会或汽车(生活服务、泛知识除外)app-00001"),
        "a wrapped reason keeps all its text, on the lines under its row: {}",
        douyin.stdout
    );
    assert!(douyin.stdout.lines().count() > 22, "some reasons took several lines");
}

#[test]
fn long_decimals_are_cut_in_the_table_and_shown_whole_with_full_numbers() {
    let dir = scratch("decimals");
    let file = dir.join("thirds.campaign");
    std::fs::write(
        &file,
        CLEAN.replace("  reward points", "  value third = gmv ÷ 3\n\n  reward points"),
    )
    .unwrap();
    let facts = dir.join("facts.ndjson");
    std::fs::write(&facts, "{\"id\":\"a\",\"gmv\":\"100\"}\n").unwrap();
    let table = campaign(&["evaluate", s(&file), "--facts", s(&facts), "--format", "table"]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(table.stdout.contains("33.333333…"), "{}", table.stdout);
    let full = campaign(&[
        "evaluate",
        s(&file),
        "--facts",
        s(&facts),
        "--format",
        "table",
        "--full-numbers",
    ]);
    assert!(full.stdout.contains("33.3333333333"), "{}", full.stdout);
    assert!(!full.stdout.contains('…'));
    let ndjson = campaign(&["evaluate", s(&file), "--facts", s(&facts)]);
    assert!(
        ndjson.stdout.contains("33.3333333333"),
        "other formats are never cut: {}",
        ndjson.stdout
    );
}

#[test]
fn a_long_table_streams() {
    let dir = scratch("stream");
    let fifo = dir.join("facts.ndjson");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut child = raw()
        .args([
            "evaluate",
            DOUYIN,
            "--facts",
            s(&fifo),
            "--format",
            "table",
            "--jobs",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let record = |i: usize| {
        format!(
            "{{\"id\":\"r{i}\",\"service_category\":\"工具\",\"entity_verified\":true,\"payment_onboarded\":true}}\n"
        )
    };
    for i in 0..20_000 {
        writer.write_all(record(i).as_bytes()).unwrap();
    }
    writer.flush().unwrap();
    // The input is still open: a table held to the end would print nothing yet.
    let header = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the table's first rows while the input is open");
    assert!(header.starts_with("id"), "{header}");
    for i in 20_000..20_010 {
        writer.write_all(record(i).as_bytes()).unwrap();
    }
    drop(writer);
    let out = wait_at_most(child, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0));
    let rest: Vec<String> = rx.iter().collect();
    assert_eq!(rest.len() + 1, 2 + 20_010, "the header, the rule and every row");
    let _ = root();
}
