//! `[tiers.<name>.compute]`, `[tiers.<name>.jobs]` and `[[tiers.<name>.queue]]`: a
//! `batch` tier's AWS Batch compute environment and job queues (aws-facts.md 18).
//! The environment's types become the tier's spot pools (`purchase.spot_pools`), so
//! that its `[spot]` table is read by the same resolver as an `ec2` tier's.

use super::*;

/// Array size 2-10,000 (aws-facts.md 18.2-18.3); 1 is accepted as a single job.
const MAX_ARRAY_SIZE: u32 = 10_000;
/// `attempts` 1-10 (18.4).
const MAX_ATTEMPTS: u32 = 10;
/// Job queues per compute environment: 50 queues per account (18.2).
const MAX_QUEUES: usize = 50;
/// Beyond any instance in the catalog; a bound, not an AWS limit.
const MAX_JOB_VCPUS: u32 = 1024;
/// `maxvCpus`: a bound of the simulator (memory grows with instances).
const MAX_VCPUS: u32 = 100_000;

/// What a `batch` tier resolves to: its environment and queues, and the purchase
/// whose spot pools are the environment's types.
pub(super) struct ResolvedBatch {
    pub batch: BatchConfig,
    pub purchase: PurchaseConfig,
    /// An `emr` tier's cluster (`emr.rs`), whose workload and types are `batch`.
    pub emr: Option<EmrConfig>,
}

pub(super) fn resolve_batch(
    ctx: &Ctx,
    compute: RawCompute,
    jobs: Option<RawJobs>,
    queues: Option<Vec<RawJobQueue>>,
    entry: bool,
    duration: SimDuration,
) -> Result<ResolvedBatch> {
    let compute_type = match compute.compute_type.unwrap_or(RawComputeType::Ec2) {
        RawComputeType::Ec2 => ComputeType::Ec2,
        RawComputeType::Spot => ComputeType::Spot,
        RawComputeType::Fargate | RawComputeType::FargateSpot => {
            return Err(ctx.err(
                "compute.type",
                "Fargate compute environments are not built yet; the types built are EC2 and SPOT",
            ));
        }
    };
    let names: Vec<String> = match compute.instance_types {
        None => vec!["optimal".into()],
        Some(list) if list.is_empty() => {
            return Err(ctx.err(
                "compute.instance_types",
                "must name at least one type, or \"optimal\"",
            ));
        }
        Some(list) => list,
    };
    let mut types: Vec<BatchType> = Vec::new();
    for name in &names {
        let expanded: Vec<&str> = match name.as_str() {
            "optimal" => default::BATCH_OPTIMAL_TYPES.to_vec(),
            other => vec![other],
        };
        for n in expanded {
            let Some(t) = catalog::lookup(n) else {
                return Err(ctx.err(
                    "compute.instance_types",
                    format!(
                        "unknown instance type \"{n}\"; the catalog has {}",
                        catalog::names()
                    ),
                ));
            };
            if types.iter().any(|b| b.name == n) {
                continue;
            }
            types.push(BatchType {
                name: n.to_string(),
                vcpu: t.vcpu,
                memory_gib: t.memory_gib,
                price_per_hour: t.price_per_hour,
            });
        }
    }
    let allocation: BatchAllocation = compute
        .allocation_strategy
        .map_or(default::BATCH_ALLOCATION, Into::into);
    let spot_only = matches!(
        allocation,
        BatchAllocation::SpotCapacityOptimized | BatchAllocation::SpotPriceCapacityOptimized
    );
    if spot_only && compute_type != ComputeType::Spot {
        return Err(ctx.err(
            "compute.allocation_strategy",
            "is a Spot strategy: it needs compute.type = \"SPOT\"",
        ));
    }
    let max_vcpus = ctx.range(
        "compute.max_vcpus",
        compute.max_vcpus.unwrap_or(default::BATCH_MAX_VCPUS),
        1,
        MAX_VCPUS,
        "",
    )?;
    let min_vcpus = ctx.range(
        "compute.min_vcpus",
        compute.min_vcpus.unwrap_or(default::BATCH_MIN_VCPUS),
        0,
        max_vcpus,
        "",
    )?;
    let desired_vcpus = ctx.range(
        "compute.desired_vcpus",
        compute.desired_vcpus.unwrap_or(min_vcpus),
        min_vcpus,
        max_vcpus,
        "",
    )?;
    let bid_percentage = ctx.range(
        "compute.bid_percentage",
        compute
            .bid_percentage
            .unwrap_or(default::BATCH_BID_PERCENTAGE),
        1,
        100,
        "",
    )?;
    if compute.bid_percentage.is_some() && compute_type != ComputeType::Spot {
        return Err(ctx.err(
            "compute.bid_percentage",
            "is the most a SPOT environment pays; this environment is EC2",
        ));
    }
    let launch_time = ctx.duration(
        "compute.launch_time",
        compute.launch_time.as_ref(),
        default::BATCH_LAUNCH_TIME,
    )?;
    let idle_timeout = ctx.duration(
        "compute.idle_timeout",
        compute.idle_timeout.as_ref(),
        default::BATCH_IDLE_TIMEOUT,
    )?;
    let holders = "instance type of compute.instance_types";
    let queues = resolve_queues(ctx, jobs, queues, (&types, holders), entry, duration)?;
    let purchase = types_as_pools(
        &types,
        match compute_type {
            ComputeType::Ec2 => 100,
            ComputeType::Spot => 0,
        },
    );
    Ok(ResolvedBatch {
        batch: BatchConfig {
            compute: compute_type,
            min_vcpus,
            desired_vcpus,
            max_vcpus,
            types,
            allocation,
            bid_percentage,
            launch_time,
            idle_timeout,
            queues,
        },
        purchase,
        emr: None,
    })
}

