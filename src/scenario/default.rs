//! The defaults of the scenario file: every value a key takes when the file leaves it
//! out, each written here once, with its source (an aws-facts.md section) where AWS
//! documents one. `resolve` reads them; nothing else spells a default.
//!
//! Some defaults depend on other values and stay in `resolve`, said there: a spike's
//! `ramp_down` is its `ramp`, `autoscaling.max` is the larger of `min` and `desired`,
//! `desired` is `min`, `spot_pools` is the instance type, `datapoints_to_alarm` is
//! `evaluation_periods`, a reservation's prices and a savings plan's discount come
//! from `catalog::reservation_discount`, an `ec2_instance` plan's family is the
//! instance type's, and a warm pool's size is `max - desired` (in the model).

use super::raw::RawVia;
use crate::engine::SimDuration;
use crate::model::{
    AdjustmentType, ApiKind, DbEngine, DurationDist, EnvironmentType, HealthCheckType, Monitoring,
    OfferingClass, Payment, Placement, PredictiveMode, Routing, ScalingMetric, SpotAllocation,
    Term, TerminationPolicy,
};
use crate::model::{BatchSizeType, DeploymentHealth, DeploymentPolicy};

pub(crate) const SEED: u64 = 1;
pub(crate) const SLO_LATENCY: SimDuration = SimDuration::from_millis(300);
pub(crate) const SLO_PERCENTILE: f64 = 99.0;
pub(crate) const REPORT_INTERVAL: SimDuration = SimDuration::from_secs(60);

// [tiers.*]
/// The single-tier form is one tier of this name and of kind `ec2`; among several
/// tiers, the one of this name is the entry tier unless another says `entry = true`
/// (SPEC "Phase 2").
pub(crate) const TIER_NAME: &str = "web";
/// A `[[tiers.<name>.calls]]` entry makes one call per request unless it gives `count`.
pub(crate) const CALL_COUNT: u32 = 1;

/// A `[[tiers.<name>.sends]]` entry sends a message with every completed request
/// unless it gives `probability`.
pub(crate) const SEND_PROBABILITY: f64 = 1.0;

// [tiers.<name>.sqsd] (a `worker` tier): Elastic Beanstalk's `aws:elasticbeanstalk:sqsd`
// options (aws-facts.md 5). Their defaults are also the table of the EB developer
// guide's `command-options-general.md` (namespace `aws:elasticbeanstalk:sqsd`:
// HttpConnections 50, VisibilityTimeout 300, ErrorVisibilityTimeout 2,
// InactivityTimeout 299, MaxRetries 10, RetentionPeriod 345600), which settles the 180 s
// some pages give for InactivityTimeout.
pub(crate) const SQSD_HTTP_CONNECTIONS: u32 = 50;
pub(crate) const SQSD_VISIBILITY_TIMEOUT: SimDuration = SimDuration::from_secs(300);
pub(crate) const SQSD_ERROR_VISIBILITY_TIMEOUT: SimDuration = SimDuration::from_secs(2);
pub(crate) const SQSD_INACTIVITY_TIMEOUT: SimDuration = SimDuration::from_secs(299);
pub(crate) const SQSD_MAX_RETRIES: u32 = 10;
/// 345,600 s (aws-facts.md 5, 12.2).
pub(crate) const SQSD_RETENTION_PERIOD: SimDuration = SimDuration::from_secs(4 * 86_400);
/// A choice: a job message that names its work (an S3 key and options) is well
/// under 1 KB; SQS bills each 64 KB (12.1).
pub(crate) const SQS_MESSAGE_KB: f64 = 1.0;
/// Standard queues, the first 100 billion requests a month (12.1).
pub(crate) const SQS_PRICE_PER_MILLION: f64 = 0.40;
/// Always free, not only in the first 12 months (12.1).
pub(crate) const SQS_FREE_REQUESTS_PER_MONTH: f64 = 1e6;

