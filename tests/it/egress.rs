//! Data transfer out to the internet (issue 13, "Egress and S3"): bills by hand from
//! the responses counted, the monthly free tier and bands, the files of a run, and
//! bad input through the real binary. The price bands themselves are unit-tested at
//! every boundary beside their code (`model/billing/data_transfer.rs`).

use crate::common::{assert_rejected, config_from_str, run_with_timeline, simcloud, write_file};
use simcloud::model::{Summary, simulate};

/// A web tier of two m5.large with ample workers and a constant 10 ms, answering
/// `rate` requests per second for `duration` with responses of `bytes` bytes; `extra`
/// adds keys at the end.
fn web(duration: &str, rate: f64, bytes: u64, extra: &str) -> String {
    format!(
        r#"
name = "egress-test"
duration = "{duration}"
seed = 11
[traffic]
rate = {rate}
[service]
time = "10ms"
workers = 64
response_bytes = {bytes}
[autoscaling]
min = 2
max = 2
{extra}
"#
    )
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

/// AWS's bands by hand (aws-facts.md 8; TB = 1,024 GB), written out again here as
/// the oracle rather than taken from the model: the month's GB past 100 at $0.09 up
/// to 10,240 GB, $0.085 to 51,200, $0.07 to 153,600, $0.05 beyond.
fn month_by_hand(gb: f64) -> f64 {
    let band = |lo: f64, hi: f64| (gb.min(hi) - lo).max(0.0);
    band(100.0, 10_240.0) * 0.09
        + band(10_240.0, 51_200.0) * 0.085
        + band(51_200.0, 153_600.0) * 0.07
        + band(153_600.0, f64::INFINITY) * 0.05
}

/// One hour at 100 req/s of 500,000-byte responses: every completed response sends
/// 0.0005 GB, so GB = completed / 2,000 (about 180 GB), of which 100 are free and the
/// rest is billed at $0.09. The part is in the entry tier's bill and the total, and
/// the total is still the sum of the parts.
#[test]
fn issue_13_internet_egress_is_billed_by_the_gb_past_the_free_100() {
    let s = run(&web("1h", 100.0, 500_000, ""));
    let gb = s.requests.completed as f64 * 500_000.0 / 1e9;
    assert!(gb > 170.0 && gb < 190.0, "{gb} GB");
    let figures = s.data_transfer.as_ref().expect("data transfer is metered");
    assert!(
        (figures.internet_out_gb - gb).abs() < 1e-6,
        "{figures:?} vs {gb}"
    );
    assert_eq!(figures.responses_gb, figures.internet_out_gb);
    let usd = (gb - 100.0) * 0.09;
    assert!(
        (s.cost_usd.data_transfer - usd).abs() < 1e-6,
        "{} vs {usd}",
        s.cost_usd.data_transfer
    );
    let parts: f64 = simcloud::model::bill_parts(&s.cost_usd)
        .iter()
        .map(|p| p.1)
        .sum();
    assert!(
        (parts - s.cost_usd.total).abs() < 1e-5,
        "{parts} vs {}",
        s.cost_usd.total
    );
    assert!((s.cost_usd.all_on_demand - s.cost_usd.total).abs() < 1e-9);
}

/// Under the free tier (10 min at 100 req/s of 100 KB: about 6 GB) nothing is billed,
/// so `cost_usd` has no `data_transfer`, but the GB sent are still in the summary.
/// Without `response_bytes` nothing is metered and the summary says nothing of it.
#[test]
fn issue_13_egress_under_the_free_tier_costs_nothing_and_unmetered_says_nothing() {
    let s = run(&web("10m", 100.0, 100_000, ""));
    let gb = s.requests.completed as f64 * 1e5 / 1e9;
    assert_eq!(s.cost_usd.data_transfer, 0.0);
    assert!((s.data_transfer.as_ref().unwrap().internet_out_gb - gb).abs() < 1e-9);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["cost_usd"].get("data_transfer").is_none(), "{json}");

    let none = run(&web("10m", 100.0, 0, ""));
    assert!(none.data_transfer.is_none());
    let json = serde_json::to_value(&none).unwrap();
    assert!(json.get("data_transfer").is_none(), "{json}");
}

