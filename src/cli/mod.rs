//! The command line: clap types → a resolved plan → the library; the only place that
//! formats for the terminal.
//!
//! Exit codes (SPEC.md): 0 success, 1 the run failed, 2 bad input. Bad input is a
//! [`ScenarioError`], a bad option or an unusable output folder; its message names the
//! file or option, the key and the value. No panic or backtrace ever reaches the user.
//!
//! Output to the terminal goes through one buffered writer whose errors are handled
//! like other Unix tools handle them: a closed pipe (`simcloud validate x.toml | head
//! -1`) ends the command quietly with exit 0, as the reader asked for no more; any
//! other write error (`> /dev/full`) is exit 1 with a message. Rust ignores SIGPIPE, so
//! `println!` would panic instead.
//!
//! SIGINT and SIGTERM are caught while a run or comparison writes its folder: the
//! unfinished staging folder is removed (see [`report::folder`]) and the process then
//! dies of the signal as it would have, so a shell sees the usual 130 or 143.

mod catalog;
mod emit;
mod optimize;
mod print;
mod progress;

use print::*;
use progress::*;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use simcloud::compare::optimize::OptimizePlan;
use simcloud::compare::{
    self, CompareError, CompareOptions, ComparePlan, Comparison, RunRecord, Shard,
};
use simcloud::model::{Config, CostItem, RunObserver, Summary, TimelineRow, simulate_observed};
use simcloud::report::{self, OutputError, StagedFolder};
use simcloud::scenario::{ScenarioError, ScenarioFile};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "simcloud",
    version,
    about = "Simulate a web application on AWS: load balancer, auto scaling, EC2 pricing; cost and latency."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one simulation, print a summary and write the run folder.
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Seed for every random stream (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run every [[strategy]] of the scenario (and every point of its [[sweep]]s and
    /// --sweeps) × R replicates in parallel, with common random numbers; print a comparison table and write the comparison folder.
    Compare {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Replicates (seeds) per strategy, 1 to 10,000: replicate r of every strategy
        /// uses seed base + r. At least 2 for confidence intervals.
        #[arg(long, short = 'r', value_name = "R", default_value_t = compare::DEFAULT_REPLICATES)]
        replicates: u32,
        /// Worker threads (default: every core; never more than the cores or the
        /// runs). Results do not depend on it.
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// Base seed (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        sharding: ShardArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Search the scenario's [optimize] space for the cheapest configuration that meets
    /// its constraint: rounds of runs with common random numbers, dropping the clearly
    /// infeasible and the clearly dearer; write the chosen configuration as a scenario,
    /// the runner-ups, the evidence and a chart of the search.
    Optimize {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Runs at most (replaces [optimize] budget); at least the first round's
        /// configurations × first_replicates.
        #[arg(long, value_name = "N")]
        budget: Option<u64>,
        /// Worker threads (default: every core; never more than the cores or the
        /// runs). Results do not depend on it.
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// Base seed (overrides the scenario's `seed`): replicate r of every
        /// configuration runs with seed base + r.
        #[arg(long)]
        seed: Option<u64>,
        /// Print how many runs the search's next round still needs (0: every run is
        /// written, and `optimize` without --shard writes the search's files at once),
        /// replaying the rounds whose runs the output folder's shards hold; run nothing.
        #[arg(long, conflicts_with_all = ["shard", "emit"])]
        pending: bool,
        #[command(flatten)]
        sharding: ShardArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Put together the shards that `compare --shard K/N` wrote under DIR/shards/ and
    /// write DIR's comparison files: the same bytes as the comparison run unsharded.
    Merge {
        /// The comparison's folder (the shards' --out).
        dir: PathBuf,
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Check a scenario and print it fully resolved, with every default filled in.
    Validate {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// List the instance types a scenario can name: vCPU, memory, on-demand price,
    /// price per vCPU-hour and relative speed; filtered, as a table or CSV.
    Catalog(catalog::CatalogArgs),
}

#[derive(Args)]
struct ScenarioArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override any scenario key, e.g. --set autoscaling.max=20 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// compare and validate: vary a key over values, one strategy per point of the
    /// grid of every --sweep and [[sweep]], e.g. --sweep autoscaling.max=4,8,16
    /// (repeatable; each value read as a --set value is).
    #[arg(long = "sweep", value_name = "KEY=V1,V2,...")]
    sweep: Vec<String>,
}

/// Running a comparison or a search in parts, on one machine or a cluster's array job.
#[derive(Args)]
struct ShardArgs {
    /// Run only part K of N (K from 0) of the strategy × replicate grid (compare; then
    /// `simcloud merge` puts the parts together) or of the search's next round
    /// (optimize; run the array again until --pending says 0, then optimize without
    /// --shard), and write it to the output folder's shards/. `auto` takes K and N
    /// from a Slurm, AWS Batch or Kubernetes (with --shards) array job.
    #[arg(long, value_name = "K/N|auto", conflicts_with = "emit")]
    shard: Option<String>,
    /// The number of parts: for --emit, and for --shard auto in a Kubernetes Indexed
    /// Job, which has no variable for it.
    #[arg(long, value_name = "N")]
    shards: Option<u32>,
    /// Print a ready job description that runs the comparison in --shards N parts on
    /// that engine and merges them, instead of running it (optimize: slurm only, a
    /// loop of array jobs, one per round).
    #[arg(long, value_enum, value_name = "ENGINE", requires = "shards")]
    emit: Option<emit::Engine>,
}

/// What `run` and `compare` both write and print, so the two commands take the same
/// options.
#[derive(Args)]
struct OutputArgs {
    /// Output folder (default: results/<scenario name>/, or results/<name>-compare/).
    /// It is replaced as a whole when the command succeeds, and only if it holds
    /// nothing but simcloud's own files.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    print: PrintArgs,
}

/// What `run`, `compare` and `merge` print, and whether they draw charts.
#[derive(Args)]
struct PrintArgs {
    /// Print the result as JSON (summary.json, or compare.json) instead of a table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Skip the charts (PNG, SVG) and report.html: only the numbers, faster.
    #[arg(long)]
    no_plots: bool,
}

/// Why a command failed, which decides the exit code.
enum Failure {
    BadInput(anyhow::Error),
    RunFailed(anyhow::Error),
    /// Standard output could not be written.
    Output(io::Error),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.into())
    }
}

impl From<CompareError> for Failure {
    fn from(e: CompareError) -> Self {
        if e.is_bad_input() {
            Failure::BadInput(e.into())
        } else {
            Failure::RunFailed(e.into())
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Run {
            scenario,
            seed,
            output,
        } => run(&mut out, &scenario, seed, &output),
        Command::Compare {
            scenario,
            replicates,
            threads,
            seed,
            sharding,
            output,
        } => compare_strategies(
            &mut out,
            &scenario,
            &CompareOptions {
                replicates,
                threads,
                seed,
            },
            &sharding,
            &output,
        ),
        Command::Optimize {
            scenario,
            budget,
            threads,
            seed,
            pending,
            sharding,
            output,
        } => optimize::optimize(
            &mut out,
            &scenario,
            (budget, threads, seed),
            pending,
            &sharding,
            &output,
        ),
        Command::Merge { dir, print } => merge(&mut out, &dir, &print),
        Command::Validate { scenario } => validate(&mut out, &scenario),
        Command::Catalog(args) => catalog::catalog(&mut out, &args),
    };
    let result = result.and_then(|()| out.flush().map_err(Failure::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader has gone (`| head`): what it did not read was not wanted.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            complain(&format!("cannot write to standard output: {e}"));
            ExitCode::from(1)
        }
        Err(Failure::BadInput(e)) => {
            complain(&error_text(&e));
            ExitCode::from(2)
        }
        Err(Failure::RunFailed(e)) => {
            complain(&error_text(&e));
            ExitCode::from(1)
        }
    }
}

/// Prints `error: …` on standard error; if even that fails there is no one to tell.
fn complain(message: &str) {
    let _ = writeln!(io::stderr(), "error: {message}");
}

/// An error and its causes, `outer: inner: innermost`, each said once. An error that
/// prints its source in its own message *and* returns it as `source()` makes anyhow's
/// `{:#}` say it twice ("No space left on device (os error 28): No space left on
/// device (os error 28)", as a chart-writing error once did); a cause already at the
/// end of the message is left out, so one from another crate cannot bring the
/// doubling back.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// From here until the process ends, SIGINT and SIGTERM remove the unfinished staging
/// folder before the process dies of them.
fn clean_up_on_signals() -> Result<(), Failure> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("cannot install the SIGINT/SIGTERM handler")
        .map_err(Failure::RunFailed)?;
    std::thread::Builder::new()
        .name("simcloud-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                report::folder::remove_unfinished();
                // Die of the signal itself, so the parent sees what it sent.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })
        .context("cannot start the signal thread")
        .map_err(Failure::RunFailed)?;
    Ok(())
}

/// Where the output goes: `--out`, or the default under `results/`.
fn output_folder(out: &Option<PathBuf>, default: String) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| Path::new("results").join(default))
}

/// An error of a run that wrote a folder: an unusable folder is bad input (exit 2),
/// anything else is a failed run (exit 1).
fn folder_failure(e: anyhow::Error, out: &Option<PathBuf>) -> Failure {
    let option = if out.is_some() {
        "--out "
    } else {
        "output folder "
    };
    folder_failure_as(e, option)
}

/// [`folder_failure`], the folder's message after `prefix`.
fn folder_failure_as(e: anyhow::Error, prefix: &str) -> Failure {
    match e.downcast_ref::<OutputError>() {
        Some(folder) if folder.is_bad_input() => {
            Failure::BadInput(anyhow::anyhow!("{prefix}{}", error_text(&e)))
        }
        _ => Failure::RunFailed(e),
    }
}

fn load(args: &ScenarioArgs) -> Result<ScenarioFile, Failure> {
    let mut file = ScenarioFile::read(&args.scenario)?;
    for assignment in &args.set {
        file.set(assignment)?;
    }
    for sweep in &args.sweep {
        file.sweep(sweep)?;
    }
    Ok(file)
}

/// Resolves the scenario and prints the loader's notes (input accepted but without
/// effect, like a spike after the end of a shortened run) on stderr.
fn resolve(file: &ScenarioFile) -> Result<Config, Failure> {
    let (config, notes) = file.resolve_with_notes()?;
    for note in notes {
        let _ = writeln!(io::stderr(), "note: {note}");
    }
    Ok(config)
}

fn validate(out: &mut dyn Write, args: &ScenarioArgs) -> Result<(), Failure> {
    let file = load(args)?;
    let config = resolve(&file)?;
    let strategies = file.strategies()?;
    if file.has_optimize() {
        // Checked (every configuration of the space resolves), not printed: the
        // resolved text is the scenario as `run` and `compare` see it.
        file.optimization(None)?;
    }
    let text = simcloud::scenario::resolved_toml(&config, &strategies)
        .map_err(|e| anyhow::anyhow!(e))
        .context("cannot print the resolved scenario")
        .map_err(Failure::RunFailed)?;
    writeln!(
        out,
        "# {} resolved: every default filled in",
        args.scenario.display()
    )?;
    // The strategies are part of the resolved text (as the changes each makes).
    write!(out, "{text}")?;
    Ok(())
}

/// `--sweep` is for `compare` (and `validate`); a command that makes no strategies
/// says why (`what` it does instead).
fn refuse_sweeps(args: &ScenarioArgs, what: &str) -> Result<(), Failure> {
    match args.sweep.first() {
        Some(sweep) => Err(Failure::BadInput(anyhow::anyhow!(
            "--sweep {sweep}: {what}; a sweep makes strategies, which `compare` runs"
        ))),
        None => Ok(()),
    }
}

fn run(
    out: &mut dyn Write,
    args: &ScenarioArgs,
    seed: Option<u64>,
    output: &OutputArgs,
) -> Result<(), Failure> {
    refuse_sweeps(args, "`run` runs the scenario alone")?;
    let file = load(args)?;
    let mut config = resolve(&file)?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let dir = output_folder(&output.out, config.name.clone());
    clean_up_on_signals()?;
    let mut progress = RunProgress::new(&config, output.print.quiet || output.print.json);
    let started = Instant::now();
    let options = report::RunOptions {
        plots: !output.print.no_plots,
        paths_relative_to: std::env::current_dir().ok(),
    };
    let report = run_into_folder(&config, &dir, &options, &mut progress)
        .map_err(|e| folder_failure(e, &output.out))?;
    progress.bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    if output.print.json {
        writeln!(out, "{}", report::summary_json(&report.summary))?;
    } else {
        print_summary(out, &report, &config, elapsed)?;
    }
    Ok(())
}

/// Runs `config` into a staging folder for `dir` and puts the folder in place once
/// every file is written. The staging folder is prepared before the simulation, so an
/// unusable `--out` fails at once rather than after a long run.
fn run_into_folder(
    config: &Config,
    dir: &Path,
    options: &report::RunOptions,
    progress: &mut RunProgress,
) -> anyhow::Result<RunReport> {
    /// The writer, with the progress bar watching the rows go by.
    struct Watched<'a> {
        writer: report::RunWriter,
        progress: &'a mut RunProgress,
    }
    impl RunObserver for Watched<'_> {
        fn row(&mut self, tier: usize, row: &TimelineRow) {
            if tier == 0 {
                self.progress.row(row);
            }
            self.writer.row(tier, row);
        }
        fn cost_item(&mut self, item: &CostItem) {
            self.writer.cost_item(item);
        }
    }
    let staged = StagedFolder::prepare(dir)?;
    let writer = report::RunWriter::create(staged.path(), options, config)?;
    let mut watched = Watched { writer, progress };
    let outcome = simulate_observed(config, &mut watched);
    let bill = watched.writer.bill().clone();
    let (files, plots_secs) = watched.writer.finish(config, &outcome)?;
    let dir = staged.commit()?;
    Ok(RunReport {
        summary: outcome.summary,
        bill,
        dir,
        files,
        plots_secs,
    })
}

