//! Raw scenario → validated [`Config`]: every default is written here once, with its
//! source, and every cross-field rule is checked here.

use super::catalog;
use super::duration::parse_duration;
use super::limits::{self, *};
use super::raw::*;
use super::spot_prices::load_spot_prices;
use super::trace::load_trace;
use super::{ScenarioError, ScenarioFile};
use crate::engine::SimDuration;
use crate::model::*;
use serde::de::DeserializeOwned;

/// Defaults, each from AWS's documentation where AWS has one (aws-facts.md section).
mod default {
    use crate::engine::SimDuration;
    pub const SEED: u64 = 1;
    pub const SPIKE_RAMP: SimDuration = SimDuration::from_secs(300);
    pub const DIURNAL_PERIOD: SimDuration = SimDuration::from_secs(86_400);
    /// Busiest at 14:00 of simulated time, a common afternoon peak.
    pub const DIURNAL_PEAK_AT: SimDuration = SimDuration::from_secs(14 * 3_600);
    pub const TRACE_INTERVAL: SimDuration = SimDuration::from_secs(60);
    pub const SERVICE_MEAN: SimDuration = SimDuration::from_millis(50);
    pub const WORKERS: u32 = 4;
    /// Linux's listen backlog (`somaxconn`) was 128 until kernel 5.4.
    pub const QUEUE_LIMIT: u32 = 128;
    /// ALB idle timeout (4.6).
    pub const TIMEOUT: SimDuration = SimDuration::from_secs(60);
    pub const INSTANCE_TYPE: &str = "m5.large";
    /// Launch to InService: ~45–90 s plus application bootstrap (3.12).
    pub const BOOT_MIN: SimDuration = SimDuration::from_secs(60);
    pub const BOOT_MAX: SimDuration = SimDuration::from_secs(120);
    /// ALB target-group health check defaults (4.4).
    pub const HC_INTERVAL: SimDuration = SimDuration::from_secs(30);
    pub const HC_TIMEOUT: SimDuration = SimDuration::from_secs(5);
    pub const HC_HEALTHY: u32 = 5;
    pub const HC_UNHEALTHY: u32 = 2;
    /// Deregistration delay (4.2).
    pub const DEREGISTRATION_DELAY: SimDuration = SimDuration::from_secs(300);
    /// ALB prices, us-east-1 (4.7).
    pub const LB_PRICE_PER_HOUR: f64 = 0.0225;
    pub const LB_PRICE_PER_LCU_HOUR: f64 = 0.008;
    /// An assumption, not an AWS figure: a small HTML or JSON response with headers.
    pub const REQUEST_BYTES: u64 = 8_192;
    pub const REQUESTS_PER_CONNECTION: f64 = 1.0;
    pub const MIN: u32 = 1;
    /// DefaultInstanceWarmup is unset by default and falls back to the default
    /// cooldown of 300 s (3.5).
    pub const WARMUP: SimDuration = SimDuration::from_secs(300);
    /// Mixed instances policy: base 0 and 100 % on-demand above it, the API defaults;
    /// `price-capacity-optimized`, the allocation AWS recommends; 2 pools for
    /// `lowest-price` (2.5, 2.4).
    pub const ON_DEMAND_BASE: u32 = 0;
    pub const ON_DEMAND_PERCENT: u32 = 100;
    pub const SPOT_INSTANCE_POOLS: u32 = 2;
    /// Spot at 62 % off on-demand, inside the observed 55–70 % (2.1).
    pub const SPOT_DISCOUNT: f64 = 0.62;
    /// The all-Region average interruption band "has historically been <5%" (2.3).
    pub const SPOT_BAND: &str = "<5%";
    /// The two-minute interruption notice (2.2).
    pub const SPOT_NOTICE: SimDuration = SimDuration::from_secs(120);
    /// The rebalance recommendation "can arrive sooner than the two-minute notice" or
    /// with it (2.2): here half the time, up to 30 minutes earlier (2.3's model).
    pub const REBALANCE_PROBABILITY: f64 = 0.5;
    pub const REBALANCE_LEAD_MAX: SimDuration = SimDuration::from_secs(1800);
    /// A stopped warm-pool instance starts in 10-30 s (an assumption: AWS documents
    /// only that it is faster than a launch, aws-facts.md 3.8) and pays for its EBS
    /// volume: 8 GiB of gp3 at $0.08 per GB-month is $0.64 a month, $0.000877 an hour
    /// (AWS's EBS price page; not in aws-facts.md).
    pub const WARM_START_MIN: SimDuration = SimDuration::from_secs(10);
    pub const WARM_START_MAX: SimDuration = SimDuration::from_secs(30);
    pub const WARM_STORAGE_PRICE: f64 = 0.000877;
    /// Default cooldown of simple scaling (aws-facts.md 3.5).
    pub const COOLDOWN: SimDuration = SimDuration::from_secs(300);
    /// How long after its period a datapoint can be read. CloudWatch publishes EC2
    /// metrics within minutes, but AWS documents no figure (aws-facts.md 3.11), so the
    /// default is none; set it to see what the delay costs.
    pub const METRIC_DELAY: SimDuration = SimDuration::ZERO;
    pub const SLO_LATENCY: SimDuration = SimDuration::from_millis(300);
    pub const SLO_PERCENTILE: f64 = 99.0;
    pub const REPORT_INTERVAL: SimDuration = SimDuration::from_secs(60);
}

/// At most this many timeline rows, to keep a typo in `report.interval` from filling
/// the disk.
const MAX_TIMELINE_ROWS: u64 = 2_000_000;

struct Ctx<'a> {
    file: &'a ScenarioFile,
    table: &'a toml::Table,
    /// What the user should know about input that was accepted but has no effect.
    notes: std::cell::RefCell<Vec<String>>,
}

type Result<T> = std::result::Result<T, ScenarioError>;

impl Ctx<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.file.invalid(self.table, key, message)
    }

    fn note(&self, message: String) {
        self.notes.borrow_mut().push(message);
    }

    /// A duration of at most `MAX_DURATION`: nothing in a run of at most that long
    /// needs a longer one.
    fn duration(
        &self,
        key: &str,
        text: Option<&String>,
        default: SimDuration,
    ) -> Result<SimDuration> {
        match text {
            None => Ok(default),
            Some(t) => {
                let d = parse_duration(t).map_err(|m| self.err(key, m))?;
                if d > MAX_DURATION {
                    return Err(self.err(key, format!("must be at most {MAX_DURATION}")));
                }
                Ok(d)
            }
        }
    }

    /// `x` must be at most `max` (a bound from `limits`).
    fn at_most<T: PartialOrd + Copy + Into<f64>>(&self, key: &str, x: T, max: T) -> Result<T> {
        if x > max {
            return Err(self.err(
                key,
                format!("must be at most {}", limits::compact(max.into())),
            ));
        }
        Ok(x)
    }

    /// A number >= 0 and at most `max`.
    fn bounded(&self, key: &str, x: f64, max: f64) -> Result<f64> {
        self.non_negative(key, x)
            .and_then(|x| self.at_most(key, x, max))
    }

    fn positive_duration(
        &self,
        key: &str,
        text: Option<&String>,
        default: SimDuration,
    ) -> Result<SimDuration> {
        let d = self.duration(key, text, default)?;
        if d == SimDuration::ZERO {
            return Err(self.err(key, "must be longer than zero"));
        }
        Ok(d)
    }

    fn non_negative(&self, key: &str, x: f64) -> Result<f64> {
        if !x.is_finite() || x < 0.0 {
            return Err(self.err(key, "must be a finite number >= 0"));
        }
        Ok(x)
    }

    fn positive(&self, key: &str, x: f64) -> Result<f64> {
        if !x.is_finite() || x <= 0.0 {
            return Err(self.err(key, "must be a finite number > 0"));
        }
        Ok(x)
    }

    fn range<T: PartialOrd + std::fmt::Display + Copy>(
        &self,
        key: &str,
        x: T,
        lo: T,
        hi: T,
        unit: &str,
    ) -> Result<T> {
        if x < lo || x > hi {
            return Err(self.err(key, format!("must be between {lo}{unit} and {hi}{unit}")));
        }
        Ok(x)
    }

    fn duration_range(
        &self,
        key: &str,
        d: SimDuration,
        lo: SimDuration,
        hi: SimDuration,
    ) -> Result<SimDuration> {
        if d < lo || d > hi {
            return Err(self.err(key, format!("must be between {lo} and {hi}")));
        }
        Ok(d)
    }

    fn one_of<T: Copy>(&self, key: &str, word: &str, options: &[(&str, T)]) -> Result<T> {
        options
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                self.err(
                    key,
                    format!("unknown value; expected one of {}", names.join(", ")),
                )
            })
    }
}

