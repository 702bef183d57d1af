#!/usr/bin/env bash
# Compares `tenancy migrate` with what admins script by hand, on tenants
# with the built-in schema and a migration adding a column and an index
# to two tables (users, projects):
#
#  1. TENANTS tenants (default 100), every one behind: `tenancy migrate up
#     --all` (default limits: parallel 4) vs a sequential shell loop of
#     `mariadb DB < up.sql` vs `xargs -P N` of the same for each N in
#     XARGS_P (default 4), compared with the best. BIG=0 skips 2 and 3.
#  2. BIG tenants (default 1,000), BEHIND of them (default 20) behind:
#     `tenancy migrate up --all` (versions read in batch, items only for
#     the 20) vs a shell loop asking each tenant's goose version and
#     applying up.sql where it is behind.
#  3. `tenancy migrate status --summary` over the BIG tenants and, with
#     STATUS_TENANTS=10000, over that many databases holding only goose's
#     table (the status reads nothing else). STATUS_ENGINE=MEMORY makes
#     those tables without a file to fsync each (10,000 InnoDB tables take
#     tens of minutes to create on a loaded 2-core machine); the read is
#     then cheaper per table than InnoDB's, so say which was used.
#     STATUS_ONLY=1 skips 1 and 2.
#
# Each comparison runs ROUNDS times (default 3), alternating which side
# goes first, and compares medians: on a shared machine one pair of runs
# can differ by the load alone. The fleet is reset between runs (not
# timed). Run it alone: the figures are wall-clock.
#
#   scripts/bench-fleet.sh                      # needs MariaDB at 127.0.0.1:3306 as root
#   TENANTS=100 BIG=1000 BEHIND=20 ROUNDS=3 STATUS_TENANTS=10000 scripts/bench-fleet.sh
#   STATUS_ONLY=1 STATUS_TENANTS=10000 STATUS_ENGINE=MEMORY scripts/bench-fleet.sh
#   TENANTS=1000 BIG=0 XARGS_P="2 4 8 16" ROUNDS=1 scripts/bench-fleet.sh   # 1 only, the best xargs -P N
set -euo pipefail

TENANTS=${TENANTS:-100}
BIG=${BIG:-1000}
BEHIND=${BEHIND:-20}
ROUNDS=${ROUNDS:-3}
STATUS_TENANTS=${STATUS_TENANTS:-0}
STATUS_ENGINE=${STATUS_ENGINE:-InnoDB}
STATUS_ONLY=${STATUS_ONLY:-0}
XARGS_P=${XARGS_P:-4}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_fbench_
WORK=$(mktemp -d /tmp/tenancy-fleet-bench.XXXXXX)
BIN=$WORK/tenancy
CFG=$WORK/tenancy.toml
MIG=$WORK/migrations

