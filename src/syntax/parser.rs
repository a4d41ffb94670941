//! From text to [`ast::Campaign`]: pest does the recognising, this module
//! builds the tree and turns pest's errors into diagnostics in the words of the
//! language. No pest type leaves this module.

use pest::Parser as _;
use pest::Token;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest_derive::Parser;
use rust_decimal::Decimal;

use super::ast::*;
use super::keywords::{self, Surface};
use super::scan;
use crate::diagnostics::{Code, Diagnostic, Fix};

#[derive(Parser)]
#[grammar = "../grammar/campaign.pest"]
struct CampaignParser;

/// The largest campaign file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// How deeply parentheses, braces and prefix operators may nest.
pub const MAX_NESTING: usize = 64;

/// What building the tree gives: the diagnostic is boxed, so that the `Result`s of the deep
/// recursion through [`build_expr`] take a pointer's room on the stack, not a diagnostic's.
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

// ------------------------------------------------------------------ errors

fn convert_error(text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found_end = next_token_end(text, pos);
    let found = text.get(pos..found_end).unwrap_or("");
    let span = Span::new(pos, found_end);
    let mut expected: Vec<&'static str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().filter_map(|r| friendly(*r)).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    if let Some(d) = misleading_mark(text, pos, found) {
        return d;
    }
    let found_words = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{}`", crate::diagnostics::visible(found))
    };
    let message = if expected.is_empty() {
        format!("unexpected {found_words}")
    } else {
        format!("expected {}, found {found_words}", join_or(&expected))
    };
    let word_len = found
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(found.len());
    let word = found.get(..word_len).unwrap_or("");
    if keywords::needs_escape(word) && expected.contains(&"a name") {
        return Diagnostic::error(
            Code::ReservedWord,
            Span::new(pos, pos + word.len()),
            format!("`{word}` is a word of the campaign language and cannot be used as a name"),
            "reserved word",
        )
        .with_help(if word.is_ascii() {
            format!("choose another name, such as `{word}_value` or a more specific word")
        } else {
            format!("choose another name, such as `{word}_值`, or write this one in backticks: `` `{word}` ``")
        });
    }
    if expected.contains(&"an item")
        && let Some(keyword) = glued_keyword(word)
    {
        return glued(keyword, word, pos);
    }
    if (found.is_empty() || ITEM_WORDS.contains(&word))
        && let Some(block) = unclosed_block(text)
        && block.next_line <= pos
    {
        return block.diagnostic(text);
    }
    if found.is_empty()
        && let Some(open) = unclosed_brace(text)
    {
        return Diagnostic::error(
            Code::Syntax,
            Span::new(open, open + 1),
            "this block is not closed: the file ends before its `}`",
            "opened here",
        )
        .with_label(Span::new(text.len(), text.len()), "the file ends here")
        .with_help("add `}` where the block ends (every `{` needs its `}`)");
    }
    if expected.contains(&"an item")
        && let Some(keyword) = crate::suggest::closest(word, ITEM_WORDS.iter().copied())
    {
        let span = Span::new(pos, pos + word.len());
        return Diagnostic::error(
            Code::Syntax,
            span,
            format!("`{word}` does not start an item"),
            "not a word of the language",
        )
        .with_help(format!("did you mean `{keyword}`?"))
        .with_fix(span, keyword, format!("write `{keyword}`"));
    }
    let mut diagnostic = Diagnostic::error(Code::Syntax, span, message, "not expected here");
    let (help, fix) = syntax_help(text, pos, found, &expected);
    diagnostic.help = Some(help);
    if let Some(fix) = fix {
        diagnostic.fixes.push(fix);
    }
    diagnostic
}

/// The Chinese keyword a word starts with, when the word is longer: `奖励成长分` is one name,
/// where the author meant `奖励 成长分`. The longest such keyword.
fn glued_keyword(word: &str) -> Option<&'static str> {
    keywords::TABLE
        .iter()
        .map(|e| e.chinese)
        .filter(|k| word.len() > k.len() && word.starts_with(k))
        .max_by_key(|k| k.len())
}

/// A Chinese keyword run into the name after it.
fn glued(keyword: &str, word: &str, pos: usize) -> Diagnostic {
    let rest = word.get(keyword.len()..).unwrap_or("");
    let span = Span::new(pos, pos + word.len());
    let at = Span::new(pos + keyword.len(), pos + keyword.len());
    Diagnostic::error(
        Code::Syntax,
        span,
        format!("`{word}` is read as one name: a keyword must be followed by a space"),
        format!("`{keyword}` runs into `{rest}`"),
    )
    .with_help(format!(
        "write `{keyword} {rest}`: a space (or a punctuation mark) after each keyword"
    ))
    .with_fix(at, " ", format!("write `{keyword} {rest}`"))
}

/// The words that start an item of a campaign block.
const ITEM_WORDS: &[&str] = &[
    "timezone",
    "source",
    "note",
    "unit",
    "parameter",
    "window",
    "periods",
    "facts",
    "value",
    "let",
    "eligible",
    "reward",
];

/// A mark written the way another language or habit writes it: `=>` for `->`, `5 %` for `5%`,
/// or an invisible character.
fn misleading_mark(text: &str, pos: usize, found: &str) -> Option<Diagnostic> {
    let rest = text.get(pos..).unwrap_or("");
    let before = text.get(..pos).unwrap_or("");
    // `=>` stops the grammar at its `=` (`a => b`) or, after a comparison's `=`, at its `>`.
    let arrow_at = if rest.starts_with("=>") {
        Some(pos)
    } else if rest.starts_with('>') && before.ends_with('=') {
        Some(pos - 1)
    } else {
        None
    };
    if let Some(at) = arrow_at {
        let span = Span::new(at, at + 2);
        let line = text.get(..at).unwrap_or("").rsplit('\n').next().unwrap_or("").trim();
        let literal_key = !line.is_empty() && (line.parse::<Decimal>().is_ok() || line == "true" || line == "false");
        let in_a_row = [".. ", "..", " through ", "otherwise"].iter().any(|w| line.contains(w))
            || line.starts_with(['"', '('])
            || literal_key;
        let (meant, what) = if in_a_row {
            ("->", "the arrow of a table row is `->` (or `→`)")
        } else {
            (">=", "`at least` is written `>=` (or `≥`), with `=` second")
        };
        return Some(
            Diagnostic::error(
                Code::Syntax,
                span,
                "`=>` is not a mark of the campaign language",
                "not `->` or `>=`",
            )
            .with_help(format!("{what}: write `{meant}`"))
            .with_fix(span, meant, format!("write `{meant}`")),
        );
    }
    let number_end = before.trim_end_matches([' ', '\t']).len();
    if found == "%" && number_end < pos && before.trim_end().ends_with(|c: char| c.is_ascii_digit()) {
        let span = Span::new(number_end, pos + 1);
        return Some(
            Diagnostic::error(
                Code::Syntax,
                span,
                "a percentage is written without a space before `%`",
                "space before `%`",
            )
            .with_help("write the number and `%` together, as in `5%`")
            .with_fix(span, "%", "remove the space"),
        );
    }
    let invisible = found.chars().next().filter(|c| crate::diagnostics::is_invisible(*c))?;
    let span = Span::new(pos, pos + invisible.len_utf8());
    Some(
        Diagnostic::error(
            Code::Syntax,
            span,
            format!(
                "an invisible character `{}` is in the way",
                crate::diagnostics::visible(&invisible.to_string())
            ),
            "invisible character here",
        )
        .with_help("delete it (it often comes with text copied from a web page or a chat)")
        .with_fix(span, "", "delete the invisible character"),
    )
}

/// A block whose `}` is missing, found by the indentation of the lines after it.
struct UnclosedBlock {
    /// The offset of its `{`.
    open: usize,
    /// The start of the first word of the line that shows it should have ended.
    next_line: usize,
    /// Whether that line is a `}` (of an outer block) rather than the next item.
    by_brace: bool,
    /// Where to put the missing `}`: the end of the last line with code before `next_line`.
    insert_at: usize,
    /// The indentation of the line of the `{`.
    indent: String,
}

impl UnclosedBlock {
    fn diagnostic(&self, text: &str) -> Diagnostic {
        let word_end = next_token_end(text, self.next_line);
        let (line, _) = crate::diagnostics::SourceFile::new("", text).line_col(self.next_line);
        let next = if self.by_brace {
            "this `}` lines up with an outer block"
        } else {
            "the next item starts here"
        };
        let insert = Span::new(self.insert_at, self.insert_at);
        Diagnostic::error(
            Code::Syntax,
            Span::new(self.open, self.open + 1),
            "this block is not closed",
            "this `{` has no `}`",
        )
        .with_label(Span::new(self.next_line, word_end), next)
        .with_help(format!("add `}}` at the end of the block, before line {line}"))
        .with_fix(insert, format!("\n{}}}", self.indent), "close the block")
    }
}

/// The first block still open at a line that, by its indentation, is outside it: a line
/// starting an item at the indentation of the block's `{` line or less, or a `}` indented
/// less than it. Campaigns are indented by blocks (`fmt` writes them so), and a missing `}` is
/// best reported where the block should have ended, not where the grammar noticed.
fn unclosed_block(text: &str) -> Option<UnclosedBlock> {
    // The open braces: offset and the indentation of their line.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut line_start = 0usize;
    let mut first_on_line = true;
    let mut last_code_end = 0usize;
    let mut last_line_code_end = 0usize;
    for segment in scan::campaign(text) {
        match segment.kind {
            scan::Kind::Comment => continue,
            scan::Kind::Text { .. } => {
                first_on_line = false;
                last_code_end = segment.end;
                continue;
            }
            scan::Kind::Code => {}
        }
        for (i, c) in segment.char_indices(text) {
            if c == '\n' {
                line_start = i + 1;
                first_on_line = true;
                last_line_code_end = last_code_end;
                continue;
            }
            if c.is_whitespace() {
                continue;
            }
            if first_on_line {
                first_on_line = false;
                let indent = i - line_start;
                let rest = text.get(i..).unwrap_or("");
                let item = ITEM_WORDS.iter().any(|w| {
                    rest.strip_prefix(w)
                        .is_some_and(|after| after.starts_with(|c: char| c.is_whitespace()))
                });
                let outside = match open.last() {
                    // Not the campaign block itself: items belong there.
                    Some((_, block_indent)) if open.len() > 1 && item => indent <= *block_indent,
                    Some((_, block_indent)) if c == '}' => indent < *block_indent,
                    _ => false,
                };
                if outside && let Some((brace, block_indent)) = open.last() {
                    let line = text.get(line_start_of(text, *brace)..).unwrap_or("");
                    return Some(UnclosedBlock {
                        open: *brace,
                        next_line: i,
                        by_brace: c == '}',
                        insert_at: last_line_code_end,
                        indent: line.chars().take(*block_indent).collect(),
                    });
                }
            }
            match c {
                '{' => open.push((i, indent_of(text, i))),
                '}' => {
                    open.pop();
                }
                _ => {}
            }
            last_code_end = i + c.len_utf8();
        }
    }
    None
}

fn line_start_of(text: &str, at: usize) -> usize {
    text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |n| n + 1)
}

/// The number of spaces and tabs at the start of the line holding `at`.
fn indent_of(text: &str, at: usize) -> usize {
    let start = line_start_of(text, at);
    text.get(start..at)
        .map_or(0, |line| line.len() - line.trim_start_matches([' ', '\t']).len())
}

/// The offset of the last `{` that is never closed, outside strings and comments.
fn unclosed_brace(text: &str) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    for (i, c) in scan::code_chars(text) {
        match c {
            '{' => open.push(i),
            '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().copied()
}

/// The help line for a syntax error, and the fix when the help says exactly what to write.
fn syntax_help(text: &str, pos: usize, found: &str, expected: &[&str]) -> (String, Option<Fix>) {
    let before = text.get(..pos).unwrap_or("").trim_end();
    let help = |h: &str| (h.to_string(), None);
    if found.starts_with(|c: char| c.is_ascii_digit()) && before.ends_with(|c: char| c.is_ascii_digit()) {
        return help("a number and its unit must be on the same line, and two numbers need an operator between them");
    }
    if found == "24:00:01" || found.starts_with("24:") {
        return help("`24:00` is the only time after `23:59`: it means the end of that day");
    }
    if expected.contains(&"a reason in quotes") || expected.contains(&"a condition") {
        return help(
            "each condition is written as the rule followed by its reason in quotes, e.g. `store_score ≥ 4.2  \"店铺评分不低于 4.2\"`",
        );
    }
    // `> =`, `==`: the fix replaces from the operator's first mark (the last character
    // before `found`) through the `=` that was found.
    let operator = |replacement: &str| {
        let first = before.chars().next_back().map_or(0, char::len_utf8);
        Some(Fix {
            span: Span::new(before.len().saturating_sub(first), pos + found.len()),
            replacement: replacement.to_string(),
            title: format!("write `{replacement}`"),
        })
    };
    if found == "=" && before.ends_with(['<', '>', '!']) {
        let joined = format!("{}=", before.chars().next_back().unwrap_or('='));
        return (
            "write `>=`, `<=` or `!=` without a space inside".into(),
            operator(&joined),
        );
    }
    if found.starts_with('=') && before.ends_with('=') {
        return (
            "comparisons use a single `=`: write `store_status = \"normal\"`".into(),
            operator("="),
        );
    }
    if expected.contains(&"a value") && (found.starts_with("if") || found.starts_with('"') || found.is_empty()) {
        return help("write the value to compare with after the operator, e.g. `store_score ≥ 4.2`");
    }
    if expected.contains(&"`campaign \"name\" {`") {
        return help("a campaign file holds one block: put the items inside `campaign \"name\" { ... }`");
    }
    if expected.contains(&"a fact type") {
        return help(
            "fact types are `text`, `bool`, `count`, `decimal`, `fraction`, `timestamp`, `duration`, `money CNY`, `quantity UNIT`, `one of \"a\", \"b\"` and `list of { ... }`",
        );
    }
    if expected.contains(&"an item") {
        return help(
            "a campaign block holds `timezone`, `source`, `note`, `unit`, `parameter`, `window`, `periods`, `facts`, `value`, `let`, `eligible when` and `reward` items",
        );
    }
    help("see docs/language.md for how this part is written")
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {}", rest.join(", "), last),
    }
}

