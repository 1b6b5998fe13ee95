//! Analytic validation: the simulator against queueing theory (issue 6).
//!
//! Every case builds a scenario from TOML text with a fixed fleet (`min = max`, no
//! scaling policy), an unlimited queue (except for the blocking cases) and a 4000 s
//! timeout, so that no request is lost and the textbook model applies exactly. Each case
//! derives the theoretical value in a comment, runs `R` independent replicates (a fixed
//! block of seeds per case, never one lucky seed), and compares the mean of the replicate estimates
//! with theory.
//!
//! Tolerances. Each relative tolerance is fixed in the code: about five standard errors
//! of the estimate (never fewer than 3.5), rounded up to the next 0.5 %, where the standard error is measured
//! from the spread of the R = 16 replicate estimates (sd / sqrt(R); replicates are
//! independent, so this is a batch-means estimate that accounts for the strong
//! autocorrelation of waiting times within a run). With 15 degrees of freedom a
//! correct model exceeds 5 SE with probability about 2e-4 per check. A tolerance
//! tighter than 3 standard errors would pass or fail by luck, so the suite also asserts
//! `tolerance >= 3 * SE` for every check. Tolerances stay small enough that a 5 % error
//! in service times moves most checks far outside them (shown in the README of
//! `results/studies/validation/`).
//!
//! Warm-up. Runs start empty at t = 0. The relaxation time of these queues is well
//! under a few seconds (for M/M/1 at rho = 0.7 and mu = 100/s it is about
//! 1 / (mu (1 - sqrt(rho))^2) = 0.4 s), so the empty-start bias over a run of an hour
//! or more is below 1e-3 relative, an order of magnitude under every tolerance; the
//! whole run is therefore used and no warm-up is discarded.
//!
//! The table. `SIMCLOUD_WRITE_VALIDATION=1 cargo test --release --test it validation`
//! writes `results/studies/validation/table.md` and `table.csv` from the very checks asserted
//! here (one code path). Without the variable nothing is written.

use crate::common::{config_from_str, root, run_with_timeline};
use rayon::prelude::*;
use simcloud::model::traffic::RateFunction;
use simcloud::model::{Config, Summary, TimelineRow, simulate};
use std::fmt::Write as _;

/// Replicates per case: seeds 1..=R.
const R: u64 = 16;

// ----- checks and the table ------------------------------------------------------------

/// One comparison of a simulated figure with theory.
#[derive(Clone, Debug)]
struct Check {
    case: &'static str,
    quantity: &'static str,
    theory: Theory,
    simulated: f64,
    /// Standard error of `simulated` (over replicates or from a counting formula).
    se: f64,
    /// Allowed relative error for `Theory::Value`.
    tolerance: f64,
}

#[derive(Clone, Copy, Debug)]
enum Theory {
    /// A value the simulation must match within the relative tolerance.
    Value(f64),
    /// A range the simulation must lie inside, by four standard errors.
    Between(f64, f64),
    /// The case could not be evaluated: its scenario broke a precondition (it did not
    /// scale, lost requests, ...) or the model panicked. Always a failure.
    Aborted,
}

impl Check {
    fn relative_error(&self) -> Option<f64> {
        match self.theory {
            Theory::Value(t) => Some((self.simulated - t) / t),
            Theory::Between(..) | Theory::Aborted => None,
        }
    }

    /// Why the check fails, or `None` when it passes.
    fn failure(&self) -> Option<String> {
        let se_rel = self.se / self.simulated.abs();
        match self.theory {
            Theory::Aborted => return Some(format!("case aborted: {}", self.quantity)),
            Theory::Value(_) => {
                let err = self.relative_error().unwrap();
                if !(err.abs() <= self.tolerance) {
                    return Some(format!(
                        "relative error {:+.2} % exceeds the tolerance {:.2} %",
                        100.0 * err,
                        100.0 * self.tolerance
                    ));
                }
                if self.tolerance < 3.0 * se_rel {
                    return Some(format!(
                        "tolerance {:.2} % is under 3 standard errors ({:.2} %): not justified",
                        100.0 * self.tolerance,
                        100.0 * se_rel
                    ));
                }
            }
            Theory::Between(lo, hi) => {
                // Strictly inside, by 4 standard errors on each side.
                let margin = 4.0 * self.se;
                if !(self.simulated - margin > lo && self.simulated + margin < hi) {
                    return Some(format!(
                        "{:.4} ± {:.4} (4 SE) is not inside [{lo:.4}, {hi:.4}]",
                        self.simulated, margin
                    ));
                }
            }
        }
        None
    }

    fn theory_text(&self) -> String {
        match self.theory {
            Theory::Value(t) => format!("{t:.4}"),
            Theory::Between(lo, hi) => format!("{lo:.4} .. {hi:.4}"),
            Theory::Aborted => "—".into(),
        }
    }

    fn tolerance_text(&self) -> String {
        match self.theory {
            Theory::Value(_) => format!("{:.2} %", 100.0 * self.tolerance),
            Theory::Between(..) => "inside by 4 SE".into(),
            Theory::Aborted => "—".into(),
        }
    }
}

/// The Markdown table: case, quantity, theory, simulated, relative error, tolerance,
/// standard error, verdict.
fn table_markdown(checks: &[Check]) -> String {
    let mut out = String::from(
        "| case | quantity | theory | simulated | relative error | tolerance | SE (relative) | result |\n\
         |---|---|---:|---:|---:|---:|---:|---|\n",
    );
    for c in checks {
        let err = c
            .relative_error()
            .map_or("—".into(), |e| format!("{:+.2} %", 100.0 * e));
        writeln!(
            out,
            "| {} | {} | {} | {:.4} | {} | {} | {:.2} % | {} |",
            c.case,
            c.quantity,
            c.theory_text(),
            c.simulated,
            err,
            c.tolerance_text(),
            100.0 * c.se / c.simulated.abs(),
            if c.failure().is_none() {
                "pass"
            } else {
                "FAIL"
            }
        )
        .unwrap();
    }
    out
}

