#!/usr/bin/env bash
# The fault suite's repeated runs, by hand (CI runs each scenario once with the 20 s cut):
#   bench/faults.sh [--runs 20] [--cut 120] [--csv FILE] [--only METHOD] [--logs DIR]
# Runs NetworkFaultsIT (replicator-cli) once, repeating every scenario --runs times in fresh
# namespaces, and appends scenario,run,cut_s,convergence_ms,result per run to the CSV (result
# "ok" or why the run failed). Needs root. Then prints runs, p50/p95/max and failures per
# scenario for docs/reliability.md. --only runs one test method of NetworkFaultsIT (a pattern,
# e.g. 'networkCut*'); --logs keeps every run's agent logs under DIR/scenario-run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20 cut=120 csv="bench/results/faults-$(date -u +%Y%m%dT%H%M%SZ).csv" only="" logs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --cut) cut=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --logs) logs=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: $0 [--runs N] [--cut SECONDS] [--csv FILE] [--only METHOD] [--logs DIR]" >&2; exit 2 ;;
  esac
done
mkdir -p "$(dirname "$csv")"
csv=$(realpath -m "$csv")
status=0
mvn -B -ntp verify -pl replicator-cli -am -Dtest=none -Dit.test="NetworkFaultsIT${only:+#$only}" -Dfaults.logs="$logs" \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -DexcludedTestGroups=none -Dfaults.runs="$runs" -Dfaults.cut.s="$cut" -Dfaults.csv="$csv" || status=$?
echo "per-run convergence times: $csv"
python3 - "$csv" <<'PY'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    ms = int(r["convergence_ms"]) if r["result"] == "ok" else -1
    by.setdefault(r["scenario"], []).append(ms)
print("| scenario | runs | p50 s | p95 s | max s | failures |")
print("|---|---|---|---|---|---|")
for name, ms in by.items():
    ok = sorted(m for m in ms if m >= 0)
    fail = len(ms) - len(ok)
    pct = lambda q: ok[max(0, math.ceil(len(ok) * q) - 1)] / 1000 if ok else float("nan")
    print(f"| {name} | {len(ms)} | {pct(0.5):.1f} | {pct(0.95):.1f} | {(ok[-1] / 1000 if ok else float('nan')):.1f} | {fail} |")
PY
exit $status
