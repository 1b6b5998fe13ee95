//! The `fargate` tier kind (issue 14): bills by hand, the task's start time, the
//! capacity provider split, FARGATE_SPOT's interruptions, and bad input.

use crate::common::{assert_conserved, assert_rejected, config_from_str};
use simcloud::model::{RunOutcome, Summary, simulate};

/// A service of `tasks` fixed tasks of `cpu` vCPU and `memory_gb` on `architecture`
/// for `duration`, with a trickle of traffic; `extra` is added at the end (tables of
/// the tier).
fn service(
    duration: &str,
    tasks: u32,
    cpu: f64,
    memory_gb: f64,
    arch: &str,
    extra: &str,
) -> String {
    format!(
        r#"
name = "fargate-test"
duration = "{duration}"
seed = 5
[traffic]
rate = 1
[tiers.app]
kind = "fargate"
[tiers.app.service]
time = "10ms"
workers = 1
[tiers.app.task]
cpu = {cpu}
memory_gb = {memory_gb}
architecture = "{arch}"
image_mb = 500
pull_mb_per_s = 50
provisioning = "10s"
container_start = "5s"
[tiers.app.autoscaling]
min = {tasks}
max = {tasks}
desired = {tasks}
{extra}
"#
    )
}

fn outcome(text: &str) -> RunOutcome {
    simulate(&config_from_str(text), &mut |_| {})
}

fn run(text: &str) -> Summary {
    outcome(text).summary
}

/// A task of 0.5 vCPU and 1 GB (aws-facts.md 6.2): x86 $0.04048 × 0.5 + $0.004445 × 1
/// = $0.024685 per hour; Arm $0.03238 × 0.5 + $0.00356 = $0.01975. Per second with a
/// one-minute minimum: 30 s is billed 60 s, $0.024685 / 60 = $0.00041142; 2 h is
/// $0.04937 (x86) and $0.0395 (Arm). ECR: 500 MB = 0.48828 GB at $0.10 per GB-month of
/// 730 h, $0.0000668880 per 1 h.
#[test]
fn issue_14_a_task_of_half_a_vcpu_and_1_gb_for_30_s_and_for_2_h() {
    for (duration, arch, per_hour, seconds) in [
        ("30s", "x86_64", 0.024685, 60.0),
        ("2h", "x86_64", 0.024685, 7200.0),
        ("2h", "arm64", 0.01975, 7200.0),
    ] {
        let out = outcome(&service(duration, 1, 0.5, 1.0, arch, ""));
        let tasks: Vec<_> = out.cost_items.iter().filter(|i| i.item == "task").collect();
        assert_eq!(tasks.len(), 1, "{duration} {arch}");
        assert_eq!(tasks[0].purchase_option, "fargate");
        assert_eq!(tasks[0].quantity, seconds);
        assert!((tasks[0].unit_price_usd - per_hour / 3600.0).abs() < 1e-15);
        let expected = per_hour * seconds / 3600.0;
        let c = &out.summary.cost_usd;
        assert!(
            (c.fargate - expected).abs() <= 5e-7,
            "{duration} {arch}: {c:?}"
        );
        assert_eq!((c.on_demand, c.spot, c.fargate_spot), (0.0, 0.0, 0.0));
        let hours = out.summary.simulated_seconds / 3600.0;
        let ecr = 500.0 / 1024.0 * 0.10 * hours / 730.0;
        assert!((c.ecr - ecr).abs() <= 5e-7, "{c:?}");
        // The parts add up to the total.
        let parts = c.fargate + c.ecr + c.load_balancer;
        assert!((c.total - parts).abs() <= 2e-6, "{c:?}");
    }
}

/// FARGATE_SPOT at 67 % off (aws-facts.md 15.2): a spot task of 1 vCPU and 2 GB for 2 h
/// is billed 0.33 × ($0.04048 + 2 × $0.004445) × 2 = $0.0325842, whatever happens in
/// its first hour (no refund as for EC2 spot). The seeded price path moves at most
/// every day, so it holds its first price over 2 h.
#[test]
fn issue_14_a_fargate_spot_task_is_billed_at_a_third_of_the_price() {
    let spot = "[[tiers.app.capacity_provider]]\nprovider = \"FARGATE_SPOT\"\nweight = 1\n[tiers.app.spot]\ninterruption = { per_hour = 0 }";
    let s = run(&service("2h", 1, 1.0, 2.0, "x86_64", spot));
    let expected = 0.33 * (0.04048 + 2.0 * 0.004445) * 2.0;
    assert!(
        (s.cost_usd.fargate_spot - expected).abs() <= 5e-7,
        "{:?}",
        s.cost_usd
    );
    assert_eq!(s.cost_usd.fargate, 0.0);
    assert_eq!(s.instances.launched_spot, 1);
}