fn table_csv(checks: &[Check]) -> String {
    let mut out = String::from(
        "case,quantity,theory_low,theory_high,simulated,relative_error,tolerance,se_relative,pass\n",
    );
    for c in checks {
        let (lo, hi) = match c.theory {
            Theory::Value(t) => (t, t),
            Theory::Between(lo, hi) => (lo, hi),
            Theory::Aborted => (f64::NAN, f64::NAN),
        };
        writeln!(
            out,
            "\"{}\",\"{}\",{lo:.6},{hi:.6},{:.6},{},{},{:.6},{}",
            c.case,
            c.quantity,
            c.simulated,
            c.relative_error()
                .map_or(String::new(), |e| format!("{e:.6}")),
            match c.theory {
                Theory::Value(_) => format!("{:.6}", c.tolerance),
                Theory::Between(..) | Theory::Aborted => String::new(),
            },
            c.se / c.simulated.abs(),
            c.failure().is_none()
        )
        .unwrap();
    }
    out
}

// ----- queueing formulas ---------------------------------------------------------------

/// Erlang C: the probability that an arrival waits in M/M/c with offered load
/// `a = lambda / mu` (< c). Computed from the Erlang B recursion
/// B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), then C = c B / (c - a (1 - B)),
/// which avoids factorials.
pub(crate) fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    f64::from(c) * b / (f64::from(c) - a * (1.0 - b))
}

/// M/M/c (c servers, arrival rate `lambda`, service rate `mu`, FCFS): P(R > t), the
/// response time's survival. The wait is 0 with probability 1 − C (Erlang C) and
/// otherwise exponential with rate θ = c mu − lambda, independent of the service
/// S ~ Exp(mu); so P(R > t) = (1 − C) e^{−mu t} + C (mu e^{−θ t} − θ e^{−mu t}) / (mu − θ)
/// (the survival of the sum of two exponentials; θ ≠ mu).
pub(crate) fn mmc_response_survival(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    let erlang = erlang_c(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    (1.0 - erlang) * (-mu * t).exp()
        + erlang * (mu * (-theta * t).exp() - theta * (-mu * t).exp()) / (mu - theta)
}

fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// M/M/c/K (K = c + queue places): the stationary probability that the system is
/// full, which by PASTA is the fraction of arrivals rejected.
/// p_n is proportional to a^n / n! for n <= c and to a^n / (c! c^(n-c)) for n > c.
fn mmck_blocking(c: u32, k: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^n / n! (n <= c) or a^n / (c! c^(n-c)) (n > c)
    let mut sum = 1.0;
    for n in 1..=k {
        term *= a / f64::from(n.min(c));
        sum += term;
    }
    term / sum
}

/// The q-quantile of a continuous distribution given its survival function, by
/// bisection on [0, hi] (the survival function is decreasing).
fn quantile_from_survival(survival: impl Fn(f64) -> f64, q: f64, hi: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, hi);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if survival(mid) > 1.0 - q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// GI/M/1: sigma is the root in (0, 1) of sigma = A*(mu (1 - sigma)), where A* is the
/// Laplace–Stieltjes transform of the interarrival time. For Erlang-k interarrivals with
/// phase rate `phase_rate`, A*(s) = (phase_rate / (phase_rate + s))^k. The map is a
/// contraction near the root when rho < 1, so fixed-point iteration from 0 converges
/// monotonically (it is the standard way to compute sigma).
fn gi_m_1_sigma_erlang(k: u32, phase_rate: f64, mu: f64) -> f64 {
    let mut sigma = 0.0;
    for _ in 0..10_000 {
        let next = (phase_rate / (phase_rate + mu * (1.0 - sigma))).powi(k as i32);
        if (next - sigma).abs() < 1e-15 {
            return next;
        }
        sigma = next;
    }
    sigma
}

// ----- running replicates ----------------------------------------------------------------

/// A fixed fleet of `instances` identical instances for `duration`, Poisson arrivals
/// at `rate`, and the given service time, workers, queue limit and routing.
fn fixed_fleet(
    duration: &str,
    rate: f64,
    service: &str,
    workers: u32,
    queue_limit: &str,
    algorithm: &str,
    instances: u32,
) -> String {
    format!(
        r#"
        name = "validation"
        duration = "{duration}"
        [traffic]
        rate = {rate}
        [service]
        time = {service}
        workers = {workers}
        queue_limit = {queue_limit}
        timeout = "4000s"
        [load_balancer]
        algorithm = "{algorithm}"
        [autoscaling]
        min = {instances}
        max = {instances}
        "#
    )
}

fn seeds(block: u64) -> std::ops::RangeInclusive<u64> {
    block * 1000 + 1..=block * 1000 + R
}

fn with_seed(text: &str, seed: u64) -> Config {
    let mut config = config_from_str(text);
    config.seed = seed;
    config
}

/// The summaries of seeds `block * 1000 + 1 ..= block * 1000 + R`, in seed order
/// (rayon keeps the input order). Each case has its own block of seeds: with common
/// random numbers, two cases run on the same seeds would draw the same arrival pattern
/// (scaled by their rates), and their errors would be correlated instead of
/// independent evidence.
fn replicates(text: &str, block: u64) -> Vec<Summary> {
    seeds(block)
        .into_par_iter()
        .map(|seed| simulate(&with_seed(text, seed), &mut |_| {}).summary)
        .collect()
}

/// Mean and standard error (sd / sqrt(n)) of replicate estimates.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn check(
    case: &'static str,
    quantity: &'static str,
    theory: f64,
    runs: &[Summary],
    statistic: fn(&Summary) -> f64,
    tolerance: f64,
) -> Check {
    let values: Vec<f64> = runs.iter().map(statistic).collect();
    let (simulated, se) = mean_se(&values);
    Check {
        case,
        quantity,
        theory: Theory::Value(theory),
        simulated,
        se,
        tolerance,
    }
}

