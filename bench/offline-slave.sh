#!/usr/bin/env bash
# The master's memory while a slave is offline (issue 4, item 1), by hand:
#   bench/offline-slave.sh [--minutes 60] [--rate 10] [--csv FILE] [--keep]
# Starts a master and one slave of the built launcher on loopback (free ports, TLS material from
# `replicator certs`), stops the slave, then changes --rate files a second on the master for
# --minutes (new files, rewrites, deletes). Every 30 s it samples the master's RSS, its heap in
# use after a full GC (jcmd), the journal on disk and the slave's lag as the master reports it,
# and appends them to the CSV. At the end the slave is started again; the script reports how it
# came back (journal resume or tree comparison) and how long `replicator wait` took, then checks
# the trees with `replicator verify`. --keep keeps the work dir (the agents' logs: their timestamps
# time the replay). Needs the build (mvn package -DskipTests) and jcmd.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0 minutes=60 rate=10 csv="bench/results/offline-slave-$(date -u +%Y%m%dT%H%M%SZ).csv"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--minutes N] [--rate CHANGES_PER_SECOND] [--csv FILE] [--keep]" >&2; exit 2 ;;
  esac
done
command -v jcmd >/dev/null || { echo "needs jcmd (a JDK)" >&2; exit 2; }
launcher=$(pwd)/bin/replicator
mkdir -p "$(dirname "$csv")"
csv=$(realpath -m "$csv")
work=$(mktemp -d /tmp/offline-slave.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "kept $work (master.log, slave1.log)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
. "$(pwd)/bench/lib.sh"  # after the cd above: the repository root
two_node_cluster offline "$work"
# Called as $(start NODE), a subshell: the caller records the PID in pids itself.
start() { "$launcher" agent --config "$work/cluster.yaml" --node "$1" >>"$work/$1.log" 2>&1 & echo $!; }
spid=$(start slave1); pids+=("$spid")
mpid=$(start master); pids+=("$mpid")
for _ in $(seq 120); do  # the JVM takes a few seconds to open its control socket
  "$launcher" wait --config "$work/cluster.yaml" --node master --timeout 60 >/dev/null 2>&1 && break
  sleep 0.5
done
kill "$spid"; wait "$spid" 2>/dev/null || true
echo "slave1 stopped; $rate changes/s for $minutes min; samples: $csv"
echo "elapsed_s,changes,master_rss_kib,heap_used_kib,journal_bytes,journal_segments,lag_batches,queued_bytes" > "$csv"
sample() {
  local st rss heap
  st=$("$launcher" status --config "$work/cluster.yaml" --node master --json 2>/dev/null || true)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$mpid/status")
  # After a full GC: what the master holds, not what it has not collected yet.
  jcmd "$mpid" GC.run >/dev/null 2>&1 || true
  # Young plus old generation in use (Serial GC prints "... generation total NK, used NK").
  heap=$(jcmd "$mpid" GC.heap_info 2>/dev/null | awk '/generation/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K","",v); s+=v}} END {print s+0}')
  python3 - "$1" "$2" "$rss" "${heap:-0}" "$st" >> "$csv" <<'PY'
import json, sys
elapsed, changes, rss, heap, st = sys.argv[1:6]
s = json.loads(st) if st.strip() else {}
j = s.get("journal", {})
sl = (s.get("slaves") or [{}])[0]
print(",".join(str(x) for x in [elapsed, changes, rss, heap, j.get("bytes", ""), j.get("segments", ""), sl.get("lagBatches", ""), sl.get("journalBytes", "")]))
PY
}
python3 - "$work/master" "$rate" "$minutes" "$csv" "$$" <<'PY' &
# The writer: rate changes a second, spread over 2,000 names in 20 folders (creates, rewrites,
# a delete now and then), so the tree stays about the same size however long the run.
import os, random, sys, time
root, rate, minutes = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rnd = random.Random(10)
end = time.monotonic() + minutes * 60
n = 0
with open(os.path.join(os.path.dirname(root), "changes"), "w") as counter:
    while time.monotonic() < end:
        d = os.path.join(root, "wp-content/uploads/d%02d" % rnd.randrange(20))
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "f%04d.txt" % rnd.randrange(100))
        if rnd.random() < 0.05 and os.path.exists(p):
            os.unlink(p)
        else:
            with open(p, "wb") as f:
                f.write(os.urandom(rnd.randrange(200, 8000)))
        n += 1
        counter.seek(0); counter.write("%d\n" % n); counter.flush()
        time.sleep(1 / rate)
PY
writer=$!
pids+=("$writer")
t0=$(date +%s)
while kill -0 "$writer" 2>/dev/null; do
  sleep 30
  sample "$(( $(date +%s) - t0 ))" "$(cat "$work/changes" 2>/dev/null || echo 0)"
done
spid=$(start slave1); pids+=("$spid")
t1=$(date +%s%N)
"$launcher" wait --config "$work/cluster.yaml" --node master --timeout 600 >/dev/null
t2=$(date +%s%N)
echo "slave1 back: wait took $(( (t2 - t1) / 1000000 )) ms; $(grep -E 'resuming from the journal|catch-up by tree comparison|older than what the journal retains' "$work/master.log" | tail -1 | sed 's/.*SlaveLink //')"
"$launcher" verify --config "$work/cluster.yaml" --node master && echo "verify: trees equal"
python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
if rows:
    k = lambda c: [int(r[c] or 0) for r in rows]
    print("samples %d; master RSS KiB first %d, max %d, last %d; heap used after GC KiB first %d, max %d, last %d; journal bytes max %d; lag batches last %d"
          % (len(rows), k("master_rss_kib")[0], max(k("master_rss_kib")), k("master_rss_kib")[-1],
             k("heap_used_kib")[0], max(k("heap_used_kib")), k("heap_used_kib")[-1], max(k("journal_bytes")), k("lag_batches")[-1]))
PY
