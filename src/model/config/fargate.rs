//! The configuration of a `fargate` tier: the task and the capacity provider
//! strategy (aws-facts.md 15).

use super::*;

/// An ECS service on AWS Fargate (`kind = "fargate"`): its task size and image, and
/// how its tasks are split between FARGATE and FARGATE_SPOT.
#[derive(Clone, Debug, PartialEq)]
pub struct FargateConfig {
    /// Task vCPU, one of the valid sizes (aws-facts.md 15.1).
    pub cpu: f64,
    pub memory_gb: f64,
    pub architecture: Architecture,
    /// The container image in ECR: pulled whole by every task (15.3), stored in ECR
    /// (15.7).
    pub image_mb: f64,
    /// Image pull throughput, MB/s.
    pub pull_mb_per_s: f64,
    /// From the image pulled to the container ready; added to the provisioning
    /// time (`instance.boot_time`) and the pull.
    pub container_start: SimDuration,
    /// `image_mb / pull_mb_per_s`, as a duration.
    pub image_pull: SimDuration,
    pub strategy: CapacityProviderStrategy,
    pub memory: TaskMemory,
}

/// What a task of an ECS service holds in memory, for the service's memory
/// utilisation (`ECSServiceAverageMemoryUtilization`, aws-facts.md 15.4): a baseline
/// (the runtime and the application loaded) and a share per request being computed.
/// Requests waiting in a task's queue, or holding a worker while they wait on a
/// call, are not counted (an assumption: a queue in the listen backlog holds next to
/// nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskMemory {
    /// The task's memory, GB: what utilisation is a share of.
    pub task_gb: f64,
    pub baseline_gb: f64,
    pub per_request_gb: f64,
}

impl TaskMemory {
    /// Memory utilisation, percent, with `computing` requests on average.
    pub fn utilization(&self, computing: f64) -> f64 {
        100.0 * (self.baseline_gb + self.per_request_gb * computing) / self.task_gb
    }
}

/// The capacity provider strategy of an ECS service (aws-facts.md 15.5): `base` tasks
/// on one provider first, the rest split by weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityProviderStrategy {
    pub fargate: ProviderShare,
    pub fargate_spot: ProviderShare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderShare {
    pub base: u32,
    pub weight: u32,
}

impl CapacityProviderStrategy {
    /// FARGATE tasks in a service of `total`: the base first (at most one provider
    /// has one), then the FARGATE share by weight of the rest, rounded up in favour
    /// of FARGATE as the Auto Scaling group rounds on-demand (an assumption: ECS does
    /// not document its rounding).
    pub fn on_demand_target(&self, total: u32) -> u32 {
        let (od, spot) = (self.fargate, self.fargate_spot);
        let od_base = total.min(od.base);
        let spot_base = (total - od_base).min(spot.base);
        let above = u64::from(total - od_base - spot_base);
        let weights = u64::from(od.weight + spot.weight);
        let od_above = (above * u64::from(od.weight)).div_ceil(weights.max(1));
        od_base + od_above as u32
    }

    /// True when some tasks may run on FARGATE_SPOT.
    pub fn uses_spot(&self) -> bool {
        self.fargate_spot.base > 0 || self.fargate_spot.weight > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ECS's examples (aws-facts.md 15.5): weights 1 and 4 put one task on the first
    /// provider for every four on the second; a base is filled first.
    #[test]
    fn capacity_provider_strategy_fills_the_base_then_splits_by_weight() {
        let strategy = |od: (u32, u32), spot: (u32, u32)| CapacityProviderStrategy {
            fargate: ProviderShare {
                base: od.0,
                weight: od.1,
            },
            fargate_spot: ProviderShare {
                base: spot.0,
                weight: spot.1,
            },
        };
        let od = |s: &CapacityProviderStrategy| [1, 2, 5, 10].map(|t| s.on_demand_target(t));
        assert_eq!(od(&strategy((0, 1), (0, 4))), [1, 1, 1, 2]);
        assert_eq!(od(&strategy((2, 1), (0, 3))), [1, 2, 3, 4]);
        // A base on FARGATE_SPOT: spot first, then FARGATE by weight (1 of 2 above it).
        assert_eq!(od(&strategy((0, 1), (2, 1))), [0, 0, 2, 4]);
        assert_eq!(od(&strategy((0, 1), (0, 0))), [1, 2, 5, 10]);
        assert!(!strategy((0, 1), (0, 0)).uses_spot());
    }
}
