//! The keywords of the `.tests` format, in English and in Chinese (docs/testing.md, "In
//! Chinese").
//!
//! [`TABLE`] is the one list of them: the reader ([`super::syntax`]) recognises a keyword by
//! it, the converter ([`super::convert`]) replaces each keyword by its spelling in the other
//! set, and the runner names the expectations it reports by it. A new keyword is one line here.
//!
//! The Chinese spellings follow the campaign file's (`facts` is `事实`, `not` is `非`, a
//! parameter is `参数`, `eligible` is `资格`: docs/language.zh.md). Values (`true`, `false`,
//! `null`, `unknown`, numbers, texts) and the facts are data, written as JSON writes them
//! in either set, like the facts of a fact file; so is `missing` in a table's fact cell.

use crate::syntax::keywords::Surface;

/// A keyword of the `.tests` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Word {
    /// `case "NAME" { ... }`.
    Case,
    /// `table "NAME" { ... }`.
    Table,
    /// `facts {...}`.
    Facts,
    /// `with NAME = VALUE`.
    With,
    /// `expect ...`.
    Expect,
    /// `expect not NAME`.
    Not,
    /// `expect eligible`, and a table's `eligible` column.
    Eligible,
    /// `expect liable` (a campaign of fees), and a table's `liable` column.
    Liable,
    /// `expect reasons = [...]`, and a table's `reasons` column.
    Reasons,
    /// `expect reason "..."`, and a table's `reason` column.
    Reason,
    /// `expect error`, and a table's `error` column.
    Error,
}

/// One keyword in both sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The keyword.
    pub word: Word,
    /// Its English spelling.
    pub english: &'static str,
    /// Its Chinese spelling: one word, no blanks.
    pub chinese: &'static str,
}

const fn kw(word: Word, english: &'static str, chinese: &'static str) -> Entry {
    Entry { word, english, chinese }
}

/// Every keyword of the `.tests` format.
pub const TABLE: &[Entry] = &[
    kw(Word::Case, "case", "用例"),
    kw(Word::Table, "table", "表格"),
    kw(Word::Facts, "facts", "事实"),
    kw(Word::With, "with", "参数"),
    kw(Word::Expect, "expect", "预期"),
    kw(Word::Not, "not", "非"),
    kw(Word::Eligible, "eligible", "资格"),
    kw(Word::Liable, "liable", "应缴"),
    kw(Word::Reasons, "reasons", "原因列表"),
    kw(Word::Reason, "reason", "原因"),
    kw(Word::Error, "error", "错误"),
];

/// Every keyword.
pub const ALL: &[Word] = &[
    Word::Case,
    Word::Table,
    Word::Facts,
    Word::With,
    Word::Expect,
    Word::Not,
    Word::Eligible,
    Word::Liable,
    Word::Reasons,
    Word::Reason,
    Word::Error,
];

/// The words that start a statement of a block: no line of JSON can start with one.
pub const STATEMENTS: &[Word] = &[Word::Expect, Word::With, Word::Facts, Word::Case, Word::Table];

/// The words that name what is expected (`expect eligible`), and the columns of a table
/// that do.
pub const TARGETS: &[Word] = &[Word::Eligible, Word::Liable, Word::Reasons, Word::Reason, Word::Error];

/// A message about a `.tests` file, written with English keywords, for a file written with
/// those of `surface`: each keyword in a quotation (between backticks, outside double quotes)
/// is spelt in that set; the prose and every other word stay.
pub fn in_file_words(message: &str, surface: Surface) -> String {
    if surface == Surface::English {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len() + 8);
    let (mut code, mut quoted) = (false, false);
    let mut word = String::new();
    for c in message.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        let spelt = Word::of_written(&word, ALL)
            .filter(|(_, written)| code && !quoted && *written == Surface::English)
            .map(|(w, _)| w.spell(surface));
        out.push_str(spelt.unwrap_or(&word));
        word.clear();
        match c {
            '`' => (code, quoted) = (!code, false),
            '"' if code => quoted = !quoted,
            '\0' => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}

impl Word {
    /// The keyword's row of [`TABLE`].
    fn entry(self) -> Entry {
        TABLE
            .iter()
            .copied()
            .find(|e| e.word == self)
            .unwrap_or(kw(self, "", ""))
    }

    /// The keyword as a file of this surface writes it.
    pub fn spell(self, surface: Surface) -> &'static str {
        let entry = self.entry();
        match surface {
            Surface::English => entry.english,
            Surface::Chinese => entry.chinese,
        }
    }

    /// Both spellings, English first.
    pub fn spellings(self) -> [(&'static str, Surface); 2] {
        let entry = self.entry();
        [(entry.english, Surface::English), (entry.chinese, Surface::Chinese)]
    }

    /// The keyword of `words` that `written` spells, in either set, and the set it is written in.
    pub fn of_written(written: &str, words: &[Word]) -> Option<(Word, Surface)> {
        words.iter().find_map(|w| {
            w.spellings()
                .into_iter()
                .find(|(spelling, _)| *spelling == written)
                .map(|(_, surface)| (*w, surface))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword has one row, one spelling per set, and no spelling is another keyword's.
    #[test]
    fn one_spelling_per_keyword_and_set() {
        assert_eq!(TABLE.len(), ALL.len());
        for &word in ALL {
            assert_eq!(TABLE.iter().filter(|e| e.word == word).count(), 1, "{word:?}");
            for (spelling, surface) in word.spellings() {
                assert_eq!(Surface::of_written(spelling), surface, "{spelling}");
                assert!(!spelling.is_empty() && !spelling.contains(char::is_whitespace));
                assert_eq!(Word::of_written(spelling, ALL), Some((word, surface)));
            }
        }
    }

    #[test]
    fn messages_quote_keywords_in_the_files_set() {
        assert_eq!(
            in_file_words(
                "write `expect not eligible` or `expect reason \"error\"`: not `with_x`, expected",
                Surface::Chinese
            ),
            "write `预期 非 资格` or `预期 原因 \"error\"`: not `with_x`, expected"
        );
        assert_eq!(
            in_file_words("`case` or `table`", Surface::English),
            "`case` or `table`"
        );
        assert_eq!(
            in_file_words("`| fact | eligible |`", Surface::Chinese),
            "`| fact | 资格 |`"
        );
    }

    /// The Chinese spellings the campaign language already has mean the same there.
    #[test]
    fn shared_words_mean_what_they_mean_in_a_campaign() {
        use crate::syntax::keywords::{Keyword, Surface};
        assert_eq!(
            Word::Facts.spell(Surface::Chinese),
            Surface::Chinese.spell(Keyword::Facts)
        );
        assert_eq!(Word::Not.spell(Surface::Chinese), Surface::Chinese.spell(Keyword::Not));
        assert_eq!(
            Word::With.spell(Surface::Chinese),
            Surface::Chinese.spell(Keyword::Parameter)
        );
        assert_eq!(Word::Eligible.spell(Surface::Chinese), "资格");
    }
}
