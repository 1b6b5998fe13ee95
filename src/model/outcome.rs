//! What a run produces: the summary record, the timeline rows and the bill's line items.
//!
//! These are plain data with the field names of SPEC.md; `crate::report` writes them out.
//! Every floating-point value is rounded to a fixed number of decimals here, once, so
//! that every exporter prints the same digits and identical runs give identical bytes.

use serde::Serialize;

/// Rounds to `decimals` places; the one place where output precision is decided.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let r = (x * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r } // no "-0.0" in outputs
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub simcloud_version: String,
    pub simulated_seconds: f64,
    pub events: u64,
    pub requests: RequestCounts,
    pub latency_ms: LatencySummary,
    pub slo: SloSummary,
    pub cost_usd: CostSummary,
    pub commitments: CommitmentSummary,
    pub instances: InstanceSummary,
    pub utilization: UtilizationSummary,
    pub queueing: QueueingSummary,
    /// The entry tier's function, when it is a `lambda` tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda: Option<LambdaSummary>,
    /// The entry tier's container instances, when it is an `ecs_ec2` tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_instances: Option<ClusterSummary>,
    /// The entry tier's queue, when it is a `worker` tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueSummary>,
    /// The entry tier's jobs, when it is a `batch` tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSummary>,
    /// The entry tier's cluster, when it is an `emr` tier (its jobs are in `batch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emr: Option<EmrSummary>,
    /// What left AWS for the clients, when the scenario meters it (a
    /// `service.response_bytes` or an `s3` table on the entry tier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_transfer: Option<DataTransferSummary>,
    /// The entry tier's S3 bucket, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Summary>,
    /// The CloudFront distribution in front of the bucket, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudfront: Option<CloudFrontSummary>,
    /// Each tier's own measures, in the scenario's order (entry first), when there
    /// are several (SPEC "Phase 2"). The fields above are the entry tier's, as the
    /// clients see them, except `cost_usd`, which is the sum over the tiers.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "tiers_by_name"
    )]
    pub tiers: Vec<TierSummary>,
    /// Deployments of new application versions (`[[deployment]]`), in start order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentSummary>,
}

impl Summary {
    /// Instance-hours billed over every tier (`instances` is the entry tier's).
    pub fn instance_hours(&self) -> f64 {
        match self.tiers.is_empty() {
            true => self.instances.instance_hours,
            false => self.tiers.iter().map(|t| t.instances.instance_hours).sum(),
        }
    }

    /// The entry tier's queue when it is a `worker` tier, else the first `worker`
    /// tier's (a web tier in front of one is the usual case).
    pub fn first_queue(&self) -> Option<&QueueSummary> {
        self.queue
            .as_ref()
            .or_else(|| self.tiers.iter().find_map(|t| t.queue.as_ref()))
    }

    /// The entry tier's jobs when it is a `batch` tier, else the first `batch` tier's.
    pub fn first_batch(&self) -> Option<&BatchSummary> {
        self.batch
            .as_ref()
            .or_else(|| self.tiers.iter().find_map(|t| t.batch.as_ref()))
    }
}

