//! `[network]`, `[[outage]]` and `[[capacity_shortage]]`: the Availability Zones and
//! what happens to them (SPEC "Phase 2", aws-facts.md 17); and a tier's
//! `[placement]` group (17.4), whose limits depend on the zones.

use super::*;

/// Zones a scenario may list: us-east-1 has six (use1-az1 to use1-az6).
const MAX_ZONES: usize = 6;

/// The zones, outages and shortages, in a run of `duration` whose tiers are `tiers`
/// (a shortage names an instance type some tier launches).
pub(super) fn resolve_network(
    ctx: &Ctx,
    network: Option<RawNetwork>,
    outages: Vec<RawOutage>,
    shortages: Vec<RawShortage>,
    duration: SimDuration,
) -> Result<Network> {
    let mut resolved = Network::default();
    if let Some(zones) = network.and_then(|n| n.zones) {
        if zones.is_empty() || zones.len() > MAX_ZONES {
            return Err(ctx.err(
                "network.zones",
                format!("must list between 1 and {MAX_ZONES} zones (us-east-1 has {MAX_ZONES})"),
            ));
        }
        for (i, zone) in zones.iter().enumerate() {
            if zone.trim().is_empty() {
                return Err(ctx.err("network.zones", "a zone's name must not be empty"));
            }
            if zones[..i].contains(zone) {
                return Err(ctx.err("network.zones", format!("lists zone \"{zone}\" twice")));
            }
        }
        resolved.zones = zones;
    }
    let zone_of = |key: &str, name: &str| {
        resolved
            .zones
            .iter()
            .position(|z| z == name)
            .ok_or_else(|| {
                ctx.err(
                    key,
                    format!(
                        "is not a zone of [network] zones; the zones are: {}",
                        resolved
                            .zones
                            .iter()
                            .map(|z| format!("\"{z}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    };
    for (i, o) in outages.iter().enumerate() {
        let key = |k: &str| format!("outage[{i}].{k}");
        let zone = zone_of(&key("zone"), &o.zone)?;
        let at = ctx.duration(&key("at"), Some(&o.at), SimDuration::ZERO)?;
        let length =
            ctx.positive_duration(&key("duration"), Some(&o.duration), SimDuration::ZERO)?;
        let ends = at + length;
        if let Some((j, other)) = resolved
            .outages
            .iter()
            .enumerate()
            .find(|(_, p)| p.zone == zone && p.at < ends && at < p.at + p.duration)
        {
            return Err(ctx.err(
                &key("at"),
                format!(
                    "overlaps outage[{j}] of the same zone (down from {} to {}); one outage of a zone at a time",
                    other.at,
                    other.at + other.duration
                ),
            ));
        }
        if at >= duration {
            ctx.note(
                &key("at"),
                "is at or after the end of the run: it does not happen",
            );
        }
        resolved.outages.push(Outage {
            zone,
            at,
            duration: length,
        });
    }
    for (i, s) in shortages.iter().enumerate() {
        let key = |k: &str| format!("capacity_shortage[{i}].{k}");
        let zone = zone_of(&key("zone"), &s.zone)?;
        let from = ctx.duration(&key("from"), Some(&s.from), SimDuration::ZERO)?;
        let to = ctx.duration(&key("to"), Some(&s.to), SimDuration::ZERO)?;
        if to <= from {
            return Err(ctx.err(&key("to"), format!("must be after `from` ({from})")));
        }
        resolved.shortages.push(CapacityShortage {
            type_name: s.pool.clone(),
            zone,
            from,
            to,
        });
    }
    Ok(resolved)
}

/// A shortage must name a type that some EC2-kind tier launches (its instance type or
/// a spot pool's): anything else would have no effect, most likely a typo.
pub(super) fn check_shortage_pools(
    ctx: &Ctx,
    network: &Network,
    tiers: &[TierConfig],
) -> Result<()> {
    let launched = |t: &TierConfig| -> Vec<String> {
        match t.kind {
            TierKind::Ec2 | TierKind::Fargate | TierKind::Beanstalk => {
                std::iter::once(t.instance.type_name.clone())
                    .chain(t.purchase.spot_pools.iter().cloned())
                    .collect()
            }
            // An EMR cluster's instance fleets launch in the first zone, a type short
            // of capacity not at all (its instance groups take no note of shortages).
            TierKind::Emr => match (&t.emr, &t.batch) {
                (Some(e), Some(b)) => e
                    .fleets()
                    .iter()
                    .flat_map(|f| &f.types)
                    .map(|ft| b.types[ft.type_index].name.clone())
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    let types: Vec<String> = tiers.iter().flat_map(launched).collect();
    for (i, s) in network.shortages.iter().enumerate() {
        if !types.contains(&s.type_name) {
            let mut known = types.clone();
            known.sort();
            known.dedup();
            return Err(ctx.err(
                &format!("capacity_shortage[{i}].pool"),
                format!(
                    "is not a pool of any tier (an instance type or spot pool it launches); the pools are: {}",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// `[placement]` of an `ec2` tier with `max` instances, in a run of `zones` zones.
pub(super) fn resolve_placement(
    ctx: &Ctx,
    raw: Option<RawPlacementGroup>,
    max: u32,
    zones: usize,
) -> Result<Option<PlacementGroup>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let strategy = PlacementGroupStrategy::from(raw.strategy);
    let partitions = match (strategy, raw.partitions) {
        (PlacementGroupStrategy::Partition, Some(p)) => {
            ctx.range("placement.partitions", p, 1, PLACEMENT_PER_ZONE, "")?
        }
        (PlacementGroupStrategy::Partition, None) => PLACEMENT_PER_ZONE,
        (_, Some(_)) => {
            return Err(ctx.err(
                "placement.partitions",
                "is a key of a partition placement group only",
            ));
        }
        (_, None) => 0,
    };
    // aws-facts.md 17.4: "a maximum of seven running instances per Availability Zone
    // per group"; the group could never reach a larger max.
    let cap = PLACEMENT_PER_ZONE * zones as u32;
    if strategy == PlacementGroupStrategy::Spread && max > cap {
        return Err(ctx.err(
            "autoscaling.max",
            format!(
                "a spread placement group holds at most {PLACEMENT_PER_ZONE} running instances per zone: {cap} in {zones} zone{}",
                if zones == 1 { "" } else { "s" }
            ),
        ));
    }
    if strategy == PlacementGroupStrategy::Cluster && zones > 1 {
        ctx.note(
            "placement.strategy",
            "is a cluster placement group: its instances all run in the first zone",
        );
    }
    Ok(Some(PlacementGroup {
        strategy,
        partitions,
    }))
}