/// What a finished run wrote.
struct RunReport {
    summary: Summary,
    /// The bill as `cost.csv` adds up.
    bill: simcloud::report::bill::BillStatement,
    dir: PathBuf,
    /// The names of the files in `dir`, in the order they were written.
    files: Vec<String>,
    /// Wall-clock seconds spent drawing the charts and `report.html` (`None` with
    /// `--no-plots`). For the terminal only: it never reaches a file.
    plots_secs: Option<f64>,
}

fn compare_strategies(
    out: &mut dyn Write,
    args: &ScenarioArgs,
    options: &CompareOptions,
    sharding: &ShardArgs,
    output: &OutputArgs,
) -> Result<(), Failure> {
    // Everything is validated before the first run and before any folder is created,
    // so bad input writes nothing.
    let file = load(args)?;
    let base = resolve(&file)?;
    let plan = ComparePlan::from_file(&file, options)?;
    let dir = output_folder(&output.out, format!("{}-compare", plan.scenario));
    if file.has_sweeps() && !output.print.quiet && sharding.emit.is_none() {
        // On stderr, so that the files and the printed comparison stay the same bytes
        // as the same strategies written out by hand.
        let _ = writeln!(
            io::stderr(),
            "sweep: {} × {} = {}",
            plural(plan.strategies.len(), "strategy", "strategies"),
            plural(options.replicates as usize, "replicate", "replicates"),
            plural(plan.runs(), "run", "runs")
        );
    }
    if let (Some(engine), Some(shards)) = (sharding.emit, sharding.shards) {
        plan.check_shard(
            Shard {
                index: 0,
                count: shards,
            },
            &format!("--shards {shards}"),
        )?;
        let job = emit::Job::new(args, options, &plan, &dir, shards)
            .context("cannot describe the job")
            .map_err(Failure::RunFailed)?;
        write!(out, "{}", emit::describe(engine, &job))?;
        return Ok(());
    }
    note_threads(&plan);
    let here = std::env::current_dir().ok();
    if let Some(given) = &sharding.shard {
        return run_shard(out, given, sharding.shards, &plan, &base, &dir, output);
    }
    let report_scenario = match output.print.no_plots {
        true => None,
        false => Some(
            report::compare::report_scenario_text(&base, &plan.named_configs(), here.as_deref())
                .map_err(Failure::RunFailed)?,
        ),
    };
    clean_up_on_signals()?;
    let staged = StagedFolder::prepare(&dir).map_err(|e| folder_failure(e.into(), &output.out))?;
    let progress = runs_progress(
        "comparing",
        plan.runs(),
        output.print.quiet || output.print.json,
    );
    let started = Instant::now();
    let comparison = compare::run(&plan, &|| progress.inc(1))?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let written =
        report::compare::write_comparison(&comparison, report_scenario.as_deref(), staged.path())
            .map_err(Failure::RunFailed)?;
    let dir = staged
        .commit()
        .map_err(|e| folder_failure(e.into(), &output.out))?;
    print_compared(
        out,
        &comparison,
        &ran_locally(&plan, elapsed),
        output.print.json,
        &dir,
        &written,
    )
}

