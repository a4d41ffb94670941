//! Arbitrary bytes as a `.json` document or a CSV file (the first byte
//! chooses), read and evaluated against each seed policy: nothing panics;
//! a file is either refused as a whole or streams records and errors.
#![no_main]

use std::sync::LazyLock;

use campaign::program::Program;
use campaign::eval::Evaluator;
use campaign::facts::{Format, read_records};
use libfuzzer_sys::fuzz_target;

const POLICIES: [&str; 6] = [
    include_str!("../../policies/channels-alliance-admission-2024.campaign"),
    include_str!("../../policies/channels-brand-coldstart-2023.campaign"),
    include_str!("../../policies/channels-edu-back-to-school-2024.campaign"),
    include_str!("../../policies/douyin-trade-miniprogram-2023.campaign"),
    include_str!("../../policies/kuaishou-provider-gmv-2022.campaign"),
    include_str!("../../policies/kuaishou-provider-industry-2022.campaign"),
];

static PROGRAMS: LazyLock<Vec<Program>> = LazyLock::new(|| {
    POLICIES
        .iter()
        .map(|text| campaign::check::check(text).program.expect("a seed policy checks"))
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = if selector % 2 == 0 { Format::Json } else { Format::Csv };
    for program in PROGRAMS.iter() {
        let Ok(items) = read_records(&program.schema, format, rest) else {
            continue;
        };
        let evaluator = Evaluator::new(program);
        let mut population = Vec::new();
        for item in items {
            match item {
                Ok(input) => {
                    assert!(input.line >= 1);
                    let _ = evaluator.evaluate(&input.record);
                    population.push(input.record);
                }
                Err(e) => {
                    assert!(e.line >= 1 && !e.message.is_empty());
                }
            }
        }
        assert_eq!(evaluator.evaluate_all(&population).len(), population.len());
    }
});
