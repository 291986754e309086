# Shared by stack/up.sh, stack/down.sh and stack/acceptance.sh (sourced, not run).
# The cluster of stack/cluster.yaml on one machine: one network namespace per host, all named
# rs-* (the fault suite deletes stale rf-* namespaces), joined by a bridge that lives in the
# namespace rs-net. Nothing is added to, or addressed from, the root namespace.

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$STACK_DIR/.." && pwd)"
CLUSTER="$STACK_DIR/cluster.yaml"
# Every path below is also in cluster.yaml (the generated files name them).
W=/var/tmp/rs-stack
ETC="$W/etc"                       # stack_dir: DIR/<node>/ of `replicator generate --out`
PIDS="$W/pids"
NS_PREFIX=rs-
BRIDGE_NS=rs-net
SITE=wp.rs.test
LB_IP=10.78.0.10
CLIENT_IP=10.78.0.100
declare -A IP=([lb]=10.78.0.10 [web1]=10.78.0.11 [web2]=10.78.0.12 [db1]=10.78.0.21 [db2]=10.78.0.22
               [db3]=10.78.0.23 [mc]=10.78.0.30 [client]=10.78.0.100)
HOSTS=(lb web1 web2 db1 db2 db3 mc client)
DBS=(db1 db2 db3)
WEBS=(web1 web2)
REPLICATOR="${REPLICATOR:-$REPO/bin/replicator}"
# The agents share the machine with three databases: a smaller heap than the launcher's default.
export REPLICATOR_JAVA_OPTS="${REPLICATOR_JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Dfile.encoding=UTF-8}"
export PATH="$PATH:/usr/sbin:/sbin"

log() { printf '%s [stack] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Runs a command in host $1's namespace.
in_ns() { local h=$1; shift; ip netns exec "$NS_PREFIX$h" "$@"; }

# Starts a long-running server in host $1's namespace, in the background, recording its PID
# under name $2 (ip netns exec execs the command, so $! is the server itself). Output to $3.
start_bg() {
  local h=$1 name=$2 out=$3; shift 3
  ip netns exec "$NS_PREFIX$h" "$@" >>"$out" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# Like start_bg, with /etc/hosts of the stack bind-mounted in a private mount namespace: PHP's
# loopback requests (the installer's permalink test, the theme editor's check) resolve the site
# name to the load balancer without touching the machine's /etc/hosts.
start_bg_hosts() {
  local h=$1 name=$2 out=$3; shift 3
  ip netns exec "$NS_PREFIX$h" unshare --mount --propagation private \
    sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/hosts" "$@" >>"$out" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

pid_of() { cat "$PIDS/$1.pid" 2>/dev/null || true; }

# Stops a recorded process by PID: TERM, then KILL after $2 seconds (default 20).
stop_pid() {
  local name=$1 grace=${2:-20} pid
  pid=$(pid_of "$name")
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDS/$name.pid"
}

# Waits up to $1 seconds for command "$@" (after $1) to succeed.
wait_for() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.3
  done
}

# The database client on db node $1, through its socket, as root (unix-socket authentication).
db_sql() { local d=$1; shift; mariadb --socket="$W/$d/mysqld.sock" -N -B -e "$@"; }
db_state() { db_sql "$1" "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}'; }
db_synced() { [ "$(db_state "$1")" = Synced ]; }

# HAProxy's runtime API (a unix socket: no network involved).
haproxy_api() { echo "$*" | socat -t 5 stdio "unix-connect:$W/lb/admin.sock"; }
# "UP", "DOWN", "DRAIN", "MAINT"... of server $2 in backend $1.
server_status() {
  haproxy_api "show stat" | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s {print $18}'
}
server_is() { [ "$(server_status "$1" "$2")" = "$3" ]; }
