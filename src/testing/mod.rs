//! Policy test cases written beside a campaign (`campaign test`).
//!
//! The cases of `NAME.campaign` live in `NAME.tests` in the same folder.
//! They are written by the policy staff who write the campaign: each case
//! gives a merchant's facts, as the warehouse exports them (JSON), and says
//! what the campaign must decide for them.
//!
//! # The `.tests` format
//!
//! ```text
//! # tests for channels-edu-back-to-school-2024.campaign
//! case "学习卡 GMV 刚好超过一万: 得 90 点" {
//!   facts {"store_score": 4.2, "registered_at": "2024-08-20T10:00:00+08:00",
//!          "sales": [{"at": "2024-08-25T12:00:00+08:00", "live_category": "购物",
//!                     "category_l1": "教育培训", "category_l2": "语言培训",
//!                     "gmv": "10001.00"}]}     # 10001.00 × 0.9 % = 90.009 → 90
//!   expect eligible
//!   expect growth_points = 90 points
//!   expect counted_gmv = 10001.00 CNY
//! }
//!
//! case "no score" {
//!   facts {"registered_at": "2024-08-20T10:00:00+08:00", "sales": []}
//!   expect not eligible
//!   expect reason "视频号小店店铺评分需≥4.2"
//! }
//!
//! table "店铺评分门槛" {
//!   facts {"registered_at": "2024-08-20T10:00:00+08:00", "sales": [...]}
//!   | store_score | eligible | growth_points |
//!   | "4.19"      | false    | 0 points      |
//!   | "4.2"       | true     | 90 points     |
//!   | null        | false    | 0             |
//!   | missing     | false    | 0             |
//! }
//! ```
//!
//! The grammar, one statement a line (`#` starts a comment anywhere outside
//! quotes, also inside the facts):
//!
//! ```text
//! file     = { case | table }
//! case     = 'case' TEXT '{'  { facts | with | expect }  '}'
//! table    = 'table' TEXT '{' { facts | with } header { row } '}'      at most one facts
//! facts    = 'facts' ( OBJECT | '[' OBJECT { ',' OBJECT } ']' )      JSON, may span lines
//! with     = 'with' NAME '=' VALUE-TEXT                               as `--param NAME=VALUE`
//! expect   = 'expect' [RECORD] ( ['not'] ( 'eligible' | 'liable' )
//!                              | 'reason' TEXT
//!                              | 'reasons' '=' '[' TEXT, ... ']'
//!                              | 'error' [TEXT]
//!                              | ['not'] NAME                        a flag: true / false
//!                              | NAME ['[' PERIOD ']'] '=' value )
//! header   = '|' COLUMN '|' ... '|'          a markdown separator row |---|---| may follow
//! row      = '|' CELL '|' ... '|'
//! value    = 'true' | 'false' | 'null' | TEXT | '[' TEXT, ... ']'
//!          | NUMBER [UNIT] | NUMBER '%'
//! ```
//!
//! - **Cases.** A case has exactly one `facts` and at least one `expect`.
//!   `facts` is a JSON object; when it has no `id`, the case's name is used.
//!   For a campaign with a budget, `facts [ {...}, {...} ]` gives several
//!   records, evaluated together in that order (ties in the queue go by this
//!   order); every `expect` then names its record first by `id` (records
//!   without an `id` are `"#1"`, `"#2"`, ...): `expect "acct-2" waitlisted`.
//! - **Expectations.** `eligible` / `not eligible` (in a campaign of fees,
//!   `liable` / `not liable`: each campaign takes its own word only);
//!   `reason "..."`: that
//!   reason is among the record's reasons (the text must be one of the
//!   campaign's reasons); `reasons = [...]`: exactly those reasons, in the
//!   campaign's order (`reasons = []` for none); `error` or `error "text"`:
//!   the record cannot be read (a missing required fact, a wrong type), with
//!   a message containing the text; `NAME = value` for a reward or a value
//!   the campaign shows; `NAME[2022-12] = value` for one period of a reward
//!   settled per period (`NAME.by_period["2022-12"]` is also read); `NAME` and
//!   `not NAME` for a flag value (`= true` / `= false`).
//! - **Values.** Amounts compare as decimals (`12.3` equals `12.30`); the
//!   unit is optional but, when written, must be the campaign's (`90 points`,
//!   `3.42 CNY`); counts are whole numbers; `null` (or `unknown`) is an
//!   unknown value; texts are in double quotes and compare exactly.
//! - **Parameters.** `with monthly_packs = 2` sets a parameter for the case
//!   (in a table: for every row), exactly like `--param`.
//! - **Tables.** Each row is a case named `TABLE / row N` (N counts data
//!   rows from 1) whose record is the table's `facts` changed by the row's
//!   fact cells. A column is an expectation when it is named `eligible` (`liable`),
//!   `reasons`, `reason`, `error`, a reward (`cash`, `cash[2022-12]`) or a
//!   value of the campaign; any other column is a fact, possibly a path into
//!   lists (`sales[0].gmv`, `mini_programs[1].orders[0].redeemed_at`). A fact
//!   cell holds a JSON value (`"4.19"`, `4.19`, `true`, `null`,
//!   `"2024-08-22T10:00:00+08:00"`) or `missing` to leave the fact out; an
//!   expectation cell holds a value as above. An empty cell leaves the fact
//!   as it is / checks nothing.
//!
//! Every problem in a `.tests` file is a diagnostic with its line and
//! column: syntax errors stop the whole file; a name, period, unit,
//! parameter or reason unknown to the campaign fails the case it is in.
//!
//! # Running
//!
//! [`run_suite`] checks a campaign, parses its tests, runs every case and
//! returns a [`Suite`]: per case, each record's [`Outcome`](crate::eval::Outcome)
//! and the expectations that did not hold. [`report`] renders failures
//! (a `- expected` / `+ actual` diff and the explanation of the actual
//! result), JUnit XML and coverage; [`Coverage`] counts, over every record
//! evaluated, each condition's outcomes and each reward's payments.

