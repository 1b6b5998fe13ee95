//! The bill: EC2 instances per second with a 60 s minimum, spot at the price in effect,
//! reserved instances and savings plans settled per clock hour, and the load balancer.
//!
//! - EC2 (aws-facts.md 1.1): "You pay only for the seconds that your On-Demand
//!   Instances are in the running state, with a 60-second minimum." Auto Scaling bills
//!   "as soon as they are launched, including the time that they are not yet in
//!   service", so an instance is billed from launch to termination. Seconds are counted
//!   whole, rounding a partial second up.
//! - Spot (2.2): per second at the spot price in effect, same minimum; an instance that
//!   Amazon EC2 interrupts within its first hour is not charged at all.
//! - Reserved instances (1.3): each is paid every clock hour whether used or not and
//!   covers up to 3,600 instance-seconds of on-demand usage of its type in that hour.
//! - Savings plans (1.4): applied after reservations, usage with the highest savings
//!   percentage first (ties: the lowest plan rate first), until usage or the hourly
//!   commitment runs out; the rest is on-demand; the commitment is paid in full.
//! - ALB (4.7): per hour and per LCU-hour (`alb`); none for a worker tier.
//! - SQS (12.1): per million requests (`sqs`), for a worker tier's queue.
//! - EMR (19.1): a price per node-second on top of EC2, with a one-minute minimum,
//!   whatever the node's EC2 purchase (`emr`), for an `emr` tier's nodes.
//! - Fargate (6.2, 15.7): a `fargate` tier's tasks are its instances, priced per
//!   second on their vCPU and GB with the same 1-minute minimum; FARGATE_SPOT tasks
//!   are its spot instances, at the spot price in effect but with no first-hour
//!   refund (that is an EC2 rule). They are the `fargate` and `fargate_spot` parts of
//!   the bill, and the task image's ECR storage is the `ecr` part, prorated from
//!   $0.10 per GB-month over a 730-hour month. Fargate bills from the image pull on,
//!   not the few seconds of provisioning before it; simcloud bills the task from its
//!   launch, as it does an instance, which overstates each task by at most those
//!   seconds.
//!
//! Instances are billed at list price in one line item each; reservations and savings
//! plans add hourly fee lines and negative coverage lines (the on-demand value they
//! absorbed), as AWS's cost and usage report does, so the lines always add up to the
//! total. Memory grows with instances and hours, never with requests.
//!
//! The hourly settlement of reservations and savings plans is `commitments`; the
//! hand-computed bills that check the whole ledger (per-second minimums,
//! reservations, savings plans, spot refunds, the warm pool) are kept beside it here,
//! as the house style asks.

pub(super) mod alb;
pub(super) mod cloudfront;
mod commitments;
pub(super) mod data_transfer;
pub(super) mod emr;
pub(super) mod rds;
pub(super) mod route53;
pub(super) mod s3;
pub(super) mod serverless;
pub(super) mod sqs;
mod tenancy;

use super::config::{
    CapacityReservation, LoadBalancerConfig, OfferingClass, Payment, PurchaseConfig, Reservation,
    SavingsPlanKind, Tenancy, TierConfig,
};
use super::instance::{Instance, PurchaseOption};
use super::outcome::{CommitmentSummary, CostItem, CostSummary, TimelineRow, round_to};
use super::spot::SpotMarket;
use super::warm_pool::WarmPool;
use crate::engine::{SECS_PER_HOUR, SimDuration, SimTime};
use alb::{AlbPrices, AlbTargets};
pub(super) use commitments::cover_reserved;
use std::collections::BTreeSet;
pub(super) use tenancy::DEDICATED_REGION_HOUR;

/// ECR private storage per GB-month (aws-facts.md 15.7); pulls in the Region are free.
const ECR_PER_GB_MONTH: f64 = 0.10;

/// The minimum billed per instance start (aws-facts.md 1.1).
pub(super) const MINIMUM_BILLED_SECS: u64 = 60;

/// The month of AWS's price pages (730 hours), over which monthly prices and
/// allowances are prorated to a run.
pub(super) const MONTH: SimDuration = SimDuration::from_secs(730 * 3600);

/// Seconds billed for an instance that ran for `ran`: whole seconds, at least 60.
pub(super) fn billed_seconds(ran: SimDuration) -> u64 {
    billed_seconds_at_least(ran, MINIMUM_BILLED_SECS)
}

/// Seconds billed for `ran` under a per-start minimum: whole seconds, a partial one
/// rounded up.
pub(super) fn billed_seconds_at_least(ran: SimDuration, minimum_secs: u64) -> u64 {
    ran.0.div_ceil(1_000_000_000).max(minimum_secs)
}

/// Cost of `seconds` at an hourly price.
pub(super) fn cost_of_seconds(price_per_hour: f64, seconds: u64) -> f64 {
    price_per_hour * seconds as f64 / SECS_PER_HOUR
}

