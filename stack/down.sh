#!/usr/bin/env bash
# Tears down what stack/up.sh built: stops every server it started (by the PIDs it recorded,
# then anything still running inside its namespaces, all of which it started), deletes the rs-*
# namespaces (and with them the bridge and veths) and /var/tmp/rs-stack. Idempotent: safe after
# a failed or interrupted up, and when nothing is up. RS_KEEP=1 keeps /var/tmp/rs-stack (logs).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root"
trap '' INT   # a second Ctrl-C must not leave half a cluster behind

# Servers first, in the reverse order of their start (visitors' side first, databases last),
# so that nothing logs a storm of errors about a peer already gone.
if [ -d "$PIDS" ]; then
  for name in haproxy web2-agent web1-agent web2-nginx web1-nginx web2-php web1-php \
              db3-check db2-check db1-check db3 db2 db1 memcached; do
    [ -f "$PIDS/$name.pid" ] && stop_pid "$name" 30
  done
  for f in "$PIDS"/*.pid; do
    [ -e "$f" ] && stop_pid "$(basename "$f" .pid)" 10
  done
fi

# Whatever is left in our namespaces (a worker, an SST helper) was started by us.
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      pids=$(ip netns pids "$ns" 2>/dev/null || true)
      [ -z "$pids" ] && break
      sleep 0.1
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  fi
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
  ip netns delete "$ns" 2>/dev/null || log "could not delete namespace $ns"
done

if [ "${RS_KEEP:-0}" = 1 ]; then
  log "kept $W (RS_KEEP=1)"
else
  rm -rf "$W"
fi
left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$NS_PREFIX" || true)
[ "$left" = 0 ] || { log "$left rs-* namespaces are left"; exit 1; }
exit 0
