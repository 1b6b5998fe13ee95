//! Dedicated tenancy and On-Demand Capacity Reservations on the bill (aws-facts.md
//! 20.1, 20.2, 20.4), the `dedicated` and `capacity_reservation` parts.
//!
//! - Dedicated Instances (20.2): each instance is billed as an on-demand one at the
//!   dedicated rate (the ledger's type prices carry the uplift), and "a dedicated per
//!   region fee of $2 per hour" is owed for each clock hour in which at least one
//!   dedicated instance runs in the Region. The fee is counted per clock hour, as
//!   reservations are (1.3), and not per second: AWS states it per hour and does not
//!   prorate it. It is the Region's, not a tier's: each tier's ledger lists the hours
//!   its instances touched (one `dedicated_region_hour` line each), and the run keeps
//!   each hour once, on the first tier that touched it (`sim.rs`). The fee is settled
//!   when the bill closes, so a tier's timeline shows it in its closing row only.
//! - Dedicated Hosts (20.1): per host-second while allocated, 60 s minimum, whatever
//!   runs on them. simcloud allocates the hosts for the whole run; instances on them
//!   bill nothing (their lines are kept, at $0, for their seconds).
//! - Capacity reservations (20.4): "charged at the equivalent On-Demand rate whether
//!   you run instances in reserved capacity or not", per second. A matching running
//!   on-demand instance pays only its own usage (no double charge): the reservation's
//!   used part is that usage, and the unused part, `count × window − used`, is the
//!   `capacity_reservation` part. Usage at each instant fills the reservations of its
//!   type in their order, up to each one's count. Regional reserved instances and
//!   savings plans that would discount the unused part (20.4, "from memory") are left
//!   out: they discount the instances' usage only.

use super::*;

/// One hour, in nanoseconds.
const HOUR_NS: u64 = 3_600_000_000_000;

impl CostLedger {
    /// The clock hours an instance of a dedicated tenancy ran in from `launched` to
    /// `end` (at least the hour it launched in: its 60 s minimum is owed there).
    pub(super) fn record_dedicated_hours(&mut self, launched: SimTime, end: SimTime) {
        let first = launched.0 / HOUR_NS;
        let last = end.0.saturating_sub(1).max(launched.0) / HOUR_NS;
        self.dedicated_hours.extend(first..=last);
    }

    /// The per-Region fee of Dedicated Instances for the hours this tier's instances
    /// touched.
    pub(super) fn dedicated_fee(&self) -> f64 {
        match self.purchase.tenancy {
            Tenancy::Dedicated {
                region_fee_per_hour,
                ..
            } => region_fee_per_hour * self.dedicated_hours.len() as f64,
            _ => 0.0,
        }
    }

    /// The Dedicated Hosts over `elapsed`: host-seconds with a 60 s minimum.
    pub(super) fn hosts_cost(&self, elapsed: SimDuration) -> f64 {
        match &self.purchase.tenancy {
            Tenancy::Host(h) => {
                f64::from(h.count) * cost_of_seconds(h.price_per_hour, billed_seconds(elapsed))
            }
            _ => 0.0,
        }
    }

    /// True when instances run on Dedicated Hosts and bill nothing themselves.
    pub(super) fn on_hosts(&self) -> bool {
        matches!(self.purchase.tenancy, Tenancy::Host(_))
    }

    /// Records the running interval of an on-demand instance that a capacity
    /// reservation may match.
    pub(super) fn record_reserved_capacity_use(&mut self, instance: &Instance, end: SimTime) {
        let name = &self.types[instance.type_index].name;
        if (self.purchase.capacity_reservations.iter()).any(|r| &r.type_name == name) {
            self.capacity_use
                .push((instance.launched_at.0, end.0, instance.type_index));
        }
    }

