//! Text from the input, made safe to show on a terminal: the one place that decides.
//!
//! File names, record ids, reasons, source lines and every other piece of input that reaches
//! a person's screen can carry characters that a terminal obeys instead of showing: C0
//! controls (ESC starts a sequence that can retitle or clear the window, BEL rings, CR moves
//! back over what was written, NUL), DEL, C1 controls (U+0080–U+009F; U+009B is a
//! one-character CSI) and the bidirectional formatting characters (U+202A–U+202E,
//! U+2066–U+2069, U+200E, U+200F, U+061C), which reorder what is shown. [`shown`] writes each
//! as a visible escape, `\u{1b}`; [`masked`] replaces each with characters of the same byte
//! length, for source text whose byte offsets must stay as they are.

use std::borrow::Cow;
use std::path::Path;

/// Whether `c` is a character a terminal would act on instead of showing.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// `s` with each unsafe character written as a visible escape (`\u{1b}`); borrowed when there
/// is none.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as shown to people: [`shown`], lossy for names that are not UTF-8.
pub fn shown_path(path: &Path) -> String {
    shown(&path.to_string_lossy()).into_owned()
}

/// Source text to draw in a diagnostic: each unsafe character replaced by as many bytes as
/// it takes (`?` for each byte of a control character, `�` for a three-byte bidi
/// character), so that spans keep their offsets. Line breaks (`\n`, and `\r` before `\n`)
/// and tabs are layout, and kept.
pub fn masked(s: &str) -> Cow<'_, str> {
    let keep = |c: char, next: Option<char>| c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'));
    let mut chars = s.chars().peekable();
    let mut needed = false;
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !keep(c, chars.peek().copied()) {
            needed = true;
            break;
        }
    }
    if !needed {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_unsafe(c) || keep(c, chars.peek().copied()) {
            out.push(c);
        } else if c.len_utf8() == 3 {
            out.push('�');
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_c1_and_bidi_are_escaped_and_the_rest_kept() {
        assert_eq!(shown("店铺 ok"), "店铺 ok");
        assert!(matches!(shown("plain"), Cow::Borrowed(_)));
        assert_eq!(shown("\u{1b}]0;x\u{7}\u{1b}[2J"), "\\u{1b}]0;x\\u{7}\\u{1b}[2J");
        assert_eq!(shown("a\0b\rc\u{7f}"), "a\\u{0}b\\u{d}c\\u{7f}");
        assert_eq!(shown("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(shown("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(shown("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }

    #[test]
    fn masking_keeps_every_byte_offset_and_the_layout() {
        for s in [
            "a\u{1b}[2Jb\n",
            "x\u{9b}y",
            "r\u{202e}l\tz\r\nw",
            "lone\rcr",
            "中\u{7}文",
        ] {
            let m = masked(s);
            assert_eq!(m.len(), s.len(), "{s:?}");
            assert!(
                !m.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t' && c != '\r'),
                "{m:?}"
            );
        }
        assert_eq!(masked("r\u{202e}l\tz\r\nw"), "r�l\tz\r\nw");
        assert_eq!(masked("x\u{9b}y"), "x??y");
        assert_eq!(masked("lone\rcr"), "lone?cr");
    }
}
