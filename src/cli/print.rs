//! Terminal formatting: the run's summary, the comparison's tables, and the small
//! helpers for numbers, counts and durations that both use.

use super::RunReport;
use simcloud::compare::optimize::{Evidence, Optimization};
use simcloud::compare::{self, ComparePlan, Comparison, Metric};
use simcloud::model::{Config, Summary, TierKind};
use simcloud::report::bill::{BillStatement, LineRole, hours};
use simcloud::report::compare::{diff_cell, estimate_cell, tier_tables, verdict_sentence};
use simcloud::report::html::{count, paid_parts, share};
use simcloud::report::plots::cents;
use simcloud::report::tiers::{
    TIER_COLUMNS, cluster_sentence, database_sentence, deployment_sentence, queue_sentence,
    tier_cells, tier_verdicts, where_the_time_goes,
};
use std::io::{self, Write};

/// `1 strategy`, `2 strategies`.
pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n as u64), if n == 1 { one } else { many })
}

/// A simulated duration for people: from the largest unit to the smallest that is not
/// zero, zeros between kept (`87d 0h 20m`, `3h`, `30m`, `1m 30s`); under a second, or
/// with a fraction of one, the scenario's own notation (`250ms`).
pub(super) fn human_duration(d: simcloud::engine::SimDuration) -> String {
    const NANOS: u64 = 1_000_000_000;
    if d.0 == 0 || d.0 % NANOS != 0 {
        return d.to_string();
    }
    let mut secs = d.0 / NANOS;
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        let n = secs / size;
        secs %= size;
        if n > 0 || !parts.is_empty() {
            parts.push((n, unit));
        }
    }
    while parts.last().is_some_and(|(n, _)| *n == 0) {
        parts.pop();
    }
    parts
        .iter()
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints rows as columns: the first left-aligned, the others right-aligned; or, when
/// that is wider than the terminal ([`terminal_columns`]), one block per row with a
/// line per column ([`table_records`]), which fits any terminal.
pub(super) fn print_table(out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    for line in table_within(rows, terminal_columns()) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The lines [`print_table`] prints for a terminal of `columns` (`None`: no limit).
pub(super) fn table_within(rows: &[Vec<String>], columns: Option<usize>) -> Vec<String> {
    let lines: Vec<String> = table_lines(rows)
        .into_iter()
        .map(|line| format!(" {line}").trim_end().to_string())
        .collect();
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    match columns {
        Some(columns) if widest > columns => table_records(rows),
        _ => lines,
    }
}

/// A table as records, for a narrow terminal: each row's first cell as a heading,
/// then its other cells one per line under the header row's names.
pub(super) fn table_records(rows: &[Vec<String>]) -> Vec<String> {
    let Some((header, rows)) = rows.split_first() else {
        return Vec::new();
    };
    let name_width = header
        .iter()
        .skip(1)
        .map(|h| h.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for row in rows {
        lines.push(format!("   {}", row.first().map_or("", String::as_str)));
        for (name, cell) in header.iter().zip(row).skip(1) {
            let pad = name_width - name.chars().count();
            lines.push(
                format!("       {name}{}  {cell}", " ".repeat(pad))
                    .trim_end()
                    .to_string(),
            );
        }
    }
    lines
}

/// The terminal's width in columns: `COLUMNS` when set, else the terminal's own when
/// standard output is one; `None` (no limit) for a pipe or a file, so that what
/// scripts and tests capture does not depend on a window.
pub(super) fn terminal_columns() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(n);
    }
    // SAFETY: isatty and ioctl(TIOCGWINSZ) only read the descriptor's state into a
    // winsize we own; neither keeps the pointer.
    unsafe {
        if libc::isatty(libc::STDOUT_FILENO) != 1 {
            return None;
        }
        let mut size: libc::winsize = std::mem::zeroed();
        let ok = libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) == 0;
        (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
    }
}

