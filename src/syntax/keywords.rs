//! The keywords of the language as messages quote them.
//!
//! Diagnostics often tell the author what to write (`if unknown false`, `rounded down`). Those
//! words are the file's own keywords, and a campaign may be written with either keyword set,
//! English or Chinese (docs/language.zh.md): messages spell keywords through [`Surface::spell`]
//! rather than writing them into their text, so that a message always quotes the words the
//! author's file uses.
//!
//! [`TABLE`] is the one list of the grammar's keywords in both sets. The keyword rules of
//! `grammar/campaign.pest` are generated from it (`tests/it/zh.rs` checks that they are, and
//! rewrites them with `CAMPAIGN_BLESS=1`), the converter ([`super::convert`]) and the language
//! server's completion read it, and so does the VS Code grammar generator
//! (`editors/vscode/scripts/build-grammars.js`). A new keyword is one line here.

/// A keyword set a campaign file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Surface {
    /// The English keywords of `grammar/campaign.pest`.
    #[default]
    English,
    /// The Chinese keywords of docs/language.zh.md.
    Chinese,
}

/// A keyword or fixed phrase of the language that messages quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// `if unknown`.
    IfUnknown,
    /// `if unknown true`.
    IfUnknownTrue,
    /// `if unknown false`.
    IfUnknownFalse,
    /// `is known`.
    IsKnown,
    /// `is unknown`.
    IsUnknown,
    /// `is waitlisted`.
    IsWaitlisted,
    /// `rounded down`.
    RoundedDown,
    /// `rounded up`.
    RoundedUp,
    /// `rounded half up`.
    RoundedHalfUp,
    /// `rounded half even`.
    RoundedHalfEven,
    /// `at most`.
    AtMost,
    /// `at least`.
    AtLeast,
    /// `eligible when`.
    EligibleWhen,
    /// `where`.
    Where,
    /// `of`.
    Of,
    /// `per`.
    Per,
    /// `through`.
    Through,
    /// `as`.
    As,
    /// `in`.
    In,
    /// `optional`.
    Optional,
    /// `budget`.
    Budget,
    /// `first come first served`.
    FirstComeFirstServed,
    /// `in total`.
    InTotal,
    /// `paid`.
    Paid,
    /// `expires`.
    Expires,
    /// `timezone`.
    Timezone,
    /// `unit`.
    Unit,
    /// `facts`.
    Facts,
    /// `value`.
    Value,
    /// `let`.
    Let,
    /// `window`.
    Window,
    /// `periods`.
    Periods,
    /// `parameter`.
    Parameter,
    /// `reward`.
    Reward,
    /// `band of`.
    BandOf,
    /// `marginal of`.
    MarginalOf,
    /// `lookup`.
    Lookup,
    /// `otherwise`.
    Otherwise,
    /// `rank by`.
    RankBy,
    /// `within`.
    Within,
    /// `and`.
    And,
    /// `or`.
    Or,
    /// `not`.
    Not,
    /// `true`.
    True,
    /// `false`.
    False,
    /// `if` of `if … then … else …`.
    If,
    /// `then`.
    Then,
    /// `else`.
    Else,
    /// `when` of a reward's `when { ... }` block.
    When,
    /// `is earned`.
    IsEarned,
    /// `fee`.
    Fee,
    /// `split pro rata`.
    SplitProRata,
    /// `split equally`.
    SplitEqually,
    /// `running sum`.
    RunningSum,
    /// `previous`.
    Previous,
    /// `ordered by`.
    OrderedBy,
    /// `top` of `top KEY of LIST by ...`.
    Top,
    /// `by sum of` of `top KEY of LIST by sum of X`.
    BySumOf,
    /// `by count` of `top KEY of LIST by count`.
    ByCount,
    /// `balance of`.
    BalanceOf,
    /// `applied to`.
    AppliedTo,
    /// `month` of `per month`.
    Month,
    /// `then by` of a `top`'s or an order's tie-breaks.
    ThenBy,
    /// `ascending`.
    Ascending,
    /// `descending`.
    Descending,
    /// `sum of`.
    SumOf,
    /// `count`.
    Count,
}

