//! From text to [`ast::Campaign`]: pest does the recognising, this module
//! builds the tree and turns pest's errors into diagnostics in the words of the
//! language. No pest type leaves this module.

use pest::Parser as _;
use pest::Token;
use pest::iterators::{Pair, Pairs};
use pest_derive::Parser;
use rust_decimal::Decimal;

use super::ast::*;
use super::keywords::{self, Surface};
use super::scan;
use crate::diagnostics::{Code, Diagnostic};

mod build;
mod errors;
mod expr;

use build::build_campaign;
use errors::{convert_error, next_token_end};

#[derive(Parser)]
#[grammar = "../grammar/campaign.pest"]
struct CampaignParser;

/// The largest campaign file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// How deeply parentheses, braces and prefix operators may nest.
pub const MAX_NESTING: usize = 64;

/// What building the tree gives: the diagnostic is boxed, so that the `Result`s of the deep
/// recursion through [`expr::build_expr`] take a pointer's room on the stack, not a diagnostic's.
type Result<T> = std::result::Result<T, Box<Diagnostic>>;

/// The diagnostic for a campaign file over [`MAX_FILE_BYTES`]: `size` is its size when known
/// (the command line stops reading a stream past the limit, so it may not be).
pub fn file_too_large(size: Option<u64>) -> Diagnostic {
    let message = match size {
        Some(size) => format!("the campaign file is {size} bytes, more than the limit of {MAX_FILE_BYTES} bytes"),
        None => format!("the campaign file is larger than the limit of {MAX_FILE_BYTES} bytes"),
    };
    Diagnostic::error(Code::FileTooLarge, Span::new(0, 0), message, "this file")
        .with_help("split the announcement into several campaign files")
}

/// Parses a campaign file.
pub fn parse(text: &str) -> std::result::Result<Campaign, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(file_too_large(Some(text.len() as u64)));
    }
    check_nesting(text)?;
    check_typography(text)?;
    let mut pairs = CampaignParser::parse(Rule::file, text).map_err(|e| convert_error(text, e))?;
    let file = pairs.next().ok_or_else(|| *invariant(Span::new(0, 0), "file"))?;
    let surface = surface_of(&file)?;
    let mut inner = file.into_inner();
    let campaign = expect(&mut inner, Rule::campaign, Span::new(0, text.len())).map_err(|d| *d)?;
    check_depth(text, &campaign).map_err(|d| *d)?;
    build_campaign(campaign, surface).map_err(|d| *d)
}

/// The keywords of a campaign file, in the order written, with their places: what converting
/// the file to the other keyword set replaces. A file that mixes the sets has them too.
pub(crate) fn keyword_tokens(text: &str) -> std::result::Result<Vec<(Span, &'static keywords::Entry)>, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(file_too_large(Some(text.len() as u64)));
    }
    check_nesting(text)?;
    let mut pairs = CampaignParser::parse(Rule::file, text).map_err(|e| convert_error(text, e))?;
    let file = pairs.next().ok_or_else(|| *invariant(Span::new(0, 0), "file"))?;
    Ok(file
        .into_inner()
        .flatten()
        .filter_map(|pair| entry_of(pair.as_rule()).map(|entry| (span_of(&pair), entry)))
        .collect())
}

/// The table entry of a keyword rule, by rule; `None` for the other rules.
fn entry_of(rule: Rule) -> Option<&'static keywords::Entry> {
    static ENTRIES: std::sync::OnceLock<Vec<Option<&'static keywords::Entry>>> = std::sync::OnceLock::new();
    let entries = ENTRIES.get_or_init(|| {
        // Indexed by discriminant: `all_rules` leaves out `EOI` (0), so the last rule's
        // discriminant is its length, one past its last index.
        let size = Rule::all_rules().iter().map(|r| *r as usize + 1).max().unwrap_or(0);
        let mut entries = vec![None; size];
        for rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            if let Some(slot) = entries.get_mut(*rule as usize) {
                *slot = keywords::TABLE.iter().find(|e| e.rule == name);
            }
        }
        entries
    });
    entries.get(rule as usize).copied().flatten()
}