// [tiers.<name>.compute] and its jobs (a `batch` tier, aws-facts.md 18)
/// `minvCpus` 0 (18.1, 23): an idle environment scales to nothing.
pub(crate) const BATCH_MIN_VCPUS: u32 = 0;
/// `maxvCpus` has no AWS default (the API requires it); a choice: 256 vCPUs.
pub(crate) const BATCH_MAX_VCPUS: u32 = 256;
/// `type` EC2 (on-demand); BEST_FIT (18.1: "the default").
pub(crate) const BATCH_ALLOCATION: crate::model::BatchAllocation =
    crate::model::BatchAllocation::BestFit;
/// `bidPercentage` 100 % of on-demand (18.1).
pub(crate) const BATCH_BID_PERCENTAGE: u32 = 100;
/// `instance_types = ["optimal"]`: AWS picks from the C, M and R families (18.1;
/// the documentation of `instanceTypes`); here the catalog's c5, m5 and r5 types.
pub(crate) const BATCH_OPTIMAL_TYPES: [&str; 5] =
    ["c5.large", "c5.xlarge", "m5.large", "m5.xlarge", "r5.large"];
/// An assumption: from Batch's decision to the instance taking jobs, two minutes
/// (3.12: "one to two minutes being a reasonable expectation of first
/// availability", plus the ECS agent's registration and Batch's scheduling).
pub(crate) const BATCH_LAUNCH_TIME: SimDuration = SimDuration::from_secs(120);
/// An assumption: 18.1 says idle instances scale down to `minvCpus` and the delay is
/// "not documented (unverified; observed minutes)"; ten minutes.
pub(crate) const BATCH_IDLE_TIMEOUT: SimDuration = SimDuration::from_secs(600);
/// A job's size when its table does not say: 1 vCPU and 2 GB (the smallest EC2 job
/// Batch's console proposes is 1 vCPU, 2 GB).
pub(crate) const JOB_VCPUS: u32 = 1;
pub(crate) const JOB_MEMORY_GB: f64 = 2.0;
/// `attempts` 1 (18.4, 23): no retry unless asked.
pub(crate) const JOB_ATTEMPTS: u32 = 1;
/// A queue's `priority` when not given (18.2 has no default; every queue equal).
pub(crate) const JOB_QUEUE_PRIORITY: u32 = 1;

// [tiers.<name>.emr] and its instance groups (an `emr` tier, aws-facts.md 19)
/// An assumption: from a node's request to its taking YARN containers, eight
/// minutes. AWS documents no figure; a cluster's start (EC2 boot, bootstrap
/// actions, installing and starting Hadoop and YARN) is commonly observed at 5-10
/// minutes, which is longer than an EC2 instance's 1-2 minutes to first
/// availability (3.12). Replacements and resizes take the same.
pub(crate) const EMR_PROVISIONING_TIME: SimDuration = SimDuration::from_secs(480);
/// The auto-termination policy's idle timeout when `terminate = "when_idle"` gives
/// none: one hour, a choice (the API takes 60 s to 7 days,
/// https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html,
/// and has no default).
pub(crate) const EMR_IDLE_TIMEOUT: SimDuration = SimDuration::from_secs(3600);
/// EMR's price per node-hour as a share of the type's on-demand EC2 price (19.1:
/// m5.xlarge $0.048 on $0.192, m5.2xlarge $0.096 on $0.384, r5.xlarge $0.063 on
/// $0.252: 25 %).
pub(crate) const EMR_PRICE_SHARE: f64 = 0.25;
/// An instance group's market when not given: ON_DEMAND (EMR's API default).
pub(crate) const EMR_MARKET_SPOT: bool = false;