/// Deserializes `table`, found at `prefix` (empty for the whole file), into `T`,
/// reporting the dotted path of the first bad key in the scenario's words.
fn deserialize<T: DeserializeOwned>(ctx: &Ctx, prefix: &str, table: &toml::Table) -> Result<T> {
    serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
        let mut key = e.path().to_string();
        let mut message = in_scenario_words(e.inner().message());
        // serde reports an unknown field at its parent's path, or (when the field
        // follows a sequence, as after `[[autoscaling.policy]]`) at its own path; name
        // the field itself, once.
        if let Some(rest) = message.strip_prefix("unknown field `") {
            if let Some((field, expected)) = rest.split_once('`') {
                key = if key == "." || key.is_empty() || key == field {
                    field.to_string()
                } else if key.ends_with(&format!(".{field}")) {
                    key
                } else {
                    format!("{key}.{field}")
                };
                message = format!("unknown key{expected}");
            }
        } else if key == "." {
            key.clear();
        }
        let key = match (prefix, key.as_str()) {
            (p, "") => p.to_string(),
            ("", k) => k.to_string(),
            (p, k) => format!("{p}.{k}"),
        };
        ctx.err(&key, message)
    })
}

/// serde's messages in the words of a scenario file. serde names the Rust type it
/// wanted ("expected u32", "expected struct RawDist", "a sequence"); a user wrote TOML
/// and needs to hear "an integer", "a table", "an array". The offending value is
/// already echoed beside the key, so "invalid type: string \"lots\"" is dropped.
fn in_scenario_words(message: &str) -> String {
    let (expected, out_of_range) = if let Some(rest) = message.strip_prefix("invalid type: ") {
        (rest.split_once(", expected ").map(|(_, e)| e), false)
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        (rest.split_once(", expected ").map(|(_, e)| e), true)
    } else {
        (None, false)
    };
    if let Some(expected) = expected {
        let words = match expected {
            "u8" | "u16" | "u32" | "u64" | "usize" if out_of_range => {
                let max = match expected {
                    "u8" => u64::from(u8::MAX),
                    "u16" => u64::from(u16::MAX),
                    "u32" => u64::from(u32::MAX),
                    _ => u64::MAX,
                };
                format!("an integer from 0 to {max}")
            }
            "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" => {
                "an integer".into()
            }
            "f32" | "f64" => "a number".into(),
            "a boolean" => "true or false".into(),
            "a string" => "a string in quotes".into(),
            "a sequence" => "an array, like [ ... ]".into(),
            "a map" => "a table".into(),
            e if e.starts_with("struct ") => "a table".into(),
            e => e.into(),
        };
        return format!("expected {words}");
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing key {rest}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown value {rest}");
    }
    message.to_string()
}

/// The validated scenario and the notes on input that has no effect.
pub fn resolve(file: &ScenarioFile, table: &toml::Table) -> Result<(Config, Vec<String>)> {
    let ctx = Ctx {
        file,
        table,
        notes: Default::default(),
    };
    let raw: RawScenario = deserialize(&ctx, "", table)?;
    let name = match raw.name {
        Some(n) if n.trim().is_empty() => return Err(ctx.err("name", "must not be empty")),
        Some(n) => n,
        None => file
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into()),
    };
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(ctx.err(
            "name",
            "is used as a folder name and must not contain / or \\",
        ));
    }
    let Some(raw_traffic) = raw.traffic else {
        return Err(ctx.err("traffic", "missing: a scenario needs a [traffic] table"));
    };
    let trace = match &raw_traffic.trace {
        Some(t) => Some(resolve_trace(&ctx, t)?),
        None => None,
    };
    let duration = match (&raw.duration, &trace) {
        (Some(text), _) => ctx.positive_duration("duration", Some(text), SimDuration::ZERO)?,
        // Saturating: a long interval times many rows is then "too long", not a
        // wrapped small number.
        (None, Some(trace)) => {
            SimDuration(trace.interval.0.saturating_mul(trace.rates.len() as u64))
        }
        (None, None) => {
            return Err(ctx.err(
                "duration",
                "missing: how long to simulate, like duration = \"3h\"",
            ));
        }
    };
    if duration > MAX_DURATION {
        return Err(ctx.err(
            "duration",
            format!("longer than the maximum of {MAX_DURATION}"),
        ));
    }
    let traffic = resolve_traffic(&ctx, raw_traffic, trace, duration)?;
    let requests = requests_bound(&traffic, duration);
    if requests > MAX_REQUESTS {
        return Err(ctx.err(
            "duration",
            format!(
                "the traffic gives up to {} requests in this run, more than the {} one run may simulate (hours of computing); shorten the run or lower the rates",
                limits::compact(requests.round()),
                limits::compact(MAX_REQUESTS)
            ),
        ));
    }
    let instance = resolve_instance(&ctx, raw.instance, duration)?;
    let service = resolve_service(&ctx, raw.service, &instance)?;
    let load_balancer = resolve_load_balancer(&ctx, raw.load_balancer)?;
    let autoscaling = resolve_autoscaling(&ctx, raw.autoscaling, duration)?;
    let purchase = resolve_purchase(&ctx, raw.purchase.unwrap_or_default(), &instance)?;
    let spot = resolve_spot(&ctx, raw.spot.unwrap_or_default(), &purchase)?;
    // AWS does not add warm pools to groups that launch spot instances (3.8).
    if autoscaling.warm_pool.is_some() && purchase.on_demand_percent_above_base < 100 {
        return Err(ctx.err("autoscaling.warm_pool", "a warm pool needs an all on-demand group (purchase.on_demand_percent_above_base = 100)"));
    }
    let slo = match raw.slo {
        None => SloConfig {
            latency: default::SLO_LATENCY,
            percentile: default::SLO_PERCENTILE,
        },
        Some(s) => SloConfig {
            latency: ctx.positive_duration(
                "slo.latency",
                s.latency.as_ref(),
                default::SLO_LATENCY,
            )?,
            percentile: match s.percentile {
                None => default::SLO_PERCENTILE,
                Some(p) if p > 0.0 && p < 100.0 => p,
                Some(_) => {
                    return Err(ctx.err("slo.percentile", "must be between 0 and 100 (exclusive)"));
                }
            },
        },
    };
    let interval = ctx.positive_duration(
        "report.interval",
        raw.report.as_ref().and_then(|r| r.interval.as_ref()),
        default::REPORT_INTERVAL,
    )?;
    if interval < SimDuration::from_secs(1) {
        return Err(ctx.err("report.interval", "must be at least 1s"));
    }
    if duration.0 / interval.0 > MAX_TIMELINE_ROWS {
        return Err(ctx.err(
            "report.interval",
            format!("gives more than {MAX_TIMELINE_ROWS} timeline rows for this duration"),
        ));
    }
    let config = Config {
        name,
        seed: raw.seed.unwrap_or(default::SEED),
        duration,
        traffic,
        service,
        instance,
        load_balancer,
        autoscaling,
        purchase,
        spot,
        slo,
        report: ReportConfig { interval },
    };
    Ok((config, ctx.notes.into_inner()))
}

/// An upper bound of the expected arrivals over the run: each component at its
/// highest (a diurnal cosine at `high` throughout), spikes by their whole area, a trace
/// by its rows up to the end.
fn requests_bound(traffic: &TrafficConfig, duration: SimDuration) -> f64 {
    let secs = duration.as_secs_f64();
    let mut total = traffic.rate * secs;
    for s in &traffic.spike {
        let width =
            s.ramp.as_secs_f64() / 2.0 + s.hold.as_secs_f64() + s.ramp_down.as_secs_f64() / 2.0;
        total += s.peak * width;
    }
    if let Some(d) = &traffic.diurnal {
        total += d.high * secs;
    }
    if let Some(t) = &traffic.trace {
        let interval = t.interval.as_secs_f64();
        let rows = (secs / interval).ceil() as usize;
        total += t.rates.iter().take(rows).sum::<f64>() * interval;
    }
    total
}

