#!/usr/bin/env bash
# The whole cluster as a test (docs/cluster.md): builds it with stack/up.sh, drives it over HTTP
# through HAProxy only (curl runs in the rs-client namespace) as a visitor and an administrator
# would, tears it down (also on failure or Ctrl-C), and prints one line per check, "ok ..." or
# "FAIL ...". Exit 0 only when every check passed; a check that could not run is a failure.
# Needs root and the packages of stack/install-packages.sh.
#
#   stack/acceptance.sh             # REPLICATOR=/path/to/bin/replicator to use another launcher
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "FAIL acceptance: needs root (network namespaces)"; exit 1; }

CHECKS=(up configs install login media-upload rest-upload plugin theme-edit renders post
        nginx-stop nginx-start agent-stop agent-start galera-kill galera-back session admin-on-web1 down)
declare -A DONE=()
FAILED=0
report() {   # id, ok|FAIL, text
  DONE[$1]=1
  if [ "$2" = ok ]; then echo "ok   $1: $3"; else echo "FAIL $1: $3"; FAILED=$((FAILED + 1)); fi
}
REASON=""
# Runs check $1 (function $2), reporting its outcome with description $3.
check() {
  local id=$1 fn=$2 what=$3
  REASON=""
  local t=$SECONDS
  if "$fn"; then report "$id" ok "$what${REASON:+ ($REASON)} [$((SECONDS - t)) s]"
  else report "$id" FAIL "$what: ${REASON:-failed}"; fi
}
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -z "${DONE[down]:-}" ]; then
    if [ "$FAILED" -gt 0 ] || [ $rc -ne 0 ]; then dump_logs; fi
    "$STACK_DIR/down.sh" >&2
    if [ -z "$(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX")" ] && { [ ! -e "$W" ] || [ "${RS_KEEP:-0}" = 1 ]; }; then
      report down ok "torn down: no rs-* namespace, no $W"
    else
      report down FAIL "rs-* namespaces or $W left behind"
    fi
  fi
  for id in "${CHECKS[@]}"; do
    [ -n "${DONE[$id]:-}" ] || report "$id" FAIL "not run"
  done
  echo "acceptance: $((${#CHECKS[@]} - FAILED))/${#CHECKS[@]} passed in $((SECONDS - T0)) s"
  [ "$FAILED" -eq 0 ] && exit 0
  exit 1
}
dump_logs() {
  [ -d "$W" ] || return 0
  local f
  for f in "$W"/web1/agent.log "$W"/web2/agent.log "$W"/web*/log/nginx-error.log "$W"/web*/log/php-error.log \
           "$W"/web*/log/php-fpm.log "$W"/lb/haproxy.log "$W"/db*/mysqld.log; do
    [ -s "$f" ] && { echo "----- tail $f" >&2; tail -15 "$f" >&2; }
  done
  haproxy_api "show stat" 2>/dev/null | cut -d, -f1,2,18 >&2 || true
}
# One run at a time on a machine (the namespaces and /var/tmp/rs-stack are fixed): wait for another.
exec 9>/run/lock/rs-stack.lock
flock -w 1500 9 || { echo "FAIL acceptance: another run holds /run/lock/rs-stack.lock"; exit 1; }
T0=$SECONDS
trap finish EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
T=""   # scratch folder (inside $W, so that down removes it)
CURL=(curl -sS --max-time 60 --resolve "$SITE:80:$LB_IP")
URL="http://$SITE"
# A visitor's request: no cookies. Body to $1; prints "<status> <X-Served-By>".
visit() { local out=$1; shift; in_ns client "${CURL[@]}" -o "$out" -w '%{http_code} %header{x-served-by}' "$@" 2>>"$T/curl.err"; }
# The administrator's request: the cookie jar, and the node that answered is recorded.
admin() {
  local out=$1; shift
  local r
  r=$(in_ns client "${CURL[@]}" -b "$T/admin.jar" -c "$T/admin.jar" -o "$out" -w '%{http_code} %header{x-served-by}' "$@" 2>>"$T/curl.err")
  echo "${r#* } ${1%%\?*}" >>"$T/admin-served"
  echo "$r"
}
# Sends visitors to one web node only: the other's weight is 0 (the runtime API; an agent-check
# answer of "ready" clears a drain, not a weight).
only() { local other=web1; [ "$1" = web1 ] && other=web2; haproxy_api "set weight web/$other 0" >/dev/null; haproxy_api "set weight web/$1 100%" >/dev/null; }
both() { haproxy_api "set weight web/web1 100%" >/dev/null; haproxy_api "set weight web/web2 100%" >/dev/null; }
nonce_from() { perl -0ne "print \$1 if /$2/s" "$1"; }
same_file() { cmp -s "$1" "$2"; }
now() { echo "${EPOCHREALTIME/./}"; }   # microseconds
ms_since() { echo $((($(now) - $1) / 1000)); }
png() {  # a valid 1x1 PNG, made unique by data after its end
  echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' | base64 -d >"$1"
  printf 'rs-%s' "$RANDOM$RANDOM" >>"$1"
}
PW="rs-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"

