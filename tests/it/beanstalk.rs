//! The `beanstalk` tier kind (issue 15, environments): Beanstalk's defaults resolved,
//! its NetworkOut trigger firing at the period a hand computation says, a
//! single-instance environment's bill and failure, and bad input. The oracles come
//! from the scenario's settings and aws-facts.md 5, 11.1-11.3.

use crate::common::{
    assert_conserved, assert_rejected, config_from_str, run_with_timeline, simcloud, write_file,
};
use simcloud::model::{RunOutcome, simulate};

/// A beanstalk environment `web` of m5.large instances (constant 60 s boot), serving
/// 10 ms requests at `rate` req/s, with `extra` lines at the end of the file.
fn environment(duration: &str, rate: f64, extra: &str) -> String {
    format!(
        r#"
name = "eb-test"
duration = "{duration}"
seed = 7
[traffic]
rate = {rate}
[tiers.web]
kind = "beanstalk"
[tiers.web.service]
time = "10ms"
workers = 8
[tiers.web.instance]
type = "m5.large"
boot_time = "60s"
{extra}
"#
    )
}

fn outcome(text: &str) -> RunOutcome {
    let out = simulate(&config_from_str(text), &mut |_| {});
    assert_conserved(&out.summary.requests);
    out
}

/// `simcloud validate` on a beanstalk tier that gives no table of its own shows
/// Beanstalk's defaults (aws-facts.md 11.1, 11.3): min 1, max 4, two simple policies
/// on NetworkOut (> 6,000,000 bytes: +1; < 2,000,000: -1; one 5-minute period each;
/// cooldown 360 s = "6m"), basic monitoring, and the process's health checks
/// (15 s, 5 s, healthy 3, unhealthy 5) and 20 s deregistration delay.
#[test]
fn issue_15_validate_shows_beanstalks_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"eb\"\nduration = \"1h\"\n[traffic]\nrate = 1\n[tiers.web]\nkind = \"beanstalk\"\n";
    let path = write_file(dir.path(), "eb.toml", text);
    let out = simcloud()
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    let section = |header: &str| -> String {
        let start = shown
            .find(header)
            .unwrap_or_else(|| panic!("{header}: {shown}"));
        let rest = &shown[start + header.len()..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    let asg = section("[tiers.web.autoscaling]\n");
    for line in [
        "min = 1\n",
        "max = 4\n",
        "desired = 1\n",
        "monitoring = \"basic\"\n",
    ] {
        assert!(asg.contains(line), "{line}: {asg}");
    }
    let policies: Vec<&str> = shown.split("[[tiers.web.autoscaling.policy]]").collect();
    assert_eq!(policies.len(), 3, "two policies: {shown}");
    for (policy, adjustment, comparison, threshold) in [
        (policies[1], "adjustment = 1.0", ">", "6000000.0"),
        (policies[2], "adjustment = -1.0", "<", "2000000.0"),
    ] {
        for line in [
            adjustment,
            "adjustment_type = \"change_in_capacity\"",
            "cooldown = \"6m\"",
            "kind = \"simple\"",
            &format!("comparison = \"{comparison}\""),
            "evaluation_periods = 1",
            "metric = \"network_out\"",
            &format!("threshold = {threshold}"),
        ] {
            assert!(policy.contains(line), "{line}: {policy}");
        }
    }
    // The load balancer, all Beanstalk's defaults, is left out of the printed
    // scenario (a single-instance strategy could not remove it): read it resolved.
    assert!(!shown.contains("[tiers.web.load_balancer"), "{shown}");
    let lb = &config_from_str(text).tiers[0].load_balancer;
    let secs = |d: simcloud::engine::SimDuration| d.as_secs_f64();
    assert_eq!(secs(lb.health_check.interval), 15.0);
    assert_eq!(secs(lb.health_check.timeout), 5.0);
    assert_eq!((lb.health_check.healthy, lb.health_check.unhealthy), (3, 5));
    assert_eq!(secs(lb.deregistration_delay), 20.0);
    assert!(section("[tiers.web.environment]\n").contains("type = \"load_balanced\""));
}

/// The first period whose row shows desired capacity 2.
fn first_scale_out(text: &str) -> f64 {
    let (_, rows) = run_with_timeline(&config_from_str(text));
    rows.iter()
        .find(|r| r.desired >= 2)
        .map(|r| r.start_s)
        .expect("the environment scales out")
}

/// The trigger reads the group's average bytes out per instance over 5-minute
/// periods ending at 300 s, 600 s, ... and adds an instance when a period's value is
/// above 6,000,000 bytes (aws-facts.md 11.1; one evaluation period, so the breach
/// duration is that period). One instance serves everything; each response is
/// 10,000 bytes (`load_balancer.request_bytes`, as `service.response_bytes` is not
/// given). Traffic is 1 req/s, then 5 req/s from
/// a step at `t` (a spike with no ramp).
///
/// Before the step a period holds 300 responses: 3,000,000 bytes, between the
/// thresholds (the Poisson sd is sqrt(300) ≈ 17 responses, 0.17 MB). The period
/// (900 s, 1200 s] holds (t - 900) + 5 (1200 - t) responses, above 600 (6 MB) when
/// t < 1125 s:
/// - t = 1000 s: 100 + 1,000 = 1,100 responses, 11 MB: the alarm fires at 1200 s.
/// - t = 1175 s: 275 + 125 = 400 responses, 4 MB (sd 0.2 MB): no breach; the next
///   period holds 1,500 responses, 15 MB: it fires at 1500 s.
///
/// The timeline row starting at the tick (taken before the tick's events) is the
/// first with desired 2.
#[test]
fn issue_15_network_out_trigger_fires_at_the_period_computed_by_hand() {
    for (step, fires) in [(1000, 1200.0), (1175, 1500.0)] {
        let text = environment(
            "40m",
            1.0,
            &format!(
                "[tiers.web.load_balancer]\nrequest_bytes = 10000\n\
                 [[traffic.spike]]\nstart = \"{step}s\"\nramp = \"0s\"\nhold = \"2h\"\npeak = 4\n"
            ),
        );
        assert_eq!(first_scale_out(&text), fires, "step at {step} s");
    }
}

/// The bytes decide, not the load: at 1 req/s of 10,000-byte responses (3 MB a
/// period, between the thresholds) the environment never scales out; with
/// 30,000-byte responses (9 MB a period) it does, on an instance about 1 % busy.
#[test]
fn issue_15_network_out_depends_on_response_size_not_load() {
    let quiet = environment(
        "1h",
        1.0,
        "[tiers.web.load_balancer]\nrequest_bytes = 10000\n",
    );
    let (_, rows) = run_with_timeline(&config_from_str(&quiet));
    assert!(rows.iter().all(|r| r.desired == 1));
    // 30,000-byte responses: 9 MB a period at 1 req/s, on an instance 1 % busy.
    let big = environment(
        "1h",
        1.0,
        "[tiers.web.load_balancer]\nrequest_bytes = 30000\n",
    );
    let (out, rows) = run_with_timeline(&config_from_str(&big));
    assert!(rows.iter().any(|r| r.desired >= 2), "scaled out on bytes");
    assert!(out.summary.utilization.mean_cpu < 5.0);
    // `service.response_bytes`, when given, is the size NetworkOut counts (and what
    // leaves AWS): 30,000 bytes scale out over the load balancer's 10,000.
    let given = quiet.replace("workers = 8", "workers = 8\nresponse_bytes = 30000");
    let (_, rows) = run_with_timeline(&config_from_str(&given));
    assert!(
        rows.iter().any(|r| r.desired >= 2),
        "scaled out on response_bytes"
    );
}

/// A single-instance environment (aws-facts.md 11.2) for 2 h: no load balancer on
/// the bill (Beanstalk charges nothing, aws-facts.md 5), one m5.large at $0.096 an
/// hour (1.2).
///
/// Its instance fails at 30 min. Nothing takes it out of rotation (no load balancer):
/// requests sent to it fail until EC2's status checks report it, 180 s later (3.7,
/// simcloud's "few minutes"); the group then terminates it and launches a replacement,
/// which takes requests as soon as it has booted (60 s), with no health checks to
/// pass; meanwhile clients find no instance (503). So 240 s without service at
/// 10 req/s: 2,400 failed requests expected (Poisson, sd 49: within 250). The
/// instance-seconds: the first from 0 to 1,980 s, the replacement from 1,980 s to the
/// end: 7,200 s, $0.192 in all.
#[test]
fn issue_15_single_instance_has_no_load_balancer_and_is_replaced_after_failing() {
    let text = environment(
        "2h",
        10.0,
        "[tiers.web.environment]\ntype = \"single_instance\"\n\
         [tiers.web.instance.failures]\nat = [\"30m\"]\n",
    );
    let out = outcome(&text);
    let s = &out.summary;
    assert_eq!(s.cost_usd.load_balancer, 0.0);
    assert!(
        out.cost_items
            .iter()
            .all(|i| !i.item.starts_with("load_balancer")),
        "{:?}",
        out.cost_items
    );
    assert!(
        (s.instances.instance_hours - 2.0).abs() < 1e-9,
        "{:?}",
        s.instances
    );
    assert!(
        (s.cost_usd.on_demand - 0.192).abs() < 1e-6,
        "{:?}",
        s.cost_usd
    );
    assert!((s.cost_usd.total - 0.192).abs() < 1e-6, "{:?}", s.cost_usd);
    assert_eq!(s.instances.launched, 2);
    assert_eq!(s.instances.peak_in_service, 1);
    // The failed instance's requests are cut off (interrupted); the gap is 503s.
    let failed = s.requests.interrupted + s.requests.rejected;
    let expected = 10.0 * 240.0;
    assert!(
        (failed as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "{failed} failed, {expected} expected: {:?}",
        s.requests
    );
}

/// The terminal says what Beanstalk adds to the bill: nothing.
#[test]
fn issue_15_the_summary_says_beanstalk_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = environment("10m", 1.0, "");
    let path = write_file(dir.path(), "eb.toml", &text);
    let out = simcloud()
        .args(["run", path.to_str().unwrap(), "--no-plots", "-q", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains("Elastic Beanstalk charges nothing itself; the bill is its instances and its load balancer"),
        "{shown}"
    );
}

/// Bad input: exit 2, the file and the line of the key, nothing run.
#[test]
fn issue_15_bad_beanstalk_input_is_refused() {
    let single = environment(
        "1h",
        1.0,
        "[tiers.web.environment]\ntype = \"single_instance\"\n",
    );
    // The file's line 18: the environment's extra lines are 15-16, then a blank line.
    let err = assert_rejected(
        &format!("{single}[tiers.web.load_balancer]\nrequest_bytes = 1000\n"),
        "tiers.web.load_balancer",
    );
    assert!(
        err.contains("bad.toml:18") && err.contains("no load balancer"),
        "{err}"
    );
    let err = assert_rejected(
        &format!("{single}[tiers.web.autoscaling]\nmax = 2\n"),
        "tiers.web.autoscaling.max",
    );
    assert!(
        err.contains("bad.toml:19") && err.contains("must be 1"),
        "{err}"
    );
    // NetworkOut is an EC2 metric: no lambda tier has an Auto Scaling group.
    let lambda = r#"
name = "bad"
duration = "1h"
[traffic]
rate = 1
[tiers.web]
kind = "lambda"
[tiers.web.autoscaling]
policy = [{ kind = "simple", adjustment = 1, alarm = { metric = "network_out", comparison = ">", threshold = 6000000 } }]
"#;
    let err = assert_rejected(lambda, "tiers.web.autoscaling");
    assert!(err.contains("bad.toml:8"), "{err}");
    // Nor is it an ECS service's metric.
    let fargate = lambda.replace("\"lambda\"", "\"fargate\"");
    let err = assert_rejected(&fargate, "tiers.web.autoscaling.policy[0].alarm.metric");
    assert!(err.contains("bad.toml:9") && err.contains("EC2"), "{err}");
    // simcloud reads NetworkOut in alarms only.
    let tracking = environment(
        "1h",
        1.0,
        "[tiers.web.autoscaling]\npolicy = [{ kind = \"target_tracking\", metric = \"network_out\", target = 1000 }]\n",
    );
    assert_rejected(&tracking, "tiers.web.autoscaling.policy[0].metric");
}