/// One deployment of a new application version (`deployments` of `summary.json`):
/// when it ran, how it ended and what it cost the clients and the bill.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DeploymentSummary {
    pub tier: String,
    pub policy: String,
    pub start_s: f64,
    pub duration_s: f64,
    /// `succeeded`; `failed` (the new version failed and is left on instances out of
    /// service: rolling and all at once without a rollback); `rolled_back` (it failed
    /// and the previous version serves everywhere again: immutable, traffic
    /// splitting and blue/green by themselves, rolling and all at once with
    /// `rollback`); `unfinished` (the run ended first) or `refused` (another
    /// deployment of the tier was running).
    pub outcome: String,
    /// When the failure was detected (a batch's command timeout ran out, or a
    /// canary's evaluation ended), since the start of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_at_s: Option<f64>,
    /// Instances a failed deployment left out of service with the failed version
    /// when it ended (they stay so until a later deployment).
    #[serde(skip_serializing_if = "is_zero_count")]
    pub left_out_of_service: u64,
    /// Instances it deployed to (in service when it started, and any an earlier
    /// failed deployment left out of service), the batch size and the batches
    /// started (or, immutable, the launches of the temporary group).
    pub instances: u32,
    pub batch_size: u32,
    pub batches: u32,
    /// Requests that ended in an error (503, 504, 502 or 500) during it.
    pub requests_failed: u64,
    /// The 99th percentile latency of the requests completed during it.
    pub p99_ms: f64,
    /// Instance-seconds of old instances out of the load balancer for their deploy.
    pub out_of_service_instance_seconds: f64,
    /// Instance-hours beyond the fleet of the start running throughout, and their
    /// price on demand.
    pub extra_instance_hours: f64,
    /// Blue/green: hours of the second environment's load balancer while the old
    /// one still ran (each partial hour a full one), included in `extra_cost_usd`.
    #[serde(skip_serializing_if = "is_zero_count")]
    pub extra_load_balancer_hours: u64,
    pub extra_cost_usd: f64,
    /// Traffic splitting and blue/green: requests routed while the traffic was split
    /// between the old and the new version (for blue/green, from the swap to the end
    /// of the run), those sent to the new version, and those sent to an old
    /// environment already terminated (lost; counted as rejected in `requests`).
    #[serde(skip_serializing_if = "is_zero_count")]
    pub requests_split: u64,
    #[serde(skip_serializing_if = "is_zero_count")]
    pub requests_to_new_version: u64,
    #[serde(skip_serializing_if = "is_zero_count")]
    pub requests_lost: u64,
    /// The deployment's phases, in time order (a batch started, a batch healthy, the
    /// evaluation's start and end, the swap, the failure, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<DeploymentPhase>,
}

/// A moment of a deployment (`phases` of a `deployments` entry): what happened, to
/// which batch, and when.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DeploymentPhase {
    /// `batch_started`, `batch_healthy`, `additional_batch_launched`,
    /// `additional_batch_healthy`, `additional_batch_retiring`,
    /// `first_instance_launched`, `first_instance_healthy`, `rest_launched`,
    /// `rest_healthy`, `new_instances_launched`, `evaluation_started`,
    /// `evaluation_ended`, `old_retiring`, `environment_created`,
    /// `environment_healthy`, `swapped`, `old_terminated`, `failed`,
    /// `rollback_batch_started`, `rollback_batch_healthy`.
    pub phase: String,
    /// The batch, counted from 1, for the batch phases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Since the start of the run.
    pub at_s: f64,
}

impl DeploymentPhase {
    /// The phase in words, as a chart names it: "batch 2 healthy".
    pub fn words(&self) -> String {
        let phase = self.phase.replace('_', " ");
        match self.batch {
            Some(b) => match phase.split_once("batch ") {
                Some((head, tail)) => format!("{head}batch {b} {tail}"),
                None => format!("{phase} {b}"),
            },
            None => phase,
        }
    }
}

/// A tier's own measures: `tiers.<name>` of `summary.json`. A called tier's requests
/// are the calls it received, and its latency is theirs.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TierSummary {
    #[serde(skip)]
    pub name: String,
    pub kind: String,
    pub requests: RequestCounts,
    pub latency_ms: LatencySummary,
    pub cost_usd: CostSummary,
    pub commitments: CommitmentSummary,
    pub instances: InstanceSummary,
    pub utilization: UtilizationSummary,
    pub queueing: QueueingSummary,
    /// The function's own measures, for a `lambda` tier only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lambda: Option<LambdaSummary>,
    /// The database's own measures, for an `rds` tier only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rds: Option<RdsSummary>,
    /// The container instances its tasks ran on, for an `ecs_ec2` tier only (whose
    /// `instances` are its tasks, and `instances.instance_hours` these instances').
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_instances: Option<ClusterSummary>,
    /// The tier's deployments, which the run lists in `Summary::deployments`.
    #[serde(skip)]
    pub deployments: Vec<DeploymentSummary>,
    /// The SQS queue of a `worker` tier only (whose `requests` are the messages
    /// `sqsd` posted to the application, retries included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueSummary>,
    /// The jobs of a `batch` tier only (whose `requests` are its jobs: `arrived`
    /// submitted, `completed` succeeded, `failed` failed for good, and whose latency
    /// is a job's time from submission to success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSummary>,
    /// The cluster of an `emr` tier only (whose containers are its `batch` jobs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emr: Option<EmrSummary>,
}

