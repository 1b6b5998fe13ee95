//! The outputs of a run of several tiers (SPEC "Phase 2"): timelines, bill, summary,
//! charts and `report.html` through the real writer, and `compare` over such a run.
//! Scenario files cannot describe tiers yet, so the tiers are added to a resolved
//! config, as `validation::two_tiers` does.

use crate::common::{config_from_str, root};
use simcloud::compare::{self, CompareOptions, ComparePlan, Metric};
use simcloud::model::{Call, Config, simulate_observed};
use simcloud::report::{RunOptions, RunWriter, StagedFolder};
use simcloud::scenario::ScenarioFile;
use std::fs;
use std::path::Path;

/// The entry tier `web`: a 20 ms service behind target tracking on CPU at 50 %.
const WEB: &str = r#"
name = "shop"
duration = "30m"
seed = 7
[traffic]
rate = 40
[service]
time = { dist = "exponential", mean = "20ms" }
workers = 8
[autoscaling]
min = 1
max = 4
[[autoscaling.policy]]
kind = "target_tracking"
metric = "cpu"
target = 50.0
"#;

/// The called tier `api`: the entry tier's scenario with 15 ms per call, a fleet of
/// 2 to 6 behind its own target of 60 %, and spot above one on-demand instance, so
/// that its bill has a part the entry tier's has not.
const API: [&str; 6] = [
    "service.time.mean=\"15ms\"",
    "autoscaling.min=2",
    "autoscaling.max=6",
    "autoscaling.policy[0].target=60.0",
    "purchase.on_demand_base=1",
    "purchase.on_demand_percent_above_base=0",
];

/// `base` with a tier `api` (see [`API`]) that each request calls twice.
fn with_api(mut base: Config) -> Config {
    let mut file = ScenarioFile::parse(&root().join("inline.toml"), WEB.to_string()).unwrap();
    for assignment in API {
        file.set(assignment).unwrap();
    }
    let mut api = file.resolve().unwrap().tiers.remove(0);
    api.name = "api".into();
    base.tiers[0].calls = vec![Call {
        tier: 1,
        count: 2,
        request_bytes: 0,
        response_bytes: 0,
    }];
    base.tiers.push(api);
    base
}

/// Runs `config` through the real writer into `out` (replacing a previous run there,
/// as `simcloud run` does) and returns the files written.
fn write_run(config: &Config, out: &Path) -> Vec<String> {
    let staged = StagedFolder::prepare(out).unwrap();
    let mut writer = RunWriter::create(staged.path(), &RunOptions::default(), config).unwrap();
    let outcome = simulate_observed(config, &mut writer);
    let (files, plots_secs) = writer.finish(config, &outcome).unwrap();
    assert!(plots_secs.is_some());
    staged.commit().unwrap();
    files
}

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut rows = vec![headers];
    rows.extend(reader.records().map(Result::unwrap));
    rows
}

fn column(rows: &[csv::StringRecord], name: &str) -> Vec<String> {
    let at = rows[0].iter().position(|h| h == name).unwrap_or_else(|| {
        panic!("no column {name} in {:?}", rows[0]);
    });
    rows[1..].iter().map(|r| r[at].to_string()).collect()
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
}

