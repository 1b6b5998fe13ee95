//! `[autoscaling]`: the group's size and settings, its warm pool, and its policies
//! (one file per policy kind, as in `model`).

use super::*;

mod alarm;
mod predictive;
mod scheduled;
mod simple;
mod step;
mod target_tracking;

use alarm::*;
use scheduled::resolve_scheduled;

pub(super) fn resolve_autoscaling(
    ctx: &Ctx,
    raw: RawAutoScaling,
    duration: SimDuration,
) -> Result<AutoScalingConfig> {
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
    let monitoring = raw.monitoring.map_or(default::MONITORING, Monitoring::from);
    let metric_delay = ctx.duration_in(
        "autoscaling.metric_delay",
        raw.metric_delay.as_ref(),
        default::METRIC_DELAY,
        SimDuration::ZERO..=SimDuration::from_secs(900),
    )?;
    let termination_policy = raw
        .termination_policy
        .map_or(default::TERMINATION_POLICY, TerminationPolicy::from);
    let health_check_type = raw
        .health_check_type
        .map_or(default::HEALTH_CHECK_TYPE, HealthCheckType::from);
    let health_check_grace_period = ctx.duration_in(
        "autoscaling.health_check_grace_period",
        raw.health_check_grace_period.as_ref(),
        default::HEALTH_CHECK_GRACE_PERIOD,
        SimDuration::ZERO..=SimDuration::from_secs(7200),
    )?;
    let mut policy = Vec::new();
    // SPEC.md lists scheduled actions among the policy kinds: `kind = "scheduled"` is
    // the same as an `[[autoscaling.scheduled]]` table.
    let mut scheduled = Vec::new();
    for (i, p) in raw.policy.unwrap_or_default().iter().enumerate() {
        let key = format!("autoscaling.policy[{i}]");
        // Each kind's own keys; any other key given is a mistake worth naming.
        let keys = match p.kind {
            RawPolicyKind::TargetTracking => target_tracking::KEYS,
            RawPolicyKind::Step => step::KEYS,
            RawPolicyKind::Simple => simple::KEYS,
            RawPolicyKind::Predictive => predictive::KEYS,
            RawPolicyKind::Scheduled => scheduled::KEYS,
        };
        let message = format!("is not a key of a {} policy", word(&p.kind));
        ctx.only_keys(&key, p, "kind", keys, &message)?;
        match p.kind {
            RawPolicyKind::TargetTracking => policy.push(target_tracking::resolve(ctx, &key, p)?),
            RawPolicyKind::Step => policy.push(step::resolve(ctx, &key, p)?),
            RawPolicyKind::Simple => policy.push(simple::resolve(ctx, &key, p)?),
            RawPolicyKind::Predictive => policy.push(predictive::resolve(ctx, &key, p)?),
            RawPolicyKind::Scheduled => {
                let action = RawScheduled {
                    at: p.at.clone(),
                    recurrence: p.recurrence.clone(),
                    min: p.min,
                    max: p.max,
                    desired: p.desired,
                };
                scheduled.push(resolve_scheduled(ctx, &key, &action, duration)?);
            }
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
            let start_time = dist_or(
                ctx,
                "autoscaling.warm_pool.start_time",
                w.start_time.as_ref(),
                default::WARM_START_TIME,
            )?;
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
    // 3.11), and so do SQS's (`messages_visible`, `backlog_per_instance`: "pushed to
    // CloudWatch at one-minute intervals", 12.5). simcloud reads every policy's datapoints on one period, so a group whose
    // policies read only ALB metrics reads 60 s periods, and one where any policy
    // reads CPU or NetworkOut under basic monitoring reads 300 s periods for all.
    let reads_ec2 = policy.iter().any(|p| {
        matches!(
            p.period_metric(),
            Some(ScalingMetric::Cpu | ScalingMetric::NetworkOut)
        )
    });
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
            .unwrap_or(default::NEW_INSTANCES_PROTECTED),
        health_check_type,
        health_check_grace_period,
        warm_pool,
        policy,
        scheduled,
    })
}

/// The metric a policy or alarm reads.
fn metric_of(raw: Option<RawMetric>) -> ScalingMetric {
    raw.map_or(default::METRIC, ScalingMetric::from)
}
