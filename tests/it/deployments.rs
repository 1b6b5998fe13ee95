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

#[test]
fn bad_deployments_exit_2_with_their_line() {
    let base = scenario("");
    let lines = base.lines().count();
    // Errors name the line of the `[[deployment]]` table the key is in.
    let at = |extra: &str, needle: &str, line_offset: usize| {
        let stderr = assert_rejected(&format!("{base}{extra}"), needle);
        let line = format!("bad.toml:{}:", lines + line_offset);
        assert!(stderr.contains(&line), "{line}: {stderr}");
    };
    let head = "[[deployment]]\nat = \"10m\"\ndeploy_time = \"30s\"\n";
    at(
        &format!("{head}batch_size = 0\n"),
        "deployment[0].batch_size = 0: must be 1 to 100",
        1,
    );
    at(&format!("{head}batch_size = 101\n"), "must be 1 to 100", 1);
    at(
        &format!("{head}batch_size = 5\nbatch_size_type = \"fixed\"\n"),
        "must be 1 to the group's maximum, 4",
        1,
    );
    at(
        &format!("{head}tier = \"api\"\n"),
        "deployment[0].tier = \"api\": is not a tier",
        1,
    );
    at(
        &format!("{head}policy = \"blue_green\"\n"),
        "`blue_green` is not built yet",
        1,
    );
    at(
        &format!("{head}{head}"),
        "deployment[1].at = \"10m\": overlaps the deployment of tier `web`",
        4,
    );
    assert_rejected(
        &format!("{base}[[deployment]]\nat = \"10m\"\n"),
        "missing deploy_time",
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
    assert!(stderr.contains("bad.toml:12:"), "{stderr}");
}
