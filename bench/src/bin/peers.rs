//! `peers [--campaign edu|gmv] [--facts FILE.ndjson] [--records N]`
//!
//! Evaluates the education and Kuaishou-GMV campaigns with `campaign`, the
//! hand-written code, GoRules ZEN and Rego (regorus) on the same records,
//! checks that all agree with `campaign` on every record (eligibility, each
//! condition, rewards with their periods, values; amounts as decimals), and
//! prints evaluation-only nanoseconds per record. Without `--facts`, the first
//! N (default 10^5) generated records are used. Exits 1 on any disagreement.

use campaign_bench::args::Args;
use campaign_bench::compare::*;
use campaign_bench::data::{Campaign, Options, record};
use campaign_bench::peers::Kind;

fn main() {
    let args = Args::from_env();
    let kinds: Vec<Kind> = match args.get("campaign") {
        Some("edu") => vec![Kind::Edu],
        Some("gmv") => vec![Kind::Gmv],
        None => vec![Kind::Edu, Kind::Gmv],
        Some(other) => {
            eprintln!("error: unknown campaign `{other}` (edu or gmv)");
            std::process::exit(2);
        }
    };
    let n = args.count("records", 100_000);
    let mut failures = 0;
    for kind in kinds {
        let bytes = match args.get("facts") {
            Some(path) => std::fs::read(path).unwrap_or_else(|e| {
                eprintln!("error: cannot read `{path}`: {e}");
                std::process::exit(2)
            }),
            None => {
                let c = if kind == Kind::Edu {
                    Campaign::Edu
                } else {
                    Campaign::KuaishouGmv
                };
                let options = Options {
                    seed: args.count("seed", 1),
                    list_scale: 1,
                };
                let mut out = Vec::new();
                for i in 0..n {
                    record(c, &options, i, &mut out);
                }
                out
            }
        };
        let lines = lines(&bytes);
        if let Some(k) = args.get("raw") {
            // Debugging aid: the engines' raw output for one record.
            let i: usize = k.parse().unwrap_or(0);
            let line = lines[i];
            let mut zen = campaign_bench::peers::Zen::new(kind).expect("compiles");
            let input = campaign_bench::peers::Zen::input(&serde_json::from_slice(line).expect("JSON"));
            println!("zen: {:?}", zen.eval_raw(&input).map(|v| v.to_value()));
            let mut rego = campaign_bench::peers::Rego::new(kind).expect("loads");
            let input = campaign_bench::peers::Rego::input(std::str::from_utf8(line).expect("UTF-8")).expect("JSON");
            println!("rego: {:?}", rego.eval_raw(&input).map(|v| v.to_json_str()));
            continue;
        }
        let program = program(kind);
        let (t_campaign, reference) = campaign_eval(&program, &lines, true);
        let (t_campaign, _) = if lines.len() >= 1000 {
            campaign_eval(&program, &lines, false)
        } else {
            (t_campaign, Vec::new())
        };
        let (t_hand, hand) = hand_eval(kind, &lines, true);
        let (t_zen, zen) = zen_eval(kind, &lines);
        let (t_rego, rego) = rego_eval(kind, &lines);
        let bad_hand = disagreements("handwritten", &reference, &hand, &lines);
        let bad_zen = disagreements("zen", &reference, &zen, &lines);
        let bad_rego = disagreements("rego", &reference, &rego, &lines);
        failures += bad_hand + bad_zen + bad_rego;
        let eligible = reference.iter().filter(|r| r.eligible).count();
        println!("{kind:?}: {} records ({eligible} eligible)", lines.len());
        println!("  {:<12} {:>10} {:>14}", "engine", "ns/record", "disagreements");
        println!(
            "  {:<12} {:>10.0} {:>14}",
            "campaign",
            t_campaign.ns_per_record(),
            "reference"
        );
        println!(
            "  {:<12} {:>10.0} {:>14}",
            "handwritten",
            t_hand.ns_per_record(),
            bad_hand
        );
        println!("  {:<12} {:>10.0} {:>14}", "zen", t_zen.ns_per_record(), bad_zen);
        println!("  {:<12} {:>10.0} {:>14}", "rego", t_rego.ns_per_record(), bad_rego);
    }
    if failures > 0 {
        eprintln!("error: {failures} disagreements");
        std::process::exit(1);
    }
}