/// Rows as aligned columns, two spaces before each: the first column left-aligned,
/// the others right-aligned; trailing blanks trimmed.
pub(super) fn table_lines(rows: &[Vec<String>]) -> Vec<String> {
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
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let mut line = String::new();
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
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// How a comparison's runs were made, for its first line: `40 runs in 1.52 s on 2
/// threads`, or `40 runs merged from 7 shards`.
pub(super) fn ran_locally(plan: &ComparePlan, wall_secs: f64) -> String {
    format!(
        "{} in {:.2} s on {}",
        plural(plan.runs(), "run", "runs"),
        wall_secs,
        plural(plan.threads, "thread", "threads"),
    )
}

/// A search: its settings, its rounds, why it stopped, the chosen configuration and
/// the runner-ups.
pub(super) fn print_search(out: &mut dyn Write, o: &Optimization, ran: &str) -> io::Result<()> {
    writeln!(
        out,
        "simcloud {} · optimize {} · {} · seeds from {} · {ran} (budget {}, whole grid {})",
        o.simcloud_version,
        o.scenario,
        plural(o.evidence.len(), "configuration", "configurations"),
        o.base_seed,
        count(o.budget),
        count(o.full_grid as u64),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  minimise {} subject to {} in at least {} % of replicates",
        o.objective.key().replace('_', " "),
        o.constraint,
        100.0 * o.confidence
    )?;
    writeln!(out)?;
    let mut rows = vec![vec![
        "round".to_string(),
        "runs".into(),
        "configurations run".into(),
        "dropped infeasible".into(),
        "dropped dearer".into(),
        "left".into(),
    ]];
    for r in &o.rounds {
        rows.push(vec![
            r.number.to_string(),
            count(r.runs as u64),
            count(r.ran as u64),
            count(r.dropped_infeasible as u64),
            count(r.dropped_dearer as u64),
            count(r.left as u64),
        ]);
    }
    print_table(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "  stopped     {}", o.stop.text())?;
    let line = |e: &Evidence| {
        format!(
            "{} · {} $ {} · {} {} · held in {} of {} [{:.3}, {:.3}]",
            e.name,
            o.objective.key().replace('_', " "),
            estimate_cell(e.objective, 1.0, 3),
            o.constraint_metric,
            estimate_cell(e.metric, 1.0, 3),
            e.held,
            e.replicates,
            e.held_interval.0,
            e.held_interval.1,
        )
    };
    match o.chosen() {
        Some(e) => {
            let note = if e.shown_feasible {
                ""
            } else {
                " (feasibility not shown: more budget or replicates would tell)"
            };
            writeln!(out, "  chosen      {}{note}", line(e))?;
        }
        None => writeln!(
            out,
            "  chosen      none: no configuration met the constraint in enough replicates"
        )?,
    }
    for (n, &i) in o.runner_ups.iter().enumerate() {
        writeln!(out, "  runner-up {} {}", n + 1, line(&o.evidence[i]))?;
    }
    Ok(())
}

pub(super) fn print_comparison(out: &mut dyn Write, c: &Comparison, ran: &str) -> io::Result<()> {
    let last_seed = compare::replicate_seed(c.base_seed, c.replicates - 1);
    let seeds = if c.replicates == 1 {
        format!("seed {}", c.base_seed)
    } else {
        format!("seeds {}..={}", c.base_seed, last_seed)
    };
    writeln!(
        out,
        "simcloud {} · compare {} · {} × {} ({}) · {ran}",
        c.simcloud_version,
        c.scenario,
        plural(c.strategies.len(), "strategy", "strategies"),
        plural(c.replicates as usize, "replicate", "replicates"),
        seeds,
    )?;
    writeln!(out)?;
    writeln!(out, "  verdict     {}", verdict_sentence(c))?;
    writeln!(out)?;
    if c.replicates == 1 {
        writeln!(
            out,
            "  means of 1 replicate: no confidence intervals (use --replicates 2 or more)"
        )?;
    } else {
        writeln!(
            out,
            "  mean ± half-width of the 95 % confidence interval over {} replicates",
            c.replicates
        )?;
    }
    let mut rows = vec![vec![
        "strategy".to_string(),
        "total cost $".into(),
        "$ per M req".into(),
        "$ per month".into(),
        "p50 ms".into(),
        "p99 ms".into(),
        "SLO attained %".into(),
        "SLO met".into(),
        "errors %".into(),
        "instance-hours".into(),
    ]];
    for s in &c.strategies {
        let errors: f64 = [
            Metric::RejectedRate,
            Metric::TimedOutRate,
            Metric::InterruptedRate,
            Metric::FailedRate,
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
            estimate_cell(s.get(Metric::CostPerMonth).estimate, 1.0, 0),
            estimate_cell(s.get(Metric::P50).estimate, 1.0, 1),
            estimate_cell(s.p99(), 1.0, 1),
            estimate_cell(s.get(Metric::SloAttainment).estimate, 100.0, 2),
            format!("{}/{}", c.slo_met(s.index), c.replicates),
            format!("{:.2}", 100.0 * errors),
            estimate_cell(s.get(Metric::InstanceHours).estimate, 1.0, 2),
        ]);
    }
    print_table(out, &rows)?;
    for table in tier_tables(c) {
        writeln!(out)?;
        writeln!(
            out,
            "  {}: mean ± half-width of the 95 % confidence interval",
            table.title
        )?;
        let mut rows = vec![
            std::iter::once("strategy".to_string())
                .chain(table.columns)
                .collect::<Vec<_>>(),
        ];
        for (strategy, cells) in table.rows {
            rows.push(std::iter::once(strategy).chain(cells).collect());
        }
        print_table(out, &rows)?;
    }
    if c.strategies.len() > 1 {
        writeln!(out)?;
        writeln!(
            out,
            "  difference against \"{}\", paired by replicate: mean [95 % CI], * = the interval excludes 0",
            c.baseline().name
        )?;
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
        print_table(out, &rows)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  cost vs p99, cheapest first (means; lower is better on both; dominated means beaten beyond the paired 95 % intervals)"
    )?;
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
    print_table(out, &rows)
}

