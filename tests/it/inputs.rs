//! Issue 11, sections 3 and 4 (loader parts): bounded inputs, shortened runs, `--set`
//! on array elements and whole tables, errors that name the `--set` argument, the
//! resolved scenario as a scenario that loads from anywhere, distributions written as
//! a plain duration. CLI behaviour is checked with the real binary.

use crate::common::{
    GOOD, config_from_str, root, scenario_path, shipped_scenarios, simcloud, write_file as write,
};
use simcloud::model::DurationDist;
use simcloud::scenario::ScenarioFile;
use std::path::{Path, PathBuf};

/// Every number has an upper bound: each of these used to be accepted and made a run
/// that never ends, fills memory or sends a non-finite total to the charts. Each is now
/// exit 2 with the key and the value echoed compactly (`1e300`, not 301 digits), and
/// nothing is written.
#[test]
fn issue_11_out_of_bound_values_exit_2_naming_key_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "huge-counts.csv", "period,count\n0,10\n1,1e300\n");
    write(
        dir,
        "huge-prices.tsv",
        "us-east-1a\tm5.large\tLinux/UNIX\t1e300\t2022-05-31T00:00:00+00:00\n",
    );
    let with = |old: &str, new: &str| GOOD.replace(old, new);
    let add = |extra: &str| format!("{GOOD}{extra}");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "rate",
            with("rate = 20", "rate = 1e308"),
            vec!["traffic.rate = 1e308", "at most 1000000"],
        ),
        (
            "spike peak",
            add("[[traffic.spike]]\nstart = \"1m\"\npeak = 1e12\n"),
            vec!["traffic.spike[0].peak = 1e12", "at most 1000000"],
        ),
        (
            "diurnal high",
            add("[traffic.diurnal]\nlow = 1\nhigh = 1e300\n"),
            vec!["traffic.diurnal.high = 1e300"],
        ),
        (
            "trace counts",
            with("rate = 20", "[traffic.trace]\nfile = \"huge-counts.csv\""),
            vec!["traffic.trace.file", "line 3", "`1e300`", "1000000 req/s"],
        ),
        (
            "trace scale",
            with(
                "rate = 20",
                "[traffic.trace]\nfile = \"huge-counts.csv\"\nscale = 1e300",
            ),
            vec!["traffic.trace.scale = 1e300", "at most 1000000"],
        ),
        (
            "rate times duration",
            with("rate = 20", "rate = 1000000").replace("\"10m\"", "\"300d\""),
            vec!["duration = \"300d\"", "requests", "1e11"],
        ),
        (
            "capacity events",
            add("[spot.capacity_events]\nper_day = 1e10\nshare = 0.5\n"),
            vec!["spot.capacity_events.per_day = 1e10", "at most 1440"],
        ),
        (
            "interruptions per hour",
            add("[spot]\ninterruption = { per_hour = 1e6 }\n"),
            vec!["spot.interruption.per_hour = 1000000.0", "at most 60"],
        ),
        (
            "instance price",
            add("[instance]\nprice_per_hour = 1e300\n"),
            vec!["instance.price_per_hour = 1e300", "at most 1000"],
        ),
        (
            "spot price trace",
            add(
                "[purchase]\non_demand_percent_above_base = 0\n[spot]\nprice = { trace = \"huge-prices.tsv\" }\n",
            ),
            vec!["spot.price.trace", "line 1", "`1e300`"],
        ),
        (
            "reservation hourly fee",
            add(
                "[purchase]\nreserved = [{ type = \"m5.large\", count = 1, hourly_usd = 1e300 }]\n",
            ),
            vec!["purchase.reserved[0].hourly_usd = 1e300"],
        ),
        (
            "reservation upfront",
            add(
                "[purchase]\nreserved = [{ type = \"m5.large\", count = 1, upfront_usd = 1e300 }]\n",
            ),
            vec![
                "purchase.reserved[0].upfront_usd = 1e300",
                "at most 26280000",
            ],
        ),
        (
            "reservation count",
            add("[purchase]\nreserved = [{ type = \"m5.large\", count = 4000000000 }]\n"),
            vec!["purchase.reserved[0].count = 4000000000", "at most 10000"],
        ),
        (
            "savings plan",
            add("[purchase]\nsavings_plan = { kind = \"compute\", hourly_commitment = 1e300 }\n"),
            vec!["purchase.savings_plan.hourly_commitment = 1e300"],
        ),
        (
            "load balancer price",
            add("[load_balancer]\nprice_per_lcu_hour = 1e300\n"),
            vec!["load_balancer.price_per_lcu_hour = 1e300"],
        ),
        (
            "cv",
            with(
                "dist = \"exponential\", mean",
                "dist = \"gamma\", cv = 1e300, mean",
            ),
            vec!["service.time.cv = 1e300", "between 0.001 and 100"],
        ),
        (
            "boot time",
            add("[instance]\nboot_time = { dist = \"constant\", value = \"100000d\" }\n"),
            vec!["instance.boot_time.value = \"100000d\"", "at most 366d"],
        ),
        (
            "spike ramp",
            add("[[traffic.spike]]\nstart = \"1m\"\nramp = \"5000d\"\npeak = 10\n"),
            vec!["traffic.spike[0].ramp = \"5000d\"", "at most 366d"],
        ),
        (
            "duration",
            with("\"10m\"", "\"400d\""),
            vec!["duration = \"400d\""],
        ),
        (
            "max instances",
            with("max = 3", "max = 100000"),
            vec!["autoscaling.max = 100000", "at most 10000"],
        ),
        (
            "workers",
            with("[autoscaling]", "workers = 100000\n[autoscaling]"),
            vec!["service.workers = 100000", "at most 10000"],
        ),
        (
            "queue limit",
            with("[autoscaling]", "queue_limit = 4000000000\n[autoscaling]"),
            vec!["service.queue_limit = 4000000000", "\"unlimited\""],
        ),
        (
            "vcpu",
            add("[instance]\nvcpu = 100000\n"),
            vec!["instance.vcpu = 100000", "at most 1024"],
        ),
        (
            "request bytes",
            add("[load_balancer]\nrequest_bytes = 9000000000000\n"),
            vec!["load_balancer.request_bytes = 9000000000000", "at most 1e9"],
        ),
        (
            "alarm threshold",
            with(
                "max = 3",
                "max = 3\n[[autoscaling.policy]]\nkind = \"simple\"\nadjustment = 1\nalarm = { comparison = \">\", threshold = 1e300 }",
            ),
            vec!["autoscaling.policy[0].alarm.threshold = 1e300"],
        ),
        (
            "scheduled min",
            with(
                "max = 3",
                "max = 3\n[[autoscaling.scheduled]]\nat = \"1m\"\nmin = 4000000000",
            ),
            vec!["autoscaling.scheduled[0].min = 4000000000", "at most 10000"],
        ),
    ];
    for (what, text, expected) in cases {
        let path = write(dir, "bad.toml", &text);
        let out = dir.join("out");
        let assert = simcloud()
            .args([
                "run",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("bad.toml"), "{what}: no file in: {stderr}");
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: expected {needle:?} in: {stderr}"
            );
        }
        assert!(
            !stderr.contains("0000000000000"),
            "{what}: a number is spelled out in full: {stderr}"
        );
        assert!(!out.exists(), "{what}: the output folder was created");
    }
}

