//! Predictive scaling: capacity for each coming hour from the same hour of the previous
//! days (aws-facts.md 3.9).

use super::*;

pub(super) const KEYS: &[&str] = &["metric", "target", "mode", "scheduling_buffer"];

pub(super) fn resolve(ctx: &Ctx, key: &str, p: &RawPolicy) -> Result<ScalingPolicy> {
    let metric = metric_of(p.metric);
    if !matches!(
        metric,
        ScalingMetric::Cpu | ScalingMetric::RequestCountPerTarget
    ) {
        return Err(ctx.err(
            &format!("{key}.metric"),
            "predictive scaling forecasts CPU or request count (aws-facts.md 3.9)",
        ));
    }
    Ok(ScalingPolicy::Predictive {
        metric,
        target: target_tracking::target(ctx, key, p, metric)?,
        mode: p
            .mode
            .map_or(default::PREDICTIVE_MODE, PredictiveMode::from),
        // SchedulingBufferTime is below one hour (aws-facts.md 3.9).
        scheduling_buffer: ctx.duration_in(
            &format!("{key}.scheduling_buffer"),
            p.scheduling_buffer.as_ref(),
            default::SCHEDULING_BUFFER,
            SimDuration::ZERO..=SimDuration::from_secs(3599),
        )?,
    })
}
