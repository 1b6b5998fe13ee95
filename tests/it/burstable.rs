//! Burstable instances (issue 16): CPU credits earned and spent, standard mode
//! throttled to the baseline, unlimited mode's surplus credits and their bill, T2's
//! launch credits, and bad input. Every oracle is derived by hand from aws-facts.md
//! 20.5: 1 credit = 1 vCPU at 100 % for 1 minute; t3.medium earns 24 credits an hour
//! (20 % of 2 vCPUs) and holds 576; t3.micro earns 12 (10 % of 2 vCPUs); t2.micro
//! earns 6 (10 % of 1 vCPU) and gets 30 launch credits; surplus credits cost $0.05
//! per vCPU-hour.

use crate::common::{assert_rejected, config_from_str, run_with_timeline};
use simcloud::model::simulate;

/// One t3.medium in standard mode, 2 workers, constant 100 ms requests, 100 req/s
/// offered against a capacity of 2 / 0.1 s = 20 req/s: the queue is never empty, so
/// both workers compute all the time (100 % CPU) from the first arrivals on. It
/// spends 2 vCPUs × 1 = 2 credits a minute and earns 24 / 60 = 0.4, so its 576
/// credits last 576 / (2 - 0.4) = 360 minutes, and it is throttled for the remaining
/// 480 - 360 = 120 minutes of the 8-hour run.
const SATURATED_T3: &str = r#"
    duration = "8h"
    [traffic]
    rate = 100
    [service]
    time = { dist = "constant", value = "100ms" }
    workers = 2
    queue_limit = 50
    timeout = "60s"
    [instance]
    type = "t3.medium"
    credit_specification = "standard"
    initial_credits = 576
    [autoscaling]
    min = 1
    max = 1
"#;

/// The time until the credits run out is initial ÷ (usage − baseline) in credits per
/// minute: 576 / 1.6 = 360 min. Tolerance 1 s: the two workers start with the first
/// two arrivals (tens of milliseconds after t = 0), which delays the run-out by less
/// than that.
#[test]
fn standard_credits_run_out_when_the_hand_formula_says() {
    let (outcome, rows) = run_with_timeline(&config_from_str(SATURATED_T3));
    let credits = outcome
        .summary
        .instances
        .credits
        .expect("a burstable group");
    assert!(
        (credits.throttled_instance_seconds - 7200.0).abs() < 1.0,
        "{credits:?}"
    );
    // The first interval that ends throttled is the one ending at 360 min.
    let first = rows.iter().find(|r| r.throttled == Some(1)).unwrap();
    assert_eq!(first.end_s, 21_660.0);
    // The balance falls 1.6 a minute: 576 - 1.6 × 60 = 480 after the first hour
    // (within the late start of the first minute).
    let hour = &rows[59];
    assert!(
        (hour.credit_balance.unwrap() - 480.0).abs() < 0.1,
        "{hour:?}"
    );
    // Spent: 2 a minute for 360 min, then the earning rate 0.4 for 120 min.
    assert!((credits.spent - (720.0 + 48.0)).abs() < 0.1, "{credits:?}");
    assert_eq!(credits.surplus_charged, 0.0);
    assert_eq!(outcome.summary.cost_usd.cpu_credits, 0.0);
}

/// Throttled, the instance runs at speed baseline ÷ demand = 0.2 / 1.0 = 0.2, so a
/// 100 ms request takes 500 ms: the two workers complete 2 / 0.5 s × 60 = 240
/// requests a minute instead of 2 / 0.1 s × 60 = 1,200 — the service time stretched
/// by exactly 5 (constant service times: no tolerance beyond ±1 request at an
/// interval's edge).
#[test]
fn throttled_service_stretches_by_demand_over_baseline() {
    let (_, rows) = run_with_timeline(&config_from_str(SATURATED_T3));
    for row in &rows[10..350] {
        assert!(row.completions.abs_diff(1200) <= 1, "{row:?}");
        assert_eq!(row.throttled, Some(0));
    }
    for row in &rows[365..480] {
        assert!(row.completions.abs_diff(240) <= 1, "{row:?}");
        assert_eq!(row.throttled, Some(1));
        assert_eq!(row.credit_balance, Some(0.0));
    }
}

/// One instance of `instance_type` (2 vCPUs, unlimited by default) at 60 % CPU for
/// 2 h: 5 workers, constant 100 ms, 30 req/s, so the offered load is 30 × 0.1 / 5 =
/// 0.6 and it spends 0.6 × 2 vCPUs = 1.2 credits a minute.
fn sixty_percent_for_two_hours(instance_type: &str) -> simcloud::model::Config {
    config_from_str(&format!(
        r#"
        duration = "2h"
        [traffic]
        rate = 30
        [service]
        time = {{ dist = "constant", value = "100ms" }}
        workers = 5
        queue_limit = 50
        [instance]
        type = "{instance_type}"
        [autoscaling]
        min = 1
        max = 1
        "#
    ))
}

