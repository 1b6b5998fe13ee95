//! Upper bounds on every number a scenario can give, and the compact way numbers are
//! echoed in error messages.
//!
//! A bound exists so that a typo (`rate = 1e308`, `per_day = 1e10`, a price of `1e300`)
//! is an error naming the key instead of a run that never ends, eats memory or hands a
//! non-finite total to the charts. Each bound is far above what a real scenario needs,
//! and the reason is written beside it; README.md's "Limits" lists them for users.
//! Bounds that AWS itself documents (health-check ranges, the idle timeout, ...) stay
//! where they are checked in `resolve`, with their aws-facts.md citation.

use crate::engine::SimDuration;

/// The longest run, and the longest any duration in a scenario may be (a spike's
/// ramp, a boot time, a trace interval...): a year holds any trace replay we know of
/// (the World Cup 1998 trace is 87 days), and a value beyond the run's own maximum
/// length can only be a typo.
pub(crate) const MAX_DURATION: SimDuration = SimDuration::from_secs(366 * 86_400);

/// The highest arrival rate of any one traffic component, in requests per second
/// (`traffic.rate`, a spike's `peak`, `diurnal.low`/`high`, a trace interval after
/// `scale`). The World Cup 1998 site peaked near 3,800 req/s; a million is beyond
/// the very largest web properties, and one simulated minute at this rate already
/// takes several seconds of computing.
pub(crate) const MAX_RATE: f64 = 1e6;

/// The most requests one run may simulate (an upper bound of the expected arrivals
/// over the run). A year at 3,000 req/s fits; at about 10 million simulated requests
/// per second of computing, a run at this bound takes around three hours, so anything
/// beyond it is a run that would not end today.
pub(crate) const MAX_REQUESTS: f64 = 1e11;

/// A trace's `scale` multiplies its counts; a million turns one request into a
/// million, more than any what-if study needs (the rate bound applies afterwards).
pub(crate) const MAX_TRACE_SCALE: f64 = 1e6;

/// The most data rows a trace may have: a year of per-second counts (31.6 million),
/// about 256 MB in memory. Finer or longer traces would not fit a one-year run anyway.
pub(crate) const MAX_TRACE_ROWS: usize = 32_000_000;

/// Capacity events (correlated reclaims of a whole spot pool) per day: one a minute
/// on average is already a pool that never keeps an instance; more only fills memory
/// with events (they are planned at the start of the run).
pub(crate) const MAX_CAPACITY_EVENTS_PER_DAY: f64 = 1_440.0;

/// Spot interruptions per instance-hour: once a minute on average, when AWS gives
/// two minutes of notice (aws-facts.md 2.2). The worst Spot Instance Advisor band,
/// ">20%" a month, is about 0.0004 an hour (aws-facts.md 2.3).
pub(crate) const MAX_INTERRUPTIONS_PER_HOUR: f64 = 60.0;

/// Any price per hour of one thing (an instance, the load balancer, an LCU, a
/// reservation's hourly fee, warm-pool storage), in USD. The catalog's prices are
/// cents to dollars (aws-facts.md 1.2); the largest EC2 instances cost a few hundred
/// dollars an hour, so a thousand is a typo's bound, not a real price's.
pub(crate) const MAX_PRICE_PER_HOUR: f64 = 1_000.0;

/// A reservation's upfront payment: three years (26,280 hours, aws-facts.md 1.3) of
/// the highest hourly price.
pub(crate) const MAX_UPFRONT_USD: f64 = MAX_PRICE_PER_HOUR * 26_280.0;

/// A savings plan's hourly commitment, in USD: a million an hour is some 9 billion
/// dollars a year, beyond any single account's spend.
pub(crate) const MAX_COMMITMENT_PER_HOUR: f64 = 1e6;

/// The largest Auto Scaling group (and any count of instances: reservations, the
/// on-demand base, scheduled sizes, step adjustments). Ten thousand instances serve
/// far more than `MAX_RATE`, and the model keeps state per instance.
pub(crate) const MAX_INSTANCES: u32 = 10_000;

/// Requests an instance serves at once (per instance, or per vCPU): ten thousand
/// concurrent requests is the classic C10k ceiling of one server; web servers default
/// to a few to a few thousand (gunicorn workers, nginx `worker_connections` 512).
pub(crate) const MAX_WORKERS: u32 = 10_000;

/// vCPUs of a custom instance type: the largest EC2 instances have 896 (not in
/// aws-facts.md; AWS's instance-type pages).
pub(crate) const MAX_VCPU: u32 = 1_024;

/// Memory of a custom instance type, in GiB: the largest EC2 instances have 32 TiB.
pub(crate) const MAX_MEMORY_GIB: f64 = 32_768.0;

