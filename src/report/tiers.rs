//! The tiers of a run side by side, for a capacity planner: one row of figures per
//! tier (shared by the terminal and `report.html`), and where the clients' time goes.
//!
//! Where the time goes is estimated from the summary, not measured per request (that
//! would need per-request traces, which the run does not keep). A request of tier `t`
//! spends its own time (waiting for a worker and being served) and then waits on its
//! calls, one after the other, so by linearity of expectation its mean latency is
//!
//! ```text
//! m_t = own_t + sum over its calls (t → k, n per request) of n · m_k
//! ```
//!
//! where `m_k` is the mean latency of the calls tier `k` answered. Solving for `own_t`
//! and weighting each tier by its visits per end-to-end request (1 for the entry tier,
//! `n` for a tier it calls, `n · n'` further down) splits the end-to-end mean into a
//! share per tier that adds up to it. The estimate holds only when every request makes
//! all its calls: a failed call ends its request early (see `model::calls`), and the
//! failed requests are not among the completed ones the means describe. So with any
//! failure it says so rather than print a confident number.
//!
//! It deliberately names no "bottleneck" by CPU: a worker waiting on a call uses no
//! CPU, so a tier can run out of workers at low CPU, and the busiest tier by CPU need
//! not be the one that makes clients wait.

use super::html::count;
use crate::model::{
    ClusterSummary, Config, DeploymentSummary, QueueSummary, Summary, TierKind, TierSummary,
};
use std::fmt;

/// The headings of [`tier_cells`].
pub const TIER_COLUMNS: [&str; 7] = [
    "tier",
    "kind",
    "requests",
    "p99 ms",
    "mean CPU %",
    "peak instances",
    "cost $",
];

/// A tier's figures as a row of a table: name, kind, requests (calls received, for a
/// called tier), p99, mean CPU, peak instances in service and cost.
pub fn tier_cells(t: &TierSummary) -> [String; 7] {
    [
        t.name.clone(),
        t.kind.clone(),
        count(t.requests.arrived),
        if t.requests.completed == 0 {
            "-".to_string()
        } else {
            format!("{:.1}", t.latency_ms.p99)
        },
        format!("{:.1}", t.utilization.mean_cpu),
        t.instances.peak_in_service.to_string(),
        format!("{:.2}", t.cost_usd.total),
    ]
}

/// What an `rds` tier's database did, in one sentence (the terminal and
/// `report.html`): its connections, refusals, waits, query queue, CPU and failovers.
pub fn database_sentence(t: &TierSummary) -> Option<String> {
    let d = t.rds.as_ref()?;
    let mut s = format!(
        "{} connections accepted, peak {} open, {:.1} in use on average; {} refused; {} calls waited for a pooled connection (mean wait {:.1} ms)",
        count(u64::from(d.max_connections)),
        count(u64::from(d.peak_connections_open)),
        d.mean_connections_in_use,
        count(d.refused_connections),
        count(d.waited_for_connection),
        d.mean_connection_wait_ms
    );
    if let Some(waited) = d.waited_for_proxy {
        s += &format!(", {} for RDS Proxy", count(waited));
    }
    s += &format!(
        "; {:.1} queries waiting for a vCPU on average; primary CPU {:.1} %",
        d.mean_query_queue, d.primary_cpu
    );
    if let Some(cpu) = d.replica_cpu {
        s += &format!(", replicas {cpu:.1} %");
    }
    if d.failovers > 0 {
        s += &format!(
            "; {} failover(s), {} calls failed by them",
            d.failovers,
            count(d.failover_errors)
        );
    }
    Some(s + ".")
}

/// What a `worker` tier's SQS queue did, in one sentence (the terminal and
/// `report.html`): the messages and what became of them, the time they waited, the
/// peak backlog.
pub fn queue_sentence(q: &QueueSummary) -> String {
    let mut s = format!(
        "{} messages sent, {} processed (time in queue p50 {:.1} s, p99 {:.1} s), {} retried, {} dead-lettered, {} expired, {} processed twice; backlog peak {} visible",
        count(q.sent),
        count(q.processed),
        q.time_in_queue_ms.p50 / 1e3,
        q.time_in_queue_ms.p99 / 1e3,
        count(q.retried),
        count(q.dead_lettered),
        count(q.expired),
        count(q.duplicates),
        count(q.backlog_peak),
    );
    if q.visible_at_end + q.in_flight_at_end > 0 {
        s += &format!(
            "; {} still queued and {} in flight at the end",
            count(q.visible_at_end),
            count(q.in_flight_at_end)
        );
    }
    s + "."
}

