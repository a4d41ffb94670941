//! Arbitrary bytes, when UTF-8, as a campaign file: `check` never panics;
//! every diagnostic's spans lie in the text on character boundaries; a
//! program comes back exactly when there is no error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let checked = campaign::check::check(text);
    for d in &checked.diagnostics {
        assert!(!d.message.is_empty());
        for label in &d.labels {
            assert!(label.span.start <= label.span.end && label.span.end <= text.len());
            assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
        }
    }
    assert_eq!(checked.program.is_some(), !checked.has_errors());
});
