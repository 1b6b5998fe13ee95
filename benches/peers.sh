#!/usr/bin/env bash
# The M/M/10 case (rho = 0.8, 10 servers, lambda 8/s, mu 1/s, FIFO, N customers, seed 1)
# in simcloud and in its peers, side by side, on this machine, in one go:
#   SimPy 4.1.2, Ciw 3.2.7, salabim 26.0.9 (Python), a plain Python heapq loop,
#   simcore 0.1.0 (DSLab's engine) and NeXosim 1.0.0 (Rust, crates.io).
# The peer programs live in ../shared/peers/ beside the project (their README gives the
# case); they are built and run from a cache folder outside the repository, never copied
# into it. Runs are sequential, one core busy at a time. Writes results/studies/bench/peers.md
# (and the raw JSON lines beside it, peers.jsonl).
#
# usage: benches/peers.sh [N] [SALABIM_N]
#   N          customers for every program but salabim (default 1e6)
#   SALABIM_N  customers for salabim, about 100x slower than SimPy (default 1e5)
# environment:
#   PEERS                 the peers folder (default: ../shared/peers beside the project)
#   SIMCLOUD_PEERS_CACHE  venv, copies of the Rust peers and their target dirs
#                         (default: ${XDG_CACHE_HOME:-~/.cache}/simcloud-peers)
#   REPEAT                runs of each Rust program, the median is kept (default 5);
#                         the Python programs run once
#   CARGO_TARGET_DIR      where simcloud itself is built (default: target/)
#
# How each program is timed: the peers time their own event loop (wall_s in their JSON
# line). simcloud's model is timed as a whole process from the shell — reading the
# scenario, simulating, writing summary.json, timeline.csv and cost.csv — which counts
# a few milliseconds against it. Peak memory is /usr/bin/time's maximum resident set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
N=${1:-1e6}
SALABIM_N=${2:-1e5}
REPEAT=${REPEAT:-5}
PEERS=${PEERS:-$ROOT/../shared/peers}
CACHE=${SIMCLOUD_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/simcloud-peers}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT="$ROOT/results/studies/bench"
[ -f "$PEERS/README.md" ] || { echo "error: no peers at $PEERS (set PEERS=...)" >&2; exit 2; }
mkdir -p "$CACHE" "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== build: Python venv (SimPy, Ciw, salabim) in $CACHE/venv" >&2
if [ ! -x "$CACHE/venv/bin/python" ]; then python3 -m venv "$CACHE/venv"; fi
"$CACHE/venv/bin/pip" install -q simpy==4.1.2 ciw==3.2.7 salabim==26.0.9 greenlet >&2
PY="$CACHE/venv/bin/python"

echo "== build: simcore and NeXosim programs (release, their own target dirs)" >&2
# The peers folder may be read-only; cargo writes Cargo.lock, so build from a copy.
rm -rf "$CACHE/rust" && cp -r "$PEERS/rust" "$CACHE/rust" && chmod -R u+w "$CACHE/rust"
(cd "$CACHE/rust/simcore-mmc" && CARGO_TARGET_DIR="$CACHE/target-simcore" cargo build --release -q)
(cd "$CACHE/rust/nexosim-mmc" && CARGO_TARGET_DIR="$CACHE/target-nexosim" cargo build --release -q)
SIMCORE="$CACHE/target-simcore/release/mmc-simcore"
NEXOSIM="$CACHE/target-nexosim/release/mmc-nexosim"

