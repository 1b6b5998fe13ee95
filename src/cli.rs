//! The command line: clap types → a resolved plan → the library; the only place that
//! formats for the terminal.
//!
//! Exit codes (SPEC.md): 0 success, 1 the run failed, 2 bad input. Bad input is a
//! [`ScenarioError`] or an unusable output path; its message names the file, the key and
//! the value. No panic or backtrace ever reaches the user for bad input.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use simcloud::compare::{
    self, CompareError, CompareOptions, ComparePlan, Comparison, Estimate, Metric,
};
use simcloud::model::{Config, Summary};
use simcloud::report::html::{count, share};
use simcloud::report::{self, RunReport};
use simcloud::scenario::{ScenarioError, ScenarioFile};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
        /// Output folder (default: results/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the summary as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Skip the charts (PNG, SVG) and report.html: only the numbers, faster.
        #[arg(long)]
        no_plots: bool,
    },
    /// Run every [[strategy]] of the scenario × R replicates in parallel, with common
    /// random numbers; print a comparison table and write the comparison folder.
    Compare {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Replicates (seeds) per strategy: replicate r of every strategy uses seed
        /// base + r. At least 2 for confidence intervals.
        #[arg(long, short = 'r', value_name = "R", default_value_t = compare::DEFAULT_REPLICATES)]
        replicates: u32,
        /// Worker threads (default: every core). Results do not depend on it.
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// Base seed (overrides the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: results/<scenario name>-compare/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and print it fully resolved, with every default filled in.
    Validate {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
}

#[derive(Args)]
struct ScenarioArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override any scenario key, e.g. --set autoscaling.max=20 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// Why a command failed, which decides the exit code.
enum Failure {
    BadInput(anyhow::Error),
    RunFailed(anyhow::Error),
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            json,
            quiet,
            no_plots,
        } => run(
            &scenario,
            seed,
            out,
            json,
            quiet,
            &report::RunOptions { plots: !no_plots },
        ),
        Command::Compare {
            scenario,
            replicates,
            threads,
            seed,
            out,
            quiet,
        } => compare_strategies(
            &scenario,
            &CompareOptions {
                replicates,
                threads,
                seed,
            },
            out,
            quiet,
        ),
        Command::Validate { scenario } => validate(&scenario),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::RunFailed(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load(args: &ScenarioArgs) -> Result<ScenarioFile, Failure> {
    let mut file = ScenarioFile::read(&args.scenario)?;
    for assignment in &args.set {
        file.set(assignment)?;
    }
    Ok(file)
}

/// Resolves the scenario and prints the loader's notes (input accepted but without
/// effect, like a spike after the end of a shortened run) on stderr.
fn resolve(file: &ScenarioFile) -> Result<Config, Failure> {
    let (config, notes) = file.resolve_with_notes()?;
    for note in notes {
        eprintln!("note: {note}");
    }
    Ok(config)
}

fn validate(args: &ScenarioArgs) -> Result<(), Failure> {
    let file = load(args)?;
    let config = resolve(&file)?;
    let strategies = file.strategies()?;
    let text = simcloud::scenario::resolved_toml(&config, &strategies)
        .map_err(|e| anyhow::anyhow!(e))
        .context("cannot print the resolved scenario")
        .map_err(Failure::RunFailed)?;
    println!(
        "# {} resolved: every default filled in",
        args.scenario.display()
    );
    print!("{text}");
    Ok(())
}

/// Checks that `dir` can be a folder: a path that exists as a file is bad input.
fn check_out_dir(dir: &Path) -> Result<(), Failure> {
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--out {}: exists and is not a folder",
            dir.display()
        )));
    }
    Ok(())
}

fn run(
    args: &ScenarioArgs,
    seed: Option<u64>,
    out: Option<PathBuf>,
    json: bool,
    quiet: bool,
    options: &report::RunOptions,
) -> Result<(), Failure> {
    let file = load(args)?;
    let mut config = resolve(&file)?;
    if let Some(seed) = seed {
        config.seed = seed;
    }
    let dir = out.unwrap_or_else(|| Path::new("results").join(&config.name));
    check_out_dir(&dir)?;
    let progress = progress_bar(&config, quiet || json);
    let started = Instant::now();
    let report = report::run_to_folder_with(&config, &dir, options, &mut |row| {
        progress.set_position(row.end_s as u64)
    })
    .map_err(Failure::RunFailed)?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    if json {
        println!("{}", report::summary_json(&report.summary));
    } else {
        print_summary(&report, &config, elapsed);
    }
    Ok(())
}