# ---------------------------------------------------------------------------------------------
c_up() {
  if ! "$STACK_DIR/up.sh"; then REASON="stack/up.sh failed"; return 1; fi
  T="$W/t"; mkdir -p "$T"; : >"$T/admin-served"
}

c_configs() {   # the running servers' files are exactly what generate writes
  local fresh="$T/generated"
  "$REPLICATOR" generate --config "$CLUSTER" --out "$fresh" >/dev/null || { REASON="generate failed"; return 1; }
  local d
  d=$(diff -r -x local.d -x wp-secrets.php "$fresh" "$ETC" 2>&1) || { REASON="differ: ${d:0:300}"; return 1; }
  same_file "$fresh/web1/wordpress/wp-config.php" "$W/web1/www/wp-config.php" || { REASON="web1's wp-config.php differs"; return 1; }
  same_file "$fresh/web2/wordpress/wp-config.php" "$W/web2/www/wp-config.php" || { REASON="web2's wp-config.php differs"; return 1; }
  REASON="$(find "$fresh" -type f | wc -l) files byte-identical"
}

c_install() {
  local r
  r=$(admin "$T/i1" "$URL/wp-admin/install.php")
  [ "${r%% *}" = 200 ] || { REASON="GET install.php: $r"; return 1; }
  grep -q 'name="weblog_title"' "$T/i1" || { REASON="install.php shows no setup form"; return 1; }
  r=$(admin "$T/i2" "$URL/wp-admin/install.php?step=2" --data-urlencode "weblog_title=RS Stack" \
    --data-urlencode "user_name=admin" --data-urlencode "admin_password=$PW" --data-urlencode "admin_password2=$PW" \
    --data-urlencode "pw_weak=on" --data-urlencode "admin_email=admin@rs.test" --data-urlencode "blog_public=0" \
    --data-urlencode "Submit=Install WordPress" --data-urlencode "language=")
  [ "${r%% *}" = 200 ] && grep -q 'wp-login.php' "$T/i2" && grep -qi 'success' "$T/i2" || { REASON="step 2: $r: $(grep -o '<p[^>]*>[^<]*' "$T/i2" | head -3 | tr '\n' ' ')"; return 1; }
  r=$(visit "$T/i3" "$URL/")
  [ "${r%% *}" = 200 ] && grep -q 'RS Stack' "$T/i3" || { REASON="home page after install: $r"; return 1; }
}

c_login() {
  local r
  admin "$T/l1" "$URL/wp-login.php" >/dev/null
  r=$(admin "$T/l2" "$URL/wp-login.php" --data-urlencode "log=admin" \
    --data-urlencode "pwd=$PW" --data-urlencode "wp-submit=Log In" --data-urlencode "redirect_to=$URL/wp-admin/" --data-urlencode "testcookie=1")
  [ "${r%% *}" = 302 ] || { REASON="POST wp-login.php: $r"; return 1; }
  r=$(admin "$T/l3" "$URL/wp-admin/")
  [ "$r" = "200 web1" ] && grep -q 'Dashboard' "$T/l3" || { REASON="GET /wp-admin/: $r"; return 1; }
  # The block editor's REST root is /wp-json/: pretty permalinks (the installer enables them
  # when its loopback test through HAProxy works).
  r=$(visit "$T/l4" "$URL/wp-json/")
  [ "${r%% *}" = 200 ] || { REASON="/wp-json/ answers $r (pretty permalinks not enabled by the installer?)"; return 1; }
  r=$(admin "$T/l5" "$URL/wp-admin/admin-ajax.php?action=rest-nonce")
  REST_NONCE=$(cat "$T/l5")
  [[ "$REST_NONCE" =~ ^[0-9a-f]{10}$ ]] || { REASON="no REST nonce: $r"; return 1; }
  # The session probe of the 'session' check, put in the master's docroot like any upload.
  install -o www-data -g www-data -m 644 "$STACK_DIR/session-probe.php" "$W/web1/www/rs-session.php"
}

