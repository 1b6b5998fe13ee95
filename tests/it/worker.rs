//! The `worker` tier kind (issue 15): an SQS queue read by `sqsd` on an Auto Scaling
//! group. Each oracle is independent of the simulator: Erlang C for a fixed fleet,
//! hand reasoning for visibility timeouts and the dead-letter queue, the SQS price
//! list for the bill (aws-facts.md 12.1), and bad input through the real binary.

use crate::common::{assert_rejected, config_from_str, load, simcloud, write_file};
use crate::validation::erlang_c;
use simcloud::model::{QueueSummary, RunOutcome, simulate};

/// A single worker tier (the entry tier: `[traffic]` is the messages sent) of `n`
/// instances that never scale, `connections` sqsd connections and as many workers
/// each; `traffic` is the `[traffic]` table's body, `sqsd` and `service` more keys.
pub(crate) fn worker(
    duration: &str,
    seed: u64,
    traffic: &str,
    n: u32,
    connections: u32,
    service: &str,
    sqsd: &str,
) -> String {
    format!(
        r#"
name = "worker-test"
duration = "{duration}"
seed = {seed}
[traffic]
{traffic}
[tiers.jobs]
kind = "worker"
[tiers.jobs.service]
workers = {connections}
queue_limit = "unlimited"
{service}
[tiers.jobs.sqsd]
http_connections = {connections}
{sqsd}
[tiers.jobs.autoscaling]
min = {n}
max = {n}
"#
    )
}

fn run(text: &str) -> RunOutcome {
    simulate(&config_from_str(text), &mut |_| {})
}

fn queue(outcome: &RunOutcome) -> QueueSummary {
    outcome
        .summary
        .queue
        .clone()
        .expect("a worker tier has a queue")
}

/// Messages that stop coming at 9,000 s of a 10,000 s run: 0.01 per second from a
/// spike (1 s ramps), so that every message has ended by the end of the run.
const SPARSE: &str = r#"rate = 0
[[traffic.spike]]
start = "0s"
ramp = "1s"
hold = "8998s"
peak = 0.01"#;

/// Every message sent is processed, dead-lettered, expired, or still in the queue.
fn assert_conserved(q: &QueueSummary) {
    assert_eq!(
        q.sent,
        q.processed + q.dead_lettered + q.expired + q.visible_at_end + q.in_flight_at_end,
        "{q:?}"
    );
}

/// n = 2 instances × c = 3 connections (and 3 workers each: a received message is
/// served at once, so the wait is all in the queue), Poisson messages at lambda =
/// 4.8/s, exponential processing of mean 1 s (mu = 1): the queue is M/M/6 with a =
/// 4.8, rho = 0.8. Erlang C gives P(wait) = C(6, 4.8) ≈ 0.518 and the mean time in
/// queue E[W] = C / (6 mu − lambda) = C / 1.2 s ≈ 0.431 s.
/// Sample: 4 seeds × 20,000 s, about 96,000 messages each. The waits are strongly
/// correlated at rho 0.8 (relaxation time ≈ 1 / (c mu (1 − √rho)²) ≈ 15 s, so a run is
/// worth about 1,300 independent batches); the mean of the 4 runs' means has a
/// relative standard error of about 2 %, and we allow 6 % (3 standard errors). The
/// empty queue at t = 0 biases low by about 15 s / 20,000 s, negligible. The
/// visibility timeout (300 s) and the inactivity timeout (299 s) are out of reach
/// (P(S > 299 s) = e^-299), so no message is retried.
#[test]
fn issue_15_fixed_fleet_is_mmc_and_time_in_queue_matches_erlang_c() {
    let (c, lambda, mu) = (6u32, 4.8, 1.0);
    let expected_ms = 1e3 * erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda);
    let mut means = Vec::new();
    for seed in 1..=4 {
        let text = worker(
            "20000s",
            seed,
            "rate = 4.8",
            2,
            3,
            r#"time = { dist = "exponential", mean = "1s" }"#,
            "",
        );
        let q = queue(&run(&text));
        assert_conserved(&q);
        assert_eq!(
            (q.retried, q.duplicates, q.dead_lettered),
            (0, 0, 0),
            "{q:?}"
        );
        means.push(q.time_in_queue_ms.mean);
    }
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    let error = (mean - expected_ms).abs() / expected_ms;
    assert!(
        error < 0.06,
        "mean time in queue {mean:.1} ms (runs {means:?}) vs Erlang C {expected_ms:.1} ms"
    );
}

