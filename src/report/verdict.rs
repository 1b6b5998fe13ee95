//! The verdict at the top of a run's `report.html`: what happened, in words and
//! numbers, before any table or chart. SLO met or missed (the same judgement as
//! `summary.json`'s `slo.met`), when and for how long the per-interval p99 was above
//! the SLO latency, the errors by kind, the cost and its monthly rate, the saving
//! against all on-demand, and the fleet's events.
//!
//! "When and for how long" comes from the entry tier's timeline rows as they stream
//! by ([`SloWatch`]): a count and the longest run of intervals, never the rows, so a
//! month-long run costs no memory. It reads the rows before the charts merge them, so
//! a stretch is measured in the run's own reporting intervals.

use super::html::{count, escape, share};
use super::plots::cents;
use crate::model::{BatchSummary, InstanceSummary, Summary, TierKind, TimelineRow};
use std::fmt::Write;

use crate::compare::optimize::per_month;

/// Intervals of the entry tier's timeline whose p99 was above the SLO latency.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SloWatch {
    slo_ms: f64,
    /// Intervals with at least one completed request (the others have no p99).
    judged: u64,
    over: u64,
    over_secs: f64,
    first_over_s: Option<f64>,
    /// The longest run of consecutive intervals over the SLO: (start, seconds).
    longest: Option<(f64, f64)>,
    current: Option<(f64, f64)>,
}

impl SloWatch {
    pub fn new(slo_ms: f64) -> Self {
        SloWatch {
            slo_ms,
            ..SloWatch::default()
        }
    }

    /// Takes one timeline row of the entry tier.
    pub fn row(&mut self, row: &TimelineRow) {
        if row.completions == 0 {
            // No latency in this interval: it neither breaks nor extends a stretch.
            return;
        }
        self.judged += 1;
        let length = row.end_s - row.start_s;
        if row.p99_ms > self.slo_ms {
            self.over += 1;
            self.over_secs += length;
            self.first_over_s.get_or_insert(row.start_s);
            let current = self.current.get_or_insert((row.start_s, 0.0));
            current.1 += length;
            if self.longest.is_none_or(|l| current.1 > l.1) {
                self.longest = Some(*current);
            }
        } else {
            self.current = None;
        }
    }
}

/// Whether the run met its SLO, as `summary.json` says (`slo.met`), or could not be
/// judged because no request finished. A job tier (batch, emr) is judged on its jobs
/// instead: met when every job submitted succeeded, by its deadline if it had one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloState {
    Met,
    Missed,
    NotJudged,
}

impl SloState {
    pub fn of(s: &Summary) -> SloState {
        if let Some(b) = &s.batch {
            let all_done = b.jobs_succeeded == b.jobs_submitted && b.deadline_misses == 0;
            return match (b.jobs_submitted, all_done) {
                (0, _) => SloState::NotJudged,
                (_, true) => SloState::Met,
                (_, false) => SloState::Missed,
            };
        }
        if s.requests.arrived == s.requests.in_flight {
            SloState::NotJudged
        } else if s.slo.met {
            SloState::Met
        } else {
            SloState::Missed
        }
    }

    /// The word in the page's `data-slo` attribute and class.
    pub fn key(self) -> &'static str {
        match self {
            SloState::Met => "met",
            SloState::Missed => "missed",
            SloState::NotJudged => "not-judged",
        }
    }
}

/// A duration for a sentence, to the minute or the hour: `45 s`, `16 min`, `3 h`,
/// `2 h 05 min`, `2 d`, `3 d 4 h`.
pub fn span(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    let (h, min) = (s % 86_400 / 3600, s % 3600 / 60);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{min} min"),
        3600..86_400 if min == 0 => format!("{h} h"),
        3600..86_400 => format!("{h} h {min:02} min"),
        _ if h == 0 => format!("{} d", s / 86_400),
        _ => format!("{} d {h} h", s / 86_400),
    }
}

/// The latency at the SLO's percentile, when the summary has it.
fn latency_at(s: &Summary) -> Option<f64> {
    let l = &s.latency_ms;
    [(50.0, l.p50), (90.0, l.p90), (99.0, l.p99), (99.9, l.p999)]
        .into_iter()
        .find(|(p, _)| (p - s.slo.percentile).abs() < 1e-9)
        .map(|(_, v)| v)
}

