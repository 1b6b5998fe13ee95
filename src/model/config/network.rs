//! The Availability Zones of a run (SPEC "Phase 2", "Availability Zones and
//! capacity"): the zones the EC2-kind tiers spread over, the zones' outages, and the
//! capacity shortages of instance types in zones (aws-facts.md 17).

use super::*;

/// The run's zones and what happens to them. One zone (`a`) with nothing happening
/// unless the scenario has a `[network]` table: such a run is the run before zones
/// existed, event for event.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// The zones' names, in the order written; a zone is its index here.
    pub zones: Vec<String>,
    /// Zone outages, in time order per zone, never overlapping in one zone.
    pub outages: Vec<Outage>,
    pub shortages: Vec<CapacityShortage>,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            zones: vec!["a".to_string()],
            outages: Vec::new(),
            shortages: Vec::new(),
        }
    }
}

impl Network {
    /// Whether `zone` is down at `t`: one of its outages covers `[at, at + duration)`.
    pub fn down(&self, zone: usize, t: SimDuration) -> bool {
        self.outages
            .iter()
            .any(|o| o.zone == zone && o.at <= t && t < o.at + o.duration)
    }

    /// Whether a launch of `type_name` in `zone` at `t` fails with
    /// InsufficientInstanceCapacity: a shortage covers `[from, to)`.
    pub fn short_of(&self, type_name: &str, zone: usize, t: SimDuration) -> bool {
        self.shortages
            .iter()
            .any(|s| s.zone == zone && s.type_name == type_name && s.from <= t && t < s.to)
    }
}

/// Every instance in `zone` stops answering at `at`, for `duration`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outage {
    pub zone: usize,
    pub at: SimDuration,
    pub duration: SimDuration,
}

/// Launches of `type_name` (on-demand or spot) in `zone` fail with
/// InsufficientInstanceCapacity from `from` until `to`.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityShortage {
    pub type_name: String,
    pub zone: usize,
    pub from: SimDuration,
    pub to: SimDuration,
}

/// A placement group for a tier's instances (aws-facts.md 17.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementGroupStrategy {
    /// One zone (the first), one low-latency segment.
    Cluster,
    /// At most seven running instances per zone.
    Spread,
    /// Up to seven partitions per zone; no limit on instances that simcloud models.
    Partition,
}

/// A spread placement group holds at most this many running instances per zone
/// (aws-facts.md 17.4: "a maximum of seven running instances per Availability Zone
/// per group"); a partition group has at most this many partitions per zone.
pub const PLACEMENT_PER_ZONE: u32 = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlacementGroup {
    pub strategy: PlacementGroupStrategy,
    /// Partitions per zone (`partition` only).
    pub partitions: u32,
}