fn next_token_end(text: &str, pos: usize) -> usize {
    let rest = text.get(pos..).unwrap_or("");
    let mut end = pos;
    for (i, c) in rest.char_indices() {
        if c.is_whitespace() {
            break;
        }
        let word_char = c.is_alphanumeric() || c == '_' || c == ':' || c == '.' || c == '-';
        // A lone punctuation mark is the token; after a word, punctuation ends it.
        if !word_char && i > 0 {
            break;
        }
        end = pos + i + c.len_utf8();
        if !word_char {
            break;
        }
    }
    end
}

/// The words that name each rule in an "expected ..." message.
fn friendly(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::campaign | Rule::kw_campaign => "`campaign \"name\" {`",
        Rule::EOI => "the end of the file",
        Rule::timezone_item
        | Rule::source_item
        | Rule::note_item
        | Rule::unit_item
        | Rule::parameter_item
        | Rule::window_item
        | Rule::periods_item
        | Rule::facts_item
        | Rule::value_item
        | Rule::eligible_item
        | Rule::reward_item
        | Rule::kw_timezone
        | Rule::kw_source
        | Rule::kw_note
        | Rule::kw_unit
        | Rule::kw_parameter
        | Rule::kw_window
        | Rule::kw_periods
        | Rule::kw_facts
        | Rule::kw_value
        | Rule::kw_let
        | Rule::kw_eligible
        | Rule::kw_reward
        | Rule::value_kw => "an item",
        Rule::zone_name => "a time zone name such as `Asia/Shanghai`",
        Rule::string | Rule::string_inner => "a text in quotes",
        Rule::ident | Rule::path => "a name",
        Rule::call_name => "a function name",
        Rule::field_decl => "a fact declaration such as `store_score: decimal`",
        Rule::fact_type
        | Rule::simple_type
        | Rule::money_type
        | Rule::quantity_type
        | Rule::enum_type
        | Rule::list_type
        | Rule::kw_text
        | Rule::kw_bool
        | Rule::kw_count
        | Rule::kw_decimal
        | Rule::kw_fraction
        | Rule::kw_timestamp
        | Rule::kw_duration
        | Rule::kw_money
        | Rule::kw_quantity
        | Rule::kw_one_of
        | Rule::kw_list_of => "a fact type",
        Rule::optional_mark | Rule::kw_optional => "`optional`",
        Rule::condition => "a condition",
        Rule::expr
        | Rule::expr_no_where
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::unknown_expr
        | Rule::compare_expr
        | Rule::as_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary_expr
        | Rule::postfix_expr
        | Rule::paren
        | Rule::aggregate
        | Rule::call
        | Rule::set_lit
        | Rule::bool_lit
        | Rule::number
        | Rule::quantity_lit
        | Rule::percent_lit
        | Rule::timestamp_lit
        | Rule::agg_op
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_sum
        | Rule::kw_min
        | Rule::kw_max
        | Rule::kw_any
        | Rule::kw_all
        | Rule::kw_average
        | Rule::kw_count_distinct
        | Rule::neg_op
        | Rule::reserved_word
        | Rule::kw_not => "a value",
        Rule::date_lit => "a date such as `2024-08-16`",
        Rule::month_lit | Rule::year_lit | Rule::period_bound => "a month such as `2022-12` or a date",
        Rule::time_lit => "a time such as `15:00`",
        Rule::offset_lit => "an offset such as `+08:00`",
        Rule::unit_word => "a unit",
        Rule::cmp_op
        | Rule::add_op
        | Rule::mul_op
        | Rule::kw_and
        | Rule::kw_or
        | Rule::kw_where
        | Rule::kw_in
        | Rule::kw_is
        | Rule::kw_if_unknown
        | Rule::kw_as
        | Rule::cmp_tail
        | Rule::in_tail
        | Rule::not_in_tail
        | Rule::is_known
        | Rule::is_unknown
        | Rule::is_waitlisted
        | Rule::is_earned => "an operator",
        Rule::range_op | Rule::kw_through => "`..` or `through`",
        Rule::window_range => "a range such as `2024-08-16 15:00 .. 2024-08-28 24:00`",
        Rule::period_unit | Rule::kw_months | Rule::kw_weeks | Rule::kw_days | Rule::kw_years => {
            "`months`, `weeks`, `days` or `years`"
        }
        Rule::period_unit_single | Rule::kw_month | Rule::kw_week | Rule::kw_day => "`month`, `week` or `day`",
        Rule::of_scope | Rule::kw_of => "`of`",
        Rule::per_scope | Rule::kw_per => "`per`",
        Rule::per_item_scope | Rule::kw_item => "`per item of`",
        Rule::rounding | Rule::kw_rounded => "`rounded`",
        Rule::rounding_mode
        | Rule::kw_half_up
        | Rule::kw_half_even
        | Rule::kw_half_down
        | Rule::kw_down
        | Rule::kw_up => "a rounding mode (`down`, `up`, `half up`, `half even`, `half down`)",
        Rule::kw_to => "`to`",
        Rule::at_most | Rule::kw_at_most => "`at most`",
        Rule::at_least | Rule::kw_at_least => "`at least`",
        Rule::budget | Rule::kw_budget => "`budget`",
        Rule::budget_amount => "the budget's amount",
        Rule::payout | Rule::kw_paid => "`paid`",
        Rule::payout_part => "a part such as `90% on 2024-10-01`",
        Rule::kw_on => "`on`",
        Rule::expiry | Rule::kw_expires => "`expires`",
        Rule::budget_scope | Rule::kw_in_total => "`per month of ...` or `in total`",
        Rule::kw_first_come => "`first come first served`",
        Rule::budget_split | Rule::budget_last_split | Rule::kw_split_pro_rata | Rule::kw_split_equally => {
            "`split pro rata` or `split equally`"
        }
        Rule::kw_by => "`by`",
        Rule::order_dir | Rule::kw_ascending | Rule::kw_descending => "`ascending` or `descending`",
        Rule::kw_when => "`when`",
        Rule::kw_precision => "`precision`",
        Rule::kw_known | Rule::kw_unknown | Rule::kw_waitlisted | Rule::kw_earned => {
            "`known`, `unknown`, `waitlisted` or `earned`"
        }
        Rule::value_scope => "`of` or `per`",
        Rule::lookup_table | Rule::kw_lookup => "a value",
        Rule::rank_expr | Rule::kw_rank => "a value",
        Rule::rank_key => "what to rank by",
        Rule::ordered_expr
        | Rule::running_head
        | Rule::portion_head
        | Rule::previous_head
        | Rule::kw_running_sum
        | Rule::kw_portion_of
        | Rule::kw_previous => "a value",
        Rule::ordered_filter => "`where`",
        Rule::balance_expr | Rule::kw_balance_of => "a value",
        Rule::kw_applied_to => "`applied to` and the fee of each item",
        Rule::balance_expiry | Rule::kw_expiring_after => "`expiring after`",
        Rule::balance_months => "a whole number of months (at least 1)",
        Rule::balance_loss | Rule::kw_lost_at => "`lost at`",
        Rule::kw_within_first => "`within first`",
        Rule::kw_ordered_by => "`ordered by` and what to order by",
        Rule::top_expr | Rule::kw_top => "a value",
        Rule::top_measure => "`sum of` or `count`",
        Rule::kw_then => "`then`",
        Rule::if_expr | Rule::kw_if => "a value",
        Rule::kw_else => "`else`",
        Rule::reward_gate => "`when {`",
        Rule::kw_within => "`within`",
        Rule::lookup_subject => "the key to look up",
        Rule::lookup_row | Rule::lookup_key | Rule::key_literal | Rule::kw_otherwise => {
            "a row such as `\"文娱\" -> 2%` or `otherwise -> 0%`"
        }
        Rule::tier_table | Rule::tier_kind | Rule::kw_band | Rule::kw_marginal => "a value",
        Rule::tier_row | Rule::tier_start | Rule::tier_end => "a band such as `0 CNY .. 10000 CNY -> 1%`",
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

fn build_campaign(pair: Pair<'_, Rule>, surface: Surface) -> Result<Campaign> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_campaign, span)?;
    let name = text(expect(&mut inner, Rule::string, span)?);
    let mut items = Vec::new();
    for item in inner {
        items.push(build_item(item)?);
    }
    Ok(Campaign {
        name,
        items,
        span,
        surface,
    })
}

fn build_item(pair: Pair<'_, Rule>) -> Result<Item> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let _keyword = next_any(&mut inner, span, "keyword")?;
    Ok(match rule {
        Rule::timezone_item => Item::Timezone(ident(expect(&mut inner, Rule::zone_name, span)?)),
        Rule::source_item => Item::Source(text(expect(&mut inner, Rule::string, span)?)),
        Rule::note_item => Item::Note(text(expect(&mut inner, Rule::string, span)?)),
        Rule::unit_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let precision = match inner.next() {
                Some(_kw) => {
                    let n = expect(&mut inner, Rule::number, span)?;
                    Some((number(&n)?, span_of(&n)))
                }
                None => None,
            };
            Item::Unit(UnitDecl { name, precision })
        }
        Rule::parameter_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let ty = build_type(expect(&mut inner, Rule::fact_type, span)?)?;
            let default = build_expr(expect(&mut inner, Rule::expr, span)?)?;
            Item::Parameter(ParameterDecl { name, ty, default })
        }
        Rule::window_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let range = build_window_range(expect(&mut inner, Rule::window_range, span)?)?;
            Item::Window(WindowDecl { name, range })
        }
        Rule::periods_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let unit_pair = expect(&mut inner, Rule::period_unit, span)?;
            let unit = match unit_pair.into_inner().next().map(|p| p.as_rule()) {
                Some(Rule::kw_months) => PeriodUnit::Month,
                Some(Rule::kw_weeks) => PeriodUnit::Week,
                Some(Rule::kw_years) => PeriodUnit::Year,
                _ => PeriodUnit::Day,
            };
            let first = build_period_bound(expect(&mut inner, Rule::period_bound, span)?)?;
            expect(&mut inner, Rule::kw_through, span)?;
            let last = build_period_bound(expect(&mut inner, Rule::period_bound, span)?)?;
            Item::Periods(PeriodsDecl {
                name,
                unit,
                first,
                last,
                span,
            })
        }
        Rule::facts_item => {
            let mut fields = Vec::new();
            for field in inner {
                fields.push(build_field(field)?);
            }
            Item::Facts(FactsBlock { fields, span })
        }
        Rule::value_item => {
            // `_keyword` was the `value_kw` wrapper.
            let exposed = _keyword.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_value);
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let (scope, expr_pair) = scope_then_expr(&mut inner, span)?;
            let expr = build_expr(expr_pair)?;
            let modifiers = inner.map(build_modifier).collect::<Result<Vec<_>>>()?;
            Item::Value(ValueDecl {
                exposed,
                name,
                scope,
                expr,
                modifiers,
                span,
            })
        }
        Rule::eligible_item => {
            let when = expect(&mut inner, Rule::kw_when, span)?;
            let head_span = Span::new(span.start, span_of(&when).end);
            let conditions = build_conditions(inner)?;
            Item::Eligible(EligibleBlock {
                conditions,
                head_span,
                span,
            })
        }
        Rule::reward_item => {
            // `_keyword` was the `output_kw` wrapper.
            let kind = match _keyword.into_inner().next().map(|k| k.as_rule()) {
                Some(Rule::kw_fee) => OutputKind::Fee,
                _ => OutputKind::Reward,
            };
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let (per, expr_pair) = scope_then_expr(&mut inner, span)?;
            let expr = build_expr(expr_pair)?;
            let mut modifiers = Vec::new();
            let mut gate = None;
            for part in inner {
                if part.as_rule() == Rule::reward_gate {
                    gate = Some(build_gate(part)?);
                } else {
                    modifiers.push(build_modifier(part)?);
                }
            }
            Item::Reward(RewardDecl {
                kind,
                name,
                per,
                expr,
                modifiers,
                gate,
                span,
            })
        }
        _ => return Err(invariant(span, "item")),
    })
}

