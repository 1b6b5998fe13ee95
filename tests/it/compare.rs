//! `simcloud compare` (issue 4): common random numbers, paired differences, ordering
//! by input whatever the thread count, the output folder, and bad input.

use crate::common::{root, scenario_path};
use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use simcloud::compare::{self, CompareOptions, ComparePlan, Comparison, Metric, RunRecord};
use simcloud::scenario::ScenarioFile;
use std::fs;
use std::path::Path;

fn simcloud() -> Command {
    Command::cargo_bin("simcloud").expect("binary built")
}

/// A small scenario that scales out during a spike, so that the group's decisions,
/// boot times and queueing all take part; strategies are appended by each test.
const BASE: &str = r#"
name = "tiny"
duration = "20m"
seed = 11
[traffic]
rate = 30
[[traffic.spike]]
start = "5m"
ramp = "2m"
hold = "5m"
peak = 120
[service]
time = { dist = "lognormal", mean = "40ms", cv = 1.0 }
workers = 4
queue_limit = 32
[instance]
boot_time = { dist = "uniform", min = "30s", max = "90s" }
[load_balancer]
algorithm = "power_of_two"
health_check = { interval = "10s", healthy = 2, unhealthy = 2 }
[autoscaling]
monitoring = "detailed"
min = 1
max = 8
desired = 1
instance_warmup = "60s"
[[autoscaling.policy]]
kind = "target_tracking"
metric = "cpu"
target = 50.0
"#;

