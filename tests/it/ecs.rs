//! The `ecs_ec2` tier kind (issue 14): container instances billed and tasks not, the
//! placement strategies, managed scaling's reaction to waiting tasks and its
//! scale-in, managed termination protection, and bad input. The oracles are hand
//! computations from the scenario's settings and aws-facts.md 15.5-15.6.

use crate::common::{assert_conserved, assert_rejected, config_from_str};
use simcloud::model::{RunOutcome, Summary, simulate};

/// A service of `tasks` tasks of 0.5 vCPU and 1 GB on m5.large container instances
/// (2 vCPU, 8 GiB: 4 tasks each), `hosts` of them at the start, with a trickle of
/// traffic; `extra` lines go into `[tiers.app.cluster]`, `after` at the end.
fn service(duration: &str, tasks: u32, hosts: u32, extra: &str, after: &str) -> String {
    format!(
        r#"
name = "ecs-test"
duration = "{duration}"
seed = 5
[traffic]
rate = 1
[tiers.app]
kind = "ecs_ec2"
[tiers.app.service]
time = "10ms"
workers = 1
[tiers.app.task]
cpu = 0.5
memory_gb = 1
image_mb = 500
pull_mb_per_s = 50
container_start = "5s"
[tiers.app.instance]
type = "m5.large"
boot_time = "90s"
[tiers.app.load_balancer.health_check]
interval = "5s"
timeout = "2s"
healthy = 2
[tiers.app.cluster]
min = 1
max = 10
desired = {hosts}
{extra}
[tiers.app.autoscaling]
min = {tasks}
max = 16
desired = {tasks}
{after}
"#
    )
}

fn outcome(text: &str) -> RunOutcome {
    simulate(&config_from_str(text), &mut |_| {})
}

fn run(text: &str) -> Summary {
    let s = outcome(text).summary;
    assert_conserved(&s.requests);
    s
}

/// m5.large at $0.096 an hour (aws-facts.md 1.2). Three tasks fit on one instance:
/// over 2 h the bill is one instance-hour pair, $0.192, billed as EC2 on-demand; the
/// tasks themselves are on no line. With 8 tasks, two instances: $0.384.
#[test]
fn issue_14_container_instances_are_billed_and_tasks_are_not() {
    for (tasks, hosts) in [(3, 1), (8, 2)] {
        let out = outcome(&service("2h", tasks, hosts, "", ""));
        let s = &out.summary;
        let lines: Vec<_> = out
            .cost_items
            .iter()
            .filter(|i| i.item == "instance")
            .collect();
        assert_eq!(lines.len(), hosts as usize);
        assert!(out.cost_items.iter().all(|i| i.item != "task"));
        let expected = 0.096 * 2.0 * f64::from(hosts);
        assert!(
            (s.cost_usd.on_demand - expected).abs() <= 5e-7,
            "{:?}",
            s.cost_usd
        );
        assert!((s.cost_usd.total - expected - s.cost_usd.load_balancer).abs() <= 2e-6);
        let c = s.container_instances.as_ref().expect("a cluster");
        assert_eq!(c.tasks_per_instance, 4);
        assert_eq!(c.instance_hours, 2.0 * f64::from(hosts));
        assert_eq!(s.instances.instance_hours, c.instance_hours);
        assert_eq!(s.instances.peak_in_service, tasks);
    }
}

/// Six tasks on three instances. Binpack fills the first (4) and puts 2 on the second:
/// one instance is empty, CapacityProviderReservation is 2 / 3 = 67 % < 100 % from the
/// first minute, and after 15 minutes (t = 900 s) the group terminates the empty one:
/// 2 × 1 h + 900 s = 2.25 instance-hours (with managed termination protection, so
/// that the empty one is the one to go). Spread puts 2 on each: 100 %, nothing moves,
/// 3 instance-hours.
#[test]
fn issue_14_binpack_empties_an_instance_and_spread_does_not() {
    let protected = "managed_termination_protection = true";
    let binpack = run(&service(
        "1h",
        6,
        3,
        &format!("placement = \"binpack\"\n{protected}"),
        "",
    ));
    let c = binpack.container_instances.unwrap();
    assert_eq!((c.launched, c.terminated), (3, 1));
    assert_eq!(c.instance_hours, 2.25);
    assert_eq!(c.tasks_stopped_with_instance, 0);
    let spread = run(&service("1h", 6, 3, "placement = \"spread\"", ""));
    let c = spread.container_instances.unwrap();
    assert_eq!((c.launched, c.terminated), (3, 0));
    assert_eq!(c.instance_hours, 3.0);
}

