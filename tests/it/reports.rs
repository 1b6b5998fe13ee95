//! Issue 17: reports that answer the question — the bill that adds up, on the page and
//! in the terminal, checked against `cost.csv` summed here.

use crate::common::{scenario_path, simcloud};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// `cost.csv` summed by (purchase option, kind of line), the kind being what the item's
/// name says: `fee`, `coverage` or `usage`; with the quantities (seconds or hours).
fn cost_csv_sums(path: &Path) -> BTreeMap<(String, &'static str), (f64, f64)> {
    let mut sums = BTreeMap::new();
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (item, option, quantity, cost) = (
        col("item"),
        col("purchase_option"),
        col("quantity"),
        col("cost_usd"),
    );
    for row in reader.records() {
        let row = row.unwrap();
        let kind = match &row[item] {
            i if i.ends_with("_fee") => "fee",
            i if i.ends_with("_coverage") => "coverage",
            _ => "usage",
        };
        let entry = sums
            .entry((row[option].to_string(), kind))
            .or_insert((0.0, 0.0));
        entry.0 += row[quantity].parse::<f64>().unwrap();
        entry.1 += row[cost].parse::<f64>().unwrap();
    }
    sums
}

/// "$1,234.56" or "-$1.73" as a number.
fn money(text: &str) -> f64 {
    let negative = text.starts_with('-');
    let v: f64 = text
        .trim_start_matches('-')
        .trim_start_matches('$')
        .replace(',', "")
        .parse()
        .unwrap_or_else(|e| panic!("not money: {text:?}: {e}"));
    if negative { -v } else { v }
}

/// The rows of the page's bill table: (class, cell texts).
fn bill_rows(html: &str) -> Vec<(String, Vec<String>)> {
    let start = html.find("<table class=\"bill\">").expect("a bill table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr")
        .skip(2) // before the first row, and the header row
        .map(|row| {
            let class = row
                .split('"')
                .nth(1)
                .filter(|_| row.starts_with(" class="))
                .unwrap_or("")
                .to_string();
            let cells = row
                .split(['<', '>'])
                .collect::<Vec<_>>()
                .windows(2)
                .filter(|w| w[0].starts_with("td") || w[0].starts_with("th"))
                .map(|w| w[1].to_string())
                .collect();
            (class, cells)
        })
        .collect()
}

