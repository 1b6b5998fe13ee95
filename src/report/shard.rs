//! A comparison run in parts (`compare --shard K/N`) and put back together (`merge`).
//!
//! Each shard runs its share of the strategy × replicate grid ([`Shard::cells`]) and
//! writes `shards/shard-K-of-N/shard.json` in the comparison's folder: the runs as
//! [`RunRecord`]s, and what a merge must check they belong to — the simcloud version,
//! a SHA-256 of the resolved scenario and its strategies (`resolved_toml`, so a
//! `--set` or an edited file changes it), the base seed, the replicates and N. A shard
//! is an output folder of its own ([`super::folder`]): written whole, and replaced
//! whole when the shard runs again.
//!
//! [`merge`] reads every shard, checks that none is missing, duplicated or from
//! another comparison, and puts the runs back in grid order; the caller then writes
//! the files through [`super::compare::write_comparison`], the same path as an
//! unsharded `compare`, so the files are byte-identical to it. The numbers survive the
//! trip exactly: JSON numbers are printed in the shortest form that reads back as the
//! same `f64` and read with serde_json's `float_roundtrip`.
//!
//! An `optimize` search runs in shards round by round (`optimize --shard K/N`): a
//! round's runs depend on the rounds before, so each shard invocation reads the runs
//! written so far ([`read_search`]), replays the search's decisions on them, and runs
//! its part of the first round that lacks runs, written as
//! `shards/round-R-shard-K-of-N/shard.json` in the same format. The search's last
//! invocation finds every run it needs there and writes the same files as a local one.
//!
//! The report's scenario text (paths relative to the folder the shard ran in) travels
//! in the shard too, since `merge` has no scenario file; it is not part of the hash,
//! which would otherwise differ between shards run from different folders.

use super::folder::{
    SHARDS_FOLDER, StagedFolder, check_replaceable, round_shard_folder_name, shard_folder_name,
};
use super::{OutputError, OutputFile};
use crate::compare::{
    Comparison, Grid, Metric, MetricGroup, RunRecord, Shard, Slo, replicate_seed,
};
use crate::model::RequestCounts;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The file of a shard, inside its folder.
pub const SHARD_FILE: &str = "shard.json";

/// Version of the shard file's layout; a merge refuses any other. Format 3 added a
/// worker tier's queue metrics: a format-2 shard of a worker scenario would read as
/// one without a queue.
const FORMAT: u32 = 3;

/// One shard: its runs and what they belong to.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardRecord {
    pub simcloud_version: String,
    /// [`scenario_sha256`] of the resolved scenario and its strategies.
    pub scenario_sha256: String,
    pub grid: Grid,
    pub shard: Shard,
    /// The base scenario as `report.html` shows it.
    pub report_scenario: String,
    /// The shard's runs, in grid order.
    pub runs: Vec<RunRecord>,
}

/// The hash a shard records: SHA-256 of the resolved scenario's text, in hex.
pub fn scenario_sha256(resolved_toml: &str) -> String {
    Sha256::digest(resolved_toml.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why shards cannot be merged. Every variant is bad input (exit code 2) and names
/// the shard at fault.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error(
        "{}: holds no shards (run `simcloud compare SCENARIO --shard K/N --out {}` for K = 0 to N-1 first)",
        dir.display(),
        dir.display()
    )]
    NoShards { dir: PathBuf },
    #[error("{}: cannot be read", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: is not a shard written by simcloud: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error(
        "{}: from another comparison: its {what} is {found}, while {agreeing} other {shards} {expected}; {hint}",
        path.display(),
        shards = if *agreeing == 1 { "shard has" } else { "shards have" }
    )]
    Mismatch {
        path: PathBuf,
        what: &'static str,
        found: String,
        expected: String,
        agreeing: usize,
        /// What to do about it.
        hint: String,
    },
    #[error(
        "{} and {}: both hold shard {label}; remove the one that should not be there",
        first.display(),
        second.display()
    )]
    Duplicate {
        label: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "{}: from another search: its {what} is {found}, while this search's is {expected}; remove it, or run the search with the scenario, options and simcloud that wrote it",
        path.display()
    )]
    OtherSearch {
        path: PathBuf,
        what: &'static str,
        found: String,
        expected: String,
    },
    #[error(
        "{} and {}: both hold replicate {replicate} of {configuration}, with different results; remove the one that should not be there",
        first.display(),
        second.display()
    )]
    DifferentRuns {
        configuration: String,
        replicate: u32,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "{}: missing {}; run {} again (--shard {})",
        dir.display(),
        missing.iter().map(|(label, path)| format!("shard {label} ({})", path.display())).collect::<Vec<_>>().join(", "),
        if missing.len() == 1 { "it" } else { "them" },
        missing.iter().map(|(label, _)| label.as_str()).collect::<Vec<_>>().join(", --shard ")
    )]
    Missing {
        dir: PathBuf,
        missing: Vec<(String, PathBuf)>,
    },
}