impl Surface {
    /// The keyword as a file of this surface writes it.
    pub fn spell(self, keyword: Keyword) -> &'static str {
        match self {
            Surface::English => english(keyword),
            Surface::Chinese => chinese(keyword),
        }
    }

    /// A keyword of the grammar as a file of this surface writes it.
    pub fn word(self, entry: &Entry) -> &'static str {
        match self {
            Surface::English => entry.english,
            Surface::Chinese => entry.chinese,
        }
    }

    /// The surface a keyword as written belongs to: Chinese spellings are written in Chinese
    /// characters, English ones in ASCII letters.
    pub fn of_written(word: &str) -> Surface {
        if word.is_ascii() {
            Surface::English
        } else {
            Surface::Chinese
        }
    }

    /// The surface's name as `fmt --keywords` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Surface::English => "en",
            Surface::Chinese => "zh",
        }
    }
}

/// One keyword rule of the grammar (`kw_*` in `grammar/campaign.pest`) in both keyword sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The name of its rule in the grammar.
    pub rule: &'static str,
    /// Its English spelling; the words of a phrase are separated by one space (the grammar
    /// accepts any blanks between them).
    pub english: &'static str,
    /// Its Chinese spelling: one word, no blanks.
    pub chinese: &'static str,
}

const fn kw(rule: &'static str, english: &'static str, chinese: &'static str) -> Entry {
    Entry { rule, english, chinese }
}

/// Every keyword rule of the grammar, in the order the grammar declares them.
pub const TABLE: &[Entry] = &[
    kw("kw_campaign", "campaign", "活动"),
    kw("kw_timezone", "timezone", "时区"),
    kw("kw_source", "source", "来源"),
    kw("kw_note", "note", "备注"),
    kw("kw_unit", "unit", "单位"),
    kw("kw_precision", "precision", "精度"),
    kw("kw_parameter", "parameter", "参数"),
    kw("kw_window", "window", "窗口"),
    kw("kw_periods", "periods", "周期"),
    kw("kw_months", "months", "月"),
    kw("kw_weeks", "weeks", "周"),
    kw("kw_days", "days", "日"),
    kw("kw_years", "years", "年"),
    kw("kw_month", "month", "月"),
    kw("kw_week", "week", "周"),
    kw("kw_day", "day", "日"),
    kw("kw_through", "through", "至"),
    kw("kw_facts", "facts", "事实"),
    kw("kw_optional", "optional", "可缺"),
    kw("kw_text", "text", "文本"),
    kw("kw_bool", "bool", "真假"),
    kw("kw_count", "count", "计数"),
    kw("kw_decimal", "decimal", "小数"),
    kw("kw_fraction", "fraction", "比例"),
    kw("kw_timestamp", "timestamp", "时刻"),
    kw("kw_duration", "duration", "时长"),
    kw("kw_money", "money", "金额"),
    kw("kw_quantity", "quantity", "数量"),
    kw("kw_one_of", "one of", "之一"),
    kw("kw_list_of", "list of", "列表"),
    kw("kw_value", "value", "值"),
    kw("kw_let", "let", "设"),
    kw("kw_of", "of", "于"),
    kw("kw_per", "per", "每"),
    kw("kw_in", "in", "属于"),
    kw("kw_in_total", "in total", "合计"),
    kw("kw_eligible", "eligible", "资格"),
    kw("kw_when", "when", "条件"),
    kw("kw_reward", "reward", "奖励"),
    kw("kw_fee", "fee", "费用"),
    kw("kw_rounded", "rounded", "按"),
    kw("kw_half_up", "half up", "四舍五入"),
    kw("kw_half_even", "half even", "银行家舍入"),
    kw("kw_half_down", "half down", "五舍六入"),
    kw("kw_down", "down", "向下舍入"),
    kw("kw_up", "up", "向上舍入"),
    kw("kw_to", "to", "至"),
    kw("kw_at_most", "at most", "封顶"),
    kw("kw_at_least", "at least", "保底"),
    kw("kw_budget", "budget", "预算"),
    kw("kw_first_come", "first come first served", "先到先得"),
    kw("kw_split_pro_rata", "split pro rata", "按比例分配"),
    kw("kw_split_equally", "split equally", "平均分配"),
    kw("kw_by", "by", "按"),
    kw("kw_ascending", "ascending", "升序"),
    kw("kw_descending", "descending", "降序"),
    kw("kw_where", "where", "其中"),
    kw("kw_and", "and", "且"),
    kw("kw_or", "or", "或"),
    kw("kw_not", "not", "非"),
    kw("kw_is", "is", "为"),
    kw("kw_known", "known", "已知"),
    kw("kw_unknown", "unknown", "未知"),
    kw("kw_waitlisted", "waitlisted", "候补"),
    kw("kw_earned", "earned", "已获得"),
    kw("kw_if", "if", "如果"),
    kw("kw_else", "else", "否则"),
    kw("kw_if_unknown", "if unknown", "若未知"),
    kw("kw_as", "as", "折合"),
    kw("kw_true", "true", "真"),
    kw("kw_false", "false", "假"),
    kw("kw_sum", "sum", "求和"),
    kw("kw_min", "min", "最小"),
    kw("kw_max", "max", "最大"),
    kw("kw_any", "any", "任一"),
    kw("kw_all", "all", "全部"),
    kw("kw_average", "average", "平均"),
    kw("kw_paid", "paid", "支付"),
    kw("kw_on", "on", "在"),
    kw("kw_expires", "expires", "到期"),
    kw("kw_rank", "rank", "排名"),
    kw("kw_then", "then", "则"),
    kw("kw_within", "within", "组内"),
    kw("kw_lookup", "lookup", "查表"),
    kw("kw_otherwise", "otherwise", "其他"),
    kw("kw_band", "band", "分档"),
    kw("kw_marginal", "marginal", "累进"),
    kw("kw_running_sum", "running sum", "累计和"),
    kw("kw_portion_of", "portion of", "部分"),
    kw("kw_within_first", "within first", "位于前"),
    kw("kw_previous", "previous", "上一个"),
    kw("kw_ordered_by", "ordered by", "按序"),
    kw("kw_count_distinct", "distinct count", "去重计数"),
    kw("kw_top", "top", "最高"),
    kw("kw_balance_of", "balance of", "余额"),
    kw("kw_applied_to", "applied to", "抵扣"),
    kw("kw_expiring_after", "expiring after", "有效期"),
    kw("kw_lost_at", "lost at", "作废于"),
    kw("kw_item", "item", "项"),
];

