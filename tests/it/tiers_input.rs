//! `[tiers.<name>]` in scenario files (SPEC "Phase 2", "Tiers"): the single-tier form
//! and the same scenario written as `[tiers.web]` are one scenario (same `Config`,
//! byte-identical run folders); each structural rule (one form or the other, the entry
//! tier, names, calls, cycles, kinds not built yet) is an error naming the key, the
//! value and the line; a multi-tier scenario prints and resolves back to itself;
//! `--set` and `[[strategy]]` reach into tiers, and an unknown tier is an error.

use crate::common::{scenario_path, shipped_scenarios, simcloud, write_file as write};
use simcloud::model::Config;
use simcloud::scenario::{ScenarioFile, resolved_toml, resolved_toml_from};
use std::path::Path;

/// The tables of the single-tier form, which `[tiers.web]` holds in the other form.
const TIER_TABLES: &[&str] = &[
    "service",
    "instance",
    "load_balancer",
    "autoscaling",
    "purchase",
    "spot",
    "s3",
];

/// `table` (a scenario, or a strategy's overrides) with its single-tier tables moved
/// into `[tiers.web]`; the scenario itself (`kind`) also names the tier's kind.
fn into_tiers_web(table: &mut toml::Table, kind: bool) {
    let mut web = toml::Table::new();
    if kind {
        web.insert("kind".into(), "ec2".into());
    }
    for key in TIER_TABLES {
        if let Some(value) = table.remove(*key) {
            web.insert(key.to_string(), value);
        }
    }
    if !web.is_empty() {
        let mut tiers = toml::Table::new();
        tiers.insert("web".into(), toml::Value::Table(web));
        table.insert("tiers".into(), toml::Value::Table(tiers));
    }
}

/// A single-tier scenario's text written as `[tiers.web]`, strategies included.
fn as_tiers_web(text: &str) -> String {
    let mut table: toml::Table = text.parse().unwrap();
    into_tiers_web(&mut table, true);
    if let Some(toml::Value::Array(strategies)) = table.get_mut("strategy") {
        for strategy in strategies {
            into_tiers_web(strategy.as_table_mut().unwrap(), false);
        }
    }
    toml::to_string(&table).unwrap()
}

fn parse(path: &Path, text: &str) -> ScenarioFile {
    ScenarioFile::parse(path, text.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// The base scenario and each strategy, as `Debug` text (`Config` has no
/// `PartialEq`: it holds traces behind `Arc`s), with the notes.
fn resolved(file: &ScenarioFile) -> (String, Vec<String>, Vec<String>) {
    let (config, notes) = file.resolve_with_notes().unwrap_or_else(|e| panic!("{e}"));
    let strategies = file.strategies().unwrap_or_else(|e| panic!("{e}"));
    (
        format!("{config:?}"),
        strategies.iter().map(|s| format!("{s:?}")).collect(),
        notes,
    )
}

/// Every shipped scenario written as `[tiers.web]` resolves to the same `Config`, its
/// strategies too, with the same notes, and prints back exactly as the original (the
/// single-tier form: one tier named `web` that calls nothing).
#[test]
fn every_shipped_scenario_as_tiers_web_is_the_same_scenario() {
    for path in shipped_scenarios() {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.parse::<toml::Table>().unwrap().contains_key("tiers") {
            continue; // written in tiers already (two-tier.toml)
        }
        let single = parse(&path, &text);
        let tiered = parse(&path, &as_tiers_web(&text));
        assert_eq!(resolved(&single), resolved(&tiered), "{}", path.display());
        let print = |file: &ScenarioFile| {
            resolved_toml(&file.resolve().unwrap(), &file.strategies().unwrap()).unwrap()
        };
        assert_eq!(print(&single), print(&tiered), "{}", path.display());
        assert!(!print(&tiered).contains("tiers"), "{}", path.display());
    }
}

/// The real binary writes byte-identical run folders for the two forms (SPEC: "gives
/// byte-identical files"), on scenarios with spot interruptions, a purchase mix,
/// failures and health checks. Each form sits in its own folder under the same file
/// name, since a scenario without `name` is named after its file.
#[test]
fn the_two_forms_write_byte_identical_run_folders() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, duration) in [("spot-mix.toml", "2h"), ("failures.toml", "1h")] {
        let text = std::fs::read_to_string(scenario_path(name)).unwrap();
        let mut folders = Vec::new();
        for (form, text) in [("single", text.clone()), ("tiers", as_tiers_web(&text))] {
            let dir = tmp.path().join(form);
            std::fs::create_dir_all(&dir).unwrap();
            let path = write(&dir, name, &text);
            let out = dir.join("out");
            simcloud()
                .args(["run", path.to_str().unwrap(), "--no-plots", "--quiet"])
                .args(["--set", &format!("duration={duration}")])
                .args(["--out", out.to_str().unwrap()])
                .assert()
                .success();
            folders.push(out);
        }
        let files = |dir: &Path| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            files(&folders[0]),
            ["cost.csv", "summary.json", "timeline.csv"],
            "{name}"
        );
        assert_eq!(files(&folders[0]), files(&folders[1]), "{name}");
        for file in files(&folders[0]) {
            let read = |dir: &Path| std::fs::read(dir.join(&file)).unwrap();
            assert!(
                read(&folders[0]) == read(&folders[1]),
                "{name}: {file} differs between the two forms"
            );
        }
    }
}

