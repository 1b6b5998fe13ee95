//! The `lambda` tier kind (issue 14): bills by hand, Little's law and cold starts on a
//! steady load, bad input, and an `ec2` tier calling a function. The Erlang loss case
//! (a concurrency limit is an M/G/c/c system) is in `validation`.

use crate::common::{assert_conserved, assert_rejected, config_from_str};
use simcloud::model::{Summary, simulate};

/// A function of `memory_mb` on `architecture` behind a REST API, taking `time` per
/// request, with `traffic` (the `[traffic]` table's keys, or a bare rate) for
/// `duration`; `extra` adds keys to `[tiers.fn.lambda]`.
fn function(
    duration: &str,
    traffic: impl std::fmt::Display,
    time: &str,
    memory_mb: u32,
    architecture: &str,
    extra: &str,
) -> String {
    format!(
        r#"
name = "lambda-test"
duration = "{duration}"
seed = 3
[traffic]
{traffic}
[tiers.fn]
kind = "lambda"
[tiers.fn.service]
time = {time}
[tiers.fn.lambda]
memory_mb = {memory_mb}
architecture = "{architecture}"
timeout = "900s"
init = "200ms"
{extra}
[tiers.fn.api_gateway]
api = "rest"
"#
    )
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

/// 1 million requests of 120 ms at 512 MB (aws-facts.md 6.1, 14.4):
/// requests 1e6 × $0.20/1e6 = $0.20; duration 1e6 × 0.120 s × 0.5 GB = 60,000 GB-s,
/// × $0.0000166667 = $1.000002 on x86 (total $1.200002), × $0.0000133334 = $0.800004
/// on Arm (total $1.000004). A run has a Poisson count n of requests near 1 million
/// (1,000 s at 1,000 req/s, then 10 s for the last to finish) and one cold start per
/// environment, whose 200 ms init is billed too (14.2): the bill is
/// n × (0.20e-6 + 0.06 × price) + cold × 0.1 × price.
/// API Gateway REST: n × $3.50/1e6 (13.1), $3.50 for 1 million.
#[test]
fn issue_14_a_million_requests_of_120_ms_at_512_mb_on_x86_and_arm() {
    for (architecture, price, per_million) in [
        ("x86_64", 0.0000166667_f64, 1.200002),
        ("arm64", 0.0000133334, 1.000004),
    ] {
        assert!((1e6 * (0.20e-6 + 0.06 * price) - per_million).abs() < 1e-9);
        let s = run(&function(
            "1010s",
            "[[traffic.spike]]\nstart = \"0s\"\nramp = \"0s\"\nhold = \"1000s\"\npeak = 1000",
            "\"120ms\"",
            512,
            architecture,
            "",
        ));
        assert_conserved(&s.requests);
        let lambda = s
            .lambda
            .as_ref()
            .expect("a lambda entry tier reports its function");
        let n = s.requests.arrived as f64;
        assert!((n - 1e6).abs() < 5_000.0, "{n}");
        assert_eq!(s.requests.completed, s.requests.arrived);
        let cold = lambda.cold_starts as f64;
        let expected = n * (0.20e-6 + 0.06 * price) + cold * 0.1 * price;
        assert!(
            (s.cost_usd.lambda - expected).abs() < 2e-6,
            "{architecture}: {} vs {expected}",
            s.cost_usd.lambda
        );
        assert!((s.cost_usd.api_gateway - n * 3.5e-6).abs() < 2e-6);
        assert!((s.cost_usd.total - s.cost_usd.lambda - s.cost_usd.api_gateway).abs() < 2e-6);
        // GB-seconds: 0.06 per request and 0.1 per cold start.
        assert!((lambda.gb_seconds - (0.06 * n + 0.1 * cold)).abs() < 0.01);
    }
}

/// API Gateway's price per million (13.1): REST $3.50, HTTP $1.00; the same requests
/// (the same seed) cost 3.5 times as much through a REST API.
#[test]
fn issue_14_api_gateway_rest_and_http_prices() {
    let rest = function("600s", "rate = 100", "\"50ms\"", 128, "x86_64", "");
    let http = rest.replace("api = \"rest\"", "api = \"http\"");
    let (rest, http) = (run(&rest), run(&http));
    assert_eq!(rest.requests, http.requests);
    let n = rest.requests.arrived as f64;
    assert!((rest.cost_usd.api_gateway - n * 3.5e-6).abs() < 1e-6);
    assert!((http.cost_usd.api_gateway - n * 1.0e-6).abs() < 1e-6);
    assert_eq!(rest.cost_usd.lambda, http.cost_usd.lambda);
}

/// Provisioned concurrency for an hour (14.4): 10 environments × 1 GB (1,024 MB) ×
/// 3,600 s = 36,000 GB-s × $0.0000041667 = $0.1500012, with no request at all. A run of
/// 56 minutes is billed the same hour (rounded up to five minutes: 60 min); one of an
/// hour and a minute 65 minutes.
#[test]
fn issue_14_provisioned_concurrency_for_an_hour() {
    let bill = |duration: &str| {
        let s = run(&function(
            duration,
            // A spike after the end: no request (a scenario needs some traffic).
            "[[traffic.spike]]\nstart = \"2h\"\npeak = 1",
            "\"50ms\"",
            1024,
            "x86_64",
            "provisioned_concurrency = 10",
        ));
        assert_eq!(s.requests.arrived, 0);
        assert_eq!(s.lambda.as_ref().unwrap().environments_created, 10);
        s.cost_usd.lambda
    };
    // The summary's figures have 6 decimals.
    assert!((bill("1h") - 0.1500012).abs() < 1e-6, "{}", bill("1h"));
    assert!((bill("56m") - 0.1500012).abs() < 1e-6);
    assert!((bill("61m") - 0.1500012 * 65.0 / 60.0).abs() < 1e-6);
}

/// Little's law without a limit: mean concurrency = λ · E[duration] = 200/s × 50 ms =
/// 10 (a gamma of cv 1.5; cold starts add their 200 ms init, at most once per
/// environment, which moves the mean by under 0.01 over 30 minutes). With no
/// environment expiring (45 minutes idle lifetime, a 30-minute run) and no timeout, an
/// environment is created only when every one is busy, so the cold starts equal the
/// peak concurrency exactly — some tens, against 360,000 requests.
#[test]
fn issue_14_littles_law_and_cold_starts_on_a_steady_load() {
    let text = function(
        "30m",
        "rate = 200",
        "{ dist = \"gamma\", mean = \"50ms\", cv = 1.5 }",
        512,
        "x86_64",
        "",
    );
    let mut concurrency = Vec::new();
    for seed in 1..=8 {
        let mut config = config_from_str(&text);
        config.seed = seed;
        let s = simulate(&config, &mut |_| {}).summary;
        assert_conserved(&s.requests);
        let lambda = s.lambda.unwrap();
        assert_eq!(u64::from(lambda.peak_concurrency), lambda.cold_starts);
        assert!(lambda.cold_starts < 100, "{lambda:?}");
        assert!(lambda.cold_start_share < 3e-4, "{lambda:?}");
        assert_eq!(lambda.throttles, 0);
        concurrency.push(s.queueing.mean_in_system);
    }
    // 8 runs of 360,000 requests: runs spread by sd 0.024 at seed 1-8 (measured), so
    // the mean's SE is about 0.009, and 0.05 is between 5 and 6 SE.
    let mean = concurrency.iter().sum::<f64>() / concurrency.len() as f64;
    assert!((mean - 10.0).abs() < 0.05, "{concurrency:?}");
}

/// Memory scales a CPU-bound duration (14.3): 100 ms measured at 1,769 MB (one vCPU)
/// takes 100 × 1769 / 512 = 345.5 ms at 512 MB when all CPU-bound, and
/// 50 + 50 × 1769 / 512 = 222.8 ms when half of it is.
#[test]
fn issue_14_memory_sets_the_cpu_share() {
    for (share, expected_ms) in [(1.0, 345.508), (0.5, 222.754)] {
        let s = run(&function(
            "600s",
            "rate = 20",
            "\"100ms\"",
            512,
            "x86_64",
            &format!("reference_memory_mb = 1769\ncpu_bound_share = {share}"),
        ));
        // Warm requests take exactly the scaled duration: the median.
        let p50 = s.latency_ms.p50;
        assert!(
            (p50 - expected_ms).abs() / expected_ms < 0.002,
            "{share}: {p50}"
        );
    }
}

/// Bad input exits 2 naming the file, the line, the key and the valid range.
#[test]
fn issue_14_bad_function_settings_exit_2_with_the_range() {
    let good = function("10m", "rate = 10", "\"50ms\"", 512, "x86_64", "");
    let cases = [
        (
            "memory_mb = 512",
            "memory_mb = 100",
            "memory_mb = 100: must be a whole number of MB from 128 to 10240",
        ),
        ("memory_mb = 512", "memory_mb = 10241", "from 128 to 10240"),
        (
            "memory_mb = 512",
            "memory_mb = 512.5",
            "memory_mb = 512.5: must be a whole number of MB",
        ),
        (
            "timeout = \"900s\"",
            "timeout = \"901s\"",
            "timeout = \"901s\": must be between 1s and 900s",
        ),
        (
            "init = \"200ms\"",
            "init = \"200ms\"\nreserved_concurrency = 901",
            "reserved_concurrency = 901: must be between 0 and 900",
        ),
        (
            "init = \"200ms\"",
            "init = \"200ms\"\naccount_concurrency = 3000\nreserved_concurrency = 3000",
            "must be between 0 and 2900",
        ),
    ];
    for (from, to, needle) in cases {
        let text = good.replacen(from, to, 1);
        let line = text
            .lines()
            .position(|l| to.lines().last() == Some(l))
            .unwrap()
            + 1;
        let stderr = assert_rejected(&text, needle);
        assert!(
            stderr.contains(&format!("bad.toml:{line}:")),
            "{to}: {stderr}"
        );
    }
}

/// An `ec2` tier (`web`) calling a function once per request: each tier conserves its
/// requests, the function serves the calls web made (web's requests that finished
/// their own service), and its summary carries the function's measures while the
/// run's top level, web's, has none.
#[test]
fn issue_14_an_ec2_tier_calls_a_lambda_tier() {
    let text = r#"
name = "web-and-function"
duration = "30m"
seed = 5
[traffic]
rate = 100
[tiers.web]
kind = "ec2"
[tiers.web.service]
time = "10ms"
workers = 32
[tiers.web.autoscaling]
min = 2
max = 2
[[tiers.web.calls]]
tier = "fn"
[tiers.fn]
kind = "lambda"
[tiers.fn.service]
time = { dist = "exponential", mean = "80ms" }
[tiers.fn.lambda]
memory_mb = 1024
reserved_concurrency = 5
"#;
    let s = run(text);
    assert_conserved(&s.requests);
    assert!(s.lambda.is_none());
    assert_eq!(s.tiers.len(), 2);
    let (web, function) = (&s.tiers[0], &s.tiers[1]);
    assert_eq!(function.kind, "lambda");
    for t in &s.tiers {
        assert_conserved(&t.requests);
    }
    let lambda = function.lambda.as_ref().unwrap();
    // λ E[S] = 100 × 0.08 = 8 against a limit of 5: throttled (Erlang B(5, 8) ≈ 0.48),
    // and web answers each throttled call's request with the rejection.
    assert!(lambda.throttles > 0);
    assert_eq!(function.requests.rejected, lambda.throttles);
    assert_eq!(lambda.peak_concurrency, 5);
    assert!(web.requests.rejected >= function.requests.rejected);
    // Web answers a request the instant its call is answered, and nothing times out.
    assert_eq!(web.requests.timed_out, 0);
    assert_eq!(web.requests.completed, function.requests.completed);
    assert!(function.requests.arrived <= web.requests.arrived);
    assert!(s.cost_usd.lambda > 0.0 && s.cost_usd.api_gateway == 0.0);
    assert!((s.cost_usd.total - web.cost_usd.total - function.cost_usd.total).abs() < 1e-5);
    // The JSON: tiers.fn.lambda present, web's and the top level's absent.
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["tiers"]["fn"]["lambda"]["cold_starts"].is_u64());
    assert!(json["tiers"]["web"].get("lambda").is_none());
    assert!(json.get("lambda").is_none());
    assert!(json["cost_usd"]["api_gateway"].is_null());
}