/// The conditions of a block, each with its reason.
fn build_conditions(pairs: Pairs<'_, Rule>) -> Result<Vec<Condition>> {
    let mut conditions = Vec::new();
    for c in pairs {
        let cspan = span_of(&c);
        let mut parts = c.into_inner();
        let expr = build_expr(expect(&mut parts, Rule::expr, cspan)?)?;
        let reason = parts.next().map(text);
        conditions.push(Condition {
            expr,
            reason,
            span: cspan,
        });
    }
    Ok(conditions)
}

/// A reward's own `when { ... }` block.
fn build_gate(pair: Pair<'_, Rule>) -> Result<RewardGate> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let when = expect(&mut inner, Rule::kw_when, span)?;
    let conditions = build_conditions(inner)?;
    Ok(RewardGate {
        conditions,
        head_span: span_of(&when),
        span,
    })
}

fn scope_then_expr<'a>(inner: &mut Pairs<'a, Rule>, span: Span) -> Result<(Option<Scope>, Pair<'a, Rule>)> {
    let next = next_any(inner, span, "definition")?;
    match next.as_rule() {
        Rule::of_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_of, span)?;
            let path = expect(&mut parts, Rule::path, span)?;
            let segments = path.into_inner().map(ident).collect();
            Ok((Some(Scope::Of(segments)), expect(inner, Rule::expr, span)?))
        }
        Rule::per_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_per, span)?;
            let var = ident(expect(&mut parts, Rule::ident, span)?);
            expect(&mut parts, Rule::kw_in, span)?;
            let periods = ident(expect(&mut parts, Rule::ident, span)?);
            Ok((Some(Scope::Per { var, periods }), expect(inner, Rule::expr, span)?))
        }
        Rule::per_item_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_per, span)?;
            expect(&mut parts, Rule::kw_item, span)?;
            expect(&mut parts, Rule::kw_of, span)?;
            let path = expect(&mut parts, Rule::path, span)?;
            let segments = path.into_inner().map(ident).collect();
            Ok((Some(Scope::Item(segments)), expect(inner, Rule::expr, span)?))
        }
        Rule::expr => Ok((None, next)),
        _ => Err(invariant(span_of(&next), "definition")),
    }
}

