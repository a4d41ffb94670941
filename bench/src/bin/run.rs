//! The benchmark. One command runs it all:
//!
//! ```text
//! cargo run --profile measure -p campaign-bench --bin run -- --sizes 1e5,1e6,1e7
//! ```
//!
//! For the education and Kuaishou-GMV campaigns and each size: end-to-end
//! `campaign evaluate` (`--jobs 1` and `--jobs 2`, output to /dev/null) and the
//! hand-written baseline (1 and 2 threads), timed with `/usr/bin/time` (wall,
//! CPU, peak RSS); evaluation-only ns per record for `campaign` and the
//! hand-written code (records parsed in memory first, in batches of 10^5);
//! ZEN and Rego evaluation-only (and their agreement with `campaign`) on the
//! first `--peer-records` records; how the cost grows with list lengths (2×
//! sales lines) and with the campaign's size (education with 2× conditions and
//! values); `campaign check` per seed policy (in process, averaged over 1000)
//! and over a folder of 1000 campaign files.
//!
//! Data goes to `target/bench-data/` (generated once, reused), results to
//! `target/bench-results/` and stdout (Markdown).
//!
//! Options: `--sizes 1e5,1e6,1e7`, `--campaigns edu,gmv`, `--repeat N` (end-to-end
//! runs per measurement below 10^7 records; the best is kept), `--eval-max N`
//! (records timed evaluation-only per size; default 10^6), `--peer-records N`
//! (default 10^5), `--campaign-bin PATH` (default: `campaign` built first
//! with this binary's profile, into the same directory), `--skip e2e,eval,peers,growth,check`.
//!
//! `run profile-eval --campaign edu --records 1e5 --repeat 20` only loops
//! `Evaluator::evaluate` (for `perf record`).
//!
//! `run profile-parse --campaign edu --records 1e5 --repeat 20` only reads:
//! it times splitting the NDJSON bytes into lines (`NdjsonLines`), parsing
//! the lines into records (`LineParser::parse`), and both together, in memory.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use campaign_bench::args::{Args, parse_count};
use campaign_bench::compare::{self, Timing};
use campaign_bench::data::{Campaign, Options, record};
use campaign_bench::peers::Kind;
use campaign_bench::{peak_rss_kib, policy_path, repo_root};

struct Ctx {
    data: PathBuf,
    results: PathBuf,
    campaign_bin: PathBuf,
    bench_bin: PathBuf,
    repeat: usize,
    report: String,
    summary: Vec<String>,
}

impl Ctx {
    fn say(&mut self, line: &str) {
        println!("{line}");
        let _ = std::io::stdout().flush();
        self.report.push_str(line);
        self.report.push('\n');
    }
}

fn kind_of(c: Campaign) -> Kind {
    if c == Campaign::Edu { Kind::Edu } else { Kind::Gmv }
}

fn size_name(n: u64) -> String {
    let e = (n as f64).log10();
    if (e - e.round()).abs() < 1e-9 && n >= 1000 {
        format!("1e{}", e.round() as u32)
    } else {
        n.to_string()
    }
}

/// Writes `n` records of `campaign` to `path` unless it exists with the right line count.
fn ensure_data(campaign: Campaign, n: u64, list_scale: u32, path: &Path) {
    if path.exists() {
        return;
    }
    eprintln!("generating {} ({} records of {})", path.display(), n, campaign.short());
    let tmp = path.with_extension("partial");
    let file = std::fs::File::create(&tmp).expect("create data file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let options = Options { seed: 1, list_scale };
    let mut line = Vec::with_capacity(1 << 14);
    for i in 0..n {
        line.clear();
        record(campaign, &options, i, &mut line);
        out.write_all(&line).expect("write data");
    }
    out.flush().expect("flush data");
    drop(out);
    std::fs::rename(&tmp, path).expect("rename data file");
}

/// Reads a file once so that it sits in the page cache.
fn warm(path: &Path) {
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = std::io::copy(&mut f, &mut std::io::sink());
    }
}

/// One timed process run.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
}

