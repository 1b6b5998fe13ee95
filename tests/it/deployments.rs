//! Deployments of a new application version under traffic (`[[deployment]]`, issue
//! 15): each policy's out-of-service time, capacity and extra bill against hand
//! arithmetic, and bad input refused with its line.

use crate::common::*;
use simcloud::model::{DeploymentSummary, RunOutcome, simulate};

/// Four c5.large instances ($0.085/h) of 4 workers at 100 req/s of 40 ms requests:
/// ρ = 100 × 0.04 / 16 = 0.25 with four instances, 0.33 with three, so the fleet
/// serves the load with a batch out. Boot 60 s, load balancer health 5 × 30 s = 150 s
/// (the defaults), no deregistration delay: every step's length is exact.
fn scenario(deployment: &str) -> String {
    format!(
        r#"
name = "deploy"
duration = "40m"
seed = 3
[traffic]
rate = 100
[service]
time = {{ dist = "exponential", mean = "40ms" }}
workers = 4
[instance]
type = "c5.large"
boot_time = "60s"
[load_balancer]
deregistration_delay = "0s"
[autoscaling]
min = 4
max = 4
desired = 4
{deployment}
"#
    )
}

fn run(deployment: &str) -> RunOutcome {
    simulate(&config_from_str(&scenario(deployment)), &mut |_| {})
}