/// A purchase whose spot pools are `types` (a `batch` or `emr` tier's, whose `[spot]`
/// table is then read as an `ec2` tier's).
pub(super) fn types_as_pools(types: &[BatchType], on_demand_percent: u32) -> PurchaseConfig {
    PurchaseConfig {
        on_demand_base: 0,
        on_demand_percent_above_base: on_demand_percent,
        spot_pools: types.iter().map(|t| t.name.clone()).collect(),
        spot_pool_types: types
            .iter()
            .map(|t| PoolType {
                vcpu: t.vcpu,
                price_per_hour: t.price_per_hour,
                // A job's run time is as drawn on every type: the per-type speed
                // applies to requests (`serving`), which a batch tier has none of.
                speed: 1.0,
            })
            .collect(),
        spot_allocation: SpotAllocation::PriceCapacityOptimized,
        spot_instance_pools: 1,
        reserved: Vec::new(),
        savings_plan: None,
        tenancy: Tenancy::Default,
        capacity_reservations: Vec::new(),
        scheduled_reserved: Vec::new(),
    }
}

/// The job queues of `[tiers.<name>.jobs]` (one queue) or `[[tiers.<name>.queue]]`,
/// highest priority first, each job checked against `types` (a `batch` tier's
/// compute environment's, an `emr` tier's node types).
pub(super) fn resolve_queues(
    ctx: &Ctx,
    jobs: Option<RawJobs>,
    queues: Option<Vec<RawJobQueue>>,
    types: (&[BatchType], &str),
    entry: bool,
    duration: SimDuration,
) -> Result<Vec<JobQueue>> {
    // The queues: `jobs` (one queue) or `[[queue]]`, not both.
    let written: Vec<(String, Option<String>, Option<u32>, RawJobs)> = match (jobs, queues) {
        (Some(_), Some(_)) => {
            return Err(ctx.err_table(
                "jobs",
                "give either [tiers.<name>.jobs] (one queue) or [[tiers.<name>.queue]] tables, not both",
            ));
        }
        (Some(jobs), None) => vec![("jobs".into(), None, None, jobs)],
        (None, Some(queues)) if !queues.is_empty() => {
            if queues.len() > MAX_QUEUES {
                return Err(ctx.err_table(
                    "queue",
                    format!("at most {MAX_QUEUES} job queues (aws-facts.md 18.2)"),
                ));
            }
            let mut out = Vec::new();
            for (i, q) in queues.into_iter().enumerate() {
                let Some(jobs) = q.jobs else {
                    return Err(ctx.err_table(
                        &format!("queue[{i}]"),
                        "a job queue needs its [tiers.<name>.queue.jobs] table",
                    ));
                };
                out.push((format!("queue[{i}].jobs"), q.name, q.priority, jobs));
            }
            out
        }
        _ => {
            return Err(ctx.err_table(
                "kind",
                "the tier needs jobs: a [tiers.<name>.jobs] table or [[tiers.<name>.queue]] tables",
            ));
        }
    };
    let mut queues = Vec::new();
    for (i, (key, name, priority, raw)) in written.into_iter().enumerate() {
        let name = name.unwrap_or_else(|| match i {
            0 => "default".into(),
            i => format!("queue{i}"),
        });
        if queues.iter().any(|q: &JobQueue| q.name == name) {
            return Err(ctx.err(&format!("queue[{i}].name"), "names another queue too"));
        }
        let jobs = resolve_jobs(ctx, &key, raw, types, entry, duration)?;
        queues.push(JobQueue {
            name,
            priority: priority.unwrap_or(default::JOB_QUEUE_PRIORITY),
            jobs,
        });
    }
    let traffic_queues = queues
        .iter()
        .filter(|q| matches!(q.jobs.source, JobSource::Traffic))
        .count();
    if traffic_queues > 1 {
        return Err(ctx.err_table(
            "queue",
            "only one queue may take [traffic] as its jobs; give the others an array_size or arrivals",
        ));
    }
    // Higher priority first (aws-facts.md 18.2), ties in file order.
    queues.sort_by_key(|q| std::cmp::Reverse(q.priority));
    Ok(queues)
}