/// An instance type as the ledger needs it.
#[derive(Clone, Debug)]
pub(super) struct BilledType {
    pub name: String,
    pub on_demand_price: f64,
}

/// Running totals of the bill, by purchase option.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Totals {
    /// On-demand usage at list price, before reservations and savings plans.
    pub on_demand_list: f64,
    pub spot: f64,
    pub reserved_fees: f64,
    pub reserved_unused: f64,
    /// On-demand value absorbed by reservations (subtracted from on-demand).
    pub reserved_coverage: f64,
    pub savings_plan_fees: f64,
    pub savings_plan_coverage: f64,
    /// Every billed instance-second priced on-demand: what the fleet would have cost
    /// without spot, reservations or savings plans.
    pub all_on_demand: f64,
    pub billed_secs: u64,
    pub reserved_capacity_secs: f64,
    pub reserved_covered_secs: f64,
    pub savings_plan_used: f64,
    /// On-demand instance-seconds eligible for reservations.
    pub on_demand_secs: f64,
    /// Surplus CPU credits billed (aws-facts.md 20.5), in USD.
    pub cpu_credits: f64,
}

impl Totals {
    /// What is paid on-demand after discounts.
    pub(super) fn on_demand(&self) -> f64 {
        self.on_demand_list - self.reserved_coverage - self.savings_plan_coverage
    }
}

/// The bill so far, by part, as the timeline shows it: reservation and savings plan
/// fees together as commitments.
pub(super) struct CostSoFar {
    total: f64,
    on_demand: f64,
    spot: f64,
    commitments: f64,
    warm_pool: f64,
    load_balancer: f64,
}

impl CostSoFar {
    /// The closed bill, as the last timeline row carries it.
    pub(super) fn closed(c: &CostSummary) -> Self {
        CostSoFar {
            total: c.total,
            on_demand: c.on_demand,
            spot: c.spot,
            commitments: c.reserved + c.savings_plan,
            warm_pool: c.warm_pool,
            load_balancer: c.load_balancer,
        }
    }

    pub(super) fn write_to(&self, row: &mut TimelineRow) {
        row.cost_usd = round_to(self.total, 6);
        row.cost_on_demand_usd = round_to(self.on_demand, 6);
        row.cost_spot_usd = round_to(self.spot, 6);
        row.cost_commitments_usd = round_to(self.commitments, 6);
        row.cost_warm_pool_usd = round_to(self.warm_pool, 6);
        row.cost_load_balancer_usd = round_to(self.load_balancer, 6);
    }
}

/// The warm pool's prices (aws-facts.md 3.8): stopped instances pay storage, and each
/// initialisation run is billed as the group's instance type.
struct WarmPoolPrices {
    storage_per_hour: f64,
    instance_per_hour: f64,
    type_name: String,
}

pub(super) struct CostLedger {
    items: Vec<CostItem>,
    types: Vec<BilledType>,
    purchase: PurchaseConfig,
    warm_pool: Option<WarmPoolPrices>,
    pub totals: Totals,
    /// On-demand seconds used in the current clock hour, by type index.
    hour_usage: Vec<f64>,
    /// `None` without a load balancer (a single-instance Beanstalk environment, a
    /// worker tier).
    alb: Option<AlbPrices>,
    /// The load balancers of second environments (a blue/green deployment's, aws-facts.md
    /// 5): when each was created and, once it is, deleted. Each is billed its own hours,
    /// a partial hour as a full one (4.7); the traffic's LCUs are the tier's, whichever
    /// load balancer processed them.
    extra_albs: Vec<(SimTime, Option<SimTime>)>,
    /// The tier billed, named on every line.
    tier: String,
    /// The image stored in ECR, in GB, when the tier is a `fargate` tier (whose
    /// instances are tasks).
    fargate_image_gb: Option<f64>,
    /// The instances billed are Fargate tasks (a `fargate` tier's, or a `batch`
    /// tier's on Fargate compute environments).
    tasks: bool,
    /// Clock hours (from the start of the run) in which a dedicated instance ran.
    dedicated_hours: BTreeSet<u64>,
    /// Running intervals (ns) and type index of the on-demand instances a capacity
    /// reservation may match.
    capacity_use: Vec<(u64, u64, usize)>,
    /// The start of the clock hour not yet settled.
    open_hour_start: SimTime,
    /// The price of a surplus CPU credit per vCPU-hour (aws-facts.md 20.5); used
    /// only for burstable instances.
    surplus_price_per_vcpu_hour: f64,
}

