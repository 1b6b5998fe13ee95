//! `[[deployment]]`: new application versions deployed to `ec2` tiers under traffic
//! (SPEC "Phase 2", "Changes over time"), with Elastic Beanstalk's options, defaults
//! and ranges (aws-facts.md 5, 11.4). Each deployment is given to the tier it deploys
//! to. `[dns]` (11.6, 11.7) is the name blue/green swaps.

use super::*;

/// Gives each `[[deployment]]` to its tier, checked: a known `ec2` tier, a built
/// policy, a batch within AWS's range, and no two of one tier at the same time or out
/// of order.
pub(super) fn resolve_deployments(
    ctx: &Ctx,
    raw: Vec<RawDeployment>,
    tiers: &mut [TierConfig],
    duration: SimDuration,
) -> Result<()> {
    for (i, d) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("deployment[{i}].{k}");
        let index = match &d.tier {
            None => 0,
            Some(name) => tiers.iter().position(|t| &t.name == name).ok_or_else(|| {
                let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
                ctx.err(
                    &key("tier"),
                    format!("is not a tier of the scenario ({})", names.join(", ")),
                )
            })?,
        };
        let tier = &tiers[index];
        if tier.kind != TierKind::Ec2 {
            return Err(ctx.err(
                &key(if d.tier.is_some() { "tier" } else { "at" }),
                format!(
                    "deployments are built for `ec2` tiers only; tier `{}` is of kind `{}`",
                    tier.name,
                    tier.kind.word()
                ),
            ));
        }
        let raw_policy = d.policy.unwrap_or(default::DEPLOYMENT_POLICY.into());
        let Some(policy) = raw_policy.built() else {
            return Err(ctx.err(
                &key("policy"),
                format!("`{}` is not built yet", word(&raw_policy)),
            ));
        };
        let at = ctx.duration(&key("at"), Some(&d.at), SimDuration::ZERO)?;
        if at >= duration {
            ctx.note(
                &key("at"),
                "is at or after the end of the run: the deployment does not happen",
            );
        }
        let Some(deploy_time) = &d.deploy_time else {
            return Err(ctx.err_table(
                &format!("deployment[{i}]"),
                "missing deploy_time: how long an instance takes to install the new version and restart, like deploy_time = \"30s\" or a distribution",
            ));
        };
        let deploy_time = dist_or(
            ctx,
            &key("deploy_time"),
            Some(deploy_time),
            default::SERVICE_TIME,
        )?;
        let batch_size_type = d
            .batch_size_type
            .map_or(default::BATCH_SIZE_TYPE, BatchSizeType::from);
        let batch_size = d.batch_size.unwrap_or(default::BATCH_SIZE);
        // BatchSize: 1-100 as a percentage, 1 to the group's MaxSize as a count
        // (aws-facts.md 5; `aws:elasticbeanstalk:command`).
        let most = match batch_size_type {
            BatchSizeType::Percentage => 100,
            BatchSizeType::Fixed => tier.autoscaling.max,
        };
        if batch_size == 0 || batch_size > most {
            let range = match batch_size_type {
                BatchSizeType::Percentage => "1 to 100 (per cent of the instances)".to_string(),
                BatchSizeType::Fixed => format!("1 to the group's maximum, {most} (instances)"),
            };
            return Err(ctx.err(&key("batch_size"), format!("must be {range}")));
        }
        // A policy's own options are refused on another policy: a `swap_at` on a
        // rolling deployment would otherwise be read and silently do nothing.
        let own: [(&str, bool, DeploymentPolicy); 4] = [
            (
                "new_version_percent",
                d.new_version_percent.is_some(),
                DeploymentPolicy::TrafficSplitting,
            ),
            (
                "evaluation_time",
                d.evaluation_time.is_some(),
                DeploymentPolicy::TrafficSplitting,
            ),
            ("swap_at", d.swap_at.is_some(), DeploymentPolicy::BlueGreen),
            (
                "terminate_old_at",
                d.terminate_old_at.is_some(),
                DeploymentPolicy::BlueGreen,
            ),
        ];
        for (k, given, of) in own {
            if given && policy != of {
                return Err(ctx.err(
                    &key(k),
                    format!(
                        "is an option of policy = \"{}\" only; this deployment's policy is `{}`",
                        of.word(),
                        policy.word()
                    ),
                ));
            }
        }
        // NewVersionPercent 1-100, EvaluationTime 3-600 minutes (aws-facts.md 5).
        let new_version_percent = ctx.range(
            &key("new_version_percent"),
            d.new_version_percent
                .unwrap_or(default::NEW_VERSION_PERCENT),
            1,
            100,
            " %",
        )?;
        let evaluation_time = ctx.duration_in(
            &key("evaluation_time"),
            d.evaluation_time.as_ref(),
            default::EVALUATION_TIME,
            SimDuration::from_secs(3 * 60)..=SimDuration::from_secs(600 * 60),
        )?;
        let (mut swap_at, mut terminate_old_at) = (None, None);
        if policy == DeploymentPolicy::BlueGreen {
            let (Some(swap), Some(terminate)) = (&d.swap_at, &d.terminate_old_at) else {
                return Err(ctx.err_table(
                    &format!("deployment[{i}]"),
                    "a blue_green deployment needs swap_at (when the CNAMEs are swapped) and terminate_old_at (when the old environment is terminated), like swap_at = \"30m\"",
                ));
            };
            // The swap needs the new environment, which is created at `at`.
            let swap = ctx.duration(&key("swap_at"), Some(swap), SimDuration::ZERO)?;
            if swap <= at {
                return Err(ctx.err(
                    &key("swap_at"),
                    format!(
                        "is not after the deployment's at = \"{at}\": the CNAMEs can be swapped only once the new environment exists"
                    ),
                ));
            }
            let terminate =
                ctx.duration(&key("terminate_old_at"), Some(terminate), SimDuration::ZERO)?;
            if terminate < swap {
                return Err(ctx.err(
                    &key("terminate_old_at"),
                    format!(
                        "is before swap_at = \"{swap}\": the old environment serves every client until the swap"
                    ),
                ));
            }
            (swap_at, terminate_old_at) = (Some(swap), Some(terminate));
        }
        let failure = resolve_failure(ctx, i, &d, policy)?;
        let config = DeploymentConfig {
            at,
            policy,
            deploy_time,
            batch_size,
            batch_size_type,
            health: d
                .health
                .map_or(default::DEPLOYMENT_HEALTH, DeploymentHealth::from),
            new_version_percent,
            evaluation_time,
            swap_at,
            terminate_old_at,
            failure,
        };
        // Elastic Beanstalk runs one update of an environment at a time; a later one is
        // refused while it runs (the run reports it so). Two at the same time or out of
        // order are a mistake in the file.
        if let Some(previous) = tiers[index].deployments.last() {
            if at <= previous.terminate_old_at.unwrap_or(previous.at) {
                return Err(ctx.err(
                    &key("at"),
                    format!(
                        "overlaps the deployment of tier `{}` at {}: list a tier's deployments in time order, one after the other",
                        tiers[index].name, previous.at
                    ),
                ));
            }
        }
        tiers[index].deployments.push(config);
    }
    Ok(())
}

