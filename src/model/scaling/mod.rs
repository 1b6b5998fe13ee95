//! The Auto Scaling group's capacity decisions: the group itself (min, max, desired)
//! and the scaling policies that move its desired capacity. `ec2` measures the group
//! and carries out what is decided here (launching, draining); nothing in this module
//! touches an instance, the event queue or the clock.
//!
//! - [`AutoScalingGroup`] (this file) holds min, max and desired capacity, asks every
//!   dynamic policy for a [`Proposal`] each metric period and combines them: with
//!   several policies the group scales out if any wants to and in only if none wants
//!   out and every target tracking policy (with scale-in enabled) wants in
//!   (aws-facts.md 3.3). Desired always stays within `[min, max]` (3.1) and, with
//!   predictive scaling, at or above the forecast for the hour (3.9); `min >= 1` is
//!   enforced by the scenario loader.
//! - A dynamic policy implements [`DynamicPolicy`], one file each:
//!   `target_tracking.rs` (3.3), `step.rs` and `simple.rs` (3.4, 3.5), which share the
//!   CloudWatch alarm and the rounding of adjustments in `alarm.rs`.
//! - `scheduled.rs` applies a scheduled action to the group's bounds (3.10);
//!   `predictive.rs` holds the hourly forecaster and the floor it sets (3.9). Neither is
//!   a dynamic policy: they act at times of their own, not on metric periods, and
//!   `ec2` schedules those times.
//! - `managed.rs` is an ECS capacity provider's managed scaling of container
//!   instances (15.5): a target on CapacityProviderReservation, which the `ecs_ec2`
//!   tier computes from its tasks, not on a [`MetricSample`].
//! - `termination.rs` chooses which instance a scale-in removes (2.5, 3.6).
//!
//! Instances still warming up are left out of the metric but already count in desired
//! capacity; scale-in waits until no instance is warming. "While scaling in, we
//! consider instances that are terminating as part of the current capacity of the
//! group. Therefore, we don't remove more instances from the Auto Scaling group than
//! necessary" (as-scaling-target-tracking.md, as-scaling-simple-step.md): instances
//! still draining count in the capacity a scale-in starts from. [`MetricSample`]
//! carries those counts with the metric values.
//!
//! # Adding a dynamic scaling policy
//!
//! 1. A new file here, say `queue_depth.rs`, with a `//!` doc citing its AWS source, a
//!    struct that implements [`DynamicPolicy`] (`evaluate` turns one period's
//!    [`MetricSample`] into a [`Proposal`]; override `vetoes_scale_in` only if the
//!    policy, like target tracking, must agree before the group scales in), and its
//!    unit tests (the helpers in this file's `tests` module build a group).
//! 2. One registration: its `mod` line and its arm in [`dynamic_policy`], which turns
//!    the configured policy into that struct.
//!
//! Nothing else in this folder or in `ec2` changes: the group, the combination of
//! proposals and the event loop see only the trait. Outside the model's scaling code,
//! the policy's settings are a variant of `config::ScalingPolicy` (with its arm in
//! `ScalingPolicy::period_metric`) and its keys are read by `scenario/`, where the file
//! format lives. A policy on a metric other than CPU or request count also needs that
//! metric as a field of [`MetricSample`], filled in by `ec2`'s metric tick.

mod alarm;
pub(crate) mod managed;
pub(crate) mod predictive;
mod scheduled;
mod simple;
mod step;
mod target_tracking;
pub(crate) mod termination;

use crate::engine::SimTime;
use crate::model::config::{AutoScalingConfig, ScalingMetric, ScalingPolicy};
use simple::SimpleScaling;
use step::StepScaling;
use target_tracking::TargetTracking;

/// One metric period's view of the group, as CloudWatch would publish it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MetricSample {
    /// Average CPU (percent) over instances past warm-up; `None` when there are none.
    pub(crate) cpu: Option<f64>,
    /// Average memory utilisation (percent) over the same instances as `cpu` (an ECS
    /// service's tasks); `None` when there are none or the tier has no tasks.
    pub(crate) memory: Option<f64>,
    /// Bytes sent per instance in the period (`NetworkOut`, averaged over the same
    /// instances as `cpu`); `None` when there are none.
    pub(crate) network_out: Option<f64>,
    /// Requests routed per healthy target per minute; `None` without targets.
    pub(crate) request_count_per_target: Option<f64>,
    /// A worker tier's visible messages over its InService instances (aws-facts.md
    /// 12.6); `None` without instances in service or without a queue.
    pub(crate) backlog_per_instance: Option<f64>,
    /// A worker tier's visible messages (`ApproximateNumberOfMessagesVisible`).
    pub(crate) messages_visible: Option<f64>,
    /// InService instances the backlog was divided by.
    pub(crate) in_service: u32,
    /// Instances whose CPU makes up the average.
    pub(crate) contributing: u32,
    /// Registered targets the request count was divided by (warming ones included:
    /// `ALBRequestCountPerTarget` is a target-group metric).
    pub(crate) targets: u32,
    /// Instances terminating (deregistered, draining): part of the current capacity
    /// when scaling in.
    pub(crate) terminating: u32,
    /// Active instances not yet contributing (booting, health-checking, warming).
    pub(crate) warming: u32,
    /// The group has an activity in progress: instances launching or draining.
    pub(crate) activity_in_progress: bool,
    /// When the last scaling activity finished (an instance in service or stopped).
    pub(crate) last_activity_end: SimTime,
    pub(crate) now: SimTime,
}

