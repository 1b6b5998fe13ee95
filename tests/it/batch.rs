//! The `batch` tier kind (issue 16): one job on spot against a renewal argument, a
//! bill by hand, queue priorities, retries, and bad input through the real binary.

use crate::common::{assert_rejected, config_from_str, run_with_timeline, simcloud, write_file};
use simcloud::model::{BatchSummary, Summary, simulate};

/// A run of one batch tier `b` (no `[traffic]`: its jobs are its own) with the given
/// `[tiers.b.compute]` keys and further tables.
fn batch(duration: &str, compute: &str, rest: &str) -> String {
    format!(
        r#"
name = "batch-test"
duration = "{duration}"
seed = 1
[tiers.b]
kind = "batch"
[tiers.b.compute]
{compute}
{rest}
"#
    )
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

fn jobs(s: &Summary) -> &BatchSummary {
    s.batch.as_ref().expect("a batch tier's summary")
}

/// The renewal argument for one job on spot (hazard `r` per hour, notice `n`,
/// checkpoint every `tau` of progress, `c` of restart time before each retried
/// attempt, an instance ready `d` after Batch decides to launch it), all in hours.
///
/// Waiting for a usable instance, S: a launch at 0 whose notice comes at X ~ Exp(r)
/// during the boot (X < d) leaves an instance that will take no job, and Batch launches
/// another at X (the noticed one no longer counts as capacity); otherwise the instance
/// takes the job at d. So E[S] = d·e^{-rd} + E[X; X < d] + (1 - e^{-rd})·E[S], with
/// E[X; X < d] = (1 - e^{-rd})/r - d·e^{-rd}: E[S] = (e^{rd} - 1)/r.
///
/// An attempt on a usable instance: its notice comes X' ~ Exp(r) after the attempt
/// starts (memoryless: it had not come by the boot's end), and the instance is
/// reclaimed, and the attempt cut off, at K = n + X'. P(K < t) = 1 - e^{-r(t-n)} for
/// t > n (else 0), and E[min(K, a)] = a for a <= n, else n + (1 - e^{-r(a-n)})/r. An
/// attempt with k segments of `tau` left and restart time c0 needs a = c0 + k·tau;
/// cut off at K in [c0 + j·tau, c0 + (j+1)·tau) it has saved j more segments (K < c0:
/// none), and the job waits S for a new instance and retries with restart time c.
/// With F(k) the expected time left at the start of a retry with k segments left:
///
///   F(k) = E[min(K, c + k·tau)] + P(K < c + k·tau)·E[S] + Σ_{j=0}^{k-1} p_j(k)·F(k - j)
///
/// where p_0 = P(K < c + tau) and p_j = P(c + j·tau <= K < c + (j+1)·tau); the j = 0
/// term holds F(k) itself, so F(k)·(1 - p_0) = the rest, solved for k = 1, 2, ... in
/// turn. The first attempt is the same with c0 = 0, after the first wait S:
/// E[T] = E[S] + G(m) for a job of m segments.
fn expected_completion_hours(r: f64, n: f64, tau: f64, c: f64, d: f64, m: usize) -> f64 {
    expected_completion_with_wait(r, n, tau, c, ((r * d).exp() - 1.0) / r, m)
}

/// The same with the expected wait for a usable instance (or task) given: `s`.
fn expected_completion_with_wait(r: f64, n: f64, tau: f64, c: f64, s: f64, m: usize) -> f64 {
    let below = |t: f64| {
        if t <= n {
            0.0
        } else {
            1.0 - (-r * (t - n)).exp()
        }
    };
    let min_k = |a: f64| {
        if a <= n {
            a
        } else {
            n + (1.0 - (-r * (a - n)).exp()) / r
        }
    };
    // The expected time left at the start of an attempt with `k` segments and restart
    // time `c0`, given F for fewer segments (and F(k) itself for j = 0, as `own`).
    let attempt = |k: usize, c0: f64, f: &[f64], own: Option<f64>| -> (f64, f64) {
        let a = c0 + k as f64 * tau;
        let mut rest = min_k(a) + below(a) * s;
        let p0 = below(c0 + tau);
        for j in 1..k {
            let p = below(c0 + (j + 1) as f64 * tau) - below(c0 + j as f64 * tau);
            rest += p * f[k - j];
        }
        match own {
            Some(fk) => (rest + p0 * fk, p0),
            None => (rest, p0),
        }
    };
    let mut f = vec![0.0; m + 1];
    for k in 1..=m {
        let (rest, p0) = attempt(k, c, &f, None);
        f[k] = rest / (1.0 - p0);
    }
    let (first, _) = attempt(m, 0.0, &f, Some(f[m]));
    s + first
}

/// The one job of the renewal tests: 2 h of work, a checkpoint every 15 min, 2 min to
/// restart, ten attempts.
const ONE_JOB_WITH_CHECKPOINTS: &str = r#"[tiers.b.jobs]
array_size = 1
vcpus = 2
memory_gb = 4
run_time = "2h"
checkpoint = "15m"
restart_cost = "2m"
attempts = 10
"#;

/// The mean completion time, in hours, of the one job of `text` over 1,500 seeds from
/// `seed` on, its standard error (the runs are independent: the sample standard
/// deviation over √n), and the attempts interrupted in all. Every job succeeds, and
/// every retry is an interruption's.
fn mean_completion_hours(text: &str, seed: u64) -> (f64, f64, u64) {
    let mut config = config_from_str(text);
    let runs = 1500;
    let mut hours = Vec::with_capacity(runs);
    let mut interrupted = 0;
    for r in 0..runs as u64 {
        config.seed = seed + r;
        let s = simulate(&config, &mut |_| {}).summary;
        let b = jobs(&s);
        assert_eq!(b.jobs_succeeded, 1, "seed {}: {b:?}", config.seed);
        assert_eq!(b.jobs_retried, b.attempts_interrupted);
        interrupted += b.attempts_interrupted;
        hours.push(b.makespan_s.expect("finished") / 3600.0);
    }
    let mean = hours.iter().sum::<f64>() / runs as f64;
    let var = hours.iter().map(|h| (h - mean).powi(2)).sum::<f64>() / (runs - 1) as f64;
    (mean, (var / runs as f64).sqrt(), interrupted)
}

/// One job of 2 h on spot, interrupted at 0.5 per hour (two-minute notice), a
/// checkpoint every 15 min and 2 min to restart, instances ready 2 min after the
/// launch: the mean completion time over 1,500 seeds matches the renewal argument
/// above within 4 standard errors (each run is independent; the sample standard
/// deviation gives the standard error). Ten attempts: more than nine interruptions
/// (Poisson with mean ≈ 1.2 over the job's ≈ 2.4 h) has probability below 1e-6.
#[test]
fn one_job_on_spot_takes_the_renewal_mean() {
    let text = batch(
        "48h",
        r#"type = "SPOT"
instance_types = ["m5.large"]
allocation_strategy = "SPOT_CAPACITY_OPTIMIZED"
launch_time = "2m"
[tiers.b.spot]
interruption = { per_hour = 0.5 }
notice = "2m"
"#,
        ONE_JOB_WITH_CHECKPOINTS,
    );
    let (mean, se, _) = mean_completion_hours(&text, 1000);
    let expected = expected_completion_hours(0.5, 2.0 / 60.0, 0.25, 2.0 / 60.0, 2.0 / 60.0, 8);
    assert!(
        (mean - expected).abs() <= 4.0 * se,
        "mean {mean:.4} h vs renewal {expected:.4} h (se {se:.4})"
    );
    // And the model is not trivially right: without interruptions a job takes 2 h 2 min.
    assert!(expected > 2.1, "{expected}");
}

/// With no interruptions the renewal mean is the boot plus the work.
#[test]
fn the_renewal_formula_without_interruptions_is_boot_plus_work() {
    let t = expected_completion_hours(1e-9, 2.0 / 60.0, 0.25, 0.1, 2.0 / 60.0, 8);
    assert!((t - (2.0 + 2.0 / 60.0)).abs() < 1e-6, "{t}");
}

/// Eight jobs of 2 vCPUs and 4 GB for 1 h on on-demand m5.xlarge (4 vCPUs, 16 GiB,
/// $0.192/h): two jobs per instance, so BEST_FIT launches four instances at once (the
/// array is submitted at 0). They take jobs at 2 min, the jobs end at 62 min, and the
/// instances are idle for the 10-minute timeout: each is billed 72 min = 4,320 s.
/// Bill: 4 × 4,320 s × $0.192/3,600 s = $0.9216, all on-demand; makespan 3,720 s;
/// $0.1152 per job.
#[test]
fn a_packed_array_is_billed_by_the_instance_second() {
    let s = run(&batch(
        "3h",
        r#"type = "EC2"
instance_types = ["m5.xlarge"]"#,
        r#"[tiers.b.jobs]
array_size = 8
vcpus = 2
memory_gb = 4
run_time = "1h"
"#,
    ));
    let b = jobs(&s);
    assert_eq!(b.jobs_succeeded, 8);
    assert_eq!(b.instances_launched, 4);
    assert_eq!(b.peak_vcpus, 16);
    assert_eq!(b.makespan_s, Some(3720.0));
    assert!((s.cost_usd.total - 0.9216).abs() < 1e-9, "{:?}", s.cost_usd);
    assert!((s.cost_usd.on_demand - 0.9216).abs() < 1e-9);
    assert_eq!(s.cost_usd.spot, 0.0);
    assert_eq!(b.cost_per_job_usd, Some(0.1152));
    assert!((s.instances.instance_hours - 4.8).abs() < 1e-9);
}

/// Two queues of four 2-vCPU jobs on one m5.xlarge (max_vcpus = 4, which BEST_FIT on
/// EC2 never exceeds): the queue of priority 10 runs first although written second.
/// Its jobs take 1 h, the other's 30 min: high first ends jobs at 62 and 122 min and
/// the low ones at 152 and 182 min; low first would have ended two jobs at 32 min.
#[test]
fn the_higher_priority_queue_starts_first() {
    let text = batch(
        "4h",
        r#"type = "EC2"
instance_types = ["m5.xlarge"]
max_vcpus = 4"#,
        r#"[[tiers.b.queue]]
name = "low"
priority = 1
[tiers.b.queue.jobs]
array_size = 4
vcpus = 2
memory_gb = 4
run_time = "30m"
[[tiers.b.queue]]
name = "high"
priority = 10
[tiers.b.queue.jobs]
array_size = 4
vcpus = 2
memory_gb = 4
run_time = "1h"
"#,
    );
    let (outcome, rows) = run_with_timeline(&config_from_str(&text));
    let done_by = |minute: f64| -> u64 {
        rows.iter()
            .filter(|r| r.end_s <= minute * 60.0)
            .map(|r| r.completions)
            .sum()
    };
    assert_eq!(done_by(61.0), 0);
    assert_eq!(done_by(63.0), 2);
    assert_eq!(done_by(123.0), 4);
    assert_eq!(done_by(153.0), 6);
    let b = jobs(&outcome.summary);
    assert_eq!(b.jobs_succeeded, 8);
    assert_eq!(b.makespan_s, Some(182.0 * 60.0));
    assert_eq!(b.peak_vcpus, 4);
    let last = rows.last().unwrap().jobs.as_ref().unwrap();
    assert_eq!((last.jobs_queued, last.jobs_running), (0, 0));
}

/// A job tier is judged on its jobs, not on a latency SLO: the terminal prints no
/// request, latency or SLO line, and report.html's verdict is its jobs'. Four 1-hour
/// jobs, two at a time on one m5.xlarge that takes them 2 minutes after the
/// submission: they end at 62 and 122 min, so a 90-minute deadline is met by two of
/// four (50.0 %) and the verdict is "missed"; without a deadline, "met".
#[test]
fn a_job_tier_is_judged_on_its_jobs() {
    let text = |deadline: &str| {
        batch(
            "3h",
            r#"type = "EC2"
instance_types = ["m5.xlarge"]
max_vcpus = 4"#,
            &format!(
                r#"[tiers.b.jobs]
array_size = 4
vcpus = 2
memory_gb = 4
run_time = "1h"
{deadline}
"#
            ),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    for (deadline, state, headline) in [
        (
            "deadline = \"90m\"",
            "missed",
            "Jobs not all succeeded in time: 4 of 4 succeeded, 0 failed, 0 unfinished at the end; makespan 2 h 02 min; 50.0 % met their deadline (2 missed).",
        ),
        (
            "",
            "met",
            "Jobs all succeeded: 4 of 4 succeeded, 0 failed, 0 unfinished at the end; makespan 2 h 02 min.",
        ),
    ] {
        let scenario = write_file(dir.path(), "jobs.toml", &text(deadline));
        let out = dir.path().join(state);
        let output = simcloud()
            .args(["run", scenario.to_str().unwrap(), "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("  jobs        4 submitted"), "{stdout}");
        for line in ["  requests ", "  latency ", "  SLO "] {
            assert!(!stdout.contains(line), "{line}: {stdout}");
        }
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains(&format!("data-slo=\"{state}\"")), "{state}");
        assert!(
            html.contains(&format!("<p class=\"headline\">{headline}</p>")),
            "{headline}"
        );
    }
}

/// Every attempt exits non-zero: with three attempts each of five jobs is retried
/// twice and then fails; with `retry_on = "interruption"` (AWS's Spot pattern) a
/// non-zero exit is not retried.
#[test]
fn jobs_fail_once_their_attempts_are_spent() {
    let text = |retry_on: &str| {
        batch(
            "3h",
            r#"instance_types = ["m5.large"]"#,
            &format!(
                r#"[tiers.b.jobs]
array_size = 5
run_time = "5m"
attempts = 3
failure_probability = 1.0
retry_on = "{retry_on}"
deadline = "2h"
"#
            ),
        )
    };
    let s = run(&text("any"));
    let b = jobs(&s);
    assert_eq!(
        (b.jobs_failed, b.jobs_retried, b.jobs_succeeded),
        (5, 10, 0)
    );
    assert_eq!(b.deadline_misses, 5);
    assert_eq!(b.deadline_met_percent, Some(0.0));
    assert_eq!(b.cost_per_job_usd, None);
    assert_eq!(s.requests.failed, 5);
    let s = run(&text("interruption"));
    let b = jobs(&s);
    assert_eq!((b.jobs_failed, b.jobs_retried), (5, 0));
}

/// Bad input names the file, the line and the key, with exit code 2.
#[test]
fn bad_batch_input_is_refused() {
    let head = |jobs: &str| {
        batch(
            "1h",
            r#"instance_types = ["m5.xlarge"]"#,
            &format!("[tiers.b.jobs]\nrun_time = \"10m\"\n{jobs}\n"),
        )
    };
    let e = assert_rejected(&head("vcpus = 8"), "tiers.b.jobs.vcpus = 8");
    assert!(e.contains("bad.toml:11:"), "{e}");
    assert!(e.contains("no instance type"), "{e}");
    assert_rejected(&head("memory_gb = 32"), "tiers.b.jobs.memory_gb = 32");
    let e = assert_rejected(
        &head("array_size = 10001"),
        "tiers.b.jobs.array_size = 10001",
    );
    assert!(e.contains("10000"), "{e}");
    assert_rejected(
        &head("array_size = 2\nattempts = 0"),
        "tiers.b.jobs.attempts = 0",
    );
    assert_rejected(
        &head("array_size = 2\nattempts = 11"),
        "tiers.b.jobs.attempts = 11",
    );
    assert_rejected(
        &batch(
            "1h",
            r#"allocation_strategy = "SPOT_CAPACITY_OPTIMIZED""#,
            "[tiers.b.jobs]\narray_size = 2\nrun_time = \"1m\"\n",
        ),
        "tiers.b.compute.allocation_strategy",
    );
    // Jobs of its own and [traffic] for none of its queues.
    assert_rejected(
        &format!(
            "[traffic]\nrate = 1\n{}",
            batch(
                "1h",
                "",
                "[tiers.b.jobs]\narray_size = 2\nrun_time = \"1m\"\n"
            )
        ),
        "traffic",
    );
}

/// The same seed gives the same summary, and the timeline of a batch tier ends with
/// its job columns.
#[test]
fn a_batch_run_is_deterministic() {
    let text = batch(
        "6h",
        r#"type = "SPOT"
instance_types = ["m5.large", "m5.xlarge", "c5.xlarge"]
allocation_strategy = "SPOT_PRICE_CAPACITY_OPTIMIZED"
max_vcpus = 32
[tiers.b.spot]
interruption = { per_hour = 0.3 }
"#,
        r#"[tiers.b.jobs]
array_size = 100
vcpus = 2
memory_gb = 4
run_time = { dist = "lognormal", mean = "20m", cv = 0.3 }
checkpoint = "5m"
attempts = 5
deadline_at = "5h"
"#,
    );
    let config = config_from_str(&text);
    let a = simulate(&config, &mut |_| {}).summary;
    let b = simulate(&config, &mut |_| {}).summary;
    assert_eq!(a, b);
    let j = jobs(&a);
    assert_eq!(j.jobs_submitted, 100);
    assert_eq!(
        j.jobs_succeeded + j.jobs_failed + j.queued_at_end + j.running_at_end,
        100
    );
    assert!(j.peak_vcpus <= 32 + 4, "{j:?}");
}

// ----- Fargate compute environments and several environments per queue -------------

/// Fargate's list prices (aws-facts.md 6.2), per vCPU-second and GB-second.
const FARGATE_VCPU_S: f64 = 0.04048 / 3600.0;
const FARGATE_GB_S: f64 = 0.004445 / 3600.0;

/// An array of `n` jobs of 2 vCPUs and 4 GB for `run`, in a run of two hours, on the
/// environments of `compute`.
fn array_of(compute: &str, n: u32, run: &str) -> String {
    batch(
        "2h",
        compute,
        &format!(
            r#"[tiers.b.jobs]
array_size = {n}
vcpus = 2
memory_gb = 4
run_time = "{run}"
"#
        ),
    )
}

/// A task's bill by hand: its seconds, at least 60 (aws-facts.md 6.2), times its vCPU
/// and GB at the list prices.
fn task_bill(n: u32, run_s: f64) -> f64 {
    f64::from(n) * run_s.max(60.0) * (2.0 * FARGATE_VCPU_S + 4.0 * FARGATE_GB_S)
}

/// Six 2-vCPU jobs on FARGATE with max_vcpus = 4 and tasks running 30 s after the
/// decision: two tasks at a time, each launched when one stops, so three waves of
/// (30 s + run) each: makespan = ⌈6/2⌉ × (30 s + run). Each task is billed from its
/// job's start for max(run, 60 s): a job of 90 s bills 90 s, one of 20 s bills the
/// minute. The summary rounds to 1e-6 USD, the tolerance.
#[test]
fn fargate_jobs_are_billed_by_the_task_second_with_the_minute_minimum() {
    for (time, run_s) in [("90s", 90.0), ("20s", 20.0)] {
        let s = run(&array_of(
            "type = \"FARGATE\"\nmax_vcpus = 4\nlaunch_time = \"30s\"",
            6,
            time,
        ));
        let b = jobs(&s);
        assert_eq!(b.jobs_succeeded, 6, "{b:?}");
        assert_eq!(b.instances_launched, 6, "one task per job");
        assert_eq!(
            b.peak_vcpus, 4,
            "at most two 2-vCPU tasks within max_vcpus = 4"
        );
        assert_eq!(b.makespan_s, Some(3.0 * (30.0 + run_s)));
        let bill = task_bill(6, run_s);
        assert!(
            (s.cost_usd.fargate - bill).abs() < 1e-6,
            "{time}: {:?} vs {bill}",
            s.cost_usd
        );
        assert!((s.cost_usd.total - bill).abs() < 1e-6);
        assert_eq!(
            (
                s.cost_usd.on_demand,
                s.cost_usd.fargate_spot,
                s.cost_usd.ecr
            ),
            (0.0, 0.0, 0.0)
        );
    }
}

/// FARGATE_SPOT without interruptions: the same tasks at the spot price, which over a
/// two-hour run keeps its starting value, 33 % of Fargate's (the 67 % discount of
/// aws-facts.md 15.2; the price moves every one to three days).
#[test]
fn fargate_spot_tasks_are_billed_at_the_spot_price() {
    let s = run(&format!(
        "{}\n[tiers.b.spot]\ninterruption = {{ per_hour = 0 }}\n",
        array_of("type = \"FARGATE_SPOT\"\nmax_vcpus = 16", 6, "90s")
    ));
    let bill = 0.33 * task_bill(6, 90.0);
    assert_eq!(jobs(&s).jobs_succeeded, 6);
    assert!(
        (s.cost_usd.fargate_spot - bill).abs() < 1e-6,
        "{:?} vs {bill}",
        s.cost_usd
    );
    assert_eq!(s.cost_usd.fargate, 0.0);
    assert_eq!(s.instances.launched_spot, 6);
}

/// One job of 2 h on FARGATE_SPOT, interrupted at 0.5 per hour (the two-minute
/// warning), a checkpoint every 15 min and 2 min to restart, each task running its job
/// 2 min after the decision: the renewal argument of `expected_completion_hours`, with
/// the wait for a task exactly the 2 minutes (a task's interruption runs from its
/// job's start, so none comes while it starts). The mean over 1,500 seeds is within 4
/// standard errors of it.
#[test]
fn one_job_on_fargate_spot_takes_the_renewal_mean() {
    let text = batch(
        "48h",
        "type = \"FARGATE_SPOT\"\nlaunch_time = \"2m\"\n[tiers.b.spot]\ninterruption = { per_hour = 0.5 }",
        ONE_JOB_WITH_CHECKPOINTS,
    );
    let (mean, se, interrupted) = mean_completion_hours(&text, 2000);
    let d = 2.0 / 60.0;
    let expected = expected_completion_with_wait(0.5, d, 0.25, d, d, 8);
    assert!(
        (mean - expected).abs() <= 4.0 * se,
        "mean {mean:.4} h vs renewal {expected:.4} h (se {se:.4})"
    );
    assert!(interrupted > 1000, "{interrupted}");
    assert!(expected > 2.1, "{expected}");
}

/// Two environments, `[compute]` (named "spot") first and "od" after it. Ten jobs of
/// 2 vCPUs and 4 GB for 1 h on m5.xlarge (two jobs each): the spot environment holds
/// at most 8 vCPUs, two instances, so four jobs; the on-demand one runs exactly the
/// other six, on three instances, each billed 2 min + 60 min + the 10-minute idle
/// timeout = 72 min at $0.192/h. Reversed, the on-demand environment (max 64 vCPUs)
/// takes all ten.
#[test]
fn a_queue_overflows_to_its_next_compute_environment() {
    let text = |order: &str| {
        batch(
            "3h",
            r#"name = "spot"
type = "SPOT"
instance_types = ["m5.xlarge"]
max_vcpus = 8
[[tiers.b.compute_environment]]
name = "od"
type = "EC2"
instance_types = ["m5.xlarge"]
max_vcpus = 64
[tiers.b.spot]
interruption = { per_hour = 0 }
"#,
            &format!(
                r#"[[tiers.b.queue]]
compute_environments = {order}
[tiers.b.queue.jobs]
array_size = 10
vcpus = 2
memory_gb = 4
run_time = "1h"
"#
            ),
        )
    };
    let s = run(&text(r#"["spot", "od"]"#));
    let b = jobs(&s);
    assert_eq!(b.jobs_succeeded, 10);
    let env = |i: usize| {
        let e = &b.environments[i];
        (
            e.name.as_str(),
            e.compute_type.as_str(),
            e.attempts_started,
            e.launched,
        )
    };
    assert_eq!(env(0), ("spot", "SPOT", 4, 2));
    assert_eq!(env(1), ("od", "EC2", 6, 3));
    assert_eq!(b.environments[0].peak_vcpus, 8);
    assert!(
        (s.cost_usd.on_demand - 3.0 * 72.0 / 60.0 * 0.192).abs() < 1e-6,
        "{:?}",
        s.cost_usd
    );
    assert!(s.cost_usd.spot > 0.0);
    assert_eq!(b.makespan_s, Some(3720.0));
    let s = run(&text(r#"["od", "spot"]"#));
    let b = jobs(&s);
    assert_eq!(
        (
            b.environments[0].attempts_started,
            b.environments[1].attempts_started
        ),
        (0, 10)
    );
    assert_eq!(s.cost_usd.spot, 0.0);
}

/// FARGATE_SPOT capped at 4 vCPUs, then FARGATE: of six 2-vCPU jobs of 90 s started
/// at once, two run on Fargate Spot and four on Fargate, each part billed by hand.
#[test]
fn fargate_spot_overflows_to_fargate() {
    let s = run(&array_of(
        r#"name = "spot"
type = "FARGATE_SPOT"
max_vcpus = 4
launch_time = "30s"
[[tiers.b.compute_environment]]
name = "fargate"
type = "FARGATE"
max_vcpus = 64
launch_time = "30s"
[tiers.b.spot]
interruption = { per_hour = 0 }
"#,
        6,
        "90s",
    ));
    let b = jobs(&s);
    assert_eq!(b.jobs_succeeded, 6);
    assert_eq!(
        (
            b.environments[0].attempts_started,
            b.environments[1].attempts_started
        ),
        (2, 4)
    );
    assert!(
        (s.cost_usd.fargate - task_bill(4, 90.0)).abs() < 1e-6,
        "{:?}",
        s.cost_usd
    );
    assert!((s.cost_usd.fargate_spot - 0.33 * task_bill(2, 90.0)).abs() < 1e-6);
    assert_eq!(b.makespan_s, Some(120.0));
}

/// Bad compute environments name the file, the line, the key and its value, with exit
/// code 2.
#[test]
fn bad_compute_environments_are_refused() {
    let fargate_jobs = |jobs: &str| {
        batch(
            "1h",
            "type = \"FARGATE\"",
            &format!("[tiers.b.jobs]\narray_size = 2\nrun_time = \"1m\"\n{jobs}\n"),
        )
    };
    let e = assert_rejected(
        &fargate_jobs("vcpus = 2\nmemory_gb = 3"),
        "tiers.b.jobs.memory_gb = 3",
    );
    assert!(e.contains("bad.toml:13:") && e.contains("Fargate"), "{e}");
    assert_rejected(
        &fargate_jobs("vcpus = 3\nmemory_gb = 8"),
        "tiers.b.jobs.vcpus = 3",
    );
    let e = assert_rejected(
        &fargate_jobs("vcpus = 16\nmemory_gb = 32")
            .replace("type = \"FARGATE\"", "type = \"FARGATE\"\nmax_vcpus = 8"),
        "tiers.b.jobs.vcpus = 16",
    );
    assert!(e.contains("max_vcpus"), "{e}");
    for key in [
        "allocation_strategy = \"BEST_FIT\"",
        "instance_types = [\"m5.large\"]",
        "min_vcpus = 2",
        "bid_percentage = 50",
        "idle_timeout = \"5m\"",
    ] {
        let text = batch(
            "1h",
            &format!("type = \"FARGATE\"\n{key}"),
            "[tiers.b.jobs]\narray_size = 2\nrun_time = \"1m\"\n",
        );
        let e = assert_rejected(&text, &format!("tiers.b.compute.{key}"));
        assert!(e.contains("bad.toml:9:"), "{e}");
    }
    let two = |second: &str, order: &str| {
        batch(
            "1h",
            &format!(
                "name = \"first\"\ntype = \"SPOT\"\ninstance_types = [\"m5.large\"]\n{second}"
            ),
            &format!(
                "[[tiers.b.queue]]\ncompute_environments = {order}\n[tiers.b.queue.jobs]\narray_size = 2\nrun_time = \"1m\"\n"
            ),
        )
    };
    let ec2 = "[[tiers.b.compute_environment]]\nname = \"od\"\ntype = \"EC2\"\ninstance_types = [\"m5.large\"]";
    let e = assert_rejected(
        &two(ec2, r#"["first", "nope"]"#),
        r#"tiers.b.queue[0].compute_environments = ["first", "nope"]"#,
    );
    assert!(e.contains("bad.toml:16:") && e.contains("\"nope\""), "{e}");
    let fargate_env = "[[tiers.b.compute_environment]]\nname = \"fg\"\ntype = \"FARGATE\"";
    let e = assert_rejected(
        &two(fargate_env, r#"["first", "fg"]"#),
        r#"tiers.b.queue[0].compute_environments = ["first", "fg"]"#,
    );
    assert!(e.contains("mixes"), "{e}");
    let four = format!(
        "{ec2}\n{}\n{}",
        ec2.replace("\"od\"", "\"od2\""),
        ec2.replace("\"od\"", "\"od3\"")
    );
    let e = assert_rejected(
        &two(&four, r#"["first", "od", "od2", "od3"]"#),
        r#"tiers.b.queue[0].compute_environments = ["first", "od", "od2", "od3"]"#,
    );
    assert!(e.contains("at most 3"), "{e}");
    // The one-queue form uses every environment, so at most three of them.
    let e = assert_rejected(
        &batch(
            "1h",
            &format!("type = \"EC2\"\n{four}"),
            "[tiers.b.jobs]\narray_size = 2\nrun_time = \"1m\"\n",
        ),
        "tiers.b.jobs",
    );
    assert!(e.contains("at most 3"), "{e}");
    assert_rejected(
        &two(
            "[[tiers.b.compute_environment]]\ntype = \"EC2\"",
            r#"["first"]"#,
        ),
        "tiers.b.compute_environment[0]",
    );
    let e = assert_rejected(
        &two(&ec2.replace("\"od\"", "\"first\""), r#"["first"]"#),
        "tiers.b.compute_environment[0].name = \"first\"",
    );
    assert!(e.contains("bad.toml:12:"), "{e}");
}
