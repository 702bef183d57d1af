#!/usr/bin/env bash
# Measures tenant resolution: the per-tier Go benchmarks (in-process hit,
# Redis hit, uncached central-database lookup, with ratios), then HTTP
# requests/s through the example server with the cache and without it,
# driven by wrk on loopback. Everything it creates carries a random
# prefix and is removed at the end.
#
#   scripts/bench-resolver.sh            # TENANCIES=20 DURATION=10s CONNECTIONS=32
set -euo pipefail
cd "$(dirname "$0")/.."

DSN=${TENANCY_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}
REDIS=${TENANCY_TEST_REDIS_ADDR:-127.0.0.1:6379}
TENANCIES=${TENANCIES:-20}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18089}
prefix="tnt_bench$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')_"
work=$(mktemp -d)
server_pid=""

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
	mariadb -uroot -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${prefix//_/\\_}%'" |
		while read -r db; do mariadb -uroot -e "DROP DATABASE \`$db\`"; done
	redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" --scan --pattern "${prefix}*" | xargs -r redis-cli -h "${REDIS%:*}" -p "${REDIS#*:}" del >/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "== Go benchmarks (one run)"
go test -run '^$' -bench 'Tiers|Middleware' -benchtime 3s -v ./resolver/ | grep -E '^(Benchmark|    bench_test)' | grep -v '^BenchmarkTiers$\|^BenchmarkMiddleware$'

echo "== HTTP through the middleware (wrk, $CONNECTIONS connections, $DURATION, $TENANCIES tenants)"
go build -o "$work/tenancy" .
go build -o "$work/server" ./examples/resolver
cat >"$work/tenancy.toml" <<TOML
[central]
dsn = "${DSN}${prefix}central"
[tenancy]
database_prefix = "${prefix}t_"
[redis]
url = "redis://${REDIS}/0"
[cache]
key_prefix = "${prefix}:"
channel = "${prefix}:invalidate"
TOML
export TENANCY_CONFIG="$work/tenancy.toml"
"$work/tenancy" init >/dev/null
domains=()
for i in $(seq 1 "$TENANCIES"); do
	"$work/tenancy" tenants create --name "Bench $i" --domain "t$i.bench.test" --no-migrate >/dev/null
	domains+=("\"t$i.bench.test\"")
done
cat >"$work/hosts.lua" <<LUA
local hosts = {$(IFS=,; echo "${domains[*]}")}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/", {Host = hosts[(i % #hosts) + 1]})
end
LUA

rps() { # mode → requests/s
	"$work/server" -addr "127.0.0.1:$PORT" -cache="$1" >"$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 50); do curl -s -o /dev/null -H "Host: t1.bench.test" "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
	out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/hosts.lua" "http://127.0.0.1:$PORT/")
	kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
	echo "$out" | grep -E 'Requests/sec|Non-2xx|Socket errors|  99%' >&2
	echo "$out" | awk '/Requests\/sec/ {print $2}'
}
echo "-- with the cache" >&2
cached=$(rps true)
echo "-- without (central database on every request)" >&2
uncached=$(rps false)
awk -v c="$cached" -v u="$uncached" 'BEGIN { printf "requests/s: cached %.0f, uncached %.0f, ratio %.1fx\n", c, u, c / u }'