/// What a `batch` tier's jobs did (aws-facts.md 18). Every job submitted succeeded,
/// failed, or was still queued or running at the end.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct BatchSummary {
    pub jobs_submitted: u64,
    pub jobs_succeeded: u64,
    pub jobs_failed: u64,
    /// Attempts after a job's first (each retry moves it back to RUNNABLE).
    pub jobs_retried: u64,
    pub queued_at_end: u64,
    pub running_at_end: u64,
    /// Attempts cut off by a spot interruption.
    pub attempts_interrupted: u64,
    /// vCPU-hours of attempts' work not saved by a checkpoint when their instance was
    /// reclaimed (restart time included).
    pub work_lost_vcpu_hours: f64,
    /// From the first submission to the last job's end (success or failure); `null`
    /// while jobs were unfinished at the end of the run.
    pub makespan_s: Option<f64>,
    /// Jobs with a deadline that did not succeed by it (unfinished ones included).
    pub deadline_misses: u64,
    /// The share of jobs with a deadline that succeeded by it, in percent (`null`
    /// without deadlines).
    pub deadline_met_percent: Option<f64>,
    /// The tier's bill over its succeeded jobs (`null` with none).
    pub cost_per_job_usd: Option<f64>,
    /// Mean time a job waited RUNNABLE before its first attempt started.
    pub mean_queue_wait_s: f64,
    /// The most vCPUs of instances at once, and the instance-hours of them all.
    pub peak_vcpus: u32,
    pub instances_launched: u64,
    /// Each compute environment's share, in the order written, when the tier has
    /// several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentSummary>,
}

/// What one of a `batch` tier's compute environments ran (`batch.environments` of
/// `summary.json`, when the tier has several).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct EnvironmentSummary {
    pub name: String,
    /// `EC2`, `SPOT`, `FARGATE` or `FARGATE_SPOT`.
    #[serde(rename = "type")]
    pub compute_type: String,
    /// Job attempts started on its instances (or tasks).
    pub attempts_started: u64,
    /// Instances (or Fargate tasks) launched.
    pub launched: u64,
    /// The most vCPUs of its instances (or tasks) at once.
    pub peak_vcpus: u32,
}

/// What an `emr` tier's cluster did (aws-facts.md 19): its nodes, those EC2
/// reclaimed, the HDFS output lost with core nodes, and its steps (an array of
/// containers, or one arrival). Every step submitted completed, failed, or was
/// unfinished at the end.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct EmrSummary {
    /// Nodes requested: the groups' counts (or the fleets' instances) and the
    /// replacements.
    pub nodes_launched: u64,
    pub core_nodes_lost: u64,
    pub task_nodes_lost: u64,
    /// True when EC2 reclaimed the (spot) primary node, which ended the cluster.
    pub primary_lost: bool,
    /// `dfs.replication`.
    pub hdfs_replication: u32,
    /// Finished containers run again because their output's every HDFS replica was
    /// on lost core nodes, and the vCPU-hours of work that took.
    pub containers_rerun_hdfs: u64,
    pub hdfs_work_lost_vcpu_hours: f64,
    /// Reruns for HDFS that failed for good (their steps failed).
    pub reruns_failed: u64,
    pub steps_submitted: u64,
    pub steps_completed: u64,
    /// Steps with a container that failed for good.
    pub steps_failed: u64,
    pub steps_unfinished: u64,
    /// When and why the cluster ended: `idle_timeout`, `terminate_at`,
    /// `primary_lost` or `end_of_run` (`null` and empty if it was never requested).
    pub ended_at_s: Option<f64>,
    pub ended_by: String,
    /// With instance fleets, each fleet, primary first (absent with instance groups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fleets: Vec<FleetSummary>,
}