// [tiers.<name>.lambda] (a `lambda` tier)
/// A choice: AWS's console default is 128 MB, which few production functions keep.
pub(crate) const LAMBDA_MEMORY_MB: u32 = 512;
/// Not a choice of AWS's: a share of 1 says the work is all CPU (the duration scales
/// fully with the CPU share). `reference_memory_mb` defaults to `memory_mb`, so
/// `service.time` is the function's own duration unless it says otherwise.
pub(crate) const LAMBDA_CPU_BOUND_SHARE: f64 = 1.0;
/// AWS's default timeout for a new function is 3 s (the maximum is 900 s, 6.1).
pub(crate) const LAMBDA_TIMEOUT: SimDuration = SimDuration::from_secs(3);
/// A Node.js or Python cold start without heavy dependencies: 300-600 ms (6.1); the
/// log-normal's cv is a choice.
pub(crate) const LAMBDA_INIT: DurationDist = DurationDist::Lognormal {
    mean: SimDuration::from_millis(400),
    cv: 0.3,
};
/// The one measured figure (14.1): idle environments kept 45-60 minutes; the lower
/// end. Later informal reports say 5-15 minutes: a scenario can say so.
pub(crate) const LAMBDA_IDLE_LIFETIME: SimDuration = SimDuration::from_secs(45 * 60);
/// Concurrent executions per Region (6.1).
pub(crate) const LAMBDA_ACCOUNT_CONCURRENCY: u32 = 1000;

// [tiers.<name>.rds] (an `rds` tier)
/// MySQL is RDS's most used engine; the choice is the scenario's.
pub(crate) const RDS_ENGINE: DbEngine = DbEngine::Mysql;
/// A small general-purpose class (aws-facts.md 16.5); a choice.
pub(crate) const RDS_CLASS: &str = "db.m5.large";
/// SQLAlchemy's `QueuePool` default `pool_size` (the pool of a Flask application):
/// "defaults to 5 ... the pool begins with no connections"
/// (https://docs.sqlalchemy.org/en/20/core/pooling.html).
pub(crate) const RDS_POOL_SIZE: u32 = 5;
pub(crate) const RDS_QUERIES: u32 = 1;
/// A short indexed query: a choice, to be measured for a real application.
pub(crate) const RDS_QUERY_TIME: DurationDist = DurationDist::Exponential {
    mean: SimDuration::from_millis(5),
};
/// The smallest gp3 volume RDS for MySQL and PostgreSQL allocates (unverified; a
/// choice: the price is aws-facts.md 16.4's).
pub(crate) const RDS_STORAGE_GB: u32 = 20;

// [s3] ([tiers.<entry>.s3])
/// Objects come straight from the bucket unless a scenario puts CloudFront in front.
pub(crate) const S3_VIA: RawVia = RawVia::S3;
/// A choice, not an AWS figure: static objects that rarely change are mostly served
/// from the edge; CloudFront reports a distribution's real ratio in its metrics.
pub(crate) const CLOUDFRONT_CACHE_HIT_RATIO: f64 = 0.9;

// [tiers.<name>.api_gateway]
/// REST is API Gateway's original and most used kind (13.1).
pub(crate) const API_KIND: ApiKind = ApiKind::Rest;
/// The account's throttle: 10,000 requests per second, burst 5,000 (13.3).
pub(crate) const API_RATE: f64 = 10_000.0;
pub(crate) const API_BURST: u32 = 5_000;

// [traffic]
/// No base rate: traffic may come from spikes, a diurnal cycle or a trace alone.
pub(crate) const RATE: f64 = 0.0;
pub(crate) const SPIKE_RAMP: SimDuration = SimDuration::from_secs(300);
pub(crate) const SPIKE_HOLD: SimDuration = SimDuration::ZERO;
pub(crate) const DIURNAL_PERIOD: SimDuration = SimDuration::from_secs(86_400);
/// Busiest at 14:00 of simulated time, a common afternoon peak.
pub(crate) const DIURNAL_PEAK_AT: SimDuration = SimDuration::from_secs(14 * 3_600);
pub(crate) const TRACE_INTERVAL: SimDuration = SimDuration::from_secs(60);
pub(crate) const TRACE_COLUMN: &str = "count";
pub(crate) const TRACE_SCALE: f64 = 1.0;

