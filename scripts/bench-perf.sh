#!/usr/bin/env bash
# bench-perf.sh: tenancy's load generator against sysbench, in one run.
#
# On one tenant database it prepares sysbench's sbtest1 and tenancy's work
# table with the same number of rows, then runs sysbench oltp_point_select
# and `tenancy perf run --mix read=100` (a primary-key point select) with
# the same thread count (4 and 16), warm-up and duration, ROUNDS times
# (default 3, alternating which goes first), and prints both tools' median
# ops/s, their ratio (target >= 0.9), p99 latency and CPU time per
# operation, and every round's figures. Then (MEMCHECK=1, the default) 100 tenants x 4 users for 30 s,
# printing the generator's peak RSS (target < 300 MiB).
#
# Needs MariaDB/MySQL at MYSQL_HOST:MYSQL_PORT as root (no password), sysbench,
# jq, GNU time. Everything it creates starts with perfbench_<pid>_ and is dropped.
#
#   scripts/bench-perf.sh                          # about 5 minutes
#   DURATION=10 ROUNDS=5 MEMCHECK=0 scripts/bench-perf.sh
set -euo pipefail

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-2}
ROWS=${ROWS:-10000}
THREADS=${THREADS:-"4 16"}
MEMCHECK=${MEMCHECK:-1}
ROUNDS=${ROUNDS:-3}
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

# sb_round N: sysbench's warm-up run, then its measured run; appends
# "ops/s p99-ms cpu-µs/op" to $work/sb.$N.
sb_round() {
	# sysbench 1.0 has no warm-up option: a separate short run warms it.
	"${sb[@]}" --threads="$1" --time="$WARMUP" --rand-type=uniform run >/dev/null
	/usr/bin/time -f '%U %S' -o "$work/sb.time" "${sb[@]}" --threads="$1" --time="$DURATION" \
		--rand-type=uniform --percentile=99 run >"$work/sb.out"
	local qps total p99
	qps=$(awk '/queries:/{gsub(/\(/,"",$3); print $3}' "$work/sb.out")
	total=$(awk '/queries:/{print $2}' "$work/sb.out")
	p99=$(awk '/99th percentile:/{print $3}' "$work/sb.out")
	echo "$qps $p99 $(awk -v c="$(cpu_of "$work/sb.time")" -v n="$total" 'BEGIN{printf "%.1f", c*1e6/n}')" >>"$work/sb.$1"
}

# ours_round N: the same for `tenancy perf run` (its warm-up is built in).
ours_round() {
	/usr/bin/time -f '%U %S' -o "$work/ours.time" "$work/tenancy" --config "$work/tenancy.toml" perf run bench \
		--users "$1" --duration "${DURATION}s" --warmup "${WARMUP}s" --mix read=100 --seed "$ROWS" --yes --json \
		--report "$work/ours.json" >/dev/null
	# The generator's CPU covers its warm-up too: divide by every operation it ran.
	local total
	total=$(jq "(.total.ops) * (1 + $WARMUP / $DURATION)" "$work/ours.json")
	echo "$(jq .total.ops_per_sec "$work/ours.json") $(jq .total.latency.p99_ms "$work/ours.json") $(awk -v c="$(cpu_of "$work/ours.time")" -v n="$total" 'BEGIN{printf "%.1f", c*1e6/n}')" >>"$work/ours.$1"
}

# median FILE COLUMN
median() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; server $(mysql_root -e 'SELECT VERSION()'); $ROWS rows, ${WARMUP}s warm-up + ${DURATION}s, $ROUNDS rounds"
# The machine's speed drifts by 20 % from one minute to the next, so each
# thread count runs ROUNDS rounds, alternating which tool goes first, and
# compares medians; every round's figures are printed too.
for n in $THREADS; do
	for r in $(seq 1 "$ROUNDS"); do
		if ((r % 2)); then sb_round "$n"; ours_round "$n"; else ours_round "$n"; sb_round "$n"; fi
		echo "  $n threads, round $r: sysbench $(tail -n1 "$work/sb.$n") | tenancy $(tail -n1 "$work/ours.$n")  (op/s p99-ms CPU-µs/op; load $(cut -d' ' -f1 /proc/loadavg))"
	done
done
printf '%-8s %14s %14s %7s %10s %10s %9s %14s %14s\n' threads "sysbench op/s" "tenancy op/s" ratio "sb p99 ms" "ours p99" "p99 ratio" "sb CPU µs/op" "ours CPU µs/op"
for n in $THREADS; do
	sq=$(median "$work/sb.$n" 1) oq=$(median "$work/ours.$n" 1) sp=$(median "$work/sb.$n" 2) op=$(median "$work/ours.$n" 2)
	printf '%-8s %14.0f %14.0f %7.2f %10s %10s %9.2f %14s %14s\n' "$n" "$sq" "$oq" "$(awk -v a="$oq" -v b="$sq" 'BEGIN{print a/b}')" "$sp" "$op" \
		"$(awk -v a="$op" -v b="$sp" 'BEGIN{print a/b}')" "$(median "$work/sb.$n" 3)" "$(median "$work/ours.$n" 3)"
done
echo "(medians of $ROUNDS rounds; targets: ratio >= 0.90, p99 within 10 % of sysbench's)"

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
