//! Sweeps (issue 18, "Sweeps"): `[[sweep]]` tables and `--sweep` arguments expand a
//! grid of keys into strategies, through the library (each point's resolved
//! `Config`) and the real binary (the same files either way, bad sweeps refused with
//! exit 2 naming the sweep, the bound, threads and shards changing no byte).

use crate::common::{simcloud, write_file};
use simcloud::scenario::ScenarioFile;
use std::fs;
use std::path::Path;

/// A short scenario with a spike, so that `max` and the purchase mix both matter.
const BASE: &str = r#"
name = "sweepy"
duration = "15m"
seed = 5
[traffic]
rate = 30
[[traffic.spike]]
start = "4m"
ramp = "1m"
hold = "4m"
peak = 120
[service]
time = { dist = "lognormal", mean = "40ms", cv = 1.0 }
workers = 4
[autoscaling]
min = 1
max = 8
desired = 1
[[autoscaling.policy]]
kind = "target_tracking"
metric = "cpu"
target = 50.0
"#;

/// Two axes of two values: max varies slowest, the purchase share fastest.
const GRID: &str = r#"
[[sweep]]
key = "autoscaling.max"
values = [4, 12]

[[sweep]]
key = "purchase.on_demand_percent_above_base"
values = [100, 50]
"#;

/// The same grid as `GRID`, from the command line.
const GRID_ARGS: [&str; 4] = [
    "--sweep",
    "autoscaling.max=4,12",
    "--sweep",
    "purchase.on_demand_percent_above_base=100,50",
];

fn compare(scenario: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    simcloud()
        .arg("compare")
        .arg(scenario)
        .args(["--replicates", "2", "--quiet", "--no-plots", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

/// The line (from 1) where `needle` starts in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle in text")]
        .matches('\n')
        .count()
        + 1
}

/// Refused with exit 2, nothing written, stderr holding every needle.
fn refused(scenario: &Path, extra: &[&str], needles: &[&str]) {
    let out = scenario.with_extension("out");
    let assert = compare(scenario, &out, extra).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
    assert!(
        !out.exists(),
        "a refused comparison wrote {}",
        out.display()
    );
}

/// 2 × 2 gives 4 strategies, in grid order (the last key fastest), named by their
/// values, each with exactly its point's values and the base's everything else.
#[test]
fn a_two_by_two_grid_gives_four_strategies_with_their_values() {
    let file = ScenarioFile::parse(Path::new("grid.toml"), format!("{BASE}{GRID}")).unwrap();
    let strategies = file.strategies().unwrap();
    let names: Vec<&str> = strategies.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "max=4 on_demand_percent_above_base=100",
            "max=4 on_demand_percent_above_base=50",
            "max=12 on_demand_percent_above_base=100",
            "max=12 on_demand_percent_above_base=50",
        ]
    );
    let base = file.resolve().unwrap();
    for ((_, config), (max, od)) in strategies
        .iter()
        .zip([(4, 100), (4, 50), (12, 100), (12, 50)])
    {
        let tier = config.entry();
        assert_eq!(tier.autoscaling.max, max);
        assert_eq!(tier.purchase.on_demand_percent_above_base, od);
        // Nothing else moved: put the two swept values back and it is the base.
        let mut back = config.clone();
        back.entry_mut().autoscaling.max = base.entry().autoscaling.max;
        back.entry_mut().purchase.on_demand_percent_above_base =
            base.entry().purchase.on_demand_percent_above_base;
        // (`Config` has no `==`; its `Debug` text shows every field.)
        assert_eq!(format!("{back:?}"), format!("{base:?}"));
    }
}

