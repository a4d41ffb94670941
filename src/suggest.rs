//! "Did you mean ...?": the closest known name to a misspelt one.
//!
//! One rule for facts, values, units, time zones and choices, so that every suggestion follows
//! it: a candidate equal to the name ignoring case first (the first such in order); otherwise
//! the candidate at the smallest edit distance, ignoring case, within a third of the longer
//! name's length (at least 1), the first in order among equals. The distance is
//! [`strsim::osa_distance`]: insertions, deletions, substitutions and swaps of two neighbouring
//! characters count one each, so `fraud_flaged` ~ `fraud_flagged`, `StoreScore` ~
//! `store_score` (one `_`) and `stroe_score` ~ `store_score` are all one edit.
//!
//! [`closest`] answers one question by trying every candidate. [`Names`] indexes a set of
//! candidates for many questions (a campaign with thousands of misspelt names, a fact file
//! with thousands of undeclared fields): a name one edit from a candidate, the usual slip, is
//! found by hashing, in time proportional to its length whatever the number of candidates;
//! only farther matches are searched for among candidates of a near length, within a total
//! amount of work per index (after which only one-edit slips are suggested). A test compares
//! the two on generated names.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

/// The candidate closest to `wrong`, if any is close enough to be a likely slip.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let wrong_chars = wrong.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let candidate_lower = candidate.to_lowercase();
        if candidate_lower == wrong_lower {
            return Some(candidate);
        }
        let distance = edit_distance(&wrong_lower, &candidate_lower);
        if distance <= limit(wrong_chars, candidate.chars().count()) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The edit distance between two names: insertions, deletions, substitutions and swaps of
/// neighbouring characters count one each (optimal string alignment).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The farthest a candidate may be from a name (both lengths in characters) and still be
/// suggested: a third of the longer one, at least one edit.
fn limit(wrong_chars: usize, candidate_chars: usize) -> usize {
    (wrong_chars.max(candidate_chars) / 3).max(1)
}

/// How many cells of edit-distance tables one [`Names`] may fill searching for matches two or
/// more edits away (about a tenth of a second): beyond it, only one-edit slips are suggested,
/// so that a file with tens of thousands of unknown names is not checked in quadratic time.
const FAR_SEARCH_WORK: usize = 50_000_000;

/// A set of candidate names indexed for many "did you mean" questions; the answers are those of
/// [`closest`] over the same candidates in the same order.
#[derive(Debug)]
pub struct Names {
    /// The candidates as given, in order.
    names: Vec<Box<str>>,
    /// Each candidate in lower case.
    lower: Vec<Box<str>>,
    /// Each candidate's length in characters, as given and in lower case.
    chars: Vec<(usize, usize)>,
    /// Lower-case spelling → the candidates spelt so, in order.
    by_lower: HashMap<Box<str>, Vec<u32>>,
    /// One-edit keys (see [`Key`]) → the first two candidates with the key, of different
    /// lower-case spellings.
    by_key: HashMap<u64, [u32; 2]>,
    /// Lower-case length → the candidates of that length, in order.
    by_length: BTreeMap<usize, Vec<u32>>,
    /// Answers already given, by name asked about.
    answers: RefCell<HashMap<Box<str>, Option<u32>>>,
    /// What is left of [`FAR_SEARCH_WORK`].
    far_work_left: Cell<usize>,
}

/// The keys under which a name is found by names one edit away. For a lower-case name `s` of
/// characters `s[0..n]` and `s\i`, `s` without its `i`-th character:
/// - `Whole(s)`: found by a name with one more character (`s` is it with one deleted);
/// - `Shorter(s\i)`: found by a name with one character less;
/// - `Replaced(s\i, i)`: found by a name differing in the `i`-th character only;
/// - `Swapped(s\i, i, s[i])`: found by a name with `s[i]` and a neighbour swapped.
#[derive(Clone, Copy)]
enum Key {
    Whole,
    Shorter,
    Replaced(usize),
    Swapped(usize, char),
}

impl Names {
    /// Indexes the candidates, in order (the first of equally close candidates is suggested).
    pub fn new<S: AsRef<str>>(candidates: impl IntoIterator<Item = S>) -> Self {
        Self::with_far_search_work(candidates, FAR_SEARCH_WORK)
    }

    fn with_far_search_work<S: AsRef<str>>(candidates: impl IntoIterator<Item = S>, work: usize) -> Self {
        let mut index = Names {
            names: Vec::new(),
            lower: Vec::new(),
            chars: Vec::new(),
            by_lower: HashMap::new(),
            by_key: HashMap::new(),
            by_length: BTreeMap::new(),
            answers: RefCell::new(HashMap::new()),
            far_work_left: Cell::new(work),
        };
        for candidate in candidates {
            index.push(candidate.as_ref());
        }
        index
    }