/// The head of every scenario below: a run of 10 minutes at 20 req/s.
const HEAD: &str = "duration = \"10m\"\n[traffic]\nrate = 20\n";

/// The error that `HEAD` + `rest` resolves to, as the binary prints it (after
/// "error: "). `HEAD` is three lines, so `rest` starts on line 4.
fn error(rest: &str) -> String {
    ScenarioFile::parse(Path::new("t.toml"), format!("{HEAD}{rest}"))
        .and_then(|f| f.resolve())
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

/// Each rule of the tiers' structure, its message with the file, the line, the key and
/// the value.
#[test]
fn each_rule_of_the_tiers_is_an_error_naming_key_value_and_line() {
    let cases = [
        // Both forms at once: the first single-tier table, in name order.
        (
            "[tiers.web]\nkind = \"ec2\"\n[service]\nworkers = 2\n[autoscaling]\nmax = 2\n",
            "t.toml:8: autoscaling: the single-tier form's tables cannot be mixed with [tiers.*]: move [autoscaling] into a tier, as [tiers.<name>.autoscaling]",
        ),
        (
            "[tiers]\n",
            "t.toml:4: tiers: has no tier; give at least one, like [tiers.web] with kind = \"ec2\"",
        ),
        // The entry tier.
        (
            "[tiers.b]\nkind = \"ec2\"\n[tiers.a]\nkind = \"ec2\"\n",
            "t.toml:4: tiers: no tier is the entry tier, which receives [traffic]: say `entry = true` in one of a, b, or name it \"web\"",
        ),
        (
            "[tiers.a]\nkind = \"ec2\"\nentry = true\n[tiers.b]\nkind = \"ec2\"\nentry = true\n",
            "t.toml:9: tiers.b.entry = true: tiers.a says entry = true too; only one tier is the entry tier",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\nentry = false\n",
            "t.toml:6: tiers.web.entry = false: the only tier is the entry tier, which receives [traffic]",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\nentry = false\n[tiers.api]\nkind = \"ec2\"\n",
            "t.toml:4: tiers: no tier is the entry tier",
        ),
        // Names become file names.
        (
            "[tiers.Web]\nkind = \"ec2\"\n",
            "t.toml:4: tiers.Web: is not a valid tier name: a tier's name is used in file names (timeline-<name>.csv), so it may hold only a-z, 0-9, _ and -",
        ),
        (
            "[tiers.\"web/../x\"]\nkind = \"ec2\"\n",
            "t.toml: tiers.\"web/../x\": is not a valid tier name",
        ),
        // Calls.
        (
            "[tiers.web]\nkind = \"ec2\"\n[[tiers.web.calls]]\ntier = \"dbx\"\n[tiers.db]\nkind = \"ec2\"\n",
            "t.toml:7: tiers.web.calls[0].tier = \"dbx\": no tier has this name; the tiers are: web, db",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\ncalls = [{ tier = \"web\" }]\n",
            "t.toml:6: tiers.web.calls[0].tier = \"web\": a tier may not call itself",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.db]\nkind = \"ec2\"\ncalls = [{ tier = \"web\" }]\n",
            "t.toml:8: tiers.db.calls[0].tier = \"web\": is the entry tier, which receives [traffic]; no tier may call it",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\ncalls = [{ tier = \"api\" }]\n[tiers.api]\nkind = \"ec2\"\ncalls = [{ tier = \"db\" }]\n[tiers.db]\nkind = \"ec2\"\ncalls = [{ tier = \"cache\" }, { tier = \"api\" }]\n[tiers.cache]\nkind = \"ec2\"\n",
            "t.toml:12: tiers.db.calls[1].tier = \"api\": the calls form a cycle: api → db → api",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\ncalls = [{ tier = \"api\", count = 0 }]\n[tiers.api]\nkind = \"ec2\"\n",
            "t.toml:6: tiers.web.calls[0].count = 0: must be between 1 and 100",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\n[[tiers.web.calls]]\ntier = \"api\"\ncount = 101\n[tiers.api]\nkind = \"ec2\"\n",
            "t.toml:8: tiers.web.calls[0].count = 101: must be between 1 and 100",
        ),
        // Kinds and keys SPEC names that are not built yet; words that are no kind.
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.jobs]\nkind = \"emr\"\nqueue = \"x\"\n",
            "t.toml:7: tiers.jobs.kind = \"emr\": this kind of tier is not built yet; the kinds built are: ec2, fargate, ecs_ec2, lambda, rds, beanstalk, worker, batch",
        ),
        (
            "[tiers.web]\nkind = \"postgres\"\n",
            "t.toml:5: tiers.web.kind = \"postgres\": unknown value; expected one of ec2, fargate, ecs_ec2, lambda, rds, beanstalk, worker, batch, emr",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\n[[tiers.web.sends]]\ntier = \"jobs\"\nprobability = 0.1\n",
            "t.toml:7: tiers.web.sends[0].tier = \"jobs\": no tier has this name; the tiers are: web",
        ),
        (
            "[tiers.web]\n",
            "t.toml:4: tiers.web = {  }: missing key `kind`",
        ),
        // The tables' own rules, under the tier's keys and lines.
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.api]\nkind = \"ec2\"\n[tiers.api.autoscaling]\nmin = 3\nmax = 2\n",
            "t.toml:10: tiers.api.autoscaling.max = 2: must be at least autoscaling.min (3)",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.web.service]\ntime = { dist = \"uniform\", min = \"1s\", max = \"2s\", cv = 1.0 }\n",
            "t.toml:7: tiers.web.service.time.cv = 1.0: is not a parameter of dist = \"uniform\"",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.web.load_balancer]\nalgorithm = \"roundrobin\"\n",
            "t.toml:7: tiers.web.load_balancer.algorithm = \"roundrobin\": unknown value; expected one of round_robin, least_outstanding_requests, random, power_of_two",
        ),
        (
            "[tiers.web]\nkind = \"ec2\"\nworkers = 2\n",
            "t.toml:6: tiers.web.workers = 2: unknown key",
        ),
        // A cross-table rule, per tier.
        (
            "[tiers.web]\nkind = \"ec2\"\n[tiers.api]\nkind = \"ec2\"\n[tiers.api.autoscaling.warm_pool]\nsize = 1\n[tiers.api.purchase]\non_demand_percent_above_base = 50\n",
            "t.toml:8: tiers.api.autoscaling.warm_pool = { size = 1 }: a warm pool needs an all on-demand group",
        ),
    ];
    for (rest, expected) in cases {
        let message = error(rest);
        assert!(
            message.starts_with(expected),
            "\n{rest}\nexpected: {expected}\n     got: {message}"
        );
    }
}

/// At most `MAX_TIERS` (16) tiers: the model indexes them with a small integer.
#[test]
fn at_most_sixteen_tiers() {
    let tiers = |n: usize| -> String {
        (0..n)
            .map(|i| format!("[tiers.t{i:02}]\nkind = \"ec2\"\nentry = {}\n", i == 0))
            .collect()
    };
    let sixteen = format!("{HEAD}{}", tiers(16));
    let config = ScenarioFile::parse(Path::new("t.toml"), sixteen)
        .and_then(|f| f.resolve())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.tiers.len(), 16);
    assert_eq!(
        error(&tiers(17)),
        "t.toml:4: tiers: has 17 tiers, more than the 16 a scenario may have"
    );
}