// [service]
/// A log-normal service time of 50 ms mean and cv 1: a typical small web request.
pub(crate) const SERVICE_TIME: DurationDist = DurationDist::Lognormal {
    mean: SimDuration::from_millis(50),
    cv: 1.0,
};
pub(crate) const WORKERS: u32 = 4;
pub(crate) const WORKERS_PER_VCPU: bool = false;
/// Linux's listen backlog (`somaxconn`) was 128 until kernel 5.4.
pub(crate) const QUEUE_LIMIT: u32 = 128;
/// ALB idle timeout (4.6).
pub(crate) const TIMEOUT: SimDuration = SimDuration::from_secs(60);
/// Data transfer out is not metered unless a scenario gives its responses a size: a
/// choice, so that scenarios written before it was modelled keep their bills.
pub(crate) const RESPONSE_BYTES: u64 = 0;

// [instance]
pub(crate) const INSTANCE_TYPE: &str = "m5.large";
/// Memory of a type outside the catalog: only shown, never used by the model.
pub(crate) const MEMORY_GIB: f64 = 0.0;
/// Launch to InService: ~45–90 s plus application bootstrap (3.12).
pub(crate) const BOOT_TIME: DurationDist = DurationDist::Uniform {
    min: SimDuration::from_secs(60),
    max: SimDuration::from_secs(120),
};
/// `credit_specification` of a burstable type: `unlimited` for T3, T3a and T4g,
/// `standard` for T2 (aws-facts.md 20.5).
pub(crate) fn credit_specification_unlimited(type_name: &str) -> bool {
    super::burstable::unlimited_by_default(type_name)
}
/// A choice: T3/T3a/T4g launch with no credits (20.5), and so do the instances in
/// service at t = 0 unless the scenario says they have been running.
pub(crate) const INITIAL_CREDITS: f64 = 0.0;

// [load_balancer]
/// Round robin, the ALB default (4.1).
pub(crate) const ALGORITHM: Routing = Routing::RoundRobin;
/// ALB target-group health check defaults (4.4).
pub(crate) const HC_INTERVAL: SimDuration = SimDuration::from_secs(30);
pub(crate) const HC_TIMEOUT: SimDuration = SimDuration::from_secs(5);
pub(crate) const HC_HEALTHY: u32 = 5;
pub(crate) const HC_UNHEALTHY: u32 = 2;
/// Deregistration delay (4.2).
pub(crate) const DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(300);
/// Slow start is off by default (4.3).
pub(crate) const SLOW_START: SimDuration = SimDuration::ZERO;
/// ALB prices, us-east-1 (4.7).
pub(crate) const LB_PRICE_PER_HOUR: f64 = 0.0225;
pub(crate) const LB_PRICE_PER_LCU_HOUR: f64 = 0.008;
/// An assumption, not an AWS figure: a small HTML or JSON response with headers.
pub(crate) const REQUEST_BYTES: u64 = 8_192;
pub(crate) const REQUESTS_PER_CONNECTION: f64 = 1.0;
/// Assumptions, not AWS figures: a call to another tier sends a small query (1 KiB)
/// and gets back a few rows (4 KiB). They matter only when the call crosses zones
/// (aws-facts.md 17.3).
pub(crate) const CALL_REQUEST_BYTES: u64 = 1_024;
pub(crate) const CALL_RESPONSE_BYTES: u64 = 4_096;

