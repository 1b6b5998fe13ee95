//! Same scenario and seed ⇒ byte-identical run folders, for one tier and for several.

use crate::common::scenario_path;
use assert_cmd::Command;
use std::fs;

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in ["spike.toml", "two-tier.toml"] {
        let run = |dir: &str, seed: &str| {
            let out = tmp.path().join(format!("{scenario}-{dir}"));
            Command::cargo_bin("simcloud")
                .unwrap()
                .args([
                    "run",
                    scenario_path(scenario).to_str().unwrap(),
                    "--seed",
                    seed,
                    "--out",
                    out.to_str().unwrap(),
                ])
                .assert()
                .success();
            out
        };
        let (a, b, c) = (run("a", "3"), run("b", "3"), run("c", "4"));
        // Every file of the folder: the numbers, each tier's timeline, the charts and
        // the page.
        let mut files: Vec<String> = fs::read_dir(&a)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        assert!(files.len() >= 10, "{scenario}: {files:?}");
        for file in &files {
            let (fa, fb) = (
                fs::read(a.join(file)).unwrap(),
                fs::read(b.join(file)).unwrap(),
            );
            assert!(
                fa == fb,
                "{scenario}: {file} differs between identical runs"
            );
        }
        let data: &[&str] = match scenario {
            "two-tier.toml" => &[
                "summary.json",
                "timeline.csv",
                "timeline-api.csv",
                "cost.csv",
            ],
            _ => &["summary.json", "timeline.csv", "cost.csv"],
        };
        for file in data {
            assert!(files.iter().any(|f| f == file), "{scenario}: no {file}");
            let (fa, fc) = (
                fs::read(a.join(file)).unwrap(),
                fs::read(c.join(file)).unwrap(),
            );
            assert!(fa != fc, "{scenario}: {file} does not depend on the seed");
        }
    }
}
