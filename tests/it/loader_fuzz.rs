//! Fuzzing the scenario loader (proptest): whatever the input, `ScenarioFile::read`,
//! `parse`, `resolve` and `strategies` return `Ok` or an error, never panic.
//!
//! Three generators, from blind to structured: arbitrary bytes in a file; TOML-ish text
//! (section headers and `key = value` lines with junk values); and TOML tables built
//! from the scenario's real key names (`scenario::known_keys`, read off the loader's
//! own declaration) with wild values of every type (negative, zero, huge, NaN,
//! infinite, wrong type, nested tables), often laid over a valid scenario so that the
//! resolver's cross-field checks are reached, not just the first missing key.
//! When a generated scenario resolves and is small, it is also simulated: a valid
//! config must never make the model panic either.

use crate::common::proptest_runner;
use proptest::prelude::*;
use simcloud::model::simulate;
use simcloud::scenario::ScenarioFile;
use std::path::Path;

/// Every key of the scenario file, as dotted paths (`[]` is one element of an array of
/// tables), from the loader's own declaration of the file format, a tier's keys (`*`,
/// any tier) for the tiers `web` and `api`; each again inside a `[[strategy]]`; and
/// two keys that do not exist.
fn keys() -> Vec<String> {
    let known: Vec<String> = simcloud::scenario::known_keys()
        .iter()
        .flat_map(|k| match k.contains(".*.") {
            true => vec![k.replace(".*.", ".web."), k.replace(".*.", ".api.")],
            false => vec![k.clone()],
        })
        .collect();
    let mut keys = known.clone();
    keys.push("strategy[].name".into());
    keys.extend(known.iter().map(|k| format!("strategy[].{k}")));
    keys.extend(["bogus".into(), "traffic.bogus".into()]);
    keys
}

/// A valid base scenario that mutations are laid over.
const BASE: &str = r#"
name = "fuzz"
duration = "10m"
[traffic]
rate = 20
[service]
time = { dist = "exponential", mean = "20ms" }
workers = 2
[autoscaling]
min = 1
max = 3
"#;

/// The same as [`BASE`] in tiers, a second tier called by the first, that tier keys
/// are laid over.
const BASE_TIERS: &str = r#"
name = "fuzz"
duration = "10m"
[traffic]
rate = 20
[tiers.web]
kind = "ec2"
calls = [{ tier = "api", count = 2 }]
[tiers.web.service]
time = { dist = "exponential", mean = "20ms" }
workers = 2
[tiers.web.autoscaling]
min = 1
max = 3
[tiers.api]
kind = "ec2"
"#;

/// The valid base a key is laid over: a tier's key over tiers.
fn base_for(key: &str) -> toml::Table {
    let tiers = key.starts_with("tiers.") || key.starts_with("strategy[].tiers.");
    if tiers { BASE_TIERS } else { BASE }.parse().unwrap()
}

fn path() -> &'static Path {
    Path::new("fuzz.toml")
}

/// Parse, resolve, list the strategies; if the scenario is valid and small, run it.
/// Errors are fine; a panic fails the test.
fn load_and_maybe_run(file: &ScenarioFile) {
    let _ = file.strategies();
    let Ok(config) = file.resolve() else {
        return;
    };
    let seconds = config.duration.as_secs_f64();
    let rate =
        simcloud::model::traffic::RateFunction::new(&config.traffic).max_over(0, config.duration.0);
    // Calls multiply the requests: each arrival makes at most 1 + the sum of every
    // count (exactly that with two tiers, which is what the keys name).
    let calls: u32 = config
        .tiers
        .iter()
        .flat_map(|t| &t.calls)
        .map(|c| c.count)
        .sum();
    let small = seconds <= 7_200.0
        && rate * seconds * f64::from(1 + calls) <= 200_000.0
        && config
            .tiers
            .iter()
            .all(|t| t.autoscaling.max <= 50 && u64::from(t.service.workers) <= 1_000);
    if small {
        let outcome = simulate(&config, &mut |_| {});
        let r = outcome.summary.requests;
        assert_eq!(
            r.arrived,
            r.completed + r.rejected + r.timed_out + r.interrupted + r.in_flight
        );
    }
}

