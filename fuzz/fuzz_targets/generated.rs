//! Arbitrary bytes as the choices of the campaign generator of `tests/support/generated.rs`
//! (the first 120 bytes write a campaign, each next 60 a record): every campaign `check`
//! accepts evaluates without an internal error, and the reference semantics (no shortcut, on
//! the unoptimised program) and the evaluator as it runs agree on every record.
#![no_main]

use campaign::check::{check, check_unoptimised};
use campaign::eval::Evaluator;
use campaign::eval::error::EvalErrorKind;
use campaign::facts::{Format, read_records};
use campaign::program::inputs::Inputs;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/generated.rs"]
#[allow(dead_code, clippy::all)]
mod generated;

fuzz_target!(|data: &[u8]| {
    let (tape, rest) = data.split_at(data.len().min(120));
    let text = generated::Writer::campaign(tape);
    let (Some(plain), Some(fast)) = (check_unoptimised(&text).program, check(&text).program) else {
        return;
    };
    let lines: Vec<String> = rest.chunks(60).take(4).enumerate().map(|(i, t)| generated::record(t, i)).collect();
    let bytes = lines.join("\n");
    let records: Vec<_> = read_records(&plain.schema, Format::Ndjson, bytes.as_bytes())
        .expect("NDJSON is never refused as a whole")
        .map(|r| r.expect("a generated record reads").record)
        .collect();
    let reference = Evaluator::plain(&plain, Inputs::defaults(&plain));
    let quick = Evaluator::with_inputs(&fast, Inputs::defaults(&fast));
    let expected = reference.evaluate_all(&records);
    for result in &expected {
        if let Err(e) = result {
            assert!(!matches!(e.kind, EvalErrorKind::Internal(_)), "{e}\n{text}");
        }
    }
    assert_eq!(expected, quick.evaluate_all(&records), "{text}");
});