fn build_period_bound(pair: Pair<'_, Rule>) -> Result<PeriodBound> {
    let span = span_of(&pair);
    let parts: Vec<&str> = pair.as_str().split('-').collect();
    let num = |i: usize| -> Result<u32> {
        parts
            .get(i)
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or_else(|| invariant(span, "period bound"))
    };
    // A year alone (`2024`) stands for its January for whatever reads the month.
    let year_only = parts.len() == 1;
    Ok(PeriodBound {
        year: i32::try_from(num(0)?).map_err(|_| invariant(span, "year"))?,
        month: if year_only { 1 } else { num(1)? },
        day: if parts.len() > 2 { Some(num(2)?) } else { None },
        year_only,
        span,
    })
}

fn build_field(pair: Pair<'_, Rule>) -> Result<FieldDecl> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let name = ident(expect(&mut inner, Rule::ident, span)?);
    let ty = build_type(expect(&mut inner, Rule::fact_type, span)?)?;
    let optional = inner.next().is_some();
    Ok(FieldDecl {
        name,
        ty,
        optional,
        span,
    })
}

fn build_type(pair: Pair<'_, Rule>) -> Result<TypeExpr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let ty = next_any(&mut inner, span, "type")?;
    let rule = ty.as_rule();
    let mut parts = ty.into_inner();
    let kind = match rule {
        Rule::simple_type => match parts.next().map(|p| p.as_rule()) {
            Some(Rule::kw_text) => TypeExprKind::Text,
            Some(Rule::kw_bool) => TypeExprKind::Bool,
            Some(Rule::kw_count) => TypeExprKind::Count,
            Some(Rule::kw_decimal) => TypeExprKind::Decimal,
            Some(Rule::kw_fraction) => TypeExprKind::Fraction,
            Some(Rule::kw_timestamp) => TypeExprKind::Timestamp,
            Some(Rule::kw_duration) => TypeExprKind::Duration,
            _ => return Err(invariant(span, "type")),
        },
        Rule::money_type => {
            expect(&mut parts, Rule::kw_money, span)?;
            TypeExprKind::Money(ident(expect(&mut parts, Rule::ident, span)?))
        }
        Rule::quantity_type => {
            expect(&mut parts, Rule::kw_quantity, span)?;
            TypeExprKind::Quantity(ident(expect(&mut parts, Rule::ident, span)?))
        }
        Rule::enum_type => {
            expect(&mut parts, Rule::kw_one_of, span)?;
            TypeExprKind::Enum(parts.map(text).collect())
        }
        Rule::list_type => {
            expect(&mut parts, Rule::kw_list_of, span)?;
            TypeExprKind::List(parts.map(build_field).collect::<Result<Vec<_>>>()?)
        }
        _ => return Err(invariant(span, "type")),
    };
    Ok(TypeExpr { kind, span })
}