/// The task starts in provisioning + image pull + container start = 10 s + 500 MB /
/// 50 MB/s + 5 s = 25 s, then passes 2 health checks 5 s apart: a task asked for at
/// 60 s serves from 95 s. Over 195 s the mean in service is (195 + 100) / 195.
#[test]
fn issue_14_a_task_starts_after_provisioning_image_pull_and_container_start() {
    let extra = "[[tiers.app.autoscaling.scheduled]]\nat = \"60s\"\nmax = 2\ndesired = 2\n[tiers.app.load_balancer.health_check]\ninterval = \"5s\"\ntimeout = \"2s\"\nhealthy = 2";
    let s = run(&service("195s", 1, 1.0, 2.0, "x86_64", extra));
    assert_eq!(s.instances.launched, 2);
    let expected = (295.0_f64 / 195.0 * 1000.0).round() / 1000.0;
    assert_eq!(s.instances.mean_in_service, expected);
}

/// The capacity provider strategy (aws-facts.md 15.5): base 1 on FARGATE, then
/// FARGATE 1 : FARGATE_SPOT 3. Of 9 tasks, 1 + 8 / 4 = 3 are FARGATE and 6 FARGATE_SPOT.
#[test]
fn issue_14_the_capacity_provider_strategy_splits_the_tasks() {
    let strategy = "[[tiers.app.capacity_provider]]\nprovider = \"FARGATE\"\nbase = 1\nweight = 1\n[[tiers.app.capacity_provider]]\nprovider = \"FARGATE_SPOT\"\nweight = 3\n[tiers.app.spot]\ninterruption = { per_hour = 0 }";
    let s = run(&service("10m", 9, 1.0, 2.0, "x86_64", strategy));
    assert_eq!((s.instances.launched, s.instances.launched_spot), (9, 6));
    let per_hour = 0.04048 + 2.0 * 0.004445;
    let hours = 600.0 / 3600.0;
    assert!((s.cost_usd.fargate - 3.0 * per_hour * hours).abs() <= 5e-7);
    assert!((s.cost_usd.fargate_spot - 6.0 * 0.33 * per_hour * hours).abs() <= 5e-7);
}

/// FARGATE_SPOT interruptions at 0.5 per task-hour on 20 spot tasks for 10 h: the
/// count is Poisson with mean 0.5 × the spot task-hours (about 100, sd 10); 4 sd is
/// within 40 %. Each comes with the two-minute warning and no rebalance
/// recommendation; the service replaces the task on FARGATE_SPOT, and requests still
/// in flight when a task stops count as interrupted, as on EC2 (requests of a minute
/// on average, so that some outlast the warning).
#[test]
fn issue_14_fargate_spot_interruptions_follow_the_configured_rate() {
    let spot = "[[tiers.app.capacity_provider]]\nprovider = \"FARGATE_SPOT\"\nweight = 1\n[tiers.app.spot]\ninterruption = { per_hour = 0.5 }";
    let text = service("10h", 20, 1.0, 2.0, "x86_64", spot)
        .replace("rate = 1\n", "rate = 10\n")
        .replace("workers = 1", "workers = 100\ntimeout = \"600s\"")
        .replace(
            "time = \"10ms\"",
            "time = { dist = \"exponential\", mean = \"60s\" }",
        );
    let s = run(&text);
    assert_conserved(&s.requests);
    let i = &s.instances;
    let expected = 0.5 * i.instance_hours;
    let got = i.spot_interruptions as f64;
    assert!(
        (got - expected).abs() <= 0.4 * expected,
        "{got} vs {expected}"
    );
    assert_eq!(i.rebalance_recommendations, 0);
    assert_eq!(i.launched, i.launched_spot);
    assert_eq!(i.launched, 20 + i.spot_interruptions);
    assert!(s.requests.interrupted > 0, "{:?}", s.requests);
}

