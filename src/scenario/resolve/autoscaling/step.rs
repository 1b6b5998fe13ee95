//! Step scaling: an alarm and adjustments by how far the metric is past its threshold
//! (aws-facts.md 3.4).

use super::*;

pub(super) const KEYS: &[&str] = &[
    "alarm",
    "adjustment_type",
    "steps",
    "min_adjustment_magnitude",
];

pub(super) fn resolve(ctx: &Ctx, key: &str, p: &RawPolicy) -> Result<ScalingPolicy> {
    let alarm = resolve_alarm(ctx, &format!("{key}.alarm"), p.alarm.as_ref())?;
    let (adjustment_type, min_adjustment_magnitude) = adjustment(ctx, key, p)?;
    let Some(raw_steps) = &p.steps else {
        return Err(ctx.err(key, "a step policy needs `steps`"));
    };
    let step = resolve_steps(ctx, &format!("{key}.steps"), raw_steps, alarm.comparison)?;
    Ok(ScalingPolicy::Step {
        alarm,
        adjustment_type,
        step,
        min_adjustment_magnitude,
    })
}

/// Steps must tile their side of the threshold without gaps or overlaps (aws-facts.md
/// 3.4): sorted by bound, each upper bound is the next lower bound, and only the ends
/// may be open.
fn resolve_steps(
    ctx: &Ctx,
    key: &str,
    raw: &[RawStep],
    comparison: Comparison,
) -> Result<Vec<StepAdjustment>> {
    if raw.is_empty() {
        return Err(ctx.err(key, "needs at least one step"));
    }
    let mut steps: Vec<(usize, StepAdjustment)> = raw
        .iter()
        .enumerate()
        .map(|(j, s)| {
            (
                j,
                StepAdjustment {
                    lower: s.lower,
                    upper: s.upper,
                    adjustment: s.adjustment,
                },
            )
        })
        .collect();
    for (j, s) in &steps {
        if let (Some(l), Some(u)) = (s.lower, s.upper) {
            if l >= u {
                return Err(ctx.err(
                    &format!("{key}[{j}].upper"),
                    "must be greater than the step's lower bound",
                ));
            }
        }
        for (bound, value) in [("lower", s.lower), ("upper", s.upper)] {
            if let Some(v) = value {
                metric_bound(ctx, &format!("{key}[{j}].{bound}"), v)?;
            }
        }
        adjustment_bound(ctx, &format!("{key}[{j}].adjustment"), s.adjustment)?;
    }
    steps.sort_by(|a, b| {
        a.1.lower
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&b.1.lower.unwrap_or(f64::NEG_INFINITY))
    });
    for pair in steps.windows(2) {
        let ((_, a), (j, b)) = (&pair[0], &pair[1]);
        let (upper, lower) = (
            a.upper.unwrap_or(f64::INFINITY),
            b.lower.unwrap_or(f64::NEG_INFINITY),
        );
        if upper > lower {
            return Err(ctx.err(
                &format!("{key}[{j}].lower"),
                format!("overlaps the step that ends at {upper}"),
            ));
        }
        if upper < lower {
            return Err(ctx.err(
                &format!("{key}[{j}].lower"),
                format!("leaves a gap after the step that ends at {upper}"),
            ));
        }
    }
    // Above-threshold alarms need steps at or above 0, below-threshold ones at or
    // below 0, and the steps must reach the threshold.
    let above = matches!(comparison, Comparison::Greater | Comparison::GreaterOrEqual);
    let (first, last) = (&steps[0].1, &steps[steps.len() - 1].1);
    let reaches = if above {
        first.lower == Some(0.0)
    } else {
        last.upper == Some(0.0)
    };
    if !reaches {
        let edge = if above {
            "the lowest step's lower bound"
        } else {
            "the highest step's upper bound"
        };
        return Err(ctx.err(
            key,
            format!("{edge} must be 0 (the alarm threshold), so that every breach has a step"),
        ));
    }
    Ok(steps.into_iter().map(|(_, s)| s).collect())
}