    /// Seconds of each capacity reservation no instance used over a run that ends at
    /// `end`, in the reservations' order.
    pub(super) fn unused_capacity_secs(&self, end: SimTime) -> Vec<f64> {
        let reservations = &self.purchase.capacity_reservations;
        let window = |r: &CapacityReservation| (r.from.0, r.to.0.min(end.0));
        let mut used = vec![0u128; reservations.len()];
        // Instants where the running count or a reservation's state changes.
        let mut changes: Vec<(u64, i64, usize)> = Vec::new();
        for &(start, stop, t) in &self.capacity_use {
            changes.push((start, 1, t));
            changes.push((stop, -1, t));
        }
        let mut instants: Vec<u64> = changes.iter().map(|c| c.0).collect();
        for r in reservations {
            let (from, to) = window(r);
            instants.extend([from, to]);
        }
        instants.sort_unstable();
        instants.dedup();
        changes.sort_unstable();
        let mut running = vec![0i64; self.types.len()];
        let mut next = 0;
        for pair in instants.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            while next < changes.len() && changes[next].0 <= a {
                running[changes[next].2] += changes[next].1;
                next += 1;
            }
            let mut left = running.clone();
            for (i, r) in reservations.iter().enumerate() {
                let (from, to) = window(r);
                if from <= a && b <= to {
                    let Some(t) = self.types.iter().position(|t| t.name == r.type_name) else {
                        continue;
                    };
                    let take = left[t].clamp(0, i64::from(r.count));
                    left[t] -= take;
                    used[i] += take as u128 * u128::from(b - a);
                }
            }
        }
        reservations
            .iter()
            .zip(used)
            .map(|(r, used)| {
                let (from, to) = window(r);
                let reserved = u128::from(r.count) * u128::from(to.saturating_sub(from));
                reserved.saturating_sub(used) as f64 * 1e-9
            })
            .collect()
    }

    /// The on-demand rate of a capacity reservation's type, at the dedicated rate
    /// under dedicated tenancy.
    fn reservation_price(&self, r: &CapacityReservation) -> f64 {
        r.price_per_hour * dedicated_price_factor(&self.purchase.tenancy)
    }

    /// The capacity reservations' unused part over a run that ends at `end`.
    pub(super) fn unused_capacity_cost(&self, end: SimTime) -> f64 {
        (self.purchase.capacity_reservations.iter())
            .zip(self.unused_capacity_secs(end))
            .map(|(r, secs)| secs * self.reservation_price(r) / SECS_PER_HOUR)
            .sum()
    }

    /// The closing lines of dedicated tenancy and capacity reservations.
    pub(super) fn push_tenancy_lines(&mut self, duration: SimDuration) {
        let end_s = duration.as_secs_f64();
        match self.purchase.tenancy.clone() {
            Tenancy::Dedicated {
                region_fee_per_hour,
                ..
            } => {
                for hour in std::mem::take(&mut self.dedicated_hours) {
                    let start_s = hour as f64 * SECS_PER_HOUR;
                    self.push_line(
                        DEDICATED_REGION_HOUR,
                        "dedicated",
                        "",
                        start_s,
                        start_s + SECS_PER_HOUR,
                        1.0,
                        "hour",
                        region_fee_per_hour,
                    );
                }
            }
            Tenancy::Host(h) => {
                let secs = billed_seconds(duration) as f64;
                self.push_line(
                    "dedicated_host",
                    "dedicated",
                    &h.family,
                    0.0,
                    end_s,
                    f64::from(h.count) * secs,
                    "host_second",
                    h.price_per_hour / SECS_PER_HOUR,
                );
            }
            Tenancy::Default => {}
        }
        let unused = self.unused_capacity_secs(SimTime::ZERO + duration);
        let reservations = self.purchase.capacity_reservations.clone();
        for (r, secs) in reservations.iter().zip(unused) {
            if secs > 0.0 {
                let price = self.reservation_price(r) / SECS_PER_HOUR;
                self.push_line(
                    "capacity_reservation_unused",
                    "capacity_reservation",
                    &r.type_name,
                    r.from.as_secs_f64(),
                    r.to.as_secs_f64().min(end_s),
                    secs,
                    "second",
                    price,
                );
            }
        }
    }
}

/// The item of a line of the per-Region fee of Dedicated Instances: one per clock
/// hour, so that the run can keep each hour once across its tiers.
pub(in crate::model) const DEDICATED_REGION_HOUR: &str = "dedicated_region_hour";

#[cfg(test)]
mod tests {
    use super::*;

    /// Two reservations of 2 and 1 m5.large over 0-100 s; 3 instances run 0-50 s, 1
    /// runs 50-100 s: the first is used 2 × 50 + 1 × 50 = 150 of 200 s, the second
    /// 50 of 100 s.
    #[test]
    fn usage_fills_reservations_in_order() {
        let mut l = super::super::commitment_tests::ledger_with(|p| {
            p.capacity_reservations = vec![
                CapacityReservation {
                    type_name: "m5.large".into(),
                    count: 2,
                    from: SimDuration::ZERO,
                    to: SimDuration::from_secs(100),
                    price_per_hour: 0.096,
                },
                CapacityReservation {
                    type_name: "m5.large".into(),
                    count: 1,
                    from: SimDuration::ZERO,
                    to: SimDuration::from_secs(100),
                    price_per_hour: 0.096,
                },
            ];
        });
        let s = |x| SimTime::from_secs(x);
        l.capacity_use = vec![(0, s(50).0, 0), (0, s(50).0, 0), (0, s(50).0, 0)];
        l.capacity_use.push((s(50).0, s(100).0, 0));
        let unused = l.unused_capacity_secs(s(100));
        assert_eq!(unused, vec![50.0, 50.0]);
    }
}