/// Waiting requests per instance. A million queued requests is far beyond any listen
/// backlog (Linux's `somaxconn` is 4096 since kernel 5.4) and, at any sane service
/// time, beyond the ALB's longest idle timeout (4000 s, aws-facts.md 4.6); use
/// "unlimited" for a queue without a limit.
pub(crate) const MAX_QUEUE_LIMIT: u32 = 1_000_000;

/// Bytes per request, for the load balancer's processed-bytes LCUs, and per response
/// (`service.response_bytes`): a gigabyte is a large file transfer, not a web request.
pub(crate) const MAX_REQUEST_BYTES: u64 = 1_000_000_000;

/// Requests per keep-alive connection: a connection reused a million times is as
/// good as never reopened.
pub(crate) const MAX_REQUESTS_PER_CONNECTION: f64 = 1e6;

/// Alarm thresholds, step bounds and request-count targets: a metric is a CPU
/// percentage or requests per target per minute, which `MAX_RATE` keeps below 1e8.
pub(crate) const MAX_METRIC_VALUE: f64 = 1e9;

/// Tiers in one scenario. An architecture of the SPEC's kind (web, API, database,
/// queue workers, batch) has a handful; sixteen leaves room for microservices while
/// keeping the tier index of every event a small integer (the model's is a `u8`).
pub(crate) const MAX_TIERS: usize = 16;

/// Calls a request makes to one tier (`[[tiers.<name>.calls]] count`): a hundred
/// queries for one page is the N+1 problem at its worst. The calls between tiers also
/// multiply the requests of a run, which `MAX_REQUESTS` bounds as a whole.
pub(crate) const MAX_CALL_COUNT: u32 = 100;

/// `[[tiers.<name>.calls]]` tables of one tier: a request's calls are one table each
/// (one table can make `count` calls to its tier), and the model numbers a tier's
/// tables in a byte, whose last value marks a worker's delivery; 64 is more than any
/// page fans out to.
pub(crate) const MAX_CALL_TABLES: usize = 64;

/// A number as a person reads it: `1e300` rather than 301 digits, `0.096` and
/// `1000000` as written. Numbers below a billion print in full; from there, and for
/// tiny fractions, scientific notation keeps the echo short (`1e12`, not thirteen
/// digits and a `.0`).
pub(crate) fn compact(x: f64) -> String {
    let magnitude = x.abs();
    if x != 0.0 && x.is_finite() && !(1e-4..1e9).contains(&magnitude) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The most strategies a comparison's sweeps may make (`[[strategy]]` tables ×
/// grid points). A thousand strategies at the default 10 replicates is 10,000 runs,
/// already a cluster's job; a larger grid is nearly always a typo (a value list
/// pasted twice) or a study better split, and every strategy's resolved scenario is
/// held in memory and hashed before the first run.
pub(crate) const MAX_STRATEGIES: usize = 1_000;

/// A TOML value as echoed in an error message: like TOML, but with every float
/// written compactly (toml's own printing spells `1e300` out digit by digit).
pub(crate) fn show_value(value: &toml::Value) -> String {
    match value {
        toml::Value::Float(x) if x.is_nan() => "nan".into(),
        toml::Value::Float(x) if x.is_infinite() => if *x > 0.0 { "inf" } else { "-inf" }.into(),
        toml::Value::Float(x) => {
            let text = compact(*x);
            // A float keeps a float's look (`2.0`, not `2`), as it was written.
            if text.contains(['.', 'e']) {
                text
            } else {
                format!("{text}.0")
            }
        }
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(show_value).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::Table(table) => {
            let pairs: Vec<String> = table
                .iter()
                .map(|(k, v)| format!("{k} = {}", show_value(v)))
                .collect();
            format!("{{ {} }}", pairs.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_echoed_compactly() {
        assert_eq!(compact(1e300), "1e300");
        assert_eq!(compact(1e6), "1000000");
        assert_eq!(compact(0.096), "0.096");
        assert_eq!(compact(1.5e-7), "1.5e-7");
        assert_eq!(compact(1e12), "1e12");
        assert_eq!(show_value(&toml::Value::Float(1e300)), "1e300");
        assert_eq!(show_value(&toml::Value::Float(2.0)), "2.0");
        let table: toml::Table = "x = { cv = 1e300, d = \"gamma\" }".parse().unwrap();
        assert_eq!(show_value(&table["x"]), "{ cv = 1e300, d = \"gamma\" }");
    }
}

/// A type's relative per-vCPU speed (m5.large = 1.0) is at least this: a core a
/// hundred times slower than m5's is no server simcloud models, and a speed near zero
/// would turn a millisecond into hours.
pub(crate) const MIN_SPEED: f64 = 0.01;

/// ... and at most this: no CPU runs a request a hundred times faster than m5.large.
pub(crate) const MAX_SPEED: f64 = 100.0;