/// A latency in milliseconds with thousands separators: `1,837 ms`, `46.7 ms`.
pub fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} ms", count(v.round() as u64))
    } else {
        super::plots::ms(v)
    }
}

/// The verdict's sentences: the headline first.
pub fn sentences(s: &Summary, kind: TierKind, watch: &SloWatch) -> Vec<String> {
    let mut out = Vec::new();
    let state = SloState::of(s);
    if let Some(b) = &s.batch {
        // A job tier: its jobs and deadlines, not a latency SLO.
        out.push(jobs_headline(b, state));
    } else {
        request_sentences(&mut out, s, state, watch);
    }
    out.extend(cost_and_fleet(s, kind));
    out
}

/// A job tier's headline: what became of its jobs, the makespan and the deadlines.
fn jobs_headline(b: &BatchSummary, state: SloState) -> String {
    if state == SloState::NotJudged {
        return "Jobs not judged: no job was submitted.".to_string();
    }
    let word = if state == SloState::Met {
        "all succeeded"
    } else {
        "not all succeeded in time"
    };
    let mut text = format!(
        "Jobs {word}: {} of {} succeeded, {} failed, {} unfinished at the end",
        count(b.jobs_succeeded),
        count(b.jobs_submitted),
        count(b.jobs_failed),
        count(b.queued_at_end + b.running_at_end)
    );
    if let Some(makespan) = b.makespan_s {
        let _ = write!(text, "; makespan {}", span(makespan));
    }
    if let Some(p) = b.deadline_met_percent {
        let _ = write!(
            text,
            "; {p:.1} % met their deadline ({} missed)",
            count(b.deadline_misses)
        );
    }
    text + "."
}

