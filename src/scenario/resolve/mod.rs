//! Raw scenario → validated [`Config`]: defaults come from `scenario::default` (each
//! written once, with its source), and every cross-field rule is checked here. One
//! file per table of the scenario, and under `autoscaling/` one per policy kind, as in
//! `model`.

mod autoscaling;
mod batch;
mod beanstalk;
mod deployment;
mod dist;
mod ecs;
mod emr;
mod fargate;
mod instance;
mod lambda;
mod load_balancer;
mod network;
mod purchase;
mod rds;
mod s3;
mod service;
mod spot;
mod tenancy;
mod tiers;
mod traffic;
mod worker;

use super::burstable;
use super::catalog;
use super::cron::{parse_cron, read_cron_yaml};
use super::default;
use super::duration::parse_duration;
use super::limits::{self, *};
use super::offer::{Offer, load_offer};
use super::raw::*;
use super::spot_prices::load_spot_prices;
use super::trace::load_trace;
use super::{ScenarioError, ScenarioFile};
use crate::engine::SimDuration;
use crate::model::*;
use autoscaling::*;
use batch::*;
use beanstalk::*;
use deployment::*;
use dist::*;
use ecs::*;
use emr::*;
use fargate::*;
use instance::*;
use lambda::*;
use load_balancer::*;
use network::*;
use purchase::*;
use rds::*;
use s3::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use service::*;
use spot::*;
use std::cell::RefCell;
use std::ops::RangeInclusive;
use tenancy::*;
use tiers::*;
use traffic::*;
use worker::*;

/// At most this many timeline rows, to keep a typo in `report.interval` from filling
/// the disk.
const MAX_TIMELINE_ROWS: u64 = 2_000_000;

pub(super) struct Ctx<'a> {
    file: &'a ScenarioFile,
    table: &'a toml::Table,
    /// Where the tables being resolved sit in the file: empty at its top level (and for
    /// the single-tier form's tables), `tiers.api.` inside a tier. Every key a resolver
    /// names is relative to it, so that one resolver per table serves both forms and
    /// its errors still name the key as the file spells it, with its line.
    prefix: String,
    /// What the user should know about input that was accepted but has no effect;
    /// shared by the contexts of every tier.
    notes: &'a RefCell<Vec<String>>,
    /// The instance types of `[pricing] offer_file`, which replace the built-in
    /// catalog's when given.
    offer: Option<&'a Offer>,
}

/// What the catalog (or the offer file) says of an instance type.
#[derive(Clone, Copy, Debug)]
pub(super) struct TypeFacts {
    pub vcpu: u32,
    pub memory_gib: f64,
    pub price_per_hour: f64,
    pub speed: f64,
}

pub(super) type Result<T> = std::result::Result<T, ScenarioError>;

