//! Sharing what is left of a budget among claims that do not all fit: pro rata, or equally.
//!
//! Both work in whole payable steps (0.01 CNY, 1 point) as integers, so that the shares are
//! exact and add up: when the claims fit, each gets its claim; otherwise the shares add up to
//! what is left, cut to whole steps, and none is above its claim. The steps a cut leaves over
//! go one each by a stated rule, and ties go to the claim given first: callers give the claims
//! in the order that breaks ties (the queue, or the input).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Why a share could not be computed exactly: the amounts are too large for whole steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLarge;

/// How what is left is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// Each share `claim × left ÷ claims`, cut to whole steps; the steps left over go one each
    /// to the largest remainders.
    ProRata,
    /// The same share for each, but none above its claim (what a small claim leaves goes to
    /// the others); the steps left over go one each to the first claims given.
    Equally,
}

/// The share of each claim of `claims` in `left`, in steps of `step`, in the order given.
/// When the claims add up to at most `left`, each share is its claim.
pub(super) fn share(cut: Cut, claims: &[Decimal], left: Decimal, step: Decimal) -> Result<Vec<Decimal>, TooLarge> {
    let total = claims
        .iter()
        .try_fold(Decimal::ZERO, |sum, c| sum.checked_add(*c))
        .ok_or(TooLarge)?;
    if total <= left {
        return Ok(claims.to_vec());
    }
    let steps = claims
        .iter()
        .map(|c| steps_of(*c, step))
        .collect::<Result<Vec<_>, _>>()?;
    let left = steps_of(left.max(Decimal::ZERO), step)?;
    let shares = match cut {
        Cut::ProRata => pro_rata(&steps, left)?,
        Cut::Equally => equally(&steps, left)?,
    };
    shares.into_iter().map(|s| amount_of(s, step)).collect()
}

/// Whole steps in `amount` (cut down: a claim is a whole number of steps, what is left may not be).
fn steps_of(amount: Decimal, step: Decimal) -> Result<i128, TooLarge> {
    amount
        .checked_div(step)
        .map(|n| n.floor())
        .and_then(|n| n.to_i128())
        .ok_or(TooLarge)
}

/// `n` steps as an amount written with the step's decimals.
fn amount_of(n: i128, step: Decimal) -> Result<Decimal, TooLarge> {
    let mantissa = n.checked_mul(step.mantissa()).ok_or(TooLarge)?;
    Decimal::try_from_i128_with_scale(mantissa, step.scale()).map_err(|_| TooLarge)
}

/// Largest remainders: each gets `claim × left ÷ total` cut down; the `k` steps that leaves go
/// one each to the `k` largest remainders, equal remainders to the claim given first. A share
/// is never above its claim: its exact share is below the claim, so cut down and given one more
/// step it is at most the claim, and only claims with a remainder get a step.
fn pro_rata(claims: &[i128], left: i128) -> Result<Vec<i128>, TooLarge> {
    let total = claims
        .iter()
        .try_fold(0i128, |s, c| s.checked_add(*c))
        .ok_or(TooLarge)?;
    if total <= 0 {
        return Ok(vec![0; claims.len()]);
    }
    let mut shares = Vec::with_capacity(claims.len());
    let mut remainders = Vec::with_capacity(claims.len());
    for (i, c) in claims.iter().enumerate() {
        let product = c.checked_mul(left).ok_or(TooLarge)?;
        shares.push(product / total);
        remainders.push((product % total, i));
    }
    let given: i128 = shares.iter().sum();
    let over = usize::try_from(left - given).map_err(|_| TooLarge)?;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(over) {
        if let Some(s) = shares.get_mut(i) {
            *s += 1;
        }
    }
    Ok(shares)
}