    fn push(&mut self, name: &str) {
        let Ok(i) = u32::try_from(self.names.len()) else {
            return;
        };
        let lower = name.to_lowercase();
        let lower_chars: Vec<char> = lower.chars().collect();
        self.chars.push((name.chars().count(), lower_chars.len()));
        self.by_lower.entry(lower.as_str().into()).or_default().push(i);
        self.by_length.entry(lower_chars.len()).or_default().push(i);
        let hashes = Hashes::new(&lower_chars);
        let mut keys = vec![key_hash(&hashes, None, Key::Whole)];
        for (at, c) in lower_chars.iter().enumerate() {
            keys.push(key_hash(&hashes, Some(at), Key::Shorter));
            keys.push(key_hash(&hashes, Some(at), Key::Replaced(at)));
            keys.push(key_hash(&hashes, Some(at), Key::Swapped(at, *c)));
        }
        for key in keys {
            let slot = self.by_key.entry(key).or_insert([i, u32::MAX]);
            let first_lower = slot.first().and_then(|f| self.lower.get(*f as usize));
            if slot.get(1) == Some(&u32::MAX)
                && slot.first() != Some(&i)
                && first_lower.is_some_and(|f| **f != *lower)
                && let Some(second) = slot.get_mut(1)
            {
                *second = i;
            }
        }
        self.names.push(name.into());
        self.lower.push(lower.into());
    }

    /// The candidate closest to `wrong`, if any is close enough to be a likely slip.
    pub fn closest(&self, wrong: &str) -> Option<&str> {
        if let Some(answer) = self.answers.borrow().get(wrong) {
            return answer.and_then(|i| self.name(i));
        }
        let answer = self.search(wrong);
        self.answers.borrow_mut().insert(wrong.into(), answer);
        answer.and_then(|i| self.name(i))
    }

    /// The closest of the candidates and one more, `last`, taken as if it came after them all
    /// (for a candidate that changes from one question to the next, such as the variable of a
    /// per-period definition, without indexing the others again).
    pub fn closest_with<'a>(&'a self, wrong: &str, last: Option<&'a str>) -> Option<&'a str> {
        let found = self.closest(wrong);
        let Some(last) = last.filter(|l| *l != wrong) else {
            return found;
        };
        let lower = wrong.to_lowercase();
        let last_lower = last.to_lowercase();
        let found_lower = found.map(str::to_lowercase);
        if found_lower.as_deref() == Some(lower.as_str()) {
            return found;
        }
        if last_lower == lower {
            return Some(last);
        }
        let distance = edit_distance(&lower, &last_lower);
        let within = distance <= limit(wrong.chars().count(), last.chars().count());
        match found_lower {
            Some(f) if edit_distance(&lower, &f) <= distance => found,
            _ if within => Some(last),
            _ => found,
        }
    }

    /// Whether some candidate other than `name` itself is close enough to `name` to be a
    /// likely slip for it.
    pub fn is_close(&self, name: &str) -> bool {
        self.closest(name).is_some()
    }

    fn name(&self, i: u32) -> Option<&str> {
        self.names.get(i as usize).map(|n| &**n)
    }

    fn search(&self, wrong: &str) -> Option<u32> {
        let lower = wrong.to_lowercase();
        // The same name ignoring case.
        if let Some(same) = self.by_lower.get(lower.as_str()) {
            let other = same.iter().find(|i| self.name(**i) != Some(wrong));
            if let Some(i) = other {
                return Some(*i);
            }
        }
        let lower_chars: Vec<char> = lower.chars().collect();
        match self.one_edit_away(&lower, &lower_chars) {
            Ok(Some(i)) => Some(i),
            // Nothing one edit away: search farther.
            Ok(None) => self.far(wrong, &lower, lower_chars.len(), 2),
            // A hash collision: search everything.
            Err(()) => self.far(wrong, &lower, lower_chars.len(), 1),
        }
    }