fn build_window_range(pair: Pair<'_, Rule>) -> Result<Range> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let start = build_expr(expect(&mut inner, Rule::expr, span)?)?;
    let op = expect(&mut inner, Rule::range_op, span)?;
    let end = build_expr(expect(&mut inner, Rule::expr, span)?)?;
    Ok(Range {
        start: Box::new(start),
        kind: range_kind(&op),
        end: Box::new(end),
        span,
    })
}

fn range_kind(op: &Pair<'_, Rule>) -> RangeKind {
    if op.as_str() == ".." {
        RangeKind::Exclusive
    } else {
        RangeKind::Through
    }
}

fn build_modifier(pair: Pair<'_, Rule>) -> Result<Modifier> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    Ok(match rule {
        Rule::rounding => {
            expect(&mut inner, Rule::kw_rounded, span)?;
            let mode_pair = expect(&mut inner, Rule::rounding_mode, span)?;
            let mode = match mode_pair.into_inner().next().map(|p| p.as_rule()) {
                Some(Rule::kw_half_up) => RoundingMode::HalfUp,
                Some(Rule::kw_half_even) => RoundingMode::HalfEven,
                Some(Rule::kw_half_down) => RoundingMode::HalfDown,
                Some(Rule::kw_up) => RoundingMode::Up,
                _ => RoundingMode::Down,
            };
            let step = match inner.next() {
                Some(_to) => {
                    let n = expect(&mut inner, Rule::number, span)?;
                    Some((number(&n)?, span_of(&n)))
                }
                None => None,
            };
            Modifier::Rounded { mode, step, span }
        }
        Rule::at_most => {
            expect(&mut inner, Rule::kw_at_most, span)?;
            Modifier::AtMost(build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?, span)
        }
        Rule::at_least => {
            expect(&mut inner, Rule::kw_at_least, span)?;
            Modifier::AtLeast(build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?, span)
        }
        Rule::budget => {
            expect(&mut inner, Rule::kw_budget, span)?;
            let amount_pair = expect(&mut inner, Rule::budget_amount, span)?;
            let amount_span = span_of(&amount_pair);
            let amount = build_expr(next_any(&mut amount_pair.into_inner(), amount_span, "budget amount")?)?;
            let scope_pair = expect(&mut inner, Rule::budget_scope, span)?;
            let sspan = span_of(&scope_pair);
            let mut sparts = scope_pair.into_inner();
            let first = next_any(&mut sparts, sspan, "budget scope")?;
            let scope = if first.as_rule() == Rule::kw_in_total {
                BudgetScope::Total
            } else {
                let unit = period_unit_single(expect(&mut sparts, Rule::period_unit_single, sspan)?);
                expect(&mut sparts, Rule::kw_of, sspan)?;
                BudgetScope::Per(unit, build_expr(expect(&mut sparts, Rule::expr_no_where, sspan)?)?)
            };
            let allocation = build_allocation(inner, span)?;
            Modifier::Budget(Budget {
                amount,
                scope,
                allocation,
                span,
            })
        }
        Rule::payout => {
            expect(&mut inner, Rule::kw_paid, span)?;
            let mut parts = Vec::new();
            for part in inner {
                if part.as_rule() != Rule::payout_part {
                    continue;
                }
                let pspan = span_of(&part);
                let mut p = part.into_inner();
                let pct = expect(&mut p, Rule::percent_lit, pspan)?;
                let pct_span = span_of(&pct);
                let n = expect(&mut pct.into_inner(), Rule::number, pct_span)?;
                let share = number(&n)?;
                expect(&mut p, Rule::kw_on, pspan)?;
                let when = build_expr(expect(&mut p, Rule::as_expr, pspan)?)?;
                parts.push((share, pct_span, when));
            }
            Modifier::Paid(parts, span)
        }
        Rule::expiry => {
            expect(&mut inner, Rule::kw_expires, span)?;
            Modifier::Expires(build_expr(expect(&mut inner, Rule::as_expr, span)?)?, span)
        }
        _ => return Err(invariant(span, "modifier")),
    })
}

/// Builds an expression from any rule of the expression grammar, by family: chains of
/// operators, prefix and suffix operators, tables, and primaries.
/// `month`, `week` or `day`.
fn period_unit_single(pair: Pair<'_, Rule>) -> PeriodUnit {
    match pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_month) => PeriodUnit::Month,
        Some(Rule::kw_week) => PeriodUnit::Week,
        _ => PeriodUnit::Day,
    }
}

/// What follows a budget's scope: `split pro rata`, `split equally`, or a queue
/// `first come first served by KEY [descending] [, split pro rata per UNIT]`.
fn build_allocation(mut inner: Pairs<'_, Rule>, span: Span) -> Result<Allocation> {
    let first = next_any(&mut inner, span, "budget allocation")?;
    if first.as_rule() == Rule::budget_split {
        let split = match first.into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::kw_split_equally) => Split::Equally,
            _ => Split::ProRata,
        };
        return Ok(Allocation::Split(split));
    }
    expect(&mut inner, Rule::kw_by, span)?;
    let order = build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?;
    let mut descending = false;
    let mut last_split = None;
    for part in inner {
        match part.as_rule() {
            Rule::order_dir => {
                descending = part.into_inner().next().map(|d| d.as_rule()) == Some(Rule::kw_descending);
            }
            Rule::budget_last_split => {
                let pspan = span_of(&part);
                let mut parts = part.into_inner();
                expect(&mut parts, Rule::kw_split_pro_rata, pspan)?;
                expect(&mut parts, Rule::kw_per, pspan)?;
                last_split = Some(period_unit_single(expect(&mut parts, Rule::period_unit_single, pspan)?));
            }
            other => return Err(invariant(span_of(&part), &format!("{other:?}"))),
        }
    }
    Ok(Allocation::Queue {
        order,
        descending,
        last_split,
    })
}

