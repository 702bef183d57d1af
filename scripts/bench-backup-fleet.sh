#!/usr/bin/env bash
# `tenancy backup create --all` (a fleet run) over TENANTS small tenants
# (default 1,000; the demo's size: the built-in schema and its seed rows)
# against a sequential shell loop of `mariadb-dump | zstd` and `xargs -P 4`
# of the same. Each comparison runs ROUNDS times (default 3), alternating
# the order, and compares medians. The backups are removed between runs
# (not timed). Run it alone: the figures are wall-clock.
#
#   scripts/bench-backup-fleet.sh          # needs MariaDB at 127.0.0.1:3306 as root
#   TENANTS=1000 ROUNDS=3 PARALLEL=4 scripts/bench-backup-fleet.sh
set -euo pipefail

TENANTS=${TENANTS:-1000}
ROUNDS=${ROUNDS:-3}
PARALLEL=${PARALLEL:-}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_bfleet_
WORK=$(mktemp -d /tmp/tenancy-bfleet.XXXXXX)
BIN=$WORK/tenancy
CFG=$WORK/tenancy.toml

cleanup() {
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		sed 's/.*/DROP DATABASE `&`;/' | "${MYSQL[@]}"
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "$0")/.."
go build -o "$BIN" .
cat >"$CFG" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}central"
[tenancy]
database_prefix = "${PREFIX}t_"
[backup]
dir = "$WORK/backups"
TOML
T() { "$BIN" --config "$CFG" "$@"; }

echo "== preparing $TENANTS tenants (built-in schema and seed; not timed)"
"${MYSQL[@]}" -e "CREATE DATABASE ${PREFIX}central"
T init >/dev/null
{
	for i in $(seq 1 "$TENANTS"); do
		printf "INSERT INTO tenants (id, name, \`database\`, status, data, created_at, updated_at) VALUES ('t%05d', 'Tenant %d', '%st_%05d', 'active', '{}', NOW(), NOW());\n" "$i" "$i" "$PREFIX" "$i"
		printf "CREATE DATABASE \`%st_%05d\`;\n" "$PREFIX" "$i"
	done
} | "${MYSQL[@]}" "${PREFIX}central"
T migrate up --all --parallel 4 >/dev/null 2>&1
T seed --all --parallel 4 >/dev/null 2>&1
"${MYSQL[@]}" -N -e "SELECT \`database\` FROM ${PREFIX}central.tenants ORDER BY id" >"$WORK/dbs"
"${MYSQL[@]}" -N -e "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / COUNT(DISTINCT TABLE_SCHEMA) / 1024) FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE '${PREFIX//_/\\_}t\\_%'" |
	awk '{print "  " $1 " KiB per tenant on the server"}'

declare -A ALL
timed() {
	local label=$1; shift
	local start end s
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || echo "  ($label exited $?)"
	end=$(date +%s.%N)
	s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	ALL[$label]+="$s "
	printf '  %-44s %8.2f s\n' "$label" "$s"
}
median() { tr ' ' '\n' <<<"${ALL[$1]}" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

OURS="tenancy backup create --all"
LOOP="loop: mariadb-dump | zstd"
XARGS="xargs -P 4: mariadb-dump | zstd"
DUMP="mariadb-dump -uroot -h127.0.0.1 --protocol=tcp --single-transaction --routines --triggers --events"
reset() { rm -rf "$WORK/backups" "$WORK/loop"; mkdir -p "$WORK/loop"; "${MYSQL[@]}" -e "DELETE FROM ${PREFIX}central.tenant_backups"; sync; }
ours() {
	reset
	local par=()
	[[ -n $PARALLEL ]] && par=(--parallel "$PARALLEL")
	timed "$OURS" T backup create --all "${par[@]}"
}
loop() { reset; timed "$LOOP" bash -c "while read -r db; do $DUMP \$db | zstd -q -o $WORK/loop/\$db.sql.zst; done < $WORK/dbs"; }
xargs4() { reset; timed "$XARGS" bash -c "xargs -P 4 -I{} sh -c '$DUMP {} | zstd -q -o $WORK/loop/{}.sql.zst' < $WORK/dbs"; }
for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r ($(uptime | sed 's/.*load/load/'))"
	if ((r % 2)); then ours; loop; xargs4; else xargs4; loop; ours; fi
done
T runs list | tail -n 2

M_OURS=$(median "$OURS") M_LOOP=$(median "$LOOP") M_XARGS=$(median "$XARGS")
echo "== summary: $TENANTS tenants, medians of $ROUNDS rounds ($(uptime | sed 's/.*load/load/'))"
echo "tenancy ${M_OURS} s, loop ${M_LOOP} s, xargs -P 4 ${M_XARGS} s"
echo "tenancy is $(ratio "$M_LOOP" "$M_OURS")x faster than the loop (target >= 3) and $(ratio "$M_XARGS" "$M_OURS")x faster than xargs -P 4 (target > 1)"
echo "rounds: tenancy ${ALL[$OURS]}/ loop ${ALL[$LOOP]}/ xargs ${ALL[$XARGS]}"
