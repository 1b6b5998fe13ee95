//! The M/M/10 case of `benches/peers.sh` written directly on `simcloud::engine`, the way
//! the peer programs use their engines: one event enum, the event queue (arrivals in its
//! source lane), two RNG streams and a FIFO of arrival times. No load balancer, no
//! instance, no histograms — compare with `scenarios/mm10.toml`, which runs the same
//! queue through the whole cloud model.
//!
//!     cargo bench --bench mmc_engine -- [N] [seed]
//!
//! (a `harness = false` bench, so that the project keeps its fixed top level; it is also
//! included by `benches/mmc.rs`).
//!
//! Prints one JSON line in the peers' format; `wall_s` times the event loop only, as
//! the peers do.

use rand::Rng;
use rand_distr::Exp1;
use simcloud::engine::{EventQueue, NANOS_PER_SEC, RngStreams, SimTime};
use std::collections::VecDeque;

/// Erlang C mean wait in queue for c = 10, lambda = 8, mu = 1.
pub const ERLANG_C_WQ_SECS: f64 = 0.204_590_075_4;

#[derive(Clone, Copy)]
enum Event {
    Arrival,
    Departure,
}

/// `customers` arrivals, run until the queue empties; returns (customers served, mean
/// wait in queue in seconds).
pub fn run(customers: u64, seed: u64) -> (u64, f64) {
    const SERVERS: u32 = 10;
    let (lambda, mu) = (8.0, 1.0);
    let streams = RngStreams::new(seed);
    let mut arrivals = streams.stream("arrivals");
    let mut service = streams.stream("service");
    let nanos = |secs: f64| (secs * NANOS_PER_SEC as f64) as u64;
    let mut queue = EventQueue::with_capacity(64);
    let mut waiting: VecDeque<u64> = VecDeque::with_capacity(64);
    let (mut arrived, mut served, mut busy, mut wait_sum) = (0u64, 0u64, 0u32, 0u128);
    if customers > 0 {
        arrived = 1;
        let first = nanos(arrivals.sample::<f64, _>(Exp1) / lambda);
        queue.schedule_source(SimTime(first), Event::Arrival);
    }
    while let Some((now, event)) = queue.pop() {
        match event {
            Event::Arrival => {
                if arrived < customers {
                    arrived += 1;
                    let gap = nanos(arrivals.sample::<f64, _>(Exp1) / lambda);
                    queue.schedule_source(SimTime(now.0 + gap), Event::Arrival);
                }
                if busy < SERVERS {
                    busy += 1;
                    let s = nanos(service.sample::<f64, _>(Exp1) / mu);
                    queue.schedule(SimTime(now.0 + s), Event::Departure);
                } else {
                    waiting.push_back(now.0);
                }
            }
            Event::Departure => {
                served += 1;
                if let Some(t) = waiting.pop_front() {
                    wait_sum += u128::from(now.0 - t);
                    let s = nanos(service.sample::<f64, _>(Exp1) / mu);
                    queue.schedule(SimTime(now.0 + s), Event::Departure);
                } else {
                    busy -= 1;
                }
            }
        }
    }
    let wq = if served == 0 {
        0.0
    } else {
        wait_sum as f64 / served as f64 / 1e9
    };
    (served, wq)
}

fn main() {
    // `cargo bench` appends `--bench`; only the positional arguments count.
    let args: Vec<String> = std::env::args().filter(|a| !a.starts_with("--")).collect();
    let n = args
        .get(1)
        .map_or(1e6, |s| s.parse::<f64>().expect("N is a number")) as u64;
    let seed: u64 = args
        .get(2)
        .map_or(1, |s| s.parse().expect("seed is an integer"));
    let start = std::time::Instant::now();
    let (served, wq) = run(n, seed);
    let wall = start.elapsed().as_secs_f64();
    println!(
        "{{\"tool\": \"simcloud-engine-{}\", \"n_arrivals\": {n}, \"served\": {served}, \"wall_s\": {wall:.4}, \"model_events_per_s\": {:.0}, \"mean_wq\": {wq:.5}, \"erlang_c_wq\": {ERLANG_C_WQ_SECS:.5}, \"rel_err\": {:.4}}}",
        env!("CARGO_PKG_VERSION"),
        2.0 * served as f64 / wall,
        wq / ERLANG_C_WQ_SECS - 1.0
    );
}