/// What an `ecs_ec2` tier's container instances did, in one sentence (the terminal
/// and `report.html`): how many, how full, how long tasks waited for room.
/// A deployment in one sentence, for the terminal and report.html.
pub fn deployment_sentence(d: &DeploymentSummary) -> String {
    if d.outcome == "refused" {
        return format!(
            "{} to {} at {:.0} s: refused, another deployment of the tier was running",
            d.policy, d.tier, d.start_s
        );
    }
    let steps = match d.policy.as_str() {
        "immutable" => "a temporary group as large".to_string(),
        "traffic_splitting" => "a new set as large, a share of the traffic first".to_string(),
        "blue_green" => "a second environment as large".to_string(),
        _ => format!("batches of {}", d.batch_size),
    };
    let outcome = match d.failed_at_s {
        Some(at) => format!("{} (failed at {at:.0} s)", d.outcome.replace('_', " ")),
        None => d.outcome.clone(),
    };
    let mut s = format!(
        "{} to {} at {:.0} s: {} in {:.0} s ({} instances, {steps}); {} requests failed, p99 {:.1} ms; {:.0} instance-seconds out of service; {:.3} extra instance-hours, ${:.4} extra",
        d.policy,
        d.tier,
        d.start_s,
        outcome,
        d.duration_s,
        d.instances,
        count(d.requests_failed),
        d.p99_ms,
        d.out_of_service_instance_seconds,
        d.extra_instance_hours,
        d.extra_cost_usd
    );
    if d.requests_split > 0 {
        s += &format!(
            "; {} of {} requests split to the new version",
            count(d.requests_to_new_version),
            count(d.requests_split)
        );
    }
    if d.requests_lost > 0 {
        s += &format!(
            "; {} requests lost to the terminated old environment",
            count(d.requests_lost)
        );
    }
    if d.left_out_of_service > 0 {
        s += &format!(
            "; {} instances left out of service with the failed version",
            count(d.left_out_of_service)
        );
    }
    s
}

pub fn cluster_sentence(c: &ClusterSummary) -> String {
    let mut s = format!(
        "{} container instances launched, {} terminated; registered: peak {}, mean {:.2}; {} tasks each; at most {} tasks waiting for room",
        count(c.launched),
        count(c.terminated),
        c.peak_registered,
        c.mean_registered,
        c.tasks_per_instance,
        count(u64::from(c.peak_pending_tasks)),
    );
    if c.tasks_stopped_with_instance > 0 {
        s += &format!(
            "; {} tasks stopped with their instance on scale-in",
            count(c.tasks_stopped_with_instance)
        );
    }
    s + "."
}

/// The end-to-end mean latency split over the tiers a request reaches.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSplit {
    /// The end-to-end mean latency of completed requests [ms].
    pub mean_ms: f64,
    /// The tiers a request reaches, in the scenario's order (entry first).
    pub parts: Vec<TierTime>,
}

/// One tier's share of the end-to-end mean.
#[derive(Clone, Debug, PartialEq)]
pub struct TierTime {
    pub name: String,
    /// Visits per end-to-end request: 1 for the entry tier, its calls per request
    /// (through every tier between) for another.
    pub visits: u64,
    /// Whether the tier calls others, so that its own time leaves theirs out.
    pub calls_others: bool,
    /// Mean time of one visit, its own calls left out [ms].
    pub own_ms: f64,
}

impl TierTime {
    /// The tier's share of an end-to-end request's mean latency [ms].
    pub fn per_request_ms(&self) -> f64 {
        self.visits as f64 * self.own_ms
    }
}

/// Why there is no split.
#[derive(Clone, Debug, PartialEq)]
pub enum NoSplit {
    /// Requests or calls failed, so a request's calls are not a fixed number.
    Failed { failed: u64 },
    /// A tier a request reaches completed nothing, so it has no mean latency.
    NoLatency { tier: String },
    /// The tiers call each other in a loop: visits per request have no finite count.
    Loop,
    /// A tier's own time comes out below zero beyond rounding: the means do not add
    /// up (calls still waiting at the end of a short run can do it).
    DoesNotAddUp { tier: String, own_ms: f64 },
}

/// What one tier contributes to the split: its calls and its measured figures.
#[derive(Clone, Debug)]
pub struct TierFacts {
    pub name: String,
    /// `(called tier, calls per request)`.
    pub calls: Vec<(usize, u64)>,
    pub mean_ms: f64,
    pub completed: u64,
    /// Rejected, timed out and interrupted.
    pub failed: u64,
}