/// `--set duration=30m` on every shipped scenario: a spike, scheduled action or
/// failure after the new end is accepted and does not happen, with a note on stderr.
#[test]
fn issue_11_every_shipped_scenario_accepts_a_shorter_duration() {
    for path in shipped_scenarios() {
        let output = simcloud()
            .args(["validate", path.to_str().unwrap(), "--set", "duration=30m"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let notes = simcloud()
        .args([
            "validate",
            scenario_path("scheduled.toml").to_str().unwrap(),
            "--set",
            "duration=30m",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&notes.stderr);
    assert!(
        stderr.contains("note: autoscaling.scheduled[2] is at 108h, not before the end of the run (30m): it does not happen"),
        "{stderr}"
    );
    // A real run: the spike at 1h is not in a 30-minute run.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("spike");
    let assert = simcloud()
        .args([
            "run",
            scenario_path("spike.toml").to_str().unwrap(),
            "--set",
            "duration=30m",
            "--no-plots",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("note: traffic.spike[0] starts at 1h, not before the end of the run (30m): it does not happen"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["simulated_seconds"], 1800.0);
}

/// `--set autoscaling.max=lots` named `spike.toml:46`, the line of the value it
/// replaced, and a Rust type ("expected u32"); it now names the argument.
#[test]
fn issue_11_set_errors_name_the_argument() {
    let output = simcloud()
        .args([
            "validate",
            scenario_path("spike.toml").to_str().unwrap(),
            "--set",
            "autoscaling.max=lots",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --set autoscaling.max=lots: autoscaling.max = \"lots\": expected an integer\n"
    );
    // A value checked by the resolver, and a key that is not a key.
    for (set, needle) in [
        (
            "traffic.spike[0].peak=1e12",
            "error: --set traffic.spike[0].peak=1e12: traffic.spike[0].peak = 1e12: must be at most 1000000",
        ),
        (
            "traffic.spike[3].peak=5",
            "error: --set traffic.spike[3].peak=5: traffic.spike[3].peak = 5: `traffic.spike` has 1 element(s)",
        ),
        (
            "traffic..rate=5",
            "error: --set traffic..rate=5: traffic..rate: not a valid key",
        ),
    ] {
        simcloud()
            .args([
                "validate",
                scenario_path("spike.toml").to_str().unwrap(),
                "--set",
                set,
            ])
            .assert()
            .code(2)
            .stderr(predicates::str::starts_with(needle));
    }
}

/// `--set` reaches elements of arrays of tables (and of plain arrays); the index one
/// past the end adds an element.
#[test]
fn issue_11_set_reaches_array_elements() {
    let output = simcloud()
        .args([
            "validate",
            scenario_path("spike.toml").to_str().unwrap(),
            "--set",
            "traffic.spike[0].peak=100",
            "--set",
            "traffic.spike[1]={ start = \"2h\", peak = 50 }",
            "--set",
            "purchase.spot_pools[0]=m5a.large",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let resolved: toml::Table = body(&output.stdout).parse().unwrap();
    let spikes = resolved["traffic"]["spike"].as_array().unwrap();
    assert_eq!(spikes.len(), 2);
    assert_eq!(spikes[0]["peak"].as_float(), Some(100.0));
    assert_eq!(spikes[0]["start"].as_str(), Some("1h"));
    assert_eq!(spikes[1]["peak"].as_float(), Some(50.0));
    assert_eq!(
        resolved["purchase"]["spot_pools"][0].as_str(),
        Some("m5a.large")
    );
}

/// A whole table given with `--set` replaces the table: the trace alone, without the
/// file's base rate and spike. A relative path in it is relative to the working
/// directory, like any path typed on the command line. `--set traffic.trace.file=`
/// still adds the trace to the rest.
#[test]
fn issue_11_set_with_a_table_replaces_it() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "t.csv", "period,count\n0,600\n1,1200\n");
    let spike = scenario_path("spike.toml");
    let output = simcloud()
        .current_dir(tmp.path())
        .args([
            "validate",
            spike.to_str().unwrap(),
            "--set",
            "traffic={ trace = { file = \"t.csv\" } }",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let resolved: toml::Table = body(&output.stdout).parse().unwrap();
    let traffic = resolved["traffic"].as_table().unwrap();
    assert_eq!(traffic["rate"].as_float(), Some(0.0));
    assert!(traffic.get("spike").is_none(), "{traffic:?}");
    let file = PathBuf::from(traffic["trace"]["file"].as_str().unwrap());
    assert_eq!(file, tmp.path().canonicalize().unwrap().join("t.csv"));
    assert_eq!(resolved["duration"].as_str(), Some("3h"));

    let added = simcloud()
        .current_dir(tmp.path())
        .args([
            "validate",
            spike.to_str().unwrap(),
            "--set",
            "traffic.trace.file=t.csv",
        ])
        .output()
        .unwrap();
    let resolved: toml::Table = body(&added.stdout).parse().unwrap();
    assert!(resolved["traffic"].get("spike").is_some());
    assert!(resolved["traffic"].get("trace").is_some());
}

/// The resolved scenario without its `#` comment lines.
fn body(stdout: &[u8]) -> String {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `simcloud validate` prints a scenario that loads from any folder, strategies
/// included: its output written to one temporary folder and validated from another
/// working directory prints the same thing, resolves to the same strategies, and runs
/// to the same summary. It used to print trace paths relative to the working
/// directory and drop every `[[strategy]]`.
#[test]
fn issue_11_validate_output_round_trips_from_any_folder() {
    let written = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for path in shipped_scenarios() {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let relative = format!("scenarios/{name}");
        let first = simcloud()
            .current_dir(root())
            .args(["validate", &relative])
            .output()
            .unwrap();
        assert!(first.status.success(), "{name}");
        let resolved = write(written.path(), &name, &body(&first.stdout));
        let second = simcloud()
            .current_dir(elsewhere.path())
            .args(["validate", resolved.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            second.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&second.stderr)
        );
        assert_eq!(body(&first.stdout), body(&second.stdout), "{name}");

        // Each strategy resolves as it does from the original file.
        let strategies = |p: &Path| -> Vec<(String, String)> {
            ScenarioFile::read(p)
                .and_then(|f| f.strategies())
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|(n, c)| (n, simcloud::scenario::resolved_toml(&c, &[]).unwrap()))
                .collect()
        };
        let original = strategies(&path);
        assert_eq!(original, strategies(&resolved), "{name}");
        assert_eq!(
            original.is_empty(),
            !body(&first.stdout).contains("[[strategy]]"),
            "{name}"
        );
    }
    // The same summary, from the original and from the resolved file in another folder.
    for (name, duration) in [
        ("spike.toml", "30m"),
        ("worldcup98.toml", "2h"),
        ("spot-mix.toml", "1h"),
    ] {
        let summary = |scenario: &Path, cwd: &Path| {
            let out = tempfile::tempdir().unwrap();
            let output = simcloud()
                .current_dir(cwd)
                .args([
                    "run",
                    scenario.to_str().unwrap(),
                    "--set",
                    &format!("duration={duration}"),
                    "--json",
                    "--no-plots",
                    "--out",
                    out.path().to_str().unwrap(),
                ])
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
        };
        assert_eq!(
            summary(&scenario_path(name), &root()),
            summary(&written.path().join(name), elsewhere.path()),
            "{name}"
        );
    }
}

/// A strategy that gives a distribution of another kind replaces the base's: the
/// base's `cv` does not belong to an exponential. This used to fail with "cv is not a
/// parameter of dist = exponential".
#[test]
fn issue_11_a_strategy_may_switch_the_kind_of_a_distribution() {
    let text = r#"
duration = "10m"
[traffic]
rate = 20
[service]
time = { dist = "lognormal", mean = "50ms", cv = 1.5 }
[[strategy]]
name = "exponential"
service.time = { dist = "exponential", mean = "20ms" }
[[strategy]]
name = "per hour"
spot.interruption = { per_hour = 0.01 }
"#;
    let file = ScenarioFile::parse(&scenario_path("inline.toml"), text.into()).unwrap();
    let strategies = file.strategies().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        strategies[0].1.entry().service.time,
        DurationDist::Exponential {
            mean: simcloud::engine::SimDuration::from_millis(20)
        }
    );
}

/// Every distribution also takes a plain duration, which means "always this long".
/// `boot_time = "60s"` failed with "expected struct RawDist".
#[test]
fn issue_11_a_distribution_may_be_a_plain_duration() {
    let config = config_from_str(
        r#"
duration = "10m"
[traffic]
rate = 20
[service]
time = "20ms"
[instance]
boot_time = "60s"
[autoscaling]
warm_pool = { start_time = "15s" }
"#,
    );
    let constant = |ms| DurationDist::Constant {
        value: simcloud::engine::SimDuration::from_millis(ms),
    };
    assert_eq!(config.entry().service.time, constant(20));
    assert_eq!(config.entry().instance.boot_time, constant(60_000));
    assert_eq!(
        config
            .entry()
            .autoscaling
            .warm_pool
            .as_ref()
            .unwrap()
            .start_time,
        constant(15_000)
    );
    let err = ScenarioFile::parse(
        &scenario_path("inline.toml"),
        GOOD.replace("max = 3", "max = 3\n[instance]\nboot_time = 60"),
    )
    .and_then(|f| f.resolve())
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("instance.boot_time = 60: expected a duration, like \"60s\""),
        "{err}"
    );
}
