//! The evaluator's shortcuts: ways of computing what [`super::reference`] says, faster.
//!
//! Each shortcut must give exactly what the reference gives, error for error, on every
//! program and record; each can be turned off ([`Shortcuts`]), and `tests/equivalence.rs`
//! evaluates every campaign and fact file of the project, and randomly edited records, with
//! each shortcut alone and with all of them, against the reference.
//!
//! | shortcut | what it does | the reference it must equal |
//! |---|---|---|
//! | truth values ([`truth`]) | filters, conditions and yes/no computed fields decided as a one-byte [`Truth`](super::reference::Truth) in registers; tests of a fact against a constant read the fact in place | [`Truth::of_value`](super::reference::Truth::of_value) of [`Env::eval`](super::env::Env) of the same node |
//! | fused nodes (`check::optimise`) | `FactCompare`, `FactInWindow`, `FactInSet`: a fact tested against a constant in one node | the unfused `Compare(op, Fact, Const)`, `InWindow(Fact, Const)`, `InSet(Fact, Const)`, as the unoptimised program has them; `eval` of a fused node is written as that of the unfused one |
//! | in place ([`Shortcuts::in_place`]) | an amount `a × b` multiplied without a general value; sums of amounts added without building a value | `eval` of the product; [`Accumulator::add`](super::reference::Accumulator) of the value |
//! | the period split ([`period`]) | a per-period aggregate whose list has one test "timestamp in the period" computed in one pass over the list, each item placed in its period by a binary search (later conjuncts that use other per-period values evaluated with the item's period current) | one pass per period, each period's aggregate as `eval` gives it |
//! | sorted counts ([`sorted`]) | `count of ys where y > x` (and `sum of ys.v where ...`) for each item of another list: the kept items' `y` sorted once per record (with prefix sums of `v`), each count or sum two binary searches | the aggregate as [`Env::aggregate`](super::env::Env) walks it |
//! | orders sorted once ([`ordered`]) | `running sum of`, `portion of ... within first` and `previous` for every item of a list at once: the list read once, sorted by its keys, walked once, the standings remembered for the list | each item's standing found by reading every other item of its list |
//! | conjuncts pushed down ([`pushdown`]) | a definition's list conjunct that reads only an outer item (`qualifying` of a mini program, in a sum over its orders) tested once per outer item, whose inner items are not walked when it fails; moved only past conjuncts that cannot fail | every conjunct tested on each innermost item, in the order written |
//! | caches ([`cache`]) | a computed field computed once per item (once per visit for flat fields), an aggregate that reads only the top-level record once per record and period, one that reads an item around it but not the innermost ones once per visit of that item and period | the field's expression evaluated at each use, with its record on top; the aggregate evaluated at each use |
//!
//! `Evaluator::plain` takes none of them; `Evaluator::with_shortcuts` takes the given ones.

pub(super) mod cache;
pub(super) mod ordered;
pub(super) mod period;
pub(super) mod pushdown;
pub(super) mod sorted;
pub(super) mod truth;

/// Which of the evaluator's shortcuts are taken. The outcome is the same whichever are; only
/// the time taken differs. For tests that compare each shortcut with the reference.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortcuts {
    /// Filters, conditions and yes/no computed fields decided as truth values, tests of facts
    /// read in place ([`truth`]).
    pub truth: bool,
    /// Amounts multiplied and sums of amounts added in place, without general values.
    pub in_place: bool,
    /// Per-period aggregates computed in one pass over their list ([`period`]).
    pub period_split: bool,
    /// Computed fields and record-wide aggregates computed once and remembered ([`cache`]).
    pub caches: bool,
    /// Counts of a list by a comparison with another item done by binary search ([`sorted`]).
    pub sorted: bool,
    /// Ordered values of every item of a list computed at once, from one sort ([`ordered`]).
    pub ordered: bool,
    /// A definition's conjuncts tested at the outermost list level they read ([`pushdown`]).
    pub pushdown: bool,
}

impl Shortcuts {
    /// Every shortcut: how the evaluator runs.
    pub const ALL: Shortcuts = Shortcuts {
        truth: true,
        in_place: true,
        period_split: true,
        caches: true,
        sorted: true,
        ordered: true,
        pushdown: true,
    };

    /// No shortcut: the reference semantics alone.
    pub const NONE: Shortcuts = Shortcuts {
        truth: false,
        in_place: false,
        period_split: false,
        caches: false,
        sorted: false,
        ordered: false,
        pushdown: false,
    };

    /// Each shortcut alone, with its name.
    pub fn each() -> [(&'static str, Shortcuts); 7] {
        let none = Shortcuts::NONE;
        [
            ("truth values", Shortcuts { truth: true, ..none }),
            ("in place", Shortcuts { in_place: true, ..none }),
            (
                "the period split",
                Shortcuts {
                    period_split: true,
                    ..none
                },
            ),
            ("caches", Shortcuts { caches: true, ..none }),
            ("sorted counts", Shortcuts { sorted: true, ..none }),
            ("orders sorted once", Shortcuts { ordered: true, ..none }),
            ("conjuncts pushed down", Shortcuts { pushdown: true, ..none }),
        ]
    }
}
