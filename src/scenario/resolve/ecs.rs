//! `[tiers.<name>.task]` and `[tiers.<name>.cluster]` of an `ecs_ec2` tier: the task
//! each container instance holds some of, and the Auto Scaling group of container
//! instances (the tier's `instance` type) with its capacity provider's managed
//! scaling and the service's placement strategy. Every bound is AWS's, cited.

use super::*;

/// The `ecs_ec2` settings, once the tier's instance type (the container instances')
/// and the service's initial task count are known.
pub(super) fn resolve_ecs(
    ctx: &Ctx,
    task: RawTask,
    cluster: RawCluster,
    instance: &InstanceConfig,
    autoscaling: &AutoScalingConfig,
) -> Result<EcsConfig> {
    ctx.only_keys(
        "task",
        &task,
        "",
        &[
            "cpu",
            "memory_gb",
            "image_mb",
            "pull_mb_per_s",
            "container_start",
            "memory_baseline_gb",
            "memory_per_request_mb",
        ],
        "is a Fargate task's; an ecs_ec2 task runs on its container instance's type and starts when its image is there",
    )?;
    let task_cpu = ctx.positive("task.cpu", task.cpu.unwrap_or(default::FARGATE_CPU))?;
    let task_memory_gb = ctx.positive(
        "task.memory_gb",
        task.memory_gb.unwrap_or(default::FARGATE_MEMORY_GB),
    )?;
    // A task is placed only where its reservation fits (aws-facts.md 15.5: "tasks
    // larger than the smallest instance type stay PENDING"); one that fits nowhere is
    // a scenario error rather than a service that never starts.
    let fit = |room: f64, size: f64| (room / size + 1e-9).floor() as u32;
    let by_cpu = fit(f64::from(instance.vcpu), task_cpu);
    let by_memory = fit(instance.memory_gib, task_memory_gb);
    if by_cpu == 0 {
        return Err(ctx.err(
            "task.cpu",
            format!(
                "is more than a container instance has ({} has {} vCPU)",
                instance.type_name, instance.vcpu
            ),
        ));
    }
    if by_memory == 0 {
        return Err(ctx.err(
            "task.memory_gb",
            format!(
                "is more than a container instance has ({} has {} GiB)",
                instance.type_name, instance.memory_gib
            ),
        ));
    }
    let tasks_per_instance = by_cpu.min(by_memory);
    let image = resolve_image(ctx, &task)?;
    let memory = resolve_task_memory(ctx, &task, task_memory_gb)?;
    let min = cluster.min.unwrap_or(1);
    if min == 0 {
        return Err(ctx.err(
            "cluster.min",
            "must be at least 1: simcloud's groups always keep one instance",
        ));
    }
    let max = ctx.at_most(
        "cluster.max",
        cluster.max.unwrap_or(min.max(10)),
        MAX_INSTANCES,
    )?;
    if max < min {
        return Err(ctx.err(
            "cluster.max",
            format!("must be at least cluster.min ({min})"),
        ));
    }
    // Enough container instances for the service's first tasks, unless given.
    let needed = autoscaling
        .desired
        .div_ceil(tasks_per_instance)
        .clamp(min, max);
    let desired = cluster.desired.unwrap_or(needed);
    ctx.range("cluster.desired", desired, min, max, "")?;
    // targetCapacity: "greater than 0 and less than or equal to 100", whole percent in
    // the API (1-100) (aws-facts.md 15.5).
    let target_capacity = ctx.range(
        "cluster.target_capacity",
        cluster
            .target_capacity
            .unwrap_or(default::ECS_TARGET_CAPACITY),
        1.0,
        100.0,
        " %",
    )?;
    // instanceWarmupPeriod 0-10,000 s; step sizes 1-10,000 (API ManagedScaling).
    let instance_warmup = ctx.duration_in(
        "cluster.instance_warmup",
        cluster.instance_warmup.as_ref(),
        default::ECS_INSTANCE_WARMUP,
        SimDuration::ZERO..=SimDuration::from_secs(10_000),
    )?;
    let step = |key: &str, x: Option<u32>, default: u32| {
        ctx.range(
            &format!("cluster.{key}"),
            x.unwrap_or(default),
            1,
            10_000,
            "",
        )
    };
    let minimum_scaling_step_size = step(
        "minimum_scaling_step_size",
        cluster.minimum_scaling_step_size,
        default::ECS_MIN_STEP,
    )?;
    let maximum_scaling_step_size = step(
        "maximum_scaling_step_size",
        cluster.maximum_scaling_step_size,
        default::ECS_MAX_STEP,
    )?;
    if maximum_scaling_step_size < minimum_scaling_step_size {
        return Err(ctx.err(
            "cluster.maximum_scaling_step_size",
            format!("must be at least minimum_scaling_step_size ({minimum_scaling_step_size})"),
        ));
    }
    let room = u64::from(max) * u64::from(tasks_per_instance);
    if room < u64::from(autoscaling.max) {
        ctx.note(
            "cluster.max",
            format_args!(
                "{max} container instances hold {room} tasks of this size, fewer than autoscaling.max ({}): tasks beyond them stay pending",
                autoscaling.max
            ),
        );
    }
    Ok(EcsConfig {
        task_cpu,
        task_memory_gb,
        image_mb: image.mb,
        pull_mb_per_s: image.pull_mb_per_s,
        image_pull: image.pull(),
        container_start: image.container_start,
        placement: cluster
            .placement
            .map_or(default::ECS_PLACEMENT, Placement::from),
        cluster: ClusterConfig {
            min,
            max,
            desired,
            target_capacity,
            instance_warmup,
            minimum_scaling_step_size,
            maximum_scaling_step_size,
            managed_termination_protection: cluster
                .managed_termination_protection
                .unwrap_or(default::ECS_TERMINATION_PROTECTION),
        },
        tasks_per_instance,
        memory,
    })
}
