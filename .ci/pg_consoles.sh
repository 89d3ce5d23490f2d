#!/usr/bin/env bash
# Idle consoles against one local PostgreSQL server (docs/PERFORMANCE.md):
#   .ci/pg_consoles.sh SOCKET_DIR PORT [CONSOLES] [SECONDS]
# The server is a throwaway one whose superuser `postgres` is trusted on the socket. This makes
# database `carrel_consoles` (dropped first if it exists) with `carrel init`, logins x1..xN that
# are staff with the auditor role, then measures the server's CPU (the postmaster and all its
# children, from /proc) over SECONDS with no console, starts N consoles (each `carrel --db` as
# its own login in a pseudo-terminal from `script`, with a home of its own and an empty config),
# counts their sessions, measures again, runs examples/pg_notify (both modes) while they are
# connected, and stops them. Binaries: $CARREL_BIN (default target/release/carrel) and
# $NOTIFY_BIN (default target/release/examples/pg_notify); build them first.
set -euo pipefail
sock=$1 port=$2 n=${3:-50} secs=${4:-60}
bin=$(realpath "${CARREL_BIN:-target/release/carrel}")
notify=$(realpath "${NOTIFY_BIN:-target/release/examples/pg_notify}")
db=carrel_consoles
url() { echo "postgresql://$1@/$2?host=$sock&port=$port"; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$(url postgres "$1")" -c "$2"; }
tmp=$(mktemp -d)
pgids=()
consoles() { for g in "${pgids[@]}"; do pgrep -P "$(pgrep -P "$g" -x script)" -x carrel; done; }
stop() {
    # The consoles quit on SIGTERM; then their `script` and the pipe's `sleep` go.
    kill -TERM $(consoles) 2>/dev/null || true
    sleep 1
    for g in "${pgids[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap stop EXIT

# CPU clock ticks used so far by the postmaster and its children: each live child's own time,
# plus the postmaster's own and what its exited children used (cutime, cstime).
postmaster=$(sql postgres "SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)")
server_ticks() {
    local total pid
    total=$(sed 's/.*) //' "/proc/$postmaster/stat" | awk '{print $12 + $13 + $14 + $15}')
    for pid in $(pgrep -P "$postmaster"); do
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{t = $12 + $13} END {print t + 0}')))
    done
    echo "$total"
}
# Ticks used so far by the consoles' carrel processes (each under its `script`).
console_ticks() {
    local total=0 pid
    for pid in $(consoles); do
        total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{t = $12 + $13} END {print t + 0}')))
    done
    echo "$total"
}
# CPU seconds per minute the server (and the consoles) used over $secs seconds.
measure() {
    local s0 c0 s1 c1 hz
    hz=$(getconf CLK_TCK)
    s0=$(server_ticks) c0=$(console_ticks)
    sleep "$secs"
    s1=$(server_ticks) c1=$(console_ticks)
    echo "$1: server $(awk -v t=$((s1 - s0)) -v hz="$hz" -v s="$secs" 'BEGIN{printf "%.3f", t/hz*60/s}') CPU s/min," \
        "consoles $(awk -v t=$((c1 - c0)) -v hz="$hz" -v s="$secs" 'BEGIN{printf "%.3f", t/hz*60/s}') CPU s/min"
}

sql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)"
sql postgres "CREATE DATABASE $db"
export CARREL_CONFIG=$tmp/empty.toml HOME=$tmp/admin
: >"$CARREL_CONFIG"
mkdir -p "$HOME"
"$bin" --db "$(url postgres $db)" init >/dev/null
for i in $(seq 1 "$n"); do
    sql postgres "DO \$\$ BEGIN CREATE ROLE x$i LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$"
    "$bin" --db "$(url postgres $db)" staff add "x$i" --name "Console $i" >/dev/null
    "$bin" --db "$(url postgres $db)" staff grant "x$i" auditor >/dev/null
done

measure "0 consoles"
for i in $(seq 1 "$n"); do
    h=$tmp/home$i
    mkdir -p "$h"
    # A session of its own (so it is stopped whole); stdin a pipe that stays open; the console
    # draws into a 100x30 pseudo-terminal made by `script`.
    HOME=$h XDG_CONFIG_HOME=$h/.config XDG_DATA_HOME=$h/.local/share \
        XDG_STATE_HOME=$h/.local/state XDG_CACHE_HOME=$h/.cache setsid bash -c \
        "sleep infinity | script -qfec \"stty rows 30 cols 100; exec $bin --db '$(url "x$i" $db)'\" /dev/null" \
        >"$h/screen" 2>&1 &
    pgids+=("$!")
    disown
done
until [[ $(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'carrel'") -ge $n ]]; do
    sleep 1
done
sleep 10 # first loads and draws
echo "sessions: $(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'carrel'")"
measure "$n consoles"
echo "sessions: $(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'carrel'")"
CARREL_BIN=$bin "$notify" "$(url postgres $db)" notify 20
CARREL_BIN=$bin "$notify" "$(url postgres $db)" carrel 20
