//! Hover: what a name is, and what a keyword means.
//!
//! A name shows its kind, its type and unit (as the checker sees them), and its declaration;
//! then what the compiled campaign knows of it: a window's first and last instants in the
//! campaign's time zone, a period range's periods, a parameter's default, and a reward's
//! rounding, caps and budget.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::analysis::{Analysis, CampaignView};
use super::document::{Lexical, lexical_at, word_at};
use crate::check::names::{Symbol, SymbolKind};
use crate::diagnostics::Span;
use crate::program::{Const, Ir, Program, Window};
use crate::syntax::ast::{self, Item, Modifier};
use crate::syntax::keywords::Surface;

/// The longest declaration shown, in lines.
const MAX_DECLARATION_LINES: usize = 12;

/// The hover at a byte offset of a checked document.
pub fn hover(a: &Analysis, offset: usize) -> Option<Hover> {
    let view = a.campaign.as_ref()?;
    let (markdown, span) = match view.names.at(offset) {
        Some((symbol, span)) => (describe(symbol, view, &a.text), span),
        None => keyword(&a.text, offset)?,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(a.index.range(&a.text, span)),
    })
}

/// The text of a span, or nothing when it is not in the text.
fn slice(text: &str, span: Span) -> &str {
    text.get(span.start..span.end).unwrap_or("")
}

/// A declaration as a fenced block, cut after a few lines.
fn declaration(text: &str, span: Span) -> String {
    let body = slice(text, span);
    let mut lines: Vec<&str> = body.lines().take(MAX_DECLARATION_LINES + 1).collect();
    let cut = lines.len() > MAX_DECLARATION_LINES;
    lines.truncate(MAX_DECLARATION_LINES);
    // Lines after the first keep their indentation relative to the first.
    let line_start = text.get(..span.start).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
    let lead = text.get(line_start..span.start).unwrap_or("");
    let indent = if lead.trim().is_empty() { lead.len() } else { 0 };
    let mut out = String::from("```campaign\n");
    for (i, line) in lines.iter().enumerate() {
        let blank = line.len() - line.trim_start().len();
        out.push_str(if i == 0 {
            line
        } else {
            line.get(indent.min(blank)..).unwrap_or(line)
        });
        out.push('\n');
    }
    if cut {
        out.push_str("...\n");
    }
    out.push_str("```");
    out
}

/// The markdown shown for a name.
fn describe(symbol: &Symbol, view: &CampaignView, text: &str) -> String {
    let item = view.ast.as_ref().and_then(|c| item_named(c, symbol));
    // A fee is declared as a reward is, in its own word.
    let kind = match item {
        Some(Item::Reward(r)) => view
            .ast
            .as_ref()
            .map_or(Surface::English, |c| c.surface)
            .spell(r.kind.keyword()),
        _ => symbol.kind.describe(),
    };
    let mut head = format!("**{kind}** `{}`", symbol.name);
    if let Some(scope) = &symbol.scope {
        head.push_str(&format!(" of `{scope}`"));
    }
    if let Some(detail) = symbol.detail.as_ref().filter(|d| *d != symbol.kind.describe()) {
        head.push_str(&format!(": `{detail}`"));
    }
    let mut parts = vec![head, declaration(text, symbol.declaration)];
    let program = view.program.as_ref();
    let extra = match (symbol.kind, item) {
        (SymbolKind::Window, _) => program.and_then(|p| window_instants(p, &symbol.name)),
        (SymbolKind::Periods, _) => program.and_then(|p| periods(p, &symbol.name)),
        (SymbolKind::Parameter, Some(Item::Parameter(p))) => Some(format!(
            "default: `{}` (another value with `--param {}=VALUE`, or `with {} = VALUE` in a test)",
            slice(text, p.default.span),
            symbol.name,
            symbol.name
        )),
        (SymbolKind::Reward, Some(Item::Reward(r))) => Some(modifiers(
            &r.modifiers,
            program.and_then(|p| reward_rounding(p, &symbol.name)),
            text,
            true,
        )),
        (SymbolKind::Value, Some(Item::Value(v))) if !v.modifiers.is_empty() => {
            Some(modifiers(&v.modifiers, None, text, false))
        }
        _ => None,
    };
    parts.extend(extra);
    parts.join("\n\n")
}

/// The top-level item that declares a symbol.
fn item_named<'c>(campaign: &'c ast::Campaign, symbol: &Symbol) -> Option<&'c Item> {
    campaign.items.iter().find(|item| {
        let name = match item {
            Item::Parameter(p) => &p.name,
            Item::Window(w) => &w.name,
            Item::Periods(p) => &p.name,
            Item::Value(v) => &v.name,
            Item::Reward(r) => &r.name,
            _ => return false,
        };
        name.span == symbol.name_span
    })
}

