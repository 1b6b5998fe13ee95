//! The spot market: one pool per instance type, each with a price path and an
//! interruption process (aws-facts.md section 2).
//!
//! - Prices (2.1) are "adjusted gradually based on the long-term supply of and demand":
//!   either a seeded path that starts at `1 - discount` of on-demand and moves by at
//!   most ±5 % every one to three days, or a replay of AWS price history. A path is a
//!   step function computed once for the whole run, with its running integral, so the
//!   bill of any instance is two binary searches.
//! - Interruptions (2.2, 2.3): each spot instance draws, at launch, the time of its
//!   interruption notice from the pool's constant hazard; the instance stops `notice`
//!   later. A rebalance recommendation comes first with some probability (up to
//!   `rebalance.lead_max` earlier), otherwise with the notice: AWS always sends both.
//!   Real interruptions also come in waves: capacity events (a Poisson process per
//!   pool) each reclaim a share of the pool's running instances at once.
//! - Allocation (2.4): `lowest_price` spreads over the N cheapest pools;
//!   `capacity_optimized` takes the pool with the most spare capacity, here the lowest
//!   interruption hazard; `price_capacity_optimized` takes the cheapest of the better
//!   half of pools by hazard.
//!
//! Draws come from per-pool streams named after the instance type, so adding a pool or
//! changing prices never changes another pool's interruptions.
//!
//! A spot pool is an instance type in an Availability Zone (aws-facts.md 2.1, 2.5:
//! "first balance across AZs, then apply allocation strategy"): with several zones
//! every type has a pool in each, with its own price path (drifting from the same
//! discount; a replayed price history is the one zone's it was read for, in every
//! zone), its own interruptions and its own capacity events. The first zone's pools
//! draw from the streams a run of one zone uses, so adding zones changes nothing in
//! the first.

use super::config::{PurchaseConfig, SpotAllocation, SpotConfig, SpotPrice};
use crate::engine::{RngStreams, SECS_PER_HOUR, SimDuration, SimRng, SimTime};
use rand::Rng;
use rand_distr::Exp1;

pub(super) struct SpotPool {
    /// Index into the simulation's instance-type table.
    pub type_index: usize,
    /// The Availability Zone (index into `[network] zones`).
    pub zone: u8,
    pub hazard_per_hour: f64,
    /// Step function: `(start time in ns, USD per hour)`, first entry at 0.
    steps: Vec<(u64, f64)>,
    /// USD accrued by one instance from time 0 to the start of each step.
    accrued_at_step: Vec<f64>,
    interruption_rng: SimRng,
    pub event_rng: SimRng,
    /// Capacity events: when the pool's instances get their rebalance recommendation
    /// and when the reclaimed ones get their notice.
    pub capacity_events: Vec<InterruptionPlan>,
}

/// When an interruption will reach a spot instance.
#[derive(Clone, Copy, Debug)]
pub(super) struct InterruptionPlan {
    pub rebalance_at: SimTime,
    pub notice_at: SimTime,
}

impl SpotPool {
    pub(super) fn price_at(&self, t: SimTime) -> f64 {
        let i = self.steps.partition_point(|&(start, _)| start <= t.0) - 1;
        self.steps[i].1
    }

    /// USD one instance accrues from 0 to `t`.
    fn accrued_to(&self, t: u64) -> f64 {
        let i = self.steps.partition_point(|&(start, _)| start <= t) - 1;
        let (start, price) = self.steps[i];
        self.accrued_at_step[i] + price * (t - start) as f64 / SimDuration::HOUR.0 as f64
    }

    /// USD for one instance running over `[from, to]` at the prices in effect.
    pub(super) fn cost_between(&self, from: SimTime, to: SimTime) -> f64 {
        self.accrued_to(to.0) - self.accrued_to(from.0)
    }

    /// Draws the interruption of an instance launched at `now`: always three draws, so
    /// the stream stays aligned whatever the outcome.
    pub(super) fn plan_interruption(
        &mut self,
        now: SimTime,
        config: &SpotConfig,
    ) -> Option<InterruptionPlan> {
        let wait: f64 = self.interruption_rng.sample(Exp1);
        let early: f64 = self.interruption_rng.random();
        let lead: f64 = self.interruption_rng.random();
        if self.hazard_per_hour <= 0.0 {
            return None;
        }
        let notice_at =
            now + SimDuration::from_secs_f64(wait / self.hazard_per_hour * SECS_PER_HOUR);
        Some(with_lead(notice_at, now, early, lead, config))
    }
}

