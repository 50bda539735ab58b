#!/usr/bin/env bash
# write-ab.sh: an interleaved A/B of two pikaraft binaries on writes.
#
#   bench/write-ab.sh ROUNDS BIN_A BIN_B [BIN ...]
#
# Each round runs, for each binary in turn, a fresh three-node cluster on
# 127.0.0.1 (deploy/local-cluster.sh, driving its leader) and then a fresh
# single node, and drives each with
#   redis-benchmark -t set -n 60000 -c 50 -r 1000000, then the same with -t incr.
# Environment: TESTS (redis-benchmark test names, default "set incr"), N
# (requests per test, default 60000), CLUSTER=0 (single node only).
# It prints requests per second and the servers' CPU per request (user +
# system time of all pikaraft processes of the topology, from /proc, divided
# by the requests). Interleaving rounds is what makes the comparison fair on
# a noisy machine; compare the binaries within a round, and the spread
# between rounds. Ports: 9440-9443 (cluster, raft ports +3000) and 9450.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 ROUNDS BIN_A BIN_B [BIN ...]" >&2; exit 2; }
ROUNDS=$1
shift
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/pikaraft-write-ab.XXXXXX)"
CLUSTER_BASE=9440
SINGLE_PORT=9450
N=${N:-60000}
TESTS=${TESTS:-set incr}
CLUSTER=${CLUSTER:-1}
single_pid=""

cleanup() {
	[ -n "$single_pid" ] && kill "$single_pid" 2>/dev/null && wait "$single_pid" 2>/dev/null
	CLUSTER_DIR="$WORK/cluster" BASE_PORT=$CLUSTER_BASE "$ROOT/deploy/local-cluster.sh" stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# cpu_ticks PID...: user + system clock ticks of the processes.
cpu_ticks() {
	local sum=0 p
	for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$sum"
}

# drive PORT PID...: each of TESTS in turn; prints "set=RPS/CPUus incr=RPS/CPUus ...".
drive() {
	local port=$1 out="" t before rps after
	shift
	for t in $TESTS; do
		before=$(cpu_ticks "$@")
		rps=$(redis-benchmark -p "$port" -t "$t" -n $N -c 50 -r 1000000 --csv | tail -1 | cut -d, -f2 | tr -d '"')
		after=$(cpu_ticks "$@")
		out="$out $t=${rps%.*}/$(((after - before) * 1000000 / $(getconf CLK_TCK) / N))us"
	done
	echo "$out"
}

# wait_master PORT: until the node at PORT says it is the leader (0) or 30 s passed (1).
wait_master() {
	local i
	for i in $(seq 1 300); do
		[ "$(redis-cli -p "$1" role 2>/dev/null | head -1)" = "master" ] && return 0
		sleep 0.1
	done
	return 1
}

for round in $(seq 1 "$ROUNDS"); do
	for bin in "$@"; do
		echo "round $round/$ROUNDS: $bin ..." >&2
		cluster=" (skipped)"
		if [ "$CLUSTER" != 0 ]; then
			export CLUSTER_DIR="$WORK/cluster" BASE_PORT=$CLUSTER_BASE PIKARAFT_BIN="$bin" LOG_LEVEL=warn
			rm -rf "$CLUSTER_DIR"
			"$ROOT/deploy/local-cluster.sh" start >/dev/null
			leader=""
			for _ in $(seq 1 300); do
				for n in 1 2 3; do
					[ "$(redis-cli -p $((CLUSTER_BASE + n)) role 2>/dev/null | head -1)" = "master" ] && leader=$((CLUSTER_BASE + n))
				done
				[ -n "$leader" ] && break
				sleep 0.1
			done
			[ -n "$leader" ] || { echo "no leader within 30 s" >&2; exit 1; }
			pids=$(cat "$CLUSTER_DIR"/n*/pikaraft.pid)
			# shellcheck disable=SC2086
			cluster=$(drive "$leader" $pids)
			"$ROOT/deploy/local-cluster.sh" stop >/dev/null
		fi

		rm -rf "$WORK/single"
		mkdir -p "$WORK/single"
		"$bin" --port $SINGLE_PORT --data-dir "$WORK/single" --log-level warn >"$WORK/single.log" 2>&1 &
		single_pid=$!
		wait_master $SINGLE_PORT || { echo "single node did not become leader" >&2; exit 1; }
		single=$(drive $SINGLE_PORT $single_pid)
		kill "$single_pid"
		wait "$single_pid" 2>/dev/null || true
		single_pid=""
		printf 'round %d %-40s cluster:%s | single:%s | load %s\n' "$round" "$bin" "$cluster" "$single" "$(cut -d' ' -f1 /proc/loadavg)"
	done
done