fn resolve_trace(ctx: &Ctx, raw: &RawTrace) -> Result<Trace> {
    let interval = ctx.positive_duration(
        "traffic.trace.interval",
        raw.interval.as_ref(),
        default::TRACE_INTERVAL,
    )?;
    let scale = ctx.positive("traffic.trace.scale", raw.scale.unwrap_or(1.0))?;
    let scale = ctx.at_most("traffic.trace.scale", scale, MAX_TRACE_SCALE)?;
    let column = raw.column.clone().unwrap_or_else(|| "count".into());
    let dir = ctx
        .file
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let path = dir.join(&raw.file);
    // A count is at most what keeps the interval's rate within MAX_RATE after `scale`.
    let max_count = MAX_RATE * interval.as_secs_f64() / scale;
    let counts = load_trace(&path, &column, max_count, MAX_TRACE_ROWS)
        .map_err(|m| ctx.err("traffic.trace.file", m))?;
    // Absolute, so that the resolved scenario (`simcloud validate`) loads from any
    // folder; the file exists, it was just read.
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let per_second = scale / interval.as_secs_f64();
    Ok(Trace {
        file: path,
        interval,
        column,
        scale,
        rates: counts.into_iter().map(|c| c * per_second).collect(),
    })
}

fn resolve_traffic(
    ctx: &Ctx,
    raw: RawTraffic,
    trace: Option<Trace>,
    duration: SimDuration,
) -> Result<TrafficConfig> {
    let rate = ctx.bounded("traffic.rate", raw.rate.unwrap_or(0.0), MAX_RATE)?;
    let mut spikes = Vec::new();
    for (i, s) in raw.spike.unwrap_or_default().iter().enumerate() {
        let key = |k: &str| format!("traffic.spike[{i}].{k}");
        let start = ctx.duration(&key("start"), Some(&s.start), SimDuration::ZERO)?;
        // Kept, not refused: shortening a run (`--set duration=30m`) is the most common
        // edit, and a spike after the end simply does not happen, like a failure `at`
        // a time after the end.
        if start >= duration {
            ctx.note(format!(
                "traffic.spike[{i}] starts at {start}, not before the end of the run ({duration}): it does not happen"
            ));
        }
        let ramp = ctx.duration(&key("ramp"), s.ramp.as_ref(), default::SPIKE_RAMP)?;
        spikes.push(Spike {
            start,
            ramp,
            hold: ctx.duration(&key("hold"), s.hold.as_ref(), SimDuration::ZERO)?,
            ramp_down: ctx.duration(&key("ramp_down"), s.ramp_down.as_ref(), ramp)?,
            peak: ctx
                .positive(&key("peak"), s.peak)
                .and_then(|p| ctx.at_most(&key("peak"), p, MAX_RATE))?,
        });
    }
    let diurnal = match raw.diurnal {
        None => None,
        Some(d) => {
            let low = ctx.bounded("traffic.diurnal.low", d.low, MAX_RATE)?;
            let high = ctx.bounded("traffic.diurnal.high", d.high, MAX_RATE)?;
            if high < low {
                return Err(ctx.err(
                    "traffic.diurnal.high",
                    format!("must be at least traffic.diurnal.low ({low})"),
                ));
            }
            let period = ctx.positive_duration(
                "traffic.diurnal.period",
                d.period.as_ref(),
                default::DIURNAL_PERIOD,
            )?;
            if period < SimDuration::from_secs(120) {
                return Err(ctx.err("traffic.diurnal.period", "must be at least 2m"));
            }
            Some(Diurnal {
                low,
                high,
                period,
                peak_at: ctx.duration(
                    "traffic.diurnal.peak_at",
                    d.peak_at.as_ref(),
                    default::DIURNAL_PEAK_AT,
                )?,
            })
        }
    };
    let traffic = TrafficConfig {
        rate,
        spike: spikes,
        diurnal,
        trace,
    };
    let any = traffic.rate > 0.0
        || !traffic.spike.is_empty()
        || traffic.diurnal.as_ref().is_some_and(|d| d.high > 0.0)
        || traffic
            .trace
            .as_ref()
            .is_some_and(|t| t.rates.iter().any(|&r| r > 0.0));
    if !any {
        return Err(ctx.err("traffic", "has no traffic: set `rate`, a `[[traffic.spike]]`, `[traffic.diurnal]` or `[traffic.trace]`"));
    }
    Ok(traffic)
}

/// A distribution of durations as written: a plain duration (`boot_time = "60s"`,
/// always the same) or a table naming the distribution and its parameters.
fn resolve_dist_value(ctx: &Ctx, key: &str, value: &toml::Value) -> Result<DurationDist> {
    match value {
        toml::Value::String(text) => Ok(DurationDist::Constant {
            value: ctx.duration(key, Some(text), SimDuration::ZERO)?,
        }),
        toml::Value::Table(table) => {
            let raw: RawDist = deserialize(ctx, key, table)?;
            resolve_dist(ctx, key, &raw)
        }
        _ => Err(ctx.err(
            key,
            "expected a duration, like \"60s\", or a distribution, like { dist = \"uniform\", min = \"60s\", max = \"120s\" }",
        )),
    }
}

fn resolve_dist(ctx: &Ctx, key: &str, raw: &RawDist) -> Result<DurationDist> {
    let k = |f: &str| format!("{key}.{f}");
    let need = |field: &Option<String>, f: &str| -> Result<SimDuration> {
        match field {
            Some(t) => ctx.duration(&k(f), Some(t), SimDuration::ZERO),
            None => Err(ctx.err(key, format!("dist = \"{}\" needs `{f}`", raw.dist))),
        }
    };
    let cv = || -> Result<f64> {
        match raw.cv {
            // Bounded so that the samplers' parameters stay finite and positive: a
            // gamma with cv = 1e-300 has shape 1/cv² = inf and scale 0 (rand_distr
            // refuses it), and a lognormal with cv = 1e300 has sigma² = inf (issue 6).
            Some(c) => ctx
                .positive(&k("cv"), c)
                .and_then(|c| ctx.range(&k("cv"), c, 0.001, 100.0, "")),
            None => Err(ctx.err(
                key,
                format!(
                    "dist = \"{}\" needs `cv` (standard deviation / mean)",
                    raw.dist
                ),
            )),
        }
    };
    let unused = |fields: &[(&str, bool)]| -> Result<()> {
        match fields.iter().find(|(_, present)| *present) {
            Some((f, _)) => Err(ctx.err(
                &k(f),
                format!("is not a parameter of dist = \"{}\"", raw.dist),
            )),
            None => Ok(()),
        }
    };
    let positive_mean = |mean: SimDuration| -> Result<SimDuration> {
        if mean == SimDuration::ZERO {
            Err(ctx.err(&k("mean"), "must be longer than zero"))
        } else {
            Ok(mean)
        }
    };
    let dist = match raw.dist.as_str() {
        "constant" => {
            unused(&[
                ("mean", raw.mean.is_some()),
                ("cv", raw.cv.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            DurationDist::Constant {
                value: need(&raw.value, "value")?,
            }
        }
        "exponential" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("cv", raw.cv.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            DurationDist::Exponential {
                mean: positive_mean(need(&raw.mean, "mean")?)?,
            }
        }
        "lognormal" | "gamma" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            let mean = positive_mean(need(&raw.mean, "mean")?)?;
            let cv = cv()?;
            if raw.dist == "lognormal" {
                DurationDist::Lognormal { mean, cv }
            } else {
                DurationDist::Gamma { mean, cv }
            }
        }
        "uniform" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("mean", raw.mean.is_some()),
                ("cv", raw.cv.is_some()),
            ])?;
            let (min, max) = (need(&raw.min, "min")?, need(&raw.max, "max")?);
            if max < min {
                return Err(ctx.err(&k("max"), format!("must be at least min ({min})")));
            }
            DurationDist::Uniform { min, max }
        }
        _ => {
            return Err(ctx.err(&k("dist"), "unknown distribution; expected one of constant, exponential, lognormal, gamma, uniform"));
        }
    };
    Ok(dist)
}