/// Where the time goes in a run of several tiers; `None` for a run of one.
pub fn time_split(config: &Config, summary: &Summary) -> Option<Result<TimeSplit, NoSplit>> {
    if summary.tiers.len() < 2 {
        return None;
    }
    let facts: Vec<TierFacts> = config
        .tiers
        .iter()
        .zip(&summary.tiers)
        .map(|(tier, s)| TierFacts {
            name: s.name.clone(),
            calls: tier
                .calls
                .iter()
                .map(|c| (c.tier, u64::from(c.count)))
                .collect(),
            mean_ms: s.latency_ms.mean,
            completed: s.requests.completed,
            // A worker tier's requests are its queue's messages, which no client
            // waits for: their failures change no request's calls.
            failed: match tier.kind {
                TierKind::Worker => 0,
                _ => {
                    s.requests.rejected
                        + s.requests.timed_out
                        + s.requests.interrupted
                        + s.requests.failed
                }
            },
        })
        .collect();
    Some(split(&facts))
}

/// Means are rounded to a thousandth of a millisecond; an own time above minus this
/// (per call subtracted) is rounding, and is shown as zero.
const ROUNDING_MS: f64 = 0.001;

/// The split of tier 0's mean over `tiers` (see the module docs).
pub fn split(tiers: &[TierFacts]) -> Result<TimeSplit, NoSplit> {
    let failed: u64 = tiers.iter().map(|t| t.failed).sum();
    if failed > 0 {
        return Err(NoSplit::Failed { failed });
    }
    // Visits per end-to-end request: relaxed once per tier, which reaches every tier
    // of a call graph without loops; one more round that still changes something
    // means a loop.
    let mut visits = vec![0u64; tiers.len()];
    for round in 0..=tiers.len() {
        let mut next = vec![0u64; tiers.len()];
        next[0] = 1;
        for (t, tier) in tiers.iter().enumerate() {
            for &(k, n) in &tier.calls {
                if let Some(v) = next.get_mut(k) {
                    *v = v.saturating_add(visits[t].saturating_mul(n));
                }
            }
        }
        if next == visits {
            break;
        }
        if round == tiers.len() {
            return Err(NoSplit::Loop);
        }
        visits = next;
    }
    let mut parts = Vec::new();
    for (t, tier) in tiers.iter().enumerate() {
        if visits[t] == 0 {
            continue;
        }
        if tier.completed == 0 {
            return Err(NoSplit::NoLatency {
                tier: tier.name.clone(),
            });
        }
        let (calls, calls_ms) = tier.calls.iter().fold((0, 0.0), |(c, ms), &(k, n)| {
            (
                c + n,
                ms + n as f64 * tiers.get(k).map_or(0.0, |k| k.mean_ms),
            )
        });
        let own_ms = tier.mean_ms - calls_ms;
        if own_ms < -ROUNDING_MS * (1 + calls) as f64 {
            return Err(NoSplit::DoesNotAddUp {
                tier: tier.name.clone(),
                own_ms,
            });
        }
        parts.push(TierTime {
            name: tier.name.clone(),
            visits: visits[t],
            calls_others: !tier.calls.is_empty(),
            own_ms: own_ms.max(0.0),
        });
    }
    Ok(TimeSplit {
        mean_ms: tiers[0].mean_ms,
        parts,
    })
}

impl fmt::Display for TimeSplit {
    /// `Where the time goes: of the 103.0 ms mean end-to-end latency, about 20.0 ms is
    /// spent in web itself and 83.0 ms in api (2 calls per request, 41.5 ms each); api
    /// takes the largest share, 81 %.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phrases: Vec<String> = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let itself = if p.calls_others { " itself" } else { "" };
                let mut phrase = format!("{:.1} ms in {}{itself}", p.per_request_ms(), p.name);
                if i > 0 {
                    let calls = match p.visits {
                        1 => "1 call".to_string(),
                        n => format!("{} calls", count(n)),
                    };
                    let besides = if p.calls_others {
                        " besides its own calls"
                    } else {
                        ""
                    };
                    phrase += &format!(" ({calls} per request, {:.1} ms each{besides})", p.own_ms);
                }
                phrase
            })
            .collect();
        let listed = match phrases.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        write!(
            f,
            "Where the time goes: of the {:.1} ms mean end-to-end latency, about {listed}",
            self.mean_ms
        )?;
        let largest = self.parts.iter().reduce(|a, b| {
            if b.per_request_ms() > a.per_request_ms() {
                b
            } else {
                a
            }
        });
        match largest {
            Some(p) if self.mean_ms > 0.0 => write!(
                f,
                "; {} takes the largest share, {:.0} %.",
                p.name,
                100.0 * p.per_request_ms() / self.mean_ms
            ),
            _ => write!(f, "."),
        }
    }
}