/// At most 64 `[[calls]]` tables per tier (the model numbers them in a byte); 64 are
/// accepted, 65 refused naming the key.
#[test]
fn at_most_sixty_four_call_tables_per_tier() {
    let calls = |n: usize| -> String {
        let tables: String = (0..n)
            .map(|_| "[[tiers.web.calls]]\ntier = \"api\"\n")
            .collect();
        format!("[tiers.web]\nkind = \"ec2\"\n{tables}[tiers.api]\nkind = \"ec2\"\n")
    };
    let config = ScenarioFile::parse(Path::new("t.toml"), format!("{HEAD}{}", calls(64)))
        .and_then(|f| f.resolve())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.tiers.len(), 2);
    let e = error(&calls(65));
    assert!(
        e.contains("tiers.web.calls: has 65 tables; a tier makes at most 64"),
        "{e}"
    );
}

/// The calls multiply the requests of a run, which `MAX_REQUESTS` (1e11) bounds:
/// web calls api 10 times and api calls db 10 times, so each arrival is 1 + 10 + 100
/// = 111 requests. 100 req/s for 120 days is 100 × 10,368,000 s = 1.0368e9 arrivals,
/// times 111 is 1.150848e11; for 100 days it is 8.64e8 × 111 = 9.59e10, which fits.
#[test]
fn the_calls_count_in_the_bound_on_a_run_s_requests() {
    let text = |days: u32| {
        format!(
            "duration = \"{days}d\"\n[traffic]\nrate = 100\n[tiers.web]\nkind = \"ec2\"\ncalls = [{{ tier = \"api\", count = 10 }}]\n[tiers.api]\nkind = \"ec2\"\ncalls = [{{ tier = \"db\", count = 10 }}]\n[tiers.db]\nkind = \"ec2\"\n"
        )
    };
    let resolve = |days| ScenarioFile::parse(Path::new("t.toml"), text(days))?.resolve();
    assert!(resolve(100).is_ok());
    assert_eq!(
        resolve(120).unwrap_err().to_string(),
        "t.toml:1: duration = \"120d\": the traffic and the calls between tiers give up to 1.150848e11 requests in this run, more than the 1e11 one run may simulate (hours of computing); shorten the run or lower the rates"
    );
}

