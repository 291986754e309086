#!/usr/bin/env bash
# Builds the whole HA WordPress cluster of stack/cluster.yaml on this machine (docs/cluster.md):
# namespaces rs-lb (HAProxy), rs-web1 (master: Nginx, PHP-FPM, WordPress, replicator master),
# rs-web2 (the same with a replicator slave), rs-db1..3 (MariaDB + Galera), rs-mc (memcached)
# and rs-client (where visitors' requests come from), on a bridge inside rs-net. Every server
# configuration comes from `replicator generate`; nothing is written by hand. Needs root and the
# Debian packages of stack/install-packages.sh. On any failure it tears down what it built.
#
#   stack/up.sh          # then stack/down.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, servers that drop to their users)"
missing=()
for b in ip haproxy nginx php-fpm8.2 mariadbd mariadb-install-db mariadb memcached socat curl rsync java unshare; do
  command -v "$b" >/dev/null || missing+=("$b")
done
[ -d /usr/share/wordpress/wp-content/themes/twentytwentythree ] || missing+=(wordpress-theme-twentytwentythree)
php -m 2>/dev/null | grep -qx memcached || missing+=(php8.2-memcached)
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (stack/install-packages.sh installs them)"
[ -x "$REPLICATOR" ] || die "$REPLICATOR: no launcher"

# A half-built or left-over cluster goes first (down.sh is idempotent).
RS_KEEP=0 "$STACK_DIR/down.sh" >/dev/null 2>&1 || true
trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed (exit $rc): tearing down"; "$STACK_DIR/down.sh" || true; fi' EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
mkdir -p "$W" "$PIDS" "$W/lb"
chmod 755 "$W"

log "configs: replicator generate --config stack/cluster.yaml --out $ETC"
"$REPLICATOR" generate --config "$CLUSTER" --out "$ETC" >&2

# --- network: a bridge in rs-net, one veth per host with both ends in our namespaces ---------
ip netns add "$BRIDGE_NS"
ip -n "$BRIDGE_NS" link add br0 type bridge
ip -n "$BRIDGE_NS" link set br0 up
for h in "${HOSTS[@]}"; do
  ns=$NS_PREFIX$h
  ip netns add "$ns"
  ip -n "$ns" link add eth0 type veth peer name "$h" netns "$BRIDGE_NS"
  ip -n "$ns" addr add "${IP[$h]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$BRIDGE_NS" link set "$h" master br0
  ip -n "$BRIDGE_NS" link set "$h" up
done
# The site's name for PHP's loopback requests (see start_bg_hosts), and the machine's own names.
{ echo "127.0.0.1 localhost"; echo "$LB_IP $SITE"; } >"$W/hosts"

# --- memcached ------------------------------------------------------------------------------
mkdir -p "$W/mc"
# Debian's start-memcached turns /etc/memcached.conf into arguments the same way.
mapfile -t mc_args < <(grep -v '^[[:space:]]*#' "$ETC/mc/memcached/memcached.conf" | grep -v '^[[:space:]]*$' | grep -v '^-P')
# shellcheck disable=SC2206
mc_args=(${mc_args[*]})
log "memcached on ${IP[mc]}"
start_bg mc memcached "$W/mc/memcached.log" memcached "${mc_args[@]}"

# --- Galera: db1 bootstraps, db2 and db3 join one after the other (state transfer by rsync) ---
db_pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
for d in "${DBS[@]}"; do
  mkdir -p "$W/$d/data" "$ETC/$d/mysql/local.d"
  chown -R mysql:mysql "$W/$d"
done
log "db1: initialising the data folder"
mariadb-install-db --defaults-file="$ETC/db1/mysql/galera.cnf" --user=mysql --skip-test-db \
  --auth-root-authentication-method=socket >"$W/db1/install.log" 2>&1 || { cat "$W/db1/install.log" >&2; die "mariadb-install-db failed"; }
for d in "${DBS[@]}"; do
  extra=()
  [ "$d" = db1 ] && extra=(--wsrep-new-cluster)
  log "$d: starting mariadbd${extra:+ (bootstrapping the cluster)}"
  start_bg "$d" "$d" "$W/$d/mysqld.log" mariadbd --defaults-file="$ETC/$d/mysql/galera.cnf" "${extra[@]}"
  wait_for 240 db_synced "$d" || { tail -30 "$W/$d/mysqld.log" >&2; die "$d did not reach Synced"; }
  # HAProxy's health check of this node: the generated galera-check, one run per connection
  # (what its generated systemd socket unit does), as the mysql account like that unit.
  start_bg "$d" "$d-check" "$W/$d/galera-check.log" socat "TCP-LISTEN:9200,bind=${IP[$d]},reuseaddr,fork" \
    "EXEC:$ETC/$d/galera-check/galera-check,su=mysql"
  if [ "$d" = db1 ]; then
    db_sql db1 "CREATE DATABASE wordpress DEFAULT CHARACTER SET utf8mb4;
      CREATE USER 'wordpress'@'%' IDENTIFIED BY '$db_pw';
      GRANT ALL ON wordpress.* TO 'wordpress'@'%';"
  fi