/// A deployment's failure keys (`fail`, `failure_probability`, `failing_batch`,
/// `timeout`, `rollback`), checked against each other and the policy: a failure for
/// sure or a probability of one, not both; a failing batch the policy has
/// (immutable: 1, the first instance, or 2, the rest); a rollback only where Elastic
/// Beanstalk does not roll back by itself (rolling and all at once; aws-facts.md
/// 11.4, 11.5), and only with a failure to roll back.
fn resolve_failure(
    ctx: &Ctx,
    i: usize,
    d: &RawDeployment,
    policy: DeploymentPolicy,
) -> Result<DeploymentFailure> {
    let key = |k: &str| format!("deployment[{i}].{k}");
    // `Timeout`: 1 to 3600 seconds (aws-facts.md 5).
    let timeout = ctx.duration_in(
        &key("timeout"),
        d.timeout.as_ref(),
        default::DEPLOYMENT_TIMEOUT,
        SimDuration::from_secs(1)..=SimDuration::from_secs(3600),
    )?;
    let mut failure = DeploymentFailure::none(timeout);
    failure.certain = d.fail.unwrap_or(false);
    if let Some(p) = d.failure_probability {
        if !(0.0..=1.0).contains(&p) {
            return Err(ctx.err(
                &key("failure_probability"),
                "must be between 0 and 1 (the probability that the new version fails)",
            ));
        }
        if failure.certain {
            return Err(ctx.err(
                &key("failure_probability"),
                "cannot be given with fail = true, which is a failure for sure",
            ));
        }
        failure.probability = Some(p);
    }
    let needs_failure = |k: &str| {
        ctx.err(
            &key(k),
            "needs fail = true or a failure_probability: without either the new version does not fail",
        )
    };
    if let Some(batch) = d.failing_batch {
        let most = match policy {
            DeploymentPolicy::Rolling | DeploymentPolicy::RollingWithAdditionalBatch => u32::MAX,
            DeploymentPolicy::Immutable => 2,
            _ => {
                return Err(ctx.err(
                    &key("failing_batch"),
                    format!(
                        "is an option of rolling, rolling_with_additional_batch and immutable deployments only; policy `{}` has one set of new instances",
                        policy.word()
                    ),
                ));
            }
        };
        if !failure.possible() {
            return Err(needs_failure("failing_batch"));
        }
        if batch == 0 || batch > most {
            let range = match most {
                2 => "1 (the first instance) or 2 (the rest)",
                _ => "at least 1",
            };
            return Err(ctx.err(&key("failing_batch"), format!("must be {range}")));
        }
        failure.batch = batch;
    }
    if let Some(rollback) = d.rollback {
        if matches!(
            policy,
            DeploymentPolicy::Immutable
                | DeploymentPolicy::TrafficSplitting
                | DeploymentPolicy::BlueGreen
        ) {
            return Err(ctx.err(
                &key("rollback"),
                format!(
                    "is automatic for policy `{}`: Elastic Beanstalk terminates the new instances and the old ones keep serving",
                    policy.word()
                ),
            ));
        }
        if rollback && !failure.possible() {
            return Err(needs_failure("rollback"));
        }
        failure.rollback = rollback;
    }
    Ok(failure)
}

