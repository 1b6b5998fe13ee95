//! `compare --shard K/N`, `merge` and `--emit` (issue 18), through the real binary: a
//! comparison run in shards and merged is byte-identical to the one run whole; a
//! missing, duplicated or foreign shard is refused with exit 2, naming it; `--shard
//! auto` reads each engine's array variables; the emitted job descriptions are well
//! formed.

use crate::common::{scenario_path, simcloud};
use std::fs;
use std::path::{Path, PathBuf};

/// Every variable `--shard auto` reads, removed from each command so that a test run
/// inside an array job (or a shell that exported one) is not confused by it.
const ENGINE_VARIABLES: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
    "JOB_COMPLETION_INDEX",
];

/// Two replicates keep the runs few; with 4 and 5 strategies there are 8 and 10 runs,
/// so 3 and 7 shards divide them unevenly.
const REPLICATES: &str = "2";

fn compare(scenario: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = simcloud();
    cmd.arg("compare")
        .arg(scenario_path(scenario))
        .args(["--replicates", REPLICATES, "--quiet"])
        .args(extra);
    for var in ENGINE_VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

fn shard(scenario: &str, out: &Path, k: u32, n: u32) {
    compare(scenario, &["--shard", &format!("{k}/{n}")])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn merge(out: &Path) -> assert_cmd::assert::Assert {
    simcloud().arg("merge").arg(out).assert()
}

/// Every file of `dir` but the shards, by name, with its bytes.
pub(crate) fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn sharded(scenario: &str, root: &Path, n: u32) -> PathBuf {
    let out = root.join(format!("in-{n}"));
    for k in 0..n {
        shard(scenario, &out, k, n);
    }
    merge(&out).success();
    out
}

/// Issue 18: sharded (N = 1, 3, 7, uneven) then merged gives the bytes of the
/// unsharded comparison, charts and report included, for both shipped comparisons.
#[test]
fn issue_18_sharded_then_merged_is_byte_identical_to_unsharded() {
    for scenario in ["compare-pricing.toml", "compare-targets.toml"] {
        let tmp = tempfile::tempdir().unwrap();
        let whole = tmp.path().join("whole");
        compare(scenario, &[])
            .arg("--out")
            .arg(&whole)
            .assert()
            .success();
        let expected = files(&whole);
        let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"report.html") && names.contains(&"replicates.csv"),
            "{names:?}"
        );
        for n in [1, 3, 7] {
            let out = sharded(scenario, tmp.path(), n);
            let got = files(&out);
            assert_eq!(
                got.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                expected.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                "{scenario}, {n} shards"
            );
            for ((name, a), (_, b)) in got.iter().zip(&expected) {
                assert!(a == b, "{scenario}, {n} shards: {name} differs");
            }
            // The shards stay, and merging again gives the same files.
            assert_eq!(
                fs::read_dir(out.join("shards")).unwrap().count(),
                n as usize
            );
            merge(&out).success();
            assert!(
                files(&out) == expected,
                "{scenario}: a second merge differs"
            );
        }
    }
}

/// Three shards of compare-pricing in `root/out`, merged once.
fn three_shards(root: &Path) -> PathBuf {
    sharded("compare-pricing.toml", root, 3)
}

fn shard_file(out: &Path, k: u32) -> PathBuf {
    out.join(format!("shards/shard-{k}-of-3/shard.json"))
}

fn refused(out: &Path, needles: &[&str]) {
    let assert = merge(out).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    }
}

#[test]
fn issue_18_a_missing_shard_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = three_shards(tmp.path());
    fs::remove_dir_all(out.join("shards/shard-1-of-3")).unwrap();
    refused(&out, &["missing shard 1/3", "shard-1-of-3", "--shard 1/3"]);
    // Running it again is the cure.
    shard("compare-pricing.toml", &out, 1, 3);
    merge(&out).success();
}