fn compare_strategies(
    args: &ScenarioArgs,
    options: &CompareOptions,
    out: Option<PathBuf>,
    quiet: bool,
) -> Result<(), Failure> {
    // Everything is validated before the first run and before any folder is created,
    // so bad input writes nothing.
    let file = load(args)?;
    let base = resolve(&file)?;
    let plan = ComparePlan::from_file(&file, options)?;
    let dir =
        out.unwrap_or_else(|| Path::new("results").join(format!("{}-compare", plan.scenario)));
    check_out_dir(&dir)?;
    let progress = if quiet {
        ProgressBar::hidden()
    } else {
        // Hidden by indicatif itself when stderr is not a terminal.
        let bar =
            ProgressBar::with_draw_target(Some(plan.runs() as u64), ProgressDrawTarget::stderr());
        // Short enough for an 80-column terminal: a wrapped bar redraws badly.
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} comparing [{bar:25}] {pos}/{len} runs, eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    };
    let started = Instant::now();
    let comparison = compare::run(&plan, &|| progress.inc(1))?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let mut files = compare::write_folder(&comparison, &dir).map_err(Failure::RunFailed)?;
    files.extend(
        report::write_compare_pictures(&comparison, &base, &dir).map_err(Failure::RunFailed)?,
    );
    print_comparison(&comparison, &plan, elapsed);
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    println!();
    println!("  written to  {}/ ({})", dir.display(), names.join(", "));
    Ok(())
}

/// Prints rows as columns: the first left-aligned, the others right-aligned.
fn print_table(rows: &[Vec<String>]) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from(" ");
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            line.push_str("  ");
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        println!("{}", line.trim_end());
    }
}

/// `mean ± half-width`, scaled (e.g. fractions to percent); just the mean when R = 1.
fn estimate_cell(e: Estimate, scale: f64, decimals: usize) -> String {
    match e.half_width {
        Some(h) => format!(
            "{:.*} ± {:.*}",
            decimals,
            e.mean * scale,
            decimals,
            h * scale
        ),
        None => format!("{:.*}", decimals, e.mean * scale),
    }
}

/// `+mean [low, high]` with a `*` when the interval excludes zero.
fn diff_cell(e: Estimate, scale: f64, decimals: usize) -> String {
    let signed = |x: f64| {
        let text = format!("{:+.*}", decimals, x * scale);
        // "-0.00" and "+0.00" both read as zero.
        if text[1..].chars().all(|c| c == '0' || c == '.') {
            format!("{:.*}", decimals, 0.0)
        } else {
            text
        }
    };
    match e.ci() {
        Some((lo, hi)) => format!(
            "{} [{}, {}]{}",
            signed(e.mean),
            signed(lo),
            signed(hi),
            if e.excludes_zero() { " *" } else { "  " }
        ),
        None => signed(e.mean),
    }
}

fn print_comparison(c: &Comparison, plan: &ComparePlan, wall_secs: f64) {
    let last_seed = compare::replicate_seed(c.base_seed, c.replicates - 1);
    let seeds = if c.replicates == 1 {
        format!("seed {}", c.base_seed)
    } else {
        format!("seeds {}..={}", c.base_seed, last_seed)
    };
    println!(
        "simcloud {} · compare {} · {} strategies × {} replicates ({}) · {} runs in {:.2} s on {} threads",
        c.simcloud_version,
        c.scenario,
        c.strategies.len(),
        c.replicates,
        seeds,
        plan.runs(),
        wall_secs,
        plan.threads
    );
    println!();
    if c.replicates == 1 {
        println!("  means of 1 replicate: no confidence intervals (use --replicates 2 or more)");
    } else {
        println!(
            "  mean ± half-width of the 95 % confidence interval over {} replicates",
            c.replicates
        );
    }
    let mut rows = vec![vec![
        "strategy".to_string(),
        "total cost $".into(),
        "$ per M req".into(),
        "p50 ms".into(),
        "p99 ms".into(),
        "SLO attained %".into(),
        "errors %".into(),
        "instance-hours".into(),
    ]];
    for s in &c.strategies {
        let errors: f64 = [
            Metric::RejectedRate,
            Metric::TimedOutRate,
            Metric::InterruptedRate,
        ]
        .iter()
        .map(|&m| s.get(m).estimate.mean)
        .sum();
        rows.push(vec![
            if s.index == 0 {
                format!("{} (baseline)", s.name)
            } else {
                s.name.clone()
            },
            estimate_cell(s.cost(), 1.0, 3),
            estimate_cell(s.get(Metric::CostPerMillionRequests).estimate, 1.0, 2),
            estimate_cell(s.get(Metric::P50).estimate, 1.0, 1),
            estimate_cell(s.p99(), 1.0, 1),
            estimate_cell(s.get(Metric::SloAttainment).estimate, 100.0, 2),
            format!("{:.2}", 100.0 * errors),
            estimate_cell(s.get(Metric::InstanceHours).estimate, 1.0, 2),
        ]);
    }
    print_table(&rows);
    if c.strategies.len() > 1 {
        println!();
        println!(
            "  difference against \"{}\", paired by replicate: mean [95 % CI], * = the interval excludes 0",
            c.baseline().name
        );
        let mut rows = vec![vec![
            "strategy".to_string(),
            "Δ total cost $".into(),
            "Δ p99 ms".into(),
            "Δ SLO attained (points)".into(),
            "Δ instance-hours".into(),
        ]];
        for s in &c.strategies[1..] {
            rows.push(vec![
                s.name.clone(),
                diff_cell(s.get(Metric::TotalCost).diff, 1.0, 3),
                diff_cell(s.get(Metric::P99).diff, 1.0, 1),
                diff_cell(s.get(Metric::SloAttainment).diff, 100.0, 2),
                diff_cell(s.get(Metric::InstanceHours).diff, 1.0, 2),
            ]);
        }
        print_table(&rows);
    }
    println!();
    println!("  cost vs p99, cheapest first (means; lower is better on both)");
    let mut order: Vec<&compare::StrategyResult> = c.strategies.iter().collect();
    order.sort_by(|a, b| {
        a.cost()
            .mean
            .total_cmp(&b.cost().mean)
            .then(a.p99().mean.total_cmp(&b.p99().mean))
            .then(a.index.cmp(&b.index))
    });
    let mut rows = vec![vec![
        "strategy".to_string(),
        "total cost $".into(),
        "p99 ms".into(),
        String::new(),
    ]];
    for s in order {
        rows.push(vec![
            s.name.clone(),
            format!("{:.3}", s.cost().mean),
            format!("{:.1}", s.p99().mean),
            if s.pareto_optimal {
                "Pareto-optimal".into()
            } else {
                "dominated".into()
            },
        ]);
    }
    print_table(&rows);
}

