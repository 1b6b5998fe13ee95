//! The termination policy: which instance a scale-in removes (aws-facts.md 2.5, 3.6).
//!
//! Scale-in first decides between spot and on-demand, keeping the mix the mixed
//! instances policy wants for the new desired capacity (2.5), then applies the
//! configured termination policy for a single Availability Zone and one launch
//! template (3.6): by default the instance closest to its next billing hour, or the
//! oldest or newest instance. AWS breaks ties at random; simcloud takes the lowest
//! instance id, to stay reproducible without spending random numbers. Instances protected from scale-in are never chosen (3.6).
//!
//! [`choose_victim`] is a pure function over a [`Candidate`] view of the group's
//! active instances, so it is tested here without a simulation; `ec2` builds the view
//! and drains the instance it returns.

use crate::engine::{SimDuration, SimTime};
use crate::model::config::TerminationPolicy;
use std::cmp::Reverse;

/// What the termination policy needs to know of one active instance of the group.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    pub(crate) id: u32,
    pub(crate) launched_at: SimTime,
    /// A spot instance (else on-demand).
    pub(crate) spot: bool,
    /// Protected from scale-in (`NewInstancesProtectedFromScaleIn`).
    pub(crate) protected: bool,
    /// Its Availability Zone.
    pub(crate) zone: u8,
}

/// The instance a scale-in removes from `active` (every active instance of the group,
/// protected ones included: they count in the purchase mix), or `None` when all are
/// protected. `spot_target` is the number of spot instances the mixed instances
/// policy wants at the new desired capacity.
pub(crate) fn choose_victim(
    active: &[Candidate],
    spot_target: u32,
    policy: TerminationPolicy,
    now: SimTime,
) -> Option<u32> {
    let spot = active.iter().filter(|c| c.spot).count() as u32;
    let on_demand = active.len() as u32 - spot;
    let prefer_spot = spot > 0 && (spot > spot_target || on_demand == 0);
    let unprotected = active.iter().filter(|c| !c.protected);
    // The preferred purchase option first; if all of it is protected, the other.
    let mut pool: Vec<&Candidate> = unprotected
        .clone()
        .filter(|c| c.spot == prefer_spot)
        .collect();
    if pool.is_empty() {
        pool = unprotected.collect();
    }
    // Then the zone with the most active instances among those the pool has
    // (AZ balance, 3.6 step 1; ties: the zone listed last, as launches fill the
    // zones listed first). With one zone this keeps the whole pool.
    let in_zone = |z: u8| active.iter().filter(|c| c.zone == z).count();
    if let Some(zone) = pool.iter().map(|c| c.zone).max_by_key(|&z| (in_zone(z), z)) {
        pool.retain(|c| c.zone == zone);
    }
    let chosen = match policy {
        TerminationPolicy::OldestInstance => pool.into_iter().min_by_key(|c| (c.launched_at, c.id)),
        TerminationPolicy::NewestInstance => pool
            .into_iter()
            .max_by_key(|c| (c.launched_at, Reverse(c.id))),
        TerminationPolicy::Default | TerminationPolicy::ClosestToNextInstanceHour => {
            pool.into_iter().max_by_key(|c| {
                let into_hour = now.since(c.launched_at).0 % SimDuration::HOUR.0;
                (into_hour, Reverse(c.id))
            })
        }
    };
    chosen.map(|c| c.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(id: u32, launched_secs: u64, spot: bool) -> Candidate {
        Candidate {
            id,
            launched_at: SimTime::from_secs(launched_secs),
            spot,
            protected: false,
            zone: 0,
        }
    }

    /// At t = 2 h, instances launched at 0 s, 1,800 s and 3,000 s have run 7,200 s,
    /// 5,400 s and 4,200 s: 0 s, 1,800 s and 600 s into their current billing hour, so
    /// 3,600 s, 1,800 s and 3,000 s from the next. The closest to its next hour is id
    /// 1; the oldest is id 0, the newest id 2.
    #[test]
    fn each_policy_picks_its_instance() {
        let now = SimTime::from_secs(7200);
        let active = [
            instance(0, 0, false),
            instance(1, 1800, false),
            instance(2, 3000, false),
        ];
        let pick = |policy| choose_victim(&active, 0, policy, now);
        assert_eq!(pick(TerminationPolicy::Default), Some(1));
        assert_eq!(pick(TerminationPolicy::ClosestToNextInstanceHour), Some(1));
        assert_eq!(pick(TerminationPolicy::OldestInstance), Some(0));
        assert_eq!(pick(TerminationPolicy::NewestInstance), Some(2));
    }

    /// Two instances launched together are equally old and equally close to their next
    /// hour: under every policy the tie goes to the lower id.
    #[test]
    fn ties_go_to_the_lower_id() {
        let now = SimTime::from_secs(600);
        let active = [instance(4, 0, false), instance(7, 0, false)];
        let pick = |policy| choose_victim(&active, 0, policy, now);
        assert_eq!(pick(TerminationPolicy::Default), Some(4));
        assert_eq!(pick(TerminationPolicy::OldestInstance), Some(4));
        assert_eq!(pick(TerminationPolicy::NewestInstance), Some(4));
    }

    /// 2 on-demand and 2 spot with a spot target of 1: spot is above its target, so a
    /// spot instance goes even though an on-demand one is older. With a spot target of
    /// 2 the mix is right and on-demand goes first; with no on-demand left, spot.
    #[test]
    fn scale_in_keeps_the_purchase_mix() {
        let now = SimTime::from_secs(7200);
        let active = [
            instance(0, 0, false),
            instance(1, 0, false),
            instance(2, 600, true),
            instance(3, 900, true),
        ];
        let oldest = TerminationPolicy::OldestInstance;
        assert_eq!(choose_victim(&active, 1, oldest, now), Some(2));
        assert_eq!(choose_victim(&active, 2, oldest, now), Some(0));
        assert_eq!(choose_victim(&active[2..], 2, oldest, now), Some(2));
    }

    /// AZ balance first within the purchase option: with on-demand instances 0 and 1
    /// in zone 0 and 2 in zone 1, the oldest-instance policy takes from zone 0 (two
    /// instances) even though instance 2 is as old.
    #[test]
    fn scale_in_takes_from_the_fullest_zone() {
        let now = SimTime::from_secs(7200);
        let mut active = [
            instance(2, 0, false),
            instance(0, 600, false),
            instance(1, 900, false),
        ];
        active[0].zone = 1;
        let oldest = TerminationPolicy::OldestInstance;
        assert_eq!(choose_victim(&active, 0, oldest, now), Some(0));
    }

    /// Protected instances count in the mix but are never chosen: with every on-demand
    /// instance protected, an on-demand scale-in falls back to spot; with all
    /// protected, nothing goes.
    #[test]
    fn protected_instances_are_never_chosen() {
        let now = SimTime::from_secs(7200);
        let mut active = [instance(0, 0, false), instance(1, 600, true)];
        active[0].protected = true;
        let oldest = TerminationPolicy::OldestInstance;
        assert_eq!(choose_victim(&active, 1, oldest, now), Some(1));
        active[1].protected = true;
        assert_eq!(choose_victim(&active, 1, oldest, now), None);
    }
}
