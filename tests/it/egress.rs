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

/// `web`'s scenario with an `[s3]` table of `keys`.
fn with_s3(duration: &str, rate: f64, bytes: u64, keys: &str) -> String {
    web(duration, rate, bytes, &format!("[s3]\n{keys}"))
}

/// Objects straight from S3, by hand: each completed response (0.00005 GB) fetches 10
/// objects of 100 KB (0.001 GB) and writes 0.1 of one. GB out to the internet =
/// completed * (0.00005 + 0.001), priced once past the one free 100 GB, as AWS
/// aggregates egress across services; S3: 10 GETs per response at $0.0004 per 1,000,
/// 0.1 PUT at $0.005 per 1,000, and 500 GB for one hour of a 730-hour month at $0.023.
#[test]
fn issue_13_s3_requests_storage_and_its_egress_by_hand() {
    let s = run(&with_s3(
        "1h",
        100.0,
        50_000,
        "gets_per_request = 10\nobject_kb = 100\nstored_gb = 500\nputs_per_request = 0.1",
    ));
    let n = s.requests.completed as f64;
    let responses_gb = n * 50_000.0 / 1e9;
    let s3_gb = n * 10.0 * 100_000.0 / 1e9;
    let dt = s.data_transfer.as_ref().unwrap();
    assert!((dt.responses_gb - responses_gb).abs() < 1e-6);
    assert!((dt.s3_gb - s3_gb).abs() < 1e-6);
    assert!((dt.internet_out_gb - (responses_gb + s3_gb)).abs() < 1e-6);
    let transfer = (responses_gb + s3_gb - 100.0) * 0.09;
    assert!(
        (s.cost_usd.data_transfer - transfer).abs() < 1e-5,
        "{}",
        s.cost_usd.data_transfer
    );
    let s3 = n * 10.0 * 0.0004 / 1000.0 + n * 0.1 * 0.005 / 1000.0 + 500.0 * 0.023 / 730.0;
    assert!(
        (s.cost_usd.s3 - s3).abs() < 1e-5,
        "{} vs {s3}",
        s.cost_usd.s3
    );
    let bucket = s.s3.as_ref().unwrap();
    assert!((bucket.gets - n * 10.0).abs() < 1e-3 && (bucket.puts - n * 0.1).abs() < 1e-3);
    assert!(s.cloudfront.is_none());
    assert_eq!(s.cost_usd.cloudfront, 0.0);
    // The browser fetches the objects after the page: the latency is the page's alone.
    assert!((s.latency_ms.p99 - 10.0).abs() < 0.1, "{:?}", s.latency_ms);
}

/// Through CloudFront, by hand: 30 objects of 400 KB per response (about 10.8 M
/// requests and 4,320 GB in the hour) go from the edge: past its always-free 1,024 GB
/// at $0.085 and past its free 10,000,000 requests at $0.01 per 10,000; nothing of
/// them is internet egress from S3 (the responses' 18 GB stay under the free 100 GB);
/// the bucket answers only the 20 % of requests the edge misses, a GET each.
#[test]
fn issue_13_cloudfront_bills_past_its_free_tier_and_cuts_the_gets() {
    let s = run(&with_s3(
        "1h",
        100.0,
        50_000,
        "gets_per_request = 30\nobject_kb = 400\nvia = \"cloudfront\"\ncache_hit_ratio = 0.8",
    ));
    let n = s.requests.completed as f64;
    let (requests, gb) = (n * 30.0, n * 30.0 * 400_000.0 / 1e9);
    assert!(requests > 1e7 && gb > 1024.0, "{requests} {gb}");
    let usd = (gb - 1024.0) * 0.085 + (requests - 1e7) * 0.01 / 10_000.0;
    assert!(
        (s.cost_usd.cloudfront - usd).abs() < 1e-5,
        "{} vs {usd}",
        s.cost_usd.cloudfront
    );
    let cf = s.cloudfront.as_ref().unwrap();
    assert!((cf.requests - requests).abs() < 1e-3 && (cf.out_gb - gb).abs() < 1e-6);
    assert_eq!(s.cost_usd.data_transfer, 0.0);
    assert_eq!(s.data_transfer.as_ref().unwrap().s3_gb, 0.0);
    let gets = requests * 0.2;
    assert!((s.s3.as_ref().unwrap().gets - gets).abs() < 1e-3);
    assert!((s.cost_usd.s3 - gets * 0.0004 / 1000.0).abs() < 1e-6);
}

/// CloudFront's always-free tier: 10 objects of 100 KB per response for 10 minutes
/// (about 0.6 M requests, 60 GB) cost nothing at the edge; the summary still counts
/// them, and `cost_usd` has no `cloudfront`.
#[test]
fn issue_13_cloudfront_under_its_free_tier_costs_nothing() {
    let s = run(&with_s3(
        "10m",
        100.0,
        0,
        "gets_per_request = 10\nobject_kb = 100\nvia = \"cloudfront\"",
    ));
    assert_eq!(s.cost_usd.cloudfront, 0.0);
    let cf = s.cloudfront.as_ref().unwrap();
    assert_eq!(cf.cache_hit_ratio, 0.9, "the default");
    assert!((cf.requests - s.requests.completed as f64 * 10.0).abs() < 1e-3);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["cost_usd"].get("cloudfront").is_none(), "{json}");
    assert!(
        json["cost_usd"].get("s3").is_some(),
        "the misses' GETs: {json}"
    );
}

