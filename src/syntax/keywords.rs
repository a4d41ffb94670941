//! The keywords of the language as messages quote them.
//!
//! Diagnostics often tell the author what to write (`if unknown false`, `rounded down`). Those
//! words are the file's own keywords, and a campaign may be written with another keyword set
//! (a Chinese one is planned): messages spell keywords through [`Surface::spell`] rather than
//! writing them into their text, so that a message always quotes the words the author's file
//! uses.

/// A keyword set a campaign file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Surface {
    /// The English keywords of `grammar/campaign.pest`.
    #[default]
    English,
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
}

impl Surface {
    /// The keyword as a file of this surface writes it.
    pub fn spell(self, keyword: Keyword) -> &'static str {
        match self {
            Surface::English => english(keyword),
        }
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_spelt_as_the_grammar_writes_them() {
        assert_eq!(Surface::English.spell(Keyword::IfUnknownFalse), "if unknown false");
        assert_eq!(Surface::default().spell(Keyword::RoundedDown), "rounded down");
    }
}
