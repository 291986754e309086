#!/usr/bin/env bash
# Startup and memory of Replicator beside lsyncd's startup on a 100,000-file tree (issue 16).
# Not for CI. Needs: a built jar (mvn -q package -DskipTests), rsync, lsyncd, python3; run as root.
#   bench/startup.sh                          all scenarios: firststart restart changed memory, 3 reps
#   bench/startup.sh --only restart --reps 5  a subset
#   bench/startup.sh --help
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec python3 "$here/startup.py" "$@"