/// API Gateway's integration timeout (13.2): a function taking 35 s behind a REST API
/// (29 s) answers every request 504 at 29 s, and is billed its whole 35 s (none
/// completes). Requests that arrived in the last 29 s are still in flight; of those
/// answered, the ones that arrived in the last 35 s (about 2/s × 6 s = 12) were still
/// running at the end.
#[test]
fn issue_14_the_integration_timeout_answers_504_while_the_function_runs_on() {
    let s = run(&function("10m", "rate = 2", "\"35s\"", 1024, "x86_64", ""));
    assert_conserved(&s.requests);
    let r = &s.requests;
    assert_eq!(r.completed, 0);
    assert!(r.timed_out > 0 && r.in_flight > 0, "{r:?}");
    // Every request answered 504 had run 29 s by then and ran on: those that ended
    // were billed 35 s (at 1 GB), those still running at the end up to the end.
    let lambda = s.lambda.unwrap();
    assert!(lambda.gb_seconds > 29.0 * r.timed_out as f64, "{lambda:?}");
    assert!(
        lambda.gb_seconds >= 35.0 * (r.timed_out - 15) as f64,
        "{lambda:?}"
    );
}

/// API Gateway's token bucket (13.3), at rate 10 and burst 5 against 100 requests per
/// second for 60 s: it lets through the burst and then 10 per second, 5 + 600 = 605
/// (one fewer if the last token is not quite refilled), and 429s the rest; only those
/// it let through are billed.
#[test]
fn issue_14_api_gateway_throttles_beyond_its_token_bucket() {
    let text = function("60s", "rate = 100", "\"10ms\"", 512, "x86_64", "")
        .replace("api = \"rest\"", "api = \"rest\"\nrate = 10\nburst = 5");
    let s = run(&text);
    assert_conserved(&s.requests);
    let lambda = s.lambda.unwrap();
    let passed = s.requests.arrived - lambda.api_gateway_throttles;
    assert!((604..=605).contains(&passed), "{passed}");
    assert_eq!(lambda.throttles, 0);
    assert_eq!(s.requests.rejected, lambda.api_gateway_throttles);
    assert!((s.cost_usd.api_gateway - passed as f64 * 3.5e-6).abs() < 1e-6);
}