/// Processing takes 10 s (constant), the visibility timeout is 4 s, and connections
/// are ample (50; at 0.01 messages/s, 17 messages within 18 s would be needed to run
/// out). By hand, a message received at t0: visible again at t0 + 4 and received by
/// another connection (invisible until t0 + 8), visible again at t0 + 8 and received
/// by a third (until t0 + 12); at t0 + 10 the first copy succeeds and deletes it, so
/// the timeout at t0 + 12 finds it gone. The copies received at t0 + 4 and t0 + 8
/// succeed at t0 + 14 and t0 + 18: two duplicates. So every message is received 3
/// times (2 retries), processed once, and processed twice more as duplicates.
#[test]
fn issue_15_a_visibility_timeout_shorter_than_processing_duplicates_messages() {
    let text = worker(
        "10000s",
        9,
        SPARSE,
        1,
        50,
        r#"time = "10s""#,
        r#"visibility_timeout = "4s""#,
    );
    let q = queue(&run(&text));
    assert_conserved(&q);
    assert!(q.sent > 50, "{q:?}");
    assert_eq!(q.processed, q.sent, "{q:?}");
    assert_eq!(q.duplicates, 2 * q.processed, "{q:?}");
    assert_eq!(q.retried, 2 * q.processed, "{q:?}");
    assert_eq!(q.requests.receives, 3 * q.sent, "{q:?}");
    assert_eq!(q.requests.deletes, q.processed, "{q:?}");
    assert_eq!(q.requests.visibility_changes, 0, "{q:?}");
}

/// The application never answers within sqsd's inactivity timeout (1 s; it takes
/// 10 s), so every delivery fails: sqsd sets the message visible after the error
/// visibility timeout (2 s), and it is received again 3 s after the last receive. With
/// max_retries = 4, the fifth receive moves it to the dead-letter queue (aws-facts.md
/// 12.4: "when ReceiveCount exceeds maxReceiveCount"): each message is delivered to
/// the application exactly 4 times and changes visibility 4 times; none is processed.
/// The fifth `ReceiveMessage` is still a call (billed), whose message goes to the
/// dead-letter queue rather than to sqsd: 5 receives per message.
#[test]
fn issue_15_an_always_failing_app_dead_letters_every_message_after_max_retries() {
    let text = worker(
        "10000s",
        11,
        SPARSE,
        1,
        50,
        r#"time = "10s""#,
        "inactivity_timeout = \"1s\"\nmax_retries = 4",
    );
    let outcome = run(&text);
    let q = queue(&outcome);
    assert_conserved(&q);
    assert!(q.sent > 50, "{q:?}");
    assert_eq!(q.processed, 0, "{q:?}");
    assert_eq!(q.dead_lettered, q.sent, "{q:?}");
    // Each delivery is an application request that sqsd gave up on (a 504).
    assert_eq!(outcome.summary.requests.arrived, 4 * q.sent);
    assert_eq!(q.requests.receives, 5 * q.sent, "{q:?}");
    assert_eq!(q.requests.visibility_changes, 4 * q.sent, "{q:?}");
    assert_eq!(q.retried, 3 * q.sent, "{q:?}");
    assert_eq!(outcome.summary.requests.timed_out, 4 * q.sent);
}