/// The keyword set the file is written in: the set of its first keyword (`campaign` or `活动`).
/// A keyword of the other set after it is an error, reported at the first one.
fn surface_of(file: &Pair<'_, Rule>) -> std::result::Result<Surface, Diagnostic> {
    let mut first: Option<(Surface, Span)> = None;
    for pair in file.clone().into_inner().flatten() {
        let Some(entry) = entry_of(pair.as_rule()) else {
            continue;
        };
        let written = Surface::of_written(pair.as_str());
        match first {
            None => first = Some((written, span_of(&pair))),
            Some((surface, _)) if surface == written => {}
            Some((surface, at)) => return Err(mixed_keywords(surface, at, span_of(&pair), entry)),
        }
    }
    Ok(first.map(|(surface, _)| surface).unwrap_or_default())
}

/// A keyword of the other set than the file's: `surface` is the file's, set by its first
/// keyword at `first`.
fn mixed_keywords(surface: Surface, first: Span, at: Span, entry: &keywords::Entry) -> Diagnostic {
    let (found, own, other) = match surface {
        Surface::English => (entry.chinese, "English", "a Chinese"),
        Surface::Chinese => (entry.english, "Chinese", "an English"),
    };
    let instead = surface.word(entry);
    Diagnostic::error(
        Code::MixedKeywords,
        at,
        format!("`{found}` is {other} keyword, but this file is written with {own} keywords"),
        format!("{other} keyword"),
    )
    .with_label(first, format!("the first keyword sets the file's keywords to {own}"))
    .with_help(format!(
        "write `{instead}` here: a file uses one keyword set (`campaign fmt --keywords {}` converts a whole file)",
        surface.name()
    ))
    .with_fix(at, instead, format!("write `{instead}`"))
}

// ------------------------------------------------------------------ pre-checks

/// Deep nesting would recurse deeply in the generated parser; refuse it first.
fn check_nesting(text: &str) -> std::result::Result<(), Diagnostic> {
    let mut depth = 0usize;
    for (i, c) in scan::code_chars(text) {
        match c {
            '(' | '{' | '[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::error(
                        Code::TooDeep,
                        Span::new(i, i + 1),
                        format!("brackets are nested more than {MAX_NESTING} deep"),
                        "too deep here",
                    )
                    .with_help("name the inner parts with `let` and use the names"));
                }
            }
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    // Prefix operators recurse too: `not not not ... x`, `非 非 非 ... x`, `- - - x`.
    let mut run = 0usize;
    for (start, word) in words(text) {
        if word == "not" || word == "非" || word == "-" {
            run += 1;
            if run > MAX_NESTING {
                return Err(Diagnostic::error(
                    Code::TooDeep,
                    Span::new(start, start + word.len()),
                    format!("more than {MAX_NESTING} `not` or `-` in a row"),
                    "too deep here",
                )
                .with_help("`not not x` is `x`: remove the pairs"));
            }
        } else {
            run = 0;
        }
    }
    Ok(())
}

/// Aggregates and rankings nest without brackets (`count of a where n > count of b where ...`),
/// and the tree is built (and checked, and evaluated) by recursion: refuse them nested deeper
/// than brackets may be. The parse is walked as a flat list of tokens, without recursing.
fn check_depth(text: &str, campaign: &Pair<'_, Rule>) -> Result<()> {
    let mut depth = 0usize;
    let mut conditionals = 0usize;
    for token in campaign.clone().tokens() {
        match token {
            Token::Start {
                rule: Rule::aggregate | Rule::rank_expr | Rule::ordered_expr | Rule::top_expr | Rule::balance_expr,
                pos,
            } => {
                depth += 1;
                if depth > MAX_NESTING {
                    let at = pos.pos();
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::TooDeep,
                            Span::new(at, next_token_end(text, at)),
                            format!("aggregates and rankings are nested more than {MAX_NESTING} deep"),
                            "too deep here",
                        )
                        .with_help("name the inner parts with `let` and use the names"),
                    ));
                }
            }
            Token::End {
                rule: Rule::aggregate | Rule::rank_expr | Rule::ordered_expr | Rule::top_expr | Rule::balance_expr,
                ..
            } => depth = depth.saturating_sub(1),
            // `else if` nests in the parse, though the tree keeps a chain flat.
            Token::Start {
                rule: Rule::if_expr,
                pos,
            } => {
                conditionals += 1;
                if conditionals > MAX_NESTING {
                    let at = pos.pos();
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::TooDeep,
                            Span::new(at, next_token_end(text, at)),
                            format!("`if` expressions are nested more than {MAX_NESTING} deep"),
                            "too deep here",
                        )
                        .with_help("name the inner parts with `let`, or choose by a `lookup` or `band of` table"),
                    ));
                }
            }
            Token::End {
                rule: Rule::if_expr, ..
            } => conditionals = conditionals.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

