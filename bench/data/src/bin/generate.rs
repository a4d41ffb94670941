//! `generate --campaign edu|gmv|industry|coldstart|douyin|alliance --records 1e6 [--seed 1] [--list-scale 1] [--out FILE]`
//!
//! Writes synthetic NDJSON facts for a seed campaign, deterministically from
//! the seed, in constant memory (to stdout unless `--out`).

use std::io::Write;

use campaign_data::args::Args;
use campaign_data::data::{Campaign, Options, record};

fn main() {
    let args = Args::from_env();
    let Some(campaign) = args.get("campaign").and_then(Campaign::parse) else {
        eprintln!(
            "usage: generate --campaign edu|gmv|industry|coldstart|douyin|alliance --records N [--seed S] [--list-scale K] [--out FILE]"
        );
        std::process::exit(2);
    };
    let records = args.count("records", 1000);
    let options = Options {
        seed: args.count("seed", 1),
        list_scale: args.count("list-scale", 1) as u32,
    };
    let sink: Box<dyn Write> = match args.get("out") {
        Some(path) => Box::new(std::fs::File::create(path).unwrap_or_else(|e| {
            eprintln!("error: cannot create `{path}`: {e}");
            std::process::exit(1)
        })),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, sink);
    let mut line = Vec::with_capacity(1 << 14);
    for i in 0..records {
        line.clear();
        record(campaign, &options, i, &mut line);
        if out.write_all(&line).is_err() {
            std::process::exit(1);
        }
    }
    if out.flush().is_err() {
        std::process::exit(1);
    }
}