/// Wild values of every TOML type, biased toward the edges that break validation.
fn wild_value() -> impl Strategy<Value = toml::Value> {
    let duration_number = prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        Just("0.5".to_string()),
        Just("-5".to_string()),
        Just("99999999999999999999".to_string()),
        Just("18446744073".to_string()),
        Just(".".to_string()),
        Just("".to_string()),
        (0u64..100_000).prop_map(|n| n.to_string()),
    ];
    let unit = prop_oneof![
        Just("ns"),
        Just("us"),
        Just("ms"),
        Just("s"),
        Just("m"),
        Just("h"),
        Just("d"),
        Just(""),
        Just("parsecs"),
    ];
    let word = prop_oneof![
        Just("unlimited"),
        Just("exponential"),
        Just("lognormal"),
        Just("gamma"),
        Just("uniform"),
        Just("constant"),
        Just("target_tracking"),
        Just("step"),
        Just("cpu"),
        Just("request_count_per_target"),
        Just("round_robin"),
        Just("random"),
        Just("m5.large"),
        Just("t3.nano"),
        Just("ec2"),
        Just("rds"),
        Just("web"),
        Just("api"),
        Just(""),
        Just("/"),
        Just(".."),
    ]
    .prop_map(str::to_string);
    let integer = prop_oneof![
        Just(0i64),
        Just(1),
        Just(-1),
        Just(2),
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::from(u32::MAX)),
        Just(i64::from(u32::MAX) + 1),
        Just(1 << 31),
        -1000i64..100_000,
    ];
    let float = prop_oneof![
        Just(0.0f64),
        Just(-0.0),
        Just(1e-300),
        Just(1e300),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-1.5),
        Just(f64::MIN_POSITIVE),
        any::<f64>(),
        0.0f64..1000.0,
    ];
    let leaf = prop_oneof![
        3 => (duration_number, unit).prop_map(|(n, u)| toml::Value::String(format!("{n}{u}"))),
        2 => word.prop_map(toml::Value::String),
        1 => "\\PC{0,12}".prop_map(toml::Value::String),
        3 => integer.prop_map(toml::Value::Integer),
        3 => float.prop_map(toml::Value::Float),
        1 => any::<bool>().prop_map(toml::Value::Boolean),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(toml::Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| toml::Value::Table(m.into_iter().collect())),
        ]
    })
}

/// Sets a dotted key in `table`, creating tables (and one-element arrays of tables for
/// `[]`) on the way; a non-table in the way is replaced.
fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    let (head, rest) = match key.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (key, None),
    };
    let Some(rest) = rest else {
        let name = head.trim_end_matches("[]");
        table.insert(name.to_string(), value);
        return;
    };
    let child = if let Some(name) = head.strip_suffix("[]") {
        let entry = table
            .entry(name.to_string())
            .or_insert_with(|| toml::Value::Array(vec![]));
        if !matches!(entry, toml::Value::Array(a) if a.first().is_some_and(|v| v.is_table())) {
            *entry = toml::Value::Array(vec![toml::Value::Table(toml::Table::new())]);
        }
        let toml::Value::Array(items) = entry else {
            unreachable!()
        };
        items[0].as_table_mut().unwrap()
    } else {
        let entry = table
            .entry(head.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        entry.as_table_mut().unwrap()
    };
    set(child, rest, value);
}