// [autoscaling]
pub(crate) const MIN: u32 = 1;
/// DefaultInstanceWarmup is unset by default and falls back to the default
/// cooldown of 300 s (3.5).
pub(crate) const WARMUP: SimDuration = SimDuration::from_secs(300);
/// Basic (300 s) by default, as AWS does for instances launched from a launch
/// template unless detailed monitoring is enabled (3.11), even though AWS "strongly
/// recommend[s]" 1-minute data for scaling: a scenario that wants it says
/// `monitoring = "detailed"`.
pub(crate) const MONITORING: Monitoring = Monitoring::Basic;
/// How long after its period a datapoint can be read. CloudWatch publishes EC2
/// metrics within minutes, but AWS documents no figure (3.11), so the default is none;
/// set it to see what the delay costs.
pub(crate) const METRIC_DELAY: SimDuration = SimDuration::ZERO;
/// The default termination policy (3.6).
pub(crate) const TERMINATION_POLICY: TerminationPolicy = TerminationPolicy::Default;
/// EC2 status checks are the default health check type; the grace period defaults
/// to the API's 0 s (the console's is 300 s) (3.5, 3.7).
pub(crate) const HEALTH_CHECK_TYPE: HealthCheckType = HealthCheckType::Ec2;
pub(crate) const HEALTH_CHECK_GRACE_PERIOD: SimDuration = SimDuration::ZERO;
/// Scale-in protection of new instances is off unless a scenario asks for it (what
/// protection does: 3.6).
pub(crate) const NEW_INSTANCES_PROTECTED: bool = false;
/// A stopped warm-pool instance starts in 10-30 s (an assumption: AWS documents
/// only that it is faster than a launch, aws-facts.md 3.8) and pays for its EBS
/// volume: 8 GiB of gp3 at $0.08 per GB-month is $0.64 a month, $0.000877 an hour
/// (AWS's EBS price page; not in aws-facts.md).
pub(crate) const WARM_START_TIME: DurationDist = DurationDist::Uniform {
    min: SimDuration::from_secs(10),
    max: SimDuration::from_secs(30),
};
pub(crate) const WARM_STORAGE_PRICE: f64 = 0.000877;

// [[autoscaling.policy]]
pub(crate) const METRIC: ScalingMetric = ScalingMetric::Cpu;
pub(crate) const DISABLE_SCALE_IN: bool = false;
/// AWS makes step and simple policies name an adjustment type (3.4); a change in
/// capacity, the plainest, is assumed here, with one evaluation period.
pub(crate) const ADJUSTMENT_TYPE: AdjustmentType = AdjustmentType::ChangeInCapacity;
pub(crate) const EVALUATION_PERIODS: u32 = 1;
/// Default cooldown of simple scaling (3.5).
pub(crate) const COOLDOWN: SimDuration = SimDuration::from_secs(300);
/// Predictive scaling starts in forecast-only mode, with no scheduling buffer (3.9).
pub(crate) const PREDICTIVE_MODE: PredictiveMode = PredictiveMode::ForecastOnly;
pub(crate) const SCHEDULING_BUFFER: SimDuration = SimDuration::ZERO;

// [tiers.<name>] kind = "beanstalk": what Elastic Beanstalk sets where the tier's
// tables leave a key out (aws-facts.md 11.1, 11.3). Given keys override them.
/// `EnvironmentType` (`aws:elasticbeanstalk:environment`).
pub(crate) const EB_ENVIRONMENT_TYPE: EnvironmentType = EnvironmentType::LoadBalanced;
/// `MinSize` and `MaxSize` (`aws:autoscaling:asg`); max is raised to a larger given
/// min or desired.
pub(crate) const EB_MIN: u32 = 1;
pub(crate) const EB_MAX: u32 = 4;
/// `Cooldown` (`aws:autoscaling:asg`), the cooldown of the trigger's simple policies.
pub(crate) const EB_COOLDOWN: SimDuration = SimDuration::from_secs(360);
/// The default trigger (`aws:autoscaling:trigger`): `NetworkOut`, `Average`, `Bytes`,
/// `Period` 5 min with `EvaluationPeriods` 1 (`BreachDuration` 5 min, EC2 basic
/// monitoring's period), +1 instance above 6,000,000 bytes and -1 below 2,000,000.
pub(crate) const EB_METRIC: ScalingMetric = ScalingMetric::NetworkOut;
pub(crate) const EB_EVALUATION_PERIODS: u32 = 1;
pub(crate) const EB_UPPER_THRESHOLD: f64 = 6_000_000.0;
pub(crate) const EB_UPPER_INCREMENT: f64 = 1.0;
pub(crate) const EB_LOWER_THRESHOLD: f64 = 2_000_000.0;
pub(crate) const EB_LOWER_INCREMENT: f64 = -1.0;
/// The environment's process (`aws:elasticbeanstalk:environment:process:default`):
/// health checks every 15 s, timeout 5 s, 3 to be healthy, 5 to be unhealthy, and a
/// 20 s deregistration delay.
pub(crate) const EB_HC_INTERVAL: SimDuration = SimDuration::from_secs(15);
pub(crate) const EB_HC_TIMEOUT: SimDuration = SimDuration::from_secs(5);
pub(crate) const EB_HC_HEALTHY: u32 = 3;
pub(crate) const EB_HC_UNHEALTHY: u32 = 5;
pub(crate) const EB_DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(20);

