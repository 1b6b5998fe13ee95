//! Helpers shared by the integration tests.

use simcloud::model::{Config, RequestCounts, RunOutcome, TimelineRow, simulate};
use simcloud::scenario::ScenarioFile;
use std::path::{Path, PathBuf};

/// The project root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `simcloud` binary, for tests of the command line.
pub fn simcloud() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("simcloud").expect("binary built")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A minimal valid scenario of 10 minutes; tests change or break one key at a time.
pub const GOOD: &str = r#"
name = "tiny"
duration = "10m"
[traffic]
rate = 20
[service]
time = { dist = "exponential", mean = "20ms" }
[autoscaling]
min = 1
max = 3
"#;

/// Every shipped scenario (`scenarios/*.toml`), in name order.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}

/// A shipped scenario, by file name.
pub fn scenario_path(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// `../shared/data/<rel>`: real data used by tests, never copied into the project.
pub fn shared_data(rel: &str) -> PathBuf {
    root().join("../shared/data").join(rel)
}

/// Resolves scenario text as if it were the file `name` in the scenarios folder.
pub fn config_from_str(text: &str) -> Config {
    ScenarioFile::parse(&scenario_path("inline.toml"), text.to_string())
        .and_then(|f| f.resolve())
        .unwrap_or_else(|e| panic!("test scenario is invalid: {e}"))
}

pub fn load(path: &Path) -> Config {
    ScenarioFile::read(path)
        .and_then(|f| f.resolve())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a config and keeps every timeline row.
pub fn run_with_timeline(config: &Config) -> (RunOutcome, Vec<TimelineRow>) {
    let mut rows = Vec::new();
    let outcome = simulate(config, &mut |row| rows.push(row.clone()));
    (outcome, rows)
}

/// A proptest runner with a fixed case count and a fixed seed: the suite is
/// reproducible and its length does not depend on `PROPTEST_CASES` (which the
/// `proptest!` macro would let override the count). Failures are shrunk and reported
/// by `run`; nothing is persisted to disk.
pub fn proptest_runner(cases: u32) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5151_c10d),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Every request of a run (or a tier) counted exactly once.
pub fn assert_conserved(r: &RequestCounts) {
    assert_eq!(
        r.arrived,
        r.completed + r.rejected + r.timed_out + r.interrupted + r.failed + r.in_flight,
        "{r:?}"
    );
}

/// `simcloud validate` refuses the scenario `text` (written as `bad.toml`) with exit
/// code 2 and a message that names the file and contains `needle`; returns stderr.
pub fn assert_rejected(text: &str, needle: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "bad.toml", text);
    let output = simcloud()
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{text}\n{stderr}");
    assert!(stderr.contains("bad.toml:"), "{stderr}");
    assert!(stderr.contains(needle), "{needle}: {stderr}");
    stderr
}
