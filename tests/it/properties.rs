//! Invariants of whole runs over random small scenarios (proptest): conservation of
//! requests, the group's bounds on every timeline row, the bill, the timeline against
//! the summary, and determinism.
//!
//! Scenarios are short (2–20 simulated minutes at up to 100 requests per second) so a
//! case takes milliseconds; the case count is fixed in the code (`with_cases`), so the
//! suite's length does not depend on `PROPTEST_CASES`. Every random choice of a
//! scenario that the model distinguishes is drawn: rates and spikes, service
//! distributions, workers, queue limits (including 0 and unlimited), timeouts, routing,
//! min/max/desired, target tracking on or off, warm-up and deregistration delay, and
//! (issue 3 and 8 features) spot capacity with interruptions and capacity rebalancing,
//! reservations, instance failures with either health-check type, and slow start.

use crate::common::{config_from_str, proptest_runner, run_with_timeline};
use proptest::prelude::*;
use simcloud::model::{
    AutoScalingConfig, Call, Config, CostItem, CostSummary, InstanceSummary, LatencySummary,
    QueueingSummary, RequestCounts, RunObserver, RunOutcome, TimelineRow, simulate_observed,
};

/// The random choices of one scenario.
#[derive(Clone, Debug)]
struct Shape {
    minutes: u32,
    rate: f64,
    spike: Option<(u32, u32, u32, f64)>,
    service: String,
    workers: u32,
    queue_limit: Option<u32>,
    timeout_s: u32,
    algorithm: &'static str,
    min: u32,
    extra_max: u32,
    extra_desired: u32,
    policy: Option<(&'static str, f64)>,
    warmup_s: u32,
    deregistration_s: u32,
    seed: u64,
    /// Spot: percent on-demand above base, capacity rebalancing, hazard per hour.
    spot: Option<(u32, bool, f64)>,
    /// Reserved m5.large instances.
    reserved: Option<u32>,
    /// Mean time between failures in minutes, and ELB (true) or EC2 health checks.
    failures: Option<(u32, bool)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    let service = prop_oneof![
        (1u32..200).prop_map(|ms| format!(r#"{{ dist = "exponential", mean = "{ms}ms" }}"#)),
        (1u32..200, 0.1f64..3.0).prop_map(|(ms, cv)| format!(
            r#"{{ dist = "lognormal", mean = "{ms}ms", cv = {cv:.3} }}"#
        )),
        (1u32..200).prop_map(|ms| format!(r#"{{ dist = "constant", value = "{ms}ms" }}"#)),
    ];
    let algorithm = prop_oneof![
        Just("round_robin"),
        Just("least_outstanding_requests"),
        Just("random"),
        Just("power_of_two"),
    ];
    let policy = prop::option::of(prop_oneof![
        (10.0f64..95.0).prop_map(|t| ("cpu", t)),
        (50.0f64..5000.0).prop_map(|t| ("request_count_per_target", t)),
    ]);
    (
        (
            2u32..20,
            0.5f64..100.0,
            prop::option::of((0u32..100, 0u32..300, 0u32..600, 1.0f64..300.0)),
            service,
            1u32..8,
            prop::option::of(0u32..40),
            1u32..30,
        ),
        (
            algorithm,
            1u32..4,
            0u32..5,
            0u32..6,
            policy,
            0u32..120,
            0u32..60,
            0u64..i64::MAX as u64,
        ),
        (
            prop::option::of((0u32..=100, any::<bool>(), 0.0f64..30.0)),
            prop::option::of(1u32..4),
            prop::option::of((2u32..60, any::<bool>())),
        ),
    )
        .prop_map(
            |(
                (minutes, rate, spike, service, workers, queue_limit, timeout_s),
                (
                    algorithm,
                    min,
                    extra_max,
                    extra_desired,
                    policy,
                    warmup_s,
                    deregistration_s,
                    seed,
                ),
                (spot, reserved, failures),
            )| Shape {
                minutes,
                rate,
                spike,
                service,
                workers,
                queue_limit,
                timeout_s,
                algorithm,
                min,
                extra_max,
                extra_desired,
                policy,
                warmup_s,
                deregistration_s,
                seed,
                spot,
                reserved,
                failures,
            },
        )
}

impl Shape {
    fn config(&self) -> Config {
        let max = self.min + self.extra_max;
        let desired = self.min + self.extra_desired.min(self.extra_max);
        let mut text = format!(
            r#"
            duration = "{minutes}m"
            seed = {seed}
            [traffic]
            rate = {rate:.3}
            "#,
            minutes = self.minutes,
            seed = self.seed,
            rate = self.rate,
        );
        if let Some((start_pct, ramp, hold, peak)) = self.spike {
            // The start is a share of the run, so it is always before the end.
            let start = self.minutes * 60 * start_pct / 100;
            text += &format!(
                "[[traffic.spike]]\nstart = \"{start}s\"\nramp = \"{ramp}s\"\nhold = \"{hold}s\"\npeak = {peak:.3}\n"
            );
        }
        let queue_limit = self
            .queue_limit
            .map_or("\"unlimited\"".to_string(), |q| q.to_string());
        text += &format!(
            r#"
            [service]
            time = {service}
            workers = {workers}
            queue_limit = {queue_limit}
            timeout = "{timeout}s"
            [load_balancer]
            algorithm = "{algorithm}"
            deregistration_delay = "{deregistration}s"
            [autoscaling]
            min = {min}
            max = {max}
            desired = {desired}
            instance_warmup = "{warmup}s"
            "#,
            service = self.service,
            workers = self.workers,
            timeout = self.timeout_s,
            algorithm = self.algorithm,
            deregistration = self.deregistration_s,
            min = self.min,
            warmup = self.warmup_s,
        );
        if let Some((mtbf, elb)) = self.failures {
            let kind = if elb { "elb" } else { "ec2" };
            text += &format!(
                "health_check_type = \"{kind}\"\n[instance.failures]\nmtbf = \"{mtbf}m\"\n"
            );
        }
        if self.spot.is_some() || self.reserved.is_some() {
            text += "[purchase]\n";
        }
        if let Some((percent, _, _)) = self.spot {
            text += &format!(
                "on_demand_percent_above_base = {percent}\nspot_pools = [\"m5.large\", \"m5a.large\"]\n"
            );
        }
        if let Some(count) = self.reserved {
            text += &format!("reserved = [{{ type = \"m5.large\", count = {count} }}]\n");
        }
        if let Some((_, rebalance, hazard)) = self.spot {
            text += &format!(
                "[spot]\ninterruption = {{ per_hour = {hazard:.3} }}\ncapacity_rebalance = {rebalance}\nnotice = \"30s\"\n"
            );
        }
        if let Some((metric, target)) = self.policy {
            text += &format!(
                "[[autoscaling.policy]]\nkind = \"target_tracking\"\nmetric = \"{metric}\"\ntarget = {target:.2}\n"
            );
        }
        config_from_str(&text)
    }
}

/// What the invariants read of one tier: its settings and its part of the outcome.
struct TierView<'a> {
    autoscaling: &'a AutoScalingConfig,
    requests: &'a RequestCounts,
    latency: &'a LatencySummary,
    cost: &'a CostSummary,
    utilization: f64,
    queueing: &'a QueueingSummary,
    instances: &'a InstanceSummary,
    rows: &'a [TimelineRow],
    items: Vec<&'a CostItem>,
    simulated_seconds: f64,
}

fn check_invariants(config: &Config, outcome: &RunOutcome, rows: &[TimelineRow]) {
    let s = &outcome.summary;
    check_tier(TierView {
        autoscaling: &config.entry().autoscaling,
        requests: &s.requests,
        latency: &s.latency_ms,
        cost: &s.cost_usd,
        utilization: s.utilization.mean_cpu,
        queueing: &s.queueing,
        instances: &s.instances,
        rows,
        items: outcome.cost_items.iter().collect(),
        simulated_seconds: s.simulated_seconds,
    });
}

fn check_tier(t: TierView) {
    let r = t.requests;
    // Conservation: each request is counted exactly once.
    assert_eq!(
        r.arrived,
        r.completed + r.rejected + r.timed_out + r.interrupted + r.in_flight,
        "{r:?}"
    );
    // The timeline adds up to the summary.
    let rows = t.rows;
    let sum = |f: fn(&TimelineRow) -> u64| rows.iter().map(f).sum::<u64>();
    assert_eq!(sum(|row| row.arrivals), r.arrived);
    assert_eq!(sum(|row| row.completions), r.completed);
    assert_eq!(sum(|row| row.rejections), r.rejected);
    assert_eq!(sum(|row| row.timeouts), r.timed_out);
    assert_eq!(sum(|row| row.interruptions), r.interrupted);
    let last = rows.last().expect("at least one row");
    assert_eq!(last.end_s, t.simulated_seconds);
    assert!((last.cost_usd - t.cost.total).abs() < 1e-5);
    // The group's bounds, on every row.
    let a = t.autoscaling;
    let mut previous_cost = 0.0;
    for row in rows {
        // Alive: launched and not yet terminated (an instance with an interruption
        // notice drains until EC2 stops it; a failed one awaits replacement).
        let active = row.pending_on_demand
            + row.pending_spot
            + row.in_service_on_demand
            + row.in_service_spot
            + row.draining_on_demand
            + row.draining_spot
            + row.unhealthy;
        assert!(
            active >= a.min.max(1),
            "{active} alive instances < min {} at {} s",
            a.min,
            row.end_s
        );
        assert!(
            row.desired >= a.min && row.desired <= a.max,
            "desired {} outside [{}, {}] at {} s",
            row.desired,
            a.min,
            a.max,
            row.end_s
        );
        assert!(
            (0.0..=100.0).contains(&row.mean_cpu),
            "cpu {}",
            row.mean_cpu
        );
        // The cumulative bill never decreases, with spot, reservations and savings
        // plans too: it accrues only what is known (issue 11).
        assert!(
            row.cost_usd >= previous_cost,
            "cost falls from {previous_cost} at {} s",
            row.end_s
        );
        previous_cost = row.cost_usd;
    }
    // The bill: nothing negative, and the total is the sum of its line items.
    let c = t.cost;
    for x in [
        c.total,
        c.on_demand,
        c.spot,
        c.reserved,
        c.savings_plan,
        c.load_balancer,
        c.warm_pool,
    ] {
        assert!(x >= 0.0 && x.is_finite(), "{c:?}");
    }
    let items: f64 = t.items.iter().map(|i| i.cost_usd).sum();
    // Only coverage lines (on-demand value absorbed by reservations) are negative.
    assert!(
        t.items
            .iter()
            .all(|i| i.cost_usd >= 0.0 || i.item.ends_with("_coverage"))
    );
    assert!(
        (items - c.total).abs() <= 1e-6 * (1.0 + t.items.len() as f64),
        "line items {items} vs total {}",
        c.total
    );
    // Percentiles are ordered and statistics are in range.
    let l = t.latency;
    assert!(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
    assert!((0.0..=1.0).contains(&t.queueing.waited_fraction));
    assert!(t.queueing.mean_in_system >= 0.0 && t.queueing.mean_wait_ms >= 0.0);
    assert!((0.0..=100.0).contains(&t.utilization));
    // Replaces `min_in_service >= 1 || launched > 0`, which could not fail (issue 11):
    // the instances-alive check on every row above is the one that can.
    assert!(t.instances.min_in_service <= t.instances.peak_in_service);
}

/// Every invariant on one run, and the same run again gives the same summary, bill and
/// timeline rows (determinism). 128 cases of a few milliseconds each.
#[test]
fn random_scenarios_keep_every_invariant() {
    proptest_runner(128)
        .run(&shape(), |shape| {
            let config = shape.config();
            let (outcome, rows) = run_with_timeline(&config);
            check_invariants(&config, &outcome, &rows);
            let (again, rows_again) = run_with_timeline(&config);
            prop_assert_eq!(&outcome.summary, &again.summary);
            prop_assert_eq!(&outcome.cost_items, &again.cost_items);
            prop_assert_eq!(rows, rows_again);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Two tiers: a front tier of one random shape calling a back tier of another 1 to 3
/// times per request, both with every feature above (timeouts at either tier, queue
/// limits, spot interruptions, failures, scaling). Each tier keeps every invariant on
/// its own timeline and bill; the run's bill is the sum of the tiers'; every call is
/// counted once by the tier it reached; an answered request made all its calls; and
/// the run is deterministic. 96 cases.
#[test]
fn random_two_tier_scenarios_keep_every_invariant() {
    /// Every tier's rows, and the bill's lines.
    #[derive(Default, PartialEq, Debug)]
    struct Kept {
        rows: Vec<Vec<TimelineRow>>,
        items: Vec<CostItem>,
    }
    impl RunObserver for Kept {
        fn row(&mut self, tier: usize, row: &TimelineRow) {
            if self.rows.len() <= tier {
                self.rows.resize(tier + 1, Vec::new());
            }
            self.rows[tier].push(row.clone());
        }
        fn cost_item(&mut self, item: &CostItem) {
            self.items.push(item.clone());
        }
    }
    proptest_runner(96)
        .run(&(shape(), shape(), 1u32..=3), |(front, back, count)| {
            let mut config = front.config();
            let mut api = back.config().tiers.remove(0);
            api.name = "api".into();
            config.tiers[0].calls = vec![Call {
                tier: 1,
                count,
                request_bytes: 0,
                response_bytes: 0,
            }];
            config.tiers.push(api);
            let mut kept = Kept::default();
            let outcome = simulate_observed(&config, &mut kept);
            let s = &outcome.summary;
            prop_assert_eq!(s.tiers.len(), 2);
            for (index, tier) in s.tiers.iter().enumerate() {
                check_tier(TierView {
                    autoscaling: &config.tiers[index].autoscaling,
                    requests: &tier.requests,
                    latency: &tier.latency_ms,
                    cost: &tier.cost_usd,
                    utilization: tier.utilization.mean_cpu,
                    queueing: &tier.queueing,
                    instances: &tier.instances,
                    rows: &kept.rows[index],
                    items: kept.items.iter().filter(|i| i.tier == tier.name).collect(),
                    simulated_seconds: s.simulated_seconds,
                });
            }
            // The entry tier's figures are the run's; the bill is the sum of the tiers'.
            prop_assert_eq!(&s.requests, &s.tiers[0].requests);
            let total: f64 = s.tiers.iter().map(|t| t.cost_usd.total).sum();
            prop_assert!((s.cost_usd.total - total).abs() < 1e-5);
            // Calls: each answered request (completed or timed out after its calls)
            // made them all, and no request made more.
            let (web, api) = (&s.tiers[0].requests, &s.tiers[1].requests);
            let count = u64::from(count);
            prop_assert!(api.arrived >= count * web.completed, "{web:?} {api:?}");
            prop_assert!(api.arrived <= count * web.arrived, "{web:?} {api:?}");
            let mut again = Kept::default();
            let repeat = simulate_observed(&config, &mut again);
            prop_assert_eq!(&outcome.summary, &repeat.summary);
            prop_assert_eq!(kept, again);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