fn resolve_instance(
    ctx: &Ctx,
    raw: Option<RawInstance>,
    duration: SimDuration,
) -> Result<InstanceConfig> {
    let raw = raw.unwrap_or(RawInstance {
        type_name: None,
        vcpu: None,
        memory_gib: None,
        price_per_hour: None,
        boot_time: None,
        failures: None,
    });
    let type_name = raw
        .type_name
        .unwrap_or_else(|| default::INSTANCE_TYPE.into());
    let known = catalog::lookup(&type_name);
    let (vcpu, memory_gib, price) = match (known, raw.vcpu, raw.price_per_hour) {
        (Some(t), vcpu, price) => (
            vcpu.unwrap_or(t.vcpu),
            raw.memory_gib.unwrap_or(t.memory_gib),
            price.unwrap_or(t.price_per_hour),
        ),
        (None, Some(vcpu), Some(price)) => (vcpu, raw.memory_gib.unwrap_or(0.0), price),
        (None, _, _) => {
            return Err(ctx.err(
                "instance.type",
                format!("unknown instance type; the catalog has {} (or give vcpu and price_per_hour for another type)", catalog::names()),
            ));
        }
    };
    if vcpu == 0 {
        return Err(ctx.err("instance.vcpu", "must be at least 1"));
    }
    ctx.at_most("instance.vcpu", vcpu, MAX_VCPU)?;
    let boot_time = match &raw.boot_time {
        Some(d) => resolve_dist_value(ctx, "instance.boot_time", d)?,
        None => DurationDist::Uniform {
            min: default::BOOT_MIN,
            max: default::BOOT_MAX,
        },
    };
    Ok(InstanceConfig {
        type_name,
        vcpu,
        memory_gib: ctx.bounded("instance.memory_gib", memory_gib, MAX_MEMORY_GIB)?,
        price_per_hour: ctx.bounded("instance.price_per_hour", price, MAX_PRICE_PER_HOUR)?,
        boot_time,
        failures: resolve_failures(ctx, raw.failures.as_ref(), duration)?,
    })
}

fn resolve_failures(
    ctx: &Ctx,
    raw: Option<&RawFailures>,
    duration: SimDuration,
) -> Result<Failures> {
    let Some(raw) = raw else {
        return Ok(Failures::default());
    };
    let mtbf = match &raw.mtbf {
        None => None,
        Some(text) => {
            // Not bounded by MAX_DURATION like other durations: a realistic hardware
            // MTBF is years to decades, and it only sets an exponential's mean.
            let mtbf = parse_duration(text).map_err(|m| ctx.err("instance.failures.mtbf", m))?;
            if mtbf < SimDuration::from_secs(60) {
                return Err(ctx.err("instance.failures.mtbf", "must be at least 1m"));
            }
            Some(mtbf)
        }
    };
    let mut at = Vec::new();
    for (i, text) in raw.at.iter().flatten().enumerate() {
        let time = ctx.duration(
            &format!("instance.failures.at[{i}]"),
            Some(text),
            SimDuration::ZERO,
        )?;
        if time >= duration {
            ctx.note(format!(
                "instance.failures.at[{i}] is {time}, not before the end of the run ({duration}): it does not happen"
            ));
        }
        at.push(time);
    }
    Ok(Failures { mtbf, at })
}

fn resolve_service(
    ctx: &Ctx,
    raw: Option<RawService>,
    instance: &InstanceConfig,
) -> Result<ServiceConfig> {
    let raw = raw.unwrap_or(RawService {
        time: None,
        workers: None,
        workers_per_vcpu: None,
        queue_limit: None,
        timeout: None,
    });
    let time = match &raw.time {
        Some(d) => resolve_dist_value(ctx, "service.time", d)?,
        None => DurationDist::Lognormal {
            mean: default::SERVICE_MEAN,
            cv: 1.0,
        },
    };
    let per_vcpu = raw.workers_per_vcpu.unwrap_or(false);
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
        timeout: ctx.duration_range(
            "service.timeout",
            ctx.duration("service.timeout", raw.timeout.as_ref(), default::TIMEOUT)?,
            SimDuration::from_secs(1),
            SimDuration::from_secs(4000),
        )?,
    })
}