/// Tiers are per month of simulated time (730 h): two months at 0.2 req/s of 100 MB
/// responses send about 52,560 GB a month, past the 10 TB and 50 TB bounds, and each
/// month gets its own free 100 GB and starts its bands again. The oracle takes each
/// month's responses from the timeline (hourly rows, which 730 h divides) and prices
/// them with the bands written out by hand. Since each month starts again at the
/// dearest band, the two months cost more than one month of all their GB would.
#[test]
fn issue_13_each_month_of_simulated_time_is_priced_from_its_first_gb() {
    let text = web("1460h", 0.2, 100_000_000, "[report]\ninterval = \"1h\"");
    let (outcome, rows) = run_with_timeline(&config_from_str(&text));
    let s = outcome.summary;
    let month_end = 730.0 * 3600.0;
    let gb = |first: bool| -> f64 {
        rows.iter()
            .filter(|r| (r.end_s <= month_end) == first)
            .map(|r| r.completions as f64 * 0.1)
            .sum()
    };
    let (first, second) = (gb(true), gb(false));
    assert!(first > 51_200.0 && second > 51_200.0, "{first} {second}");
    let usd = month_by_hand(first) + month_by_hand(second);
    assert!(
        (s.cost_usd.data_transfer - usd).abs() < 1e-4,
        "{} vs {usd}",
        s.cost_usd.data_transfer
    );
    assert!(month_by_hand(first + second) < usd);
    assert!((s.data_transfer.unwrap().internet_out_gb - (first + second)).abs() < 1e-4);
}

/// A run's files: `cost.csv` has a free line and a $0.09 line per month (here one), in
/// the `data_transfer` part, and its lines add up to `summary.json`'s total; the
/// terminal's bill names the part; the timeline's last cost is the total.
#[test]
fn issue_13_cost_csv_lines_of_data_transfer_add_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "dt.toml", &web("1h", 100.0, 500_000, ""));
    let out = dir.path().join("out");
    let assert = simcloud()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("data transfer $7."), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let total = summary["cost_usd"]["total"].as_f64().unwrap();
    let csv = std::fs::read_to_string(out.join("cost.csv")).unwrap();
    let mut sum = 0.0;
    let mut transfer = Vec::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        sum += fields[9].parse::<f64>().unwrap();
        if fields[1] == "data_transfer" {
            transfer.push((
                fields[0].to_string(),
                fields[6].parse::<f64>().unwrap(),
                fields[8].to_string(),
            ));
        }
    }
    assert!((sum - total).abs() < 1e-5, "{sum} vs {total}");
    assert_eq!(transfer.len(), 2, "{transfer:?}");
    assert_eq!(
        (
            transfer[0].0.as_str(),
            transfer[0].1,
            transfer[0].2.as_str()
        ),
        ("data_transfer_out_free", 100.0, "0.0")
    );
    assert_eq!(
        (transfer[1].0.as_str(), transfer[1].2.as_str()),
        ("data_transfer_out", "0.09")
    );
    let gb = summary["data_transfer"]["internet_out_gb"]
        .as_f64()
        .unwrap();
    assert!((transfer[1].1 - (gb - 100.0)).abs() < 1e-5);
    let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    let header: Vec<&str> = timeline.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "cost_usd").unwrap();
    let last: Vec<&str> = timeline.lines().last().unwrap().split(',').collect();
    assert_eq!(last[column].parse::<f64>().unwrap(), total);
}

/// Bad `response_bytes`: negative, beyond the bound, on a tier that answers another
/// tier rather than clients, or misspelt: exit 2 naming the file, line and key.
#[test]
fn issue_13_bad_response_bytes_is_exit_2_with_file_line_and_key() {
    assert_rejected(
        &with_service_key("response_bytes = -5"),
        "bad.toml:8: service.response_bytes = -5",
    );
    assert_rejected(
        &with_service_key("response_bytes = 2e9"),
        "service.response_bytes",
    );
    assert_rejected(
        &with_service_key("response_bytes = 5000000000"),
        "service.response_bytes = 5000000000: must be at most 1e9",
    );
    assert_rejected(
        &with_service_key("response_byte = 5"),
        "service.response_byte",
    );
    let called = r#"
duration = "10m"
[traffic]
rate = 5
[tiers.web]
kind = "ec2"
[[tiers.web.calls]]
tier = "api"
[tiers.api]
kind = "ec2"
[tiers.api.service]
response_bytes = 1000
"#;
    let stderr = assert_rejected(
        called,
        "bad.toml:12: tiers.api.service.response_bytes = 1000",
    );
    assert!(stderr.contains("only the entry tier"), "{stderr}");
}

/// A small scenario with `key` in its `[service]`, at line 8.
fn with_service_key(key: &str) -> String {
    format!(
        "name = \"tiny\"\nduration = \"10m\"\n[traffic]\nrate = 20\n[autoscaling]\nmin = 1\n[service]\n{key}\n"
    )
}