/// Says on stderr when `--threads` asked for more threads than help.
fn note_threads(plan: &ComparePlan) {
    if let Some(requested) = plan.threads_reduced_from {
        let _ = writeln!(
            io::stderr(),
            "note: --threads {requested}: using {} (at most one per core and one per run: more would only wait)",
            plural(plan.threads, "thread", "threads")
        );
    }
}

/// The progress bar of a comparison's or a search's runs, `doing` them (hidden when
/// asked, and by indicatif when stderr is not a terminal). A search's length is its
/// budget, which it may not spend.
fn runs_progress(doing: &str, runs: usize, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(runs as u64), ProgressDrawTarget::stderr());
    // Short enough for an 80-column terminal: a wrapped bar redraws badly.
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {doing} [{{bar:25}}] {{pos}}/{{len}} runs, eta {{eta}}"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// What `compare` and `merge` print once the folder is in place.
fn print_compared(
    out: &mut dyn Write,
    comparison: &Comparison,
    ran: &str,
    json: bool,
    dir: &Path,
    written: &[String],
) -> Result<(), Failure> {
    if json {
        report::compare::write_compare_json(comparison, &mut *out).map_err(Failure::RunFailed)?;
    } else {
        print_comparison(out, comparison, ran)?;
        writeln!(out)?;
        written_to(out, dir, written)?;
    }
    Ok(())
}

