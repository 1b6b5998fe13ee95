//! `report.html`: one self-contained page per run (and per comparison) that a person
//! opens in a browser: the summary, the charts, the bill and the scenario as run (with
//! several tiers, the tiers side by side and a section per tier with its charts).
//!
//! Self-contained means no network and no scripts: the charts are inlined SVG, the
//! style sheet is inline, and nothing is fetched. Every string that comes from the user
//! (scenario and strategy names, the scenario text) is HTML-escaped. The page carries
//! no timestamp or other run-to-run variation, so identical runs give identical bytes.
//! It deliberately does not embed the PNGs (the SVGs say the same in a tenth the size)
//! nor the full `cost.csv` (thousands of rows): it summarizes the bill and links to it.

use super::bill::{BillStatement, LineRole, hours};
use super::plots::{Figure, StrategyPoint, cents, dollars, tick};
use super::tiers::{
    TIER_COLUMNS, cluster_sentence, database_sentence, deployment_sentence, queue_sentence,
    tier_cells,
};
use crate::model::{
    BillPart, CostSummary, InstanceSummary, LatencySummary, RequestCounts, Summary, TierKind,
    TierSummary,
};
use std::fmt::Write;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       max-width: 1180px; margin: 0 auto; padding: 1rem 1.5rem 3rem; color: #111; }
h1 { margin-bottom: 0.2rem; }
.sub { color: #555; margin-top: 0; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { padding: 0.25rem 0.8rem; border-bottom: 1px solid #eee; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #007a4d; font-weight: bold; } .missed { color: #b34700; font-weight: bold; }
figure { margin: 1.2rem 0; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9rem; margin-top: 0.3rem; }
nav a { margin-right: 1rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
.grid { display: flex; flex-wrap: wrap; gap: 2rem; }
.files a { margin-right: 0.8rem; }
details summary { cursor: pointer; color: #555; }
/* Phones: tighter margins and cells; a table wider than the screen scrolls inside its
   own box instead of widening the page. */
@media (max-width: 700px) {
  body { padding: 0.5rem 0.6rem 2rem; }
  th, td { padding: 0.2rem 0.4rem; font-size: 0.85rem; }
  .grid { gap: 0.5rem; }
  table { display: block; max-width: 100%; overflow-x: auto; }
  nav a { display: inline-block; margin: 0.1rem 0.8rem 0.1rem 0; }
}
/* Print: no navigation, no table, figure or verdict split across pages. */
@media print {
  nav { display: none; }
  body { max-width: none; padding: 0; }
  table, tr, figure, .verdict, pre { break-inside: avoid; }
  h2 { break-after: avoid; }
}
/* Dark: the page follows the reader's setting; charts keep their white canvas. */
@media (prefers-color-scheme: dark) {
  body { background: #121212; color: #e4e4e4; }
  .sub, figcaption, details summary { color: #aaa; }
  h2 { border-color: #333; }
  th, td { border-color: #2c2c2c; }
  pre, .verdict { background: #1e1e1e; }
  a { color: #8ab4f8; }
  .met, .verdict.slo-met .headline { color: #4cc38a; }
  .missed, .verdict.slo-missed .headline { color: #ff9a52; }
  figure svg { border-color: #333; }
}
.verdict { border-left: 6px solid #999; background: #f7f7f7; padding: 0.6rem 1rem; margin: 1rem 0; }
.verdict.slo-met { border-color: #007a4d; } .verdict.slo-missed { border-color: #b34700; }
.verdict.slo-met .headline { color: #007a4d; } .verdict.slo-missed .headline { color: #b34700; }
.verdict .headline { font-size: 1.15rem; font-weight: bold; margin: 0.2rem 0 0.4rem; }
.verdict ul { margin: 0; padding-left: 1.2rem; }
.tier-verdict { border-left: 4px solid #999; padding-left: 0.6rem; }
table.bill tr.group th { padding-top: 0.8rem; color: #555; font-weight: normal; font-style: italic; }
table.bill tr.subtotal td { color: #555; font-style: italic; }
"#;

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

fn figures(out: &mut String, figures: &[Figure], captions: &[(&str, &str)]) {
    for f in figures {
        let caption = captions
            .iter()
            .find(|(name, _)| *name == f.name)
            .map_or("", |(_, c)| c);
        let _ = write!(
            out,
            "<figure id=\"{id}\">\n{svg}\n<figcaption>{title}. {caption} \
             Also as <a href=\"{id}.png\">PNG</a> and <a href=\"{id}.svg\">SVG</a>.</figcaption>\n</figure>\n",
            id = escape(&f.stem()),
            svg = f.svg.trim(),
            title = escape(&f.title),
            caption = escape(caption),
        );
    }
}

/// The scenario text, collapsed (a resolved scenario runs to a hundred lines and more).
fn scenario_details(toml: &str) -> String {
    format!(
        "<details>\n<summary>the resolved scenario, {} lines</summary>\n<pre>{}</pre>\n</details>\n",
        toml.lines().count(),
        escape(toml)
    )
}

/// Links to the data files behind a page, which sits beside them.
fn data_files(out: &mut String, files: &[String]) {
    out.push_str("<p class=\"files\">Data:");
    for f in files {
        let f = escape(f);
        let _ = write!(out, " <a href=\"{f}\">{f}</a>");
    }
    out.push_str("</p>\n");
}

/// A count with thousands separators: `1,234,567` (also used by the terminal tables).
pub use super::plots::count;

/// `part` as a percentage of `whole`, two decimals: `12.34 %`.
pub fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0 %".into()
    } else {
        format!("{:.2} %", 100.0 * part as f64 / whole as f64)
    }
}

/// The captions of a run's charts, in the units of the tier's kind ("tasks").
fn run_captions(kind: TierKind) -> [(&'static str, String); 6] {
    let many = kind.units().1;
    [
        (
            "traffic",
            format!(
                "The {many}, stacked by state and purchase option (left axis), against the arrival rate (right axis); \
                 above them a row of markers for each kind of event that happened (scaling actions, spot \
                 interruptions, failures, replacements). On long runs each step is the most {many} seen in its span."
            ),
        ),
        (
            "latency",
            "p50 and p99 of the requests completed in each interval; on long runs, where each point spans many \
             intervals, the band runs from the median to the 90th percentile of those intervals' p99s and the \
             faint line is the worst of them. Errors per minute on the right axis: 503, 504, 500 and requests \
             cut off by a stopping instance."
                .to_string(),
        ),
        (
            "cpu",
            format!(
                "Busy workers over workers of in-service {many}; each dashed line is a scaling policy's target, \
                 drawn against the metric that policy reads (CPU on the left axis; requests per target per \
                 minute, as the load balancer reported them to the policy, on the right)."
            ),
        ),
        (
            "cost",
            "What the run has cost so far, stacked by purchase option; the top is the total.".to_string(),
        ),
        (
            "jobs",
            "A batch tier's jobs waiting (RUNNABLE) and running, and the vCPUs they need and hold against the \
             vCPUs of its instances; on long runs each step is the most seen in its span."
                .to_string(),
        ),
        (
            "latency_distribution",
            "For each latency, the share of completed requests at least that slow; a straight fall means a light tail."
                .to_string(),
        ),
    ]
}

/// [`figures`] with the run's captions.
fn run_figures(out: &mut String, charts: &[Figure], kind: TierKind) {
    let captions = run_captions(kind);
    let captions: Vec<(&str, &str)> = captions.iter().map(|(n, c)| (*n, c.as_str())).collect();
    figures(out, charts, &captions);
}

/// What the page says of the tiers of a run of several, in words ([`super::tiers`]):
/// where the clients' time goes and a verdict per tier; both empty for one tier.
#[derive(Default)]
pub struct TierWords {
    pub time_split: Option<String>,
    pub verdicts: Vec<String>,
}

/// The run's `report.html`. `scenario_toml` is the resolved scenario (what `simcloud
/// validate` prints); `charts` holds each tier's charts, entry first (one list for a
/// run of one tier); `kinds` are the tiers' kinds, entry first (they name the units:
/// instances, tasks, environments); `bill` is every line of `cost.csv`; `tiers` says
/// where the time goes and judges each tier, for a run of several tiers.
///
/// A run of one tier gets a summary and its charts. A run of several gets the summary
/// as the clients see it (the entry tier's requests and latency, the whole bill), the
/// tiers side by side with where the time goes, then a section per tier with its own
/// figures and charts, so that a planner can find the tier that makes clients wait.
pub fn run_report(
    summary: &Summary,
    kinds: &[TierKind],
    scenario_toml: &str,
    charts: &[Vec<Figure>],
    bill: &BillStatement,
    slo_watch: &super::verdict::SloWatch,
    tiers: &TierWords,
) -> String {
    let (time_split, tier_verdicts) = (tiers.time_split.as_deref(), &tiers.verdicts);
    let s = summary;
    let several = !s.tiers.is_empty();
    let svg_len: usize = charts.iter().flatten().map(|f| f.svg.len()).sum();
    let mut out = String::with_capacity(64 * 1024 + svg_len);
    head(&mut out, &format!("simcloud run: {}", s.scenario));
    let _ = write!(
        out,
        "<h1>{name}</h1>\n<p class=\"sub\">simcloud {version} · seed {seed} · {secs} simulated seconds · {events} events</p>\n",
        name = escape(&s.scenario),
        version = escape(&s.simcloud_version),
        seed = s.seed,
        secs = count(s.simulated_seconds.round() as u64),
        events = count(s.events),
    );
    let entry_kind = kinds.first().copied().unwrap_or(TierKind::Ec2);
    super::verdict::html(&mut out, s, entry_kind, slo_watch);
    let mut files = vec!["summary.json".to_string(), "timeline.csv".to_string()];
    for (index, t) in s.tiers.iter().enumerate().skip(1) {
        files.push(super::timeline_file(index, &t.name));
    }
    files.push("cost.csv".to_string());
    data_files(&mut out, &files);
    out.push_str("<nav><a href=\"#summary\">Summary</a>");
    if several {
        for t in &s.tiers {
            let _ = write!(
                out,
                "<a href=\"#{}\">Tier {}</a>",
                tier_anchor(&t.name),
                escape(&t.name)
            );
        }
    } else {
        out.push_str("<a href=\"#charts\">Charts</a>");
    }
    out.push_str("<a href=\"#bill\">Bill</a><a href=\"#scenario\">Scenario</a></nav>\n");

    // Summary.
    let r = &s.requests;
    // With no finished request there is nothing to judge (a share of an empty set
    // once read "missed, 100.000 %").
    let judged = r.arrived > r.in_flight;
    let (met_class, met_word) = if !judged {
        ("", "not judged")
    } else if s.slo.met {
        ("met", "met")
    } else {
        ("missed", "missed")
    };
    let attainment = if judged {
        format!("{:.3} %", 100.0 * s.slo.attainment)
    } else {
        "no request finished".to_string()
    };
    out.push_str("<h2 id=\"summary\">Summary</h2>\n<div class=\"grid\">\n");
    requests_table(&mut out, "requests", r);
    latency_rows(&mut out, "latency of completed requests", &s.latency_ms);
    let _ = write!(
        out,
        "<tr><td>SLO p{p} ≤ {lat} ms</td><td class=\"n {met_class}\">{met_word}</td></tr>\n\
         <tr><td>answered within the SLO latency</td><td class=\"n\">{attainment}</td></tr>\n</table>\n",
        p = tick(&s.slo.percentile),
        lat = tick(&s.slo.latency_ms),
    );
    // With several tiers the fleet above is the entry tier's, and the bill everyone's.
    let (fleet_heading, cost_label) = match s.tiers.first() {
        Some(entry) => (
            format!("fleet of {} (the entry tier)", escape(&entry.name)),
            "total cost, all tiers",
        ),
        None => ("fleet".to_string(), "total cost"),
    };
    fleet_table(
        &mut out,
        &fleet_heading,
        entry_kind,
        &s.instances,
        s.utilization.mean_cpu,
        Some((cost_label, s.cost_usd.total)),
    );
    if let (Some(c), true) = (&s.container_instances, s.tiers.is_empty()) {
        let _ = writeln!(out, "<p>The cluster: {}</p>", escape(&cluster_sentence(c)));
    }
    for d in &s.deployments {
        let _ = writeln!(
            out,
            "<p>Deployment: {}</p>",
            escape(&deployment_sentence(d))
        );
    }
    if let (Some(q), true) = (&s.queue, s.tiers.is_empty()) {
        let _ = writeln!(out, "<p>The queue: {}</p>", escape(&queue_sentence(q)));
    }
    out.push_str("</div>\n");

    if several {
        tiers_overview(&mut out, s, time_split);
        for (index, t) in s.tiers.iter().enumerate() {
            tier_section(
                &mut out,
                index,
                kinds.get(index).copied().unwrap_or(TierKind::Ec2),
                t,
                tier_verdicts.get(index).map(String::as_str),
                charts.get(index).map_or(&[][..], Vec::as_slice),
            );
        }
    } else {
        out.push_str("<h2 id=\"charts\">Charts</h2>\n");
        let charts = charts.first().map_or(&[][..], Vec::as_slice);
        if charts.is_empty() {
            out.push_str("<p>Charts were not drawn for this run (<code>--no-plots</code>).</p>\n");
        }
        run_figures(&mut out, charts, entry_kind);
    }

    // Bill.
    // The bill's hours are the entry tier's units in a run of one tier; a run of
    // several may mix instances, tasks and environments.
    let hours = match several {
        true => "hours".to_string(),
        false => format!("{}-hours", entry_kind.units().0),
    };
    bill_section(&mut out, s, bill, &hours);

    // Scenario.
    let _ = write!(
        out,
        "<h2 id=\"scenario\">Scenario as run</h2>\n<p>Every default filled in, as <code>simcloud validate</code> prints it; \
         run it again with the same seed for the same bytes.</p>\n{}</body>\n</html>\n",
        scenario_details(scenario_toml)
    );
    out
}

/// The anchor of a tier's section.
fn tier_anchor(name: &str) -> String {
    format!("tier-{}", escape(name))
}

/// A table of request counts and their fates, each with its share of the arrivals.
fn requests_table(out: &mut String, heading: &str, r: &RequestCounts) {
    let _ = writeln!(
        out,
        "<table>\n<tr><th>{heading}</th><th class=\"n\">count</th><th class=\"n\">share</th></tr>"
    );
    // 500s only where a run has them (a database refused or failed over).
    let failed = (r.failed > 0).then_some(("failed (500)", r.failed));
    for (label, n) in [
        ("arrived", r.arrived),
        ("completed", r.completed),
        ("rejected (503)", r.rejected),
        ("timed out (504)", r.timed_out),
        ("interrupted", r.interrupted),
    ]
    .into_iter()
    .chain(failed)
    .chain([("in flight at the end", r.in_flight)])
    {
        let _ = writeln!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            count(n),
            share(n, r.arrived)
        );
    }
    out.push_str("</table>\n");
}

/// A latency table's heading and rows, left open for rows the caller adds.
fn latency_rows(out: &mut String, heading: &str, l: &LatencySummary) {
    let _ = writeln!(
        out,
        "<table>\n<tr><th>{heading}</th><th class=\"n\">ms</th></tr>"
    );
    for (label, v) in [
        ("mean", l.mean),
        ("p50", l.p50),
        ("p90", l.p90),
        ("p99", l.p99),
        ("p99.9", l.p999),
        ("max", l.max),
    ] {
        let _ = writeln!(out, "<tr><td>{label}</td><td class=\"n\">{v:.1}</td></tr>");
    }
}

/// The fleet's figures, in the tier kind's units (instances, tasks, environments),
/// with a row for each fleet event that happened (failures, spot interruptions, ...)
/// and a cost row when `cost` is given as `(label, amount)`.
fn fleet_table(
    out: &mut String,
    heading: &str,
    kind: TierKind,
    i: &InstanceSummary,
    mean_cpu: f64,
    cost: Option<(&str, f64)>,
) {
    let (one, many) = kind.units();
    let _ = write!(
        out,
        "<table>\n<tr><th>{heading}</th><th class=\"n\"></th></tr>\n\
         <tr><td>{many} launched</td><td class=\"n\">{}</td></tr>\n\
         <tr><td>{many} terminated</td><td class=\"n\">{}</td></tr>\n",
        count(i.launched),
        count(i.terminated),
    );
    for (n, what) in super::verdict::fleet_events(i) {
        let _ = writeln!(
            out,
            "<tr><td>{what}</td><td class=\"n\">{}</td></tr>",
            count(n)
        );
    }
    let _ = write!(
        out,
        "<tr><td>in service: peak / mean / min</td><td class=\"n\">{} / {:.2} / {}</td></tr>\n\
         <tr><td>{one}-hours billed</td><td class=\"n\">{:.2}</td></tr>\n\
         <tr><td>mean CPU utilisation</td><td class=\"n\">{mean_cpu:.1} %</td></tr>\n",
        i.peak_in_service, i.mean_in_service, i.min_in_service, i.instance_hours,
    );
    if i.failed_launches > 0 {
        let _ = writeln!(
            out,
            "<tr><td>launch attempts failed</td><td class=\"n\">{}</td></tr>",
            count(i.failed_launches)
        );
    }
    if let Some((label, amount)) = cost {
        let _ = writeln!(
            out,
            "<tr><td>{label}</td><td class=\"n\">{}</td></tr>",
            dollars(amount)
        );
    }
    out.push_str("</table>\n");
}

/// The tiers side by side, under where the time goes.
fn tiers_overview(out: &mut String, s: &Summary, time_split: Option<&str>) {
    out.push_str("<h2 id=\"tiers\">Tiers</h2>\n");
    if let Some(sentence) = time_split {
        let _ = writeln!(out, "<p>{}</p>", escape(sentence));
    }
    out.push_str("<table>\n<tr>");
    for (c, heading) in TIER_COLUMNS.iter().enumerate() {
        let class = if c < 2 { "" } else { " class=\"n\"" };
        let _ = write!(out, "<th{class}>{heading}</th>");
    }
    out.push_str("</tr>\n");
    for t in &s.tiers {
        out.push_str("<tr>");
        for (c, cell) in tier_cells(t).iter().enumerate() {
            let class = if c < 2 { "" } else { " class=\"n\"" };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        "</table>\n<p>A called tier's requests are the calls it receives, and its latency \
         runs from a call reaching its load balancer to the answer.</p>\n",
    );
}

/// One tier's section: its own requests, latency, fleet, bill and charts.
fn tier_section(
    out: &mut String,
    index: usize,
    kind: TierKind,
    t: &TierSummary,
    verdict: Option<&str>,
    charts: &[Figure],
) {
    let entry = index == 0;
    let _ = writeln!(
        out,
        "<h2 id=\"{anchor}\">Tier {name} ({kind}){role}</h2>",
        anchor = tier_anchor(&t.name),
        name = escape(&t.name),
        kind = escape(&t.kind),
        role = if entry { ", the entry tier" } else { "" },
    );
    if let Some(verdict) = verdict {
        let _ = writeln!(
            out,
            "<p class=\"tier-verdict\"><strong>Verdict:</strong> {}</p>",
            escape(verdict)
        );
    }
    if !entry {
        out.push_str(
            "<p>Its requests are the calls it receives. The dashed SLO line on its latency chart \
             is the end-to-end SLO, for scale; the latency distribution is drawn for the \
             end-to-end requests only.</p>\n",
        );
    }
    out.push_str("<div class=\"grid\">\n");
    let (requests, latency) = if entry {
        ("requests", "latency of completed requests")
    } else {
        ("calls received", "latency of completed calls")
    };
    requests_table(out, requests, &t.requests);
    latency_rows(out, latency, &t.latency_ms);
    out.push_str("</table>\n");
    fleet_table(
        out,
        "fleet",
        kind,
        &t.instances,
        t.utilization.mean_cpu,
        None,
    );
    if let Some(sentence) = database_sentence(t) {
        let _ = writeln!(out, "<p>The database: {}</p>", escape(&sentence));
    }
    if let Some(c) = &t.container_instances {
        let _ = writeln!(out, "<p>The cluster: {}</p>", escape(&cluster_sentence(c)));
    }
    if let Some(q) = &t.queue {
        let _ = writeln!(out, "<p>The queue: {}</p>", escape(&queue_sentence(q)));
    }
    out.push_str("<table>\n<tr><th>cost</th><th class=\"n\"></th></tr>\n");
    for (part, amount) in paid_parts(&t.cost_usd) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            part.label(),
            dollars(amount)
        );
    }
    let _ = write!(
        out,
        "<tr><th>total</th><th class=\"n\">{}</th></tr>\n</table>\n</div>\n",
        dollars(t.cost_usd.total)
    );
    run_figures(out, charts, kind);
}

/// The parts of a bill worth a line: those the run paid for, or on-demand alone when
/// it paid for none, so that the list is never empty (also used by the terminal).
pub fn paid_parts(c: &CostSummary) -> Vec<(BillPart, f64)> {
    let paid: Vec<(BillPart, f64)> = crate::model::bill_parts(c)
        .into_iter()
        .filter(|(_, amount)| *amount != 0.0)
        .collect();
    if paid.is_empty() {
        vec![(BillPart::OnDemand, 0.0)]
    } else {
        paid
    }
}

/// The bill as a statement that adds up ([`BillStatement`]): usage at list price, the
/// coverage credits of reservations and the savings plan, the commitment fees and the
/// total of `cost.csv`; then the parts as `summary.json` counts them (coverage under
/// on-demand, commitments at their fees), which add up to the same total.
fn bill_section(out: &mut String, s: &Summary, bill: &BillStatement, hours_heading: &str) {
    let _ = write!(
        out,
        "<h2 id=\"bill\">Bill</h2>\n<p>The sums of the {} lines of <a href=\"cost.csv\">cost.csv</a>; \
         every amount above the total adds into it.</p>\n<table class=\"bill\">\n\
         <tr><th></th><th class=\"n\">{hours_heading}</th><th class=\"n\">amount</th><th></th></tr>\n",
        count(bill.line_count())
    );
    for line in bill.lines(&s.commitments) {
        let hours = line.hours.map_or(String::new(), hours);
        let (class, cell) = match line.role {
            LineRole::Heading => {
                let _ = writeln!(
                    out,
                    "<tr class=\"group\"><th colspan=\"4\">{}</th></tr>",
                    escape(&line.label)
                );
                continue;
            }
            LineRole::Item => ("item", "td"),
            LineRole::Subtotal => ("subtotal", "td"),
            LineRole::Total => ("total", "th"),
        };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><{cell}>{}</{cell}><{cell} class=\"n\">{hours}</{cell}>\
             <{cell} class=\"n\">{}</{cell}><{cell}>{}</{cell}></tr>",
            escape(&line.label),
            cents(line.usd),
            escape(&line.note),
        );
    }
    out.push_str("</table>\n");
    let c = &s.cost_usd;
    let parts: Vec<String> = paid_parts(c)
        .iter()
        .map(|(part, amount)| format!("{} {}", part.label(), cents(*amount)))
        .collect();
    let _ = write!(
        out,
        "<p>As <a href=\"summary.json\">summary.json</a> counts the same money (coverage taken off \
         on-demand, commitments at their fees): {} = {}.",
        parts.join(" + "),
        cents(c.total)
    );
    if c.all_on_demand > 0.0 {
        let _ = write!(
            out,
            " All on-demand, the same usage would have cost {}: a saving of {} ({:.1} %).",
            cents(c.all_on_demand),
            cents(c.saving),
            100.0 * c.saving / c.all_on_demand
        );
    }
    out.push_str("</p>\n");
}

/// What a comparison page shows beyond the strategies' points: the verdict in words
/// first, the recommended strategy's name (the verdict's `data-chosen`, for checks),
/// and for each strategy, in order, what its row shows besides cost and p99.
pub struct ComparePage {
    pub text: String,
    pub chosen: Option<String>,
    pub rows: Vec<SloRow>,
    /// The SLO every strategy is judged against; `None` when strategies set their own.
    pub slo: Option<crate::compare::Slo>,
    /// The paired differences against the baseline, one row per other strategy, in
    /// the terminal's form: Δ total cost $, Δ $ per month, Δ p99 ms, Δ SLO attained
    /// (points), Δ instance-hours.
    pub differences: Vec<DiffRow>,
    /// A table per kind of tier whose measures the comparison shows (a batch tier's
    /// jobs, a worker tier's queue), in the terminal's form; none for web tiers alone.
    pub tiers: Vec<MeasureTable>,
}

/// A kind of tier's measures, one row per strategy: the estimates as text (mean ±
/// half-width), as the terminal prints them.
pub struct MeasureTable {
    /// The anchor of its heading.
    pub id: &'static str,
    /// Its heading, in lower case (`the worker tier's queue`).
    pub title: &'static str,
    /// Each metric's name and unit.
    pub columns: Vec<String>,
    /// Each strategy's name and a cell per column.
    pub rows: Vec<(String, Vec<String>)>,
}

/// A strategy's paired differences against the baseline, as text.
pub struct DiffRow {
    pub strategy: String,
    pub cells: Vec<String>,
}

/// A strategy's SLO figures and cost per request on the comparison page.
pub struct SloRow {
    /// Replicates that met the SLO.
    pub slo_met: u32,
    /// Mean SLO attainment (share of requests within the SLO latency) and its 95 %
    /// half-width.
    pub attainment: (f64, f64),
    /// Mean cost per million arrived requests and its 95 % half-width [USD].
    pub per_million: (f64, f64),
    /// Mean cost of a month at this rate and its 95 % half-width [USD].
    pub per_month: (f64, f64),
}

/// What each strategy sets, by name, from the `[[strategy]]` tables of the scenario
/// as the page prints it ([`super::compare::report_scenario_text`]): one `key = value`
/// line per setting, tables flattened to dotted keys. A strategy that changes nothing
/// (the baseline, usually) has no lines.
fn strategy_definitions(scenario_toml: &str) -> Vec<(String, Vec<String>)> {
    fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (key, value) in table {
            let key = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(t) => flatten(&key, t, out),
                v => out.push(format!("{key} = {v}")),
            }
        }
    }
    let Ok(table) = scenario_toml.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(toml::Value::Array(list)) = table.get("strategy") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| s.as_table())
        .map(|t| {
            let name = t.get("name").and_then(|n| n.as_str()).unwrap_or_default();
            let mut settings = t.clone();
            settings.remove("name");
            let mut lines = Vec::new();
            flatten("", &settings, &mut lines);
            (name.to_string(), lines)
        })
        .collect()
}

/// The rows of a table of text and the table's end: each strategy's name, then its
/// cells as numbers (right-aligned), escaped.
fn text_rows<'a>(out: &mut String, rows: impl Iterator<Item = (&'a str, &'a [String])>) {
    for (strategy, cells) in rows {
        let _ = write!(out, "<tr><td>{}</td>", escape(strategy));
        for cell in cells {
            let _ = write!(out, "<td class=\"n\">{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// A comparison's `report.html`: the verdict, the table of strategies, the charts
/// (from [`super::plots::draw_cost_vs_p99`] and [`super::plots::draw_cost_breakdown`])
/// and the scenario. `replicates` is the number of seeds per strategy.
pub fn compare_report(
    scenario: &str,
    replicates: usize,
    strategies: &[StrategyPoint],
    charts: &[Figure],
    scenario_toml: &str,
    verdict: &ComparePage,
) -> String {
    let mut out = String::new();
    head(&mut out, &format!("simcloud compare: {scenario}"));
    let _ = write!(
        out,
        "<h1>{} — comparison</h1>\n<p class=\"sub\">{} strategies × {} replicates (common random numbers); \
         ± is the half-width of the 95 % confidence interval.</p>\n\
         <section id=\"verdict\" class=\"verdict\" data-chosen=\"{}\">\n<p><strong>Verdict:</strong> {}</p>\n\
         <p class=\"sub\">A replicate meets the SLO when its run does (summary.json's slo.met); strategies are \
         compared replicate by replicate on the same seeds, and two costs count as not significantly different when \
         the 95 % Student-t interval of their paired differences contains 0.</p>\n</section>\n\
         {}<h2 id=\"strategies\">Strategies</h2>\n<table>\n<tr><th>strategy</th><th class=\"n\">cost</th>\
         <th class=\"n\">p99 [ms]</th><th class=\"n\">SLO met</th><th class=\"n\">SLO attainment</th>\
         <th class=\"n\">$ per million requests</th><th class=\"n\">$ per month at this rate</th><th>Pareto</th>\
         <th>what it sets</th></tr>\n",
        escape(scenario),
        strategies.len(),
        replicates,
        escape(verdict.chosen.as_deref().unwrap_or("")),
        escape(&verdict.text),
        {
            let mut links = String::new();
            let files = ["compare.csv", "compare.json", "replicates.csv"].map(String::from);
            data_files(&mut links, &files);
            links
        }
    );
    let definitions = strategy_definitions(scenario_toml);
    for (p, row) in strategies.iter().zip(&verdict.rows) {
        let sets = definitions
            .iter()
            .find(|(name, _)| *name == p.name)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or_default();
        let sets = match sets {
            [] => "nothing: the base scenario".to_string(),
            lines => lines
                .iter()
                .map(|l| format!("<code>{}</code>", escape(l)))
                .collect::<Vec<_>>()
                .join("<br>"),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{} ± {}</td><td class=\"n\">{:.1} ± {:.1}</td><td class=\"n\">{}/{replicates}</td>\
             <td class=\"n\">{:.2} ± {:.2} %</td><td class=\"n\">{} ± {}</td><td class=\"n\">{} ± {}</td><td>{}</td>\
             <td class=\"sets\">{sets}</td></tr>",
            escape(&p.name),
            dollars(p.cost_mean),
            dollars(p.cost_ci95),
            p.p99_mean,
            p.p99_ci95,
            row.slo_met,
            100.0 * row.attainment.0,
            100.0 * row.attainment.1,
            dollars(row.per_million.0),
            dollars(row.per_million.1),
            dollars(row.per_month.0),
            dollars(row.per_month.1),
            if p.pareto { "yes" } else { "" }
        );
    }
    out.push_str("</table>\n");
    for table in &verdict.tiers {
        let mut title = table.title.to_string();
        title[..1].make_ascii_uppercase();
        let _ = write!(
            out,
            "<h2 id=\"{}\">{}</h2>\n<p class=\"sub\">Mean ± half-width of the 95 % confidence interval over the \
             replicates (compare.csv has every digit).</p>\n<table>\n<tr><th>strategy</th>",
            table.id,
            escape(&title)
        );
        for column in &table.columns {
            let _ = write!(out, "<th class=\"n\">{}</th>", escape(column));
        }
        out.push_str("</tr>\n");
        text_rows(
            &mut out,
            table
                .rows
                .iter()
                .map(|(s, cells)| (s.as_str(), cells.as_slice())),
        );
    }
    if let Some(baseline) = strategies
        .first()
        .filter(|_| !verdict.differences.is_empty())
    {
        let _ = writeln!(
            out,
            "<h2 id=\"differences\">Differences against {}</h2>\n<p class=\"sub\">Paired by replicate (replicate r of every \
             strategy saw the same traffic): the mean difference and its 95 % interval; * marks an interval that excludes 0.</p>\n\
             <table>\n<tr><th>strategy</th><th class=\"n\">Δ total cost $</th><th class=\"n\">Δ $ per month</th>\
             <th class=\"n\">Δ p99 ms</th><th class=\"n\">Δ SLO attained (points)</th><th class=\"n\">Δ instance-hours</th></tr>",
            escape(&baseline.name)
        );
        text_rows(
            &mut out,
            verdict
                .differences
                .iter()
                .map(|row| (row.strategy.as_str(), row.cells.as_slice())),
        );
    }
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    let slo_caption = match verdict.slo {
        Some(slo) if slo.percentile == 99.0 => format!(
            " The dashed vertical line is the SLO, p99 ≤ {} ms: a strategy left of it met it on average.",
            super::plots::tick(&slo.latency_ms)
        ),
        Some(slo) => format!(
            " The SLO (p{} ≤ {} ms) is not on a p99 axis, so it is not drawn.",
            super::plots::tick(&slo.percentile),
            super::plots::tick(&slo.latency_ms)
        ),
        None => " The strategies set different SLOs, so none is drawn.".to_string(),
    };
    let cost_vs_p99_caption = format!(
        "Each strategy's mean cost and p99 with 95 % confidence intervals and each replicate as a light dot; \
         the dashed line joins the strategies no other beats on both.{slo_caption}"
    );
    figures(
        &mut out,
        charts,
        &[
            ("cost_vs_p99", cost_vs_p99_caption.as_str()),
            (
                "cost_breakdown",
                "Mean cost per strategy, stacked by purchase option.",
            ),
        ],
    );
    let _ = write!(
        out,
        "<h2 id=\"scenario\">Scenario as run</h2>\n{}</body>\n</html>\n",
        scenario_details(scenario_toml)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn compare_report_escapes_names_and_inlines_charts() {
        let strategies = vec![StrategyPoint {
            name: "<script>alert(1)</script>".into(),
            cost_mean: 10.0,
            cost_ci95: 0.5,
            p99_mean: 200.0,
            p99_ci95: 10.0,
            pareto: true,
            cost_breakdown: vec![("on_demand".into(), 10.0)],
            replicates: vec![(190.0, 9.5), (210.0, 10.5)],
        }];
        let charts = vec![
            crate::report::plots::draw_cost_vs_p99("x & y", &strategies, Some((99.0, 300.0)))
                .unwrap(),
            crate::report::plots::draw_cost_breakdown("x & y", &strategies).unwrap(),
        ];
        let verdict = ComparePage {
            text: "pick <this>".into(),
            chosen: Some("x & y".into()),
            rows: strategies
                .iter()
                .map(|_| SloRow {
                    slo_met: 5,
                    attainment: (0.99, 0.001),
                    per_million: (1.5, 0.1),
                    per_month: (800.0, 20.0),
                })
                .collect(),
            slo: Some(crate::compare::Slo {
                latency_ms: 300.0,
                percentile: 99.0,
            }),
            differences: Vec::new(),
            tiers: vec![MeasureTable {
                id: "queue",
                title: "the worker tier's queue",
                columns: vec!["backlog peak [messages]".into()],
                rows: vec![(
                    "<script>alert(1)</script>".into(),
                    vec!["12.0 ± 1.5".into()],
                )],
            }],
        };
        let html = compare_report(
            "x & y",
            5,
            &strategies,
            &charts,
            "name = \"x & y\"\n",
            &verdict,
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("x &amp; y"));
        assert_eq!(html.matches("<svg").count(), 2);
        // Both replicates as dots beside the mean (and the legend's dot).
        assert!(html.matches("<circle").count() >= 3);
        // The verdict, escaped, before the table; each row's SLO figures.
        assert!(html.contains("data-chosen=\"x &amp; y\""));
        assert!(html.find("pick &lt;this&gt;") < html.find("<h2 id=\"strategies\">"));
        // A kind of tier's table, after the strategies, its heading capitalised.
        assert!(
            html.find("<h2 id=\"queue\">The worker tier&#39;s queue</h2>")
                > html.find("<h2 id=\"strategies\">")
        );
        assert!(html.contains("<th class=\"n\">backlog peak [messages]</th></tr>\n<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"n\">12.0 ± 1.5</td></tr>"));
        assert!(html.contains("<td class=\"n\">5/5</td><td class=\"n\">99.00 ± 0.10 %</td><td class=\"n\">$1.50 ± $0.10</td><td class=\"n\">$800.00 ± $20.00</td>"));
        assert!(
            !html.contains("http://")
                || html.matches("http://").count()
                    == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
    }
}