/// Equal shares with none above its claim ("water filling"): from the smallest claim up, a
/// claim no larger than an equal share of what is left is paid whole; the claims left then
/// share what remains equally, and the steps that leaves go one each to the first of them in
/// the order given. Each of those claims is above the equal share, so one step more is still
/// at most the claim.
fn equally(claims: &[i128], left: i128) -> Result<Vec<i128>, TooLarge> {
    let mut shares = vec![0i128; claims.len()];
    let mut by_size: Vec<usize> = (0..claims.len()).collect();
    by_size.sort_by(|a, b| claims.get(*a).cmp(&claims.get(*b)).then(a.cmp(b)));
    let mut remaining = left;
    let mut waiting = claims.len();
    let mut rest: Vec<usize> = Vec::new();
    for (n, i) in by_size.iter().enumerate() {
        let claim = claims.get(*i).copied().unwrap_or(0);
        let count = i128::try_from(waiting).map_err(|_| TooLarge)?;
        if claim.checked_mul(count).ok_or(TooLarge)? <= remaining {
            if let Some(s) = shares.get_mut(*i) {
                *s = claim;
            }
            remaining -= claim;
            waiting -= 1;
        } else {
            rest = by_size.get(n..).map(<[usize]>::to_vec).unwrap_or_default();
            break;
        }
    }
    if rest.is_empty() {
        return Ok(shares);
    }
    rest.sort_unstable();
    let count = i128::try_from(rest.len()).map_err(|_| TooLarge)?;
    let each = remaining / count;
    let over = usize::try_from(remaining % count).map_err(|_| TooLarge)?;
    for (n, i) in rest.into_iter().enumerate() {
        if let Some(s) = shares.get_mut(i) {
            *s = each + i128::from(n < over);
        }
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::{Cut, share};

    fn cny(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn shares(cut: Cut, claims: &[&str], left: &str) -> Vec<String> {
        let claims: Vec<Decimal> = claims.iter().map(|c| cny(c)).collect();
        match share(cut, &claims, cny(left), cny("0.01")) {
            Ok(v) => v.iter().map(ToString::to_string).collect(),
            Err(_) => vec!["too large".into()],
        }
    }

    #[test]
    fn claims_that_fit_are_paid_whole() {
        assert_eq!(shares(Cut::ProRata, &["3.00", "2.00"], "5.00"), ["3.00", "2.00"]);
        assert_eq!(shares(Cut::Equally, &["3.00", "2.00"], "9.00"), ["3.00", "2.00"]);
    }

    #[test]
    fn pro_rata_gives_the_leftover_cents_to_the_largest_remainders() {
        // 10.00 among 3 × 10.00: 3.333… each; 1,000 fen = 333 × 3 + 1, the cent to the first.
        assert_eq!(
            shares(Cut::ProRata, &["10.00", "10.00", "10.00"], "10.00"),
            ["3.34", "3.33", "3.33"]
        );
        // 1.00 among 1.00, 2.00: 33⅓ and 66⅔ fen: 33 and 66, the cent to the ⅔ remainder.
        assert_eq!(shares(Cut::ProRata, &["1.00", "2.00"], "1.00"), ["0.33", "0.67"]);
    }

    #[test]
    fn equal_shares_never_exceed_a_claim() {
        // 10.00 among claims 1.00, 20.00, 20.00: 1.00 whole, then 9.00 / 2 = 4.50 each.
        assert_eq!(
            shares(Cut::Equally, &["20.00", "1.00", "20.00"], "10.00"),
            ["4.50", "1.00", "4.50"]
        );
        // 0.10 among 3: 3 fen each and one over, to the first given.
        assert_eq!(
            shares(Cut::Equally, &["5.00", "5.00", "5.00"], "0.10"),
            ["0.04", "0.03", "0.03"]
        );
    }

    proptest! {
        #[test]
        fn shares_add_up_and_never_exceed_a_claim(
            claims in proptest::collection::vec(1i64..5_000_000, 1..40),
            left in 0i64..50_000_000,
            equally in any::<bool>(),
        ) {
            let cut = if equally { Cut::Equally } else { Cut::ProRata };
            let claims: Vec<Decimal> = claims.iter().map(|c| Decimal::new(*c, 2)).collect();
            let left = Decimal::new(left, 2);
            let got = share(cut, &claims, left, Decimal::new(1, 2));
            prop_assert!(got.is_ok());
            let got = got.unwrap_or_default();
            let total: Decimal = claims.iter().sum();
            let given: Decimal = got.iter().sum();
            prop_assert_eq!(given, total.min(left));
            for (g, c) in got.iter().zip(&claims) {
                prop_assert!(*g <= *c && *g >= Decimal::ZERO, "share {} of claim {}", g, c);
            }
        }
    }
}