/// `[dns]`: the TTL, the clients that ignore it and the resolvers (aws-facts.md 11.6),
/// or `None` without the table.
pub(super) fn resolve_dns(ctx: &Ctx, raw: Option<RawDns>) -> Result<Option<DnsConfig>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let ttl = ctx.duration_in(
        "dns.ttl",
        raw.ttl.as_ref(),
        default::DNS_TTL,
        SimDuration::from_secs(1)..=SimDuration::from_secs(7 * 24 * 3600),
    )?;
    let share = raw
        .ttl_ignoring_share
        .unwrap_or(default::TTL_IGNORING_SHARE);
    if !(0.0..=1.0).contains(&share) {
        return Err(ctx.err(
            "dns.ttl_ignoring_share",
            "must be between 0 and 1 (a share of the clients)",
        ));
    }
    let hold = ctx.positive_duration(
        "dns.ttl_ignoring_hold",
        raw.ttl_ignoring_hold.as_ref(),
        default::TTL_IGNORING_HOLD,
    )?;
    let resolvers = raw.resolvers.unwrap_or(default::DNS_RESOLVERS);
    if resolvers == 0 {
        return Err(ctx.err("dns.resolvers", "must be at least 1"));
    }
    Ok(Some(DnsConfig {
        ttl,
        ttl_ignoring_share: share,
        ttl_ignoring_hold: hold,
        resolvers,
    }))
}
