//! `compare --emit ENGINE --shards N`: a ready job description that runs the
//! comparison as an array of N shards on a cluster engine and merges them when every
//! shard has succeeded. Nothing is submitted; the text goes to standard output.
//!
//! Each shard runs the same command the user typed, with `--shard auto --shards N`
//! (the engine's array index picks the part) and `--threads` set to the CPUs the job
//! asks for, so shards do not fight over cores. The comparison's folder must be one
//! folder seen by every shard and by the merge: a shared file system on Slurm (the
//! jobs run in the folder `--emit` ran in), an EFS volume on AWS Batch, a
//! ReadWriteMany volume on Kubernetes. The container engines run the image built by
//! the project's `Dockerfile`, whose working folder holds the shipped scenarios.

use super::ScenarioArgs;
use anyhow::Context;
use clap::ValueEnum;
use simcloud::compare::optimize::OptimizePlan;
use simcloud::compare::{CompareOptions, ComparePlan};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum Engine {
    /// An sbatch array job and a merge job that depends on it (afterok).
    Slurm,
    /// An AWS Batch job definition and array job, and the submit commands (JSON).
    AwsBatch,
    /// A Kubernetes Indexed Job and a merge Job (YAML).
    K8s,
}

/// The working folder of the image the `Dockerfile` builds.
const IMAGE_WORKDIR: &str = "/simcloud";

/// What every engine's description needs.
pub(super) struct Job {
    /// The scenario's name, as a job name may spell it.
    name: String,
    /// This simcloud, for jobs that run on a shared file system.
    exe: PathBuf,
    /// The folder the command ran in; the jobs run there too, so that relative paths
    /// (and the report's scenario text) are the same as for a local compare.
    cwd: PathBuf,
    /// The comparison's folder, as typed (or the default).
    out: PathBuf,
    /// Arguments of a shard, after `simcloud`.
    shard_args: Vec<String>,
    /// Arguments of the merge (a search: its last invocation, which writes its
    /// files), after `simcloud`.
    merge_args: Vec<String>,
    /// A search's `--pending` invocation, after `simcloud`; empty for a comparison.
    pending_args: Vec<String>,
    shards: u32,
    /// CPUs per shard.
    threads: usize,
}

impl Job {
    pub(super) fn new(
        args: &ScenarioArgs,
        options: &CompareOptions,
        plan: &ComparePlan,
        out: &Path,
        shards: u32,
    ) -> anyhow::Result<Job> {
        let threads = options.threads.unwrap_or(1);
        let text = |p: &Path| p.to_string_lossy().into_owned();
        let mut shard_args = vec!["compare".to_string(), text(&args.scenario)];
        for assignment in &args.set {
            shard_args.extend(["--set".to_string(), assignment.clone()]);
        }
        for sweep in &args.sweep {
            shard_args.extend(["--sweep".to_string(), sweep.clone()]);
        }
        shard_args.extend(["--replicates".to_string(), options.replicates.to_string()]);
        if let Some(seed) = options.seed {
            shard_args.extend(["--seed".to_string(), seed.to_string()]);
        }
        shard_args.extend([
            "--threads".to_string(),
            threads.to_string(),
            "--out".to_string(),
            text(out),
            "--shard".to_string(),
            "auto".to_string(),
            "--shards".to_string(),
            shards.to_string(),
            "--quiet".to_string(),
        ]);
        Ok(Job {
            name: job_name(&plan.scenario),
            exe: std::env::current_exe().context("cannot find this simcloud's path")?,
            cwd: std::env::current_dir().context("cannot read the current folder")?,
            out: out.to_path_buf(),
            shard_args,
            merge_args: vec!["merge".to_string(), text(out), "--quiet".to_string()],
            pending_args: Vec::new(),
            shards,
            threads,
        })
    }

