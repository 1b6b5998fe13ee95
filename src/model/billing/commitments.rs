//! Reservations and savings plans, settled per clock hour (aws-facts.md 1.3, 1.4): the
//! part of the ledger that only a tier with commitments uses. Each hour's fees are owed
//! whatever happens; reservations cover their type's on-demand seconds first, then the
//! savings plan covers what is left, highest savings percentage first, until usage or
//! the commitment runs out. RDS reservations are settled by `cover_reserved` too.
//!
//! Scheduled Reserved Instances (aws-facts.md 20.3) are reservations of the clock
//! hours their schedule covers: in such an hour each is paid and covers its type's
//! usage as a reserved instance does, after the standing reservations; outside it, it
//! neither costs nor covers. AWS no longer sells them; simcloud bills them as AWS
//! billed them, "for the scheduled hours whether used or not".

use super::*;

/// Applies reservations, in order, to one clock hour's on-demand seconds per type
/// (`remaining`, reduced by what they cover): each covers up to 3,600 seconds of its
/// type per reserved instance (aws-facts.md 1.3; RDS reservations follow the same
/// rule, 16.6). Returns, per reservation, the seconds covered and their on-demand
/// value.
pub(in crate::model) fn cover_reserved(
    reserved: &[Reservation],
    types: &[BilledType],
    remaining: &mut [f64],
) -> Vec<(f64, f64)> {
    reserved
        .iter()
        .map(|r| {
            let capacity = f64::from(r.count) * SECS_PER_HOUR;
            let (mut covered, mut value) = (0.0, 0.0);
            for (i, t) in types.iter().enumerate() {
                if t.name == r.type_name {
                    let take = remaining[i].min(capacity - covered);
                    remaining[i] -= take;
                    covered += take;
                    value += take * t.on_demand_price / SECS_PER_HOUR;
                }
            }
            (covered, value)
        })
        .collect()
}

/// What reservations and the savings plan absorb of one clock hour's usage.
#[derive(Default)]
struct HourCoverage {
    /// Per reservation, in order: seconds covered and their on-demand value.
    reserved: Vec<(f64, f64)>,
    /// Per type the savings plan covers: (type index, seconds, on-demand value, plan
    /// dollars used).
    savings_plan: Vec<(usize, f64, f64, f64)>,
}

impl HourCoverage {
    /// The on-demand value absorbed.
    fn value(&self) -> f64 {
        let reserved: f64 = self.reserved.iter().map(|r| r.1).sum();
        reserved + self.savings_plan.iter().map(|s| s.2).sum::<f64>()
    }
}

impl CostLedger {
    /// Whether any hourly settlement is needed.
    pub(in crate::model) fn has_commitments(&self) -> bool {
        !self.purchase.reserved.is_empty()
            || self.purchase.savings_plan.is_some()
            || !self.purchase.scheduled_reserved.is_empty()
    }

    /// The reservations of the clock hour starting `hour_start`: the standing ones,
    /// then the scheduled ones whose window covers the hour (20.3), as reservations of
    /// their price.
    fn reservations_of_hour(&self, hour_start: SimTime) -> Vec<Reservation> {
        let hour = hour_start.0 / SimDuration::HOUR.0;
        let scheduled = (self.purchase.scheduled_reserved.iter())
            .filter(|s| s.covers_hour(hour))
            .map(|s| Reservation {
                type_name: s.type_name.clone(),
                count: s.count,
                term: s.term,
                payment: Payment::NoUpfront,
                class: OfferingClass::Standard,
                hourly_usd: s.hourly_usd,
                upfront_usd: 0.0,
            });
        self.purchase
            .reserved
            .iter()
            .cloned()
            .chain(scheduled)
            .collect()
    }

    /// What the open clock hour will add to the bill if it ended now with `running`
    /// more on-demand seconds per type (from instances still running): its fees and
    /// the on-demand value its reservations and savings plan absorb. Coverage never
    /// shrinks as usage grows, and absorbs at most the usage's own list price, so the
    /// bill built from it never decreases while the hour runs; at the hour's end it is
    /// exactly what [`CostLedger::settle_hour`] settles.
    pub(in crate::model) fn open_hour(&self, running: &[f64]) -> (f64, f64) {
        let usage: Vec<f64> = self
            .hour_usage
            .iter()
            .zip(running)
            .map(|(u, r)| u + r)
            .collect();
        let reservations = self.reservations_of_hour(self.open_hour_start);
        (
            self.hourly_fees(&reservations),
            self.cover(&usage, &reservations).value(),
        )
    }