impl CostLedger {
    pub(super) fn new(types: Vec<BilledType>, config: &TierConfig) -> Self {
        let warm_pool = config
            .autoscaling
            .warm_pool
            .as_ref()
            .map(|w| WarmPoolPrices {
                storage_per_hour: w.storage_price_per_hour,
                instance_per_hour: config.instance.price_per_hour
                    * dedicated_price_factor(&config.purchase.tenancy),
                type_name: config.instance.type_name.clone(),
            });
        let mut ledger =
            Self::with_prices(types, &config.purchase, &config.load_balancer, warm_pool)
                .for_tier(&config.name);
        if !config.has_load_balancer() {
            ledger.alb = None;
        }
        ledger.fargate_image_gb = config.fargate.as_ref().map(|f| f.image_mb / 1024.0);
        ledger.tasks = config.fargate.is_some();
        ledger.surplus_price_per_vcpu_hour = config
            .instance
            .credits
            .as_ref()
            .map_or(0.0, |c| c.surplus_price_per_vcpu_hour);
        if config.worker.is_some() {
            ledger.alb = None;
        }
        ledger
    }

    /// True when the instances billed are Fargate tasks.
    fn bills_tasks(&self) -> bool {
        self.tasks
    }

    /// The ledger of a tier whose instances are Fargate tasks without an image of its
    /// own in ECR (a `batch` tier's Fargate compute environments: the job's image is
    /// not modelled).
    pub(super) fn billing_tasks(mut self) -> Self {
        self.tasks = true;
        self
    }

