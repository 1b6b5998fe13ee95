//! Golden outputs: every shipped scenario at its own seed, run by the real binary,
//! gives the `summary.json` and the exact `timeline.csv` and `cost.csv` (by SHA-256)
//! committed in `tests/goldens/`. They guard refactors: a change that moves a number
//! shows here, and is either a bug or a deliberate model change whose commit says why.
//! They prove nothing about correctness; the oracles elsewhere do that.
//!
//! Update them after a deliberate change with one command:
//!
//! ```sh
//! SIMCLOUD_UPDATE_GOLDENS=1 cargo test --release --test it goldens
//! ```
//!
//! `worldcup98.toml` is cut to its first two days (`--set duration=2d`), which keeps
//! the suite short; `static-offload.toml` runs as its "S3 + CloudFront" strategy (the
//! base serves everything from EC2), so that its golden holds every part of the egress
//! bill; every other scenario runs in full as written.

use crate::common::{root, shipped_scenarios, simcloud};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;

const UPDATE: &str = "SIMCLOUD_UPDATE_GOLDENS";

/// The scenarios and the extra arguments each golden run takes.
fn cases() -> Vec<(String, Vec<&'static str>)> {
    shipped_scenarios()
        .iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let extra = match name.as_str() {
                "worldcup98" => vec!["--set", "duration=2d"],
                "static-offload" => [
                    "service.time.mean=80ms",
                    "service.response_bytes=50000",
                    "load_balancer.request_bytes=50000",
                    "s3.gets_per_request=6",
                    "s3.object_kb=150",
                    "s3.stored_gb=20",
                    "s3.via=cloudfront",
                    "s3.cache_hit_ratio=0.95",
                ]
                .iter()
                .flat_map(|set| ["--set", set])
                .collect(),
                _ => vec![],
            };
            (name, extra)
        })
        .collect()
}

fn sha256_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs one scenario with the real binary and returns what its golden file holds.
fn golden_of(name: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let scenario = root().join("scenarios").join(format!("{name}.toml"));
    simcloud()
        .arg("run")
        .arg(&scenario)
        .args(extra)
        .arg("--out")
        .arg(&out)
        .args(["--no-plots", "--quiet"])
        .assert()
        .success();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    json!({
        "arguments": extra,
        "summary": summary,
        "timeline_csv_sha256": sha256_of(&out.join("timeline.csv")),
        "cost_csv_sha256": sha256_of(&out.join("cost.csv")),
    })
}

#[test]
fn every_shipped_scenario_matches_its_golden_output() {
    let update = std::env::var_os(UPDATE).is_some();
    let folder = root().join("tests/goldens");
    let cases = cases();
    // Two at a time: the runs are independent processes, and the machine has 2 cores.
    let results: Vec<(String, Value)> = std::thread::scope(|scope| {
        let (a, b): (Vec<_>, Vec<_>) = cases.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let run = |part: Vec<(usize, &(String, Vec<&'static str>))>| {
            part.into_iter()
                .map(|(i, (name, extra))| (i, name.clone(), golden_of(name, extra)))
                .collect::<Vec<_>>()
        };
        let first = scope.spawn(move || run(a));
        let second = scope.spawn(move || run(b));
        let mut all = first.join().unwrap();
        all.extend(second.join().unwrap());
        all.sort_by_key(|(i, _, _)| *i);
        all.into_iter().map(|(_, n, v)| (n, v)).collect()
    });
    let mut differ = Vec::new();
    for (name, actual) in results {
        let path = folder.join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(&folder).unwrap();
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let expected: Value = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => {
                differ.push(format!("{name}: no golden file {}", path.display()));
                continue;
            }
        };
        if expected != actual {
            differ.push(describe(&name, &expected, &actual));
        }
    }
    assert!(
        differ.is_empty(),
        "golden outputs differ (if the change is deliberate, run `{UPDATE}=1 cargo test \
         --release --test it goldens` and say why in the commit):\n{}",
        differ.join("\n")
    );
}

/// The first few leaves that differ, by JSON path.
fn describe(name: &str, expected: &Value, actual: &Value) -> String {
    fn walk(path: String, e: &Value, a: &Value, out: &mut Vec<String>) {
        match (e, a) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let (ev, av) = (x.get(key), y.get(key));
                    walk(
                        format!("{path}.{key}"),
                        ev.unwrap_or(&Value::Null),
                        av.unwrap_or(&Value::Null),
                        out,
                    );
                }
            }
            _ if e != a => out.push(format!("  {path}: {e} -> {a}")),
            _ => {}
        }
    }
    let mut lines = Vec::new();
    walk(String::new(), expected, actual, &mut lines);
    lines.truncate(12);
    format!("{name}:\n{}", lines.join("\n"))
}