/// A shard made from another version of the scenario: its recorded hash differs.
#[test]
fn issue_18_a_shard_of_another_scenario_version_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = three_shards(tmp.path());
    let path = shard_file(&out, 2);
    let text = fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hash = json["scenario_sha256"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    let other = format!(
        "{}{}",
        if hash.starts_with('0') { "1" } else { "0" },
        &hash[1..]
    );
    fs::write(&path, text.replace(hash, &other)).unwrap();
    refused(&out, &["shard-2-of-3", "scenario hash", &other, hash]);
    // A shard run again replaces the bad one.
    shard("compare-pricing.toml", &out, 2, 3);
    merge(&out).success();
}

/// Shards of different `--set` values, seeds or replicate counts do not mix either.
#[test]
fn issue_18_shards_of_other_options_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = three_shards(tmp.path());
    compare("compare-pricing.toml", &["--shard", "0/3", "--seed", "99"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    refused(&out, &["shard-0-of-3", "base seed", "99"]);
    compare(
        "compare-pricing.toml",
        &["--shard", "0/3", "--set", "autoscaling.max=7"],
    )
    .arg("--out")
    .arg(&out)
    .assert()
    .success();
    refused(&out, &["shard-0-of-3", "scenario hash"]);
}

/// The same shard twice (one copied over another's folder).
#[test]
fn issue_18_a_duplicated_shard_is_refused_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let out = three_shards(tmp.path());
    fs::copy(shard_file(&out, 1), shard_file(&out, 2)).unwrap();
    refused(
        &out,
        &["shard-1-of-3", "shard-2-of-3", "both hold shard 1/3"],
    );
}

#[test]
fn merge_without_shards_and_bad_shard_options_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let assert = merge(tmp.path()).code(2);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("holds no shards"));
    let out = tmp.path().join("out");
    for (args, needle) in [
        (&["--shard", "3/3"][..], "--shard 3/3"),
        (&["--shard", "x"][..], "expected K/N"),
        (&["--shard", "0/9"][..], "9 shards for 8 runs"),
        (&["--shard", "0/3", "--shards", "4"][..], "--shards 4"),
        (&["--shard", "auto"][..], "no array-job variables"),
    ] {
        let assert = compare("compare-pricing.toml", args)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    assert!(!out.exists(), "bad input writes nothing");
}