fn build_expr(pair: Pair<'_, Rule>) -> Result<Expr> {
    match pair.as_rule() {
        Rule::expr | Rule::expr_no_where | Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => {
            build_chain(pair)
        }
        Rule::not_expr | Rule::unary_expr | Rule::unknown_expr | Rule::as_expr | Rule::postfix_expr => {
            build_operator(pair)
        }
        Rule::compare_expr => build_compare(pair),
        Rule::aggregate => build_aggregate(pair),
        Rule::rank_expr => build_rank(pair),
        Rule::ordered_expr => build_ordered(pair),
        Rule::top_expr => build_top(pair),
        Rule::balance_expr => build_balance(pair),
        Rule::lookup_table => build_lookup(pair),
        Rule::tier_table => build_tiers(pair),
        Rule::if_expr => build_if(pair),
        _ => build_primary(pair),
    }
}

/// `a where b`, and the chains of one operator precedence: `a or b`, `a and b`, `a + b - c`,
/// `a × b ÷ c`. A chain of one operand is that operand; a longer one is one node with its
/// operands side by side, so that nothing after the parser recurses once per operand.
fn build_chain(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let first = build_expr(next_any(&mut inner, span, "operand")?)?;
    let mut rest = Vec::new();
    while let Some(op) = inner.next() {
        let op = match (rule, op.as_str()) {
            (Rule::or_expr, _) => BinOp::Or,
            (Rule::and_expr, _) => BinOp::And,
            (_, "+") => BinOp::Add,
            (_, "-") => BinOp::Sub,
            (_, "×" | "*") => BinOp::Mul,
            // `where` in `expr`, whose operator is not kept.
            _ => BinOp::Div,
        };
        rest.push((op, build_expr(next_any(&mut inner, span, "operand")?)?));
    }
    let Some(last) = rest.last() else {
        return Ok(first);
    };
    let span = first.span.to(last.1.span);
    let kind = match rule {
        Rule::expr | Rule::expr_no_where => {
            // At most one `where` (the grammar says so): `list where filter`.
            let mut filters = rest.into_iter().map(|(_, f)| f);
            let filter = filters.next().ok_or_else(|| invariant(span, "filter"))?;
            ExprKind::Where(Box::new(first), Box::new(filter))
        }
        Rule::or_expr | Rule::and_expr => {
            let operands = std::iter::once(first).chain(rest.into_iter().map(|(_, e)| e)).collect();
            if rule == Rule::or_expr {
                ExprKind::Or(operands)
            } else {
                ExprKind::And(operands)
            }
        }
        _ => ExprKind::Arith {
            first: Box::new(first),
            rest,
        },
    };
    Ok(Expr { kind, span })
}

/// The prefix and suffix operators of one operand: `not a`, `-a`, `a if unknown b`, `a as u`,
/// `a.b.c`.
fn build_operator(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let first = next_any(&mut inner, span, "operand")?;
    let kind = match rule {
        Rule::not_expr | Rule::unary_expr => {
            if !matches!(first.as_rule(), Rule::kw_not | Rule::neg_op) {
                return build_expr(first);
            }
            let operand = Box::new(build_expr(next_any(&mut inner, span, "operand")?)?);
            if rule == Rule::not_expr {
                ExprKind::Not(operand)
            } else {
                ExprKind::Neg(operand)
            }
        }
        Rule::unknown_expr => {
            let value = build_expr(first)?;
            let Some(_kw) = inner.next() else { return Ok(value) };
            let default = build_expr(next_any(&mut inner, span, "default")?)?;
            ExprKind::IfUnknown(Box::new(value), Box::new(default))
        }
        Rule::as_expr => {
            let value = build_expr(first)?;
            let Some(_kw) = inner.next() else { return Ok(value) };
            ExprKind::As(Box::new(value), ident(expect(&mut inner, Rule::ident, span)?))
        }
        _ => {
            let mut base = build_expr(first)?;
            for (n, field) in inner.enumerate() {
                let field = ident(field);
                // Each `.field` is a level of the tree: as deep as brackets may be, no deeper.
                if n >= MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::TooDeep,
                            field.span,
                            format!("more than {MAX_NESTING} `.field` in a row"),
                            "too deep here",
                        )
                        .with_help("a path has one part per list it goes through"),
                    ));
                }
                let s = base.span.to(field.span);
                base = Expr {
                    kind: ExprKind::Field(Box::new(base), field),
                    span: s,
                };
            }
            return Ok(base);
        }
    };
    Ok(Expr { kind, span })
}

/// `a op b`, `a in b`, `a not in x .. y`, `a is known`, `r is waitlisted`.
fn build_compare(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let lhs = build_expr(next_any(&mut inner, span, "operand")?)?;
    let Some(tail) = inner.next() else {
        return Ok(lhs);
    };
    let tail_rule = tail.as_rule();
    let tail_span = span_of(&tail);
    let mut parts = tail.into_inner();
    let kind = match tail_rule {
        Rule::is_known => ExprKind::IsKnown(Box::new(lhs), true),
        Rule::is_unknown => ExprKind::IsKnown(Box::new(lhs), false),
        Rule::is_waitlisted => ExprKind::IsWaitlisted(Box::new(lhs)),
        Rule::is_earned => ExprKind::IsEarned(Box::new(lhs)),
        Rule::in_tail | Rule::not_in_tail => {
            let negated = tail_rule == Rule::not_in_tail;
            if negated {
                expect(&mut parts, Rule::kw_not, tail_span)?;
            }
            expect(&mut parts, Rule::kw_in, tail_span)?;
            let first = build_expr(next_any(&mut parts, tail_span, "operand")?)?;
            let target = match parts.next() {
                Some(op) => {
                    let end = build_expr(next_any(&mut parts, tail_span, "range end")?)?;
                    let rspan = first.span.to(end.span);
                    InTarget::Range(Range {
                        start: Box::new(first),
                        kind: range_kind(&op),
                        end: Box::new(end),
                        span: rspan,
                    })
                }
                None => InTarget::Expr(Box::new(first)),
            };
            ExprKind::In {
                value: Box::new(lhs),
                target,
                negated,
            }
        }
        Rule::cmp_tail => {
            let op = expect(&mut parts, Rule::cmp_op, tail_span)?;
            let op = match op.as_str() {
                ">=" | "≥" => BinOp::Ge,
                "<=" | "≤" => BinOp::Le,
                "!=" | "≠" => BinOp::Ne,
                "=" => BinOp::Eq,
                "<" => BinOp::Lt,
                _ => BinOp::Gt,
            };
            let rhs = build_expr(next_any(&mut parts, tail_span, "operand")?)?;
            ExprKind::Binary(op, Box::new(lhs), Box::new(rhs))
        }
        _ => return Err(invariant(tail_span, "comparison")),
    };
    Ok(Expr { kind, span })
}

/// `if c1 then a else if c2 then b else d`: one node for the whole chain, so that nothing after
/// the parser recurses once per `else if` (an `else` branch in parentheses stays a branch).
fn build_if(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_if, span)?;
    let test = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    expect(&mut inner, Rule::kw_then, span)?;
    let value = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    expect(&mut inner, Rule::kw_else, span)?;
    let otherwise = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    let mut branches = vec![(test, value)];
    let otherwise = match otherwise.kind {
        ExprKind::If {
            branches: more,
            otherwise,
        } => {
            branches.extend(more);
            otherwise
        }
        kind => Box::new(Expr {
            kind,
            span: otherwise.span,
        }),
    };
    Ok(Expr {
        kind: ExprKind::If { branches, otherwise },
        span,
    })
}

/// `rank by a descending, then by b within g and h`.
fn build_rank(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut keys = Vec::new();
    let mut within = Vec::new();
    let mut in_groups = false;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::rank_key => keys.push(build_order_key(part)?),
            Rule::kw_within => in_groups = true,
            Rule::as_expr if in_groups => within.push(build_expr(part)?),
            _ => {}
        }
    }
    Ok(Expr {
        kind: ExprKind::Rank { keys, within },
        span,
    })
}