/// An EMR instance fleet's targets and what its provisioning gave (aws-facts.md
/// 19.4): the units of each market live when both targets were first met (each at
/// least its target, over it by less than the largest weight), or at the end of
/// the run if they never were, and the instances launched of each type,
/// replacements included.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct FleetSummary {
    /// `primary`, `core` or `task`.
    pub role: String,
    pub target_on_demand_units: u32,
    pub target_spot_units: u32,
    pub on_demand_units: u32,
    pub spot_units: u32,
    /// When both targets were first met (`null`: never).
    pub provisioned_at_s: Option<f64>,
    /// The spot provisioning timeout's action if it fired (`SWITCH_TO_ON_DEMAND` or
    /// `TERMINATE_CLUSTER`), else empty; and the spot units it switched to on-demand.
    pub timeout_action_fired: String,
    pub spot_units_as_on_demand: u32,
    /// Instances launched, by type.
    pub instances: std::collections::BTreeMap<String, FleetTypeCount>,
    /// Spot nodes EC2 reclaimed, whose units EMR replaced (19.3).
    pub nodes_reclaimed: u64,
}

/// Instances of one type launched in a fleet, by market.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct FleetTypeCount {
    pub on_demand: u64,
    pub spot: u64,
}

/// A `batch` tier's columns at the end of its timeline rows (`timeline-<tier>.csv`, or
/// `timeline.csv` for an entry batch tier), after the columns every tier has.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct JobColumns {
    /// Jobs RUNNABLE (waiting for capacity) and RUNNING at the end of the interval.
    pub jobs_queued: u64,
    pub jobs_running: u64,
    /// vCPUs the queued jobs need, the running jobs hold, and the instances have.
    pub vcpus_queued: u64,
    pub vcpus_running: u64,
    pub vcpus_instances: u64,
    /// Jobs that succeeded and failed for good during the interval.
    pub jobs_succeeded: u64,
    pub jobs_failed: u64,
}

/// What a `worker` tier's SQS queue did (aws-facts.md 5, 12). Every message sent is
/// processed, dead-lettered, expired, or still visible or in flight at the end.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct QueueSummary {
    pub sent: u64,
    /// Messages processed successfully and deleted (each once).
    pub processed: u64,
    /// Receives of a message after its first.
    pub retried: u64,
    /// Moved to the dead-letter queue after `max_retries` receives.
    pub dead_lettered: u64,
    /// Deleted by the retention period, never processed: lost.
    pub expired: u64,
    /// Successful processing of a message already processed (its visibility timeout
    /// ran out while a first copy was still being processed).
    pub duplicates: u64,
    pub visible_at_end: u64,
    pub in_flight_at_end: u64,
    /// The most messages visible at once.
    pub backlog_peak: u64,
    /// From a message's sending to the receive whose processing deleted it.
    pub time_in_queue_ms: LatencySummary,
    /// Each periodic task's messages sent by the leader, and the times it was due
    /// with no instance InService to send it (aws-facts.md 5); left out without tasks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub periodic_tasks: Vec<PeriodicTaskSummary>,
    pub requests: QueueRequests,
}

/// What one periodic task of a worker tier sent.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PeriodicTaskSummary {
    pub name: String,
    pub sent: u64,
    pub missed: u64,
}

/// The SQS API requests of a queue (aws-facts.md 12.1).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct QueueRequests {
    pub sends: u64,
    pub receives: u64,
    /// Long polls that ended with no message.
    pub empty_receives: u64,
    pub deletes: u64,
    pub visibility_changes: u64,
    /// Requests billed: the API calls with a message times its 64 KB chunks, plus the
    /// empty receives.
    pub billed: u64,
}

/// What an `ecs_ec2` tier's container instances did (aws-facts.md 15.5).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ClusterSummary {
    /// Tasks one instance holds: its vCPU and memory over the task's reservation.
    pub tasks_per_instance: u32,
    pub launched: u64,
    pub terminated: u64,
    /// Instances registered with the cluster (booted, ECS agent up).
    pub peak_registered: u32,
    pub mean_registered: f64,
    /// Instance-hours billed.
    pub instance_hours: f64,
    /// The most tasks waiting at once for room on an instance (`PROVISIONING`).
    pub peak_pending_tasks: u32,
    /// Tasks stopped because the group terminated their instance on scale-in
    /// (without managed termination protection).
    pub tasks_stopped_with_instance: u64,
}