fn resolve_load_balancer(ctx: &Ctx, raw: Option<RawLoadBalancer>) -> Result<LoadBalancerConfig> {
    let raw = raw.unwrap_or(RawLoadBalancer {
        algorithm: None,
        health_check: None,
        deregistration_delay: None,
        slow_start: None,
        price_per_hour: None,
        price_per_lcu_hour: None,
        request_bytes: None,
        requests_per_connection: None,
    });
    let algorithm = match &raw.algorithm {
        None => Routing::RoundRobin,
        Some(a) => ctx.one_of(
            "load_balancer.algorithm",
            a,
            &[
                ("round_robin", Routing::RoundRobin),
                (
                    "least_outstanding_requests",
                    Routing::LeastOutstandingRequests,
                ),
                ("random", Routing::Random),
                ("power_of_two", Routing::PowerOfTwo),
            ],
        )?,
    };
    let hc = raw.health_check.unwrap_or(RawHealthCheck {
        interval: None,
        timeout: None,
        healthy: None,
        unhealthy: None,
    });
    // Allowed ranges are the ALB API's (aws-facts.md 4.4).
    let interval = ctx.duration(
        "load_balancer.health_check.interval",
        hc.interval.as_ref(),
        default::HC_INTERVAL,
    )?;
    let interval = ctx.duration_range(
        "load_balancer.health_check.interval",
        interval,
        SimDuration::from_secs(5),
        SimDuration::from_secs(300),
    )?;
    let timeout = ctx.duration(
        "load_balancer.health_check.timeout",
        hc.timeout.as_ref(),
        default::HC_TIMEOUT,
    )?;
    let timeout = ctx.duration_range(
        "load_balancer.health_check.timeout",
        timeout,
        SimDuration::from_secs(2),
        SimDuration::from_secs(120),
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
    let delay = ctx.duration(
        "load_balancer.deregistration_delay",
        raw.deregistration_delay.as_ref(),
        default::DEREGISTRATION_DELAY,
    )?;
    let deregistration_delay = ctx.duration_range(
        "load_balancer.deregistration_delay",
        delay,
        SimDuration::ZERO,
        SimDuration::from_secs(3600),
    )?;
    // Slow start is off (0) or 30–900 s, and ALB does not combine it with least
    // outstanding requests (aws-facts.md 4.1, 4.3).
    let slow_start = ctx.duration(
        "load_balancer.slow_start",
        raw.slow_start.as_ref(),
        SimDuration::ZERO,
    )?;
    if slow_start != SimDuration::ZERO {
        ctx.duration_range(
            "load_balancer.slow_start",
            slow_start,
            SimDuration::from_secs(30),
            SimDuration::from_secs(900),
        )?;
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

fn resolve_autoscaling(
    ctx: &Ctx,
    raw: Option<RawAutoScaling>,
    duration: SimDuration,
) -> Result<AutoScalingConfig> {
    let raw = raw.unwrap_or_default();
    let min = raw.min.unwrap_or(default::MIN);
    if min == 0 {
        return Err(ctx.err(
            "autoscaling.min",
            "must be at least 1: the group always keeps one instance alive",
        ));
    }
    let max = raw.max.unwrap_or(min.max(raw.desired.unwrap_or(min)));
    if max < min {
        return Err(ctx.err(
            "autoscaling.max",
            format!("must be at least autoscaling.min ({min})"),
        ));
    }
    ctx.at_most("autoscaling.max", max, MAX_INSTANCES)?;
    let desired = raw.desired.unwrap_or(min);
    if desired < min || desired > max {
        return Err(ctx.err(
            "autoscaling.desired",
            format!("must be between autoscaling.min ({min}) and autoscaling.max ({max})"),
        ));
    }
    let warmup = ctx.duration(
        "autoscaling.instance_warmup",
        raw.instance_warmup.as_ref(),
        default::WARMUP,
    )?;
    let instance_warmup = ctx.duration_range(
        "autoscaling.instance_warmup",
        warmup,
        SimDuration::ZERO,
        SimDuration::from_secs(3600),
    )?;
    let monitoring = ctx.one_of(
        "autoscaling.monitoring",
        // Basic (300 s) by default, as AWS does for instances launched from a launch
        // template unless detailed monitoring is enabled (aws-facts.md 3.11), even
        // though AWS "strongly recommend[s]" 1-minute data for scaling: a scenario
        // that wants it says `monitoring = "detailed"`.
        raw.monitoring.as_deref().unwrap_or("basic"),
        &[
            ("detailed", Monitoring::Detailed),
            ("basic", Monitoring::Basic),
        ],
    )?;
    let delay = ctx.duration(
        "autoscaling.metric_delay",
        raw.metric_delay.as_ref(),
        default::METRIC_DELAY,
    )?;
    let metric_delay = ctx.duration_range(
        "autoscaling.metric_delay",
        delay,
        SimDuration::ZERO,
        SimDuration::from_secs(900),
    )?;
    let termination_policy = ctx.one_of(
        "autoscaling.termination_policy",
        raw.termination_policy.as_deref().unwrap_or("default"),
        &[
            ("default", TerminationPolicy::Default),
            ("oldest_instance", TerminationPolicy::OldestInstance),
            ("newest_instance", TerminationPolicy::NewestInstance),
            (
                "closest_to_next_instance_hour",
                TerminationPolicy::ClosestToNextInstanceHour,
            ),
        ],
    )?;
    // EC2 status checks are the default health check type; the grace period defaults
    // to the API's 0 s (the console's is 300 s) (aws-facts.md 3.5, 3.7).
    let health_check_type = ctx.one_of(
        "autoscaling.health_check_type",
        raw.health_check_type.as_deref().unwrap_or("ec2"),
        &[("ec2", HealthCheckType::Ec2), ("elb", HealthCheckType::Elb)],
    )?;
    let grace = ctx.duration(
        "autoscaling.health_check_grace_period",
        raw.health_check_grace_period.as_ref(),
        SimDuration::ZERO,
    )?;
    let health_check_grace_period = ctx.duration_range(
        "autoscaling.health_check_grace_period",
        grace,
        SimDuration::ZERO,
        SimDuration::from_secs(7200),
    )?;
    let mut policy = Vec::new();
    // SPEC.md lists scheduled actions among the policy kinds: `kind = "scheduled"` is
    // the same as an `[[autoscaling.scheduled]]` table.
    let mut scheduled = Vec::new();
    for (i, p) in raw.policy.unwrap_or_default().iter().enumerate() {
        if p.kind == "scheduled" {
            let key = format!("autoscaling.policy[{i}]");
            check_policy_keys(ctx, &key, p, &["at", "recurrence", "min", "max", "desired"])?;
            let action = RawScheduled {
                at: p.at.clone(),
                recurrence: p.recurrence.clone(),
                min: p.min,
                max: p.max,
                desired: p.desired,
            };
            scheduled.push(resolve_scheduled(ctx, &key, &action, duration)?);
        } else {
            policy.push(resolve_policy(ctx, i, p)?);
        }
    }
    if policy
        .iter()
        .filter(|p| matches!(p, ScalingPolicy::Predictive { .. }))
        .count()
        > 1
    {
        return Err(ctx.err(
            "autoscaling.policy",
            "at most one predictive policy per group",
        ));
    }
    let warm_pool = match raw.warm_pool {
        None => None,
        Some(w) => {
            if w.size.is_some_and(|s| s > max) {
                return Err(ctx.err(
                    "autoscaling.warm_pool.size",
                    format!("is larger than autoscaling.max ({max})"),
                ));
            }
            let start_time = match &w.start_time {
                Some(d) => resolve_dist_value(ctx, "autoscaling.warm_pool.start_time", d)?,
                None => DurationDist::Uniform {
                    min: default::WARM_START_MIN,
                    max: default::WARM_START_MAX,
                },
            };
            Some(WarmPoolConfig {
                size: w.size,
                start_time,
                storage_price_per_hour: ctx.bounded(
                    "autoscaling.warm_pool.storage_price_per_hour",
                    w.storage_price_per_hour
                        .unwrap_or(default::WARM_STORAGE_PRICE),
                    MAX_PRICE_PER_HOUR,
                )?,
            })
        }
    };
    for (i, a) in raw.scheduled.unwrap_or_default().iter().enumerate() {
        scheduled.push(resolve_scheduled(
            ctx,
            &format!("autoscaling.scheduled[{i}]"),
            a,
            duration,
        )?);
    }
    // ALB metrics come every minute whatever the instances' monitoring (aws-facts.md
    // 3.11). simcloud reads every policy's datapoints on one period, so a group whose
    // policies read only ALB metrics reads 60 s periods, and one where any policy
    // reads CPU under basic monitoring reads 300 s periods for all.
    let reads_ec2 = policy
        .iter()
        .any(|p| p.period_metric() == Some(ScalingMetric::Cpu));
    let metric_period = match monitoring {
        Monitoring::Basic if reads_ec2 => SimDuration::from_secs(300),
        _ => SimDuration::from_secs(60),
    };
    Ok(AutoScalingConfig {
        min,
        max,
        desired,
        instance_warmup,
        monitoring,
        metric_period,
        metric_delay,
        termination_policy,
        new_instances_protected_from_scale_in: raw
            .new_instances_protected_from_scale_in
            .unwrap_or(false),
        health_check_type,
        health_check_grace_period,
        warm_pool,
        policy,
        scheduled,
    })
}

const METRICS: &[(&str, ScalingMetric)] = &[
    ("cpu", ScalingMetric::Cpu),
    (
        "request_count_per_target",
        ScalingMetric::RequestCountPerTarget,
    ),
];

fn resolve_policy(ctx: &Ctx, i: usize, p: &RawPolicy) -> Result<ScalingPolicy> {
    let key = |k: &str| format!("autoscaling.policy[{i}].{k}");
    // Each kind's own keys; any other key given is a mistake worth naming.
    let allowed: &[&str] = match p.kind.as_str() {
        "target_tracking" => &["metric", "target", "disable_scale_in"],
        "step" => &[
            "alarm",
            "adjustment_type",
            "steps",
            "min_adjustment_magnitude",
        ],
        "simple" => &[
            "alarm",
            "adjustment_type",
            "adjustment",
            "min_adjustment_magnitude",
            "cooldown",
        ],
        "predictive" => &["metric", "target", "mode", "scheduling_buffer"],
        _ => {
            return Err(ctx.err(
                &key("kind"),
                "unknown policy kind; expected target_tracking, step, simple, scheduled or predictive",
            ));
        }
    };
    check_policy_keys(ctx, &format!("autoscaling.policy[{i}]"), p, allowed)?;
    let metric = || {
        ctx.one_of(
            &key("metric"),
            p.metric.as_deref().unwrap_or("cpu"),
            METRICS,
        )
    };
    let target = |metric: ScalingMetric| -> Result<f64> {
        let Some(t) = p.target else {
            return Err(ctx.err(
                &format!("autoscaling.policy[{i}]"),
                "needs a `target` value",
            ));
        };
        let t = ctx.positive(&key("target"), t)?;
        if metric == ScalingMetric::Cpu && t > 100.0 {
            return Err(ctx.err(&key("target"), "a CPU target is a percentage: at most 100"));
        }
        ctx.at_most(&key("target"), t, MAX_METRIC_VALUE)
    };
    let adjustment_type = || {
        ctx.one_of(
            &key("adjustment_type"),
            p.adjustment_type.as_deref().unwrap_or("change_in_capacity"),
            &[
                ("change_in_capacity", AdjustmentType::ChangeInCapacity),
                ("exact_capacity", AdjustmentType::ExactCapacity),
                (
                    "percent_change_in_capacity",
                    AdjustmentType::PercentChangeInCapacity,
                ),
            ],
        )
    };
    let magnitude = |kind: AdjustmentType| -> Result<Option<u32>> {
        match p.min_adjustment_magnitude {
            Some(_) if kind != AdjustmentType::PercentChangeInCapacity => Err(ctx.err(
                &key("min_adjustment_magnitude"),
                "only applies to adjustment_type = \"percent_change_in_capacity\"",
            )),
            Some(m) => ctx
                .at_most(&key("min_adjustment_magnitude"), m, MAX_INSTANCES)
                .map(Some),
            None => Ok(None),
        }
    };
    Ok(match p.kind.as_str() {
        "target_tracking" => {
            let metric = metric()?;
            ScalingPolicy::TargetTracking {
                metric,
                target: target(metric)?,
                disable_scale_in: p.disable_scale_in.unwrap_or(false),
            }
        }
        "step" => {
            let alarm = resolve_alarm(ctx, &key("alarm"), p.alarm.as_ref())?;
            let kind = adjustment_type()?;
            let Some(raw_steps) = &p.steps else {
                return Err(ctx.err(
                    &format!("autoscaling.policy[{i}]"),
                    "a step policy needs `steps`",
                ));
            };
            let step = resolve_steps(ctx, &key("steps"), raw_steps, alarm.comparison)?;
            ScalingPolicy::Step {
                alarm,
                adjustment_type: kind,
                step,
                min_adjustment_magnitude: magnitude(kind)?,
            }
        }
        "simple" => {
            let alarm = resolve_alarm(ctx, &key("alarm"), p.alarm.as_ref())?;
            let kind = adjustment_type()?;
            let Some(adjustment) = p.adjustment.filter(|a| a.is_finite()) else {
                return Err(ctx.err(
                    &format!("autoscaling.policy[{i}]"),
                    "a simple policy needs a finite `adjustment`",
                ));
            };
            let adjustment = adjustment_bound(ctx, &key("adjustment"), adjustment)?;
            let cooldown =
                ctx.duration(&key("cooldown"), p.cooldown.as_ref(), default::COOLDOWN)?;
            ScalingPolicy::Simple {
                alarm,
                adjustment_type: kind,
                adjustment,
                min_adjustment_magnitude: magnitude(kind)?,
                cooldown: ctx.duration_range(
                    &key("cooldown"),
                    cooldown,
                    SimDuration::ZERO,
                    SimDuration::from_secs(86_400),
                )?,
            }
        }
        _ => {
            let metric = metric()?;
            let buffer = ctx.duration(
                &key("scheduling_buffer"),
                p.scheduling_buffer.as_ref(),
                SimDuration::ZERO,
            )?;
            ScalingPolicy::Predictive {
                metric,
                target: target(metric)?,
                mode: ctx.one_of(
                    &key("mode"),
                    p.mode.as_deref().unwrap_or("forecast_only"),
                    &[
                        ("forecast_and_scale", PredictiveMode::ForecastAndScale),
                        ("forecast_only", PredictiveMode::ForecastOnly),
                    ],
                )?,
                // SchedulingBufferTime is below one hour (aws-facts.md 3.9).
                scheduling_buffer: ctx.duration_range(
                    &key("scheduling_buffer"),
                    buffer,
                    SimDuration::ZERO,
                    SimDuration::from_secs(3599),
                )?,
            }
        }
    })
}

fn resolve_alarm(ctx: &Ctx, key: &str, raw: Option<&RawAlarm>) -> Result<Alarm> {
    let Some(raw) = raw else {
        return Err(ctx.err(
            key,
            "missing: the policy needs an alarm = { comparison, threshold, ... }",
        ));
    };
    let k = |f: &str| format!("{key}.{f}");
    let metric = ctx.one_of(
        &k("metric"),
        raw.metric.as_deref().unwrap_or("cpu"),
        METRICS,
    )?;
    let comparison = ctx.one_of(
        &k("comparison"),
        &raw.comparison,
        &[
            (">", Comparison::Greater),
            (">=", Comparison::GreaterOrEqual),
            ("<", Comparison::Less),
            ("<=", Comparison::LessOrEqual),
        ],
    )?;
    metric_bound(ctx, &k("threshold"), raw.threshold)?;
    let evaluation_periods = ctx.range(
        &k("evaluation_periods"),
        raw.evaluation_periods.unwrap_or(1),
        1,
        1440,
        "",
    )?;
    let datapoints = raw.datapoints_to_alarm.unwrap_or(evaluation_periods);
    let datapoints_to_alarm = ctx.range(
        &k("datapoints_to_alarm"),
        datapoints,
        1,
        evaluation_periods,
        "",
    )?;
    Ok(Alarm {
        metric,
        comparison,
        threshold: raw.threshold,
        evaluation_periods,
        datapoints_to_alarm,
    })
}

/// Steps must tile their side of the threshold without gaps or overlaps (aws-facts.md
/// 3.4): sorted by bound, each upper bound is the next lower bound, and only the ends
/// may be open.
fn resolve_steps(
    ctx: &Ctx,
    key: &str,
    raw: &[RawStep],
    comparison: Comparison,
) -> Result<Vec<StepAdjustment>> {
    if raw.is_empty() {
        return Err(ctx.err(key, "needs at least one step"));
    }
    let mut steps: Vec<(usize, StepAdjustment)> = raw
        .iter()
        .enumerate()
        .map(|(j, s)| {
            (
                j,
                StepAdjustment {
                    lower: s.lower,
                    upper: s.upper,
                    adjustment: s.adjustment,
                },
            )
        })
        .collect();
    for (j, s) in &steps {
        if let (Some(l), Some(u)) = (s.lower, s.upper) {
            if l >= u {
                return Err(ctx.err(
                    &format!("{key}[{j}].upper"),
                    "must be greater than the step's lower bound",
                ));
            }
        }
        for (bound, value) in [("lower", s.lower), ("upper", s.upper)] {
            if let Some(v) = value {
                metric_bound(ctx, &format!("{key}[{j}].{bound}"), v)?;
            }
        }
        adjustment_bound(ctx, &format!("{key}[{j}].adjustment"), s.adjustment)?;
    }
    steps.sort_by(|a, b| {
        a.1.lower
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&b.1.lower.unwrap_or(f64::NEG_INFINITY))
    });
    for pair in steps.windows(2) {
        let ((_, a), (j, b)) = (&pair[0], &pair[1]);
        let (upper, lower) = (
            a.upper.unwrap_or(f64::INFINITY),
            b.lower.unwrap_or(f64::NEG_INFINITY),
        );
        if upper > lower {
            return Err(ctx.err(
                &format!("{key}[{j}].lower"),
                format!("overlaps the step that ends at {upper}"),
            ));
        }
        if upper < lower {
            return Err(ctx.err(
                &format!("{key}[{j}].lower"),
                format!("leaves a gap after the step that ends at {upper}"),
            ));
        }
    }
    // Above-threshold alarms need steps at or above 0, below-threshold ones at or
    // below 0, and the steps must reach the threshold.
    let above = matches!(comparison, Comparison::Greater | Comparison::GreaterOrEqual);
    let (first, last) = (&steps[0].1, &steps[steps.len() - 1].1);
    let reaches = if above {
        first.lower == Some(0.0)
    } else {
        last.upper == Some(0.0)
    };
    if !reaches {
        let edge = if above {
            "the lowest step's lower bound"
        } else {
            "the highest step's upper bound"
        };
        return Err(ctx.err(
            key,
            format!("{edge} must be 0 (the alarm threshold), so that every breach has a step"),
        ));
    }
    Ok(steps.into_iter().map(|(_, s)| s).collect())
}

/// A metric value (a threshold, a step bound): finite and within `MAX_METRIC_VALUE`
/// either way, since step bounds are offsets from the threshold and may be negative.
fn metric_bound(ctx: &Ctx, key: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x.abs() > MAX_METRIC_VALUE {
        return Err(ctx.err(
            key,
            format!(
                "must be a number between -{0} and {0}",
                limits::compact(MAX_METRIC_VALUE)
            ),
        ));
    }
    Ok(x)
}

/// A scaling adjustment, in instances or percent: a change beyond `MAX_INSTANCES`
/// either way cannot be carried out by any group.
fn adjustment_bound(ctx: &Ctx, key: &str, x: f64) -> Result<f64> {
    if !x.is_finite() || x.abs() > f64::from(MAX_INSTANCES) {
        return Err(ctx.err(
            key,
            format!("must be a number between -{MAX_INSTANCES} and {MAX_INSTANCES}"),
        ));
    }
    Ok(x)
}

/// Rejects any key given that is not one of the policy kind's own.
fn check_policy_keys(ctx: &Ctx, key: &str, p: &RawPolicy, allowed: &[&str]) -> Result<()> {
    let present = [
        ("metric", p.metric.is_some()),
        ("target", p.target.is_some()),
        ("disable_scale_in", p.disable_scale_in.is_some()),
        ("alarm", p.alarm.is_some()),
        ("adjustment_type", p.adjustment_type.is_some()),
        ("adjustment", p.adjustment.is_some()),
        ("steps", p.steps.is_some()),
        (
            "min_adjustment_magnitude",
            p.min_adjustment_magnitude.is_some(),
        ),
        ("cooldown", p.cooldown.is_some()),
        ("mode", p.mode.is_some()),
        ("scheduling_buffer", p.scheduling_buffer.is_some()),
        ("at", p.at.is_some()),
        ("recurrence", p.recurrence.is_some()),
        ("min", p.min.is_some()),
        ("max", p.max.is_some()),
        ("desired", p.desired.is_some()),
    ];
    match present
        .iter()
        .find(|(k, given)| *given && !allowed.contains(k))
    {
        Some((k, _)) => Err(ctx.err(
            &format!("{key}.{k}"),
            format!("is not a key of a {} policy", p.kind),
        )),
        None => Ok(()),
    }
}

/// A scheduled action at `whole` (`autoscaling.scheduled[i]`, or a policy of kind
/// `scheduled`).
fn resolve_scheduled(
    ctx: &Ctx,
    whole: &str,
    raw: &RawScheduled,
    duration: SimDuration,
) -> Result<ScheduledAction> {
    let key = |k: &str| format!("{whole}.{k}");
    let (at, cron) = match (&raw.at, &raw.recurrence) {
        // Accepted with a note, like a spike after the end: a shortened run simply
        // ends before the action.
        (Some(at), None) => {
            let at = ctx.duration(&key("at"), Some(at), SimDuration::ZERO)?;
            if at >= duration {
                ctx.note(format!(
                    "{whole} is at {at}, not before the end of the run ({duration}): it does not happen"
                ));
            }
            (Some(at), None)
        }
        (None, Some(expr)) => {
            let cron = parse_cron(expr).map_err(|m| ctx.err(&key("recurrence"), m))?;
            if cron.next_after(0).is_none_or(|t| t >= duration.0) {
                ctx.note(format!(
                    "{whole} (recurrence \"{expr}\") first fires after the end of the run ({duration}): it does not happen"
                ));
            }
            (None, Some(cron))
        }
        _ => {
            return Err(ctx.err(
                &whole,
                "give exactly one of `at` (a time) or `recurrence` (cron)",
            ));
        }
    };
    if raw.min.is_none() && raw.max.is_none() && raw.desired.is_none() {
        return Err(ctx.err(whole, "sets nothing: give min, max and/or desired"));
    }
    if raw.min == Some(0) {
        return Err(ctx.err(
            &key("min"),
            "must be at least 1: the group always keeps one instance alive",
        ));
    }
    if let (Some(lo), Some(hi)) = (raw.min, raw.max) {
        if lo > hi {
            return Err(ctx.err(
                &key("max"),
                format!("must be at least this action's min ({lo})"),
            ));
        }
    }
    for (k, v) in [("min", raw.min), ("max", raw.max), ("desired", raw.desired)] {
        if let Some(v) = v {
            ctx.at_most(&key(k), v, MAX_INSTANCES)?;
        }
    }
    Ok(ScheduledAction {
        at,
        recurrence: raw.recurrence.clone(),
        cron,
        min: raw.min,
        max: raw.max,
        desired: raw.desired,
    })
}

/// Parses `minute hour day-of-month month day-of-week`, each `*`, `*/n`, a number, a
/// range `a-b` or a list of those; day-of-month and month must be `*`.
fn parse_cron(expr: &str) -> std::result::Result<Cron, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(
            "expected 5 fields: minute hour day-of-month month day-of-week, like \"0 8 * * 1-5\""
                .into(),
        );
    }
    if fields[2] != "*" || fields[3] != "*" {
        return Err(
            "day-of-month and month must be `*` (simulated time has no calendar dates)".into(),
        );
    }
    let set = |field: &str, size: usize, name: &str| -> std::result::Result<Vec<bool>, String> {
        let mut out = vec![false; size];
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (
                    r,
                    s.parse::<usize>()
                        .ok()
                        .filter(|&s| s > 0)
                        .ok_or(format!("bad step in {name} `{part}`"))?,
                ),
                None => (part, 1),
            };
            let (lo, hi) = if range == "*" {
                (0, size - 1)
            } else if let Some((a, b)) = range.split_once('-') {
                (
                    a.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                    b.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                )
            } else {
                let v: usize = range.parse().map_err(|_| format!("bad {name} `{part}`"))?;
                (v, v)
            };
            // Day-of-week 7 is Sunday too.
            let hi = if name == "day-of-week" && hi == 7 {
                6.max(lo)
            } else {
                hi
            };
            let lo = if name == "day-of-week" && lo == 7 {
                0
            } else {
                lo
            };
            if lo > hi || hi >= size {
                return Err(format!("{name} `{part}` is out of range 0-{}", size - 1));
            }
            for v in (lo..=hi).step_by(step) {
                out[v] = true;
            }
        }
        Ok(out)
    };
    Ok(Cron {
        minutes: set(fields[0], 60, "minute")?,
        hours: set(fields[1], 24, "hour")?,
        weekdays: set(fields[4], 7, "day-of-week")?,
    })
}