    /// The job of an `optimize` search in rounds of `shards` parts.
    pub(super) fn for_search(
        args: &ScenarioArgs,
        (budget, threads, seed): (Option<u64>, Option<usize>, Option<u64>),
        plan: &OptimizePlan,
        out: &Path,
        shards: u32,
    ) -> anyhow::Result<Job> {
        let threads = threads.unwrap_or(1);
        let text = |p: &Path| p.to_string_lossy().into_owned();
        let mut base = vec!["optimize".to_string(), text(&args.scenario)];
        for assignment in &args.set {
            base.extend(["--set".to_string(), assignment.clone()]);
        }
        if let Some(budget) = budget {
            base.extend(["--budget".to_string(), budget.to_string()]);
        }
        if let Some(seed) = seed {
            base.extend(["--seed".to_string(), seed.to_string()]);
        }
        base.extend(["--out".to_string(), text(out)]);
        let mut pending_args = base.clone();
        pending_args.push("--pending".to_string());
        base.extend([
            "--threads".to_string(),
            threads.to_string(),
            "--quiet".to_string(),
        ]);
        let mut shard_args = base.clone();
        shard_args.extend([
            "--shard".to_string(),
            "auto".to_string(),
            "--shards".to_string(),
            shards.to_string(),
        ]);
        Ok(Job {
            name: format!("{}-optimize", job_name(&plan.runs.scenario)),
            exe: std::env::current_exe().context("cannot find this simcloud's path")?,
            cwd: std::env::current_dir().context("cannot read the current folder")?,
            out: out.to_path_buf(),
            shard_args,
            merge_args: base,
            pending_args,
            shards,
            threads,
        })
    }
}

/// `simcloud-<scenario name>`, as a job name may spell it.
fn job_name(scenario: &str) -> String {
    let name: String = scenario
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    format!("simcloud-{}", name.trim_matches('-'))
}

/// The job description for `engine`.
pub(super) fn describe(engine: Engine, job: &Job) -> String {
    match engine {
        Engine::Slurm => slurm(job),
        Engine::AwsBatch => aws_batch(job),
        Engine::K8s => kubernetes(job),
    }
}

/// The job description of an `optimize` search for `engine`: Slurm only, since a
/// round's runs depend on the rounds before and only `sbatch --wait` lets a plain
/// script wait for an array job; on the other engines the loop is the README's.
pub(super) fn describe_search(engine: Engine, job: &Job) -> anyhow::Result<String> {
    match engine {
        Engine::Slurm => Ok(slurm_search(job)),
        Engine::AwsBatch | Engine::K8s => Err(anyhow::anyhow!(
            "--emit {}: optimize describes its rounds for slurm only; on AWS Batch or Kubernetes, loop: run the array with `optimize --shard auto` until `optimize --pending` prints 0, then run optimize once more without --shard (README, \"Optimizing\")",
            engine
                .to_possible_value()
                .expect("no skipped engines")
                .get_name()
        )),
    }
}

/// `text` as one word for sh: single-quoted unless it is plainly safe.
fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn command_line(program: &Path, args: &[String]) -> String {
    std::iter::once(quote(&program.to_string_lossy()))
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A submit script: the shards as an sbatch array, the merge as a job that runs once
/// every task of the array has succeeded (`afterok` on the array's id) and is
/// cancelled if one fails (`--kill-on-invalid-dep`). The logs go beside the
/// comparison's folder, which holds only simcloud's files.
fn slurm(job: &Job) -> String {
    let cwd = quote(&job.cwd.to_string_lossy());
    let logs = quote(&format!("{}.slurm-logs", job.out.to_string_lossy()));
    let shard = command_line(&job.exe, &job.shard_args);
    let merge = command_line(&job.exe, &job.merge_args);
    let last = job.shards - 1;
    let version = env!("CARGO_PKG_VERSION");
    let (name, threads, n) = (&job.name, job.threads, job.shards);
    format!(
        r#"#!/usr/bin/env bash
# simcloud {version}: the comparison as a Slurm array of {n} shards, then a merge job
# that runs once every shard has succeeded and writes {out}/ (the same files as
# the comparison run on one machine).
#
# Submit:  bash THIS_FILE [more sbatch options for the merge job, e.g. --wait to
#          return when the merge has finished, with its exit code]
# Logs:    {logs}/
# A shard that failed: run it again with --shard K/{n} instead of --shard auto, or
#          sbatch --array=K this file's shard script; then run the merge line.
set -euo pipefail
cd {cwd}
mkdir -p {logs}
array=$(sbatch --parsable --array=0-{last} --job-name={name} --chdir={cwd} \
  --cpus-per-task={threads} --output={logs}/shard-%a.out <<'SHARD'
#!/bin/sh
exec {shard}
SHARD
)
array=${{array%%;*}}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --job-name={name}-merge --chdir={cwd} --cpus-per-task=1 --output={logs}/merge.out "$@" <<'MERGE'
#!/bin/sh
exec {merge}
MERGE
)
echo "shards: array job $array ({n} tasks); merge: job ${{merge%%;*}}, after every shard succeeds"
"#,
        out = job.out.display(),
    )
}

