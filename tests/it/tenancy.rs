//! Tenancy and capacity purchases end to end (issue 16): Dedicated Hosts, Dedicated
//! Instances and their per-Region fee, On-Demand Capacity Reservations and Scheduled
//! Reserved Instances, each with a bill computed by hand (aws-facts.md 20.1-20.4), and
//! the errors for bad tenancy settings.

use crate::common::{assert_rejected, config_from_str, run_with_timeline};
use simcloud::model::RunOutcome;

/// A fixed fleet of `count` m5.large ($0.096/h) that runs from t = 0 to the end, with
/// a free load balancer and little traffic, and `purchase` as the `[purchase]` keys.
fn fixed_fleet(duration: &str, count: u32, purchase: &str) -> String {
    format!(
        r#"
duration = "{duration}"
[traffic]
rate = 1
[service]
time = "10ms"
[instance]
type = "m5.large"
[autoscaling]
min = {count}
max = {count}
[load_balancer]
price_per_hour = 0
price_per_lcu_hour = 0
{purchase}
"#
    )
}

fn run(text: &str) -> RunOutcome {
    let config = config_from_str(text);
    let (outcome, rows) = run_with_timeline(&config);
    // The lines of cost.csv add up to the total, and the (entry tier's) timeline
    // never decreases and ends at its bill.
    let lines: f64 = outcome.cost_items.iter().map(|i| i.cost_usd).sum();
    assert!(
        (lines - outcome.summary.cost_usd.total).abs() < 1e-6,
        "lines {lines} vs {:?}",
        outcome.summary.cost_usd
    );
    assert!(
        rows.windows(2)
            .all(|w| w[1].cost_usd >= w[0].cost_usd - 1e-9)
    );
    let entry = match outcome.summary.tiers.first() {
        Some(tier) => &tier.cost_usd,
        None => &outcome.summary.cost_usd,
    };
    assert_eq!(rows.last().unwrap().cost_usd, entry.total);
    outcome
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// One M5 Dedicated Host ($5.069/h, aws-facts.md 20.1) for 3 h holding 4 m5.large:
/// the host is billed per second for the whole run, 3 × 5.069 = $15.207, and the
/// instances on it nothing.
#[test]
fn a_dedicated_host_for_three_hours_bills_the_host_only() {
    let text = fixed_fleet(
        "3h",
        4,
        "[purchase]\ntenancy = \"host\"\n[purchase.hosts]\ncount = 1\n",
    );
    let o = run(&text);
    let c = &o.summary.cost_usd;
    assert!(close(c.dedicated, 15.207), "{c:?}");
    assert_eq!(c.on_demand, 0.0);
    assert!(close(c.total, 15.207), "{c:?}");
    let on_host: Vec<_> = (o.cost_items.iter())
        .filter(|i| i.item == "instance_on_dedicated_host")
        .collect();
    assert_eq!(on_host.len(), 4);
    assert!(
        on_host
            .iter()
            .all(|i| i.cost_usd == 0.0 && i.quantity == 10_800.0)
    );
}

/// Two Dedicated Instances for 90 minutes: each at the dedicated rate, 10 % above
/// shared (0.096 × 1.1 = $0.1056/h), 2 × 1.5 h × 0.1056 = $0.3168; and the per-Region
/// fee of $2 for each clock hour in which a dedicated instance runs (20.2): the run
/// touches hours 0 and 1, $4. Total $4.3168.
#[test]
fn dedicated_instances_pay_the_uplift_and_the_region_fee_per_clock_hour() {
    let text = fixed_fleet("90m", 2, "[purchase]\ntenancy = \"dedicated\"\n");
    let o = run(&text);
    let c = &o.summary.cost_usd;
    assert!(close(c.on_demand, 0.3168), "{c:?}");
    assert!(close(c.dedicated, 4.0), "{c:?}");
    assert!(close(c.total, 4.3168), "{c:?}");
    let fee_hours = (o.cost_items.iter())
        .filter(|i| i.item == "dedicated_region_hour")
        .count();
    assert_eq!(fee_hours, 2);
}

/// The Region's fee is paid once an hour, however many tiers run dedicated
/// instances: two tiers of one dedicated instance each for 1 h pay $2, not $4, on
/// the entry tier's bill.
#[test]
fn the_region_fee_is_paid_once_across_tiers() {
    let tier = |name: &str, entry: bool| {
        format!(
            r#"
[tiers.{name}]
kind = "ec2"
entry = {entry}
[tiers.{name}.service]
time = "1ms"
[tiers.{name}.instance]
type = "m5.large"
[tiers.{name}.autoscaling]
min = 1
max = 1
[tiers.{name}.load_balancer]
price_per_hour = 0
price_per_lcu_hour = 0
[tiers.{name}.purchase]
tenancy = "dedicated"
"#
        )
    };
    let text = format!(
        "duration = \"1h\"\n[traffic]\nrate = 1\n{}{}",
        tier("web", true),
        tier("api", false)
    );
    let o = run(&text);
    let c = &o.summary.cost_usd;
    assert!(close(c.dedicated, 2.0), "{c:?}");
    assert!(close(c.on_demand, 2.0 * 0.1056), "{c:?}");
    assert!(close(o.summary.tiers[0].cost_usd.dedicated, 2.0));
    assert_eq!(o.summary.tiers[1].cost_usd.dedicated, 0.0);
}

/// A capacity reservation of 4 m5.large for 2 h with 2 instances running: billed at
/// the on-demand rate whether used or not (20.4), 4 × 0.096 × 2 = $0.768; the 2
/// instances pay their own usage, $0.384, which is the reservation's used half, and
/// the unused half is the `capacity_reservation` part, $0.384.
#[test]
fn a_half_used_capacity_reservation_costs_its_whole_count() {
    let text = fixed_fleet(
        "2h",
        2,
        "[[purchase.capacity_reservation]]\ntype = \"m5.large\"\ncount = 4\n",
    );
    let o = run(&text);
    let c = &o.summary.cost_usd;
    assert!(close(c.on_demand, 0.384), "{c:?}");
    assert!(close(c.capacity_reservation, 0.384), "{c:?}");
    assert!(close(c.total, 0.768), "{c:?}");
}

/// A Scheduled Reserved Instance purchase of 2 m5.large at $0.06/h for 08:00-16:00
/// every day, over a 24 h run of 2 instances (20.3): 8 scheduled hours × $0.06 × 2 =
/// $0.96, and the instances are covered in the window; outside it they are
/// on-demand, 16 h × 2 × 0.096 = $3.072. Total $4.032.
#[test]
fn a_scheduled_reservation_bills_and_covers_its_window_only() {
    let text = fixed_fleet(
        "24h",
        2,
        r#"[[purchase.scheduled_reserved]]
type = "m5.large"
count = 2
hourly_usd = 0.06
schedule = { start = "08:00", hours = 8 }
"#,
    );
    let o = run(&text);
    let c = &o.summary.cost_usd;
    assert!(close(c.reserved, 0.96), "{c:?}");
    assert!(close(c.on_demand, 3.072), "{c:?}");
    assert!(close(c.total, 4.032), "{c:?}");
    let fees = (o.cost_items.iter())
        .filter(|i| i.item == "scheduled_reserved_fee")
        .count();
    assert_eq!(fees, 8);
    assert!(close(o.summary.commitments.reserved_utilization, 1.0));
}

/// The keys print back as they were read.
#[test]
fn tenancy_keys_round_trip() {
    for purchase in [
        "[purchase]\ntenancy = \"host\"\n[purchase.hosts]\ncount = 1\nfamily = \"m5\"\n",
        "[purchase]\ntenancy = \"dedicated\"\n[[purchase.capacity_reservation]]\ntype = \"m5.large\"\ncount = 2\nfrom = \"10m\"\nto = \"1h\"\n",
        "[[purchase.scheduled_reserved]]\ntype = \"m5.large\"\ncount = 1\nschedule = { start = \"20:00\", hours = 6, days = [\"mon\", \"fri\"] }\n",
    ] {
        let config = config_from_str(&fixed_fleet("2h", 2, purchase));
        let printed = simcloud::scenario::resolved_toml(&config, &[]).unwrap();
        let again = config_from_str(&printed);
        assert_eq!(
            format!("{:?}", again.entry().purchase),
            format!("{:?}", config.entry().purchase),
            "{printed}"
        );
    }
}

/// A group whose `max` is more than its hosts hold: an M5 host holds 24 m5.xlarge
/// (48 cores, 2 each).
#[test]
fn a_group_larger_than_its_hosts_is_rejected() {
    let text = GOOD_HOSTS.replace("max = 24", "max = 30");
    let err = assert_rejected(&text, "autoscaling.max = 30");
    assert!(err.contains("24"), "{err}");
    // As written, it fits.
    config_from_str(GOOD_HOSTS);
}

const GOOD_HOSTS: &str = r#"
duration = "10m"
[traffic]
rate = 1
[instance]
type = "m5.xlarge"
[autoscaling]
min = 1
max = 24
[purchase]
tenancy = "host"
[purchase.hosts]
count = 1
"#;

#[test]
fn an_unknown_host_family_is_rejected() {
    let text = GOOD_HOSTS.replace("count = 1", "count = 1\nfamily = \"x9\"");
    assert_rejected(&text, "purchase.hosts.family = \"x9\"");
    let text = GOOD_HOSTS.replace("count = 1", "count = 1\nfamily = \"r5\"");
    assert_rejected(&text, "purchase.hosts.family = \"r5\"");
}

/// Tenancy is an EC2 instance's: a fargate or lambda tier has no `[purchase]`.
#[test]
fn tenancy_on_fargate_or_lambda_tiers_is_rejected() {
    let fargate = r#"
duration = "10m"
[traffic]
rate = 1
[tiers.app]
kind = "fargate"
service = { time = "10ms" }
[tiers.app.purchase]
tenancy = "dedicated"
"#;
    assert_rejected(fargate, "tiers.app.purchase");
    let lambda = r#"
duration = "10m"
[traffic]
rate = 1
[tiers.fn]
kind = "lambda"
service = { time = "10ms" }
[tiers.fn.purchase]
tenancy = "dedicated"
"#;
    assert_rejected(lambda, "tiers.fn.purchase");
}

#[test]
fn other_bad_tenancy_settings_are_rejected() {
    let base = fixed_fleet("1h", 1, "");
    assert_rejected(
        &format!("{base}[purchase]\ntenancy = \"host\"\n"),
        "purchase.tenancy = \"host\"",
    );
    assert_rejected(
        &format!("{base}[purchase]\ntenancy = \"dedicated\"\non_demand_percent_above_base = 50\n"),
        "purchase.tenancy",
    );
    assert_rejected(
        &format!(
            "{base}[[purchase.scheduled_reserved]]\ntype = \"m5.large\"\ncount = 1\nschedule = {{ start = \"08:30\", hours = 8 }}\n"
        ),
        "purchase.scheduled_reserved[0].schedule.start",
    );
    assert_rejected(
        &format!(
            "{base}[[purchase.scheduled_reserved]]\ntype = \"m5.large\"\ncount = 1\nterm = \"3y\"\nschedule = {{ start = \"08:00\", hours = 8 }}\n"
        ),
        "purchase.scheduled_reserved[0].term",
    );
    assert_rejected(
        &format!(
            "{base}[[purchase.capacity_reservation]]\ntype = \"m5.large\"\ncount = 1\nfrom = \"2h\"\nto = \"1h\"\n"
        ),
        "purchase.capacity_reservation[0].to",
    );
}

/// At run time the hosts refuse an instance beyond their slots, as EC2 refuses a
/// launch short of capacity: an immutable deployment of a group that fills its one
/// M5 host (24 m5.xlarge) cannot launch its extra instances beside the old ones, so
/// its launches fail and no more than 24 instances ever run at once (aws-facts.md
/// 20.1).
#[test]
fn a_full_host_refuses_a_deployments_extra_instances() {
    let text = GOOD_HOSTS.replace("min = 1", "min = 24").replace(
        "[purchase]",
        "[[deployment]]\nat = \"2m\"\npolicy = \"immutable\"\ndeploy_time = \"30s\"\n[purchase]",
    );
    let (o, rows) = run_with_timeline(&config_from_str(&text));
    let i = &o.summary.instances;
    assert!(i.failed_launches > 0, "{i:?}");
    assert!(i.peak_in_service <= 24, "{i:?}");
    assert!(
        rows.iter()
            .all(|r| r.in_service_on_demand + r.pending_on_demand <= 24)
    );
    assert_eq!(o.summary.cost_usd.on_demand, 0.0);
}
