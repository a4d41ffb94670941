//! Converting a campaign file from one keyword set to the other (`campaign fmt --keywords`).
//!
//! The two sets have the same grammar, word for word (docs/language.zh.md), so converting
//! replaces each keyword by its spelling in the other set and leaves every other byte where
//! it is: names, numbers, texts, comments, blanks and line breaks. Converting back gives the
//! original again, except that the blanks inside an English phrase (`first come first
//! served`) come back as single spaces, as `campaign fmt` writes them.

use super::keywords::Surface;
use super::parser;
use crate::diagnostics::Diagnostic;

/// The campaign file `text` written with the keywords of `to`. A file that mixes the two sets
/// is converted too (every keyword ends up in `to`); a file that does not parse is reported.
pub fn convert(text: &str, to: Surface) -> Result<String, Diagnostic> {
    let tokens = parser::keyword_tokens(text)?;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut at = 0;
    for (span, entry) in tokens {
        out.push_str(text.get(at..span.start).unwrap_or_default());
        out.push_str(to.word(entry));
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Ok(out)
}

/// An expression printed with English keywords (`print::expr`), written with the keywords of
/// `to`; as it is when it cannot be read on its own.
pub fn expr_in(printed: &str, to: Surface) -> String {
    const HEAD: &str = "campaign \"\" {\nvalue v = ";
    const TAIL: &str = "\n}\n";
    if to == Surface::English {
        return printed.to_string();
    }
    let Ok(converted) = convert(&format!("{HEAD}{printed}{TAIL}"), to) else {
        return printed.to_string();
    };
    // Only keywords change: the expression follows the head's ` = ` and ends before the tail.
    converted
        .split_once(" = ")
        .and_then(|(_, rest)| rest.strip_suffix(TAIL))
        .map_or_else(|| printed.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENGLISH: &str = "# 注释 where\ncampaign \"x where\" {\n  facts { a: count, b: decimal, optional }\n  \
                           value `求和` = sum of a where a > 1  # and\n  eligible when {\n    b ≥ 4.2 if unknown false  \"评分\"\n  }\n}\n";

    #[test]
    fn only_keywords_change_and_back_is_the_same() {
        let chinese = convert(ENGLISH, Surface::Chinese).unwrap_or_default();
        assert_eq!(
            chinese,
            "# 注释 where\n活动 \"x where\" {\n  事实 { a: 计数, b: 小数, 可缺 }\n  \
             值 `求和` = 求和 于 a 其中 a > 1  # and\n  资格 条件 {\n    b ≥ 4.2 若未知 假  \"评分\"\n  }\n}\n"
        );
        assert_eq!(convert(&chinese, Surface::English).ok().as_deref(), Some(ENGLISH));
        assert_eq!(convert(ENGLISH, Surface::English).ok().as_deref(), Some(ENGLISH));
    }

    #[test]
    fn expressions_are_quoted_in_the_files_keywords() {
        assert_eq!(
            expr_in("a in w if unknown false", Surface::Chinese),
            "a 属于 w 若未知 假"
        );
        assert_eq!(expr_in("a = \" = \"", Surface::Chinese), "a = \" = \"");
        assert_eq!(expr_in("a in", Surface::Chinese), "a in");
    }
}