/// Full-width punctuation typed with a Chinese input method is the most common
/// slip of all; say so before pest reports a puzzling "expected".
fn check_typography(text: &str) -> std::result::Result<(), Diagnostic> {
    for segment in scan::campaign(text) {
        match segment.kind {
            scan::Kind::Text { closed: false } => return Err(unterminated(segment)),
            scan::Kind::Code => {
                for (i, c) in segment.char_indices(text) {
                    if let Some(ascii) = full_width(c) {
                        return Err(full_width_mark(i, c, ascii));
                    }
                }
            }
            scan::Kind::Text { closed: true } | scan::Kind::Comment => {}
        }
    }
    Ok(())
}

fn full_width_mark(i: usize, c: char, ascii: &str) -> Diagnostic {
    let span = Span::new(i, i + c.len_utf8());
    Diagnostic::error(
        Code::FullWidthPunctuation,
        span,
        format!("`{c}` is a full-width punctuation mark"),
        format!("write `{ascii}` here"),
    )
    .with_help(if c == '　' {
        "this is a full-width space: type an ordinary space instead; full-width marks are fine inside quoted text".to_string()
    } else {
        format!(
            "switch the input method to half-width (English) punctuation and type `{ascii}`; full-width marks are fine inside quoted text"
        )
    })
    .with_fix(
        span,
        ascii,
        if c == '　' {
            "type an ordinary space".to_string()
        } else {
            format!("write `{ascii}`")
        },
    )
}

/// A text in quotes that is not closed: from its `"` to the line break or the end of the file.
fn unterminated(text: scan::Segment) -> Diagnostic {
    Diagnostic::error(
        Code::UnterminatedString,
        Span::new(text.start, text.end),
        "this quoted text is not closed",
        "the text starts here",
    )
    .with_help("add the closing `\"` before the end of the line")
}

fn full_width(c: char) -> Option<&'static str> {
    Some(match c {
        '：' => ":",
        '，' => ",",
        '（' => "(",
        '）' => ")",
        '｛' => "{",
        '｝' => "}",
        '“' | '”' | '＂' => "\"",
        '＝' => "=",
        '＞' => ">",
        '＜' => "<",
        '％' => "%",
        '．' | '。' => ".",
        '＋' => "+",
        '－' => "-",
        '＊' => "*",
        '／' => "/",
        '；' => ";",
        '　' => " ",
        _ => return None,
    })
}

// ------------------------------------------------------------------ walking

/// The span of a pair without the whitespace and comments pest may have consumed at its end.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let start = pair.as_span().start();
    Span::new(start, start + underlined_len(pair.as_str()))
}

/// How much of a construct's text a label underlines: trailing `# comment` lines and blanks are
/// not part of it (a comment at the end of a line of code stays, as the line does).
fn underlined_len(text: &str) -> usize {
    // Without a `#` there is no comment, and the scan comes down to trimming the blanks at the
    // end. This is most constructs, and one byte search is much cheaper than the scan (nested
    // expressions would otherwise scan the same text once per level).
    if memchr::memchr(b'#', text.as_bytes()).is_none() {
        return text.trim_end().len();
    }
    underlined_len_scanned(text)
}

