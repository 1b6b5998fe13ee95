//! `[tiers.<name>.lambda]` and `[tiers.<name>.api_gateway]`: a `lambda` tier's
//! function and, for the entry tier, the API Gateway in front of it. Every bound is
//! AWS's, cited.

use super::*;

/// Lambda memory: 128 to 10,240 MB in 1 MB steps (aws-facts.md 6.1).
const MEMORY_MB: RangeInclusive<u32> = 128..=10_240;
/// The function timeout: 1 s to 900 s (aws-facts.md 6.1).
const TIMEOUT: RangeInclusive<SimDuration> =
    SimDuration::from_secs(1)..=SimDuration::from_secs(900);
/// AWS keeps 100 of the account's concurrency unreserved (aws-facts.md 14.5).
const UNRESERVED_MINIMUM: u32 = 100;
const MAX_ACCOUNT_CONCURRENCY: u32 = 1_000_000;
/// API Gateway's integration timeout: 50 ms to 29 s for REST (raising it for
/// Regional APIs is not modelled), to 30 s for HTTP APIs (aws-facts.md 13.2).
const INTEGRATION_MIN: SimDuration = SimDuration::from_millis(50);
const REST_TIMEOUT: SimDuration = SimDuration::from_secs(29);
const HTTP_TIMEOUT: SimDuration = SimDuration::from_secs(30);
const MAX_API_RATE: f64 = 1e6;

/// A memory size in whole MB within Lambda's range.
fn memory(ctx: &Ctx, key: &str, mb: f64) -> Result<u32> {
    let (lo, hi) = (*MEMORY_MB.start(), *MEMORY_MB.end());
    if mb.fract() != 0.0 || mb < f64::from(lo) || mb > f64::from(hi) {
        return Err(ctx.err(
            key,
            format!("must be a whole number of MB from {lo} to {hi} (Lambda's memory sizes, in 1 MB steps)"),
        ));
    }
    Ok(mb as u32)
}

/// The function of a `lambda` tier; `entry` says whether it receives the traffic,
/// which then comes through `api_gateway`.
pub(super) fn resolve_lambda(
    ctx: &Ctx,
    raw: RawLambda,
    api_gateway: Option<RawApiGateway>,
    entry: bool,
) -> Result<LambdaConfig> {
    let memory_mb = memory(
        ctx,
        "lambda.memory_mb",
        raw.memory_mb
            .unwrap_or(f64::from(default::LAMBDA_MEMORY_MB)),
    )?;
    let reference_memory_mb = match raw.reference_memory_mb {
        Some(mb) => memory(ctx, "lambda.reference_memory_mb", mb)?,
        None => memory_mb,
    };
    let cpu_bound_share = raw
        .cpu_bound_share
        .map_or(Ok(default::LAMBDA_CPU_BOUND_SHARE), |x| {
            ctx.bounded("lambda.cpu_bound_share", x, 1.0)
        })?;
    let timeout = ctx.duration(
        "lambda.timeout",
        raw.timeout.as_ref(),
        default::LAMBDA_TIMEOUT,
    )?;
    if !TIMEOUT.contains(&timeout) {
        return Err(ctx.err(
            "lambda.timeout",
            "must be between 1s and 900s (Lambda's maximum timeout, 15 minutes)",
        ));
    }
    let init = dist_or(ctx, "lambda.init", raw.init.as_ref(), default::LAMBDA_INIT)?;
    let idle_lifetime = ctx.positive_duration(
        "lambda.idle_lifetime",
        raw.idle_lifetime.as_ref(),
        default::LAMBDA_IDLE_LIFETIME,
    )?;
    let account_concurrency = ctx.range(
        "lambda.account_concurrency",
        raw.account_concurrency
            .unwrap_or(default::LAMBDA_ACCOUNT_CONCURRENCY),
        1,
        MAX_ACCOUNT_CONCURRENCY,
        "",
    )?;
    let reservable = account_concurrency.saturating_sub(UNRESERVED_MINIMUM);
    let reserved_concurrency = match raw.reserved_concurrency {
        None => None,
        Some(n) if n <= reservable => Some(n),
        Some(_) => {
            return Err(ctx.err(
                "lambda.reserved_concurrency",
                format!(
                    "must be between 0 and {reservable}: the account's concurrency ({account_concurrency}) minus the {UNRESERVED_MINIMUM} AWS keeps unreserved"
                ),
            ));
        }
    };
    let provisionable = reserved_concurrency.unwrap_or(reservable);
    let provisioned_concurrency = raw.provisioned_concurrency.unwrap_or(0);
    if provisioned_concurrency > provisionable {
        return Err(ctx.err(
            "lambda.provisioned_concurrency",
            format!(
                "must be between 0 and {provisionable}: at most the reserved concurrency, or the account's unreserved concurrency minus {UNRESERVED_MINIMUM}"
            ),
        ));
    }
    let api_gateway = match (api_gateway, entry) {
        (Some(raw), true) => Some(resolve_api_gateway(ctx, raw)?),
        (None, true) => {
            return Err(ctx.err_table(
                "kind",
                "a lambda tier that receives [traffic] needs [tiers.<name>.api_gateway] in front of it",
            ));
        }
        (Some(_), false) => {
            return Err(ctx.err_table(
                "api_gateway",
                "only the entry tier, which receives [traffic], has an API Gateway; another tier's function is invoked by its callers",
            ));
        }
        (None, false) => None,
    };
    Ok(LambdaConfig {
        memory_mb,
        architecture: raw.architecture.map_or(Architecture::X86_64, Into::into),
        reference_memory_mb,
        cpu_bound_share,
        timeout,
        init,
        idle_lifetime,
        account_concurrency,
        reserved_concurrency,
        provisioned_concurrency,
        free_tier: raw.free_tier.unwrap_or(false),
        api_gateway,
    })
}

