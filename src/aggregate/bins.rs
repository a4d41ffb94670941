//! Histograms with exact counts and a bounded number of bins, built one amount at a time.
//!
//! The binning rule: 0 has a bin of its own; any other amount falls in the bin `[lo, hi)`
//! of its absolute value, where consecutive edges run 1, 2, 5 times a power of ten
//! (…, 0.5, 1, 2, 5, 10, 20, 50, …), and negative amounts (a fee refunded) in the mirrored
//! bins. The edges are decided on the exact decimal (never a float), so every amount lands
//! in exactly one bin, and a decimal's 29 digits bound the bins to a few hundred however
//! many amounts are counted.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

/// Which bin an amount falls in: the sign, the power of ten and the step (1, 2 or 5) of its
/// lower edge. Orders bins from the most negative to the most positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bin {
    /// `-hi < x <= -lo`, ordered so that larger magnitudes come first.
    Negative(std::cmp::Reverse<(i32, u8)>),
    Zero,
    /// `lo <= x < hi`.
    Positive((i32, u8)),
}

/// Exact counts of amounts per bin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<Bin, usize>,
}

/// One bin of a histogram, as written in reports: `lo <= amount < hi` (for negative
/// amounts `lo < amount <= hi`; for the zero bin both are 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistogramBin {
    /// The lower edge.
    pub lo: Decimal,
    /// The upper edge.
    pub hi: Decimal,
    /// How many amounts fell in it.
    pub count: usize,
}

impl Histogram {
    /// Counts one amount.
    pub fn add(&mut self, amount: Decimal) {
        *self.counts.entry(bin_of(amount)).or_insert(0) += 1;
    }

    /// Adds the counts of `other` (the histogram of other amounts).
    pub fn merge(&mut self, other: &Histogram) {
        for (bin, n) in &other.counts {
            *self.counts.entry(*bin).or_insert(0) += n;
        }
    }

    /// The bins that counted something, from the lowest amounts to the highest.
    pub fn bins(&self) -> Vec<HistogramBin> {
        self.counts
            .iter()
            .map(|(bin, &count)| {
                let (lo, hi) = edges(*bin);
                HistogramBin { lo, hi, count }
            })
            .collect()
    }
}

/// The bin of `amount` (see the module documentation).
fn bin_of(amount: Decimal) -> Bin {
    if amount.is_zero() {
        return Bin::Zero;
    }
    let key = magnitude(amount.abs());
    if amount.is_sign_negative() {
        Bin::Negative(std::cmp::Reverse(key))
    } else {
        Bin::Positive(key)
    }
}

/// The power of ten and the step (1, 2 or 5) of the lower edge of a positive amount: for
/// `x = m × 10^-s` with `m` of `d` digits, `x` lies in `[10^(d-1-s), 10^(d-s))`, and its
/// leading digits tell the step.
fn magnitude(x: Decimal) -> (i32, u8) {
    let mantissa = x.mantissa().unsigned_abs();
    let digits = mantissa.checked_ilog10().unwrap_or(0);
    let lead = 10u128.checked_pow(digits).unwrap_or(1);
    let step = if mantissa >= 5 * lead {
        5
    } else if mantissa >= 2 * lead {
        2
    } else {
        1
    };
    let power = i32::try_from(digits).unwrap_or(0) - i32::try_from(x.scale()).unwrap_or(0);
    (power, step)
}

/// `step × 10^power` as a decimal (saturating beyond a decimal's range, which no amount reaches).
fn edge(power: i32, step: u8) -> Decimal {
    let step = Decimal::from(step);
    if power >= 0 {
        let ten = Decimal::from(10);
        (0..power)
            .try_fold(step, |acc, _| acc.checked_mul(ten))
            .unwrap_or(Decimal::MAX)
    } else {
        let scale = u32::try_from(-power).unwrap_or(28).min(28);
        step * Decimal::new(1, scale)
    }
}

/// The next edge after `step × 10^power`.
fn next(power: i32, step: u8) -> (i32, u8) {
    match step {
        1 => (power, 2),
        2 => (power, 5),
        _ => (power + 1, 1),
    }
}

/// The edges of a bin, lower first.
fn edges(bin: Bin) -> (Decimal, Decimal) {
    match bin {
        Bin::Zero => (Decimal::ZERO, Decimal::ZERO),
        Bin::Positive((power, step)) => {
            let (p, s) = next(power, step);
            (edge(power, step), edge(p, s))
        }
        Bin::Negative(std::cmp::Reverse((power, step))) => {
            let (p, s) = next(power, step);
            (-edge(p, s), -edge(power, step))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn counted(amounts: &[&str]) -> Vec<(String, String, usize)> {
        let mut h = Histogram::default();
        for a in amounts {
            h.add(d(a));
        }
        h.bins()
            .into_iter()
            .map(|b| (b.lo.normalize().to_string(), b.hi.normalize().to_string(), b.count))
            .collect()
    }

    #[test]
    fn edges_run_one_two_five_and_each_amount_lands_once() {
        // 1 and 1.99 in [1, 2); 2 and 4.999 in [2, 5); 5 in [5, 10); 10.00 in [10, 20).
        assert_eq!(
            counted(&["1", "1.99", "2", "4.999", "5", "10.00"]),
            [
                ("1".into(), "2".into(), 2),
                ("2".into(), "5".into(), 2),
                ("5".into(), "10".into(), 1),
                ("10".into(), "20".into(), 1)
            ]
        );
    }

    #[test]
    fn zero_small_large_and_negative_amounts_have_their_bins() {
        assert_eq!(
            counted(&["0", "0.00", "0.05", "0.1", "1234.5", "-3", "-0.2"]),
            [
                ("-5".into(), "-2".into(), 1),
                ("-0.5".into(), "-0.2".into(), 1),
                ("0".into(), "0".into(), 2),
                ("0.05".into(), "0.1".into(), 1),
                ("0.1".into(), "0.2".into(), 1),
                ("1000".into(), "2000".into(), 1)
            ]
        );
    }

    #[test]
    fn merged_counts_are_the_counts_of_all_amounts() {
        let (mut a, mut b, mut all) = (Histogram::default(), Histogram::default(), Histogram::default());
        for (i, x) in ["3", "7", "7.5", "0", "120"].iter().enumerate() {
            if i % 2 == 0 { &mut a } else { &mut b }.add(d(x));
            all.add(d(x));
        }
        a.merge(&b);
        assert_eq!(a, all);
    }
}