/// A key of an order: `applied_at`, `gmv descending`.
fn build_order_key(pair: Pair<'_, Rule>) -> Result<(Expr, bool)> {
    let kspan = span_of(&pair);
    let mut inner = pair.into_inner();
    let e = build_expr(next_any(&mut inner, kspan, "order key")?)?;
    let descending = inner
        .next()
        .and_then(|d| d.into_inner().next())
        .map(|d| d.as_rule() == Rule::kw_descending)
        .unwrap_or(false);
    Ok((e, descending))
}

/// `running sum of x where c ordered by k`, `portion of x within first t ordered by k`,
/// `previous x ordered by k`.
fn build_ordered(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let head = next_any(&mut inner, span, "running value")?;
    let head_rule = head.as_rule();
    let head_span = span_of(&head);
    let mut parts = head
        .into_inner()
        .filter(|p| p.as_rule() == Rule::postfix_expr || p.as_rule() == Rule::as_expr);
    let value = build_expr(parts.next().ok_or_else(|| invariant(head_span, "value"))?)?;
    let kind = match head_rule {
        Rule::running_head => OrderedKind::RunningSum,
        Rule::previous_head => OrderedKind::Previous,
        Rule::portion_head => {
            let limit = parts.next().ok_or_else(|| invariant(head_span, "threshold"))?;
            OrderedKind::Portion(Box::new(build_expr(limit)?))
        }
        _ => return Err(invariant(head_span, "running value")),
    };
    let mut filter = None;
    let mut keys = Vec::new();
    for part in inner {
        match part.as_rule() {
            Rule::ordered_filter => {
                let fspan = span_of(&part);
                let f = part.into_inner().find(|p| p.as_rule() == Rule::or_expr);
                filter = Some(Box::new(build_expr(f.ok_or_else(|| invariant(fspan, "filter"))?)?));
            }
            Rule::rank_key => keys.push(build_order_key(part)?),
            _ => {}
        }
    }
    Ok(Expr {
        kind: ExprKind::Ordered {
            kind,
            value: Box::new(value),
            filter,
            keys,
        },
        span,
    })
}

/// `balance of c applied to l.fee ordered by t, then by k expiring after N months lost at u`.
fn build_balance(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut exprs = Vec::new();
    let mut keys = Vec::new();
    let mut expiry = None;
    let mut lost_at = None;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::as_expr | Rule::postfix_expr => exprs.push(build_expr(part)?),
            Rule::rank_key => keys.push(build_order_key(part)?),
            Rule::balance_expiry => {
                let espan = span_of(&part);
                let months = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::balance_months)
                    .and_then(|p| p.as_str().parse::<u32>().ok())
                    .ok_or_else(|| invariant(espan, "a number of months"))?;
                expiry = Some((months, espan));
            }
            Rule::balance_loss => {
                let lspan = span_of(&part);
                let t = part.into_inner().find(|p| p.as_rule() == Rule::as_expr);
                lost_at = Some(build_expr(t.ok_or_else(|| invariant(lspan, "leaving instant"))?)?);
            }
            _ => {}
        }
    }
    let mut exprs = exprs.into_iter();
    let (Some(credit), Some(applied), Some(date)) = (exprs.next(), exprs.next(), exprs.next()) else {
        return Err(invariant(span, "balance"));
    };
    Ok(Expr {
        kind: ExprKind::Balance(Box::new(BalanceExpr {
            credit,
            applied,
            date,
            keys,
            expiry,
            lost_at,
        })),
        span,
    })
}

/// `sum of a.b where c`.
fn build_aggregate(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let op_pair = expect(&mut inner, Rule::agg_op, span)?;
    let op = match op_pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_sum) => AggOp::Sum,
        Some(Rule::kw_count) => AggOp::Count,
        Some(Rule::kw_count_distinct) => AggOp::CountDistinct,
        Some(Rule::kw_min) => AggOp::Min,
        Some(Rule::kw_max) => AggOp::Max,
        Some(Rule::kw_average) => AggOp::Average,
        Some(Rule::kw_any) => AggOp::Any,
        _ => AggOp::All,
    };
    expect(&mut inner, Rule::kw_of, span)?;
    let source = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    let filter = match inner.next() {
        Some(_where) => Some(Box::new(build_expr(next_any(&mut inner, span, "filter")?)?)),
        None => None,
    };
    Ok(Expr {
        kind: ExprKind::Aggregate {
            op,
            source: Box::new(source),
            filter,
        },
        span,
    })
}

/// `top category of orders by sum of net where ok`, `top category of orders by count`.
fn build_top(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_top, span)?;
    let key = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    expect(&mut inner, Rule::kw_of, span)?;
    let source = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    expect(&mut inner, Rule::kw_by, span)?;
    let sum = build_top_measure(expect(&mut inner, Rule::top_measure, span)?)?;
    let mut filter = None;
    let mut ties = Vec::new();
    while let Some(part) = inner.next() {
        match part.as_rule() {
            Rule::top_tie => ties.push(build_top_tie(part)?),
            _ => filter = Some(Box::new(build_expr(next_any(&mut inner, span, "filter")?)?)),
        }
    }
    Ok(Expr {
        kind: ExprKind::Top {
            key: Box::new(key),
            source: Box::new(source),
            sum,
            filter,
            ties,
        },
        span,
    })
}

/// `sum of x` (`Some(x)`) or `count` (`None`).
fn build_top_measure(measure: Pair<'_, Rule>) -> Result<Option<Box<Expr>>> {
    match measure.into_inner().find(|p| p.as_rule() == Rule::postfix_expr) {
        Some(x) => Ok(Some(Box::new(build_expr(x)?))),
        None => Ok(None),
    }
}

/// `, then by count`, `, then by sum of refunded ascending`, `, then by category ascending`.
fn build_top_tie(pair: Pair<'_, Rule>) -> Result<TopTie> {
    let whole = span_of(&pair);
    // From `then` on: the comma before it separates, it is not part of what is labelled.
    let mut span = whole;
    let mut by = None;
    let mut descending = None;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::kw_then => span = Span::new(span_of(&part).start, whole.end),
            Rule::top_measure => by = Some(TopTieBy::Total(build_top_measure(part)?)),
            Rule::postfix_expr => by = Some(TopTieBy::Key(Box::new(build_expr(part)?))),
            Rule::order_dir => {
                descending = Some(part.into_inner().next().map(|d| d.as_rule()) == Some(Rule::kw_descending));
            }
            _ => {}
        }
    }
    let by = by.ok_or_else(|| invariant(whole, "what a tie-break compares"))?;
    Ok(TopTie { by, descending, span })
}

/// `lookup key { "a" -> v, ... }` or `lookup (k1, k2) { ("a", 1) -> v, ... }`.
fn build_lookup(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_lookup, span)?;
    let subject = expect(&mut inner, Rule::lookup_subject, span)?;
    let keys = subject.into_inner().map(build_expr).collect::<Result<Vec<_>>>()?;
    let mut rows = Vec::new();
    for row in inner {
        let rspan = span_of(&row);
        let mut parts = row.into_inner();
        let first = next_any(&mut parts, rspan, "lookup key")?;
        let row_keys = if first.as_rule() == Rule::kw_otherwise {
            None
        } else {
            let mut ks = Vec::new();
            for k in first.into_inner() {
                let kspan = span_of(&k);
                let mut lit = k.into_inner();
                ks.push(build_expr(next_any(&mut lit, kspan, "key")?)?);
            }
            Some(ks)
        };
        let value = build_expr(next_any(&mut parts, rspan, "lookup value")?)?;
        rows.push(LookupRow {
            keys: row_keys,
            value,
            span: rspan,
        });
    }
    Ok(Expr {
        kind: ExprKind::Lookup { keys, rows },
        span,
    })
}