/// What an `rds` tier did: its connections, its CPU and its refusals (issue 13).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RdsSummary {
    /// Connections each DB instance accepts (the engine's formula, or as set).
    pub max_connections: u32,
    /// Connections opened (by the callers' pools, as calls needed them).
    pub connections_opened: u64,
    /// Connection attempts the database refused, having `max_connections` open
    /// ("Too many connections"); each call refused is a 500 to its caller.
    pub refused_connections: u64,
    /// The most connections open at once over every DB instance of the tier.
    pub peak_connections_open: u32,
    /// Time-average of the connections running a call.
    pub mean_connections_in_use: f64,
    /// Calls that waited for a pooled connection (their pool was at `pool_size`, all
    /// in use), and their mean wait over every call that got a connection [ms].
    pub waited_for_connection: u64,
    pub mean_connection_wait_ms: f64,
    /// Time-average of the queries waiting for a vCPU, over every DB instance.
    pub mean_query_queue: f64,
    /// Busy vCPU-time over vCPU-time: of the primary, and of the read replicas.
    pub primary_cpu: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_cpu: Option<f64>,
    /// Queries run, on the primary and on the replicas.
    pub queries_primary: u64,
    pub queries_replicas: u64,
    /// Multi-AZ failovers, and the calls they failed (500s): those on the primary
    /// when it was lost, and those that found no primary until the standby took over.
    pub failovers: u64,
    pub failover_errors: u64,
    /// With RDS Proxy: calls that waited for one of the proxy's database
    /// connections (all borrowed, or a failover under way).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_for_proxy: Option<u64>,
    /// GB of calls that crossed from their caller's zone into the primary's (billed
    /// as `cost_usd.data_transfer`); only when some did.
    #[serde(skip_serializing_if = "is_zero")]
    pub inter_az_gb: f64,
}

/// Data transfer out to the internet over the run (issue 13), in GB of 10^9 bytes.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DataTransferSummary {
    /// Every GB sent to the internet (the `data_transfer` part of the bill prices
    /// these, month by month).
    pub internet_out_gb: f64,
    /// The entry tier's completed responses, at `service.response_bytes` each.
    pub responses_gb: f64,
    /// Objects sent by S3 itself (not through CloudFront, whose GB are its own).
    #[serde(skip_serializing_if = "is_zero")]
    pub s3_gb: f64,
}

/// The entry tier's S3 bucket over the run (issue 13): its requests (means per
/// response times the responses, so not whole) and what it stores.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct S3Summary {
    /// GETs the bucket answered: every object fetched, or CloudFront's misses.
    pub gets: f64,
    pub puts: f64,
    pub stored_gb: f64,
}

/// A CloudFront distribution in front of the bucket over the run (issue 13).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CloudFrontSummary {
    /// Requests the edge answered, and the GB it sent to the clients.
    pub requests: f64,
    pub out_gb: f64,
    pub cache_hit_ratio: f64,
}

/// What a `lambda` tier did: its execution environments and throttles (issue 14).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LambdaSummary {
    /// Invocations that waited for a new environment's init phase.
    pub cold_starts: u64,
    /// `cold_starts` over the invocations (requests that reached an environment).
    pub cold_start_share: f64,
    /// Requests refused with 429 by the function's concurrency (the account limit or
    /// the reserved concurrency) or its scaling rate; counted in `requests.rejected`.
    pub throttles: u64,
    /// Requests refused with 429 by API Gateway's token bucket; also in `rejected`.
    pub api_gateway_throttles: u64,
    /// The most environments busy at once (initialising or invoking).
    pub peak_concurrency: u32,
    /// Time-average of the environments busy.
    pub mean_concurrency: f64,
    /// Billed duration × memory, in GB-seconds (on-demand and provisioned).
    pub gb_seconds: f64,
    /// Environments created (cold starts and provisioned ones).
    pub environments_created: u64,
}

fn tiers_by_name<S: serde::Serializer>(tiers: &[TierSummary], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(tiers.len()))?;
    for tier in tiers {
        map.serialize_entry(&tier.name, tier)?;
    }
    map.end()
}

