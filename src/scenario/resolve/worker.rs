//! `[tiers.<name>.sqsd]` and `[tiers.<name>.messages]`: a `worker` tier's queue options
//! (Elastic Beanstalk's `aws:elasticbeanstalk:sqsd` namespace, aws-facts.md 5) and its
//! own clients' messages; and `[[tiers.<name>.sends]]`, the messages a tier's requests
//! send to a worker's queue (checked with the tiers' structure, in `tiers.rs`).

use super::*;

/// The valid ranges of the `sqsd` options, from Elastic Beanstalk's option reference
/// (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/command-options-general.html#command-options-general-elasticbeanstalksqsd)
/// and aws-facts.md 5, 12.2.
const MAX_HTTP_CONNECTIONS: u32 = 100;
const MAX_RETRIES: u32 = 100;
const MAX_VISIBILITY: SimDuration = SimDuration::from_secs(43_200);
const MAX_INACTIVITY: SimDuration = SimDuration::from_secs(36_000);
const MIN_RETENTION: SimDuration = SimDuration::from_secs(60);
const MAX_RETENTION: SimDuration = SimDuration::from_secs(1_209_600);
/// `MaximumMessageSize`: 1 MiB (aws-facts.md 12.2).
const MAX_MESSAGE_KB: f64 = 1024.0;

/// A worker tier's queue, its `sqsd` and its own clients' messages. `entry`: the
/// tier receives `[traffic]` as messages, and then has no `messages` table.
pub(super) fn resolve_worker(
    ctx: &Ctx,
    raw: RawSqsd,
    messages: Option<RawTraffic>,
    periodic: (Option<Vec<RawPeriodicTask>>, Option<String>),
    entry: bool,
    duration: SimDuration,
) -> Result<WorkerConfig> {
    let http_connections = ctx.range(
        "sqsd.http_connections",
        raw.http_connections
            .unwrap_or(default::SQSD_HTTP_CONNECTIONS),
        1,
        MAX_HTTP_CONNECTIONS,
        "",
    )?;
    let visibility = |key: &str, text: Option<&String>, default: SimDuration| {
        ctx.duration_in(key, text, default, SimDuration::ZERO..=MAX_VISIBILITY)
    };
    let visibility_timeout = visibility(
        "sqsd.visibility_timeout",
        raw.visibility_timeout.as_ref(),
        default::SQSD_VISIBILITY_TIMEOUT,
    )?;
    let error_visibility_timeout = visibility(
        "sqsd.error_visibility_timeout",
        raw.error_visibility_timeout.as_ref(),
        default::SQSD_ERROR_VISIBILITY_TIMEOUT,
    )?;
    let inactivity_timeout = ctx.duration_in(
        "sqsd.inactivity_timeout",
        raw.inactivity_timeout.as_ref(),
        default::SQSD_INACTIVITY_TIMEOUT,
        SimDuration::from_secs(1)..=MAX_INACTIVITY,
    )?;
    let max_retries = ctx.range(
        "sqsd.max_retries",
        raw.max_retries.unwrap_or(default::SQSD_MAX_RETRIES),
        1,
        MAX_RETRIES,
        "",
    )?;
    let retention_period = ctx.duration_in(
        "sqsd.retention_period",
        raw.retention_period.as_ref(),
        default::SQSD_RETENTION_PERIOD,
        MIN_RETENTION..=MAX_RETENTION,
    )?;
    let message_kb = ctx.positive(
        "sqsd.message_kb",
        raw.message_kb.unwrap_or(default::SQS_MESSAGE_KB),
    )?;
    let message_kb = ctx.at_most("sqsd.message_kb", message_kb, MAX_MESSAGE_KB)?;
    let messages = match messages {
        Some(_) if entry => {
            return Err(ctx.err_table(
                "messages",
                "the entry tier's messages are [traffic]: a worker tier that receives [traffic] takes it as messages sent to its queue",
            ));
        }
        Some(raw) => {
            let trace = match &raw.trace {
                Some(t) => Some(resolve_trace(ctx, "messages", t)?),
                None => None,
            };
            Some(resolve_traffic(ctx, "messages", raw, trace, duration)?)
        }
        None => None,
    };
    let (periodic_tasks, cron_file) =
        resolve_periodic_tasks(ctx, periodic.0, periodic.1, duration)?;
    Ok(WorkerConfig {
        http_connections,
        visibility_timeout,
        error_visibility_timeout,
        inactivity_timeout,
        max_retries,
        retention_period,
        message_kb,
        messages,
        price_per_million: default::SQS_PRICE_PER_MILLION,
        free_requests_per_month: default::SQS_FREE_REQUESTS_PER_MONTH,
        periodic_tasks,
        cron_file,
    })
}