/// The bill by hand (aws-facts.md 12.1) for one c5.large ($0.085/h) with 5 connections
/// over T = 7,200 s, messages of 100 KB (2 chunks of 64 KB) processed in 2 s each
/// (constant), all done before the end:
/// - requests with a message: (sends + receives + deletes) × 2 = 3 N × 2;
/// - empty receives: each idle connection long-polls 20 s: ⌊(5 × 7,200 − 2 N) / 20⌋;
/// - free: 1,000,000 × 7,200 s / 730 h prorated = 2,739.726 requests;
/// - SQS = (billed − free) × $0.40 / 1e6; EC2 = 2 h × $0.085; no load balancer.
#[test]
fn issue_15_the_sqs_bill_by_hand() {
    let traffic = r#"rate = 0
[[traffic.spike]]
start = "0s"
ramp = "1s"
hold = "7000s"
peak = 0.5"#;
    let text = worker(
        "2h",
        3,
        traffic,
        1,
        5,
        r#"time = "2s"
[tiers.jobs.instance]
type = "c5.large""#,
        "message_kb = 100",
    );
    let outcome = run(&text);
    let q = queue(&outcome);
    let n = q.sent;
    assert!(n > 3000, "{q:?}");
    assert_eq!((q.processed, q.retried), (n, 0), "{q:?}");
    let empty = (5 * 7_200 - 2 * n) / 20;
    assert_eq!(q.requests.empty_receives, empty, "{q:?}");
    let billed = 3 * n * 2 + empty;
    assert_eq!(q.requests.billed, billed);
    let free = 1e6 * 7_200.0 / (730.0 * 3600.0);
    let sqs = (billed as f64 - free) * 0.40 / 1e6;
    let cost = &outcome.summary.cost_usd;
    assert!((cost.sqs - sqs).abs() < 1e-6, "{} vs {sqs}", cost.sqs);
    assert!((cost.on_demand - 2.0 * 0.085).abs() < 1e-6, "{cost:?}");
    assert_eq!(cost.load_balancer, 0.0);
    assert!(
        (cost.total - (cost.on_demand + cost.sqs)).abs() < 1e-6,
        "{cost:?}"
    );
    let line = outcome
        .cost_items
        .iter()
        .find(|i| i.purchase_option == "sqs")
        .expect("an SQS line in cost.csv");
    assert!((line.cost_usd - sqs).abs() < 1e-6);
}

/// A web tier sends each completed request's message with probability p = 0.25: the
/// messages are Binomial(completed, p); 4 standard deviations of tolerance.
#[test]
fn issue_15_sends_follow_their_probability() {
    let text = r#"
name = "sends"
duration = "1h"
seed = 4
[traffic]
rate = 20
[tiers.web]
kind = "ec2"
[tiers.web.service]
time = "10ms"
[[tiers.web.sends]]
tier = "jobs"
probability = 0.25
[tiers.jobs]
kind = "worker"
[tiers.jobs.service]
time = "50ms"
"#;
    let outcome = run(text);
    let completed = outcome.summary.requests.completed as f64;
    let jobs = &outcome.summary.tiers[1];
    assert_eq!(jobs.kind, "worker");
    let q = jobs.queue.clone().expect("a queue");
    let sd = (completed * 0.25 * 0.75).sqrt();
    assert!(
        (q.sent as f64 - 0.25 * completed).abs() < 4.0 * sd,
        "{} messages for {completed} requests",
        q.sent
    );
    assert_conserved(&q);
}