/// Task scaling and instance scaling lag each other (aws-facts.md 15.5): at 630 s the
/// service wants 12 tasks on one full instance. The 8 new tasks wait; the reservation
/// is (1 + 8 / 4) / 1 = 300 % at the minutes 660, 720 and 780, so at 780 s the group
/// goes to 3 instances; they register after their 90 s boot (870 s), the first task on
/// each pulls the 500 MB image at 50 MB/s (10 s), starts in 5 s, and passes 2 health
/// checks 5 s apart: all 12 serve from 895 s, none of the new ones before.
#[test]
fn issue_14_waiting_tasks_scale_the_cluster_out_and_start_when_it_registers() {
    let scheduled = "[[tiers.app.autoscaling.scheduled]]\nat = \"630s\"\nmin = 12\ndesired = 12";
    let before = run(&service("894s", 4, 1, "", scheduled));
    assert_eq!(before.instances.peak_in_service, 4);
    let c = before.container_instances.unwrap();
    assert_eq!(
        (c.launched, c.peak_registered, c.peak_pending_tasks),
        (3, 3, 8)
    );
    let after = run(&service("896s", 4, 1, "", scheduled));
    assert_eq!(after.instances.peak_in_service, 12);
    // The first instance from 0 s, the two new ones from 780 s.
    let hours = (896.0 + 2.0 * 116.0) / 3600.0;
    assert!((after.container_instances.unwrap().instance_hours - hours).abs() < 1e-6);
}

/// Without managed termination protection the Auto Scaling group picks whom to
/// terminate by its own policy, tasks or not (15.5). Eight tasks binpacked on 3
/// instances launched at 0 s (4, 4, 0), then at 600 s the service drops to 4 tasks,
/// binpack stopping those on the emptiest instance (a tie: the newest tasks, on the
/// second): (4, 0, 0). The reservation is below 100 % from the first minute, so at
/// the 15th (900 s) the group removes max(1, (3 - 1) / 2) = 1 instance, and at 960 s
/// (1 needed of 2) another. All are equally close to their next billing hour, so the
/// default policy takes the lowest id: at 900 s instance 0 with its 4 tasks, which
/// restart on instance 1 (binpack, lowest id), and at 960 s instance 1 with them
/// again: 8 tasks stopped. With protection only empty instances go (1, then 2) and
/// no task stops.
#[test]
fn issue_14_managed_termination_protection_keeps_instances_with_tasks() {
    let shrink =
        "[[tiers.app.autoscaling.scheduled]]\nat = \"600s\"\nmin = 4\nmax = 4\ndesired = 4";
    let unprotected = run(&service(
        "40m",
        8,
        3,
        "placement = \"binpack\"\nmanaged_termination_protection = false",
        shrink,
    ));
    let c = unprotected.container_instances.unwrap();
    assert_eq!(c.tasks_stopped_with_instance, 8, "{c:?}");
    assert_eq!(c.terminated, 2, "{c:?}");
    let protected = run(&service(
        "40m",
        8,
        3,
        "placement = \"binpack\"\nmanaged_termination_protection = true",
        shrink,
    ));
    let c = protected.container_instances.unwrap();
    assert_eq!(c.tasks_stopped_with_instance, 0, "{c:?}");
    assert_eq!(c.terminated, 2, "{c:?}");
}

/// Bad input exits 2 naming the file, the line, the key and what is wrong.
#[test]
fn issue_14_bad_ecs_ec2_settings_exit_2() {
    let good = service("10m", 2, 1, "", "");
    let cases = [
        (
            "cpu = 0.5",
            "cpu = 4",
            "cpu = 4: is more than a container instance has (m5.large has 2 vCPU)",
        ),
        (
            "memory_gb = 1",
            "memory_gb = 9",
            "is more than a container instance has (m5.large has 8 GiB)",
        ),
        (
            "max = 10",
            "max = 10\ntarget_capacity = 0",
            "target_capacity = 0: must be between 1 % and 100 %",
        ),
        (
            "max = 10",
            "max = 10\ninstance_warmup = \"3h\"",
            "must be between",
        ),
        ("min = 1", "min = 0", "must be at least 1"),
        ("desired = 1", "desired = 11", "must be between 1 and 10"),
        ("max = 10", "max = 10\nplacement = \"random\"", "placement"),
        (
            "max = 10",
            "max = 10\nmaximum_scaling_step_size = 0",
            "must be between 1 and 10000",
        ),
        (
            "container_start = \"5s\"",
            "container_start = \"5s\"\nprovisioning = \"10s\"",
            "is a Fargate task's",
        ),
        (
            "workers = 1",
            "workers_per_vcpu = true",
            "gives `workers` per task",
        ),
        (
            "boot_time = \"90s\"",
            "boot_time = \"90s\"\nfailures = { mtbf = \"10h\" }",
            "is not modelled for container instances",
        ),
        (
            "desired = 1",
            "desired = 1\n[tiers.app.purchase]",
            "is not a table of a tier of kind \"ecs_ec2\"",
        ),
        (
            "desired = 1",
            "desired = 1\n[[tiers.app.capacity_provider]]\nprovider = \"FARGATE\"",
            "it belongs to fargate tiers",
        ),
    ];
    for (from, to, needle) in cases {
        assert_rejected(&good.replacen(from, to, 1), needle);
    }
}