/// The words that cannot be names (the grammar's `keyword` rule), English and Chinese side by
/// side, in the order the grammar tries the English ones.
///
/// The English order is kept as it always was: the grammar takes the first word that matches
/// and then needs the name to end, so `as` before `ascending` leaves `ascending` usable as a
/// name in English. The Chinese words are tried
/// longest first, so each of them is reserved.
pub const RESERVED: &[(&str, &str)] = &[
    ("where", "其中"),
    ("and", "且"),
    ("or", "或"),
    ("not", "非"),
    ("in", "属于"),
    ("is", "为"),
    ("known", "已知"),
    ("unknown", "未知"),
    ("if", "如果"),
    ("as", "折合"),
    ("of", "于"),
    ("per", "每"),
    ("through", "至"),
    ("true", "真"),
    ("false", "假"),
    ("sum", "求和"),
    ("count", "计数"),
    ("min", "最小"),
    ("max", "最大"),
    ("any", "任一"),
    ("all", "全部"),
    ("average", "平均"),
    ("distinct", "去重"),
    ("band", "分档"),
    ("marginal", "累进"),
    ("lookup", "查表"),
    ("otherwise", "其他"),
    ("rank", "排名"),
    ("within", "组内"),
    ("ascending", "升序"),
    ("descending", "降序"),
    ("then", "则"),
    ("else", "否则"),
    ("when", "条件"),
];

/// Chinese keywords that are also the names of units: `2 周` is two weeks (a duration), so a
/// quantity's unit may be `周`, while no other Chinese keyword can be one (`4.2 若未知 假` is a
/// number and `若未知`, not the quantity `4.2 若未知`).
pub const ALSO_UNITS: &[&str] = &["周"];

/// Whether a name must be written in backticks (`` `求和` ``) to be read as a name: the
/// grammar's `keyword` rule takes it as a reserved word of either set.
pub fn needs_escape(name: &str) -> bool {
    // The grammar takes the first English word the name starts with, and the name is reserved
    // when that word is all of it (see [`RESERVED`]); the Chinese words go longest first, so
    // each of them is reserved.
    let english = RESERVED
        .iter()
        .map(|(english, _)| *english)
        .find(|w| name.starts_with(w));
    english == Some(name) || RESERVED.iter().any(|(_, chinese)| *chinese == name)
}

