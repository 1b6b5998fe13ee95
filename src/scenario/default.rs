//! Defaults of the scenario file, each written once, with its source in aws-facts.md
//! where AWS documents one.

use crate::engine::SimDuration;
pub(crate) const SEED: u64 = 1;
pub(crate) const SPIKE_RAMP: SimDuration = SimDuration::from_secs(300);
pub(crate) const DIURNAL_PERIOD: SimDuration = SimDuration::from_secs(86_400);
/// Busiest at 14:00 of simulated time, a common afternoon peak.
pub(crate) const DIURNAL_PEAK_AT: SimDuration = SimDuration::from_secs(14 * 3_600);
pub(crate) const TRACE_INTERVAL: SimDuration = SimDuration::from_secs(60);
pub(crate) const SERVICE_MEAN: SimDuration = SimDuration::from_millis(50);
pub(crate) const WORKERS: u32 = 4;
/// Linux's listen backlog (`somaxconn`) was 128 until kernel 5.4.
pub(crate) const QUEUE_LIMIT: u32 = 128;
/// ALB idle timeout (4.6).
pub(crate) const TIMEOUT: SimDuration = SimDuration::from_secs(60);
pub(crate) const INSTANCE_TYPE: &str = "m5.large";
/// Launch to InService: ~45–90 s plus application bootstrap (3.12).
pub(crate) const BOOT_MIN: SimDuration = SimDuration::from_secs(60);
pub(crate) const BOOT_MAX: SimDuration = SimDuration::from_secs(120);
/// ALB target-group health check defaults (4.4).
pub(crate) const HC_INTERVAL: SimDuration = SimDuration::from_secs(30);
pub(crate) const HC_TIMEOUT: SimDuration = SimDuration::from_secs(5);
pub(crate) const HC_HEALTHY: u32 = 5;
pub(crate) const HC_UNHEALTHY: u32 = 2;
/// Deregistration delay (4.2).
pub(crate) const DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(300);
/// ALB prices, us-east-1 (4.7).
pub(crate) const LB_PRICE_PER_HOUR: f64 = 0.0225;
pub(crate) const LB_PRICE_PER_LCU_HOUR: f64 = 0.008;
/// An assumption, not an AWS figure: a small HTML or JSON response with headers.
pub(crate) const REQUEST_BYTES: u64 = 8_192;
pub(crate) const REQUESTS_PER_CONNECTION: f64 = 1.0;
pub(crate) const MIN: u32 = 1;
/// DefaultInstanceWarmup is unset by default and falls back to the default
/// cooldown of 300 s (3.5).
pub(crate) const WARMUP: SimDuration = SimDuration::from_secs(300);
/// Mixed instances policy: base 0 and 100 % on-demand above it, the API defaults;
/// `price-capacity-optimized`, the allocation AWS recommends; 2 pools for
/// `lowest-price` (2.5, 2.4).
pub(crate) const ON_DEMAND_BASE: u32 = 0;
pub(crate) const ON_DEMAND_PERCENT: u32 = 100;
pub(crate) const SPOT_INSTANCE_POOLS: u32 = 2;
/// Spot at 62 % off on-demand, inside the observed 55–70 % (2.1).
pub(crate) const SPOT_DISCOUNT: f64 = 0.62;
/// The all-Region average interruption band "has historically been <5%" (2.3).
pub(crate) const SPOT_BAND: &str = "<5%";
/// The two-minute interruption notice (2.2).
pub(crate) const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);
/// The rebalance recommendation "can arrive sooner than the two-minute notice" or
/// with it (2.2): here half the time, up to 30 minutes earlier (2.3's model).
pub(crate) const REBALANCE_PROBABILITY: f64 = 0.5;
pub(crate) const REBALANCE_LEAD_MAX: SimDuration = SimDuration::from_secs(1800);
/// A stopped warm-pool instance starts in 10-30 s (an assumption: AWS documents
/// only that it is faster than a launch, aws-facts.md 3.8) and pays for its EBS
/// volume: 8 GiB of gp3 at $0.08 per GB-month is $0.64 a month, $0.000877 an hour
/// (AWS's EBS price page; not in aws-facts.md).
pub(crate) const WARM_START_MIN: SimDuration = SimDuration::from_secs(10);
pub(crate) const WARM_START_MAX: SimDuration = SimDuration::from_secs(30);
pub(crate) const WARM_STORAGE_PRICE: f64 = 0.000877;
/// Default cooldown of simple scaling (aws-facts.md 3.5).
pub(crate) const COOLDOWN: SimDuration = SimDuration::from_secs(300);
/// How long after its period a datapoint can be read. CloudWatch publishes EC2
/// metrics within minutes, but AWS documents no figure (aws-facts.md 3.11), so the
/// default is none; set it to see what the delay costs.
pub(crate) const METRIC_DELAY: SimDuration = SimDuration::ZERO;
pub(crate) const SLO_LATENCY: SimDuration = SimDuration::from_millis(300);
pub(crate) const SLO_PERCENTILE: f64 = 99.0;
pub(crate) const REPORT_INTERVAL: SimDuration = SimDuration::from_secs(60);
