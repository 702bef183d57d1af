#!/usr/bin/env bash
# Times `tenancy backup create` of the ~200 MB sysbench database (the set
# of scripts/bench-backup.sh) into S3 on loopback against the same dump
# to local disk, and with age encryption against without, using farm-bench
# (whole process, RUNS paired rounds A B A B..., medians, peak memory).
# The S3 server runs on 127.0.0.1 and shares the machine's cores with the
# dump and MariaDB, as a MinIO next to the database would: by default
# scripts/fakes3 (gofakes3, in memory), or with WEED=/path/to/weed a
# SeaweedFS `weed mini` (master, volume, filer and S3 gateway in one
# process, storing on disk under the work folder). Build weed from the Go
# module proxy (its go.mod has a replace, so not with go install):
#
#   v=v0.0.0-20261109003541-7506e5f91cd6; go mod download github.com/seaweedfs/seaweedfs@$v
#   cp -r "$(go env GOMODCACHE)/github.com/seaweedfs/seaweedfs@$v" /tmp/weedsrc && chmod -R u+w /tmp/weedsrc
#   (cd /tmp/weedsrc && go build -o /tmp/weed ./weed)
#
# Run it alone: the figures are wall-clock.
#
#   scripts/bench-backup-s3.sh            # needs MariaDB at 127.0.0.1:3306 as root, sysbench, farm-bench
#   TABLE_SIZE=250000 TABLES=4 RUNS=5 TENANCY=/path/to/tenancy WEED=/tmp/weed scripts/bench-backup-s3.sh
set -euo pipefail

TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-250000}
RUNS=${RUNS:-5}
PORT=${PORT:-9555}
MYSQL=(mariadb -uroot -h127.0.0.1 --protocol=tcp)
PREFIX=tnt_s3bench_
WORK=$(mktemp -d /tmp/tenancy-s3bench.XXXXXX)
# TENANCY=path/to/tenancy uses a binary built elsewhere.
BIN=${TENANCY:-$WORK/tenancy}
S3PID=

cleanup() {
	[ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null || true
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		while read -r db; do "${MYSQL[@]}" -e "DROP DATABASE \`$db\`"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "$0")/.."
# shellcheck source=lib/sysbench.bash
source scripts/lib/sysbench.bash
[ -n "${TENANCY:-}" ] || go build -o "$BIN" .
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
if [ -n "${WEED:-}" ]; then
	# weed mini's other ports are its defaults (9333, 8080, 8888, ...): free them first.
	mkdir -p "$WORK/weed"
	(cd "$WORK/weed" && exec env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$WEED" mini -dir="$WORK/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
		-s3.port="$PORT" -bucket=bench -admin.ui=false >"$WORK/weed.log" 2>&1) &
	S3PID=$!
	for _ in $(seq 1 120); do grep -q "S3 Endpoint" "$WORK/weed.log" 2>/dev/null && break; sleep 0.5; done
	grep -q "S3 Endpoint" "$WORK/weed.log" || { echo "weed mini did not start: $(tail -5 "$WORK/weed.log")" >&2; exit 1; }
	echo "== S3 server: SeaweedFS $("$WEED" version 2>/dev/null | head -1) (weed mini, on disk)"
else
	go build -o "$WORK/fakes3" ./scripts/fakes3
	"$WORK/fakes3" -addr "127.0.0.1:$PORT" -bucket bench &
	S3PID=$!
	echo "== S3 server: gofakes3 (scripts/fakes3, in memory)"
fi

KEY=$WORK/key.txt
go run filippo.io/age/cmd/age-keygen -o "$KEY" 2>/dev/null
RECIPIENT=$(awk '/public key:/ {print $4}' "$KEY")

# config NAME STORAGE ENCRYPT_TO: writes $WORK/NAME.toml
config() {
	cat >"$WORK/$1.toml" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}central"
[tenancy]
database_prefix = "${PREFIX}t_"
[backup]
dir = "$WORK/backups"
storage = "$2"
encrypt_to = [$3]
compression = "zstd"
workers = 2
TOML
}
config file "" ""
config file-age "" "\"$RECIPIENT\""
config s3 "s3://bench/tenancy?endpoint=http://127.0.0.1:$PORT&region=us-east-1" ""
config s3-age "s3://bench/tenancy?endpoint=http://127.0.0.1:$PORT&region=us-east-1" "\"$RECIPIENT\""
T() { "$BIN" --config "$WORK/file.toml" "$@"; }

T init >/dev/null
DB=${PREFIX}t_big
T tenants create --name big --database "$DB" --no-migrate >/dev/null
echo "== preparing $TABLES x $TABLE_SIZE sysbench rows in $DB"
sysbench_tables "$DB" "$TABLES" "$TABLE_SIZE"
"${MYSQL[@]}" -N -e "SELECT CONCAT('data ', ROUND(SUM(DATA_LENGTH+INDEX_LENGTH)/1048576), ' MiB on disk, ', SUM(TABLE_ROWS), ' rows (estimate)') FROM information_schema.TABLES WHERE TABLE_SCHEMA='$DB'"

create() { echo "$BIN --config $WORK/$1.toml backup create big"; }
# s3cpu: the S3 server's user+system CPU seconds so far (farm-bench counts
# only the backup's own process; the server shares the cores).
s3cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$S3PID/stat"; }
pair() {
	echo "== $1 vs $2 ($(uptime | sed 's/.*load/load/'))"
	local before
	before=$(s3cpu)
	# shellcheck disable=SC2046
	farm-bench -n "$RUNS" --timeout 1200 --vs "$(create "$2")" -- $(create "$1")
	# backups that went to S3 in the pair: RUNS counted + 1 warm-up of each s3 config
	local n=0 c
	for c in "$1" "$2"; do [[ $c == s3* ]] && n=$((n + RUNS + 1)); done
	echo "S3 server CPU during the pair: $(awk -v a="$before" -v b="$(s3cpu)" -v n="$n" 'BEGIN {printf "%.2f s over %d backups to S3 (%.2f s each)", b - a, n, n ? (b - a) / n : 0}')"
}
pair s3 file
pair s3-age s3
pair file-age file

echo "== the last backups"
T backup list big | tail -n 8