/// Three tiers, the entry not named `web`, calls with and without a count, a strategy
/// that changes one tier: the order of `Config::tiers` (entry first, then by name),
/// the calls by index, and a note for the tier that nothing calls.
const THREE_TIERS: &str = r#"
name = "three"
duration = "10m"
[traffic]
rate = 20

[tiers.front]
kind = "ec2"
entry = true
[tiers.front.autoscaling]
min = 1
max = 3
[[tiers.front.calls]]
tier = "db"
[[tiers.front.calls]]
tier = "api"
count = 2

[tiers.api]
kind = "ec2"
[tiers.api.instance]
type = "c5.large"
[tiers.api.autoscaling]
min = 2
max = 4
[[tiers.api.calls]]
tier = "db"
count = 3

[tiers.db]
kind = "ec2"
[tiers.db.service]
time = "5ms"

[tiers.spare]
kind = "ec2"

[[strategy]]
name = "as written"

[[strategy]]
name = "bigger api"
tiers.api.instance.type = "c5.xlarge"
tiers.db.autoscaling.max = 5
"#;

#[test]
fn tiers_are_ordered_entry_first_and_calls_name_them_by_index() {
    let file = parse(&scenario_path("three.toml"), THREE_TIERS);
    let (config, notes) = file.resolve_with_notes().unwrap();
    let names: Vec<&str> = config.tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["front", "api", "db", "spare"]);
    let calls = |t: usize| -> Vec<(usize, u32)> {
        config.tiers[t]
            .calls
            .iter()
            .map(|c| (c.tier, c.count))
            .collect()
    };
    assert_eq!(calls(0), [(2, 1), (1, 2)]);
    assert_eq!(calls(1), [(2, 3)]);
    assert!(calls(2).is_empty() && calls(3).is_empty());
    assert_eq!(config.tiers[1].instance.type_name, "c5.large");
    assert_eq!(
        notes,
        [
            "tiers.spare receives no requests: no call from the entry tier or a worker tier reaches it (its instances still run and are billed)"
        ]
    );
    let strategies = file.strategies().unwrap();
    let bigger = &strategies[1].1;
    assert_eq!(bigger.tiers[1].instance.type_name, "c5.xlarge");
    assert_eq!(bigger.tiers[1].instance.vcpu, 4);
    assert_eq!(bigger.tiers[2].autoscaling.max, 5);
    assert_eq!(bigger.tiers[0].autoscaling.max, 3);
}