pub(super) struct SpotMarket {
    pub pools: Vec<SpotPool>,
    allocation: SpotAllocation,
    instance_pools: usize,
}

impl SpotMarket {
    /// Builds every pool's price path over `[0, end)`. `type_index` maps a type name to
    /// the simulation's type table, `on_demand_price` gives each type's list price.
    pub(super) fn new(
        purchase: &PurchaseConfig,
        spot: &SpotConfig,
        streams: &RngStreams,
        end: SimTime,
        type_index: impl Fn(&str) -> usize,
        on_demand_price: impl Fn(&str) -> f64,
        zones: usize,
    ) -> Self {
        let pool_zones = (0..zones).flat_map(|zone| {
            purchase
                .spot_pools
                .iter()
                .enumerate()
                .map(move |(i, name)| (zone, i, name))
        });
        let pools = pool_zones
            .map(|(zone, i, name)| {
                // The first zone's streams are a one-zone run's.
                let at = match zone {
                    0 => String::new(),
                    z => format!("@{z}"),
                };
                let od = on_demand_price(name);
                let steps = match &spot.price {
                    SpotPrice::Discount { discount } => drifting_path(
                        od,
                        *discount,
                        &mut streams.stream(&format!("spot-price/{name}{at}")),
                        end,
                    ),
                    SpotPrice::Trace { history, .. } => {
                        let h = &history[i];
                        let mut steps = vec![(0u64, h.points.first().map_or(od, |p| p.1))];
                        for &(secs, price) in &h.points {
                            let t = SimDuration::from_secs_f64(secs).0;
                            if t == 0 {
                                steps[0].1 = price;
                            } else if steps.last().is_some_and(|&(last, _)| last == t) {
                                steps.last_mut().expect("not empty").1 = price;
                            } else {
                                steps.push((t, price));
                            }
                        }
                        steps
                    }
                };
                let mut accrued_at_step = Vec::with_capacity(steps.len());
                let mut total = 0.0;
                for (k, &(start, price)) in steps.iter().enumerate() {
                    accrued_at_step.push(total);
                    if let Some(&(next, _)) = steps.get(k + 1) {
                        total += price * (next - start) as f64 / SimDuration::HOUR.0 as f64;
                    }
                }
                let hazard = spot
                    .pool
                    .iter()
                    .find(|p| &p.type_name == name)
                    .map_or(&spot.interruption, |p| &p.interruption)
                    .per_hour();
                let mut event_rng = streams.stream(&format!("spot-events/{name}{at}"));
                let capacity_events =
                    poisson_times(spot.capacity_events.per_day / 86_400.0, &mut event_rng, end)
                        .into_iter()
                        .map(|t| early_warning(t, spot, &mut event_rng))
                        .collect();
                SpotPool {
                    type_index: type_index(name),
                    zone: zone as u8,
                    hazard_per_hour: hazard,
                    steps,
                    accrued_at_step,
                    interruption_rng: streams.stream(&format!("spot-interruptions/{name}{at}")),
                    event_rng,
                    capacity_events,
                }
            })
            .collect();
        SpotMarket {
            pools,
            allocation: purchase.spot_allocation,
            instance_pools: purchase.spot_instance_pools as usize,
        }
    }