    /// Reservation and savings plan fees of one clock hour.
    fn hourly_fees(&self, reservations: &[Reservation]) -> f64 {
        let reserved: f64 = (reservations.iter())
            .map(|r| f64::from(r.count) * r.effective_hourly_usd())
            .sum();
        reserved
            + self
                .purchase
                .savings_plan
                .as_ref()
                .map_or(0.0, |p| p.hourly_commitment)
    }

    /// Applies reservations, then the savings plan, to one clock hour's on-demand
    /// seconds per type.
    fn cover(&self, usage: &[f64], reservations: &[Reservation]) -> HourCoverage {
        let mut remaining = usage.to_vec();
        let mut coverage = HourCoverage {
            reserved: cover_reserved(reservations, &self.types, &mut remaining),
            ..HourCoverage::default()
        };
        if let Some(plan) = &self.purchase.savings_plan {
            // Highest savings percentage first; with one plan rate for every type the
            // percentages tie, and the lowest plan rate goes first (1.4).
            let mut order: Vec<usize> = (0..self.types.len())
                .filter(|&i| match plan.kind {
                    SavingsPlanKind::Compute => true,
                    SavingsPlanKind::Ec2Instance => {
                        plan.family.as_deref() == self.types[i].name.split('.').next()
                    }
                })
                .collect();
            order.sort_by(|&a, &b| {
                self.types[a]
                    .on_demand_price
                    .total_cmp(&self.types[b].on_demand_price)
                    .then(a.cmp(&b))
            });
            let mut commitment = plan.hourly_commitment;
            for i in order {
                let rate = self.types[i].on_demand_price * (1.0 - plan.discount) / SECS_PER_HOUR;
                if remaining[i] <= 0.0 || rate <= 0.0 || commitment <= 0.0 {
                    continue;
                }
                let covered = remaining[i].min(commitment / rate);
                commitment -= covered * rate;
                remaining[i] -= covered;
                let value = covered * self.types[i].on_demand_price / SECS_PER_HOUR;
                coverage
                    .savings_plan
                    .push((i, covered, value, covered * rate));
            }
        }
        coverage
    }

    /// Settles the clock hour starting at `hour_start`: applies reservations, then the
    /// savings plan, to its on-demand usage, and records the hour's fee and coverage
    /// lines.
    pub(in crate::model) fn settle_hour(&mut self, hour_start: SimTime) {
        let usage = std::mem::replace(&mut self.hour_usage, vec![0.0; self.types.len()]);
        let reservations = self.reservations_of_hour(hour_start);
        let coverage = self.cover(&usage, &reservations);
        self.open_hour_start = hour_start + SimDuration::HOUR;
        let standing = self.purchase.reserved.len();
        let (start_s, end_s) = (
            hour_start.as_secs_f64(),
            hour_start.as_secs_f64() + SECS_PER_HOUR,
        );
        let purchase = self.purchase.clone();
        for (i, (r, &(covered, value))) in reservations.iter().zip(&coverage.reserved).enumerate() {
            let (fee_item, coverage_item) = match i < standing {
                true => ("reserved_fee", "reserved_coverage"),
                false => ("scheduled_reserved_fee", "scheduled_reserved_coverage"),
            };
            let capacity = f64::from(r.count) * SECS_PER_HOUR;
            let fee = f64::from(r.count) * r.effective_hourly_usd();
            self.totals.reserved_fees += fee;
            self.totals.reserved_unused += fee * (1.0 - covered / capacity);
            self.totals.reserved_coverage += value;
            self.totals.reserved_capacity_secs += capacity;
            self.totals.reserved_covered_secs += covered;
            self.push_line(
                fee_item,
                "reserved",
                &r.type_name,
                start_s,
                end_s,
                f64::from(r.count),
                "instance_hour",
                r.effective_hourly_usd(),
            );
            if covered > 0.0 {
                self.push_line(
                    coverage_item,
                    "reserved",
                    &r.type_name,
                    start_s,
                    end_s,
                    covered,
                    "second",
                    -value / covered,
                );
            }
        }
        if let Some(plan) = &purchase.savings_plan {
            for &(i, covered, value, used) in &coverage.savings_plan {
                self.totals.savings_plan_coverage += value;
                self.totals.savings_plan_used += used;
                let name = self.types[i].name.clone();
                self.push_line(
                    "savings_plan_coverage",
                    "savings_plan",
                    &name,
                    start_s,
                    end_s,
                    covered,
                    "second",
                    -value / covered,
                );
            }
            self.totals.savings_plan_fees += plan.hourly_commitment;
            self.push_line(
                "savings_plan_fee",
                "savings_plan",
                "",
                start_s,
                end_s,
                1.0,
                "hour",
                plan.hourly_commitment,
            );
        }
    }
}
