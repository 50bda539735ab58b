#!/usr/bin/env bash
# hotcache.sh: the hot-key cache (pika.conf cache-model) on against off.
#
# For ROUNDS rounds it starts a fresh single node with cache-model 0, runs
# the workloads below with redis-benchmark, stops it, then the same with
# cache-model 1 (interleaved, so load drift on a shared machine hits both).
# Each workload is preceded by the same writes: SET of 50k random keys out
# of 1M, SET of the 100 hot keys, 2000 LPUSH to "mylist".
# Workloads (50 clients): SET -r 1M, GET -r 1M (mostly cold or missing
# keys), GET -r 100 (hot keys), LRANGE mylist 0 99; the GETs and LRANGE
# again with -P 16.
# For each it prints req/s and the server's CPU per request (utime+stime
# ticks from /proc/<pid>/stat over the run / requests, in µs), which is far
# less sensitive to other load than req/s; then the median of each.
#
# Usage: bench/hotcache.sh (run `make build` first, or set BIN).
# Environment: BIN (bin/pikaraft), HC_PORT (9870), ROUNDS (3),
# CACHE_MAXMEMORY (1073741824).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin/pikaraft}
HC_PORT=${HC_PORT:-9870}
ROUNDS=${ROUNDS:-3}
CACHE_MAXMEMORY=${CACHE_MAXMEMORY:-1073741824}
WORK=$(mktemp -d /tmp/pikaraft-hotcache.XXXXXX)
PID=

cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

PREFILL=("-t set -n 50000 -r 1000000" "-t set -n 5000 -r 100" "-t lpush -n 2000")
TESTS=("set|-t set -n 20000 -r 1000000"
	"get_r1M|-t get -n 60000 -r 1000000"
	"get_r100|-t get -n 60000 -r 100"
	"lrange_0_99|-n 20000 lrange mylist 0 99"
	"get_r1M_P16|-t get -n 200000 -r 1000000 -P 16"
	"get_r100_P16|-t get -n 200000 -r 100 -P 16"
	"lrange_0_99_P16|-n 60000 -P 16 lrange mylist 0 99")

ticks() { awk '{print $14+$15}' "/proc/$PID/stat"; }

# run MODEL: one server with cache-model MODEL; prints mode,test,rps,cpu_us.
run() {
	local model=$1 dir="$WORK/node-$1"
	rm -rf "$dir"
	mkdir -p "$dir"
	printf 'cache-model : %s\ncache-maxmemory : %s\n' "$model" "$CACHE_MAXMEMORY" >"$WORK/pika-$model.conf"
	"$BIN" -c "$WORK/pika-$model.conf" --port "$HC_PORT" --data-dir "$dir" --log-level warn >"$WORK/node-$model.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do redis-cli -p "$HC_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
	for p in "${PREFILL[@]}"; do
		# shellcheck disable=SC2086
		redis-benchmark -p "$HC_PORT" -c 50 -q $p >/dev/null
	done
	local mode=off
	[ "$model" = 1 ] && mode=on
	for t in "${TESTS[@]}"; do
		local name=${t%%|*} args=${t#*|} t0 t1 out n
		t0=$(ticks)
		# shellcheck disable=SC2086
		out=$(redis-benchmark -p "$HC_PORT" -c 50 --csv $args | tail -1)
		t1=$(ticks)
		n=$(sed -n 's/.*-n \([0-9]*\).*/\1/p' <<<"$args")
		awk -v m="$mode" -v t="$name" -v o="$out" -v a="$t0" -v b="$t1" -v n="$n" \
			'BEGIN{split(o, f, ","); gsub(/"/, "", f[2]); printf "%s,%s,%s,%.1f\n", m, t, f[2], (b-a)*10000/n}'
	done
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
}

echo "mode,test,rps,cpu_us_per_req"
for round in $(seq "$ROUNDS"); do
	run 0
	run 1
done | tee "$WORK/results.csv"
echo
echo "median over $ROUNDS rounds: test, off rps, on rps, off cpu µs/req, on cpu µs/req"
for t in "${TESTS[@]}"; do
	name=${t%%|*}
	med() { grep "^$1,$name," "$WORK/results.csv" | cut -d, -f"$2" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
	echo "$name, $(med off 3), $(med on 3), $(med off 4), $(med on 4)"
done
