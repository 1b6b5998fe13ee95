//! The pending-event set alone: the classic *hold* model (Jones 1986).
//!
//! The queue is filled with `n` events at random times; each measured operation pops the
//! earliest event and schedules one new event a random (exponential) time after it, so
//! the pending set keeps its size. Sizes 10^3, 10^5 and 10^6 bracket simcloud's own use
//! (a dozen events for one instance, thousands for a large fleet) and a pending set that
//! no longer fits in cache; 16 is the M/M/10 case (ten completions, an arrival, timers).
//! Throughput is hold operations (one pop + one push) per second.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::Exp1;
use simcloud::engine::{EventQueue, RngStreams, SimRng, SimTime};
use std::hint::black_box;
use std::time::Duration;

/// Hold operations per measured iteration.
const HOLDS: u64 = 100_000;
/// Mean gap of a rescheduled event, in nanoseconds (1 s).
const MEAN_GAP_NANOS: f64 = 1e9;

/// An event as large as simcloud's own (16 bytes), so entries have the real size.
#[derive(Clone, Copy)]
struct Payload {
    _id: u32,
    _at: u64,
}

fn filled(n: usize, rng: &mut SimRng) -> EventQueue<Payload> {
    let mut queue = EventQueue::with_capacity(n + 1);
    for i in 0..n {
        let t = (rng.sample::<f64, _>(Exp1) * MEAN_GAP_NANOS * n as f64 / 2.0) as u64;
        queue.schedule(
            SimTime(t),
            Payload {
                _id: i as u32,
                _at: t,
            },
        );
    }
    queue
}

fn hold(queue: &mut EventQueue<Payload>, rng: &mut SimRng) {
    for _ in 0..HOLDS {
        let (now, event) = queue.pop().expect("the hold model never empties the queue");
        let gap = (rng.sample::<f64, _>(Exp1) * MEAN_GAP_NANOS) as u64;
        queue.schedule(SimTime(now.0 + gap), black_box(event));
    }
}

fn bench_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue_hold");
    group.throughput(Throughput::Elements(HOLDS));
    for n in [16usize, 1_000, 100_000, 1_000_000] {
        let mut rng = RngStreams::new(1).stream("bench/hold");
        let mut queue = filled(n, &mut rng);
        if n >= 100_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(3));
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| hold(&mut queue, &mut rng))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_hold);
criterion_main!(benches);
