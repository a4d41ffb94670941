//! Converting a campaign file from one keyword set to the other (`campaign fmt --keywords`).
//!
//! The two sets have the same grammar, word for word (docs/language.zh.md), so converting
//! replaces each keyword by its spelling in the other set and leaves every other byte where
//! it is: names, numbers, texts, comments, blanks and line breaks. Converting back gives the
//! original again, except that the blanks inside an English phrase (`first come first
//! served`) come back as single spaces, as `campaign fmt` writes them.

use super::keywords::{Surface, TABLE};
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

/// The keyword set a campaign file is written in, as far as its text shows: the set of its
/// first word of code (`campaign` or `活动`), English when there is none yet. For the editor,
/// which needs the answer while the file does not parse.
pub fn surface_of_text(text: &str) -> Surface {
    let first_word = super::scan::campaign(text)
        .filter(|segment| segment.is_code())
        .flat_map(|segment| segment.text(text).split(|c: char| c.is_whitespace() || c == '\u{FEFF}'))
        .find(|word| !word.is_empty());
    match first_word {
        Some(word) if word.starts_with("活动") => Surface::Chinese,
        _ => Surface::English,
    }
}

/// A phrase of English keywords (`first come first served by`, `is known`, `rounded half up`)
/// written with the keywords of `to`, word for word: at each place the longest phrase of the
/// table that is there is replaced; other words (names, placeholders) stay. For completion and
/// snippets, which are not campaign files and cannot be parsed.
pub fn phrase_in(phrase: &str, to: Surface) -> String {
    if to == Surface::English {
        return phrase.to_string();
    }
    let words = english_words(phrase);
    let mut out = String::with_capacity(phrase.len());
    let mut at = 0;
    let mut i = 0;
    while let Some(&(start, _)) = words.get(i) {
        // The longest run of words from here that is one keyword of the table.
        let found = (1..=words.len() - i).rev().find_map(|n| {
            let run = words.get(i..i + n)?;
            let adjacent = run
                .windows(2)
                .all(|pair| matches!(pair, [(s, w), (next, _)] if phrase.get(s + w.len()..*next) == Some(" ")));
            if !adjacent {
                return None;
            }
            let spelled: Vec<&str> = run.iter().map(|(_, w)| *w).collect();
            let entry = TABLE.iter().find(|e| e.english == spelled.join(" "))?;
            let end = run.last().map(|(s, w)| s + w.len())?;
            Some((n, end, entry))
        });
        match found {
            Some((n, end, entry)) => {
                out.push_str(phrase.get(at..start).unwrap_or_default());
                out.push_str(to.word(entry));
                at = end;
                i += n;
            }
            None => i += 1,
        }
    }
    out.push_str(phrase.get(at..).unwrap_or_default());
    out
}

/// The words of ASCII letters of a phrase that stand alone (not part of a longer name such as
/// `in_stock` or `category_l1`, nor inside a text in quotes), with their offsets.
fn english_words(phrase: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut quoted = false;
    let mut start = None;
    for (i, c) in phrase.char_indices().chain(std::iter::once((phrase.len(), ' '))) {
        if c == '"' {
            quoted = !quoted;
        }
        let letter = c.is_ascii_alphabetic() || c == '_';
        match (start, letter && !quoted) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = phrase.get(s..i).unwrap_or_default();
                let alone =
                    !c.is_alphanumeric() && !phrase.get(..s).unwrap_or_default().ends_with(char::is_alphanumeric);
                if alone && !word.contains('_') {
                    words.push((s, word));
                }
                start = None;
            }
            _ => {}
        }
    }
    words
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
    fn phrases_and_snippets_are_written_word_for_word() {
        assert_eq!(phrase_in("first come first served by", Surface::Chinese), "先到先得 按");
        assert_eq!(phrase_in("rounded half up", Surface::Chinese), "按 四舍五入");
        assert_eq!(phrase_in("distinct count of", Surface::Chinese), "去重计数 于");
        assert_eq!(
            phrase_in(
                "${9:gmv × 1% as points}, rounded ${10:down} \"on time\" in_stock",
                Surface::Chinese
            ),
            "${9:gmv × 1% 折合 points}, 按 ${10:向下舍入} \"on time\" in_stock"
        );
        assert_eq!(phrase_in("is known", Surface::English), "is known");
    }

    #[test]
    fn a_files_surface_is_its_first_word() {
        assert_eq!(surface_of_text("# campaign\n活动 \"x\" {"), Surface::Chinese);
        assert_eq!(surface_of_text("\u{FEFF}活动"), Surface::Chinese);
        assert_eq!(surface_of_text("campaign \"活动\" {"), Surface::English);
        assert_eq!(surface_of_text(""), Surface::English);
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
