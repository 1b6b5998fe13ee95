//! `simcloud::compare` on 1 and 2 threads: how well independent runs spread over cores.
//!
//! The workload is `scenarios/compare-targets.toml` (its strategies over 90 simulated
//! minutes) with 2 replicates each: runs of a few tens of milliseconds.
//! Throughput is simulation runs per second; with 2 idle cores the 2-thread figure
//! should approach twice the 1-thread one (the machine's other load shows up here).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simcloud::compare::{CompareOptions, ComparePlan, run};
use simcloud::scenario::ScenarioFile;
use std::path::Path;
use std::time::Duration;

fn plan(threads: usize) -> ComparePlan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/compare-targets.toml");
    let file = ScenarioFile::read(&path).expect("scenarios/compare-targets.toml is valid");
    let options = CompareOptions {
        replicates: 2,
        threads: Some(threads),
        seed: None,
    };
    ComparePlan::from_file(&file, &options).expect("the comparison is valid")
}

fn bench_compare(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for threads in [1usize, 2] {
        let plan = plan(threads);
        group.throughput(Throughput::Elements(plan.runs() as u64));
        group.bench_with_input(BenchmarkId::new("threads", threads), &plan, |b, plan| {
            b.iter(|| run(plan, &|| {}).expect("runs").runs.len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_compare);
criterion_main!(benches);
