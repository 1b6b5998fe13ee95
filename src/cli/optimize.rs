//! `simcloud optimize`: the search's rounds, run here or as a loop of array jobs
//! (`--shard`, `--pending`, `--emit slurm`), and its folder.

use super::*;

/// `optimize`: checks everything, runs the search's rounds, writes its folder. With
/// `--shard`, runs the shard's part of the next round that lacks runs instead; with
/// `--pending`, says how many runs that round lacks. Runs that shards in the output
/// folder hold are not run again, and are kept in it.
pub(super) fn optimize(
    out: &mut dyn Write,
    args: &ScenarioArgs,
    (budget, threads, seed): (Option<u64>, Option<usize>, Option<u64>),
    pending: bool,
    sharding: &ShardArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    refuse_sweeps(
        args,
        "optimize searches the [[optimize.space]] tables of the scenario",
    )?;
    let file = load(args)?;
    let base = resolve(&file)?;
    let plan = OptimizePlan::from_file(&file, budget, threads, seed)?;
    let dir = output_folder(&output.out, format!("{}-optimize", plan.runs.scenario));
    if let (Some(engine), Some(shards)) = (sharding.emit, sharding.shards) {
        let job = emit::Job::for_search(args, (budget, threads, seed), &plan, &dir, shards)
            .context("cannot describe the job")
            .map_err(Failure::RunFailed)?;
        let text = emit::describe_search(engine, &job).map_err(Failure::BadInput)?;
        write!(out, "{text}")?;
        return Ok(());
    }
    let shard = match &sharding.shard {
        Some(given) => Some(parse_shard(given, sharding.shards)?.0),
        None => None,
    };
    let (hash, report_scenario) = shard_identity(&base, &plan.runs)?;
    let grid = plan.runs.grid();
    let version = env!("CARGO_PKG_VERSION");
    let stored = report::shard::read_search(&dir, version, &hash, &grid)
        .map_err(|e| Failure::BadInput(e.into()))?;
    if !output.print.quiet && !pending && shard.is_none() {
        let _ = writeln!(
            io::stderr(),
            "optimize: {}, budget {} (the whole grid at {} would be {})",
            plural(
                plan.spec.configurations.len(),
                "configuration",
                "configurations"
            ),
            plural(plan.spec.budget as usize, "run", "runs"),
            plural(plan.spec.max_replicates as usize, "replicate", "replicates"),
            plural(plan.full_grid(), "run", "runs"),
        );
    }
    if !pending {
        note_threads(&plan.runs);
    }
    clean_up_on_signals()?;
    let staged = match (pending, shard) {
        (false, None) => {
            Some(StagedFolder::prepare(&dir).map_err(|e| folder_failure(e.into(), &output.out))?)
        }
        _ => None,
    };
    let progress = runs_progress(
        "searching",
        plan.spec.budget as usize,
        output.print.quiet || output.print.json || pending || shard.is_some(),
    );
    let started = Instant::now();
    // Why the search stopped before its end.
    enum Halt {
        Failed(Failure),
        /// The round lacks this many runs (--pending).
        Pending(usize),
        /// This shard ran its part of the round, or had nothing left to run in it.
        Shard {
            round: u32,
            ran: usize,
            lacking: usize,
            folder: Option<PathBuf>,
        },
    }
    let mut round = 0u32;
    let result = compare::optimize::search_runs(&plan, &mut |cells| {
        round += 1;
        let lacking = cells
            .iter()
            .filter(|c| !stored.runs.contains_key(c))
            .count();
        let mut ran: std::collections::BTreeMap<usize, RunRecord> = Default::default();
        if lacking > 0 {
            let mine: Vec<usize> = match shard {
                _ if pending => return Err(Halt::Pending(lacking)),
                Some(shard) => shard.cells(cells.len()).map(|i| cells[i]).collect(),
                None => cells.to_vec(),
            };
            let todo: Vec<usize> = mine
                .iter()
                .copied()
                .filter(|c| !stored.runs.contains_key(c))
                .collect();
            let runs = compare::run_cells(&plan.runs, &todo, &|| progress.inc(1))
                .map_err(|e| Halt::Failed(e.into()))?;
            ran.extend(todo.iter().copied().zip(runs.iter().map(RunRecord::of)));
            if let Some(shard) = shard {
                let folder = match todo.is_empty() {
                    true => None,
                    false => Some(
                        write_round_shard(
                            &dir,
                            round,
                            shard,
                            &plan.runs,
                            &hash,
                            &report_scenario,
                            &mine,
                            &stored.runs,
                            &ran,
                        )
                        .map_err(Halt::Failed)?,
                    ),
                };
                return Err(Halt::Shard {
                    round,
                    ran: todo.len(),
                    lacking: lacking - todo.len(),
                    folder,
                });
            }
        }
        Ok(cells
            .iter()
            .map(|c| stored.runs.get(c).unwrap_or_else(|| &ran[c]).clone())
            .collect())
    });
    progress.finish_and_clear();
    let search = match result {
        Ok(search) => search,
        Err(Halt::Failed(failure)) => return Err(failure),
        Err(Halt::Pending(lacking)) => {
            writeln!(out, "{lacking}")?;
            return Ok(());
        }
        Err(Halt::Shard {
            round,
            ran,
            lacking,
            folder,
        }) => {
            let shard = shard.expect("only a shard stops after its part");
            match folder {
                Some(folder) => writeln!(
                    out,
                    "round {round}, shard {} of {}: {} in {:.2} s, written to {}/",
                    shard.label(),
                    plan.runs.scenario,
                    plural(ran, "run", "runs"),
                    started.elapsed().as_secs_f64(),
                    folder.display()
                )?,
                None => writeln!(
                    out,
                    "round {round}, shard {}: nothing to run (its part of the round is written already, or empty)",
                    shard.label()
                )?,
            }
            writeln!(
                out,
                "  the round lacks {} more from other shards; when it has them all, run the array again until `simcloud optimize ... --pending` prints 0, then optimize without --shard",
                plural(lacking, "run", "runs")
            )?;
            return Ok(());
        }
    };
    if pending {
        writeln!(out, "0")?;
        return Ok(());
    }
    if let Some(shard) = shard {
        writeln!(
            out,
            "shard {}: the search has every run it needs; write its folder: simcloud optimize {} --out {}",
            shard.label(),
            args.scenario.display(),
            dir.display()
        )?;
        return Ok(());
    }
    let staged = staged.expect("staged when the search runs to its end here");
    let elapsed = started.elapsed().as_secs_f64();
    let written = (|| -> anyhow::Result<Vec<String>> {
        let files =
            report::optimize::write_search(&search, &plan, !output.print.no_plots, staged.path())?;
        report::shard::keep_shards(&stored.shards, staged.path())?;
        Ok(files)
    })()
    .map_err(Failure::RunFailed)?;
    let dir = staged
        .commit()
        .map_err(|e| folder_failure(e.into(), &output.out))?;
    if output.print.json {
        report::optimize::write_evidence_json(&search, &mut *out).map_err(Failure::RunFailed)?;
    } else {
        let ran = format!(
            "{} in {:.2} s on {}",
            plural(search.runs_spent, "run", "runs"),
            elapsed,
            plural(plan.runs.threads, "thread", "threads"),
        );
        print_search(out, &search, &ran)?;
        writeln!(out)?;
        written_to(out, &dir, &written)?;
    }
    Ok(())
}

/// Writes a search's shard of round `round`: the runs of `mine` (its part of the
/// round), those it `ran` now and those `stored` already, in grid order.
#[allow(clippy::too_many_arguments)]
fn write_round_shard(
    dir: &Path,
    round: u32,
    shard: Shard,
    plan: &ComparePlan,
    hash: &str,
    report_scenario: &str,
    mine: &[usize],
    stored: &std::collections::BTreeMap<usize, RunRecord>,
    ran: &std::collections::BTreeMap<usize, RunRecord>,
) -> Result<PathBuf, Failure> {
    let staged = report::shard::prepare_round(dir, round, shard)
        .map_err(|e| folder_failure_as(e.into(), ""))?;
    let record = report::shard::ShardRecord {
        simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_sha256: hash.to_string(),
        grid: plan.grid(),
        shard,
        report_scenario: report_scenario.to_string(),
        runs: mine
            .iter()
            .map(|c| stored.get(c).unwrap_or_else(|| &ran[c]).clone())
            .collect(),
    };
    report::shard::write(staged, &record).map_err(|e| folder_failure_as(e, ""))
}