echo "== build: simcloud (release) and the engine-only bench" >&2
cargo build --release -q --bin simcloud
SIMCLOUD="$TARGET/release/simcloud"
ENGINE=$(cargo bench --no-run -q --bench mmc_engine --message-format=json | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m["target"]["name"] == "mmc_engine":
        print(m["executable"])')

# timed RUNDIR CMD...: runs CMD with its stdout in RUNDIR/out, peak RSS in RUNDIR/rss_kb
# and the wall time seen from here in RUNDIR/wall_s.
timed() {
  local dir=$1; shift
  mkdir -p "$dir"
  local t0=$EPOCHREALTIME
  /usr/bin/time -f %M -o "$dir/rss_kb" "$@" > "$dir/out"
  local t1=$EPOCHREALTIME
  python3 -c "print($t1 - $t0)" > "$dir/wall_s"
}

# record NAME VERSION N RUNDIRS...: the median run (by wall time) as one JSON line.
record() {
  python3 - "$@" <<'PY' >> "$WORK/all.jsonl"
import json, sys, statistics
name, version, n, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = []
for d in dirs:
    text = open(f"{d}/out").read()
    try:
        r = json.loads(text)                 # simcloud --json: one pretty-printed object
    except ValueError:                       # peers: the last JSON line
        r = json.loads([l for l in text.splitlines() if l.startswith("{")][-1])
    if "requests" in r:                      # simcloud's summary.json
        served = r["requests"]["completed"]
        wall = float(open(f"{d}/wall_s").read())
        wq = r["queueing"]["mean_wait_ms"] / 1e3
    else:                                    # a peer's (or the example's) JSON line
        served, wall, wq = r["served"], r["wall_s"], r["mean_wq"]
    rss = int(open(f"{d}/rss_kb").read().split()[-1])
    runs.append(dict(engine=name, version=version, n=int(float(n)), served=served,
                     wall_s=wall, model_events_per_s=2 * served / wall, wq=wq,
                     peak_rss_kb=rss, runs=len(dirs)))
runs.sort(key=lambda r: r["wall_s"])
best = runs[len(runs) // 2]
best["wall_s_all"] = [round(r["wall_s"], 4) for r in runs]
print(json.dumps(best))
PY
}

secs=$(python3 -c "print(int(float('$N')) // 8)")
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load_before"
echo "== run: N = $N (salabim $SALABIM_N), $REPEAT runs of each Rust program" >&2
dirs=(); for i in $(seq "$REPEAT"); do
  timed "$WORK/simcloud-$i" "$SIMCLOUD" run scenarios/mm10.toml --set "duration=${secs}s" \
    --json --quiet --out "$WORK/simcloud-out-$i"; dirs+=("$WORK/simcloud-$i"); done
record "simcloud model (scenarios/mm10.toml, whole process)" "$("$SIMCLOUD" --version | awk '{print $2}')" "$N" "${dirs[@]}"
dirs=(); for i in $(seq "$REPEAT"); do
  timed "$WORK/engine-$i" "$ENGINE" "$N" 1; dirs+=("$WORK/engine-$i"); done
record "simcloud engine only (benches/mmc_engine.rs)" "$("$SIMCLOUD" --version | awk '{print $2}')" "$N" "${dirs[@]}"
dirs=(); for i in $(seq "$REPEAT"); do
  timed "$WORK/simcore-$i" "$SIMCORE" "$N" 1; dirs+=("$WORK/simcore-$i"); done
record "simcore" "0.1.0" "$N" "${dirs[@]}"
dirs=(); for i in $(seq "$REPEAT"); do
  timed "$WORK/nexosim-$i" "$NEXOSIM" "$N" 1 1; dirs+=("$WORK/nexosim-$i"); done
record "NeXosim, 1 thread" "1.0.0" "$N" "${dirs[@]}"
(cd "$PEERS" && timed "$WORK/heapq" "$PY" mmc_heapq.py "$N" 1)
record "plain Python heapq loop" "$("$PY" -c 'import platform; print("Python " + platform.python_version())')" "$N" "$WORK/heapq"
(cd "$PEERS" && timed "$WORK/simpy" "$PY" mmc_simpy.py "$N" 1)
record "SimPy" "4.1.2" "$N" "$WORK/simpy"
(cd "$PEERS" && timed "$WORK/ciw" "$PY" mmc_ciw.py "$N" 1)
record "Ciw" "3.2.7" "$N" "$WORK/ciw"
(cd "$PEERS" && timed "$WORK/salabim" "$PY" mmc_salabim.py "$SALABIM_N" 1)
record "salabim (greenlets)" "26.0.9" "$SALABIM_N" "$WORK/salabim"

cp "$WORK/all.jsonl" "$OUT/peers.jsonl"
python3 - "$OUT/peers.jsonl" "$N" "$SALABIM_N" "$REPEAT" "$WORK/load_before" <<'PY' > "$OUT/peers.md"
import json, sys, datetime, platform, subprocess, os
rows = [json.loads(l) for l in open(sys.argv[1])]
n, salabim_n, repeat = sys.argv[2], sys.argv[3], sys.argv[4]
base = rows[0]["model_events_per_s"]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
print("# M/M/10 (rho = 0.8): simcloud and its peers, side by side\n")
print(f"Made by `benches/peers.sh {n} {salabim_n}` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC,")
print(f"simcloud commit {commit}{' (with uncommitted changes)' if dirty else ''}, {os.cpu_count()} cores ({cpu}),")
print(f"load average (1, 5, 15 min) before the runs: {open(sys.argv[5]).read().strip()}, after: {' '.join(open('/proc/loadavg').read().split()[0:3])}.\n")
print("| engine | version | customers | model events/s | simcloud model ÷ this | simcloud engine ÷ this | Wq [s] (Erlang C 0.20459) | peak RSS |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
engine = rows[1]["model_events_per_s"]
for r in rows:
    eps = r["model_events_per_s"]
    print(f"| {r['engine']} | {r['version']} | {r['n']:,} | {eps / 1e6:.3f} M | {base / eps:.2f} | {engine / eps:.2f} | {r['wq']:.5f} | {r['peak_rss_kb'] / 1024:.1f} MB |")
print(f"""
Model events = 2 per customer served (arrival and departure), however many events an
engine schedules internally. A ratio above 1 means simcloud is that many times faster.
"simcloud model" runs the case as a cloud scenario (load balancer, instance, latency
histograms, metric and report ticks, bill); "simcloud engine" is the same queue written
on `simcloud::engine` the way the peer programs are written on their engines.
Rust programs: median of {repeat} runs (all wall times in peers.jsonl); Python
programs: one run. The peers time their event loop only; the
simcloud model row is the whole `simcloud run` process (parse, simulate, write three
files), so it is slightly understated. salabim runs {salabim_n} customers (it is about
100x slower than SimPy; 10^6 would take over ten minutes), so its Wq is noisier.
The machine is shared: compare ratios within this table, not absolute figures
between tables.""")
PY
cat "$OUT/peers.md"
