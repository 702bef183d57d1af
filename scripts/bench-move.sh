#!/usr/bin/env bash
# Times `tenancy tenants move` of the ~200 MB sysbench tenant between two
# local MariaDB servers (the one at 127.0.0.1:3306 and a second one this
# script starts on a free port) against `mariadb-dump | mariadb` between
# the same two, and reports the move's freeze (the time writes were
# blocked, from its own record) against its total. Run it alone: the
# figures are wall-clock.
#
# Each round moves the tenant to the second server (timed), drops the
# kept source (--keep-source 1s, then move --cleanup), moves it back (not
# timed) and cleans up again; the reference pipe runs between, alternating
# which goes first.
#
#   scripts/bench-move.sh                       # needs MariaDB at 127.0.0.1:3306 as root
#   TABLE_SIZE=250000 TABLES=4 ROUNDS=3 scripts/bench-move.sh
set -euo pipefail

TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-250000}
ROUNDS=${ROUNDS:-3}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_benchmove_
WORK=$(mktemp -d /tmp/tenancy-bench-move.XXXXXX)
# shellcheck source=lib/second-server.bash
source "$(dirname "$0")/lib/second-server.bash"
# shellcheck source=lib/sysbench.bash
source scripts/lib/sysbench.bash # (second-server.bash left us in the root)

DB=${PREFIX}t_big
T tenants create --name big --database "$DB" --server central --no-migrate >/dev/null
echo "== preparing $TABLES x $TABLE_SIZE sysbench rows in $DB"
sysbench_tables "$DB" "$TABLES" "$TABLE_SIZE"
"${MYSQL[@]}" -N -e "SELECT CONCAT('data ', ROUND(SUM(DATA_LENGTH+INDEX_LENGTH)/1048576), ' MiB on disk, ', SUM(TABLE_ROWS), ' rows (estimate)') FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB'"
T tenants move big --to second --dry-run

# timed LABEL CMD...: runs CMD under /usr/bin/time -v (its output kept
# in $WORK/out.LABEL and err.LABEL), records seconds and peak RSS.
declare -A SECS RSS ALL
timed() {
	local label=$1; shift
	/usr/bin/time -v -o "$WORK/time.$label" "$@" >"$WORK/out.$label" 2>"$WORK/err.$label" || { cat "$WORK/err.$label"; exit 1; }
	SECS[$label]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.$label")
	RSS[$label]=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.$label")
	ALL[$label]+="${SECS[$label]} "
	printf '%-30s %8.2f s  peak %5s MiB\n' "$label" "${SECS[$label]}" "${RSS[$label]}"
}
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
json() { awk -F': ' -v k="\"$1\"" '$1 ~ k {gsub(/[ ,]/, "", $2); print $2; exit}' "$2"; }

OURS="tenancy tenants move"
REF="mariadb-dump | mariadb"
FREEZES="" RATIOS=""
move_ours() {
	timed "$OURS" "$BIN" --config "$CFG" tenants move big --to second --keep-source 1s --json
	local freeze
	freeze=$(json freeze_ms "$WORK/out.$OURS")
	FREEZES+="$(awk -v f="$freeze" 'BEGIN {printf "%.2f", f / 1000}') "
	RATIOS+="$(awk -v f="$freeze" -v s="${SECS[$OURS]}" 'BEGIN {printf "%.3f", f / 1000 / s}') "
	echo "  freeze $freeze ms, copy $(json copy_ms "$WORK/out.$OURS") ms"
	sleep 1.1
	T tenants move --cleanup --yes >/dev/null
	T tenants move big --to central --keep-source 1s >/dev/null 2>&1
	sleep 1.1
	T tenants move --cleanup --yes >/dev/null
}
move_ref() {
	"${MYSQL2[@]}" -e "DROP DATABASE IF EXISTS ${PREFIX}ref; CREATE DATABASE ${PREFIX}ref"
	timed "$REF" bash -c "mariadb-dump -uroot -h127.0.0.1 --protocol=tcp --single-transaction $DB | ${MYSQL2[*]} ${PREFIX}ref"
}
for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r ($(uptime | sed 's/.*load/load/'))"
	if ((r % 2)); then move_ours; move_ref; else move_ref; move_ours; fi
done

echo "== summary (medians of $ROUNDS rounds; $(uptime | sed 's/.*load/load/'))"
M_OURS=$(median "${ALL[$OURS]}") M_REF=$(median "${ALL[$REF]}")
echo "move total: tenancy ${M_OURS} s / mariadb-dump|mariadb ${M_REF} s = $(ratio "$M_OURS" "$M_REF") (rounds: ${ALL[$OURS]}/ ${ALL[$REF]})"
echo "freeze: median $(median "$FREEZES") s; freeze/total median $(median "$RATIOS") (target < 0.10; rounds: $RATIOS)"
echo "(mariadb-dump | mariadb blocks nothing and switches nothing: its whole run is the time an application would have to be stopped to move this way)"