#[test]
fn a_run_of_two_tiers_writes_every_output_per_tier() {
    let config = with_api(config_from_str(WEB));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shop");
    let files = write_run(&config, &out);

    // The timelines: one per tier, row for row over the same intervals.
    let web = read_csv(&out.join("timeline.csv"));
    let api = read_csv(&out.join("timeline-api.csv"));
    assert_eq!(web[0], api[0], "the same columns");
    assert_eq!(web.len(), api.len());
    assert_eq!(web.len() - 1, 30, "a row a minute");
    for key in ["start_s", "end_s"] {
        assert_eq!(column(&web, key), column(&api, key), "{key}");
    }

    // Each timeline ends at its tier's total, and the tiers' totals make the bill.
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let tier_total = |name: &str| {
        summary["tiers"][name]["cost_usd"]["total"]
            .as_f64()
            .unwrap()
    };
    for (rows, name) in [(&web, "web"), (&api, "api")] {
        let last = number(column(rows, "cost_usd").last().unwrap());
        assert!((last - tier_total(name)).abs() < 1e-9, "{name}: {last}");
        assert!(tier_total(name) > 0.0);
    }
    let total = summary["cost_usd"]["total"].as_f64().unwrap();
    assert!((total - tier_total("web") - tier_total("api")).abs() < 1e-6);

    // cost.csv: each tier's lines add up to its total, within a rounding per line.
    let cost = read_csv(&out.join("cost.csv"));
    let (tiers, amounts) = (column(&cost, "tier"), column(&cost, "cost_usd"));
    for name in ["web", "api"] {
        let lines: Vec<f64> = tiers
            .iter()
            .zip(&amounts)
            .filter(|(t, _)| *t == name)
            .map(|(_, c)| number(c))
            .collect();
        assert!(!lines.is_empty(), "no line bills {name}");
        let sum: f64 = lines.iter().sum();
        assert!(
            (sum - tier_total(name)).abs() <= 1e-6 * lines.len() as f64,
            "{name}: lines {sum} against {}",
            tier_total(name)
        );
    }
    assert!(tiers.iter().all(|t| t == "web" || t == "api"));
    let api_spot = summary["tiers"]["api"]["cost_usd"]["spot"]
        .as_f64()
        .unwrap();
    assert!(api_spot > 0.0, "the api tier runs spot instances");

    // The charts: the entry tier's under the names of a one-tier run, the api tier's
    // after it, without the distribution (no histogram of calls is kept).
    let charts = ["traffic", "latency", "cpu", "cost", "latency_distribution"];
    let mut expected: Vec<String> = charts.iter().map(|c| c.to_string()).collect();
    expected.extend(charts[..4].iter().map(|c| format!("api-{c}")));
    for stem in &expected {
        for ext in ["svg", "png"] {
            let name = format!("{stem}.{ext}");
            assert!(files.contains(&name), "{name} not reported as written");
            assert!(out.join(&name).is_file(), "{name} missing");
        }
    }
    assert!(!out.join("api-latency_distribution.svg").exists());
    let api_cpu = fs::read_to_string(out.join("api-cpu.svg")).unwrap();
    assert!(api_cpu.contains("(tier api)"), "the chart names its tier");
    assert!(api_cpu.contains("CPU target: 60 %"), "api's own target");
    assert!(!api_cpu.contains("CPU target: 50 %"));

    // The page: a section per tier, entry first, with its own figures and charts.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), expected.len());
    let web_at = html
        .find("<h2 id=\"tier-web\">Tier web (ec2), the entry tier</h2>")
        .expect("a section for web");
    let api_at = html
        .find("<h2 id=\"tier-api\">Tier api (ec2)</h2>")
        .expect("a section for api");
    let bill_at = html.find("<h2 id=\"bill\">").unwrap();
    assert!(web_at < api_at && api_at < bill_at);
    let api_section = &html[api_at..bill_at];
    let api_summary = &summary["tiers"]["api"];
    for needle in [
        "<figure id=\"api-cpu\">".to_string(),
        "href=\"api-latency.png\"".to_string(),
        format!(
            "<tr><td>arrived</td><td class=\"n\">{}</td>",
            thousands(api_summary["requests"]["arrived"].as_u64().unwrap())
        ),
        format!(
            "<tr><td>p99</td><td class=\"n\">{:.1}</td></tr>",
            api_summary["latency_ms"]["p99"].as_f64().unwrap()
        ),
        format!(
            "<tr><td>spot</td><td class=\"n\">${:.2}</td></tr>",
            api_summary["cost_usd"]["spot"].as_f64().unwrap()
        ),
    ] {
        assert!(
            api_section.contains(&needle),
            "api's section lacks {needle}"
        );
    }
    assert!(!api_section.contains("<figure id=\"api-latency_distribution\">"));
    assert!(html[web_at..api_at].contains("<figure id=\"latency_distribution\">"));

    // Where the time goes: nothing failed, so the api tier's share is its two calls.
    let failed: u64 = ["web", "api"]
        .iter()
        .flat_map(|t| ["rejected", "timed_out", "interrupted"].map(|k| (*t, k)))
        .map(|(t, k)| summary["tiers"][t]["requests"][k].as_u64().unwrap())
        .sum();
    assert_eq!(failed, 0, "the scenario should not fail requests");
    let api_mean = api_summary["latency_ms"]["mean"].as_f64().unwrap();
    let web_mean = summary["latency_ms"]["mean"].as_f64().unwrap();
    let sentence = format!(
        "Where the time goes: of the {web_mean:.1} ms mean end-to-end latency, about {:.1} ms \
         in web itself and {:.1} ms in api (2 calls per request, {api_mean:.1} ms each)",
        web_mean - 2.0 * api_mean,
        2.0 * api_mean
    );
    assert!(html.contains(&sentence), "report.html lacks: {sentence}");

    // A second run replaces the first: the api tier's files count as simcloud's.
    let again = write_run(&config, &out);
    assert_eq!(again, files);
}

/// A count as the page prints it: `1,234`.
fn thousands(n: u64) -> String {
    simcloud::report::html::count(n)
}