fn assert_nothing_lost(runs: &[Summary]) {
    for s in runs {
        let r = &s.requests;
        assert_eq!(r.timed_out + r.interrupted, 0, "{r:?}");
    }
}

// ----- the cases ---------------------------------------------------------------------------

/// M/M/1: lambda = 70/s, mu = 100/s (exponential service, mean 10 ms), rho = 0.7.
/// The response time is exponential with rate mu - lambda = 30/s:
/// mean 1/30 s = 33.333 ms; p50 = ln 2 / 30 = 23.105 ms; p90 = ln 10 / 30 = 76.753 ms;
/// p99 = ln 100 / 30 = 153.506 ms. Mean wait = rho / (mu - lambda) = 23.333 ms.
/// Utilisation = lambda / mu = 70 %.
/// Sample size: 16 runs of 1 h, 252 000 requests each.
fn mm1() -> Vec<Check> {
    let text = fixed_fleet(
        "1h",
        70.0,
        r#"{ dist = "exponential", mean = "10ms" }"#,
        1,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let runs = replicates(&text, 1);
    assert_nothing_lost(&runs);
    let c = "M/M/1 (rho 0.7)";
    vec![
        check(
            c,
            "mean response [ms]",
            1e3 / 30.0,
            &runs,
            |s| s.latency_ms.mean,
            0.010,
        ),
        check(
            c,
            "p50 response [ms]",
            1e3 * 2f64.ln() / 30.0,
            &runs,
            |s| s.latency_ms.p50,
            0.010,
        ),
        check(
            c,
            "p90 response [ms]",
            1e3 * 10f64.ln() / 30.0,
            &runs,
            |s| s.latency_ms.p90,
            0.015,
        ),
        check(
            c,
            "p99 response [ms]",
            1e3 * 100f64.ln() / 30.0,
            &runs,
            |s| s.latency_ms.p99,
            0.040,
        ),
        check(
            c,
            "mean wait [ms]",
            1e3 * 0.7 / 30.0,
            &runs,
            |s| s.queueing.mean_wait_ms,
            0.015,
        ),
        check(
            c,
            "utilisation [%]",
            70.0,
            &runs,
            |s| s.utilization.mean_cpu,
            0.005,
        ),
    ]
}

/// M/M/c: one instance with c = 4 workers, mu = 25/s each (mean 40 ms), lambda = 80/s:
/// a = lambda / mu = 3.2, rho = a / c = 0.8.
/// Erlang C gives P(W > 0) = C(4, 3.2) (computed below, about 0.596); the wait of
/// a request that waits is exponential with rate c mu - lambda = 20/s, so
/// P(W > t) = C e^{-20 t} and E[W] = C / 20 s.
/// The response is R = W + S with S ~ Exp(mu) independent of W, so
/// P(R > t) = (1 - C) e^{-mu t} + C (mu e^{-theta t} - theta e^{-mu t}) / (mu - theta),
/// theta = c mu - lambda (the survival of the sum of two exponentials); its p50, p90 and
/// p99 are found by bisection. The response percentiles thus test P(W > t) through
/// the whole distribution of the wait, not just its mean.
/// Utilisation = rho = 80 %. Sample size: 16 runs of 1 h, 288 000 requests each.
fn mmc() -> Vec<Check> {
    let (c, mu, lambda) = (4u32, 25.0, 80.0);
    let a = lambda / mu;
    let erlang = erlang_c(c, a);
    let theta = f64::from(c) * mu - lambda;
    let survival = |t: f64| mmc_response_survival(c, lambda, mu, t);
    let q = |p: f64| 1e3 * quantile_from_survival(survival, p, 10.0);
    let text = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "40ms" }"#,
        c,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let runs = replicates(&text, 2);
    assert_nothing_lost(&runs);
    let n = "M/M/4 (rho 0.8)";
    vec![
        check(
            n,
            "P(wait > 0) = Erlang C",
            erlang,
            &runs,
            |s| s.queueing.waited_fraction,
            0.010,
        ),
        check(
            n,
            "mean wait [ms]",
            1e3 * erlang / theta,
            &runs,
            |s| s.queueing.mean_wait_ms,
            0.030,
        ),
        check(
            n,
            "mean response [ms]",
            1e3 * (erlang / theta + 1.0 / mu),
            &runs,
            |s| s.latency_ms.mean,
            0.015,
        ),
        check(
            n,
            "p50 response [ms]",
            q(0.5),
            &runs,
            |s| s.latency_ms.p50,
            0.015,
        ),
        check(
            n,
            "p90 response [ms]",
            q(0.9),
            &runs,
            |s| s.latency_ms.p90,
            0.015,
        ),
        check(
            n,
            "p99 response [ms]",
            q(0.99),
            &runs,
            |s| s.latency_ms.p99,
            0.030,
        ),
        check(
            n,
            "utilisation [%]",
            100.0 * a / f64::from(c),
            &runs,
            |s| s.utilization.mean_cpu,
            0.005,
        ),
    ]
}

