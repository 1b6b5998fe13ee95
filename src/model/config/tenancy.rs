//! Tenancy and capacity purchases (aws-facts.md 20.1-20.4): where a group's instances
//! run (shared hardware, Dedicated Instances, Dedicated Hosts), the On-Demand
//! Capacity Reservations and the Scheduled Reserved Instances bought for them.

use super::Term;
use crate::engine::SimDuration;

/// Where the group's instances run (the launch template's `Tenancy`).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Tenancy {
    /// Shared hardware, the default.
    #[default]
    Default,
    /// Dedicated Instances (20.2): each instance at the dedicated rate, its on-demand
    /// price times `1 + uplift`, and a fee per Region for every clock hour in which at
    /// least one dedicated instance of the run runs.
    Dedicated {
        uplift: f64,
        region_fee_per_hour: f64,
    },
    /// Dedicated Hosts (20.1): the hosts are billed, the instances on them are not.
    Host(DedicatedHosts),
}

impl Tenancy {
    /// The word of the scenario file.
    pub fn word(&self) -> &'static str {
        match self {
            Tenancy::Default => "default",
            Tenancy::Dedicated { .. } => "dedicated",
            Tenancy::Host(_) => "host",
        }
    }
}

/// Dedicated Hosts allocated for the whole run (20.1).
#[derive(Clone, Debug, PartialEq)]
pub struct DedicatedHosts {
    pub count: u32,
    /// The instance family the hosts are allocated for (`m5`).
    pub family: String,
    /// On-demand price of one host per hour, billed per second while allocated.
    pub price_per_hour: f64,
    /// Instances of the group's type one host holds.
    pub instances_per_host: u32,
}

impl DedicatedHosts {
    /// Instances all the hosts hold.
    pub fn capacity(&self) -> u32 {
        self.count.saturating_mul(self.instances_per_host)
    }
}

/// An On-Demand Capacity Reservation (20.4): `count` instances of a type reserved
/// from `from` to `to` (since the start of the run), billed at the on-demand rate
/// whether instances use it or not.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityReservation {
    pub type_name: String,
    pub count: u32,
    pub from: SimDuration,
    pub to: SimDuration,
    /// The type's on-demand price per hour on shared hardware (from the catalog or
    /// the scenario's `[instance]`).
    pub price_per_hour: f64,
}

/// A Scheduled Reserved Instance purchase (20.3): `count` instances of a type for a
/// window that recurs daily or on some days of the week, billed at `hourly_usd` for
/// every scheduled hour whether used or not, covering matching usage in the window.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledReservation {
    pub type_name: String,
    pub count: u32,
    /// Hour of the day (UTC) the window starts.
    pub start_hour: u32,
    /// Whole hours the window lasts (at most 24).
    pub hours: u32,
    /// Days the window starts on, 0 = Monday (t = 0 is a Monday 00:00); all seven for
    /// a daily schedule.
    pub days: [bool; 7],
    pub term: Term,
    /// Price per instance per scheduled hour.
    pub hourly_usd: f64,
}

impl ScheduledReservation {
    /// Whether the clock hour starting `hour` hours into the run is scheduled. A
    /// window may run past midnight into the next day.
    pub fn covers_hour(&self, hour: u64) -> bool {
        let hour_of_week = (hour % 168) as u32;
        (0..7u32).any(|day| {
            let start = day * 24 + self.start_hour;
            self.days[day as usize] && (hour_of_week + 168 - start) % 168 < self.hours
        })
    }

    /// Whether the schedule is daily (every day of the week).
    pub fn daily(&self) -> bool {
        self.days.iter().all(|&d| d)
    }
}

/// The file's words for the days of the week, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[cfg(test)]
mod tests {
    use super::*;

    /// 20:00 for 8 h on Mondays covers Monday 20:00-24:00 and Tuesday 00:00-04:00
    /// (hours 20-27 of the week), and nothing on Tuesday night.
    #[test]
    fn a_window_runs_past_midnight() {
        let mut days = [false; 7];
        days[0] = true;
        let s = ScheduledReservation {
            type_name: "m5.large".into(),
            count: 1,
            start_hour: 20,
            hours: 8,
            days,
            term: Term::OneYear,
            hourly_usd: 0.06,
        };
        let covered: Vec<u64> = (0..168).filter(|&h| s.covers_hour(h)).collect();
        assert_eq!(covered, (20..28).collect::<Vec<u64>>());
        assert!(s.covers_hour(168 + 20));
    }
}
