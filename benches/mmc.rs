//! The M/M/10 queue at rho = 0.8 with 10^6 customers (benches/peers.sh runs the same case
//! in SimPy, Ciw, salabim, simcore and NeXosim).
//!
//! Two readings of "through simcloud's engine", both measured:
//! - `mmc/model`: the case as a simcloud scenario (`scenarios/mm10.toml`: one instance
//!   with 10 workers, no queue limit, exponential service, 8 req/s for 125,000 s) through
//!   `simcloud::model::simulate` — the load balancer, the instance, the latency
//!   histograms, the metric and report ticks and the bill all run. This is what a user
//!   gets, and what the peer table compares.
//! - `mmc/engine`: the same queue written directly on `simcloud::engine` (the event
//!   queue and an RNG stream, with a FIFO of arrival times), which is how the peer
//!   programs use their engines (`benches/mmc_engine.rs`).
//!
//! Throughput is model events, counted as the peers count them: 2 per customer served.
//! Before measuring, each variant's mean wait in queue is checked against Erlang C
//! (Wq = 0.20459 s) within 5 %, a loose bound on the sampling error at 10^6 customers.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simcloud::model::{Config, simulate};
use simcloud::scenario::ScenarioFile;
use std::path::Path;
use std::time::Duration;

/// The engine-only program is also a runnable example, so that `benches/peers.sh` can
/// time it as a process beside the peers; its `main` is not used here.
#[allow(dead_code)]
#[path = "mmc_engine.rs"]
mod mmc_engine;
use mmc_engine::ERLANG_C_WQ_SECS;

const CUSTOMERS: u64 = 1_000_000;

fn mm10_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mm10.toml");
    ScenarioFile::read(&path)
        .and_then(|f| f.resolve())
        .expect("scenarios/mm10.toml is valid")
}

/// Runs the scenario; returns (customers served, mean wait in queue in seconds).
fn model_run(config: &Config) -> (u64, f64) {
    let outcome = simulate(config, &mut |_row| {});
    let s = outcome.summary;
    (s.requests.completed, s.queueing.mean_wait_ms / 1e3)
}

fn check_wq(what: &str, (served, wq): (u64, f64)) -> u64 {
    let rel = wq / ERLANG_C_WQ_SECS - 1.0;
    eprintln!(
        "{what}: {served} customers, Wq = {wq:.5} s (Erlang C {ERLANG_C_WQ_SECS:.5}, {:+.2} %)",
        100.0 * rel
    );
    assert!(
        rel.abs() < 0.05,
        "{what}: Wq {wq} is not within 5 % of Erlang C"
    );
    served
}

fn bench_mmc(c: &mut Criterion) {
    let config = mm10_config();
    let model_served = check_wq("mmc/model", model_run(&config));
    let engine_served = check_wq("mmc/engine", mmc_engine::run(CUSTOMERS, 1));
    let mut group = c.benchmark_group("mmc");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(2 * model_served));
    group.bench_function("model", |b| b.iter(|| model_run(&config)));
    group.throughput(Throughput::Elements(2 * engine_served));
    group.bench_function("engine", |b| b.iter(|| mmc_engine::run(CUSTOMERS, 1)));
    group.finish();
}

criterion_group!(benches, bench_mmc);
criterion_main!(benches);