/// Each request is counted exactly once:
/// `arrived = completed + rejected + timed_out + interrupted + failed + in_flight`.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct RequestCounts {
    pub arrived: u64,
    /// Answered within the load balancer's idle timeout.
    pub completed: u64,
    /// 503: no healthy target, or the chosen instance's queue was full.
    pub rejected: u64,
    /// 504: answered after the idle timeout.
    pub timed_out: u64,
    /// Cut off because their instance stopped (spot interruption, or the
    /// deregistration delay expired while draining: ALB 502).
    pub interrupted: u64,
    /// 500: the application got an error from a database it called (a refused
    /// connection, a failover), or a failing canary (a traffic-splitting deployment's
    /// new version) answered; written only when non-zero, as only runs with an `rds`
    /// tier or a failed canary have them.
    #[serde(skip_serializing_if = "is_zero_count")]
    pub failed: u64,
    /// Still queued or in service when the run ended.
    pub in_flight: u64,
}

/// Latency of completed requests, from arrival at the load balancer to response.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LatencySummary {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SloSummary {
    pub latency_ms: f64,
    pub percentile: f64,
    /// The latency at `percentile` of completed requests is at most `latency_ms`.
    pub met: bool,
    /// Share of finished requests (all but those in flight) answered within
    /// `latency_ms`; errors count as misses.
    pub attainment: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CostSummary {
    pub total: f64,
    pub on_demand: f64,
    pub spot: f64,
    pub reserved: f64,
    pub savings_plan: f64,
    pub load_balancer: f64,
    /// Warm pool: storage of stopped instances and initialisation runs.
    pub warm_pool: f64,
    /// AWS Lambda: requests, duration and provisioned concurrency.
    #[serde(skip_serializing_if = "is_zero")]
    pub lambda: f64,
    /// API Gateway requests.
    #[serde(skip_serializing_if = "is_zero")]
    pub api_gateway: f64,
    /// Fargate tasks on FARGATE, per vCPU- and GB-second.
    #[serde(skip_serializing_if = "is_zero")]
    pub fargate: f64,
    /// Fargate tasks on FARGATE_SPOT.
    #[serde(skip_serializing_if = "is_zero")]
    pub fargate_spot: f64,
    /// ECR storage of task images.
    #[serde(skip_serializing_if = "is_zero")]
    pub ecr: f64,
    /// Amazon RDS: DB instances (primary, standby, replicas) and their storage.
    #[serde(skip_serializing_if = "is_zero")]
    pub rds: f64,
    /// Amazon SQS requests (a worker tier's queue).
    #[serde(skip_serializing_if = "is_zero")]
    pub sqs: f64,
    /// Data transfer: out to the internet (from EC2, Lambda and S3), with AWS's
    /// monthly tiers, and calls crossing between Availability Zones.
    #[serde(skip_serializing_if = "is_zero")]
    pub data_transfer: f64,
    /// Amazon S3: requests and storage.
    #[serde(skip_serializing_if = "is_zero")]
    pub s3: f64,
    /// Amazon CloudFront: data transfer out from the edge and requests.
    #[serde(skip_serializing_if = "is_zero")]
    pub cloudfront: f64,
    /// Dedicated tenancy: the per-Region fee of Dedicated Instances and the
    /// Dedicated Hosts (aws-facts.md 20.1, 20.2).
    #[serde(skip_serializing_if = "is_zero")]
    pub dedicated: f64,
    /// On-Demand Capacity Reservations: the reserved capacity no instance used
    /// (20.4); the used part is the instances' own on-demand usage.
    #[serde(skip_serializing_if = "is_zero")]
    pub capacity_reservation: f64,
    /// Amazon Route 53: the `[dns]` hosted zone and its queries.
    #[serde(skip_serializing_if = "is_zero")]
    pub route53: f64,
    /// Surplus CPU credits of burstable instances in unlimited mode (aws-facts.md
    /// 20.5).
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_credits: f64,
    /// Amazon EMR's charge on top of EC2, per node-second with a one-minute minimum
    /// (aws-facts.md 19.1).
    #[serde(skip_serializing_if = "is_zero")]
    pub emr: f64,
    /// Part of `reserved` paid for reservations no usage matched.
    pub reserved_unused: f64,
    /// What the same instance-seconds would cost all on-demand, with the same load
    /// balancer and warm pool.
    pub all_on_demand: f64,
    /// `all_on_demand - total`.
    pub saving: f64,
}

