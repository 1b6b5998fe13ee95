//! `[tiers.<name>.rds]`: an `rds` tier's database. Every bound is AWS's, cited, or
//! says why it is there.

use super::*;

/// Read replicas per source: 15 for MySQL and PostgreSQL (aws-facts.md 16.2).
const MAX_READ_REPLICAS: u32 = 15;
/// gp3 volumes of RDS for MySQL and PostgreSQL: 20 GiB to 64 TiB (aws-facts.md 16.4
/// gives the price; the bounds are AWS's console's, unverified).
const STORAGE_GB: RangeInclusive<u32> = 20..=65_536;
/// A bound against typos: a call is one transaction of a web request.
const MAX_QUERIES: u32 = 1_000;
/// PostgreSQL's formula stops at 5,000 and MySQL's reaches 10,000 only past 117 GiB; a
/// setting above 100,000 is a typo.
const MAX_CONNECTIONS: u32 = 100_000;

/// A failover's duration, when given: "typically 60-120 seconds", longer with large
/// transactions (aws-facts.md 16.1); more than an hour is a typo.
const FAILOVER: RangeInclusive<SimDuration> =
    SimDuration::from_secs(1)..=SimDuration::from_secs(3600);
/// The longest a failover lasts when its duration is drawn (aws-facts.md 16.1).
const LONGEST_DRAWN_FAILOVER: SimDuration = SimDuration::from_secs(120);

/// The database of an `rds` tier and its failovers, in a run of `duration`.
pub(super) fn resolve_rds(
    ctx: &Ctx,
    raw: RawRds,
    failover: Vec<RawFailover>,
    duration: SimDuration,
) -> Result<RdsConfig> {
    let engine = raw.engine.map_or(default::RDS_ENGINE, Into::into);
    let class_name = raw.class.unwrap_or_else(|| default::RDS_CLASS.to_string());
    let Some(class) = catalog::db_class(&class_name) else {
        return Err(ctx.err(
            "rds.class",
            format!(
                "is not a DB instance class simcloud knows; the classes are: {}",
                catalog::db_class_names()
            ),
        ));
    };
    let read_replicas = ctx.range(
        "rds.read_replicas",
        raw.read_replicas.unwrap_or(0),
        0,
        MAX_READ_REPLICAS,
        "",
    )?;
    let read_share = match raw.read_share {
        None => 0.0,
        Some(x) => ctx.bounded("rds.read_share", x, 1.0)?,
    };
    let max_connections = match raw.max_connections {
        None => engine.max_connections(class.memory_gib),
        Some(n) => ctx.range("rds.max_connections", n, 1, MAX_CONNECTIONS, "")?,
    };
    // A pool that one instance alone could never fill is a mistake, not a load
    // question: an error. Pools that fill the database only when the callers scale
    // out are what the tier is there to show: a note at most (`check_pools`).
    let pool_size = match raw.pool_size.unwrap_or(default::RDS_POOL_SIZE) {
        0 => return Err(ctx.err("rds.pool_size", "must be at least 1")),
        n if n > max_connections => {
            return Err(ctx.err(
                "rds.pool_size",
                format!(
                    "is larger than the {max_connections} connections {class_name} accepts (max_connections); one instance's pool could never fill"
                ),
            ));
        }
        n => n,
    };
    let queries = ctx.range(
        "rds.queries",
        raw.queries.unwrap_or(default::RDS_QUERIES),
        1,
        MAX_QUERIES,
        "",
    )?;
    let query_time = dist_or(
        ctx,
        "rds.query_time",
        raw.query_time.as_ref(),
        default::RDS_QUERY_TIME,
    )?;
    let storage_gb = raw.storage_gb.unwrap_or(default::RDS_STORAGE_GB);
    if !STORAGE_GB.contains(&storage_gb) {
        return Err(ctx.err(
            "rds.storage_gb",
            format!(
                "must be between {} and {} GB (gp3 volumes of RDS for MySQL and PostgreSQL)",
                STORAGE_GB.start(),
                STORAGE_GB.end()
            ),
        ));
    }
    let multi_az = raw.multi_az.unwrap_or(false);
    let price_per_hour = match engine {
        DbEngine::Mysql => class.mysql_per_hour,
        DbEngine::Postgres => class.postgres_per_hour,
    };
    let reserved = resolve_db_reservations(
        ctx,
        raw.reserved.unwrap_or_default(),
        &class_name,
        price_per_hour,
    )?;
    let failovers = resolve_failovers(ctx, failover, multi_az, duration)?;
    Ok(RdsConfig {
        engine,
        class: class_name,
        vcpu: class.vcpu,
        memory_gib: class.memory_gib,
        price_per_hour,
        multi_az,
        read_replicas,
        read_share,
        max_connections,
        pool_size,
        queries,
        query_time,
        storage_gb,
        failovers,
        proxy: raw.proxy.unwrap_or(false),
        reserved,
    })
}

