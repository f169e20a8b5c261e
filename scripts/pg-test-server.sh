#!/usr/bin/env bash
# A real PostgreSQL 17 + pgvector server for the database-facing tests, without Docker.
#
#   scripts/pg-test-server.sh start    build (first time) or reuse the Debian trixie root, start the server
#   scripts/pg-test-server.sh stop     stop the server and unmount what start mounted
#   scripts/pg-test-server.sh url      print the connection URL (for TEST_DATABASE_URL)
#   scripts/pg-test-server.sh status   say whether it runs
#
# How: as root, `debootstrap --variant=minbase --include=postgresql-17,postgresql-17-pgvector trixie`
# into a folder OUTSIDE the clone (default /var/cache/waifudex-pg-trixie, reused by later runs; a marker
# file tells a complete root from an interrupted one), bind-mount /proc and /dev into it, then run
# initdb + pg_ctl inside it as its `postgres` user, listening on 127.0.0.1 only, trust auth on loopback.
# Every cold start begins from a fresh data folder, so tests never see an earlier run's rows.
#
# Environment (all optional):
#   WAIFUDEX_PG_ROOT    chroot folder            (default /var/cache/waifudex-pg-trixie)
#   WAIFUDEX_PG_PORT    TCP port on 127.0.0.1    (default 5433)
#   WAIFUDEX_PG_DB      database created         (default waifudex_test)
#   DEBIAN_MIRROR       Debian mirror URL        (default: the one this machine's apt uses)
# Progress goes to stderr; `start` and `url` print only the URL on stdout.
set -euo pipefail

ROOT=${WAIFUDEX_PG_ROOT:-/var/cache/waifudex-pg-trixie}
PORT=${WAIFUDEX_PG_PORT:-5433}
DB=${WAIFUDEX_PG_DB:-waifudex_test}
SUITE=trixie
PG_MAJOR=17
MARKER="$ROOT/.waifudex-pg-complete"
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGDATA=/var/lib/waifudex-pg/data   # inside the chroot
PGLOG=/var/lib/waifudex-pg/server.log
URL="postgres://postgres@127.0.0.1:$PORT/$DB"

CHROOT=$(PATH="$PATH:/usr/sbin:/sbin" command -v chroot || echo /usr/sbin/chroot)

case $ROOT in
  /?*) ROOT=${ROOT%/} ;;
  *) echo "[pg-test-server] ERROR: WAIFUDEX_PG_ROOT must be an absolute folder other than /" >&2; exit 2 ;;
esac

log() { printf '[pg-test-server] %s\n' "$*" >&2; }
die() { printf '[pg-test-server] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, mount and chroot need it); try: sudo $0 $*"
}

