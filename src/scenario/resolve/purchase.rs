//! `[purchase]`: the mixed instances policy, reserved instances and savings plans
//! (tenancy and capacity purchases are `tenancy.rs`).

use super::*;

/// vCPUs, on-demand price and speed of a type: the scenario's own `[instance]` values
/// for its type, the catalog's (or the offer file's) for any other.
pub(super) fn pool_type(
    ctx: &Ctx,
    key: &str,
    type_name: &str,
    instance: &InstanceConfig,
) -> Result<PoolType> {
    if type_name == instance.type_name {
        return Ok(PoolType {
            vcpu: instance.vcpu,
            price_per_hour: instance.price_per_hour,
            speed: instance.speed,
        });
    }
    ctx.instance_type(type_name)
        .map(|t| PoolType {
            vcpu: t.vcpu,
            price_per_hour: t.price_per_hour,
            speed: t.speed,
        })
        .ok_or_else(|| ctx.err(key, format!("unknown instance type; {}", ctx.known_types())))
}

/// A reservation's hourly fee and upfront payment (`key` is its table's, ending in a
/// dot): as given, or derived from its `effective` hourly cost (upfront amortised),
/// split as AWS does: all upfront pays it all at the start, partial upfront about
/// half, no upfront nothing (aws-facts.md 1.3).
pub(super) fn reservation_prices(
    ctx: &Ctx,
    key: &str,
    effective: f64,
    term: Term,
    payment: Payment,
    (hourly, upfront): (Option<f64>, Option<f64>),
) -> Result<(f64, f64)> {
    let upfront_share = match payment {
        Payment::NoUpfront => 0.0,
        Payment::PartialUpfront => 0.5,
        Payment::AllUpfront => 1.0,
    };
    let hourly_usd = ctx.bounded(
        &format!("{key}hourly_usd"),
        hourly.unwrap_or(effective * (1.0 - upfront_share)),
        MAX_PRICE_PER_HOUR,
    )?;
    let upfront_usd = ctx.bounded(
        &format!("{key}upfront_usd"),
        upfront.unwrap_or(effective * upfront_share * term.hours()),
        MAX_UPFRONT_USD,
    )?;
    Ok((hourly_usd, upfront_usd))
}