/// M/M/c/K: c = 2 workers, `queue_limit = 3` waiting places, so K = 5 requests at
/// most; mu = 50/s (20 ms), lambda = 120/s, a = 2.4. Unnormalised p_n:
/// 1, 2.4, 2.88, 3.456, 4.1472, 4.97664 (sum 18.85984), so P_5 = 0.26387: the share of
/// arrivals answered 503 (PASTA).
/// And the loss system M/M/3/3 (`queue_limit = 0`), a = 2: Erlang B =
/// (8/6) / (1 + 2 + 2 + 8/6) = 0.21053.
/// Sample size: 16 runs of 30 min, 216 000 and 180 000 arrivals each.
fn mmck() -> Vec<Check> {
    let blocking = |c: u32, q: u32, a: f64, rate: f64, mean: &str, block: u64| {
        let text = fixed_fleet(
            "30m",
            rate,
            &format!(r#"{{ dist = "exponential", mean = "{mean}" }}"#),
            c,
            &q.to_string(),
            "round_robin",
            1,
        );
        let runs = replicates(&text, block);
        (mmck_blocking(c, c + q, a), runs)
    };
    let rejected = |s: &Summary| s.requests.rejected as f64 / s.requests.arrived as f64;
    let (theory, runs) = blocking(2, 3, 2.4, 120.0, "20ms", 3);
    assert!((theory - 4.97664 / 18.85984).abs() < 1e-9);
    let (theory_b, runs_b) = blocking(3, 0, 2.0, 100.0, "20ms", 30);
    assert!((theory_b - erlang_b(3, 2.0)).abs() < 1e-12);
    vec![
        check(
            "M/M/2/5 (a 2.4)",
            "rejected fraction",
            theory,
            &runs,
            rejected,
            0.010,
        ),
        check(
            "M/M/3/3 (Erlang B, a 2)",
            "rejected fraction",
            theory_b,
            &runs_b,
            rejected,
            0.010,
        ),
    ]
}

/// Pollaczek–Khinchine: in M/G/1 the mean wait is
/// E[W] = lambda E[S^2] / (2 (1 - rho)) = rho E[S] (1 + cv^2) / (2 (1 - rho)).
/// M/D/1: S = 10 ms, lambda = 70/s, rho = 0.7, cv = 0: E[W] = 0.7 * 10 / 0.6 = 11.667 ms.
/// M/G/1 lognormal: mean 10 ms, cv = 1.5, lambda = 60/s, rho = 0.6:
/// E[W] = 0.6 * 10 * 3.25 / 0.8 = 24.375 ms. The lognormal's third moment,
/// m^3 (1 + cv^2)^3 = 34.3 m^3, makes this the noisiest case, hence its longer runs.
/// Sample sizes: M/D/1 16 runs of 1 h (252 000 requests each); M/G/1 16 runs of 4 h
/// (864 000 requests each).
fn mg1() -> Vec<Check> {
    let md1 = fixed_fleet(
        "1h",
        70.0,
        r#"{ dist = "constant", value = "10ms" }"#,
        1,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let mg1 = fixed_fleet(
        "4h",
        60.0,
        r#"{ dist = "lognormal", mean = "10ms", cv = 1.5 }"#,
        1,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let (md1_runs, mg1_runs) = rayon::join(|| replicates(&md1, 4), || replicates(&mg1, 40));
    assert_nothing_lost(&md1_runs);
    assert_nothing_lost(&mg1_runs);
    let pk =
        |rho: f64, mean_ms: f64, cv: f64| rho * mean_ms * (1.0 + cv * cv) / (2.0 * (1.0 - rho));
    vec![
        check(
            "M/D/1 (rho 0.7)",
            "mean wait [ms] (P-K)",
            pk(0.7, 10.0, 0.0),
            &md1_runs,
            |s| s.queueing.mean_wait_ms,
            0.015,
        ),
        check(
            "M/G/1 lognormal cv 1.5 (rho 0.6)",
            "mean wait [ms] (P-K)",
            pk(0.6, 10.0, 1.5),
            &mg1_runs,
            |s| s.queueing.mean_wait_ms,
            0.030,
        ),
    ]
}

/// Random routing splits a Poisson stream into independent Poisson streams, so each of
/// N = 4 instances (c = 2 workers, mu = 25/s) is an M/M/2 at lambda / N = 35/s:
/// a = 1.4, rho = 0.7. Erlang C(2, 1.4) = 2 * 1.4^2 / 2 / (2 - 1.4) / (1 + 1.4 + 1.4^2 /
/// 2 / (1 - 0.7)) = 3.2667 / 5.6667 = 0.57647; E[W] = C / (2 mu - lambda/N) = C / 15 s
/// = 38.43 ms. Every instance has the same law, so the fleet-wide mean wait and
/// waiting probability equal the per-instance ones.
/// Sample size: 16 runs of 1 h, 504 000 requests each.
fn random_routing() -> Vec<Check> {
    let (n, c, mu, lambda) = (4u32, 2u32, 25.0, 140.0);
    let per = lambda / f64::from(n);
    let erlang = erlang_c(c, per / mu);
    assert!((erlang - 3.2667 / 5.6667).abs() < 1e-4);
    let text = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "40ms" }"#,
        c,
        r#""unlimited""#,
        "random",
        n,
    );
    let runs = replicates(&text, 5);
    assert_nothing_lost(&runs);
    let name = "random, 4 × M/M/2 at lambda/4";
    vec![
        check(
            name,
            "P(wait > 0) = Erlang C",
            erlang,
            &runs,
            |s| s.queueing.waited_fraction,
            0.005,
        ),
        check(
            name,
            "mean wait [ms]",
            1e3 * erlang / (f64::from(c) * mu - per),
            &runs,
            |s| s.queueing.mean_wait_ms,
            0.015,
        ),
    ]
}

/// Round robin over N = 4 single-worker instances: each receives every 4th arrival of a
/// Poisson stream at lambda = 280/s, so its interarrival times are Erlang-4 with phase
/// rate 280/s (mean 1/70 s), and it is an E_4/M/1 queue with mu = 100/s, rho = 0.7.
/// GI/M/1 theory: sigma solves sigma = (280 / (280 + 100 (1 - sigma)))^4; an arrival
/// waits with probability sigma, and E[W] = sigma / (mu (1 - sigma)).
/// (For comparison, Poisson arrivals would give sigma = rho = 0.7; the regular
/// Erlang arrivals give a smaller sigma, about 0.49.)
/// Sample size: 16 runs of 1 h, 1 008 000 requests each.
fn round_robin() -> Vec<Check> {
    let (n, mu, lambda) = (4u32, 100.0, 280.0);
    let sigma = gi_m_1_sigma_erlang(n, lambda, mu);
    assert!(sigma > 0.0 && sigma < 0.7, "sigma {sigma}");
    let text = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "10ms" }"#,
        1,
        r#""unlimited""#,
        "round_robin",
        n,
    );
    let runs = replicates(&text, 6);
    assert_nothing_lost(&runs);
    let name = "round robin, 4 × E4/M/1";
    vec![
        check(
            name,
            "P(wait > 0) = sigma",
            sigma,
            &runs,
            |s| s.queueing.waited_fraction,
            0.005,
        ),
        check(
            name,
            "mean wait [ms]",
            1e3 * sigma / (mu * (1.0 - sigma)),
            &runs,
            |s| s.queueing.mean_wait_ms,
            0.015,
        ),
    ]
}