/// Issue 15, "the timeline marks deployment phases": the traffic chart shades the
/// deployment from its start to its end, names its policy in the legend, and the
/// band's hover text gives its times and measures from `summary.json`.
#[test]
fn the_traffic_chart_shades_a_deployment_with_its_hover_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "deploy.toml",
        &scenario(
            "[[deployment]]\nat = \"10m\"\npolicy = \"rolling\"\nbatch_size = 1\nbatch_size_type = \"fixed\"\ndeploy_time = \"30s\"\n",
        ),
    );
    let out = dir.path().join("run");
    simcloud()
        .arg("run")
        .arg(&path)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let d = &summary["deployments"][0];
    assert_eq!(d["policy"], "rolling");
    let end_s = d["start_s"].as_f64().unwrap() + d["duration_s"].as_f64().unwrap();
    let svg = std::fs::read_to_string(out.join("traffic.svg")).unwrap();
    assert!(svg.contains("\ndeployment (rolling)\n"), "no legend entry");
    let title = format!(
        "<title>rolling deployment, succeeded: from 10 min to {} min after the start; {} requests failed",
        (end_s / 60.0).round(),
        d["requests_failed"]
    );
    assert!(svg.contains(&title), "{title} not in traffic.svg");
    // Issue 15, the phases: 4 instances in batches of 1, no deregistration delay, a
    // 30 s deploy and enhanced health's 120 s window: batch k (from 1) starts at
    // 600 + 150 (k − 1) s and is healthy 150 s later, when batch k + 1 starts.
    let phases: Vec<(String, Option<u64>, f64)> = d["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["phase"].as_str().unwrap().to_string(),
                p["batch"].as_u64(),
                p["at_s"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut by_hand = Vec::new();
    for k in 1..=4u64 {
        let start = 600.0 + 150.0 * (k - 1) as f64;
        by_hand.push(("batch_started".to_string(), Some(k), start));
        by_hand.push(("batch_healthy".to_string(), Some(k), start + 150.0));
    }
    assert_eq!(phases, by_hand);
    // A line per moment, named on hover, and one legend entry for them all.
    assert_eq!(svg.matches("\ndeployment phase\n").count(), 1, "legend");
    for title in [
        "<title>rolling deployment: batch 1 started at 600 s after the start (10 min)</title>",
        "<title>rolling deployment: batch 1 healthy, batch 2 started at 750 s after the start (12 min)</title>",
        "<title>rolling deployment: batch 3 healthy, batch 4 started at 1050 s after the start (17 min)</title>",
        "<title>rolling deployment: batch 4 healthy at 1200 s after the start (20 min)</title>",
    ] {
        assert!(svg.contains(title), "{title} not in traffic.svg");
    }
}

fn only(outcome: &RunOutcome) -> &DeploymentSummary {
    assert_eq!(outcome.summary.deployments.len(), 1);
    &outcome.summary.deployments[0]
}

const DEPLOY: &str = r#"
[[deployment]]
at = "10m"
batch_size = 1
batch_size_type = "fixed"
deploy_time = "30s"
"#;

/// Rolling, one instance at a time: each of the 4 instances is out of service for its
/// deploy (30 s) and enhanced health's two minutes (aws-facts.md 11.4), so
/// 4 × (30 + 120) = 600 instance-seconds out, one after the other: 600 s in all, with
/// three instances in service meanwhile. Nothing is launched: no extra cost, and at
/// ρ = 0.33 no request fails.
#[test]
fn rolling_takes_each_instance_out_for_its_deploy_and_health_checks() {
    let outcome = run(&format!("{DEPLOY}policy = \"rolling\""));
    let d = only(&outcome);
    assert_eq!(d.outcome, "succeeded");
    assert_eq!((d.instances, d.batch_size, d.batches), (4, 1, 4));
    assert_eq!(d.out_of_service_instance_seconds, 4.0 * (30.0 + 120.0));
    assert_eq!(d.duration_s, 600.0);
    assert_eq!(d.start_s, 600.0);
    assert_eq!(outcome.summary.instances.min_in_service, 3);
    assert_eq!(d.extra_instance_hours, 0.0);
    assert_eq!(d.requests_failed, 0);
    assert_conserved(&outcome.summary.requests);
    // Basic health is the load balancer's 5 checks × 30 s instead: 4 × (30 + 150).
    let basic = run(&format!("{DEPLOY}policy = \"rolling\"\nhealth = \"basic\""));
    assert_eq!(only(&basic).out_of_service_instance_seconds, 720.0);
}

/// With an additional batch, one instance is launched first (boot 60 s + health
/// 150 s), then the four batches (600 s), then it is terminated: 810 s with one extra
/// instance billed throughout, and never fewer than four in service. The run's billed
/// instance-hours differ from a run without the deployment by exactly that instance
/// (per-second billing, over a minute).
#[test]
fn rolling_with_additional_batch_keeps_capacity_and_bills_one_batch() {
    let outcome = run(&format!(
        "{DEPLOY}policy = \"rolling_with_additional_batch\""
    ));
    let d = only(&outcome);
    assert_eq!(d.duration_s, 60.0 + 150.0 + 600.0);
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert!(
        (d.extra_instance_hours - 810.0 / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    assert!(
        (d.extra_cost_usd - 810.0 / 3600.0 * 0.085).abs() < 1e-6,
        "{d:?}"
    );
    let without = simulate(&config_from_str(&scenario("")), &mut |_| {});
    let billed =
        outcome.summary.instances.instance_hours - without.summary.instances.instance_hours;
    // The summaries round instance-hours to 6 decimals.
    assert!((billed - 810.0 / 3600.0).abs() < 2e-6, "{billed}");
}

/// Immutable: one new instance (in service 60 + 150 = 210 s after the start), then
/// three more (210 s later), then the four old ones go: 420 s, eight instances in
/// service at the end of it. Extra instance-time: the new instances' 420 + 3 × 210 s,
/// the old ones ran throughout as they would have: 1050 s. For the last 210 s the
/// group runs (and pays for) twice its instances.
#[test]
fn immutable_doubles_the_fleet_then_replaces_it() {
    let outcome = run(&format!("{DEPLOY}policy = \"immutable\""));
    let d = only(&outcome);
    assert_eq!(d.duration_s, 420.0);
    assert_eq!(d.batches, 2);
    assert_eq!(outcome.summary.instances.peak_in_service, 8);
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert_eq!(d.out_of_service_instance_seconds, 0.0);
    assert!(
        (d.extra_instance_hours - 1050.0 / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    assert_eq!(outcome.summary.instances.launched, 8);
    assert_eq!(outcome.summary.instances.terminated, 4);
}

/// All at once: every instance restarts together, so for the 30 s deploy and the two
/// minutes of health checks the load balancer has no target and answers 503: about
/// 100 req/s × 150 s = 15 000 requests fail. Poisson arrivals: the count's standard
/// deviation is √15 000 ≈ 122; 5 % (6 σ) is the tolerance.
#[test]
fn all_at_once_fails_the_requests_of_its_downtime() {
    let outcome = run(&format!("{DEPLOY}policy = \"all_at_once\""));
    let d = only(&outcome);
    assert_eq!(d.duration_s, 150.0);
    assert_eq!(d.batch_size, 4);
    let expected = 100.0 * 150.0;
    assert!(
        (d.requests_failed as f64 - expected).abs() < 0.05 * expected,
        "{d:?}"
    );
    assert_eq!(outcome.summary.requests.rejected, d.requests_failed);
}

/// A deployment due while another of the tier runs is refused (Elastic Beanstalk
/// updates an environment only when it is Ready), and a deployment cut by the end of
/// the run is reported unfinished.
#[test]
fn a_deployment_during_another_is_refused_and_one_cut_short_is_unfinished() {
    let outcome = run(&format!(
        "{DEPLOY}policy = \"rolling\"\n[[deployment]]\nat = \"15m\"\ndeploy_time = \"30s\"\n[[deployment]]\nat = \"39m\"\ndeploy_time = \"30s\"\npolicy = \"rolling\"\nbatch_size = 1\nbatch_size_type = \"fixed\""
    ));
    let outcomes: Vec<&str> = outcome
        .summary
        .deployments
        .iter()
        .map(|d| d.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["succeeded", "refused", "unfinished"]);
    assert_eq!(outcome.summary.deployments[2].duration_s, 60.0);
}

/// A scenario without deployments has no `deployments` key in summary.json (the
/// goldens hold the rest).
#[test]
fn no_deployment_no_key() {
    let outcome = run("");
    let json = serde_json::to_string(&outcome.summary).unwrap();
    assert!(!json.contains("deployments"));
    let with = run(&format!("{DEPLOY}policy = \"rolling\""));
    let json = serde_json::to_string(&with.summary).unwrap();
    assert!(json.contains("\"deployments\":[{\"tier\":\"web\",\"policy\":\"rolling\""));
}

/// Elastic Beanstalk's command timeout: `Timeout` 600 s by default, plus the 240 s it
/// adds (aws-facts.md 5, 11.4).
const DETECTED_AFTER: f64 = 600.0 + 240.0;

/// Immutable with a failing version: the temporary group's first instance launches at
/// 600 s and never becomes healthy; 840 s after its launch (1,440 s) the temporary
/// group is terminated and the old four serve on. Capacity never drops below four,
/// and the extra instance-time is that one instance's 840 s: $0.085 × 840 / 3600.
/// The run's bill grows by exactly that against a run without the deployment.
/// Failing at the rest instead (`failing_batch = 2`): the first instance is healthy
/// at 600 + 60 + 150 = 810 s, the other three launch then, and the failure is found
/// at 810 + 840 = 1,650 s: (1,650 − 600) + 3 × 840 = 3,570 instance-seconds.
#[test]
fn a_failed_immutable_deployment_terminates_the_temporary_group() {
    let outcome = run(&format!("{DEPLOY}policy = \"immutable\"\nfail = true"));
    let d = only(&outcome);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.failed_at_s, Some(600.0 + DETECTED_AFTER));
    assert_eq!(d.duration_s, DETECTED_AFTER);
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert_eq!(outcome.summary.instances.peak_in_service, 4);
    assert_eq!(
        (
            outcome.summary.instances.launched,
            outcome.summary.instances.terminated
        ),
        (5, 1)
    );
    assert!(
        (d.extra_instance_hours - DETECTED_AFTER / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    let price = DETECTED_AFTER / 3600.0 * 0.085;
    assert!((d.extra_cost_usd - price).abs() < 1e-6, "{d:?}");
    let without = simulate(&config_from_str(&scenario("")), &mut |_| {});
    let billed =
        outcome.summary.instances.instance_hours - without.summary.instances.instance_hours;
    assert!((billed - DETECTED_AFTER / 3600.0).abs() < 2e-6, "{billed}");
    assert_eq!(d.requests_failed, 0);
    let words: Vec<&str> = d.phases.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(words, ["first_instance_launched", "failed"]);

    let rest = run(&format!(
        "{DEPLOY}policy = \"immutable\"\nfail = true\nfailing_batch = 2"
    ));
    let d = only(&rest);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.failed_at_s, Some(810.0 + DETECTED_AFTER));
    assert_eq!(rest.summary.instances.min_in_service, 4);
    assert_eq!(rest.summary.instances.peak_in_service, 5);
    let by_hand = (1650.0 - 600.0) + 3.0 * DETECTED_AFTER;
    assert!(
        (d.extra_instance_hours - by_hand / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
}

/// Rolling, one instance a batch, the third batch failing: batches 1 and 2 complete
/// (150 s each, from 600 s), batch 3 starts at 900 s and its instance never becomes
/// healthy; the deployment fails 840 s later, at 1,740 s. Without a rollback it stops
/// there (`failed`): two batches keep the new version, the third's instance stays out
/// of service (2 × 150 + 840 = 1,140 instance-seconds out during the deployment) and
/// three instances serve to the end of the run. With `rollback`, the previous version
/// goes back in batches of one from 1,740 s: the failed instance first (already out,
/// it restarts at once: healthy 150 s later, out 1,890 − 900 = 990 s in all), then the
/// two upgraded ones (150 s each): out of service 300 + 990 + 300 = 1,590 s, and the
/// deployment ends at 1,740 + 3 × 150 = 2,190 s. A `timeout` of 300 s finds it
/// failed at 900 + 300 + 240 = 1,440 s.
#[test]
fn a_failed_rolling_deployment_keeps_its_completed_batches() {
    let failing = format!("{DEPLOY}policy = \"rolling\"\nfail = true\nfailing_batch = 3");
    let outcome = run(&failing);
    let d = only(&outcome);
    assert_eq!(d.outcome, "failed");
    assert_eq!(d.failed_at_s, Some(1740.0));
    assert_eq!(d.duration_s, 1140.0);
    assert_eq!(d.batches, 3);
    assert_eq!(
        d.out_of_service_instance_seconds,
        2.0 * 150.0 + DETECTED_AFTER
    );
    assert_eq!(d.left_out_of_service, 1);
    let healthy: Vec<u32> = d
        .phases
        .iter()
        .filter(|p| p.phase == "batch_healthy")
        .map(|p| p.batch.unwrap())
        .collect();
    assert_eq!(healthy, [1, 2], "the completed batches");
    assert_eq!(outcome.summary.instances.min_in_service, 3);
    assert_eq!(d.requests_failed, 0);

    let rolled_back = run(&format!("{failing}\nrollback = true"));
    let d = only(&rolled_back);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.failed_at_s, Some(1740.0));
    assert_eq!(d.duration_s, 2190.0 - 600.0);
    assert_eq!(d.out_of_service_instance_seconds, 300.0 + 990.0 + 300.0);
    assert_eq!(d.left_out_of_service, 0);
    let rollback: Vec<(&str, f64)> = d
        .phases
        .iter()
        .skip_while(|p| p.phase != "failed")
        .map(|p| (p.phase.as_str(), p.at_s))
        .collect();
    assert_eq!(
        rollback,
        [
            ("failed", 1740.0),
            ("rollback_batch_started", 1740.0),
            ("rollback_batch_healthy", 1890.0),
            ("rollback_batch_started", 1890.0),
            ("rollback_batch_healthy", 2040.0),
            ("rollback_batch_started", 2040.0),
            ("rollback_batch_healthy", 2190.0),
        ]
    );
    let sooner = run(&format!("{failing}\ntimeout = \"300s\""));
    assert_eq!(only(&sooner).failed_at_s, Some(1440.0));
}

/// All at once with a failing version: no instance comes back, so every request from
/// 600 s gets a 503. Rolled back, the instances restart with the previous version at
/// 1,440 s and are healthy 150 s later: 100 req/s × 990 s ≈ 99,000 failed requests
/// (a Poisson count, σ ≈ 315; the tolerance, 2 %, is about 6 σ). Without a rollback
/// the deployment stops at the failure, leaving the four out of service: every
/// request of the run's last 30 minutes fails, ≈ 180,000 (σ ≈ 424; 2 % is 8 σ).
#[test]
fn a_failed_all_at_once_deployment_fails_every_request_until_the_rollback() {
    let failing = format!("{DEPLOY}policy = \"all_at_once\"\nfail = true");
    let rolled_back = run(&format!("{failing}\nrollback = true"));
    let d = only(&rolled_back);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.duration_s, DETECTED_AFTER + 150.0);
    let expected = 100.0 * (DETECTED_AFTER + 150.0);
    assert!(
        (d.requests_failed as f64 - expected).abs() < 0.02 * expected,
        "{d:?}"
    );
    assert_conserved(&rolled_back.summary.requests);
    let failed = run(&failing);
    let d = only(&failed);
    assert_eq!(d.outcome, "failed");
    assert_eq!(d.left_out_of_service, 4);
    assert_eq!(failed.summary.instances.min_in_service, 0);
    let rejected = failed.summary.requests.rejected as f64;
    assert!(
        (rejected - 180_000.0).abs() < 0.02 * 180_000.0,
        "{rejected}"
    );
}

/// Traffic splitting with a failing canary: the four new instances are healthy at
/// 810 s and get 10 % of the requests for the 5-minute evaluation, which the failing
/// version answers 500; at 1,110 s the deployment fails, the traffic goes back to the
/// old instances and the new ones terminate. Failed requests ≈ 10 % × 100 req/s ×
/// 300 s = 3,000: a thinned Poisson count, σ ≈ √3,000 ≈ 55; the tolerance is 300
/// (about 5 σ). None fails after the rollback; capacity never drops.
#[test]
fn a_failed_canary_fails_its_share_of_the_evaluation_and_rolls_back() {
    let outcome = run(&format!(
        "{DEPLOY}policy = \"traffic_splitting\"\nfail = true"
    ));
    let d = only(&outcome);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.failed_at_s, Some(1110.0));
    assert_eq!(d.duration_s, 510.0);
    assert!((d.requests_failed as f64 - 3000.0).abs() < 300.0, "{d:?}");
    assert_eq!(d.requests_failed, d.requests_to_new_version);
    assert_eq!(outcome.summary.requests.failed, d.requests_failed);
    assert_conserved(&outcome.summary.requests);
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert!(
        (d.extra_instance_hours - 4.0 * 510.0 / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    let words: Vec<&str> = d.phases.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(
        words,
        [
            "new_instances_launched",
            "evaluation_started",
            "evaluation_ended",
            "failed"
        ]
    );
}

/// Blue/green with a failing version: the second environment's instances never
/// become healthy, so the swap due at 900 s never happens and the old environment
/// keeps every client; 840 s after its creation (1,440 s) the second environment is
/// terminated with its load balancer. Extra: 4 × 840 instance-seconds at $0.085/h and
/// one (partial) load-balancer hour at $0.0225.
#[test]
fn a_failed_blue_green_deployment_never_swaps() {
    let outcome = blue_green_with("20m", "", "fail = true\n");
    let d = only(&outcome);
    assert_eq!(d.outcome, "rolled_back");
    assert_eq!(d.failed_at_s, Some(1440.0));
    assert_eq!(
        (d.requests_split, d.requests_lost, d.requests_failed),
        (0, 0, 0)
    );
    let hours = 4.0 * DETECTED_AFTER / 3600.0;
    assert!((d.extra_instance_hours - hours).abs() < 1e-6, "{d:?}");
    assert_eq!(d.extra_load_balancer_hours, 1);
    assert!(
        (d.extra_cost_usd - (hours * 0.085 + 0.0225)).abs() < 1e-6,
        "{d:?}"
    );
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    let words: Vec<&str> = d.phases.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(words, ["environment_created", "failed"]);
}

/// A small run for many seeds: 2 req/s for 20 minutes, an all-at-once deployment at 1
/// minute (a failure is found at 60 + 840 s).
fn small(seed: u64, deployment: &str) -> RunOutcome {
    let text = format!(
        "name = \"p\"\nduration = \"20m\"\nseed = {seed}\n[traffic]\nrate = 2\n[instance]\ntype = \"c5.large\"\n[autoscaling]\nmin = 2\nmax = 2\ndesired = 2\n[[deployment]]\nat = \"1m\"\npolicy = \"all_at_once\"\ndeploy_time = \"30s\"\n{deployment}"
    );
    simulate(&config_from_str(&text), &mut |_| {})
}

/// `failure_probability = 0.5` over 200 seeds: the failures are binomial (200, 0.5),
/// mean 100, σ ≈ 7.1; the tolerance is 4 σ (72 to 128). The draw comes from a stream of
/// its own: a run whose deployment does not fail is the run without the key, number
/// for number, and `failure_probability = 0` changes nothing at all.
#[test]
fn a_failure_probability_fails_that_share_and_changes_nothing_else() {
    let mut failed = 0;
    for seed in 1..=200 {
        let outcome = small(seed, "failure_probability = 0.5");
        match only(&outcome).outcome.as_str() {
            "failed" => failed += 1,
            "succeeded" if seed <= 20 => {
                let without = small(seed, "");
                assert_eq!(
                    serde_json::to_string(&outcome.summary).unwrap(),
                    serde_json::to_string(&without.summary).unwrap(),
                    "seed {seed}"
                );
            }
            "succeeded" => {}
            other => panic!("seed {seed}: {other}"),
        }
    }
    assert!((72..=128).contains(&failed), "{failed} of 200 failed");
    let never = small(7, "failure_probability = 0.0");
    let without = small(7, "");
    assert_eq!(
        serde_json::to_string(&never.summary).unwrap(),
        serde_json::to_string(&without.summary).unwrap()
    );
}

/// The failure keys print back as they were read.
#[test]
fn failure_keys_round_trip() {
    for keys in [
        "policy = \"rolling\"\nfail = true\nfailing_batch = 2\nrollback = true\ntimeout = \"5m\"",
        "policy = \"immutable\"\nfailure_probability = 0.25",
        "policy = \"traffic_splitting\"\nfail = true",
        "policy = \"all_at_once\"\ntimeout = \"20m\"",
    ] {
        let config = config_from_str(&scenario(&format!("{DEPLOY}{keys}")));
        let printed = simcloud::scenario::resolved_toml(&config, &[]).unwrap();
        let again = config_from_str(&printed);
        assert_eq!(
            again.entry().deployments,
            config.entry().deployments,
            "{printed}"
        );
    }
}

#[test]
fn bad_deployments_exit_2_with_their_line() {
    let base = scenario("");
    let lines = base.lines().count();
    // Errors name the key's own line, in a `[[deployment]]` table as in `[dns]`.
    let at = |extra: &str, needle: &str, line_offset: usize| {
        let stderr = assert_rejected(&format!("{base}{extra}"), needle);
        let line = format!("bad.toml:{}:", lines + line_offset);
        assert!(stderr.contains(&line), "{line}: {stderr}");
    };
    let head = "[[deployment]]\nat = \"10m\"\ndeploy_time = \"30s\"\n";
    at(
        &format!("{head}batch_size = 0\n"),
        "deployment[0].batch_size = 0: must be 1 to 100",
        4,
    );
    at(&format!("{head}batch_size = 101\n"), "must be 1 to 100", 4);
    at(
        &format!("{head}batch_size = 5\nbatch_size_type = \"fixed\"\n"),
        "must be 1 to the group's maximum, 4",
        4,
    );
    at(
        &format!("{head}tier = \"api\"\n"),
        "deployment[0].tier = \"api\": is not a tier",
        4,
    );
    at(
        &format!("{head}policy = \"rolling\"\nswap_at = \"15m\"\n"),
        "deployment[0].swap_at = \"15m\": is an option of policy = \"blue_green\" only",
        5,
    );
    at(
        &format!("{head}policy = \"blue_green\"\nswap_at = \"5m\"\nterminate_old_at = \"20m\"\n"),
        "deployment[0].swap_at = \"5m\": is not after the deployment's at",
        5,
    );
    at(
        &format!("{head}policy = \"blue_green\"\nswap_at = \"15m\"\nterminate_old_at = \"12m\"\n"),
        "deployment[0].terminate_old_at = \"12m\": is before swap_at",
        6,
    );
    at(
        &format!("{head}policy = \"traffic_splitting\"\nnew_version_percent = 0\n"),
        "deployment[0].new_version_percent = 0: must be between 1 % and 100 %",
        5,
    );
    at(
        &format!("{head}policy = \"immutable\"\nevaluation_time = \"5m\"\n"),
        "is an option of policy = \"traffic_splitting\" only",
        5,
    );
    at(
        "[dns]\nttl_ignoring_share = 1.5\n",
        "dns.ttl_ignoring_share = 1.5: must be between 0 and 1",
        2,
    );
    assert_rejected(
        &format!("{base}{head}policy = \"blue_green\"\n"),
        "a blue_green deployment needs swap_at",
    );
    at(
        &format!("{head}{head}"),
        "deployment[1].at = \"10m\": overlaps the deployment of tier `web`",
        5,
    );
    assert_rejected(
        &format!("{base}[[deployment]]\nat = \"10m\"\n"),
        "missing deploy_time",
    );
    // The failure keys.
    at(
        &format!("{head}fail = \"yes\"\n"),
        "deployment[0].fail = \"yes\": expected true or false",
        4,
    );
    at(
        &format!("{head}failure_probability = 1.5\n"),
        "deployment[0].failure_probability = 1.5: must be between 0 and 1",
        4,
    );
    at(
        &format!("{head}fail = true\nfailure_probability = 0.5\n"),
        "deployment[0].failure_probability = 0.5: cannot be given with fail = true",
        5,
    );
    at(
        &format!("{head}policy = \"immutable\"\nfail = true\nrollback = true\n"),
        "deployment[0].rollback = true: is automatic for policy `immutable`",
        6,
    );
    at(
        &format!("{head}policy = \"rolling\"\nrollback = true\n"),
        "deployment[0].rollback = true: needs fail = true or a failure_probability",
        5,
    );
    at(
        &format!("{head}policy = \"immutable\"\nfail = true\nfailing_batch = 3\n"),
        "deployment[0].failing_batch = 3: must be 1 (the first instance) or 2 (the rest)",
        6,
    );
    at(
        &format!(
            "{head}policy = \"blue_green\"\nswap_at = \"15m\"\nterminate_old_at = \"20m\"\nfail = true\nfailing_batch = 1\n"
        ),
        "deployment[0].failing_batch = 1: is an option of rolling",
        8,
    );
    at(
        &format!("{head}timeout = \"2h\"\n"),
        "deployment[0].timeout = \"2h\": must be between 1s and 1h",
        4,
    );
}

/// A deployment names an `ec2` tier: an `rds` tier is refused.
#[test]
fn a_deployment_of_a_non_ec2_tier_is_refused() {
    let text = r#"
name = "t"
duration = "10m"
[traffic]
rate = 10
[tiers.web]
kind = "ec2"
[[tiers.web.calls]]
tier = "db"
[tiers.db]
kind = "rds"
[[deployment]]
tier = "db"
at = "5m"
deploy_time = "30s"
"#;
    let stderr = assert_rejected(
        text,
        "deployment[0].tier = \"db\": deployments are built for `ec2` tiers only",
    );
    assert!(stderr.contains("bad.toml:13:"), "{stderr}");
}

/// Blue/green at 10 minutes, swap at 15, the old environment terminated at `end`
/// (minutes after the swap, as a duration), with `[dns]` `extra`.
fn blue_green(terminate: &str, dns: &str) -> RunOutcome {
    blue_green_with(terminate, dns, "")
}

/// `blue_green` with more keys of the deployment.
fn blue_green_with(terminate: &str, dns: &str, keys: &str) -> RunOutcome {
    run(&format!(
        "{DEPLOY}policy = \"blue_green\"\nswap_at = \"15m\"\nterminate_old_at = \"{terminate}\"\n{keys}[dns]\nttl = \"60s\"\n{dns}"
    ))
}

/// Blue/green: a second environment of four instances from 600 s (in service
/// 60 + 150 s later, before the swap at 900 s); with a 60 s TTL and no TTL-ignoring
/// clients the old environment's share is 0 from 960 s, so terminating it at 1,200 s
/// loses nothing. From the swap, requests reach the old environment for half a TTL's
/// worth of traffic on average: 100 req/s × 60 s / 2 = 3,000 (a Poisson count, σ ≈ 55;
/// the tolerance is 300, about 5 σ).
/// Extra cost by hand: the second environment's 4 instances × 600 s = 2,400
/// instance-seconds (0.666667 h) at $0.085/h = $0.0566667, plus its load balancer for
/// the 600 s both ran, one (partial) hour at $0.0225: $0.0791667. The run's bill grows
/// by exactly that: instance-hours by 2,400 s, the load balancer by one hour.
#[test]
fn blue_green_moves_the_clients_within_one_ttl_and_bills_the_second_environment() {
    let outcome = blue_green("20m", "");
    let d = only(&outcome);
    assert_eq!(d.policy, "blue_green");
    assert_eq!(d.outcome, "succeeded");
    assert_eq!(d.start_s, 600.0);
    assert_eq!(d.duration_s, 600.0);
    assert_eq!(d.requests_lost, 0);
    assert_eq!(d.requests_failed, 0);
    let to_old = d.requests_split - d.requests_to_new_version;
    assert!((to_old as f64 - 3000.0).abs() < 300.0, "{d:?}");
    assert!(
        (d.extra_instance_hours - 2400.0 / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    assert_eq!(d.extra_load_balancer_hours, 1);
    let by_hand = 2400.0 / 3600.0 * 0.085 + 0.0225;
    assert!((d.extra_cost_usd - by_hand).abs() < 1e-6, "{d:?}");
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert_conserved(&outcome.summary.requests);
    let without = simulate(
        &config_from_str(&scenario("[dns]\nttl = \"60s\"")),
        &mut |_| {},
    );
    let hours = outcome.summary.instances.instance_hours - without.summary.instances.instance_hours;
    assert!((hours - 2400.0 / 3600.0).abs() < 2e-6, "{hours}");
    let lb = outcome.summary.cost_usd.load_balancer - without.summary.cost_usd.load_balancer;
    // The LCUs follow the requests, which are the same: only the hour differs.
    assert!((lb - 0.0225).abs() < 1e-4, "{lb}");
}

/// Terminating the old environment before its clients have all moved loses their
/// requests. At 100 req/s and a 60 s TTL the old share falls linearly from 1 at the
/// swap to 0 a TTL later: terminated at the swap, λ·T/2 = 3,000 requests are lost;
/// halfway, λ ∫_{T/2}^{T} (1 − x/T) dx = λ·T/8 = 750. Poisson counts (σ ≈ 55 and 27);
/// tolerances 10 % and 15 % (about 5 σ). Terminated exactly one TTL after the swap,
/// none is lost: the share is 0 from then on.
#[test]
fn terminating_the_old_environment_early_loses_its_clients_requests() {
    let at_swap = blue_green("15m", "");
    let lost = only(&at_swap).requests_lost as f64;
    assert!((lost - 3000.0).abs() < 300.0, "{lost}");
    let halfway = blue_green("930s", "");
    let lost = only(&halfway).requests_lost as f64;
    assert!((lost - 750.0).abs() < 112.0, "{lost}");
    // Lost requests are counted with the rejected ones, and conserved.
    assert!(halfway.summary.requests.rejected >= only(&halfway).requests_lost);
    assert_conserved(&halfway.summary.requests);
    let after_ttl = blue_green("960s", "");
    assert_eq!(only(&after_ttl).requests_lost, 0);
}

/// Clients that ignore the TTL (a share of 20 %, holding on for 10 minutes on average)
/// keep reaching the old environment: terminated 5 minutes after the swap, it loses
/// λ ∫_{300}^{∞} 0.2·e^{−x/600} dx = 100 × 0.2 × 600 × e^{−0.5} ≈ 7,278 requests over
/// the rest of the run (the run ends 25 minutes after the swap, which cuts the tail by
/// 100 × 0.2 × 600 × e^{−2.5} ≈ 985: ≈ 6,293 expected). Tolerance 10 %.
#[test]
fn ttl_ignoring_clients_are_lost_long_after_the_ttl() {
    let outcome = blue_green(
        "20m",
        "ttl_ignoring_share = 0.2\nttl_ignoring_hold = \"10m\"",
    );
    let lost = only(&outcome).requests_lost as f64;
    let expected = 100.0 * 0.2 * 600.0 * ((-0.5f64).exp() - (-2.5f64).exp());
    assert!(
        (lost - expected).abs() < 0.1 * expected,
        "{lost} vs {expected}"
    );
}

/// Traffic splitting: four new instances in service 210 s after the start, then 10 %
/// of the requests (the default `NewVersionPercent`) go to them for 5 minutes (the
/// default `EvaluationTime`), then all, and the old four terminate: 510 s. About
/// 30,000 requests are split; the new share is binomial, σ = √(0.1·0.9/30,000) ≈
/// 0.17 %; the tolerance is 1 %. Extra instance-time: the new four for 510 s.
#[test]
fn traffic_splitting_sends_its_share_to_the_new_instances() {
    let outcome = run(&format!("{DEPLOY}policy = \"traffic_splitting\""));
    let d = only(&outcome);
    assert_eq!(d.outcome, "succeeded");
    assert_eq!(d.duration_s, 510.0);
    assert!((d.requests_split as f64 - 30_000.0).abs() < 1500.0, "{d:?}");
    let share = d.requests_to_new_version as f64 / d.requests_split as f64;
    assert!((share - 0.10).abs() < 0.01, "{share}");
    assert!(
        (d.extra_instance_hours - 4.0 * 510.0 / 3600.0).abs() < 1e-6,
        "{d:?}"
    );
    assert_eq!(outcome.summary.instances.min_in_service, 4);
    assert_eq!(outcome.summary.instances.peak_in_service, 8);
    // 25 % to the new version, for 3 minutes.
    let quarter = run(&format!(
        "{DEPLOY}policy = \"traffic_splitting\"\nnew_version_percent = 25\nevaluation_time = \"3m\""
    ));
    let d = only(&quarter);
    assert_eq!(d.duration_s, 210.0 + 180.0);
    let share = d.requests_to_new_version as f64 / d.requests_split as f64;
    assert!((share - 0.25).abs() < 0.015, "{share}");
}

/// Route 53 by hand (aws-facts.md 11.7): the hosted zone for 40 minutes of a 730-hour
/// month, $0.50 × 2,400 / 2,628,000 = $0.000456621, and the queries of 1,000 resolvers
/// with a 60 s TTL at 100 req/s: λ / (1 + λ·T/C) = 100 / 7 per second, 34,285.7 in
/// 2,400 s, at $0.40 per million: $0.0137143; $0.0141709 in all. Poisson arrivals
/// move the queries by about √240,000 / 49 ≈ 10; the tolerance is $0.0001 (250
/// queries). The part adds to the total, and a run without `[dns]` has none.
#[test]
fn route53_bills_the_zone_and_the_queries() {
    let with = run("[dns]\nttl = \"60s\"\nresolvers = 1000");
    let without = run("");
    let by_hand = 0.5 * 2400.0 / (730.0 * 3600.0) + 2400.0 * 100.0 / 7.0 / 1e6 * 0.4;
    let route53 = with.summary.cost_usd.route53;
    assert!((route53 - by_hand).abs() < 1e-4, "{route53} vs {by_hand}");
    assert_eq!(without.summary.cost_usd.route53, 0.0);
    let added = with.summary.cost_usd.total - without.summary.cost_usd.total;
    assert!((added - route53).abs() < 2e-6, "{added} vs {route53}");
    let json = serde_json::to_string(&without.summary).unwrap();
    assert!(!json.contains("route53"));
}
