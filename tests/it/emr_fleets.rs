//! EMR instance fleets (issue 16, aws-facts.md 19.4): a weighted fleet's
//! provisioning counted by hand, a fleets cluster's bill by hand, the spot
//! provisioning timeout (SWITCH_TO_ON_DEMAND, TERMINATE_CLUSTER) timed by hand, a
//! reclaimed spot node replaced, and bad input through the real binary.

use crate::common::{assert_rejected, config_from_str};
use simcloud::model::{EmrSummary, FleetSummary, Summary, simulate};

/// A run of one emr tier `etl` with a primary fleet (one on-demand c5.xlarge), a
/// core fleet (two on-demand c5.xlarge, weight 1), the task fleet `task` and the
/// tables `rest` (before the tier's). Spot at 60 % off with no interruption of its
/// own; two 30-min containers of 4 vCPUs; the cluster ends at 1 h.
fn fleets(task: &str, rest: &str) -> String {
    format!(
        r#"
name = "emr-fleets-test"
duration = "2h"
seed = 1
{rest}
[tiers.etl]
kind = "emr"
[tiers.etl.emr]
terminate_at = "1h"
[tiers.etl.instance_fleets.primary]
target_on_demand_capacity = 1
[[tiers.etl.instance_fleets.primary.instance_types]]
type = "c5.xlarge"
[tiers.etl.instance_fleets.core]
target_on_demand_capacity = 2
[[tiers.etl.instance_fleets.core.instance_types]]
type = "c5.xlarge"
{task}
[tiers.etl.spot]
price = {{ discount = 0.6 }}
interruption = {{ per_hour = 0 }}
[tiers.etl.jobs]
array_size = 2
vcpus = 4
memory_gb = 4
run_time = "30m"
"#
    )
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

fn cluster(s: &Summary) -> &EmrSummary {
    s.emr.as_ref().expect("an emr tier's cluster")
}

fn task_fleet(s: &Summary) -> &FleetSummary {
    let f = &cluster(s).fleets[2];
    assert_eq!(f.role, "task");
    f
}

/// A task fleet of c5.xlarge (weight 4, $0.17/h) and m5.xlarge (weight 8,
/// $0.192/h), the given targets and spot allocation strategy.
fn weighted_task(on_demand: u32, spot: u32, strategy: &str) -> String {
    format!(
        r#"[tiers.etl.instance_fleets.task]
target_on_demand_capacity = {on_demand}
target_spot_capacity = {spot}
spot_specification = {{ allocation_strategy = "{strategy}" }}
[[tiers.etl.instance_fleets.task.instance_types]]
type = "c5.xlarge"
weighted_capacity = 4
[[tiers.etl.instance_fleets.task.instance_types]]
type = "m5.xlarge"
weighted_capacity = 8
"#
    )
}

/// On-demand lowest-price, per unit: c5.xlarge $0.17 / 4 = $0.0425, m5.xlarge
/// $0.192 / 8 = $0.024, so m5.xlarge until the 20 units are met: 8, 16, 24 — three
/// instances, 24 units, an overshoot of 4 (< the largest weight, 8). Spot
/// lowest-price at 40 % of on-demand: $0.017 against $0.0096 per unit, m5.xlarge
/// again: a spot target of 12 takes two (16 units). Per unit at 60 % off with
/// weight 1 on c5.xlarge instead, c5.xlarge ($0.068 per unit) would lose to
/// m5.xlarge's $0.0096: the choice is per unit, not per instance.
#[test]
fn a_fleet_of_weights_4_and_8_meets_a_target_of_20_units_as_counted_by_hand() {
    let s = run(&fleets(&weighted_task(20, 12, "lowest-price"), ""));
    let f = task_fleet(&s);
    assert_eq!((f.target_on_demand_units, f.target_spot_units), (20, 12));
    assert_eq!((f.on_demand_units, f.spot_units), (24, 16));
    assert!(f.on_demand_units - 20 < 8 && f.spot_units - 12 < 8);
    let m5 = f.instances["m5.xlarge"];
    assert_eq!((m5.on_demand, m5.spot), (3, 2));
    assert!(!f.instances.contains_key("c5.xlarge"), "{f:?}");
    assert_eq!(f.provisioned_at_s, Some(0.0));
    assert_eq!(f.timeout_action_fired, "");
    // The primary and core fleets: 1 and 2 on-demand c5.xlarge.
    let e = cluster(&s);
    assert_eq!(e.fleets[0].instances["c5.xlarge"].on_demand, 1);
    assert_eq!(e.fleets[1].instances["c5.xlarge"].on_demand, 2);
    assert_eq!(e.nodes_launched, 1 + 2 + 3 + 2);
}

/// The bill of a fleets cluster for 1 h (requested at 0, terminate_at 1 h): a task
/// fleet of spot target 20 by capacity-optimized (every pool's hazard is 0, so the
/// tie goes to the lower spot price per unit: m5.xlarge, as above): three spot
/// m5.xlarge. EC2 on-demand: primary + 2 core c5.xlarge = 3 × $0.17 = $0.51; spot:
/// 3 × $0.192 × 0.4 = $0.2304; EMR (19.1, 25 % of on-demand per node-hour, whatever
/// the market): 3 × $0.0425 + 3 × $0.048 = $0.2715. Total $1.0119, exact to 1e-6.
#[test]
fn a_fleets_cluster_is_billed_by_hand() {
    let s = run(&fleets(&weighted_task(0, 20, "capacity-optimized"), ""));
    let c = &s.cost_usd;
    assert!((c.on_demand - 0.51).abs() < 1e-6, "{c:?}");
    assert!((c.spot - 0.2304).abs() < 1e-6, "{c:?}");
    assert!((c.emr - 0.2715).abs() < 1e-6, "{c:?}");
    assert!((c.total - 1.0119).abs() < 1e-6, "{c:?}");
    let f = task_fleet(&s);
    assert_eq!(f.instances["m5.xlarge"].spot, 3);
    assert_eq!(f.spot_units, 24);
}

/// A task fleet of m5.xlarge (weight 4), spot target 8, with its spot timeout.
fn spot_task(bid: u32, timeout: &str, action: &str) -> String {
    format!(
        r#"[tiers.etl.instance_fleets.task]
target_spot_capacity = 8
spot_specification = {{ timeout_duration = "{timeout}", timeout_action = "{action}" }}
[[tiers.etl.instance_fleets.task.instance_types]]
type = "m5.xlarge"
weighted_capacity = 4
bid_price_as_percentage_of_on_demand_price = {bid}
"#
    )
}

/// Spot at 40 % of on-demand never meets a 30 % maximum price: no spot node
/// launches, the fleet retries every minute, and at the 20-min timeout
/// SWITCH_TO_ON_DEMAND provisions the 8 missing units on-demand: two m5.xlarge
/// from 1,200 s. Bill: EC2 on-demand 3 c5.xlarge × $0.17 + 2 × $0.192 × 40/60 =
/// $0.51 + $0.256 = $0.766; EMR 3 × $0.0425 + 2 × $0.048 × 40/60 = $0.1275 + $0.064
/// = $0.1915; no spot.
#[test]
fn a_spot_target_switches_to_on_demand_at_its_timeout() {
    let s = run(&fleets(&spot_task(30, "20m", "SWITCH_TO_ON_DEMAND"), ""));
    let f = task_fleet(&s);
    assert_eq!(f.timeout_action_fired, "SWITCH_TO_ON_DEMAND");
    assert_eq!(f.spot_units_as_on_demand, 8);
    assert_eq!((f.on_demand_units, f.spot_units), (8, 0));
    assert_eq!(f.provisioned_at_s, Some(1200.0));
    let m5 = f.instances["m5.xlarge"];
    assert_eq!((m5.on_demand, m5.spot), (2, 0));
    let c = &s.cost_usd;
    assert!((c.on_demand - 0.766).abs() < 1e-6, "{c:?}");
    assert!(c.spot.abs() < 1e-12, "{c:?}");
    assert!((c.emr - 0.1915).abs() < 1e-6, "{c:?}");
    assert_eq!(cluster(&s).ended_by, "terminate_at");
}

/// m5.xlarge is short of capacity in the cluster's zone (`[[capacity_shortage]]`,
/// zone "a") for the first `to`; the task fleet has only that type.
fn shortage(to: &str) -> String {
    format!(
        "[network]\nzones = [\"a\"]\n[[capacity_shortage]]\npool = \"m5.xlarge\"\nzone = \"a\"\nfrom = \"0s\"\nto = \"{to}\"\n"
    )
}

/// A shortage through the 10-min timeout: TERMINATE_CLUSTER ends the cluster at
/// 600 s, its three c5.xlarge billed 600 s: EC2 3 × $0.17 / 6 = $0.085, EMR
/// 3 × $0.0425 / 6 = $0.02125. A shortage over at 5 min: the fleet's retry at
/// 300 s (every minute from 0) launches both spot nodes; the timeout does not fire.
#[test]
fn a_spot_shortage_past_the_timeout_terminates_the_cluster() {
    let s = run(&fleets(
        &spot_task(100, "10m", "TERMINATE_CLUSTER"),
        &shortage("2h"),
    ));
    let e = cluster(&s);
    assert_eq!(e.ended_at_s, Some(600.0));
    assert_eq!(e.ended_by, "spot_timeout");
    assert_eq!(task_fleet(&s).timeout_action_fired, "TERMINATE_CLUSTER");
    assert_eq!(task_fleet(&s).provisioned_at_s, None);
    assert!(
        (s.cost_usd.on_demand - 0.085).abs() < 1e-6,
        "{:?}",
        s.cost_usd
    );
    assert!((s.cost_usd.emr - 0.02125).abs() < 1e-6, "{:?}", s.cost_usd);

    let s = run(&fleets(
        &spot_task(100, "10m", "TERMINATE_CLUSTER"),
        &shortage("5m"),
    ));
    let f = task_fleet(&s);
    assert_eq!(f.timeout_action_fired, "");
    assert_eq!(f.provisioned_at_s, Some(300.0));
    assert_eq!(f.instances["m5.xlarge"].spot, 2);
    assert_eq!(cluster(&s).ended_by, "terminate_at");
}

/// The task fleet's two spot m5.xlarge (8 units); EC2 reclaims one (notice at
/// 20 min, reclaimed 2 min later): EMR replaces its units with a third spot node
/// (19.3), so the fleet launched three and ends with its 8 units.
#[test]
fn a_reclaimed_spot_node_of_a_fleet_is_replaced() {
    let text = fleets(&spot_task(100, "10m", "SWITCH_TO_ON_DEMAND"), "")
        + "[[tiers.etl.node_loss]]\ngroup = \"task\"\nat = \"20m\"\n";
    let s = run(&text);
    let e = cluster(&s);
    assert_eq!(e.task_nodes_lost, 1);
    let f = task_fleet(&s);
    assert_eq!(f.nodes_reclaimed, 1);
    assert_eq!(f.instances["m5.xlarge"].spot, 3);
    assert_eq!(f.spot_units, 8);
    assert_eq!(f.timeout_action_fired, "");
    assert_eq!(e.nodes_launched, 1 + 2 + 3);
}

#[test]
fn bad_fleet_input_is_refused() {
    let task = weighted_task(0, 20, "capacity-optimized");
    let base = fleets(&task, "");
    // Groups and fleets both.
    let both = base.replace(
        "[tiers.etl.instance_fleets.primary]",
        "[tiers.etl.instance_groups.primary]\ntype = \"c5.xlarge\"\n[tiers.etl.instance_fleets.primary]",
    );
    let e = assert_rejected(&both, "tiers.etl.instance_fleets");
    assert!(e.contains("not both"), "{e}");
    let e = assert_rejected(
        &base.replacen(
            "target_on_demand_capacity = 1",
            "target_on_demand_capacity = 2",
            1,
        ),
        "tiers.etl.instance_fleets.primary.target_on_demand_capacity = 2",
    );
    assert!(e.contains("bad.toml:11:"), "{e}");
    let e = assert_rejected(
        &base.replace("weighted_capacity = 8", "weighted_capacity = 0"),
        "tiers.etl.instance_fleets.task.instance_types[1].weighted_capacity = 0",
    );
    assert!(e.contains("bad.toml:27:"), "{e}");
    let e = assert_rejected(
        &fleets(&spot_task(100, "2m", "SWITCH_TO_ON_DEMAND"), ""),
        "tiers.etl.instance_fleets.task.spot_specification.timeout_duration = \"2m\"",
    );
    assert!(e.contains("between 5m and 1d"), "{e}");
    let e = assert_rejected(
        &fleets(&weighted_task(0, 20, "cheapest"), ""),
        "tiers.etl.instance_fleets.task.spot_specification.allocation_strategy",
    );
    assert!(e.contains("cheapest"), "{e}");
    let e = assert_rejected(
        &fleets(&weighted_task(0, 20, "diversified"), ""),
        "tiers.etl.instance_fleets.task.spot_specification.allocation_strategy = \"diversified\"",
    );
    assert!(e.contains("not built"), "{e}");
    let no_types = fleets(
        "[tiers.etl.instance_fleets.task]\ntarget_spot_capacity = 4\n",
        "",
    );
    let e = assert_rejected(&no_types, "tiers.etl.instance_fleets.task.instance_types");
    assert!(e.contains("at least one instance type"), "{e}");
    let e = assert_rejected(
        &(base.clone() + "[tiers.etl.managed_scaling]\nmin_units = 1\nmax_units = 4\n"),
        "tiers.etl.managed_scaling",
    );
    assert!(e.contains("not built with instance fleets"), "{e}");
    assert_rejected(
        &fleets(&spot_task(0, "10m", "SWITCH_TO_ON_DEMAND"), ""),
        "bid_price_as_percentage_of_on_demand_price = 0",
    );
    let e = assert_rejected(
        &fleets(&spot_task(100, "10m", "RETRY"), ""),
        "tiers.etl.instance_fleets.task.spot_specification.timeout_action",
    );
    assert!(e.contains("RETRY"), "{e}");
}

/// Same scenario and seed, same summary, with spot interruptions drawn from a rate
/// and replacements.
#[test]
fn a_fleets_run_is_deterministic() {
    let text = fleets(&weighted_task(4, 20, "price-capacity-optimized"), "")
        .replace("per_hour = 0", "per_hour = 2");
    let a = run(&text);
    let b = run(&text);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert!(task_fleet(&a).nodes_reclaimed > 0, "{:?}", task_fleet(&a));
}
