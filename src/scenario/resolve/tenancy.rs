//! `[purchase]`'s tenancy and capacity purchases: `tenancy`, `[purchase.hosts]`,
//! `[[purchase.capacity_reservation]]` and `[[purchase.scheduled_reserved]]`
//! (aws-facts.md 20.1-20.4). The rule that a group fits on its hosts needs the
//! group's `max`, and is checked with the tier (`check_host_capacity`).

use super::super::hosts;
use super::*;

/// The tenancy, capacity reservations and scheduled reservations of `raw`, whose
/// other keys `resolve_purchase` has read (`on_demand_percent` is the resolved
/// `on_demand_percent_above_base`).
pub(super) fn resolve_tenancy(
    ctx: &Ctx,
    raw: &mut RawPurchase,
    instance: &InstanceConfig,
    on_demand_percent: u32,
    duration: SimDuration,
) -> Result<(Tenancy, Vec<CapacityReservation>, Vec<ScheduledReservation>)> {
    let word = raw.tenancy.unwrap_or(RawTenancy::Default);
    let tenancy = match (word, raw.hosts.take()) {
        (RawTenancy::Default, None) => Tenancy::Default,
        (RawTenancy::Dedicated, None) => Tenancy::Dedicated {
            uplift: default::DEDICATED_UPLIFT,
            region_fee_per_hour: default::DEDICATED_REGION_FEE_PER_HOUR,
        },
        (RawTenancy::Host, Some(h)) => Tenancy::Host(resolve_hosts(ctx, h, instance)?),
        (RawTenancy::Host, None) => {
            return Err(ctx.err(
                "purchase.tenancy",
                "\"host\" needs [purchase.hosts] with the count of Dedicated Hosts",
            ));
        }
        (_, Some(_)) => {
            return Err(ctx.err_table(
                "purchase.hosts",
                "are Dedicated Hosts, for tenancy = \"host\"",
            ));
        }
    };
    if tenancy != Tenancy::Default && on_demand_percent < 100 {
        // Dedicated Hosts run no spot instances; simcloud leaves dedicated spot
        // instances out too.
        return Err(ctx.err(
            "purchase.tenancy",
            "dedicated and host tenancy are modelled for on-demand instances only: set purchase.on_demand_percent_above_base = 100",
        ));
    }
    let mut reservations = Vec::new();
    for (i, r) in raw
        .capacity_reservation
        .take()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let key = |k: &str| format!("purchase.capacity_reservation[{i}].{k}");
        if matches!(tenancy, Tenancy::Host(_)) {
            return Err(ctx.err(
                &key("type"),
                "instances on Dedicated Hosts use the hosts' capacity, not a capacity reservation",
            ));
        }
        let price_per_hour = pool_type(ctx, &key("type"), &r.type_name, instance)?.price_per_hour;
        if r.count == 0 {
            return Err(ctx.err(&key("count"), "must be at least 1"));
        }
        ctx.at_most(&key("count"), r.count, MAX_INSTANCES)?;
        let from = ctx.duration(&key("from"), r.from.as_ref(), SimDuration::ZERO)?;
        let to = ctx.duration(&key("to"), r.to.as_ref(), duration)?;
        if to <= from {
            return Err(ctx.err(&key("to"), "must be after `from`"));
        }
        reservations.push(CapacityReservation {
            type_name: r.type_name,
            count: r.count,
            from,
            to,
            price_per_hour,
        });
    }
    let mut scheduled = Vec::new();
    for (i, r) in raw
        .scheduled_reserved
        .take()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        scheduled.push(resolve_scheduled(ctx, i, r, instance, &tenancy)?);
    }
    Ok((tenancy, reservations, scheduled))
}

