//! "Did you mean ...?": the closest known name to a misspelt one.
//!
//! One helper for facts, values, units, time zones and choices, so that every
//! suggestion follows the same rule: an exact match ignoring case first, then
//! the smallest edit distance within a third of the name's length.

/// The candidate closest to `wrong`, if any is close enough to be a likely slip.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        if candidate.to_lowercase() == wrong_lower {
            return Some(candidate);
        }
        let distance = edit_distance(&wrong_lower, &candidate.to_lowercase());
        let limit = (wrong.chars().count().max(candidate.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters (transpositions count as one edit).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows of the classic dynamic programme, keeping two previous rows for transpositions.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let insertion = current.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            let substitution = previous.get(j).copied().unwrap_or(usize::MAX).saturating_add(cost);
            let mut best = deletion.min(insertion).min(substitution);
            if i > 0
                && j > 0
                && a.get(i - 1) == Some(cb)
                && b.get(j - 1) == Some(ca)
                && let Some(t) = before.get(j - 1)
            {
                best = best.min(t + 1);
            }
            current.push(best);
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