/// A search's driver script: while `--pending` says the next round lacks runs, an
/// sbatch array of the round's shards, waited for (`--wait`: sbatch returns when
/// every task has ended, failing if one failed); then the invocation that writes
/// the search's folder. A round that ran but left the same runs lacking stops it.
fn slurm_search(job: &Job) -> String {
    let cwd = quote(&job.cwd.to_string_lossy());
    let logs = quote(&format!("{}.slurm-logs", job.out.to_string_lossy()));
    let shard = command_line(&job.exe, &job.shard_args);
    let pending = command_line(&job.exe, &job.pending_args);
    let last_step = command_line(&job.exe, &job.merge_args);
    let last = job.shards - 1;
    let version = env!("CARGO_PKG_VERSION");
    let (name, threads, n) = (&job.name, job.threads, job.shards);
    format!(
        r#"#!/usr/bin/env bash
# simcloud {version}: the optimize search as a loop of Slurm array jobs, one per
# round, each of {n} shards; then the search's files are written to {out}/ (the same
# files as the search run on one machine). A round's runs depend on the rounds
# before, so each round waits for the last.
#
# Run:   bash THIS_FILE   (where sbatch works; or submit it with sbatch itself)
# Logs:  {logs}/
# A round that failed: run this file again; it goes on from the runs written.
set -euo pipefail
cd {cwd}
mkdir -p {logs}
round=0
before=
while :; do
  lacking=$({pending})
  if [ "$lacking" = 0 ]; then break; fi
  if [ "$lacking" = "$before" ]; then
    echo "round $round ran but the search still lacks $lacking runs; see {logs}/" >&2
    exit 1
  fi
  before=$lacking
  round=$((round + 1))
  echo "round $round: $lacking runs in {n} shards"
  sbatch --wait --quiet --array=0-{last} --job-name={name} --chdir={cwd}     --cpus-per-task={threads} --output={logs}/round-$round-shard-%a.out <<'SHARD'
#!/bin/sh
exec {shard}
SHARD
done
exec {last_step}
"#,
        out = job.out.display(),
    )
}

/// A path as the container sees it: relative paths from the image's working folder.
fn in_container(path: &Path) -> String {
    Path::new(IMAGE_WORKDIR)
        .join(path)
        .to_string_lossy()
        .into_owned()
}

/// The folder of the shared volume: the one holding the comparison's folder.
fn shared_folder(job: &Job) -> String {
    in_container(job.out.parent().unwrap_or(Path::new(".")))
}