/// `[purchase.hosts]`: the family is the group's own unless given, and must be.
fn resolve_hosts(ctx: &Ctx, raw: RawHosts, instance: &InstanceConfig) -> Result<DedicatedHosts> {
    let own = instance.type_name.split('.').next().unwrap_or_default();
    let family_name = raw.family.unwrap_or_else(|| own.to_string());
    let Some(family) = hosts::host_family(&family_name) else {
        return Err(ctx.err(
            "purchase.hosts.family",
            format!(
                "no Dedicated Host family of that name; simcloud knows {}",
                hosts::host_family_names()
            ),
        ));
    };
    if family_name != own {
        return Err(ctx.err(
            "purchase.hosts.family",
            format!(
                "a host of one family runs instances of that family only, and the group's type is {}",
                instance.type_name
            ),
        ));
    }
    if raw.count == 0 {
        return Err(ctx.err("purchase.hosts.count", "must be at least 1"));
    }
    let count = ctx.at_most("purchase.hosts.count", raw.count, MAX_INSTANCES)?;
    let price_per_hour = match raw.price_per_hour {
        Some(p) => ctx.bounded("purchase.hosts.price_per_hour", p, MAX_PRICE_PER_HOUR)?,
        None => family.price_per_hour,
    };
    Ok(DedicatedHosts {
        count,
        family: family_name,
        price_per_hour,
        instances_per_host: family.instances_per_host(instance.vcpu),
    })
}

/// One `[[purchase.scheduled_reserved]]`.
fn resolve_scheduled(
    ctx: &Ctx,
    i: usize,
    r: RawScheduledReservation,
    instance: &InstanceConfig,
    tenancy: &Tenancy,
) -> Result<ScheduledReservation> {
    let key = |k: &str| format!("purchase.scheduled_reserved[{i}].{k}");
    if matches!(tenancy, Tenancy::Host(_)) {
        return Err(ctx.err(
            &key("type"),
            "instances on Dedicated Hosts are billed as the hosts; no reservation covers them",
        ));
    }
    let od_price = pool_type(ctx, &key("type"), &r.type_name, instance)?.price_per_hour;
    if r.count == 0 {
        return Err(ctx.err(&key("count"), "must be at least 1"));
    }
    ctx.at_most(&key("count"), r.count, MAX_INSTANCES)?;
    let start_hour = parse_start(&r.schedule.start).ok_or_else(|| {
        ctx.err(
            &key("schedule.start"),
            "must be a time of day on the hour, like \"08:00\" (UTC)",
        )
    })?;
    let hours = ctx.range(&key("schedule.hours"), r.schedule.hours, 1, 24, " h")?;
    let days = match &r.schedule.days {
        None => [true; 7],
        Some(list) => {
            let mut days = [false; 7];
            for (j, d) in list.iter().enumerate() {
                let Some(day) = WEEKDAYS.iter().position(|w| w == d) else {
                    return Err(ctx.err(
                        &format!("{}[{j}]", key("schedule.days")),
                        format!("unknown day; expected one of {}", WEEKDAYS.join(", ")),
                    ));
                };
                days[day] = true;
            }
            if list.is_empty() {
                return Err(ctx.err(&key("schedule.days"), "needs at least one day"));
            }
            days
        }
    };
    let term = r.term.map_or(default::SCHEDULED_TERM, Term::from);
    if term != Term::OneYear {
        return Err(ctx.err(
            &key("term"),
            "Scheduled Reserved Instances had a one-year term only (aws-facts.md 20.3)",
        ));
    }
    let discount = catalog::reservation_discount(OfferingClass::Standard, term, Payment::NoUpfront);
    let hourly_usd = ctx.bounded(
        &key("hourly_usd"),
        r.hourly_usd.unwrap_or(od_price * (1.0 - discount)),
        MAX_PRICE_PER_HOUR,
    )?;
    Ok(ScheduledReservation {
        type_name: r.type_name,
        count: r.count,
        start_hour,
        hours,
        days,
        term,
        hourly_usd,
    })
}

/// `"08:00"` → 8; minutes other than `00` are refused.
fn parse_start(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let hour: u32 = h.parse().ok()?;
    (h.len() == 2 && m == "00" && hour < 24).then_some(hour)
}

/// A group on Dedicated Hosts cannot grow past the hosts' slots (aws-facts.md 20.1).
pub(super) fn check_host_capacity(
    ctx: &Ctx,
    purchase: &PurchaseConfig,
    autoscaling: &AutoScalingConfig,
    instance: &InstanceConfig,
) -> Result<()> {
    if let Tenancy::Host(h) = &purchase.tenancy
        && autoscaling.max > h.capacity()
    {
        return Err(ctx.err(
            "autoscaling.max",
            format!(
                "is more than the Dedicated Hosts hold: {} host(s) of {} × {} = {} (purchase.hosts.count)",
                h.count,
                h.instances_per_host,
                instance.type_name,
                h.capacity()
            ),
        ));
    }
    Ok(())
}
