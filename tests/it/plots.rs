//! Issue 5: the charts and report.html of a run, through the real binary.

use crate::common::scenario_path;
use assert_cmd::Command;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const CHARTS: [&str; 5] = ["traffic", "latency", "cpu", "cost", "latency_distribution"];

fn run_spike(out: &Path, extra: &[&str]) {
    Command::cargo_bin("simcloud")
        .expect("binary built")
        .args([
            "run",
            scenario_path("spike.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .args(extra)
        .assert()
        .success();
}

#[test]
fn a_run_writes_decodable_non_blank_charts_and_a_self_contained_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    run_spike(&out, &[]);
    for chart in CHARTS {
        let png = out.join(format!("{chart}.png"));
        let image = image::open(&png)
            .unwrap_or_else(|e| panic!("{} does not decode: {e}", png.display()))
            .to_rgb8();
        assert_eq!(image.dimensions(), (1100, 520), "{chart}.png");
        let colours: BTreeSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
        assert!(
            colours.len() > 50,
            "{chart}.png looks blank: {} distinct colours",
            colours.len()
        );
        let svg = fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{chart}.svg is not XML: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(doc.descendants().filter(|n| n.is_element()).count() > 50);
    }
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), CHARTS.len());
    for needle in ["Summary", "Bill", "Scenario as run", "name = \"spike\""] {
        let needle = needle.replace('"', "&quot;");
        assert!(html.contains(&needle), "report.html lacks {needle}");
    }
    // Self-contained: nothing to fetch, nothing to run.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http"));
    assert!(!html.contains("href=\"http"));
    assert!(!out.join(".report.html.tmp").exists());
}

#[test]
fn no_plots_writes_no_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    run_spike(&out, &["--no-plots"]);
    assert!(out.join("summary.json").is_file());
    for entry in fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !(name.ends_with(".png") || name.ends_with(".svg") || name.ends_with(".html")),
            "--no-plots wrote {name}"
        );
    }
}

#[test]
fn pictures_are_byte_identical_for_identical_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_spike(&a, &["--set", "duration=70m"]);
    run_spike(&b, &["--set", "duration=70m"]);
    for chart in CHARTS {
        for ext in ["svg", "png"] {
            let name = format!("{chart}.{ext}");
            assert!(
                fs::read(a.join(&name)).unwrap() == fs::read(b.join(&name)).unwrap(),
                "{name} differs between identical runs"
            );
        }
    }
    assert_eq!(
        fs::read(a.join("report.html")).unwrap(),
        fs::read(b.join("report.html")).unwrap()
    );
}

/// A scenario name with markup is escaped in the page, not interpreted.
#[test]
fn user_strings_are_escaped_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    run_spike(
        &out,
        &["--set", "name=\"<i>spike & 'co'\"", "--set", "duration=70m"],
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<i>spike"));
    assert!(html.contains("&lt;i&gt;spike &amp; &#39;co&#39;"));
}