    /// The first candidate one edit from `lower`, found through the keys; `Err` if a key
    /// led to a candidate that is not one edit away (a collision of hashes).
    fn one_edit_away(&self, lower: &str, chars: &[char]) -> Result<Option<u32>, ()> {
        let hashes = Hashes::new(chars);
        // What each kind of candidate stored, seen from `lower`: a candidate with one more
        // character stored `Shorter` keys equal to `lower` whole; one with one character less
        // is `lower` without one (its `Whole`); the same length, `Replaced` or `Swapped` keys.
        let mut queries = vec![key_hash(&hashes, None, Key::Shorter)];
        for (at, c) in chars.iter().enumerate() {
            queries.push(key_hash(&hashes, Some(at), Key::Whole));
            queries.push(key_hash(&hashes, Some(at), Key::Replaced(at)));
            if at > 0 {
                queries.push(key_hash(&hashes, Some(at), Key::Swapped(at - 1, *c)));
            }
            queries.push(key_hash(&hashes, Some(at), Key::Swapped(at + 1, *c)));
        }
        let mut best: Option<u32> = None;
        let mut collided = false;
        for query in queries {
            let Some(slot) = self.by_key.get(&query) else { continue };
            // The first of the slot that is not `lower` itself (the name asked about may be
            // a candidate: it is never its own suggestion).
            let hit = slot
                .iter()
                .copied()
                .filter(|i| *i != u32::MAX)
                .find(|i| self.lower.get(*i as usize).is_some_and(|l| **l != *lower));
            let Some(i) = hit else { continue };
            let Some(candidate) = self.lower.get(i as usize) else {
                continue;
            };
            if edit_distance(lower, candidate) != 1 {
                collided = true;
                continue;
            }
            if best.is_none_or(|b| i < b) {
                best = Some(i);
            }
        }
        if collided { Err(()) } else { Ok(best) }
    }

    /// The first of the closest candidates at least `from` edits away, among those of a near
    /// length, within the work left.
    fn far(&self, wrong: &str, lower: &str, lower_len: usize, from: usize) -> Option<u32> {
        let wrong_chars = wrong.chars().count();
        let mut best: Option<(usize, u32)> = None;
        for (length, candidates) in &self.by_length {
            // The distance is at least the difference of lengths; lower case never has fewer
            // characters than the name as given, so no candidate of this length is close enough.
            let apart = length.abs_diff(lower_len);
            if apart > limit(wrong_chars, *length) {
                continue;
            }
            for i in candidates.iter().copied() {
                let cost = lower_len.saturating_mul(*length).saturating_add(1);
                let left = self.far_work_left.get();
                if left < cost {
                    return best.map(|(_, i)| i);
                }
                self.far_work_left.set(left - cost);
                let Some(&(given_chars, _)) = self.chars.get(i as usize) else {
                    continue;
                };
                let bound = limit(wrong_chars, given_chars).min(best.map_or(usize::MAX, |(d, _)| d));
                if apart > bound || self.name(i) == Some(wrong) {
                    continue;
                }
                let Some(candidate) = self.lower.get(i as usize) else {
                    continue;
                };
                let distance = edit_distance(lower, candidate);
                if distance < from || distance > bound {
                    continue;
                }
                if best.is_none_or(|(d, b)| distance < d || (distance == d && i < b)) {
                    best = Some((distance, i));
                }
            }
        }
        best.map(|(_, i)| i)
    }
}

/// Polynomial hashes of every prefix and suffix of a name, so that the hash of the name with
/// any one character left out is found in constant time: the keys of a name take time
/// proportional to its length, not to its square.
struct Hashes {
    /// `prefix[i]`: the hash of the first `i` characters.
    prefix: Vec<u64>,
    /// `suffix[i]`: the hash of the characters from `i` on.
    suffix: Vec<u64>,
    /// `power[i]`: `BASE^i`.
    power: Vec<u64>,
}

const BASE: u64 = 0x100_0000_01b3;

impl Hashes {
    fn new(chars: &[char]) -> Self {
        let n = chars.len();
        let mut prefix = Vec::with_capacity(n + 1);
        let mut power = Vec::with_capacity(n + 1);
        prefix.push(0u64);
        power.push(1u64);
        let mut h = 0u64;
        let mut p = 1u64;
        for c in chars {
            h = h.wrapping_mul(BASE).wrapping_add(u64::from(*c) + 1);
            p = p.wrapping_mul(BASE);
            prefix.push(h);
            power.push(p);
        }
        let mut suffix = vec![0u64; n + 1];
        let mut h = 0u64;
        for (i, c) in chars.iter().enumerate().rev() {
            // suffix[i] = c * BASE^(n-1-i) + suffix[i+1]
            let weight = power.get(n - 1 - i).copied().unwrap_or(1);
            h = h.wrapping_add((u64::from(*c) + 1).wrapping_mul(weight));
            if let Some(slot) = suffix.get_mut(i) {
                *slot = h;
            }
        }
        Hashes { prefix, suffix, power }
    }

    /// The hash of the name without its `at`-th character, or of the whole name.
    fn without(&self, at: Option<usize>) -> u64 {
        let n = self.prefix.len() - 1;
        match at {
            None => self.prefix.get(n).copied().unwrap_or(0),
            Some(at) => {
                let before = self.prefix.get(at).copied().unwrap_or(0);
                let after = self.suffix.get(at + 1).copied().unwrap_or(0);
                let shift = self.power.get(n - 1 - at).copied().unwrap_or(1);
                before.wrapping_mul(shift).wrapping_add(after)
            }
        }
    }

    fn len(&self) -> usize {
        self.prefix.len() - 1
    }
}