/// What an Elastic Beanstalk environment adds to the bill: nothing (aws-facts.md 5).
fn beanstalk_lines(config: &Config) -> Vec<String> {
    config
        .tiers
        .iter()
        .filter(|t| t.kind == TierKind::Beanstalk)
        .map(|t| {
            let parts = match t.has_load_balancer() {
                true => "its instances and its load balancer",
                false => "its instance (a single-instance environment has no load balancer)",
            };
            format!(
                "  beanstalk   {}: Elastic Beanstalk charges nothing itself; the bill is {parts}",
                t.name
            )
        })
        .collect()
}

/// A batch tier's jobs (aws-facts.md 18): what became of them, the work lost to spot
/// interruptions, the makespan, the deadline and the cost per job.
fn batch_lines(b: &simcloud::model::BatchSummary) -> Vec<String> {
    let makespan = match b.makespan_s {
        Some(s) => format!("makespan {}", human_secs(s)),
        None => "unfinished at the end".to_string(),
    };
    let deadline = match b.deadline_met_percent {
        Some(p) => format!(
            " · deadline met by {p:.1} % ({} missed)",
            count(b.deadline_misses)
        ),
        None => String::new(),
    };
    let per_job = match b.cost_per_job_usd {
        Some(c) => format!(" · ${c:.4} per job"),
        None => String::new(),
    };
    vec![
        format!(
            "  jobs        {} submitted · {} succeeded · {} failed · {} retried · {} queued and {} running at the end",
            count(b.jobs_submitted),
            count(b.jobs_succeeded),
            count(b.jobs_failed),
            count(b.jobs_retried),
            count(b.queued_at_end),
            count(b.running_at_end)
        ),
        format!(
            "              {makespan}{deadline}{per_job} · mean wait {} · {} attempts interrupted, {:.2} vCPU-hours lost · peak {} vCPUs",
            human_secs(b.mean_queue_wait_s),
            count(b.attempts_interrupted),
            b.work_lost_vcpu_hours,
            b.peak_vcpus
        ),
    ]
}

