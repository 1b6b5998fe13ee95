//! The `worker` tier kind (issue 15): an SQS queue read by `sqsd` on an Auto Scaling
//! group. Each oracle is independent of the simulator: Erlang C for a fixed fleet,
//! hand reasoning for visibility timeouts and the dead-letter queue, the SQS price
//! list for the bill (aws-facts.md 12.1), and bad input through the real binary.

use crate::common::{assert_rejected, config_from_str};
use crate::validation::erlang_c;
use simcloud::model::{QueueSummary, RunOutcome, simulate};

/// A single worker tier (the entry tier: `[traffic]` is the messages sent) of `n`
/// instances that never scale, `connections` sqsd connections and as many workers
/// each; `traffic` is the `[traffic]` table's body, `sqsd` and `service` more keys.
fn worker(
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
