#!/usr/bin/env bash
# CI step (issue 18): a real Slurm cluster of one node runs the sbatch array that
# `simcloud compare --emit slurm --shards 4` prints, and its merge job; the merged
# folder must be byte-identical to the same comparison run by one local `compare`.
# Then the loop of array jobs that `simcloud optimize --emit slurm --shards 3` prints
# (one array per round of the search): its folder must be byte-identical to the same
# search run by one local `optimize`.
#
# Debian's slurmctld, slurmd, slurm-client and munge are installed if missing; the
# cluster runs as root with its configuration, state and logs in a temporary folder
# (proctrack/linuxproc and task/none: no cgroups needed), on this machine's CPUs and
# memory. The three daemons are started in the background and stopped by their
# process ids when the step ends, whether it passed or not.
# Runs from the repository root on a fresh Debian machine as root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "installing slurm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

work="$(mktemp -d)"
pids=()
stop() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    # Not our child (the daemons fork): wait until it is gone, at most 10 s.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap stop EXIT

cargo build --release --quiet
simcloud="$PWD/target/release/simcloud"

# --- the cluster -----------------------------------------------------------------
host="$(hostname -s)"
cpus="$(nproc)"
memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)"
mkdir -p "$work"/{munge,ctld,spool,log,run}
chmod 700 "$work/munge"
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
cat >"$work/slurm.conf" <<CONF
ClusterName=simcloud-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/ctld
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

munged --foreground --force --key-file="$work/munge/munge.key" \
  --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" \
  >"$work/munge/munged.out" 2>&1 &
pids+=($!)
slurmctld -D >"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D >"$work/log/slurmd.out" 2>&1 &
pids+=($!)

show_logs() {
  tail -n 30 "$work"/log/*.log "$work"/log/*.out "$work"/munge/munged.log 2>/dev/null || true
}
for i in $(seq 60); do
  if sinfo --noheader --states=idle 2>/dev/null | grep -q idle; then break; fi
  if [ "$i" = 60 ]; then show_logs; echo "the Slurm node did not come up"; exit 1; fi
  sleep 0.5
done
sinfo

# --- the comparison, on Slurm and locally -----------------------------------------
scenario=scenarios/compare-pricing.toml
args=(compare "$scenario" --replicates 3)
"$simcloud" "${args[@]}" --out "$work/local" --quiet >/dev/null
"$simcloud" "${args[@]}" --out "$work/cluster" --emit slurm --shards 4 >"$work/submit.sh"
started=$(date +%s)
# --wait: sbatch returns when the merge job has ended, with its exit code.
if ! timeout 300 bash "$work/submit.sh" --wait; then
  show_logs
  cat "$work"/cluster.slurm-logs/* 2>/dev/null || true
  echo "the Slurm jobs failed"
  exit 1
fi
echo "4 shards and the merge ran on Slurm in $(( $(date +%s) - started )) s"
ls "$work/cluster/shards"
test "$(ls "$work/cluster/shards" | wc -l)" = 4
# Everything but the shards themselves, byte for byte.
diff -r -x shards "$work/local" "$work/cluster"
echo "the merged folder is byte-identical to the local compare ($(ls "$work/local" | wc -l) files)"

# --- an optimize search, as a loop of array jobs (one per round) ---------------------
# The known-answer search of tests/it/optimize.rs: six fleet sizes, Erlang C picks 5.
cat >"$work/fleet.toml" <<'TOML'
name = "mmc-optimize"
duration = "30m"
seed = 1

[traffic]
rate = 100

[service]
time = { dist = "exponential", mean = "100ms" }
workers = 4
queue_limit = "unlimited"
timeout = "4000s"

[load_balancer]
algorithm = "random"

[autoscaling]
min = 1
max = 20
desired = 5

[slo]
latency = "200ms"

[optimize]
constraint = "slo_attainment"
target = 0.83
confidence = 0.8
budget = 200
first_replicates = 2
max_replicates = 16

[[optimize.space]]
key = "autoscaling.desired"
range = [3, 8]
TOML
"$simcloud" optimize "$work/fleet.toml" --out "$work/search-local" --quiet >/dev/null
"$simcloud" optimize "$work/fleet.toml" --out "$work/search-cluster" --emit slurm --shards 3 \
  >"$work/search.sh"
started=$(date +%s)
if ! timeout 600 bash "$work/search.sh"; then
  show_logs
  cat "$work"/search-cluster.slurm-logs/* 2>/dev/null || true
  echo "the search's Slurm jobs failed"
  exit 1
fi
echo "the search ran on Slurm in $(( $(date +%s) - started )) s:" \
  "$(ls "$work/search-cluster/shards" | wc -l) shards in $(ls "$work/search-cluster.slurm-logs" | sed 's/-shard.*//' | sort -u | wc -l) rounds"
diff -r -x shards "$work/search-local" "$work/search-cluster"
grep -q '"chosen": "desired=5"' "$work/search-cluster/evidence.json"
echo "the search's folder is byte-identical to the local search and chose desired=5"