    /// The pool for the next spot launch among the pools `usable` allows (those not
    /// yet found short of capacity in the zone), given the running spot instances per
    /// pool; `None` when no pool is usable.
    pub(super) fn choose_pool(
        &self,
        now: SimTime,
        running: &[u32],
        usable: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let price = |i: usize| self.pools[i].price_at(now);
        let hazard = |i: usize| self.pools[i].hazard_per_hour;
        let mut order: Vec<usize> = (0..self.pools.len()).filter(|&p| usable(p)).collect();
        if order.is_empty() {
            return None;
        }
        let pool = match self.allocation {
            SpotAllocation::LowestPrice => {
                order.sort_by(|&a, &b| price(a).total_cmp(&price(b)).then(a.cmp(&b)));
                order.truncate(self.instance_pools.max(1));
                *order
                    .iter()
                    .min_by(|&&a, &&b| {
                        running[a]
                            .cmp(&running[b])
                            .then(price(a).total_cmp(&price(b)))
                            .then(a.cmp(&b))
                    })
                    .expect("at least one pool")
            }
            SpotAllocation::CapacityOptimized => *order
                .iter()
                .min_by(|&&a, &&b| hazard(a).total_cmp(&hazard(b)).then(a.cmp(&b)))
                .expect("at least one pool"),
            SpotAllocation::PriceCapacityOptimized => {
                order.sort_by(|&a, &b| hazard(a).total_cmp(&hazard(b)).then(a.cmp(&b)));
                order.truncate(order.len().div_ceil(2));
                *order
                    .iter()
                    .min_by(|&&a, &&b| price(a).total_cmp(&price(b)).then(a.cmp(&b)))
                    .expect("at least one pool")
            }
        };
        Some(pool)
    }

    /// Mean price over the pools at `t`, for the timeline.
    pub(super) fn mean_price(&self, t: SimTime) -> f64 {
        self.pools.iter().map(|p| p.price_at(t)).sum::<f64>() / self.pools.len() as f64
    }
}

/// A price that starts at `(1 - discount) * od` and changes every 1–3 days by a factor
/// in [0.95, 1.05], kept between 10 % and 100 % of on-demand (aws-facts.md 2.1).
fn drifting_path(od: f64, discount: f64, rng: &mut SimRng, end: SimTime) -> Vec<(u64, f64)> {
    const DAY: f64 = 86_400.0;
    let mut price = od * (1.0 - discount);
    let mut steps = vec![(0, price)];
    let mut t = 0.0;
    loop {
        t += rng.random_range(DAY..3.0 * DAY);
        let at = SimDuration::from_secs_f64(t).0;
        if at >= end.0 {
            return steps;
        }
        price = (price * rng.random_range(0.95..1.05)).clamp(0.1 * od, od);
        steps.push((at, price));
    }
}

/// When the rebalance recommendation precedes a notice at `notice_at`: with probability
/// `rebalance.probability` (`early` is a uniform draw) by a uniform share (`lead`) of
/// `rebalance.lead_max`, never before `not_before`; otherwise together with it.
fn with_lead(
    notice_at: SimTime,
    not_before: SimTime,
    early: f64,
    lead: f64,
    config: &SpotConfig,
) -> InterruptionPlan {
    let rebalance_at = if early < config.rebalance.probability {
        let lead = SimDuration::from_secs_f64(lead * config.rebalance.lead_max.as_secs_f64());
        SimTime(notice_at.0.saturating_sub(lead.0).max(not_before.0))
    } else {
        notice_at
    };
    InterruptionPlan {
        rebalance_at,
        notice_at,
    }
}

/// A capacity event at `t`: EC2 warns the pool (the rebalance recommendation) by the
/// same rule as single interruptions, then notices the instances it reclaims at `t`.
fn early_warning(t: SimTime, config: &SpotConfig, rng: &mut SimRng) -> InterruptionPlan {
    let early: f64 = rng.random();
    let lead: f64 = rng.random();
    with_lead(t, SimTime::ZERO, early, lead, config)
}