/// `--shard K/N` or `auto` (with `--shards`): the shard, and how to name it in messages.
fn parse_shard(given: &str, shards: Option<u32>) -> Result<(Shard, String), Failure> {
    if given == "auto" {
        let shard = Shard::from_environment(&|name| std::env::var(name).ok(), shards)?;
        return Ok((shard, format!("--shard auto ({})", shard.label())));
    }
    let shard = Shard::parse(given)?;
    if let Some(n) = shards.filter(|&n| n != shard.count) {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--shard {given} with --shards {n}: the two give different numbers of parts"
        )));
    }
    Ok((shard, format!("--shard {given}")))
}

/// What a shard records of the scenario: the hash of the resolved scenario and its
/// strategies, and the scenario as the report shows it.
fn shard_identity(base: &Config, plan: &ComparePlan) -> Result<(String, String), Failure> {
    let strategies = plan.named_configs();
    let described = (|| -> anyhow::Result<(String, String)> {
        let resolved = simcloud::scenario::resolved_toml(base, &strategies)
            .map_err(anyhow::Error::msg)
            .context("cannot print the resolved scenario")?;
        let here = std::env::current_dir().ok();
        let text = report::compare::report_scenario_text(base, &strategies, here.as_deref())?;
        Ok((report::shard::scenario_sha256(&resolved), text))
    })();
    described.map_err(Failure::RunFailed)
}

