//! The bill of an `rds` tier: its DB instances and their gp3 storage. Prices are
//! us-east-1 (the class's price is the scenario's, from the catalog of
//! aws-facts.md 16.5):
//!
//! - Instances (aws-facts.md 7): "billed in one-second increments, with a minimum of
//!   10 minutes". Every DB instance of the tier runs the whole run: the primary, the
//!   Multi-AZ standby (billed like the primary, so Multi-AZ is 2× Single-AZ, 16.1) and
//!   each read replica (billed as a separate instance, 16.2). Seconds are counted
//!   whole, rounding a partial second up.
//! - Storage (16.4): gp3 at $0.115 per GB-month for each copy of the data (the
//!   primary's, the standby's and each replica's), prorated over a 730-hour month, as
//!   `billing::serverless` prorates Lambda's free tier. The baseline of 3,000 IOPS is
//!   included; provisioned IOPS and backup storage beyond the free allowance are not
//!   billed (not modelled).
//! - RDS Proxy (16.3): $0.015 per vCPU-hour of the primary (at least 2 vCPUs; the
//!   standby adds no charge, and reads to replicas do not use the proxy), per second
//!   with the same 10-minute minimum as the instances (an assumption: AWS's price page
//!   gives an hourly rate).
//!
//! - Reserved DB instances (16.6), settled as EC2's (1.3, `billing::cover_reserved`):
//!   each is paid every clock hour the run has begun, used or not, and covers up to
//!   3,600 seconds of the tier's DB instances (primary, standby, replicas: one class)
//!   per clock hour at their on-demand price (a fee line and a negative coverage
//!   line per reservation).
//!
//! The whole bill is a function of the configuration and the time elapsed: a timeline
//! row shows what the run would cost if it ended then (the 10-minute minimum
//! included), and the last row is the closed bill.

use super::{BilledType, MONTH, billed_seconds_at_least, cost_of_seconds, cover_reserved};
use crate::engine::SECS_PER_HOUR;
use crate::engine::SimDuration;
use crate::model::config::RdsConfig;
use crate::model::outcome::{CostItem, CostSummary, round_to};

/// The minimum billed per DB instance (aws-facts.md 7).
pub(in crate::model) const MINIMUM_BILLED_SECS: u64 = 600;
/// gp3 storage per GB-month, Single-AZ (aws-facts.md 16.4).
const GP3_PER_GB_MONTH: f64 = 0.115;
/// RDS Proxy per vCPU-hour, and the fewest vCPUs it bills (aws-facts.md 16.3).
const PROXY_PER_VCPU_HOUR: f64 = 0.015;
const PROXY_MINIMUM_VCPU: u32 = 2;

/// Seconds billed for a DB instance that ran for `ran`: whole, at least 10 minutes.
pub(in crate::model) fn billed_seconds(ran: SimDuration) -> u64 {
    billed_seconds_at_least(ran, MINIMUM_BILLED_SECS)
}

/// The DB instances of the tier, by role, for the bill's lines.
fn roles(db: &RdsConfig) -> Vec<String> {
    let mut roles = vec!["primary".to_string()];
    if db.multi_az {
        roles.push("standby".to_string());
    }
    roles.extend((1..=db.read_replicas).map(|i| format!("replica-{i}")));
    roles
}

/// The tier's bill for a run of `elapsed`, as `summary.json`'s `cost_usd`.
pub(in crate::model) fn cost(db: &RdsConfig, elapsed: SimDuration) -> CostSummary {
    let total: f64 = items(db, elapsed, "").iter().map(|i| i.cost_usd).sum();
    CostSummary {
        total: round_to(total, 6),
        rds: round_to(total, 6),
        all_on_demand: round_to(total, 6),
        ..CostSummary::default()
    }
}

/// The bill's lines for a run of `elapsed` (`cost.csv`): one per DB instance, the
/// proxy, and the storage.
pub(in crate::model) fn items(db: &RdsConfig, elapsed: SimDuration, tier: &str) -> Vec<CostItem> {
    let end_s = elapsed.as_secs_f64();
    let line =
        |item: &str, kind: String, quantity: f64, unit: &str, price: f64, cost: f64| CostItem {
            item: item.to_string(),
            purchase_option: "rds".to_string(),
            instance_type: kind,
            instance_id: None,
            start_s: 0.0,
            end_s,
            quantity,
            unit: unit.to_string(),
            unit_price_usd: price,
            cost_usd: cost,
            tier: tier.to_string(),
        };
    let secs = billed_seconds(elapsed);
    let mut lines: Vec<CostItem> = roles(db)
        .into_iter()
        .map(|role| {
            line(
                &format!("db_instance_{role}"),
                db.class.clone(),
                secs as f64,
                "second",
                db.price_per_hour / 3600.0,
                cost_of_seconds(db.price_per_hour, secs),
            )
        })
        .collect();
    if db.proxy {
        let vcpu = db.vcpu.max(PROXY_MINIMUM_VCPU);
        let price = f64::from(vcpu) * PROXY_PER_VCPU_HOUR;
        lines.push(line(
            "rds_proxy",
            format!("{vcpu} vCPU"),
            secs as f64,
            "second",
            price / 3600.0,
            cost_of_seconds(price, secs),
        ));
    }
    lines.extend(
        reservations(db, secs)
            .into_iter()
            .flat_map(|(r, hours, covered, value)| {
                let fee = line(
                    "db_reserved_fee",
                    db.class.clone(),
                    f64::from(r.count) * hours,
                    "instance_hour",
                    r.effective_hourly_usd(),
                    f64::from(r.count) * hours * r.effective_hourly_usd(),
                );
                let coverage = (covered > 0.0).then(|| {
                    line(
                        "db_reserved_coverage",
                        db.class.clone(),
                        covered,
                        "second",
                        -value / covered,
                        -value,
                    )
                });
                std::iter::once(fee).chain(coverage)
            }),
    );
    let copies = 1 + u32::from(db.multi_az) + db.read_replicas;
    let gb_months = f64::from(db.storage_gb * copies) * end_s / MONTH.as_secs_f64();
    lines.push(line(
        "db_storage_gp3",
        format!("{} GB gp3 × {copies}", db.storage_gb),
        gb_months,
        "GB-month",
        GP3_PER_GB_MONTH,
        gb_months * GP3_PER_GB_MONTH,
    ));
    lines
}

/// Each reservation with the clock hours it is paid for (every hour the run has
/// begun, by its billed seconds `secs`), and the seconds it covered over them with
/// their on-demand value.
fn reservations(
    db: &RdsConfig,
    secs: u64,
) -> Vec<(&crate::model::config::Reservation, f64, f64, f64)> {
    if db.reserved.is_empty() {
        return Vec::new();
    }
    let types = [BilledType {
        name: db.class.clone(),
        on_demand_price: db.price_per_hour,
    }];
    let instances = roles(db).len() as f64;
    let hours = secs.div_ceil(SECS_PER_HOUR as u64);
    let mut totals = vec![(0.0, 0.0); db.reserved.len()];
    for hour in 0..hours {
        let in_hour = (secs - hour * SECS_PER_HOUR as u64).min(SECS_PER_HOUR as u64);
        let mut usage = [instances * in_hour as f64];
        for (total, (covered, value)) in
            totals
                .iter_mut()
                .zip(cover_reserved(&db.reserved, &types, &mut usage))
        {
            total.0 += covered;
            total.1 += value;
        }
    }
    db.reserved
        .iter()
        .zip(totals)
        .map(|(r, (covered, value))| (r, hours as f64, covered, value))
        .collect()
}