# Waits up to 1 s for upload $1 (path under the docroot, bytes in $2) to be on web2's disk and
# served by web2 through HAProxy (web1 weighted out), from the moment $3 the upload returned.
served_by_web2_within_1s() {
  local rel=$1 bytes=$2 t0=$3 r
  while :; do
    if same_file "$bytes" "$W/web2/www/$rel"; then
      r=$(visit "$T/w2" "$URL/$rel")
      if [ "$r" = "200 web2" ] && same_file "$bytes" "$T/w2"; then
        REASON="on web2 after $(ms_since "$t0") ms"
        [ "$(ms_since "$t0")" -le 1000 ] && return 0
        return 1
      fi
    fi
    [ "$(ms_since "$t0")" -le 1000 ] || { REASON="not served by web2 within 1 s (last answer: ${r:-none, not on the disk of web2})"; return 1; }
    sleep 0.05
  done
}

# Uploads image $1 through the media library (async-upload.php); sets UP_REL (path) and UP_T0.
media_upload() {
  local img=$1 node=${2:-web1} r nonce
  r=$(admin "$T/m1" "$URL/wp-admin/media-new.php")
  nonce=$(nonce_from "$T/m1" '"_wpnonce":"([0-9a-f]{10})"')
  [ -n "$nonce" ] || { REASON="no media-form nonce on media-new.php ($r)"; return 1; }
  r=$(admin "$T/m2" "$URL/wp-admin/async-upload.php" -F "async-upload=@$img;type=image/png" -F "name=$(basename "$img")" \
    -F "action=upload-attachment" -F "_wpnonce=$nonce")
  UP_T0=$(now)
  [ "$r" = "200 $node" ] && grep -q '"success":true' "$T/m2" || { REASON="async-upload.php: $r $(head -c 200 "$T/m2")"; return 1; }
  UP_REL=$(grep -o '"url":"[^"]*"' "$T/m2" | head -1 | sed 's/"url":"//; s/"$//; s|\\/|/|g; s|^http://[^/]*/||')
  [ -n "$UP_REL" ] || { REASON="no url in the upload's answer"; return 1; }
}

c_media_upload() {
  png "$T/media.png"
  only web2
  media_upload "$T/media.png" || { both; return 1; }
  served_by_web2_within_1s "$UP_REL" "$T/media.png" "$UP_T0"; local rc=$?
  both; return $rc
}

c_rest_upload() {
  local r rel
  png "$T/rest.png"
  only web2
  r=$(admin "$T/r1" "$URL/wp-json/wp/v2/media" -H "X-WP-Nonce: $REST_NONCE" -H "Content-Type: image/png" \
    -H "Content-Disposition: attachment; filename=rest-upload.png" --data-binary "@$T/rest.png")
  local t0; t0=$(now)
  [ "$r" = "201 web1" ] || { both; REASON="POST /wp-json/wp/v2/media: $r $(head -c 200 "$T/r1")"; return 1; }
  rel=$(grep -o '"source_url":"[^"]*"' "$T/r1" | head -1 | sed 's/"source_url":"//; s/"$//; s|\\/|/|g; s|^http://[^/]*/||')
  served_by_web2_within_1s "$rel" "$T/rest.png" "$t0"; r=$?
  both; return $r
}

# Waits up to $2 seconds for web2's copy of docroot path $1 to equal web1's.
on_web2() { wait_for "$2" same_file "$W/web1/www/$1" "$W/web2/www/$1"; }

