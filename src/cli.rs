//! The command line: clap types → a resolved plan → the library; the only place that
//! formats for the terminal.
//!
//! Exit codes (SPEC.md): 0 success, 1 the run failed, 2 bad input. Bad input is a
//! [`ScenarioError`] or an unusable output path; its message names the file, the key and
//! the value. No panic or backtrace ever reaches the user for bad input.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use simcloud::model::{Config, Summary};
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

fn validate(args: &ScenarioArgs) -> Result<(), Failure> {
    let file = load(args)?;
    let config = file.resolve()?;
    let strategies = file.strategies()?;
    let text = toml::to_string(&config)
        .context("cannot print the resolved scenario")
        .map_err(Failure::RunFailed)?;
    println!(
        "# {} resolved: every default filled in",
        args.scenario.display()
    );
    print!("{text}");
    for (name, _) in &strategies {
        println!("# strategy \"{name}\": valid");
    }
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
    let mut config = file.resolve()?;
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

/// Thousands separators for counts.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0 %".into()
    } else {
        format!("{:.2} %", 100.0 * part as f64 / whole as f64)
    }
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
        percent(r.completed, r.arrived)
    );
    println!(
        "              {:>12} rejected 503 ({})",
        count(r.rejected),
        percent(r.rejected, r.arrived)
    );
    println!(
        "              {:>12} timed out 504 ({})",
        count(r.timed_out),
        percent(r.timed_out, r.arrived)
    );
    println!(
        "              {:>12} interrupted  ({})",
        count(r.interrupted),
        percent(r.interrupted, r.arrived)
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