/// One t3.micro in unlimited mode (its family's default) at 60 % CPU for 2 h: 5
/// workers, constant 100 ms, 30 req/s, so the offered load is 30 × 0.1 / 5 = 0.6.
/// It spends 0.6 × 2 vCPUs = 1.2 credits a minute and earns 12 / 60 = 0.2 from an
/// empty balance, so it spends (1.2 - 0.2) × 120 = 120 surplus credits, which
/// nothing pays down before the run ends: they are billed, 120 vCPU-minutes =
/// 2 vCPU-hours × $0.05 = $0.10. Tolerance: the Poisson arrivals' count over 2 h
/// (216,000 expected) has a relative standard deviation of 0.2 %, about 0.3 surplus
/// credits; the test allows 3 credits ($0.0025), ten standard deviations.
#[test]
fn unlimited_surplus_credits_and_their_bill_by_hand() {
    let config = sixty_percent_for_two_hours("t3.micro");
    assert!(config.tiers[0].instance.credits.as_ref().unwrap().unlimited);
    let s = simulate(&config, &mut |_| {}).summary;
    let credits = s.instances.credits.unwrap();
    assert!((credits.surplus_spent - 120.0).abs() < 3.0, "{credits:?}");
    assert!((credits.surplus_charged - 120.0).abs() < 3.0, "{credits:?}");
    assert_eq!(credits.throttled_instance_seconds, 0.0);
    assert!(
        (s.cost_usd.cpu_credits - 0.10).abs() < 0.0025,
        "{:?}",
        s.cost_usd
    );
    // The part is the charged credits at $0.05 per 60 credits, and in the total.
    let by_hand = credits.surplus_charged / 60.0 * 0.05;
    assert!((s.cost_usd.cpu_credits - by_hand).abs() < 1e-5);
    let parts = s.cost_usd.on_demand + s.cost_usd.load_balancer + s.cost_usd.cpu_credits;
    assert!((s.cost_usd.total - parts).abs() < 1e-5, "{:?}", s.cost_usd);
}

/// The same load on a t4g.medium, from the catalog alone (no `vcpu` or price given):
/// it earns 24 credits an hour (20 % of 2 vCPUs, aws-facts.md 20.5), so it spends
/// (1.2 - 0.4) × 120 = 96 surplus credits = 1.6 vCPU-hours, billed at T4g's $0.04
/// (not T3's $0.05): $0.064; the instance itself is 2 h × $0.0336 = $0.0672. The
/// tolerance is the previous test's: 3 credits, $0.002 at $0.04.
#[test]
fn t4g_surplus_credits_bill_at_its_own_rate() {
    let config = sixty_percent_for_two_hours("t4g.medium");
    assert!(config.tiers[0].instance.credits.as_ref().unwrap().unlimited);
    let s = simulate(&config, &mut |_| {}).summary;
    let credits = s.instances.credits.unwrap();
    assert!((credits.surplus_charged - 96.0).abs() < 3.0, "{credits:?}");
    assert!(
        (s.cost_usd.cpu_credits - 0.064).abs() < 0.002,
        "{:?}",
        s.cost_usd
    );
    assert!((s.cost_usd.cpu_credits - credits.surplus_charged / 60.0 * 0.04).abs() < 1e-5);
    assert!(
        (s.cost_usd.on_demand - 2.0 * 0.0336).abs() < 1e-6,
        "{:?}",
        s.cost_usd
    );
}

/// A t2.micro (standard by default) saturated by its one worker spends 1 credit a
/// minute. Its 30 launch credits go first, for 30 minutes, while its balance earns
/// 0.1 a minute: 3 credits. Those last 3 / (1 - 0.1) = 3.33 minutes: throttled from
/// 33.33 min, for 60 - 33.33 = 26.67 minutes of a 1-hour run.
#[test]
fn t2_launch_credits_are_spent_first() {
    let config = config_from_str(
        r#"
        duration = "1h"
        [traffic]
        rate = 50
        [service]
        time = { dist = "constant", value = "100ms" }
        workers = 1
        queue_limit = 10
        [instance]
        type = "t2.micro"
        vcpu = 1
        price_per_hour = 0.0116
        [autoscaling]
        min = 1
        max = 1
        "#,
    );
    assert!(!config.tiers[0].instance.credits.as_ref().unwrap().unlimited);
    let credits = simulate(&config, &mut |_| {})
        .summary
        .instances
        .credits
        .unwrap();
    let expected = (60.0 - 100.0 / 3.0) * 60.0;
    assert!(
        (credits.throttled_instance_seconds - expected).abs() < 1.0,
        "{credits:?}"
    );
}

/// A type that does not burst earns no credits: a run without burstable instances
/// writes no credit columns and no credits in its summary.
#[test]
fn a_type_that_does_not_burst_has_no_credits() {
    let config = config_from_str("duration = \"10m\"\n[traffic]\nrate = 5\n");
    let (outcome, rows) = run_with_timeline(&config);
    assert!(outcome.summary.instances.credits.is_none());
    assert!(
        rows.iter()
            .all(|r| r.credit_balance.is_none() && r.throttled.is_none())
    );
}

/// Bad input: a credit mode on a type that does not burst, and an unknown mode, are
/// refused with exit 2, naming the file, the line and the key.
#[test]
fn bad_credit_specifications_exit_2_naming_file_line_and_key() {
    let stderr = assert_rejected(
        "duration = \"1h\"\n[traffic]\nrate = 1\n[instance]\ntype = \"m5.large\"\ncredit_specification = \"standard\"\n",
        "instance.credit_specification",
    );
    assert!(stderr.contains("bad.toml:6"), "{stderr}");
    assert!(stderr.contains("not a burstable type"), "{stderr}");
    let stderr = assert_rejected(
        "duration = \"1h\"\n[traffic]\nrate = 1\n[instance]\ntype = \"t3.micro\"\ncredit_specification = \"turbo\"\n",
        "instance.credit_specification",
    );
    assert!(stderr.contains("bad.toml:6"), "{stderr}");
    assert!(stderr.contains("standard, unlimited"), "{stderr}");
    let stderr = assert_rejected(
        "duration = \"1h\"\n[traffic]\nrate = 1\n[instance]\ntype = \"t3.micro\"\ninitial_credits = 300\n",
        "instance.initial_credits",
    );
    assert!(stderr.contains("at most 288"), "{stderr}");
}