const TERMS: &[(&str, Term)] = &[("1y", Term::OneYear), ("3y", Term::ThreeYears)];
const PAYMENTS: &[(&str, Payment)] = &[
    ("no_upfront", Payment::NoUpfront),
    ("partial_upfront", Payment::PartialUpfront),
    ("all_upfront", Payment::AllUpfront),
];

/// Effective discount of a reservation off on-demand, upfront amortised (aws-facts.md
/// 1.3, the table read from a current AWS price scrape). Savings plans are priced like
/// the reservation class they resemble: EC2 Instance Savings Plans like Standard RIs,
/// Compute Savings Plans like Convertible RIs.
fn reservation_discount(class: OfferingClass, term: Term, payment: Payment) -> f64 {
    use {OfferingClass::*, Payment::*, Term::*};
    match (class, term, payment) {
        (Standard, OneYear, NoUpfront) => 0.385,
        (Standard, OneYear, PartialUpfront) => 0.414,
        (Standard, OneYear, AllUpfront) => 0.426,
        (Standard, ThreeYears, NoUpfront) => 0.679,
        (Standard, ThreeYears, PartialUpfront) => 0.703,
        (Standard, ThreeYears, AllUpfront) => 0.721,
        (Convertible, OneYear, NoUpfront) => 0.261,
        (Convertible, OneYear, PartialUpfront) => 0.296,
        (Convertible, OneYear, AllUpfront) => 0.310,
        (Convertible, ThreeYears, NoUpfront) => 0.614,
        (Convertible, ThreeYears, PartialUpfront) => 0.643,
        (Convertible, ThreeYears, AllUpfront) => 0.650,
    }
}