/// [`underlined_len`] by a scan of the text's strings and comments: the reference the fast
/// path is tested against.
fn underlined_len_scanned(text: &str) -> usize {
    let mut end = 0;
    let mut line_start = 0;
    for segment in scan::campaign(text) {
        let written = segment.text(text);
        match segment.kind {
            scan::Kind::Comment if text.get(line_start..segment.start).is_some_and(|b| b.trim().is_empty()) => {}
            _ if written.trim().is_empty() => {}
            _ => end = segment.start + written.trim_end().len(),
        }
        if let Some(nl) = written.rfind('\n') {
            line_start = segment.start + nl + 1;
        }
    }
    end
}

/// The diagnostic for a parser thread that stopped unexpectedly.
pub(super) fn internal_failure() -> Diagnostic {
    Diagnostic::error(
        Code::Internal,
        Span::new(0, 0),
        "internal error: the parser stopped unexpectedly",
        "while reading this file",
    )
    .with_help("please report this campaign file to the campaign maintainers")
}

/// The grammar guarantees the shape of every pair we walk; if a change to the
/// grammar breaks that promise, report it as an error rather than panic.
fn invariant(span: Span, what: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            Code::Internal,
            span,
            format!("internal error: the parser did not produce the expected {what}"),
            "while reading this",
        )
        .with_help("please report this campaign file to the campaign maintainers"),
    )
}

fn expect<'a>(pairs: &mut Pairs<'a, Rule>, rule: Rule, parent: Span) -> Result<Pair<'a, Rule>> {
    match pairs.next() {
        Some(p) if p.as_rule() == rule => Ok(p),
        Some(p) => Err(invariant(span_of(&p), &format!("{rule:?}"))),
        None => Err(invariant(parent, &format!("{rule:?}"))),
    }
}

fn next_any<'a>(pairs: &mut Pairs<'a, Rule>, parent: Span, what: &str) -> Result<Pair<'a, Rule>> {
    pairs.next().ok_or_else(|| invariant(parent, what))
}

fn ident(pair: Pair<'_, Rule>) -> Ident {
    let written = pair.as_str();
    // `` `求和` `` is the name `求和` (a reserved word written as a name).
    let name = written
        .strip_prefix('`')
        .and_then(|w| w.strip_suffix('`'))
        .unwrap_or(written);
    Ident {
        name: name.to_string(),
        span: span_of(&pair),
    }
}

fn text(pair: Pair<'_, Rule>) -> Text {
    let span = span_of(&pair);
    let raw = pair.as_str();
    let inner = raw.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(raw);
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some(other) => value.push(other),
                None => {}
            }
        } else {
            value.push(c);
        }
    }
    Text { value, span }
}