/// With `[[strategy]]` tables, the grid applies on top of each, strategy by strategy.
#[test]
fn a_grid_applies_on_top_of_each_strategy() {
    let text = format!(
        "{BASE}\n[[strategy]]\nname = \"cpu 50\"\n[[strategy]]\nname = \"small\"\nautoscaling.min = 2\nautoscaling.desired = 2\n[[sweep]]\nkey = \"autoscaling.max\"\nvalues = [4, 6]\n"
    );
    let strategies = ScenarioFile::parse(Path::new("s.toml"), text)
        .unwrap()
        .strategies()
        .unwrap();
    let got: Vec<(&str, u32, u32)> = strategies
        .iter()
        .map(|(n, c)| {
            (
                n.as_str(),
                c.entry().autoscaling.min,
                c.entry().autoscaling.max,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("cpu 50 · max=4", 1, 4),
            ("cpu 50 · max=6", 1, 6),
            ("small · max=4", 2, 4),
            ("small · max=6", 2, 6),
        ]
    );
}

/// `--sweep` is the same grid as `[[sweep]]`: the same bytes. The grid's size is on
/// stderr before the runs (not with --quiet, which this comparison does not use).
#[test]
fn sweep_arguments_equal_sweep_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let in_file = write_file(tmp.path(), "grid.toml", &format!("{BASE}{GRID}"));
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    compare(&in_file, &tmp.path().join("a"), &[]).success();
    compare(&bare, &tmp.path().join("b"), &GRID_ARGS).success();
    for name in ["compare.csv", "compare.json", "replicates.csv"] {
        assert_eq!(
            fs::read(tmp.path().join("a").join(name)).unwrap(),
            fs::read(tmp.path().join("b").join(name)).unwrap(),
            "{name}"
        );
    }
    let csv = fs::read_to_string(tmp.path().join("a/compare.csv")).unwrap();
    assert!(
        csv.contains(",max=12 on_demand_percent_above_base=50,"),
        "{csv}"
    );
    simcloud()
        .arg("compare")
        .arg(&bare)
        .args(["-r", "3", "--no-plots", "--out"])
        .arg(tmp.path().join("c"))
        .args(GRID_ARGS)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "sweep: 4 strategies × 3 replicates = 12 runs",
        ));
}

/// `validate` prints a swept scenario's strategies as `[[strategy]]` tables; the
/// printed text is valid TOML that gives the same strategies.
#[test]
fn validate_prints_the_grid_as_strategies_that_resolve_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_file(tmp.path(), "grid.toml", &format!("{BASE}{GRID}"));
    let output = simcloud().arg("validate").arg(&path).output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(!printed.contains("[[sweep]]"), "{printed}");
    let again = ScenarioFile::parse(&tmp.path().join("printed.toml"), printed)
        .unwrap()
        .strategies()
        .unwrap();
    let original = ScenarioFile::read(&path).unwrap().strategies().unwrap();
    assert_eq!(format!("{again:?}"), format!("{original:?}"));
}

/// The bound: 40 × 30 = 1,200 strategies is over 1,000, refused naming the sweep
/// that passes it (its table's line, or its argument), before anything runs.
#[test]
fn a_grid_over_the_bound_is_refused_naming_the_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let list = |n: u32| (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let text = format!(
        "{BASE}\n[[sweep]]\nkey = \"autoscaling.max\"\nvalues = [{}]\n\n[[sweep]]\nkey = \"autoscaling.desired\"\nvalues = [{}]\n",
        list(40),
        list(30)
    );
    let big = write_file(tmp.path(), "big.toml", &text);
    let line = line_of(&text, "[[sweep]]\nkey = \"autoscaling.desired\"");
    refused(
        &big,
        &[],
        &[
            &format!("big.toml:{line}:"),
            "autoscaling.desired",
            "1200 strategies",
            "1000",
        ],
    );
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    let arg = format!("autoscaling.desired={}", list(30));
    refused(
        &bare,
        &[
            "--sweep",
            &format!("autoscaling.max={}", list(40)),
            "--sweep",
            &arg,
        ],
        &[&format!("--sweep {arg}:"), "1200 strategies"],
    );
}

