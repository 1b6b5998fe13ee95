//! `scenarios/spike.toml` end to end through the library: traffic, load balancer,
//! instances, Auto Scaling, billing and the summary (the timeline rows are produced and
//! dropped, so no disk I/O is measured).
//!
//! One run is measured twice with different throughput units: `spike/events` counts
//! engine events (`summary.events`), `spike/requests` simulated requests (arrivals).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use simcloud::model::{Config, simulate};
use simcloud::scenario::ScenarioFile;
use std::path::Path;
use std::time::Duration;

fn spike_config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/spike.toml");
    ScenarioFile::read(&path)
        .and_then(|f| f.resolve())
        .expect("scenarios/spike.toml is valid")
}

fn bench_spike(c: &mut Criterion) {
    let config = spike_config();
    let summary = simulate(&config, &mut |_row| {}).summary;
    eprintln!(
        "spike: {} events, {} requests arrived, {} simulated seconds",
        summary.events, summary.requests.arrived, summary.simulated_seconds
    );
    let mut group = c.benchmark_group("spike");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(summary.events));
    group.bench_function("events", |b| {
        b.iter(|| simulate(&config, &mut |_row| {}).summary.events)
    });
    group.throughput(Throughput::Elements(summary.requests.arrived));
    group.bench_function("requests", |b| {
        b.iter(|| simulate(&config, &mut |_row| {}).summary.events)
    });
    group.finish();
}

criterion_group!(benches, bench_spike);
criterion_main!(benches);