// ----- the file ------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardFile {
    format: u32,
    simcloud_version: String,
    scenario: String,
    scenario_sha256: String,
    base_seed: u64,
    replicates: u32,
    shard: u32,
    shards: u32,
    strategies: Vec<String>,
    /// Each strategy's SLO (format 2), for the chart's SLO line.
    slos: Vec<Slo>,
    report_scenario_toml: String,
    runs: Vec<ShardRun>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardRun {
    strategy: usize,
    replicate: u32,
    seed: u64,
    events: u64,
    arrived: u64,
    completed: u64,
    rejected: u64,
    timed_out: u64,
    interrupted: u64,
    /// 500s (an `rds` tier's errors); absent from shards of runs without.
    #[serde(default)]
    failed: u64,
    in_flight: u64,
    /// By metric key; unrounded. Every part of the bill, zero or not (whether a
    /// comparison shows it depends on every run, which only the merge has); a kind of
    /// tier's metrics only in a run with such a tier, which is how the run's
    /// [`MetricGroup`]s travel.
    metrics: BTreeMap<String, f64>,
}

impl ShardFile {
    fn of(r: &ShardRecord) -> Self {
        ShardFile {
            format: FORMAT,
            simcloud_version: r.simcloud_version.clone(),
            scenario: r.grid.scenario.clone(),
            scenario_sha256: r.scenario_sha256.clone(),
            base_seed: r.grid.base_seed,
            replicates: r.grid.replicates,
            shard: r.shard.index,
            shards: r.shard.count,
            strategies: r.grid.strategies.clone(),
            slos: r.grid.slos.clone(),
            report_scenario_toml: r.report_scenario.clone(),
            runs: r
                .runs
                .iter()
                .map(|run| {
                    let q = &run.requests;
                    ShardRun {
                        strategy: run.strategy,
                        replicate: run.replicate,
                        seed: run.seed,
                        events: run.events,
                        arrived: q.arrived,
                        completed: q.completed,
                        rejected: q.rejected,
                        timed_out: q.timed_out,
                        interrupted: q.interrupted,
                        failed: q.failed,
                        in_flight: q.in_flight,
                        metrics: Metric::ALL
                            .iter()
                            .filter(|m| run.groups.contains(&m.group()))
                            .map(|&m| (m.key().to_string(), run.value(m)))
                            .collect(),
                    }
                })
                .collect(),
        }
    }