impl Ctx<'_> {
    /// The context of the tables under `prefix` (`tiers.api.`, with its dot).
    fn within(&self, prefix: String) -> Ctx<'_> {
        Ctx {
            file: self.file,
            table: self.table,
            prefix,
            notes: self.notes,
            offer: self.offer,
        }
    }

    /// vCPU, memory, price and speed of the type `name`: from the offer file when the
    /// scenario gives one (speed from the built-in catalog, which the offer file does
    /// not price), otherwise from the built-in catalog.
    fn instance_type(&self, name: &str) -> Option<TypeFacts> {
        let speed = catalog::lookup(name).map_or(catalog::DEFAULT_SPEED, |t| t.speed);
        match self.offer {
            Some(offer) => offer.types.get(name).map(|t| TypeFacts {
                vcpu: t.vcpu,
                memory_gib: t.memory_gib,
                price_per_hour: t.price_per_hour,
                speed,
            }),
            None => catalog::lookup(name).map(|t| TypeFacts {
                vcpu: t.vcpu,
                memory_gib: t.memory_gib,
                price_per_hour: t.price_per_hour,
                speed,
            }),
        }
    }

    /// Where the known instance types come from, for an error about an unknown one.
    fn known_types(&self) -> String {
        match self.offer {
            Some(offer) => {
                let names: Vec<&str> = offer.types.keys().map(String::as_str).collect();
                let shown = names.len().min(20);
                format!(
                    "[pricing] offer_file prices {} type{} ({}{}), which replace the built-in catalog",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    names[..shown].join(", "),
                    if shown < names.len() { ", ..." } else { "" }
                )
            }
            None => format!("the catalog has {}", catalog::names()),
        }
    }

    /// `key` as the file spells it.
    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.file.invalid(self.table, &self.key(key), message)
    }

    /// An error about a table as a whole (`tiers`, `tiers.api`): its key and line, but
    /// not its value, which would echo the whole table.
    fn err_table(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            value: None,
            ..self.err(key, message)
        }
    }

    /// A note about the input at `key`, which was accepted but has no effect.
    fn note(&self, key: &str, message: impl std::fmt::Display) {
        let key = self.key(key);
        self.notes.borrow_mut().push(format!("{key} {message}"));
    }

    /// The duration at `key`, or `default` when it is not given. Nothing in a run of at
    /// most `MAX_DURATION` needs a longer one.
    fn duration(
        &self,
        key: &str,
        text: Option<&String>,
        default: SimDuration,
    ) -> Result<SimDuration> {
        self.duration_in(key, text, default, SimDuration::ZERO..=MAX_DURATION)
    }

    /// The duration at `key`, or `default` when it is not given, within `range` (the
    /// bounds AWS documents, cited where it is called). One call reads and checks, so
    /// that no duration is read without its range.
    fn duration_in(
        &self,
        key: &str,
        text: Option<&String>,
        default: SimDuration,
        range: RangeInclusive<SimDuration>,
    ) -> Result<SimDuration> {
        let Some(text) = text else {
            return Ok(default);
        };
        let d = parse_duration(text).map_err(|m| self.err(key, m))?;
        if d > MAX_DURATION {
            return Err(self.err(key, format!("must be at most {MAX_DURATION}")));
        }
        if !range.contains(&d) {
            let (lo, hi) = range.into_inner();
            return Err(self.err(key, format!("must be between {lo} and {hi}")));
        }
        Ok(d)
    }

    /// Rejects the first key given in `raw` (a raw table at `key` that several kinds
    /// share, told apart by its `tag` key) that is not one of `allowed`, the keys of
    /// the kind it picked: `cooldown` in a target-tracking policy, `cv` in a uniform
    /// distribution.
    fn only_keys<T: Serialize>(
        &self,
        key: &str,
        raw: &T,
        tag: &str,
        allowed: &[&str],
        message: &str,
    ) -> Result<()> {
        match keys_given(raw)
            .into_iter()
            .find(|k| k != tag && !allowed.contains(&k.as_str()))
        {
            Some(k) => Err(self.err(&format!("{key}.{k}"), message)),
            None => Ok(()),
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
}

/// The keys a raw table gives (its fields that are not `None`), in name order.
fn keys_given<T: Serialize>(raw: &T) -> Vec<String> {
    match toml::Value::try_from(raw) {
        Ok(toml::Value::Table(given)) => given.keys().cloned().collect(),
        other => panic!("a raw table did not serialize to a table: {other:?}"),
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
            // toml's words for an enum given another type than a string.
            "a string" | "string only" | "string or table" => "a string in quotes".into(),
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
    // "unknown variant `x`, expected one of `a`, `b`" (or "expected `a` or `b`"): the
    // value is echoed beside the key, and the words allowed are listed plainly.
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        let words: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return format!("unknown value; expected one of {}", words.join(", "));
    }
    message.to_string()
}

/// The validated scenario and the notes on input that has no effect.
pub(super) fn resolve(file: &ScenarioFile, table: &toml::Table) -> Result<(Config, Vec<String>)> {
    let notes = RefCell::default();
    let ctx = Ctx {
        file,
        table,
        prefix: String::new(),
        notes: &notes,
        offer: None,
    };
    refuse_unbuilt(&ctx, table)?;
    let mut raw: RawScenario = deserialize(&ctx, "", table)?;
    let (pricing, offer) = match resolve_pricing(&ctx, raw.pricing.take())? {
        Some((pricing, offer)) => (Some(pricing), Some(offer)),
        None => (None, None),
    };
    let ctx = Ctx {
        offer: offer.as_deref(),
        ..ctx
    };
    let single = raw.take_single_tier();
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
    // A scenario whose jobs are a batch tier's own (an array, its own arrivals) needs
    // no [traffic]; any other does.
    let has_batch = raw.tiers.as_ref().is_some_and(|t| {
        t.values()
            .any(|t| matches!(t.kind, RawTierKind::Batch | RawTierKind::Emr))
    });
    let raw_traffic = match raw.traffic {
        Some(t) => Some(t),
        None if has_batch => None,
        None => {
            return Err(ctx.err("traffic", "missing: a scenario needs a [traffic] table"));
        }
    };
    let trace = match raw_traffic.as_ref().and_then(|t| t.trace.as_ref()) {
        Some(t) => Some(resolve_trace(&ctx, "traffic", t)?),
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
    let traffic = match raw_traffic {
        Some(raw_traffic) => resolve_traffic(&ctx, "traffic", raw_traffic, trace, duration)?,
        None => TrafficConfig::none(),
    };
    let tiers = plan(&ctx, written_tiers(&ctx, single, raw.tiers)?)?;
    let requests = requests_bound(&traffic, duration) * tiers.requests_per_arrival;
    if requests > MAX_REQUESTS {
        let given_by = if tiers.requests_per_arrival > 1.0 {
            "the traffic and the calls between tiers give"
        } else {
            "the traffic gives"
        };
        return Err(ctx.err(
            "duration",
            format!(
                "{given_by} up to {} requests in this run, more than the {} one run may simulate (hours of computing); shorten the run or lower the rates",
                limits::compact(requests.round()),
                limits::compact(MAX_REQUESTS)
            ),
        ));
    }
    let network = resolve_network(
        &ctx,
        raw.network,
        raw.outage.unwrap_or_default(),
        raw.capacity_shortage.unwrap_or_default(),
        duration,
    )?;
    let mut tiers = tiers.resolve(&ctx, duration, network.zones.len())?;
    // An entry batch tier takes [traffic] as the jobs of one of its queues; with none
    // that does, [traffic] must bring nothing.
    let takes_traffic = match &tiers[0].batch {
        Some(b) => b
            .queues
            .iter()
            .any(|q| matches!(q.jobs.source, JobSource::Traffic)),
        None => true,
    };
    if !takes_traffic && !traffic.is_none() {
        return Err(ctx.err_table(
            "traffic",
            "the entry tier is a batch or emr tier whose queues all have their own jobs (array_size or arrivals): [traffic] would be jobs for none of them; leave [traffic] out",
        ));
    }
    if takes_traffic && traffic.is_none() {
        return Err(ctx.err("traffic", "missing: a scenario needs a [traffic] table"));
    }
    check_shortage_pools(&ctx, &network, &tiers)?;
    resolve_deployments(
        &ctx,
        raw.deployment.unwrap_or_default(),
        &mut tiers,
        duration,
    )?;
    let dns = resolve_dns(&ctx, raw.dns)?;
    let slo = raw.slo.unwrap_or_default();
    let slo = SloConfig {
        latency: ctx.positive_duration(
            "slo.latency",
            slo.latency.as_ref(),
            default::SLO_LATENCY,
        )?,
        percentile: match slo.percentile.unwrap_or(default::SLO_PERCENTILE) {
            p if p > 0.0 && p < 100.0 => p,
            _ => return Err(ctx.err("slo.percentile", "must be between 0 and 100 (exclusive)")),
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
        slo,
        report: ReportConfig { interval },
        tiers,
        network,
        dns,
        pricing,
    };
    Ok((config, notes.into_inner()))
}

/// `[pricing]`: the offer file (relative to the scenario file) and what it prices.
fn resolve_pricing(
    ctx: &Ctx,
    raw: Option<RawPricing>,
) -> Result<Option<(Pricing, std::sync::Arc<Offer>)>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let Some(file) = raw.offer_file else {
        return Err(ctx.err_table(
            "pricing",
            "needs offer_file, the AWS Price List CSV of a Region's EC2 prices",
        ));
    };
    if let Some(region) = &raw.region {
        if region.trim().is_empty() {
            return Err(ctx.err("pricing.region", "must not be empty"));
        }
    }
    let dir = ctx
        .file
        .path()
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let path = dir.join(&file);
    let offer = load_offer(&path, raw.region.as_deref())
        .map_err(|e| ctx.err("pricing.offer_file", e.with_path(&path)))?;
    // Absolute, like a trace's, so that the resolved scenario loads anywhere.
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    let pricing = Pricing {
        offer_file: path,
        region: raw.region,
    };
    Ok(Some((pricing, offer)))
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

#[cfg(test)]
mod tests {
    use crate::scenario::ScenarioFile;

    fn error(extra: &str) -> String {
        let text = format!("duration = \"10m\"\n[traffic]\nrate = 5\n{extra}\n");
        ScenarioFile::parse(std::path::Path::new("s.toml"), text)
            .and_then(|f| f.resolve())
            .unwrap_err()
            .to_string()
    }

    /// serde reads the words; the message still lists them as a scenario file spells
    /// them, whatever the number of words (serde says "`a` or `b`" for two).
    #[test]
    fn a_word_not_in_the_list_names_the_words_allowed() {
        for (extra, expected) in [
            (
                "[load_balancer]\nalgorithm = \"roundrobin\"",
                "s.toml:5: load_balancer.algorithm = \"roundrobin\": unknown value; expected one of round_robin, least_outstanding_requests, random, power_of_two",
            ),
            (
                "[autoscaling]\nhealth_check_type = \"alb\"",
                "autoscaling.health_check_type = \"alb\": unknown value; expected one of ec2, elb",
            ),
            (
                "[purchase]\nreserved = [{ type = \"m5.large\", count = 1, term = \"2y\" }]",
                "purchase.reserved[0].term = \"2y\": unknown value; expected one of 1y, 3y",
            ),
            (
                "[load_balancer]\nalgorithm = 3",
                "load_balancer.algorithm = 3: expected a string in quotes",
            ),
            (
                "[[autoscaling.policy]]\nkind = \"target_tracking\"\ntarget = 50\ncooldown = \"1m\"",
                "autoscaling.policy[0].cooldown = \"1m\": is not a key of a target_tracking policy",
            ),
            (
                "[service]\ntime = { dist = \"uniform\", min = \"1s\", max = \"2s\", cv = 1.0 }",
                "service.time.cv = 1.0: is not a parameter of dist = \"uniform\"",
            ),
        ] {
            let message = error(extra);
            assert!(message.contains(expected), "{message}");
        }
    }
}
