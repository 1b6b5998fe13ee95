//! `[autoscaling]`: the group's size and settings, its warm pool, and its policies
//! (one file per policy kind, as in `model`).

use super::*;

mod policy;
mod scheduled;
use policy::*;
use scheduled::*;

pub(super) fn resolve_autoscaling(
    ctx: &Ctx,
    raw: Option<RawAutoScaling>,
    duration: SimDuration,
) -> Result<AutoScalingConfig> {
    let raw = raw.unwrap_or_default();
    let min = raw.min.unwrap_or(default::MIN);
    if min == 0 {
        return Err(ctx.err(
            "autoscaling.min",
            "must be at least 1: the group always keeps one instance alive",
        ));
    }
    let max = raw.max.unwrap_or(min.max(raw.desired.unwrap_or(min)));
    if max < min {
        return Err(ctx.err(
            "autoscaling.max",
            format!("must be at least autoscaling.min ({min})"),
        ));
    }
    ctx.at_most("autoscaling.max", max, MAX_INSTANCES)?;
    let desired = raw.desired.unwrap_or(min);
    if desired < min || desired > max {
        return Err(ctx.err(
            "autoscaling.desired",
            format!("must be between autoscaling.min ({min}) and autoscaling.max ({max})"),
        ));
    }
    let instance_warmup = ctx.duration_in(
        "autoscaling.instance_warmup",
        raw.instance_warmup.as_ref(),
        default::WARMUP,
        SimDuration::ZERO..=SimDuration::from_secs(3600),
    )?;
    let monitoring = ctx.one_of(
        "autoscaling.monitoring",
        // Basic (300 s) by default, as AWS does for instances launched from a launch
        // template unless detailed monitoring is enabled (aws-facts.md 3.11), even
        // though AWS "strongly recommend[s]" 1-minute data for scaling: a scenario
        // that wants it says `monitoring = "detailed"`.
        raw.monitoring.as_deref().unwrap_or("basic"),
        &[
            ("detailed", Monitoring::Detailed),
            ("basic", Monitoring::Basic),
        ],
    )?;
    let metric_delay = ctx.duration_in(
        "autoscaling.metric_delay",
        raw.metric_delay.as_ref(),
        default::METRIC_DELAY,
        SimDuration::ZERO..=SimDuration::from_secs(900),
    )?;
    let termination_policy = ctx.one_of(
        "autoscaling.termination_policy",
        raw.termination_policy.as_deref().unwrap_or("default"),
        &[
            ("default", TerminationPolicy::Default),
            ("oldest_instance", TerminationPolicy::OldestInstance),
            ("newest_instance", TerminationPolicy::NewestInstance),
            (
                "closest_to_next_instance_hour",
                TerminationPolicy::ClosestToNextInstanceHour,
            ),
        ],
    )?;
    // EC2 status checks are the default health check type; the grace period defaults
    // to the API's 0 s (the console's is 300 s) (aws-facts.md 3.5, 3.7).
    let health_check_type = ctx.one_of(
        "autoscaling.health_check_type",
        raw.health_check_type.as_deref().unwrap_or("ec2"),
        &[("ec2", HealthCheckType::Ec2), ("elb", HealthCheckType::Elb)],
    )?;
    let health_check_grace_period = ctx.duration_in(
        "autoscaling.health_check_grace_period",
        raw.health_check_grace_period.as_ref(),
        SimDuration::ZERO,
        SimDuration::ZERO..=SimDuration::from_secs(7200),
    )?;
    let mut policy = Vec::new();
    // SPEC.md lists scheduled actions among the policy kinds: `kind = "scheduled"` is
    // the same as an `[[autoscaling.scheduled]]` table.
    let mut scheduled = Vec::new();
    for (i, p) in raw.policy.unwrap_or_default().iter().enumerate() {
        if p.kind == "scheduled" {
            let key = format!("autoscaling.policy[{i}]");
            check_policy_keys(ctx, &key, p, &["at", "recurrence", "min", "max", "desired"])?;
            let action = RawScheduled {
                at: p.at.clone(),
                recurrence: p.recurrence.clone(),
                min: p.min,
                max: p.max,
                desired: p.desired,
            };
            scheduled.push(resolve_scheduled(ctx, &key, &action, duration)?);
        } else {
            policy.push(resolve_policy(ctx, i, p)?);
        }
    }
    if policy
        .iter()
        .filter(|p| matches!(p, ScalingPolicy::Predictive { .. }))
        .count()
        > 1
    {
        return Err(ctx.err(
            "autoscaling.policy",
            "at most one predictive policy per group",
        ));
    }
    let warm_pool = match raw.warm_pool {
        None => None,
        Some(w) => {
            if w.size.is_some_and(|s| s > max) {
                return Err(ctx.err(
                    "autoscaling.warm_pool.size",
                    format!("is larger than autoscaling.max ({max})"),
                ));
            }
            let start_time = match &w.start_time {
                Some(d) => resolve_dist_value(ctx, "autoscaling.warm_pool.start_time", d)?,
                None => DurationDist::Uniform {
                    min: default::WARM_START_MIN,
                    max: default::WARM_START_MAX,
                },
            };
            Some(WarmPoolConfig {
                size: w.size,
                start_time,
                storage_price_per_hour: ctx.bounded(
                    "autoscaling.warm_pool.storage_price_per_hour",
                    w.storage_price_per_hour
                        .unwrap_or(default::WARM_STORAGE_PRICE),
                    MAX_PRICE_PER_HOUR,
                )?,
            })
        }
    };
    for (i, a) in raw.scheduled.unwrap_or_default().iter().enumerate() {
        scheduled.push(resolve_scheduled(
            ctx,
            &format!("autoscaling.scheduled[{i}]"),
            a,
            duration,
        )?);
    }
    // ALB metrics come every minute whatever the instances' monitoring (aws-facts.md
    // 3.11). simcloud reads every policy's datapoints on one period, so a group whose
    // policies read only ALB metrics reads 60 s periods, and one where any policy
    // reads CPU under basic monitoring reads 300 s periods for all.
    let reads_ec2 = policy
        .iter()
        .any(|p| p.period_metric() == Some(ScalingMetric::Cpu));
    let metric_period = match monitoring {
        Monitoring::Basic if reads_ec2 => SimDuration::from_secs(300),
        _ => SimDuration::from_secs(60),
    };
    Ok(AutoScalingConfig {
        min,
        max,
        desired,
        instance_warmup,
        monitoring,
        metric_period,
        metric_delay,
        termination_policy,
        new_instances_protected_from_scale_in: raw
            .new_instances_protected_from_scale_in
            .unwrap_or(false),
        health_check_type,
        health_check_grace_period,
        warm_pool,
        policy,
        scheduled,
    })
}