/// Bad input exits 2 naming the file, the line, the key and the valid choices.
#[test]
fn issue_14_bad_fargate_settings_exit_2_naming_the_valid_sizes() {
    let good = service("10m", 1, 0.5, 1.0, "x86_64", "");
    let cases = [
        (
            "cpu = 0.5",
            "cpu = 0.3",
            "cpu = 0.3: is not a Fargate task size; the valid sizes are 0.25 vCPU: 0.5, 1 or 2 GB; 0.5 vCPU: 1-4 GB",
        ),
        (
            "memory_gb = 1",
            "memory_gb = 5",
            "memory_gb = 5: is not valid with cpu = 0.5",
        ),
        ("memory_gb = 1", "memory_gb = 1.5", "1-4 GB in 1 GB steps"),
        (
            "workers = 1",
            "workers_per_vcpu = true",
            "gives `workers` per task",
        ),
        (
            "pull_mb_per_s = 50",
            "pull_mb_per_s = 0",
            "must be from 1 to 10000",
        ),
        (
            "desired = 1",
            "desired = 1\nmonitoring = \"basic\"",
            "every minute",
        ),
        (
            "desired = 1",
            "desired = 1\n[[tiers.app.capacity_provider]]\nprovider = \"FARGATE\"\nbase = 1\n[[tiers.app.capacity_provider]]\nprovider = \"FARGATE_SPOT\"\nbase = 2",
            "only one provider of a strategy may have a base",
        ),
        (
            "desired = 1",
            "desired = 1\n[[tiers.app.capacity_provider]]\nprovider = \"FARGATE_SPOT\"",
            "needs a provider with a weight above 0",
        ),
        (
            "desired = 1",
            "desired = 1\n[tiers.app.spot]\nnotice = \"60s\"",
            "is not a key of a fargate tier's [spot]",
        ),
        (
            "desired = 1",
            "desired = 1\n[tiers.app.instance]",
            "is not a table of a tier of kind \"fargate\"; it belongs to ec2, ecs_ec2, beanstalk and worker tiers",
        ),
    ];
    for (from, to, needle) in cases {
        assert_rejected(&good.replacen(from, to, 1), needle);
    }
}

/// Target tracking on the service's memory utilisation (aws-facts.md 15.4): a 1 GB
/// task holds 0.25 GB plus 100 MB per request being computed. At 200 req/s of 100 ms,
/// 20 requests are computed at once on average, so with n tasks memory is
/// (0.25 + 0.1 × 20 / n) / 1 = 25 + 195.3 / n % (100 MB = 0.09766 GB). Target 50 %:
/// the group scales out while that is above 50 (n < 7.8) and in only below the low
/// alarm's 45 % (n > 9.8), so from 2 tasks it settles at 8, 9 or 10 tasks (the
/// sampling noise of a minute's mean decides which; 8 is the first above 7.8).
#[test]
fn issue_14_memory_target_tracking_settles_where_the_formula_says() {
    let text = service("1h", 2, 0.5, 1.0, "x86_64", "")
        .replace("rate = 1", "rate = 200")
        .replace(
            "time = \"10ms\"\nworkers = 1",
            "time = \"100ms\"\nworkers = 16",
        )
        .replace("max = 2\n", "max = 40\n")
        .replace(
            "container_start = \"5s\"",
            "container_start = \"5s\"\nmemory_baseline_gb = 0.25\nmemory_per_request_mb = 100",
        )
        + "policy = [{ kind = \"target_tracking\", metric = \"memory\", target = 50.0 }]\n";
    let (_, rows) = crate::common::run_with_timeline(&config_from_str(&text));
    let last = rows.last().unwrap();
    assert!((8..=10).contains(&last.desired), "{}", last.desired);
    // An EC2 Auto Scaling group has no memory metric.
    let ec2 = "name = \"m\"\nduration = \"1h\"\n[traffic]\nrate = 1\n[autoscaling]\npolicy = [{ kind = \"target_tracking\", metric = \"memory\", target = 50.0 }]\n";
    assert_rejected(ec2, "memory utilisation is an ECS service's metric");
}

/// Issue 17: a Fargate service's page counts tasks, not instances: the fleet table,
/// the verdict's fleet sentence, the bill's hours and the traffic chart's axis.
#[test]
fn issue_17_a_fargate_page_says_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("fargate.toml");
    std::fs::write(
        &scenario,
        r#"
name = "fargate-words"
duration = "10m"
[traffic]
rate = 20
[tiers.app]
kind = "fargate"
service = { time = { dist = "lognormal", mean = "100ms", cv = 0.5 }, workers = 1 }
task = { cpu = 1, memory_gb = 2 }
autoscaling = { min = 1, max = 20, desired = 3 }
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    crate::common::simcloud()
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for phrase in [
        "<td>tasks launched</td>",
        "3 tasks launched",
        ">task-hours</th>",
    ] {
        assert!(html.contains(phrase), "{phrase}");
    }
    assert!(!html.contains("instances launched"));
    let traffic = std::fs::read_to_string(out.join("traffic.svg")).unwrap();
    assert!(traffic.contains("tasks\n</text>") || traffic.contains(">tasks<"));
}
