#!/usr/bin/env bash
# Compares tenancy's backup engine with mariadb-dump | zstd and mydumper,
# and its restore with the mariadb client and myloader, on a ~200 MB
# sysbench database; then `backup create --all` over 200 small tenants
# against a shell loop of mariadb-dump. Prints times, ratios and peak
# memory (/usr/bin/time -v). Run it alone: the figures are wall-clock.
#
# The two target comparisons (our dump vs mariadb-dump | zstd, our restore
# vs the mariadb client) run ROUNDS times, alternating which goes first,
# and compare medians: on a shared machine one pair of runs can differ by
# the load alone.
#
#   scripts/bench-backup.sh            # needs MariaDB at 127.0.0.1:3306 as root
#   TABLE_SIZE=250000 TABLES=4 TENANTS=200 ROUNDS=3 scripts/bench-backup.sh
set -euo pipefail

TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-250000}
TENANTS=${TENANTS:-200}
ROUNDS=${ROUNDS:-3}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_bench_
WORK=$(mktemp -d /tmp/tenancy-bench.XXXXXX)
BIN=$WORK/tenancy
CFG=$WORK/tenancy.toml

cleanup() {
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		while read -r db; do "${MYSQL[@]}" -e "DROP DATABASE \`$db\`"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "$0")/.."
# shellcheck source=lib/sysbench.bash
source scripts/lib/sysbench.bash
go build -o "$BIN" .
cat >"$CFG" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}central"
[tenancy]
database_prefix = "${PREFIX}t_"
[backup]
dir = "$WORK/backups"
compression = "zstd"
workers = 2
parallel_tenants = 2
TOML
T() { "$BIN" --config "$CFG" "$@"; }

