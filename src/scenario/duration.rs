//! Durations with units, as written in scenario files: `"250ms"`, `"90s"`, `"1.5h"`.
//!
//! Parsing is exact decimal arithmetic on integers (no `f64`), so `"0.1s"` is exactly
//! 100 ms and printing a parsed duration gives the same value back.

use crate::engine::SimDuration;

const UNITS: [(&str, u64); 7] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

/// Parses `<number><unit>` with unit one of ns, us, ms, s, m, h, d.
pub(crate) fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim());
    if number.is_empty() {
        return Err("expected a number followed by a unit, like \"90s\" or \"250ms\"".into());
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(if unit.is_empty() {
            "a duration needs a unit (ns, us, ms, s, m, h, d), like \"90s\"".into()
        } else {
            format!("unknown unit `{unit}`; use ns, us, ms, s, m, h or d")
        });
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty() || frac.contains('.') {
        return Err(format!("`{number}` is not a number"));
    }
    if whole.len() + frac.len() > 20 {
        return Err("duration too large".into());
    }
    // value = (whole + frac / 10^k) * scale, computed exactly in u128.
    let digits = |d: &str| {
        d.bytes()
            .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'))
    };
    let denominator = 10u128.pow(frac.len() as u32);
    let numerator = (digits(whole) * denominator + digits(frac)) * u128::from(scale);
    if numerator % denominator != 0 {
        return Err("finer than one nanosecond".into());
    }
    let nanos =
        u64::try_from(numerator / denominator).map_err(|_| "duration too large".to_string())?;
    Ok(SimDuration(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration::from_millis(250)));
        assert_eq!(parse_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(SimDuration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(SimDuration::from_secs(7200)));
        assert_eq!(
            parse_duration("30d"),
            Ok(SimDuration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration::from_millis(1500)));
        assert_eq!(parse_duration("0.1m"), Ok(SimDuration::from_secs(6)));
        assert_eq!(parse_duration(" 7 us "), Ok(SimDuration(7_000)));
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "90",
            "s",
            "ten s",
            "5 parsecs",
            "1.2.3s",
            "-5s",
            "1e3s",
            "99999999999999999999d",
            "0.5ns",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn round_trips_through_display() {
        for text in ["250ms", "90s", "5m", "2h", "30d", "1500ms", "7us", "3ns"] {
            assert_eq!(parse_duration(text).unwrap().to_string(), text);
        }
    }
}