pub mod convert;
pub mod coverage;
pub mod keywords;
pub mod report;
pub mod run;
pub mod syntax;

pub use coverage::Coverage;
pub use run::{Case, CaseResult, Mismatch, RecordResult, resolve, run_case, run_case_with_limit};
pub use syntax::{TestFile, parse};

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::program::Program;

/// The results of one campaign's tests.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The campaign file.
    pub campaign: SourceFile,
    /// Its `.tests` file.
    pub tests: SourceFile,
    /// The checked campaign (none when it has errors).
    pub program: Option<Program>,
    /// The campaign's errors (when it has any, no case runs).
    pub campaign_errors: Vec<Diagnostic>,
    /// Syntax errors in the tests file (when it has any, no case runs).
    pub syntax_errors: Vec<Diagnostic>,
    /// Each case's result, in file order (table rows in order).
    pub results: Vec<CaseResult>,
}

impl Suite {
    /// How many cases passed.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// How many cases failed; a campaign with errors and a tests file with syntax errors count
    /// as one failure each.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.passed()).count()
            + usize::from(!self.campaign_errors.is_empty())
            + usize::from(!self.syntax_errors.is_empty())
    }

    /// What the cases exercised (none when the campaign or the tests file has errors).
    pub fn coverage(&self) -> Option<Coverage> {
        if !self.syntax_errors.is_empty() {
            return None;
        }
        self.program.as_ref().map(|p| Coverage::of(p, &self.results))
    }

    /// Whether the campaign or the tests file has errors (then no case ran).
    pub fn broken(&self) -> bool {
        !self.campaign_errors.is_empty() || !self.syntax_errors.is_empty()
    }
}

/// The name of the tests file beside a campaign file: `NAME.campaign` → `NAME.tests`.
pub fn tests_path(campaign: &std::path::Path) -> std::path::PathBuf {
    campaign.with_extension("tests")
}

/// Checks a campaign, parses its tests and runs every case.
pub fn run_suite(campaign: SourceFile, tests: SourceFile) -> Suite {
    run_suite_with_limit(campaign, tests, crate::program::inputs::DEFAULT_WORK_LIMIT)
}

/// [`run_suite`] with a work limit per record (`test --work-limit`).
pub fn run_suite_with_limit(campaign: SourceFile, tests: SourceFile, work_limit: u64) -> Suite {
    let checked = crate::check::check(&campaign.text);
    let campaign_errors: Vec<Diagnostic> = checked.diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    let mut suite = Suite {
        campaign,
        tests,
        program: None,
        campaign_errors,
        syntax_errors: Vec::new(),
        results: Vec::new(),
    };
    let Some(program) = checked.program else {
        return suite;
    };
    match parse(&suite.tests.text) {
        Ok(file) => {
            suite.results = resolve(&file, &program)
                .iter()
                .map(|case| run_case_with_limit(&program, case, work_limit))
                .collect();
        }
        Err(diagnostics) => suite.syntax_errors = diagnostics,
    }
    suite.program = Some(program);
    suite
}