/// vCPUs and on-demand price of a type: the scenario's own `[instance]` values for its
/// type, the catalog's for any other.
fn pool_type(ctx: &Ctx, key: &str, type_name: &str, instance: &InstanceConfig) -> Result<PoolType> {
    if type_name == instance.type_name {
        return Ok(PoolType {
            vcpu: instance.vcpu,
            price_per_hour: instance.price_per_hour,
        });
    }
    catalog::lookup(type_name)
        .map(|t| PoolType {
            vcpu: t.vcpu,
            price_per_hour: t.price_per_hour,
        })
        .ok_or_else(|| {
            ctx.err(
                key,
                format!(
                    "unknown instance type; the catalog has {}",
                    catalog::names()
                ),
            )
        })
}

fn resolve_purchase(
    ctx: &Ctx,
    raw: RawPurchase,
    instance: &InstanceConfig,
) -> Result<PurchaseConfig> {
    let percent = raw
        .on_demand_percent_above_base
        .unwrap_or(i64::from(default::ON_DEMAND_PERCENT));
    if !(0..=100).contains(&percent) {
        return Err(ctx.err(
            "purchase.on_demand_percent_above_base",
            "must be a percentage between 0 and 100",
        ));
    }
    let spot_pools = raw
        .spot_pools
        .unwrap_or_else(|| vec![instance.type_name.clone()]);
    if spot_pools.is_empty() {
        return Err(ctx.err("purchase.spot_pools", "needs at least one instance type"));
    }
    let mut spot_pool_types = Vec::new();
    for (i, t) in spot_pools.iter().enumerate() {
        spot_pool_types.push(pool_type(
            ctx,
            &format!("purchase.spot_pools[{i}]"),
            t,
            instance,
        )?);
        if spot_pools[..i].contains(t) {
            return Err(ctx.err(&format!("purchase.spot_pools[{i}]"), "is listed twice"));
        }
    }
    let spot_allocation = match &raw.spot_allocation {
        None => SpotAllocation::PriceCapacityOptimized,
        Some(a) => ctx.one_of(
            "purchase.spot_allocation",
            a,
            &[
                ("lowest_price", SpotAllocation::LowestPrice),
                ("capacity_optimized", SpotAllocation::CapacityOptimized),
                (
                    "price_capacity_optimized",
                    SpotAllocation::PriceCapacityOptimized,
                ),
            ],
        )?,
    };
    let spot_instance_pools = ctx.range(
        "purchase.spot_instance_pools",
        raw.spot_instance_pools
            .unwrap_or(default::SPOT_INSTANCE_POOLS),
        1,
        20,
        "",
    )?;
    let mut reserved = Vec::new();
    for (i, r) in raw.reserved.unwrap_or_default().into_iter().enumerate() {
        let key = |k: &str| format!("purchase.reserved[{i}].{k}");
        let od_price = pool_type(ctx, &key("type"), &r.type_name, instance)?.price_per_hour;
        if r.count == 0 {
            return Err(ctx.err(&key("count"), "must be at least 1"));
        }
        ctx.at_most(&key("count"), r.count, MAX_INSTANCES)?;
        let term = ctx.one_of(&key("term"), r.term.as_deref().unwrap_or("1y"), TERMS)?;
        let payment = ctx.one_of(
            &key("payment"),
            r.payment.as_deref().unwrap_or("no_upfront"),
            PAYMENTS,
        )?;
        let class = ctx.one_of(
            &key("class"),
            r.class.as_deref().unwrap_or("standard"),
            &[
                ("standard", OfferingClass::Standard),
                ("convertible", OfferingClass::Convertible),
            ],
        )?;
        // Derived prices: the effective hourly cost at the documented discount, split
        // as AWS does: all upfront pays it all at the start, partial upfront about half,
        // no upfront nothing (1.3).
        let hours = match term {
            Term::OneYear => 8_760.0,
            Term::ThreeYears => 26_280.0,
        };
        let effective = od_price * (1.0 - reservation_discount(class, term, payment));
        let upfront_share = match payment {
            Payment::NoUpfront => 0.0,
            Payment::PartialUpfront => 0.5,
            Payment::AllUpfront => 1.0,
        };
        let hourly_usd = ctx.bounded(
            &key("hourly_usd"),
            r.hourly_usd.unwrap_or(effective * (1.0 - upfront_share)),
            MAX_PRICE_PER_HOUR,
        )?;
        let upfront_usd = ctx.bounded(
            &key("upfront_usd"),
            r.upfront_usd.unwrap_or(effective * upfront_share * hours),
            MAX_UPFRONT_USD,
        )?;
        reserved.push(Reservation {
            type_name: r.type_name,
            count: r.count,
            term,
            payment,
            class,
            hourly_usd,
            upfront_usd,
        });
    }
    let savings_plan = match raw.savings_plan {
        None => None,
        Some(sp) => {
            let kind = ctx.one_of(
                "purchase.savings_plan.kind",
                &sp.kind,
                &[
                    ("compute", SavingsPlanKind::Compute),
                    ("ec2_instance", SavingsPlanKind::Ec2Instance),
                ],
            )?;
            let term = ctx.one_of(
                "purchase.savings_plan.term",
                sp.term.as_deref().unwrap_or("1y"),
                TERMS,
            )?;
            let payment = ctx.one_of(
                "purchase.savings_plan.payment",
                sp.payment.as_deref().unwrap_or("no_upfront"),
                PAYMENTS,
            )?;
            let class = match kind {
                SavingsPlanKind::Compute => OfferingClass::Convertible,
                SavingsPlanKind::Ec2Instance => OfferingClass::Standard,
            };
            let discount = sp
                .discount
                .unwrap_or(reservation_discount(class, term, payment));
            if !(0.0..1.0).contains(&discount) {
                return Err(ctx.err(
                    "purchase.savings_plan.discount",
                    "must be a fraction between 0 and 1, like 0.28",
                ));
            }
            let family = match (kind, sp.family) {
                (SavingsPlanKind::Compute, Some(_)) => {
                    return Err(ctx.err(
                        "purchase.savings_plan.family",
                        "only ec2_instance plans are tied to a family",
                    ));
                }
                (SavingsPlanKind::Compute, None) => None,
                (SavingsPlanKind::Ec2Instance, f) => Some(f.unwrap_or_else(|| {
                    instance
                        .type_name
                        .split('.')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })),
            };
            Some(SavingsPlan {
                kind,
                hourly_commitment: ctx
                    .positive(
                        "purchase.savings_plan.hourly_commitment",
                        sp.hourly_commitment,
                    )
                    .and_then(|c| {
                        ctx.at_most(
                            "purchase.savings_plan.hourly_commitment",
                            c,
                            MAX_COMMITMENT_PER_HOUR,
                        )
                    })?,
                term,
                payment,
                discount,
                family,
            })
        }
    };
    Ok(PurchaseConfig {
        on_demand_base: ctx.at_most(
            "purchase.on_demand_base",
            raw.on_demand_base.unwrap_or(default::ON_DEMAND_BASE),
            MAX_INSTANCES,
        )?,
        on_demand_percent_above_base: percent as u32,
        spot_pools,
        spot_pool_types,
        spot_allocation,
        spot_instance_pools,
        reserved,
        savings_plan,
    })
}

