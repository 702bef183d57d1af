# shellcheck shell=bash
# Sourced by the move benchmarks: with PREFIX (their databases' prefix)
# and WORK (a fresh temporary folder) set, it builds tenancy into
# $WORK/tenancy, starts a second MariaDB server on a free port of
# 127.0.0.1 ($PORT2, client ${MYSQL2[@]}), writes $WORK/tenancy.toml with
# the central database on 127.0.0.1:3306 and the second server as
# [[servers]] "second", defines T (tenancy with that config), runs init,
# and on exit drops the $PREFIX databases, stops the server and removes
# $WORK. It leaves the caller in the repository's root.
BIN=$WORK/tenancy
CFG=$WORK/tenancy.toml
PORT2=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MYSQL2=(mariadb -uroot -h127.0.0.1 --protocol=tcp -P "$PORT2")

cleanup() {
	"${MYSQL[@]}" -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${PREFIX//_/\\_}%'" |
		while read -r db; do "${MYSQL[@]}" -e "DROP DATABASE \`$db\`"; done
	[ -f "$WORK/s2.pid" ] && kill "$(cat "$WORK/s2.pid")" && sleep 3
	rm -rf "$WORK"
}
trap cleanup EXIT

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
go build -o "$BIN" .

echo "== starting a second MariaDB server on 127.0.0.1:$PORT2"
user=()
[ "$(id -u)" = 0 ] && user=(--user=root)
# Its own tmpdir: a server starting with tmpdir /tmp deletes the #sql
# temp files the machine's main server keeps there.
mkdir -p "$WORK/tmp2"
mariadb-install-db --no-defaults --datadir="$WORK/data2" --tmpdir="$WORK/tmp2" --auth-root-authentication-method=normal --skip-test-db "${user[@]}" >/dev/null
mariadbd --no-defaults --datadir="$WORK/data2" --tmpdir="$WORK/tmp2" --socket="$WORK/s2.sock" --pid-file="$WORK/s2.pid" \
	--log-error="$WORK/s2.log" --bind-address=127.0.0.1 --port="$PORT2" --skip-name-resolve \
	--innodb-buffer-pool-size=256M "${user[@]}" &
for _ in $(seq 1 120); do "${MYSQL2[@]}" -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5; done

cat >"$CFG" <<TOML
[central]
dsn = "root@tcp(127.0.0.1:3306)/${PREFIX}central"
[tenancy]
database_prefix = "${PREFIX}t_"
[backup]
dir = "$WORK/backups"
workers = 2
[[servers]]
name = "second"
dsn = "root@tcp(127.0.0.1:$PORT2)/"
TOML
T() { "$BIN" --config "$CFG" "$@"; }

T init >/dev/null