fn resolve_api_gateway(ctx: &Ctx, raw: RawApiGateway) -> Result<ApiGatewayConfig> {
    let api = raw.api.map_or(default::API_KIND, Into::into);
    let longest = match api {
        ApiKind::Rest => REST_TIMEOUT,
        ApiKind::Http => HTTP_TIMEOUT,
    };
    let integration_timeout = ctx.duration_in(
        "api_gateway.integration_timeout",
        raw.integration_timeout.as_ref(),
        longest,
        INTEGRATION_MIN..=longest,
    )?;
    let rate = match raw.rate {
        None => default::API_RATE,
        Some(x) => ctx
            .positive("api_gateway.rate", x)
            .and_then(|x| ctx.at_most("api_gateway.rate", x, MAX_API_RATE))?,
    };
    let burst = ctx.range(
        "api_gateway.burst",
        raw.burst.unwrap_or(default::API_BURST),
        1,
        MAX_API_RATE as u32,
        "",
    )?;
    Ok(ApiGatewayConfig {
        api,
        integration_timeout,
        rate,
        burst,
    })
}

/// The tables of each kind: given for another kind, each is an error naming the
/// kind of the tier.
pub(super) fn check_tables_of_kind(ctx: &Ctx, kind: TierKind, raw: &RawTier) -> Result<()> {
    let tables = [
        ("instance", raw.instance.is_some(), TierKind::Ec2),
        ("load_balancer", raw.load_balancer.is_some(), TierKind::Ec2),
        ("autoscaling", raw.autoscaling.is_some(), TierKind::Ec2),
        ("purchase", raw.purchase.is_some(), TierKind::Ec2),
        ("spot", raw.spot.is_some(), TierKind::Ec2),
        ("calls", raw.calls.is_some(), TierKind::Ec2),
        ("lambda", raw.lambda.is_some(), TierKind::Lambda),
        ("api_gateway", raw.api_gateway.is_some(), TierKind::Lambda),
        ("rds", raw.rds.is_some(), TierKind::Rds),
        ("failover", raw.failover.is_some(), TierKind::Rds),
    ];
    let wrong = tables
        .iter()
        .find(|(_, given, owner)| *given && *owner != kind);
    if let Some((table, _, owner)) = wrong {
        let message = match kind {
            TierKind::Ec2 => format!(
                "belongs to a {} tier; this tier is of kind \"ec2\"",
                owner.word()
            ),
            TierKind::Lambda => "is not a table of a lambda tier (no instances, load balancer or Auto Scaling group; calls from a function are not built yet)".to_string(),
            TierKind::Rds => "is not a table of an rds tier, whose database is described in [tiers.<name>.rds] (it calls no other tier)".to_string(),
        };
        return Err(ctx.err_table(table, message));
    }
    match (&raw.service, kind) {
        (Some(service), TierKind::Lambda) => ctx.only_keys(
            "service",
            service,
            "time",
            &[],
            "is not a key of a lambda tier's [service], which gives only `time`",
        ),
        (Some(_), TierKind::Rds) => Err(ctx.err_table(
            "service",
            "is not a table of an rds tier: its queries' time is rds.query_time",
        )),
        _ => Ok(()),
    }
}
