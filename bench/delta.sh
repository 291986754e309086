#!/usr/bin/env bash
# Delta benchmark against rsync and rdiff on one large file; see bench/delta.py. Not for CI.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec python3 "$here/delta.py" "$@"