c_plugin() {
  local r nonce link
  mkdir -p "$T/zip/rs-probe"
  cat >"$T/zip/rs-probe/rs-probe.php" <<'PHP'
<?php
/*
 * Plugin Name: RS Probe
 * Description: Written by stack/acceptance.sh: the [rs_probe] shortcode.
 * Version: 1.0
 */
add_shortcode('rs_probe', function () {
    return '<span class="rs-probe">rs-probe-plugin-ok</span>';
});
PHP
  (cd "$T/zip" && jar --create --no-manifest --file ../rs-probe.zip rs-probe) || { REASON="could not zip the plugin"; return 1; }
  r=$(admin "$T/p1" "$URL/wp-admin/plugin-install.php?tab=upload")
  nonce=$(nonce_from "$T/p1" 'action=upload-plugin.*?name="_wpnonce" value="([0-9a-f]{10})"')
  [ -n "$nonce" ] || { REASON="no plugin-upload nonce ($r)"; return 1; }
  r=$(admin "$T/p2" "$URL/wp-admin/update.php?action=upload-plugin" -F "pluginzip=@$T/rs-probe.zip;type=application/zip" \
    -F "_wpnonce=$nonce" -F "install-plugin-submit=Install Now")
  grep -q 'Plugin installed successfully' "$T/p2" || { REASON="upload: $r $(grep -o '<p>[^<]*' "$T/p2" | tail -3 | tr '\n' ' ')"; return 1; }
  link=$(grep -o 'plugins.php?action=activate[^"]*' "$T/p2" | head -1 | sed 's/&amp;/\&/g')
  [ -n "$link" ] || { REASON="no activate link after the upload"; return 1; }
  r=$(admin "$T/p3" "$URL/wp-admin/$link")
  [ "${r%% *}" = 302 ] || { REASON="activate: $r"; return 1; }
  r=$(admin "$T/p4" "$URL/wp-admin/plugins.php")
  grep -q 'deactivate&amp;plugin=rs-probe%2Frs-probe.php' "$T/p4" || { REASON="not active after activation"; return 1; }
  on_web2 wp-content/plugins/rs-probe/rs-probe.php 10 || { REASON="the plugin did not reach web2 in 10 s"; return 1; }
  REASON="installed, active, on web2"
}

THEME_FILE=wp-content/themes/twentytwentythree/patterns/footer-default.php
c_theme_edit() {
  local r nonce
  r=$(admin "$T/e1" "$URL/wp-admin/theme-editor.php?theme=twentytwentythree&file=patterns%2Ffooter-default.php")
  nonce=$(nonce_from "$T/e1" 'name="nonce" value="([0-9a-f]{10})"')
  [ -n "$nonce" ] || { REASON="no editor nonce on theme-editor.php ($r)"; return 1; }
  { cat "$W/web1/www/$THEME_FILE"
    printf '\n<!-- wp:paragraph -->\n<p class="rs-theme-edit">rs-theme-edit-ok</p>\n<!-- /wp:paragraph -->\n'; } >"$T/footer.php"
  # WordPress 6.1 saves a PHP file, then checks through loopback requests to the site and to
  # the editor (through HAProxy, from web1) that the site still works, and reverts if not.
  r=$(admin "$T/e2" "$URL/wp-admin/admin-ajax.php" --data-urlencode "action=edit-theme-plugin-file" \
    --data-urlencode "nonce=$nonce" --data-urlencode "theme=twentytwentythree" --data-urlencode "file=patterns/footer-default.php" \
    --data-urlencode "newcontent@$T/footer.php")
  grep -q '"success":true' "$T/e2" || { REASON="save: $r $(head -c 300 "$T/e2")"; return 1; }
  same_file "$T/footer.php" "$W/web1/www/$THEME_FILE" || { REASON="web1's file is not the edited one"; return 1; }
  on_web2 "$THEME_FILE" 10 || { REASON="the edit did not reach web2 in 10 s"; return 1; }
  REASON="saved past WordPress's loopback check, on web2"
}

