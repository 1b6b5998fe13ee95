//! `[load_balancer]`: routing, health checks, draining and the load balancer's price.

use super::*;

pub(super) fn resolve_load_balancer(ctx: &Ctx, raw: RawLoadBalancer) -> Result<LoadBalancerConfig> {
    let algorithm = raw.algorithm.map_or(default::ALGORITHM, Routing::from);
    let hc = raw.health_check.unwrap_or_default();
    // Allowed ranges are the ALB API's (aws-facts.md 4.4).
    let interval = ctx.duration_in(
        "load_balancer.health_check.interval",
        hc.interval.as_ref(),
        default::HC_INTERVAL,
        SimDuration::from_secs(5)..=SimDuration::from_secs(300),
    )?;
    let timeout = ctx.duration_in(
        "load_balancer.health_check.timeout",
        hc.timeout.as_ref(),
        default::HC_TIMEOUT,
        SimDuration::from_secs(2)..=SimDuration::from_secs(120),
    )?;
    if timeout >= interval {
        return Err(ctx.err(
            "load_balancer.health_check.timeout",
            format!("must be shorter than the interval ({interval})"),
        ));
    }
    let health_check = HealthCheck {
        interval,
        timeout,
        healthy: ctx.range(
            "load_balancer.health_check.healthy",
            hc.healthy.unwrap_or(default::HC_HEALTHY),
            2,
            10,
            "",
        )?,
        unhealthy: ctx.range(
            "load_balancer.health_check.unhealthy",
            hc.unhealthy.unwrap_or(default::HC_UNHEALTHY),
            2,
            10,
            "",
        )?,
    };
    let deregistration_delay = ctx.duration_in(
        "load_balancer.deregistration_delay",
        raw.deregistration_delay.as_ref(),
        default::DEREGISTRATION_DELAY,
        SimDuration::ZERO..=SimDuration::from_secs(3600),
    )?;
    // Slow start is off (0) or 30–900 s, and ALB does not combine it with least
    // outstanding requests (aws-facts.md 4.1, 4.3).
    let slow_start = ctx.duration(
        "load_balancer.slow_start",
        raw.slow_start.as_ref(),
        default::SLOW_START,
    )?;
    if slow_start != SimDuration::ZERO {
        let on = SimDuration::from_secs(30)..=SimDuration::from_secs(900);
        if !on.contains(&slow_start) {
            return Err(ctx.err(
                "load_balancer.slow_start",
                format!(
                    "must be 0s (off) or between {} and {}",
                    on.start(),
                    on.end()
                ),
            ));
        }
        if matches!(
            algorithm,
            Routing::LeastOutstandingRequests | Routing::PowerOfTwo
        ) {
            return Err(ctx.err(
                "load_balancer.slow_start",
                "slow start works with round_robin and random routing only (ALB does not combine it with least outstanding requests)",
            ));
        }
    }
    let requests_per_connection = raw
        .requests_per_connection
        .unwrap_or(default::REQUESTS_PER_CONNECTION);
    if !(requests_per_connection >= 1.0 && requests_per_connection <= MAX_REQUESTS_PER_CONNECTION) {
        return Err(ctx.err(
            "load_balancer.requests_per_connection",
            format!(
                "must be a number from 1 to {}",
                limits::compact(MAX_REQUESTS_PER_CONNECTION)
            ),
        ));
    }
    Ok(LoadBalancerConfig {
        algorithm,
        health_check,
        deregistration_delay,
        slow_start,
        price_per_hour: ctx.bounded(
            "load_balancer.price_per_hour",
            raw.price_per_hour.unwrap_or(default::LB_PRICE_PER_HOUR),
            MAX_PRICE_PER_HOUR,
        )?,
        price_per_lcu_hour: ctx.bounded(
            "load_balancer.price_per_lcu_hour",
            raw.price_per_lcu_hour
                .unwrap_or(default::LB_PRICE_PER_LCU_HOUR),
            MAX_PRICE_PER_HOUR,
        )?,
        request_bytes: ctx.at_most(
            "load_balancer.request_bytes",
            raw.request_bytes.unwrap_or(default::REQUEST_BYTES) as f64,
            MAX_REQUEST_BYTES as f64,
        )? as u64,
        requests_per_connection,
    })
}
