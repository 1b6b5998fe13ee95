#!/usr/bin/env python3
"""The worker study: each strategy of scenarios/worker.toml run with `simcloud run`
under seeds 3..3+R-1 (the same seeds for every strategy: common random numbers, as
`compare` does), and the queue's measures of each run's summary.json (time in queue
p99, backlog peak) with the cost, summarised as means with 95 % Student-t intervals.

    python3 results/studies/worker/study.py target/release/simcloud 8

It was written when `simcloud compare` did not report the queue's measures, so it
reads them from the runs; `simcloud compare scenarios/worker.toml --replicates 8` now
reports the same runs' measures (see README.md). It writes runs.csv (one row per run) and summary.csv beside it.
"""
import csv, json, math, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
SCENARIO = os.path.join(ROOT, "scenarios", "worker.toml")

STEP = ('[{ kind = "step", alarm = { metric = "messages_visible", comparison = ">", '
        'threshold = 100.0, evaluation_periods = 1, datapoints_to_alarm = 1 }, '
        'adjustment_type = "change_in_capacity", steps = [{ lower = 0.0, upper = 400.0, '
        'adjustment = 2 }, { lower = 400.0, adjustment = 5 }] }, { kind = "simple", '
        'alarm = { metric = "messages_visible", comparison = "<", threshold = 1.0, '
        'evaluation_periods = 15, datapoints_to_alarm = 15 }, adjustment_type = '
        '"change_in_capacity", adjustment = -1, cooldown = "120s" }]')
# The strategies of scenarios/worker.toml, as --set overrides of the policy.
STRATEGIES = [
    ("backlog per instance", None),
    ("cpu 60 %", '[{ kind = "target_tracking", metric = "cpu", target = 60.0 }]'),
    ("backlog + cpu", '[{ kind = "target_tracking", metric = "backlog_per_instance", '
     'target = 60.0 }, { kind = "target_tracking", metric = "cpu", target = 60.0 }]'),
    ("step on visible messages", STEP),
]

# Student t quantiles t(0.975, n-1) for small n.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
        8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 15: 2.131, 19: 2.093}


def run(binary, seed, policy, out):
    args = [binary, "run", SCENARIO, "--seed", str(seed), "--out", out, "-q", "--no-plots"]
    if policy:
        args += ["--set", f"tiers.jobs.autoscaling.policy={policy}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    jobs = s["tiers"]["jobs"]
    q = jobs["queue"]
    return {
        "time_in_queue_p50_s": q["time_in_queue_ms"]["p50"] / 1e3,
        "time_in_queue_p99_s": q["time_in_queue_ms"]["p99"] / 1e3,
        "backlog_peak": q["backlog_peak"],
        "processed": q["processed"],
        "duplicates": q["duplicates"],
        "jobs_instance_hours": jobs["instances"]["instance_hours"],
        "jobs_cost_usd": jobs["cost_usd"]["total"],
        "total_cost_usd": s["cost_usd"]["total"],
    }


def estimate(xs):
    n = len(xs)
    mean = sum(xs) / n
    if n < 2:
        return mean, None
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    t = T975.get(n - 1, 1.96)
    return mean, t * sd / math.sqrt(n)


def main():
    binary, replicates = sys.argv[1], int(sys.argv[2])
    seeds = list(range(3, 3 + replicates))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, policy in STRATEGIES:
            for seed in seeds:
                r = run(binary, seed, policy, os.path.join(tmp, "out"))
                rows.append({"strategy": name, "seed": seed, **r})
    keys = list(rows[0].keys())
    with open(os.path.join(HERE, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    measures = keys[2:]
    with open(os.path.join(HERE, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["strategy", "measure", "mean", "ci95_half_width"])
        for name, _ in STRATEGIES:
            for m in measures:
                mean, half = estimate([r[m] for r in rows if r["strategy"] == name])
                w.writerow([name, m, f"{mean:.3f}", "" if half is None else f"{half:.3f}"])
                print(f"{name:26} {m:22} {mean:12.3f} ± {half if half is not None else float('nan'):.3f}")


if __name__ == "__main__":
    main()
