//! pest's errors in the words of the language: what was expected, named as an author would
//! name it, with the slips that most often cause a syntax error (full-width punctuation, a
//! keyword glued to a name, a missing `}`) said plainly. Separate from building the tree,
//! which runs only once the text has parsed.

use pest::error::{ErrorVariant, InputLocation};
use rust_decimal::Decimal;

use super::Rule;
use crate::diagnostics::{Code, Diagnostic, Fix};
use crate::syntax::ast::*;
use crate::syntax::{keywords, scan};

pub(super) fn convert_error(text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
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
pub(super) fn unclosed_brace(text: &str) -> Option<usize> {
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

pub(super) fn next_token_end(text: &str, pos: usize) -> usize {
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

/// The words that name each rule in an "expected ..." message: the first entry that lists the
/// rule names it; a rule listed nowhere is not named.
const FRIENDLY: &[(&[Rule], &str)] = &[
    (&[Rule::campaign, Rule::kw_campaign], "`campaign \"name\" {`"),
    (&[Rule::EOI], "the end of the file"),
    (
        &[
            Rule::timezone_item,
            Rule::source_item,
            Rule::note_item,
            Rule::unit_item,
            Rule::parameter_item,
            Rule::window_item,
            Rule::periods_item,
            Rule::facts_item,
            Rule::value_item,
            Rule::eligible_item,
            Rule::reward_item,
            Rule::kw_timezone,
            Rule::kw_source,
            Rule::kw_note,
            Rule::kw_unit,
            Rule::kw_parameter,
            Rule::kw_window,
            Rule::kw_periods,
            Rule::kw_facts,
            Rule::kw_value,
            Rule::kw_let,
            Rule::kw_eligible,
            Rule::kw_reward,
            Rule::value_kw,
        ],
        "an item",
    ),
    (&[Rule::zone_name], "a time zone name such as `Asia/Shanghai`"),
    (&[Rule::string, Rule::string_inner], "a text in quotes"),
    (&[Rule::ident, Rule::path], "a name"),
    (&[Rule::call_name], "a function name"),
    (&[Rule::field_decl], "a fact declaration such as `store_score: decimal`"),
    (
        &[
            Rule::fact_type,
            Rule::simple_type,
            Rule::money_type,
            Rule::quantity_type,
            Rule::enum_type,
            Rule::list_type,
            Rule::kw_text,
            Rule::kw_bool,
            Rule::kw_count,
            Rule::kw_decimal,
            Rule::kw_fraction,
            Rule::kw_timestamp,
            Rule::kw_duration,
            Rule::kw_money,
            Rule::kw_quantity,
            Rule::kw_one_of,
            Rule::kw_list_of,
        ],
        "a fact type",
    ),
    (&[Rule::optional_mark, Rule::kw_optional], "`optional`"),
    (&[Rule::condition], "a condition"),
    (
        &[
            Rule::expr,
            Rule::expr_no_where,
            Rule::or_expr,
            Rule::and_expr,
            Rule::not_expr,
            Rule::unknown_expr,
            Rule::compare_expr,
            Rule::as_expr,
            Rule::add_expr,
            Rule::mul_expr,
            Rule::unary_expr,
            Rule::postfix_expr,
            Rule::paren,
            Rule::aggregate,
            Rule::call,
            Rule::set_lit,
            Rule::bool_lit,
            Rule::number,
            Rule::quantity_lit,
            Rule::percent_lit,
            Rule::timestamp_lit,
            Rule::agg_op,
            Rule::kw_true,
            Rule::kw_false,
            Rule::kw_sum,
            Rule::kw_min,
            Rule::kw_max,
            Rule::kw_any,
            Rule::kw_all,
            Rule::kw_average,
            Rule::kw_count_distinct,
            Rule::neg_op,
            Rule::reserved_word,
            Rule::kw_not,
        ],
        "a value",
    ),
    (&[Rule::date_lit], "a date such as `2024-08-16`"),
    (
        &[Rule::month_lit, Rule::year_lit, Rule::period_bound],
        "a month such as `2022-12` or a date",
    ),
    (&[Rule::time_lit], "a time such as `15:00`"),
    (&[Rule::offset_lit], "an offset such as `+08:00`"),
    (&[Rule::unit_word], "a unit"),
    (
        &[
            Rule::cmp_op,
            Rule::add_op,
            Rule::mul_op,
            Rule::kw_and,
            Rule::kw_or,
            Rule::kw_where,
            Rule::kw_in,
            Rule::kw_is,
            Rule::kw_if_unknown,
            Rule::kw_as,
            Rule::cmp_tail,
            Rule::in_tail,
            Rule::not_in_tail,
            Rule::is_known,
            Rule::is_unknown,
            Rule::is_waitlisted,
            Rule::is_earned,
        ],
        "an operator",
    ),
    (&[Rule::range_op, Rule::kw_through], "`..` or `through`"),
    (
        &[Rule::window_range],
        "a range such as `2024-08-16 15:00 .. 2024-08-28 24:00`",
    ),
    (
        &[
            Rule::period_unit,
            Rule::kw_months,
            Rule::kw_weeks,
            Rule::kw_days,
            Rule::kw_years,
        ],
        "`months`, `weeks`, `days` or `years`",
    ),
    (
        &[Rule::period_unit_single, Rule::kw_month, Rule::kw_week, Rule::kw_day],
        "`month`, `week` or `day`",
    ),
    (&[Rule::of_scope, Rule::kw_of], "`of`"),
    (&[Rule::per_scope, Rule::kw_per], "`per`"),
    (&[Rule::per_item_scope, Rule::kw_item], "`per item of`"),
    (&[Rule::rounding, Rule::kw_rounded], "`rounded`"),
    (
        &[
            Rule::rounding_mode,
            Rule::kw_half_up,
            Rule::kw_half_even,
            Rule::kw_half_down,
            Rule::kw_down,
            Rule::kw_up,
        ],
        "a rounding mode (`down`, `up`, `half up`, `half even`, `half down`)",
    ),
    (&[Rule::kw_to], "`to`"),
    (&[Rule::at_most, Rule::kw_at_most], "`at most`"),
    (&[Rule::at_least, Rule::kw_at_least], "`at least`"),
    (&[Rule::budget, Rule::kw_budget], "`budget`"),
    (&[Rule::budget_amount], "the budget's amount"),
    (&[Rule::payout, Rule::kw_paid], "`paid`"),
    (&[Rule::payout_part], "a part such as `90% on 2024-10-01`"),
    (&[Rule::kw_on], "`on`"),
    (&[Rule::expiry, Rule::kw_expires], "`expires`"),
    (
        &[Rule::budget_scope, Rule::kw_in_total],
        "`per month of ...` or `in total`",
    ),
    (&[Rule::kw_first_come], "`first come first served`"),
    (
        &[
            Rule::budget_split,
            Rule::budget_last_split,
            Rule::kw_split_pro_rata,
            Rule::kw_split_equally,
        ],
        "`split pro rata` or `split equally`",
    ),
    (&[Rule::kw_by], "`by`"),
    (
        &[Rule::order_dir, Rule::kw_ascending, Rule::kw_descending],
        "`ascending` or `descending`",
    ),
    (&[Rule::kw_when], "`when`"),
    (&[Rule::kw_precision], "`precision`"),
    (
        &[Rule::kw_known, Rule::kw_unknown, Rule::kw_waitlisted, Rule::kw_earned],
        "`known`, `unknown`, `waitlisted` or `earned`",
    ),
    (&[Rule::value_scope], "`of` or `per`"),
    (&[Rule::lookup_table, Rule::kw_lookup], "a value"),
    (&[Rule::rank_expr, Rule::kw_rank], "a value"),
    (&[Rule::rank_key], "what to rank by"),
    (
        &[
            Rule::ordered_expr,
            Rule::running_head,
            Rule::portion_head,
            Rule::previous_head,
            Rule::kw_running_sum,
            Rule::kw_portion_of,
            Rule::kw_previous,
        ],
        "a value",
    ),
    (&[Rule::ordered_filter], "`where`"),
    (&[Rule::balance_expr, Rule::kw_balance_of], "a value"),
    (&[Rule::kw_applied_to], "`applied to` and the fee of each item"),
    (&[Rule::balance_expiry, Rule::kw_expiring_after], "`expiring after`"),
    (&[Rule::balance_months], "a whole number of months (at least 1)"),
    (&[Rule::balance_loss, Rule::kw_lost_at], "`lost at`"),
    (&[Rule::kw_within_first], "`within first`"),
    (&[Rule::kw_ordered_by], "`ordered by` and what to order by"),
    (&[Rule::top_expr, Rule::kw_top], "a value"),
    (&[Rule::top_measure], "`sum of` or `count`"),
    (&[Rule::kw_then], "`then`"),
    (&[Rule::if_expr, Rule::kw_if], "a value"),
    (&[Rule::kw_else], "`else`"),
    (&[Rule::reward_gate], "`when {`"),
    (&[Rule::kw_within], "`within`"),
    (&[Rule::lookup_subject], "the key to look up"),
    (
        &[
            Rule::lookup_row,
            Rule::lookup_key,
            Rule::key_literal,
            Rule::kw_otherwise,
        ],
        "a row such as `\"文娱\" -> 2%` or `otherwise -> 0%`",
    ),
    (
        &[Rule::tier_table, Rule::tier_kind, Rule::kw_band, Rule::kw_marginal],
        "a value",
    ),
    (
        &[Rule::tier_row, Rule::tier_start, Rule::tier_end],
        "a band such as `0 CNY .. 10000 CNY -> 1%`",
    ),
];

/// The words that name `rule` in an "expected ..." message (see [`FRIENDLY`]).
fn friendly(rule: Rule) -> Option<&'static str> {
    FRIENDLY
        .iter()
        .find(|(rules, _)| rules.contains(&rule))
        .map(|(_, words)| *words)
}