impl fmt::Display for NoSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Where the time goes is not estimated: ")?;
        match self {
            NoSplit::Failed { failed } => write!(
                f,
                "{} requests or calls failed (503, 504, 500 or cut off), and a request that fails \
                 makes fewer calls than one that completes, so the tiers' mean latencies do not \
                 add up to the end-to-end mean.",
                count(*failed)
            ),
            NoSplit::NoLatency { tier } => write!(f, "no request or call to {tier} completed."),
            NoSplit::Loop => write!(f, "the tiers call each other in a loop."),
            NoSplit::DoesNotAddUp { tier, own_ms } => write!(
                f,
                "the mean latencies do not add up ({tier}'s calls take {:.3} ms longer than \
                 {tier}'s requests; calls still waiting at the end of a short run can do that).",
                -own_ms
            ),
        }
    }
}

/// One verdict per tier of a run of several (issue 17), in the scenario's order: is
/// this tier the bottleneck? A tier that turns work away — 503s and 504s, and for a
/// database refused connections and calls lost in a failover (500s at its callers) —
/// backs up every tier that calls it, whose workers wait and whose queues fill; so the
/// bottleneck is a tier that turns work away while none of the tiers it calls
/// (directly or further down) does. When no tier turns work away and the end-to-end
/// mean splits over the tiers ([`time_split`]), it is the tier where the clients wait
/// longest. Its CPU is stated, not judged (see the module docs: a tier can run out of
/// workers at low CPU). Empty for a run of one tier.
pub fn tier_verdicts(config: &Config, summary: &Summary) -> Vec<String> {
    let turned_away: Vec<Vec<String>> = summary.tiers.iter().map(turned_away).collect();
    // Tiers reachable from `t` through calls.
    let below = |t: usize| -> Vec<usize> {
        let mut seen = vec![false; config.tiers.len()];
        let mut stack: Vec<usize> = config.tiers[t].calls.iter().map(|c| c.tier).collect();
        while let Some(k) = stack.pop() {
            if k < seen.len() && !std::mem::replace(&mut seen[k], true) {
                stack.extend(config.tiers[k].calls.iter().map(|c| c.tier));
            }
        }
        (0..seen.len()).filter(|&k| seen[k] && k != t).collect()
    };
    let split = time_split(config, summary).and_then(Result::ok);
    let share = |name: &str| {
        split.as_ref().and_then(|s| {
            s.parts
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.per_request_ms() / s.mean_ms.max(f64::MIN_POSITIVE))
        })
    };
    let slowest = split.as_ref().and_then(|s| {
        s.parts
            .iter()
            .max_by(|a, b| a.per_request_ms().total_cmp(&b.per_request_ms()))
            .map(|p| p.name.clone())
    });
    let any_turned_away = turned_away.iter().any(|t| !t.is_empty());
    summary
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let own = &turned_away[i];
            let blocked_by: Vec<&str> = below(i)
                .into_iter()
                .filter(|&k| !turned_away[k].is_empty())
                .map(|k| summary.tiers[k].name.as_str())
                .collect();
            let judgement = if !own.is_empty() && blocked_by.is_empty() {
                format!("the bottleneck: {}", own.join(", "))
            } else if !own.is_empty() {
                format!(
                    "{}, backed up by {}, which turns work away below it",
                    own.join(", "),
                    blocked_by.join(", ")
                )
            } else if !any_turned_away && slowest.as_deref() == Some(t.name.as_str()) {
                "the bottleneck: the clients wait longest here".to_string()
            } else {
                "not the bottleneck: it turned nothing away".to_string()
            };
            let mut figures = Vec::new();
            if let Some(share) = share(&t.name) {
                figures.push(format!(
                    "{:.0} % of the clients' mean latency",
                    100.0 * share
                ));
            }
            match &t.rds {
                Some(d) => {
                    figures.push(format!("primary CPU {:.1} %", d.primary_cpu));
                    figures.push(format!(
                        "{:.1} queries waiting for a vCPU on average",
                        d.mean_query_queue
                    ));
                }
                None => figures.push(format!("mean CPU {:.1} %", t.utilization.mean_cpu)),
            }
            format!(
                "{} ({}): {judgement}; {}.",
                t.name,
                t.kind,
                figures.join(", ")
            )
        })
        .collect()
}

