#!/usr/bin/env python3
"""The platforms crossover study: scenarios/platforms.toml at each traffic level.

    cargo build --release && python3 results/studies/platforms/run.py

For each rate the scenario is copied with `rate`, the fleets' starting size (EC2
instances and Fargate tasks at the 50 % CPU target: rate x 0.1 s / 0.5 busy vCPUs)
and the provisioned concurrency (the mean concurrency, rate x 0.1 s) set for that
rate, so that every platform starts in its steady state; then `simcloud compare`
runs it. The sweep writes rates.csv (one line per rate and strategy) and two charts,
cost per million requests and p99 against the rate. The sensitivity part changes one
assumption at a time, runs the rates around the crossovers, and writes
sensitivity.csv: for each assumption, the rate at which Lambda costs as much per
request as each other platform (interpolated on log scales between the rates run).
Needs matplotlib (`pip install matplotlib`).
"""
import csv
import json
import math
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SCENARIO = ROOT / "scenarios" / "platforms.toml"
SIMCLOUD = ROOT / "target" / "release" / "simcloud"
RATES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
REPLICATES = 3
SENSITIVITY_RATES = [2, 5, 10, 20, 50, 100]
SENSITIVITY_REPLICATES = 2
# One assumption changed at a time: (label, [(regex, replacement, matches)]).
VARIANTS = [
    ("as shipped", []),
    ("Lambda init 2 s instead of 400 ms", [(r'init = "400ms"', 'init = "2s"', 2)]),
    ("Lambda idle lifetime 5 min instead of 45", [(r'idle_lifetime = "45m"', 'idle_lifetime = "5m"', 2)]),
    ("image 2,500 MB instead of 250", [(r"image_mb = 250", "image_mb = 2500", 2)]),
    ("REST API ($3.50/M) instead of HTTP ($1.00/M)", [(r'api = "http"', 'api = "rest"', 2)]),
    ("CPU target 70 % instead of 50", [(r"target = 50\.0", "target = 70.0", 3)]),
    ("min 2 (two zones) instead of 1", [(r"min = 1, max", "min = 2, max", 2), (r"(?m)^min = 1$", "min = 2", 1)]),
]


def replace(text, pattern, value, count):
    """Replaces every match of `pattern` with `value` and checks there were exactly
    `count`: a changed scenario fails loudly rather than silently measuring nothing."""
    new, n = re.subn(pattern, value, text)
    if n != count:
        sys.exit(f"{SCENARIO}: expected {count} matches of {pattern!r}, found {n}")
    return new


def scenario_at(text, rate):
    """The scenario at `rate`, every platform starting at its steady-state size."""
    busy = rate * 0.1  # busy vCPUs
    target = 0.7 if "target = 70.0" in text else 0.5
    text = replace(text, r"(?m)^rate = 100$", f"rate = {rate}", 1)
    text = replace(text, r"(?m)^desired = 10$", f"desired = {max(1, math.ceil(busy / target / 2))}", 1)
    text = replace(text, r"max = 2000, desired = 20", f"max = 2000, desired = {max(1, math.ceil(busy / target))}", 2)
    text = replace(text, r"provisioned_concurrency = 10", f"provisioned_concurrency = {max(1, math.ceil(busy))}", 1)
    # The starting size is never below the minimum.
    floor = 2 if "min = 2" in text else 1
    return re.sub(r"desired = (\d+)", lambda m: f"desired = {max(floor, int(m.group(1)))}", text)


def run(text, rates, replicates, tmp):
    rows = []
    for rate in rates:
        path = pathlib.Path(tmp) / f"platforms-{rate}.toml"
        path.write_text(scenario_at(text, rate))
        out = pathlib.Path(tmp) / f"out-{rate}"
        subprocess.run(
            [SIMCLOUD, "compare", path, "--replicates", str(replicates), "--out", out, "--quiet"],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        comparison = json.loads((out / "compare.json").read_text())
        for s in comparison["strategies"]:
            m = s["metrics"]
            rows.append({
                "rate": rate,
                "strategy": s["name"],
                "cost_per_million_usd": m["cost_per_million_requests_usd"]["mean"],
                "cost_per_million_half_width": m["cost_per_million_requests_usd"]["half_width"],
                "total_cost_usd": m["total_cost_usd"]["mean"],
                "p99_ms": m["p99_ms"]["mean"],
                "slo_attainment": m["slo_attainment"]["mean"],
            })
    return rows


def crossover(rows, other):
    """The rate at which Lambda and `other` cost the same per million requests, on
    log-log interpolation between the two rates where the sign of the difference
    changes; None when it does not change within the rates run."""
    cost = lambda s: {r["rate"]: r["cost_per_million_usd"] for r in rows if r["strategy"] == s}
    lam, oth = cost("lambda"), cost(other)
    rates = sorted(lam)
    for a, b in zip(rates, rates[1:]):
        da = math.log(oth[a]) - math.log(lam[a])
        db = math.log(oth[b]) - math.log(lam[b])
        if da > 0 >= db:
            t = da / (da - db)
            return math.exp(math.log(a) + t * (math.log(b) - math.log(a)))
    return None


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in r.items()})


def main():
    base = SCENARIO.read_text()
    others = ["ec2 on-demand", "ec2 spot mix", "fargate", "fargate spot mix"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = run(base, RATES, REPLICATES, tmp)
        write_csv(HERE / "rates.csv", rows)
        draw(rows)
        print("sweep done", file=sys.stderr)
        sensitivity = []
        for label, changes in VARIANTS:
            text = base
            for pattern, value, count in changes:
                text = replace(text, pattern, value, count)
            vrows = run(text, SENSITIVITY_RATES, SENSITIVITY_REPLICATES, tmp)
            line = {"assumption": label}
            for other in others:
                x = crossover(vrows, other)
                line[f"lambda_vs_{other.replace(' ', '_').replace('-', '_')}_req_s"] = (
                    round(x, 1) if x is not None else "none in 2-100"
                )
            sensitivity.append(line)
            print(f"{label}: {line}", file=sys.stderr)
        write_csv(HERE / "sensitivity.csv", sensitivity)


def draw(rows):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "simcloud"
    import matplotlib.pyplot as plt

    strategies = list(dict.fromkeys(r["strategy"] for r in rows))
    for metric, label, name in [
        ("cost_per_million_usd", "cost per million requests (USD)", "cost_per_million"),
        ("p99_ms", "p99 latency (ms)", "p99"),
    ]:
        fig, ax = plt.subplots(figsize=(8, 5))
        for s in strategies:
            pts = [(r["rate"], r[metric]) for r in rows if r["strategy"] == s]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=s)
        ax.set_xscale("log")
        ax.set_yscale("log" if metric == "cost_per_million_usd" else "linear")
        ax.set_xlabel("steady traffic (requests per second)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        ax.set_title(f"scenarios/platforms.toml: {label} against traffic")
        fig.tight_layout()
        fig.savefig(HERE / f"{name}.svg", metadata={"Date": None})
        fig.savefig(HERE / f"{name}.png", dpi=100)
        plt.close(fig)


if __name__ == "__main__":
    main()
