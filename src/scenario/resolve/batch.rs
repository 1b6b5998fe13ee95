//! `[tiers.<name>.compute]`, `[[tiers.<name>.compute_environment]]`,
//! `[tiers.<name>.jobs]` and `[[tiers.<name>.queue]]`: a `batch` tier's AWS Batch
//! compute environments and job queues (aws-facts.md 18). The environments' types
//! (EC2 instance types, or the Fargate task sizes of their jobs) become the tier's
//! spot pools (`purchase.spot_pools`), so that its `[spot]` table is read by the same
//! resolver as an `ec2` tier's (a `fargate` tier's, on Fargate).

use super::fargate::{sizes_text, task_price_per_hour, valid_cpu, valid_size};
use super::*;

/// Array size 2-10,000 (aws-facts.md 18.2-18.3); 1 is accepted as a single job.
const MAX_ARRAY_SIZE: u32 = 10_000;
/// `attempts` 1-10 (18.4).
const MAX_ATTEMPTS: u32 = 10;
/// Job queues per compute environment: 50 queues per account (18.2).
const MAX_QUEUES: usize = 50;
/// Compute environments: 50 per account (18.2).
const MAX_ENVIRONMENTS: usize = 50;
/// Compute environments per job queue (18.2).
const MAX_QUEUE_ENVIRONMENTS: usize = 3;
/// Beyond any instance in the catalog; a bound, not an AWS limit.
const MAX_JOB_VCPUS: u32 = 1024;
/// `maxvCpus`: a bound of the simulator (memory grows with instances).
const MAX_VCPUS: u32 = 100_000;
/// The keys a Fargate compute environment takes: AWS refuses `minvCpus`,
/// `desiredvCpus`, `instanceTypes`, `allocationStrategy` and `bidPercentage` on
/// Fargate (aws-facts.md 18.1; "This parameter isn't applicable to jobs that are
/// running on Fargate resources. Don't specify it.",
/// https://docs.aws.amazon.com/batch/latest/APIReference/API_ComputeResource.html),
/// and a task stops with its job, so it has no idle timeout.
const FARGATE_KEYS: [&str; 3] = ["name", "max_vcpus", "launch_time"];

/// What a `batch` tier resolves to: its environments and queues, and the purchase
/// whose spot pools are the environments' types.
pub(super) struct ResolvedBatch {
    pub batch: BatchConfig,
    pub purchase: PurchaseConfig,
    /// An `emr` tier's cluster (`emr.rs`), whose workload and types are `batch`.
    pub emr: Option<EmrConfig>,
}

pub(super) fn resolve_batch(
    ctx: &Ctx,
    compute: Option<RawCompute>,
    more: Option<Vec<RawCompute>>,
    jobs: Option<RawJobs>,
    queues: Option<Vec<RawJobQueue>>,
    entry: bool,
    duration: SimDuration,
) -> Result<ResolvedBatch> {
    // The environments: `[compute]` first (the only one when nothing else is given),
    // then the `[[compute_environment]]` tables.
    let mut written: Vec<(String, RawCompute)> = Vec::new();
    if compute.is_some() || more.is_none() {
        written.push(("compute".into(), compute.unwrap_or_default()));
    }
    for (i, c) in more.unwrap_or_default().into_iter().enumerate() {
        written.push((format!("compute_environment[{i}]"), c));
    }
    if written.len() > MAX_ENVIRONMENTS {
        return Err(ctx.err_table(
            "compute_environment",
            format!("at most {MAX_ENVIRONMENTS} compute environments (aws-facts.md 18.2)"),
        ));
    }
    let mut types: Vec<BatchType> = Vec::new();
    let mut environments: Vec<ComputeEnvironment> = Vec::new();
    let mut env_keys: Vec<String> = Vec::new();
    for (key, raw) in written {
        let env = resolve_environment(ctx, &key, raw, &mut types)?;
        if let Some(other) = environments.iter().position(|e| e.name == env.name) {
            return Err(ctx.err(
                &format!("{key}.name"),
                format!(
                    "names {} too; each compute environment has its own name",
                    env_keys[other]
                ),
            ));
        }
        environments.push(env);
        env_keys.push(key);
    }
    let queues = resolve_queues(
        ctx,
        (jobs, queues),
        &mut environments,
        &mut types,
        entry,
        duration,
    )?;
    // A tier is billed as instances or as Fargate tasks, not both.
    if let Some(i) = environments
        .iter()
        .position(|e| e.compute.fargate() != environments[0].compute.fargate())
    {
        return Err(ctx.err(
            &format!("{}.type", env_keys[i]),
            format!(
                "is {} but {} is {}: a batch tier's compute environments are all EC2 (EC2, SPOT) or all Fargate (FARGATE, FARGATE_SPOT); put the others in a batch tier of their own",
                environments[i].compute.word(),
                env_keys[0],
                environments[0].compute.word()
            ),
        ));
    }
    Ok(ResolvedBatch::new(
        BatchConfig {
            environments,
            types,
            queues,
        },
        None,
    ))
}