/// One key of [`Names`]: the hash of the name (without one character) mixed with what kind of
/// key it is, so that keys of different kinds do not meet.
fn key_hash(hashes: &Hashes, at: Option<usize>, key: Key) -> u64 {
    let base = hashes.without(at);
    let length = hashes.len() as u64 - u64::from(at.is_some());
    let (tag, a, b) = match key {
        Key::Whole => (1u64, 0u64, 0u64),
        Key::Shorter => (2, 0, 0),
        Key::Replaced(i) => (3, i as u64, 0),
        Key::Swapped(i, c) => (4, i as u64, u64::from(c)),
    };
    let mut h = base ^ 0x9e37_79b9_7f4a_7c15;
    for part in [length, tag, a, b] {
        h = (h ^ part).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("store_score", "store_score"), 0);
        assert_eq!(edit_distance("store_scor", "store_score"), 1);
        assert_eq!(edit_distance("stroe_score", "store_score"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("店铺评分", "店铺分"), 1);
    }

    #[test]
    fn suggestions() {
        let names = ["store_score", "registered_at", "sales"];
        assert_eq!(closest("store_scroe", names), Some("store_score"));
        assert_eq!(closest("Store_Score", names), Some("store_score"));
        assert_eq!(closest("registerd_at", names), Some("registered_at"));
        assert_eq!(closest("gmv", names), None);
    }

    #[test]
    fn case_and_separators_are_slips() {
        let names = ["fraud_flagged", "store_score", "gmv"];
        for (wrong, meant) in [
            ("fraud_flaged", "fraud_flagged"),
            ("StoreScore", "store_score"),
            ("store-score", "store_score"),
            ("FRAUD_FLAGGED", "fraud_flagged"),
        ] {
            assert_eq!(closest(wrong, names), Some(meant), "{wrong}");
            let index = Names::new(names);
            assert_eq!(index.closest(wrong), Some(meant), "{wrong}");
            assert!(index.is_close(wrong));
        }
        assert!(!Names::new(names).is_close("turnover"));
        // A name is never its own suggestion.
        assert!(!Names::new(names).is_close("gmv"));
    }

    #[test]
    fn the_index_answers_as_the_scan_does_on_each_kind_of_slip() {
        let names = [
            "amount_a",
            "amount_b",
            "amunot_c",
            "store",
            "stores",
            "Store",
            "店铺评分",
        ];
        for wrong in [
            "amount_c",
            "amount_x",
            "amuont_a",
            "amount_",
            "amount_ab",
            "stor",
            "STORE",
            "Store",
            "storse",
            "店铺分",
            "x",
            "",
            "amount_zz",
        ] {
            assert_eq!(Names::new(names).closest(wrong), closest(wrong, names), "{wrong:?}");
        }
    }

    #[test]
    fn one_more_candidate_is_taken_as_the_last() {
        let names = ["month_gmv", "months"];
        for (wrong, last) in [
            ("mnth", "mnth_"),
            ("month", "Month"),
            ("monthgmv", "monthgmvv"),
            ("zzz", "zzy"),
        ] {
            let all: Vec<&str> = names.iter().copied().chain([last]).collect();
            assert_eq!(
                Names::new(names).closest_with(wrong, Some(last)),
                closest(wrong, all),
                "{wrong} {last}"
            );
        }
    }

    #[test]
    fn far_matches_stop_after_the_work_allowed_but_one_edit_slips_do_not() {
        let names = ["registration_time", "settlement_month"];
        let index = Names::with_far_search_work(names, 0);
        assert_eq!(index.closest("registration_tim"), Some("registration_time"));
        // Three edits away: found by the scan, not without work left.
        assert_eq!(closest("regstraton_tme", names), Some("registration_time"));
        assert_eq!(index.closest("regstraton_tme"), None);
    }

    fn name() -> impl Strategy<Value = String> {
        let letters = proptest::sample::select(vec!['a', 'b', 'A', 'B', '_', 'c', '店']);
        proptest::collection::vec(letters, 0..7).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn the_index_agrees_with_the_scan(candidates in proptest::collection::vec(name(), 0..12), wrong in name()) {
            let index = Names::new(&candidates);
            let expected = closest(&wrong, candidates.iter().map(String::as_str));
            prop_assert_eq!(index.closest(&wrong), expected);
            // Asked again, from the answers kept.
            prop_assert_eq!(index.closest(&wrong), expected);
        }

        #[test]
        fn one_more_candidate_agrees_with_the_scan(candidates in proptest::collection::vec(name(), 0..8), last in name(), wrong in name()) {
            let index = Names::new(&candidates);
            let all: Vec<&str> = candidates.iter().map(String::as_str).chain([last.as_str()]).collect();
            prop_assert_eq!(index.closest_with(&wrong, Some(&last)), closest(&wrong, all));
        }
    }
}