/// A name as a file writes it: in backticks when it is a reserved word.
pub fn written_name(name: &str) -> std::borrow::Cow<'_, str> {
    if needs_escape(name) {
        std::borrow::Cow::Owned(format!("`{name}`"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

fn english(keyword: Keyword) -> &'static str {
    match keyword {
        Keyword::IfUnknown => "if unknown",
        Keyword::IfUnknownTrue => "if unknown true",
        Keyword::IfUnknownFalse => "if unknown false",
        Keyword::IsKnown => "is known",
        Keyword::IsUnknown => "is unknown",
        Keyword::IsWaitlisted => "is waitlisted",
        Keyword::RoundedDown => "rounded down",
        Keyword::RoundedUp => "rounded up",
        Keyword::RoundedHalfUp => "rounded half up",
        Keyword::RoundedHalfEven => "rounded half even",
        Keyword::AtMost => "at most",
        Keyword::AtLeast => "at least",
        Keyword::EligibleWhen => "eligible when",
        Keyword::Where => "where",
        Keyword::Of => "of",
        Keyword::Per => "per",
        Keyword::Through => "through",
        Keyword::As => "as",
        Keyword::In => "in",
        Keyword::Optional => "optional",
        Keyword::Budget => "budget",
        Keyword::FirstComeFirstServed => "first come first served",
        Keyword::InTotal => "in total",
        Keyword::SplitProRata => "split pro rata",
        Keyword::SplitEqually => "split equally",
        Keyword::Paid => "paid",
        Keyword::Expires => "expires",
        Keyword::Timezone => "timezone",
        Keyword::Unit => "unit",
        Keyword::Facts => "facts",
        Keyword::Value => "value",
        Keyword::Let => "let",
        Keyword::Window => "window",
        Keyword::Periods => "periods",
        Keyword::Parameter => "parameter",
        Keyword::Reward => "reward",
        Keyword::BandOf => "band of",
        Keyword::MarginalOf => "marginal of",
        Keyword::Lookup => "lookup",
        Keyword::Otherwise => "otherwise",
        Keyword::RankBy => "rank by",
        Keyword::Within => "within",
        Keyword::And => "and",
        Keyword::Or => "or",
        Keyword::Not => "not",
        Keyword::True => "true",
        Keyword::False => "false",
        Keyword::If => "if",
        Keyword::Then => "then",
        Keyword::Else => "else",
        Keyword::When => "when",
        Keyword::IsEarned => "is earned",
        Keyword::Fee => "fee",
        Keyword::RunningSum => "running sum",
        Keyword::Previous => "previous",
        Keyword::OrderedBy => "ordered by",
        Keyword::Top => "top",
        Keyword::BySumOf => "by sum of",
        Keyword::ByCount => "by count",
        Keyword::BalanceOf => "balance of",
        Keyword::AppliedTo => "applied to",
        Keyword::Month => "month",
        Keyword::ThenBy => "then by",
        Keyword::Ascending => "ascending",
        Keyword::Descending => "descending",
        Keyword::SumOf => "sum of",
        Keyword::Count => "count",
    }
}

fn chinese(keyword: Keyword) -> &'static str {
    match keyword {
        Keyword::IfUnknown => "若未知",
        Keyword::IfUnknownTrue => "若未知 真",
        Keyword::IfUnknownFalse => "若未知 假",
        Keyword::IsKnown => "为 已知",
        Keyword::IsUnknown => "为 未知",
        Keyword::IsWaitlisted => "为 候补",
        Keyword::RoundedDown => "按 向下舍入",
        Keyword::RoundedUp => "按 向上舍入",
        Keyword::RoundedHalfUp => "按 四舍五入",
        Keyword::RoundedHalfEven => "按 银行家舍入",
        Keyword::AtMost => "封顶",
        Keyword::AtLeast => "保底",
        Keyword::EligibleWhen => "资格 条件",
        Keyword::Where => "其中",
        Keyword::Of => "于",
        Keyword::Per => "每",
        Keyword::Through => "至",
        Keyword::As => "折合",
        Keyword::In => "属于",
        Keyword::Optional => "可缺",
        Keyword::Budget => "预算",
        Keyword::FirstComeFirstServed => "先到先得",
        Keyword::InTotal => "合计",
        Keyword::SplitProRata => "按比例分配",
        Keyword::SplitEqually => "平均分配",
        Keyword::Paid => "支付",
        Keyword::Expires => "到期",
        Keyword::Timezone => "时区",
        Keyword::Unit => "单位",
        Keyword::Facts => "事实",
        Keyword::Value => "值",
        Keyword::Let => "设",
        Keyword::Window => "窗口",
        Keyword::Periods => "周期",
        Keyword::Parameter => "参数",
        Keyword::Reward => "奖励",
        Keyword::BandOf => "分档 于",
        Keyword::MarginalOf => "累进 于",
        Keyword::Lookup => "查表",
        Keyword::Otherwise => "其他",
        Keyword::RankBy => "排名 按",
        Keyword::Within => "组内",
        Keyword::And => "且",
        Keyword::Or => "或",
        Keyword::Not => "非",
        Keyword::True => "真",
        Keyword::False => "假",
        Keyword::If => "如果",
        Keyword::Then => "则",
        Keyword::Else => "否则",
        Keyword::When => "条件",
        Keyword::IsEarned => "为 已获得",
        Keyword::Fee => "费用",
        Keyword::RunningSum => "累计和",
        Keyword::Previous => "上一个",
        Keyword::OrderedBy => "按序",
        Keyword::Top => "最高",
        Keyword::BySumOf => "按 求和 于",
        Keyword::ByCount => "按 计数",
        Keyword::BalanceOf => "余额",
        Keyword::AppliedTo => "抵扣",
        Keyword::Month => "月",
        Keyword::ThenBy => "则 按",
        Keyword::Ascending => "升序",
        Keyword::Descending => "降序",
        Keyword::SumOf => "求和 于",
        Keyword::Count => "计数",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_spelt_as_the_grammar_writes_them() {
        assert_eq!(Surface::English.spell(Keyword::IfUnknownFalse), "if unknown false");
        assert_eq!(Surface::default().spell(Keyword::RoundedDown), "rounded down");
        assert_eq!(Surface::Chinese.spell(Keyword::IfUnknownFalse), "若未知 假");
    }

    /// Each phrase messages quote is made of the table's words, in either set.
    #[test]
    fn phrases_are_made_of_table_words() {
        for surface in [Surface::English, Surface::Chinese] {
            for keyword in ALL_QUOTED {
                for word in surface.spell(*keyword).split(' ') {
                    let known = TABLE
                        .iter()
                        .any(|e| e.english.split(' ').any(|w| w == word) || e.chinese == word);
                    assert!(known, "{word:?} of {keyword:?} is not a keyword of the table");
                }
            }
        }
    }

    const ALL_QUOTED: &[Keyword] = &[
        Keyword::IfUnknownFalse,
        Keyword::IsWaitlisted,
        Keyword::RoundedHalfEven,
        Keyword::EligibleWhen,
        Keyword::BandOf,
        Keyword::RankBy,
        Keyword::IsEarned,
        Keyword::OrderedBy,
        Keyword::FirstComeFirstServed,
        Keyword::ThenBy,
        Keyword::Ascending,
        Keyword::Descending,
        Keyword::SumOf,
        Keyword::Count,
    ];

    /// Reserved words and keyword spellings never contain blanks in Chinese, and each Chinese
    /// reserved word is the spelling of a keyword rule (or, for `去重`, the head of one).
    #[test]
    fn chinese_words_are_single_words() {
        for entry in TABLE {
            assert!(!entry.chinese.is_empty() && !entry.chinese.contains(char::is_whitespace));
            assert_eq!(Surface::of_written(entry.chinese), Surface::Chinese);
            assert_eq!(Surface::of_written(entry.english), Surface::English);
        }
        for (_, chinese) in RESERVED {
            assert!(TABLE.iter().any(|e| e.chinese.starts_with(chinese)), "{chinese}");
        }
        assert!(needs_escape("求和") && needs_escape("where") && !needs_escape("奖励"));
        // As the grammar has always read them: `as` comes first and `ascending` goes on.
        assert!(!needs_escape("ascending") && needs_escape("otherwise") && !needs_escape("求和值"));
        assert_eq!(written_name("其中"), "`其中`");
    }
}