/// One queue's jobs, at `key` (`jobs` or `queue[i].jobs`); `holders` names the
/// types in a message.
fn resolve_jobs(
    ctx: &Ctx,
    key: &str,
    raw: RawJobs,
    (types, holders): (&[BatchType], &str),
    entry: bool,
    duration: SimDuration,
) -> Result<JobSpec> {
    let k = |f: &str| format!("{key}.{f}");
    let source = match (raw.array_size, raw.arrivals) {
        (Some(_), Some(_)) => {
            return Err(ctx.err(
                &k("arrivals"),
                "give either array_size (an array job) or arrivals, not both",
            ));
        }
        (Some(size), None) => {
            let size = ctx.range(&k("array_size"), size, 1, MAX_ARRAY_SIZE, "")?;
            let at = ctx.duration(&k("at"), raw.at.as_ref(), SimDuration::ZERO)?;
            // Kept, not refused, as a spike after the end is: shortening a run is the
            // most common edit, and an array after the end is simply not submitted.
            if at >= duration {
                ctx.note(
                    &k("at"),
                    "is at or after the end of the run: the array is not submitted",
                );
            }
            JobSource::Array { size, at }
        }
        (None, Some(arrivals)) => {
            let table = k("arrivals");
            let trace = match &arrivals.trace {
                Some(t) => Some(resolve_trace(ctx, &table, t)?),
                None => None,
            };
            JobSource::Arrivals(resolve_traffic(ctx, &table, arrivals, trace, duration)?)
        }
        (None, None) if entry => JobSource::Traffic,
        (None, None) => {
            return Err(ctx.err_table(
                key,
                "needs array_size (an array job) or arrivals (a rate or trace): only the entry tier receives [traffic]",
            ));
        }
    };
    if raw.at.is_some() && !matches!(source, JobSource::Array { .. }) {
        return Err(ctx.err(
            &k("at"),
            "is when an array job is submitted: give array_size too",
        ));
    }
    let vcpus = ctx.range(
        &k("vcpus"),
        raw.vcpus.unwrap_or(default::JOB_VCPUS),
        1,
        MAX_JOB_VCPUS,
        "",
    )?;
    let memory_gib = ctx.positive(
        &k("memory_gb"),
        raw.memory_gb.unwrap_or(default::JOB_MEMORY_GB),
    )?;
    // A job no type can hold would wait for ever (aws-facts.md 18.1: Batch leaves it
    // RUNNABLE): refused here.
    let fits = |t: &BatchType| t.vcpu >= vcpus && t.memory_gib + 1e-9 >= memory_gib;
    if !types.iter().any(fits) {
        let largest = types
            .iter()
            .map(|t| format!("{} ({} vCPUs, {} GiB)", t.name, t.vcpu, t.memory_gib));
        let key = match types.iter().any(|t| t.vcpu >= vcpus) {
            true => k("memory_gb"),
            false => k("vcpus"),
        };
        return Err(ctx.err(
            &key,
            format!(
                "no {holders} holds this job: {}",
                largest.collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let Some(run_time) = raw.run_time.as_ref() else {
        return Err(ctx.err(
            &k("run_time"),
            "missing: how long a job runs, like run_time = \"1h\"",
        ));
    };
    let run_time = dist_or(
        ctx,
        &k("run_time"),
        Some(run_time),
        DurationDist::Constant {
            value: SimDuration::ZERO,
        },
    )?;
    let checkpoint = match &raw.checkpoint {
        Some(text) => {
            Some(ctx.positive_duration(&k("checkpoint"), Some(text), SimDuration::ZERO)?)
        }
        None => None,
    };
    let restart_cost = ctx.duration(
        &k("restart_cost"),
        raw.restart_cost.as_ref(),
        SimDuration::ZERO,
    )?;
    let deadline = match (&raw.deadline, &raw.deadline_at) {
        (Some(_), Some(_)) => {
            return Err(ctx.err(&k("deadline_at"), "give either deadline (after submission) or deadline_at (a time of the run), not both"));
        }
        (Some(text), None) => Some(Deadline::AfterSubmission(ctx.positive_duration(
            &k("deadline"),
            Some(text),
            SimDuration::ZERO,
        )?)),
        (None, Some(text)) => Some(Deadline::At(ctx.duration(
            &k("deadline_at"),
            Some(text),
            SimDuration::ZERO,
        )?)),
        (None, None) => None,
    };
    let attempts = ctx.range(
        &k("attempts"),
        raw.attempts.unwrap_or(default::JOB_ATTEMPTS),
        1,
        MAX_ATTEMPTS,
        "",
    )?;
    let failure_probability = raw.failure_probability.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&failure_probability) {
        return Err(ctx.err(&k("failure_probability"), "must be between 0 and 1"));
    }
    Ok(JobSpec {
        source,
        vcpus,
        memory_gib,
        run_time,
        checkpoint,
        restart_cost,
        deadline,
        attempts,
        retry_on: match raw.retry_on {
            Some(RawRetryOn::Any) | None => RetryOn::Any,
            Some(RawRetryOn::Interruption) => RetryOn::Interruption,
        },
        failure_probability,
    })
}