POST_URL=""
c_post() {
  local r
  r=$(admin "$T/o1" "$URL/wp-json/wp/v2/posts" -H "X-WP-Nonce: $REST_NONCE" -H "Content-Type: application/json" \
    --data '{"title":"RS acceptance post","status":"publish","content":"<!-- wp:paragraph --><p>rs-post-body-ok</p><!-- /wp:paragraph --><!-- wp:shortcode -->[rs_probe]<!-- /wp:shortcode -->"}')
  [ "$r" = "201 web1" ] || { REASON="POST /wp-json/wp/v2/posts: $r $(head -c 200 "$T/o1")"; return 1; }
  POST_URL=$(grep -o '"link":"[^"]*"' "$T/o1" | head -1 | sed 's/"link":"//; s/"$//; s|\\/|/|g')
  [ -n "$POST_URL" ] || { REASON="no link in the answer"; return 1; }
  renders_on web1 rs-post-body-ok && renders_on web2 rs-post-body-ok || return 1
  REASON="$POST_URL on web1 and web2"
}

# Visitors get the post from node $1 (the other weighted out) with every marker in $2...
renders_on() {
  local node=$1; shift
  local r m
  only "$node"
  for _ in $(seq 1 20); do   # opcache revalidates replicated PHP within 2 s; the hook sooner
    r=$(visit "$T/v" "$POST_URL")
    local all=1
    for m in "$@"; do grep -q "$m" "$T/v" || all=0; done
    [ "$r" = "200 $node" ] && [ $all = 1 ] && { both; return 0; }
    sleep 0.5
  done
  both
  REASON="$node: $r, missing $(for m in "$@"; do grep -q "$m" "$T/v" || printf '%s ' "$m"; done)"
  return 1
}

c_renders() {
  [ -n "$POST_URL" ] || { REASON="no post to render"; return 1; }
  renders_on web1 rs-probe-plugin-ok rs-theme-edit-ok && renders_on web2 rs-probe-plugin-ok rs-theme-edit-ok || return 1
  REASON="the plugin's shortcode and the edited footer on web1 and web2"
}

# $1 visitor requests for $2; fails on any answer but 200. Sets SERVED (node counts).
visitors() {
  local n=$1 url=$2 i r
  SERVED=""
  for ((i = 0; i < n; i++)); do
    r=$(visit "$T/x" "$url")
    [ "${r%% *}" = 200 ] || { REASON="visitor $((i + 1)) got $r for $url"; return 1; }
    SERVED+="${r#* } "
  done
}
count() { local c=0 w; for w in $SERVED; do [ "$w" = "$1" ] && c=$((c + 1)); done; echo $c; }

c_nginx_stop() {
  stop_pid web2-nginx
  visitors 20 "$URL/" || return 1
  wait_for 20 server_is web web2 DOWN || { REASON="HAProxy never marked web2 DOWN"; return 1; }
  visitors 10 "$URL/" || return 1
  [ "$(count web1)" = 10 ] || { REASON="after web2 went DOWN: $SERVED"; return 1; }
  REASON="30 visitors, no error; web2 DOWN"
}

c_nginx_start() {
  start_bg web2 web2-nginx "$W/web2/log/nginx.out" nginx -c "$ETC/web2/nginx/nginx.conf" -g 'daemon off;'
  wait_for 30 server_is web web2 UP || { REASON="web2 not UP again within 30 s"; return 1; }
  visitors 20 "$URL/" || return 1
  [ "$(count web2)" -gt 0 ] || { REASON="no visitor reached web2: $SERVED"; return 1; }
  REASON="web2 UP, served $(count web2)/20"
}

AGENT_IMG=""
c_agent_stop() {
  stop_pid web2-agent
  png "$T/lag.png"
  media_upload "$T/lag.png" || return 1
  AGENT_IMG=$UP_REL
  # Visitors ask for the new image while web2 lacks it: web2 fetches it from the master.
  local end=$((SECONDS + 40)) n=0 r w2=0
  until server_is web web2 DOWN; do
    [ $SECONDS -lt $end ] || { REASON="web2 still in rotation 40 s after its agent stopped"; return 1; }
    r=$(visit "$T/y" "$URL/$AGENT_IMG")
    n=$((n + 1))
    [ "${r%% *}" = 200 ] && same_file "$T/y" "$T/lag.png" || { REASON="visitor $n got $r for the new image"; return 1; }
    [ "${r#* }" = web2 ] && w2=$((w2 + 1))
  done
  [ ! -e "$W/web2/www/$AGENT_IMG" ] || { REASON="the image reached web2 with its agent stopped?"; return 1; }
  visitors 10 "$URL/$AGENT_IMG" || return 1
  REASON="web2 DOWN; $((n + 10)) visitors got the image, $w2 of them from web2 via the master"
}

