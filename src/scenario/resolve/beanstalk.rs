//! `kind = "beanstalk"`: an Elastic Beanstalk web server environment, written as an
//! `ec2` tier's tables plus `[tiers.<name>.environment] type = "load_balanced" |
//! "single_instance"`. Beanstalk's own defaults are filled into the tier's raw tables
//! where they leave a key out, before the tables are resolved by the `ec2` tier's
//! resolvers, so that every key given overrides them and is checked as it would be in
//! an `ec2` tier (aws-facts.md 11.1-11.3):
//!
//! - a load-balanced environment: `autoscaling.min` 1, `max` 4, and, unless the tier
//!   gives its own `[[autoscaling.policy]]`, the trigger Beanstalk creates: two simple
//!   policies on the group's average `NetworkOut` over 5-minute periods (+1 instance
//!   above 6,000,000 bytes, -1 below 2,000,000, cooldown 360 s); the process's health
//!   checks (every 15 s, healthy after 3, unhealthy after 5) and 20 s deregistration
//!   delay. Beanstalk's API default load balancer is a Classic one; simcloud models
//!   the Application Load Balancer the console creates.
//! - a single-instance environment: one instance (min, max and desired 1; scaling
//!   policies, which could not act, are dropped with a note), no load balancer, so no
//!   `[load_balancer]` and no ELB health checks: the group replaces a failed instance
//!   when EC2's status checks report it (aws-facts.md 3.7, 11.2).
//!
//! Beanstalk itself costs nothing (aws-facts.md 5): there is no bill part of its own.

use super::*;

/// Fills Beanstalk's defaults into `raw` and returns the environment.
pub(super) fn resolve_beanstalk(ctx: &Ctx, raw: &mut RawTier) -> Result<BeanstalkConfig> {
    let environment_type = raw
        .environment
        .take()
        .and_then(|e| e.environment_type)
        .map_or(default::EB_ENVIRONMENT_TYPE, EnvironmentType::from);
    let asg = raw.autoscaling.get_or_insert_default();
    match environment_type {
        EnvironmentType::LoadBalanced => {
            let lb = raw.load_balancer.get_or_insert_default();
            lb.deregistration_delay
                .get_or_insert_with(|| default::EB_DEREGISTRATION_DELAY.to_string());
            let hc = lb.health_check.get_or_insert_default();
            hc.interval
                .get_or_insert_with(|| default::EB_HC_INTERVAL.to_string());
            hc.timeout
                .get_or_insert_with(|| default::EB_HC_TIMEOUT.to_string());
            hc.healthy.get_or_insert(default::EB_HC_HEALTHY);
            hc.unhealthy.get_or_insert(default::EB_HC_UNHEALTHY);
            let min = *asg.min.get_or_insert(default::EB_MIN);
            let floor = min.max(asg.desired.unwrap_or(min));
            asg.max.get_or_insert(default::EB_MAX.max(floor));
            if asg.policy.is_none() {
                // The trigger's alarms read 5-minute periods (`Period` 5): EC2's basic
                // monitoring, which detailed monitoring would shorten to a minute.
                if asg.monitoring == Some(RawMonitoring::Detailed) {
                    return Err(ctx.err(
                        "autoscaling.monitoring",
                        "Beanstalk's default trigger reads NetworkOut over 5-minute periods (basic monitoring); with detailed monitoring give the tier's own [[autoscaling.policy]]",
                    ));
                }
                asg.policy = Some(default_trigger());
            }
        }
        EnvironmentType::SingleInstance => {
            if raw.load_balancer.is_some() {
                return Err(ctx.err_table(
                    "load_balancer",
                    "a single-instance environment has no load balancer: clients reach its instance directly (aws-facts.md 11.2); use type = \"load_balanced\" for one",
                ));
            }
            for (key, value) in [("min", asg.min), ("max", asg.max), ("desired", asg.desired)] {
                if value.is_some_and(|n| n != 1) {
                    return Err(ctx.err(
                        &format!("autoscaling.{key}"),
                        "must be 1 in a single-instance environment: its group's min, max and desired are all 1, so load starts no instance (aws-facts.md 11.2); use type = \"load_balanced\" to scale",
                    ));
                }
            }
            if asg.health_check_type == Some(RawHealthCheckType::Elb) {
                return Err(ctx.err(
                    "autoscaling.health_check_type",
                    "a single-instance environment has no load balancer to check its instance; the group acts on EC2 status checks",
                ));
            }
            asg.min = Some(1);
            asg.max = Some(1);
            asg.desired = Some(1);
            // A group that can hold only one instance never scales: its policies could
            // not act. Dropped, so that a single-instance strategy over a load-balanced
            // base (whose trigger `validate` spells out) resolves as written.
            if asg.policy.take().is_some_and(|p| !p.is_empty()) {
                ctx.note(
                    "autoscaling.policy",
                    "has no effect in a single-instance environment, whose group holds one instance",
                );
            }
        }
    }
    Ok(BeanstalkConfig { environment_type })
}

/// The two simple policies of Beanstalk's default trigger (aws-facts.md 11.1).
fn default_trigger() -> Vec<RawPolicy> {
    let policy = |comparison, threshold, adjustment| RawPolicy {
        kind: RawPolicyKind::Simple,
        alarm: Some(RawAlarm {
            metric: Some(default::EB_METRIC.into()),
            comparison,
            threshold,
            evaluation_periods: Some(default::EB_EVALUATION_PERIODS),
            datapoints_to_alarm: None,
        }),
        adjustment_type: Some(AdjustmentType::ChangeInCapacity.into()),
        adjustment: Some(adjustment),
        cooldown: Some(default::EB_COOLDOWN.to_string()),
        ..RawPolicy::default()
    };
    vec![
        policy(
            RawComparison::Greater,
            default::EB_UPPER_THRESHOLD,
            default::EB_UPPER_INCREMENT,
        ),
        policy(
            RawComparison::Less,
            default::EB_LOWER_THRESHOLD,
            default::EB_LOWER_INCREMENT,
        ),
    ]
}
