#!/usr/bin/env python3
"""Cost against the probability of meeting the deadline, by checkpoint interval.

Reads the `compare` folder given as the first argument (replicates.csv) and writes
study.csv and study.svg/study.png next to this script. A replicate meets the deadline
when every job succeeded by it (`deadline_met` = 1); the probability is the share of
replicates that did, with a Wilson 95 % interval.
"""
import csv, math, os, sys
from collections import OrderedDict

here = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.DictReader(open(os.path.join(sys.argv[1], "replicates.csv"))))
by = OrderedDict()
for r in rows:
    by.setdefault(r["strategy"], []).append(r)

def wilson(k, n, z=1.96):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h

out = []
for name, rs in by.items():
    n = len(rs)
    cost = [float(r["total_cost_usd"]) for r in rs]
    met = sum(1 for r in rs if float(r["deadline_met"]) >= 1.0)
    mean = sum(cost) / n
    sd = math.sqrt(sum((c - mean) ** 2 for c in cost) / (n - 1))
    lo, hi = wilson(met, n)
    lo, hi = max(0.0, lo), min(1.0, hi)
    makespan = sum(float(r["makespan_s"]) for r in rs) / n / 3600
    jobs_met = sum(float(r["deadline_met"]) for r in rs) / n
    out.append((name, n, mean, 1.96 * sd / math.sqrt(n), met / n, lo, hi, makespan, jobs_met))

with open(os.path.join(here, "study.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["strategy", "replicates", "mean_cost_usd", "cost_half_width_usd",
                "p_deadline_met", "p_low", "p_high", "mean_makespan_h", "mean_share_of_jobs_met"])
    for o in out:
        w.writerow([o[0], o[1], f"{o[2]:.4f}", f"{o[3]:.4f}", f"{o[4]:.3f}", f"{o[5]:.3f}",
                    f"{o[6]:.3f}", f"{o[7]:.3f}", f"{o[8]:.4f}"])

import matplotlib
matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "simcloud"
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(9, 5.5))
for i, o in enumerate(out):
    ax.errorbar(o[2], o[4], xerr=o[3], yerr=[[o[4] - o[5]], [o[6] - o[4]]],
                fmt="o", capsize=4)
    ax.annotate(o[0], (o[2], o[4]), textcoords="offset points", xytext=(8, 6 if i % 2 else -14), fontsize=9)
ax.set_xlabel("mean cost of the night [USD] (95 % CI)")
ax.set_ylabel("P(every job done by the deadline) (Wilson 95 % CI)")
ax.set_title("600 one-hour jobs, spot interrupted at 0.3/h, deadline 7.5 h")
ax.set_ylim(-0.05, 1.05)
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(os.path.join(here, "study.svg"), metadata={"Date": None})
fig.savefig(os.path.join(here, "study.png"), dpi=100, metadata={"Software": None})
for o in out:
    print(f"{o[0]:24s} cost {o[2]:7.3f} ± {o[3]:.3f}  P(met) {o[4]:.2f} [{o[5]:.2f}, {o[6]:.2f}]  makespan {o[7]:.2f} h  jobs met {o[8]:.4f}")