    /// The `purchase_option` of a line for `option`, in the tier's words.
    fn option_word(&self, option: PurchaseOption) -> &'static str {
        match (option, self.bills_tasks()) {
            (PurchaseOption::OnDemand, false) => "on_demand",
            (PurchaseOption::Spot, false) => "spot",
            (PurchaseOption::OnDemand, true) => "fargate",
            (PurchaseOption::Spot, true) => "fargate_spot",
        }
    }

    /// ECR storage of the task image over `elapsed`.
    fn ecr_cost(&self, elapsed: SimDuration) -> f64 {
        self.fargate_image_gb.map_or(0.0, |gb| {
            gb * ECR_PER_GB_MONTH * elapsed.as_secs_f64() / MONTH.as_secs_f64()
        })
    }

    fn for_tier(mut self, name: &str) -> Self {
        self.tier = name.to_string();
        self
    }

    fn with_prices(
        types: Vec<BilledType>,
        purchase: &PurchaseConfig,
        lb: &LoadBalancerConfig,
        warm_pool: Option<WarmPoolPrices>,
    ) -> Self {
        // Dedicated Instances are priced above shared tenancy (aws-facts.md 20.2).
        let factor = dedicated_price_factor(&purchase.tenancy);
        let types: Vec<BilledType> = types
            .into_iter()
            .map(|t| BilledType {
                on_demand_price: t.on_demand_price * factor,
                ..t
            })
            .collect();
        CostLedger {
            items: Vec::new(),
            hour_usage: vec![0.0; types.len()],
            types,
            purchase: purchase.clone(),
            warm_pool,
            totals: Totals::default(),
            alb: Some(AlbPrices::new(lb, AlbTargets::Instances)),
            extra_albs: Vec::new(),
            tier: String::new(),
            fargate_image_gb: None,
            tasks: false,
            dedicated_hours: BTreeSet::new(),
            capacity_use: Vec::new(),
            open_hour_start: SimTime::ZERO,
            surplus_price_per_vcpu_hour: 0.0,
        }
    }

    /// Bills an instance that stops at `end` (termination, or the end of the run).
    /// Spot is charged at the prices in effect over its billed seconds, and nothing if
    /// Amazon EC2 interrupted it within its first hour (Fargate Spot has no such
    /// refund).
    pub(super) fn close_instance(
        &mut self,
        instance: &Instance,
        end: SimTime,
        market: &SpotMarket,
    ) {
        let ran = end.since(instance.launched_at);
        let (spot_cost, free) = match instance.pool {
            Some(pool) => (
                market.pools[pool]
                    .cost_between(instance.launched_at, Self::billed_until(instance, end)),
                instance.interrupted && ran < SimDuration::HOUR && !self.bills_tasks(),
            ),
            None => (0.0, false),
        };
        self.close_priced(instance, end, spot_cost, free);
    }

    /// Bills an instance whose spot usage (ignored for on-demand) cost `spot_cost`;
    /// `free` marks a spot instance interrupted by EC2 in its first hour.
    fn close_priced(&mut self, instance: &Instance, end: SimTime, spot_cost: f64, free: bool) {
        if instance.purchase == PurchaseOption::OnDemand && !self.on_hosts() {
            if matches!(self.purchase.tenancy, Tenancy::Dedicated { .. }) {
                self.record_dedicated_hours(instance.launched_at, end);
            }
            self.record_reserved_capacity_use(instance, end);
        }
        let seconds = billed_seconds(end.since(instance.launched_at));
        let billed_type = &self.types[instance.type_index];
        let list = cost_of_seconds(billed_type.on_demand_price, seconds);
        let mut option = self.option_word(instance.purchase);
        let (cost, unit_price) = match instance.purchase {
            PurchaseOption::OnDemand if self.on_hosts() => {
                // The hosts are billed; the instances on them are not (20.1).
                option = "dedicated";
                (0.0, 0.0)
            }
            PurchaseOption::OnDemand => {
                self.totals.on_demand_list += list;
                self.totals.on_demand_secs += seconds as f64;
                // Whatever this hour has not yet seen of the instance counts in it.
                self.hour_usage[instance.type_index] += seconds as f64 - instance.settled_secs;
                (list, billed_type.on_demand_price / SECS_PER_HOUR)
            }
            PurchaseOption::Spot => {
                let cost = if free { 0.0 } else { spot_cost };
                self.totals.spot += cost;
                (cost, cost / seconds as f64)
            }
        };
        self.totals.all_on_demand += list;
        self.totals.billed_secs += seconds;
        self.items.push(CostItem {
            item: if free {
                "instance_interrupted_in_first_hour".into()
            } else if self.on_hosts() {
                "instance_on_dedicated_host".into()
            } else if self.bills_tasks() {
                "task".into()
            } else {
                "instance".into()
            },
            purchase_option: option.into(),
            instance_type: billed_type.name.clone(),
            instance_id: Some(instance.id),
            start_s: instance.launched_at.as_secs_f64(),
            end_s: end.as_secs_f64(),
            quantity: seconds as f64,
            unit: "second".into(),
            unit_price_usd: unit_price,
            cost_usd: cost,
            tier: self.tier.clone(),
        });
        self.bill_surplus_credits(instance, end);
    }

    /// A burstable instance in unlimited mode stops at `end`: its surplus credits
    /// billed beyond 24 hours of earnings, and those not paid down, at the surplus
    /// price per vCPU-hour (1 credit = 1 vCPU-minute; aws-facts.md 20.5). Its credits
    /// are advanced to `end` (the stop cut its requests off first).
    fn bill_surplus_credits(&mut self, instance: &Instance, end: SimTime) {
        let Some(credits) = &instance.credits else {
            return;
        };
        let owed = credits.charged + credits.outstanding_surplus();
        if owed <= 0.0 {
            return;
        }
        let vcpu_hours = owed / 60.0;
        let cost = vcpu_hours * self.surplus_price_per_vcpu_hour;
        self.totals.cpu_credits += cost;
        self.items.push(CostItem {
            item: "surplus_cpu_credits".into(),
            purchase_option: "cpu_credits".into(),
            instance_type: self.types[instance.type_index].name.clone(),
            instance_id: Some(instance.id),
            start_s: instance.launched_at.as_secs_f64(),
            end_s: end.as_secs_f64(),
            quantity: vcpu_hours,
            unit: "vcpu_hour".into(),
            unit_price_usd: self.surplus_price_per_vcpu_hour,
            cost_usd: cost,
            tier: self.tier.clone(),
        });
    }

    /// The end of an instance's billed seconds if it stops at `end`.
    fn billed_until(instance: &Instance, end: SimTime) -> SimTime {
        instance.launched_at
            + SimDuration::from_secs(billed_seconds(end.since(instance.launched_at)))
    }

    /// The bill so far, accrued only as it becomes known, so that it never decreases
    /// (issue 11): on-demand instances at list price up to now (their 60 s minimum
    /// owed from launch), net of what reservations and savings plans absorb; each
    /// clock hour's fees from the hour's start, when they are owed whatever happens;
    /// spot usage once it can no longer be free (the instance has run an hour, or has
    /// stopped and was billed); the warm pool and the load balancer so far. The closed
    /// bill is the last value of this curve.
    pub(super) fn accrued<'i>(
        &self,
        billed: impl Iterator<Item = &'i Instance>,
        warm_pool: Option<&WarmPool>,
        market: &SpotMarket,
        now: SimTime,
        requests: u64,
    ) -> CostSoFar {
        let t = &self.totals;
        let mut on_demand = t.on_demand();
        let mut spot = t.spot;
        let mut commitments = t.reserved_fees + t.savings_plan_fees;
        let warm_pool = self.warm_pool_cost(warm_pool, now);
        let mut running = vec![0.0; self.types.len()];
        let mut cpu_credits = t.cpu_credits;
        for instance in billed {
            // Surplus credits beyond 24 hours of earnings are owed at once.
            if let Some(c) = &instance.credits {
                cpu_credits += c.charged / 60.0 * self.surplus_price_per_vcpu_hour;
            }
            match instance.pool {
                None => {
                    on_demand += self.accrued_on_demand(instance, now);
                    running[instance.type_index] += Self::unsettled_secs(instance, now);
                }
                Some(pool) => {
                    // EC2 spot is owed once it can no longer be refunded.
                    if self.bills_tasks() || now.since(instance.launched_at) >= SimDuration::HOUR {
                        let until = Self::billed_until(instance, now);
                        spot += market.pools[pool].cost_between(instance.launched_at, until);
                    }
                }
            }
        }
        if self.has_commitments() {
            let (fees, absorbed) = self.open_hour(&running);
            commitments += fees;
            on_demand -= absorbed;
        }
        let load_balancer = self.lb_cost(now.since(SimTime::ZERO), requests);
        // A fargate tier's ECR storage shows with its FARGATE tasks.
        on_demand += self.ecr_cost(now.since(SimTime::ZERO));
        // The hosts are owed from the start of the run (20.1); the per-Region fee of
        // Dedicated Instances and unused capacity reservations settle when the bill
        // closes (`tenancy.rs`).
        let hosts = self.hosts_cost(now.since(SimTime::ZERO));
        CostSoFar {
            total: on_demand + spot + commitments + warm_pool + load_balancer + hosts + cpu_credits,
            on_demand,
            spot,
            commitments,
            warm_pool,
            load_balancer,
        }
    }

    /// What the warm pool has cost up to `now`: storage while stopped, and every
    /// initialisation run.
    fn warm_pool_cost(&self, pool: Option<&WarmPool>, now: SimTime) -> f64 {
        match (pool, &self.warm_pool) {
            (Some(pool), Some(prices)) => {
                pool.stopped_hours(now) * prices.storage_per_hour
                    + cost_of_seconds(prices.instance_per_hour, pool.initialization_secs)
            }
            _ => 0.0,
        }
    }

    /// The closed bill's summary: the parts, what the same usage would cost all
    /// on-demand, and how well the commitments were used.
    pub(super) fn summary(
        &self,
        duration: SimDuration,
        requests: u64,
        warm_pool: Option<&WarmPool>,
    ) -> (CostSummary, CommitmentSummary) {
        let t = &self.totals;
        let lb_cost = self.lb_cost(duration, requests);
        let warm_pool = self.warm_pool_cost(warm_pool, SimTime::ZERO + duration);
        let ecr = self.ecr_cost(duration);
        let region_fee = self.dedicated_fee();
        let dedicated = region_fee + self.hosts_cost(duration);
        let unused_capacity = self.unused_capacity_cost(SimTime::ZERO + duration);
        let total = t.on_demand()
            + t.spot
            + t.reserved_fees
            + t.savings_plan_fees
            + lb_cost
            + warm_pool
            + ecr
            + dedicated
            + unused_capacity
            + t.cpu_credits;
        // All on-demand, dedicated instances still pay their Region's fee; hosts and
        // unused capacity are what the comparison may save.
        let all_on_demand =
            t.all_on_demand + lb_cost + warm_pool + ecr + region_fee + t.cpu_credits;
        // The usage of a fargate tier is its own parts; an ec2 tier's is on-demand
        // and spot.
        let ((on_demand, spot), (fargate, fargate_spot)) = if self.bills_tasks() {
            ((0.0, 0.0), (t.on_demand(), t.spot))
        } else {
            ((t.on_demand(), t.spot), (0.0, 0.0))
        };
        let cost = CostSummary {
            total: round_to(total, 6),
            on_demand: round_to(on_demand, 6),
            spot: round_to(spot, 6),
            reserved: round_to(t.reserved_fees, 6),
            savings_plan: round_to(t.savings_plan_fees, 6),
            load_balancer: round_to(lb_cost, 6),
            warm_pool: round_to(warm_pool, 6),
            lambda: 0.0,
            api_gateway: 0.0,
            fargate: round_to(fargate, 6),
            fargate_spot: round_to(fargate_spot, 6),
            ecr: round_to(ecr, 6),
            rds: 0.0,
            sqs: 0.0,
            data_transfer: 0.0,
            s3: 0.0,
            cloudfront: 0.0,
            dedicated: round_to(dedicated, 6),
            capacity_reservation: round_to(unused_capacity, 6),
            route53: 0.0,
            cpu_credits: round_to(t.cpu_credits, 6),
            emr: 0.0,
            reserved_unused: round_to(t.reserved_unused, 6),
            all_on_demand: round_to(all_on_demand, 6),
            saving: round_to(all_on_demand - total, 6),
        };
        let commitments = CommitmentSummary {
            reserved_coverage: ratio(t.reserved_covered_secs, t.on_demand_secs),
            reserved_utilization: ratio(t.reserved_covered_secs, t.reserved_capacity_secs),
            savings_plan_utilization: ratio(t.savings_plan_used, t.savings_plan_fees),
        };
        (cost, commitments)
    }

    /// Adds a running on-demand instance's usage up to `now` to the current hour. The
    /// seconds are billed seconds (whole, the 60 s minimum owed from launch), the same
    /// count the instance's line will have, so the hours share exactly its seconds.
    pub(super) fn add_running_usage(&mut self, instance: &mut Instance, now: SimTime) {
        if instance.purchase == PurchaseOption::OnDemand {
            let used = Self::unsettled_secs(instance, now);
            self.hour_usage[instance.type_index] += used;
            instance.settled_secs += used;
        }
    }

    /// Billed seconds of a running instance not yet counted in a settled hour.
    pub(super) fn unsettled_secs(instance: &Instance, now: SimTime) -> f64 {
        billed_seconds(now.since(instance.launched_at)) as f64 - instance.settled_secs
    }

    #[allow(clippy::too_many_arguments)]
    fn push_line(
        &mut self,
        item: &str,
        option: &str,
        type_name: &str,
        start_s: f64,
        end_s: f64,
        quantity: f64,
        unit: &str,
        unit_price: f64,
    ) {
        self.items.push(CostItem {
            item: item.into(),
            purchase_option: option.into(),
            instance_type: type_name.into(),
            instance_id: None,
            start_s,
            end_s,
            quantity,
            unit: unit.into(),
            unit_price_usd: unit_price,
            cost_usd: quantity * unit_price,
            tier: self.tier.clone(),
        });
    }

    /// What an on-demand instance still running at `now` owes so far at list price (its
    /// 60 s minimum is owed from the moment it launches).
    pub(super) fn accrued_on_demand(&self, instance: &Instance, now: SimTime) -> f64 {
        if self.on_hosts() {
            return 0.0;
        }
        cost_of_seconds(
            self.types[instance.type_index].on_demand_price,
            billed_seconds(now.since(instance.launched_at)),
        )
    }

    /// The load balancer's bill after `elapsed` with `requests` processed.
    pub(super) fn lb_cost(&self, elapsed: SimDuration, requests: u64) -> f64 {
        self.alb.as_ref().map_or(0.0, |alb| {
            alb.cost(elapsed, requests) + self.extra_alb_hours(elapsed) as f64 * alb.per_hour()
        })
    }

    /// A second environment's load balancer is created at `now` (blue/green).
    pub(super) fn open_alb(&mut self, now: SimTime) {
        self.extra_albs.push((now, None));
    }

    /// The old environment's load balancer is deleted at `now`: the tier's one load
    /// balancer is the second environment's from now on, so the span billed as
    /// extra is the time both ran.
    pub(super) fn close_alb(&mut self, now: SimTime) {
        if let Some(open) = self.extra_albs.iter_mut().find(|a| a.1.is_none()) {
            open.1 = Some(now);
        }
    }

    /// Hours billed for the extra load balancers after `elapsed`.
    fn extra_alb_hours(&self, elapsed: SimDuration) -> u64 {
        let end = SimTime::ZERO + elapsed;
        self.extra_albs
            .iter()
            .filter(|(from, _)| *from < end)
            .map(|(from, to)| AlbPrices::hours(to.unwrap_or(end).min(end).since(*from)))
            .sum()
    }

    /// The lines recorded since the last call: they are final.
    pub(super) fn drain_items(&mut self) -> Vec<CostItem> {
        std::mem::take(&mut self.items)
    }

    /// Closes the bill: adds the warm pool's and the load balancer's lines and returns
    /// every line not yet drained.
    pub(super) fn finish(
        mut self,
        duration: SimDuration,
        requests: u64,
        warm_pool: Option<&WarmPool>,
    ) -> Vec<CostItem> {
        let end_s = duration.as_secs_f64();
        if let (Some(pool), Some(prices)) = (warm_pool, self.warm_pool.take()) {
            let hours = pool.stopped_hours(SimTime::ZERO + duration);
            let type_name = &prices.type_name;
            self.push_line(
                "warm_pool_storage",
                "warm_pool",
                type_name,
                0.0,
                end_s,
                hours,
                "instance_hour",
                prices.storage_per_hour,
            );
            self.push_line(
                "warm_pool_initialization",
                "warm_pool",
                type_name,
                0.0,
                end_s,
                pool.initialization_secs as f64,
                "second",
                prices.instance_per_hour / SECS_PER_HOUR,
            );
        }
        if let Some(gb) = self.fargate_image_gb {
            let months = duration.as_secs_f64() / MONTH.as_secs_f64();
            self.push_line(
                "ecr_storage",
                "ecr",
                "",
                0.0,
                end_s,
                gb * months,
                "gb_month",
                ECR_PER_GB_MONTH,
            );
        }
        self.push_tenancy_lines(duration);
        let alb = self.alb.as_ref().map(|alb| alb.lines(duration, requests));
        for (item, quantity, unit, price) in alb.into_iter().flatten() {
            self.push_line(item, "load_balancer", "", 0.0, end_s, quantity, unit, price);
        }
        if let Some(per_hour) = self.alb.as_ref().map(AlbPrices::per_hour) {
            let end = SimTime::ZERO + duration;
            for (from, to) in std::mem::take(&mut self.extra_albs) {
                let to = to.unwrap_or(end).min(end);
                self.push_line(
                    "load_balancer_hours",
                    "load_balancer",
                    "",
                    from.as_secs_f64(),
                    to.as_secs_f64(),
                    AlbPrices::hours(to.since(from)) as f64,
                    "hour",
                    per_hour,
                );
            }
        }
        self.items
    }
}

