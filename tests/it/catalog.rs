//! The instance catalog (issue 16): the built-in types against aws-facts.md, `simcloud
//! catalog` and its filters, per-type CPU speed (a request's time divided by it, which
//! round robin ignores and least outstanding requests adapts to), and prices read
//! from an AWS Price List offer file (`[pricing] offer_file`).
//!
//! `tests/fixtures/ec2-offer-excerpt.csv` was written for these tests: the preamble and
//! header of aws-facts.md 22.2 (the EC2 CSV as AWS publishes it) and a dozen rows of a
//! made-up eu-west-1 excerpt (SKUs `TST0…`, illustrative prices). Kept: m5.large
//! $0.107 (line 7), c5.large $0.096 (15), m6g.large $0.086 (16, Graviton2), x1.32xlarge
//! $16.006 (17, memory "1,952 GiB"). Skipped, each for one reason: Windows $0.203,
//! Dedicated $0.118, a Reserved hourly rate $0.067 and its upfront fee, an unused
//! capacity reservation, Linux with SQL Web, RHEL, and T3 CPU credits.

use crate::common::{config_from_str, root, simcloud, write_file};
use crate::validation::erlang_c;
use simcloud::model::{Config, RunOutcome, simulate};
use std::path::PathBuf;

fn fixture() -> PathBuf {
    root().join("tests/fixtures/ec2-offer-excerpt.csv")
}

fn run(config: &Config) -> RunOutcome {
    simulate(config, &mut |_| {})
}

