//! Converting a `.tests` file from one keyword set to the other (`campaign fmt --keywords`).
//!
//! As for a campaign file ([`crate::syntax::convert`]): each keyword the reader found is
//! replaced by its spelling in the other set, and every other byte stays where it is (names,
//! facts, values, reasons, comments, blanks, line breaks), so that converting back gives the
//! file again, byte for byte.

use super::syntax::keywords;
use crate::diagnostics::Diagnostic;
use crate::syntax::keywords::Surface;

/// The `.tests` file `text` written with the keywords of `to`. A file that mixes the two sets
/// is converted too (every keyword ends up in `to`), as a campaign file is.
///
/// # Errors
///
/// The reader's diagnostics when the file does not follow the format.
pub fn convert(text: &str, to: Surface) -> Result<String, Vec<Diagnostic>> {
    let keywords = keywords(text)?;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut at = 0;
    for (span, word) in keywords {
        out.push_str(text.get(at..span.start).unwrap_or_default());
        out.push_str(word.spell(to));
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::panic,
        clippy::indexing_slicing,
        reason = "a test stops at its first surprise: indexing and `panic!` with the value found say plainly what went wrong"
    )]

    use super::*;
    use crate::testing::syntax::{Item, parse};

    const ENGLISH: &str = "# expect: a comment, not a keyword\n\
                           case \"case: eligible\" {\n  facts {\"with\": true, \"reasons\": \"x\"}  # facts\n  \
                           with packs = 2\n  expect eligible\n  expect not waitlisted\n  expect reason \"error\"\n  \
                           expect reasons = [\"a\"]\n  expect cash[2022-12] = 3.42 CNY\n}\n\n\
                           table \"t\" {\n  | store_score | eligible | reasons | error |\n  |---|---|---|---|\n  \
                           | 4.2 | true | [] | |\n}\n";

    const CHINESE: &str = "# expect: a comment, not a keyword\n\
                           用例 \"case: eligible\" {\n  事实 {\"with\": true, \"reasons\": \"x\"}  # facts\n  \
                           参数 packs = 2\n  预期 资格\n  预期 非 waitlisted\n  预期 原因 \"error\"\n  \
                           预期 原因列表 = [\"a\"]\n  预期 cash[2022-12] = 3.42 CNY\n}\n\n\
                           表格 \"t\" {\n  | store_score | 资格 | 原因列表 | 错误 |\n  |---|---|---|---|\n  \
                           | 4.2 | true | [] | |\n}\n";

    #[test]
    fn only_keywords_change_and_back_is_the_same() {
        assert_eq!(convert(ENGLISH, Surface::Chinese).ok().as_deref(), Some(CHINESE));
        assert_eq!(convert(CHINESE, Surface::English).ok().as_deref(), Some(ENGLISH));
        assert_eq!(convert(ENGLISH, Surface::English).ok().as_deref(), Some(ENGLISH));
        assert_eq!(convert(CHINESE, Surface::Chinese).ok().as_deref(), Some(CHINESE));
    }

    #[test]
    fn both_sets_read_the_same() {
        let (english, chinese) = (parse(ENGLISH), parse(CHINESE));
        let (Ok(english), Ok(chinese)) = (english, chinese) else {
            panic!("both parse: {ENGLISH}{CHINESE}")
        };
        // The same cases, at other places (the Chinese keywords are longer).
        let said = |file: &super::super::TestFile| -> Vec<String> {
            file.items
                .iter()
                .map(|item| match item {
                    Item::Case(c) => {
                        let e: Vec<_> = c.expectations.iter().map(|e| (&e.target, &e.expected)).collect();
                        format!("{} {:?} {:?} {e:?}", c.name, c.facts.records, c.params.len())
                    }
                    Item::Table(t) => {
                        let rows: Vec<Vec<&str>> = t
                            .rows
                            .iter()
                            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
                            .collect();
                        format!("{} {} {rows:?}", t.name, t.columns.len())
                    }
                })
                .collect()
        };
        assert_eq!(said(&english), said(&chinese));
        assert_eq!((english.surface, chinese.surface), (Surface::English, Surface::Chinese));
    }

    /// The reader's messages about a Chinese file quote its keywords in Chinese.
    #[test]
    fn messages_about_a_chinese_file_quote_chinese_keywords() {
        let Err(errors) = parse("用例 \"a\" {\n  事实 {}\n}\n") else {
            panic!("a case without expectations parses")
        };
        assert_eq!(errors[0].message, "this case expects nothing");
        assert_eq!(errors[0].labels[0].text, "no `预期` line");
        assert_eq!(
            errors[0].help.as_deref(),
            Some("add at least one line such as `预期 资格` or `预期 growth_points = 90 points`")
        );
        let Err(errors) = parse("case \"a\" {\n  facts {}\n}\n") else {
            panic!("a case without expectations parses")
        };
        assert_eq!(errors[0].labels[0].text, "no `expect` line");
    }

    #[test]
    fn a_mixed_file_is_refused_at_its_first_keyword_of_the_other_set() {
        let text = "用例 \"a\" {\n  事实 {}\n  expect 资格\n}\n";
        let Err(errors) = parse(text) else {
            panic!("a mixed file parses")
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        let d = &errors[0];
        assert_eq!(d.code, crate::diagnostics::Code::TestMixedKeywords);
        assert_eq!(text.get(d.span().start..d.span().end), Some("expect"));
        assert_eq!(
            d.message,
            "`expect` is an English keyword, but this tests file is written with Chinese keywords"
        );
        // Converting makes it one set.
        let english = "case \"a\" {\n  facts {}\n  expect eligible\n}\n";
        assert_eq!(convert(text, Surface::English).ok().as_deref(), Some(english));
        assert!(parse(&convert(text, Surface::Chinese).unwrap_or_default()).is_ok());
        assert!(convert("用例 \"a\" {\n  事实 {}\n}\n", Surface::English).is_err());
    }
}