/// What a tier turned away itself, in words: a database's refused connections and
/// calls lost in failovers (its callers' 500s, which it also counts as its calls'
/// rejections), another tier's 503s and 504s.
fn turned_away(t: &TierSummary) -> Vec<String> {
    let r = &t.requests;
    let counted: Vec<(u64, &str)> = match &t.rds {
        Some(d) => vec![
            (
                d.refused_connections,
                "connections refused (500s to its callers)",
            ),
            (d.failover_errors, "calls lost in failovers (500s)"),
        ],
        None => vec![
            (r.rejected, "requests turned away (503)"),
            (r.timed_out, "requests timed out (504)"),
        ],
    };
    counted
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", count(n)))
        .collect()
}

/// The sentence for a run of several tiers, whichever way it went; `None` for one tier.
pub fn where_the_time_goes(config: &Config, summary: &Summary) -> Option<String> {
    time_split(config, summary).map(|split| match split {
        Ok(split) => split.to_string(),
        Err(why) => why.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(name: &str, calls: &[(usize, u64)], mean_ms: f64) -> TierFacts {
        TierFacts {
            name: name.into(),
            calls: calls.to_vec(),
            mean_ms,
            completed: 100,
            failed: 0,
        }
    }

    /// web (103 ms) calls api twice (41.5 ms each): 2 × 41.5 = 83 ms in api, the
    /// remaining 103 − 83 = 20 ms in web itself; api's share 83 / 103 = 80.6 %.
    #[test]
    fn two_tiers_split_the_mean() {
        let split = split(&[tier("web", &[(1, 2)], 103.0), tier("api", &[], 41.5)]).unwrap();
        assert_eq!(split.parts.len(), 2);
        assert!((split.parts[0].per_request_ms() - 20.0).abs() < 1e-9);
        assert!((split.parts[1].per_request_ms() - 83.0).abs() < 1e-9);
        assert_eq!(
            split.to_string(),
            "Where the time goes: of the 103.0 ms mean end-to-end latency, about 20.0 ms in \
             web itself and 83.0 ms in api (2 calls per request, 41.5 ms each); api takes the \
             largest share, 81 %."
        );
    }

    /// web (100 ms) calls api 2 times (30 ms each), api calls db 3 times (5 ms each), and
    /// web calls db once more: db has 2 × 3 + 1 = 7 visits. Own times: db 5, api 30 −
    /// 3 × 5 = 15, web 100 − 2 × 30 − 5 = 35; per request 35 + 2 × 15 + 7 × 5 = 100. The
    /// unreached tier `spare` is left out.
    #[test]
    fn nested_calls_count_visits_through_every_tier() {
        let split = split(&[
            tier("web", &[(1, 2), (2, 1)], 100.0),
            tier("api", &[(2, 3)], 30.0),
            tier("db", &[], 5.0),
            tier("spare", &[], 1.0),
        ])
        .unwrap();
        let got: Vec<(&str, u64, f64)> = split
            .parts
            .iter()
            .map(|p| (p.name.as_str(), p.visits, p.own_ms))
            .collect();
        assert_eq!(
            got,
            vec![("web", 1, 35.0), ("api", 2, 15.0), ("db", 7, 5.0)]
        );
        let total: f64 = split.parts.iter().map(TierTime::per_request_ms).sum();
        assert!((total - 100.0).abs() < 1e-9);
        assert!(split.to_string().contains(
            "30.0 ms in api itself (2 calls per request, 15.0 ms each besides its own calls)"
        ));
        assert!(
            split
                .to_string()
                .ends_with("web takes the largest share, 35 %.")
        );
    }

    #[test]
    fn no_split_when_it_would_not_hold() {
        let mut failing = tier("api", &[], 40.0);
        failing.failed = 3;
        assert_eq!(
            split(&[tier("web", &[(1, 1)], 50.0), failing]),
            Err(NoSplit::Failed { failed: 3 })
        );
        let mut idle = tier("api", &[], 0.0);
        idle.completed = 0;
        assert_eq!(
            split(&[tier("web", &[(1, 1)], 50.0), idle]),
            Err(NoSplit::NoLatency { tier: "api".into() })
        );
        assert_eq!(
            split(&[tier("web", &[(1, 1)], 50.0), tier("api", &[(0, 1)], 40.0)]),
            Err(NoSplit::Loop)
        );
        assert!(matches!(
            split(&[tier("web", &[(1, 2)], 50.0), tier("api", &[], 40.0)]),
            Err(NoSplit::DoesNotAddUp { tier, .. }) if tier == "web"
        ));
        // Rounding is not a contradiction: 2 × 25.0005 is 0.001 above 50.
        let split = split(&[tier("web", &[(1, 2)], 50.0), tier("api", &[], 25.0005)]).unwrap();
        assert_eq!(split.parts[0].own_ms, 0.0);
    }
}
