//! `[service]`: the web application on each instance.

use super::*;

pub(super) fn resolve_service(
    ctx: &Ctx,
    raw: RawService,
    instance: &InstanceConfig,
) -> Result<ServiceConfig> {
    let time = dist_or(
        ctx,
        "service.time",
        raw.time.as_ref(),
        default::SERVICE_TIME,
    )?;
    let per_vcpu = raw.workers_per_vcpu.unwrap_or(default::WORKERS_PER_VCPU);
    let workers = raw.workers.unwrap_or(default::WORKERS);
    if workers == 0 {
        return Err(ctx.err("service.workers", "must be at least 1"));
    }
    ctx.at_most("service.workers", workers, MAX_WORKERS)?;
    let queue_limit = match &raw.queue_limit {
        None => Some(default::QUEUE_LIMIT),
        Some(toml::Value::Integer(n)) if (0..=i64::from(MAX_QUEUE_LIMIT)).contains(n) => {
            Some(*n as u32)
        }
        Some(toml::Value::String(w)) if w == "unlimited" => None,
        Some(_) => {
            return Err(ctx.err(
                "service.queue_limit",
                format!("must be a count from 0 to {MAX_QUEUE_LIMIT}, or \"unlimited\""),
            ));
        }
    };
    Ok(ServiceConfig {
        time,
        workers: if per_vcpu {
            workers
                .checked_mul(instance.vcpu)
                .filter(|&w| w <= 1_000_000)
                .ok_or_else(|| {
                    ctx.err(
                        "service.workers",
                        "times the vCPUs is more than 1000000 workers",
                    )
                })?
        } else {
            workers
        },
        workers_setting: workers,
        workers_per_vcpu: per_vcpu,
        queue_limit,
        timeout: ctx.duration_in(
            "service.timeout",
            raw.timeout.as_ref(),
            default::TIMEOUT,
            SimDuration::from_secs(1)..=SimDuration::from_secs(4000),
        )?,
        response_bytes: ctx.at_most(
            "service.response_bytes",
            raw.response_bytes.unwrap_or(default::RESPONSE_BYTES) as f64,
            MAX_REQUEST_BYTES as f64,
        )? as u64,
    })
}
