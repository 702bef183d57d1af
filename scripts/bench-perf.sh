#!/usr/bin/env bash
# bench-perf.sh: tenancy's load generator against sysbench, in one run.
#
# On one tenant database it prepares sysbench's sbtest1 and tenancy's work
# table with the same number of rows, then runs sysbench oltp_point_select
# and `tenancy perf run --mix read=100` (a primary-key point select) with
# the same thread count (4 and 16), warm-up and duration, and prints both
# tools' ops/s, their ratio (target >= 0.9), p99 latency and CPU time per
# operation. Then (MEMCHECK=1, the default) 100 tenants x 4 users for 30 s,
# printing the generator's peak RSS (target < 300 MiB).
#
# Needs MariaDB/MySQL at MYSQL_HOST:MYSQL_PORT as root (no password), sysbench,
# jq, GNU time. Everything it creates starts with perfbench_<pid>_ and is dropped.
set -euo pipefail

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-2}
ROWS=${ROWS:-10000}
THREADS=${THREADS:-"4 16"}
MEMCHECK=${MEMCHECK:-1}
MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}

cd "$(dirname "$0")/.."
work=$(mktemp -d)
prefix="perfbench_$$_"
mysql_root() { mysql -uroot -h"$MYSQL_HOST" -P"$MYSQL_PORT" -N -B "$@"; }
cleanup() {
	for db in $(mysql_root -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${prefix//_/\\_}%'"); do
		mysql_root -e "DROP DATABASE \`$db\`"
	done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/tenancy" .
cat >"$work/tenancy.toml" <<TOML
[central]
dsn = "root@tcp($MYSQL_HOST:$MYSQL_PORT)/${prefix}central"
[tenancy]
database_prefix = "${prefix}t_"
[perf]
report_dir = "$work/reports"
TOML
tenancy() { "$work/tenancy" --config "$work/tenancy.toml" "$@"; }
tenancy init >/dev/null
db=$(tenancy tenants create --name bench --no-migrate --json | jq -r .database)

sb=(sysbench oltp_point_select --db-driver=mysql --mysql-host="$MYSQL_HOST" --mysql-port="$MYSQL_PORT"
	--mysql-user=root --mysql-db="$db" --tables=1 --table-size="$ROWS")
"${sb[@]}" prepare >/dev/null

# cpu_of FILE: user+system seconds from GNU time's "%U %S" on the last line.
cpu_of() { tail -n1 "$1" | awk '{print $1 + $2}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; server $(mysql_root -e 'SELECT VERSION()'); $ROWS rows, ${WARMUP}s warm-up + ${DURATION}s"
# Other jobs on the machine take CPU from both tools: the load average
# (1 min) after each row says how busy it was.
printf '%-8s %14s %14s %7s %12s %12s %14s %14s %9s\n' threads "sysbench op/s" "tenancy op/s" ratio "sb p99 ms" "ours p99 ms" "sb CPU µs/op" "ours CPU µs/op" "load avg"
for n in $THREADS; do
	# sysbench 1.0 has no warm-up option: a separate short run warms it.
	"${sb[@]}" --threads="$n" --time="$WARMUP" --rand-type=uniform run >/dev/null
	/usr/bin/time -f '%U %S' -o "$work/sb.time" "${sb[@]}" --threads="$n" --time="$DURATION" \
		--rand-type=uniform --percentile=99 run >"$work/sb.out"
	sb_qps=$(awk '/queries:/{gsub(/\(/,"",$3); print $3}' "$work/sb.out")
	sb_total=$(awk '/queries:/{print $2}' "$work/sb.out")
	sb_p99=$(awk '/99th percentile:/{print $3}' "$work/sb.out")

	/usr/bin/time -f '%U %S' -o "$work/ours.time" "$work/tenancy" --config "$work/tenancy.toml" perf run bench \
		--users "$n" --duration "${DURATION}s" --warmup "${WARMUP}s" --mix read=100 --seed "$ROWS" --yes --json \
		--report "$work/ours.json" >/dev/null
	ours_qps=$(jq .total.ops_per_sec "$work/ours.json")
	ours_p99=$(jq .total.latency.p99_ms "$work/ours.json")
	# The generator's CPU covers its warm-up too: divide by every operation it ran.
	ours_total=$(jq "(.total.ops) * (1 + $WARMUP / $DURATION)" "$work/ours.json")
	sb_cpu=$(awk -v c="$(cpu_of "$work/sb.time")" -v n="$sb_total" 'BEGIN{printf "%.1f", c*1e6/n}')
	ours_cpu=$(awk -v c="$(cpu_of "$work/ours.time")" -v n="$ours_total" 'BEGIN{printf "%.1f", c*1e6/n}')
	ratio=$(awk -v a="$ours_qps" -v b="$sb_qps" 'BEGIN{printf "%.2f", a/b}')
	printf '%-8s %14.0f %14.0f %7s %12s %12.2f %14s %14s %9s\n' "$n" "$sb_qps" "$ours_qps" "$ratio" "$sb_p99" "$ours_p99" "$sb_cpu" "$ours_cpu" "$(cut -d' ' -f1 /proc/loadavg)"
done

if [ "$MEMCHECK" = 1 ]; then
	for i in $(seq 1 99); do tenancy tenants create --name "mem$i" --no-migrate >/dev/null; done
	# 100 tenants x 4 users share one connection per tenant: the server's
	# max_connections (151 by default) is below 400.
	printf '[perf]\nreport_dir = "%s/reports"\nmax_open_conns = 1\n' "$work" >>"$work/tenancy.toml.mem"
	sed '/^\[perf\]/,$d' "$work/tenancy.toml" >"$work/mem.toml"
	cat "$work/tenancy.toml.mem" >>"$work/mem.toml"
	/usr/bin/time -f '%M %U %S' -o "$work/mem.time" "$work/tenancy" --config "$work/mem.toml" perf run --all \
		--users 4 --duration 30s --mix read=70,insert=15,update=10,delete=5 --seed 1000 --yes --json \
		--report "$work/mem.json" >/dev/null
	rss=$(tail -n1 "$work/mem.time" | awk '{printf "%.0f", $1/1024}')
	echo "100 tenants x 4 users x 30 s: $(jq .total.ops_per_sec "$work/mem.json" | xargs printf '%.0f') ops/s, p99 $(jq .total.latency.p99_ms "$work/mem.json") ms, isolation passed: $(jq .isolation.passed "$work/mem.json"), peak RSS ${rss} MiB (target < 300)"
fi