/// Least outstanding requests over N = 4 single-worker instances, lambda = 280/s,
/// mu = 100/s. Joining the shortest queue cannot beat one central queue feeding all
/// 4 servers (M/M/4, a = 2.8: E[W] = C(4, 2.8) / (400 - 280) s), and it does better than
/// random routing (4 independent M/M/1 at 70/s: E[W] = rho / (mu - lambda/N) =
/// 0.7 / 30 s = 23.33 ms). The simulated mean wait must lie strictly inside, by four
/// standard errors on each side.
/// Sample size: 16 runs of 1 h, 1 008 000 requests each.
fn least_outstanding() -> Vec<Check> {
    let (n, mu, lambda) = (4u32, 100.0, 280.0);
    let lower = 1e3 * erlang_c(n, lambda / mu) / (f64::from(n) * mu - lambda);
    let upper = 1e3 * 0.7 / 30.0;
    let text = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "10ms" }"#,
        1,
        r#""unlimited""#,
        "least_outstanding_requests",
        n,
    );
    let runs = replicates(&text, 7);
    assert_nothing_lost(&runs);
    let waits: Vec<f64> = runs.iter().map(|s| s.queueing.mean_wait_ms).collect();
    let (simulated, se) = mean_se(&waits);
    vec![Check {
        case: "least outstanding, 4 × 1 worker",
        quantity: "mean wait [ms] in [M/M/4, 4 × M/M/1]",
        theory: Theory::Between(lower, upper),
        simulated,
        se,
        tolerance: 0.0,
    }]
}

/// Little's law, L = X W, on a scaling scenario: traffic rises from 20/s to 140/s and
/// back, served by a target-tracking group of 2..10 instances (4 workers, 40 ms
/// exponential service; 140/s needs 5.6 busy workers, so the group scales out to keep
/// CPU near 50 %). L is the time-average number of requests on the instances
/// (`queueing.mean_in_system`), X the throughput completed / duration, W the mean
/// response time. On every sample path L T = sum over requests of their time in the
/// system within [0, T], so L and X W differ only by the requests still in flight at
/// the end (their partial time counts in L, not in X W): at most a few requests of
/// under a second each over T = 2 h, below 1e-4 relative. The 0.5 % tolerance covers
/// that boundary term and output rounding; it is not a sampling tolerance, so the SE
/// reported is that of the per-run difference L - X W, not of L.
/// Sample size: 16 runs of 2 h.
fn littles_law() -> Vec<Check> {
    let text = r#"
        name = "little"
        duration = "2h"
        [traffic]
        rate = 20
        [[traffic.spike]]
        start = "30m"
        ramp = "5m"
        hold = "20m"
        peak = 120
        [service]
        time = { dist = "exponential", mean = "40ms" }
        workers = 4
        queue_limit = "unlimited"
        timeout = "4000s"
        [load_balancer]
        deregistration_delay = "60s"
        [autoscaling]
        monitoring = "detailed"
        min = 2
        max = 10
        instance_warmup = "60s"
        [[autoscaling.policy]]
        kind = "target_tracking"
        target = 50
        "#;
    let runs = replicates(text, 8);
    assert_nothing_lost(&runs);
    // The scenario must actually scale out and in, or it is not the case the issue
    // asks for.
    assert!(
        runs.iter()
            .all(|s| s.instances.peak_in_service >= 3 && s.instances.terminated >= 1),
        "the Little's law scenario did not scale"
    );
    let x_w =
        |s: &Summary| s.requests.completed as f64 / s.simulated_seconds * s.latency_ms.mean / 1e3;
    let l: Vec<f64> = runs.iter().map(|s| s.queueing.mean_in_system).collect();
    let xw: Vec<f64> = runs.iter().map(x_w).collect();
    let diff: Vec<f64> = l.iter().zip(&xw).map(|(a, b)| a - b).collect();
    vec![Check {
        case: "Little's law, scaling 2..10",
        quantity: "time-average in system L vs X W",
        theory: Theory::Value(mean_se(&xw).0),
        simulated: mean_se(&l).0,
        se: mean_se(&diff).1,
        tolerance: 0.005,
    }]
}