/// A multi-tier scenario prints as `[tiers.<name>]` tables that resolve back to the
/// same `Config`, strategies included, and print the same text again.
#[test]
fn a_multi_tier_scenario_round_trips_through_resolved_toml() {
    let path = scenario_path("three.toml");
    let file = parse(&path, THREE_TIERS);
    let (config, strategies) = (file.resolve().unwrap(), file.strategies().unwrap());
    let printed = resolved_toml(&config, &strategies).unwrap();
    assert!(printed.contains("[tiers.front]\nentry = true\nkind = \"ec2\"\n"));
    assert!(printed.contains("[[tiers.front.calls]]\ncount = 2\nrequest_bytes = 1024\nresponse_bytes = 4096\ntier = \"api\"\n"));
    assert!(!printed.contains("\n[service]"), "{printed}");
    let again = parse(&path, &printed);
    assert_eq!(resolved(&again).0, format!("{config:?}"));
    let strategies_again = again.strategies().unwrap();
    assert_eq!(
        format!("{strategies_again:?}"),
        format!("{strategies:?}"),
        "strategies"
    );
    assert_eq!(
        resolved_toml(&again.resolve().unwrap(), &strategies_again).unwrap(),
        printed
    );
}

/// A lone tier that is not named `web` is still written as a tier: the single-tier
/// form would rename it.
#[test]
fn a_lone_tier_of_another_name_prints_as_a_tier() {
    let file = parse(
        Path::new("t.toml"),
        &format!("{HEAD}[tiers.shop]\nkind = \"ec2\"\n"),
    );
    let config = file.resolve().unwrap();
    assert_eq!(config.entry().name, "shop");
    let printed = resolved_toml(&config, &[]).unwrap();
    assert!(
        printed.contains("[tiers.shop]\nentry = true\n"),
        "{printed}"
    );
    let again = parse(Path::new("t.toml"), &printed).resolve().unwrap();
    assert_eq!(format!("{again:?}"), format!("{config:?}"));
}

/// `--set` reaches a tier's keys; an unknown tier is an error naming it and the tiers
/// there are (a misspelt name must not become a new tier), and on a single-tier
/// scenario the error says its keys have no `tiers.` prefix. A whole tier, kind
/// included, may be added.
#[test]
fn set_reaches_into_tiers_and_refuses_unknown_ones() {
    let path = scenario_path("three.toml");
    let mut file = parse(&path, THREE_TIERS);
    file.set("tiers.api.autoscaling.max=8").unwrap();
    file.set("tiers.db.calls=[{tier=\"spare\"}]").unwrap();
    let config = file.resolve().unwrap();
    assert_eq!(config.tiers[1].autoscaling.max, 8);
    assert_eq!(config.tiers[2].calls[0].tier, 3);

    let error = file.set("tiers.apx.autoscaling.max=8").unwrap_err();
    assert_eq!(
        error.to_string(),
        "--set tiers.apx.autoscaling.max=8: tiers.apx: the scenario has no tier named \"apx\"; its tiers are: api, db, front, spare"
    );
    // The refused override leaves the scenario as it was.
    assert_eq!(
        format!("{:?}", file.resolve().unwrap()),
        format!("{config:?}")
    );
    file.set("tiers.cache={kind=\"ec2\"}").unwrap();
    assert_eq!(file.resolve().unwrap().tiers.len(), 5);

    let mut single = parse(&path, &format!("{HEAD}[autoscaling]\nmax = 2\n"));
    let error = single.set("tiers.web.autoscaling.max=8").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no tier named \"web\": it is written in the single-tier form"),
        "{error}"
    );
}

