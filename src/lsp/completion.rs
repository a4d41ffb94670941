//! Completion: the names in scope with their types and units, keywords, functions, and a
//! snippet for each construct of the language.
//!
//! Completion answers from the current text and the latest check that knew the campaign's
//! names, so that it works while the line being typed does not parse yet. After `list.`, only
//! the fields of that list are offered.

use lsp_types::{CompletionItem, CompletionItemKind, CompletionResponse, InsertTextFormat};

use super::analysis::Analysis;
use super::document::{DocKind, Document, Lexical, is_name_char, lexical_at};
use crate::check::names::{Symbol, SymbolKind};
use crate::program::{Func, PeriodFunc, PoolStat};
use crate::syntax::keywords::Surface;
use crate::syntax::{phrase_in, surface_of_text};

/// The completions at a byte offset of a document.
pub fn complete(doc: &Document, offset: usize, names: Option<&Analysis>) -> Option<CompletionResponse> {
    if lexical_at(&doc.text, offset) != Lexical::Code {
        return None;
    }
    let items = match doc.kind {
        DocKind::Tests => tests_items(&doc.text),
        DocKind::Campaign => {
            let symbols = names
                .and_then(|a| a.campaign.as_ref())
                .map(|c| c.names.symbols())
                .unwrap_or(&[]);
            match receiver(&doc.text, offset) {
                Some(list) => fields_of(symbols, &list),
                None => campaign_items(symbols, surface_of_text(&doc.text)),
            }
        }
    };
    Some(CompletionResponse::Array(items))
}

/// The name before a `.` that precedes the word being typed: `sales.g|` gives `sales`.
fn receiver(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..super::document::floor_char_boundary(text, offset))?;
    let word_start = before.trim_end_matches(is_name_char);
    let before_dot = word_start.strip_suffix('.')?;
    let list = before_dot.get(before_dot.trim_end_matches(is_name_char).len()..)?;
    let starts_a_name = list.chars().next().is_some_and(|c| !c.is_numeric());
    starts_a_name.then(|| list.to_string())
}

/// The fields of the items of a list, and its per-item values: the symbols whose scope is the
/// list's path or ends with `.list`.
fn fields_of(symbols: &[Symbol], list: &str) -> Vec<CompletionItem> {
    let in_list = |s: &Symbol| {
        s.scope
            .as_deref()
            .is_some_and(|scope| scope == list || scope.ends_with(&format!(".{list}")))
    };
    let mut items: Vec<CompletionItem> = Vec::new();
    for s in symbols.iter().filter(|s| in_list(s)) {
        if !items.iter().any(|i| i.label == s.name) {
            items.push(name_item(s, "0"));
        }
    }
    items
}

fn kind_of(kind: SymbolKind) -> CompletionItemKind {
    match kind {
        SymbolKind::Fact => CompletionItemKind::FIELD,
        SymbolKind::ListField | SymbolKind::ItemField => CompletionItemKind::PROPERTY,
        SymbolKind::Value => CompletionItemKind::VARIABLE,
        SymbolKind::Window | SymbolKind::Periods => CompletionItemKind::EVENT,
        SymbolKind::Parameter => CompletionItemKind::CONSTANT,
        SymbolKind::Reward => CompletionItemKind::VALUE,
        SymbolKind::Unit => CompletionItemKind::UNIT,
    }
}

/// A name as a completion: its kind, type and unit as details.
fn name_item(s: &Symbol, rank: &str) -> CompletionItem {
    let mut detail = s.kind.describe().to_string();
    if let Some(scope) = &s.scope {
        detail.push_str(&format!(" of {scope}"));
    }
    if let Some(d) = &s.detail {
        detail.push_str(&format!(": {d}"));
    }
    CompletionItem {
        label: s.name.clone(),
        kind: Some(kind_of(s.kind)),
        detail: Some(detail),
        sort_text: Some(format!("{rank}{}", s.name)),
        ..CompletionItem::default()
    }
}

