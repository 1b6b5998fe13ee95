//! The real `simcloud` binary: exit codes, error messages, files written (or not).

use crate::common::{GOOD, scenario_path, shared_data, simcloud, write_file as write};
use predicates::prelude::*;
use std::fs;

#[test]
fn run_prints_a_summary_and_writes_the_run_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    simcloud()
        .args([
            "run",
            scenario_path("spike.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("requests").and(predicate::str::contains("p99")));
    for file in ["summary.json", "timeline.csv", "cost.csv"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let leftovers: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "spike");
    assert_eq!(summary["seed"], 42);
}

#[test]
fn json_flag_prints_the_summary_record() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "tiny.toml", GOOD);
    let out = tmp.path().join("out");
    let output = simcloud()
        .args([
            "run",
            path.to_str().unwrap(),
            "--json",
            "--seed",
            "7",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["seed"], 7);
}

#[test]
fn validate_prints_the_resolved_scenario_with_defaults() {
    simcloud()
        .args(["validate", scenario_path("spike.toml").to_str().unwrap()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("deregistration_delay = \"1m\"")
                .and(predicate::str::contains("price_per_hour = 0.096"))
                .and(predicate::str::contains("instance_warmup = \"3m\"")),
        );
}

/// The resolved scenario of every shipped scenario is itself a valid scenario that
/// resolves to the same thing (strategies are checked, not printed).
#[test]
fn validate_output_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    for path in crate::common::shipped_scenarios() {
        let first = simcloud()
            .args(["validate", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            first.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&first.stderr)
        );
        let body = |out: &[u8]| {
            String::from_utf8_lossy(out)
                .lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let resolved = write(tmp.path(), "resolved.toml", &body(&first.stdout));
        let second = simcloud()
            .args(["validate", resolved.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            second.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&second.stderr)
        );
        assert_eq!(
            body(&first.stdout),
            body(&second.stdout),
            "{}",
            path.display()
        );
    }
}

#[test]
fn set_overrides_any_key() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "tiny.toml", GOOD);
    simcloud()
        .args([
            "validate",
            path.to_str().unwrap(),
            "--set",
            "autoscaling.max=7",
            "--set",
            "instance.type=c5.large",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("max = 7")
                .and(predicate::str::contains("price_per_hour = 0.085")),
        );
}

/// Each bad input exits 2, names the file, the key and the value, and writes nothing.
#[test]
fn bad_input_exits_2_with_a_clear_message_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown key",
            GOOD.replace("max = 3", "max = 3\nmaximum = 4"),
            vec!["autoscaling.maximum", "unknown key"],
        ),
        (
            "min = 0",
            GOOD.replace("min = 1", "min = 0"),
            vec!["autoscaling.min = 0", "at least 1", "bad.toml:9:"],
        ),
        (
            "min > max",
            GOOD.replace("min = 1", "min = 5"),
            vec!["autoscaling.max = 3", "at least autoscaling.min (5)"],
        ),
        (
            "negative rate",
            GOOD.replace("rate = 20", "rate = -20"),
            vec!["traffic.rate = -20", ">= 0"],
        ),
        (
            "malformed duration",
            GOOD.replace("\"10m\"", "\"10 minutes\""),
            vec!["duration = \"10 minutes\"", "unknown unit"],
        ),
        (
            "duration without unit",
            GOOD.replace("\"10m\"", "\"600\""),
            vec!["duration = \"600\"", "needs a unit"],
        ),
        (
            "missing trace file",
            GOOD.replace("rate = 20", "[traffic.trace]\nfile = \"no-such-trace.csv\""),
            vec![
                "traffic.trace.file = \"no-such-trace.csv\"",
                "does not exist",
            ],
        ),
        (
            "unknown instance type",
            GOOD.replace(
                "[autoscaling]",
                "[instance]\ntype = \"m9.huge\"\n[autoscaling]",
            ),
            vec!["instance.type = \"m9.huge\"", "unknown instance type"],
        ),
        (
            "bad distribution",
            GOOD.replace("exponential", "weibull"),
            vec!["service.time.dist = \"weibull\""],
        ),
        (
            "not TOML",
            "duration = [[[".to_string(),
            vec!["not valid TOML", ":1"],
        ),
        ("empty file", String::new(), vec!["is empty"]),
    ];
    for (what, text, expected) in cases {
        let path = write(dir, "bad.toml", &text);
        let out = dir.join(format!("out-{}", what.replace(' ', "-")));
        let assert = simcloud()
            .args([
                "run",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("bad.toml"),
            "{what}: message does not name the file: {stderr}"
        );
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: expected {needle:?} in: {stderr}"
            );
        }
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{what}: {stderr}"
        );
        assert!(!out.exists(), "{what}: the output folder was created");
    }
}