fn time_command(program: &Path, args: &[&str]) -> Option<Run> {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("TIME %e %U %S %M")
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().rev().find(|l| l.starts_with("TIME "))?;
    let f: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    if !out.status.success() {
        eprintln!(
            "warning: {} {:?} exited with {}: {}",
            program.display(),
            args,
            out.status,
            stderr.trim()
        );
    }
    Some(Run {
        wall: *f.first()?,
        cpu: f.get(1)? + f.get(2)?,
        rss_kib: *f.get(3)? as u64,
    })
}

/// The best of `repeat` runs (lowest wall time; CPU and RSS of the same run).
fn best_of(repeat: usize, program: &Path, args: &[&str]) -> Option<Run> {
    (0..repeat.max(1))
        .filter_map(|_| time_command(program, args))
        .min_by(|a, b| a.wall.total_cmp(&b.wall))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn e2e(ctx: &mut Ctx, campaign: Campaign, n: u64, path: &Path) -> Vec<(String, usize, Run)> {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64;
    let policy = policy_path(campaign.short());
    let policy = policy.to_string_lossy().to_string();
    let facts = path.to_string_lossy().to_string();
    let repeat = if n >= 10_000_000 { 1 } else { ctx.repeat };
    warm(path);
    let mut rows = Vec::new();
    for jobs in [1usize, 2] {
        let j = jobs.to_string();
        let campaign_bin = ctx.campaign_bin.clone();
        if let Some(r) = best_of(
            repeat,
            &campaign_bin,
            &["evaluate", &policy, "--facts", &facts, "--jobs", &j, "--quiet"],
        ) {
            rows.push(("campaign evaluate".to_string(), jobs, r));
        }
        let hand = ctx.bench_bin.join("handwritten");
        if let Some(r) = best_of(
            repeat,
            &hand,
            &[
                "--campaign",
                campaign.short(),
                "--facts",
                &facts,
                "--jobs",
                &j,
                "--quiet",
            ],
        ) {
            rows.push(("handwritten".to_string(), jobs, r));
        }
    }
    for jobs in [1usize, 2] {
        let find = |name: &str| {
            rows.iter()
                .find(|(n, j, _)| n == name && *j == jobs)
                .map(|(_, _, r)| *r)
        };
        if let (Some(c), Some(h)) = (find("campaign evaluate"), find("handwritten")) {
            ctx.summary.push(format!(
                "| {} | {} | {} | {:.2} | {:.2} | {} |",
                campaign.short(),
                size_name(n),
                jobs,
                h.wall / c.wall,
                h.cpu / c.cpu,
                if h.cpu / c.cpu >= 0.5 { "met" } else { "not met" }
            ));
        }
    }
    for (name, jobs, r) in &rows {
        let line = format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.1} | {:.1} |",
            campaign.short(),
            size_name(n),
            name,
            jobs,
            r.wall,
            r.cpu,
            n as f64 / r.wall,
            n as f64 / r.cpu,
            bytes / r.wall / 1e6,
            r.rss_kib as f64 / 1024.0
        );
        ctx.say(&line);
    }
    rows
}

/// Evaluation-only over the first `max` records of `path`, in batches.
fn eval_only(path: &Path, kind: Kind, max: u64) -> (Timing, Timing) {
    let program = compare::program(kind);
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open data"));
    let mut t_campaign = Timing::default();
    let mut t_hand = Timing::default();
    let mut done = 0u64;
    const BATCH: u64 = 100_000;
    let mut buf = Vec::new();
    while done < max {
        buf.clear();
        let mut count = 0;
        while count < BATCH.min(max - done) {
            let before = buf.len();
            if reader.read_until(b'\n', &mut buf).unwrap_or(0) == 0 {
                break;
            }
            if buf.len() > before {
                count += 1;
            }
        }
        if count == 0 {
            break;
        }
        let lines = compare::lines(&buf);
        let (c, _) = compare::campaign_eval(&program, &lines, false);
        let (h, _) = compare::hand_eval(kind, &lines, false);
        t_campaign.records += c.records;
        t_campaign.eval += c.eval;
        t_hand.records += h.records;
        t_hand.eval += h.eval;
        done += count;
    }
    (t_campaign, t_hand)
}