fn campaign_items(symbols: &[Symbol], surface: Surface) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = Vec::new();
    // Top-level names first, then the fields of lists (in scope inside `where`, `of` and
    // per-item values), each name once.
    for s in symbols
        .iter()
        .filter(|s| s.scope.is_none())
        .chain(symbols.iter().filter(|s| s.scope.is_some()))
    {
        if items.iter().any(|i| i.label == s.name) {
            continue;
        }
        let rank = if s.scope.is_none() { "0" } else { "1" };
        items.push(name_item(s, rank));
    }
    for (_, name, arity) in Func::ALL {
        let args: Vec<String> = (1..=*arity).map(|i| format!("${{{i}}}")).collect();
        items.push(CompletionItem {
            label: (*name).to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(format!(
                "function of {arity} argument{}",
                if *arity == 1 { "" } else { "s" }
            )),
            insert_text: Some(format!("{name}({})", args.join(", "))),
            insert_text_format: Some(InsertTextFormat::SNIPPET),
            sort_text: Some(format!("2{name}")),
            ..CompletionItem::default()
        });
    }
    for (_, name, arity) in PeriodFunc::ALL {
        let args: Vec<String> = (1..=*arity).map(|i| format!("${{{i}}}")).collect();
        items.push(CompletionItem {
            label: (*name).to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some("function of the current period (per-period values and rewards)".to_string()),
            insert_text: Some(format!("{name}({})", args.join(", "))),
            insert_text_format: Some(InsertTextFormat::SNIPPET),
            sort_text: Some(format!("2{name}")),
            ..CompletionItem::default()
        });
    }
    for (_, name) in PoolStat::ALL {
        items.push(CompletionItem {
            label: (*name).to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some("what a reward's budget group claimed (values only)".to_string()),
            insert_text: Some(format!("{name}(${{1:reward}})")),
            insert_text_format: Some(InsertTextFormat::SNIPPET),
            sort_text: Some(format!("2{name}")),
            ..CompletionItem::default()
        });
    }
    // The keywords and snippets of the file's own keyword set (docs/language.zh.md).
    items.extend(KEYWORDS.iter().map(|k| keyword_item(&phrase_in(k, surface))));
    items.extend(
        SNIPPETS
            .iter()
            .map(|(label, detail, body)| snippet_item(&phrase_in(label, surface), detail, &phrase_in(body, surface))),
    );
    items
}

fn keyword_item(word: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        sort_text: Some(format!("3{word}")),
        ..CompletionItem::default()
    }
}

fn snippet_item(label: &str, detail: &str, body: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        detail: Some(detail.to_string()),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        sort_text: Some(format!("4{label}")),
        ..CompletionItem::default()
    }
}

/// The words and snippets of a `.tests` file, in the file's keyword set.
fn tests_items(text: &str) -> Vec<CompletionItem> {
    let surface = tests_surface(text);
    // Written with English keywords; spelt in the file's set as a message about it would be.
    let spelt = |english: &str| {
        let quoted = crate::testing::keywords::in_file_words(&format!("`{english}`"), surface);
        quoted.trim_matches('`').to_string()
    };
    let mut items: Vec<CompletionItem> = TESTS_KEYWORDS.iter().map(|k| keyword_item(&spelt(k))).collect();
    items.extend(
        TESTS_SNIPPETS
            .iter()
            .map(|(label, detail, body)| snippet_item(&spelt(label), detail, &spelt(body))),
    );
    items
}

/// The keyword set of a `.tests` file: that of the first line that starts with a statement's
/// keyword (English for a file without one yet).
fn tests_surface(text: &str) -> Surface {
    use crate::testing::keywords::{STATEMENTS, Word};
    text.lines()
        .find_map(|line| {
            let word: String = line
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            Word::of_written(&word, STATEMENTS).map(|(_, surface)| surface)
        })
        .unwrap_or(Surface::English)
}

