//! Simple scaling: one adjustment per alarm, then the cooldown (aws-facts.md 3.4, 3.5).

use super::*;

pub(super) const KEYS: &[&str] = &[
    "alarm",
    "adjustment_type",
    "adjustment",
    "min_adjustment_magnitude",
    "cooldown",
];

pub(super) fn resolve(ctx: &Ctx, key: &str, p: &RawPolicy) -> Result<ScalingPolicy> {
    let alarm = resolve_alarm(ctx, &format!("{key}.alarm"), p.alarm.as_ref())?;
    let (adjustment_type, min_adjustment_magnitude) = adjustment(ctx, key, p)?;
    let Some(adjustment) = p.adjustment.filter(|a| a.is_finite()) else {
        return Err(ctx.err(key, "a simple policy needs a finite `adjustment`"));
    };
    Ok(ScalingPolicy::Simple {
        alarm,
        adjustment_type,
        adjustment: adjustment_bound(ctx, &format!("{key}.adjustment"), adjustment)?,
        min_adjustment_magnitude,
        cooldown: ctx.duration_in(
            &format!("{key}.cooldown"),
            p.cooldown.as_ref(),
            default::COOLDOWN,
            SimDuration::ZERO..=SimDuration::from_secs(86_400),
        )?,
    })
}
