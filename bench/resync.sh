#!/usr/bin/env bash
# Resync benchmark: 10,000 files damaged on the slave, repaired by replicator resync; see bench/resync.py. Not for CI.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec python3 "$here/resync.py" "$@"