/// `[[tiers.<name>.failover]]`: only with a standby, in time order, each after the
/// previous one has ended.
fn resolve_failovers(
    ctx: &Ctx,
    raw: Vec<RawFailover>,
    multi_az: bool,
    duration: SimDuration,
) -> Result<Vec<Failover>> {
    let mut failovers: Vec<Failover> = Vec::with_capacity(raw.len());
    for (i, f) in raw.iter().enumerate() {
        let key = |k: &str| format!("failover[{i}].{k}");
        if !multi_az {
            return Err(ctx.err(
                &key("at"),
                "a failover needs a standby: a Single-AZ database has none (set rds.multi_az = true)",
            ));
        }
        let at = ctx.duration(&key("at"), Some(&f.at), SimDuration::ZERO)?;
        let length = match &f.duration {
            None => None,
            Some(text) => {
                Some(ctx.duration_in(&key("duration"), Some(text), SimDuration::ZERO, FAILOVER)?)
            }
        };
        if let Some(previous) = failovers.last() {
            let ends = previous.at + previous.duration.unwrap_or(LONGEST_DRAWN_FAILOVER);
            if at < ends {
                return Err(ctx.err(
                    &key("at"),
                    format!(
                        "starts before failover[{}] has ended (at {ends}, at the latest); list failovers in time order, one after the other",
                        i - 1
                    ),
                ));
            }
        }
        if at >= duration {
            ctx.note(
                &key("at"),
                "is at or after the end of the run: it does not happen",
            );
        }
        failovers.push(Failover {
            at,
            duration: length,
        });
    }
    Ok(failovers)
}

/// Notes each `rds` tier whose callers, at their groups' maximum, could keep more
/// connections open to the primary than it accepts: refusals are then possible.
pub(super) fn check_pools(ctx: &Ctx, tiers: &[TierConfig]) {
    for db_tier in tiers {
        let Some(db) = &db_tier.rds else { continue };
        let index = tiers
            .iter()
            .position(|t| t.name == db_tier.name)
            .expect("the tier is in the list");
        let most: u64 = tiers
            .iter()
            .filter(|t| t.calls.iter().any(|c| c.tier == index))
            .map(|t| u64::from(t.autoscaling.max) * u64::from(db.pool_size))
            .sum();
        if most > u64::from(db.max_connections) {
            ctx.note(
                &format!("tiers.{}.rds.pool_size", db_tier.name),
                format!(
                    "× the callers' instances at their maximum is {most} connections, more than the {} a DB instance accepts: the database will refuse connections if they all open",
                    db.max_connections
                ),
            );
        }
    }
}

/// `[[tiers.<name>.rds.reserved]]`: reserved DB instances of the tier's class, priced
/// at aws-facts.md 16.6's discount where it gives one, else as the scenario says.
fn resolve_db_reservations(
    ctx: &Ctx,
    raw: Vec<RawDbReservation>,
    class: &str,
    price_per_hour: f64,
) -> Result<Vec<Reservation>> {
    let mut reserved = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let key = format!("rds.reserved[{i}].");
        if r.count == 0 {
            return Err(ctx.err(&format!("{key}count"), "must be at least 1"));
        }
        ctx.at_most(&format!("{key}count"), r.count, MAX_INSTANCES)?;
        let term = r.term.map_or(default::TERM, Term::from);
        let payment = r.payment.map_or(default::PAYMENT, Payment::from);
        let discount = match (
            catalog::rds_reservation_discount(term, payment),
            r.hourly_usd,
            r.upfront_usd,
        ) {
            (Some(d), _, _) => d,
            // Both prices given: the discount is not used.
            (None, Some(_), Some(_)) => 0.0,
            (None, _, _) => {
                return Err(ctx.err(
                    &format!("{key}payment"),
                    "has no documented RDS discount for this term (aws-facts.md 16.6 gives 1y no_upfront and 3y all_upfront): give hourly_usd and upfront_usd",
                ));
            }
        };
        let (hourly_usd, upfront_usd) = reservation_prices(
            ctx,
            &key,
            price_per_hour * (1.0 - discount),
            term,
            payment,
            (r.hourly_usd, r.upfront_usd),
        )?;
        reserved.push(Reservation {
            type_name: class.to_string(),
            count: r.count,
            term,
            payment,
            class: OfferingClass::Standard,
            hourly_usd,
            upfront_usd,
        });
    }
    Ok(reserved)
}