fn peers(ctx: &mut Ctx, campaign: Campaign, path: &Path, n: u64) {
    let kind = kind_of(campaign);
    let bytes = read_prefix(path, n);
    let lines = compare::lines(&bytes);
    let program = compare::program(kind);
    let (_, reference) = compare::campaign_eval(&program, &lines, true);
    let (t_campaign, _) = compare::campaign_eval(&program, &lines, false);
    let (t_hand, hand) = compare::hand_eval(kind, &lines, true);
    let (t_zen, zen) = compare::zen_eval(kind, &lines);
    let (t_rego, rego) = compare::rego_eval(kind, &lines);
    let bad = [
        compare::disagreements("handwritten", &reference, &hand, &lines),
        compare::disagreements("zen", &reference, &zen, &lines),
        compare::disagreements("rego", &reference, &rego, &lines),
    ];
    let eligible = reference.iter().filter(|r| r.eligible).count();
    let fastest_peer = t_zen.ns_per_record().min(t_rego.ns_per_record());
    for (name, t, b) in [
        ("campaign", t_campaign, None),
        ("handwritten", t_hand, Some(bad[0])),
        ("ZEN (zen-expression)", t_zen, Some(bad[1])),
        ("Rego (regorus)", t_rego, Some(bad[2])),
    ] {
        ctx.say(&format!(
            "| {} | {} ({} eligible) | {} | {:.0} | {:.2} | {} |",
            campaign.short(),
            lines.len(),
            eligible,
            name,
            t.ns_per_record(),
            fastest_peer / t.ns_per_record(),
            b.map_or("reference".to_string(), |b| b.to_string()),
        ));
    }
}

fn read_prefix(path: &Path, n: u64) -> Vec<u8> {
    let mut reader = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("open data"));
    let mut buf = Vec::new();
    for _ in 0..n {
        if reader.read_until(b'\n', &mut buf).unwrap_or(0) == 0 {
            break;
        }
    }
    buf
}