/// An emr tier's cluster (aws-facts.md 19): its nodes and those lost, the HDFS output
/// lost with core nodes, its steps, and how it ended.
fn emr_lines(e: &simcloud::model::EmrSummary) -> Vec<String> {
    let ended = match e.ended_at_s {
        Some(at) => format!(
            " · ended at {} by {}",
            human_secs(at),
            e.ended_by.replace('_', " ")
        ),
        None => " · never requested".to_string(),
    };
    vec![
        format!(
            "  emr         {} nodes launched · {} core and {} task nodes lost{} · HDFS replication {}: {} containers rerun for lost HDFS output ({:.2} vCPU-hours)",
            count(e.nodes_launched),
            count(e.core_nodes_lost),
            count(e.task_nodes_lost),
            if e.primary_lost {
                " · primary lost"
            } else {
                ""
            },
            e.hdfs_replication,
            count(e.containers_rerun_hdfs),
            e.hdfs_work_lost_vcpu_hours
        ),
        format!(
            "              steps: {} submitted · {} completed · {} failed · {} unfinished{ended}",
            count(e.steps_submitted),
            count(e.steps_completed),
            count(e.steps_failed),
            count(e.steps_unfinished)
        ),
    ]
}

/// Seconds as `1 h 23 min` or `45 s`.
fn human_secs(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

pub(super) fn print_summary(
    out: &mut dyn Write,
    report: &RunReport,
    config: &Config,
    wall_secs: f64,
) -> io::Result<()> {
    let s: &Summary = &report.summary;
    writeln!(
        out,
        "simcloud {} · scenario {} · seed {} · {} simulated · {} events in {:.2} s ({:.1} M events/s)",
        s.simcloud_version,
        s.scenario,
        s.seed,
        human_duration(config.duration),
        count(s.events),
        wall_secs,
        s.events as f64 / wall_secs.max(1e-9) / 1e6
    )?;
    writeln!(out)?;
    // A job tier's (batch, emr) requests are its jobs, which its own lines tell, with
    // their deadlines rather than a latency SLO.
    if s.batch.is_none() {
        request_lines(out, s, config)?;
    }
    print_summary_rest(out, report, config)
}

/// The entry tier's requests: what became of them, their latency and the SLO.
fn request_lines(out: &mut dyn Write, s: &Summary, config: &Config) -> io::Result<()> {
    let r = &s.requests;
    writeln!(out, "  requests    {:>12} arrived", count(r.arrived))?;
    writeln!(
        out,
        "              {:>12} completed    ({})",
        count(r.completed),
        share(r.completed, r.arrived)
    )?;
    // A function's rejections are throttles: 429 through API Gateway (aws-facts.md
    // 13.3, 14.5), 502 from an ALB (4.6, 13.4).
    let status = match &config.entry().lambda {
        Some(function) if function.alb => 502,
        Some(_) => 429,
        None => 503,
    };
    writeln!(
        out,
        "              {:>12} rejected {status} ({})",
        count(r.rejected),
        share(r.rejected, r.arrived)
    )?;
    writeln!(
        out,
        "              {:>12} timed out 504 ({})",
        count(r.timed_out),
        share(r.timed_out, r.arrived)
    )?;
    writeln!(
        out,
        "              {:>12} interrupted  ({})",
        count(r.interrupted),
        share(r.interrupted, r.arrived)
    )?;
    if r.failed > 0 {
        writeln!(
            out,
            "              {:>12} failed 500   ({})",
            count(r.failed),
            share(r.failed, r.arrived)
        )?;
    }
    writeln!(
        out,
        "              {:>12} in flight at the end",
        count(r.in_flight)
    )?;
    writeln!(out, "{}", latency_line(s))?;
    writeln!(out, "{}", slo_line(s))
}

/// Everything after the requests: the fleet or function, the tiers' own lines, the
/// bill and the files written.
fn print_summary_rest(out: &mut dyn Write, report: &RunReport, config: &Config) -> io::Result<()> {
    let s: &Summary = &report.summary;
    let c = &s.cost_usd;
    let i = &s.instances;
    if let Some(l) = &s.lambda {
        writeln!(
            out,
            "  lambda      {} cold starts ({:.3} % of invocations) · {} throttled by concurrency, {} by API Gateway · concurrency: peak {}, mean {:.2} · {} GB-s",
            count(l.cold_starts),
            100.0 * l.cold_start_share,
            count(l.throttles),
            count(l.api_gateway_throttles),
            count(u64::from(l.peak_concurrency)),
            l.mean_concurrency,
            count(l.gb_seconds.round() as u64)
        )?;
    } else {
        // A fargate tier's instances are its tasks; an ecs_ec2 tier's tasks run on
        // container instances, whose hours are billed.
        let (one, many) = config.entry().kind.units();
        let hours = match config.entry().kind {
            simcloud::model::TierKind::EcsEc2 => "container instance-hours".to_string(),
            _ => format!("{one}-hours"),
        };
        writeln!(
            out,
            "  {many:<9}   {} launched · {} terminated · in service: peak {}, mean {:.2}, min {} · {:.2} {hours}",
            i.launched,
            i.terminated,
            i.peak_in_service,
            i.mean_in_service,
            i.min_in_service,
            i.instance_hours
        )?;
        if i.failed_launches > 0 {
            writeln!(
                out,
                "              {} launch attempts failed (insufficient capacity, a full spread placement group or no zone up)",
                i.failed_launches
            )?;
        }
        if let Some(c) = &s.container_instances {
            writeln!(out, "  cluster     {}", cluster_sentence(c))?;
        }
        if let Some(q) = &s.queue {
            writeln!(out, "  queue       {}", queue_sentence(q))?;
        }
        if let Some(b) = &s.batch {
            for line in batch_lines(b) {
                writeln!(out, "{line}")?;
            }
        }
        if let Some(e) = &s.emr {
            for line in emr_lines(e) {
                writeln!(out, "{line}")?;
            }
        }
        writeln!(
            out,
            "  cpu         {:.1} % mean utilisation of in-service workers",
            s.utilization.mean_cpu
        )?;
    }
    if let Some(line) = egress_line(s) {
        writeln!(out, "{line}")?;
    }
    for d in &s.deployments {
        writeln!(out, "  deployment  {}", deployment_sentence(d))?;
    }
    writeln!(out, "{}", cost_line(c))?;
    for line in beanstalk_lines(config) {
        writeln!(out, "{line}")?;
    }
    if report.bill.has_commitments() {
        for line in bill_lines(&report.bill, s) {
            writeln!(out, "{line}")?;
        }
    }
    for line in tier_lines(s, config) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    if let Some(secs) = report.plots_secs {
        writeln!(
            out,
            "  pictures    charts and report.html drawn in {secs:.2} s"
        )?;
    }
    written_to(out, &report.dir, &report.files)
}

/// What left AWS for the clients, when the run meters it: GB out to the internet (the
/// responses' and S3's), S3's requests, CloudFront's GB and requests.
pub(super) fn egress_line(s: &Summary) -> Option<String> {
    let d = s.data_transfer.as_ref()?;
    let mut parts = vec![format!(
        "{:.1} GB to the internet ({:.1} GB of responses",
        d.internet_out_gb, d.responses_gb
    )];
    if d.s3_gb > 0.0 {
        parts[0].push_str(&format!(", {:.1} GB from S3", d.s3_gb));
    }
    parts[0].push(')');
    if let Some(b) = &s.s3 {
        parts.push(format!(
            "S3 {} GETs, {} PUTs, {:.1} GB stored",
            count(b.gets.round() as u64),
            count(b.puts.round() as u64),
            b.stored_gb
        ));
    }
    if let Some(cf) = &s.cloudfront {
        parts.push(format!(
            "CloudFront {:.1} GB, {} requests ({:.0} % from its cache)",
            cf.out_gb,
            count(cf.requests.round() as u64),
            100.0 * cf.cache_hit_ratio
        ));
    }
    Some(format!("  data out    {}", parts.join(" · ")))
}

/// The last line of `run`, `compare`, `merge` and `optimize`: the folder and its files.
pub(super) fn written_to(
    out: &mut dyn Write,
    dir: &std::path::Path,
    files: &[String],
) -> io::Result<()> {
    writeln!(
        out,
        "  written to  {}/ ({})",
        dir.display(),
        files.join(", ")
    )
}

/// Latency percentiles, or why there are none.
pub(super) fn latency_line(s: &Summary) -> String {
    let l = &s.latency_ms;
    if s.requests.completed == 0 {
        return "  latency     no request completed: no latency to report".to_string();
    }
    format!(
        "  latency     mean {:.1} ms · p50 {:.1} · p90 {:.1} · p99 {:.1} · p99.9 {:.1} · max {:.1} ms",
        l.mean, l.p50, l.p90, l.p99, l.p999, l.max
    )
}

/// The SLO verdict. With no finished request (answered or failed) there is nothing to
/// judge, and a share "answered within it" of an empty set would be a made-up number
/// (it once printed "MISSED · 100.000 %"). Requests that all failed do miss it.
pub(super) fn slo_line(s: &Summary) -> String {
    let r = &s.requests;
    let head = format!(
        "  SLO         p{} <= {} ms:",
        s.slo.percentile, s.slo.latency_ms
    );
    if r.arrived == r.in_flight {
        let why = if r.arrived == 0 {
            "no requests arrived"
        } else {
            "no request finished"
        };
        return format!("{head} not judged · {why}");
    }
    format!(
        "{head} {} · {:.3} % of requests answered within it",
        if s.slo.met { "met" } else { "MISSED" },
        100.0 * s.slo.attainment
    )
}

/// The total and every part of the bill, from the one list of parts
/// ([`simcloud::model::bill_parts`]), so the parts printed always add up to the total printed
/// (up to rounding to cents). Parts a run never paid for are left out, except
/// on-demand, so the line stays short.
pub(super) fn cost_line(c: &simcloud::model::CostSummary) -> String {
    let parts: Vec<String> = paid_parts(c)
        .iter()
        .map(|(part, amount)| format!("{} ${amount:.2}", part.label()))
        .collect();
    format!(
        "  cost        ${:.2} total = {}",
        c.total,
        parts.join(" + ")
    )
}

/// The bill as `cost.csv` adds up (usage, coverage credits, fees, total, with coverage
/// and utilisation), the same statement as `report.html`'s; printed when reservations
/// or a savings plan make the parts of [`cost_line`] differ from the file's sums.
pub(super) fn bill_lines(bill: &BillStatement, s: &Summary) -> Vec<String> {
    let lines = bill.lines(&s.commitments);
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|line| match line.role {
            LineRole::Heading => vec![line.label.clone()],
            _ => vec![
                format!("  {}", line.label),
                line.hours
                    .map_or(String::new(), |h| format!("{} h", hours(h))),
                cents(line.usd),
            ],
        })
        .collect();
    let mut out = vec!["  bill        as cost.csv adds up:".to_string()];
    for (text, line) in table_lines(&rows).into_iter().zip(&lines) {
        let note = match line.note.is_empty() {
            true => String::new(),
            false => format!("  {}", line.note),
        };
        out.push(format!("            {text}{note}"));
    }
    out
}

