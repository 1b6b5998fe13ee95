//! Carrying out what the Auto Scaling group decides: metric periods measured and
//! published, policies evaluated, scheduled actions and forecasts applied, clock hours
//! settled, and the fleet reconciled to desired capacity.

use super::*;

impl Ec2Tier<'_> {
    /// Ends the clock hour: running on-demand usage is counted, then reservations and
    /// the savings plan are applied to the hour.
    pub(super) fn settle_hour(&mut self, ctx: &mut Ctx<'_>) {
        if self.ledger.has_commitments() {
            for &id in &self.fleet.alive {
                self.ledger
                    .add_running_usage(&mut self.fleet.instances[id as usize], ctx.now);
            }
            self.ledger.settle_hour(self.hour_start);
        }
        if self.predictive().is_some() {
            let (busy, _) = self.fleet.utilization_areas(ctx.now);
            let (requests_mark, busy_mark) = self.hour_marks;
            self.forecaster.record(HourStats {
                requests: self.metrics.totals.arrived - requests_mark,
                busy_worker_secs: (busy - busy_mark) as f64 * 1e-9,
            });
            self.hour_marks = (self.metrics.totals.arrived, busy);
        }
        self.hour_start = ctx.now;
    }

    /// The predictive policy, if any: (metric, target, mode, scheduling buffer).
    pub(super) fn predictive(&self) -> Option<(ScalingMetric, f64, PredictiveMode, SimDuration)> {
        self.config.autoscaling.policy.iter().find_map(|p| match p {
            ScalingPolicy::Predictive {
                metric,
                target,
                mode,
                scheduling_buffer,
            } => Some((*metric, *target, *mode, *scheduling_buffer)),
            _ => None,
        })
    }

    /// Forecasts hour `hour` ahead of its start (by the scheduling buffer) and, unless
    /// the policy only forecasts, raises capacity to the forecast (aws-facts.md 3.9).
    pub(super) fn on_forecast_due(&mut self, ctx: &mut Ctx<'_>, hour: u32) {
        let (metric, target, mode, buffer) = self
            .predictive()
            .expect("scheduled for a predictive policy");
        let workers = self.config.service.workers;
        if let Some(capacity) = self
            .forecaster
            .capacity(hour as usize, metric, target, workers)
        {
            self.forecast_capacity = capacity;
            if mode == PredictiveMode::ForecastAndScale
                && self.group.set_forecast_floor(capacity).is_some()
            {
                self.reconcile(ctx);
            }
        }
        let next = SimTime((u64::from(hour) + 1) * SimDuration::HOUR.0 - buffer.0);
        if next < ctx.end {
            ctx.queue.schedule(
                next,
                Event::ForecastDue {
                    tier: ctx.tier,
                    hour: hour + 1,
                },
            );
        }
    }

    /// A scheduled action sets min, max and/or desired, then the group reconciles;
    /// a recurring action is scheduled again for its next match (aws-facts.md 3.10).
    pub(super) fn on_scheduled_action(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        let action = &self.config.autoscaling.scheduled[index];
        self.group.apply_scheduled(action);
        self.reconcile(ctx);
        if let Some(next) = action.cron.as_ref().and_then(|c| c.next_after(ctx.now.0)) {
            if next < ctx.end.0 {
                ctx.queue.schedule(
                    SimTime(next),
                    Event::ScheduledActionDue {
                        tier: ctx.tier,
                        action: index as u32,
                    },
                );
            }
        }
    }

    // ----- Auto Scaling -------------------------------------------------------------

    pub(super) fn on_metric_tick(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let period = self.config.autoscaling.metric_period;
        ctx.queue
            .schedule(now + period, Event::MetricTick { tier: ctx.tier });
        let mut cpu_sum = 0.0;
        let mut memory_sum = 0.0;
        let mut responses = 0u64;
        let memory = self.config.task_memory();
        let mut sample = MetricSample::default();
        for &id in &self.fleet.alive {
            let instance = &mut self.fleet.instances[id as usize];
            let area = instance.busy_area_at(now);
            let delta = area - instance.metric_mark;
            instance.metric_mark = area;
            let sent = std::mem::take(&mut instance.responses_in_period);
            if !instance.is_active() {
                continue;
            }
            let warm = instance.state == InstanceState::InService
                && instance.warm_at.is_some_and(|w| w <= now);
            // Warming instances are counted when the datapoint is read: the group's
            // state then, not at the end of the period, is what the policies see.
            if warm {
                cpu_sum += delta as f64 / (f64::from(instance.workers) * period.0 as f64);
                if let Some(m) = memory {
                    memory_sum += m.utilization(delta as f64 / period.0 as f64);
                }
                responses += u64::from(sent);
                sample.contributing += 1;
            }
        }
        if sample.contributing > 0 {
            sample.cpu = Some(100.0 * cpu_sum / f64::from(sample.contributing));
            sample.memory = memory.map(|_| memory_sum / f64::from(sample.contributing));
            // NetworkOut: the bytes of the responses each instance sent in the period,
            // averaged over the same instances as CPU (aws-facts.md 11.1).
            let bytes = responses as f64 * self.config.bytes_per_response() as f64;
            sample.network_out = Some(bytes / f64::from(sample.contributing));
        }
        // ALBRequestCountPerTarget, per minute whatever the period.
        let (targets, routed) = self.serving.take_routed();
        if targets > 0 {
            let minutes = period.as_secs_f64() / 60.0;
            sample.request_count_per_target = Some(routed as f64 / targets as f64 / minutes);
            sample.targets = targets as u32;
        }
        self.queue_sample(ctx, &mut sample);
        self.last_metrics = (
            sample.cpu.map(|v| round_to(v, 3)),
            sample.request_count_per_target.map(|v| round_to(v, 3)),
        );
        // The datapoint is read `metric_delay` after its period ends.
        self.unpublished.push_back(sample);
        let delay = self.config.autoscaling.metric_delay;
        if delay == SimDuration::ZERO {
            self.on_metric_published(ctx);
        } else {
            ctx.queue
                .schedule(now + delay, Event::MetricPublished { tier: ctx.tier });
        }
    }

    /// The policies read the oldest unread datapoint; the group's own state (warming
    /// instances, activities) is read as it is now.
    pub(super) fn on_metric_published(&mut self, ctx: &mut Ctx<'_>) {
        let mut sample = self
            .unpublished
            .pop_front()
            .expect("a datapoint per publication");
        let (mut warming, mut terminating) = (0, 0);
        let mut activity = false;
        for &id in &self.fleet.alive {
            let instance = &self.fleet.instances[id as usize];
            let warm = instance.state == InstanceState::InService
                && instance.warm_at.is_some_and(|w| w <= ctx.now);
            if instance.is_active() && !warm {
                warming += 1;
            }
            if instance.state == InstanceState::Draining {
                terminating += 1;
            }
            activity |= matches!(
                instance.state,
                InstanceState::Booting | InstanceState::Registering | InstanceState::Draining
            );
        }
        sample.warming = warming;
        sample.terminating = terminating;
        sample.activity_in_progress = activity;
        sample.last_activity_end = self.fleet.last_activity_end;
        sample.now = ctx.now;
        if self.group.evaluate(&sample).is_some() {
            self.reconcile(ctx);
        }
    }

    /// Launches or drains instances until the active count equals desired capacity.
    /// Without capacity rebalancing, an instance with an interruption notice still
    /// counts until it stops, so the group replaces it only after the interruption.
    pub(super) fn reconcile(&mut self, ctx: &mut Ctx<'_>) {
        let rebalance = self.config.spot.capacity_rebalance;
        let (mut active, mut leaving) = (0, 0);
        for &id in &self.fleet.alive {
            let instance = &self.fleet.instances[id as usize];
            if instance.is_active() {
                active += 1;
            } else if !rebalance && instance.interruption_noticed {
                leaving += 1;
            }
        }
        let desired = self.group.desired;
        // While the group waits to retry failed launches it launches nothing
        // (aws-facts.md 17.2, `zones.rs`).
        let launches = match self.waiting_to_retry() {
            true => 0..0,
            false => (active + leaving)..desired,
        };
        for _ in launches {
            let Some(id) = self.launch_for_group(ctx) else {
                self.retry_launches_later(ctx);
                break;
            };
            let warm_start = self.fleet.warm_pool.as_mut().and_then(|(pool, start)| {
                (pool.take(ctx.now)).then(|| start.sample(&mut self.fleet.warm_pool_rng))
            });
            match warm_start {
                // From the warm pool: started, not launched, so a shorter boot.
                Some(start) => ctx.queue.schedule(
                    ctx.now + SimDuration(start),
                    Event::InstanceBooted {
                        tier: ctx.tier,
                        instance: id,
                    },
                ),
                None => self.boot(ctx, id),
            }
        }
        self.refill_warm_pool(ctx);
        // Instances already leaving go by themselves; only active ones are drained.
        for _ in desired..active {
            // Protected instances stay; the group then sits above desired, as AWS's
            // does when every instance is protected from scale-in (3.6).
            let Some(victim) = self.choose_victim(ctx) else {
                break;
            };
            self.begin_draining(ctx, victim);
        }
        self.rebalance_zones(ctx);
    }

    /// The instance a scale-in drains, by the termination policy
    /// (`scaling::termination`, aws-facts.md 2.5, 3.6) over the active instances.
    pub(super) fn choose_victim(&self, ctx: &mut Ctx<'_>) -> Option<u32> {
        if let Some(cluster) = &self.cluster {
            return self.choose_task_victim(cluster);
        }
        self.choose_victim_in(ctx, None)
    }

    /// The same among the active instances of `zone` only, when given (AZ
    /// rebalancing takes one from the zone with the most).
    pub(super) fn choose_victim_in(&self, ctx: &mut Ctx<'_>, zone: Option<u8>) -> Option<u32> {
        let active: Vec<Candidate> = self
            .fleet
            .alive
            .iter()
            .filter_map(|&id| {
                let instance = &self.fleet.instances[id as usize];
                let in_zone = zone.is_none_or(|z| z == instance.zone);
                (instance.is_active() && in_zone).then_some(Candidate {
                    id,
                    launched_at: instance.launched_at,
                    spot: instance.pool.is_some(),
                    protected: instance.protected,
                    zone: instance.zone,
                })
            })
            .collect();
        let desired = self.group.desired;
        let spot_target = desired - self.config.on_demand_target(desired);
        let policy = self.config.autoscaling.termination_policy;
        termination::choose_victim(&active, spot_target, policy, ctx.now)
    }
}
