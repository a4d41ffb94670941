//! Diagnostics in Chinese: a message catalogue keyed by the stable code.
//!
//! The English texts stay the source of truth: every diagnostic is built in English by its
//! constructor in `src/check/errors/`, and this module only rewrites a built diagnostic.
//! For each translated code the catalogue (`zh.rs`) lists the English texts the code's
//! constructors write (the message, the labels, the help), each as a pattern whose `{}`
//! stand for what varies (names, values, kinds, dates), beside the Chinese text that
//! says the same with `{0}`, `{1}`… in its own word order. A text is translated when one
//! of its code's patterns matches it whole; what was captured is put back as it was (a
//! few English phrases of kinds and bounds, such as `money in CNY` or `at least 4.2`,
//! are worded in Chinese, their values kept), so that the translation carries the same
//! names, values and spans. A text no pattern matches stays in English: a constructor
//! changed without its catalogue entry degrades to English, never to a wrong sentence,
//! and `tests/it/ui.rs` fails on it for every case of `tests/ui`.

mod zh;

use crate::diagnostics::{Code, Diagnostic};

/// The codes whose diagnostics have Chinese texts.
pub fn translated_codes() -> impl Iterator<Item = Code> {
    zh::CATALOGUE.iter().map(|(code, _)| *code)
}

/// The diagnostic in Chinese: its message, labels and help, where the catalogue has them;
/// the code, severity, spans and fixes unchanged.
pub fn chinese(d: &Diagnostic) -> Diagnostic {
    let mut out = d.clone();
    let Some(entries) = entries(d.code) else {
        return out;
    };
    if let Some(m) = translate(entries, &d.message) {
        out.message = m;
    }
    for label in &mut out.labels {
        if let Some(t) = translate(entries, &label.text) {
            label.text = t;
        }
    }
    if let Some(help) = &d.help
        && let Some(t) = translate(entries, help)
    {
        out.help = Some(t);
    }
    out
}

/// The texts of a diagnostic of a translated code that no pattern of its code matches
/// (empty for a diagnostic translated whole, and for codes not in the catalogue).
pub fn untranslated(d: &Diagnostic) -> Vec<String> {
    let Some(entries) = entries(d.code) else {
        return Vec::new();
    };
    std::iter::once(d.message.as_str())
        .chain(d.labels.iter().map(|l| l.text.as_str()))
        .chain(d.help.as_deref())
        .filter(|t| translate(entries, t).is_none())
        .map(str::to_string)
        .collect()
}

fn entries(code: Code) -> Option<&'static [(&'static str, &'static str)]> {
    zh::CATALOGUE.iter().find(|(c, _)| *c == code).map(|(_, e)| *e)
}

/// The Chinese text of `text` by the first pattern that matches it whole.
fn translate(entries: &[(&str, &str)], text: &str) -> Option<String> {
    entries
        .iter()
        .chain(zh::SHARED)
        .find_map(|(pattern, chinese)| captures(pattern, text).map(|caps| fill(chinese, &caps)))
}

/// What the `{}` of `pattern` stand for in `text`, when `pattern` matches it whole (each
/// `{}` at least one character; the first way found from the left).
fn captures<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let (first, rest) = pieces.split_first()?;
    let tail = text.strip_prefix(first)?;
    let mut caps = Vec::new();
    fill_from(rest, tail, &mut caps).then_some(caps)
}

/// Matches `text` against `{} piece {} piece … ` (each `piece` preceded by a capture).
fn fill_from<'t>(pieces: &[&str], text: &'t str, caps: &mut Vec<&'t str>) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    if rest.is_empty() {
        // The last piece ends the text; the capture is everything before it.
        return match text.strip_suffix(piece) {
            Some(cap) if !cap.is_empty() => {
                caps.push(cap);
                true
            }
            _ => false,
        };
    }
    // A capture is not empty: the piece is looked for after its first character (which may
    // take several bytes: `奖励`).
    let mut from = text.chars().next().map_or(1, char::len_utf8);
    while let Some(at) = text.get(from..).and_then(|t| t.find(piece)).map(|i| i + from) {
        let (cap, after) = (text.get(..at), text.get(at + piece.len()..));
        if let (Some(cap), Some(after)) = (cap, after) {
            caps.push(cap);
            if fill_from(rest, after, caps) {
                return true;
            }
            caps.pop();
        }
        from = at + 1;
        while !text.is_char_boundary(from) && from < text.len() {
            from += 1;
        }
    }
    false
}

/// The Chinese text with `{0}`, `{1}`… replaced by the captures: in backticks as they
/// were (code), elsewhere worded by `zh::capture`.
fn fill(chinese: &str, caps: &[&str]) -> String {
    let mut out = chinese.to_string();
    for (i, cap) in caps.iter().enumerate() {
        out = out.replace(&format!("`{{{i}}}`"), &format!("`{cap}`"));
        out = out.replace(&format!("{{{i}}}"), &zh::capture(cap));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_what_varies() {
        assert_eq!(
            captures("`{}` is not defined", "`gmvv` is not defined"),
            Some(vec!["gmvv"])
        );
        assert_eq!(
            captures(
                "cannot compare {} with {}",
                "cannot compare money in CNY with money in USD"
            ),
            Some(vec!["money in CNY", "money in USD"])
        );
        assert_eq!(captures("`{}` is not defined", "`gmvv` is defined"), None);
        assert_eq!(captures("did you mean `{}`?", "did you mean ``?"), None);
        // A later occurrence of a piece is tried when the first leaves no match.
        assert_eq!(captures("{} and {}.", "a and b and c."), Some(vec!["a", "b and c"]));
    }

    #[test]
    fn captures_may_start_with_a_character_of_several_bytes() {
        assert_eq!(
            translate(
                &[("`{}` runs into `{}`", "`{0}` 与 `{1}` 连在一起")],
                "`奖励` runs into `成长分`"
            ),
            Some("`奖励` 与 `成长分` 连在一起".to_string())
        );
    }

    #[test]
    fn captures_are_put_back_in_chinese_order() {
        assert_eq!(fill("`{1}` 中的 `{0}`", &["a", "b"]), "`b` 中的 `a`");
        assert_eq!(fill("但这里是 {0}", &["money in CNY"]), "但这里是 CNY 金额");
        assert_eq!(fill("需要 `x` {0}", &["at least 4.2"]), "需要 `x` 不低于 4.2");
        assert_eq!(fill("上限 `{0}`", &["at most 80 CNY"]), "上限 `at most 80 CNY`");
    }
}
