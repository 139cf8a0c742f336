# What the tests need from the machine (Debian 12, root, no systemd): the Debian packages, and
# PostgreSQL on 127.0.0.1:5432 accepting postgres://postgres@127.0.0.1:5432/postgres without a
# password, Redis on 127.0.0.1:6379. Idempotent: what is already there and working is kept.
# Sourced by .ci/run (which calls ci_services); `bash .ci/services.sh` runs it alone.
# Any failure prints why, then "0 passed, 1 failed", and exits 1.

ci_fail() {
  echo "$*"
  echo "0 passed, 1 failed"
  exit 1
}

# apt-get install of whatever is missing (a package per command the tests or this script use)
ci_install_packages() {
  local missing=()
  [ -n "$(ci_pg_versions)" ] && command -v pg_ctlcluster >/dev/null && command -v psql >/dev/null && command -v pg_isready >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v iptables >/dev/null || missing+=(iptables)
  # real Kubernetes nodes: runc for containerd, the CNI plugins, busybox for Corral's images
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || missing+=(busybox-static)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  # cluster DNS: dig for the end-to-end tests, dnsperf and dnsmasq for the DNS bench
  command -v dig >/dev/null || missing+=(bind9-dnsutils)
  command -v dnsperf >/dev/null || missing+=(dnsperf)
  command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
  # the web console's browser tests and bench drive Debian's Chromium (playwright-core downloads none)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # ingress bench: wrk drives HAProxy and the backends alike
  command -v wrk >/dev/null || missing+=(wrk)
  [ ${#missing[@]} -eq 0 ] && { echo "all there"; return 0; }
  [ "$(id -u)" -eq 0 ] || ci_fail "missing Debian packages ${missing[*]}, and not root to apt-get install them"
  echo "installing ${missing[*]}"
  # packages must not start their services (a default etcd on 127.0.0.1:2379, a Redis with
  # persistence): this script starts what the tests need itself. policy-rc.d is Debian's switch;
  # a container usually has one already, else one is put there for the install only.
  local policy_added=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from Corral .ci/services.sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
  fi
  local log status
  log=$(mktemp)
  # another apt-get at work (a shared machine) is waited for, up to 10 minutes
  local wait_lock=(-o DPkg::Lock::Timeout=600)
  { apt-get "${wait_lock[@]}" update -qq && DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq "${missing[@]}"; } >"$log" 2>&1
  status=$?
  [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$status" -ne 0 ]; then
    tail -n 30 "$log"
    rm -f "$log"
    ci_fail "apt-get install ${missing[*]} failed (exit $status; its last lines are above)"
  fi
  rm -f "$log"
}

# installed PostgreSQL major versions, oldest first
ci_pg_versions() {
  local d
  for d in /usr/lib/postgresql/*/bin/postgres; do
    [ -x "$d" ] && basename "$(dirname "$(dirname "$d")")"
  done | sort -V
}

ci_pg_can_connect() {
  PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' 2>&1
}

# PostgreSQL on 127.0.0.1:5432 with trust auth for loopback connections (a test machine only)
ci_start_postgres() {
  local out
  if out=$(ci_pg_can_connect) && [ "$out" = 1 ]; then
    echo "PostgreSQL already accepts postgres@127.0.0.1:5432"
    return 0
  fi
  # the cluster on port 5432, else <newest installed version>/main (created when missing)
  local version name
  read -r version name < <(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1, $2; exit }')
  if [ -z "${version:-}" ]; then
    version=$(ci_pg_versions | tail -n1)
    name=main
    [ -n "$version" ] || ci_fail "no PostgreSQL server installed (/usr/lib/postgresql/*/bin/postgres): apt-get install postgresql"
    if [ -d "/etc/postgresql/$version/$name" ]; then
      echo "PostgreSQL cluster $version/$name: port 5432"
      pg_conftool "$version" "$name" set port 5432 || ci_fail "could not set port 5432 on PostgreSQL cluster $version/$name"
    else
      echo "creating PostgreSQL cluster $version/$name on port 5432"
      pg_createcluster --port 5432 --locale C.UTF-8 "$version" "$name" >/dev/null ||
        ci_fail "pg_createcluster $version $name failed (see the messages above)"
    fi
  fi

  local hba
  hba=$(pg_conftool -s "$version" "$name" show hba_file 2>/dev/null) || hba=
  hba=${hba:-/etc/postgresql/$version/$name/pg_hba.conf}
  [ -f "$hba" ] || ci_fail "PostgreSQL cluster $version/$name has no pg_hba.conf at $hba"
  # every local (socket) line and every host line for 127.0.0.1/32 or ::1/128: method trust
  local before
  before=$(cksum <"$hba")
  sed -i -E \
    -e 's/^([[:space:]]*local[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+)[^[:space:]].*$/\1trust/' \
    -e 's/^([[:space:]]*host[[:space:]]+[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]+(127\.0\.0\.1\/32|::1\/128)[[:space:]]+)[^[:space:]].*$/\1trust/' \
    "$hba" || ci_fail "could not edit $hba"
  # and the lines themselves when the file lacks them (first match wins: put them first)
  if ! grep -qE '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" ||
     ! grep -qE '^[[:space:]]*host[[:space:]]+all[[:space:]]+all[[:space:]]+::1/128[[:space:]]+trust' "$hba"; then
    sed -i '1i # Corral .ci/services.sh: trust loopback connections (a test machine)\nlocal all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba" ||
      ci_fail "could not edit $hba"
  fi
  [ "$before" = "$(cksum <"$hba")" ] || echo "$hba: trust for local and 127.0.0.1/::1 connections"

  local log=/var/log/postgresql/postgresql-$version-$name.log
  if pg_ctlcluster --skip-systemctl-redirect "$version" "$name" status >/dev/null 2>&1; then
    echo "PostgreSQL $version/$name is running: reloading its configuration"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload ||
      ci_fail "pg_ctlcluster $version $name reload failed"
  else
    echo "starting PostgreSQL $version/$name"
    pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start || {
      tail -n 20 "$log" 2>/dev/null
      ci_fail "pg_ctlcluster --skip-systemctl-redirect $version $name start failed (log: $log)"
    }
  fi
  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p 5432 || {
    tail -n 20 "$log" 2>/dev/null
    ci_fail "PostgreSQL $version/$name does not answer on 127.0.0.1:5432 after 30s (log: $log)"
  }
  # the reload takes effect asynchronously: give the connection check a few tries
  for i in $(seq 1 10); do
    out=$(ci_pg_can_connect) && [ "$out" = 1 ] && break
    sleep 0.5
  done
  [ "$out" = 1 ] || ci_fail "PostgreSQL answers on 127.0.0.1:5432 but psql -h 127.0.0.1 -U postgres fails: $out (pg_hba: $hba)"
  echo "PostgreSQL $version/$name accepts postgres@127.0.0.1:5432"
}

ci_redis_answers() {
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
}

# Redis on 127.0.0.1:6379 (and ::1 when the machine has IPv6), no persistence
ci_start_redis() {
  if ci_redis_answers; then
    echo "Redis already answers on 127.0.0.1:6379"
    return 0
  fi
  local log=${TMPDIR:-/tmp}/corral-ci-redis-6379.log
  echo "starting redis-server on 127.0.0.1:6379 (log: $log)"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no \
    --dir "${TMPDIR:-/tmp}" --logfile "$log" --pidfile "${TMPDIR:-/tmp}/corral-ci-redis-6379.pid" ||
    ci_fail "redis-server --daemonize yes on 127.0.0.1:6379 failed"
  local i
  for i in $(seq 1 50); do
    ci_redis_answers && { echo "Redis answers on 127.0.0.1:6379"; return 0; }
    sleep 0.2
  done
  tail -n 20 "$log" 2>/dev/null
  ci_fail "redis-server does not answer PING on 127.0.0.1:6379 after 10s (log: $log)"
}

ci_services() {
  printf '\n=== %s\n' "system packages (postgresql, redis-server, etcd, haproxy, iproute2, iptables, chromium)"
  ci_install_packages
  printf '\n=== %s\n' "PostgreSQL on 127.0.0.1:5432"
  ci_start_postgres
  printf '\n=== %s\n' "Redis on 127.0.0.1:6379"
  ci_start_redis
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  ci_services
fi
