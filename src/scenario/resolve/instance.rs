//! `[instance]`: the type (from the catalog or given), boot time and failures.

use super::*;

pub(super) fn resolve_instance(
    ctx: &Ctx,
    raw: RawInstance,
    duration: SimDuration,
) -> Result<InstanceConfig> {
    let type_name = raw
        .type_name
        .unwrap_or_else(|| default::INSTANCE_TYPE.into());
    let known = ctx.instance_type(&type_name);
    let (vcpu, memory_gib, price) = match (known, raw.vcpu, raw.price_per_hour) {
        (Some(t), vcpu, price) => (
            vcpu.unwrap_or(t.vcpu),
            raw.memory_gib.unwrap_or(t.memory_gib),
            price.unwrap_or(t.price_per_hour),
        ),
        (None, Some(vcpu), Some(price)) => {
            (vcpu, raw.memory_gib.unwrap_or(default::MEMORY_GIB), price)
        }
        (None, _, _) => {
            return Err(ctx.err(
                "instance.type",
                format!(
                    "unknown instance type; {} (or give vcpu and price_per_hour for another type)",
                    ctx.known_types()
                ),
            ));
        }
    };
    let speed = match raw.speed {
        Some(speed) => resolve_speed(ctx, "instance.speed", speed)?,
        None => known.map_or(catalog::DEFAULT_SPEED, |t| t.speed),
    };
    if vcpu == 0 {
        return Err(ctx.err("instance.vcpu", "must be at least 1"));
    }
    ctx.at_most("instance.vcpu", vcpu, MAX_VCPU)?;
    let boot_time = dist_or(
        ctx,
        "instance.boot_time",
        raw.boot_time.as_ref(),
        default::BOOT_TIME,
    )?;
    Ok(InstanceConfig {
        type_name,
        vcpu,
        memory_gib: ctx.bounded("instance.memory_gib", memory_gib, MAX_MEMORY_GIB)?,
        price_per_hour: ctx.bounded("instance.price_per_hour", price, MAX_PRICE_PER_HOUR)?,
        speed,
        boot_time,
        failures: resolve_failures(ctx, raw.failures.as_ref(), duration)?,
    })
}

/// A relative per-vCPU speed (m5.large = 1.0): above zero, within `limits`' range.
pub(super) fn resolve_speed(ctx: &Ctx, key: &str, speed: f64) -> Result<f64> {
    if !speed.is_finite() || !(MIN_SPEED..=MAX_SPEED).contains(&speed) {
        return Err(ctx.err(
            key,
            format!(
                "must be a number from {} to {} (m5.large = 1.0; 2.0 serves a request in half the time)",
                limits::compact(MIN_SPEED),
                limits::compact(MAX_SPEED)
            ),
        ));
    }
    Ok(speed)
}

pub(super) fn resolve_failures(
    ctx: &Ctx,
    raw: Option<&RawFailures>,
    duration: SimDuration,
) -> Result<Failures> {
    let Some(raw) = raw else {
        return Ok(Failures::default());
    };
    let mtbf = match &raw.mtbf {
        None => None,
        Some(text) => {
            // Not bounded by MAX_DURATION like other durations: a realistic hardware
            // MTBF is years to decades, and it only sets an exponential's mean.
            let mtbf = parse_duration(text).map_err(|m| ctx.err("instance.failures.mtbf", m))?;
            if mtbf < SimDuration::from_secs(60) {
                return Err(ctx.err("instance.failures.mtbf", "must be at least 1m"));
            }
            Some(mtbf)
        }
    };
    let mut at = Vec::new();
    for (i, text) in raw.at.iter().flatten().enumerate() {
        let time = ctx.duration(
            &format!("instance.failures.at[{i}]"),
            Some(text),
            SimDuration::ZERO,
        )?;
        if time >= duration {
            ctx.note(
                &format!("instance.failures.at[{i}]"),
                format!(
                    "is {time}, not before the end of the run ({duration}): it does not happen"
                ),
            );
        }
        at.push(time);
    }
    Ok(Failures { mtbf, at })
}