/// Non-homogeneous Poisson arrivals: a 2 h cosine between 5/s and 60/s plus a spike of
/// +150/s, over 4 h, with 10 s timeline rows. The count in row i is Poisson with mean
/// m_i = the integral of the rate over the row (`RateFunction::integral`), and rows are
/// independent. Two checks over all K = 16 * 1440 rows:
/// - mean: sum(counts) against sum(m_i); the total is Poisson, so its relative SE is
///   1 / sqrt(sum m_i), and the tolerance is 4 of those;
/// - dispersion: D = (1/K) sum (n_i - m_i)^2 / m_i has mean 1 and standard deviation
///   about sqrt(2 / K) (each term is a squared standardised Poisson count, variance
///   2 + 1/m_i), so the tolerance is 4 sqrt(2/K + mean(1/m_i)/K).
///   A process with the right mean but wrong variance (batches, a too-smooth rate) fails.
fn nonhomogeneous_arrivals() -> Vec<Check> {
    let text = r#"
        name = "nhpp"
        duration = "4h"
        [traffic]
        rate = 0
        [traffic.diurnal]
        low = 5
        high = 60
        period = "2h"
        peak_at = "30m"
        [[traffic.spike]]
        start = "130m"
        ramp = "7m"
        hold = "13m"
        peak = 150
        [service]
        time = { dist = "constant", value = "1ms" }
        workers = 8
        queue_limit = "unlimited"
        timeout = "4000s"
        [autoscaling]
        min = 2
        max = 2
        [report]
        interval = "10s"
        "#;
    let config = config_from_str(text);
    let rate = RateFunction::new(&config.traffic);
    let rows: Vec<Vec<TimelineRow>> = seeds(9)
        .into_par_iter()
        .map(|seed| run_with_timeline(&with_seed(text, seed)).1)
        .collect();
    let (mut count, mut expected, mut dispersion, mut inverse_m, mut k) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for row in rows.iter().flatten() {
        let m = rate.integral(
            (row.start_s * 1e9).round() as u64,
            (row.end_s * 1e9).round() as u64,
        );
        let n = row.arrivals as f64;
        count += n;
        expected += m;
        dispersion += (n - m).powi(2) / m;
        inverse_m += 1.0 / m;
        k += 1.0;
    }
    assert_eq!(k as u64, R * 1440);
    let dispersion = dispersion / k;
    let dispersion_sd = (2.0 / k + inverse_m / k / k).sqrt();
    let mean_se = expected.sqrt();
    vec![
        Check {
            case: "non-homogeneous Poisson arrivals",
            quantity: "arrivals vs integral of the rate",
            theory: Theory::Value(expected),
            simulated: count,
            se: mean_se,
            tolerance: 4.0 * mean_se / expected,
        },
        Check {
            case: "non-homogeneous Poisson arrivals",
            quantity: "dispersion index of 10 s counts",
            theory: Theory::Value(1.0),
            simulated: dispersion,
            se: dispersion_sd,
            tolerance: 4.0 * dispersion_sd,
        },
    ]
}

/// Two tiers, an open queueing network: the front tier `web` (one instance, c1 = 64
/// workers, exponential service S1 of mean 20 ms) makes 2 calls, one after the other,
/// to the back tier `api` (one instance, c2 = 8 workers, exponential service of mean
/// 40 ms, mu2 = 25/s) while it holds its worker. lambda = 60/s, so the back tier sees
/// lambda2 = 120 calls/s, a2 = 4.8, rho2 = 0.6.
/// The front's 64 workers are never all held (its occupancy is lambda E[H] with H =
/// S1 + 2 T2, about 6.4 erlangs; Erlang C(64, 6.4) < 1e-30, asserted below), so the
/// front is an infinite-server station for the compute phase, and the back tier is a
/// FCFS M/M/8 station with class-independent exponential service visited twice per
/// request: a BCMP network, product form, whose per-visit mean sojourn at the back
/// tier is the M/M/c value at the total rate lambda2 (Little). Hence
/// E[T] = E[S1] + 2 (C(8, 4.8) / (c2 mu2 - lambda2) + 1 / mu2)
/// end to end, the back tier's own mean response and P(wait) are the M/M/8 values, and
/// the front's CPU is lambda E[S1] / c1 = 1.875 % (a worker waiting on a call uses no
/// CPU; counting it would give about 10 %). Sample size: 16 runs of 1 h, 216 000
/// requests and 432 000 calls each.
fn two_tiers() -> Vec<Check> {
    let (lambda, s1, c1) = (60.0, 0.020, 64u32);
    let (mu2, c2, visits) = (25.0, 8u32, 2u32);
    let lambda2 = lambda * f64::from(visits);
    let a2 = lambda2 / mu2;
    let erlang2 = erlang_c(c2, a2);
    let t2 = erlang2 / (f64::from(c2) * mu2 - lambda2) + 1.0 / mu2;
    let held = lambda * (s1 + f64::from(visits) * t2);
    assert!(erlang_c(c1, held) < 1e-30, "the front tier would queue");
    let front = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "20ms" }"#,
        c1,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let back = fixed_fleet(
        "1h",
        lambda,
        r#"{ dist = "exponential", mean = "40ms" }"#,
        c2,
        r#""unlimited""#,
        "round_robin",
        1,
    );
    let runs: Vec<Summary> = seeds(10)
        .into_par_iter()
        .map(|seed| {
            let mut config = with_seed(&front, seed);
            let mut api = config_from_str(&back).tiers.remove(0);
            api.name = "api".into();
            config.tiers[0].calls = vec![simcloud::model::Call {
                tier: 1,
                count: visits,
                request_bytes: 0,
                response_bytes: 0,
            }];
            config.tiers.push(api);
            simulate(&config, &mut |_| {}).summary
        })
        .collect();
    assert_nothing_lost(&runs);
    // Every answered request made exactly its two calls; one still in flight at the
    // end has made 0, 1 or 2.
    for s in &runs {
        let (web, api) = (&s.requests, &s.tiers[1].requests);
        let calls = u64::from(visits);
        assert!(
            api.arrived >= calls * web.completed
                && api.arrived <= calls * (web.completed + web.in_flight),
            "{web:?} {api:?}"
        );
    }
    let n = "two tiers, M/M/8 back tier visited twice";
    vec![
        check(
            n,
            "end-to-end mean response [ms]",
            1e3 * (s1 + f64::from(visits) * t2),
            &runs,
            |s| s.latency_ms.mean,
            0.005,
        ),
        check(
            n,
            "back tier mean response [ms]",
            1e3 * t2,
            &runs,
            |s| s.tiers[1].latency_ms.mean,
            0.005,
        ),
        check(
            n,
            "back tier P(wait > 0) = Erlang C",
            erlang2,
            &runs,
            |s| s.tiers[1].queueing.waited_fraction,
            0.020,
        ),
        check(
            n,
            "back tier utilisation [%]",
            100.0 * a2 / f64::from(c2),
            &runs,
            |s| s.tiers[1].utilization.mean_cpu,
            0.005,
        ),
        check(
            n,
            "front tier CPU [%]",
            100.0 * lambda * s1 / f64::from(c1),
            &runs,
            |s| s.utilization.mean_cpu,
            0.005,
        ),
    ]
}