/// One JSON document: the job definition, the array job and the merge job as the
/// inputs of `aws batch register-job-definition` and `submit-job`
/// (`--cli-input-json`), and the commands that fill in the three things only the
/// user's account knows (image repository, job queue, EFS file system) and submit.
fn aws_batch(job: &Job) -> String {
    use serde_json::json;
    let definition = job.name.clone();
    let mut shard_command = job.shard_args.clone();
    let mut merge_command = job.merge_args.clone();
    // The image's entry point is `simcloud`: commands start at its arguments.
    for args in [&mut shard_command, &mut merge_command] {
        if let Some(out) = args.iter().position(|a| *a == job.out.to_string_lossy()) {
            args[out] = in_container(&job.out);
        }
    }
    let document = json!({
        "about": format!(
            "simcloud {}: the comparison as an AWS Batch array job of {} shards, then a merge job that depends on it; run `commands` in order from the project's folder (they need docker, the aws CLI and jq, and the three variables in `needs`)",
            env!("CARGO_PKG_VERSION"), job.shards
        ),
        "needs": {
            "SIMCLOUD_IMAGE": "an image repository you can push to, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/simcloud:0.1.0",
            "BATCH_JOB_QUEUE": "an AWS Batch job queue (EC2 or Fargate compute environment)",
            "EFS_FILE_SYSTEM_ID": "an EFS file system that holds the comparison's folder, shared by the shards and the merge",
        },
        "jobDefinition": {
            "jobDefinitionName": definition,
            "type": "container",
            "containerProperties": {
                "image": "SIMCLOUD_IMAGE",
                "command": shard_command,
                "resourceRequirements": [
                    {"type": "VCPU", "value": job.threads.to_string()},
                    {"type": "MEMORY", "value": "2048"}
                ],
                "volumes": [{
                    "name": "results",
                    "efsVolumeConfiguration": {"fileSystemId": "EFS_FILE_SYSTEM_ID", "rootDirectory": "/"}
                }],
                "mountPoints": [{
                    "sourceVolume": "results",
                    "containerPath": shared_folder(job),
                    "readOnly": false
                }]
            }
        },
        "shardsJob": {
            "jobName": format!("{}-shards", job.name),
            "jobQueue": "BATCH_JOB_QUEUE",
            "jobDefinition": definition,
            "arrayProperties": {"size": job.shards}
        },
        "mergeJob": {
            "jobName": format!("{}-merge", job.name),
            "jobQueue": "BATCH_JOB_QUEUE",
            "jobDefinition": definition,
            "dependsOn": [{"jobId": "SHARDS_JOB_ID"}],
            "containerOverrides": {
                "command": merge_command,
                "resourceRequirements": [{"type": "VCPU", "value": "1"}]
            }
        },
        "commands": [
            "docker build -t \"$SIMCLOUD_IMAGE\" . && docker push \"$SIMCLOUD_IMAGE\"",
            "aws batch register-job-definition --cli-input-json \"$(jq -c --arg image \"$SIMCLOUD_IMAGE\" --arg efs \"$EFS_FILE_SYSTEM_ID\" '.jobDefinition | .containerProperties.image = $image | .containerProperties.volumes[0].efsVolumeConfiguration.fileSystemId = $efs' THIS_FILE)\"",
            "shards=$(aws batch submit-job --query jobId --output text --cli-input-json \"$(jq -c --arg queue \"$BATCH_JOB_QUEUE\" '.shardsJob | .jobQueue = $queue' THIS_FILE)\")",
            "aws batch submit-job --cli-input-json \"$(jq -c --arg queue \"$BATCH_JOB_QUEUE\" --arg shards \"$shards\" '.mergeJob | .jobQueue = $queue | .dependsOn[0].jobId = $shards' THIS_FILE)\""
        ]
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// A YAML scalar: a JSON string is a YAML double-quoted scalar.
fn yaml(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

fn yaml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|a| yaml(a)).collect::<Vec<_>>().join(", ")
    )
}

/// Two Jobs in one file: the shards as an Indexed Job (`completionMode: Indexed`,
/// each pod's `JOB_COMPLETION_INDEX` picks its part) and the merge, applied once the
/// first is complete (Kubernetes has no dependencies between Jobs; the header says
/// how, with label selectors on the one file).
fn kubernetes(job: &Job) -> String {
    let mut shard_args = job.shard_args.clone();
    let mut merge_args = job.merge_args.clone();
    for args in [&mut shard_args, &mut merge_args] {
        if let Some(out) = args.iter().position(|a| *a == job.out.to_string_lossy()) {
            args[out] = in_container(&job.out);
        }
    }
    let name = &job.name;
    let n = job.shards;
    let pod = |step: &str, args: &[String], cpus: usize| {
        format!(
            r#"  template:
    metadata:
      labels:
        simcloud/step: {step}
    spec:
      restartPolicy: Never
      containers:
        - name: simcloud
          image: SIMCLOUD_IMAGE
          args: {args}
          resources:
            requests:
              cpu: "{cpus}"
              memory: 2Gi
          volumeMounts:
            - name: results
              mountPath: {mount}
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: simcloud-results
"#,
            args = yaml_list(args),
            mount = yaml(&shared_folder(job)),
        )
    };
    format!(
        r#"# simcloud {version}: the comparison as a Kubernetes Indexed Job of {n} shards, then a
# merge Job. Needs the image the project's Dockerfile builds (replace SIMCLOUD_IMAGE,
# e.g. with sed) and a ReadWriteMany PersistentVolumeClaim named simcloud-results.
#   kubectl apply -f THIS_FILE -l simcloud/step=shards
#   kubectl wait --for=condition=complete --timeout=24h job/{name}-shards
#   kubectl apply -f THIS_FILE -l simcloud/step=merge
#   kubectl wait --for=condition=complete --timeout=1h job/{name}-merge
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}-shards
  labels:
    simcloud/step: shards
spec:
  completionMode: Indexed
  completions: {n}
  parallelism: {n}
  backoffLimit: {retries}
{shard_pod}---
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}-merge
  labels:
    simcloud/step: merge
spec:
  backoffLimit: 2
{merge_pod}"#,
        version = env!("CARGO_PKG_VERSION"),
        shard_pod = pod("shards", &shard_args, job.threads),
        merge_pod = pod("merge", &merge_args, 1),
        retries = 2 * n,
    )
}