// [purchase]
/// Mixed instances policy: base 0 and 100 % on-demand above it, the API defaults;
/// `price-capacity-optimized`, the allocation AWS recommends; 2 pools for
/// `lowest-price` (2.5, 2.4).
pub(crate) const ON_DEMAND_BASE: u32 = 0;
pub(crate) const ON_DEMAND_PERCENT: u32 = 100;
pub(crate) const SPOT_ALLOCATION: SpotAllocation = SpotAllocation::PriceCapacityOptimized;
pub(crate) const SPOT_INSTANCE_POOLS: u32 = 2;
/// An assumption, not an AWS default (AWS makes buyers choose, 1.3): the smallest
/// commitment, a standard one-year reservation (or plan) with no upfront payment.
pub(crate) const TERM: Term = Term::OneYear;
pub(crate) const PAYMENT: Payment = Payment::NoUpfront;
pub(crate) const OFFERING_CLASS: OfferingClass = OfferingClass::Standard;
/// Dedicated Instances (aws-facts.md 20.2): "a dedicated per region fee of $2 per
/// hour" while at least one dedicated instance runs in the Region, and a per-instance
/// rate above shared tenancy, about 5-10 % for current families (unverified); simcloud
/// takes 10 %, the uplift 20.1 derives for an M5 host (48 × $0.1056 against 48 ×
/// $0.096).
pub(crate) const DEDICATED_UPLIFT: f64 = 0.10;
pub(crate) const DEDICATED_REGION_FEE_PER_HOUR: f64 = 2.0;
/// Scheduled Reserved Instances had a one-year term (aws-facts.md 20.3). Their price
/// is not in the facts: simcloud takes a standard one-year reservation's hourly rate
/// with no upfront payment (1.3), an assumption; a scenario may give `hourly_usd`.
pub(crate) const SCHEDULED_TERM: Term = Term::OneYear;

// [tiers.<name>.task] of a fargate tier
/// 1 vCPU and 2 GB, the smallest memory of that size (15.1): an assumption, as is
/// every default of the task (AWS makes the task definition choose).
pub(crate) const FARGATE_CPU: f64 = 1.0;
pub(crate) const FARGATE_MEMORY_GB: f64 = 2.0;
/// A typical web application image; every task pulls it whole (15.3).
pub(crate) const FARGATE_IMAGE_MB: f64 = 250.0;
/// The low end of the 50-100 MB/s pull throughput aws-facts gives (15.3), which the
/// measured 2.7 GB image ready in 55 s also bounds from below.
pub(crate) const FARGATE_PULL_MB_PER_S: f64 = 50.0;
/// Capacity and ENI provisioning, "10-20 s" (15.3).
pub(crate) const FARGATE_PROVISIONING: DurationDist = DurationDist::Uniform {
    min: SimDuration::from_secs(10),
    max: SimDuration::from_secs(20),
};
/// The application's own start once the image is pulled (an assumption).
pub(crate) const FARGATE_CONTAINER_START: SimDuration = SimDuration::from_secs(5);
/// FARGATE_SPOT at about a third of FARGATE's price: $0.01334 against $0.04048 per
/// vCPU-hour and $0.00146 against $0.00445 per GB-hour, 67 % off (15.2).
pub(crate) const FARGATE_SPOT_DISCOUNT: f64 = 0.67;