/// The price of an instance of `tenancy` over the same instance on shared hardware.
fn dedicated_price_factor(tenancy: &Tenancy) -> f64 {
    match tenancy {
        Tenancy::Dedicated { uplift, .. } => 1.0 + uplift,
        _ => 1.0,
    }
}

/// `part / whole` rounded for output; 0 when there is no whole.
fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        round_to(part / whole, 6)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: 3 m5.large ($0.096/h) for 10 h = 3 * 0.96 = $2.88; an instance
    /// that lives 30 s is billed the 60 s minimum: 0.096 / 60 = $0.0016; 90.2 s is
    /// billed as 91 s.
    #[test]
    fn per_second_billing_with_a_minute_minimum() {
        let ten_hours = billed_seconds(SimDuration::from_secs(36_000));
        assert_eq!(ten_hours, 36_000);
        assert!((3.0 * cost_of_seconds(0.096, ten_hours) - 2.88).abs() < 1e-12);
        assert_eq!(billed_seconds(SimDuration::from_secs(30)), 60);
        assert!((cost_of_seconds(0.096, 60) - 0.0016).abs() < 1e-15);
        assert_eq!(billed_seconds(SimDuration::from_millis(90_200)), 91);
    }

    /// A partial load-balancer hour is a full hour: 2 h 1 s is 3 hours.
    #[test]
    fn load_balancer_hours_round_up() {
        assert_eq!(AlbPrices::hours(SimDuration::from_secs(7_201)), 3);
        assert_eq!(AlbPrices::hours(SimDuration::from_secs(7_200)), 2);
    }
}

