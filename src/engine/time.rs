//! Simulated time as an integer number of nanoseconds.
//!
//! Integer time makes event ordering exact and runs reproducible on every machine;
//! `f64` seconds with an epsilon (the alternative some simulators use) lets two events
//! swap order depending on rounding. A `u64` of nanoseconds covers 584 years.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;
/// Seconds in an hour, for prices per hour turned into costs per second; the same hour
/// as [`SimDuration::HOUR`].
pub const SECS_PER_HOUR: f64 = 3600.0;

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A length of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_secs(secs: u64) -> SimTime {
        SimTime(secs * NANOS_PER_SEC)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    /// A clock hour: AWS bills reservations, savings plans and load balancers by it.
    pub const HOUR: SimDuration = SimDuration::from_secs(SECS_PER_HOUR as u64);

    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs * NANOS_PER_SEC)
    }

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000_000)
    }

    /// Rounds to the nearest nanosecond (halves away from zero, like `f64::round`);
    /// negative and NaN inputs become zero, values past `u64::MAX` saturate.
    #[inline]
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        if secs.is_nan() || secs <= 0.0 {
            SimDuration(0)
        } else {
            SimDuration(round_positive(secs * NANOS_PER_SEC as f64))
        }
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }
}

/// `x.round() as u64` for `x > 0`, bit for bit, without the call into libm that
/// `f64::round` costs on x86-64 without SSE4.1 (7 % of an M/M/10 run in the profile:
/// every service time and arrival gap is rounded). Truncation is one instruction; for
/// `x < 2^53` both `t = trunc(x)` and `x - t` are exact, so comparing the fraction with
/// 0.5 rounds exactly as `round` does; from 2^52 on every `f64` is an integer and the
/// fraction is 0; past `u64::MAX` the cast saturates, as `round() as u64` does.
#[inline]
fn round_positive(x: f64) -> u64 {
    let t = x as u64;
    if t < (1 << 53) && x - t as f64 >= 0.5 {
        t + 1
    } else {
        t
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0 + d.0)
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 += d.0;
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        SimDuration(self.0 - other.0)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0 + d.0)
    }
}

/// Formats with the largest unit that represents the duration exactly, so that
/// printing and parsing (`scenario::duration`) round-trip: `90s`, `250ms`, `2h`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 7] = [
            ("d", 86_400 * NANOS_PER_SEC),
            ("h", 3_600 * NANOS_PER_SEC),
            ("m", 60 * NANOS_PER_SEC),
            ("s", NANOS_PER_SEC),
            ("ms", 1_000_000),
            ("us", 1_000),
            ("ns", 1),
        ];
        if self.0 == 0 {
            return write!(f, "0s");
        }
        for (unit, nanos) in UNITS {
            if self.0 % nanos == 0 {
                return write!(f, "{}{unit}", self.0 / nanos);
            }
        }
        unreachable!("every duration is a whole number of nanoseconds")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_picks_the_largest_exact_unit() {
        assert_eq!(SimDuration::from_secs(90).to_string(), "90s");
        assert_eq!(SimDuration::from_secs(7200).to_string(), "2h");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1500ms");
        assert_eq!(SimDuration(0).to_string(), "0s");
    }

    /// The inline rounding agrees with `f64::round` on halves, near-halves, the 2^52 and
    /// 2^53 boundaries, huge values and a sweep of ordinary ones.
    #[test]
    fn round_positive_matches_f64_round() {
        let mut cases = vec![
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            0.5000000000000001,
            1e-300,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            f64::INFINITY,
        ];
        let mut x = 1e-3;
        while x < 1e18 {
            cases.extend([x, x + 0.5, x * 1.000_000_1]);
            x *= 1.37;
        }
        for x in cases {
            assert_eq!(round_positive(x), x.round() as u64, "{x}");
        }
    }

    #[test]
    fn from_secs_f64_rounds_and_clamps() {
        assert_eq!(SimDuration::from_secs_f64(1.5e-9), SimDuration(2));
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration(0));
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration(0));
    }
}

/// Durations appear in scenario files and resolved scenarios as strings with units.
impl serde::Serialize for SimDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