/// `compare --shard K/N` (or `auto`): runs the shard's part of the grid and writes it
/// under `dir/shards/`.
fn run_shard(
    out: &mut dyn Write,
    given: &str,
    shards: Option<u32>,
    plan: &ComparePlan,
    base: &Config,
    dir: &Path,
    output: &OutputArgs,
) -> Result<(), Failure> {
    let (shard, option) = parse_shard(given, shards)?;
    plan.check_shard(shard, &option)?;
    let (hash, report_scenario) = shard_identity(base, plan)?;
    clean_up_on_signals()?;
    let staged =
        report::shard::prepare(dir, shard).map_err(|e| folder_failure(e.into(), &output.out))?;
    let cells: Vec<usize> = shard.cells(plan.runs()).collect();
    let progress = runs_progress(
        "comparing",
        cells.len(),
        output.print.quiet || output.print.json,
    );
    let started = Instant::now();
    let runs = compare::run_cells(plan, &cells, &|| progress.inc(1))?;
    progress.finish_and_clear();
    let record = report::shard::ShardRecord {
        simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_sha256: hash,
        grid: plan.grid(),
        shard,
        report_scenario,
        runs: runs.iter().map(RunRecord::of).collect(),
    };
    let folder =
        report::shard::write(staged, &record).map_err(|e| folder_failure(e, &output.out))?;
    writeln!(
        out,
        "shard {} of {}: {} of {} in {:.2} s, written to {}/",
        shard.label(),
        plan.scenario,
        plural(cells.len(), "run", "runs"),
        plural(plan.runs(), "run", "runs"),
        started.elapsed().as_secs_f64(),
        folder.display()
    )?;
    writeln!(
        out,
        "  when all {} shards are written: simcloud merge {}",
        shard.count,
        dir.display()
    )?;
    Ok(())
}