/// `simcloud catalog ARGS` as CSV rows (header first), asserting success.
fn catalog_csv(args: &[&str]) -> Vec<Vec<String>> {
    let output = simcloud()
        .arg("catalog")
        .args(args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    csv::Reader::from_reader(output.stdout.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// `simcloud ARGS` exits 2; its stderr.
fn fails_with_2(args: &[&str]) -> String {
    let output = simcloud().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Prices, vCPU and memory typed from aws-facts.md (1.2 for the first types simcloud
/// had, 20.6 for the families of the course notes), checked against what `simcloud
/// catalog` lists: the catalog must say what the facts say.
#[test]
fn catalog_prices_match_the_facts_file() {
    let rows = catalog_csv(&[]);
    let find = |name: &str| {
        rows.iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} is not in the catalog"))
    };
    // (type, vCPU, GiB, $/h, architecture)
    for (name, vcpu, gib, price, arch) in [
        ("t3.micro", 2, 1.0, 0.0104, "x86_64"),         // 1.2
        ("m5.large", 2, 8.0, 0.096, "x86_64"),          // 1.2
        ("c5.xlarge", 4, 8.0, 0.17, "x86_64"),          // 1.2
        ("m7g.large", 2, 8.0, 0.0816, "arm64"),         // 1.2
        ("a1.medium", 1, 2.0, 0.0255, "arm64"),         // 20.6
        ("t2.micro", 1, 1.0, 0.0116, "x86_64"),         // 20.6
        ("m4.large", 2, 8.0, 0.10, "x86_64"),           // 20.6
        ("c4.large", 2, 3.75, 0.10, "x86_64"),          // 20.6
        ("r4.xlarge", 4, 30.5, 0.266, "x86_64"),        // 20.6
        ("x1.32xlarge", 128, 1952.0, 13.338, "x86_64"), // 20.6
        ("p2.8xlarge", 32, 488.0, 7.20, "x86_64"),      // 20.6
        ("p3.2xlarge", 8, 61.0, 3.06, "x86_64"),        // 20.6
        ("g3s.xlarge", 4, 30.5, 0.75, "x86_64"),        // 20.6
        ("g4dn.xlarge", 4, 16.0, 0.526, "x86_64"),      // 20.6
        ("i3.large", 2, 15.25, 0.156, "x86_64"),        // 20.6
        ("d2.2xlarge", 8, 61.0, 1.38, "x86_64"),        // 20.6
        ("h1.4xlarge", 16, 64.0, 0.936, "x86_64"),      // 20.6
        ("t3a.medium", 2, 4.0, 0.0376, "x86_64"),       // second-hand
        ("t4g.large", 2, 8.0, 0.0672, "arm64"),         // second-hand
    ] {
        let r = find(name);
        assert_eq!(r[3], vcpu.to_string(), "{name} vCPU");
        assert_eq!(r[4].parse::<f64>().unwrap(), gib, "{name} memory");
        assert_eq!(r[5].parse::<f64>().unwrap(), price, "{name} price");
        assert_eq!(r[2], arch, "{name} architecture");
        let per_vcpu: f64 = r[6].parse().unwrap();
        assert!(
            (per_vcpu - price / f64::from(vcpu)).abs() < 1e-6,
            "{name} $/vCPU-h"
        );
        assert!(
            r[8].starts_with("aws-facts.md")
                || name == "m5a.large"
                || (r[8].starts_with("second-hand") && matches!(&r[1][..], "t3a" | "t4g")),
            "{name} source"
        );
    }
    // Every family the course notes name (aws-facts.md 20.6) has a size.
    let families: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    for family in [
        "a1", "t2", "t3", "m4", "m5", "c4", "c5", "r4", "r5", "x1", "p2", "p3", "g3", "g4dn", "i3",
        "d2", "h1",
    ] {
        assert!(families.contains(&family), "no {family} type");
    }
    // The reference and the previous generation's clocks (module doc of catalog.rs):
    // m5 1.0; m4 2.4 GHz / 3.1 GHz = 0.77; c4 2.9 / 3.1 = 0.94; x1 2.3 / 3.1 = 0.74.
    for (name, speed) in [
        ("m5.large", 1.0),
        ("m4.large", 0.77),
        ("c4.large", 0.94),
        ("x1.16xlarge", 0.74),
    ] {
        assert_eq!(find(name)[7].parse::<f64>().unwrap(), speed, "{name} speed");
    }
}

#[test]
fn catalog_filters_sort_and_print_a_table() {
    let names = |rows: &[Vec<String>]| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    // Repeated and comma-separated families; within a family by size.
    let rows = catalog_csv(&["--family", "m5", "--family", "c4,T3"]);
    assert_eq!(
        names(&rows),
        [
            "c4.large",
            "c4.xlarge",
            "m5.large",
            "m5.xlarge",
            "t3.micro",
            "t3.medium",
            "t3.large"
        ]
    );
    assert_eq!(
        names(&catalog_csv(&["--min-vcpu", "64"])),
        ["x1.16xlarge", "x1.32xlarge"]
    );
    assert_eq!(
        names(&catalog_csv(&["--max-price", "0.012"])),
        ["t2.micro", "t3.micro"]
    );
    let big = catalog_csv(&["--min-memory", "400", "--max-price", "8"]);
    assert_eq!(names(&big), ["p2.8xlarge", "x1.16xlarge"]);
    assert!(catalog_csv(&["--min-vcpu", "1000"]).is_empty());
    let output = simcloud()
        .args(["catalog", "--family", "c5"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].split_whitespace().eq([
            "type", "family", "arch", "vCPU", "memory", "GiB", "$/h", "$/vCPU-h", "speed"
        ]),
        "{text}"
    );
    assert!(
        lines[1].split_whitespace().eq([
            "c5.large", "c5", "x86_64", "2", "4", "0.0850", "0.0425", "1.00"
        ]),
        "{text}"
    );
    assert!(lines[3].starts_with("2 of 42 types"), "{text}");
}

#[test]
fn bad_catalog_filters_exit_2() {
    let e = fails_with_2(&["catalog", "--family", "m99"]);
    assert!(
        e.contains("--family m99: no such family") && e.contains("m5, m5a"),
        "{e}"
    );
    let e = fails_with_2(&["catalog", "--min-memory", "-1"]);
    assert!(e.contains("--min-memory -1: must be"), "{e}");
    let e = fails_with_2(&["catalog", "--max-price", "0"]);
    assert!(e.contains("--max-price 0: must be"), "{e}");
    fails_with_2(&["catalog", "--min-vcpu", "many"]);
    fails_with_2(&["catalog", "--format", "xml"]);
    fails_with_2(&["catalog", "--region", "us-east-1"]); // needs --offer-file
}

#[test]
fn catalog_lists_an_offer_files_linux_on_demand_shared_rows() {
    let file = fixture();
    let rows = catalog_csv(&["--offer-file", file.to_str().unwrap()]);
    let got: Vec<(&str, &str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[2].as_str(),
                r[3].as_str(),
                r[4].as_str(),
                r[5].as_str(),
                r[8].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "c5.large",
                "x86_64",
                "2",
                "4",
                "0.096",
                "ec2-offer-excerpt.csv:15"
            ),
            (
                "m5.large",
                "x86_64",
                "2",
                "8",
                "0.107",
                "ec2-offer-excerpt.csv:7"
            ),
            (
                "m6g.large",
                "arm64",
                "2",
                "8",
                "0.086",
                "ec2-offer-excerpt.csv:16"
            ),
            (
                "x1.32xlarge",
                "x86_64",
                "128",
                "1952",
                "16.006",
                "ec2-offer-excerpt.csv:17"
            ),
        ]
    );
    // The built-in speed of a type the catalog knows, 1.0 for one it does not.
    assert_eq!(rows[3][7], "0.74");
    assert_eq!(rows[2][7], "1");
    // The file is of one Region; asking for another finds nothing.
    let e = fails_with_2(&[
        "catalog",
        "--offer-file",
        file.to_str().unwrap(),
        "--region",
        "us-east-1",
    ]);
    assert!(
        e.contains("no Linux on-demand shared-tenancy price in us-east-1"),
        "{e}"
    );
    let listed = catalog_csv(&[
        "--offer-file",
        file.to_str().unwrap(),
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(listed, rows);
}

/// A scenario in the scenarios folder's place (so relative paths are from there) that
/// reads the fixture, of two m5.large on-demand instances.
fn priced(extra: &str) -> String {
    format!(
        r#"
name = "priced"
duration = "2h"
[traffic]
rate = 10
[service]
time = {{ dist = "exponential", mean = "50ms" }}
[instance]
type = "m5.large"
[autoscaling]
min = 2
max = 2
desired = 2
[pricing]
offer_file = "../tests/fixtures/ec2-offer-excerpt.csv"
{extra}
"#
    )
}

/// The bill by hand at the offer file's price (aws-facts.md 1.1: per second): two
/// m5.large in service for the whole 2 h run at $0.107/h (line 7 of the fixture, not
/// the built-in $0.096) = 2 × 2 h × $0.107 = $0.428 on-demand.
#[test]
fn a_run_bills_the_offer_files_price() {
    let config = config_from_str(&priced(""));
    assert_eq!(config.entry().instance.price_per_hour, 0.107);
    assert_eq!(config.entry().instance.memory_gib, 8.0);
    let outcome = run(&config);
    assert!(
        (outcome.summary.cost_usd.on_demand - 2.0 * 2.0 * 0.107).abs() < 1e-9,
        "{:?}",
        outcome.summary.cost_usd
    );
    // A spot pool's on-demand price (and so its spot price, a discount off it) comes
    // from the file too.
    let config = config_from_str(&priced(
        "[purchase]\non_demand_base = 0\non_demand_percent_above_base = 0\nspot_pools = [\"m6g.large\"]",
    ));
    assert_eq!(
        config.entry().purchase.spot_pool_types[0].price_per_hour,
        0.086
    );
}

/// The resolved scenario names the offer file, and reads back into the same prices.
#[test]
fn the_resolved_scenario_keeps_the_offer_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture(), dir.path().join("prices.csv")).unwrap();
    let text = priced("").replace("../tests/fixtures/ec2-offer-excerpt.csv", "prices.csv");
    let path = write_file(dir.path(), "s.toml", &text);
    let output = simcloud()
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let resolved = String::from_utf8(output.stdout).unwrap();
    assert!(resolved.contains("[pricing]\noffer_file = "), "{resolved}");
    assert!(
        resolved.contains("price_per_hour = 0.107\nspeed = 1.0\n"),
        "{resolved}"
    );
    let again = write_file(dir.path(), "again.toml", &resolved);
    let output = simcloud()
        .args(["validate", again.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let twice = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        twice.lines().skip(1).collect::<Vec<_>>(),
        resolved.lines().skip(1).collect::<Vec<_>>()
    );
}

/// Writes `scenario` and an offer file `offer` beside it; `simcloud validate` exits 2
/// and its message contains every needle.
fn offer_rejected(offer: Option<&str>, extra: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(offer) = offer {
        write_file(dir.path(), "prices.csv", offer);
    }
    let text = priced(extra).replace("../tests/fixtures/ec2-offer-excerpt.csv", "prices.csv");
    let path = write_file(dir.path(), "bad.toml", &text);
    let e = fails_with_2(&["validate", path.to_str().unwrap()]);
    for needle in needles {
        assert!(e.contains(needle), "{needle:?} not in {e}");
    }
}

#[test]
fn bad_offer_files_exit_2_naming_the_file_and_line() {
    let good = std::fs::read_to_string(fixture()).unwrap();
    // No file: the scenario's line of the key, and the offer file's path.
    offer_rejected(
        None,
        "",
        &[
            "bad.toml:15: pricing.offer_file",
            "prices.csv: does not exist",
        ],
    );
    // Not an offer file at all.
    offer_rejected(
        Some("type,price\nm5.large,0.1\n"),
        "",
        &["prices.csv:1: is not an AWS Price List offer file"],
    );
    // The header (line 6) lacks a column the reader needs.
    let renamed = good.replacen("\"vCPU\"", "\"Cores\"", 1);
    offer_rejected(
        Some(&renamed),
        "",
        &["prices.csv:6: is not an EC2 offer file: its header has no column \"vCPU\""],
    );
    // Another service's price list.
    let rds = good.replacen(
        "\"OfferCode\",\"AmazonEC2\"",
        "\"OfferCode\",\"AmazonRDS\"",
        1,
    );
    offer_rejected(
        Some(&rds),
        "",
        &["prices.csv:5: is the price list of AmazonRDS"],
    );
    // A kept row whose price is not a number: its line and column.
    let bad_price = good.replacen("\"0.1070000000\"", "\"ask\"", 1);
    offer_rejected(
        Some(&bad_price),
        "",
        &["prices.csv:7: column \"PricePerUnit\" = \"ask\""],
    );
    let bad_memory = good.replacen("\"1,952 GiB\"", "\"lots\"", 1);
    offer_rejected(
        Some(&bad_memory),
        "",
        &["prices.csv:17: column \"Memory\" = \"lots\""],
    );
    // Two Regions' prices for one type.
    let mut two = good.clone();
    let m5 = good
        .lines()
        .nth(6)
        .unwrap()
        .replace("EU (Ireland)", "US East (N. Virginia)")
        .replace("eu-west-1", "us-east-1")
        .replace("0.1070000000", "0.0960000000");
    two.push_str(&m5);
    two.push('\n');
    offer_rejected(
        Some(&two),
        "",
        &[
            "prices.csv:19: gives m5.large at $0.096/h, line 7 at $0.107/h",
            "region",
        ],
    );
    // A type the file does not price, as the group's type or a spot pool.
    let t = priced("").replace("m5.large", "m5.xlarge");
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "bad.toml",
        &t.replace(
            "../tests/fixtures/ec2-offer-excerpt.csv",
            fixture().to_str().unwrap(),
        ),
    );
    let e = fails_with_2(&["validate", path.to_str().unwrap()]);
    assert!(e.contains("bad.toml:9: instance.type = \"m5.xlarge\": unknown instance type; [pricing] offer_file prices 4 types (c5.large, m5.large, m6g.large, x1.32xlarge)"), "{e}");
    offer_rejected(
        Some(&good),
        "[purchase]\nspot_pools = [\"m5.large\", \"c4.large\"]",
        &["purchase.spot_pools[1] = \"c4.large\": unknown instance type"],
    );
    offer_rejected(Some(&good), "region = \"\"", &["pricing.region"]);
}

/// One instance of `workers` workers at `speed`, exponential service of mean 100 ms
/// (the draw), Poisson arrivals at `rate`, for `duration`.
fn one_instance(speed: f64, rate: f64, workers: u32, time: &str, duration: &str) -> Config {
    config_from_str(&format!(
        r#"
name = "speed"
duration = "{duration}"
seed = 11
[traffic]
rate = {rate}
[service]
time = {time}
workers = {workers}
queue_limit = "unlimited"
[instance]
type = "m5.large"
speed = {speed}
[autoscaling]
min = 1
max = 1
desired = 1
"#
    ))
}

/// Speed 2.0 halves the service time, by hand: constant 100 ms requests at 5 req/s on
/// 32 workers never wait (P(more than 32 of them in 0.05 s) is nil), so every latency
/// is the service time itself, 100 ms at speed 1 and 50 ms at speed 2; the
/// utilisation is λ S / c = 5 × 0.1 / 32 = 1.5625 % and half that.
#[test]
fn speed_two_halves_a_constant_service_time() {
    let constant = r#"{ dist = "constant", value = "100ms" }"#;
    for (speed, ms) in [(1.0, 100.0), (2.0, 50.0)] {
        let s = run(&one_instance(speed, 5.0, 32, constant, "1h")).summary;
        // The mean is exact; the percentiles come from a histogram of 0.1 % buckets.
        assert_eq!(s.latency_ms.mean, ms, "speed {speed}");
        for p in [s.latency_ms.p50, s.latency_ms.max] {
            assert!((p - ms).abs() <= 0.001 * ms, "speed {speed}: {p} ms");
        }
        let cpu = 5.0 * ms / 1000.0 / 32.0 * 100.0;
        assert!(
            (s.utilization.mean_cpu - cpu).abs() < 0.02 * cpu,
            "{} vs {cpu}",
            s.utilization.mean_cpu
        );
    }
}

/// M/M/c at speed 2.0: draws of mean 100 ms take 50 ms (μ = 20/s per worker); c = 4,
/// λ = 60/s, a = λ/μ = 3, ρ = 0.75. Mean response = 1/μ + C(4, 3)/(cμ − λ) with Erlang
/// C(4, 3) = 0.5094: 50 ms + 0.5094/20 s = 50 + 25.47 = 75.47 ms. At speed 1 the same
/// system would be overloaded (a = 6 > 4). Over 4 h (864,000 requests) the mean is
/// within 3 %.
#[test]
fn speed_two_matches_erlang_c_at_twice_the_service_rate() {
    let exponential = r#"{ dist = "exponential", mean = "100ms" }"#;
    let s = run(&one_instance(2.0, 60.0, 4, exponential, "4h")).summary;
    let mu = 20.0;
    let expected_ms = 1000.0 * (1.0 / mu + erlang_c(4, 60.0 / mu) / (4.0 * mu - 60.0));
    assert!((expected_ms - 75.47).abs() < 0.05, "{expected_ms}");
    let rel = (s.latency_ms.mean - expected_ms).abs() / expected_ms;
    assert!(
        rel < 0.03,
        "mean {} ms vs {expected_ms:.2} ms",
        s.latency_ms.mean
    );
    assert!(
        (s.utilization.mean_cpu - 75.0).abs() < 1.5,
        "{}",
        s.utilization.mean_cpu
    );
}

/// A mixed-instances group of one m5.large (on-demand, speed 1.0) and one r4.large
/// (spot, speed 0.74 from the catalog: 2.3 GHz / 3.1 GHz), one worker each,
/// exponential draws of mean 100 ms: μ = 10/s on m5.large, 7.4/s on r4.large. Spot
/// interruptions are off, so both serve the whole 2 h.
fn mixed(algorithm: &str) -> Config {
    config_from_str(&format!(
        r#"
name = "mixed"
duration = "2h"
seed = 3
[traffic]
rate = 16
[service]
time = {{ dist = "exponential", mean = "100ms" }}
workers = 1
[instance]
type = "m5.large"
[load_balancer]
algorithm = "{algorithm}"
[autoscaling]
min = 2
max = 2
desired = 2
[purchase]
on_demand_base = 1
on_demand_percent_above_base = 0
spot_pools = ["r4.large"]
[spot]
interruption = {{ per_hour = 0 }}
capacity_events = {{ per_day = 0, share = 0 }}
"#
    ))
}

/// ALB round robin does not know about speed (aws-facts.md 4.1); least outstanding
/// requests adapts. λ = 16/s.
///
/// Round robin gives each instance λ/2 = 8/s: ρ = 8/10 = 0.8 on m5.large and
/// 8/7.4 = 1.08 on r4.large, which saturates: its queue fills to the limit (128) and it
/// answers 503 to what it cannot serve, (λ/2 − 7.4/s) × 7,200 s ≈ 4,320 requests less
/// the few hundred it is spared while its queue first fills. The mean CPU is
/// (0.8 + 1.0)/2 = 90 %.
///
/// Least outstanding requests sends more to the fast type: the group's capacity,
/// 10 + 7.4 = 17.4/s, exceeds λ, so nothing is refused. The mean CPU
/// u = (pλ/10 + (1 − p)λ/7.4)/2 gives the fast type's share p =
/// (1/7.4 − 2u/λ)/(1/7.4 − 1/10); with both equally busy p = 10/17.4 = 0.575.
#[test]
fn round_robin_overloads_the_slow_type_and_least_outstanding_adapts() {
    let rr = run(&mixed("round_robin")).summary;
    let lor = run(&mixed("least_outstanding_requests")).summary;
    let lambda = rr.requests.arrived as f64 / 7200.0;
    assert_eq!(rr.requests.arrived, lor.requests.arrived); // common random numbers
    let rejected_by_hand = (lambda / 2.0 - 7.4) * 7200.0;
    let rejected = rr.requests.rejected as f64;
    assert!(
        rejected > 0.8 * rejected_by_hand && rejected < 1.05 * rejected_by_hand,
        "round robin: {rejected} 503s vs {rejected_by_hand:.0} by hand"
    );
    assert!(
        (rr.utilization.mean_cpu - 90.0).abs() < 1.5,
        "{}",
        rr.utilization.mean_cpu
    );
    assert_eq!(lor.requests.rejected, 0);
    assert!(
        lor.latency_ms.p99 * 3.0 < rr.latency_ms.p99,
        "p99 {} vs {}",
        lor.latency_ms.p99,
        rr.latency_ms.p99
    );
    let u = lor.utilization.mean_cpu / 100.0;
    let share = (1.0 / 7.4 - 2.0 * u / lambda) / (1.0 / 7.4 - 1.0 / 10.0);
    assert!(
        share > 0.54 && share < 0.62,
        "least outstanding requests: fast share {share:.3}"
    );
}

/// `[instance] speed` is checked; the catalog's speed applies when it is not given.
#[test]
fn speed_is_read_and_checked() {
    let config = config_from_str(&priced_speedless("m4.large"));
    assert_eq!(config.entry().instance.speed, 0.77);
    for bad in ["0", "-1", "1000", "\"fast\""] {
        let text = priced_speedless("m5.large")
            .replace("[instance]\n", &format!("[instance]\nspeed = {bad}\n"));
        crate::common::assert_rejected(&text, "instance.speed");
    }
}

fn priced_speedless(type_name: &str) -> String {
    format!(
        "name = \"s\"\nduration = \"10m\"\n[traffic]\nrate = 5\n[instance]\ntype = \"{type_name}\"\n"
    )
}