impl MetricSample {
    fn value(&self, metric: ScalingMetric) -> Option<f64> {
        match metric {
            ScalingMetric::Cpu => self.cpu,
            ScalingMetric::RequestCountPerTarget => self.request_count_per_target,
            ScalingMetric::Memory => self.memory,
            ScalingMetric::NetworkOut => self.network_out,
            ScalingMetric::BacklogPerInstance => self.backlog_per_instance,
            ScalingMetric::MessagesVisible => self.messages_visible,
        }
    }

    /// The instances a metric's value describes: its average is over them, so the
    /// proportional capacity multiplies it back by the same count.
    fn described(&self, metric: ScalingMetric) -> u32 {
        match metric {
            ScalingMetric::Cpu | ScalingMetric::Memory | ScalingMetric::NetworkOut => {
                self.contributing
            }
            ScalingMetric::RequestCountPerTarget => self.targets,
            ScalingMetric::BacklogPerInstance => self.in_service,
            // Not an average: target tracking on it is refused (aws-facts.md 12.6),
            // and step and simple scaling do not scale by proportion.
            ScalingMetric::MessagesVisible => 1,
        }
    }
}

/// What one policy asks for after a period: a new desired capacity above or below the
/// current one, or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proposal {
    None,
    Out(u32),
    In(u32),
}

/// A scaling policy that reads every published metric period. Each implementation
/// keeps its own state (alarm streaks, cooldowns) between periods.
trait DynamicPolicy {
    /// Reads one period's datapoint and says what capacity the policy wants, given
    /// the group's current desired capacity. Called once per period, in order.
    fn evaluate(&mut self, sample: &MetricSample, desired: u32) -> Proposal;

    /// Whether the group may scale in only when this policy wants in too (target
    /// tracking with scale-in enabled, aws-facts.md 3.3). A policy that vetoes and
    /// proposes nothing keeps every other policy from scaling in.
    fn vetoes_scale_in(&self) -> bool {
        false
    }
}

/// The registry of dynamic policies: the state each configured policy evaluates with,
/// or `None` for a policy that does not act on metric periods. One arm per kind.
fn dynamic_policy(policy: &ScalingPolicy) -> Option<Box<dyn DynamicPolicy>> {
    Some(match policy {
        ScalingPolicy::TargetTracking {
            metric,
            target,
            disable_scale_in,
        } => Box::new(TargetTracking::new(*metric, *target, *disable_scale_in)),
        ScalingPolicy::Step {
            alarm,
            adjustment_type,
            step,
            min_adjustment_magnitude,
        } => Box::new(StepScaling::new(
            alarm,
            *adjustment_type,
            step,
            *min_adjustment_magnitude,
        )),
        ScalingPolicy::Simple {
            alarm,
            adjustment_type,
            adjustment,
            min_adjustment_magnitude,
            cooldown,
        } => Box::new(SimpleScaling::new(
            alarm,
            *adjustment_type,
            *adjustment,
            *min_adjustment_magnitude,
            *cooldown,
        )),
        // Predictive scaling reads whole hours and acts through the forecast floor
        // (`predictive.rs`), which `ec2` sets at the start of each hour.
        ScalingPolicy::Predictive { .. } => return None,
    })
}

pub(crate) struct AutoScalingGroup {
    pub(crate) min: u32,
    pub(crate) max: u32,
    pub(crate) desired: u32,
    /// The capacity predictive scaling wants for the current hour (0 without).
    forecast_floor: u32,
    policies: Vec<Box<dyn DynamicPolicy>>,
}

impl AutoScalingGroup {
    pub(crate) fn new(config: &AutoScalingConfig) -> Self {
        AutoScalingGroup {
            min: config.min,
            max: config.max,
            desired: config.desired,
            forecast_floor: 0,
            policies: config.policy.iter().filter_map(dynamic_policy).collect(),
        }
    }

