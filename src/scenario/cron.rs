//! Cron recurrences of scheduled actions, parsed into the model's [`Cron`].

use crate::model::Cron;

/// Parses `minute hour day-of-month month day-of-week`, each `*`, `*/n`, a number, a
/// range `a-b` or a list of those; day-of-month and month must be `*`.
pub(crate) fn parse_cron(expr: &str) -> std::result::Result<Cron, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(
            "expected 5 fields: minute hour day-of-month month day-of-week, like \"0 8 * * 1-5\""
                .into(),
        );
    }
    if fields[2] != "*" || fields[3] != "*" {
        return Err(
            "day-of-month and month must be `*` (simulated time has no calendar dates)".into(),
        );
    }
    let set = |field: &str, size: usize, name: &str| -> std::result::Result<Vec<bool>, String> {
        let mut out = vec![false; size];
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (
                    r,
                    s.parse::<usize>()
                        .ok()
                        .filter(|&s| s > 0)
                        .ok_or(format!("bad step in {name} `{part}`"))?,
                ),
                None => (part, 1),
            };
            let (lo, hi) = if range == "*" {
                (0, size - 1)
            } else if let Some((a, b)) = range.split_once('-') {
                (
                    a.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                    b.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                )
            } else {
                let v: usize = range.parse().map_err(|_| format!("bad {name} `{part}`"))?;
                (v, v)
            };
            // Day-of-week 7 is Sunday too.
            let hi = if name == "day-of-week" && hi == 7 {
                6.max(lo)
            } else {
                hi
            };
            let lo = if name == "day-of-week" && lo == 7 {
                0
            } else {
                lo
            };
            if lo > hi || hi >= size {
                return Err(format!("{name} `{part}` is out of range 0-{}", size - 1));
            }
            for v in (lo..=hi).step_by(step) {
                out[v] = true;
            }
        }
        Ok(out)
    };
    Ok(Cron {
        minutes: set(fields[0], 60, "minute")?,
        hours: set(fields[1], 24, "hour")?,
        weekdays: set(fields[4], 7, "day-of-week")?,
    })
}