# The Debian mirror this machine's apt already uses (the only one the network reaches here).
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local files=() f m
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  if ((${#files[@]})); then
    # deb822 "URIs:" lines and one-line "deb URL suite" entries; skip security and third-party archives.
    m=$(grep -hE '^[[:space:]]*(URIs:|deb[[:space:]])' "${files[@]}" 2>/dev/null \
      | sed -E 's/^[[:space:]]*URIs:[[:space:]]*//; s/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' \
      | awk '{print $1}' | grep -E '^https?://[^ ]*/debian/?$' | head -n1 || true)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

in_root() { # run a command inside the chroot as the postgres user, with a clean environment
  local uid gid
  uid=$(awk -F: '$1=="postgres"{print $3}' "$ROOT/etc/passwd")
  gid=$(awk -F: '$1=="postgres"{print $4}' "$ROOT/etc/passwd")
  [[ -n $uid && -n $gid ]] || die "no postgres user in $ROOT/etc/passwd; delete $ROOT and start again"
  env -i PATH="$PGBIN:/usr/bin:/bin" HOME=/var/lib/postgresql LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    "$CHROOT" --userspec="$uid:$gid" "$ROOT" "$@"
}

ensure_root_fs() {
  if [[ -f $MARKER ]]; then
    log "reusing $ROOT (built $(cat "$MARKER"))"
    return
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
      || die "could not install debootstrap with apt-get"
  fi
  local mirror tmp started
  mirror=$(debian_mirror)
  tmp="$ROOT.partial"
  safe_rm "$tmp"
  mkdir -p "$(dirname "$ROOT")"
  started=$SECONDS
  log "debootstrap $SUITE with postgresql-$PG_MAJOR + pgvector into $ROOT from $mirror (first run only; a few minutes)"
  if ! debootstrap --variant=minbase --include="postgresql-$PG_MAJOR,postgresql-$PG_MAJOR-pgvector" \
      "$SUITE" "$tmp" "$mirror" >"$tmp.log" 2>&1; then
    tail -n 30 "$tmp.log" >&2 || true
    unmount_all "$tmp"
    die "debootstrap failed (full log: $tmp.log)"
  fi
  # The package scripts may have started the Debian cluster on 5432 inside the root; we run our own.
  stop_stray_postmasters "$tmp"
  unmount_all "$tmp"
  [[ -x $tmp$PGBIN/postgres ]] || die "debootstrap finished but $PGBIN/postgres is missing in $tmp"
  ls "$tmp/usr/lib/postgresql/$PG_MAJOR/lib/" | grep -q '^vector\.so$' || die "pgvector is missing in $tmp"
  safe_rm "$ROOT"
  mv "$tmp" "$ROOT"
  mv "$tmp.log" "$ROOT/.debootstrap.log"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$MARKER"
  log "root ready in $((SECONDS - started)) s"
}

stop_stray_postmasters() { # any postgres whose root is $1
  local dir=$1 pid
  for pid in $(pgrep -x postgres 2>/dev/null || true); do
    if [[ $(readlink -f "/proc/$pid/root" 2>/dev/null) == "$(readlink -f "$dir")" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  sleep 1
}

mount_all() {
  local m
  for m in proc dev dev/shm; do
    mkdir -p "$ROOT/$m"
    if ! mountpoint -q "$ROOT/$m"; then
      mount --bind "/$m" "$ROOT/$m" || die "could not bind-mount /$m into $ROOT/$m"
    fi
  done
}

unmount_all() { # everything mounted at or below $1 (default $ROOT), deepest first; this includes the
  # /proc and /sys that an interrupted debootstrap leaves mounted in its target
  local dir=${1:-$ROOT} m
  while read -r m; do
    [[ -n $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" || log "warning: could not unmount $m"
  done < <(mounts_under "$dir" | sort -r)
}

mounts_under() { # mount points at or below $1
  local dir
  dir=$(readlink -f "$1" 2>/dev/null || echo "$1")
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/mounts
}

safe_rm() { # never follow a bind mount into the host's /proc or /dev
  local dir=$1
  [[ -e $dir ]] || return 0
  unmount_all "$dir"
  if [[ -n $(mounts_under "$dir") ]]; then
    die "refusing to delete $dir: still mounted: $(mounts_under "$dir" | tr '\n' ' ')"
  fi
  rm -rf --one-file-system "$dir"
}

is_running() {
  [[ -f $ROOT$PGDATA/postmaster.pid ]] || return 1
  local pid
  pid=$(head -n1 "$ROOT$PGDATA/postmaster.pid")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

psql_in_root() {
  in_root "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"
}

cmd_start() {
  need_root start
  ensure_root_fs
  # On any failure below, leave nothing mounted unless a server is (still) running.
  trap 'rc=$?; if ((rc)) && ! is_running; then unmount_all; fi' EXIT
  mount_all
  if is_running; then
    log "already running on 127.0.0.1:$PORT"
  else
    if port_busy; then
      unmount_all
      die "127.0.0.1:$PORT is taken by another program; stop it or set WAIFUDEX_PG_PORT"
    fi
    local uid gid
    uid=$(awk -F: '$1=="postgres"{print $3}' "$ROOT/etc/passwd")
    gid=$(awk -F: '$1=="postgres"{print $4}' "$ROOT/etc/passwd")
    rm -rf --one-file-system "${ROOT:?}$PGDATA"
    mkdir -p "$ROOT$PGDATA"
    chown -R "$uid:$gid" "$ROOT/var/lib/waifudex-pg"
    chmod 700 "$ROOT$PGDATA"
    log "initdb (fresh data folder)"
    in_root "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      || die "initdb failed"
    cat >>"$ROOT$PGDATA/postgresql.conf" <<EOF
# waifudex test server
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '/tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 128MB
EOF
    log "pg_ctl start on 127.0.0.1:$PORT"
    if ! in_root "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null; then
      tail -n 20 "$ROOT$PGLOG" >&2 || true
      die "PostgreSQL did not start (log: $ROOT$PGLOG)"
    fi
  fi
  if [[ -z $(psql_in_root -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
    psql_in_root -d postgres -c "CREATE DATABASE \"$DB\""
  fi
  psql_in_root -d "$DB" -c 'CREATE EXTENSION IF NOT EXISTS vector; DROP EXTENSION vector;' \
    || die "pgvector does not load"
  log "ready: $(psql_in_root -d "$DB" -tAc 'SHOW server_version')"
  echo "$URL"
}

cmd_stop() {
  need_root stop
  if [[ -d $ROOT ]] && is_running; then
    log "stopping PostgreSQL"
    in_root "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null || log "warning: pg_ctl stop failed"
  else
    log "not running"
  fi
  [[ -d $ROOT ]] && unmount_all
  return 0
}

cmd_status() {
  if [[ -d $ROOT ]] && is_running; then echo "running: $URL"; else echo "stopped"; return 3; fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  url) echo "$URL" ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
