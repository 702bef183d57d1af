#!/usr/bin/env bash
# The work queue's cost: a cheap operation (a status read: one query on
# information_schema per tenant, `tenancy run sql`) over TENANTS tenants
# (default 2,000), worked
#
#  * in process (no [queue]) with --parallel 4, 8 and 16, and
#  * through the queue by 1, 2 and 4 `tenancy worker` processes
#    (--concurrency 4 each), the run's --parallel 4 per worker,
#
# each ROUNDS times (default 3) in alternating order, medians compared.
# The command timed is the one an admin types, `tenancy run sql FILE --all
# [--parallel N]`, which with [queue] url enqueues the items and follows
# the run to its end; the workers are started before and idle between
# runs. The queue's cost per item is (queued - in process) / TENANTS at the
# same total parallelism, and the same difference per item and per slot
# (times the parallelism: the latency the queue adds to one item). Each
# timed run also prints the CPU seconds spent by the command, the workers,
# MariaDB and Redis while it ran (from /proc), and the summary the CPU of
# all of them per item: on 2 cores, CPU is what the queue costs.
#
# Redis: the test Redis at REDIS (default 127.0.0.1:6379), database 0,
# queue prefix tnt_qbench (its queues are deleted at the end). Run it
# alone: the figures are wall-clock.
#
#   scripts/bench-queue.sh            # needs MariaDB at 127.0.0.1:3306 as root, Redis
#   TENANTS=2000 ROUNDS=3 REDIS=127.0.0.1:6379 scripts/bench-queue.sh
set -euo pipefail

TENANTS=${TENANTS:-2000}
ROUNDS=${ROUNDS:-3}
REDIS=${REDIS:-127.0.0.1:6379}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_qbench_
QPREFIX=tnt_qbench
WORK=$(mktemp -d /tmp/tenancy-queue-bench.XXXXXX)
BIN=$WORK/tenancy
PLAIN=$WORK/plain.toml
QUEUED=$WORK/queued.toml
WORKERS=()

stop_workers() {
	for pid in "${WORKERS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${WORKERS[@]}"; do wait "$pid" 2>/dev/null || true; done
	WORKERS=()
}
cleanup() {
	stop_workers
	for kind in sql schedule; do redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" --scan --pattern "asynq:{$QPREFIX:$kind}:*" |
		xargs -r redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" DEL >/dev/null; done
	redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" SREM asynq:queues "$QPREFIX:sql" "$QPREFIX:schedule" >/dev/null || true
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		sed 's/.*/DROP DATABASE `&`;/' | "${MYSQL[@]}"
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "$0")/.."
go build -o "$BIN" .
cat >"$PLAIN" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}central"
[tenancy]
database_prefix = "${PREFIX}t_"
TOML
cp "$PLAIN" "$QUEUED"
cat >>"$QUEUED" <<TOML
[queue]
url = "redis://$REDIS/0"
prefix = "$QPREFIX"
concurrency = 4
TOML
echo "SELECT COUNT(*) AS tables FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE();" >"$WORK/status.sql"
T() { "$BIN" --config "$1" "${@:2}"; }

echo "== preparing $TENANTS empty tenants (not timed)"
"${MYSQL[@]}" -e "CREATE DATABASE ${PREFIX}central"
T "$PLAIN" init >/dev/null
{
	for i in $(seq 1 "$TENANTS"); do
		printf "INSERT INTO tenants (id, name, \`database\`, status, data, created_at, updated_at) VALUES ('t%05d', 'Tenant %d', '%st_%05d', 'active', '{}', NOW(), NOW());\n" "$i" "$i" "$PREFIX" "$i"
		printf "CREATE DATABASE \`%st_%05d\`;\n" "$PREFIX" "$i"
	done
} | "${MYSQL[@]}" "${PREFIX}central"