/// The words of the language.
const KEYWORDS: &[&str] = &[
    "campaign",
    "timezone",
    "source",
    "note",
    "unit",
    "precision",
    "parameter",
    "window",
    "periods",
    "months",
    "weeks",
    "days",
    "years",
    "month",
    "week",
    "day",
    "through",
    "facts",
    "optional",
    "text",
    "bool",
    "count",
    "decimal",
    "fraction",
    "timestamp",
    "duration",
    "money",
    "quantity",
    "one of",
    "list of",
    "value",
    "let",
    "of",
    "per",
    "in",
    "in total",
    "eligible when",
    "reward",
    "fee",
    "rounded down",
    "rounded up",
    "rounded half up",
    "rounded half down",
    "rounded half even",
    "to",
    "at most",
    "at least",
    "budget",
    "first come first served by",
    "split pro rata",
    "split equally",
    "ascending",
    "descending",
    "where",
    "and",
    "or",
    "not",
    "is known",
    "is unknown",
    "is waitlisted",
    "is earned",
    "if unknown",
    "if",
    "then",
    "else",
    "else if",
    "when",
    "as",
    "true",
    "false",
    "sum of",
    "count of",
    "distinct count of",
    "min of",
    "max of",
    "average of",
    "any of",
    "all of",
    "paid",
    "on",
    "expires",
    "rank by",
    "then by",
    "within",
    "lookup",
    "otherwise",
    "band of",
    "marginal of",
    "running sum of",
    "portion of",
    "within first",
    "previous",
    "ordered by",
    "top",
    "by sum of",
    "by count",
    "balance of",
    "applied to",
    "expiring after",
    "lost at",
    "per item of",
];

/// A snippet for each construct: its label, a description, and its body.
const SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "campaign",
        "a campaign skeleton",
        "campaign \"${1:name}\" {\n  timezone ${2:Asia/Shanghai}\n  unit ${3:points}\n\n  facts {\n    ${4:gmv}: ${5:money CNY}\n  }\n\n  eligible when {\n    ${6:gmv ≥ 10000 CNY}  \"${7:reason}\"\n  }\n\n  reward ${8:bonus} = ${9:gmv × 1% as points}, rounded ${10:down}\n}\n",
    ),
    (
        "facts",
        "a facts block",
        "facts {\n  ${1:name}: ${2:decimal}${3:, optional}\n}",
    ),
    (
        "facts list of",
        "a list fact",
        "${1:sales}: list of {\n  ${2:at}: ${3:timestamp}\n  ${4:gmv}: ${5:money CNY}\n}",
    ),
    (
        "window",
        "a window of time",
        "window ${1:name} = ${2:2024-08-16 15:00} .. ${3:2024-08-28 24:00}",
    ),
    (
        "periods",
        "calendar periods",
        "periods ${1:settlement} = ${2|months,weeks,days,years|} ${3:2024-01} through ${4:2024-06}",
    ),
    ("value", "a value shown in results", "value ${1:name} = ${2:expression}"),
    ("let", "an internal value", "let ${1:name} = ${2:expression}"),
    (
        "let of",
        "a value per item of a list",
        "let ${1:name} of ${2:list} = ${3:expression}",
    ),
    (
        "let per",
        "a value per period",
        "let ${1:name} per ${2:month} in ${3:settlement} = ${4:sum of orders.amount where paid_at in month}",
    ),
    (
        "eligible when",
        "conditions with their reasons",
        "eligible when {\n  ${1:condition}  \"${2:reason shown to merchants}\"\n}",
    ),
    (
        "reward",
        "a reward with rounding and a cap",
        "reward ${1:name} = ${2:amount}, rounded ${3|down,up,half up,half even|}, at most ${4:cap}",
    ),
    (
        "fee",
        "a fee owed, with rounding and a cap",
        "fee ${1:name} = ${2:amount}, rounded ${3|down,up,half up,half even|}, at most ${4:cap}",
    ),
    (
        "fee per item",
        "a fee computed and rounded for each item of a list",
        "fee ${1:name} per item of ${2:orders} = ${3:amount × 15%}, rounded ${4|half up,down,up,half even|}",
    ),
    (
        "budget",
        "a shared budget, first come first served",
        "budget ${1:amount} per ${2|month,week,day|} of ${3:applied_at}, first come first served by ${4:applied_at}",
    ),
    (
        "budget",
        "a pool shared by every claim",
        "budget ${1:amount} in total, split ${2|pro rata,equally|}",
    ),
    (
        "band of",
        "whole-amount tiers",
        "band of ${1:gmv} {\n  ${2:0 CNY} .. ${3:10000 CNY}  -> ${4:0%}\n  ${3:10000 CNY} ..  -> ${5:1%}\n}",
    ),
    (
        "marginal of",
        "progressive tiers",
        "marginal of ${1:gmv} {\n  ${2:0 CNY} .. ${3:10000 CNY}  -> ${4:0%}\n  ${3:10000 CNY} ..  -> ${5:1%}\n}",
    ),
    (
        "lookup",
        "one value per key",
        "lookup ${1:key} {\n  \"${2:a}\" -> ${3:value}\n  otherwise -> ${4:value}\n}",
    ),
    (
        "rank by",
        "a ranking",
        "rank by ${1:gmv} descending${2:, then by ${3:joined_at}}${4: within ${5:industry}}",
    ),
    (
        "running sum of",
        "the total of the items before, in a declared order (in a per-item field)",
        "running sum of ${1:net_gmv} ordered by ${2:created_at}",
    ),
    (
        "portion of",
        "the part of an item's amount within the first N of the running total (in a per-item field)",
        "portion of ${1:net_gmv} within first ${2:1000000 CNY} ordered by ${3:created_at}",
    ),
    (
        "top",
        "the key whose group of a list's items has the highest total",
        "top ${1:category} of ${2:orders} by sum of ${3:net_gmv}",
    ),
    (
        "balance of",
        "a credit carried from month to month, spent on the next months' fees before cash (a per-month definition)",
        "balance of ${1:monthly_credit}\n  applied to ${2:orders}.${3:commission} ordered by ${4:settled_at}\n  expiring after ${5:3} months\n  lost at ${6:left_at}",
    ),
    ("parameter", "a parameter", "parameter ${1:name}: ${2:count} = ${3:1}"),
    ("if unknown", "what unknown means", "if unknown ${1|false,true,0|}"),
    (
        "if then else",
        "a choice",
        "if ${1:condition} then ${2:value} else ${3:value}",
    ),
    (
        "when",
        "the conditions of one reward, with their reasons",
        "when {\n  ${1:condition}  \"${2:reason shown to merchants}\"\n}",
    ),
];