/// For a run of several tiers, one line per tier (name, kind, requests, p99, mean CPU,
/// peak instances, cost) under their headings, then where the clients' time goes; the
/// lines above them are the entry tier's as the clients see it, and the whole bill.
/// Nothing for a run of one tier.
pub(super) fn tier_lines(s: &Summary, config: &Config) -> Vec<String> {
    if s.tiers.is_empty() {
        return Vec::new();
    }
    let mut rows = vec![TIER_COLUMNS.iter().map(|h| h.to_string()).collect()];
    rows.extend(s.tiers.iter().map(|t| tier_cells(t).to_vec()));
    let mut lines: Vec<String> = table_lines(&rows)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let label = if i == 0 { "tiers" } else { "" };
            format!("  {label:<10}{line}")
        })
        .collect();
    for t in &s.tiers {
        if let Some(sentence) = database_sentence(t) {
            lines.push(format!("  {:<12}{}: {sentence}", "", t.name));
        }
        if let Some(c) = &t.container_instances {
            lines.push(format!("  {:<12}{}: {}", "", t.name, cluster_sentence(c)));
        }
        if let Some(q) = &t.queue {
            lines.push(format!("  {:<12}{}: {}", "", t.name, queue_sentence(q)));
        }
    }
    if let Some(sentence) = where_the_time_goes(config, s) {
        lines.push(format!("  {:<12}{sentence}", ""));
    }
    for verdict in tier_verdicts(config, s) {
        lines.push(format!("  {:<12}verdict {verdict}", ""));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_columns() {
        let rows = vec![
            vec!["name".to_string(), "n".into()],
            vec!["a".to_string(), "1,000".into()],
        ];
        assert_eq!(table_lines(&rows), vec!["  name      n", "  a     1,000"]);
        // Wider than the terminal: a block per row, every cell under its name.
        assert_eq!(
            table_within(&rows, Some(80)),
            vec!["   name      n", "   a     1,000"]
        );
        assert_eq!(
            table_within(&rows, Some(10)),
            vec!["   a", "       n  1,000"]
        );
    }

    /// A two-tier run (the steady scenario, made short and light, and a copy of it as
    /// `api`): web calls api twice per request. The terminal lists both tiers
    /// under the lines it always prints, and says where the time goes; a run of one
    /// tier gets no such lines.
    #[test]
    fn a_run_of_several_tiers_lists_each_tier() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady.toml");
        let file = simcloud::scenario::ScenarioFile::read(&path).and_then(|mut f| {
            for assignment in ["duration=\"5m\"", "traffic.rate=20"] {
                f.set(assignment)?;
            }
            f.resolve()
        });
        let Ok(mut config) = file else {
            panic!("test scenario is invalid: {file:?}")
        };
        let one = simcloud::model::simulate(&config, &mut |_| {}).summary;
        assert!(tier_lines(&one, &config).is_empty());
        let mut api = config.tiers[0].clone();
        api.name = "api".into();
        config.tiers[0].calls = vec![simcloud::model::Call {
            tier: 1,
            count: 2,
            request_bytes: 0,
            response_bytes: 0,
        }];
        config.tiers.push(api);
        let s = simcloud::model::simulate(&config, &mut |_| {}).summary;
        let lines = tier_lines(&s, &config);
        assert_eq!(lines.len(), 6, "{lines:#?}");
        assert!(
            lines[0].starts_with("  tiers       tier  kind"),
            "{lines:#?}"
        );
        for (line, t) in lines[1..3].iter().zip(&s.tiers) {
            assert!(
                line.starts_with(&format!("              {} ", t.name)),
                "{line}"
            );
            for cell in tier_cells(t) {
                assert!(line.contains(&cell), "{line} lacks {cell}");
            }
        }
        assert!(
            lines[3].starts_with("              Where the time goes: of the "),
            "{}",
            lines[3]
        );
        assert!(
            lines[3].contains("in api (2 calls per request"),
            "{}",
            lines[3]
        );
        // A verdict per tier, in order (issue 17).
        for (line, t) in lines[4..].iter().zip(&s.tiers) {
            assert!(
                line.starts_with(&format!("              verdict {} (ec2): ", t.name)),
                "{line}"
            );
        }
    }
}
