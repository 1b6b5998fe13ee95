//! What step and simple policies share: the CloudWatch alarm they act on, their
//! adjustment type and its minimum magnitude, and the bounds of metric values and
//! adjustments.

use super::*;

pub(super) fn resolve_alarm(ctx: &Ctx, key: &str, raw: Option<&RawAlarm>) -> Result<Alarm> {
    let Some(raw) = raw else {
        return Err(ctx.err(
            key,
            "missing: the policy needs an alarm = { comparison, threshold, ... }",
        ));
    };
    let k = |f: &str| format!("{key}.{f}");
    let metric = metric_of(raw.metric);
    let comparison = Comparison::from(raw.comparison);
    metric_bound(ctx, &k("threshold"), raw.threshold)?;
    let evaluation_periods = ctx.range(
        &k("evaluation_periods"),
        raw.evaluation_periods
            .unwrap_or(default::EVALUATION_PERIODS),
        1,
        1440,
        "",
    )?;
    let datapoints = raw.datapoints_to_alarm.unwrap_or(evaluation_periods);
    let datapoints_to_alarm = ctx.range(
        &k("datapoints_to_alarm"),
        datapoints,
        1,
        evaluation_periods,
        "",
    )?;
    Ok(Alarm {
        metric,
        comparison,
        threshold: raw.threshold,
        evaluation_periods,
        datapoints_to_alarm,
    })
}

/// The adjustment type, and the minimum magnitude that only a percentage takes.
pub(super) fn adjustment(
    ctx: &Ctx,
    key: &str,
    p: &RawPolicy,
) -> Result<(AdjustmentType, Option<u32>)> {
    let kind = p
        .adjustment_type
        .map_or(default::ADJUSTMENT_TYPE, AdjustmentType::from);
    let magnitude = match p.min_adjustment_magnitude {
        Some(_) if kind != AdjustmentType::PercentChangeInCapacity => {
            return Err(ctx.err(
                &format!("{key}.min_adjustment_magnitude"),
                "only applies to adjustment_type = \"percent_change_in_capacity\"",
            ));
        }
        Some(m) => {
            Some(ctx.at_most(&format!("{key}.min_adjustment_magnitude"), m, MAX_INSTANCES)?)
        }
        None => None,
    };
    Ok((kind, magnitude))
}

/// A metric value (a threshold, a step bound): finite and within `MAX_METRIC_VALUE`
/// either way, since step bounds are offsets from the threshold and may be negative.
pub(super) fn metric_bound(ctx: &Ctx, key: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x.abs() > MAX_METRIC_VALUE {
        return Err(ctx.err(
            key,
            format!(
                "must be a number between -{0} and {0}",
                limits::compact(MAX_METRIC_VALUE)
            ),
        ));
    }
    Ok(x)
}

/// A scaling adjustment, in instances or percent: a change beyond `MAX_INSTANCES`
/// either way cannot be carried out by any group.
pub(super) fn adjustment_bound(ctx: &Ctx, key: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x.abs() > f64::from(MAX_INSTANCES) {
        return Err(ctx.err(
            key,
            format!("must be a number between -{MAX_INSTANCES} and {MAX_INSTANCES}"),
        ));
    }
    Ok(x)
}
