//! The synthetic facts of the benchmarks (`generate`, `to_parquet`): a small
//! deterministic PRNG, timestamp formatting, and the records of each seed
//! campaign. A crate of its own, without the peer engines of `campaign-bench`,
//! so that generating data builds only `campaign` and the Parquet writer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub mod args;
pub mod data;

/// SplitMix64: tiny, fast and good enough for synthetic data; the same seed
/// always gives the same stream on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EED_CA4A_1C0D_E5A1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + ((self.next_u64() as u128 * span as u128) >> 64) as i64
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds of a Shanghai (UTC+8) wall-clock time.
pub fn shanghai(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - 8 * 3600
}

/// Writes `unix` as RFC 3339 with the offset `offset_hours` (0 is written `Z`),
/// with `millis` as a fraction when given.
pub fn write_rfc3339(out: &mut Vec<u8>, unix: i64, offset_hours: i64, millis: Option<u32>) {
    use std::io::Write;
    let local = unix + offset_hours * 3600;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if let Some(ms) = millis {
        let _ = write!(out, ".{ms:03}");
    }
    if offset_hours == 0 {
        out.push(b'Z');
    } else {
        let _ = write!(
            out,
            "{}{:02}:00",
            if offset_hours < 0 { '-' } else { '+' },
            offset_hours.abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in -1000..30_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let mut out = Vec::new();
        write_rfc3339(&mut out, shanghai(2024, 8, 22, 10, 0, 0), 8, None);
        assert_eq!(String::from_utf8(out).unwrap(), "2024-08-22T10:00:00+08:00");
        let mut out = Vec::new();
        write_rfc3339(&mut out, shanghai(2024, 8, 22, 10, 0, 0), 0, Some(250));
        assert_eq!(String::from_utf8(out).unwrap(), "2024-08-22T02:00:00.250Z");
    }
}
