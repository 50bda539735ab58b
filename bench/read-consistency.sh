#!/usr/bin/env bash
# read-consistency.sh — linearizable GET against stale GET on the same node,
# in one run (issue 11 target: linearizable ≥ 0.75 × stale).
#
#   bench/read-consistency.sh            single node and three-node cluster leader
#   TARGETS=single bench/read-consistency.sh
#
# It starts a pikaraft single node and/or a three-node cluster
# (deploy/local-cluster.sh), loads KEYSPACE keys, then alternates, ROUNDS
# times, `redis-benchmark -t get` with `CONFIG SET read-consistency
# linearizable` and with `CONFIG SET read-consistency stale` on the same
# node (the leader of the cluster). For each run it prints req/s and the
# server CPU per GET (utime+stime ticks of the node's process over the run,
# divided by the requests), and at the end the ratio linearizable/stale of
# the summed req/s and of the CPU per GET.
#
# Environment: PIKARAFT_BIN (default bin/pikaraft, built if missing),
# SINGLE_PORT (9751), CLUSTER_BASE (9760 → nodes on 9761..9763), TARGETS
# ("single cluster"), REQUESTS (100000), CLIENTS (50), KEYSPACE (100000),
# ROUNDS (3), TEST (get; any redis-benchmark -t test that reads).
# Kills only the servers it started.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${PIKARAFT_BIN:-$ROOT/bin/pikaraft}"
SINGLE_PORT="${SINGLE_PORT:-9751}"
CLUSTER_BASE="${CLUSTER_BASE:-9760}"
TARGETS="${TARGETS:-single cluster}"
REQUESTS="${REQUESTS:-100000}"
CLIENTS="${CLIENTS:-50}"
KEYSPACE="${KEYSPACE:-100000}"
ROUNDS="${ROUNDS:-3}"
TEST="${TEST:-get}"

WORK="$(mktemp -d /tmp/pikaraft-readbench.XXXXXX)"
SINGLE_PID=""
CLUSTER_STARTED=""
cluster() {
	CLUSTER_DIR="$WORK/cluster" BASE_PORT="$CLUSTER_BASE" PIKARAFT_BIN="$BIN" LOG_LEVEL=warn \
		"$ROOT/deploy/local-cluster.sh" "$@"
}
cleanup() {
	[ -n "$CLUSTER_STARTED" ] && cluster stop >/dev/null 2>&1 || true
	[ -n "$SINGLE_PID" ] && kill "$SINGLE_PID" 2>/dev/null && wait "$SINGLE_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

T0=$(date +%s)
step() { printf '== [%4ss] %s\n' $(($(date +%s) - T0)) "$*"; }

if [ ! -x "$BIN" ]; then
	step "building $BIN"
	(cd "$ROOT" && mkdir -p "$(dirname "$BIN")" && go build -o "$BIN" ./cmd/pikaraft)
fi

# wait_writable PORT waits until a write succeeds (a leader is elected).
wait_writable() {
	for _ in $(seq 1 300); do
		[ "$(redis-cli -p "$1" set __bench_ready 1 2>/dev/null)" = "OK" ] && return 0
		sleep 0.1
	done
	echo "port $1 did not accept writes within 30 s" >&2
	exit 1
}

# ticks PID prints utime+stime of PID in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A PORT PID
for t in $TARGETS; do
	case $t in
	single)
		step "starting a single node on port $SINGLE_PORT"
		"$BIN" --port "$SINGLE_PORT" --data-dir "$WORK/single" --log-level warn >"$WORK/single.log" 2>&1 &
		SINGLE_PID=$!
		wait_writable "$SINGLE_PORT"
		PORT[single]=$SINGLE_PORT
		PID[single]=$SINGLE_PID
		;;
	cluster)
		step "starting a three-node cluster on ports $((CLUSTER_BASE + 1))-$((CLUSTER_BASE + 3))"
		CLUSTER_STARTED=1
		cluster start | sed 's/^/   /'
		leader=""
		for _ in $(seq 1 300); do
			for n in 1 2 3; do
				[ "$(redis-cli -p $((CLUSTER_BASE + n)) role 2>/dev/null | head -1)" = "master" ] && leader=$n
			done
			[ -n "$leader" ] && break
			sleep 0.1
		done
		[ -n "$leader" ] || { echo "the cluster elected no leader within 30 s" >&2; exit 1; }
		PORT[cluster]=$((CLUSTER_BASE + leader))
		PID[cluster]=$(cat "$WORK/cluster/n$leader/pikaraft.pid")
		wait_writable "${PORT[cluster]}"
		step "cluster leader: n$leader, port ${PORT[cluster]}"
		;;
	*) echo "unknown target $t (single, cluster)" >&2; exit 2 ;;
	esac
	step "$t: loading $KEYSPACE keys (SET -P 16)"
	redis-benchmark -p "${PORT[$t]}" -t set -n "$KEYSPACE" -r "$KEYSPACE" -c 10 -P 16 -d 100 -q >/dev/null
done

# bench TARGET MODE ROUND: one redis-benchmark run at read-consistency MODE.
RESULTS="$WORK/results"
bench() {
	local t=$1 mode=$2 round=$3 port=${PORT[$1]} pid=${PID[$1]}
	redis-cli -p "$port" config set read-consistency "$mode" >/dev/null
	local before after rps
	before=$(ticks "$pid")
	rps=$(redis-benchmark -p "$port" -t "$TEST" -n "$REQUESTS" -c "$CLIENTS" -r "$KEYSPACE" --csv |
		awk -F'","' 'NR == 2 {gsub(/"/, "", $2); print $2}')
	after=$(ticks "$pid")
	local us
	us=$(awk -v d=$((after - before)) -v n="$REQUESTS" 'BEGIN {printf "%.1f", d * 10000 / n}')
	printf '     %-7s %-12s round %d: %10s req/s  %6s µs CPU per request\n' "$t" "$mode" "$round" "$rps" "$us"
	echo "$t $mode $rps $us" >>"$RESULTS"
}

for round in $(seq 1 "$ROUNDS"); do
	for t in $TARGETS; do
		step "round $round/$ROUNDS: $t ${TEST^^}, linearizable then stale"
		bench "$t" linearizable "$round"
		bench "$t" stale "$round"
	done
done
for t in $TARGETS; do redis-cli -p "${PORT[$t]}" config set read-consistency linearizable >/dev/null; done

echo
echo "| node | ${TEST^^} linearizable req/s | stale req/s | ratio | linearizable µs CPU/req | stale µs CPU/req |"
echo "|---|---:|---:|---:|---:|---:|"
for t in $TARGETS; do
	awk -v t="$t" '$1 == t && $2 == "linearizable" {lr += $3; lc += $4; ln++}
		$1 == t && $2 == "stale" {sr += $3; sc += $4; sn++}
		END {printf "| %s | %.0f | %.0f | %.2f | %.1f | %.1f |\n", t, lr / ln, sr / sn, lr / sr, lc / ln, sc / sn}' "$RESULTS"
done
echo "(req/s and CPU are means over $ROUNDS rounds; -n $REQUESTS -c $CLIENTS -r $KEYSPACE; load $(cut -d' ' -f1-3 /proc/loadavg))"
