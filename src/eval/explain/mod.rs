//! Explanations: why a record got what it got.
//!
//! An [`Explanation`] answers a merchant's "why didn't I get it?": each
//! condition with its outcome, the actual values it read, and — where one
//! threshold decides it — the smallest change that would qualify; which list
//! items counted toward each aggregate and why the others were left out; the
//! reward arithmetic step by step; and the budget outcome. It renders as text
//! for people and serialises as JSON for systems. Reason texts appear exactly
//! as written in the campaign.
//!
//! The types and their text are here; `trace` computes them (with the evaluator), `show` writes
//! values as people read them.

mod balance;
mod running;
mod show;
mod trace;

use std::fmt::Write as _;

use serde::Serialize;

use crate::program::OutputKind;
use unicode_width::UnicodeWidthStr;

pub use show::show;

/// The explanation of one record's result.
///
/// As JSON, `{"id", "eligible", "conditions", "values", "rewards"}`; for a campaign of fees,
/// `{"id", "liable", "conditions", "values", "fees"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Whether the amounts are rewards or fees: the words the explanation is written in.
    pub kind: OutputKind,
    /// The record's id.
    pub id: String,
    /// Whether it is eligible (for fees: liable).
    pub eligible: bool,
    /// Each condition, in order.
    pub conditions: Vec<ConditionLine>,
    /// Each value computed over a list, with the items it took and left out.
    pub values: Vec<ValueLine>,
    /// Each running threshold of a per-item field (`portion of ... within first ...`): where
    /// the running total reached it. Left out of the JSON when there is none.
    pub thresholds: Vec<ThresholdLine>,
    /// Each balance carried across months: what it did each month, and how each item's fee
    /// was paid. Left out of the JSON when there is none.
    pub balances: Vec<BalanceLine>,
    /// Each reward's arithmetic.
    pub rewards: Vec<RewardLine>,
}

/// One condition's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionLine {
    /// The condition as written.
    pub condition: String,
    /// The reason shown when it fails.
    pub reason: String,
    /// Whether it holds.
    pub passed: bool,
    /// What it read: `store_score = 4.19`.
    pub actual: Vec<String>,
    /// For a failed condition decided by one threshold: the smallest change that would pass it.
    pub to_pass: Option<String>,
}

/// A value computed over a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueLine {
    /// The value's name (with the period for per-period values: `monthly_gmv[2022-12]`).
    pub name: String,
    /// Its result.
    pub result: String,
    /// The list items it looked at.
    pub items: Vec<ItemLine>,
    /// How many more items there were than are listed.
    pub more_items: usize,
    /// For a per-period value that reads other periods: what it read in this one
    /// (`cumulative(monthly_gmv) = 520,000 CNY`, `previous(monthly_gmv) = ...`,
    /// `period_number = 3`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// For a value that is the top group of a list (`top category of orders by ...`): each
    /// group's total, in the order of the groups' first items, the top one marked
    /// (`数码 = 300.00 CNY (top)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// One list item's part in an aggregate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemLine {
    /// Where it is in the record: `sales[2]`, `mini_programs[0].orders[3]`.
    pub path: String,
    /// The value it contributes (when the aggregate takes one).
    pub value: Option<String>,
    /// Whether it counted.
    pub counted: bool,
    /// The first filter condition it failed.
    pub left_out_by: Option<String>,
}

/// Where a running total reached its threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdLine {
    /// The per-item field: `discounted_gmv of orders`.
    pub field: String,
    /// The running value as written.
    pub rule: String,
    /// Where the running total reached the threshold, or that it never did.
    pub outcome: String,
}

/// What a balance did (`balance of ...`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceLine {
    /// The balance's name.
    pub balance: String,
    /// Each month: `2025-02: credited 0.00 CNY, used 70.61 CNY, expired 0 CNY, lost 0 CNY, left
    /// 29.39 CNY; paid in cash 0.007 CNY`.
    pub months: Vec<String>,
    /// Each item settled, in the order settled: `orders[2] paid 0.61 CNY from the 2025-01
    /// credit, 0.007 CNY in cash (fee 0.617 CNY, settled 2025-02-05 10:00:00)`.
    pub items: Vec<String>,
}

/// One reward's arithmetic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewardLine {
    /// The reward's name.
    pub name: String,
    /// The amount paid, with its unit.
    pub amount: String,
    /// The steps from the computed amount to the amount paid.
    pub steps: Vec<String>,
    /// For a reward with a `when` block: each of its conditions, in order (absent otherwise,
    /// so that explanations of campaigns without the block are as they were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<ConditionLine>>,
}