/// The scaling rate (6.1): 1,000 new environments at once, then 100 per second. With a
/// higher account limit (5,000), 300 requests per second of 60 s each for 10 s need
/// about 3,000 environments; about 1,000 + 100 × 10 = 2,000 are created and the rest
/// throttled.
#[test]
fn issue_14_new_environments_are_limited_by_the_scaling_rate() {
    let s = run(&function(
        "10s",
        "rate = 300",
        "\"60s\"",
        512,
        "x86_64",
        "account_concurrency = 5000",
    ));
    assert_conserved(&s.requests);
    let lambda = s.lambda.unwrap();
    assert!(s.requests.arrived > 2_700, "{:?}", s.requests);
    assert!(
        (1_990..=2_000).contains(&lambda.environments_created),
        "{lambda:?}"
    );
    assert_eq!(
        lambda.throttles,
        s.requests.arrived - lambda.environments_created
    );
}

/// A function timeout (6.1, 14.1): 5 s of work under a 3 s timeout fails every
/// invocation at 3 s (`timed_out`), and the environment is reset, so every request is
/// a cold start.
#[test]
fn issue_14_the_function_timeout_fails_and_resets_the_environment() {
    let text = function("5m", "rate = 1", "\"5s\"", 512, "x86_64", "")
        .replace("timeout = \"900s\"", "timeout = \"3s\"");
    let s = run(&text);
    assert_conserved(&s.requests);
    let lambda = s.lambda.unwrap();
    assert_eq!(s.requests.completed, 0);
    assert_eq!(
        s.requests.timed_out + s.requests.in_flight,
        s.requests.arrived
    );
    assert_eq!(lambda.cold_starts, s.requests.arrived);
    assert_eq!(lambda.cold_start_share, 1.0);
}