// [tiers.<name>.cluster] of an ecs_ec2 tier (aws-facts.md 15.5)
/// `targetCapacity`: ECS's default, every instance used.
pub(crate) const ECS_TARGET_CAPACITY: f64 = 100.0;
/// `instanceWarmupPeriod`'s default.
pub(crate) const ECS_INSTANCE_WARMUP: SimDuration = SimDuration::from_secs(300);
/// `minimumScalingStepSize` and `maximumScalingStepSize`'s defaults.
pub(crate) const ECS_MIN_STEP: u32 = 1;
pub(crate) const ECS_MAX_STEP: u32 = 10_000;
/// Managed termination protection is off by default in the console (15.5).
pub(crate) const ECS_TERMINATION_PROTECTION: bool = false;
/// An ECS service's default strategy is `spread` over Availability Zones (15.6); in
/// one zone, `spread` over instances is its nearest meaning.
pub(crate) const ECS_PLACEMENT: Placement = Placement::Spread;

// [spot]
/// Spot at 62 % off on-demand, inside the observed 55–70 % (2.1).
pub(crate) const SPOT_DISCOUNT: f64 = 0.62;
/// The all-Region average interruption band "has historically been <5%" (2.3).
pub(crate) const SPOT_BAND: &str = "<5%";
/// No correlated reclaims unless a scenario asks for them.
pub(crate) const CAPACITY_EVENTS_PER_DAY: f64 = 0.0;
pub(crate) const CAPACITY_EVENTS_SHARE: f64 = 0.0;
/// The two-minute interruption notice (2.2).
pub(crate) const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);
/// The rebalance recommendation "can arrive sooner than the two-minute notice" or
/// with it (2.2): here half the time, up to 30 minutes earlier (2.3's model).
pub(crate) const REBALANCE_PROBABILITY: f64 = 0.5;
pub(crate) const REBALANCE_LEAD_MAX: SimDuration = SimDuration::from_secs(1800);
/// Capacity Rebalancing is off unless enabled on the group (2.6).
pub(crate) const CAPACITY_REBALANCE: bool = false;

// Deployments (aws-facts.md 5: `aws:elasticbeanstalk:command`).
/// `DeploymentPolicy` default `AllAtOnce`.
pub(crate) const DEPLOYMENT_POLICY: DeploymentPolicy = DeploymentPolicy::AllAtOnce;
/// `BatchSizeType` default `Percentage`, `BatchSize` default 100.
pub(crate) const BATCH_SIZE_TYPE: BatchSizeType = BatchSizeType::Percentage;
pub(crate) const BATCH_SIZE: u32 = 100;
/// Enhanced health, which the console sets (the API's default is basic,
/// aws-facts.md 11.3) and which immutable deployments require (11.5).
pub(crate) const DEPLOYMENT_HEALTH: DeploymentHealth = DeploymentHealth::Enhanced;
/// `NewVersionPercent` default 10 (1-100) and `EvaluationTime` default 5 minutes
/// (3-600 minutes), `aws:elasticbeanstalk:trafficsplitting` (aws-facts.md 5).
pub(crate) const NEW_VERSION_PERCENT: u32 = 10;
pub(crate) const EVALUATION_TIME: SimDuration = SimDuration::from_secs(300);
/// `Timeout` default 600 s (1-3600); Elastic Beanstalk adds 240 s to it, 840 s in
/// effect (aws-facts.md 5, 11.4).
pub(crate) const DEPLOYMENT_TIMEOUT: SimDuration = SimDuration::from_secs(600);

// DNS (aws-facts.md 11.6).
/// The TTL of the Elastic Beanstalk CNAME is not documented; 60 s, the fixed TTL of
/// alias records to ELB names, as aws-facts.md 11.6 and 23 advise.
pub(crate) const DNS_TTL: SimDuration = SimDuration::from_secs(60);
/// No client ignores the TTL unless a scenario says so: the sources say some
/// resolvers do (11.6) but give no share.
pub(crate) const TTL_IGNORING_SHARE: f64 = 0.0;
/// How long a TTL-ignoring client keeps an old answer, on average: an assumption
/// (no source found gives the tail), one hour.
pub(crate) const TTL_IGNORING_HOLD: SimDuration = SimDuration::HOUR;
/// The caching resolvers the clients reach Route 53 through: an assumption (a
/// scenario with a known audience should set it).
pub(crate) const DNS_RESOLVERS: u32 = 1000;
