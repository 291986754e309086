#!/usr/bin/env bash
# Journal replay rate (issue 16, item 6), by hand:
#   bench/replay.sh [--batches 1000] [--runs 3] [--keep] [--help]
# Starts a master and one slave of the built launcher on loopback (mutual TLS, as by default),
# stops the slave, then writes about --batches small files on the master 15 ms apart: a lone change
# leaves after a 2 ms quiet gap, so each file is one journaled batch (the script reads the real
# count from the master's status). Then it starts the slave again and times the replay: from the
# master's log line "resuming from the journal" to the master's receipt of the last ack (status
# lastAppliedAt, read once `replicator wait`, already running, returns; until issue 16 session 3
# the end was the waiting CLI's exit, tens of ms later, also printed). Rate = batches behind / that
# time. The trees are checked with `verify`. Each run also prints the CPU seconds the master used from
# the slave's restart to the last ack and the slave's since its start (/proc/PID/stat).
#
# The runs' trees are deleted only once all runs are done: on an ext4 without a journal (as on the
# benchmark machine) the kernel skips recently deleted inodes when it allocates one, scanning past
# each of them (find_inode_bit -> recently_deleted, up to 5 min after the delete); each run frees
# ~2,000, and in a run that followed runs which had deleted theirs, half of the slave's apply time
# was that scan inside open(O_CREAT) (perf, docs/benchmarks.md "Issue 16, session 4: replay").
# Other jobs' deletes on the same file system still count: quote the load.
#
# AGENT_JAVA_OPTS, when set, replaces the agents' JVM options only (the CLI calls keep theirs),
# e.g. to add -XX:StartFlightRecording=filename=DIR/ to both agents. Needs the build
# (mvn package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 batches=1000 runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --batches) batches=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--batches N] [--runs N] [--keep] [--help]" >&2; exit 2 ;;
  esac
done
launcher=$(pwd)/bin/replicator
# A few batches more than files are journaled (the first file of a new folder can travel apart
# from its folder's creation): stay under SlaveFeed.MAX_REPLAY_BATCHES, past which a slave is
# compared by tree instead of replayed.
files=$(( batches - 25 ))
pids=()
works=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for w in "${works[@]}"; do
    if [ "$keep" = 1 ]; then echo "kept $w"; else rm -rf "$w"; fi
  done
}
trap cleanup EXIT
. "$(pwd)/bench/lib.sh"  # after the cd above: the repository root
# Called as $(start NODE), a subshell: the caller records the PID in pids itself.
start() {
  REPLICATOR_JAVA_OPTS="${AGENT_JAVA_OPTS:-${REPLICATOR_JAVA_OPTS:-}}" \
    "$launcher" agent --config "$work/cluster.yaml" --node "$1" >>"$work/$1.log" 2>&1 & echo $!
}
# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, after the name).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
cpu_s() { python3 -c "print('%.2f' % ($1 / $hz))"; }
rates=()
for run in $(seq "$runs"); do
  work=$(mktemp -d /tmp/replay-bench.XXXXXX)
  works+=("$work")
  pids=()
  two_node_cluster replay "$work"
  spid=$(start slave1); pids+=("$spid")
  mpid=$(start master); pids+=("$mpid")
  for _ in $(seq 120); do
    "$launcher" wait --config "$work/cluster.yaml" --node master --timeout 60 >/dev/null 2>&1 && break
    sleep 0.5
  done
  # One batch acknowledged by the slave: the journal may resume it (a slave never acknowledged
  # by this journal is compared by tree instead).
  echo seed > "$work/master/seed.txt"
  "$launcher" wait --config "$work/cluster.yaml" --node master --timeout 60 >/dev/null
  kill "$spid"; wait "$spid" 2>/dev/null || true
  python3 - "$work/master" "$files" <<'PY'
import os, sys, time
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 20))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(os.urandom(200 + (i * 37) % 3800))
    time.sleep(0.015)
PY
  # Let the planner journal the last change, then read how far behind the slave is.
  behind=0
  for _ in $(seq 50); do
    # status exits non-zero while the slave lags: only its JSON counts here.
    behind=$( ("$launcher" status --config "$work/cluster.yaml" --node master --json 2>/dev/null || true) \
      | python3 -c 'import json,sys; print((json.load(sys.stdin).get("slaves") or [{}])[0].get("lagBatches", 0))' 2>/dev/null || echo 0)
    [ "$behind" -ge "$files" ] && break
    sleep 0.2
  done
  "$launcher" wait --config "$work/cluster.yaml" --node master --timeout 300 >/dev/null &
  waiter=$!
  sleep 1  # the waiter's JVM is up and asking before the slave starts
  m_cpu0=$(cpu_ticks "$mpid")
  spid=$(start slave1); pids+=("$spid")
  wait "$waiter"
  m_cpu=$(( $(cpu_ticks "$mpid") - m_cpu0 )) s_cpu=$(cpu_ticks "$spid")
  t_wait=$(date +%s%N)
  # The end: the master's receipt of the slave's last ack (status lastAppliedAt, ms), not the
  # moment the waiting CLI's JVM has exited, which adds its shutdown to every run.
  acked=$( ("$launcher" status --config "$work/cluster.yaml" --node master --json 2>/dev/null || true) \
    | python3 -c 'import json,sys; print((json.load(sys.stdin).get("slaves") or [{}])[0].get("lastAppliedAt") or "")' 2>/dev/null || true)
  if [ -n "$acked" ]; then t_end=$(date -d "$acked" +%s%N); else t_end=$t_wait; fi
  resume=$(grep -m1 'resuming from the journal' "$work/master.log" | tail -1 || true)
  if [ -z "$resume" ]; then
    echo "run $run: the slave was not resumed from the journal: $(grep -E 'catch-up by tree comparison' "$work/master.log" | tail -1)" >&2
    exit 1
  fi
  t_resume=$(date -d "$(echo "$resume" | cut -d' ' -f1)" +%s%N)
  ms=$(( (t_end - t_resume) / 1000000 ))
  wait_ms=$(( (t_wait - t_resume) / 1000000 ))
  rate=$(python3 -c "print(round($behind / ($ms / 1000.0)))")
  rates+=("$rate")
  "$launcher" verify --config "$work/cluster.yaml" --node master >/dev/null && v="trees equal" || v="trees DIFFER"
  echo "run $run: $behind batches behind, replayed in $ms ms (last ack; the waiting CLI returned at $wait_ms ms): $rate batches/s; verify: $v; CPU master $(cpu_s "$m_cpu") s (from the slave's restart), slave $(cpu_s "$s_cpu") s (since its start); load $(cut -d' ' -f1-3 /proc/loadavg)"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
done
python3 -c "import statistics,sys; r=[int(x) for x in sys.argv[1:]]; print('median %d batches/s over %d runs %s' % (statistics.median(r), len(r), r))" "${rates[@]}"