/// Bad input: exit 2 naming the file, the line and the key.
#[test]
fn issue_15_bad_worker_input_is_exit_2_with_file_line_and_key() {
    let two_tiers = |web: &str, jobs: &str| {
        format!(
            "duration = \"1h\"\n[traffic]\nrate = 1\n[tiers.web]\nkind = \"ec2\"\n{web}\n[tiers.jobs]\nkind = \"worker\"\n{jobs}\n[tiers.db]\nkind = \"rds\"\n[[tiers.web.calls]]\ntier = \"db\"\n"
        )
    };
    let send_to = |tier: &str| format!("[[tiers.web.sends]]\ntier = \"{tier}\"\n");
    // A worker tier with no source of messages.
    let stderr = assert_rejected(&two_tiers("", ""), "no source of messages");
    assert!(stderr.contains("tiers.jobs"), "{stderr}");
    // Sends to a tier that is not a worker.
    let stderr = assert_rejected(
        &two_tiers(&send_to("db"), "[tiers.jobs.messages]\nrate = 1"),
        "worker tier",
    );
    assert!(stderr.contains("tiers.web.sends[0].tier"), "{stderr}");
    // http_connections out of 1–100.
    for n in [0, 101] {
        let jobs = format!("[tiers.jobs.sqsd]\nhttp_connections = {n}");
        let stderr = assert_rejected(&two_tiers(&send_to("jobs"), &jobs), "between 1 and 100");
        assert!(
            stderr.contains("tiers.jobs.sqsd.http_connections"),
            "{stderr}"
        );
    }
    // Target tracking on the visible messages (AWS advises the backlog per instance).
    let jobs = "[[tiers.jobs.autoscaling.policy]]\nkind = \"target_tracking\"\nmetric = \"messages_visible\"\ntarget = 100.0";
    assert_rejected(&two_tiers(&send_to("jobs"), jobs), "backlog_per_instance");
    // A queue metric on a tier that has no queue.
    let web = "[[tiers.web.autoscaling.policy]]\nkind = \"target_tracking\"\nmetric = \"backlog_per_instance\"\ntarget = 10.0";
    assert_rejected(
        &two_tiers(&format!("{}{web}", send_to("jobs")), ""),
        "worker tier",
    );
    // A call to a worker tier.
    let text = two_tiers(&send_to("jobs"), "").replace("tier = \"db\"", "tier = \"jobs\"");
    assert_rejected(&text, "send it messages");
}

/// A scenario whose worker tier `jobs` has no source of messages but its periodic
/// tasks: `report` written in the scenario (every 5 minutes, 3 s each) and the two of
/// `cron.yaml` (AWS's example file, aws-facts.md 5: hourly and every 10 minutes, at
/// the tier's service time of 1 s). One instance, 4 workers, 50 connections.
const CRON_YAML: &str = r#"version: 1
cron:
 - name: "backup-job"
   url: "/backup"
   schedule: "0 * * * *"
 - name: "audit"
   url: "/audit"
   schedule: "*/10 * * * *"
"#;

fn periodic_scenario(extra: &str) -> String {
    format!(
        r#"
name = "cron-test"
duration = "2h"
seed = 1
[traffic]
rate = 1
[tiers.web]
kind = "ec2"
[tiers.jobs]
kind = "worker"
cron_file = "cron.yaml"
[tiers.jobs.service]
time = "1s"
workers = 4
[tiers.jobs.autoscaling]
min = 1
max = 1
[[tiers.jobs.periodic_task]]
name = "report"
url = "/report"
schedule = "*/5 * * * *"
time = "3s"
{extra}"#
    )
}

/// Writes the scenario and its cron.yaml into a folder of their own and resolves it.
fn periodic_run(extra: &str) -> (RunOutcome, QueueSummary) {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cron.yaml", CRON_YAML);
    let path = write_file(dir.path(), "cron.toml", &periodic_scenario(extra));
    let outcome = run_config(&load(&path));
    let q = outcome.summary.tiers[1]
        .queue
        .clone()
        .expect("a worker tier has a queue");
    (outcome, q)
}

fn run_config(config: &simcloud::model::Config) -> RunOutcome {
    simulate(config, &mut |_| {})
}

