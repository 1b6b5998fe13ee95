//! Dynamic scaling policies: target tracking, step, simple and predictive.

use super::*;

pub(super) const METRICS: &[(&str, ScalingMetric)] = &[
    ("cpu", ScalingMetric::Cpu),
    (
        "request_count_per_target",
        ScalingMetric::RequestCountPerTarget,
    ),
];

pub(super) fn resolve_policy(ctx: &Ctx, i: usize, p: &RawPolicy) -> Result<ScalingPolicy> {
    let key = |k: &str| format!("autoscaling.policy[{i}].{k}");
    // Each kind's own keys; any other key given is a mistake worth naming.
    let allowed: &[&str] = match p.kind.as_str() {
        "target_tracking" => &["metric", "target", "disable_scale_in"],
        "step" => &[
            "alarm",
            "adjustment_type",
            "steps",
            "min_adjustment_magnitude",
        ],
        "simple" => &[
            "alarm",
            "adjustment_type",
            "adjustment",
            "min_adjustment_magnitude",
            "cooldown",
        ],
        "predictive" => &["metric", "target", "mode", "scheduling_buffer"],
        _ => {
            return Err(ctx.err(
                &key("kind"),
                "unknown policy kind; expected target_tracking, step, simple, scheduled or predictive",
            ));
        }
    };
    check_policy_keys(ctx, &format!("autoscaling.policy[{i}]"), p, allowed)?;
    let metric = || {
        ctx.one_of(
            &key("metric"),
            p.metric.as_deref().unwrap_or("cpu"),
            METRICS,
        )
    };
    let target = |metric: ScalingMetric| -> Result<f64> {
        let Some(t) = p.target else {
            return Err(ctx.err(
                &format!("autoscaling.policy[{i}]"),
                "needs a `target` value",
            ));
        };
        let t = ctx.positive(&key("target"), t)?;
        if metric == ScalingMetric::Cpu && t > 100.0 {
            return Err(ctx.err(&key("target"), "a CPU target is a percentage: at most 100"));
        }
        ctx.at_most(&key("target"), t, MAX_METRIC_VALUE)
    };
    let adjustment_type = || {
        ctx.one_of(
            &key("adjustment_type"),
            p.adjustment_type.as_deref().unwrap_or("change_in_capacity"),
            &[
                ("change_in_capacity", AdjustmentType::ChangeInCapacity),
                ("exact_capacity", AdjustmentType::ExactCapacity),
                (
                    "percent_change_in_capacity",
                    AdjustmentType::PercentChangeInCapacity,
                ),
            ],
        )
    };
    let magnitude = |kind: AdjustmentType| -> Result<Option<u32>> {
        match p.min_adjustment_magnitude {
            Some(_) if kind != AdjustmentType::PercentChangeInCapacity => Err(ctx.err(
                &key("min_adjustment_magnitude"),
                "only applies to adjustment_type = \"percent_change_in_capacity\"",
            )),
            Some(m) => ctx
                .at_most(&key("min_adjustment_magnitude"), m, MAX_INSTANCES)
                .map(Some),
            None => Ok(None),
        }
    };
    Ok(match p.kind.as_str() {
        "target_tracking" => {
            let metric = metric()?;
            ScalingPolicy::TargetTracking {
                metric,
                target: target(metric)?,
                disable_scale_in: p.disable_scale_in.unwrap_or(false),
            }
        }
        "step" => {
            let alarm = resolve_alarm(ctx, &key("alarm"), p.alarm.as_ref())?;
            let kind = adjustment_type()?;
            let Some(raw_steps) = &p.steps else {
                return Err(ctx.err(
                    &format!("autoscaling.policy[{i}]"),
                    "a step policy needs `steps`",
                ));
            };
            let step = resolve_steps(ctx, &key("steps"), raw_steps, alarm.comparison)?;
            ScalingPolicy::Step {
                alarm,
                adjustment_type: kind,
                step,
                min_adjustment_magnitude: magnitude(kind)?,
            }
        }
        "simple" => {
            let alarm = resolve_alarm(ctx, &key("alarm"), p.alarm.as_ref())?;
            let kind = adjustment_type()?;
            let Some(adjustment) = p.adjustment.filter(|a| a.is_finite()) else {
                return Err(ctx.err(
                    &format!("autoscaling.policy[{i}]"),
                    "a simple policy needs a finite `adjustment`",
                ));
            };
            let adjustment = adjustment_bound(ctx, &key("adjustment"), adjustment)?;
            ScalingPolicy::Simple {
                alarm,
                adjustment_type: kind,
                adjustment,
                min_adjustment_magnitude: magnitude(kind)?,
                cooldown: ctx.duration_in(
                    &key("cooldown"),
                    p.cooldown.as_ref(),
                    default::COOLDOWN,
                    SimDuration::ZERO..=SimDuration::from_secs(86_400),
                )?,
            }
        }
        _ => {
            let metric = metric()?;
            ScalingPolicy::Predictive {
                metric,
                target: target(metric)?,
                mode: ctx.one_of(
                    &key("mode"),
                    p.mode.as_deref().unwrap_or("forecast_only"),
                    &[
                        ("forecast_and_scale", PredictiveMode::ForecastAndScale),
                        ("forecast_only", PredictiveMode::ForecastOnly),
                    ],
                )?,
                // SchedulingBufferTime is below one hour (aws-facts.md 3.9).
                scheduling_buffer: ctx.duration_in(
                    &key("scheduling_buffer"),
                    p.scheduling_buffer.as_ref(),
                    SimDuration::ZERO,
                    SimDuration::ZERO..=SimDuration::from_secs(3599),
                )?,
            }
        }
    })
}

