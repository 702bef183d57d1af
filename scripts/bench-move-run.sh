#!/usr/bin/env bash
# Times moving N tenants between two local MariaDB servers (the one at
# 127.0.0.1:3306 and a second one this script starts on a free port): a
# shell loop of `tenancy tenants move REF --to second`, one tenant after
# the other, against `tenancy tenants move --all --to second` as one run
# with --per-server 1, 2 and 4 (each move takes a slot of its source and
# of its target, so --per-server P is P moves at once between the two).
# For each it reports the wall time and the freezes (the time each
# tenant's writes were blocked, from tenancy_moves). Run it alone: the
# figures are wall-clock.
#
# Each round moves every tenant to the second server (timed), drops the
# kept sources (--keep-source 1s, then move --cleanup), moves them back
# as a run (not timed) and cleans up again; the variants rotate which
# goes first from round to round.
#
#   scripts/bench-move-run.sh                   # needs MariaDB at 127.0.0.1:3306 as root
#   TENANTS=8 TABLE_SIZE=80000 ROUNDS=3 scripts/bench-move-run.sh
set -euo pipefail

TENANTS=${TENANTS:-8}
TABLE_SIZE=${TABLE_SIZE:-80000}
ROUNDS=${ROUNDS:-3}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_benchmoverun_
WORK=$(mktemp -d /tmp/tenancy-bench-move-run.XXXXXX)
# shellcheck source=lib/second-server.bash
source "$(dirname "$0")/lib/second-server.bash"
# shellcheck source=lib/sysbench.bash
source scripts/lib/sysbench.bash # (second-server.bash left us in the root)

echo "== preparing $TENANTS tenants of $TABLE_SIZE sysbench rows each"
for i in $(seq 1 "$TENANTS"); do
	DB=${PREFIX}t_m$i
	T tenants create --name "m$i" --database "$DB" --server central --no-migrate >/dev/null
	sysbench_tables "$DB" 1 "$TABLE_SIZE"
done
"${MYSQL[@]}" -N -e "SELECT CONCAT('data ', ROUND(SUM(DATA_LENGTH+INDEX_LENGTH)/1048576), ' MiB on disk in all, ', SUM(TABLE_ROWS), ' rows (estimate)') FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE '${PREFIX//_/\\_}t\\_m%'"

declare -A ALL FREEZE_MAX FREEZE_SUM
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# freezes: the max and the sum of the freeze of the last $TENANTS moves to second, in s.
freezes() {
	"${MYSQL[@]}" -N "${PREFIX}central" -e "SELECT ROUND(MAX(freeze_ms)/1000, 2), ROUND(SUM(freeze_ms)/1000, 2) FROM
		(SELECT freeze_ms FROM tenancy_moves WHERE to_server = 'second' AND phase = 'done' ORDER BY id DESC LIMIT $TENANTS) m"
}
back() {
	sleep 1.1
	T tenants move --cleanup --yes >/dev/null
	T tenants move --all --to central --keep-source 1s --per-server 2 --yes >/dev/null 2>&1
	sleep 1.1
	T tenants move --cleanup --yes >/dev/null
}
# variant LABEL CMD...: times CMD (a forward move of every tenant), then
# moves everything back untimed.
variant() {
	local label=$1; shift
	local start end secs
	start=$(date +%s.%N)
	"$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
	end=$(date +%s.%N)
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}')
	read -r fmax fsum < <(freezes)
	ALL[$label]+="$secs " FREEZE_MAX[$label]+="$fmax " FREEZE_SUM[$label]+="$fsum "
	printf '%-28s %8.2f s   freeze max %5.2f s, sum %5.2f s\n' "$label" "$secs" "$fmax" "$fsum"
	back
}
loop() { for i in $(seq 1 "$TENANTS"); do T tenants move "m$i" --to second --keep-source 1s; done; }
run() { T tenants move --all --server central --to second --keep-source 1s --yes --per-server "$1"; }

LABELS=("loop of tenants move" "run --per-server 1" "run --per-server 2" "run --per-server 4")
for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r ($(uptime | sed 's/.*load/load/'))"
	for k in 0 1 2 3; do
		j=$(((k + r - 1) % 4))
		case $j in
		0) variant "${LABELS[0]}" loop ;;
		1) variant "${LABELS[1]}" run 1 ;;
		2) variant "${LABELS[2]}" run 2 ;;
		3) variant "${LABELS[3]}" run 4 ;;
		esac
	done
done

echo "== summary (medians of $ROUNDS rounds; $(uptime | sed 's/.*load/load/'))"
for l in "${LABELS[@]}"; do
	printf '%-28s %8.2f s  [%s]  freeze max %s s, sum %s s\n' "$l" "$(median "${ALL[$l]}")" "${ALL[$l]% }" \
		"$(median "${FREEZE_MAX[$l]}")" "$(median "${FREEZE_SUM[$l]}")"
done
