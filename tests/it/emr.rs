//! The `emr` tier kind (issue 16): the issue's bill by hand, the one-minute minimum,
//! a task node's loss against a core node's (HDFS output rerun, counted by hand),
//! HDFS replication, the primary's loss, auto-termination, and bad input through
//! the real binary.

use crate::common::{assert_rejected, config_from_str, run_with_timeline};
use simcloud::model::{BatchSummary, EmrSummary, Summary, simulate};

/// A run of one emr tier `etl` (no `[traffic]`: its jobs are its own) with the
/// given `[tiers.etl.emr]` keys, instance groups and further tables.
fn emr(duration: &str, cluster: &str, groups: &str, rest: &str) -> String {
    format!(
        r#"
name = "emr-test"
duration = "{duration}"
seed = 1
[tiers.etl]
kind = "emr"
[tiers.etl.emr]
{cluster}
{groups}
{rest}
"#
    )
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

fn jobs(s: &Summary) -> &BatchSummary {
    s.batch.as_ref().expect("an emr tier's jobs")
}

fn cluster(s: &Summary) -> &EmrSummary {
    s.emr.as_ref().expect("an emr tier's cluster")
}

/// m5.xlarge groups: `primary` and `core` markets, and `task` nodes (spot).
fn groups(primary: &str, core: (u32, &str), task: Option<u32>) -> String {
    let mut g = format!(
        r#"[tiers.etl.instance_groups.primary]
type = "m5.xlarge"
market = "{primary}"
[tiers.etl.instance_groups.core]
type = "m5.xlarge"
count = {}
market = "{}"
"#,
        core.0, core.1
    );
    if let Some(n) = task {
        g += &format!(
            r#"[tiers.etl.instance_groups.task]
type = "m5.xlarge"
count = {n}
market = "SPOT"
"#
        );
    }
    g
}

/// Spot at 60 % off with no interruption of its own (only `[[node_loss]]`), and an
/// array of `n` containers of 4 vCPUs and 8 GB (one per m5.xlarge node), 30 min each,
/// due by 90 min.
fn work(n: u32) -> String {
    format!(
        r#"[tiers.etl.spot]
price = {{ discount = 0.6 }}
interruption = {{ per_hour = 0 }}
[tiers.etl.jobs]
array_size = {n}
vcpus = 4
memory_gb = 8
run_time = "30m"
attempts = 3
deadline_at = "90m"
"#
    )
}

/// The issue's bill: 1 primary + 2 core (on-demand) + 4 spot task nodes of
/// m5.xlarge for 1 h (terminate_at = "1h"), each billed 3,600 s from the request at
/// 0. EC2: 3 × $0.192 = $0.576 on-demand (aws-facts.md 1.2's catalog price); spot at
/// 40 % of on-demand (the price path starts at 1 - discount and holds for the first
/// day): 4 × $0.0768 = $0.3072. EMR (19.1, 25 % of on-demand: $0.048 per node-hour,
/// whatever the market): 7 × $0.048 = $0.336. Total $1.2192, exact to 1e-6.
#[test]
fn the_issues_cluster_is_billed_by_hand() {
    let s = run(&emr(
        "2h",
        r#"terminate_at = "1h""#,
        &groups("ON_DEMAND", (2, "ON_DEMAND"), Some(4)),
        &work(4),
    ));
    let c = &s.cost_usd;
    assert!((c.on_demand - 0.576).abs() < 1e-6, "{c:?}");
    assert!((c.spot - 0.3072).abs() < 1e-6, "{c:?}");
    assert!((c.emr - 0.336).abs() < 1e-6, "{c:?}");
    assert!((c.total - 1.2192).abs() < 1e-6, "{c:?}");
    // All on-demand: 7 × ($0.192 + $0.048).
    assert!((c.all_on_demand - 1.68).abs() < 1e-6, "{c:?}");
    let e = cluster(&s);
    assert_eq!(e.nodes_launched, 7);
    assert_eq!(e.ended_at_s, Some(3600.0));
    assert_eq!(e.ended_by, "terminate_at");
    assert!((s.instances.instance_hours - 7.0).abs() < 1e-9);
}

/// A cluster that ends 30 s after its request pays EC2's and EMR's one-minute minimum
/// for each of its 3 nodes: EMR 3 × $0.048 × 60 / 3,600 = $0.0024, EC2 3 × $0.192 ×
/// 60 / 3,600 = $0.0096. Its containers, not started (the nodes were still
/// provisioning), fail with the cluster.
#[test]
fn a_thirty_second_cluster_pays_a_minute_of_emr() {
    let s = run(&emr(
        "1h",
        r#"terminate_at = "30s""#,
        &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
        &work(2),
    ));
    assert!((s.cost_usd.emr - 0.0024).abs() < 1e-9, "{:?}", s.cost_usd);
    assert!((s.cost_usd.on_demand - 0.0096).abs() < 1e-9);
    assert_eq!(jobs(&s).jobs_failed, 2);
    assert_eq!(cluster(&s).steps_failed, 1);
}

/// One spot core node and one spot task node (m5.xlarge: one 4-vCPU container
/// each), an array of three 30-min containers c0, c1, c2, nodes ready at 8 min
/// (the provisioning time), HDFS replication 1 (one core node). Without a loss: c0 on
/// the core node and c1 on the task node from 8 to 38 min, c2 on the core node from
/// 38 to 68 min (the step's makespan).
///
/// The task node is lost at 20 min (notice, reclaimed at 22): c1 is cut off after 14
/// min of work (4 vCPUs × 14/60 h = 0.9333 vCPU-h lost), retried at the front of the
/// queue; the group's replacement is ready at 30 min and runs c1 to 60 min; c2 runs
/// on the core node from 38 to 68 min. Nothing was in HDFS on the task node: no rerun
/// for HDFS; makespan 68 min.
///
/// The core node is lost at 40 min (reclaimed at 42): c0 and c1 have finished (38
/// min), their output in HDFS on the core node, its only replica; c2 has run 4 min
/// (0.2667 vCPU-h lost). c2 is retried at the front, and c0 and c1 rerun for HDFS
/// (2 containers, 2 × 4 vCPU × 0.5 h = 4 vCPU-h). At 42 min the task node is free: c2
/// runs there to 72 min; the replacement core node is ready at 50 min and reruns c0
/// to 80 min; c1's rerun takes the task node at 72 min and ends at 102 min: makespan
/// 102 min = 6,120 s. c1 first met its 90-min deadline, its rerun misses it: one
/// miss in three, 66.667 % met (the task node's loss: every container by 68 min).
#[test]
fn a_core_node_loss_reruns_its_hdfs_output_and_a_task_node_loss_does_not() {
    let text = |group: &str| {
        emr(
            "4h",
            "",
            &groups("ON_DEMAND", (1, "SPOT"), Some(1)),
            &format!(
                "{}[[tiers.etl.node_loss]]\ngroup = \"{group}\"\nat = \"{}\"\n",
                work(3),
                if group == "task" { "20m" } else { "40m" }
            ),
        )
    };
    let s = run(&text("task"));
    let (b, e) = (jobs(&s), cluster(&s));
    assert_eq!((e.task_nodes_lost, e.core_nodes_lost), (1, 0));
    assert_eq!(e.containers_rerun_hdfs, 0);
    assert_eq!(e.nodes_launched, 4);
    assert_eq!((b.attempts_interrupted, b.jobs_retried), (1, 1));
    assert!(
        (b.work_lost_vcpu_hours - 4.0 * 14.0 / 60.0).abs() < 1e-6,
        "{b:?}"
    );
    assert_eq!(b.jobs_succeeded, 3);
    assert_eq!(b.makespan_s, Some(68.0 * 60.0));
    assert_eq!(e.steps_completed, 1);
    assert_eq!(b.deadline_misses, 0);

    let s = run(&text("core"));
    let (b, e) = (jobs(&s), cluster(&s));
    assert_eq!((e.task_nodes_lost, e.core_nodes_lost), (0, 1));
    assert_eq!(e.hdfs_replication, 1);
    assert_eq!(e.containers_rerun_hdfs, 2);
    assert!((e.hdfs_work_lost_vcpu_hours - 4.0).abs() < 1e-9, "{e:?}");
    assert_eq!((b.attempts_interrupted, b.jobs_retried), (1, 1));
    assert!(
        (b.work_lost_vcpu_hours - 4.0 * 4.0 / 60.0).abs() < 1e-6,
        "{b:?}"
    );
    // Each container counted once, whatever its reruns.
    assert_eq!(
        (b.jobs_submitted, b.jobs_succeeded, b.jobs_failed),
        (3, 3, 0)
    );
    assert_eq!(b.makespan_s, Some(102.0 * 60.0));
    assert_eq!((e.steps_completed, e.steps_failed), (1, 0));
    assert_eq!(b.deadline_misses, 1);
    assert_eq!(b.deadline_met_percent, Some(66.667));
    assert_eq!(s.requests.completed, 3);
}

/// Two spot core nodes and no task node, three containers: c0 and c1 run from 8 to
/// 38 min, one per core node, c2 on the first core node from 38 min; the first core
/// node is lost at 40 min. With `dfs.replication` 2 every block has a replica on each
/// core node: nothing is lost. With 1 (EMR's default below 4 core nodes) c0's output
/// was on the lost node only (a block's first replica is the writer's node): one
/// rerun, and c1's output, on the other node, survives.
#[test]
fn replication_keeps_hdfs_output_through_a_core_node_loss() {
    let text = |replication: u32| {
        emr(
            "4h",
            &format!("hdfs_replication = {replication}"),
            &groups("ON_DEMAND", (2, "SPOT"), None),
            &format!(
                "{}[[tiers.etl.node_loss]]\ngroup = \"core\"\nat = \"40m\"\n",
                work(3)
            ),
        )
    };
    let s = run(&text(2));
    assert_eq!(cluster(&s).containers_rerun_hdfs, 0);
    assert_eq!(cluster(&s).core_nodes_lost, 1);
    assert_eq!(jobs(&s).attempts_interrupted, 1);
    let s = run(&text(1));
    assert_eq!(cluster(&s).containers_rerun_hdfs, 1);
    assert_eq!(jobs(&s).jobs_succeeded, 3);
}

/// A spot primary node lost at 20 min (reclaimed at 22) ends the cluster (aws-facts.md
/// 19.2): the two running containers and the waiting one fail, the step fails, and
/// no node is replaced; each node is billed its 22 min.
#[test]
fn losing_the_primary_node_ends_the_cluster() {
    let s = run(&emr(
        "2h",
        "",
        &groups("SPOT", (1, "ON_DEMAND"), Some(1)),
        &format!(
            "{}[[tiers.etl.node_loss]]\ngroup = \"primary\"\nat = \"20m\"\n",
            work(3)
        ),
    ));
    let (b, e) = (jobs(&s), cluster(&s));
    assert!(e.primary_lost);
    assert_eq!(e.ended_by, "primary_lost");
    assert_eq!(e.ended_at_s, Some(22.0 * 60.0));
    assert_eq!((b.jobs_failed, b.jobs_succeeded), (3, 0));
    assert_eq!(e.steps_failed, 1);
    assert_eq!(e.nodes_launched, 3);
    // 3 nodes × 22 min of EMR at $0.048/h.
    assert!((s.cost_usd.emr - 3.0 * 0.048 * 22.0 / 60.0).abs() < 1e-9);
}

/// Auto-termination: the step ends at 38 min (ready at 8, 30 min of work); with a
/// 5-minute idle timeout the cluster ends at 43 min, and its nodes are billed 43 min.
/// A second array at 1 h finds no cluster: its containers fail.
#[test]
fn an_idle_cluster_terminates_itself() {
    let mut text = emr(
        "2h",
        "terminate = \"when_idle\"\nidle_timeout = \"5m\"",
        &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
        &work(2),
    );
    text = text.replace(
        "[tiers.etl.jobs]",
        "[[tiers.etl.queue]]\nname = \"late\"\n[tiers.etl.queue.jobs]\narray_size = 2\nat = \"1h\"\nvcpus = 4\nmemory_gb = 8\nrun_time = \"30m\"\n[[tiers.etl.queue]]\nname = \"nightly\"\n[tiers.etl.queue.jobs]",
    );
    let (outcome, rows) = run_with_timeline(&config_from_str(&text));
    let s = &outcome.summary;
    let e = cluster(s);
    assert_eq!(e.ended_by, "idle_timeout");
    assert_eq!(e.ended_at_s, Some(43.0 * 60.0));
    let b = jobs(s);
    assert_eq!((b.jobs_succeeded, b.jobs_failed), (2, 2));
    assert!((s.cost_usd.emr - 3.0 * 0.048 * 43.0 / 60.0).abs() < 1e-9);
    // The timeline's last cost is the bill.
    assert_eq!(rows.last().unwrap().cost_usd, s.cost_usd.total);
    assert!(rows.last().unwrap().jobs.is_some());
}

/// Managed scaling (aws-facts.md 19.5) keeps the core and task nodes within its
/// limits: two on-demand core nodes and an empty spot task group, min 2, max 6 units,
/// at most 2 core; an array of 24 containers of 4 vCPUs (one per m5.xlarge), 30 min
/// each, submitted at 0. At the first evaluation (1 min) 24 wait and the two core
/// nodes still provisioning hold 2: managed scaling adds task nodes (the core nodes
/// are at their maximum) up to 6 units, 4 task nodes, ready at 9 min. Then 6
/// containers run at a time in four waves: the core nodes' from 8 min (the last ends
/// at 128), the task nodes' from 9 (the last at 129 min: makespan 7,740 s). At the
/// 129-minute evaluation the task nodes are idle and removed down to `min_units`:
/// all 4 (or, with min_units = 4, the 2 newest). The bill of the first, by hand over
/// the 3-hour run: EMR $0.048/h × (4 task nodes × 128 min + 3 nodes × 180 min) =
/// $0.8416; on-demand 3 × $0.192 × 3 h = $1.728; spot 4 × $0.0768 × 128/60 h =
/// $0.65536.
#[test]
fn managed_scaling_keeps_the_nodes_within_its_limits() {
    let text = |min: u32| {
        emr(
            "3h",
            "",
            &groups("ON_DEMAND", (2, "ON_DEMAND"), Some(0)),
            &format!(
                "{}[tiers.etl.managed_scaling]\nmin_units = {min}\nmax_units = 6\nmax_core_units = 2\n",
                work(24)
            ),
        )
    };
    let s = run(&text(2));
    let (b, e) = (jobs(&s), cluster(&s));
    assert_eq!(e.nodes_launched, 7);
    assert_eq!(b.peak_vcpus, 24, "6 nodes of 4 vCPUs at most");
    assert_eq!(b.jobs_succeeded, 24);
    assert_eq!(b.makespan_s, Some(129.0 * 60.0));
    assert_eq!(s.instances.terminated, 4);
    let c = &s.cost_usd;
    assert!((c.emr - 0.8416).abs() < 1e-6, "{c:?}");
    assert!((c.on_demand - 1.728).abs() < 1e-6, "{c:?}");
    assert!((c.spot - 0.65536).abs() < 1e-6, "{c:?}");
    let s = run(&text(4));
    assert_eq!(s.instances.terminated, 2);
    assert_eq!(jobs(&s).peak_vcpus, 24);
}

/// Bad input names the file, the line, the key and the value, with exit code 2.
#[test]
fn bad_emr_input_is_refused() {
    let base = |groups: &str, rest: &str| emr("1h", "", groups, &format!("{}{rest}", work(2)));
    let no_primary = groups("ON_DEMAND", (2, "ON_DEMAND"), None).replace(
        "[tiers.etl.instance_groups.primary]\ntype = \"m5.xlarge\"\nmarket = \"ON_DEMAND\"\n",
        "",
    );
    assert_rejected(&base(&no_primary, ""), "tiers.etl.instance_groups.primary");
    let e = assert_rejected(
        &base(&groups("ON_DEMAND", (0, "ON_DEMAND"), None), ""),
        "tiers.etl.instance_groups.core.count = 0",
    );
    assert!(e.contains("bad.toml:14:"), "{e}");
    let e = assert_rejected(
        &base(&groups("ON_DEMAND", (2, "RESERVED"), None), ""),
        "tiers.etl.instance_groups.core.market",
    );
    assert!(e.contains("RESERVED"), "{e}");
    assert_rejected(
        &emr(
            "1h",
            "hdfs_replication = 3",
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
            &work(2),
        ),
        "tiers.etl.emr.hdfs_replication = 3",
    );
    assert_rejected(
        &emr(
            "1h",
            "idle_timeout = \"30s\"",
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
            &work(2),
        ),
        "tiers.etl.emr.idle_timeout = \"30s\"",
    );
    assert_rejected(
        &base(
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
            "[[tiers.etl.node_loss]]\ngroup = \"core\"\nat = \"10m\"\n",
        ),
        "tiers.etl.node_loss[0].group",
    );
    assert_rejected(
        &base(
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None).replace("m5.xlarge", "m5.huge"),
            "",
        ),
        "m5.huge",
    );
    let scaling = |limits: &str| {
        base(
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
            &format!("[tiers.etl.managed_scaling]\n{limits}\n"),
        )
    };
    let e = assert_rejected(
        &scaling("min_units = 4\nmax_units = 3"),
        "tiers.etl.managed_scaling.max_units = 3",
    );
    assert!(e.contains("min_units (4)"), "{e}");
    assert_rejected(
        &scaling("min_units = 1"),
        "tiers.etl.managed_scaling.max_units",
    );
    assert_rejected(
        &scaling("min_units = 1\nmax_units = 4\nmax_core_units = 1"),
        "tiers.etl.instance_groups.core.count = 2",
    );
    // A container no core or task node holds.
    let e = assert_rejected(
        &base(&groups("ON_DEMAND", (2, "ON_DEMAND"), None), "").replace("vcpus = 4", "vcpus = 8"),
        "tiers.etl.jobs.vcpus = 8",
    );
    assert!(e.contains("holds this job"), "{e}");
    // An emr tier's tables on another kind, and a batch tier's compute on an emr tier.
    assert_rejected(
        &base(
            &groups("ON_DEMAND", (2, "ON_DEMAND"), None),
            "[tiers.etl.compute]\nmax_vcpus = 4\n",
        ),
        "tiers.etl.compute",
    );
}

/// The same seed gives the same summary; spot interruptions drawn from a rate lose
/// nodes, and every container is accounted for.
#[test]
fn an_emr_run_with_spot_interruptions_is_deterministic_and_conserves_containers() {
    let text = emr(
        "12h",
        "",
        &groups("ON_DEMAND", (2, "SPOT"), Some(4)),
        r#"[tiers.etl.spot]
interruption = { per_hour = 0.5 }
[tiers.etl.jobs]
array_size = 60
vcpus = 2
memory_gb = 4
run_time = "20m"
attempts = 10
"#,
    );
    let a = run(&text);
    let b = run(&text);
    assert_eq!(a, b);
    let (j, e) = (jobs(&a), cluster(&a));
    assert!(e.core_nodes_lost + e.task_nodes_lost > 0, "{e:?}");
    assert_eq!(
        j.jobs_submitted,
        j.jobs_succeeded + j.jobs_failed + j.queued_at_end + j.running_at_end
    );
    assert_eq!(
        e.steps_submitted,
        e.steps_completed + e.steps_failed + e.steps_unfinished
    );
    assert_eq!(
        e.nodes_launched,
        7 + e.core_nodes_lost + e.task_nodes_lost,
        "every lost node is replaced"
    );
}
