//! Arbitrary bytes, when UTF-8, as a campaign file: `parse` never panics,
//! never overflows the stack, and its diagnostic's span lies in the text.
//! A file that parses, in either keyword set, converts to the other set
//! (docs/language.zh.md): the conversion parses, in that set, to the same campaign.
//! The same text read as a `.tests` file: the reader never panics, its diagnostics' spans lie
//! in the text, and a file it reads converts to the other keyword set (docs/testing.md, "In
//! Chinese") and back to the same bytes.
#![no_main]

use campaign::syntax::keywords::Surface;
use libfuzzer_sys::fuzz_target;

/// The keyword set that is not `surface`.
fn other(surface: Surface) -> Surface {
    match surface {
        Surface::English => Surface::Chinese,
        Surface::Chinese => Surface::English,
    }
}

/// `text` as a `.tests` file.
fn tests_file(text: &str) {
    match campaign::testing::parse(text) {
        Err(diagnostics) => {
            for d in &diagnostics {
                for label in &d.labels {
                    assert!(label.span.start <= label.span.end && label.span.end <= text.len());
                    assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
                }
            }
        }
        Ok(file) => {
            let to = other(file.surface);
            let converted = campaign::testing::convert::convert(text, to).expect("a tests file that reads converts");
            let again = campaign::testing::parse(&converted).expect("the converted tests file reads");
            assert!(again.surface == to || again.keywords.is_empty());
            assert_eq!(again.items.len(), file.items.len());
            let back = campaign::testing::convert::convert(&converted, file.surface).expect("converts back");
            assert_eq!(back, text, "converted there and back, the tests file differs");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    tests_file(text);
    match campaign::syntax::parse(text) {
        Err(d) => {
            for label in &d.labels {
                assert!(label.span.start <= label.span.end && label.span.end <= text.len());
                assert!(text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end));
            }
        }
        Ok(tree) => {
            let other = other(tree.surface);
            let converted = campaign::syntax::convert(text, other).expect("a campaign that parses converts");
            let mut again = campaign::syntax::parse(&converted).expect("the converted campaign parses");
            assert_eq!(again.surface, other);
            again.surface = tree.surface;
            assert!(campaign::fmt::same_meaning(&tree, &again), "conversion changed the meaning");
        }
    }
});
