//! Arbitrary bytes, when UTF-8, as a campaign file: `parse` never panics,
//! never overflows the stack, and its diagnostic's span lies in the text.
//! A file that parses, in either keyword set, converts to the other set
//! (docs/language.zh.md): the conversion parses, in that set, to the same campaign.
#![no_main]

use campaign::syntax::keywords::Surface;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match campaign::syntax::parse(text) {
        Err(d) => {
            for label in &d.labels {
                assert!(label.span.start <= label.span.end && label.span.end <= text.len());
                assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
            }
        }
        Ok(tree) => {
            let other = match tree.surface {
                Surface::English => Surface::Chinese,
                Surface::Chinese => Surface::English,
            };
            let converted = campaign::syntax::convert(text, other).expect("a campaign that parses converts");
            let mut again = campaign::syntax::parse(&converted).expect("the converted campaign parses");
            assert_eq!(again.surface, other);
            again.surface = tree.surface;
            assert!(campaign::fmt::same_meaning(&tree, &again), "conversion changed the meaning");
        }
    }
});
