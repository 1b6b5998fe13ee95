//! Target tracking: keep a metric at a target (aws-facts.md 3.3).

use super::*;

pub(super) const KEYS: &[&str] = &["metric", "target", "disable_scale_in"];

pub(super) fn resolve(ctx: &Ctx, key: &str, p: &RawPolicy) -> Result<ScalingPolicy> {
    let metric = metric_of(p.metric);
    // AWS also tracks ASGAverageNetworkOut (aws-facts.md 3.3); simcloud builds it only
    // as the alarm metric of step and simple policies, Beanstalk's trigger (11.1).
    if metric == ScalingMetric::NetworkOut {
        return Err(ctx.err(
            &format!("{key}.metric"),
            "network_out is read by the alarm of a step or simple policy (as Beanstalk's default trigger); target tracking here tracks cpu, request_count_per_target or memory",
        ));
    }
    // The visible messages are not proportional to the group's size: AWS advises
    // against tracking them, and tracks the backlog per instance instead
    // (aws-facts.md 12.6).
    if metric == ScalingMetric::MessagesVisible {
        return Err(ctx.err(
            &format!("{key}.metric"),
            "target tracking on the visible messages does not scale with the group (aws-facts.md 12.6); track \"backlog_per_instance\" (acceptable latency ÷ time per message), or use step scaling on \"messages_visible\"",
        ));
    }
    Ok(ScalingPolicy::TargetTracking {
        metric,
        target: target(ctx, key, p, metric)?,
        disable_scale_in: p.disable_scale_in.unwrap_or(default::DISABLE_SCALE_IN),
    })
}

/// A policy's `target` for `metric`: what target tracking and predictive scaling aim at.
pub(super) fn target(ctx: &Ctx, key: &str, p: &RawPolicy, metric: ScalingMetric) -> Result<f64> {
    let Some(t) = p.target else {
        return Err(ctx.err(key, "needs a `target` value"));
    };
    let k = format!("{key}.target");
    let t = ctx.positive(&k, t)?;
    if matches!(metric, ScalingMetric::Cpu | ScalingMetric::Memory) && t > 100.0 {
        return Err(ctx.err(&k, "a utilisation target is a percentage: at most 100"));
    }
    ctx.at_most(&k, t, MAX_METRIC_VALUE)
}