/// An ALB in front of the function instead of API Gateway (aws-facts.md 4.7, 13.4):
/// no per-request fee and no throttle of its own; an hour at $0.0225 plus LCU-hours
/// at $0.008, where one LCU-hour processes 0.4 GB for a Lambda target: 4,000 bytes a
/// request on 100 requests per connection is max(1 / (100 × 25 × 3,600), 4,000 /
/// 0.4e9) = 1e-5 LCU-hours a request, 2.5 times the 4e-6 of an EC2 target.
#[test]
fn issue_14_an_alb_in_front_of_the_function_bills_hours_and_lambda_lcus() {
    let text = function("3600s", "rate = 50", "\"100ms\"", 1024, "x86_64", "").replace(
        "[tiers.fn.api_gateway]\napi = \"rest\"",
        "[tiers.fn.load_balancer]\nrequest_bytes = 4000\nrequests_per_connection = 100",
    );
    let out = simulate(&config_from_str(&text), &mut |_| {});
    let s = &out.summary;
    assert_conserved(&s.requests);
    let n = s.requests.arrived as f64;
    let expected = 0.0225 + n * 1e-5 * 0.008;
    assert!(
        (s.cost_usd.load_balancer - expected).abs() <= 5e-7,
        "{:?} vs {expected}",
        s.cost_usd
    );
    assert_eq!(s.cost_usd.api_gateway, 0.0);
    let lcu = out
        .cost_items
        .iter()
        .find(|i| i.item == "load_balancer_lcu")
        .expect("an LCU line");
    assert!((lcu.quantity - n * 1e-5).abs() < 1e-9);
    assert!((s.cost_usd.total - s.cost_usd.lambda - s.cost_usd.load_balancer).abs() <= 2e-6);
    // Behind an ALB the function's throttles are still the function's.
    let throttled = text.replace(
        "init = \"200ms\"",
        "init = \"200ms\"\nreserved_concurrency = 2",
    );
    let s = run(&throttled);
    assert_conserved(&s.requests);
    let lambda = s.lambda.as_ref().expect("a function's measures");
    assert!(lambda.throttles > 0 && lambda.api_gateway_throttles == 0);
    assert_eq!(s.requests.rejected, lambda.throttles);
}