done
log "galera: $(db_sql db1 "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'") after $((SECONDS - t0)) s"

# --- HAProxy ----------------------------------------------------------------------------------
log "haproxy on $LB_IP"
# -W (master-worker, as Debian's unit runs it): SIGUSR2 reloads the file (acceptance's failover).
start_bg lb haproxy "$W/lb/haproxy.log" haproxy -W -db -f "$ETC/lb/haproxy/haproxy.cfg"

# --- WordPress in web1's docroot: Debian's files with links resolved, the generated wp-config --
web_root() { echo "$W/$1/www"; }
for n in "${WEBS[@]}"; do
  mkdir -p "$W/$n/www" "$W/$n/state" "$W/$n/run" "$W/$n/log" "$W/$n/cache" "$ETC/$n/nginx/local.d" "$ETC/$n/php/local.d"
  chown www-data:www-data "$W/$n/www" "$W/$n/run" "$W/$n/log" "$W/$n/cache"
done
log "web1: WordPress from /usr/share/wordpress (cp -rL)"
rmdir "$W/web1/www"
cp -rL /usr/share/wordpress "$W/web1/www"
# Debian's shim reads /etc/wordpress/config-<host>.php: replaced by the generated file.
rm -f "$W/web1/www/wp-config.php" "$W/web1/www/.htaccess"
cp "$ETC/web1/wordpress/wp-config.php" "$W/web1/www/wp-config.php"
mkdir -p "$W/web1/www/wp-content/uploads"
chown -R www-data:www-data "$W/web1/www"
# The secrets wp-config.php requires (never generated: random, and not for a cluster file).
salt() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n'; }
{
  echo "<?php"
  echo "// Secrets of the rs-stack cluster, written by stack/up.sh (docs/cluster.md)."
  echo "define('DB_PASSWORD', '$db_pw');"
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    echo "define('$k', '$(salt)');"
  done
  echo "// The machine has no internet: no update checks, no remote fetches (the site itself still works)."
  echo "define('WP_HTTP_BLOCK_EXTERNAL', true);"
  echo "define('AUTOMATIC_UPDATER_DISABLED', true);"
  echo "define('DISABLE_WP_CRON', true);"
} >"$ETC/wp-secrets.php"
chown root:www-data "$ETC/wp-secrets.php"
chmod 640 "$ETC/wp-secrets.php"

# --- Replicator: TLS material, the master adopts the filled docroot, web2 starts empty --------
log "replicator: certificates, adopting web1's docroot"
"$REPLICATOR" certs --config "$CLUSTER" --ca-dir "$W/ca" >"$W/certs.log" 2>&1 || { cat "$W/certs.log" >&2; die "replicator certs failed"; }
"$REPLICATOR" adopt --config "$CLUSTER" --node web1 >"$W/adopt.log" 2>&1 || { cat "$W/adopt.log" >&2; die "replicator adopt failed"; }

# --- web nodes: PHP-FPM, Nginx, agent ---------------------------------------------------------
start_web_php() { start_bg_hosts "$1" "$1-php" "$W/$1/log/php-fpm.out" php-fpm8.2 --nodaemonize --fpm-config "$ETC/$1/php/php-fpm.conf"; }
start_web_nginx() { start_bg "$1" "$1-nginx" "$W/$1/log/nginx.out" nginx -c "$ETC/$1/nginx/nginx.conf" -g 'daemon off;'; }
start_web_agent() { start_bg "$1" "$1-agent" "$W/$1/agent.log" "$REPLICATOR" agent --config "$CLUSTER" --node "$1"; }
for n in "${WEBS[@]}"; do
  log "$n: php-fpm, nginx, replicator agent"
  start_web_php "$n"
  start_web_nginx "$n"
  start_web_agent "$n"
done

log "waiting for web2's catch-up and HAProxy's health checks"
caught_up() { [ -f "$W/web2/www/wp-config.php" ] && in_ns web1 "$REPLICATOR" verify --config "$CLUSTER" >/dev/null 2>&1; }
wait_for 300 caught_up || { tail -20 "$W/web1/agent.log" "$W/web2/agent.log" >&2; die "web2 did not catch up"; }
all_up() {
  local b s
  for b in web/web1 web/web2 master/web1 mysql/db1 mysql/db2 mysql/db3; do
    server_is "${b%/*}" "${b#*/}" UP || return 1
  done
}
wait_for 60 all_up || { haproxy_api "show stat" | cut -d, -f1,2,18,37 >&2; die "HAProxy does not see every server UP"; }
log "cluster up in $((SECONDS - t0)) s: http://$SITE/ at $LB_IP (from a namespace: ip netns exec ${NS_PREFIX}client curl --resolve $SITE:80:$LB_IP http://$SITE/)"
trap - EXIT