    /// Feeds one period's datapoints to every dynamic policy and returns the new
    /// desired capacity if it changes.
    pub(crate) fn evaluate(&mut self, sample: &MetricSample) -> Option<u32> {
        let desired = self.desired;
        let mut out: Option<u32> = None;
        let mut inward: Option<u32> = None;
        let mut veto = false;
        for policy in &mut self.policies {
            match policy.evaluate(sample, desired) {
                Proposal::Out(n) => out = Some(out.map_or(n, |o| o.max(n))),
                Proposal::In(n) => inward = Some(inward.map_or(n, |i| i.max(n))),
                Proposal::None => veto |= policy.vetoes_scale_in(),
            }
        }
        let new = match (out, inward) {
            (Some(n), _) => n,
            (None, Some(n)) if !veto => n,
            _ => return None,
        };
        self.set_desired(new)
    }

    /// Clamps to `[min, max]` (aws-facts.md 3.1) and to the forecast floor; returns the
    /// new desired capacity if it changed.
    fn set_desired(&mut self, wanted: u32) -> Option<u32> {
        let floor = self.forecast_floor.min(self.max);
        let new = wanted.max(floor).clamp(self.min, self.max);
        (new != self.desired).then(|| {
            self.desired = new;
            new
        })
    }
}

#[cfg(test)]
mod tests {
    //! Helpers for every policy's tests (`super::tests::group_with` and friends in
    //! the policy files), and the tests of the group's own rules.

    use super::*;
    use crate::engine::SimDuration;
    use crate::model::config::{Alarm, Comparison, HealthCheckType, Monitoring, TerminationPolicy};

    pub(super) fn group_with(
        min: u32,
        max: u32,
        desired: u32,
        policy: Vec<ScalingPolicy>,
    ) -> AutoScalingGroup {
        AutoScalingGroup::new(&AutoScalingConfig {
            min,
            max,
            desired,
            instance_warmup: SimDuration::from_secs(300),
            monitoring: Monitoring::Detailed,
            metric_period: SimDuration::from_secs(60),
            metric_delay: SimDuration::ZERO,
            termination_policy: TerminationPolicy::Default,
            health_check_type: HealthCheckType::Ec2,
            health_check_grace_period: SimDuration::ZERO,
            new_instances_protected_from_scale_in: false,
            policy,
            scheduled: Vec::new(),
            warm_pool: None,
        })
    }

    pub(super) fn tracking(target: f64) -> ScalingPolicy {
        ScalingPolicy::TargetTracking {
            metric: ScalingMetric::Cpu,
            target,
            disable_scale_in: false,
        }
    }

    pub(super) fn group(min: u32, max: u32, desired: u32, target: f64) -> AutoScalingGroup {
        group_with(min, max, desired, vec![tracking(target)])
    }

    pub(super) fn cpu(value: f64, contributing: u32, warming: u32) -> MetricSample {
        MetricSample {
            cpu: Some(value),
            contributing,
            warming,
            ..MetricSample::default()
        }
    }

    pub(super) fn alarm(
        threshold: f64,
        comparison: Comparison,
        periods: u32,
        datapoints: u32,
    ) -> Alarm {
        Alarm {
            metric: ScalingMetric::Cpu,
            comparison,
            threshold,
            evaluation_periods: periods,
            datapoints_to_alarm: datapoints,
        }
    }

    #[test]
    fn desired_is_clamped_to_min_and_max() {
        let mut g = group(2, 5, 2, 50.0);
        for _ in 0..3 {
            g.evaluate(&cpu(400.0, 2, 0));
        }
        assert_eq!(g.desired, 5);
        let mut g = group(2, 5, 3, 50.0);
        for _ in 0..15 {
            g.evaluate(&cpu(0.0, 3, 0));
        }
        assert_eq!(g.desired, 2);
    }

    #[test]
    fn scale_in_needs_every_tracking_policy_and_scale_out_any() {
        let mut g = group_with(1, 20, 6, vec![tracking(50.0), tracking(80.0)]);
        // 30 % is low for target 50 but also for 80: both want in after 15 periods.
        for _ in 0..14 {
            g.evaluate(&cpu(30.0, 6, 0));
        }
        // 6 * 30 / 50 = 3.6 → 4 and 6 * 30 / 80 = 2.25 → 3 (whole instances removed,
        // rounded down): the larger capacity wins.
        assert_eq!(g.evaluate(&cpu(30.0, 6, 0)), Some(4));
        let mut g = group_with(1, 20, 6, vec![tracking(50.0), tracking(20.0)]);
        for _ in 0..15 {
            assert_eq!(
                g.evaluate(&cpu(30.0, 6, 0)).filter(|&d| d < 6),
                None,
                "the 20 % policy wants out"
            );
        }
    }
}
