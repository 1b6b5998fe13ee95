//! `[tiers.<name>.task]` and `[[tiers.<name>.capacity_provider]]`: a `fargate` tier's
//! task and how its tasks are split between FARGATE and FARGATE_SPOT. The tier is
//! carried out as a group of instances, so the task becomes its `instance` (a size
//! priced per hour, started in provisioning + image pull + container start) and
//! FARGATE_SPOT its one spot pool. Every bound is AWS's, cited.

use super::*;

/// The valid task sizes: vCPU, and the memory range and step in GB (aws-facts.md
/// 15.1, Linux; 8 and 16 vCPU need platform version 1.4.0, the current one).
const SIZES: [(f64, f64, f64, f64); 7] = [
    (0.25, 0.5, 2.0, 0.0),
    (0.5, 1.0, 4.0, 1.0),
    (1.0, 2.0, 8.0, 1.0),
    (2.0, 4.0, 16.0, 1.0),
    (4.0, 8.0, 30.0, 1.0),
    (8.0, 16.0, 60.0, 4.0),
    (16.0, 32.0, 120.0, 8.0),
];

/// Prices per vCPU-hour and GB-hour, us-east-1 Linux (aws-facts.md 6.2).
const X86_VCPU_HOUR: f64 = 0.04048;
const X86_GB_HOUR: f64 = 0.004445;
const ARM_VCPU_HOUR: f64 = 0.03238;
const ARM_GB_HOUR: f64 = 0.00356;
/// The largest image accepted, MB (ECR's layer limit is 52,000 MB per layer; an
/// image beyond this would take minutes to pull and is surely a typo).
const MAX_IMAGE_MB: f64 = 100_000.0;
/// ECS accepts weights 0-1,000 and bases 0-100,000 (aws-facts.md 15.5).
const MAX_WEIGHT: u32 = 1_000;
const MAX_BASE: u32 = 100_000;

/// Whether `cpu` is a task size's vCPU (aws-facts.md 15.1).
pub(super) fn valid_cpu(cpu: f64) -> bool {
    SIZES.iter().any(|s| s.0 == cpu)
}

/// The price per hour of a task of `cpu` vCPU and `memory_gb` (aws-facts.md 6.2): the
/// `fargate` tier's, and a `batch` tier's Fargate task's.
pub(super) fn task_price_per_hour(cpu: f64, memory_gb: f64, architecture: Architecture) -> f64 {
    let (per_vcpu, per_gb) = match architecture {
        Architecture::X86_64 => (X86_VCPU_HOUR, X86_GB_HOUR),
        Architecture::Arm64 => (ARM_VCPU_HOUR, ARM_GB_HOUR),
    };
    cpu * per_vcpu + memory_gb * per_gb
}

/// Whether `memory_gb` is a valid memory for `cpu` (aws-facts.md 15.1).
pub(super) fn valid_size(cpu: f64, memory_gb: f64) -> bool {
    SIZES.iter().any(|&(c, lo, hi, step)| {
        c == cpu
            && (lo..=hi).contains(&memory_gb)
            && if step == 0.0 {
                // 0.25 vCPU: 0.5, 1 or 2 GB.
                [0.5, 1.0, 2.0].contains(&memory_gb)
            } else {
                ((memory_gb - lo) / step).fract() == 0.0
            }
    })
}

