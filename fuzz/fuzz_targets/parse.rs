//! Arbitrary bytes, when UTF-8, as a campaign file: `parse` never panics,
//! never overflows the stack, and its diagnostic's span lies in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(d) = campaign::syntax::parse(text) {
        for label in &d.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= text.len());
            assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
        }
    }
});