/// A constant window's instants in the campaign's time zone.
fn window_instants(program: &Program, name: &str) -> Option<String> {
    let definition = program.definitions.iter().find(|d| d.name == name)?;
    let Ir::Const(Const::Window(window)) = &definition.expr else {
        return Some("computed for each record (it depends on a fact or a value)".into());
    };
    Some(window_text(program, window))
}

fn window_text(program: &Program, w: &Window) -> String {
    let zone = program.timezone;
    let at = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S %:z").to_string();
    let end = if w.end_inclusive { "included" } else { "excluded" };
    format!(
        "- from `{}` (included)\n- to `{}` ({end})\n\nin {}",
        at(w.start),
        at(w.end),
        zone.name()
    )
}

/// A period range's periods and the time they cover.
fn periods(program: &Program, name: &str) -> Option<String> {
    let range = program.periods.iter().find(|r| r.name == name)?;
    let (first, last) = (range.periods.first()?, range.periods.last()?);
    let n = range.periods.len();
    let unit = range.unit.word();
    let covered = Window {
        start: first.window.start,
        end: last.window.end,
        end_inclusive: last.window.end_inclusive,
    };
    Some(format!(
        "{n} {unit}{}: `{}` to `{}`\n\n{}",
        if n == 1 { "" } else { "s" },
        first.key,
        last.key,
        window_text(program, &covered)
    ))
}

/// A reward's rounding as the compiled campaign applies it (mode and step).
fn reward_rounding(program: &Program, name: &str) -> Option<String> {
    let reward = program.rewards.iter().find(|r| r.name == name)?;
    let (mode, step) = reward.adjust.rounding?;
    Some(format!(
        "rounded {} to {} {}",
        mode.words(),
        step.normalize(),
        reward.unit.name
    ))
}

/// The rounding, caps and budget of a reward or value, each as written.
fn modifiers(list: &[Modifier], rounding: Option<String>, text: &str, reward: bool) -> String {
    let written = |f: fn(&Modifier) -> bool| -> Vec<String> {
        list.iter()
            .filter(|m| f(m))
            .map(|m| format!("`{}`", slice(text, m.span())))
            .collect()
    };
    let mut lines = Vec::new();
    let rounded = written(|m| matches!(m, Modifier::Rounded { .. }));
    match (rounding, rounded.is_empty()) {
        (Some(r), _) => lines.push(format!("- rounding: `{r}`")),
        (None, false) => lines.push(format!("- rounding: {}", rounded.join(", "))),
        (None, true) => lines.push("- rounding: none".into()),
    }
    let caps = written(|m| matches!(m, Modifier::AtMost(..) | Modifier::AtLeast(..)));
    lines.push(match caps.is_empty() {
        true => "- caps: none".into(),
        false => format!("- caps: {}", caps.join(", ")),
    });
    if reward {
        let budget = written(|m| matches!(m, Modifier::Budget(_)));
        lines.push(match budget.is_empty() {
            true => "- budget: none".into(),
            false => format!("- budget: {}", budget.join(", ")),
        });
        let paid = written(|m| matches!(m, Modifier::Paid(..) | Modifier::Expires(..)));
        if !paid.is_empty() {
            lines.push(format!("- payment: {}", paid.join(", ")));
        }
    }
    lines.join("\n")
}

