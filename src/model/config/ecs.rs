//! The configuration of an `ecs_ec2` tier: an ECS service whose tasks run on the
//! container instances of an Auto Scaling group, scaled by the capacity provider's
//! managed scaling (aws-facts.md 15.5, 15.6).

use super::*;

/// An ECS service on EC2 (`kind = "ecs_ec2"`): the task's size and image, where tasks
/// are placed, and the cluster of container instances (the tier's `instance` type).
#[derive(Clone, Debug, PartialEq)]
pub struct EcsConfig {
    /// vCPU and memory each task reserves on its container instance.
    pub task_cpu: f64,
    pub task_memory_gb: f64,
    /// The container image: pulled whole by the first task on an instance, then in the
    /// instance's cache (aws-facts.md 15.3, `ECS_IMAGE_PULL_BEHAVIOR`), stored in ECR.
    pub image_mb: f64,
    pub pull_mb_per_s: f64,
    /// `image_mb / pull_mb_per_s`, as a duration.
    pub image_pull: SimDuration,
    /// From the image on the instance to the container ready.
    pub container_start: SimDuration,
    pub placement: Placement,
    pub cluster: ClusterConfig,
    /// Tasks one container instance holds: its vCPU and memory over the task's.
    pub tasks_per_instance: u32,
    pub memory: TaskMemory,
}

/// The task placement strategy (aws-facts.md 15.6). Tasks of one service are all the
/// same size, so binpacking on CPU or on memory fills instances in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Onto the instance with the least room left that still fits the task: the
    /// fewest instances.
    Binpack,
    /// Onto the instance with the fewest tasks (`spread` on `instanceId`).
    Spread,
}

/// The Auto Scaling group of container instances and its capacity provider's managed
/// scaling (aws-facts.md 15.5).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    pub min: u32,
    pub max: u32,
    /// Container instances at the start, registered and empty of tasks but those placed
    /// at t = 0.
    pub desired: u32,
    /// `targetCapacity`, percent (1-100): the CapacityProviderReservation kept.
    pub target_capacity: f64,
    /// `instanceWarmupPeriod`: a further scale-out waits until every new instance is
    /// this old.
    pub instance_warmup: SimDuration,
    pub minimum_scaling_step_size: u32,
    pub maximum_scaling_step_size: u32,
    /// Managed termination protection: scale-in stops only instances without tasks.
    pub managed_termination_protection: bool,
}