/// `merge DIR`: checks the shards, then writes the comparison's files through the same
/// path as `compare`, keeping the shards so that the merge can run again.
fn merge(out: &mut dyn Write, dir: &Path, print: &PrintArgs) -> Result<(), Failure> {
    let merged = report::shard::merge(dir).map_err(|e| Failure::BadInput(e.into()))?;
    clean_up_on_signals()?;
    let staged = StagedFolder::prepare(dir).map_err(|e| folder_failure_as(e.into(), ""))?;
    let report_scenario = (!print.no_plots).then_some(merged.report_scenario.as_str());
    let written = (|| -> anyhow::Result<Vec<String>> {
        let files =
            report::compare::write_comparison(&merged.comparison, report_scenario, staged.path())?;
        report::shard::keep_shards(&merged.shards, staged.path())?;
        Ok(files)
    })()
    .map_err(Failure::RunFailed)?;
    let dir = staged
        .commit()
        .map_err(|e| folder_failure_as(e.into(), ""))?;
    let ran = format!(
        "{} merged from {}",
        plural(merged.comparison.runs.len(), "run", "runs"),
        plural(merged.shards.len(), "shard", "shards")
    );
    print_compared(out, &merged.comparison, &ran, print.json, &dir, &written)
}

#[cfg(test)]
mod tests {
    use super::progress::BAR_STEPS;
    use super::*;
    use simcloud::engine::SimDuration;

    /// An error that prints its source and also returns it, as a chart-writing error once did.
    #[derive(Debug, thiserror::Error)]
    #[error("cannot write cost.png: {source}")]
    struct Doubled {
        source: std::io::Error,
    }

    /// Issue 11: "No space left on device (os error 28): No space left on device (os
    /// error 28)". The chain says each cause once.
    #[test]
    fn an_error_chain_says_each_cause_once() {
        let source = std::io::Error::from_raw_os_error(28);
        let text = source.to_string();
        let e = anyhow::Error::new(Doubled { source }).context("run folder");
        assert_eq!(
            error_text(&e),
            format!("run folder: cannot write cost.png: {text}")
        );
        let e = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(error_text(&e), "outer: middle: inner");
    }

    #[test]
    fn durations_read_in_days_hours_and_minutes() {
        let cases = [
            (125_300 * 60, "87d 0h 20m"),
            (87 * 86_400, "87d"),
            (3 * 3600, "3h"),
            (30 * 60, "30m"),
            (90, "1m 30s"),
            (86_400 + 12 * 3600, "1d 12h"),
        ];
        for (secs, text) in cases {
            assert_eq!(human_duration(SimDuration::from_secs(secs)), text);
        }
        assert_eq!(human_duration(SimDuration::from_millis(250)), "250ms");
    }

    /// The bar counts work, not simulated time: on a day with a quiet night and a busy
    /// evening, the night's rows move it little, and the rows add up to exactly 100 %.
    #[test]
    fn progress_follows_the_expected_arrivals() {
        let text = r#"
            duration = "2h"
            [traffic]
            rate = 1
            [[traffic.spike]]
            start = "1h"
            ramp = "0s"
            hold = "1h"
            peak = 999
            [service]
            time = { dist = "exponential", mean = "20ms" }
        "#;
        let config = ScenarioFile::parse(Path::new("work.toml"), text.into())
            .and_then(|f| f.resolve())
            .unwrap();
        let mut progress = RunProgress::new(&config, true);
        let row = |i: u32| TimelineRow {
            start_s: 60.0 * f64::from(i),
            end_s: 60.0 * f64::from(i + 1),
            ..TimelineRow::default()
        };
        for i in 0..60 {
            progress.row(&row(i));
        }
        // The quiet hour: (1 + 1) units a second against (1000 + 1) for the busy one.
        let half = progress.position() as f64 / BAR_STEPS as f64;
        assert!((half - 2.0 / 1003.0).abs() < 1e-3, "{half}");
        for i in 60..120 {
            progress.row(&row(i));
        }
        assert_eq!(progress.position(), BAR_STEPS);
    }
}