/// The files of a run with S3 behind CloudFront: every line of `cost.csv` adds up to
/// the total, and each part's lines to its `cost_usd` field.
#[test]
fn issue_13_cost_csv_of_s3_and_cloudfront_adds_up_by_part() {
    let dir = tempfile::tempdir().unwrap();
    let text = with_s3(
        "1h",
        100.0,
        500_000,
        "gets_per_request = 30\nobject_kb = 400\nstored_gb = 100\nputs_per_request = 1\nvia = \"cloudfront\"",
    );
    let path = write_file(dir.path(), "cf.toml", &text);
    let out = dir.path().join("out");
    simcloud()
        .args(["run", "--no-plots", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let csv = std::fs::read_to_string(out.join("cost.csv")).unwrap();
    let mut by_part = std::collections::BTreeMap::<String, f64>::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        *by_part.entry(fields[1].to_string()).or_default() += fields[9].parse::<f64>().unwrap();
    }
    let total: f64 = by_part.values().sum();
    assert!((total - summary["cost_usd"]["total"].as_f64().unwrap()).abs() < 1e-5);
    for part in ["data_transfer", "s3", "cloudfront"] {
        let field = summary["cost_usd"][part].as_f64().unwrap_or(0.0);
        assert!(field > 0.0, "{part}: {summary}");
        assert!(
            (by_part[part] - field).abs() < 1e-5,
            "{part}: {} vs {field}",
            by_part[part]
        );
    }
}

/// Bad `[s3]` input: exit 2 naming the file, line and key.
#[test]
fn issue_13_bad_s3_input_is_exit_2_with_file_line_and_key() {
    let single = |keys: &str| {
        format!(
            "name = \"tiny\"\nduration = \"10m\"\n[traffic]\nrate = 20\n[autoscaling]\nmin = 1\n[s3]\n{keys}\n"
        )
    };
    for (keys, needle) in [
        (
            "object_kb = -1",
            "bad.toml:8: s3.object_kb = -1: must be a finite number >= 0",
        ),
        (
            "gets_per_request = -2\nobject_kb = 1",
            "s3.gets_per_request = -2",
        ),
        (
            "gets_per_request = 2",
            "s3.gets_per_request = 2: needs s3.object_kb",
        ),
        ("stored_gb = 1e12", "s3.stored_gb"),
        ("object_kb = 1\nbucket = \"x\"", "bad.toml:9: s3.bucket"),
        (
            "object_kb = 1\ncache_hit_ratio = 0.5",
            "s3.cache_hit_ratio = 0.5: is CloudFront's",
        ),
        (
            "via = \"cloudfront\"\ncache_hit_ratio = 1.5",
            "s3.cache_hit_ratio = 1.5: must be at most 1",
        ),
        (
            "via = \"cdn\"",
            "s3.via = \"cdn\": unknown value; expected one of s3, cloudfront",
        ),
    ] {
        assert_rejected(&single(keys), needle);
    }
    let tiers = |kind: &str| {
        format!(
            "duration = \"10m\"\n[traffic]\nrate = 5\n[tiers.web]\nkind = \"ec2\"\n[[tiers.web.calls]]\ntier = \"back\"\n[tiers.back]\nkind = \"{kind}\"\n[tiers.back.s3]\nstored_gb = 1\n"
        )
    };
    let stderr = assert_rejected(&tiers("rds"), "bad.toml:10: tiers.back.s3");
    assert!(
        stderr.contains("belongs to ec2, fargate, ecs_ec2 and lambda tiers"),
        "{stderr}"
    );
    let stderr = assert_rejected(&tiers("ec2"), "bad.toml:10: tiers.back.s3");
    assert!(
        stderr.contains("a called tier answers its caller"),
        "{stderr}"
    );
}

/// A Lambda function behind API Gateway answers the clients too: its responses (1 MB
/// each, 10 minutes at 200 req/s, about 120 GB) leave AWS at the same prices, and the
/// objects its pages link come from S3. GB = completed / 1,000; past the free 100 GB
/// at $0.09, with the S3 objects (2 of 50 KB per response) in the same bands.
#[test]
fn issue_13_a_lambda_entry_tier_sends_its_responses_and_objects_out() {
    let s = run(r#"
duration = "10m"
seed = 3
[traffic]
rate = 200
[tiers.fn]
kind = "lambda"
[tiers.fn.service]
time = "20ms"
response_bytes = 1_000_000
[tiers.fn.lambda]
memory_mb = 1024
[tiers.fn.api_gateway]
api = "http"
[tiers.fn.s3]
gets_per_request = 2
object_kb = 50
"#);
    let n = s.requests.completed as f64;
    let gb = n * (1e6 + 2.0 * 50_000.0) / 1e9;
    assert!(gb > 120.0, "{gb}");
    let dt = s.data_transfer.as_ref().unwrap();
    assert!((dt.internet_out_gb - gb).abs() < 1e-6, "{dt:?}");
    assert!((s.cost_usd.data_transfer - (gb - 100.0) * 0.09).abs() < 1e-5);
    assert!((s.cost_usd.s3 - n * 2.0 * 0.0004 / 1000.0).abs() < 1e-6);
}
