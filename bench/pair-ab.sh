#!/usr/bin/env bash
# pair-ab.sh: an A/B of two pikaraft binaries run at the same time.
#
#   bench/pair-ab.sh ROUNDS BIN_A BIN_B
#
# bench/write-ab.sh runs the binaries one after the other, so the host's
# drift between runs (on the VMs this was measured on, ±20 % for the same
# binary within minutes) lands in the comparison. Here both binaries run
# at once, each as a fresh single node on 127.0.0.1 (or, with CLUSTER=1, a
# fresh three-node cluster of deploy/local-cluster.sh, driven on its
# leader) with its own redis-benchmark (-c 50, -r 1000000, as
# write-ab.sh), and both rates are read over the same window from the
# servers' own counters (INFO's total_commands_processed) and /proc (CPU of
# every node of the topology, per request): whatever the host does in the
# window, it does to both. The ratio B/A per test and round is printed,
# and the median ratio per test at the end.
#
# What it measures is which binary does more with an equal share of a
# contended machine (two servers and two clients on the same cores), not
# what either does alone: use it to decide whether a change helps, and
# write-ab.sh or redis-benchmark.sh for absolute numbers. It does not suit
# binaries that differ in how many threads compete for the cores (e.g.
# GOMAXPROCS=1 against the default: B/A went from 0.69 to 1.46 between
# rounds): the share of the machine each gets then is the difference. Nor
# does it settle GET, which waits for no fsync and is all CPU: A against A
# went from 0.98 to 1.18. The topologies swap ports every round, and A
# against A measures the instrument's own spread (run `pair-ab.sh 6 BIN
# BIN` first; for SET it was within ±4 %).
#
# Environment: TESTS (redis-benchmark test names, default "set incr"),
# WINDOW (seconds measured per test, default 10), WARMUP (seconds of load
# before the window, default 2), FILL (SETs of random keys each node takes
# before the tests, 16 per round trip, default 0), CLUSTER=1 (three-node
# clusters instead of single nodes). Ports: 9456 and 9457; with CLUSTER=1
# 9461-9463 and 9471-9473 (Raft ports +3000).
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 ROUNDS BIN_A BIN_B" >&2; exit 2; }
ROUNDS=$1
BINS=("$2" "$3")
WORK="$(mktemp -d /tmp/pikaraft-pair-ab.XXXXXX)"
CLUSTER=${CLUSTER:-0}
if [ "$CLUSTER" = 1 ]; then
	PORTS=(9460 9470) # base ports: the nodes listen on base+1..base+3
else
	PORTS=(9456 9457)
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TESTS=${TESTS:-set incr}
WINDOW=${WINDOW:-10}
WARMUP=${WARMUP:-2}
FILL=${FILL:-0}
pids=()  # single nodes
loads=() # redis-benchmark processes

# cluster CMD I BASE: deploy/local-cluster.sh CMD for topology I.
cluster() {
	CLUSTER_DIR="$WORK/c$2" BASE_PORT="$3" PIKARAFT_BIN="${BINS[$2]}" LOG_LEVEL=warn \
		"$ROOT/deploy/local-cluster.sh" "$1" >/dev/null 2>&1
}

cleanup() {
	local p i
	for p in "${loads[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${loads[@]}" "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$CLUSTER" = 1 ]; then
		for i in 0 1; do
			[ -d "$WORK/c$i" ] && { cluster stop "$i" "${PORTS[$i]}" || true; }
		done
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

for tool in redis-cli redis-benchmark; do
	command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install redis-tools)" >&2; exit 1; }
done

# cpu_ticks PID...: user + system clock ticks of the processes.
cpu_ticks() {
	local sum=0 p
	for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$sum"
}

# commands PORT: the server's total_commands_processed.
commands() { redis-cli -p "$1" info stats | tr -d '\r' | awk -F: '$1 == "total_commands_processed" {print $2}'; }

# ratios of each test over the rounds, for the medians: "test ratio" lines.
RATIOS="$WORK/ratios"
: >"$RATIOS"
TCK=$(getconf CLK_TCK)