pub(super) fn resolve_purchase(
    ctx: &Ctx,
    mut raw: RawPurchase,
    instance: &InstanceConfig,
    duration: SimDuration,
) -> Result<PurchaseConfig> {
    let percent = raw
        .on_demand_percent_above_base
        .unwrap_or(i64::from(default::ON_DEMAND_PERCENT));
    if !(0..=100).contains(&percent) {
        return Err(ctx.err(
            "purchase.on_demand_percent_above_base",
            "must be a percentage between 0 and 100",
        ));
    }
    let (tenancy, capacity_reservations, scheduled_reserved) =
        resolve_tenancy(ctx, &mut raw, instance, percent as u32, duration)?;
    let spot_pools = raw
        .spot_pools
        .unwrap_or_else(|| vec![instance.type_name.clone()]);
    if spot_pools.is_empty() {
        return Err(ctx.err("purchase.spot_pools", "needs at least one instance type"));
    }
    let mut spot_pool_types = Vec::new();
    for (i, t) in spot_pools.iter().enumerate() {
        spot_pool_types.push(pool_type(
            ctx,
            &format!("purchase.spot_pools[{i}]"),
            t,
            instance,
        )?);
        if spot_pools[..i].contains(t) {
            return Err(ctx.err(&format!("purchase.spot_pools[{i}]"), "is listed twice"));
        }
    }
    let spot_allocation = raw
        .spot_allocation
        .map_or(default::SPOT_ALLOCATION, SpotAllocation::from);
    let spot_instance_pools = ctx.range(
        "purchase.spot_instance_pools",
        raw.spot_instance_pools
            .unwrap_or(default::SPOT_INSTANCE_POOLS),
        1,
        20,
        "",
    )?;
    let mut reserved = Vec::new();
    for (i, r) in raw.reserved.unwrap_or_default().into_iter().enumerate() {
        let key = |k: &str| format!("purchase.reserved[{i}].{k}");
        let od_price = pool_type(ctx, &key("type"), &r.type_name, instance)?.price_per_hour;
        if r.count == 0 {
            return Err(ctx.err(&key("count"), "must be at least 1"));
        }
        ctx.at_most(&key("count"), r.count, MAX_INSTANCES)?;
        let term = r.term.map_or(default::TERM, Term::from);
        let payment = r.payment.map_or(default::PAYMENT, Payment::from);
        let class = r.class.map_or(default::OFFERING_CLASS, OfferingClass::from);
        let discount = catalog::reservation_discount(class, term, payment);
        let (hourly_usd, upfront_usd) = reservation_prices(
            ctx,
            &key(""),
            od_price * (1.0 - discount),
            term,
            payment,
            (r.hourly_usd, r.upfront_usd),
        )?;
        reserved.push(Reservation {
            type_name: r.type_name,
            count: r.count,
            term,
            payment,
            class,
            hourly_usd,
            upfront_usd,
        });
    }
    let savings_plan = match raw.savings_plan {
        None => None,
        Some(sp) => {
            let kind = SavingsPlanKind::from(sp.kind);
            let term = sp.term.map_or(default::TERM, Term::from);
            let payment = sp.payment.map_or(default::PAYMENT, Payment::from);
            let class = match kind {
                SavingsPlanKind::Compute => OfferingClass::Convertible,
                SavingsPlanKind::Ec2Instance => OfferingClass::Standard,
            };
            let discount = sp
                .discount
                .unwrap_or(catalog::reservation_discount(class, term, payment));
            if !(0.0..1.0).contains(&discount) {
                return Err(ctx.err(
                    "purchase.savings_plan.discount",
                    "must be a fraction between 0 and 1, like 0.28",
                ));
            }
            let family = match (kind, sp.family) {
                (SavingsPlanKind::Compute, Some(_)) => {
                    return Err(ctx.err(
                        "purchase.savings_plan.family",
                        "only ec2_instance plans are tied to a family",
                    ));
                }
                (SavingsPlanKind::Compute, None) => None,
                (SavingsPlanKind::Ec2Instance, f) => Some(f.unwrap_or_else(|| {
                    instance
                        .type_name
                        .split('.')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })),
            };
            Some(SavingsPlan {
                kind,
                hourly_commitment: ctx
                    .positive(
                        "purchase.savings_plan.hourly_commitment",
                        sp.hourly_commitment,
                    )
                    .and_then(|c| {
                        ctx.at_most(
                            "purchase.savings_plan.hourly_commitment",
                            c,
                            MAX_COMMITMENT_PER_HOUR,
                        )
                    })?,
                term,
                payment,
                discount,
                family,
            })
        }
    };
    if matches!(tenancy, Tenancy::Host(_)) && (!reserved.is_empty() || savings_plan.is_some()) {
        // Host Reservations and savings plans on hosts (20.1) are left out.
        let key = match reserved.is_empty() {
            false => "purchase.reserved",
            true => "purchase.savings_plan",
        };
        return Err(ctx.err_table(
            key,
            "does not apply to instances on Dedicated Hosts, which are billed as the hosts (simcloud does not model Host Reservations)",
        ));
    }
    Ok(PurchaseConfig {
        on_demand_base: ctx.at_most(
            "purchase.on_demand_base",
            raw.on_demand_base.unwrap_or(default::ON_DEMAND_BASE),
            MAX_INSTANCES,
        )?,
        on_demand_percent_above_base: percent as u32,
        spot_pools,
        spot_pool_types,
        spot_allocation,
        spot_instance_pools,
        reserved,
        savings_plan,
        tenancy,
        capacity_reservations,
        scheduled_reserved,
    })
}