/// Runs both implementations to files and compares the results field by field.
fn agree(ctx: &mut Ctx, campaign: Campaign, n: u64, path: &Path) {
    let facts = path.to_string_lossy().to_string();
    let policy = policy_path(campaign.short()).to_string_lossy().to_string();
    let out_c = ctx.results.join(format!("{}-campaign.ndjson", campaign.short()));
    let out_h = ctx.results.join(format!("{}-handwritten.ndjson", campaign.short()));
    let run_to = |program: &Path, args: &[&str], out: &Path| {
        let file = std::fs::File::create(out).expect("create output");
        Command::new(program)
            .args(args)
            .stdout(file)
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    let ok = run_to(
        &ctx.campaign_bin,
        &["evaluate", &policy, "--facts", &facts, "--jobs", "2", "--quiet"],
        &out_c,
    ) && run_to(
        &ctx.bench_bin.join("handwritten"),
        &[
            "--campaign",
            campaign.short(),
            "--facts",
            &facts,
            "--jobs",
            "2",
            "--quiet",
        ],
        &out_h,
    );
    if !ok {
        ctx.say("could not run the comparison");
        return;
    }
    let open = |p: &Path| BufReader::with_capacity(1 << 20, std::fs::File::open(p).expect("open output"));
    let (records, bad) = campaign_bench::agree::compare_files(open(&out_c), open(&out_h));
    let identical = std::fs::read(&out_c).ok() == std::fs::read(&out_h).ok();
    ctx.say(&format!(
        "- {} ({} records): {} of {} results differ{}",
        campaign.short(),
        size_name(n),
        bad,
        records,
        if identical {
            " (the files are byte-identical)"
        } else {
            " (amounts compared as decimals)"
        }
    ));
    let _ = std::fs::remove_file(out_c);
    let _ = std::fs::remove_file(out_h);
}

/// User + system CPU time of this process, all threads (10 ms resolution).
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the file: the 12th and 13th after the command name.
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// `campaign check`: in process per seed policy, and a folder of 1000 files.
fn check(ctx: &mut Ctx) {
    ctx.say("\n### `campaign check`\n");
    ctx.say("| policy | bytes | µs per check, wall (in process, mean of 1000) | µs per check, CPU of all threads |");
    ctx.say("|---|---:|---:|---:|");
    let mut texts = Vec::new();
    for c in Campaign::ALL {
        let path = policy_path(c.short());
        let text = std::fs::read_to_string(&path).expect("read policy");
        assert!(
            campaign::check::check(&text).program.is_some(),
            "{} checks",
            path.display()
        );
        let cpu0 = process_cpu_seconds();
        let start = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(campaign::check::check(std::hint::black_box(&text)));
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / 1000.0;
        let cpu_us = (process_cpu_seconds() - cpu0) * 1e6 / 1000.0;
        ctx.say(&format!(
            "| {} | {} | {:.0} | {:.0} |",
            c.file_stem(),
            text.len(),
            us,
            cpu_us
        ));
        texts.push((c, text));
    }
    // 1000 files: the six seeds, each copy with its own name and a changed threshold or comment.
    let dir = ctx.data.join("check-1000");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create check dir");
    for i in 0..1000usize {
        let (c, text) = &texts[i % texts.len()];
        let variant = text.replacen("campaign \"", &format!("campaign \"#{i} "), 1);
        let variant = format!("# variant {i} of {}\n{variant}", c.file_stem());
        std::fs::write(dir.join(format!("{:04}-{}.campaign", i, c.short())), variant).expect("write variant");
    }
    let d = dir.to_string_lossy().to_string();
    let bin = ctx.campaign_bin.clone();
    if let Some(r) = best_of(ctx.repeat, &bin, &["check", &d]) {
        ctx.say(&format!(
            "\n`campaign check` of a folder of 1000 campaign files: {:.3} s wall, {:.3} s CPU, peak RSS {:.1} MiB",
            r.wall,
            r.cpu,
            r.rss_kib as f64 / 1024.0
        ));
    }
}

/// How cost grows: 2× list lengths, and the education campaign with 2× conditions and values.
fn growth(ctx: &mut Ctx, n: u64) {
    ctx.say(&format!(
        "\n### Growth with record and campaign size ({} records)\n",
        size_name(n)
    ));
    ctx.say("| case | bytes/record | campaign e2e CPU s (jobs 1) | handwritten e2e CPU s | campaign eval ns/record | handwritten eval ns/record |");
    ctx.say("|---|---:|---:|---:|---:|---:|");
    for (campaign, scale) in [
        (Campaign::Edu, 1),
        (Campaign::Edu, 2),
        (Campaign::KuaishouGmv, 1),
        (Campaign::KuaishouGmv, 2),
    ] {
        let path = ctx
            .data
            .join(format!("{}-{}-x{scale}.ndjson", campaign.short(), size_name(n)));
        let path = if scale == 1 {
            ctx.data.join(format!("{}-{}.ndjson", campaign.short(), size_name(n)))
        } else {
            path
        };
        ensure_data(campaign, n, scale, &path);
        warm(&path);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let facts = path.to_string_lossy().to_string();
        let policy = policy_path(campaign.short()).to_string_lossy().to_string();
        let bin = ctx.campaign_bin.clone();
        let c = best_of(
            ctx.repeat,
            &bin,
            &["evaluate", &policy, "--facts", &facts, "--jobs", "1", "--quiet"],
        );
        let h = best_of(
            ctx.repeat,
            &ctx.bench_bin.join("handwritten"),
            &[
                "--campaign",
                campaign.short(),
                "--facts",
                &facts,
                "--jobs",
                "1",
                "--quiet",
            ],
        );
        let (tc, th) = eval_only(&path, kind_of(campaign), n);
        ctx.say(&format!(
            "| {} lists ×{} | {} | {:.2} | {:.2} | {:.0} | {:.0} |",
            campaign.short(),
            scale,
            bytes / n,
            c.map_or(f64::NAN, |r| r.cpu),
            h.map_or(f64::NAN, |r| r.cpu),
            tc.ns_per_record(),
            th.ns_per_record()
        ));
    }
    // The education campaign with twice the conditions and values.
    let big = repo_root().join("bench/policies/edu-2x.campaign");
    let text = std::fs::read_to_string(&big).expect("read edu-2x");
    let checked = campaign::check::check(&text);
    let Some(program) = checked.program else {
        ctx.say(&format!("edu-2x does not check: {:?}", checked.diagnostics));
        return;
    };
    let path = ctx.data.join(format!("edu-{}.ndjson", size_name(n)));
    let bytes = read_prefix(&path, n);
    let lines = compare::lines(&bytes);
    let base = compare::program(Kind::Edu);
    let (t1, _) = compare::campaign_eval(&base, &lines, false);
    let (t2, _) = compare::campaign_eval(&program, &lines, false);
    let facts = path.to_string_lossy().to_string();
    let bin = ctx.campaign_bin.clone();
    let c2 = best_of(
        ctx.repeat,
        &bin,
        &[
            "evaluate",
            &big.to_string_lossy(),
            "--facts",
            &facts,
            "--jobs",
            "1",
            "--quiet",
        ],
    );
    ctx.say(&format!(
        "| edu campaign ×2 (6 conditions, 2 values) | {} | {:.2} | – | {:.0} (×1: {:.0}) | – |",
        bytes.len() as u64 / n.max(1),
        c2.map_or(f64::NAN, |r| r.cpu),
        t2.ns_per_record(),
        t1.ns_per_record()
    ));
    let start = Instant::now();
    for _ in 0..1000 {
        std::hint::black_box(campaign::check::check(&text));
    }
    ctx.say(&format!(
        "\n(`campaign check` of edu-2x: {:.0} µs)",
        start.elapsed().as_secs_f64() * 1e3
    ));
}

fn profile_eval(args: &Args) {
    let campaign = args.get("campaign").and_then(Campaign::parse).unwrap_or(Campaign::Edu);
    let n = args.count("records", 100_000);
    let repeat = args.count("repeat", 20);
    let options = Options {
        seed: 1,
        list_scale: args.count("list-scale", 1) as u32,
    };
    let mut bytes = Vec::new();
    for i in 0..n {
        record(campaign, &options, i, &mut bytes);
    }
    let lines = compare::lines(&bytes);
    let kind = kind_of(campaign);
    let program = compare::program(kind);
    let parser = campaign::facts::LineParser::new(&program.schema);
    let records: Vec<_> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| parser.parse(l, i + 1).ok())
        .collect();
    let evaluator = campaign::eval::Evaluator::new(&program);
    let which = args.get("impl").unwrap_or("campaign");
    let start = Instant::now();
    let mut eligible = 0usize;
    // The fastest pass, in CPU time.
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let cpu = thread_cpu();
        match which {
            "hand" => {
                let (t, _) = compare::hand_eval(kind, &lines, false);
                std::hint::black_box(t);
            }
            "zen" => {
                let (t, _) = compare::zen_eval(kind, &lines);
                std::hint::black_box(t);
            }
            _ => {
                for r in &records {
                    if let Ok(o) = evaluator.evaluate(&r.record) {
                        eligible += usize::from(o.eligible);
                    }
                }
            }
        }
        best = best.min(thread_cpu() - cpu);
    }
    let el = start.elapsed();
    eprintln!(
        "{} × {} records: {:.0} ns/record ({eligible} eligible); fastest pass {:.0} ns/record of CPU",
        repeat,
        records.len(),
        el.as_nanos() as f64 / (repeat as f64 * records.len() as f64),
        best.as_nanos() as f64 / records.len() as f64
    );
}