/// By hand: a task is due at each whole minute its schedule matches strictly after
/// t = 0 (as scheduled actions' recurrences) and before the end, 120 min: `*/5`
/// at 5, 10, ..., 115 = 23 times; `0 * * * *` at 60 = once; `*/10` at 10, ..., 110 =
/// 11 times. The one instance is always InService, so it leads and sends each: 35
/// messages, processed at once (at most 2 are due together, 4 workers): no wait in
/// the queue, and the tier's mean latency is exactly (23 × 3 s + 12 × 1 s) / 35 =
/// 2,314.286 ms (constant times; 0.5 ms of tolerance for the latency histogram).
#[test]
fn issue_15_periodic_tasks_alone_feed_a_worker_tier() {
    let (outcome, q) = periodic_run("");
    let sent: Vec<(&str, u64, u64)> = q
        .periodic_tasks
        .iter()
        .map(|t| (t.name.as_str(), t.sent, t.missed))
        .collect();
    assert_eq!(
        sent,
        [("report", 23, 0), ("backup-job", 1, 0), ("audit", 11, 0)]
    );
    assert_eq!((q.sent, q.processed, q.retried), (35, 35, 0), "{q:?}");
    assert_conserved(&q);
    assert!(q.time_in_queue_ms.max < 1.0, "{q:?}");
    let jobs = &outcome.summary.tiers[1];
    assert_eq!(jobs.requests.arrived, 35);
    let expected = (23.0 * 3000.0 + 12.0 * 1000.0) / 35.0;
    assert!(
        (jobs.latency_ms.mean - expected).abs() < 0.5,
        "{} vs {expected}",
        jobs.latency_ms.mean
    );
}

/// The only zone goes down from 1,770 s to 2,970 s (29.5 to 49.5 min): its one
/// instance stops answering and no replacement can launch, so no instance can lead,
/// and `report` (every 5 min) misses at least its times at 30, 35, 40 and 45 min. Every
/// due time is either sent or missed: 23 in all; what is sent is processed.
#[test]
fn issue_15_a_periodic_task_with_no_instance_to_lead_is_missed() {
    let outage = "[[outage]]\nzone = \"a\"\nat = \"1770s\"\nduration = \"20m\"\n";
    let (_, q) = periodic_run(outage);
    let report = &q.periodic_tasks[0];
    assert_eq!(report.sent + report.missed, 23, "{report:?}");
    assert!(report.missed >= 4, "{report:?}");
    let audit = &q.periodic_tasks[2];
    assert_eq!(audit.sent + audit.missed, 11, "{audit:?}");
    assert!(audit.missed >= 2, "{audit:?}");
    assert_conserved(&q);
    assert_eq!(q.processed, q.sent, "{q:?}");
}