/// Issue 17, "the reserved bill does not reconcile": the page said "reserved $12.75"
/// while cost.csv's reserved lines summed to -$7.98, and listed gross on-demand lines
/// with the credits hidden. Now the page's bill lists usage, credits and fees that add
/// up to cost.csv's total, each equal to the sum of its lines in cost.csv, and the
/// terminal prints the same statement.
///
/// Tolerance: the page shows cents, so each amount is within half a cent of its sum,
/// and the items' displayed amounts add up to the displayed total within half a cent
/// per item. Percentages are derived here from cost.csv's quantities and must match to
/// the printed 0.1 %.
#[test]
fn issue_17_the_reserved_bill_adds_up_on_the_page_and_in_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reserved");
    let assert = simcloud()
        .args(["run", scenario_path("reserved.toml").to_str().unwrap()])
        .args(["--out", out.to_str().unwrap(), "--set", "duration=12h"])
        .assert()
        .success();
    let terminal = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let sums = cost_csv_sums(&out.join("cost.csv"));
    let total: f64 = sums.values().map(|s| s.1).sum();
    let get = |option: &str, kind: &'static str| {
        sums.get(&(option.to_string(), kind))
            .copied()
            .unwrap_or_else(|| panic!("cost.csv has no {kind} line of {option}"))
    };
    // The scenario reserves 3 m5.large and commits to a savings plan: every kind of
    // line is there, and the credits are real money.
    let (od_secs, od_usage) = get("on_demand", "usage");
    let (ri_covered_secs, ri_credit) = get("reserved", "coverage");
    let (sp_covered_secs, sp_credit) = get("savings_plan", "coverage");
    let (ri_fee_hours, ri_fee) = get("reserved", "fee");
    let (_, sp_fee) = get("savings_plan", "fee");
    let (_, lb) = get("load_balancer", "usage");
    assert!(ri_credit < -1.0 && sp_credit < -0.5, "{sums:?}");

    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let rows = bill_rows(&html);
    let row = |label: &str| {
        rows.iter()
            .find(|(_, cells)| cells.first().is_some_and(|c| c == label))
            .unwrap_or_else(|| panic!("no bill row {label:?} in {rows:?}"))
            .1
            .clone()
    };
    let expected = [
        ("on-demand instances", od_usage),
        ("load balancer", lb),
        ("covered by reserved instances", ri_credit),
        ("covered by the savings plan", sp_credit),
        ("reserved instances", ri_fee),
        ("savings plan commitment", sp_fee),
    ];
    for (label, sum) in expected {
        let shown = money(&row(label)[2]);
        assert!(
            (shown - sum).abs() <= 0.005 + 1e-9,
            "{label}: page {shown}, cost.csv {sum}"
        );
    }
    let items: Vec<f64> = rows
        .iter()
        .filter(|(class, _)| class == "item")
        .map(|(_, cells)| money(&cells[2]))
        .collect();
    assert_eq!(items.len(), expected.len(), "{rows:?}");
    let shown_total = money(&row("total, as cost.csv adds up")[2]);
    assert!(
        (shown_total - total).abs() <= 0.005 + 1e-9,
        "{shown_total} vs {total}"
    );
    let items_sum: f64 = items.iter().sum();
    assert!(
        (items_sum - shown_total).abs() <= 0.005 * items.len() as f64 + 1e-9,
        "items add to {items_sum}, total {shown_total}"
    );
    // The summary's parts (coverage under on-demand) name the same total.
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!((summary["cost_usd"]["total"].as_f64().unwrap() - total).abs() < 1e-4);
    let left = money(&row("on-demand usage left to pay")[2]);
    let od_net = summary["cost_usd"]["on_demand"].as_f64().unwrap();
    assert!((left - od_net).abs() <= 0.005 + 1e-9, "{left} vs {od_net}");

    // Coverage: covered on-demand seconds over on-demand seconds; utilisation of the
    // reservations: covered instance-hours over the instance-hours paid for.
    let pct = |part: f64, whole: f64| format!("{:.1} %", 100.0 * part / whole);
    let ri_cover = format!(
        "{} of on-demand instance-hours",
        pct(ri_covered_secs, od_secs)
    );
    let sp_cover = format!(
        "{} of on-demand instance-hours",
        pct(sp_covered_secs, od_secs)
    );
    let ri_used = format!("{} used", pct(ri_covered_secs / 3600.0, ri_fee_hours));
    assert_eq!(row("covered by reserved instances")[3], ri_cover);
    assert_eq!(row("covered by the savings plan")[3], sp_cover);
    assert_eq!(row("reserved instances")[3], ri_used);

    // The terminal prints the same statement.
    for (label, sum) in expected {
        let line = terminal
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("terminal has no line {label:?}:\n{terminal}"));
        let shown = line
            .split_whitespace()
            .find(|w| w.contains('$'))
            .map(money)
            .unwrap();
        assert!((shown - sum).abs() <= 0.005 + 1e-9, "{line}");
    }
    for note in [&ri_cover, &sp_cover, &ri_used] {
        assert!(
            terminal.contains(note.as_str()),
            "terminal lacks {note}:\n{terminal}"
        );
    }
}

/// The verdict section of a page: its `data-slo` and its text without tags.
fn verdict(html: &str) -> (String, String) {
    let start = html
        .find("<section id=\"verdict\"")
        .expect("a verdict section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    let state = section.split("data-slo=\"").nth(1).unwrap();
    let state = state[..state.find('"').unwrap()].to_string();
    let text: String = section
        .split('<')
        .map(|part| part.split_once('>').map_or("", |(_, t)| t))
        .collect();
    (state, text)
}

/// Issue 17, "a verdict at the top": the page opens (before any table, chart or
/// heading below the title) with the SLO judgement that summary.json makes, and says
/// when and how long the per-interval p99 was above the SLO latency, the errors, the
/// cost and its monthly rate. The oracle is summary.json and timeline.csv, read here:
/// the minutes over the SLO are counted from timeline.csv's p99 column, the monthly
/// rate is total × 730 h / simulated hours.
#[test]
fn issue_17_the_verdict_agrees_with_summary_json_and_the_timeline() {
    let tmp = tempfile::tempdir().unwrap();
    // spike misses its SLO (p99 reaches 1.8 s under the spike at 1 h); with the
    // spike moved past the end, the same system meets it.
    for (name, extra, expect) in [
        ("missed", "traffic.spike[0].start=\"1h\"", "missed"),
        ("met", "traffic.spike[0].start=\"3h\"", "met"),
    ] {
        let out = tmp.path().join(name);
        simcloud()
            .args(["run", scenario_path("spike.toml").to_str().unwrap()])
            .args(["--out", out.to_str().unwrap(), "--quiet"])
            .args(["--set", "duration=2h", "--set", extra])
            .assert()
            .success();
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let met = summary["slo"]["met"].as_bool().unwrap();
        assert_eq!(
            met,
            expect == "met",
            "{name}: the scenario no longer {expect}s"
        );
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        let at = html.find("<section id=\"verdict\"").unwrap();
        assert!(
            at < html.find("<h2").unwrap(),
            "the verdict is not at the top"
        );
        let (state, text) = verdict(&html);
        assert_eq!(state, expect, "{text}");
        assert!(
            text.trim_start()
                .starts_with(&format!("SLO p99 ≤ 300 ms {expect}")),
            "{text}"
        );
        // Minutes over the SLO, from timeline.csv.
        let mut reader = csv::Reader::from_path(out.join("timeline.csv")).unwrap();
        let headers = reader.headers().unwrap().clone();
        let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
        let (p99, completions) = (col("p99_ms"), col("completions"));
        let (mut judged, mut over) = (0, 0);
        for row in reader.records() {
            let row = row.unwrap();
            if row[completions].parse::<u64>().unwrap() > 0 {
                judged += 1;
                over += u64::from(row[p99].parse::<f64>().unwrap() > 300.0);
            }
        }
        assert_eq!(judged, 120, "{name}");
        let interval = if over > 0 {
            format!("above 300 ms in {over} of {judged} intervals")
        } else {
            format!("stayed within 300 ms in all {judged} intervals")
        };
        assert!(
            text.contains(&interval),
            "{name}: lacks {interval:?}: {text}"
        );
        assert_eq!(over > 0, expect == "missed", "{name}: {over} minutes over");
        let total = summary["cost_usd"]["total"].as_f64().unwrap();
        let monthly = format!("about ${:.2} per month", total * 730.0 / 2.0);
        assert!(text.contains(&monthly), "{name}: lacks {monthly:?}: {text}");
        let rejected = summary["requests"]["rejected"].as_u64().unwrap();
        if rejected > 0 {
            assert!(text.contains("rejected with 503"), "{text}");
        } else {
            assert!(text.contains("No request failed"), "{text}");
        }
    }
}