fn number(pair: &Pair<'_, Rule>) -> Result<Decimal> {
    let cleaned: String = pair.as_str().chars().filter(|c| *c != '_').collect();
    cleaned.parse::<Decimal>().map_err(|_| {
        Box::new(
            Diagnostic::error(
                Code::NumberTooLarge,
                span_of(pair),
                format!("`{}` has more digits than an exact amount can hold", pair.as_str()),
                "too many digits",
            )
            .with_help("amounts can have at most 28 significant digits; check for a typing slip"),
        )
    })
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::panic,
        reason = "a test stops at its first surprise: `panic!` with the value found says plainly what went wrong"
    )]

    use super::errors::unclosed_brace;
    use super::*;
    use crate::diagnostics::Fix;

    #[test]
    fn underlined_len_without_comments_is_the_scan() {
        for text in [
            "",
            "  \n\t ",
            "a + b",
            "a + b  \n\n",
            "x = \"a \"  ",
            "x in {\"a\", \"b\"}\r\n",
            "sum of xs.a\n    where a > 1\n  ",
            "\u{3000}名称 ≥ 4.2\u{3000}",
            "a # note\n  # more\n",
            "\"#\" + b  ",
        ] {
            assert_eq!(underlined_len(text), underlined_len_scanned(text), "{text:?}");
        }
    }

    /// The one diagnostic for `text`, which must not parse.
    fn error(text: &str) -> Diagnostic {
        match parse(text) {
            Ok(_) => panic!("parsed: {text}"),
            Err(d) => d,
        }
    }

    /// The text with the diagnostic's fixes applied (they do not overlap).
    fn fixed(text: &str, d: &Diagnostic) -> String {
        let mut out = text.to_string();
        let mut fixes = d.fixes.clone();
        fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
        for f in fixes {
            out.replace_range(f.span.start..f.span.end, &f.replacement);
        }
        out
    }

    fn with_body(body: &str) -> String {
        format!("campaign \"c\" {{\n  timezone UTC\n  facts {{ gmv: money CNY, growth: decimal }}\n{body}}}\n")
    }

    #[test]
    fn a_fat_arrow_in_a_row_is_told_to_be_an_arrow_and_fixed() {
        let text = with_body("  value r = band of gmv {\n    0 CNY .. 100 CNY => 1%\n    100 CNY .. -> 2%\n  }\n");
        let d = error(&text);
        assert_eq!(d.message, "`=>` is not a mark of the campaign language");
        assert!(parse(&fixed(&text, &d)).is_ok(), "{}", fixed(&text, &d));
        assert!(fixed(&text, &d).contains("100 CNY -> 1%"));
    }

    #[test]
    fn a_fat_arrow_in_a_condition_is_told_to_be_at_least() {
        let text = with_body("  eligible when {\n    growth => 4.2 \"r\"\n  }\n");
        let d = error(&text);
        assert!(d.help.as_deref().unwrap_or_default().contains("`>=`"), "{d:?}");
        assert!(fixed(&text, &d).contains("growth >= 4.2"));
    }

    #[test]
    fn a_space_before_percent_is_told_and_removed() {
        let text = with_body("  value fee = gmv × 5 %\n");
        let d = error(&text);
        assert_eq!(d.message, "a percentage is written without a space before `%`");
        assert!(fixed(&text, &d).contains("gmv × 5%\n"));
        assert!(parse(&fixed(&text, &d)).is_ok());
    }

    #[test]
    fn a_leading_byte_order_mark_is_not_part_of_the_campaign() {
        let text = with_body("  value v = gmv\n");
        let with_mark = format!("\u{FEFF}{text}");
        let (plain, marked) = (parse(&text), parse(&with_mark));
        assert!(marked.is_ok());
        // Only where it starts moves.
        assert_eq!(plain.map(|c| c.items.len()).ok(), marked.map(|c| c.items.len()).ok());
        // Anywhere else it is an invisible character, shown escaped.
        let d = error(&text.replace("= gmv", "= \u{FEFF}gmv"));
        assert!(d.message.contains("`\\u{FEFF}`"), "{}", d.message);
    }

    #[test]
    fn invisible_and_control_characters_are_shown_escaped() {
        for mark in ['\u{200B}', '\u{1}', '\u{202E}'] {
            let text = with_body(&format!("  value v = gmv{mark} + gmv\n"));
            let d = error(&text);
            assert!(
                d.message.contains(&format!("\\u{{{:04X}}}", u32::from(mark))),
                "{}",
                d.message
            );
            assert!(!d.message.contains(mark));
            assert!(parse(&fixed(&text, &d)).is_ok());
        }
    }

    #[test]
    fn a_block_not_closed_is_reported_at_its_brace_and_where_it_should_end() {
        let text = "campaign \"c\" {\n  timezone UTC\n  facts {\n    gmv: money CNY\n\n  value v = gmv\n}\n";
        let d = error(text);
        assert_eq!(d.message, "this block is not closed");
        assert_eq!(d.span().start, text.find("facts {").map(|i| i + 6).unwrap_or(0));
        assert_eq!(d.labels.get(1).map(|l| l.span.start), text.find("value"));
        let fixed = fixed(text, &d);
        assert!(fixed.contains("    gmv: money CNY\n  }\n"), "{fixed}");
        assert!(parse(&fixed).is_ok(), "{fixed}");
        // A `}` that lines up with the outer block closes the inner one in the grammar: the
        // inner block is the one reported.
        let text = "campaign \"c\" {\n  timezone UTC\n  facts { gmv: money CNY }\n  eligible when {\n    gmv > 0 CNY \"r\"\n}\n";
        let d = error(text);
        assert_eq!(d.span().start, text.find("when {").map(|i| i + 5).unwrap_or(0));
        assert!(parse(&self::fixed(text, &d)).is_ok());
    }

    #[test]
    fn a_band_starting_negative_after_another_is_refused_and_the_fix_separates_them() {
        let text = with_body("  value f = band of growth {\n    0 .. 10 -> 1\n    -10 .. 0 -> 2\n  }\n");
        let d = error(&text);
        assert_eq!(d.code, Code::NegativeBandStart);
        let fixed = fixed(&text, &d);
        assert!(fixed.contains("-> 1,\n"), "{fixed}");
        let Ok(campaign) = parse(&fixed) else { panic!("{fixed}") };
        let Some(Item::Value(v)) = campaign.items.last() else {
            panic!("{campaign:?}")
        };
        let ExprKind::Tiers { rows, .. } = &v.expr.kind else {
            panic!("{v:?}")
        };
        assert!(rows.iter().all(|r| r.start.is_some()));
        // A subtraction inside a band's value, on one line, is still a subtraction.
        assert!(
            parse(&with_body(
                "  value f = band of growth {\n    0 .. 10 -> 3 - 1\n    10 .. -> 2\n  }\n"
            ))
            .is_ok()
        );
    }

    fn campaign_with(condition: &str) -> String {
        format!(
            "campaign \"x\" {{\n  facts {{\n    a: count\n  }}\n  eligible when {{\n    {condition}   \"r\"\n  }}\n}}\n"
        )
    }

    #[test]
    fn every_full_width_mark_is_fixed_by_its_ascii_twin() {
        for c in [
            '：', '，', '（', '）', '｛', '｝', '“', '”', '＂', '＝', '＞', '＜', '％', '．', '。', '＋', '－', '＊',
            '／', '；', '　',
        ] {
            let Some(ascii) = full_width(c) else {
                panic!("`{c}` is not in the table")
            };
            let text = format!("campaign \"x\" {{\n  note \"n\"\n}}{c}\n");
            let d = error(&text);
            assert_eq!(d.code, Code::FullWidthPunctuation);
            let at = text.find(c).unwrap_or(0);
            let span = Span::new(at, at + c.len_utf8());
            assert_eq!(d.fixes.len(), 1, "{d:?}");
            let fix = d.fixes.first().cloned().unwrap_or_else(|| panic!("no fix"));
            assert_eq!((fix.span, fix.replacement.as_str()), (span, ascii));
            assert_eq!(fix.span, d.span());
            let title = if c == '　' {
                "type an ordinary space".to_string()
            } else {
                format!("write `{ascii}`")
            };
            assert_eq!(fix.title, title);
        }
    }

    #[test]
    fn a_fixed_full_width_colon_parses() {
        let text = "campaign \"x\" {\n  facts {\n    a： count\n  }\n  eligible when {\n    a > 1   \"r\"\n  }\n}\n";
        let d = error(text);
        assert!(parse(&fixed(text, &d)).is_ok(), "{}", fixed(text, &d));
    }

    #[test]
    fn split_and_doubled_operators_are_fixed() {
        for (written, operator) in [("> =", ">="), ("< =", "<="), (">  =", ">="), ("==", "="), ("= =", "=")] {
            let text = campaign_with(&format!("a {written} 1"));
            let d = error(&text);
            assert_eq!(d.code, Code::Syntax, "{written}");
            assert_eq!(d.fixes.len(), 1, "{written}: {d:?}");
            let fix = d.fixes.first().cloned().unwrap_or_else(|| panic!("no fix"));
            let at = text.find(written).unwrap_or(0);
            assert_eq!(fix.span, Span::new(at, at + written.len()), "{written}");
            assert_eq!(fix.replacement, operator);
            assert_eq!(fix.title, format!("write `{operator}`"));
            let after = fixed(&text, &d);
            assert!(after.contains(&format!("a {operator} 1")), "{after}");
            assert!(parse(&after).is_ok(), "{after}");
        }
    }

    #[test]
    fn a_misspelled_item_word_is_fixed() {
        let text = "campaign \"x\" {\n  facts {\n    a: count\n  }\n  eligable when {\n    a > 1   \"r\"\n  }\n}\n";
        let d = error(text);
        assert_eq!(d.help.as_deref(), Some("did you mean `eligible`?"));
        let at = text.find("eligable").unwrap_or(0);
        assert_eq!(
            d.fixes,
            [Fix {
                span: Span::new(at, at + "eligable".len()),
                replacement: "eligible".into(),
                title: "write `eligible`".into(),
            }]
        );
        assert!(parse(&fixed(text, &d)).is_ok());
    }

    #[test]
    fn no_fix_where_the_help_does_not_say_exactly_what_to_write() {
        // Where the closing quote goes is a guess (after the name? before ` {`?).
        let unterminated = error("campaign \"x {\n}\n");
        assert_eq!(unterminated.code, Code::UnterminatedString);
        // Which name to choose instead of a reserved word is the author's choice.
        let reserved = error("campaign \"x\" {\n  facts {\n    all: count\n  }\n}\n");
        assert_eq!(reserved.code, Code::ReservedWord);
        // Where the missing `}` goes.
        let unclosed = error("campaign \"x\" {\n  facts {\n    a: count\n");
        // A general syntax error.
        let general = error(&campaign_with("a > )"));
        for d in [unterminated, reserved, unclosed, general] {
            assert!(d.fixes.is_empty(), "{d:?}");
        }
    }

    #[test]
    fn an_unclosed_text_is_underlined_from_its_opening_quote() {
        // `\"` inside the text is escaped: the text still starts at the first `"`.
        let text = "campaign \"say \\\"hi\\\" {\n}\n";
        let d = error(text);
        assert_eq!(d.code, Code::UnterminatedString);
        assert_eq!(
            d.labels.first().map(|l| (l.span.start, l.span.end)),
            Some((9, text.len() - 3))
        );
        // Brackets and `#` inside quotes are neither nesting nor comments.
        assert!(unclosed_brace("x { \"}\" # }\n").is_some());
        assert_eq!(unclosed_brace("x { \"{\" # {\n}"), None);
    }

    #[test]
    fn an_else_if_chain_is_one_choice_and_a_parenthesised_else_stays_a_branch() {
        let value = |body: &str| match parse(&with_body(body)) {
            Ok(c) => match c.items.last() {
                Some(Item::Value(v)) => v.expr.clone(),
                other => panic!("not a value: {other:?}"),
            },
            Err(d) => panic!("{}", d.message),
        };
        let chain = value("  value r = if gmv > 1 CNY then 3% else if gmv > 0 CNY then 2% else 1%\n");
        match &chain.kind {
            ExprKind::If { branches, otherwise } => {
                assert_eq!(branches.len(), 2);
                assert!(matches!(otherwise.kind, ExprKind::Percent(_)));
            }
            other => panic!("{other:?}"),
        }
        let nested = value("  value r = if gmv > 1 CNY then 3% else (if gmv > 0 CNY then 2% else 1%)\n");
        match &nested.kind {
            ExprKind::If { branches, otherwise } => {
                assert_eq!(branches.len(), 1);
                assert!(matches!(otherwise.kind, ExprKind::Paren(_)));
            }
            other => panic!("{other:?}"),
        }
        // The `else` branch runs on to the end of the `or` expression: `+ 1` is part of it.
        let run_on = value("  value r = if growth > 1 then 1 else growth + 1\n");
        match &run_on.kind {
            ExprKind::If { otherwise, .. } => assert!(matches!(otherwise.kind, ExprKind::Arith { .. })),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn else_if_chains_deeper_than_the_limit_are_refused() {
        let mut body = String::from("  value r = ");
        for _ in 0..=MAX_NESTING {
            body.push_str("if growth > 1 then 1 else ");
        }
        body.push_str("0\n");
        assert_eq!(error(&with_body(&body)).code, Code::TooDeep);
    }

    #[test]
    fn then_else_and_when_are_reserved() {
        for word in ["then", "else", "when"] {
            let d = error(&format!(
                "campaign \"c\" {{\n  timezone UTC\n  facts {{ {word}: bool }}\n}}\n"
            ));
            assert_eq!(d.code, Code::ReservedWord, "{word}");
        }
    }

    #[test]
    fn internal_failures_have_their_own_code() {
        assert_eq!(internal_failure().code, Code::Internal);
        assert_eq!(invariant(Span::new(0, 0), "file").code, Code::Internal);
    }
}