#[cfg(test)]
pub(super) mod commitment_tests {
    use super::*;
    use crate::model::config::*;

    /// A ledger of m5.large at $0.096/h with no commitments, its purchase changed by
    /// `change`.
    pub(in crate::model) fn ledger_with(change: impl FnOnce(&mut PurchaseConfig)) -> CostLedger {
        let mut p = purchase(Vec::new(), None);
        change(&mut p);
        ledger(p)
    }

    fn ledger(purchase: PurchaseConfig) -> CostLedger {
        let lb = LoadBalancerConfig {
            algorithm: Routing::RoundRobin,
            health_check: HealthCheck {
                interval: SimDuration::from_secs(30),
                timeout: SimDuration::from_secs(5),
                healthy: 5,
                unhealthy: 2,
            },
            deregistration_delay: SimDuration::ZERO,
            slow_start: SimDuration::ZERO,
            price_per_hour: 0.0,
            price_per_lcu_hour: 0.0,
            request_bytes: 0,
            requests_per_connection: 1.0,
        };
        let types = vec![BilledType {
            name: "m5.large".into(),
            on_demand_price: 0.096,
        }];
        CostLedger::with_prices(types, &purchase, &lb, None)
    }

    fn purchase(reserved: Vec<Reservation>, savings_plan: Option<SavingsPlan>) -> PurchaseConfig {
        PurchaseConfig {
            on_demand_base: 0,
            on_demand_percent_above_base: 100,
            spot_pools: vec!["m5.large".into()],
            spot_pool_types: vec![PoolType {
                vcpu: 2,
                price_per_hour: 0.096,
                speed: 1.0,
            }],
            spot_allocation: SpotAllocation::PriceCapacityOptimized,
            spot_instance_pools: 2,
            reserved,
            savings_plan,
            tenancy: Tenancy::Default,
            capacity_reservations: Vec::new(),
            scheduled_reserved: Vec::new(),
        }
    }