/// Event times of a Poisson process at `per_second` over `[0, end)`.
fn poisson_times(per_second: f64, rng: &mut SimRng, end: SimTime) -> Vec<SimTime> {
    let mut out = Vec::new();
    if per_second <= 0.0 {
        return out;
    }
    let mut t = 0.0;
    loop {
        t += rng.sample::<f64, _>(Exp1) / per_second;
        let at = SimDuration::from_secs_f64(t).0;
        if at >= end.0 {
            return out;
        }
        out.push(SimTime(at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A price of $0.04/h for the first hour and $0.05/h after: two hours from t = 0
    /// cost 0.04 + 0.05 = $0.09; from 30 min to 90 min, 0.02 + 0.025 = $0.045.
    #[test]
    fn cost_integrates_the_price_steps() {
        let hour = SimDuration::HOUR.0;
        let pool = SpotPool {
            type_index: 0,
            hazard_per_hour: 0.0,
            zone: 0,
            steps: vec![(0, 0.04), (hour, 0.05)],
            accrued_at_step: vec![0.0, 0.04],
            interruption_rng: RngStreams::new(1).stream("a"),
            event_rng: RngStreams::new(1).stream("b"),
            capacity_events: Vec::new(),
        };
        assert!((pool.cost_between(SimTime::ZERO, SimTime(2 * hour)) - 0.09).abs() < 1e-12);
        assert!(
            (pool.cost_between(SimTime(hour / 2), SimTime(3 * hour / 2)) - 0.045).abs() < 1e-12
        );
        assert_eq!(pool.price_at(SimTime(hour - 1)), 0.04);
        assert_eq!(pool.price_at(SimTime(hour)), 0.05);
    }

    #[test]
    fn drifting_prices_stay_within_bounds_and_change_slowly() {
        let mut rng = RngStreams::new(3).stream("spot-price/m5.large");
        let path = drifting_path(0.096, 0.62, &mut rng, SimTime::from_secs(90 * 86_400));
        assert!((path[0].1 - 0.096 * 0.38).abs() < 1e-12);
        // Changes every 1 to 3 days: 30 to 90 changes in 90 days.
        assert!((30..=91).contains(&path.len()), "{}", path.len());
        for w in path.windows(2) {
            let ratio = w[1].1 / w[0].1;
            assert!((0.95..=1.05).contains(&ratio) || w[1].1 == 0.1 * 0.096 || w[1].1 == 0.096);
            assert!(w[1].0 - w[0].0 >= 24 * SimDuration::HOUR.0);
        }
    }

    /// A spot pool is a type in a zone (aws-facts.md 2.5): two types in three zones
    /// are six pools, zone-major; the first zone's pools are a one-zone run's, draw for
    /// draw, and the other zones' prices drift on their own paths.
    #[test]
    fn every_zone_has_its_own_pools() {
        use crate::model::config::{CapacityEvents, InterruptionRate, PoolType, Rebalance};
        let pool_type = PoolType {
            vcpu: 2,
            price_per_hour: 0.096,
            speed: 1.0,
        };
        let purchase = PurchaseConfig {
            on_demand_base: 0,
            on_demand_percent_above_base: 0,
            spot_pools: vec!["m5.large".into(), "c5.large".into()],
            spot_pool_types: vec![pool_type.clone(), pool_type],
            spot_allocation: SpotAllocation::PriceCapacityOptimized,
            spot_instance_pools: 2,
            reserved: Vec::new(),
            savings_plan: None,
            tenancy: crate::model::config::Tenancy::Default,
            capacity_reservations: Vec::new(),
            scheduled_reserved: Vec::new(),
        };
        let spot = SpotConfig {
            price: SpotPrice::Discount { discount: 0.62 },
            interruption: InterruptionRate::PerHour { per_hour: 0.01 },
            capacity_events: CapacityEvents {
                per_day: 1.0,
                share: 0.5,
            },
            notice: SimDuration::from_secs(120),
            rebalance: Rebalance {
                probability: 0.0,
                lead_max: SimDuration::ZERO,
            },
            capacity_rebalance: false,
            pool: Vec::new(),
        };
        let end = SimTime::from_secs(30 * 86_400);
        let market = |zones| {
            let streams = RngStreams::new(7);
            SpotMarket::new(&purchase, &spot, &streams, end, |_| 0, |_| 0.096, zones)
        };
        let (one, three) = (market(1), market(3));
        assert_eq!(three.pools.len(), 6);
        let zones: Vec<u8> = three.pools.iter().map(|p| p.zone).collect();
        assert_eq!(zones, [0, 0, 1, 1, 2, 2]);
        for (a, b) in one.pools.iter().zip(&three.pools) {
            assert_eq!(a.steps, b.steps);
        }
        assert_ne!(three.pools[0].steps, three.pools[2].steps);
        assert_ne!(three.pools[2].steps, three.pools[4].steps);
    }
}