/// A strategy that overrides a tier the scenario does not have is an error naming the
/// strategy and the tier.
#[test]
fn a_strategy_may_not_reach_into_an_unknown_tier() {
    let text = format!(
        "{HEAD}[tiers.web]\nkind = \"ec2\"\n[[strategy]]\nname = \"typo\"\ntiers.wbe.autoscaling.max = 4\n"
    );
    let error = parse(Path::new("t.toml"), &text).strategies().unwrap_err();
    assert_eq!(
        error.to_string(),
        "t.toml:6: strategy[0].tiers.wbe: in strategy \"typo\": the scenario has no tier named \"wbe\"; its tiers are: web"
    );
}

/// The CLI: a tier's key set from the command line, a bad tier structure and an
/// unknown tier in `--set` are exit 2 with the message; a relative spot price trace
/// set for a tier is read from the folder the command runs in, and printed absolute.
#[test]
fn the_cli_sets_tier_keys_and_exits_2_on_bad_tiers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let three = write(dir, "three.toml", THREE_TIERS);
    let three = three.to_str().unwrap();
    let cwd = dir.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    // The strategy "bigger api" buys c5.xlarge.
    write(
        &cwd,
        "prices.tsv",
        "us-east-1a\tc5.large\tLinux/UNIX\t0.031\t2022-05-31T00:00:00+00:00\nus-east-1a\tc5.xlarge\tLinux/UNIX\t0.062\t2022-05-31T00:00:00+00:00\n",
    );
    let output = simcloud()
        .current_dir(&cwd)
        .args(["validate", three])
        .args(["--set", "tiers.api.autoscaling.max=9"])
        .args(["--set", "tiers.api.purchase.on_demand_percent_above_base=0"])
        .args(["--set", "tiers.api.spot.price={trace=\"prices.tsv\"}"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: toml::Table = String::from_utf8_lossy(&output.stdout).parse().unwrap();
    let api = &printed["tiers"]["api"];
    assert_eq!(api["autoscaling"]["max"].as_integer(), Some(9));
    let trace = api["spot"]["price"]["trace"].as_str().unwrap();
    assert!(
        Path::new(trace).is_absolute() && trace.ends_with("cwd/prices.tsv"),
        "{trace}"
    );

    simcloud()
        .args(["validate", three, "--set", "tiers.apx.autoscaling.max=9"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--set tiers.apx.autoscaling.max=9: tiers.apx: the scenario has no tier named \"apx\"",
        ));
    let cycle = write(
        dir,
        "cycle.toml",
        &format!(
            "{HEAD}[tiers.web]\nkind = \"ec2\"\ncalls = [{{ tier = \"a\" }}]\n[tiers.a]\nkind = \"ec2\"\ncalls = [{{ tier = \"b\" }}]\n[tiers.b]\nkind = \"ec2\"\ncalls = [{{ tier = \"a\" }}]\n"
        ),
    );
    let out = dir.join("out");
    simcloud()
        .args([
            "run",
            cycle.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cycle.toml:12: tiers.b.calls[0].tier = \"a\": the calls form a cycle: a → b → a",
        ));
    assert!(!out.exists(), "a bad scenario wrote its folder");
}

/// The report's copy of the scenario names every tier's spot price trace relative to
/// the folder the command ran in, not only the entry tier's.
#[test]
fn every_tier_s_trace_is_written_relative_for_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "prices.tsv",
        "us-east-1a\tc5.large\tLinux/UNIX\t0.031\t2022-05-31T00:00:00+00:00\n",
    );
    let text = THREE_TIERS.replace(
        "[tiers.db]\n",
        "[tiers.api.purchase]\non_demand_percent_above_base = 0\n[tiers.api.spot]\nprice = { trace = \"prices.tsv\" }\n[tiers.db]\n",
    );
    let path = write(dir, "three.toml", &text);
    let config: Config = ScenarioFile::read(&path).unwrap().resolve().unwrap();
    let printed = resolved_toml_from(&config, &[], dir).unwrap();
    let table: toml::Table = printed.parse().unwrap();
    assert_eq!(
        table["tiers"]["api"]["spot"]["price"]["trace"].as_str(),
        Some("prices.tsv")
    );
}
