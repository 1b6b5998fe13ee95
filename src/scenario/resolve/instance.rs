//! `[instance]`: the type (from the catalog or given), boot time and failures.

use super::*;

pub(super) fn resolve_instance(
    ctx: &Ctx,
    raw: RawInstance,
    duration: SimDuration,
) -> Result<InstanceConfig> {
    let type_name = raw
        .type_name
        .clone()
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
    let credits = resolve_credits(ctx, &raw, &type_name)?;
    Ok(InstanceConfig {
        credits,
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

/// A burstable type's CPU credits (aws-facts.md 20.5): the table's rates, the mode
/// (the family's default unless `credit_specification` says), the balance at t = 0.
/// `credit_specification` on a type that does not burst is an error, not a silent
/// no-op; `initial_credits` there is a note.
fn resolve_credits(ctx: &Ctx, raw: &RawInstance, type_name: &str) -> Result<Option<CreditsConfig>> {
    let Some(t) = burstable::lookup(type_name) else {
        if let Some(mode) = raw.credit_specification {
            let word = match mode {
                RawCreditSpecification::Standard => "standard",
                RawCreditSpecification::Unlimited => "unlimited",
            };
            return Err(ctx.err(
                "instance.credit_specification",
                format!("is \"{word}\", but {type_name} is not a burstable type (T2, T3, T3a or T4g, nano to 2xlarge): only those earn CPU credits"),
            ));
        }
        // A note, not an error: a comparison of a burstable type with another
        // (`[[strategy]] instance.type = "m5.large"`) keeps the base's balance.
        if raw.initial_credits.is_some() {
            ctx.note(
                "instance.initial_credits",
                format!(
                    "has no effect: {type_name} is not a burstable type and earns no CPU credits"
                ),
            );
        }
        return Ok(None);
    };
    let unlimited = match raw.credit_specification {
        Some(RawCreditSpecification::Unlimited) => true,
        Some(RawCreditSpecification::Standard) => false,
        None => default::credit_specification_unlimited(type_name),
    };
    let initial_credits = raw.initial_credits.unwrap_or(default::INITIAL_CREDITS);
    let initial_credits = ctx.non_negative("instance.initial_credits", initial_credits)?;
    if initial_credits > t.max_balance {
        return Err(ctx.err(
            "instance.initial_credits",
            format!(
                "must be at most {}, the most credits a {type_name} holds (24 hours of its {} credits an hour)",
                t.max_balance, t.credits_per_hour
            ),
        ));
    }
    Ok(Some(CreditsConfig {
        unlimited,
        credits_per_hour: t.credits_per_hour,
        vcpu: t.vcpu,
        max_balance: t.max_balance,
        launch_credits: t.launch_credits,
        initial_credits,
        surplus_price_per_vcpu_hour: burstable::surplus_price_per_vcpu_hour(type_name),
    }))
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
