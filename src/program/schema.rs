//! The fact schema a campaign declares: what each record handed to
//! `evaluate` must contain. The fact reader (`crate::facts`) reads records
//! straight into this shape.

/// The type of one fact, as declared in `facts { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactType {
    /// `text`: compared exactly, case-sensitive, no trimming.
    Text,
    /// `bool`: JSON `true`/`false` (CSV: `true`/`false`).
    Bool,
    /// `count`: a non-negative whole number.
    Count,
    /// `decimal`: an exact decimal number (JSON number or decimal string).
    Decimal,
    /// `fraction`: `0.02` means 2 %; a string ending in `%` is a percentage (`"2%"`).
    Fraction,
    /// `timestamp`: RFC 3339 with an offset; fractional seconds allowed.
    Timestamp,
    /// `duration`: a whole number of seconds, or text such as `"30 days"`.
    Duration,
    /// `money CNY`: an exact decimal amount in the currency (JSON number or decimal string).
    Money(String),
    /// `quantity points`: an exact decimal amount in a declared unit.
    Quantity(String),
    /// `one of "a", "b"`: a text that must be one of the choices.
    Enum(Vec<String>),
    /// `list of { ... }`: a JSON array of records.
    List(Box<RecordSchema>),
}

impl FactType {
    /// How the type is written in a campaign file, for messages.
    pub fn describe(&self) -> String {
        match self {
            FactType::Text => "text".into(),
            FactType::Bool => "true or false".into(),
            FactType::Count => "a whole number of at least 0".into(),
            FactType::Decimal => "a decimal number".into(),
            FactType::Fraction => "a fraction such as 0.02 or \"2%\"".into(),
            FactType::Timestamp => "a timestamp with an offset such as \"2024-08-22T10:00:00+08:00\"".into(),
            FactType::Duration => "a duration in seconds".into(),
            FactType::Money(c) => format!("an amount of {c} such as 12.30 or \"12.30\""),
            FactType::Quantity(u) => format!("an amount of {u}"),
            FactType::Enum(choices) => {
                let list: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
                format!("one of {}", list.join(", "))
            }
            FactType::List(_) => "a list of records".into(),
        }
    }
}

/// One declared fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSchema {
    /// The fact's name, as in the input records.
    pub name: String,
    /// Its type.
    pub ty: FactType,
    /// Whether it may be missing or `null` (meaning unknown).
    pub optional: bool,
}

/// The facts of one record (the top-level record, or an item of a list).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordSchema {
    /// The declared facts, in declaration order; a record's values are stored in this order.
    pub fields: Vec<FieldSchema>,
}

impl RecordSchema {
    /// The index of a fact by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Whether any fact is a list (such campaigns cannot read CSV).
    pub fn has_lists(&self) -> bool {
        self.fields.iter().any(|f| matches!(f.ty, FactType::List(_)))
    }
}