/// Bad periodic tasks are exit 2 naming the file, its line, the key and the value:
/// in the scenario, or in the cron.yaml (whose errors also name the scenario's tier).
#[test]
fn issue_15_bad_periodic_tasks_are_exit_2_with_file_line_key_and_value() {
    let check = |scenario: &str, cron: Option<&str>, needles: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        if let Some(cron) = cron {
            write_file(dir.path(), "cron.yaml", cron);
        }
        let path = write_file(dir.path(), "bad.toml", scenario);
        let output = simcloud()
            .args(["validate", path.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{needle}: {stderr}");
        }
    };
    let good = periodic_scenario("");
    // A bad schedule in the scenario: the line of its key, 21 (the text starts with a
    // newline).
    check(
        &good.replace("*/5 * * * *", "*/5 * * *"),
        Some(CRON_YAML),
        &[
            "bad.toml:21: tiers.jobs.periodic_task[0].schedule = \"*/5 * * *\"",
            "expected 5 fields",
        ],
    );
    // No such file.
    check(
        &good,
        None,
        &[
            "bad.toml:11: tiers.jobs.cron_file = \"cron.yaml\"",
            "no such file",
        ],
    );
    // Not YAML: the line the parser stopped at.
    check(
        &good,
        Some("version: 1\ncron:\n - name: [\"x\"\n"),
        &[
            "cron.yaml:",
            "not a valid cron.yaml",
            "tiers.jobs",
            "bad.toml",
        ],
    );
    // A bad schedule in the file: its line, key and value.
    check(
        &good,
        Some(&CRON_YAML.replace("*/10 * * * *", "*/10 25 * * *")),
        &[
            "cron.yaml:8: cron[1].schedule = \"*/10 25 * * *\"",
            "hour `25` is out of range 0-23",
            "the cron_file of tiers.jobs",
        ],
    );
    // A version other than 1, a key cron.yaml does not have, an empty list.
    check(
        &good,
        Some(&CRON_YAML.replace("version: 1", "version: 2")),
        &["cron.yaml:1: version = 2", "version 1"],
    );
    check(
        &good,
        Some(&CRON_YAML.replace("url: \"/audit\"", "path: \"/audit\"")),
        &["cron.yaml:7", "unknown field `path`"],
    );
    check(
        &good,
        Some("version: 1\ncron: []\n"),
        &["cron.yaml:2: cron", "no task"],
    );
    // Two tasks of one name, across the scenario and the file.
    check(
        &good.replace("name = \"report\"", "name = \"audit\""),
        Some(CRON_YAML),
        &["cron.yaml:6: cron[1].name = \"audit\"", "unique"],
    );
    // Periodic tasks belong to worker tiers.
    check(
        &good.replace("[tiers.jobs.autoscaling]", "[[tiers.web.periodic_task]]\nname = \"x\"\nschedule = \"* * * * *\"\n[tiers.jobs.autoscaling]"),
        Some(CRON_YAML),
        &["bad.toml:", "tiers.web.periodic_task", "worker"],
    );
}

/// The entry worker tier `jobs` (`n` instances, 5 connections and workers each; its
/// messages are [traffic]) calls the `rds` tier `db` `count` times per message, and
/// `db` is given by `rds`.
fn worker_db(traffic: &str, count: u32, rds: &str, sqsd: &str, n: u32) -> String {
    format!(
        r#"
name = "worker-db"
duration = "10m"
seed = 7
[traffic]
{traffic}
[tiers.jobs]
kind = "worker"
entry = true
[tiers.jobs.service]
time = "100ms"
workers = 5
[tiers.jobs.sqsd]
http_connections = 5
{sqsd}
[tiers.jobs.autoscaling]
min = {n}
max = {n}
[[tiers.jobs.calls]]
tier = "db"
count = {count}
[tiers.db]
kind = "rds"
[tiers.db.rds]
{rds}
"#
    )
}

/// 0.05 messages/s for 500 s of a 600 s run: about 25 messages, every one over long
/// before the end.
const SOME: &str = r#"rate = 0
[[traffic.spike]]
start = "0s"
ramp = "1s"
hold = "500s"
peak = 0.05"#;

/// A worker's message makes its calls holding its worker (SPEC "Phase 2"): 3 calls
/// of 2 queries of 10 ms each. By hand: every message is processed once (nothing
/// can fail: one instance's pool of at most 5 connections, far below the engine's
/// max_connections), the database receives 3 calls per message and runs 2 queries per
/// call, all on the primary.
#[test]
fn issue_15_a_worker_calls_a_database_while_it_processes_a_message() {
    let outcome = run(&worker_db(
        SOME,
        3,
        "queries = 2\nquery_time = \"10ms\"",
        "",
        1,
    ));
    let q = queue(&outcome);
    assert!(q.sent > 10, "{q:?}");
    assert_eq!(
        (q.processed, q.retried, q.duplicates),
        (q.sent, 0, 0),
        "{q:?}"
    );
    let db = &outcome.summary.tiers[1];
    assert_eq!(db.requests.arrived, 3 * q.processed);
    assert_eq!(db.requests.completed, 3 * q.processed);
    let rds = db.rds.as_ref().expect("an rds tier");
    assert_eq!(rds.queries_primary, 2 * 3 * q.processed);
    assert_eq!(rds.refused_connections, 0);
    // Each message holds its worker for its service time and its calls' queries:
    // at least 100 ms + 6 × 10 ms.
    assert!(
        outcome.summary.latency_ms.p50 >= 160.0,
        "{:?}",
        outcome.summary.latency_ms
    );
}

