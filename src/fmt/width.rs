//! How many terminal columns text takes, by Unicode's rules (UAX #11, through
//! the `unicode-width` crate, as the evaluation table measures its cells):
//! Chinese, Japanese and Korean characters and full-width forms take two,
//! combining marks none.

use unicode_width::UnicodeWidthStr;

/// The display width of `s` in columns.
pub fn width(s: &str) -> usize {
    s.width()
}

#[cfg(test)]
mod tests {
    use super::width;

    #[test]
    fn counts_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("≥ 4.2"), 5);
        assert_eq!(width("\"购物\""), 6);
        assert_eq!(width("「优选」"), 8);
        // Where the two tables this replaced disagreed: a combining mark, an emoji.
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("🎁"), 2);
    }
}
