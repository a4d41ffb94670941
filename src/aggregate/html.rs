//! The HTML pages of `report`, `diff` and `sweep`, drawn from their JSON reports.
//!
//! Self-contained: inline CSS and SVG charts, no script, nothing fetched. Each number shown
//! comes from the JSON report and says where: `data-json` holds its path in the report
//! (`records.read`, `rewards.0.total`) and `data-value` the JSON value, while the text shows
//! it with thousands separators for people. The browser test (tests/browser) checks every
//! such number against the JSON report.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::svg::{self, Series};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC',sans-serif;color:#1d2733;max-width:1000px;margin:2em auto;padding:0 1.5em;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #d5dbe3;padding-bottom:.2em}h3{font-size:1.05em;margin-top:1.4em}\
p.lead{color:#4a5866;margin-top:0}table{border-collapse:collapse;margin:.6em 0 1em;font-size:.95em}\
th,td{padding:.3em .8em;border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}th{background:#f3f5f8;font-weight:600}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.up{color:#1d7a3e}.down{color:#b3261e}\
svg.chart{width:100%;max-width:760px;height:auto;display:block;margin:.4em 0 1em}svg .axis{font-size:11px;fill:#4a5866}svg .legend{font-size:12px;fill:#1d2733}svg .value{font-size:11px;fill:#1d2733}\
.note{color:#4a5866;font-size:.9em}";

/// Escapes text for HTML (element content and attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A decimal's text with its whole part in groups of three digits: `1234567.5` → `1,234,567.5`.
pub fn grouped(number: &str) -> String {
    let (sign, digits) = number.strip_prefix('-').map_or(("", number), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut out = String::from(sign);
    let n = whole.chars().count();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = fraction {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// The page of `campaign report`.
pub fn report_page(report: &Json) -> String {
    let (plural, items) = amounts(report);
    let title = if plural == "fees" { "Fee report" } else { "Cost report" };
    let mut page = Page::new(&format!("{title}: {}", text(&report["campaign"])));
    page.lead(&format!(
        "Every amount is exact and summed per {} in its own unit; amounts of different units are never added together.",
        singular(plural)
    ));
    page.h2("Records");
    page.records(report, "records");
    page.h2("Totals per unit");
    page.unit_totals(report, &["amount"]);
    for (r, item) in items.iter().enumerate() {
        let base = format!("{plural}.{r}");
        page.h2(&format!("{} ({})", text(&item["name"]), text(&item["unit"])));
        page.kv(&[
            ("Total", format!("{base}.total"), &item["total"]),
            (
                settled_label(item),
                format!("{base}.{}", settled_key(item)),
                &item[settled_key(item)],
            ),
        ]);
        let periods = item["by_period"].as_array().cloned().unwrap_or_default();
        if !periods.is_empty() {
            page.h3("Per period");
            let labels: Vec<String> = periods.iter().map(|p| text(&p["period"])).collect();
            let values: Vec<Decimal> = periods.iter().map(|p| dec(&p["amount"])).collect();
            page.chart(&svg::bars(
                "amount per period",
                &labels,
                &[Series { name: "amount", values }],
            ));
            page.table(
                &["period", "amount"],
                periods.iter().enumerate().map(|(p, period)| {
                    vec![
                        cell(&period["period"]),
                        number(&format!("{base}.by_period.{p}.amount"), &period["amount"]),
                    ]
                }),
            );
        }
        let bins = item["histogram"].as_array().cloned().unwrap_or_default();
        if !bins.is_empty() {
            page.h3("Distribution");
            page.note("Records counted by amount; each bin holds the amounts from its lower edge up to, not including, its upper edge (edges 1, 2, 5 × a power of ten); 0 has a bin of its own. Counts are exact.");
            let labels: Vec<String> = bins.iter().map(bin_short).collect();
            let values: Vec<Decimal> = bins.iter().map(|b| dec(&b["count"])).collect();
            page.chart(&svg::bars(
                "records per amount bin",
                &labels,
                &[Series {
                    name: "records",
                    values,
                }],
            ));
            page.table(
                &["amount", "records"],
                bins.iter().enumerate().map(|(b, bin)| {
                    vec![
                        format!("<td>{}</td>", escape(&bin_label(bin))),
                        number(&format!("{base}.histogram.{b}.count"), &bin["count"]),
                    ]
                }),
            );
        }
    }
    page.conditions(report);
    page.budgets(report);
    page.reasons(report);
    page.finish()
}

/// The page of `campaign diff`.
pub fn diff_page(diff: &Json) -> String {
    let mut page = Page::new(&format!(
        "What changes: {} → {}",
        text(&diff["old"]),
        text(&diff["new"])
    ));
    page.lead(
        "Before is the old version, after the new one, on the same records. Amounts are exact and compared per unit.",
    );
    let params = |key: &str| -> String {
        let list: Vec<String> = diff[key].as_array().into_iter().flatten().map(text).collect();
        if list.is_empty() {
            "its defaults".into()
        } else {
            list.join(", ")
        }
    };
    page.kv_text(&[
        ("Old parameters", params("old_params")),
        ("New parameters", params("new_params")),
    ]);
    page.facts(&diff["facts"]);
    page.h2("Records");
    page.records(diff, "records");
    page.h2("Totals per unit");
    page.unit_totals(diff, &["before", "after", "delta"]);
    let (plural, items) = amounts(diff);
    for (r, item) in items.iter().enumerate() {
        let base = format!("{plural}.{r}");
        page.h2(&format!("{} ({})", text(&item["name"]), text(&item["unit"])));
        page.kv(&[
            ("Before", format!("{base}.before"), &item["before"]),
            ("After", format!("{base}.after"), &item["after"]),
            ("Change", format!("{base}.delta"), &item["delta"]),
            ("Records given more", format!("{base}.more"), &item["more"]),
            ("Records given less", format!("{base}.less"), &item["less"]),
        ]);
        page.chart(&svg::bars(
            "total before and after",
            &["before".to_owned(), "after".to_owned()],
            &[Series {
                name: "total",
                values: vec![dec(&item["before"]), dec(&item["after"])],
            }],
        ));
        let periods = item["by_period"].as_array().cloned().unwrap_or_default();
        if !periods.is_empty() {
            page.h3("Per period");
            let labels: Vec<String> = periods.iter().map(|p| text(&p["period"])).collect();
            page.chart(&svg::bars(
                "before and after per period",
                &labels,
                &[
                    Series {
                        name: "before",
                        values: periods.iter().map(|p| dec(&p["before"])).collect(),
                    },
                    Series {
                        name: "after",
                        values: periods.iter().map(|p| dec(&p["after"])).collect(),
                    },
                ],
            ));
            page.table(
                &["period", "before", "after", "change"],
                periods.iter().enumerate().map(|(p, period)| {
                    let at = format!("{base}.by_period.{p}");
                    vec![
                        cell(&period["period"]),
                        number(&format!("{at}.before"), &period["before"]),
                        number(&format!("{at}.after"), &period["after"]),
                        number(&format!("{at}.delta"), &period["delta"]),
                    ]
                }),
            );
        }
        let movers = item["movers"].as_array().cloned().unwrap_or_default();
        if !movers.is_empty() {
            page.h3("Largest movers");
            page.table(
                &["record", "before", "after", "change"],
                movers.iter().enumerate().map(|(m, mover)| {
                    let at = format!("{base}.movers.{m}");
                    vec![
                        cell(&mover["id"]),
                        number(&format!("{at}.before"), &mover["before"]),
                        number(&format!("{at}.after"), &mover["after"]),
                        number(&format!("{at}.delta"), &mover["delta"]),
                    ]
                }),
            );
        }
    }
    page.finish()
}

/// The page of `campaign sweep`.
pub fn sweep_page(sweep: &Json) -> String {
    let param = text(&sweep["parameter"]);
    let mut page = Page::new(&format!("{}: what if {param} were…", text(&sweep["campaign"])));
    page.lead(&format!(
        "The same records evaluated once per value of the parameter {param}; amounts are exact, per {} in its own unit.",
        singular(sweep_plural(sweep))
    ));
    let points = sweep["values"].as_array().cloned().unwrap_or_default();
    let labels: Vec<String> = points.iter().map(|p| text(&p["value"])).collect();
    let verdict = points
        .first()
        .and_then(|p| p["records"].as_object())
        .and_then(|r| r.keys().nth(1).cloned())
        .unwrap_or_else(|| "eligible".into());
    page.h2(&format!("Records {verdict}"));
    page.chart(&svg::bars(
        &format!("records {verdict} per value"),
        &labels,
        &[Series {
            name: &verdict,
            values: points
                .iter()
                .map(|p| dec(field(&p["records"], verdict.as_str())))
                .collect(),
        }],
    ));
    let plural = sweep_plural(sweep);
    let names: Vec<(String, String)> = points
        .first()
        .and_then(|p| p[plural].as_array())
        .map(|items| items.iter().map(|i| (text(&i["name"]), text(&i["unit"]))).collect())
        .unwrap_or_default();
    for (r, (name, unit)) in names.iter().enumerate() {
        page.h2(&format!("{name} ({unit})"));
        page.chart(&svg::bars(
            &format!("{name} per value"),
            &labels,
            &[Series {
                name,
                values: points
                    .iter()
                    .map(|p| dec(&field(field(p, plural), r)["total"]))
                    .collect(),
            }],
        ));
    }
    let mut header: Vec<String> = vec![param.clone(), verdict.clone()];
    header.extend(names.iter().map(|(n, u)| format!("{n} ({u})")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    page.h2("Every value");
    page.table(
        &header,
        points.iter().enumerate().map(|(v, p)| {
            let mut row = vec![
                cell(&p["value"]),
                number(
                    &format!("values.{v}.records.{verdict}"),
                    field(&p["records"], verdict.as_str()),
                ),
            ];
            row.extend((0..names.len()).map(|r| {
                number(
                    &format!("values.{v}.{plural}.{r}.total"),
                    &field(field(p, plural), r)["total"],
                )
            }));
            row
        }),
    );
    page.finish()
}

/// A page being written.
struct Page {
    html: String,
}

impl Page {
    fn new(title: &str) -> Self {
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
            escape(title)
        );
        Page { html }
    }

    fn finish(mut self) -> String {
        self.html.push_str("</body>\n</html>\n");
        self.html
    }

    fn h2(&mut self, title: &str) {
        let _ = writeln!(self.html, "<h2>{}</h2>", escape(title));
    }

    fn h3(&mut self, title: &str) {
        let _ = writeln!(self.html, "<h3>{}</h3>", escape(title));
    }

    fn lead(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p class=\"lead\">{}</p>", escape(text));
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p class=\"note\">{}</p>", escape(text));
    }

    fn chart(&mut self, svg: &str) {
        self.html.push_str(svg);
        self.html.push('\n');
    }

    /// A table: a header (none when empty), then rows of cells written already (see
    /// [`cell`], [`number`]).
    fn table(&mut self, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
        self.html.push_str("<table>\n");
        if !header.is_empty() {
            self.html.push_str("<tr>");
            for h in header {
                let _ = write!(self.html, "<th>{}</th>", escape(h));
            }
            self.html.push_str("</tr>\n");
        }
        for row in rows {
            self.html.push_str("<tr>");
            for c in row {
                self.html.push_str(&c);
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table>\n");
    }

    /// A two-column table of labelled numbers.
    fn kv(&mut self, rows: &[(&str, String, &Json)]) {
        self.table(
            &[],
            rows.iter()
                .map(|(label, path, value)| vec![format!("<th>{}</th>", escape(label)), number(path, value)]),
        );
    }

    /// A two-column table of labelled texts.
    fn kv_text(&mut self, rows: &[(&str, String)]) {
        self.table(
            &[],
            rows.iter().map(|(label, value)| {
                vec![
                    format!("<th>{}</th>", escape(label)),
                    format!("<td>{}</td>", escape(value)),
                ]
            }),
        );
    }

    /// The counts of records under `key`, one row each.
    fn records(&mut self, report: &Json, key: &str) {
        let Some(records) = report[key].as_object() else {
            return;
        };
        self.table(
            &["records", ""],
            records.iter().map(|(k, v)| {
                vec![
                    format!("<td>{}</td>", escape(&k.replace('_', " "))),
                    number(&format!("{key}.{k}"), v),
                ]
            }),
        );
    }

    /// The totals per unit, with the columns named.
    fn unit_totals(&mut self, report: &Json, columns: &[&str]) {
        let totals = report["totals"].as_array().cloned().unwrap_or_default();
        let mut header = vec!["unit"];
        header.extend(columns.iter().map(|c| if *c == "delta" { "change" } else { *c }));
        self.table(
            &header,
            totals.iter().enumerate().map(|(t, total)| {
                let mut row = vec![cell(&total["unit"])];
                row.extend(columns.iter().map(|c| number(&format!("totals.{t}.{c}"), &total[*c])));
                row
            }),
        );
    }

    fn conditions(&mut self, report: &Json) {
        let conditions = report["conditions"].as_array().cloned().unwrap_or_default();
        if conditions.is_empty() {
            return;
        }
        self.h2("Conditions");
        self.note("Of the records evaluated: the share each condition excludes, and the share excluded by that condition alone (every other condition holds).");
        let rows: Vec<(String, Decimal, String)> = conditions
            .iter()
            .map(|c| {
                let share = dec(&c["excludes_percent"]);
                (
                    text(&c["reason"]),
                    share,
                    format!(
                        "{} % ({} % only that)",
                        text(&c["excludes_percent"]),
                        text(&c["alone_percent"])
                    ),
                )
            })
            .collect();
        self.chart(&svg::shares("share of records each condition excludes", &rows));
        self.table(
            &["condition", "excludes", "%", "only that", "%"],
            conditions.iter().enumerate().map(|(i, c)| {
                let at = format!("conditions.{i}");
                vec![
                    cell(&c["reason"]),
                    number(&format!("{at}.excludes"), &c["excludes"]),
                    number(&format!("{at}.excludes_percent"), &c["excludes_percent"]),
                    number(&format!("{at}.alone"), &c["alone"]),
                    number(&format!("{at}.alone_percent"), &c["alone_percent"]),
                ]
            }),
        );
    }

    fn budgets(&mut self, report: &Json) {
        let budgets = report["budgets"].as_array().cloned().unwrap_or_default();
        if budgets.is_empty() {
            return;
        }
        self.h2("Budgets");
        self.note("Per budget period: the claims in its queue, those granted (whole or in part) and those waitlisted, what was paid, and where the budget ran out (the place in the queue of the first claim not paid whole, and what was left before it).");
        for (b, budget) in budgets.iter().enumerate() {
            self.h3(&format!("{} ({})", text(&budget["name"]), text(&budget["unit"])));
            let groups = budget["groups"].as_array().cloned().unwrap_or_default();
            let labels: Vec<String> = groups.iter().map(|g| text(&g["group"])).collect();
            self.chart(&svg::bars(
                "claimed and paid per budget period",
                &labels,
                &[
                    Series {
                        name: "claimed",
                        values: groups.iter().map(|g| dec(&g["claimed"])).collect(),
                    },
                    Series {
                        name: "paid",
                        values: groups.iter().map(|g| dec(&g["paid"])).collect(),
                    },
                ],
            ));
            self.table(
                &[
                    "period",
                    "claims",
                    "granted",
                    "waitlisted",
                    "claimed",
                    "paid",
                    "ran out at",
                    "left then",
                ],
                groups.iter().enumerate().map(|(g, group)| {
                    let at = format!("budgets.{b}.groups.{g}");
                    let mut row = vec![cell(&group["group"])];
                    for key in [
                        "claims",
                        "granted",
                        "waitlisted",
                        "claimed",
                        "paid",
                        "ran_out_at",
                        "left_then",
                    ] {
                        row.push(number(&format!("{at}.{key}"), &group[key]));
                    }
                    row
                }),
            );
        }
    }

    fn reasons(&mut self, report: &Json) {
        let reasons = report["reasons"].as_array().cloned().unwrap_or_default();
        if reasons.is_empty() {
            return;
        }
        self.h2("Most common reasons");
        self.table(
            &["reason", "of", "records"],
            reasons.iter().enumerate().map(|(i, r)| {
                let of = if r["reward"].is_null() {
                    "the campaign".to_owned()
                } else {
                    text(&r["reward"])
                };
                vec![
                    cell(&r["reason"]),
                    format!("<td>{}</td>", escape(&of)),
                    number(&format!("reasons.{i}.count"), &r["count"]),
                ]
            }),
        );
    }

    fn facts(&mut self, facts: &Json) {
        let list = |key: &str| -> Vec<String> {
            facts[key]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default()
        };
        let (old, new) = (list("only_old"), list("only_new"));
        let retyped: Vec<String> = facts["retyped"]
            .as_array()
            .map(|a| a.iter().map(|r| text(&r["fact"])).collect())
            .unwrap_or_default();
        if old.is_empty() && new.is_empty() && retyped.is_empty() {
            return;
        }
        self.h2("Facts that differ");
        for (what, names) in [
            ("Only the old version reads", old),
            ("Only the new version reads", new),
            ("Read as another type", retyped),
        ] {
            if !names.is_empty() {
                let _ = writeln!(self.html, "<p>{what}: {}</p>", escape(&names.join(", ")));
            }
        }
    }
}

/// A table cell of text from the report.
fn cell(value: &Json) -> String {
    format!("<td>{}</td>", escape(&text(value)))
}

/// A table cell of a number from the report at `path`, shown with thousands separators (a
/// null: a dash).
fn number(path: &str, value: &Json) -> String {
    let raw = match value {
        Json::Null => {
            return format!(
                "<td class=\"n\" data-json=\"{}\" data-value=\"null\">–</td>",
                escape(path)
            );
        }
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let change = if path.ends_with("delta") && raw.starts_with('-') {
        " down"
    } else if path.ends_with("delta") && raw != "0" {
        " up"
    } else {
        ""
    };
    format!(
        "<td class=\"n{change}\" data-json=\"{}\" data-value=\"{}\">{}</td>",
        escape(path),
        escape(&raw),
        escape(&grouped(&raw))
    )
}

/// The text of a JSON string or number.
fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A decimal from a JSON string or number (0 when it is neither).
fn dec(value: &Json) -> Decimal {
    text(value).parse().unwrap_or_default()
}

/// The key of the amounts (`rewards` or `fees`) and their list.
fn amounts(report: &Json) -> (&'static str, Vec<Json>) {
    for key in ["rewards", "fees"] {
        if let Some(items) = report[key].as_array() {
            return (key, items.clone());
        }
    }
    ("rewards", Vec::new())
}

fn sweep_plural(sweep: &Json) -> &'static str {
    if field(&sweep["values"], 0)["fees"].is_array() {
        "fees"
    } else {
        "rewards"
    }
}

/// A member or item of a JSON value; null when there is none.
fn field<I: serde_json::value::Index>(value: &Json, key: I) -> &Json {
    value.get(key).unwrap_or(&Json::Null)
}

fn singular(plural: &str) -> &str {
    plural.strip_suffix('s').unwrap_or(plural)
}

/// The key counting records given a non-zero amount: `paid` or `owed`.
fn settled_key(item: &Json) -> &'static str {
    if item.get("owed").is_some() { "owed" } else { "paid" }
}

fn settled_label(item: &Json) -> &'static str {
    if item.get("owed").is_some() {
        "Records owing a non-zero amount"
    } else {
        "Records paid a non-zero amount"
    }
}

/// A histogram bin under its bar: `0`, `1–2`.
fn bin_short(bin: &Json) -> String {
    let (from, to) = (text(&bin["from"]), text(&bin["to"]));
    if from == to {
        grouped(&from)
    } else {
        format!("{}–{}", grouped(&from), grouped(&to))
    }
}

/// A histogram bin as people read it: `0`, `1 to under 2`.
fn bin_label(bin: &Json) -> String {
    let (from, to) = (text(&bin["from"]), text(&bin["to"]));
    if from == to {
        grouped(&from)
    } else {
        format!("{} to under {}", grouped(&from), grouped(&to))
    }
}