/// Cases per generator: 256 by default (well under a second each);
/// `SIMCLOUD_FUZZ_CASES=100000` for a long local fuzzing session.
fn cases() -> u32 {
    std::env::var("SIMCLOUD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Arbitrary bytes in a file: `read` refuses non-UTF-8, empty and invalid TOML with an
/// error.
#[test]
fn arbitrary_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzz.toml");
    proptest_runner(cases())
        .run(&prop::collection::vec(any::<u8>(), 0..400), |bytes| {
            std::fs::write(&file, &bytes).unwrap();
            if let Ok(scenario) = ScenarioFile::read(&file) {
                load_and_maybe_run(&scenario);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// TOML-ish text: section headers and `key = value` lines with junk values.
#[test]
fn tomlish_text_never_panics() {
    let text = "((\\[{1,2}[a-z_.]{1,20}\\]{1,2}|[a-z_.]{1,16} = (\"[^\"\\n]{0,12}\"|-?[0-9]{1,22}(\\.[0-9]{0,4})?|true|nan|-inf|\\{[^}\\n]{0,30}\\}|\\[[^\\]\\n]{0,20}\\]))\n){0,14}";
    proptest_runner(cases())
        .run(&text, |text| {
            if let Ok(scenario) = ScenarioFile::parse(path(), text) {
                load_and_maybe_run(&scenario);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Real keys with wild values, alone or over a valid base scenario.
#[test]
fn structured_scenarios_never_panic() {
    let keys = keys();
    let edits = (
        any::<bool>(),
        prop::collection::vec((0..keys.len(), wild_value()), 1..8),
    );
    proptest_runner(cases())
        .run(&edits, |(over_base, edits)| {
            let mut table = if over_base {
                base_for(&keys[edits[0].0])
            } else {
                toml::Table::new()
            };
            for (key, value) in edits {
                set(&mut table, &keys[key], value);
            }
            // Some tables have no TOML text (a NaN key, say); skip those.
            if let Ok(text) = toml::to_string(&table) {
                if let Ok(scenario) = ScenarioFile::parse(path(), text) {
                    if let Err(e) = scenario.resolve() {
                        // The message, not the value it echoes: a wild string may hold
                        // "::" or "Raw" itself, which is the user's text, not Rust's.
                        assert_in_scenario_words(&e.message);
                    }
                    load_and_maybe_run(&scenario);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

fn resolve_text(text: &str) -> Result<simcloud::model::Config, String> {
    ScenarioFile::parse(path(), text.to_string())
        .and_then(|f| f.resolve())
        .map_err(|e| e.to_string())
}

/// Issue 6 regression: a gamma service time with an extreme cv resolved, then made
/// `DurationSampler::new` panic (shape 1/cv² = inf or 0 is refused by rand_distr); a
/// lognormal with cv = 1e300 gave NaN samples. Both are now errors naming the key.
#[test]
fn issue_6_extreme_cv_is_an_error_not_a_panic() {
    for dist in ["gamma", "lognormal"] {
        for cv in ["1e-300", "1e300", "0.0001", "101.0"] {
            let text = format!(
                "duration = \"1m\"\n[traffic]\nrate = 5\n[service]\ntime = {{ dist = \"{dist}\", mean = \"10ms\", cv = {cv} }}\n"
            );
            let err = resolve_text(&text).expect_err(&format!("{dist} cv {cv} accepted"));
            assert!(err.contains("service.time.cv"), "{err}");
        }
        // The bounds themselves are accepted and run.
        for cv in ["0.001", "100.0"] {
            let text = format!(
                "duration = \"1m\"\n[traffic]\nrate = 5\n[service]\ntime = {{ dist = \"{dist}\", mean = \"10ms\", cv = {cv} }}\n"
            );
            let config = resolve_text(&text).unwrap();
            simulate(&config, &mut |_| {});
        }
    }
}

/// Issue 6 regression: `workers = 2147483648` with `workers_per_vcpu = true` on a
/// 2-vCPU m5.large wrapped to 0 workers in release builds (every request then queued
/// forever); it is now an error.
#[test]
fn issue_6_workers_per_vcpu_overflow_is_an_error() {
    let text = "duration = \"1m\"\n[traffic]\nrate = 5\n[service]\nworkers = 2147483648\nworkers_per_vcpu = true\n";
    let err = resolve_text(text).expect_err("overflowing workers accepted");
    assert!(err.contains("service.workers"), "{err}");
}

/// Fragments of Rust that must never reach a user: type names from serde ("expected
/// struct RawDist", "expected u32", "untagged enum RawQueueLimit", "a sequence") and
/// paths.
fn assert_in_scenario_words(message: &str) {
    for rust in [
        "struct ", "Raw", "enum ", "::", "variant", "u32", "u64", "i64", "f64", "usize",
        "sequence", "Option<",
    ] {
        assert!(
            !message.contains(rust),
            "{rust:?} in an error message: {message}"
        );
    }
}

/// Issue 11: every key given a value of every wrong shape (over a valid base) gets an
/// error in the words of a scenario file. `boot_time = 60` said "expected struct
/// RawDist", `autoscaling.max = "lots"` "expected u32", `queue_limit = true` "data did
/// not match any variant of untagged enum RawQueueLimit".
#[test]
fn issue_11_error_messages_name_no_rust_type() {
    let shapes = [
        toml::Value::String("lots".into()),
        toml::Value::Integer(-1),
        toml::Value::Integer(4_294_967_296),
        toml::Value::Float(1.5),
        toml::Value::Float(1e300),
        toml::Value::Boolean(true),
        toml::Value::Array(vec![toml::Value::Integer(1)]),
        toml::Value::Table("x = 1".parse().unwrap()),
        toml::Value::Table(toml::Table::new()),
    ];
    let keys = keys();
    let mut errors = 0;
    for key in &keys {
        for shape in &shapes {
            let mut table = base_for(key);
            set(&mut table, key, shape.clone());
            let text = toml::to_string(&table).unwrap();
            let Ok(file) = ScenarioFile::parse(path(), text) else {
                continue;
            };
            for result in [file.resolve().err(), file.strategies().err()] {
                if let Some(e) = result {
                    assert_in_scenario_words(&e.to_string());
                    errors += 1;
                }
            }
        }
    }
    assert!(errors > keys.len() * 4, "only {errors} errors");
    // The shapes `--set` makes, checked through it.
    for assignment in [
        "autoscaling.max=lots",
        "service.queue_limit=true",
        "instance.boot_time=60",
    ] {
        let mut file = ScenarioFile::parse(path(), BASE.to_string()).unwrap();
        let message = match file.set(assignment) {
            Err(e) => e.to_string(),
            Ok(()) => file.resolve().unwrap_err().to_string(),
        };
        assert_in_scenario_words(&message);
        assert!(
            message.starts_with(&format!("--set {assignment}: ")),
            "{message}"
        );
    }
}