fn resolve_interruption(ctx: &Ctx, key: &str, raw: &RawInterruption) -> Result<InterruptionRate> {
    match (&raw.band, raw.per_hour) {
        (Some(band), None) => {
            if band_midpoint(band).is_none() {
                return Err(ctx.err(
                    &format!("{key}.band"),
                    "unknown band; expected one of <5%, 5-10%, 10-15%, 15-20%, >20%",
                ));
            }
            Ok(InterruptionRate::Band { band: band.clone() })
        }
        (None, Some(rate)) => Ok(InterruptionRate::PerHour {
            per_hour: ctx.bounded(&format!("{key}.per_hour"), rate, MAX_INTERRUPTIONS_PER_HOUR)?,
        }),
        _ => Err(ctx.err(
            key,
            "give either `band` (like \"5-10%\") or `per_hour`, not both",
        )),
    }
}

fn resolve_spot(ctx: &Ctx, raw: RawSpot, purchase: &PurchaseConfig) -> Result<SpotConfig> {
    let price = match raw.price {
        None => SpotPrice::Discount {
            discount: default::SPOT_DISCOUNT,
        },
        Some(RawSpotPrice {
            discount: Some(d),
            trace: None,
            zone: None,
        }) => {
            if !(0.0..1.0).contains(&d) {
                return Err(ctx.err(
                    "spot.price.discount",
                    "must be a fraction between 0 and 1, like 0.62",
                ));
            }
            SpotPrice::Discount { discount: d }
        }
        Some(RawSpotPrice {
            discount: None,
            trace: Some(file),
            zone,
        }) => {
            let dir = ctx
                .file
                .path()
                .parent()
                .unwrap_or(std::path::Path::new("."));
            let path = dir.join(&file);
            let history = load_spot_prices(&path, &purchase.spot_pools, zone.as_deref())
                .map_err(|m| ctx.err("spot.price.trace", m))?;
            // Absolute, like a traffic trace's, so the resolved scenario loads anywhere.
            let path = std::fs::canonicalize(&path).unwrap_or(path);
            // One zone for every pool keeps pools comparable; the first pool's (resolved)
            // zone is printed so that the resolved scenario replays the same records.
            let zone = history.first().map(|h| h.zone.clone()).unwrap_or_default();
            SpotPrice::Trace {
                trace: path,
                zone,
                history: std::sync::Arc::new(history),
            }
        }
        Some(_) => {
            return Err(ctx.err(
                "spot.price",
                "give either `discount` or `trace` (with an optional `zone`)",
            ));
        }
    };
    let interruption = match &raw.interruption {
        None => InterruptionRate::Band {
            band: default::SPOT_BAND.into(),
        },
        Some(i) => resolve_interruption(ctx, "spot.interruption", i)?,
    };
    let capacity_events = match raw.capacity_events {
        None => CapacityEvents {
            per_day: 0.0,
            share: 0.0,
        },
        Some(c) => CapacityEvents {
            per_day: ctx.bounded(
                "spot.capacity_events.per_day",
                c.per_day,
                MAX_CAPACITY_EVENTS_PER_DAY,
            )?,
            share: ctx.range("spot.capacity_events.share", c.share, 0.0, 1.0, "")?,
        },
    };
    let notice = ctx.duration("spot.notice", raw.notice.as_ref(), default::SPOT_NOTICE)?;
    let notice = ctx.duration_range(
        "spot.notice",
        notice,
        SimDuration::ZERO,
        SimDuration::from_secs(3600),
    )?;
    let (probability, lead) = match &raw.rebalance {
        None => (default::REBALANCE_PROBABILITY, default::REBALANCE_LEAD_MAX),
        Some(r) => (
            ctx.range(
                "spot.rebalance.probability",
                r.probability.unwrap_or(default::REBALANCE_PROBABILITY),
                0.0,
                1.0,
                "",
            )?,
            ctx.duration(
                "spot.rebalance.lead_max",
                r.lead_max.as_ref(),
                default::REBALANCE_LEAD_MAX,
            )?,
        ),
    };
    let mut pool = Vec::new();
    for (i, p) in raw.pool.unwrap_or_default().iter().enumerate() {
        if !purchase.spot_pools.contains(&p.type_name) {
            return Err(ctx.err(
                &format!("spot.pool[{i}].type"),
                "is not one of purchase.spot_pools",
            ));
        }
        pool.push(SpotPoolOverride {
            type_name: p.type_name.clone(),
            interruption: resolve_interruption(
                ctx,
                &format!("spot.pool[{i}].interruption"),
                &p.interruption,
            )?,
        });
    }
    Ok(SpotConfig {
        price,
        interruption,
        capacity_events,
        notice,
        rebalance: Rebalance {
            probability,
            lead_max: lead,
        },
        capacity_rebalance: raw.capacity_rebalance.unwrap_or(false),
        pool,
    })
}