declare -A ALL CPU
MARIADB=$(pgrep -x mariadbd | head -1)
REDISPID=$(pgrep -x redis-server | head -1)
# ticks PID...: user+system CPU ticks of the processes (gone ones count 0)
ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
HZ=$(getconf CLK_TCK)
# timed LABEL CMD...: wall time, and the CPU seconds of the command, the
# workers, MariaDB and Redis while it ran (where the 2 cores went).
timed() {
	local label=$1
	shift
	local start end s w0 d0 r0 w1 d1 r1 cli
	w0=$(ticks "${WORKERS[@]}") d0=$(ticks "$MARIADB") r0=$(ticks "$REDISPID")
	start=$(date +%s.%N)
	/usr/bin/time -f "%U %S" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/last.err" || { echo "  ($label exited $?: $(tail -3 "$WORK/last.err"))"; }
	end=$(date +%s.%N)
	w1=$(ticks "${WORKERS[@]}") d1=$(ticks "$MARIADB") r1=$(ticks "$REDISPID")
	cli=$(awk '{print $1 + $2}' "$WORK/time")
	s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	ALL[$label]+="$s "
	CPU[$label]+="$(awk -v c="$cli" -v w=$((w1 - w0)) -v d=$((d1 - d0)) -v r=$((r1 - r0)) -v hz="$HZ" 'BEGIN { printf "%.2f", c + (w + d + r) / hz }') "
	printf '  %-40s %8.2f s   cpu: command %.2f s, workers %.2f s, mariadb %.2f s, redis %.2f s\n' "$label" "$s" "$cli" \
		"$(awk -v t=$((w1 - w0)) -v hz="$HZ" 'BEGIN { print t / hz }')" "$(awk -v t=$((d1 - d0)) -v hz="$HZ" 'BEGIN { print t / hz }')" \
		"$(awk -v t=$((r1 - r0)) -v hz="$HZ" 'BEGIN { print t / hz }')"
}
median() { tr ' ' '\n' <<<"${2:-${ALL[$1]}}" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

start_workers() {
	stop_workers
	for _ in $(seq 1 "$1"); do
		# Not through T: $! must be tenancy itself, not a subshell.
		"$BIN" --config "$QUEUED" worker --concurrency 4 --queues sql --no-schedules 2>>"$WORK/workers.log" &
		WORKERS+=($!)
	done
	# asynq registers a worker with its first heartbeat (and forgets a
	# stopped one within seconds).
	for _ in $(seq 1 300); do
		n=$(T "$QUEUED" queue stats --json | grep -c '"pid"' || true)
		[[ $n -eq $1 ]] && return
		sleep 0.1
	done
	echo "workers did not register: $(tail -5 "$WORK/workers.log")" >&2
	exit 1
}

inproc() { timed "in process, --parallel $1" "$BIN" --config "$PLAIN" run sql "$WORK/status.sql" --all --parallel "$1"; }
queued() { timed "queue, $1 worker(s), --parallel $((4 * $1))" "$BIN" --config "$QUEUED" run sql "$WORK/status.sql" --all --parallel $((4 * $1)); }

for w in 1 2 4; do
	start_workers "$w"
	for r in $(seq 1 "$ROUNDS"); do
		echo "== $w worker(s), round $r ($(uptime | sed 's/.*load/load/'))"
		if ((r % 2)); then inproc $((4 * w)); queued "$w"; else queued "$w"; inproc $((4 * w)); fi
	done
done
stop_workers

echo
echo "== medians over $ROUNDS rounds, $TENANTS tenants (loaded 2-core machine: compare within this run only)"
printf '%-9s %-10s %-9s %-9s %-11s %-10s %-13s %s\n' workers parallel "in proc" queued "items/s q" cost/item latency/item "cpu/item (in proc, queued)"
for w in 1 2 4; do
	p=$((4 * w))
	a=$(median "in process, --parallel $p")
	b=$(median "queue, $w worker(s), --parallel $p")
	ca=$(median x "${CPU["in process, --parallel $p"]}")
	cb=$(median x "${CPU["queue, $w worker(s), --parallel $p"]}")
	awk -v w="$w" -v p="$p" -v a="$a" -v b="$b" -v ca="$ca" -v cb="$cb" -v n="$TENANTS" 'BEGIN {
		printf "%-9d %-10d %-9s %-9s %-11.0f %-10s %-13s %.2f ms, %.2f ms\n", w, p, sprintf("%.2fs", a), sprintf("%.2fs", b), n / b,
			sprintf("%.2fms", (b - a) * 1000 / n), sprintf("%.2fms", (b - a) * 1000 * p / n), ca * 1000 / n, cb * 1000 / n }'
done