/// A web tier with ample workers calling an RDS tier once per request (issue 13). The
/// web tier's own time is exponential, 20 ms, and it never queues (200 workers, at
/// most λ × (20 ms + the call) ≈ 5 busy). At the database the calls form an M/M/c
/// queue, in two ways:
/// - the pool: one web instance with `pool_size` c = 4 and a class of 4 vCPUs
///   (db.m5.xlarge): at most 4 calls hold a connection, each query runs at once on a
///   vCPU, and the others wait for a connection first come first served;
/// - the vCPUs: a pool of 20 and a class of 2 vCPUs (db.m5.large): the queries queue
///   for the vCPUs (a call waiting for a connection, rare at ρ = 0.8, only delays its
///   turn in the same first-come order, so the sojourn is still M/M/2's).
///
/// One exponential query of 40 ms per call (μ = 25/s). Pool: λ = 80/s, a = 3.2,
/// ρ = 0.8; vCPUs: λ = 40/s, a = 1.6, ρ = 0.8. The sojourn at the database is
/// T = C(c, a) / (cμ − λ) + 1/μ, and the clients' mean response 20 ms + T.
fn rds_pool_and_vcpus() -> Vec<Check> {
    let text = |rate: f64, class: &str, pool: u32| {
        format!(
            r#"
duration = "1h"
[traffic]
rate = {rate}
[tiers.web]
kind = "ec2"
[tiers.web.service]
time = {{ dist = "exponential", mean = "20ms" }}
workers = 200
queue_limit = "unlimited"
timeout = "4000s"
[tiers.web.autoscaling]
min = 1
max = 1
[[tiers.web.calls]]
tier = "db"
[tiers.db]
kind = "rds"
[tiers.db.rds]
class = "{class}"
pool_size = {pool}
query_time = {{ dist = "exponential", mean = "40ms" }}
"#
        )
    };
    let mu = 25.0;
    // Tolerances (end to end, sojourn, utilisation): about 5 measured SEs, rounded up
    // to 0.5 % (SEs 0.24, 0.30, 0.06 % with the pool; 0.49, 0.57, 0.10 % with the
    // vCPUs, whose M/M/2 waits are longer and more correlated).
    let cases = [
        (
            "RDS pool of 4 (M/M/4, ρ 0.8)",
            80.0,
            "db.m5.xlarge",
            4,
            4u32,
            42,
            [0.015, 0.015, 0.005],
        ),
        (
            "RDS 2 vCPUs (M/M/2, ρ 0.8)",
            40.0,
            "db.m5.large",
            20,
            2,
            43,
            [0.025, 0.030, 0.005],
        ),
    ];
    let mut checks = Vec::new();
    for (case, lambda, class, pool, c, block, tolerance) in cases {
        let a = lambda / mu;
        let erlang = erlang_c(c, a);
        let sojourn = erlang / (f64::from(c) * mu - lambda) + 1.0 / mu;
        let runs = replicates(&text(lambda, class, pool), block);
        assert_nothing_lost(&runs);
        for s in &runs {
            let rds = s.tiers[1].rds.as_ref().expect("an rds tier");
            assert_eq!(rds.refused_connections, 0);
            assert!(rds.peak_connections_open <= pool);
        }
        checks.push(check(
            case,
            "end-to-end mean response [ms]",
            1e3 * (0.020 + sojourn),
            &runs,
            |s| s.latency_ms.mean,
            tolerance[0],
        ));
        checks.push(check(
            case,
            "database mean sojourn [ms]",
            1e3 * sojourn,
            &runs,
            |s| s.tiers[1].latency_ms.mean,
            tolerance[1],
        ));
        checks.push(check(
            case,
            "database vCPU utilisation [%]",
            100.0 * a / f64::from(c),
            &runs,
            |s| s.tiers[1].utilization.mean_cpu,
            tolerance[2],
        ));
    }
    checks
}