/// Each engine's variables pick the shard; a count that disagrees with --shards, an
/// index out of range and a Kubernetes index without --shards are errors.
#[test]
fn shard_auto_reads_each_engines_array_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases: [(&[(&str, &str)], &[&str], &str); 4] = [
        (
            &[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            &[],
            "shard-2-of-4",
        ),
        (
            // --array=1-4: counted from SLURM_ARRAY_TASK_MIN.
            &[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
            ],
            &[],
            "shard-3-of-4",
        ),
        (
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "5"),
            ],
            &[],
            "shard-1-of-5",
        ),
        (
            &[("JOB_COMPLETION_INDEX", "0")],
            &["--shards", "3"],
            "shard-0-of-3",
        ),
    ];
    let auto = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = compare("compare-pricing.toml", &["--shard", "auto"]);
        cmd.args(extra)
            .arg("--out")
            .arg(&out)
            .envs(vars.iter().copied());
        cmd.assert()
    };
    for (vars, extra, folder) in cases {
        auto(vars, extra).success();
        assert!(
            out.join("shards").join(folder).join("shard.json").is_file(),
            "{folder}"
        );
    }
    let bad: [(&[(&str, &str)], &[&str], &str); 4] = [
        (
            &[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            &[],
            "SLURM_ARRAY_TASK_ID=4 is not a part of 4",
        ),
        (
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "one"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "4"),
            ],
            &[],
            "AWS_BATCH_JOB_ARRAY_INDEX=\"one\"",
        ),
        (&[("JOB_COMPLETION_INDEX", "0")], &[], "pass --shards N"),
        (
            &[
                ("SLURM_ARRAY_TASK_ID", "0"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            &["--shards", "3"],
            "SLURM_ARRAY_TASK_COUNT=4 but --shards 3",
        ),
    ];
    for (vars, extra, needle) in bad {
        let assert = auto(vars, extra).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

fn emitted(engine: &str, shards: &str) -> String {
    let assert = compare(
        "compare-pricing.toml",
        &["--emit", engine, "--shards", shards],
    )
    .arg("--out")
    .arg("results/sharded")
    .assert()
    .success();
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// The sbatch array with its dependent merge, and a shell that parses it.
#[test]
fn emit_slurm_is_an_array_with_a_dependent_merge() {
    let script = emitted("slurm", "4");
    for needle in [
        "--array=0-3",
        "--dependency=afterok:\"$array\"",
        "--shard auto --shards 4",
        " merge results/sharded",
    ] {
        assert!(script.contains(needle), "{needle:?} not in\n{script}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("submit.sh");
    fs::write(&path, &script).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "bash -n rejects the script:\n{script}");
}

/// The AWS Batch description: a job definition running the shard command in the
/// image, an array job of N, and a merge job that depends on it.
#[test]
fn emit_aws_batch_is_json_with_the_right_fields() {
    let text = emitted("aws-batch", "5");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let definition = &doc["jobDefinition"];
    assert_eq!(definition["type"], "container");
    let command: Vec<&str> = definition["containerProperties"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let line = command.join(" ");
    assert!(line.starts_with("compare "), "{line}");
    assert!(line.contains("--shard auto --shards 5"), "{line}");
    assert!(line.contains("--out /simcloud/results/sharded"), "{line}");
    assert_eq!(doc["shardsJob"]["arrayProperties"]["size"], 5);
    assert_eq!(
        doc["shardsJob"]["jobDefinition"],
        definition["jobDefinitionName"]
    );
    assert_eq!(doc["mergeJob"]["containerOverrides"]["command"][0], "merge");
    assert!(doc["mergeJob"]["dependsOn"][0]["jobId"].is_string());
    assert_eq!(
        definition["containerProperties"]["mountPoints"][0]["containerPath"],
        "/simcloud/results"
    );
    assert!(doc["commands"].as_array().unwrap().len() >= 3);
}

/// The Kubernetes manifest: two Job documents, the first Indexed with N completions;
/// each container's arguments (a flow sequence of double-quoted scalars, that is
/// JSON) run the shard and the merge.
#[test]
fn emit_k8s_is_an_indexed_job_and_a_merge_job() {
    let text = emitted("k8s", "6");
    let documents: Vec<&str> = text.split("\n---\n").collect();
    assert_eq!(documents.len(), 2, "{text}");
    let field = |doc: &str, key: &str| -> Vec<String> {
        doc.lines()
            .filter_map(|l| l.trim_start().strip_prefix(&format!("{key}: ")))
            .map(|v| v.trim().to_string())
            .collect()
    };
    let (shards, merge) = (documents[0], documents[1]);
    assert_eq!(field(shards, "kind"), ["Job"]);
    assert_eq!(field(shards, "apiVersion"), ["batch/v1"]);
    assert_eq!(field(shards, "completionMode"), ["Indexed"]);
    assert_eq!(field(shards, "completions"), ["6"]);
    assert_eq!(field(merge, "kind"), ["Job"]);
    let args = |doc: &str| -> Vec<String> {
        let list = field(doc, "args");
        assert_eq!(list.len(), 1, "{doc}");
        serde_json::from_str(&list[0]).unwrap()
    };
    let shard_args = args(shards).join(" ");
    assert!(
        shard_args.contains("--shard auto --shards 6"),
        "{shard_args}"
    );
    assert_eq!(args(merge)[..2], ["merge", "/simcloud/results/sharded"]);
    // Indentation is two spaces a level, never tabs.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert!(indent % 2 == 0 && !line.contains('\t'), "{line:?}");
    }
}

/// Running a shard again replaces its folder as a whole; a comparison's folder that
/// holds the user's own files is refused before any shard runs.
#[test]
fn a_shard_run_again_replaces_itself_and_foreign_folders_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    shard("compare-pricing.toml", &out, 0, 2);
    let first = fs::read(out.join("shards/shard-0-of-2/shard.json")).unwrap();
    shard("compare-pricing.toml", &out, 0, 2);
    assert_eq!(
        fs::read(out.join("shards/shard-0-of-2/shard.json")).unwrap(),
        first
    );
    assert_eq!(fs::read_dir(out.join("shards")).unwrap().count(), 1);
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let assert = compare("compare-pricing.toml", &["--shard", "1/2"])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("notes.txt"));
    assert!(!out.join("shards/shard-1-of-2").exists());
}
