#!/usr/bin/env bash
# Installs the Debian packages stack/up.sh needs (docs/cluster.md), without letting any of them
# start its own service: a policy-rc.d of this script's own refuses every start while apt runs
# (a machine's own policy-rc.d, if any, is put back afterwards).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install-packages.sh: needs root" >&2; exit 1; }
PACKAGES=(nginx php8.2-fpm php8.2-mysql php8.2-memcached mariadb-server mariadb-client galera-4 rsync
          memcached haproxy wordpress wordpress-theme-twentytwentythree socat curl iproute2 util-linux)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
restore() { if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi; }
trap restore EXIT
printf '#!/bin/sh\n# stack/install-packages.sh: no service starts while it installs.\nexit 101\n' >"$policy"
chmod 755 "$policy"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
