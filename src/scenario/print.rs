//! The resolved scenario written back as a scenario file (`simcloud validate`, the
//! HTML report): a [`Config`] turned into the raw structs, which serialize with the
//! file's own keys and words. The model's types know no file format; the raw structs
//! are the one declaration of it, for reading and for writing.
//!
//! Each value is written in full, so the output resolves to the same `Config` from
//! anywhere (paths are already absolute). Values the model derives (the workers per
//! instance with `workers_per_vcpu`, the metric period, parsed cron sets, trace rates)
//! are left out, as the file never gives them.
//!
//! A scenario of one tier named `web` of kind `ec2` that calls nothing is written in
//! the single-tier form, as it was before tiers existed (`validate`'s output and every
//! report of such a scenario stay byte-identical); any other as `[tiers.<name>]`
//! tables, the entry tier saying `entry = true`.

use super::default;
use super::raw::*;
use crate::engine::SimDuration;
use crate::model::*;
use std::path::{Path, PathBuf};

/// The resolved scenario as TOML, itself a valid scenario: every default filled in,
/// file paths absolute (so it loads from any folder), and each strategy as the
/// overrides that turn the resolved base into the strategy's resolved scenario.
/// Printing the strategies as written would not do: a strategy that changes
/// `instance.type` relies on the base's price being a default, which the resolved base
/// spells out.
pub fn resolved_toml(config: &Config, strategies: &[(String, Config)]) -> Result<String, String> {
    // One form for the base and every strategy, so that a strategy's overrides merge
    // into the base as printed.
    let single = single_tier(config) && strategies.iter().all(|(_, s)| single_tier(s));
    let to_table = |c: &Config| match toml::Value::try_from(raw_of(c, single)) {
        Ok(toml::Value::Table(t)) => Ok(t),
        Ok(_) => Err("the resolved scenario is not a table".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let base = to_table(config)?;
    let mut text = toml::to_string(&base).map_err(|e| e.to_string())?;
    if !strategies.is_empty() {
        let mut list = Vec::new();
        for (name, strategy) in strategies {
            let mut overrides = super::difference(&base, &to_table(strategy)?);
            overrides.insert("name".into(), toml::Value::String(name.clone()));
            list.push(toml::Value::Table(overrides));
        }
        let mut table = toml::Table::new();
        table.insert("strategy".into(), toml::Value::Array(list));
        text.push('\n');
        text.push_str(&toml::to_string(&table).map_err(|e| e.to_string())?);
    }
    Ok(text)
}

/// [`resolved_toml`] for a document (the HTML report), with the files the scenario
/// and its strategies read written relative to `dir` (the folder the command ran in)
/// rather than absolute: a committed report then names `../shared/data/...` as the
/// user does, not one machine's folders. Such text loads from `dir`.
pub fn resolved_toml_from(
    config: &Config,
    strategies: &[(String, Config)],
    dir: &Path,
) -> Result<String, String> {
    let relative_files = |config: &Config| {
        let mut config = config.clone();
        if let Some(trace) = &mut config.traffic.trace {
            trace.file = relative(&trace.file, dir);
        }
        for tier in &mut config.tiers {
            if let SpotPrice::Trace { trace, .. } = &mut tier.spot.price {
                *trace = relative(trace, dir);
            }
            if let Some(file) = tier.worker.as_mut().and_then(|w| w.cron_file.as_mut()) {
                *file = relative(file, dir);
            }
        }
        if let Some(pricing) = &mut config.pricing {
            pricing.offer_file = relative(&pricing.offer_file, dir);
        }
        config
    };
    let strategies: Vec<(String, Config)> = strategies
        .iter()
        .map(|(name, c)| (name.clone(), relative_files(c)))
        .collect();
    resolved_toml(&relative_files(config), &strategies)
}

/// `path` relative to `dir` when both are absolute (`/a/x/f` from `/a/b` is
/// `../x/f`); otherwise `path` as it is.
fn relative(path: &Path, dir: &Path) -> PathBuf {
    if !path.is_absolute() || !dir.is_absolute() {
        return path.to_path_buf();
    }
    let (p, d): (Vec<_>, Vec<_>) = (path.components().collect(), dir.components().collect());
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out: PathBuf = d[common..].iter().map(|_| "..").collect();
    out.extend(&p[common..]);
    out
}

fn text(d: SimDuration) -> Option<String> {
    Some(d.to_string())
}

/// A list, or nothing when it is empty (the file leaves empty lists out).
fn list<T, R>(items: &[T], f: impl Fn(&T) -> R) -> Option<Vec<R>> {
    (!items.is_empty()).then(|| items.iter().map(f).collect())
}

/// True when `config` can be written in the single-tier form: one tier, named `web`,
/// of kind `ec2`, that calls nothing.
fn single_tier(config: &Config) -> bool {
    let entry = config.entry();
    config.tiers.len() == 1
        && entry.name == default::TIER_NAME
        && entry.kind == TierKind::Ec2
        && entry.calls.is_empty()
}

/// The raw scenario of `run`, in the single-tier form when `single` (which
/// [`single_tier`] allows) or else as `[tiers.<name>]` tables.
fn raw_of(run: &Config, single: bool) -> RawScenario {
    let mut raw = RawScenario {
        name: Some(run.name.clone()),
        duration: text(run.duration),
        seed: Some(run.seed),
        // A run whose only jobs are a batch tier's own has no [traffic] (`resolve`).
        traffic: (!run.traffic.is_none()).then(|| traffic(&run.traffic)),
        slo: Some(RawSlo {
            latency: text(run.slo.latency),
            percentile: Some(run.slo.percentile),
        }),
        report: Some(RawReport {
            interval: text(run.report.interval),
        }),
        ..Default::default()
    };
    network(&mut raw, &run.network);
    raw.pricing = run.pricing.as_ref().map(|p| RawPricing {
        offer_file: Some(p.offer_file.display().to_string()),
        region: p.region.clone(),
    });
    let deployments: Vec<RawDeployment> = run
        .tiers
        .iter()
        .flat_map(|t| t.deployments.iter().map(move |d| deployment(&t.name, d)))
        .collect();
    raw.deployment = (!deployments.is_empty()).then_some(deployments);
    raw.dns = run.dns.as_ref().map(|d| RawDns {
        ttl: text(d.ttl),
        ttl_ignoring_share: Some(d.ttl_ignoring_share),
        ttl_ignoring_hold: text(d.ttl_ignoring_hold),
        resolvers: Some(d.resolvers),
    });
    if single {
        raw.put_single_tier(tier(run, 0));
    } else {
        raw.tiers = Some(
            (0..run.tiers.len())
                .map(|i| (run.tiers[i].name.clone(), tier(run, i)))
                .collect(),
        );
    }
    raw
}

/// A `[[deployment]]` of tier `name`.
fn deployment(name: &str, d: &DeploymentConfig) -> RawDeployment {
    let f = &d.failure;
    let policy_has_batches = matches!(
        d.policy,
        DeploymentPolicy::Rolling
            | DeploymentPolicy::RollingWithAdditionalBatch
            | DeploymentPolicy::Immutable
    );
    RawDeployment {
        tier: Some(name.to_string()),
        at: d.at.to_string(),
        policy: Some(d.policy.into()),
        deploy_time: Some(dist(&d.deploy_time)),
        batch_size: Some(d.batch_size),
        batch_size_type: Some(d.batch_size_type.into()),
        health: Some(d.health.into()),
        // A policy's own options only on that policy, which alone accepts them.
        new_version_percent: (d.policy == DeploymentPolicy::TrafficSplitting)
            .then_some(d.new_version_percent),
        evaluation_time: (d.policy == DeploymentPolicy::TrafficSplitting)
            .then(|| d.evaluation_time.to_string()),
        swap_at: d.swap_at.map(|t| t.to_string()),
        terminate_old_at: d.terminate_old_at.map(|t| t.to_string()),
        // The failure keys only with a failure (which alone accepts the batch and the
        // rollback), and the timeout when it is not the default: a scenario without
        // them prints as it always did.
        fail: f.certain.then_some(true),
        failure_probability: f.probability,
        failing_batch: (f.possible() && policy_has_batches).then_some(f.batch),
        timeout: (f.possible() || f.timeout != default::DEPLOYMENT_TIMEOUT)
            .then(|| f.timeout.to_string()),
        rollback: f.rollback.then_some(true),
    }
}

/// The tier at `index` of `run`, its calls naming the tiers they call.
fn tier(run: &Config, index: usize) -> RawTier {
    let c = &run.tiers[index];
    let calls = list(&c.calls, |call| RawCall {
        tier: run.tiers[call.tier].name.clone(),
        count: Some(call.count),
        request_bytes: Some(call.request_bytes),
        response_bytes: Some(call.response_bytes),
    });
    if let Some(function) = &c.lambda {
        return lambda_tier(c, function, index == 0, calls);
    }
    if let Some(db) = &c.rds {
        return rds_tier(c, db);
    }
    if let (Some(b), Some(e)) = (&c.batch, &c.emr) {
        return emr_tier(c, b, e);
    }
    if let Some(b) = &c.batch {
        return batch_tier(c, b);
    }
    // A fargate tier's instance type and purchase are its task and strategy; an
    // ecs_ec2 tier's instance is its container instances', all on-demand.
    let (instance_table, purchase_table, task, capacity_provider, spot_table) =
        match (&c.fargate, &c.ecs) {
            (Some(f), _) => (
                None,
                None,
                Some(fargate_task(c, f)),
                Some(fargate_strategy(&f.strategy)),
                Some(fargate_spot(&c.spot)),
            ),
            (None, Some(e)) => (
                Some(RawInstance {
                    failures: None,
                    ..instance(&c.instance)
                }),
                None,
                Some(ecs_task(e)),
                None,
                None,
            ),
            (None, None) => (
                Some(instance(&c.instance)),
                Some(purchase(&c.purchase)),
                None,
                None,
                Some(spot(&c.spot)),
            ),
        };
    RawTier {
        kind: c.kind.into(),
        entry: (index == 0).then_some(true),
        service: Some(RawService {
            time: Some(dist(&c.service.time)),
            workers: Some(c.service.workers_setting),
            workers_per_vcpu: Some(c.service.workers_per_vcpu),
            queue_limit: Some(match c.service.queue_limit {
                Some(n) => toml::Value::Integer(i64::from(n)),
                None => toml::Value::String("unlimited".into()),
            }),
            // A worker's application answers `sqsd` within its inactivity timeout.
            timeout: c
                .worker
                .is_none()
                .then(|| text(c.service.timeout))
                .flatten(),
            response_bytes: response_bytes(&c.service),
        }),
        instance: instance_table,
        load_balancer: tier_load_balancer(c),
        autoscaling: Some(RawAutoScaling {
            // Every minute, as ECS publishes a service's metrics: not a key of it.
            monitoring: matches!(
                c.kind,
                TierKind::Ec2 | TierKind::Beanstalk | TierKind::Worker
            )
            .then(|| c.autoscaling.monitoring.into()),
            ..autoscaling(&c.autoscaling)
        }),
        purchase: purchase_table,
        spot: spot_table,
        s3: c.s3.as_ref().map(s3),
        calls,
        task,
        cluster: c.ecs.as_ref().map(cluster),
        capacity_provider,
        environment: c.beanstalk.as_ref().map(|b| RawEnvironment {
            environment_type: Some(b.environment_type.into()),
        }),
        sends: list(&c.sends, |s| RawSend {
            tier: run.tiers[s.tier].name.clone(),
            probability: Some(s.probability),
        }),
        sqsd: c.worker.as_ref().map(sqsd),
        messages: c
            .worker
            .as_ref()
            .and_then(|w| w.messages.as_ref())
            .map(traffic),
        // The tasks written in the scenario; those of `cron_file` stay in the file.
        periodic_task: c.worker.as_ref().and_then(|w| {
            let written: Vec<&PeriodicTask> =
                w.periodic_tasks.iter().filter(|t| !t.from_file).collect();
            list(&written, |t| RawPeriodicTask {
                name: t.name.clone(),
                schedule: t.schedule.clone(),
                url: t.url.clone(),
                time: t.time.as_ref().map(dist),
            })
        }),
        cron_file: c
            .worker
            .as_ref()
            .and_then(|w| w.cron_file.as_ref())
            .map(|p| p.display().to_string()),
        placement: c.placement.map(|p| RawPlacementGroup {
            strategy: p.strategy.into(),
            partitions: (p.strategy == PlacementGroupStrategy::Partition).then_some(p.partitions),
        }),
        ..RawTier::default()
    }
}

/// A `batch` tier: its compute environment, its queues (as `[[queue]]` tables, in
/// priority order) and its `[spot]` table (its other tables hold defaults the file
/// may not give).
fn batch_tier(c: &TierConfig, b: &BatchConfig) -> RawTier {
    let several = b.environments.len() > 1;
    let environment = |e: &ComputeEnvironment| {
        let name = (e.name != "default" || several).then(|| e.name.clone());
        let compute_type = Some(match e.compute {
            ComputeType::Ec2 => RawComputeType::Ec2,
            ComputeType::Spot => RawComputeType::Spot,
            ComputeType::Fargate => RawComputeType::Fargate,
            ComputeType::FargateSpot => RawComputeType::FargateSpot,
        });
        if e.compute.fargate() {
            // AWS takes no more on Fargate; its types are its jobs' sizes.
            return RawCompute {
                name,
                compute_type,
                max_vcpus: Some(e.max_vcpus),
                launch_time: text(e.launch_time),
                ..RawCompute::default()
            };
        }
        RawCompute {
            name,
            compute_type,
            min_vcpus: Some(e.min_vcpus),
            desired_vcpus: Some(e.desired_vcpus),
            max_vcpus: Some(e.max_vcpus),
            instance_types: Some(e.types.iter().map(|&t| b.types[t].name.clone()).collect()),
            allocation_strategy: Some(e.allocation.into()),
            bid_percentage: (e.compute == ComputeType::Spot).then_some(e.bid_percentage),
            launch_time: text(e.launch_time),
            idle_timeout: text(e.idle_timeout),
        }
    };
    RawTier {
        compute: Some(environment(&b.environments[0])),
        compute_environment: list(&b.environments[1..], environment),
        queue: list(&b.queues, |q| RawJobQueue {
            name: Some(q.name.clone()),
            priority: Some(q.priority),
            compute_environments: several.then(|| {
                q.environments
                    .iter()
                    .map(|&e| b.environments[e].name.clone())
                    .collect()
            }),
            jobs: Some(jobs(&q.jobs)),
        }),
        spot: Some(match b.fargate() {
            true => fargate_spot(&c.spot),
            false => spot(&c.spot),
        }),
        ..RawTier::of_kind(c.kind.into())
    }
}

/// An `emr` tier: its cluster, its instance groups, its node losses, its queues and
/// its `[spot]` table.
fn emr_tier(c: &TierConfig, b: &BatchConfig, e: &EmrConfig) -> RawTier {
    let group = |g: &NodeGroup| RawNodeGroup {
        instance_type: Some(b.types[g.type_index].name.clone()),
        count: Some(g.count),
        market: Some(match g.spot {
            true => RawMarket::Spot,
            false => RawMarket::OnDemand,
        }),
        emr_price_per_hour: Some(g.emr_price_per_hour),
    };
    let fleet = |f: &NodeFleet| RawNodeFleet {
        target_on_demand_capacity: Some(f.target_on_demand_units),
        target_spot_capacity: Some(f.target_spot_units),
        instance_types: Some(
            f.types
                .iter()
                .map(|t| RawFleetType {
                    instance_type: Some(b.types[t.type_index].name.clone()),
                    weighted_capacity: Some(t.weighted_capacity),
                    bid_price_as_percentage_of_on_demand_price: Some(t.max_spot_share * 100.0),
                    emr_price_per_hour: Some(t.emr_price_per_hour),
                })
                .collect(),
        ),
        spot_specification: Some(RawSpotSpecification {
            timeout_duration: f.spot_timeout.and_then(|(d, _)| text(d)),
            timeout_action: f.spot_timeout.map(|(_, a)| match a {
                SpotTimeoutAction::SwitchToOnDemand => RawTimeoutAction::SwitchToOnDemand,
                SpotTimeoutAction::TerminateCluster => RawTimeoutAction::TerminateCluster,
            }),
            allocation_strategy: Some(match f.spot_allocation {
                SpotFleetAllocation::CapacityOptimized => RawSpotFleetAllocation::CapacityOptimized,
                SpotFleetAllocation::PriceCapacityOptimized => {
                    RawSpotFleetAllocation::PriceCapacityOptimized
                }
                SpotFleetAllocation::LowestPrice => RawSpotFleetAllocation::LowestPrice,
            }),
        }),
        on_demand_specification: Some(RawOnDemandSpecification {
            allocation_strategy: Some(RawOnDemandFleetAllocation::LowestPrice),
        }),
    };
    let role = |r: NodeRole| match r {
        NodeRole::Primary => RawNodeRole::Primary,
        NodeRole::Core => RawNodeRole::Core,
        NodeRole::Task => RawNodeRole::Task,
    };
    RawTier {
        emr: Some(RawEmr {
            at: text(e.at),
            provisioning_time: text(e.provisioning_time),
            terminate: Some(match e.idle_timeout {
                Some(_) => RawTerminate::WhenIdle,
                None => RawTerminate::Never,
            }),
            idle_timeout: e.idle_timeout.and_then(text),
            terminate_at: e.terminate_at.and_then(text),
            hdfs_replication: Some(e.hdfs_replication),
        }),
        instance_groups: match &e.nodes {
            EmrNodes::Groups(g) => Some(RawInstanceGroups {
                primary: g.first().map(group),
                core: g.get(1).map(group),
                task: g.get(2).map(group),
            }),
            EmrNodes::Fleets(_) => None,
        },
        instance_fleets: match &e.nodes {
            EmrNodes::Groups(_) => None,
            EmrNodes::Fleets(f) => Some(RawInstanceFleets {
                primary: f.first().map(fleet),
                core: f.get(1).map(fleet),
                task: f.get(2).map(fleet),
            }),
        },
        node_loss: list(&e.node_losses, |l| RawNodeLoss {
            group: role(l.role),
            at: l.at.to_string(),
        }),
        managed_scaling: e.managed_scaling.map(|m| RawManagedScaling {
            min_units: Some(m.min_units),
            max_units: Some(m.max_units),
            max_core_units: Some(m.max_core_units),
            max_on_demand_units: Some(m.max_on_demand_units),
        }),
        queue: list(&b.queues, |q| RawJobQueue {
            name: Some(q.name.clone()),
            priority: Some(q.priority),
            compute_environments: None,
            jobs: Some(jobs(&q.jobs)),
        }),
        spot: Some(spot(&c.spot)),
        ..RawTier::of_kind(c.kind.into())
    }
}

/// A job queue's jobs.
fn jobs(j: &JobSpec) -> RawJobs {
    let (array_size, at, arrivals) = match &j.source {
        JobSource::Array { size, at } => (Some(*size), Some(at.to_string()), None),
        JobSource::Arrivals(t) => (None, None, Some(traffic(t))),
        JobSource::Traffic => (None, None, None),
    };
    let (deadline, deadline_at) = match j.deadline {
        Some(Deadline::AfterSubmission(d)) => (Some(d.to_string()), None),
        Some(Deadline::At(d)) => (None, Some(d.to_string())),
        None => (None, None),
    };
    RawJobs {
        array_size,
        at,
        arrivals,
        vcpus: Some(j.vcpus),
        memory_gb: Some(j.memory_gib),
        run_time: Some(dist(&j.run_time)),
        checkpoint: j.checkpoint.map(|d| d.to_string()),
        restart_cost: text(j.restart_cost),
        deadline,
        deadline_at,
        attempts: Some(j.attempts),
        retry_on: Some(match j.retry_on {
            RetryOn::Any => RawRetryOn::Any,
            RetryOn::Interruption => RawRetryOn::Interruption,
        }),
        failure_probability: Some(j.failure_probability),
    }
}

/// A `worker` tier's queue options.
fn sqsd(w: &WorkerConfig) -> RawSqsd {
    RawSqsd {
        http_connections: Some(w.http_connections),
        visibility_timeout: text(w.visibility_timeout),
        error_visibility_timeout: text(w.error_visibility_timeout),
        inactivity_timeout: text(w.inactivity_timeout),
        max_retries: Some(w.max_retries),
        retention_period: text(w.retention_period),
        message_kb: Some(w.message_kb),
    }
}

/// `service.response_bytes`, written only when responses are metered, as a scenario
/// written before they were leaves it out.
fn response_bytes(service: &ServiceConfig) -> Option<u64> {
    (service.response_bytes > 0).then_some(service.response_bytes)
}

/// The entry tier's bucket.
fn s3(b: &S3Config) -> RawS3 {
    RawS3 {
        gets_per_request: Some(b.gets_per_request),
        object_kb: Some(b.object_bytes / 1000.0),
        stored_gb: Some(b.stored_gb),
        puts_per_request: Some(b.puts_per_request),
        via: Some(match b.cloudfront {
            None => RawVia::S3,
            Some(_) => RawVia::Cloudfront,
        }),
        cache_hit_ratio: b.cloudfront.as_ref().map(|c| c.cache_hit_ratio),
    }
}

/// `[network]`, `[[outage]]` and `[[capacity_shortage]]` into `raw`, when the run
/// has more than the one default zone or anything happens to a zone: a scenario
/// without them prints as it did before zones existed.
fn network(raw: &mut RawScenario, n: &Network) {
    if *n == Network::default() {
        return;
    }
    let zone = |z: usize| n.zones[z].clone();
    raw.network = Some(RawNetwork {
        zones: Some(n.zones.clone()),
    });
    raw.outage = list(&n.outages, |o| RawOutage {
        zone: zone(o.zone),
        at: o.at.to_string(),
        duration: o.duration.to_string(),
    });
    raw.capacity_shortage = list(&n.shortages, |s| RawShortage {
        pool: s.type_name.clone(),
        zone: zone(s.zone),
        from: s.from.to_string(),
        to: s.to.to_string(),
    });
}

/// An `rds` tier: its kind and its database (its other tables hold defaults the file
/// may not give).
fn rds_tier(c: &TierConfig, db: &RdsConfig) -> RawTier {
    RawTier {
        rds: Some(RawRds {
            engine: Some(db.engine.into()),
            class: Some(db.class.clone()),
            multi_az: Some(db.multi_az),
            read_replicas: Some(db.read_replicas),
            read_share: Some(db.read_share),
            max_connections: Some(db.max_connections),
            pool_size: Some(db.pool_size),
            queries: Some(db.queries),
            query_time: Some(dist(&db.query_time)),
            storage_gb: Some(db.storage_gb),
            proxy: Some(db.proxy),
            reserved: list(&db.reserved, |r| RawDbReservation {
                count: r.count,
                term: Some(r.term.into()),
                payment: Some(r.payment.into()),
                hourly_usd: Some(r.hourly_usd),
                upfront_usd: Some(r.upfront_usd),
            }),
        }),
        failover: list(&db.failovers, |f| RawFailover {
            at: text(f.at).expect("a failover's time is written"),
            duration: f.duration.and_then(text),
        }),
        ..RawTier::of_kind(c.kind.into())
    }
}

/// A `fargate` tier's task.
fn fargate_task(c: &TierConfig, f: &FargateConfig) -> RawTask {
    RawTask {
        cpu: Some(f.cpu),
        memory_gb: Some(f.memory_gb),
        architecture: Some(f.architecture.into()),
        image_mb: Some(f.image_mb),
        pull_mb_per_s: Some(f.pull_mb_per_s),
        provisioning: Some(dist(&c.instance.boot_time)),
        container_start: text(f.container_start),
        ..task_memory(&f.memory)
    }
}

/// The memory keys of a task.
fn task_memory(m: &TaskMemory) -> RawTask {
    RawTask {
        memory_baseline_gb: Some(m.baseline_gb),
        memory_per_request_mb: Some(m.per_request_gb * 1024.0),
        ..RawTask::default()
    }
}

/// An `ecs_ec2` tier's task.
fn ecs_task(e: &EcsConfig) -> RawTask {
    RawTask {
        cpu: Some(e.task_cpu),
        memory_gb: Some(e.task_memory_gb),
        image_mb: Some(e.image_mb),
        pull_mb_per_s: Some(e.pull_mb_per_s),
        container_start: text(e.container_start),
        ..task_memory(&e.memory)
    }
}

/// An `ecs_ec2` tier's container instances and placement.
fn cluster(e: &EcsConfig) -> RawCluster {
    let c = &e.cluster;
    RawCluster {
        min: Some(c.min),
        max: Some(c.max),
        desired: Some(c.desired),
        target_capacity: Some(c.target_capacity),
        instance_warmup: text(c.instance_warmup),
        minimum_scaling_step_size: Some(c.minimum_scaling_step_size),
        maximum_scaling_step_size: Some(c.maximum_scaling_step_size),
        managed_termination_protection: Some(c.managed_termination_protection),
        placement: Some(e.placement.into()),
    }
}

/// The capacity provider strategy, each provider with a base or a weight.
fn fargate_strategy(s: &CapacityProviderStrategy) -> Vec<RawCapacityProvider> {
    [
        (RawProvider::Fargate, s.fargate),
        (RawProvider::FargateSpot, s.fargate_spot),
    ]
    .into_iter()
    .filter(|(_, share)| share.base > 0 || share.weight > 0)
    .map(|(provider, share)| RawCapacityProvider {
        provider,
        base: Some(share.base),
        weight: Some(share.weight),
    })
    .collect()
}

/// A `lambda` tier: its kind, `service.time` and its function (its other tables hold
/// defaults the file may not give).
fn lambda_tier(
    c: &TierConfig,
    f: &LambdaConfig,
    entry: bool,
    calls: Option<Vec<RawCall>>,
) -> RawTier {
    RawTier {
        entry: entry.then_some(true),
        service: Some(RawService {
            time: Some(dist(&c.service.time)),
            response_bytes: response_bytes(&c.service),
            ..RawService::default()
        }),
        // The ALB in front of the function: its prices and what its LCUs meter.
        load_balancer: f.alb.then(|| RawLoadBalancer {
            price_per_hour: Some(c.load_balancer.price_per_hour),
            price_per_lcu_hour: Some(c.load_balancer.price_per_lcu_hour),
            request_bytes: Some(c.load_balancer.request_bytes),
            requests_per_connection: Some(c.load_balancer.requests_per_connection),
            ..RawLoadBalancer::default()
        }),
        s3: c.s3.as_ref().map(s3),
        calls,
        lambda: Some(RawLambda {
            memory_mb: Some(f64::from(f.memory_mb)),
            architecture: Some(f.architecture.into()),
            reference_memory_mb: Some(f64::from(f.reference_memory_mb)),
            cpu_bound_share: Some(f.cpu_bound_share),
            timeout: text(f.timeout),
            init: Some(dist(&f.init)),
            idle_lifetime: text(f.idle_lifetime),
            account_concurrency: Some(f.account_concurrency),
            reserved_concurrency: f.reserved_concurrency,
            provisioned_concurrency: Some(f.provisioned_concurrency),
            free_tier: Some(f.free_tier),
        }),
        api_gateway: f.api_gateway.as_ref().map(|g| RawApiGateway {
            api: Some(g.api.into()),
            integration_timeout: text(g.integration_timeout),
            rate: Some(g.rate),
            burst: Some(g.burst),
        }),
        ..RawTier::of_kind(c.kind.into())
    }
}

fn traffic(t: &TrafficConfig) -> RawTraffic {
    RawTraffic {
        rate: Some(t.rate),
        spike: list(&t.spike, |s| RawSpike {
            start: s.start.to_string(),
            ramp: text(s.ramp),
            hold: text(s.hold),
            ramp_down: text(s.ramp_down),
            peak: s.peak,
        }),
        diurnal: t.diurnal.as_ref().map(|d| RawDiurnal {
            low: d.low,
            high: d.high,
            period: text(d.period),
            peak_at: text(d.peak_at),
        }),
        trace: t.trace.as_ref().map(|t| RawTrace {
            file: t.file.to_string_lossy().into_owned(),
            interval: text(t.interval),
            column: Some(t.column.clone()),
            scale: Some(t.scale),
        }),
    }
}

fn dist(d: &DurationDist) -> RawDistValue {
    let of = |dist| RawDist {
        dist,
        mean: None,
        cv: None,
        value: None,
        min: None,
        max: None,
    };
    let raw = match *d {
        DurationDist::Constant { value } => RawDist {
            value: text(value),
            ..of(RawDistKind::Constant)
        },
        DurationDist::Exponential { mean } => RawDist {
            mean: text(mean),
            ..of(RawDistKind::Exponential)
        },
        DurationDist::Lognormal { mean, cv } => RawDist {
            mean: text(mean),
            cv: Some(cv),
            ..of(RawDistKind::Lognormal)
        },
        DurationDist::Gamma { mean, cv } => RawDist {
            mean: text(mean),
            cv: Some(cv),
            ..of(RawDistKind::Gamma)
        },
        DurationDist::Uniform { min, max } => RawDist {
            min: text(min),
            max: text(max),
            ..of(RawDistKind::Uniform)
        },
    };
    RawDistValue(toml::Value::try_from(raw).expect("a distribution serializes"))
}

fn instance(i: &InstanceConfig) -> RawInstance {
    RawInstance {
        type_name: Some(i.type_name.clone()),
        vcpu: Some(i.vcpu),
        memory_gib: Some(i.memory_gib),
        price_per_hour: Some(i.price_per_hour),
        speed: Some(i.speed),
        boot_time: Some(dist(&i.boot_time)),
        failures: Some(RawFailures {
            mtbf: i.failures.mtbf.and_then(text),
            at: list(&i.failures.at, |t| t.to_string()),
        }),
        // Written only when it is not the family's default, as Beanstalk's load
        // balancer: a strategy that switches to a type that does not burst (where
        // the key is an error) must merge into the printed base.
        credit_specification: i
            .credits
            .as_ref()
            .filter(|c| c.unlimited != default::credit_specification_unlimited(&i.type_name))
            .map(|c| {
                if c.unlimited {
                    RawCreditSpecification::Unlimited
                } else {
                    RawCreditSpecification::Standard
                }
            }),
        initial_credits: i.credits.as_ref().map(|c| c.initial_credits),
    }
}

/// A tier's load balancer: none in a single-instance Beanstalk environment, and
/// none written when a Beanstalk environment's is all Beanstalk's defaults, so that a
/// strategy that makes the environment single-instance (which refuses a
/// `[load_balancer]` table) merges into the printed base.
fn tier_load_balancer(c: &TierConfig) -> Option<RawLoadBalancer> {
    let written = load_balancer(&c.load_balancer);
    let beanstalk_default = || {
        load_balancer(&LoadBalancerConfig {
            algorithm: default::ALGORITHM,
            health_check: HealthCheck {
                interval: default::EB_HC_INTERVAL,
                timeout: default::EB_HC_TIMEOUT,
                healthy: default::EB_HC_HEALTHY,
                unhealthy: default::EB_HC_UNHEALTHY,
            },
            deregistration_delay: default::EB_DEREGISTRATION_DELAY,
            slow_start: default::SLOW_START,
            price_per_hour: default::LB_PRICE_PER_HOUR,
            price_per_lcu_hour: default::LB_PRICE_PER_LCU_HOUR,
            request_bytes: default::REQUEST_BYTES,
            requests_per_connection: default::REQUESTS_PER_CONNECTION,
        })
    };
    let same = |a: &RawLoadBalancer, b: &RawLoadBalancer| {
        toml::Value::try_from(a).ok() == toml::Value::try_from(b).ok()
    };
    match (&c.beanstalk, c.has_load_balancer()) {
        (_, false) => None,
        (Some(_), true) if same(&written, &beanstalk_default()) => None,
        _ => Some(written),
    }
}

fn load_balancer(lb: &LoadBalancerConfig) -> RawLoadBalancer {
    let hc = &lb.health_check;
    RawLoadBalancer {
        algorithm: Some(lb.algorithm.into()),
        health_check: Some(RawHealthCheck {
            interval: text(hc.interval),
            timeout: text(hc.timeout),
            healthy: Some(hc.healthy),
            unhealthy: Some(hc.unhealthy),
        }),
        deregistration_delay: text(lb.deregistration_delay),
        slow_start: text(lb.slow_start),
        price_per_hour: Some(lb.price_per_hour),
        price_per_lcu_hour: Some(lb.price_per_lcu_hour),
        request_bytes: Some(lb.request_bytes),
        requests_per_connection: Some(lb.requests_per_connection),
    }
}

fn autoscaling(a: &AutoScalingConfig) -> RawAutoScaling {
    RawAutoScaling {
        min: Some(a.min),
        max: Some(a.max),
        desired: Some(a.desired),
        instance_warmup: text(a.instance_warmup),
        monitoring: Some(a.monitoring.into()),
        metric_delay: text(a.metric_delay),
        termination_policy: Some(a.termination_policy.into()),
        health_check_type: Some(a.health_check_type.into()),
        health_check_grace_period: text(a.health_check_grace_period),
        new_instances_protected_from_scale_in: Some(a.new_instances_protected_from_scale_in),
        policy: list(&a.policy, policy),
        // Scheduled actions given as policies of kind `scheduled` come back here.
        scheduled: list(&a.scheduled, |s| RawScheduled {
            at: s.at.and_then(text),
            recurrence: s.recurrence.clone(),
            min: s.min,
            max: s.max,
            desired: s.desired,
        }),
        warm_pool: a.warm_pool.as_ref().map(|w| RawWarmPool {
            size: w.size,
            start_time: Some(dist(&w.start_time)),
            storage_price_per_hour: Some(w.storage_price_per_hour),
        }),
    }
}

fn policy(p: &ScalingPolicy) -> RawPolicy {
    match p {
        ScalingPolicy::TargetTracking {
            metric,
            target,
            disable_scale_in,
        } => RawPolicy {
            kind: RawPolicyKind::TargetTracking,
            metric: Some((*metric).into()),
            target: Some(*target),
            disable_scale_in: Some(*disable_scale_in),
            ..Default::default()
        },
        ScalingPolicy::Step {
            alarm: a,
            adjustment_type,
            step,
            min_adjustment_magnitude,
        } => RawPolicy {
            kind: RawPolicyKind::Step,
            alarm: Some(alarm(a)),
            adjustment_type: Some((*adjustment_type).into()),
            steps: Some(
                step.iter()
                    .map(|s| RawStep {
                        lower: s.lower,
                        upper: s.upper,
                        adjustment: s.adjustment,
                    })
                    .collect(),
            ),
            min_adjustment_magnitude: *min_adjustment_magnitude,
            ..Default::default()
        },
        ScalingPolicy::Simple {
            alarm: a,
            adjustment_type,
            adjustment,
            min_adjustment_magnitude,
            cooldown,
        } => RawPolicy {
            kind: RawPolicyKind::Simple,
            alarm: Some(alarm(a)),
            adjustment_type: Some((*adjustment_type).into()),
            adjustment: Some(*adjustment),
            min_adjustment_magnitude: *min_adjustment_magnitude,
            cooldown: text(*cooldown),
            ..Default::default()
        },
        ScalingPolicy::Predictive {
            metric,
            target,
            mode,
            scheduling_buffer,
        } => RawPolicy {
            kind: RawPolicyKind::Predictive,
            metric: Some((*metric).into()),
            target: Some(*target),
            mode: Some((*mode).into()),
            scheduling_buffer: text(*scheduling_buffer),
            ..Default::default()
        },
    }
}

fn alarm(a: &Alarm) -> RawAlarm {
    RawAlarm {
        metric: Some(a.metric.into()),
        comparison: a.comparison.into(),
        threshold: a.threshold,
        evaluation_periods: Some(a.evaluation_periods),
        datapoints_to_alarm: Some(a.datapoints_to_alarm),
    }
}

fn purchase(p: &PurchaseConfig) -> RawPurchase {
    RawPurchase {
        on_demand_base: Some(p.on_demand_base),
        on_demand_percent_above_base: Some(i64::from(p.on_demand_percent_above_base)),
        spot_pools: Some(p.spot_pools.clone()),
        spot_allocation: Some(p.spot_allocation.into()),
        spot_instance_pools: Some(p.spot_instance_pools),
        reserved: list(&p.reserved, |r| RawReservation {
            type_name: r.type_name.clone(),
            count: r.count,
            term: Some(r.term.into()),
            payment: Some(r.payment.into()),
            class: Some(r.class.into()),
            hourly_usd: Some(r.hourly_usd),
            upfront_usd: Some(r.upfront_usd),
        }),
        savings_plan: p.savings_plan.as_ref().map(|sp| RawSavingsPlan {
            kind: sp.kind.into(),
            hourly_commitment: sp.hourly_commitment,
            term: Some(sp.term.into()),
            payment: Some(sp.payment.into()),
            discount: Some(sp.discount),
            family: sp.family.clone(),
        }),
        // Shared tenancy, the default, is left out, so that a scenario without the
        // keys prints as it did before them.
        tenancy: match &p.tenancy {
            Tenancy::Default => None,
            Tenancy::Dedicated { .. } => Some(RawTenancy::Dedicated),
            Tenancy::Host(_) => Some(RawTenancy::Host),
        },
        hosts: match &p.tenancy {
            Tenancy::Host(h) => Some(RawHosts {
                count: h.count,
                family: Some(h.family.clone()),
                price_per_hour: Some(h.price_per_hour),
            }),
            _ => None,
        },
        capacity_reservation: list(&p.capacity_reservations, |r| RawCapacityReservation {
            type_name: r.type_name.clone(),
            count: r.count,
            from: text(r.from),
            to: text(r.to),
        }),
        scheduled_reserved: list(&p.scheduled_reserved, |r| RawScheduledReservation {
            type_name: r.type_name.clone(),
            count: r.count,
            schedule: RawSchedule {
                start: format!("{:02}:00", r.start_hour),
                hours: r.hours,
                days: (!r.daily()).then(|| {
                    (WEEKDAYS.iter().zip(r.days))
                        .filter(|(_, on)| *on)
                        .map(|(w, _)| w.to_string())
                        .collect()
                }),
            },
            term: Some(r.term.into()),
            hourly_usd: Some(r.hourly_usd),
        }),
    }
}

fn interruption(rate: &InterruptionRate) -> RawInterruption {
    match rate {
        InterruptionRate::Band { band } => RawInterruption {
            band: Some(band.clone()),
            per_hour: None,
        },
        InterruptionRate::PerHour { per_hour } => RawInterruption {
            band: None,
            per_hour: Some(*per_hour),
        },
    }
}

/// FARGATE_SPOT's `[spot]`: its price and interruptions (the notice is AWS's).
fn fargate_spot(s: &SpotConfig) -> RawSpot {
    RawSpot {
        notice: None,
        rebalance: None,
        capacity_rebalance: None,
        pool: None,
        ..spot(s)
    }
}

fn spot(s: &SpotConfig) -> RawSpot {
    RawSpot {
        price: Some(match &s.price {
            SpotPrice::Discount { discount } => RawSpotPrice {
                discount: Some(*discount),
                ..Default::default()
            },
            SpotPrice::Trace { trace, zone, .. } => RawSpotPrice {
                discount: None,
                trace: Some(trace.to_string_lossy().into_owned()),
                zone: Some(zone.clone()),
            },
        }),
        interruption: Some(interruption(&s.interruption)),
        capacity_events: Some(RawCapacityEvents {
            per_day: s.capacity_events.per_day,
            share: s.capacity_events.share,
        }),
        notice: text(s.notice),
        rebalance: Some(RawRebalance {
            probability: Some(s.rebalance.probability),
            lead_max: text(s.rebalance.lead_max),
        }),
        capacity_rebalance: Some(s.capacity_rebalance),
        pool: list(&s.pool, |p| RawSpotPool {
            type_name: p.type_name.clone(),
            interruption: interruption(&p.interruption),
        }),
    }
}