impl Serialize for Explanation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Explanation", 7)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field(self.kind.verdict_key(), &self.eligible)?;
        s.serialize_field("conditions", &self.conditions)?;
        s.serialize_field("values", &self.values)?;
        // Running thresholds are left out when there is none, so explanations of campaigns
        // without them stay as they were.
        if self.thresholds.is_empty() {
            s.skip_field("thresholds")?;
        } else {
            s.serialize_field("thresholds", &self.thresholds)?;
        }
        if self.balances.is_empty() {
            s.skip_field("balances")?;
        } else {
            s.serialize_field("balances", &self.balances)?;
        }
        s.serialize_field(self.kind.plural(), &self.rewards)?;
        s.end()
    }
}

impl Explanation {
    /// The explanation as text for people.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let verdict = self.kind.verdict(self.eligible);
        let _ = writeln!(out, "{}: {verdict}", clean(&self.id));
        if !self.conditions.is_empty() {
            let _ = writeln!(out, "  conditions");
        }
        for c in &self.conditions {
            condition_text(&mut out, c, "    ");
        }
        if !self.values.is_empty() {
            let _ = writeln!(out, "  values");
        }
        for v in &self.values {
            let _ = writeln!(out, "    {} = {}", clean(&v.name), clean(&v.result));
            if !v.reads.is_empty() {
                let _ = writeln!(out, "      read: {}", clean(&v.reads.join("; ")));
            }
            if !v.groups.is_empty() {
                let _ = writeln!(out, "      totals: {}", clean(&v.groups.join("; ")));
            }
            // Aligned in terminal columns: a path may hold Chinese names, two columns a character.
            let width = v.items.iter().map(|i| clean(&i.path).width()).max().unwrap_or(0);
            for item in &v.items {
                let value = item.value.as_deref().map(clean).unwrap_or_default();
                let verdict = match &item.left_out_by {
                    Some(why) => format!("left out: `{}` does not hold", clean(why)),
                    None if item.counted => "counted".to_string(),
                    None => "left out".to_string(),
                };
                let path = clean(&item.path);
                let pad = " ".repeat(width.saturating_sub(path.width()));
                let _ = writeln!(out, "      {path}{pad}  {value:>14}  {verdict}");
            }
            if v.more_items > 0 {
                let _ = writeln!(out, "      … and {} more items", v.more_items);
            }
        }
        if !self.thresholds.is_empty() {
            let _ = writeln!(out, "  running totals");
        }
        for t in &self.thresholds {
            let _ = writeln!(out, "    {}: {}", clean(&t.field), clean(&t.rule));
            let _ = writeln!(out, "      {}", clean(&t.outcome));
        }
        if !self.balances.is_empty() {
            let _ = writeln!(out, "  balances");
        }
        for b in &self.balances {
            let _ = writeln!(out, "    {}", clean(&b.balance));
            for m in b.months.iter().chain(&b.items) {
                let _ = writeln!(out, "      {}", clean(m));
            }
        }
        if !self.rewards.is_empty() {
            let _ = writeln!(out, "  {}", self.kind.plural());
        }
        for r in &self.rewards {
            let _ = writeln!(out, "    {} = {}", clean(&r.name), clean(&r.amount));
            if let Some(conditions) = &r.conditions {
                let _ = writeln!(out, "      when");
                for c in conditions {
                    condition_text(&mut out, c, "        ");
                }
            }
            for s in &r.steps {
                let _ = writeln!(out, "      {}", clean(s));
            }
        }
        out
    }
}

/// A condition's lines, indented by `ind`: its mark and text, then its reason when it fails,
/// what it read and what would pass it.
fn condition_text(out: &mut String, c: &ConditionLine, ind: &str) {
    let mark = if c.passed { "✓" } else { "✗" };
    let _ = writeln!(out, "{ind}{mark} {}", clean(&c.condition));
    if !c.passed {
        let _ = writeln!(out, "{ind}    reason: {}", clean(&c.reason));
    }
    if !c.actual.is_empty() {
        let _ = writeln!(out, "{ind}    actual: {}", clean(&c.actual.join("; ")));
    }
    if let Some(hint) = &c.to_pass {
        let _ = writeln!(out, "{ind}    to pass: {}", clean(hint));
    }
}

/// Text from input is shown, never its control characters (one rule for every output
/// people read: [`crate::report::shown`]).
fn clean(s: &str) -> String {
    crate::report::shown(s).into_owned()
}