/// What the keywords of the language mean, in a line each.
const KEYWORDS: &[(&str, &str)] = &[
    (
        "campaign",
        "`campaign \"NAME\" { ... }`: one campaign: its facts, conditions and rewards.",
    ),
    (
        "timezone",
        "`timezone Asia/Shanghai`: the time zone of the campaign's dates and calendar periods.",
    ),
    ("source", "`source \"...\"`: where the announcement was published."),
    ("note", "`note \"...\"`: a note for the people who read the campaign."),
    (
        "unit",
        "`unit points`: a unit of the campaign's rewards; `, precision 0.01` sets the smallest step paid.",
    ),
    (
        "parameter",
        "`parameter NAME: TYPE = DEFAULT`: a value that `--param NAME=VALUE` can change.",
    ),
    (
        "window",
        "`window NAME = START .. END`: a span of time; `..` leaves the end out, `through` keeps it.",
    ),
    (
        "periods",
        "`periods NAME = months A through B` (or `weeks`, `days`, `years`): calendar periods, for values and rewards settled per period.",
    ),
    (
        "facts",
        "`facts { ... }`: what each merchant's record holds, with its type.",
    ),
    (
        "optional",
        "`, optional`: the fact may be missing or `null`; its uses must say what unknown means.",
    ),
    ("value", "`value NAME = ...`: a computed value, shown in the results."),
    (
        "let",
        "`let NAME = ...`: a computed value used inside the campaign, not shown in the results.",
    ),
    (
        "eligible",
        "`eligible when { CONDITION \"REASON\" ... }`: every condition must hold; a merchant who fails one is told its reason.",
    ),
    (
        "when",
        "`eligible when { ... }`: the conditions for taking part; `reward NAME = ... when { ... }`: those of one reward alone.",
    ),
    (
        "if",
        "`if C then A else B`: `A` when `C` holds, else `B` (unknown when `C` is); `x if unknown v`: `v` when `x` is unknown.",
    ),
    (
        "then",
        "`if C then A else B`: the value when `C` holds; `then by`: the next key of a ranking.",
    ),
    (
        "else",
        "`if C then A else B`: the value when `C` does not hold; `else if` chains further choices.",
    ),
    (
        "earned",
        "`reward is earned`: whether a reward written above is paid (eligible, its own conditions met, more than 0).",
    ),
    (
        "reward",
        "`reward NAME = AMOUNT, rounded ..., at most ...`: what an eligible merchant is paid.",
    ),
    (
        "rounded",
        "`rounded down` / `up` / `half up` / `half even` [`to STEP`]: how a payable amount is rounded.",
    ),
    (
        "budget",
        "`budget AMOUNT [per month of T], first come first served by T [, split pro rata per day]` or `..., split pro rata` / `split equally`: a shared pot, served in order or split.",
    ),
    (
        "band",
        "`band of x { A .. B -> v ... }`: the band `x` falls in decides the whole value.",
    ),
    (
        "marginal",
        "`marginal of x { A .. B -> rate ... }`: each band's rate applies to the part of `x` inside it.",
    ),
    (
        "lookup",
        "`lookup key { \"a\" -> v ... otherwise -> w }`: one value per key.",
    ),
    (
        "otherwise",
        "`otherwise -> v`: the value of a lookup for every other key.",
    ),
    (
        "rank",
        "`rank by x descending, then by y within g`: the record's place among the records of an evaluation.",
    ),
    (
        "within",
        "`within g and h`: records are ranked among those with the same values of `g` and `h`.",
    ),
    (
        "through",
        "`A through B`: a range that includes its end (a bare date includes the whole day).",
    ),
    (
        "of",
        "`sum of list.field`, `let x of list = ...`: over, or for each of, the items of a list.",
    ),
    (
        "per",
        "`per month in RANGE`: computed once for each period of a period range; `per item of LIST` (a reward or fee): computed and rounded for each item of a list.",
    ),
    (
        "where",
        "`list where condition`: the items of a list for which the condition holds.",
    ),
    (
        "unknown",
        "`x if unknown v`: `v` when `x` is unknown; `x is unknown`: whether it is.",
    ),
    ("known", "`x is known`: whether `x` has a value."),
    (
        "waitlisted",
        "`reward is waitlisted`: whether the budget ran out before the record was served.",
    ),
    ("as", "`x as points`: the same amount in another unit."),
    (
        "paid",
        "`paid 90% on T1 and 10% on T2`: the reward is paid in parts, on those dates.",
    ),
    ("expires", "`expires T`: when the reward stops being usable."),
    (
        "sum",
        "`sum of list.field [where ...]`: the total over the items of a list.",
    ),
    (
        "count",
        "`count of list [where ...]`: how many items; also the type of whole numbers.",
    ),
    (
        "average",
        "`average of list.field`: the mean over the items of a list (unknown for an empty list).",
    ),
    ("distinct", "`distinct count of list.field`: how many different values."),
    (
        "any",
        "`any of list where ...`: whether some item satisfies the condition.",
    ),
    (
        "all",
        "`all of list where ...`: whether every item satisfies the condition.",
    ),
];

/// The hover of a keyword under the cursor, outside texts and comments.
fn keyword(text: &str, offset: usize) -> Option<(String, Span)> {
    if lexical_at(text, offset) != Lexical::Code {
        return None;
    }
    let span = word_at(text, offset)?;
    let word = slice(text, span);
    let (_, meaning) = KEYWORDS.iter().find(|(k, _)| *k == word)?;
    Some(((*meaning).to_string(), span))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_fenced_and_cut() {
        let text = "  value x = a\n    + b\n      + c";
        let shown = declaration(text, Span::new(2, text.len()));
        assert_eq!(shown, "```campaign\nvalue x = a\n  + b\n    + c\n```");
        let long: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let shown = declaration(&long, Span::new(0, long.len()));
        assert!(shown.contains("line 11\n...\n```"), "{shown}");
        assert!(!shown.contains("line 12"));
    }

    #[test]
    fn keywords_have_a_meaning_outside_texts_and_comments() {
        let text = "reward x = 1 \"reward\" # reward";
        let (meaning, span) = keyword(text, 2).unwrap();
        assert!(meaning.contains("what an eligible merchant is paid"));
        assert_eq!(span, Span::new(0, 6));
        assert_eq!(keyword(text, text.find("reward\"").unwrap() + 1), None);
        assert_eq!(keyword(text, text.rfind("reward").unwrap() + 1), None);
        assert_eq!(keyword(text, text.find('x').unwrap()), None, "a name is not a keyword");
    }

    #[test]
    fn modifiers_are_listed_with_none_where_missing() {
        let shown = modifiers(&[], None, "", true);
        assert_eq!(shown, "- rounding: none\n- caps: none\n- budget: none");
    }
}