/// A refused database connection fails the message, which sqsd retries. Two worker
/// instances with pools of 2; the database accepts 2 connections, and queries take
/// 2 h. The first message goes to instance A, the second to B (the one with fewer in
/// flight): they take both connections for the rest of the run (their visibility and
/// inactivity timeouts, 1 h, are out of reach). Every later message's call asks its
/// instance's pool (1 open of 2, busy) for a new connection, which the database refuses:
/// the application answers 500, sqsd makes the message visible again after 2 s
/// (ChangeMessageVisibility) and it is received again, until its fourth receive
/// (max_retries = 3) moves it to the dead-letter queue. By hand, for the N − 2 later
/// messages: 3 deliveries each, each refused (3 (N − 2) refused connections and
/// failed requests, as many visibility changes), 2 retries each, all dead-lettered;
/// the first two are still in flight at the end, and nothing is processed.
#[test]
fn issue_15_a_refused_database_connection_fails_the_message_and_sqsd_retries_it() {
    let outcome = run(&worker_db(
        SOME,
        1,
        "max_connections = 2\npool_size = 2\nquery_time = \"2h\"",
        "visibility_timeout = \"1h\"\ninactivity_timeout = \"1h\"\nmax_retries = 3",
        2,
    ));
    let q = queue(&outcome);
    let n = q.sent;
    assert!(n > 10, "{q:?}");
    assert_conserved(&q);
    assert_eq!((q.processed, q.in_flight_at_end), (0, 2), "{q:?}");
    assert_eq!(q.dead_lettered, n - 2, "{q:?}");
    assert_eq!(q.retried, 2 * (n - 2), "{q:?}");
    assert_eq!(q.requests.visibility_changes, 3 * (n - 2), "{q:?}");
    let rds = outcome.summary.tiers[1].rds.as_ref().expect("an rds tier");
    assert_eq!(rds.refused_connections, 3 * (n - 2));
    assert_eq!(outcome.summary.requests.failed, 3 * (n - 2));
    assert_eq!(outcome.summary.tiers[1].requests.arrived, 2 + 3 * (n - 2));
}

/// SQS publishes its metrics every minute whatever the instances' monitoring
/// (aws-facts.md 12.5): step scaling on `messages_visible` under basic monitoring
/// reads 60 s datapoints; adding a CPU policy (EC2's basic monitoring: 5 minutes,
/// 3.11) makes the group read 300 s periods for all, simcloud's one-period rule.
#[test]
fn issue_15_step_scaling_on_visible_messages_reads_sqs_one_minute_period() {
    let step = r#"[[tiers.jobs.autoscaling.policy]]
kind = "step"
alarm = { metric = "messages_visible", comparison = ">", threshold = 100.0, evaluation_periods = 1, datapoints_to_alarm = 1 }
adjustment_type = "change_in_capacity"
steps = [{ lower = 0.0, adjustment = 2 }]"#;
    let cpu = r#"[[tiers.jobs.autoscaling.policy]]
kind = "target_tracking"
metric = "cpu"
target = 60.0"#;
    let scenario = |policies: &str| {
        format!(
            "name = \"sqs-period\"\nduration = \"1h\"\n[traffic]\nrate = 1\n[tiers.jobs]\nkind = \"worker\"\n[tiers.jobs.autoscaling]\nmin = 1\nmax = 4\nmonitoring = \"basic\"\n{policies}\n"
        )
    };
    let config = config_from_str(&scenario(step));
    assert_eq!(
        config.tiers[0].autoscaling.metric_period.as_secs_f64(),
        60.0
    );
    let config = config_from_str(&scenario(&format!("{step}\n{cpu}")));
    assert_eq!(
        config.tiers[0].autoscaling.metric_period.as_secs_f64(),
        300.0
    );
}