/// The ALB in front of a function has only prices and what its LCUs meter; it and API
/// Gateway exclude each other; a called function has neither.
#[test]
fn issue_14_the_load_balancer_of_a_function_is_checked() {
    let alb = function("10m", "rate = 10", "\"50ms\"", 512, "x86_64", "").replace(
        "[tiers.fn.api_gateway]\napi = \"rest\"",
        "[tiers.fn.load_balancer]\nrequest_bytes = 4000",
    );
    assert_rejected(
        &alb.replace("request_bytes = 4000", "algorithm = \"random\""),
        "load_balancer.algorithm = \"random\": is not a key of the load balancer in front of a function",
    );
    assert_rejected(
        &format!("{alb}\n[tiers.fn.api_gateway]\napi = \"http\"\n"),
        "through API Gateway or an ALB, not both",
    );
    assert_rejected(
        &alb.replace("[tiers.fn.load_balancer]\nrequest_bytes = 4000", ""),
        "needs [tiers.<name>.api_gateway] or [tiers.<name>.load_balancer]",
    );
}

/// A function behind an HTTP API, doing `own` of work and then `count` calls to an
/// `api` tier of `workers` per instance on `instances` instances, each call taking
/// `call` there; `timeout` is the function's.
fn function_calling(own: &str, count: u32, call: &str, api: &str, timeout: &str) -> String {
    format!(
        r#"
name = "function-calls"
duration = "20m"
seed = 9
[traffic]
rate = 50
[tiers.fn]
kind = "lambda"
entry = true
[tiers.fn.service]
time = "{own}"
[tiers.fn.lambda]
memory_mb = 1024
timeout = "{timeout}"
init = "200ms"
[tiers.fn.api_gateway]
api = "http"
[[tiers.fn.calls]]
tier = "api"
count = {count}
[tiers.api]
kind = "ec2"
[tiers.api.service]
time = "{call}"
timeout = "600s"
{api}
"#
    )
}

/// Calls from a function (aws-facts.md 6.1: the duration billed runs until the
/// handler returns, waiting included): 100 ms of its own work, then two calls of
/// 50 ms to a tier with ample workers, is 200 ms an invocation, to the nanosecond (no
/// queue anywhere). The GB-seconds are 0.2 per request at 1 GB, plus 0.2 per cold
/// start (the init is billed too); the median latency is 200 ms.
#[test]
fn issue_14_a_function_calls_another_tier_and_pays_for_the_wait() {
    let s = run(&function_calling(
        "100ms",
        2,
        "50ms",
        "workers = 64\n[tiers.api.autoscaling]\nmin = 2\nmax = 2",
        "10s",
    ));
    for t in &s.tiers {
        assert_conserved(&t.requests);
    }
    let (function, api) = (&s.tiers[0], &s.tiers[1]);
    let lambda = function.lambda.as_ref().unwrap();
    let n = function.requests.completed as f64;
    assert_eq!(
        function.requests.completed,
        function.requests.arrived - function.requests.in_flight
    );
    // Every completed invocation made its two calls.
    assert_eq!(
        api.requests.arrived,
        2 * function.requests.arrived - api_calls_not_made(&s)
    );
    let expected = 0.2 * n + 0.2 * lambda.cold_starts as f64;
    assert!(
        (lambda.gb_seconds - expected).abs() < 0.2 * (function.requests.in_flight + 1) as f64,
        "{} vs {expected}",
        lambda.gb_seconds
    );
    // The latency histogram keeps 3 significant digits.
    assert!(
        (s.latency_ms.p50 - 200.0).abs() < 0.2,
        "{}",
        s.latency_ms.p50
    );
}

