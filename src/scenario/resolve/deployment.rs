//! `[[deployment]]`: new application versions deployed to `ec2` tiers under traffic
//! (SPEC "Phase 2", "Changes over time"), with Elastic Beanstalk's options, defaults
//! and ranges (aws-facts.md 5, 11.4). Each deployment is given to the tier it deploys
//! to.

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
                format!(
                    "`{}` is not built yet; built: all_at_once, rolling, rolling_with_additional_batch, immutable",
                    word(&raw_policy)
                ),
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
        let config = DeploymentConfig {
            at,
            policy,
            deploy_time,
            batch_size,
            batch_size_type,
            health: d
                .health
                .map_or(default::DEPLOYMENT_HEALTH, DeploymentHealth::from),
        };
        // Elastic Beanstalk runs one update of an environment at a time; a later one is
        // refused while it runs (the run reports it so). Two at the same time or out of
        // order are a mistake in the file.
        if let Some(previous) = tiers[index].deployments.last() {
            if at <= previous.at {
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
