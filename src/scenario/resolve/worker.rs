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
    })
}