    fn record(self) -> Result<ShardRecord, String> {
        if self.format != FORMAT {
            return Err(format!(
                "format {} (this simcloud reads format {FORMAT})",
                self.format
            ));
        }
        if self.slos.len() != self.strategies.len() {
            return Err(format!(
                "{} SLOs for {} strategies",
                self.slos.len(),
                self.strategies.len()
            ));
        }
        if self.shards == 0 || self.shard >= self.shards {
            return Err(format!("shard {} of {}", self.shard, self.shards));
        }
        let runs = self
            .runs
            .into_iter()
            .map(|run| {
                // A group is the run's when one of its metrics is there; then all
                // must be.
                let groups: Vec<MetricGroup> = MetricGroup::ALL
                    .into_iter()
                    .filter(|&g| {
                        g == MetricGroup::General
                            || g.metrics().any(|m| run.metrics.contains_key(m.key()))
                    })
                    .collect();
                let mut values = [0.0; Metric::ALL.len()];
                for (value, m) in values.iter_mut().zip(Metric::ALL) {
                    *value = match run.metrics.get(m.key()) {
                        Some(v) => *v,
                        None if !groups.contains(&m.group()) => 0.0,
                        None => return Err(format!("a run has no `{}`", m.key())),
                    };
                }
                Ok(RunRecord {
                    groups,
                    strategy: run.strategy,
                    replicate: run.replicate,
                    seed: run.seed,
                    events: run.events,
                    requests: RequestCounts {
                        arrived: run.arrived,
                        completed: run.completed,
                        rejected: run.rejected,
                        timed_out: run.timed_out,
                        interrupted: run.interrupted,
                        failed: run.failed,
                        in_flight: run.in_flight,
                    },
                    values,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(ShardRecord {
            simcloud_version: self.simcloud_version,
            scenario_sha256: self.scenario_sha256,
            grid: Grid {
                scenario: self.scenario,
                base_seed: self.base_seed,
                replicates: self.replicates,
                strategies: self.strategies,
                slos: self.slos,
            },
            shard: Shard {
                index: self.shard,
                count: self.shards,
            },
            report_scenario: self.report_scenario_toml,
            runs,
        })
    }
}

// ----- writing -------------------------------------------------------------------

/// The staging folder for `shard` of the comparison in `dir`, prepared before the
/// runs so that an unusable folder fails at once. `dir` itself must be a folder
/// simcloud may replace (the merge will), and is checked now rather than at the merge.
pub fn prepare(dir: &Path, shard: Shard) -> Result<StagedFolder, OutputError> {
    check_replaceable(dir)?;
    StagedFolder::prepare(
        &dir.join(SHARDS_FOLDER)
            .join(shard_folder_name(shard.index, shard.count)),
    )
}

/// The staging folder for `shard` of round `round` of the search in `dir`
/// ([`prepare`], for `optimize --shard`).
pub fn prepare_round(dir: &Path, round: u32, shard: Shard) -> Result<StagedFolder, OutputError> {
    check_replaceable(dir)?;
    StagedFolder::prepare(&dir.join(SHARDS_FOLDER).join(round_shard_folder_name(
        round,
        shard.index,
        shard.count,
    )))
}

/// Writes `record` into `staged` and puts the shard's folder in place (replacing an
/// earlier run of the same shard); returns the folder.
pub fn write(staged: StagedFolder, record: &ShardRecord) -> anyhow::Result<PathBuf> {
    let mut file = OutputFile::create(staged.path(), SHARD_FILE)?;
    serde_json::to_writer_pretty(file.writer(), &ShardFile::of(record))
        .with_context(|| format!("cannot write {SHARD_FILE}"))?;
    writeln!(file.writer()).with_context(|| format!("cannot write {SHARD_FILE}"))?;
    file.finish()?;
    Ok(staged.commit()?)
}

// ----- merging -------------------------------------------------------------------

/// Every shard of a comparison, checked and put back together.
#[derive(Debug)]
pub struct Merged {
    pub comparison: Comparison,
    /// The base scenario as `report.html` shows it.
    pub report_scenario: String,
    /// The shards' folders, in shard order.
    pub shards: Vec<PathBuf>,
}

/// Reads the shards under `dir/shards/`, checks them, and returns the comparison they
/// make together.
pub fn merge(dir: &Path) -> Result<Merged, ShardError> {
    let shards_dir = dir.join(SHARDS_FOLDER);
    let Some(names) = shard_names(&shards_dir)? else {
        return Err(ShardError::NoShards {
            dir: dir.to_path_buf(),
        });
    };
    let mut shards: Vec<(PathBuf, ShardRecord)> = Vec::new();
    for name in names {
        let path = shards_dir.join(&name);
        shards.push((path.clone(), read(&path)?));
    }
    if shards.is_empty() {
        return Err(ShardError::NoShards {
            dir: dir.to_path_buf(),
        });
    }
    check_same_comparison(&shards)?;
    // In shard order (names sort `shard-10` before `shard-2`).
    shards.sort_by_key(|(path, r)| (r.shard.index, path.clone()));
    for pair in shards.windows(2) {
        if pair[0].1.shard.index == pair[1].1.shard.index {
            return Err(ShardError::Duplicate {
                label: pair[0].1.shard.label(),
                first: pair[0].0.clone(),
                second: pair[1].0.clone(),
            });
        }
    }
    let (grid, count) = (shards[0].1.grid.clone(), shards[0].1.shard.count);
    for (path, r) in &shards {
        let expected = shard_folder_name(r.shard.index, r.shard.count);
        if path
            .file_name()
            .is_none_or(|n| n.to_string_lossy() != expected)
        {
            return Err(ShardError::Malformed {
                path: path.clone(),
                reason: format!(
                    "it holds shard {}, which belongs in {expected}",
                    r.shard.label()
                ),
            });
        }
        let cells: Vec<usize> = r.shard.cells(grid.runs()).collect();
        let ok = r.runs.len() == cells.len()
            && r.runs.iter().zip(&cells).all(|(run, &cell)| {
                let (s, rep) = grid.cell(cell);
                (run.strategy, run.replicate, run.seed)
                    == (s, rep, replicate_seed(grid.base_seed, rep))
            });
        if !ok {
            return Err(ShardError::Malformed {
                path: path.clone(),
                reason: format!("it does not hold the runs of shard {}", r.shard.label()),
            });
        }
    }
    let missing: Vec<(String, PathBuf)> = (0..count)
        .filter(|k| !shards.iter().any(|(_, r)| r.shard.index == *k))
        .map(|k| {
            (
                Shard { index: k, count }.label(),
                shards_dir.join(shard_folder_name(k, count)),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::Missing {
            dir: dir.to_path_buf(),
            missing,
        });
    }
    let mut runs: Vec<Option<RunRecord>> = vec![None; grid.runs()];
    for (_, r) in &shards {
        for (cell, run) in r.shard.cells(grid.runs()).zip(&r.runs) {
            runs[cell] = Some(run.clone());
        }
    }
    let runs = runs
        .into_iter()
        .map(|run| run.expect("every cell belongs to exactly one shard"))
        .collect();
    let report_scenario = shards[0].1.report_scenario.clone();
    Ok(Merged {
        comparison: Comparison::new(&grid, runs),
        report_scenario,
        shards: shards.into_iter().map(|(path, _)| path).collect(),
    })
}

/// The names of the shard folders in `shards_dir`, sorted; `None` when it does not
/// exist. A shard being written (or abandoned by a killed one) is not a shard yet.
fn shard_names(shards_dir: &Path) -> Result<Option<Vec<String>>, ShardError> {
    let read_error = |source| ShardError::Read {
        path: shards_dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(shards_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(read_error(source)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry.map_err(read_error)?.file_name();
        let name = name.to_string_lossy().into_owned();
        if !name.starts_with(super::folder::STAGING_PREFIX) {
            names.push(name);
        }
    }
    names.sort();
    Ok(Some(names))
}

/// Reads one shard's folder.
fn read(folder: &Path) -> Result<ShardRecord, ShardError> {
    let path = folder.join(SHARD_FILE);
    let text = fs::read_to_string(&path).map_err(|source| ShardError::Read {
        path: path.clone(),
        source,
    })?;
    let malformed = |reason: String| ShardError::Malformed {
        path: folder.to_path_buf(),
        reason,
    };
    let file: ShardFile = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    file.record().map_err(malformed)
}

/// Every shard must come from the same scenario, simcloud, seeds and number of parts.
/// What most shards agree on is taken as right (the first shard's, on a tie), so the
/// message names the odd one out rather than every other shard.
fn check_same_comparison(shards: &[(PathBuf, ShardRecord)]) -> Result<(), ShardError> {
    type Key = fn(&ShardRecord) -> String;
    let checks: [(&'static str, Key); 7] = [
        ("simcloud version", |r| r.simcloud_version.clone()),
        ("scenario hash", |r| r.scenario_sha256.clone()),
        ("scenario name", |r| r.grid.scenario.clone()),
        ("strategies", |r| r.grid.strategies.join(", ")),
        ("base seed", |r| r.grid.base_seed.to_string()),
        ("replicate count", |r| r.grid.replicates.to_string()),
        ("number of shards", |r| r.shard.count.to_string()),
    ];
    for (what, key) in checks {
        let values: Vec<String> = shards.iter().map(|(_, r)| key(r)).collect();
        let agreeing = |v: &String| values.iter().filter(|x| *x == v).count();
        let expected = values
            .iter()
            .max_by_key(|v| {
                (
                    agreeing(v),
                    std::cmp::Reverse(values.iter().position(|x| x == *v)),
                )
            })
            .expect("at least one shard")
            .clone();
        if let Some(i) = values.iter().position(|v| *v != expected) {
            let (path, r) = &shards[i];
            // A shard of an earlier split into another number of parts is stale, not
            // to be run again.
            let hint = match what {
                "number of shards" => "remove it if it is left from an earlier split".to_string(),
                _ => format!(
                    "run it again with the same scenario, options and simcloud (--shard {})",
                    r.shard.label()
                ),
            };
            return Err(ShardError::Mismatch {
                path: path.clone(),
                what,
                found: values[i].clone(),
                agreeing: agreeing(&expected),
                expected,
                hint,
            });
        }
    }
    Ok(())
}

/// The runs the shards of an `optimize` search hold so far, by cell of its grid.
#[derive(Debug, Default)]
pub struct SearchRuns {
    pub runs: BTreeMap<usize, RunRecord>,
    /// The shards' folders, in name order.
    pub shards: Vec<PathBuf>,
}

/// Reads the shards of an `optimize` search under `dir/shards/` (none yet: no runs),
/// each of which must come from this search: the same simcloud `version`, scenario
/// hash and `grid` (configurations × `max_replicates`). A run held by two shards (a
/// round's shards run again in another number of parts) must be the same run.
pub fn read_search(
    dir: &Path,
    version: &str,
    scenario_sha256: &str,
    grid: &Grid,
) -> Result<SearchRuns, ShardError> {
    let shards_dir = dir.join(SHARDS_FOLDER);
    let Some(names) = shard_names(&shards_dir)? else {
        return Ok(SearchRuns::default());
    };
    let mut found = SearchRuns::default();
    let mut from: BTreeMap<usize, PathBuf> = BTreeMap::new();
    for name in names {
        let path = shards_dir.join(&name);
        let r = read(&path)?;
        let checks: [(&'static str, String, String); 6] = [
            (
                "simcloud version",
                r.simcloud_version.clone(),
                version.into(),
            ),
            (
                "scenario hash",
                r.scenario_sha256.clone(),
                scenario_sha256.into(),
            ),
            (
                "scenario name",
                r.grid.scenario.clone(),
                grid.scenario.clone(),
            ),
            (
                "configurations",
                r.grid.strategies.join(", "),
                grid.strategies.join(", "),
            ),
            (
                "base seed",
                r.grid.base_seed.to_string(),
                grid.base_seed.to_string(),
            ),
            (
                "max_replicates",
                r.grid.replicates.to_string(),
                grid.replicates.to_string(),
            ),
        ];
        for (what, found, expected) in checks {
            if found != expected {
                return Err(ShardError::OtherSearch {
                    path,
                    what,
                    found,
                    expected,
                });
            }
        }
        for run in r.runs {
            let seed = replicate_seed(grid.base_seed, run.replicate);
            if run.strategy >= grid.strategies.len()
                || run.replicate >= grid.replicates
                || run.seed != seed
            {
                return Err(ShardError::Malformed {
                    path,
                    reason: format!(
                        "it holds a run (configuration {}, replicate {}, seed {}) that is not in the search's grid",
                        run.strategy, run.replicate, run.seed
                    ),
                });
            }
            let cell = run.strategy * grid.replicates as usize + run.replicate as usize;
            match found.runs.get(&cell) {
                Some(held) if *held != run => {
                    return Err(ShardError::DifferentRuns {
                        configuration: grid.strategies[run.strategy].clone(),
                        replicate: run.replicate,
                        first: from[&cell].clone(),
                        second: path,
                    });
                }
                Some(_) => {}
                None => {
                    from.insert(cell, path.clone());
                    found.runs.insert(cell, run);
                }
            }
        }
        found.shards.push(path);
    }
    Ok(found)
}

/// Copies the shards' folders into `staging` (the comparison's or search's new
/// folder, before it is put in place), so that they survive it and it can run again.
pub fn keep_shards(shards: &[PathBuf], staging: &Path) -> anyhow::Result<()> {
    for folder in shards {
        let name = folder.file_name().expect("a shard folder has a name");
        let to = staging.join(SHARDS_FOLDER).join(name);
        fs::create_dir_all(&to).with_context(|| format!("cannot create {}", to.display()))?;
        fs::copy(folder.join(SHARD_FILE), to.join(SHARD_FILE))
            .with_context(|| format!("cannot copy {}", folder.join(SHARD_FILE).display()))?;
    }
    Ok(())
}