cleanup() {
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		sed 's/.*/DROP DATABASE `&`;/' | "${MYSQL[@]}"
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "$0")/.."
go build -o "$BIN" .
mkdir -p "$MIG"
cp tenants/migrations/*.sql "$MIG/"
cat >"$WORK/up.sql" <<'SQL'
ALTER TABLE users ADD COLUMN plan VARCHAR(32) NULL, ADD INDEX users_plan_index (plan);
ALTER TABLE projects ADD COLUMN archived_at TIMESTAMP NULL, ADD INDEX projects_archived_at_index (archived_at);
SQL
cat >"$WORK/down.sql" <<'SQL'
ALTER TABLE users DROP INDEX users_plan_index, DROP COLUMN plan;
ALTER TABLE projects DROP INDEX projects_archived_at_index, DROP COLUMN archived_at;
SQL
{
	echo "-- +goose NO TRANSACTION"
	echo "-- +goose Up"
	cat "$WORK/up.sql"
	echo "-- +goose Down"
	cat "$WORK/down.sql"
} >"$MIG/00004_plan_and_archived.sql"

# config CENTRAL: points tenancy at one central database of the bench.
config() {
	cat >"$CFG" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}$1"
[tenancy]
database_prefix = "${PREFIX}$1_t_"
migrations_dir = "$MIG"
TOML
}
T() { "$BIN" --config "$CFG" "$@"; }

# fleet NAME N: a central database NAME with N registered tenants whose
# databases hold the built-in schema (versions 1-3), brought there by
# tenancy itself (not timed).
fleet() {
	local name=$1 n=$2
	config "$name"
	T init >/dev/null
	{
		for i in $(seq 1 "$n"); do
			printf "INSERT INTO tenants (id, name, \`database\`, status, data, created_at, updated_at) VALUES ('t%05d', 'Tenant %d', '%s%s_t_%05d', 'active', '{}', NOW(), NOW());\n" "$i" "$i" "$PREFIX" "$name" "$i"
			printf "CREATE DATABASE \`%s%s_t_%05d\`;\n" "$PREFIX" "$name" "$i"
		done
	} | "${MYSQL[@]}" "${PREFIX}$name"
	T migrate up --all --to 3 --parallel 4 >/dev/null 2>&1
	"${MYSQL[@]}" -N -e "SELECT \`database\` FROM ${PREFIX}$name.tenants ORDER BY id" >"$WORK/$name.dbs"
}

declare -A ALL
# timed LABEL CMD...: runs CMD, records its wall-clock seconds.
timed() {
	local label=$1; shift
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	end=$(date +%s.%N)
	local s
	s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	ALL[$label]+="$s "
	printf '  %-44s %8.2f s\n' "$label" "$s"
}
median() { tr ' ' '\n' <<<"${ALL[$1]}" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# alternate WHAT FN...: runs the functions ROUNDS times, in reverse order
# every other round.
alternate() {
	local what=$1; shift
	local fns=("$@") order i
	for r in $(seq 1 "$ROUNDS"); do
		echo "== $what, round $r ($(uptime | sed 's/.*load/load/'))"
		order=()
		if ((r % 2)); then
			order=("${fns[@]}")
		else
			for ((i = ${#fns[@]} - 1; i >= 0; i--)); do order+=("${fns[i]}"); done
		fi
		for f in "${order[@]}"; do "$f"; done
	done
}

if ((STATUS_ONLY == 0)); then
# --- 1. every tenant behind -------------------------------------------
echo "== preparing $TENANTS tenants with the built-in schema"
fleet small "$TENANTS"
reset_small() { # all back to version 3, without the migration's columns
	config small
	T migrate down --all --to 3 --yes >/dev/null 2>&1 || true
	while read -r db; do
		if "${MYSQL[@]}" "$db" -N -e "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = 'plan'" | grep -q '^1$'; then
			"${MYSQL[@]}" "$db" <"$WORK/down.sql"
		fi
	done <"$WORK/small.dbs"
}
ours_all() { reset_small; config small; timed "tenancy migrate up --all" T migrate up --all; }
loop_all() { reset_small; timed "loop: mariadb DB < up.sql" sh -c "while read -r db; do ${MYSQL[*]} \"\$db\" <'$WORK/up.sql'; done <'$WORK/small.dbs'"; }
xargs_all() {
	for p in $XARGS_P; do
		reset_small
		timed "xargs -P $p mariadb DB < up.sql" sh -c "xargs -P $p -I{} sh -c '${MYSQL[*]} {} <$WORK/up.sql' <'$WORK/small.dbs'"
	done
}
alternate "$TENANTS tenants, all behind" ours_all loop_all xargs_all

if ((BIG > 0)); then
# --- 2. most tenants current -------------------------------------------
echo "== preparing $BIG tenants at version 4, $BEHIND behind"
fleet big "$BIG"
config big
T migrate up --all >/dev/null 2>&1
head -n "$BEHIND" "$WORK/big.dbs" >"$WORK/behind.dbs"
reset_big() { # the first BEHIND tenants back to version 3
	config big
	while read -r db; do
		if "${MYSQL[@]}" "$db" -N -e "SELECT COUNT(*) FROM goose_db_version WHERE version_id = 4" | grep -q '^0$'; then
			continue
		fi
		"${MYSQL[@]}" "$db" <"$WORK/down.sql"
		"${MYSQL[@]}" "$db" -e "DELETE FROM goose_db_version WHERE version_id = 4"
	done <"$WORK/behind.dbs"
}
cat >"$WORK/loop-versions.sh" <<SH
while read -r db; do
	v=\$(${MYSQL[*]} -N "\$db" -e "SELECT MAX(version_id) FROM goose_db_version")
	if [ "\$v" -lt 4 ]; then
		${MYSQL[*]} "\$db" <'$WORK/up.sql'
		${MYSQL[*]} "\$db" -e "INSERT INTO goose_db_version (version_id, is_applied) VALUES (4, 1)"
	fi
done <'$WORK/big.dbs'
SH
ours_big() { reset_big; config big; timed "tenancy migrate up --all ($BEHIND behind)" T migrate up --all; }
loop_big() { reset_big; timed "loop: ask each version, apply if behind" sh "$WORK/loop-versions.sh"; }
alternate "$BIG tenants, $BEHIND behind" ours_big loop_big

# --- 3. status -----------------------------------------------------------
echo "== migrate status --summary over $BIG tenants"
config big
for r in $(seq 1 "$ROUNDS"); do timed "migrate status ($BIG tenants)" T migrate status --summary; done
T migrate status --summary | tail -n 3
fi
fi

if ((STATUS_TENANTS > 0)); then
	echo "== preparing $STATUS_TENANTS databases holding goose's table ($STATUS_ENGINE) at version 4"
	config huge
	T init >/dev/null
	{
		for i in $(seq 1 "$STATUS_TENANTS"); do
			db=$(printf '%shuge_t_%05d' "$PREFIX" "$i")
			printf "INSERT INTO ${PREFIX}huge.tenants (id, name, \`database\`, status, data, created_at, updated_at) VALUES ('h%05d', 'Tenant %d', '%s', 'active', '{}', NOW(), NOW());\n" "$i" "$i" "$db"
			printf "CREATE DATABASE \`%s\`;\nCREATE TABLE \`%s\`.goose_db_version (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp DATETIME NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=%s;\n" "$db" "$db" "$STATUS_ENGINE"
			printf "INSERT INTO \`%s\`.goose_db_version (version_id, is_applied) VALUES (0,1),(1,1),(2,1),(3,1),(4,1);\n" "$db"
		done
	} | "${MYSQL[@]}"
	for r in $(seq 1 "$ROUNDS"); do timed "migrate status ($STATUS_TENANTS tenants)" T migrate status --summary; done
	T migrate status --summary | tail -n 3
fi

echo
echo "== medians of $ROUNDS rounds"
if ((STATUS_ONLY == 0)); then
o=$(median "tenancy migrate up --all"); l=$(median "loop: mariadb DB < up.sql")
x= bp=
for p in $XARGS_P; do
	m=$(median "xargs -P $p mariadb DB < up.sql")
	echo "  xargs -P $p: $m s"
	if [[ -z $x ]] || awk -v a="$m" -v b="$x" 'BEGIN { exit !(a < b) }'; then x=$m bp=$p; fi
done
echo "$TENANTS tenants, all behind: tenancy $o s, sequential loop $l s, best xargs (-P $bp) $x s;" \
	"loop/tenancy = $(ratio "$l" "$o")x (target >= 1.6x), tenancy/best xargs = $(ratio "$o" "$x")x (target <= 1.00x)"
if ((BIG > 0)); then
o=$(median "tenancy migrate up --all ($BEHIND behind)"); l=$(median "loop: ask each version, apply if behind")
echo "$BIG tenants, $BEHIND behind: tenancy $o s, version loop $l s; loop/tenancy = $(ratio "$l" "$o")x (target >= 10x)"
echo "migrate status, $BIG tenants: $(median "migrate status ($BIG tenants)") s"
fi
fi
if ((STATUS_TENANTS > 0)); then
	echo "migrate status, $STATUS_TENANTS tenants ($STATUS_ENGINE goose tables): $(median "migrate status ($STATUS_TENANTS tenants)") s (target < 10 s)"
fi