/// Runs every case (in parallel, results in case order), writes the table when asked,
/// then fails with every failing check listed at once.
/// A Lambda function with reserved concurrency c, Poisson arrivals and no queue is
/// an Erlang loss system M/G/c/c: a request that finds c environments busy is
/// throttled, and the throttled share is Erlang B(a, c) with a = λ E[S], whatever the
/// duration's distribution (insensitivity). c = 10, λ = 80/s, E[S] = 100 ms, a = 8:
/// B = 0.12166 (by the recursion B_k = a B_{k-1} / (k + a B_{k-1})). Two distributions:
/// exponential, and a log-normal of cv 2. A cold start adds its init (1 ms here) to
/// at most c requests per run, and the environments never expire within the run.
/// Sample size: 16 runs of 30 min, 144,000 requests each.
fn lambda_loss() -> Vec<Check> {
    let text = |time: &str| {
        format!(
            r#"
duration = "30m"
[traffic]
rate = 80
[tiers.fn]
kind = "lambda"
[tiers.fn.service]
time = {time}
[tiers.fn.lambda]
timeout = "900s"
init = "1ms"
reserved_concurrency = 10
[tiers.fn.api_gateway]
api = "http"
"#
        )
    };
    let theory = erlang_b(10, 8.0);
    assert!((theory - 0.12166).abs() < 1e-5, "{theory}");
    let throttled = |s: &Summary| s.requests.rejected as f64 / s.requests.arrived as f64;
    let exponential = replicates(&text(r#"{ dist = "exponential", mean = "100ms" }"#), 40);
    let lognormal = replicates(
        &text(r#"{ dist = "lognormal", mean = "100ms", cv = 2.0 }"#),
        41,
    );
    for s in exponential.iter().chain(&lognormal) {
        let lambda = s.lambda.as_ref().expect("a lambda tier");
        assert_eq!(lambda.throttles, s.requests.rejected);
        assert_eq!(lambda.api_gateway_throttles, 0);
        assert!(lambda.cold_starts <= 10);
    }
    vec![
        check(
            "Lambda M/M/10/10 (Erlang B, a 8)",
            "throttled fraction",
            theory,
            &exponential,
            throttled,
            0.020,
        ),
        check(
            "Lambda M/G/10/10 (log-normal cv 2, a 8)",
            "throttled fraction",
            theory,
            &lognormal,
            throttled,
            0.025,
        ),
    ]
}

#[test]
fn simulator_agrees_with_queueing_theory() {
    let cases: [(&'static str, fn() -> Vec<Check>); 12] = [
        ("M/M/1", mm1),
        ("M/M/c", mmc),
        ("M/M/c/K", mmck),
        ("M/D/1 and M/G/1", mg1),
        ("random routing", random_routing),
        ("round robin", round_robin),
        ("least outstanding", least_outstanding),
        ("Little's law", littles_law),
        ("non-homogeneous arrivals", nonhomogeneous_arrivals),
        ("two tiers", two_tiers),
        ("Lambda concurrency limit", lambda_loss),
        ("RDS pool and vCPUs", rds_pool_and_vcpus),
    ];
    // A case that panics (a broken precondition, or the model itself) becomes a failed
    // row, so that one broken case does not hide the verdict on all the others.
    let checks: Vec<Check> = cases
        .par_iter()
        .flat_map(|&(name, case)| {
            std::panic::catch_unwind(case).unwrap_or_else(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                vec![Check {
                    case: name,
                    quantity: Box::leak(why.into_boxed_str()),
                    theory: Theory::Aborted,
                    simulated: f64::NAN,
                    se: f64::NAN,
                    tolerance: 0.0,
                }]
            })
        })
        .collect();
    if std::env::var_os("SIMCLOUD_WRITE_VALIDATION").is_some() {
        let dir = root().join("results/studies/validation");
        std::fs::create_dir_all(&dir).unwrap();
        let md = format!(
            "<!-- Written by `SIMCLOUD_WRITE_VALIDATION=1 cargo test --release --test it validation`; \
             see README.md. -->\n\n{}",
            table_markdown(&checks)
        );
        std::fs::write(dir.join("table.md"), md).unwrap();
        std::fs::write(dir.join("table.csv"), table_csv(&checks)).unwrap();
    }
    let failures: Vec<String> = checks
        .iter()
        .filter_map(|c| {
            c.failure().map(|why| {
                format!(
                    "{} / {}: theory {}, simulated {:.4}: {why}",
                    c.case,
                    c.quantity,
                    c.theory_text(),
                    c.simulated
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} checks failed:\n{}\n\n{}",
        failures.len(),
        checks.len(),
        failures.join("\n"),
        table_markdown(&checks)
    );
}

/// The formulas themselves, against values computed by hand.
#[test]
fn validation_formulas_match_hand_computed_values() {
    // Erlang C(1, a) = a (M/M/1: P(wait) = rho).
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    // Erlang C(2, 1): B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2, C = 2 * 0.2 / (2 - 0.8) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // M/M/1/1: blocking a / (1 + a).
    assert!((mmck_blocking(1, 1, 0.5) - 0.5 / 1.5).abs() < 1e-12);
    // GI/M/1 with Erlang-1 (Poisson) arrivals: sigma = rho.
    assert!((gi_m_1_sigma_erlang(1, 70.0, 100.0) - 0.7).abs() < 1e-9);
    // The median of Exp(30/s) is ln 2 / 30.
    let median = quantile_from_survival(|t| (-30.0 * t).exp(), 0.5, 10.0);
    assert!((median - 2f64.ln() / 30.0).abs() < 1e-12);
}
