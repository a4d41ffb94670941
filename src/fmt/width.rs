//! How many terminal columns text takes: Chinese, Japanese and Korean
//! characters and full-width forms take two, combining marks none.

/// The display width of `s` in columns.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let u = u32::from(c);
    let zero = matches!(u, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F);
    let wide = matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD
    );
    if zero {
        0
    } else if wide {
        2
    } else {
        1
    }
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
    }
}