/// A request tier's sentences: the SLO headline, the intervals over it, the errors.
fn request_sentences(out: &mut Vec<String>, s: &Summary, state: SloState, watch: &SloWatch) {
    let slo = format!(
        "p{} ≤ {}",
        super::plots::tick(&s.slo.percentile),
        ms(s.slo.latency_ms)
    );
    let r = &s.requests;
    out.push(match state {
        SloState::NotJudged => format!("SLO {slo} not judged: no request finished."),
        _ => {
            let word = if state == SloState::Met {
                "met"
            } else {
                "missed"
            };
            let at = latency_at(s).map_or(String::new(), |v| {
                format!(": p{} was {}", super::plots::tick(&s.slo.percentile), ms(v))
            });
            format!(
                "SLO {slo} {word}{at}; {:.2} % of finished requests were answered within {}.",
                100.0 * s.slo.attainment,
                ms(s.slo.latency_ms)
            )
        }
    });
    if watch.judged > 0 {
        out.push(match (watch.first_over_s, watch.longest) {
            (Some(first), Some((from, longest))) => format!(
                "The per-interval p99 was above {} in {} of {} intervals ({} in all), first at {}; \
                 the longest stretch lasted {} from {}.",
                ms(s.slo.latency_ms),
                count(watch.over),
                count(watch.judged),
                span(watch.over_secs),
                span(first),
                span(longest),
                span(from),
            ),
            _ => format!(
                "The per-interval p99 stayed within {} in all {} intervals.",
                ms(s.slo.latency_ms),
                count(watch.judged)
            ),
        });
    }
    // A function's rejections are throttles: 429 (aws-facts.md 13.3, 14.5).
    let rejected = if s.lambda.is_some() { 429 } else { 503 };
    let errors: Vec<String> = [
        (r.rejected, format!("rejected with {rejected}")),
        (r.timed_out, "timed out with 504".to_string()),
        (r.interrupted, "interrupted".to_string()),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{} {what} ({})", count(n), share(n, r.arrived)))
    .collect();
    out.push(match errors.is_empty() {
        true => format!("No request failed of {} arrived.", count(r.arrived)),
        false => format!(
            "Errors of {} arrived: {}.",
            count(r.arrived),
            errors.join(", ")
        ),
    });
}

/// The cost (and its monthly rate and saving) and the fleet's events.
fn cost_and_fleet(s: &Summary, kind: TierKind) -> Vec<String> {
    let mut out = Vec::new();
    let c = &s.cost_usd;
    let hours = s.simulated_seconds / 3600.0;
    let mut cost = format!("Cost {} for {}", cents(c.total), span(s.simulated_seconds));
    if hours > 0.0 {
        let _ = write!(
            cost,
            ", about {} per month at this rate",
            cents(per_month(c.total, hours))
        );
    }
    if c.saving.abs() >= 0.005 && c.all_on_demand > 0.0 {
        let _ = write!(
            cost,
            "; all on-demand it would have cost {} ({} {}, {:.1} %)",
            cents(c.all_on_demand),
            if c.saving > 0.0 {
                "a saving of"
            } else {
                "an extra"
            },
            cents(c.saving.abs()),
            100.0 * c.saving.abs() / c.all_on_demand
        );
    }
    out.push(cost + ".");
    if s.lambda.is_none() {
        let i = &s.instances;
        let mut events = vec![format!(
            "{} {} launched, {} terminated; in service: peak {}, min {}",
            count(i.launched),
            kind.units().1,
            count(i.terminated),
            i.peak_in_service,
            i.min_in_service
        )];
        for (n, what) in fleet_events(i) {
            events.push(format!("{} {what}", count(n)));
        }
        out.push(format!("Fleet: {}.", events.join("; ")));
    }
    out
}

/// The events of a fleet that happened, with their counts: what the verdict lists
/// and the fleet table shows (a run without failures shows no failure row).
pub fn fleet_events(i: &InstanceSummary) -> Vec<(u64, &'static str)> {
    [
        (i.spot_interruptions, "spot interruptions"),
        (i.rebalance_recommendations, "rebalance recommendations"),
        (i.failures, "failures"),
        (i.replaced_unhealthy, "replaced as unhealthy"),
        (i.launched_from_warm_pool, "launched from the warm pool"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .collect()
}

/// The verdict as the page's first section: `data-slo` carries the judgement for
/// tools (the CI's browser check compares it with `summary.json`). `kind` is the
/// entry tier's.
pub fn html(out: &mut String, s: &Summary, kind: TierKind, watch: &SloWatch) {
    let state = SloState::of(s).key();
    let sentences = sentences(s, kind, watch);
    let _ = write!(
        out,
        "<section id=\"verdict\" class=\"verdict slo-{state}\" data-slo=\"{state}\">\n<p class=\"headline\">{}</p>\n<ul>\n",
        escape(&sentences[0])
    );
    for sentence in &sentences[1..] {
        let _ = writeln!(out, "<li>{}</li>", escape(sentence));
    }
    out.push_str("</ul>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start: f64, p99: f64, completions: u64) -> TimelineRow {
        TimelineRow {
            start_s: start,
            end_s: start + 60.0,
            completions,
            p99_ms: p99,
            ..TimelineRow::default()
        }
    }

    /// Minutes 0-9 with p99 over 300 ms at minutes 2, 3, 4 and 7, and minute 8 with no
    /// completion: 4 of 9 judged minutes over, first at 120 s, the longest stretch the
    /// three minutes from 120 s.
    #[test]
    fn the_watch_counts_stretches_by_hand() {
        let mut w = SloWatch::new(300.0);
        let p99 = [
            100.0, 200.0, 301.0, 900.0, 400.0, 300.0, 10.0, 500.0, 0.0, 1.0,
        ];
        for (m, &p) in p99.iter().enumerate() {
            w.row(&row(60.0 * m as f64, p, u64::from(m != 8)));
        }
        assert_eq!((w.judged, w.over), (9, 4));
        assert_eq!(w.first_over_s, Some(120.0));
        assert_eq!(w.longest, Some((120.0, 180.0)));
        assert_eq!(w.over_secs, 240.0);
    }

    #[test]
    fn spans_and_latencies_read_like_prose() {
        assert_eq!(span(45.0), "45 s");
        assert_eq!(span(960.0), "16 min");
        assert_eq!(span(2.0 * 3600.0 + 300.0), "2 h 05 min");
        assert_eq!(span(3.0 * 3600.0), "3 h");
        assert_eq!(span(2.0 * 86_400.0), "2 d");
        assert_eq!(span(3.0 * 86_400.0 + 4.0 * 3600.0), "3 d 4 h");
        assert_eq!(ms(1837.06), "1,837 ms");
        assert_eq!(ms(120_000.0), "120,000 ms");
        assert_eq!(ms(46.7), "46.7 ms");
    }
}