/// Calls an invocation in flight at the end has not made yet (its second call, or
/// both when it is still in its own work).
fn api_calls_not_made(s: &Summary) -> u64 {
    let (function, api) = (&s.tiers[0], &s.tiers[1]);
    2 * function.requests.arrived - api.requests.arrived
}

/// A called tier's errors end the invocation with the same error: an `api` tier of
/// one instance with one worker and no queue rejects what finds it busy (503), and the
/// function answers each of those requests as rejected.
#[test]
fn issue_14_a_called_tier_error_ends_the_invocation() {
    let s = run(&function_calling(
        "10ms",
        1,
        "30ms",
        "workers = 1\nqueue_limit = 0\n[tiers.api.autoscaling]\nmin = 1\nmax = 1",
        "10s",
    ));
    let (function, api) = (&s.tiers[0], &s.tiers[1]);
    assert!(api.requests.rejected > 0);
    assert_eq!(function.requests.rejected, api.requests.rejected);
    assert_eq!(function.requests.completed, api.requests.completed);
    assert_conserved(&s.requests);
}

/// The function timeout counts the wait: calls of 5 s against a 1 s timeout end every
/// invocation at 1 s (billed 1 s, answered as timed out, the environment reset), while
/// the called tier finishes its requests and its answers are dropped.
#[test]
fn issue_14_the_function_timeout_cuts_the_wait_on_a_call() {
    let s = run(&function_calling(
        "100ms",
        1,
        "5s",
        "workers = 1000\n[tiers.api.autoscaling]\nmin = 1\nmax = 1",
        "1s",
    ));
    let (function, api) = (&s.tiers[0], &s.tiers[1]);
    let lambda = function.lambda.as_ref().unwrap();
    assert_eq!(function.requests.completed, 0);
    let ended = function.requests.timed_out;
    assert_eq!(
        ended,
        function.requests.arrived - function.requests.in_flight
    );
    // Every invocation is a cold start (a timeout resets its environment): 1 s of
    // duration and 0.2 s of init each, at 1 GB.
    assert_eq!(lambda.cold_starts, function.requests.arrived);
    let expected = 1.2 * ended as f64;
    assert!(
        (lambda.gb_seconds - expected).abs() <= 1.2 * function.requests.in_flight as f64 + 1e-6,
        "{} vs {expected}",
        lambda.gb_seconds
    );
    assert_eq!(api.requests.timed_out, 0);
    assert!(api.requests.completed > 0);
}

/// A function calling an RDS database: every execution environment keeps its own
/// connection pool, and runs one invocation at a time, so it opens one connection
/// (each environment is a calling instance, aws-facts.md 14.1). With `max_connections`
/// below the function's concurrency the environments beyond it are refused (500s,
/// `requests.failed`); when environments expire, their connections are let go and
/// new ones can open.
#[test]
fn issue_14_each_environment_of_a_function_keeps_its_own_connections() {
    let text = |max: u32| {
        format!(
            r#"
name = "function-and-database"
duration = "10m"
seed = 4
[traffic]
rate = 200
[tiers.fn]
kind = "lambda"
entry = true
[tiers.fn.service]
time = "20ms"
[tiers.fn.lambda]
memory_mb = 1024
init = "100ms"
[tiers.fn.api_gateway]
api = "http"
[[tiers.fn.calls]]
tier = "db"
[tiers.db]
kind = "rds"
[tiers.db.rds]
class = "db.m5.large"
max_connections = {max}
query_time = "5ms"
"#
        )
    };
    let s = run(&text(1000));
    let (function, db) = (&s.tiers[0], &s.tiers[1]);
    let (lambda, rds) = (function.lambda.as_ref().unwrap(), db.rds.as_ref().unwrap());
    assert_conserved(&function.requests);
    assert_eq!(rds.refused_connections, 0);
    // One connection per environment ever created (none expired in 10 minutes).
    assert_eq!(rds.connections_opened, lambda.cold_starts);
    let s = run(&text(5));
    let (function, db) = (&s.tiers[0], &s.tiers[1]);
    let rds = db.rds.as_ref().unwrap();
    assert!(rds.refused_connections > 0);
    assert_eq!(rds.peak_connections_open, 5);
    assert_eq!(function.requests.failed, rds.refused_connections);
}