    fn on_demand(id: u32, launched_s: u64) -> Instance {
        Instance::new(
            id,
            PurchaseOption::OnDemand,
            0,
            None,
            0,
            1,
            SimTime::from_secs(launched_s),
        )
    }

    fn total(l: &CostLedger) -> f64 {
        let t = &l.totals;
        t.on_demand() + t.spot + t.reserved_fees + t.savings_plan_fees
    }

    /// 2 reserved m5.large at $0.06/h (no upfront). Hour 0: one instance runs all hour;
    /// hour 1: three do. Reservations: 2 * 2 h * $0.06 = $0.24, of which hour 0's
    /// second reservation ($0.06) is unused. On-demand: hour 0 fully covered; hour 1
    /// has 10,800 s of usage, 7,200 s covered, 3,600 s at $0.096/h = $0.096.
    /// Total $0.336, against $0.384 all on-demand (4 instance-hours).
    #[test]
    fn two_reservations_for_one_then_three_instances() {
        let ri = Reservation {
            type_name: "m5.large".into(),
            count: 2,
            term: Term::OneYear,
            payment: Payment::NoUpfront,
            class: OfferingClass::Standard,
            hourly_usd: 0.06,
            upfront_usd: 0.0,
        };
        let mut l = ledger(purchase(vec![ri], None));
        let mut a = on_demand(0, 0);
        l.add_running_usage(&mut a, SimTime::from_secs(3600));
        l.settle_hour(SimTime::ZERO);
        let (b, c) = (on_demand(1, 3600), on_demand(2, 3600));
        l.close_priced(&b, SimTime::from_secs(7200), 0.0, false);
        l.close_priced(&c, SimTime::from_secs(7200), 0.0, false);
        l.close_priced(&a, SimTime::from_secs(7200), 0.0, false);
        l.settle_hour(SimTime::from_secs(3600));
        let t = l.totals;
        assert!((t.reserved_fees - 0.24).abs() < 1e-12);
        assert!((t.reserved_unused - 0.06).abs() < 1e-12);
        assert!((t.on_demand() - 0.096).abs() < 1e-12);
        assert!((total(&l) - 0.336).abs() < 1e-12);
        assert!((t.all_on_demand - 0.384).abs() < 1e-12);
        assert!((t.reserved_covered_secs / t.reserved_capacity_secs - 0.75).abs() < 1e-12);
        let items: f64 = l
            .finish(SimDuration::from_secs(7200), 0, None)
            .iter()
            .map(|i| i.cost_usd)
            .sum();
        assert!((items - 0.336).abs() < 1e-12, "line items {items}");
    }