fn plan(strategies: &str, replicates: u32, threads: usize) -> ComparePlan {
    let text = format!("{BASE}\n{strategies}");
    let file = ScenarioFile::parse(&root().join("inline.toml"), text).unwrap();
    ComparePlan::from_file(
        &file,
        &CompareOptions {
            replicates,
            threads: Some(threads),
            seed: None,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn comparison(strategies: &str, replicates: u32, threads: usize) -> Comparison {
    compare::run(&plan(strategies, replicates, threads), &|| {}).unwrap()
}

/// Two strategies with the same settings run the same seeds, so every replicate gives
/// the same numbers: each paired difference is exactly 0 with an interval of exactly 0.
#[test]
fn identical_strategies_differ_by_exactly_zero() {
    let c = comparison(
        "[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 8\n",
        4,
        2,
    );
    let b = &c.strategies[1];
    for m in &b.metrics {
        assert_eq!(m.diff.mean, 0.0, "{:?}", m.metric);
        assert_eq!(m.diff.half_width, Some(0.0), "{:?}", m.metric);
        assert_eq!(m.estimate, c.strategies[0].get(m.metric).estimate);
    }
    // Not a degenerate scenario: the replicates do differ from one another.
    let p99 = c.strategies[0].get(Metric::P99).estimate;
    assert!(p99.std_dev.unwrap() > 0.0, "{p99:?}");
}

/// A strategy that changes only the instance price sees the same arrivals, service
/// times, boot times and routing draws (common random numbers), so everything but the
/// bill is identical, replicate by replicate; the bill is not.
#[test]
fn a_price_only_strategy_changes_cost_and_nothing_else() {
    let plan = plan(
        "[[strategy]]\nname = \"list price\"\n[[strategy]]\nname = \"dearer\"\ninstance.price_per_hour = 0.2\n",
        5,
        2,
    );
    let runs = compare::run_replicates(&plan, &|| {}).unwrap();
    let c = Comparison::new(&plan.grid(), runs.iter().map(RunRecord::of).collect());
    let r = c.replicates as usize;
    let (base, dearer) = (&runs[..r], &runs[r..]);
    let mut scaled = false;
    for (x, y) in base.iter().zip(dearer) {
        assert_eq!(x.seed, y.seed);
        assert_eq!(x.summary.requests, y.summary.requests);
        assert_eq!(x.summary.latency_ms, y.summary.latency_ms);
        assert_eq!(x.summary.slo, y.summary.slo);
        assert_eq!(x.summary.instances, y.summary.instances);
        assert_eq!(x.summary.events, y.summary.events);
        assert!(y.summary.cost_usd.total > x.summary.cost_usd.total);
        scaled |= x.summary.instances.launched > 1;
    }
    assert!(
        scaled,
        "the scenario should scale out, or CRN is tested on too little"
    );
    let s = &c.strategies[1];
    for metric in [
        Metric::P50,
        Metric::P99,
        Metric::SloAttainment,
        Metric::RejectedRate,
        Metric::TimedOutRate,
        Metric::InterruptedRate,
        Metric::InstanceHours,
    ] {
        let d = s.get(metric).diff;
        assert_eq!((d.mean, d.half_width), (0.0, Some(0.0)), "{metric:?}");
    }
    let cost = s.get(Metric::TotalCost).diff;
    assert!(cost.excludes_zero() && cost.mean > 0.0, "{cost:?}");
}

/// Different seeds per replicate, shared across strategies: base + r.
#[test]
fn replicate_r_of_every_strategy_uses_seed_base_plus_r() {
    let c = comparison(
        "[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 4\n",
        3,
        1,
    );
    let seeds: Vec<(usize, u32, u64)> = c
        .runs
        .iter()
        .map(|r| (r.strategy, r.replicate, r.seed))
        .collect();
    assert_eq!(
        seeds,
        vec![
            (0, 0, 11),
            (0, 1, 12),
            (0, 2, 13),
            (1, 0, 11),
            (1, 1, 12),
            (1, 2, 13)
        ]
    );
}

fn compare_files(out: &Path, threads: &str) {
    simcloud()
        .args([
            "compare",
            scenario_path("compare-targets.toml").to_str().unwrap(),
            "--replicates",
            "3",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
}

/// Byte-identical across thread counts: the tables, and the pictures drawn from them.
const FILES: [&str; 6] = [
    "compare.csv",
    "compare.json",
    "replicates.csv",
    "cost_vs_p99.svg",
    "cost_breakdown.svg",
    "report.html",
];

/// Results are sorted by input index, never by completion: one thread, two threads and
/// a second run with two threads write the same bytes.
#[test]
fn one_and_two_threads_and_a_rerun_give_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("again"),
    );
    compare_files(&a, "1");
    compare_files(&b, "2");
    compare_files(&c, "2");
    for file in FILES {
        let fa = fs::read(a.join(file)).unwrap();
        assert!(!fa.is_empty(), "{file} is empty");
        assert!(
            fa == fs::read(b.join(file)).unwrap(),
            "{file}: 1 vs 2 threads"
        );
        assert!(
            fa == fs::read(c.join(file)).unwrap(),
            "{file}: rerun differs"
        );
    }
    let leftovers = fs::read_dir(&a)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0, "temporary files left behind");
    // replicates.csv: a header and one row per strategy × replicate (5 × 3).
    let rows = fs::read_to_string(a.join("replicates.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 5 * 3);
    // compare.csv: one row per strategy × metric shown.
    let rows = fs::read_to_string(a.join("compare.csv")).unwrap();
    let shown = web_only_metrics(&a);
    assert_eq!(rows.lines().count(), 1 + 5 * shown.len());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["baseline"], "cpu 50");
    assert_eq!(json["strategies"].as_array().unwrap().len(), 5);
    assert!(json["strategies"][1]["metrics"]["p99_ms"]["ci_low"].is_f64());
    // The page shows both charts and every strategy.
    let page = fs::read_to_string(a.join("report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), 2, "two inline charts");
    assert!(page.contains("cpu 50") && page.contains("cpu 70"));
    assert!(fs::metadata(a.join("cost_vs_p99.png")).unwrap().len() > 1000);
}

/// The metrics a comparison of compare-targets shows (web tiers only): the twelve
/// general ones, and of the bill's twenty parts the two it pays, by hand: m5.large
/// instances bought on demand behind an Application Load Balancer, nothing else (no
/// spot, no commitment, no metered transfer). No batch tier's or worker queue's
/// metric, and no column of zeros for a part nobody paid. Checked in `dir`'s four
/// files: the same metrics in `compare.csv`, `compare.json` (its list and each
/// strategy's), `replicates.csv`, and no tier's table in `report.html`.
fn web_only_metrics(dir: &Path) -> Vec<String> {
    let expected = [
        "total_cost_usd",
        "cost_per_million_requests_usd",
        "cost_per_month_usd",
        "p50_ms",
        "p99_ms",
        "slo_attainment",
        "slo_met",
        "rejected_rate",
        "timed_out_rate",
        "interrupted_rate",
        "failed_rate",
        "instance_hours",
        "cost_on_demand_usd",
        "cost_load_balancer_usd",
    ];
    let csv = fs::read_to_string(dir.join("compare.csv")).unwrap();
    let mut in_csv: Vec<String> = Vec::new();
    for line in csv.lines().skip(1) {
        let metric = line.split(',').nth(2).unwrap().to_string();
        if !in_csv.contains(&metric) {
            in_csv.push(metric);
        }
    }
    assert_eq!(in_csv, expected, "compare.csv");
    let replicates = fs::read_to_string(dir.join("replicates.csv")).unwrap();
    let header: Vec<&str> = replicates.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "in_flight").unwrap() + 1;
    assert_eq!(header[at..], expected, "replicates.csv");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("compare.json")).unwrap()).unwrap();
    let listed: Vec<&str> = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(listed, expected, "compare.json metrics");
    // (serde_json's map is sorted by key: compared as sets.)
    let mut sorted = expected.to_vec();
    sorted.sort();
    for s in json["strategies"].as_array().unwrap() {
        let keys: Vec<&String> = s["metrics"].as_object().unwrap().keys().collect();
        assert_eq!(keys, sorted, "compare.json {}", s["name"]);
    }
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    for id in ["queue", "batch"] {
        assert!(!page.contains(&format!("<h2 id=\"{id}\">")), "{id}");
    }
    expected.iter().map(|k| k.to_string()).collect()
}

/// With one replicate no interval exists: empty CSV cells, JSON nulls, never NaN.
#[test]
fn one_replicate_writes_empty_intervals_not_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("tiny.toml");
    fs::write(
        &path,
        format!(
            "{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 2\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    simcloud()
        .args(["compare", path.to_str().unwrap(), "-r", "1", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("no confidence intervals"));
    for file in FILES {
        let text = fs::read_to_string(out.join(file)).unwrap();
        assert!(!text.to_lowercase().contains("nan"), "{file}: {text}");
        assert!(!text.contains("inf"), "{file}");
    }
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    for column in ["std_dev", "half_width", "ci_low", "ci_high", "diff_ci_low"] {
        let i = header.iter().position(|h| *h == column).unwrap();
        assert_eq!(row[i], "", "{column}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("compare.json")).unwrap()).unwrap();
    let p99 = &json["strategies"][1]["metrics"]["p99_ms"];
    assert!(p99["mean"].is_f64() && p99["ci_low"].is_null() && p99["ci_high"].is_null());
}

/// Without --out the folder is results/<scenario name>-compare/, relative to where
/// the command runs; the terminal shows the tables.
#[test]
fn default_folder_and_terminal_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("tiny.toml");
    fs::write(
        &path,
        format!("{BASE}\n[[strategy]]\nname = \"cpu 50\"\n[[strategy]]\nname = \"cpu 80\"\nautoscaling.policy = [{{ kind = \"target_tracking\", metric = \"cpu\", target = 80.0 }}]\n"),
    )
    .unwrap();
    simcloud()
        .current_dir(tmp.path())
        .args(["compare", "tiny.toml", "-r", "3", "-j", "2", "--quiet"])
        .assert()
        .success()
        .stdout(
            predicates::str::contains("cpu 50 (baseline)")
                .and(predicates::str::contains("difference against \"cpu 50\""))
                .and(predicates::str::contains("Pareto-optimal")),
        );
    for file in FILES {
        assert!(
            tmp.path().join("results/tiny-compare").join(file).is_file(),
            "{file}"
        );
    }
}

/// Each bad input exits 2 with a message naming what is wrong, and writes nothing.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let two = "[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 4\n";
    let cases: Vec<(&str, String, Vec<&str>, Vec<&str>)> = vec![
        (
            "unknown key in a strategy",
            format!(
                "{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"big\"\nautoscaling.maximum = 4\n"
            ),
            vec![],
            vec![
                "in strategy \"big\"",
                "autoscaling.maximum = 4:",
                "unknown key",
                "bad.toml:",
            ],
        ),
        (
            "bad value in a strategy",
            format!(
                "{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"none\"\nautoscaling.min = 0\n"
            ),
            vec![],
            vec!["in strategy \"none\"", "autoscaling.min = 0", "at least 1"],
        ),
        (
            "duplicate names",
            format!("{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"a\"\n"),
            vec![],
            vec!["strategy[1].name = \"a\"", "unique"],
        ),
        (
            "no strategy",
            BASE.to_string(),
            vec![],
            vec!["no [[strategy]]"],
        ),
        (
            "a strategy sets the seed",
            format!(
                "{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"lucky\"\nseed = 3\n"
            ),
            vec![],
            vec!["strategy \"lucky\" sets `seed`", "common random numbers"],
        ),
        (
            "zero replicates",
            format!("{BASE}\n{two}"),
            vec!["--replicates", "0"],
            vec!["--replicates 0"],
        ),
        (
            "zero threads",
            format!("{BASE}\n{two}"),
            vec!["--threads", "0"],
            vec!["--threads 0"],
        ),
        // Issue 11: a billion replicates ran until memory ran out.
        (
            "a billion replicates",
            format!("{BASE}\n{two}"),
            vec!["--replicates", "1000000000"],
            vec!["--replicates 1000000000", "at most 10000"],
        ),
        // Issue 11: replicate seeds base + r wrapped past u64::MAX and printed as
        // `18446744073709551615..=1`.
        (
            "seeds that wrap",
            format!("{BASE}\n{two}"),
            vec!["--seed", "18446744073709551615", "--replicates", "3"],
            vec![
                "--seed 18446744073709551615",
                "at most 18446744073709551613",
            ],
        ),
    ];
    for (what, text, extra, expected) in cases {
        let path = tmp.path().join("bad.toml");
        fs::write(&path, &text).unwrap();
        let out = tmp.path().join(format!("out-{}", what.replace(' ', "-")));
        let assert = simcloud()
            .args(["compare", path.to_str().unwrap(), "--out"])
            .arg(&out)
            .args(extra)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: expected {needle:?} in: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(!out.exists(), "{what}: the output folder was created");
    }
}

/// Regression (issue 4): an unknown key in a table that also holds an array of tables
/// (`[autoscaling]` with `[[autoscaling.policy]]`) was reported as
/// `autoscaling.maximum.maximum`, without a line.
#[test]
fn issue_4_unknown_key_next_to_a_policy_array_is_named_once() {
    let text = BASE.replace("max = 8", "max = 8\nmaximum = 9");
    let err = ScenarioFile::parse(&root().join("bad.toml"), text)
        .unwrap()
        .resolve()
        .unwrap_err();
    assert_eq!(err.key, "autoscaling.maximum");
    assert_eq!(err.line, Some(25));
}

/// Issue 11: `--threads 100000` for two runs starts two threads (with a note), and
/// the header speaks of 1 strategy and 1 thread, not "1 strategies".
#[test]
fn threads_are_capped_at_what_helps_and_counts_are_singular() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("one.toml");
    fs::write(&path, format!("{BASE}\n[[strategy]]\nname = \"only\"\n")).unwrap();
    let output = simcloud()
        .args(["compare", path.to_str().unwrap(), "--replicates", "1"])
        .args(["--threads", "100000", "--no-plots", "--quiet", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(output.status.success(), "{stderr}");
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("1 strategy × 1 replicate (seed 11) · 1 run in")
            && header.ends_with("on 1 thread"),
        "{header}"
    );
    assert!(
        stderr.contains("note: --threads 100000: using 1 thread"),
        "{stderr}"
    );
}

/// Issue 11: `compare` takes `--json` and `--no-plots` as `run` does: the JSON printed
/// is compare.json, and no chart or page is written.
#[test]
fn compare_prints_json_and_skips_plots_like_run() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("two.toml");
    fs::write(
        &path,
        format!(
            "{BASE}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 4\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let output = simcloud()
        .args(["compare", path.to_str().unwrap(), "--replicates", "2"])
        .args(["--json", "--no-plots", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout, fs::read(out.join("compare.json")).unwrap());
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["compare.csv", "compare.json", "replicates.csv"]);
}

/// Issue 17: the comparison's verdict, recomputed from `replicates.csv` alone. A
/// replicate of `compare-targets.toml` (SLO p99 <= 300 ms) meets the SLO when its
/// p99 is at most 300 ms (checked against the `slo_met` column); the verdict is the
/// cheapest mean total cost among the strategies meeting it in at least 95 % of their
/// replicates (here: all 5), and the ties are the others meeting it whose paired
/// cost differences have a 95 % t interval (t(0.975, 4) = 2.776) containing 0.
#[test]
fn issue_17_the_compare_verdict_is_the_cheapest_strategy_that_meets_the_slo() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ct");
    let output = simcloud()
        .args([
            "compare",
            scenario_path("compare-targets.toml").to_str().unwrap(),
        ])
        .args([
            "--replicates",
            "5",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let text = fs::read_to_string(out.join("replicates.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (name, p99, met, cost) = (
        col("strategy"),
        col("p99_ms"),
        col("slo_met"),
        col("total_cost_usd"),
    );
    // Per strategy, in file order: (name, [(met, cost)] by replicate).
    let mut strategies: Vec<(String, Vec<(bool, f64)>)> = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let ok = f[p99].parse::<f64>().unwrap() <= 300.0;
        assert_eq!(ok, f[met] == "1.000000", "{line}");
        if strategies.last().is_none_or(|s| s.0 != f[name]) {
            strategies.push((f[name].to_string(), Vec::new()));
        }
        strategies
            .last_mut()
            .unwrap()
            .1
            .push((ok, f[cost].parse().unwrap()));
    }
    let mean = |runs: &[(bool, f64)]| runs.iter().map(|r| r.1).sum::<f64>() / runs.len() as f64;
    let meeting: Vec<usize> = (0..strategies.len())
        .filter(|&s| strategies[s].1.iter().all(|r| r.0))
        .collect();
    let chosen = *meeting
        .iter()
        .min_by(|&&a, &&b| mean(&strategies[a].1).total_cmp(&mean(&strategies[b].1)))
        .expect("compare-targets has a strategy that always meets its SLO");
    let tie = |s: usize| {
        let d: Vec<f64> = (0..5)
            .map(|r| strategies[s].1[r].1 - strategies[chosen].1[r].1)
            .collect();
        let m = d.iter().sum::<f64>() / 5.0;
        let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 4.0).sqrt();
        let h = 2.776 * sd / 5f64.sqrt();
        m - h <= 0.0 && m + h >= 0.0
    };
    let ties: Vec<&str> = meeting
        .iter()
        .filter(|&&s| s != chosen && tie(s))
        .map(|&s| strategies[s].0.as_str())
        .collect();
    let expected = format!("is \"{}\" (5 of 5 replicates)", strategies[chosen].0);
    assert!(stdout.contains(&expected), "{expected}\n{stdout}");
    for t in &ties {
        assert!(stdout.contains(&format!("\"{t}\"")), "{t}\n{stdout}");
    }
    assert_eq!(
        stdout.contains("not significantly different"),
        !ties.is_empty()
    );
}

/// Issue 17: the comparison page answers with everything the terminal shows. On
/// compare-targets (90 minutes, SLO p99 <= 300 ms): the cost-vs-p99 chart draws the
/// SLO at 300 ms; each strategy's row says what it sets (read from its [[strategy]]
/// table: "cpu 40" replaces the policy with target 40, "cpu 50 + least outstanding"
/// sets the algorithm, "cpu 50" nothing); the paired differences are a table; and
/// each replicate's cost per month is its total × 730 h / 1.5 h (to the 6 decimals
/// of the file, times the 486.7 of the ratio).
#[test]
fn issue_17_the_compare_page_has_the_slo_line_definitions_and_differences() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ct");
    let status = simcloud()
        .args([
            "compare",
            scenario_path("compare-targets.toml").to_str().unwrap(),
        ])
        .args([
            "--replicates",
            "3",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(status.status.success());
    let chart = fs::read_to_string(out.join("cost_vs_p99.svg")).unwrap();
    assert!(chart.contains("SLO: p99 ≤ 300 ms"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let row = |name: &str| {
        let at = html.find(&format!("<tr><td>{name}</td>")).expect(name);
        html[at..at + html[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(row("cpu 40").contains("target = 40.0"), "{}", row("cpu 40"));
    assert!(
        row("cpu 50 + least outstanding").contains(
            "<code>load_balancer.algorithm = &quot;least_outstanding_requests&quot;</code>"
        )
    );
    assert!(row("cpu 50").contains("nothing: the base scenario"));
    assert!(html.contains("<h2 id=\"differences\">Differences against cpu 50</h2>"));
    assert!(html.contains("$ per month at this rate"));

    let text = fs::read_to_string(out.join("replicates.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (total, month) = (col("total_cost_usd"), col("cost_per_month_usd"));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (t, m): (f64, f64) = (f[total].parse().unwrap(), f[month].parse().unwrap());
        assert!(
            (m - t * 730.0 / 1.5).abs() <= 1e-6 * 730.0 / 1.5 + 1e-6,
            "{line}"
        );
    }
}