/// `band of x { ... }` or `marginal of x { ... }`.
fn build_tiers(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let kind_pair = expect(&mut inner, Rule::tier_kind, span)?;
    let kind = match kind_pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_marginal) => TierKind::Marginal,
        _ => TierKind::Band,
    };
    expect(&mut inner, Rule::kw_of, span)?;
    let subject = build_expr(expect(&mut inner, Rule::as_expr, span)?)?;
    let mut rows: Vec<TierRow> = Vec::new();
    // Where each row's value starts in the file, and its text, to see how it was written.
    let mut written: Vec<(usize, &str)> = Vec::new();
    for row in inner {
        let rspan = span_of(&row);
        if let Some(value) = row.clone().into_inner().last() {
            written.push((value.as_span().start(), value.as_str()));
        }
        let mut start = None;
        let mut end = None;
        let mut kind = RangeKind::Exclusive;
        let mut value = None;
        for part in row.into_inner() {
            match part.as_rule() {
                Rule::tier_start => start = Some(build_expr(next_any(&mut part.into_inner(), rspan, "band start")?)?),
                Rule::tier_end => end = Some(build_expr(next_any(&mut part.into_inner(), rspan, "band end")?)?),
                Rule::range_op => kind = range_kind(&part),
                _ => value = Some(build_expr(part)?),
            }
        }
        rows.push(TierRow {
            start,
            kind,
            end,
            value: value.ok_or_else(|| invariant(rspan, "band value"))?,
            span: rspan,
        });
    }
    for (k, pair) in rows.windows(2).enumerate() {
        if let ([above, below], Some(&(at, text))) = (pair, written.get(k))
            && below.start.is_none()
            && let Some(d) = band_start_read_as_subtraction(above, below, at, text)
        {
            return Err(Box::new(d));
        }
    }
    Ok(Expr {
        kind: ExprKind::Tiers {
            kind,
            subject: Box::new(subject),
            rows,
        },
        span,
    })
}

/// `0 .. 10 -> 1` then, on the next line, `-10 .. 0 -> 2`: whitespace (line breaks included)
/// is insignificant, so the second band's `-10` continues the first band's value (`1 - 10`) and
/// the second band is left without a start. Refused, with the ways to say what was meant.
fn band_start_read_as_subtraction(above: &TierRow, below: &TierRow, at: usize, text: &str) -> Option<Diagnostic> {
    let ExprKind::Arith { first, rest } = &above.value.kind else {
        return None;
    };
    let (op, last) = rest.last()?;
    let before_last = rest
        .len()
        .checked_sub(2)
        .and_then(|i| rest.get(i))
        .map_or(&**first, |(_, e)| e);
    if *op != BinOp::Sub {
        return None;
    }
    let between = text.get(before_last.span.end.checked_sub(at)?..last.span.start.checked_sub(at)?)?;
    if !between.contains('\n') || between.trim() != "-" {
        return None;
    }
    let minus = before_last.span.end + between.find('-')?;
    let comma = Span::new(before_last.span.end, before_last.span.end);
    Some(
        Diagnostic::error(
            Code::NegativeBandStart,
            Span::new(minus, last.span.end),
            "this negative number continues the value of the band above as a subtraction",
            "read as a subtraction from the value above",
        )
        .with_label(below.span, "so this band has no start")
        .with_help(
            "line breaks do not separate bands: end the band above with a comma, or write the start in parentheses, e.g. `(-10) .. 0`",
        )
        .with_fix(comma, ",", "end the band above with a comma"),
    )
}

/// Names, literals, calls and parentheses.
fn build_primary(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::paren => {
            let mut inner = pair.into_inner();
            ExprKind::Paren(Box::new(build_expr(expect(&mut inner, Rule::expr, span)?)?))
        }
        Rule::call => {
            let mut inner = pair.into_inner();
            let name = ident(expect(&mut inner, Rule::call_name, span)?);
            ExprKind::Call(name, inner.map(build_expr).collect::<Result<Vec<_>>>()?)
        }
        Rule::set_lit => ExprKind::Set(pair.into_inner().map(text).collect()),
        Rule::bool_lit => ExprKind::Bool(pair.into_inner().next().is_some_and(|k| k.as_rule() == Rule::kw_true)),
        Rule::number => ExprKind::Number(number(&pair)?),
        Rule::percent_lit => {
            let mut inner = pair.into_inner();
            ExprKind::Percent(number(&expect(&mut inner, Rule::number, span)?)?)
        }
        Rule::quantity_lit => {
            let mut inner = pair.into_inner();
            let n = expect(&mut inner, Rule::number, span)?;
            ExprKind::Quantity(number(&n)?, ident(expect(&mut inner, Rule::unit_word, span)?))
        }
        Rule::string => ExprKind::Text(text(pair).value),
        Rule::ident => ExprKind::Name(ident(pair)),
        Rule::timestamp_lit => ExprKind::Timestamp(build_timestamp(pair)?),
        _ => return Err(invariant(span, "expression")),
    };
    Ok(Expr { kind, span })
}

fn build_timestamp(pair: Pair<'_, Rule>) -> Result<TimestampLit> {
    let span = span_of(&pair);
    let raw = pair.as_str().to_string();
    let mut inner = pair.into_inner();
    let date = expect(&mut inner, Rule::date_lit, span)?;
    let mut d = date.as_str().split('-').map(|p| p.parse::<u32>().unwrap_or(0));
    let year = i32::try_from(d.next().unwrap_or(0)).map_err(|_| invariant(span, "year"))?;
    let month = d.next().unwrap_or(0);
    let day = d.next().unwrap_or(0);
    let mut time = None;
    let mut seconds_written = false;
    let mut offset = None;
    for part in inner {
        match part.as_rule() {
            Rule::time_lit => {
                let s = part.as_str();
                let (hms, frac) = match s.split_once('.') {
                    Some((a, b)) => (a, Some(b)),
                    None => (s, None),
                };
                let mut it = hms.split(':').map(|p| p.parse::<u32>().unwrap_or(0));
                let h = it.next().unwrap_or(0);
                let m = it.next().unwrap_or(0);
                let sec = it.next();
                seconds_written = sec.is_some();
                let nanos = frac
                    .map(|f| {
                        if f.len() > 9 {
                            // Refused by the checker rather than cut to nanoseconds.
                            return crate::time::BEYOND_NANOSECONDS;
                        }
                        let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
                        digits.parse::<u32>().unwrap_or(0)
                    })
                    .unwrap_or(0);
                time = Some((h, m, sec.unwrap_or(0), nanos));
            }
            Rule::offset_lit => {
                let s = part.as_str();
                offset = Some(if s == "Z" {
                    0
                } else {
                    let sign = if s.starts_with('-') { -1 } else { 1 };
                    let body = s.get(1..).unwrap_or("00:00");
                    let mut it = body.split(':').map(|p| p.parse::<i32>().unwrap_or(0));
                    sign * (it.next().unwrap_or(0) * 3600 + it.next().unwrap_or(0) * 60)
                });
            }
            _ => {}
        }
    }
    Ok(TimestampLit {
        year,
        month,
        day,
        time,
        seconds_written,
        offset,
        text: raw,
    })
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::panic,
        reason = "a test stops at its first surprise: `panic!` with the value found says plainly what went wrong"
    )]

    use super::*;

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