/// A worker environment's periodic tasks (aws-facts.md 5): those written as
/// `[[periodic_task]]` tables, then those of the `cron.yaml` at `cron_file`
/// (relative to the scenario file), each name once over both. A schedule is 5-field
/// cron in UTC, as scheduled actions' recurrences (one parser, `scenario/cron.rs`).
fn resolve_periodic_tasks(
    ctx: &Ctx,
    tasks: Option<Vec<RawPeriodicTask>>,
    cron_file: Option<String>,
    duration: SimDuration,
) -> Result<(Vec<PeriodicTask>, Option<std::path::PathBuf>)> {
    let mut out: Vec<PeriodicTask> = Vec::new();
    let late = |task: &PeriodicTask| task.cron.next_after(0).is_none_or(|t| t >= duration.0);
    for (k, raw) in tasks.into_iter().flatten().enumerate() {
        let key = |k2: &str| format!("periodic_task[{k}].{k2}");
        if raw.name.trim().is_empty() {
            return Err(ctx.err(&key("name"), "must not be empty"));
        }
        if out.iter().any(|t| t.name == raw.name) {
            return Err(ctx.err(
                &key("name"),
                "another periodic task has this name; each task's name must be unique",
            ));
        }
        let cron = parse_cron(&raw.schedule).map_err(|m| ctx.err(&key("schedule"), m))?;
        let time = match &raw.time {
            Some(v) => Some(dist_or(
                ctx,
                &key("time"),
                Some(v),
                DurationDist::Constant {
                    value: SimDuration::ZERO,
                },
            )?),
            None => None,
        };
        let task = PeriodicTask {
            name: raw.name,
            url: raw.url,
            schedule: raw.schedule,
            cron,
            time,
            from_file: false,
        };
        if late(&task) {
            ctx.note(
                &format!("periodic_task[{k}]"),
                format!("(schedule \"{}\") first fires after the end of the run ({duration}): it sends no message", task.schedule),
            );
        }
        out.push(task);
    }
    let Some(file) = cron_file else {
        return Ok((out, None));
    };
    let dir = ctx
        .file
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let path = dir.join(&file);
    if !path.is_file() {
        return Err(ctx.err(
            "cron_file",
            format!("cannot read the cron file {}: no such file (a relative path is relative to the scenario file)", path.display()),
        ));
    }
    let scenario = ctx.file.path().display().to_string();
    let tier = ctx.key("");
    let within = |mut e: ScenarioError| {
        e.message = format!(
            "{} (the cron_file of {}{})",
            e.message,
            tier.trim_end_matches('.'),
            format_args!(" in {scenario}")
        );
        e
    };
    for task in read_cron_yaml(&path).map_err(within)? {
        let k = out.iter().filter(|t| t.from_file).count();
        let fail = |key: &str, value: &str, line: Option<usize>, message: String| {
            within(ScenarioError {
                file: path.clone(),
                line,
                key: format!("cron[{k}].{key}"),
                value: Some(format!("{value:?}")),
                message,
                set: None,
            })
        };
        let cron = parse_cron(&task.schedule)
            .map_err(|m| fail("schedule", &task.schedule, task.schedule_line, m))?;
        if out.iter().any(|t| t.name == task.name) {
            return Err(fail(
                "name",
                &task.name,
                task.name_line,
                "a [[periodic_task]] of the scenario has this name; each task's name must be unique".into(),
            ));
        }
        let task = PeriodicTask {
            name: task.name,
            url: Some(task.url),
            schedule: task.schedule,
            cron,
            time: None,
            from_file: true,
        };
        if late(&task) {
            ctx.note(
                "cron_file",
                format!("task {:?} (schedule \"{}\") first fires after the end of the run ({duration}): it sends no message", task.name, task.schedule),
            );
        }
        out.push(task);
    }
    // Absolute, so that the resolved scenario loads from any folder, as a trace.
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    Ok((out, Some(path)))
}
