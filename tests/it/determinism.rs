//! Same scenario and seed ⇒ byte-identical run folders.

use crate::common::scenario_path;
use assert_cmd::Command;
use std::fs;

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |dir: &str, seed: &str| {
        let out = tmp.path().join(dir);
        Command::cargo_bin("simcloud")
            .unwrap()
            .args([
                "run",
                scenario_path("spike.toml").to_str().unwrap(),
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
    for file in ["summary.json", "timeline.csv", "cost.csv"] {
        let (fa, fb, fc) = (
            fs::read(a.join(file)).unwrap(),
            fs::read(b.join(file)).unwrap(),
            fs::read(c.join(file)).unwrap(),
        );
        assert!(fa == fb, "{file} differs between identical runs");
        assert!(fa != fc, "{file} does not depend on the seed");
    }
}