/// The valid sizes, as the error lists them.
pub(super) fn sizes_text() -> String {
    SIZES
        .iter()
        .map(|&(c, lo, hi, step)| match step {
            0.0 => format!("{c} vCPU: 0.5, 1 or 2 GB"),
            _ => format!("{c} vCPU: {lo}-{hi} GB in {step} GB steps"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A resolved `fargate` tier's own parts: the task as the group's instance type, the
/// purchase (FARGATE_SPOT as the one spot pool) and the Fargate settings.
pub(super) struct FargateTier {
    pub instance: InstanceConfig,
    pub purchase: PurchaseConfig,
    pub fargate: FargateConfig,
}

pub(super) fn resolve_fargate(
    ctx: &Ctx,
    raw: RawTask,
    providers: Option<Vec<RawCapacityProvider>>,
) -> Result<FargateTier> {
    let cpu = raw.cpu.unwrap_or(default::FARGATE_CPU);
    let memory_gb = raw.memory_gb.unwrap_or(default::FARGATE_MEMORY_GB);
    if !valid_cpu(cpu) {
        return Err(ctx.err(
            "task.cpu",
            format!(
                "is not a Fargate task size; the valid sizes are {}",
                sizes_text()
            ),
        ));
    }
    if !valid_size(cpu, memory_gb) {
        return Err(ctx.err(
            "task.memory_gb",
            format!(
                "is not valid with cpu = {cpu}; the valid sizes are {}",
                sizes_text()
            ),
        ));
    }
    let architecture = raw
        .architecture
        .map_or(Architecture::X86_64, Architecture::from);
    let price_per_hour = task_price_per_hour(cpu, memory_gb, architecture);
    let image = resolve_image(ctx, &raw)?;
    let memory = resolve_task_memory(ctx, &raw, memory_gb)?;
    let provisioning = dist_or(
        ctx,
        "task.provisioning",
        raw.provisioning.as_ref(),
        default::FARGATE_PROVISIONING,
    )?;
    let strategy = resolve_strategy(ctx, providers)?;
    let arch = match architecture {
        Architecture::X86_64 => "",
        Architecture::Arm64 => " arm64",
    };
    let type_name = format!("fargate {cpu} vCPU {memory_gb} GB{arch}");
    let instance = InstanceConfig {
        type_name: type_name.clone(),
        // Whole vCPUs are only shown: a task's workers are given per task.
        vcpu: cpu.ceil() as u32,
        memory_gib: memory_gb,
        price_per_hour,
        // A task's vCPU is the reference's: Fargate does not say which processor runs
        // it.
        speed: catalog::DEFAULT_SPEED,
        boot_time: provisioning,
        failures: Failures::default(),
        credits: None,
    };
    // FARGATE_SPOT is the group's one spot pool, of the task's size (15.2).
    let purchase = PurchaseConfig {
        on_demand_base: 0,
        on_demand_percent_above_base: 100,
        spot_pools: vec![type_name],
        spot_pool_types: vec![PoolType {
            vcpu: instance.vcpu,
            price_per_hour,
            speed: instance.speed,
        }],
        spot_allocation: SpotAllocation::LowestPrice,
        spot_instance_pools: 1,
        reserved: Vec::new(),
        savings_plan: None,
        tenancy: Tenancy::Default,
        capacity_reservations: Vec::new(),
        scheduled_reserved: Vec::new(),
    };
    Ok(FargateTier {
        instance,
        purchase,
        fargate: FargateConfig {
            cpu,
            memory_gb,
            architecture,
            image_mb: image.mb,
            pull_mb_per_s: image.pull_mb_per_s,
            container_start: image.container_start,
            image_pull: image.pull(),
            strategy,
            memory,
        },
    })
}

/// A task's container image and start, for Fargate and ECS on EC2 alike (15.3).
pub(super) struct TaskImage {
    pub mb: f64,
    pub pull_mb_per_s: f64,
    pub container_start: SimDuration,
}

impl TaskImage {
    /// The whole image's pull.
    pub(super) fn pull(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.mb / self.pull_mb_per_s)
    }
}

pub(super) fn resolve_image(ctx: &Ctx, raw: &RawTask) -> Result<TaskImage> {
    let mb = ctx.bounded(
        "task.image_mb",
        raw.image_mb.unwrap_or(default::FARGATE_IMAGE_MB),
        MAX_IMAGE_MB,
    )?;
    let pull_mb_per_s = raw.pull_mb_per_s.unwrap_or(default::FARGATE_PULL_MB_PER_S);
    if !(1.0..=10_000.0).contains(&pull_mb_per_s) {
        return Err(ctx.err("task.pull_mb_per_s", "must be from 1 to 10000 (MB/s)"));
    }
    let container_start = ctx.duration_in(
        "task.container_start",
        raw.container_start.as_ref(),
        default::FARGATE_CONTAINER_START,
        SimDuration::ZERO..=SimDuration::from_secs(3600),
    )?;
    Ok(TaskImage {
        mb,
        pull_mb_per_s,
        container_start,
    })
}

/// How a task fills its memory: a baseline (a quarter of the task's memory unless
/// given, an assumption) and MB per request being computed (none unless given).
pub(super) fn resolve_task_memory(ctx: &Ctx, raw: &RawTask, task_gb: f64) -> Result<TaskMemory> {
    let baseline_gb = ctx.bounded(
        "task.memory_baseline_gb",
        raw.memory_baseline_gb.unwrap_or(task_gb / 4.0),
        task_gb,
    )?;
    let per_request_mb = ctx.bounded(
        "task.memory_per_request_mb",
        raw.memory_per_request_mb.unwrap_or(0.0),
        task_gb * 1024.0,
    )?;
    Ok(TaskMemory {
        task_gb,
        baseline_gb,
        per_request_gb: per_request_mb / 1024.0,
    })
}

/// The capacity provider strategy: all FARGATE when none is given; at most one
/// provider with a base, some weight above zero, each provider once (15.5).
fn resolve_strategy(
    ctx: &Ctx,
    providers: Option<Vec<RawCapacityProvider>>,
) -> Result<CapacityProviderStrategy> {
    let Some(providers) = providers else {
        return Ok(CapacityProviderStrategy {
            fargate: ProviderShare { base: 0, weight: 1 },
            fargate_spot: ProviderShare { base: 0, weight: 0 },
        });
    };
    let mut shares = [None, None];
    for (i, p) in providers.iter().enumerate() {
        let key = format!("capacity_provider[{i}]");
        let slot = &mut shares[p.provider as usize];
        if slot.is_some() {
            return Err(ctx.err(
                &format!("{key}.provider"),
                "is given twice; a strategy names each provider once",
            ));
        }
        *slot = Some(ProviderShare {
            base: ctx.at_most(&format!("{key}.base"), p.base.unwrap_or(0), MAX_BASE)?,
            // The API's default weight is 0 (aws-facts.md 15.5).
            weight: ctx.at_most(&format!("{key}.weight"), p.weight.unwrap_or(0), MAX_WEIGHT)?,
        });
    }
    let none = ProviderShare { base: 0, weight: 0 };
    let strategy = CapacityProviderStrategy {
        fargate: shares[RawProvider::Fargate as usize].unwrap_or(none),
        fargate_spot: shares[RawProvider::FargateSpot as usize].unwrap_or(none),
    };
    if strategy.fargate.base > 0 && strategy.fargate_spot.base > 0 {
        return Err(ctx.err(
            "capacity_provider",
            "only one provider of a strategy may have a base",
        ));
    }
    if strategy.fargate.weight + strategy.fargate_spot.weight == 0 {
        return Err(ctx.err(
            "capacity_provider",
            "needs a provider with a weight above 0 (the API's default weight is 0)",
        ));
    }
    Ok(strategy)
}

/// A `fargate` tier's `[spot]`, which describes FARGATE_SPOT: its price (a discount,
/// 67 % unless given) and its interruptions, resolved as any `[spot]`; the notice is
/// the two-minute SIGTERM warning and there is no rebalance recommendation or
/// Capacity Rebalancing (aws-facts.md 15.2).
pub(super) fn resolve_fargate_spot(
    ctx: &Ctx,
    mut raw: RawSpot,
    purchase: &PurchaseConfig,
) -> Result<SpotConfig> {
    ctx.only_keys(
        "spot",
        &raw,
        "",
        &["interruption", "capacity_events", "price"],
        "is not a key of a fargate tier's [spot], which gives FARGATE_SPOT's `price.discount`, `interruption` and `capacity_events` (the notice is AWS's two minutes)",
    )?;
    if let Some(price) = &raw.price
        && (price.trace.is_some() || price.zone.is_some())
    {
        return Err(ctx.err(
            "spot.price",
            "FARGATE_SPOT has no price history to replay; give `discount`",
        ));
    }
    raw.price.get_or_insert(RawSpotPrice {
        discount: Some(default::FARGATE_SPOT_DISCOUNT),
        ..RawSpotPrice::default()
    });
    let mut spot = resolve_spot(ctx, raw, purchase)?;
    spot.notice = default::SPOT_NOTICE;
    spot.rebalance = Rebalance {
        probability: 0.0,
        lead_max: SimDuration::ZERO,
    };
    spot.capacity_rebalance = false;
    Ok(spot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_valid_sizes_are_aws_table() {
        assert!(valid_size(0.25, 0.5) && valid_size(0.25, 2.0) && !valid_size(0.25, 1.5));
        assert!(valid_size(0.5, 1.0) && valid_size(0.5, 4.0) && !valid_size(0.5, 5.0));
        assert!(valid_size(4.0, 30.0) && !valid_size(4.0, 7.0));
        assert!(valid_size(8.0, 20.0) && !valid_size(8.0, 18.0));
        assert!(valid_size(16.0, 120.0) && !valid_size(16.0, 36.0));
        assert!(!valid_size(3.0, 8.0) && !valid_size(1.0, 2.5));
    }
}
