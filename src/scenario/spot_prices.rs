//! Reading spot price history in the form AWS prints it
//! (`aws ec2 describe-spot-price-history --output text`): tab-separated availability
//! zone, instance type, product, price in USD per hour, timestamp (RFC 3339), with an
//! optional leading `SPOTPRICEHISTORY` field and an optional header row.

use super::limits::{MAX_PRICE_PER_HOUR, compact};
use crate::model::PriceHistory;
use std::collections::BTreeMap;
use std::path::Path;

/// The price history of each requested instance type in one zone: `zone` if given,
/// otherwise the zone with the most records for that type (ties: the first by name).
/// Times are seconds since the earliest record in the file, so a replay starts where
/// the file starts. Errors name the line.
pub(crate) fn load_spot_prices(
    path: &Path,
    types: &[String],
    zone: Option<&str>,
) -> Result<Vec<PriceHistory>, String> {
    let shown = path.display();
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| format!("spot price file {shown} is not a text file"))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("spot price file {shown} does not exist"));
        }
        Err(e) => return Err(format!("cannot read spot price file {shown}: {e}")),
    };
    // (type, zone) -> [(epoch seconds, price)]
    let mut series: BTreeMap<(String, String), Vec<(i64, f64)>> = BTreeMap::new();
    let mut earliest = i64::MAX;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.first() == Some(&"SPOTPRICEHISTORY") {
            fields.remove(0);
        }
        if number == 1 && fields.len() == 5 && fields[3].parse::<f64>().is_err() {
            continue; // a header row
        }
        if fields.len() != 5 {
            return Err(format!(
                "spot price file {shown}, line {number}: expected 5 tab-separated fields (zone, instance type, product, price, timestamp), found {}",
                fields.len()
            ));
        }
        let price: f64 = fields[3]
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p >= 0.0 && *p <= MAX_PRICE_PER_HOUR)
            .ok_or_else(|| {
                format!(
                    "spot price file {shown}, line {number}: price `{}` is not a number from 0 to {}",
                    fields[3],
                    compact(MAX_PRICE_PER_HOUR)
                )
            })?;
        let time = parse_rfc3339(fields[4])
            .ok_or_else(|| format!("spot price file {shown}, line {number}: timestamp `{}` is not RFC 3339 (like 2022-05-31T18:47:05+00:00)", fields[4]))?;
        earliest = earliest.min(time);
        series
            .entry((fields[1].to_string(), fields[0].to_string()))
            .or_default()
            .push((time, price));
    }
    if series.is_empty() {
        return Err(format!("spot price file {shown} has no price records"));
    }
    let mut out = Vec::new();
    for type_name in types {
        let candidates: Vec<(&String, &Vec<(i64, f64)>)> = series
            .iter()
            .filter(|((t, _), _)| t == type_name)
            .map(|((_, z), v)| (z, v))
            .collect();
        let chosen = match zone {
            Some(z) => candidates.iter().find(|(cz, _)| cz.as_str() == z),
            None => candidates
                .iter()
                .max_by_key(|(z, v)| (v.len(), std::cmp::Reverse(z.as_str()))),
        };
        let Some((zone, points)) = chosen else {
            return Err(format!(
                "spot price file {shown} has no records for {type_name}{}",
                zone.map(|z| format!(" in zone {z}")).unwrap_or_default()
            ));
        };
        let mut points: Vec<(i64, f64)> = points.to_vec();
        points.sort_by_key(|&(t, _)| t);
        out.push(PriceHistory {
            type_name: type_name.clone(),
            zone: zone.to_string(),
            points: points
                .into_iter()
                .map(|(t, p)| ((t - earliest) as f64, p))
                .collect(),
        });
    }
    Ok(out)
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { text.get(r)?.parse().ok() };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = rest[1..].split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        // 2022-05-31 is day 19,143 since 1970 (19,143 * 86,400 = 1,653,955,200).
        assert_eq!(
            parse_rfc3339("2022-05-31T18:47:05+00:00"),
            Some(1_653_955_200 + 18 * 3600 + 47 * 60 + 5)
        );
        assert_eq!(
            parse_rfc3339("2022-05-31T20:47:05+02:00"),
            parse_rfc3339("2022-05-31T18:47:05Z")
        );
        assert_eq!(
            parse_rfc3339("2022-05-31T18:47:05.123Z"),
            parse_rfc3339("2022-05-31T18:47:05Z")
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2022-13-01T00:00:00Z"), None);
    }
}