/// The parts of the bill that came after phase 1 are written only when non-zero
/// (SPEC "Phase 2"), so that a scenario without them keeps its files byte for byte.
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn is_zero_count(x: &u64) -> bool {
    *x == 0
}

impl CostSummary {
    /// The bill of several tiers: each figure summed.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a CostSummary>) -> CostSummary {
        let mut s = CostSummary::default();
        for mut part in parts.into_iter().cloned() {
            for (x, y) in s.figures_mut().into_iter().zip(part.figures_mut()) {
                *x += *y;
            }
        }
        for x in s.figures_mut() {
            *x = round_to(*x, 6);
        }
        s
    }

    /// Every figure. Taken apart field by field, with no `..`: a new field does not
    /// compile until it is listed, so `sum` cannot forget it.
    fn figures_mut(&mut self) -> [&mut f64; 25] {
        let CostSummary {
            total,
            on_demand,
            spot,
            reserved,
            savings_plan,
            load_balancer,
            warm_pool,
            lambda,
            api_gateway,
            fargate,
            fargate_spot,
            ecr,
            rds,
            sqs,
            data_transfer,
            s3,
            cloudfront,
            dedicated,
            capacity_reservation,
            route53,
            cpu_credits,
            emr,
            reserved_unused,
            all_on_demand,
            saving,
        } = self;
        [
            total,
            on_demand,
            spot,
            reserved,
            savings_plan,
            load_balancer,
            warm_pool,
            lambda,
            api_gateway,
            fargate,
            fargate_spot,
            ecr,
            rds,
            sqs,
            data_transfer,
            s3,
            cloudfront,
            dedicated,
            capacity_reservation,
            route53,
            cpu_credits,
            emr,
            reserved_unused,
            all_on_demand,
            saving,
        ]
    }
}

/// How well reservations and the savings plan were used.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CommitmentSummary {
    /// Share of on-demand instance-seconds covered by reservations.
    pub reserved_coverage: f64,
    /// Share of reserved instance-seconds that matched usage.
    pub reserved_utilization: f64,
    /// Share of the savings plan commitment that covered usage.
    pub savings_plan_utilization: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct InstanceSummary {
    pub launched: u64,
    pub launched_spot: u64,
    pub terminated: u64,
    /// Spot instances stopped by Amazon EC2.
    pub spot_interruptions: u64,
    /// Instances that failed (`instance.failures`).
    pub failures: u64,
    /// Instances the group replaced after a health check found them failed.
    pub replaced_unhealthy: u64,
    /// Launch attempts that failed (InsufficientInstanceCapacity, a full spread
    /// placement group, no zone up); only when there were some.
    #[serde(skip_serializing_if = "is_zero_count")]
    pub failed_launches: u64,
    pub launched_from_warm_pool: u64,
    pub rebalance_recommendations: u64,
    pub peak_in_service: u32,
    /// Time-average of the number of instances receiving traffic.
    pub mean_in_service: f64,
    pub min_in_service: u32,
    /// Instance-hours billed (launch to termination).
    pub instance_hours: f64,
    /// Per Availability Zone, in the order of `[network] zones`: only with more
    /// than one zone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneInstances>,
    /// CPU credits, when the group's type is burstable (aws-facts.md 20.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<CreditsSummary>,
}

/// The CPU credits of a burstable group's instances over the run (aws-facts.md
/// 20.5), in credits (1 = 1 vCPU at 100 % for 1 minute).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CreditsSummary {
    /// Credits spent in all: from the balance, launch credits and surplus.
    pub spent: f64,
    /// Surplus credits spent (unlimited mode).
    pub surplus_spent: f64,
    /// Surplus credits billed: not paid down by later earnings before the instance
    /// stopped (or the run ended), or beyond 24 hours of earnings.
    pub surplus_charged: f64,
    /// Instance-seconds throttled to the baseline (standard mode).
    pub throttled_instance_seconds: f64,
}

/// A zone's instances in a run of several zones.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ZoneInstances {
    pub zone: String,
    pub launched: u64,
    /// Active instances of the group in the zone at the end of the run (booting,
    /// registering, in service or unhealthy; not draining).
    pub active_at_end: u32,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct UtilizationSummary {
    /// Busy worker-time over worker-time of instances receiving traffic, in percent.
    pub mean_cpu: f64,
}