/// This thread's CPU time so far (`/proc/thread-self/schedstat`), which other
/// work on a shared machine disturbs less than wall time.
fn thread_cpu() -> Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn profile_parse(args: &Args) {
    let campaign = args.get("campaign").and_then(Campaign::parse).unwrap_or(Campaign::Edu);
    let n = args.count("records", 100_000);
    let repeat = args.count("repeat", 20);
    let stage = args.get("stage").unwrap_or("all");
    let options = Options {
        seed: 1,
        list_scale: args.count("list-scale", 1) as u32,
    };
    let mut bytes = Vec::new();
    for i in 0..n {
        record(campaign, &options, i, &mut bytes);
    }
    let lines = compare::lines(&bytes);
    let program = compare::program(kind_of(campaign));
    let parser = campaign::facts::LineParser::new(&program.schema);
    // Best of `repeat` passes, in CPU time.
    let time = |pass: &mut dyn FnMut() -> usize| {
        let mut best = Duration::MAX;
        let mut count = 0;
        for _ in 0..repeat {
            let start = thread_cpu();
            count = pass();
            best = best.min(thread_cpu() - start);
        }
        (best.as_nanos() as f64 / lines.len() as f64, count)
    };
    if matches!(stage, "all" | "lines") {
        let (ns, _) = time(&mut || {
            let mut lines = campaign::facts::NdjsonLines::new(bytes.as_slice());
            let mut block = campaign::facts::LineBlock::default();
            let mut total = 0usize;
            let mut items = 1;
            while items > 0 {
                items = 0;
                lines.fill(&mut block, 2048, |item| {
                    items += 1;
                    if let Ok((line, range)) = item {
                        total = total.wrapping_add(line ^ range.len());
                    }
                });
            }
            std::hint::black_box(total)
        });
        eprintln!("lines: {ns:.0} ns/record (CPU, best of {repeat})");
    }
    if matches!(stage, "all" | "parse") {
        let (ns, ok) = time(&mut || {
            let mut ok = 0usize;
            for (i, l) in lines.iter().enumerate() {
                let r = parser.parse(l, i + 1);
                ok += usize::from(r.is_ok());
                std::hint::black_box(r).ok();
            }
            ok
        });
        eprintln!("parse: {ns:.0} ns/record ({ok} records read)");
    }
    if matches!(stage, "all" | "both") {
        let (ns, ok) = time(&mut || {
            let mut lines = campaign::facts::NdjsonLines::new(bytes.as_slice());
            let mut block = campaign::facts::LineBlock::default();
            let mut chunk = Vec::with_capacity(2048);
            let mut ok = 0usize;
            loop {
                chunk.clear();
                lines.fill(&mut block, 2048, |item| chunk.push(item));
                if chunk.is_empty() {
                    break ok;
                }
                for (line, range) in chunk.drain(..).flatten() {
                    let r = parser.parse(block.line(range), line);
                    ok += usize::from(r.is_ok());
                    std::hint::black_box(r).ok();
                }
            }
        });
        eprintln!("lines + parse: {ns:.0} ns/record ({ok} records read)");
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("profile-parse") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        let parsed = Args::from_list(&args);
        profile_parse(&parsed);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("profile-eval") {
        let args: Vec<String> = std::env::args().skip(2).collect();
        let parsed = Args::from_list(&args);
        profile_eval(&parsed);
        return;
    }
    let args = Args::from_env();
    let root = repo_root();
    let sizes: Vec<u64> = args
        .get("sizes")
        .unwrap_or("1e5,1e6")
        .split(',')
        .map(parse_count)
        .collect();
    let campaigns: Vec<Campaign> = args
        .get("campaigns")
        .unwrap_or("edu,gmv")
        .split(',')
        .filter_map(Campaign::parse)
        .collect();
    let skip: Vec<&str> = args.get("skip").unwrap_or("").split(',').collect();
    let exe = std::env::current_exe().expect("current exe");
    let bench_bin = exe.parent().expect("bin dir").to_path_buf();
    // The profile this binary was built with (`target/<profile>/run`; `dev` builds into
    // `debug/`): `campaign` is built with the same one, beside it.
    let profile = match bench_bin.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(name) => name.to_string(),
    };
    let campaign_bin = match args.get("campaign-bin") {
        Some(p) => PathBuf::from(p),
        None => {
            eprintln!("building `campaign` (profile {profile})…");
            let status = Command::new(env!("CARGO"))
                .current_dir(&root)
                // With the bench package in the same invocation, features unify as in
                // `cargo run -p campaign-bench`, so nothing is compiled twice.
                .args([
                    "build",
                    "--profile",
                    &profile,
                    "--quiet",
                    "-p",
                    "campaign",
                    "-p",
                    "campaign-bench",
                    "--bins",
                ])
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("error: could not build `campaign`; pass --campaign-bin PATH");
                std::process::exit(1);
            }
            bench_bin.join("campaign")
        }
    };
    let mut ctx = Ctx {
        data: root.join("target/bench-data"),
        results: root.join("target/bench-results"),
        campaign_bin,
        bench_bin,
        repeat: args.count("repeat", 3) as usize,
        report: String::new(),
        summary: Vec::new(),
    };
    std::fs::create_dir_all(&ctx.data).expect("create data dir");
    std::fs::create_dir_all(&ctx.results).expect("create results dir");
    let eval_max = args.count("eval-max", 1_000_000);
    let peer_records = args.count("peer-records", 100_000);

    let mut header = String::new();
    let _ = writeln!(header, "## Benchmark run\n");
    let _ = writeln!(header, "- campaign binary: `{}`", ctx.campaign_bin.display());
    let _ = writeln!(header, "- profile of the benchmark: `{profile}`");
    let rev = Command::new("git")
        .current_dir(&root)
        .args(["describe", "--always", "--dirty"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let _ = writeln!(header, "- source tree: `{rev}`");
    let _ = writeln!(header, "- load average at start: {}", load_average());
    ctx.say(&header);

    if !skip.contains(&"e2e") {
        ctx.say("### End to end (NDJSON in → NDJSON results to /dev/null)\n");
        ctx.say("| campaign | records | implementation | threads | wall s | CPU s | records/s (wall) | records/s per CPU-s | MB/s (wall) | peak RSS MiB |");
        ctx.say("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for &n in &sizes {
            for &c in &campaigns {
                let path = ctx.data.join(format!("{}-{}.ndjson", c.short(), size_name(n)));
                ensure_data(c, n, 1, &path);
                e2e(&mut ctx, c, n, &path);
            }
            let _ = std::fs::write(ctx.results.join("latest.md"), &ctx.report);
        }
    }
    if !skip.contains(&"eval") {
        ctx.say("\n### Evaluation only (records parsed into memory first)\n");
        ctx.say("| campaign | records timed | campaign ns/record | handwritten ns/record | ratio |");
        ctx.say("|---|---:|---:|---:|---:|");
        for &n in &sizes {
            for &c in &campaigns {
                let path = ctx.data.join(format!("{}-{}.ndjson", c.short(), size_name(n)));
                ensure_data(c, n, 1, &path);
                let (tc, th) = eval_only(&path, kind_of(c), n.min(eval_max));
                ctx.say(&format!(
                    "| {} | {} of {} | {:.0} | {:.0} | {:.1}× |",
                    c.short(),
                    tc.records,
                    size_name(n),
                    tc.ns_per_record(),
                    th.ns_per_record(),
                    tc.ns_per_record() / th.ns_per_record()
                ));
            }
        }
        let _ = std::fs::write(ctx.results.join("latest.md"), &ctx.report);
    }
    if !skip.contains(&"peers") {
        ctx.say("\n### Peers: evaluation only, same records, agreement with `campaign`\n");
        ctx.say("| campaign | records | engine | ns/record | fastest peer ÷ this | disagreements |");
        ctx.say("|---|---|---|---:|---:|---:|");
        let n = *sizes.first().unwrap_or(&100_000);
        for &c in &campaigns {
            let path = ctx.data.join(format!("{}-{}.ndjson", c.short(), size_name(n)));
            ensure_data(c, n, 1, &path);
            peers(&mut ctx, c, &path, peer_records.min(n));
        }
        let _ = std::fs::write(ctx.results.join("latest.md"), &ctx.report);
    }
    if !skip.contains(&"agree") {
        ctx.say("\n### Agreement of the outputs: `campaign evaluate` vs hand-written, field by field\n");
        let n = *sizes
            .iter()
            .find(|&&n| n >= 1_000_000)
            .or(sizes.last())
            .unwrap_or(&100_000);
        for &c in &campaigns {
            let path = ctx.data.join(format!("{}-{}.ndjson", c.short(), size_name(n)));
            ensure_data(c, n, 1, &path);
            agree(&mut ctx, c, n, &path);
        }
    }
    if !skip.contains(&"growth") {
        growth(&mut ctx, *sizes.first().unwrap_or(&100_000));
        let _ = std::fs::write(ctx.results.join("latest.md"), &ctx.report);
    }
    if !skip.contains(&"check") {
        check(&mut ctx);
    }
    if !ctx.summary.is_empty() {
        ctx.say("\n### End-to-end throughput of `campaign evaluate` ÷ hand-written (target ≥ 0.5; judged on CPU time, which other work on the machine disturbs least)\n");
        ctx.say("| campaign | records | threads | ratio (wall) | ratio (CPU) | target |");
        ctx.say("|---|---|---:|---:|---:|---|");
        for line in std::mem::take(&mut ctx.summary) {
            ctx.say(&line);
        }
    }
    ctx.say(&format!("\n- load average at end: {}", load_average()));
    ctx.say(&format!(
        "- peak RSS of this runner: {:.1} MiB",
        peak_rss_kib() as f64 / 1024.0
    ));
    let _ = std::fs::write(ctx.results.join("latest.md"), &ctx.report);
    eprintln!("results: {}", ctx.results.join("latest.md").display());
    let _ = Duration::ZERO;
}
