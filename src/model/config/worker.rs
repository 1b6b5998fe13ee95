//! The configuration of a `worker` tier: an Elastic Beanstalk worker environment's
//! SQS queue and the `sqsd` daemon on each instance (aws-facts.md 5, 12), and the
//! messages other tiers send to it.

use super::*;

/// An Elastic Beanstalk worker environment (`kind = "worker"`): an SQS standard queue
/// feeding the tier's Auto Scaling group, whose `sqsd` daemon posts each message to the
/// application on the instance (its `service`), with no load balancer.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Messages each instance's `sqsd` keeps in flight to the application at most
    /// (`HttpConnections`, default 50, 1–100; aws-facts.md 5).
    pub http_connections: u32,
    /// How long a received message stays invisible (`VisibilityTimeout`, 300 s in a
    /// worker environment, aws-facts.md 5; SQS allows 0–12 h, 12.2): a message
    /// processed longer becomes visible again and is processed twice.
    pub visibility_timeout: SimDuration,
    /// How long a message the application failed stays invisible
    /// (`ErrorVisibilityTimeout`, 2 s, aws-facts.md 5).
    pub error_visibility_timeout: SimDuration,
    /// How long `sqsd` waits for the application's answer (`InactivityTimeout`,
    /// 299 s, aws-facts.md 5); the tier's `service.timeout` is this.
    pub inactivity_timeout: SimDuration,
    /// Receives before a message moves to the dead-letter queue (`MaxRetries`, 10,
    /// 1–100 = the redrive policy's maxReceiveCount; aws-facts.md 5, 12.4).
    pub max_retries: u32,
    /// Messages older than this are deleted (`RetentionPeriod`, 4 days,
    /// 60 s–14 days; aws-facts.md 5, 12.2).
    pub retention_period: SimDuration,
    /// A message's size, KB: each 64 KB chunk of a request's payload is billed as
    /// one request (aws-facts.md 12.1).
    pub message_kb: f64,
    /// Messages sent to the queue by clients of its own (`[tiers.<name>.messages]`),
    /// besides those other tiers send; `None` without.
    pub messages: Option<TrafficConfig>,
    /// USD per million requests (aws-facts.md 12.1: standard queues, first 100
    /// billion a month).
    pub price_per_million: f64,
    /// Requests free each month (aws-facts.md 12.1), prorated over the run.
    pub free_requests_per_month: f64,
    /// Periodic tasks (`cron.yaml`, aws-facts.md 5): those written in the scenario
    /// first, then those of `cron_file`, in the file's order.
    pub periodic_tasks: Vec<PeriodicTask>,
    /// The `cron.yaml` the tasks marked `from_file` were read from (absolute).
    pub cron_file: Option<PathBuf>,
}

/// A periodic task of a worker environment (`cron.yaml`'s `cron:` entries,
/// aws-facts.md 5): at each time its schedule matches, the environment's leader
/// instance sends one message to the queue, which any instance may then process.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodicTask {
    pub name: String,
    /// The path sqsd posts the task's messages to (`url`); the model does not route
    /// on it.
    pub url: Option<String>,
    /// The schedule as written (5-field cron, UTC), and parsed.
    pub schedule: String,
    pub cron: Cron,
    /// How long processing one of its messages takes; `None`: the tier's
    /// `service.time`, like any message.
    pub time: Option<DurationDist>,
    /// Read from `cron_file` (printed back as that file, not as a table).
    pub from_file: bool,
}

/// Asynchronous messages a request of a tier sends when it completes: one message to
/// the queue of the `worker` tier at index `tier` of [`Config::tiers`], with
/// `probability`. The request does not wait for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Send {
    pub tier: usize,
    pub probability: f64,
}
