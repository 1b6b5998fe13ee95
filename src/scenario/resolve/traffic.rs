//! `[traffic]`: the base rate, spikes, the diurnal cosine and trace replay.

use super::*;

pub(super) fn resolve_trace(ctx: &Ctx, table: &str, raw: &RawTrace) -> Result<Trace> {
    let interval = ctx.positive_duration(
        &format!("{table}.trace.interval"),
        raw.interval.as_ref(),
        default::TRACE_INTERVAL,
    )?;
    let scale = ctx.positive(
        &format!("{table}.trace.scale"),
        raw.scale.unwrap_or(default::TRACE_SCALE),
    )?;
    let scale = ctx.at_most(&format!("{table}.trace.scale"), scale, MAX_TRACE_SCALE)?;
    let column = raw
        .column
        .clone()
        .unwrap_or_else(|| default::TRACE_COLUMN.into());
    let dir = ctx
        .file
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let path = dir.join(&raw.file);
    // A count is at most what keeps the interval's rate within MAX_RATE after `scale`.
    let max_count = MAX_RATE * interval.as_secs_f64() / scale;
    let counts = load_trace(&path, &column, max_count, MAX_TRACE_ROWS)
        .map_err(|m| ctx.err(&format!("{table}.trace.file"), m))?;
    // Absolute, so that the resolved scenario (`simcloud validate`) loads from any
    // folder; the file exists, it was just read.
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let per_second = scale / interval.as_secs_f64();
    Ok(Trace {
        file: path,
        interval,
        column,
        scale,
        rates: counts.into_iter().map(|c| c * per_second).collect(),
    })
}

pub(super) fn resolve_traffic(
    ctx: &Ctx,
    table: &str,
    raw: RawTraffic,
    trace: Option<Trace>,
    duration: SimDuration,
) -> Result<TrafficConfig> {
    let rate = ctx.bounded(
        &format!("{table}.rate"),
        raw.rate.unwrap_or(default::RATE),
        MAX_RATE,
    )?;
    let mut spikes = Vec::new();
    for (i, s) in raw.spike.unwrap_or_default().iter().enumerate() {
        let key = |k: &str| format!("{table}.spike[{i}].{k}");
        let start = ctx.duration(&key("start"), Some(&s.start), SimDuration::ZERO)?;
        // Kept, not refused: shortening a run (`--set duration=30m`) is the most common
        // edit, and a spike after the end simply does not happen, like a failure `at`
        // a time after the end.
        if start >= duration {
            ctx.note(
                &format!("{table}.spike[{i}]"),
                format!("starts at {start}, not before the end of the run ({duration}): it does not happen"),
            );
        }
        let ramp = ctx.duration(&key("ramp"), s.ramp.as_ref(), default::SPIKE_RAMP)?;
        spikes.push(Spike {
            start,
            ramp,
            hold: ctx.duration(&key("hold"), s.hold.as_ref(), default::SPIKE_HOLD)?,
            ramp_down: ctx.duration(&key("ramp_down"), s.ramp_down.as_ref(), ramp)?,
            peak: ctx
                .positive(&key("peak"), s.peak)
                .and_then(|p| ctx.at_most(&key("peak"), p, MAX_RATE))?,
        });
    }
    let diurnal = match raw.diurnal {
        None => None,
        Some(d) => {
            let low = ctx.bounded(&format!("{table}.diurnal.low"), d.low, MAX_RATE)?;
            let high = ctx.bounded(&format!("{table}.diurnal.high"), d.high, MAX_RATE)?;
            if high < low {
                return Err(ctx.err(
                    &format!("{table}.diurnal.high"),
                    format!("must be at least {table}.diurnal.low ({low})"),
                ));
            }
            let period = ctx.positive_duration(
                &format!("{table}.diurnal.period"),
                d.period.as_ref(),
                default::DIURNAL_PERIOD,
            )?;
            if period < SimDuration::from_secs(120) {
                return Err(ctx.err(&format!("{table}.diurnal.period"), "must be at least 2m"));
            }
            Some(Diurnal {
                low,
                high,
                period,
                peak_at: ctx.duration(
                    &format!("{table}.diurnal.peak_at"),
                    d.peak_at.as_ref(),
                    default::DIURNAL_PEAK_AT,
                )?,
            })
        }
    };
    let traffic = TrafficConfig {
        rate,
        spike: spikes,
        diurnal,
        trace,
    };
    let any = traffic.rate > 0.0
        || !traffic.spike.is_empty()
        || traffic.diurnal.as_ref().is_some_and(|d| d.high > 0.0)
        || traffic
            .trace
            .as_ref()
            .is_some_and(|t| t.rates.iter().any(|&r| r > 0.0));
    if !any {
        return Err(ctx.err(table, format!("has no traffic: set `rate`, a `[[{table}.spike]]`, `[{table}.diurnal]` or `[{table}.trace]`")));
    }
    Ok(traffic)
}