/// A run of one tier keeps its page and files as they were: no tier sections, no
/// prefixed charts, no tier column in the bill.
#[test]
fn a_run_of_one_tier_has_no_tier_sections() {
    let config = config_from_str(WEB);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shop");
    let files = write_run(&config, &out);
    assert!(files.iter().all(|f| !f.contains('-')), "{files:?}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("id=\"tier-"));
    assert!(!html.contains("Where the time goes"));
    assert!(html.contains("<h2 id=\"charts\">Charts</h2>"));
}

/// `compare` over a run of two tiers: the strategies' metrics read the top-level
/// summary, whose total cost is both tiers' bill.
#[test]
fn compare_runs_a_config_of_two_tiers() {
    let text = format!(
        "{WEB}\n[[strategy]]\nname = \"four\"\n[[strategy]]\nname = \"two\"\nautoscaling.max = 2\n"
    );
    let file = ScenarioFile::parse(&root().join("inline.toml"), text).unwrap();
    let mut plan = ComparePlan::from_file(
        &file,
        &CompareOptions {
            replicates: 2,
            threads: Some(2),
            seed: None,
        },
    )
    .unwrap();
    for strategy in &mut plan.strategies {
        strategy.config = with_api(strategy.config.clone());
    }
    let runs = compare::run_replicates(&plan, &|| {}).unwrap();
    let c = compare::Comparison::new(
        &plan.grid(),
        runs.iter().map(compare::RunRecord::of).collect(),
    );
    assert_eq!(runs.len(), 4);
    for run in &runs {
        let s = &run.summary;
        assert_eq!(s.tiers.len(), 2, "each run has both tiers");
        let tiers: f64 = s.tiers.iter().map(|t| t.cost_usd.total).sum();
        assert!((s.cost_usd.total - tiers).abs() < 1e-6);
        assert!(s.tiers[1].cost_usd.total > 0.0);
    }
    for (index, strategy) in c.strategies.iter().enumerate() {
        let runs: Vec<f64> = runs
            .iter()
            .filter(|r| r.strategy == index)
            .map(|r| r.summary.cost_usd.total)
            .collect();
        let mean = runs.iter().sum::<f64>() / runs.len() as f64;
        assert!(
            (strategy.cost().mean - mean).abs() < 1e-6,
            "{}",
            strategy.name
        );
        let spot = strategy.get(Metric::Cost(simcloud::model::BillPart::Spot));
        assert!(
            spot.estimate.mean > 0.0,
            "api's spot instances are in the comparison's bill"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let files = simcloud::report::compare::write_files(&c, tmp.path()).unwrap();
    assert_eq!(files, ["compare.csv", "compare.json", "replicates.csv"]);
    let pictures = simcloud::report::compare::write_compare_pictures(
        &c,
        &plan.strategies[0].config,
        &plan.named_configs(),
        tmp.path(),
        None,
    )
    .unwrap();
    assert!(pictures.contains(&"report.html".to_string()));
}

/// Issue 17: a verdict per tier. In web-db (seed 7) the database refuses connections
/// (its summary says how many), so it is the bottleneck, and web, whose queue fills
/// while its workers wait on the database, is said to be backed up by it rather than
/// named the bottleneck; two-tier's api turns nothing away, so it is not named.
#[test]
fn each_tier_gets_a_verdict_naming_the_deepest_tier_that_turns_work_away() {
    use crate::common::{load, scenario_path};
    use simcloud::model::simulate;
    use simcloud::report::tiers::tier_verdicts;
    let config = load(&scenario_path("web-db.toml"));
    let summary = simulate(&config, &mut |_| {}).summary;
    let refused = summary.tiers[1].rds.as_ref().unwrap().refused_connections;
    assert!(refused > 0, "web-db's database refuses connections");
    let v = tier_verdicts(&config, &summary);
    assert_eq!(v.len(), 2);
    assert!(
        v[1].starts_with(&format!(
            "db (rds): the bottleneck: {} connections refused",
            simcloud::report::html::count(refused)
        )),
        "{}",
        v[1]
    );
    assert!(v[0].contains("backed up by db"), "{}", v[0]);
    assert!(!v[0].contains("the bottleneck"), "{}", v[0]);

    let config = load(&scenario_path("two-tier.toml"));
    let summary = simulate(&config, &mut |_| {}).summary;
    assert_eq!(summary.tiers[1].requests.rejected, 0);
    let v = tier_verdicts(&config, &summary);
    assert!(
        v[1].starts_with("api (ec2): not the bottleneck"),
        "{}",
        v[1]
    );
}
