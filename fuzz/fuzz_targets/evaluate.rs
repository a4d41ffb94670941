//! Arbitrary bytes as an NDJSON fact file, read and evaluated against each of
//! the six seed policies (compiled once): nothing panics, and every non-blank
//! line yields exactly one record or one error, in order.
#![no_main]

use std::sync::LazyLock;

use campaign::program::Program;
use campaign::eval::{Evaluator, report};
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

/// The non-blank lines of an NDJSON input (the reader's rule: a line ends at
/// an LF, a CR or a CRLF).
fn non_blank_lines(bytes: &[u8]) -> usize {
    let text = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| !(b == b'\n' && i > 0 && bytes.get(i - 1) == Some(&b'\r')));
    let bytes: Vec<u8> = text.map(|(_, &b)| if b == b'\r' { b'\n' } else { b }).collect();
    let mut count = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let mut line = line;
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            count += 1;
        }
    }
    count
}

fuzz_target!(|data: &[u8]| {
    let expected = non_blank_lines(data);
    for program in PROGRAMS.iter() {
        let items: Vec<_> = read_records(&program.schema, Format::Ndjson, data)
            .expect("NDJSON is never refused as a whole")
            .collect();
        assert_eq!(items.len(), expected);
        let mut last = 0;
        for item in &items {
            let line = match item {
                Ok(r) => r.line,
                Err(e) => e.line,
            };
            assert!(line > last);
            last = line;
        }
        let evaluator = Evaluator::new(program);
        let mut population = Vec::new();
        for input in items.iter().flatten() {
            if let Ok(outcome) = evaluator.evaluate(&input.record) {
                let _ = report::result_json(program, &input.id, &outcome);
                let _ = evaluator.explain(&input.id, &input.record, &outcome);
            }
            population.push(input.record.clone());
        }
        assert_eq!(evaluator.evaluate_all(&population).len(), population.len());
    }
});