/// The words of a `.tests` file.
const TESTS_KEYWORDS: &[&str] = &[
    "case",
    "table",
    "facts",
    "with",
    "expect",
    "eligible",
    "not eligible",
    "reason",
    "reasons",
    "error",
    "missing",
    "null",
    "true",
    "false",
];

/// The snippets of a `.tests` file.
const TESTS_SNIPPETS: &[(&str, &str, &str)] = &[
    (
        "case",
        "a test case",
        "case \"${1:what it checks}\" {\n  facts {${2:\"gmv\": \"10000\"}}\n  expect ${3:eligible}\n}",
    ),
    (
        "table",
        "a table of cases",
        "table \"${1:what it checks}\" {\n  facts {${2}}\n  | ${3:fact} | eligible |\n  | ${4:value} | ${5:true} |\n}",
    ),
    ("expect", "an expectation", "expect ${1:name} = ${2:value}"),
];

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;
    use crate::diagnostics::Span;

    fn symbol(name: &str, scope: Option<&str>, kind: SymbolKind) -> Symbol {
        Symbol {
            name: name.into(),
            scope: scope.map(str::to_string),
            kind,
            name_span: Span::new(0, 1),
            declaration: Span::new(0, 1),
            detail: Some("money CNY".into()),
            references: Vec::new(),
        }
    }

    /// A `.tests` file written with Chinese keywords is offered its own words and snippets;
    /// one with English keywords, or none yet, the English ones.
    #[test]
    fn tests_files_are_offered_the_keywords_of_their_set() {
        let labels = |text: &str| {
            tests_items(text)
                .into_iter()
                .map(|i| (i.label, i.insert_text))
                .collect::<Vec<_>>()
        };
        let chinese = labels("# 评分\n用例 \"达标\" {\n  事实 {\"gmv\": 1}\n");
        assert!(chinese.iter().any(|(l, _)| l == "非 资格"), "{chinese:?}");
        assert!(chinese.iter().any(|(l, _)| l == "missing"), "{chinese:?}");
        let case = chinese
            .iter()
            .find_map(|(l, body)| body.clone().filter(|_| l == "用例"));
        assert_eq!(
            case.as_deref(),
            Some("用例 \"${1:what it checks}\" {\n  事实 {${2:\"gmv\": \"10000\"}}\n  预期 ${3:资格}\n}")
        );
        for text in ["case \"a\" {\n  facts {}\n", ""] {
            let english = labels(text);
            assert!(english.iter().any(|(l, _)| l == "not eligible"), "{english:?}");
            assert!(!english.iter().any(|(l, _)| l == "非 资格"), "{english:?}");
        }
    }

    #[test]
    fn the_receiver_is_the_name_before_the_dot() {
        assert_eq!(receiver("sum of sales.g", 14), Some("sales".into()));
        assert_eq!(receiver("sum of sales.", 13), Some("sales".into()));
        assert_eq!(receiver("sum of 销售.", "sum of 销售.".len()), Some("销售".into()));
        assert_eq!(receiver("sum of sales", 12), None);
        assert_eq!(receiver("x = 1.", 6), None, "a number is no list");
    }

    #[test]
    fn after_a_dot_only_the_lists_fields_are_offered() {
        let symbols = [
            symbol("gmv", None, SymbolKind::Fact),
            symbol("gmv", Some("sales"), SymbolKind::ListField),
            symbol("at", Some("sales"), SymbolKind::ListField),
            symbol("orders", Some("mini_programs.orders"), SymbolKind::ListField),
            symbol("ok", Some("mini_programs.orders"), SymbolKind::ItemField),
        ];
        let labels = |items: Vec<CompletionItem>| items.into_iter().map(|i| i.label).collect::<Vec<_>>();
        assert_eq!(labels(fields_of(&symbols, "sales")), ["gmv", "at"]);
        assert_eq!(labels(fields_of(&symbols, "orders")), ["orders", "ok"]);
        let all = campaign_items(&symbols, Surface::English);
        let gmv = all.iter().find(|i| i.label == "gmv").unwrap();
        assert_eq!(
            gmv.detail.as_deref(),
            Some("fact: money CNY"),
            "the top-level fact comes first"
        );
        assert_eq!(all.iter().filter(|i| i.label == "gmv").count(), 1);
        assert!(
            all.iter()
                .any(|i| i.label == "band of" && i.kind == Some(CompletionItemKind::SNIPPET))
        );
        assert!(
            all.iter()
                .any(|i| i.label == "add_days" && i.kind == Some(CompletionItemKind::FUNCTION))
        );
    }

    #[test]
    fn a_chinese_file_is_offered_chinese_keywords_and_snippets() {
        let all = campaign_items(&[], Surface::Chinese);
        let keyword = |label: &str| {
            all.iter()
                .any(|i| i.label == label && i.kind == Some(CompletionItemKind::KEYWORD))
        };
        assert!(keyword("先到先得 按") && keyword("为 已知") && keyword("若未知"));
        assert!(!keyword("where") && !keyword("first come first served by"));
        let snippet = |i: &&CompletionItem| i.kind == Some(CompletionItemKind::SNIPPET);
        let Some(skeleton) = all.iter().filter(snippet).find(|i| i.label == "活动") else {
            unreachable!("the campaign snippet is offered")
        };
        let body = skeleton.insert_text.as_deref().unwrap_or_default();
        assert!(body.starts_with("活动 \"${1:name}\" {\n  时区 "), "{body}");
        assert!(
            body.contains("资格 条件 {") && body.contains("折合 points}, 按 ${10:向下舍入}"),
            "{body}"
        );
        // Every snippet, its placeholders filled with their defaults, is Chinese throughout.
        for item in all.iter().filter(snippet) {
            let body = item.insert_text.as_deref().unwrap_or_default();
            for entry in crate::syntax::keywords::TABLE.iter().filter(|e| e.english.len() > 3) {
                assert!(!body.contains(&format!(" {} ", entry.english)), "{body}");
            }
        }
    }
}