pub(super) fn resolve_alarm(ctx: &Ctx, key: &str, raw: Option<&RawAlarm>) -> Result<Alarm> {
    let Some(raw) = raw else {
        return Err(ctx.err(
            key,
            "missing: the policy needs an alarm = { comparison, threshold, ... }",
        ));
    };
    let k = |f: &str| format!("{key}.{f}");
    let metric = ctx.one_of(
        &k("metric"),
        raw.metric.as_deref().unwrap_or("cpu"),
        METRICS,
    )?;
    let comparison = ctx.one_of(
        &k("comparison"),
        &raw.comparison,
        &[
            (">", Comparison::Greater),
            (">=", Comparison::GreaterOrEqual),
            ("<", Comparison::Less),
            ("<=", Comparison::LessOrEqual),
        ],
    )?;
    metric_bound(ctx, &k("threshold"), raw.threshold)?;
    let evaluation_periods = ctx.range(
        &k("evaluation_periods"),
        raw.evaluation_periods.unwrap_or(1),
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

/// Steps must tile their side of the threshold without gaps or overlaps (aws-facts.md
/// 3.4): sorted by bound, each upper bound is the next lower bound, and only the ends
/// may be open.
pub(super) fn resolve_steps(
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

/// Rejects any key given that is not one of the policy kind's own.
pub(super) fn check_policy_keys(
    ctx: &Ctx,
    key: &str,
    p: &RawPolicy,
    allowed: &[&str],
) -> Result<()> {
    let present = [
        ("metric", p.metric.is_some()),
        ("target", p.target.is_some()),
        ("disable_scale_in", p.disable_scale_in.is_some()),
        ("alarm", p.alarm.is_some()),
        ("adjustment_type", p.adjustment_type.is_some()),
        ("adjustment", p.adjustment.is_some()),
        ("steps", p.steps.is_some()),
        (
            "min_adjustment_magnitude",
            p.min_adjustment_magnitude.is_some(),
        ),
        ("cooldown", p.cooldown.is_some()),
        ("mode", p.mode.is_some()),
        ("scheduling_buffer", p.scheduling_buffer.is_some()),
        ("at", p.at.is_some()),
        ("recurrence", p.recurrence.is_some()),
        ("min", p.min.is_some()),
        ("max", p.max.is_some()),
        ("desired", p.desired.is_some()),
    ];
    match present
        .iter()
        .find(|(k, given)| *given && !allowed.contains(k))
    {
        Some((k, _)) => Err(ctx.err(
            &format!("{key}.{k}"),
            format!("is not a key of a {} policy", p.kind),
        )),
        None => Ok(()),
    }
}