#[test]
fn unreadable_inputs_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("garbage.toml");
    fs::write(&garbage, [0u8, 159, 146, 150, 255, 0, 1, 2]).unwrap();
    let cases = [
        (tmp.path().join("missing.toml"), "no such file"),
        (tmp.path().to_path_buf(), "is a directory"),
        (garbage, "not a text file"),
    ];
    for (path, needle) in cases {
        simcloud()
            .args(["run", path.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(needle).and(predicate::str::contains(
                    path.file_name().unwrap().to_str().unwrap(),
                )),
            );
    }
}

#[test]
fn a_trace_file_that_is_a_directory_or_malformed_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("trace-dir")).unwrap();
    fs::write(
        tmp.path().join("bad-trace.csv"),
        "period,count\n0,5\n1,five\n",
    )
    .unwrap();
    for (file, needle) in [("trace-dir", "is a directory"), ("bad-trace.csv", "line 3")] {
        let text = GOOD.replace("rate = 20", &format!("[traffic.trace]\nfile = \"{file}\""));
        let path = write(tmp.path(), "s.toml", &text);
        simcloud()
            .args(["validate", path.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
}

#[test]
fn out_that_is_a_file_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "tiny.toml", GOOD);
    let file = write(tmp.path(), "occupied", "x");
    simcloud()
        .args([
            "run",
            path.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ])
        .assert()
        .code(2);
}

#[test]
fn the_world_cup_trace_replays_through_set() {
    let trace = shared_data("worldcup98/requests-per-minute.csv");
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "wc.toml",
        "duration = \"2h\"\n[traffic.trace]\nfile = \"placeholder.csv\"\n",
    );
    simcloud()
        .args([
            "validate",
            path.to_str().unwrap(),
            "--set",
            &format!("traffic.trace.file={}", trace.display()),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("requests-per-minute.csv"));
}

/// Issue 11: the printed cost line lists every part of the bill; on warm-pool.toml it
/// once left out the warm pool ($2.38 + $0.36 printed for a $2.97 total).
#[test]
fn printed_cost_parts_add_up_to_the_printed_total() {
    let tmp = tempfile::tempdir().unwrap();
    let output = simcloud()
        .args(["run", scenario_path("warm-pool.toml").to_str().unwrap()])
        .args(["--no-plots", "--quiet", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("cost"))
        .expect("a cost line");
    let amounts: Vec<f64> = line
        .split('$')
        .skip(1)
        .map(|a| a.split_whitespace().next().unwrap().parse::<f64>().unwrap())
        .collect();
    let (total, parts) = (amounts[0], &amounts[1..]);
    assert!(line.contains("warm pool"), "{line}");
    // Each part is rounded to cents on its own: at most half a cent off each.
    let sum: f64 = parts.iter().sum();
    assert!(
        (sum - total).abs() <= 0.005 * parts.len() as f64 + 1e-9,
        "{line}: parts add up to {sum}"
    );
}

/// Issue 11: a run in which no request completes does not claim an SLO verdict or a
/// share "answered within it".
#[test]
fn a_run_without_requests_says_so_instead_of_judging_the_slo() {
    let tmp = tempfile::tempdir().unwrap();
    // About 0.06 arrivals expected in ten minutes: none, with this seed.
    let path = write(
        tmp.path(),
        "idle.toml",
        &GOOD.replace("rate = 20", "rate = 0.0001"),
    );
    let output = simcloud()
        .args(["run", path.to_str().unwrap(), "--quiet", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let slo = stdout.lines().find(|l| l.contains("SLO")).unwrap();
    assert!(slo.contains("no requests arrived"), "{slo}");
    assert!(!slo.contains("MISSED") && !slo.contains('%'), "{slo}");
    let page = fs::read_to_string(tmp.path().join("out/report.html")).unwrap();
    assert!(page.contains("not judged") && !page.contains("100.000 %"));
}

/// Issue 11: simulated durations read in days, hours and minutes (`125300m` was the
/// World Cup's 87 days and 20 minutes).
#[test]
fn simulated_durations_print_in_days_hours_and_minutes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "tiny.toml", GOOD);
    for (duration, printed) in [
        ("90m", "· 1h 30m simulated"),
        ("1450m", "· 1d 0h 10m simulated"),
    ] {
        simcloud()
            .args(["run", path.to_str().unwrap(), "--no-plots", "--quiet"])
            .args(["--set", &format!("duration={duration}"), "--out"])
            .arg(tmp.path().join("out"))
            .assert()
            .success()
            .stdout(predicate::str::contains(printed));
    }
}

/// Issue 11: a committed report names no machine's folders. `validate` prints the
/// trace's absolute path (so its output loads from anywhere), but `report.html` prints
/// it relative to the folder the command ran in, as the user would type it.
#[test]
fn the_report_names_files_relative_to_where_the_command_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wc");
    simcloud()
        .current_dir(crate::common::root())
        .args([
            "run",
            "scenarios/worldcup98.toml",
            "--set",
            "duration=1h",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    let shared = fs::canonicalize(shared_data("worldcup98")).unwrap();
    assert!(
        !page.contains(&*shared.to_string_lossy()),
        "absolute path in report.html"
    );
    assert!(page.contains("file = &quot;../shared/data/worldcup98/requests-per-minute.csv&quot;"));
}