c_agent_start() {
  start_bg web2 web2-agent "$W/web2/agent.log" "$REPLICATOR" agent --config "$CLUSTER" --node web2
  [ -n "$AGENT_IMG" ] || { REASON="no image from the previous check"; return 1; }
  wait_for 60 same_file "$T/lag.png" "$W/web2/www/$AGENT_IMG" || { REASON="web2 did not catch up within 60 s"; return 1; }
  wait_for 30 server_is web web2 UP || { REASON="web2 not back UP within 30 s of catching up"; return 1; }
  REASON="caught up, UP"
}

c_galera_kill() {
  # The writer: HAProxy's MySQL listener sends WordPress to db1 first.
  local pid; pid=$(pid_of db1)
  kill -KILL "$pid" || { REASON="no db1 to kill"; return 1; }
  rm -f "$PIDS/db1.pid"
  wait_for 10 eval "! kill -0 $pid" || { REASON="db1 survived SIGKILL"; return 1; }
  visitors 10 "$POST_URL" || return 1
  grep -q rs-post-body-ok "$T/x" || { REASON="the post lacks its body"; return 1; }
  wait_for 20 server_is mysql db1 DOWN || { REASON="HAProxy kept db1 UP"; return 1; }
  visitors 10 "$POST_URL" || return 1
  local r
  r=$(admin "$T/g1" "$URL/wp-json/wp/v2/posts" -H "X-WP-Nonce: $REST_NONCE" -H "Content-Type: application/json" \
    --data '{"title":"written without db1","status":"publish","content":"rs-after-kill"}')
  [ "$r" = "201 web1" ] || { REASON="a write without db1: $r"; return 1; }
  REASON="db1 killed: 20 visitors served, a post written through db2"
}