/// Queueing statistics, for comparison with queueing theory (`tests/it/validation.rs`).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct QueueingSummary {
    /// Mean time from arrival at the load balancer to the start of service, over every
    /// request whose service started (including those that later time out).
    pub mean_wait_ms: f64,
    /// Share of those requests that waited in an instance's queue (wait > 0): the
    /// probability of waiting, Erlang C for M/M/c.
    pub waited_fraction: f64,
    /// Time-average number of requests on the instances, waiting or in service (the
    /// L of Little's law).
    pub mean_in_system: f64,
}

/// One row of `timeline.csv`: what happened during `[start_s, end_s)`, with instance
/// counts sampled at `end_s`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TimelineRow {
    pub start_s: f64,
    pub end_s: f64,
    pub arrival_rate: f64,
    pub arrivals: u64,
    pub completions: u64,
    pub rejections: u64,
    pub timeouts: u64,
    pub interruptions: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub pending_on_demand: u32,
    pub pending_spot: u32,
    pub in_service_on_demand: u32,
    pub in_service_spot: u32,
    pub draining_on_demand: u32,
    pub draining_spot: u32,
    /// Failed instances the load balancer no longer routes to, awaiting replacement,
    /// and instances out of service with a failed deployment's version.
    pub unhealthy: u32,
    pub desired: u32,
    /// Capacity forecast by predictive scaling for the current hour (0 without).
    pub forecast_capacity: u32,
    /// Stopped instances ready in the warm pool.
    pub warm_pool: u32,
    pub mean_cpu: f64,
    pub spot_price: f64,
    /// Cumulative cost so far, all purchase options together.
    pub cost_usd: f64,
    /// The parts of `cost_usd`, for the cost-by-purchase-option chart: on-demand
    /// instances (after reservation and savings plan coverage), spot instances,
    /// reservation and savings plan fees (settled each clock hour), the warm pool and
    /// the load balancer.
    pub cost_on_demand_usd: f64,
    pub cost_spot_usd: f64,
    pub cost_commitments_usd: f64,
    pub cost_warm_pool_usd: f64,
    pub cost_load_balancer_usd: f64,
    // Issue 17: the columns below came later and stay at the end, so that a reader of
    // the earlier columns by position is not misled.
    /// 500s: requests failed by a database the tier called.
    pub failed: u64,
    /// Fleet events of the interval: instances (tasks) launched and terminated, spot
    /// interruptions (the two-minute warnings), instance failures, and failed
    /// instances replaced after a health check.
    pub launched: u64,
    pub terminated: u64,
    pub spot_interruptions: u64,
    pub failures: u64,
    pub replaced_unhealthy: u64,
    /// The scaling metrics of the last metric period that ended in the interval, as
    /// the policies read them: `ASGAverageCPUUtilization` [%] over the instances past
    /// warm-up, and `ALBRequestCountPerTarget` [requests per target per minute];
    /// empty when the period had no such instances or targets (or no period ended).
    pub metric_cpu: Option<f64>,
    pub metric_request_count_per_target: Option<f64>,
    /// A `batch` tier's jobs, written after the columns above (`JobColumns`); not a
    /// column of any other tier's timeline.
    #[serde(skip)]
    pub jobs: Option<JobColumns>,
    /// A burstable group only (the columns are absent otherwise): the mean CPU
    /// credit balance of the instances alive at the end of the interval, and how
    /// many of them are throttled to their baseline then (aws-facts.md 20.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_balance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttled: Option<u32>,
}

/// One line of the bill (`cost.csv`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CostItem {
    /// `instance`, `task`, `load_balancer_hours`, `load_balancer_lcu`, `ecr_storage`, ...
    pub item: String,
    /// A part of the bill (`BillPart::key`): `on_demand`, `spot`, `fargate`, ...
    pub purchase_option: String,
    pub instance_type: String,
    pub instance_id: Option<u32>,
    pub start_s: f64,
    pub end_s: f64,
    /// Quantity billed: seconds for instances, hours or LCU-hours for the load balancer.
    pub quantity: f64,
    pub unit: String,
    pub unit_price_usd: f64,
    pub cost_usd: f64,
    /// The tier the line bills (SPEC "Phase 2").
    pub tier: String,
}