# timed LABEL CMD...: runs CMD under /usr/bin/time -v, records seconds and peak RSS.
declare -A SECS RSS
timed() {
	local label=$1; shift
	/usr/bin/time -v -o "$WORK/time.$label" "$@" >/dev/null
	SECS[$label]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.$label")
	RSS[$label]=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.$label")
	printf '%-34s %8.2f s  peak %5s MiB\n' "$label" "${SECS[$label]}" "${RSS[$label]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# rounds LABEL: records LABEL's time in the round list, peak RSS as the max.
declare -A ALL PEAK
rounds() {
	ALL[$1]+="${SECS[$1]} "
	((${RSS[$1]} > ${PEAK[$1]:-0})) && PEAK[$1]=${RSS[$1]}
	return 0
}
# alternate WHAT OURS REF: runs the functions OURS and REF ROUNDS times,
# alternating which goes first.
alternate() {
	for r in $(seq 1 "$ROUNDS"); do
		echo "== $1, round $r ($(uptime | sed 's/.*load/load/'))"
		if ((r % 2)); then "$2"; "$3"; else "$3"; "$2"; fi
	done
}
median() { tr ' ' '\n' <<<"${ALL[$1]}" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

T init >/dev/null
DB=${PREFIX}t_big
T tenants create --name big --database "$DB" --no-migrate >/dev/null
echo "== preparing $TABLES x $TABLE_SIZE sysbench rows in $DB"
sysbench_tables "$DB" "$TABLES" "$TABLE_SIZE"
"${MYSQL[@]}" -N -e "SELECT CONCAT('data ', ROUND(SUM(DATA_LENGTH+INDEX_LENGTH)/1048576), ' MiB on disk, ', SUM(TABLE_ROWS), ' rows (estimate)') FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB'"

OURS_DUMP="tenancy backup create (zstd)"
REF_DUMP="mariadb-dump | zstd"
dump_ours() { timed "$OURS_DUMP" "$BIN" --config "$CFG" backup create big --compression zstd; rounds "$OURS_DUMP"; }
dump_ref() {
	timed "$REF_DUMP" bash -c "mariadb-dump -uroot -h127.0.0.1 --protocol=tcp --single-transaction $DB | zstd -q -f -o $WORK/dump.sql.zst"
	rounds "$REF_DUMP"
}
alternate dump dump_ours dump_ref
timed "mydumper -t 2 -c" mydumper -h 127.0.0.1 -u root -t 2 -c -B "$DB" -o "$WORK/mydumper"
ID=$(T backup list big --json | awk -F': ' '/"id"/ {gsub(/,/,"",$2); print $2; exit}')
ls -l "$(ls -t "$WORK"/backups/*/*.zst | head -1)" "$WORK/dump.sql.zst" | awk '{print "  " $5 " bytes  " $NF}'

zstd -q -d "$WORK/dump.sql.zst" -o "$WORK/dump.sql"
OURS_LOAD="tenancy backup restore"
REF_LOAD="mariadb DB < dump.sql"
load_ours() { timed "$OURS_LOAD" "$BIN" --config "$CFG" backup restore "$ID" --yes; rounds "$OURS_LOAD"; }
load_ref() {
	"${MYSQL[@]}" -e "DROP DATABASE IF EXISTS ${PREFIX}client; CREATE DATABASE ${PREFIX}client"
	timed "$REF_LOAD" bash -c "mariadb -uroot -h127.0.0.1 --protocol=tcp ${PREFIX}client < $WORK/dump.sql"
	rounds "$REF_LOAD"
}
alternate restore load_ours load_ref
timed "myloader -t 2" myloader -h 127.0.0.1 -u root -t 2 -d "$WORK/mydumper" -B "${PREFIX}myloader" -o
rm -f "$WORK/dump.sql"

echo "== $TENANTS small tenants"
T tenants delete big --yes >/dev/null
for i in $(seq 1 "$TENANTS"); do T tenants create --name "small$i" --database "${PREFIX}t_small$i" >/dev/null; done
timed "tenancy backup create --all" "$BIN" --config "$CFG" backup create --all
"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}t\\_small%'" >"$WORK/dbs"
mkdir -p "$WORK/loop"
timed "shell loop of mariadb-dump | zstd" bash -c "while read -r db; do mariadb-dump -uroot -h127.0.0.1 --protocol=tcp --single-transaction --routines --triggers --events \$db | zstd -q -o $WORK/loop/\$db.sql.zst; done < $WORK/dbs"
N=$TENANTS

echo "== summary (medians of $ROUNDS rounds; $(uptime | sed 's/.*load/load/'))"
MD_OURS=$(median "$OURS_DUMP") MD_REF=$(median "$REF_DUMP") ML_OURS=$(median "$OURS_LOAD") ML_REF=$(median "$REF_LOAD")
echo "dump:    tenancy ${MD_OURS} s / mariadb-dump|zstd ${MD_REF} s = $(ratio "$MD_OURS" "$MD_REF") (target <= 0.70; rounds: ${ALL[$OURS_DUMP]}/ ${ALL[$REF_DUMP]}), tenancy/mydumper = $(ratio "$MD_OURS" "${SECS[mydumper -t 2 -c]}")"
echo "restore: tenancy ${ML_OURS} s / mariadb client ${ML_REF} s = $(ratio "$ML_OURS" "$ML_REF") (target <= 0.50; rounds: ${ALL[$OURS_LOAD]}/ ${ALL[$REF_LOAD]}), tenancy/myloader = $(ratio "$ML_OURS" "${SECS[myloader -t 2]}")"
echo "peak memory: dump ${PEAK[$OURS_DUMP]} MiB, restore ${PEAK[$OURS_LOAD]} MiB (target < 200)"
echo "--all: $N tenants, tenancy $(awk -v n=$N -v s="${SECS[tenancy backup create --all]}" 'BEGIN{printf "%.0f", n/s*60}') tenants/min vs loop $(awk -v n=$N -v s="${SECS[shell loop of mariadb-dump | zstd]}" 'BEGIN{printf "%.0f", n/s*60}') tenants/min (ratio $(ratio "${SECS[tenancy backup create --all]}" "${SECS[shell loop of mariadb-dump | zstd]}"))"