    /// A compute savings plan of $0.10/h at 25 % off: the plan rate of m5.large is
    /// 0.096 * 0.75 = $0.072/h. One instance for an hour uses $0.072 of the
    /// commitment; $0.028 is unused but paid; nothing is on-demand: total $0.10.
    /// With two instances the plan covers 0.10 / 0.072 h = 5,000 s, the other 2,200 s
    /// are on-demand: 2,200 * 0.096 / 3,600 = $0.058667; total $0.158667.
    #[test]
    fn savings_plan_partly_unused_then_exhausted() {
        let plan = SavingsPlan {
            kind: SavingsPlanKind::Compute,
            hourly_commitment: 0.10,
            term: Term::OneYear,
            payment: Payment::NoUpfront,
            discount: 0.25,
            family: None,
        };
        let mut l = ledger(purchase(Vec::new(), Some(plan.clone())));
        l.close_priced(&on_demand(0, 0), SimTime::from_secs(3600), 0.0, false);
        l.settle_hour(SimTime::ZERO);
        assert!((total(&l) - 0.10).abs() < 1e-12);
        assert!((l.totals.savings_plan_used - 0.072).abs() < 1e-12);

        let mut l = ledger(purchase(Vec::new(), Some(plan)));
        l.close_priced(&on_demand(0, 0), SimTime::from_secs(3600), 0.0, false);
        l.close_priced(&on_demand(1, 0), SimTime::from_secs(3600), 0.0, false);
        l.settle_hour(SimTime::ZERO);
        assert!((l.totals.on_demand() - 2200.0 * 0.096 / 3600.0).abs() < 1e-12);
        assert!((total(&l) - (0.10 + 2200.0 * 0.096 / 3600.0)).abs() < 1e-12);
    }

    /// Warm pool: two stopped instances for an hour at $0.001/h of storage, one taken
    /// at 30 min: 1.5 stopped instance-hours, $0.0015; a refill that boots 45 s is
    /// billed the 60 s minimum at $0.096/h, $0.0016.
    #[test]
    fn warm_pool_storage_and_initialisation_are_billed() {
        let mut l = ledger(purchase(Vec::new(), None));
        l.warm_pool = Some(WarmPoolPrices {
            storage_per_hour: 0.001,
            instance_per_hour: 0.096,
            type_name: "m5.large".into(),
        });
        let mut pool = WarmPool::new(2);
        assert!(pool.take(SimTime::from_secs(1800)));
        pool.start_initializing(SimDuration::from_secs(45));
        let cost = l.warm_pool_cost(Some(&pool), SimTime::from_secs(3600));
        assert!((cost - (0.0015 + 0.0016)).abs() < 1e-12);
    }

    /// Spot billing: an instance interrupted by EC2 after 40 minutes is free; one
    /// interrupted after 90 minutes at $0.04/h pays 5,400 s * 0.04 / 3,600 = $0.06.
    #[test]
    fn spot_interrupted_in_the_first_hour_is_free() {
        let mut l = ledger(purchase(Vec::new(), None));
        let spot = |id| Instance::new(id, PurchaseOption::Spot, 0, Some(0), 0, 1, SimTime::ZERO);
        l.close_priced(
            &spot(0),
            SimTime::from_secs(2400),
            2400.0 * 0.04 / 3600.0,
            true,
        );
        assert_eq!(l.totals.spot, 0.0);
        l.close_priced(
            &spot(1),
            SimTime::from_secs(5400),
            5400.0 * 0.04 / 3600.0,
            false,
        );
        assert!((l.totals.spot - 0.06).abs() < 1e-12);
        // Both count at on-demand price in the all-on-demand comparison.
        assert!((l.totals.all_on_demand - (2400.0 + 5400.0) * 0.096 / 3600.0).abs() < 1e-12);
    }
}
