#!/usr/bin/env bash
# Side-by-side benchmark of lsyncd, rsync and Replicator on 127.0.0.1; writes docs/benchmarks.md.
# Not for CI. Needs: a built jar (mvn -q package -DskipTests), rsync, lsyncd, python3; run as root.
#   bench/run.sh --quick          smoke test, a couple of minutes
#   bench/run.sh                  full run (about 15-30 minutes)
#   bench/run.sh --help           scenarios, tools and size flags
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec python3 "$here/bench.py" "$@"