c_galera_back() {
  start_bg db1 db1 "$W/db1/mysqld.log" mariadbd --defaults-file="$ETC/db1/mysql/galera.cnf"
  wait_for 180 db_synced db1 || { REASON="db1 not Synced within 180 s (state: $(db_state db1))"; return 1; }
  local size; size=$(db_sql db1 "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
  [ "$size" = 3 ] || { REASON="cluster size $size"; return 1; }
  wait_for 20 server_is mysql db1 UP || { REASON="HAProxy does not see db1 UP"; return 1; }
  [ "$(db_sql db1 "SELECT COUNT(*) FROM wordpress.wp_posts WHERE post_content = 'rs-after-kill'")" = 1 ] \
    || { REASON="db1 lacks the post written while it was down"; return 1; }
  visitors 5 "$POST_URL" || return 1
  REASON="rejoined, Synced, cluster size 3, has the post written without it"
}

c_session() {
  local r v="rs-$RANDOM$RANDOM"
  on_web2 rs-session.php 10 || { REASON="the session probe is not on web2"; return 1; }
  only web1
  r=$(in_ns client "${CURL[@]}" -c "$T/s.jar" -b "$T/s.jar" -o "$T/s1" -w '%{http_code} %header{x-served-by}' "$URL/rs-session.php?set=$v")
  [ "$r" = "200 web1" ] && grep -q "value=$v" "$T/s1" || { both; REASON="set on web1: $r $(cat "$T/s1")"; return 1; }
  only web2
  r=$(in_ns client "${CURL[@]}" -c "$T/s.jar" -b "$T/s.jar" -o "$T/s2" -w '%{http_code} %header{x-served-by}' "$URL/rs-session.php")
  both
  [ "$r" = "200 web2" ] && grep -q "value=$v" "$T/s2" || { REASON="read on web2: $r $(cat "$T/s2")"; return 1; }
  REASON="set on web1, read on web2 through memcached"
}

c_admin_on_web1() {
  local n bad
  n=$(wc -l <"$T/admin-served")
  bad=$(grep -v '^web1 ' "$T/admin-served" | head -3)
  [ "$n" -gt 0 ] && [ -z "$bad" ] || { REASON="not on web1: $bad"; return 1; }
  REASON="$n admin requests, all X-Served-By web1"
}

# Failover (docs/operations.md, "Failover"): web1 dies (agent SIGKILL, Nginx stopped), web2 is
# promoted with --force, the load balancer and Nginx follow by regenerate + reload, and the
# administrator, still logged in, works on web2 through HAProxy.
c_failover() {
  local r out pid
  pid=$(pid_of web1-agent)
  kill -KILL "$pid" && rm -f "$PIDS/web1-agent.pid" || { REASON="no web1 agent to kill"; return 1; }
  stop_pid web1-nginx
  wait_for 20 server_is master web1 DOWN || { REASON="HAProxy kept web1 UP in backend master"; return 1; }
  out=$("$REPLICATOR" promote --config "$CLUSTER" web2 --force 2>&1) || { REASON="promote: $out"; return 1; }
  grep -q 'promoted web2: master at epoch 1' <<<"$out" || { REASON="promote said: $out"; return 1; }
  # role: master moves to web2 in the file, then generate and reload.
  sed 's/role: master/role: was-master/; s/role: slave/role: master/; s/role: was-master/role: slave/' "$CLUSTER" >"$T/cluster-failover.yaml"
  "$REPLICATOR" generate --config "$T/cluster-failover.yaml" --out "$ETC" >/dev/null || { REASON="generate after the failover failed"; return 1; }
  kill -HUP "$(pid_of web2-nginx)" && kill -USR2 "$(pid_of haproxy)" || { REASON="cannot reload nginx or haproxy"; return 1; }
  wait_for 30 server_is master web2 UP || { REASON="HAProxy does not see web2 UP in backend master"; return 1; }
  r=$(admin "$T/f1" "$URL/wp-admin/")
  [ "$r" = "200 web2" ] && grep -q 'Dashboard' "$T/f1" || { REASON="GET /wp-admin/ after the failover: $r"; return 1; }
  png "$T/failover.png"
  media_upload "$T/failover.png" web2 || return 1
  same_file "$T/failover.png" "$W/web2/www/$UP_REL" || { REASON="the upload is not in web2's docroot"; return 1; }
  r=$(visit "$T/f2" "$URL/$UP_REL")
  [ "${r%% *}" = 200 ] && same_file "$T/failover.png" "$T/f2" || { REASON="visitors get $r for the upload"; return 1; }
  REASON="web1 killed; web2 master at epoch 1; /wp-admin/ and an upload through HAProxy served by web2"
}

check up c_up "cluster built in namespaces rs-*" || true
if [ -n "$T" ]; then
  check configs c_configs "every server config is replicator generate's output"
  check install c_install "WordPress installed through its installer"
  check login c_login "logged in to /wp-admin/ (served by web1)"
  check media-upload c_media_upload "image uploaded through the media library, served by web2 within 1 s"
  check rest-upload c_rest_upload "image uploaded through the REST API (cookie + X-WP-Nonce), served by web2 within 1 s"
  check plugin c_plugin "plugin zip uploaded and activated, on web2"
  check theme-edit c_theme_edit "theme file edited through wp-admin, on web2"
  check post c_post "post published, readable on web1 and web2"
  check renders c_renders "a page using the plugin and the edited theme renders on both nodes"
  check nginx-stop c_nginx_stop "web2's nginx stopped: web1 alone serves without error"
  check nginx-start c_nginx_start "web2's nginx started: web2 back in rotation"
  check agent-stop c_agent_stop "web2's replicator stopped, upload: web2 leaves rotation, no visitor gets a 404"
  check agent-start c_agent_start "web2's replicator started: catches up and returns"
  check galera-kill c_galera_kill "a Galera node killed: WordPress keeps working"
  check galera-back c_galera_back "the Galera node back: rejoins and is Synced"
  check session c_session "a PHP session set on web1 is read on web2"
  check admin-on-web1 c_admin_on_web1 "every admin request reached web1"
  check failover c_failover "web1 killed, web2 promoted: logged in to /wp-admin/ and uploaded through HAProxy on web2"
fi
