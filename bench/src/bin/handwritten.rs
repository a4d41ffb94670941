//! `handwritten --campaign edu|gmv --facts FILE.ndjson [--jobs N]`
//!
//! The hand-written baseline: NDJSON facts in, NDJSON results (the contract's
//! shape) on stdout; a summary on stderr.

use std::io::BufReader;

use campaign_bench::args::Args;
use campaign_bench::hand;

fn main() {
    let args = Args::from_env();
    let f: hand::LineFn = match args.get("campaign") {
        Some("edu") => hand::edu_line,
        Some("gmv") => hand::gmv_line,
        _ => {
            eprintln!("usage: handwritten --campaign edu|gmv --facts FILE.ndjson [--jobs N]");
            std::process::exit(2);
        }
    };
    let Some(path) = args.get("facts") else {
        eprintln!("error: --facts FILE is required");
        std::process::exit(2);
    };
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read `{path}`: {e}");
        std::process::exit(2)
    });
    let jobs = args.count("jobs", 1) as usize;
    let stdout = std::io::stdout();
    let (records, failed) = hand::run_stream(f, BufReader::with_capacity(1 << 16, file), stdout.lock(), jobs);
    if !args.flag("quiet") {
        eprintln!("{records} records, {failed} failed");
    }
    std::process::exit(i32::from(failed > 0));
}
