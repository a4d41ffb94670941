//! The terms as a small document — sections of paragraphs, lists and tables made of
//! phrases — written out as Markdown or HTML by `markdown.rs` and `html.rs`.
//!
//! The wording is decided once, here in the tree; the two writers only lay it out and
//! escape it, so that the two formats can never say different things.

/// One piece of a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Words of the terms.
    Text(String),
    /// A name or a formula as the file writes it, shown as code.
    Code(String),
    /// A reason as the campaign's author wrote it, shown as written and emphasised.
    Reason(String),
}

/// A run of text, names and formulas.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phrase(pub Vec<Piece>);

impl Phrase {
    /// A phrase of words.
    pub fn text(s: impl Into<String>) -> Phrase {
        let mut p = Phrase::default();
        p.push_text(s);
        p
    }

    /// A phrase of one name or formula.
    pub fn code(s: impl Into<String>) -> Phrase {
        Phrase(vec![Piece::Code(s.into())])
    }

    /// Appends words, joined to the words before.
    pub fn push_text(&mut self, s: impl Into<String>) {
        let s = s.into();
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Text(last)) = self.0.last_mut() {
            last.push_str(&s);
        } else {
            self.0.push(Piece::Text(s));
        }
    }

    /// Appends a name or formula.
    pub fn push_code(&mut self, s: impl Into<String>) {
        self.0.push(Piece::Code(s.into()));
    }

    /// Appends a reason.
    pub fn push_reason(&mut self, s: impl Into<String>) {
        self.0.push(Piece::Reason(s.into()));
    }

    /// Appends another phrase.
    pub fn append(&mut self, other: Phrase) {
        for piece in other.0 {
            match piece {
                Piece::Text(s) => self.push_text(s),
                Piece::Code(s) => self.0.push(Piece::Code(s)),
                Piece::Reason(s) => self.0.push(Piece::Reason(s)),
            }
        }
    }

    /// This phrase followed by words.
    pub fn then(mut self, s: &str) -> Phrase {
        self.push_text(s);
        self
    }

    /// This phrase followed by another.
    pub fn and(mut self, other: Phrase) -> Phrase {
        self.append(other);
        self
    }

    /// Words, then this phrase.
    pub fn after(self, s: &str) -> Phrase {
        Phrase::text(s).and(self)
    }

    /// The phrases joined by `sep`.
    pub fn join(parts: impl IntoIterator<Item = Phrase>, sep: &str) -> Phrase {
        let mut out = Phrase::default();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_text(sep);
            }
            out.append(part);
        }
        out
    }
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Phrase),
    /// A bulleted list.
    Bullets(Vec<Phrase>),
    /// A numbered list.
    Numbered(Vec<Phrase>),
    /// A table: its header and rows (each row as many cells as the header).
    Table {
        /// The column headings.
        header: Vec<Phrase>,
        /// The rows.
        rows: Vec<Vec<Phrase>>,
    },
}

/// A section under a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// 2 for a section, 3 for one of its parts.
    pub level: u8,
    /// The heading.
    pub heading: Phrase,
    /// What it says.
    pub blocks: Vec<Block>,
}

/// The whole terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The campaign's name.
    pub title: String,
    /// The language tag (`zh-CN`, `en`), for HTML.
    pub lang_tag: &'static str,
    /// What comes before the first section.
    pub preamble: Vec<Block>,
    /// The sections, in order.
    pub sections: Vec<Section>,
}