/// Issue 17, "readable everywhere": the page links to its data files (each exists
/// beside it), the scenario is collapsed in a `<details>`, the style sheet has phone,
/// print and dark rules, and every chart has a `<title>` (the browser's hover text)
/// that names it as its figure's caption does. The layout itself is measured in
/// Chromium by CI's browser step (.ci/steps/browser.sh).
#[test]
fn issue_17_the_page_links_its_data_and_collapses_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    simcloud()
        .args(["run", scenario_path("spike.toml").to_str().unwrap()])
        .args([
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "duration=70m",
        ])
        .assert()
        .success();
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let files = html
        .split("<p class=\"files\">")
        .nth(1)
        .expect("data links");
    let files = &files[..files.find("</p>").unwrap()];
    let links: Vec<&str> = files
        .split("href=\"")
        .skip(1)
        .map(|l| &l[..l.find('"').unwrap()])
        .collect();
    assert_eq!(links, ["summary.json", "timeline.csv", "cost.csv"]);
    for link in links {
        assert!(out.join(link).is_file(), "{link} is not beside the page");
    }
    let scenario = &html[html.find("id=\"scenario\"").unwrap()..];
    assert!(scenario.contains("<details>\n<summary>the resolved scenario, "));
    assert!(scenario.contains("name = &quot;spike&quot;"));
    for media in [
        "@media (max-width: 700px)",
        "@media print",
        "@media (prefers-color-scheme: dark)",
    ] {
        assert!(html.contains(media), "no {media} rules");
    }
    for chart in ["traffic", "latency", "cpu", "cost", "latency_distribution"] {
        let svg = fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let first = doc.root_element().first_element_child().unwrap();
        assert_eq!(first.tag_name().name(), "title", "{chart}.svg");
        let title = first.text().unwrap();
        let figure = &html[html.find(&format!("<figure id=\"{chart}\">")).unwrap()..];
        let caption = &figure[figure.find("<figcaption>").unwrap() + 12..];
        assert!(
            caption.starts_with(title),
            "{chart}: {title:?} vs {caption:.80}"
        );
    }
}

/// Issue 17: terminal tables were about 130 columns wide and wrapped into a mess at
/// 80. With `COLUMNS=80` every table line fits in 80 columns (a block per strategy);
/// through a pipe with no `COLUMNS` the wide table stays, as scripts expect.
#[test]
fn issue_17_terminal_tables_fit_a_narrow_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |columns: Option<&str>| {
        let mut cmd = simcloud();
        cmd.args([
            "compare",
            scenario_path("compare-pricing.toml").to_str().unwrap(),
        ])
        .args(["--replicates", "2", "--set", "duration=30m", "--no-plots"])
        .args(["--out", tmp.path().join("c").to_str().unwrap()]);
        match columns {
            Some(c) => cmd.env("COLUMNS", c),
            None => cmd.env_remove("COLUMNS"),
        };
        String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
    };
    // Table lines are indented by three (captions by two, the heading line not at all).
    let table_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("   "))
            .map(String::from)
            .collect()
    };
    let narrow = run(Some("80"));
    let lines = table_lines(&narrow);
    assert!(lines.len() > 20, "{narrow}");
    for line in &lines {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(narrow.contains("\n   reserved base + spot\n"), "{narrow}");
    let wide = run(None);
    assert!(
        table_lines(&wide).iter().any(|l| l.chars().count() > 100),
        "{wide}"
    );
}