/// A key the file format does not have, in a table or an argument.
#[test]
fn a_sweep_of_an_unknown_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n[[sweep]]\nkey = \"autoscaling.maxx\"\nvalues = [4]\n");
    let line = line_of(&text, "key = \"autoscaling.maxx\"");
    let bad = write_file(tmp.path(), "bad.toml", &text);
    refused(
        &bad,
        &[],
        &[&format!(
            "bad.toml:{line}: sweep[0].key = \"autoscaling.maxx\": no such key"
        )],
    );
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    refused(
        &bare,
        &["--sweep", "autoscaling.maxx=4,8"],
        &["--sweep autoscaling.maxx=4,8: autoscaling.maxx: no such key"],
    );
}

/// An empty list of values, in a table or an argument.
#[test]
fn a_sweep_without_values_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n[[sweep]]\nkey = \"autoscaling.max\"\nvalues = []\n");
    let line = line_of(&text, "values = []");
    let empty = write_file(tmp.path(), "empty.toml", &text);
    refused(
        &empty,
        &[],
        &[&format!(
            "empty.toml:{line}: sweep[0].values = []: the sweep has no values"
        )],
    );
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    refused(
        &bare,
        &["--sweep", "autoscaling.max="],
        &["--sweep autoscaling.max=: autoscaling.max: the sweep has no values"],
    );
}

/// A value that does not resolve is blamed on the sweep that gave it (its table's
/// line, not the base's `max = 8`; or its argument), with the point's name.
#[test]
fn a_swept_value_that_does_not_resolve_names_the_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}\n[[sweep]]\nkey = \"instance.type\"\nvalues = [\"m5.large\", \"zz.huge\"]\n"
    );
    let line = line_of(&text, "[[sweep]]");
    let bad = write_file(tmp.path(), "bad.toml", &text);
    refused(
        &bad,
        &[],
        &[
            &format!("bad.toml:{line}: instance.type = \"zz.huge\""),
            "in strategy \"type=zz.huge\"",
            "unknown instance type",
        ],
    );
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    refused(
        &bare,
        &["--sweep", "autoscaling.max=4,-3"],
        &["--sweep autoscaling.max=4,-3: autoscaling.max = -3: in strategy \"max=-3\""],
    );
}

/// 1 thread and 2 give the same bytes; 3 shards merged give the unsharded bytes.
#[test]
fn a_swept_comparison_is_the_same_whatever_the_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_file(tmp.path(), "grid.toml", &format!("{BASE}{GRID}"));
    let whole = tmp.path().join("whole");
    compare(&path, &whole, &["--threads", "1"]).success();
    compare(&path, &tmp.path().join("two"), &["--threads", "2"]).success();
    let sharded = tmp.path().join("sharded");
    for k in 0..3 {
        compare(&path, &sharded, &["--shard", &format!("{k}/3")]).success();
    }
    simcloud()
        .arg("merge")
        .arg(&sharded)
        .arg("--no-plots")
        .assert()
        .success();
    for name in ["compare.csv", "compare.json", "replicates.csv"] {
        let expected = fs::read(whole.join(name)).unwrap();
        assert_eq!(
            fs::read(tmp.path().join("two").join(name)).unwrap(),
            expected,
            "{name}"
        );
        assert_eq!(fs::read(sharded.join(name)).unwrap(), expected, "{name}");
    }
}

/// `run` runs one scenario; a `--sweep` there is refused rather than ignored.
#[test]
fn run_refuses_a_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    simcloud()
        .arg("run")
        .arg(&bare)
        .args(["--sweep", "autoscaling.max=4,8"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--sweep autoscaling.max=4,8"));
}

/// A value given twice would make two strategies of one name and the same runs.
#[test]
fn a_sweep_with_a_repeated_value_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = write_file(tmp.path(), "bare.toml", BASE);
    refused(
        &bare,
        &["--sweep", "autoscaling.max=4,8,4"],
        &["--sweep autoscaling.max=4,8,4: autoscaling.max: the value 4 appears twice"],
    );
}
