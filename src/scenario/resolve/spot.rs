//! `[spot]`: spot prices, interruptions, capacity events and rebalancing.

use super::*;

pub(super) fn resolve_interruption(
    ctx: &Ctx,
    key: &str,
    raw: &RawInterruption,
) -> Result<InterruptionRate> {
    match (&raw.band, raw.per_hour) {
        (Some(band), None) => {
            if band_midpoint(band).is_none() {
                return Err(ctx.err(
                    &format!("{key}.band"),
                    "unknown band; expected one of <5%, 5-10%, 10-15%, 15-20%, >20%",
                ));
            }
            Ok(InterruptionRate::Band { band: band.clone() })
        }
        (None, Some(rate)) => Ok(InterruptionRate::PerHour {
            per_hour: ctx.bounded(&format!("{key}.per_hour"), rate, MAX_INTERRUPTIONS_PER_HOUR)?,
        }),
        _ => Err(ctx.err(
            key,
            "give either `band` (like \"5-10%\") or `per_hour`, not both",
        )),
    }
}

pub(super) fn resolve_spot(
    ctx: &Ctx,
    raw: RawSpot,
    purchase: &PurchaseConfig,
) -> Result<SpotConfig> {
    let price = match raw.price {
        None => SpotPrice::Discount {
            discount: default::SPOT_DISCOUNT,
        },
        Some(RawSpotPrice {
            discount: Some(d),
            trace: None,
            zone: None,
        }) => {
            if !(0.0..1.0).contains(&d) {
                return Err(ctx.err(
                    "spot.price.discount",
                    "must be a fraction between 0 and 1, like 0.62",
                ));
            }
            SpotPrice::Discount { discount: d }
        }
        Some(RawSpotPrice {
            discount: None,
            trace: Some(file),
            zone,
        }) => {
            let dir = ctx
                .file
                .path()
                .parent()
                .unwrap_or(std::path::Path::new("."));
            let path = dir.join(&file);
            let history = load_spot_prices(&path, &purchase.spot_pools, zone.as_deref())
                .map_err(|m| ctx.err("spot.price.trace", m))?;
            // Absolute, like a traffic trace's, so the resolved scenario loads anywhere.
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            // One zone for every pool keeps pools comparable; the first pool's (resolved)
            // zone is printed so that the resolved scenario replays the same records.
            let zone = history.first().map(|h| h.zone.clone()).unwrap_or_default();
            SpotPrice::Trace {
                trace: path,
                zone,
                history: std::sync::Arc::new(history),
            }
        }
        Some(_) => {
            return Err(ctx.err(
                "spot.price",
                "give either `discount` or `trace` (with an optional `zone`)",
            ));
        }
    };
    let interruption = match &raw.interruption {
        None => InterruptionRate::Band {
            band: default::SPOT_BAND.into(),
        },
        Some(i) => resolve_interruption(ctx, "spot.interruption", i)?,
    };
    let capacity_events = match raw.capacity_events {
        None => CapacityEvents {
            per_day: default::CAPACITY_EVENTS_PER_DAY,
            share: default::CAPACITY_EVENTS_SHARE,
        },
        Some(c) => CapacityEvents {
            per_day: ctx.bounded(
                "spot.capacity_events.per_day",
                c.per_day,
                MAX_CAPACITY_EVENTS_PER_DAY,
            )?,
            share: ctx.range("spot.capacity_events.share", c.share, 0.0, 1.0, "")?,
        },
    };
    let notice = ctx.duration_in(
        "spot.notice",
        raw.notice.as_ref(),
        default::SPOT_NOTICE,
        SimDuration::ZERO..=SimDuration::from_secs(3600),
    )?;
    let rebalance = raw.rebalance.unwrap_or_default();
    let probability = ctx.range(
        "spot.rebalance.probability",
        rebalance
            .probability
            .unwrap_or(default::REBALANCE_PROBABILITY),
        0.0,
        1.0,
        "",
    )?;
    let lead = ctx.duration(
        "spot.rebalance.lead_max",
        rebalance.lead_max.as_ref(),
        default::REBALANCE_LEAD_MAX,
    )?;
    let mut pool = Vec::new();
    for (i, p) in raw.pool.unwrap_or_default().iter().enumerate() {
        if !purchase.spot_pools.contains(&p.type_name) {
            return Err(ctx.err(
                &format!("spot.pool[{i}].type"),
                "is not one of purchase.spot_pools",
            ));
        }
        pool.push(SpotPoolOverride {
            type_name: p.type_name.clone(),
            interruption: resolve_interruption(
                ctx,
                &format!("spot.pool[{i}].interruption"),
                &p.interruption,
            )?,
        });
    }
    Ok(SpotConfig {
        price,
        interruption,
        capacity_events,
        notice,
        rebalance: Rebalance {
            probability,
            lead_max: lead,
        },
        capacity_rebalance: raw
            .capacity_rebalance
            .unwrap_or(default::CAPACITY_REBALANCE),
        pool,
    })
}