for round in $(seq 1 "$ROUNDS"); do
	# Binary i listens on PORTS[(i + round) % 2]: the ports swap every round.
	bases=("${PORTS[$((round % 2))]}" "${PORTS[$(((round + 1) % 2))]}")
	ports=() # the port each topology is driven on
	procs=() # each topology's server pids, space-separated
	pids=()
	for i in 0 1; do
		if [ "$CLUSTER" = 1 ]; then
			rm -rf "$WORK/c$i"
			cluster start "$i" "${bases[$i]}" ||
				{ echo "deploy/local-cluster.sh could not start ${BINS[$i]}'s cluster (a port in use?)" >&2; exit 1; }
			procs+=("$(cat "$WORK/c$i"/n*/pikaraft.pid | tr '\n' ' ')")
		else
			d="$WORK/n$i"
			rm -rf "$d"
			mkdir -p "$d"
			"${BINS[$i]}" --port "${bases[$i]}" --data-dir "$d" --log-level warn >"$d.log" 2>&1 &
			pids+=($!)
			procs+=("$!")
		fi
	done
	for i in 0 1; do
		port=""
		for _ in $(seq 1 300); do
			if [ "$CLUSTER" = 1 ]; then
				for n in 1 2 3; do
					[ "$(redis-cli -p $((bases[i] + n)) role 2>/dev/null | head -1)" = "master" ] && port=$((bases[i] + n))
				done
			elif [ "$(redis-cli -p "${bases[$i]}" role 2>/dev/null | head -1)" = "master" ]; then
				port=${bases[$i]}
			fi
			[ -n "$port" ] && break
			sleep 0.1
		done
		[ -n "$port" ] || { echo "${BINS[$i]} elected no leader within 30 s" >&2; exit 1; }
		ports+=("$port")
		for p in ${procs[$i]}; do
			kill -0 "$p" 2>/dev/null || { echo "a server of ${BINS[$i]} exited at start (a port in use?)" >&2; exit 1; }
		done
	done
	if [ "$FILL" -gt 0 ]; then
		for i in 0 1; do
			redis-benchmark -p "${ports[$i]}" -t set -n "$FILL" -c 50 -P 16 -r 1000000 -q >/dev/null 2>&1 &
			loads+=($!)
		done
		wait "${loads[@]}"
		loads=()
	fi
	line="round $round:"
	for t in $TESTS; do
		for i in 0 1; do
			redis-benchmark -p "${ports[$i]}" -t "$t" -n 100000000 -c 50 -r 1000000 -q >/dev/null 2>&1 &
			loads+=($!)
		done
		sleep "$WARMUP"
		c0=() t0=()
		# shellcheck disable=SC2086
		for i in 0 1; do c0+=("$(commands "${ports[$i]}")"); t0+=("$(cpu_ticks ${procs[$i]})"); done
		sleep "$WINDOW"
		c1=() t1=()
		# shellcheck disable=SC2086
		for i in 0 1; do c1+=("$(commands "${ports[$i]}")"); t1+=("$(cpu_ticks ${procs[$i]})"); done
		kill "${loads[@]}" 2>/dev/null || true
		wait "${loads[@]}" 2>/dev/null || true
		loads=()
		rate=() cpu=()
		for i in 0 1; do
			n=$((c1[i] - c0[i] - 1)) # the second sample's INFO counts itself
			rate+=($((n / WINDOW)))
			cpu+=($(((t1[i] - t0[i]) * 1000000 / TCK / (n > 0 ? n : 1))))
		done
		ratio=$(awk -v a="${rate[0]}" -v b="${rate[1]}" 'BEGIN { printf "%.3f", (a > 0 ? b / a : 0) }')
		echo "$t $ratio" >>"$RATIOS"
		line="$line $t A=${rate[0]}/${cpu[0]}us B=${rate[1]}/${cpu[1]}us B/A=$ratio"
	done
	if [ "$CLUSTER" = 1 ]; then
		for i in 0 1; do cluster stop "$i" "${bases[$i]}"; done
	else
		for i in 0 1; do kill "${pids[$i]}"; done
		for i in 0 1; do wait "${pids[$i]}" 2>/dev/null || true; done
	fi
	pids=()
	echo "$line | load $(cut -d' ' -f1 /proc/loadavg)"
done

echo "median B/A over $ROUNDS rounds (A = ${BINS[0]}, B = ${BINS[1]}):"
for t in $TESTS; do
	awk -v t="$t" '$1 == t {print $2}' "$RATIOS" | sort -n |
		awk -v t="$t" '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "  %-8s %.3f (min %.3f, max %.3f)\n", t, m, v[1], v[NR]}'
done