impl ResolvedBatch {
    /// A tier of `batch`'s environments, types and queues (and `emr`'s cluster):
    /// its purchase's spot pools are the types, on-demand unless an environment is
    /// spot.
    pub(super) fn new(batch: BatchConfig, emr: Option<EmrConfig>) -> Self {
        let any_spot = batch.environments.iter().any(|e| e.compute.spot());
        ResolvedBatch {
            purchase: types_as_pools(&batch.types, if any_spot { 0 } else { 100 }),
            batch,
            emr,
        }
    }
}

/// A purchase whose spot pools are `types` (a `batch` or `emr` tier's, whose `[spot]`
/// table is then read as an `ec2` tier's).
fn types_as_pools(types: &[BatchType], on_demand_percent: u32) -> PurchaseConfig {
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

/// The job queues of `[tiers.<name>.jobs]` (one queue) or `[[tiers.<name>.queue]]`
/// (`raw`), highest priority first, each placed in its `environments` (a `batch`
/// tier's compute environments, an `emr` tier's one of its nodes).
pub(super) fn resolve_queues(
    ctx: &Ctx,
    (jobs, queues): (Option<RawJobs>, Option<Vec<RawJobQueue>>),
    environments: &mut [ComputeEnvironment],
    types: &mut Vec<BatchType>,
    entry: bool,
    duration: SimDuration,
) -> Result<Vec<JobQueue>> {
    // The queues: `jobs` (one queue) or `[[queue]]`, not both.
    let written: Vec<(
        String,
        Option<String>,
        Option<u32>,
        Option<Vec<String>>,
        RawJobs,
    )> = match (jobs, queues) {
        (Some(_), Some(_)) => {
            return Err(ctx.err_table(
                    "jobs",
                    "give either [tiers.<name>.jobs] (one queue) or [[tiers.<name>.queue]] tables, not both",
                ));
        }
        (Some(jobs), None) => vec![("jobs".into(), None, None, None, jobs)],
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
                out.push((
                    format!("queue[{i}].jobs"),
                    q.name,
                    q.priority,
                    q.compute_environments,
                    jobs,
                ));
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
    for (i, (key, name, priority, order, raw)) in written.into_iter().enumerate() {
        let name = name.unwrap_or_else(|| match i {
            0 => "default".into(),
            i => format!("queue{i}"),
        });
        if queues.iter().any(|q: &JobQueue| q.name == name) {
            return Err(ctx.err(&format!("queue[{i}].name"), "names another queue too"));
        }
        // The queue's key (`queue[i]`, or `jobs` for the one-queue form).
        let queue_key = key.strip_suffix(".jobs").unwrap_or(&key).to_string();
        let order = resolve_order(ctx, &queue_key, order, environments)?;
        let jobs = resolve_jobs(ctx, &key, raw, entry, duration)?;
        place_jobs(ctx, &key, &jobs, &order, environments, types)?;
        queues.push(JobQueue {
            name,
            priority: priority.unwrap_or(default::JOB_QUEUE_PRIORITY),
            jobs,
            environments: order,
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

/// One compute environment, at `key` (`compute` or `compute_environment[i]`); its
/// instance types are added to the tier's `types` (a Fargate environment's task sizes
/// are added as its queues are read, `place_jobs`).
fn resolve_environment(
    ctx: &Ctx,
    key: &str,
    compute: RawCompute,
    types: &mut Vec<BatchType>,
) -> Result<ComputeEnvironment> {
    let k = |f: &str| format!("{key}.{f}");
    let name = match (&compute.name, key) {
        (Some(name), _) => name.clone(),
        (None, "compute") => "default".into(),
        (None, _) => {
            return Err(ctx.err_table(
                key,
                "a compute environment needs a name, which job queues' compute_environments give",
            ));
        }
    };
    let compute_type = match compute.compute_type.unwrap_or(RawComputeType::Ec2) {
        RawComputeType::Ec2 => ComputeType::Ec2,
        RawComputeType::Spot => ComputeType::Spot,
        RawComputeType::Fargate => ComputeType::Fargate,
        RawComputeType::FargateSpot => ComputeType::FargateSpot,
    };
    let max_vcpus = ctx.range(
        &k("max_vcpus"),
        compute.max_vcpus.unwrap_or(default::BATCH_MAX_VCPUS),
        1,
        MAX_VCPUS,
        "",
    )?;
    if compute_type.fargate() {
        ctx.only_keys(
            key,
            &compute,
            "type",
            &FARGATE_KEYS,
            "is not a key of a FARGATE or FARGATE_SPOT compute environment, which takes name, max_vcpus and launch_time: AWS takes no minvCpus, desiredvCpus, instanceTypes, allocationStrategy or bidPercentage on Fargate (aws-facts.md 18.1), and a task stops with its job",
        )?;
        let launch_time = ctx.duration(
            &k("launch_time"),
            compute.launch_time.as_ref(),
            default::FARGATE_PROVISIONING.mean(),
        )?;
        return Ok(ComputeEnvironment {
            name,
            compute: compute_type,
            min_vcpus: 0,
            desired_vcpus: 0,
            max_vcpus,
            types: Vec::new(),
            allocation: default::BATCH_ALLOCATION,
            bid_percentage: default::BATCH_BID_PERCENTAGE,
            launch_time,
            idle_timeout: SimDuration::ZERO,
        });
    }
    let names: Vec<String> = match compute.instance_types {
        None => vec!["optimal".into()],
        Some(list) if list.is_empty() => {
            return Err(ctx.err(
                &k("instance_types"),
                "must name at least one type, or \"optimal\"",
            ));
        }
        Some(list) => list,
    };
    let mut own: Vec<usize> = Vec::new();
    for name in &names {
        let expanded: Vec<&str> = match name.as_str() {
            "optimal" => default::BATCH_OPTIMAL_TYPES.to_vec(),
            other => vec![other],
        };
        for n in expanded {
            let Some(t) = catalog::lookup(n) else {
                return Err(ctx.err(
                    &k("instance_types"),
                    format!(
                        "unknown instance type \"{n}\"; the catalog has {}",
                        catalog::names()
                    ),
                ));
            };
            let index = match types.iter().position(|b| b.name == n) {
                Some(i) => i,
                None => {
                    types.push(BatchType {
                        name: n.to_string(),
                        vcpu: t.vcpu,
                        memory_gib: t.memory_gib,
                        price_per_hour: t.price_per_hour,
                    });
                    types.len() - 1
                }
            };
            if !own.contains(&index) {
                own.push(index);
            }
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
            &k("allocation_strategy"),
            "is a Spot strategy: it needs type = \"SPOT\"",
        ));
    }
    let min_vcpus = ctx.range(
        &k("min_vcpus"),
        compute.min_vcpus.unwrap_or(default::BATCH_MIN_VCPUS),
        0,
        max_vcpus,
        "",
    )?;
    let desired_vcpus = ctx.range(
        &k("desired_vcpus"),
        compute.desired_vcpus.unwrap_or(min_vcpus),
        min_vcpus,
        max_vcpus,
        "",
    )?;
    let bid_percentage = ctx.range(
        &k("bid_percentage"),
        compute
            .bid_percentage
            .unwrap_or(default::BATCH_BID_PERCENTAGE),
        1,
        100,
        "",
    )?;
    if compute.bid_percentage.is_some() && compute_type != ComputeType::Spot {
        return Err(ctx.err(
            &k("bid_percentage"),
            "is the most a SPOT environment pays; this environment is EC2",
        ));
    }
    let launch_time = ctx.duration(
        &k("launch_time"),
        compute.launch_time.as_ref(),
        default::BATCH_LAUNCH_TIME,
    )?;
    let idle_timeout = ctx.duration(
        &k("idle_timeout"),
        compute.idle_timeout.as_ref(),
        default::BATCH_IDLE_TIMEOUT,
    )?;
    Ok(ComputeEnvironment {
        name,
        compute: compute_type,
        min_vcpus,
        desired_vcpus,
        max_vcpus,
        types: own,
        allocation,
        bid_percentage,
        launch_time,
        idle_timeout,
    })
}

/// A queue's `compute_environments` (at `key`, the queue's key): the environments it
/// names, in order, or every environment when it names none. 1-3 of them, each once,
/// all EC2 or all Fargate ("Amazon EC2 and Fargate compute environments can't be
/// mixed", aws-facts.md 18.1,
/// https://docs.aws.amazon.com/batch/latest/APIReference/API_ComputeEnvironmentOrder.html).
fn resolve_order(
    ctx: &Ctx,
    key: &str,
    names: Option<Vec<String>>,
    environments: &[ComputeEnvironment],
) -> Result<Vec<usize>> {
    let k = format!("{key}.compute_environments");
    let given = names.is_some();
    let order: Vec<usize> = match names {
        None => {
            if environments.len() > MAX_QUEUE_ENVIRONMENTS {
                return Err(ctx.err_table(
                    key,
                    format!(
                        "a job queue uses at most {MAX_QUEUE_ENVIRONMENTS} compute environments (aws-facts.md 18.2), and this tier has {}: give each queue its compute_environments in [[tiers.<name>.queue]] tables",
                        environments.len()
                    ),
                ));
            }
            (0..environments.len()).collect()
        }
        Some(names) => {
            if names.is_empty() {
                return Err(ctx.err(&k, "must name at least one compute environment"));
            }
            if names.len() > MAX_QUEUE_ENVIRONMENTS {
                return Err(ctx.err(
                    &k,
                    format!(
                        "names {} compute environments; a job queue uses at most {MAX_QUEUE_ENVIRONMENTS} (aws-facts.md 18.2)",
                        names.len()
                    ),
                ));
            }
            let mut order = Vec::new();
            for n in &names {
                let Some(e) = environments.iter().position(|e| &e.name == n) else {
                    let known: Vec<String> = environments
                        .iter()
                        .map(|e| format!("\"{}\"", e.name))
                        .collect();
                    return Err(ctx.err(
                        &k,
                        format!(
                            "names \"{n}\", which is no compute environment of this tier; they are {}",
                            known.join(", ")
                        ),
                    ));
                };
                if order.contains(&e) {
                    return Err(ctx.err(&k, format!("names \"{n}\" twice")));
                }
                order.push(e);
            }
            order
        }
    };
    let first = &environments[order[0]];
    if let Some(other) = order
        .iter()
        .map(|&e| &environments[e])
        .find(|e| e.compute.fargate() != first.compute.fargate())
    {
        let message = format!(
            "mixes \"{}\" ({}) with \"{}\" ({}): a job queue's compute environments are all EC2 (EC2, SPOT) or all Fargate (FARGATE, FARGATE_SPOT), as AWS requires (aws-facts.md 18.1)",
            first.name,
            first.compute.word(),
            other.name,
            other.compute.word()
        );
        return Err(match given {
            true => ctx.err(&k, message),
            // The queue uses every environment, in the order written.
            false => ctx.err_table(
                key,
                format!("uses every compute environment, and {message}"),
            ),
        });
    }
    Ok(order)
}

/// Checks that a queue's jobs (at `key`) can run in its environments: on Fargate, a
/// valid task size (aws-facts.md 15.1), added to each Fargate environment's types, and
/// within its `maxvCpus`; on EC2, a type of some environment holds one (else it would
/// wait for ever: 18.1, Batch leaves it RUNNABLE).
fn place_jobs(
    ctx: &Ctx,
    key: &str,
    jobs: &JobSpec,
    order: &[usize],
    environments: &mut [ComputeEnvironment],
    types: &mut Vec<BatchType>,
) -> Result<()> {
    let k = |f: &str| format!("{key}.{f}");
    let (vcpus, memory_gib) = (jobs.vcpus, jobs.memory_gib);
    if environments[order[0]].compute.fargate() {
        let cpu = f64::from(vcpus);
        if !valid_cpu(cpu) {
            return Err(ctx.err(
                &k("vcpus"),
                format!(
                    "is not a Fargate size; a job on Fargate takes one of {} (0.25 and 0.5 vCPU are not modelled: vcpus is whole)",
                    sizes_text()
                ),
            ));
        }
        if !valid_size(cpu, memory_gib) {
            return Err(ctx.err(
                &k("memory_gb"),
                format!(
                    "is not valid with vcpus = {vcpus} on Fargate; the valid sizes are {}",
                    sizes_text()
                ),
            ));
        }
        if order.iter().all(|&e| vcpus > environments[e].max_vcpus) {
            return Err(ctx.err(
                &k("vcpus"),
                "is more than the max_vcpus of every compute environment of its queue: its job would never start",
            ));
        }
        let name = format!("fargate {cpu} vCPU {memory_gib} GB");
        let index = match types.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                types.push(BatchType {
                    name,
                    vcpu: vcpus,
                    memory_gib,
                    price_per_hour: task_price_per_hour(cpu, memory_gib, Architecture::X86_64),
                });
                types.len() - 1
            }
        };
        for &e in order {
            if !environments[e].types.contains(&index) {
                environments[e].types.push(index);
            }
        }
        return Ok(());
    }
    let fits = |t: &BatchType| t.vcpu >= vcpus && t.memory_gib + 1e-9 >= memory_gib;
    let own: Vec<&BatchType> = order
        .iter()
        .flat_map(|&e| environments[e].types.iter().map(|&t| &types[t]))
        .collect();
    if !own.iter().any(|t| fits(t)) {
        let largest = own
            .iter()
            .map(|t| format!("{} ({} vCPUs, {} GiB)", t.name, t.vcpu, t.memory_gib));
        let key = match own.iter().any(|t| t.vcpu >= vcpus) {
            true => k("memory_gb"),
            false => k("vcpus"),
        };
        return Err(ctx.err(
            &key,
            format!(
                "no instance type of its compute environments holds this job: {}",
                largest.collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(())
}

/// One queue's jobs, at `key` (`jobs` or `queue[i].jobs`).
fn resolve_jobs(
    ctx: &Ctx,
    key: &str,
    raw: RawJobs,
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