fn progress_bar(config: &Config, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(config.duration.0 / 1_000_000_000),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulating {msg} [{bar:30}] {percent}% of simulated time, eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(config.name.clone());
    bar
}

fn print_summary(report: &RunReport, config: &Config, wall_secs: f64) {
    let s: &Summary = &report.summary;
    let r = &s.requests;
    let l = &s.latency_ms;
    let c = &s.cost_usd;
    let i = &s.instances;
    println!(
        "simcloud {} · scenario {} · seed {} · {} simulated · {} events in {:.2} s ({:.1} M events/s)",
        s.simcloud_version,
        s.scenario,
        s.seed,
        config.duration,
        count(s.events),
        wall_secs,
        s.events as f64 / wall_secs.max(1e-9) / 1e6
    );
    println!();
    println!("  requests    {:>12} arrived", count(r.arrived));
    println!(
        "              {:>12} completed    ({})",
        count(r.completed),
        share(r.completed, r.arrived)
    );
    println!(
        "              {:>12} rejected 503 ({})",
        count(r.rejected),
        share(r.rejected, r.arrived)
    );
    println!(
        "              {:>12} timed out 504 ({})",
        count(r.timed_out),
        share(r.timed_out, r.arrived)
    );
    println!(
        "              {:>12} interrupted  ({})",
        count(r.interrupted),
        share(r.interrupted, r.arrived)
    );
    println!(
        "              {:>12} in flight at the end",
        count(r.in_flight)
    );
    println!(
        "  latency     mean {:.1} ms · p50 {:.1} · p90 {:.1} · p99 {:.1} · p99.9 {:.1} · max {:.1} ms",
        l.mean, l.p50, l.p90, l.p99, l.p999, l.max
    );
    println!(
        "  SLO         p{} <= {} ms: {} · {:.3} % of requests answered within it",
        s.slo.percentile,
        s.slo.latency_ms,
        if s.slo.met { "met" } else { "MISSED" },
        100.0 * s.slo.attainment
    );
    println!(
        "  instances   {} launched · {} terminated · in service: peak {}, mean {:.2}, min {} · {:.2} instance-hours",
        i.launched,
        i.terminated,
        i.peak_in_service,
        i.mean_in_service,
        i.min_in_service,
        i.instance_hours
    );
    println!(
        "  cpu         {:.1} % mean utilisation of in-service workers",
        s.utilization.mean_cpu
    );
    println!(
        "  cost        ${:.2} total = on-demand ${:.2} + spot ${:.2} + reserved ${:.2} + savings plan ${:.2} + load balancer ${:.2}",
        c.total, c.on_demand, c.spot, c.reserved, c.savings_plan, c.load_balancer
    );
    println!();
    let names: Vec<String> = report
        .files
        .iter()
        .filter_map(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    if let Some(secs) = report.plots_secs {
        println!("  pictures    charts and report.html drawn in {secs:.2} s");
    }
    println!(
        "  written to  {}/ ({})",
        report.dir.display(),
        names.join(", ")
    );
}
