#!/usr/bin/env bash
# redis-benchmark.sh: runs redis-benchmark, in one run on this machine,
# against a Redis 7 server from Debian (no persistence), a pikaraft single
# node and a pikaraft three-node cluster on 127.0.0.1 (driving its leader),
# then the Go open-loop load generator (bench/latency) against the cluster
# leader at fixed offered rates (SET also against the single node and Redis,
# for reference). Before the servers start it checks the disk
# for periodic fsync stalls (bench/fsyncstall), which set a floor under the
# cluster's write p99 on some VMs. It prints one table of ratios (single/Redis,
# cluster/single) and writes the machine, the commands and the raw numbers
# into docs/BENCHMARKS.md (the section between the redis-benchmark markers;
# the rest of the file is kept). Progress is printed while it runs.
#
# Usage: bench/redis-benchmark.sh            (from anywhere in the repo)
# Environment: REDIS_PORT (6390), PIKARAFT_PORT (9331, single node),
# CLUSTER_BASE (9340: the cluster's nodes listen on 9341..9343), REQUESTS
# (50000), CLIENTS (50), PIPELINE (16), KEYSPACE (1000000, -r),
# TESTS (set,get,incr,lpush,lpop,sadd,hset,zadd,lrange_100,mset),
# SET_RATES (500,1000,2000), GET_RATES (2000,5000,10000), RATE_SECONDS (10),
# DOC (docs/BENCHMARKS.md; empty = do not write).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REDIS_PORT=${REDIS_PORT:-6390}
PIKARAFT_PORT=${PIKARAFT_PORT:-9331}
CLUSTER_BASE=${CLUSTER_BASE:-9340}
REQUESTS=${REQUESTS:-50000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
KEYSPACE=${KEYSPACE:-1000000}
TESTS=${TESTS:-set,get,incr,lpush,lpop,sadd,hset,zadd,lrange_100,mset}
SET_RATES=${SET_RATES:-500,1000,2000}
GET_RATES=${GET_RATES:-2000,5000,10000}
RATE_SECONDS=${RATE_SECONDS:-10}
DOC=${DOC-$ROOT/docs/BENCHMARKS.md}

for tool in redis-server redis-cli redis-benchmark go; do
	command -v "$tool" >/dev/null || { echo "missing $tool (make deps installs redis-server and redis-tools)" >&2; exit 1; }
done

# in_use reports whether something listens on 127.0.0.1:$1.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# pikaraft uses port, port+2000 and port+10001 (classic replication),
# port+3000 (Raft), port+4000 (gossip), port+5000 (metrics).
PORTS=("$REDIS_PORT")
for p in "$PIKARAFT_PORT" $((CLUSTER_BASE + 1)) $((CLUSTER_BASE + 2)) $((CLUSTER_BASE + 3)); do
	PORTS+=("$p" $((p + 2000)) $((p + 3000)) $((p + 4000)) $((p + 5000)) $((p + 10001)))
done
for p in "${PORTS[@]}"; do
	if in_use "$p"; then echo "port $p is in use; set REDIS_PORT / PIKARAFT_PORT / CLUSTER_BASE" >&2; exit 1; fi
done

WORK=$(mktemp -d -t pikaraft-bench-XXXXXX)
REDIS_PID=""
SINGLE_PID=""
CLUSTER_STARTED=""
# cluster runs deploy/local-cluster.sh on this run's own ports and directory.
cluster() {
	CLUSTER_DIR="$WORK/cluster" BASE_PORT="$CLUSTER_BASE" PIKARAFT_BIN="$ROOT/bin/pikaraft" LOG_LEVEL=warn \
		"$ROOT/deploy/local-cluster.sh" "$@"
}
cleanup() {
	# Only the servers this script started, by pid.
	[ -n "$CLUSTER_STARTED" ] && cluster stop >/dev/null 2>&1 || true
	[ -n "$SINGLE_PID" ] && kill "$SINGLE_PID" 2>/dev/null && wait "$SINGLE_PID" 2>/dev/null || true
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

T0=$(date +%s)
# step prints a progress header with the time elapsed since the start.
step() { printf '== [%4ss] %s\n' $(($(date +%s) - T0)) "$*"; }

step "building bin/pikaraft, bin/latency and bin/fsyncstall"
(cd "$ROOT" && mkdir -p bin && go build -o bin/pikaraft ./cmd/pikaraft && go build -o bin/latency ./bench/latency &&
	go build -o bin/fsyncstall ./bench/fsyncstall)

step "checking the disk for fsync stalls (three writers, 3 s, nothing else running)"
FSYNC_CMD="bin/fsyncstall -dir <temp dir> -writers 3 -duration 3s"
FSYNC_CHECK=$("$ROOT/bin/fsyncstall" -dir "$WORK" -writers 3 -duration 3s)
echo "   $FSYNC_CHECK"

step "starting redis-server on port $REDIS_PORT (no persistence)"
mkdir -p "$WORK/redis"
REDIS_CMD="redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --dir <temp dir>"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" \
	>"$WORK/redis.log" 2>&1 &
REDIS_PID=$!

step "starting a pikaraft single node on port $PIKARAFT_PORT"
SINGLE_CMD="bin/pikaraft --port $PIKARAFT_PORT --data-dir <temp dir> --log-level warn"
"$ROOT/bin/pikaraft" --port "$PIKARAFT_PORT" --data-dir "$WORK/single" --log-level warn \
	>"$WORK/single.log" 2>&1 &
SINGLE_PID=$!

step "starting a pikaraft three-node cluster on ports $((CLUSTER_BASE + 1))-$((CLUSTER_BASE + 3)) (deploy/local-cluster.sh)"
CLUSTER_STARTED=1
cluster start | sed 's/^/   /'
CLUSTER_CMD="CLUSTER_DIR=<temp dir> BASE_PORT=$CLUSTER_BASE LOG_LEVEL=warn deploy/local-cluster.sh start"

# wait_writable PORT NAME LOG waits until a write succeeds (pikaraft: leader elected).
wait_writable() {
	local port=$1 name=$2 log=$3
	for _ in $(seq 1 300); do
		if [ "$(redis-cli -p "$port" set __bench_ready 1 2>/dev/null)" = "OK" ]; then
			redis-cli -p "$port" del __bench_ready >/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "$name did not accept writes within 30 s; log:" >&2
	tail -20 "$log" >&2
	exit 1
}
wait_writable "$REDIS_PORT" redis "$WORK/redis.log"
wait_writable "$PIKARAFT_PORT" single "$WORK/single.log"

# The cluster's leader: the node whose ROLE says master.
LEADER_PORT=""
for _ in $(seq 1 300); do
	for n in 1 2 3; do
		if [ "$(redis-cli -p $((CLUSTER_BASE + n)) role 2>/dev/null | head -1)" = "master" ]; then
			LEADER_PORT=$((CLUSTER_BASE + n))
		fi
	done
	[ -n "$LEADER_PORT" ] && break
	sleep 0.1
done
[ -n "$LEADER_PORT" ] || { echo "the cluster elected no leader within 30 s" >&2; exit 1; }
wait_writable "$LEADER_PORT" cluster "$WORK/cluster/n1/server.log"
step "cluster leader: port $LEADER_PORT"
REDIS_VERSION=$(redis-server --version | sed 's/ sha=.*//')

# The tests run interleaved: each group of tests against Redis, the single
# node and the cluster back to back, so that the load of a shared machine
# drifting during the run hits the three alike. LPOP runs in one group
# with LPUSH (it pops what LPUSH pushed, as in redis-benchmark's own order).
TEST_GROUPS=()
for t in $(echo "$TESTS" | tr ',' ' '); do
	case $t in
	lpop) [[ ",$TESTS," == *,lpush,* ]] || TEST_GROUPS+=(lpop) ;;
	lpush) [[ ",$TESTS," == *,lpop,* ]] && TEST_GROUPS+=(lpush,lpop) || TEST_GROUPS+=(lpush) ;;
	*) TEST_GROUPS+=("$t") ;;
	esac
done

# run SERVER PORT PIPELINE GROUP: one redis-benchmark run, its CSV rows
# appended to $WORK/SERVER-pPIPELINE.csv, one progress line per test.
run() {
	local server=$1 port=$2 pipe=$3 group=$4 out="$WORK/$1-p$3.csv" errs="$WORK/$1-p$3.err" tmp="$WORK/run.csv"
	local args=(-h 127.0.0.1 -p "$port" -t "$group" -n "$REQUESTS" -c "$CLIENTS" -r "$KEYSPACE" --csv)
	[ "$pipe" -gt 1 ] && args+=(-P "$pipe")
	$LINEBUF redis-benchmark "${args[@]}" 2>>"$errs" | tee "$tmp" | while IFS= read -r line; do
		case $line in
		'"test"'*) ;;
		*) echo "$line" | awk -F'","' -v s="$server" '{gsub(/"/, "", $1); gsub(/"/, "", $2); printf "     %-7s %-36s %10s req/s  (p50 %s ms, p99 %s ms)\n", s, $1, $2, $5, $7}' ;;
		esac
	done
	[ -f "$out" ] || head -1 "$tmp" >"$out"
	tail -n +2 "$tmp" >>"$out"
	if grep -qiE 'error|could not' "$errs" "$tmp"; then
		echo "redis-benchmark reported errors against $server:" >&2
		grep -iE 'error|could not' "$errs" "$tmp" | head -5 >&2
		exit 1
	fi
}
# redis-benchmark buffers its --csv output in a pipe; line-buffer it for progress.
LINEBUF=""
command -v stdbuf >/dev/null && LINEBUF="stdbuf -oL"

LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
for pipe in 1 "$PIPELINE"; do
	for port in "$REDIS_PORT" "$PIKARAFT_PORT" "$LEADER_PORT"; do redis-cli -p "$port" flushall >/dev/null; done
	for g in "${TEST_GROUPS[@]}"; do
		step "$g$([ "$pipe" -gt 1 ] && echo ", -P $pipe"): redis, single, cluster"
		run redis "$REDIS_PORT" "$pipe" "$g"
		run single "$PIKARAFT_PORT" "$pipe" "$g"
		run cluster "$LEADER_PORT" "$pipe" "$g"
	done
done
BENCH_ELAPSED=$(($(date +%s) - START))
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)

step "open-loop latency on the cluster leader: SET at $SET_RATES/s, GET at $GET_RATES/s, ${RATE_SECONDS}s each"
LAT="$WORK/latency.csv"
LATENCY_CMD="bin/latency -addr 127.0.0.1:<leader port> -conns $CLIENTS -keys $KEYSPACE -duration ${RATE_SECONDS}s -csv"
{
	"$ROOT/bin/latency" -addr "127.0.0.1:$LEADER_PORT" -conns "$CLIENTS" -keys "$KEYSPACE" -duration "${RATE_SECONDS}s" -csv -op set -rates "$SET_RATES"
	"$ROOT/bin/latency" -addr "127.0.0.1:$LEADER_PORT" -conns "$CLIENTS" -keys "$KEYSPACE" -duration "${RATE_SECONDS}s" -csv -op get -rates "$GET_RATES" | tail -n +2
} | tee "$LAT" | awk -F, 'NR > 1 {printf "     %s offered %6s/s: achieved %s/s, p50 %s ms, p99 %s ms, p999 %s ms, errors %s\n", $1, $2, $6, $7, $8, $9, $5}'

# The same SET rates on the single node (no replication) and on Redis (no
# disk either): the floor this machine sets under the cluster's numbers.
step "reference: SET at $SET_RATES/s on the single node and on Redis, ${RATE_SECONDS}s each"
for ref in "single $PIKARAFT_PORT" "redis $REDIS_PORT"; do
	read -r name port <<<"$ref"
	"$ROOT/bin/latency" -addr "127.0.0.1:$port" -conns "$CLIENTS" -keys "$KEYSPACE" -duration "${RATE_SECONDS}s" -csv -op set -rates "$SET_RATES" |
		tee "$WORK/latency-$name.csv" |
		awk -F, -v s="$name" 'NR > 1 {printf "     %-6s %s offered %6s/s: achieved %s/s, p50 %s ms, p99 %s ms, p999 %s ms, errors %s\n", s, $1, $2, $6, $7, $8, $9, $5}'
done

# rps FILE TEST prints the requests/s of TEST (its full CSV name) in FILE.
rps() { awk -F'","' -v t="$2" '{gsub(/"/, "", $1); gsub(/"/, "", $2)} $1 == t {print $2}' "$1"; }

# table PIPE prints the ratio table of the runs with pipeline PIPE.
table() {
	local pipe=$1 sfx=""
	[ "$pipe" -gt 1 ] && sfx=" -P $pipe"
	echo "| command$sfx | Redis rps | single rps | cluster rps | single/Redis | cluster/single |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk -F'","' 'NR > 1 {gsub(/"/, "", $1); print $1}' "$WORK/redis-p$pipe.csv" | while IFS= read -r t; do
		r=$(rps "$WORK/redis-p$pipe.csv" "$t"); s=$(rps "$WORK/single-p$pipe.csv" "$t"); c=$(rps "$WORK/cluster-p$pipe.csv" "$t")
		awk -v t="$t" -v r="${r:-0}" -v s="${s:-0}" -v c="${c:-0}" 'BEGIN {
			printf "| %s | %.0f | %.0f | %.0f | %.2f | %.2f |\n", t, r, s, c, (r > 0 ? s / r : 0), (s > 0 ? c / s : 0) }'
	done
}
TABLE="$WORK/table.md"
{
	table 1
	echo
	table "$PIPELINE"
} >"$TABLE"
LATTABLE="$WORK/lattable.md"
{
	echo "| server | op | offered rps | achieved rps | p50 ms | p99 ms | p999 ms | max ms | errors |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for f in "cluster leader:$LAT" "single node:$WORK/latency-single.csv" "Redis:$WORK/latency-redis.csv"; do
		awk -F, -v s="${f%%:*}" 'NR > 1 {printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, toupper($1), $2, $6, $7, $8, $9, $10, $5}' "${f#*:}"
	done
} >"$LATTABLE"
echo
cat "$TABLE"
echo
cat "$LATTABLE"
echo
step "done (redis-benchmark runs: ${BENCH_ELAPSED}s)"

[ -z "$DOC" ] && exit 0

CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
DISK_DEV=$(df --output=source "$WORK" | tail -1)
DISK_FS=$(df --output=fstype "$WORK" | tail -1 | tr -d ' ')
ROTA=$(lsblk -dno ROTA "$DISK_DEV" 2>/dev/null | tr -d ' ' || true)
case $ROTA in 0) DISK_KIND="non-rotational" ;; 1) DISK_KIND="rotational" ;; *) DISK_KIND="kind unknown" ;; esac
SECTION="$WORK/section.md"
{
	echo "<!-- redis-benchmark:begin (written by bench/redis-benchmark.sh; edits here are overwritten) -->"
	echo "## redis-benchmark: Redis vs pikaraft single node vs pikaraft three-node cluster"
	echo
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/redis-benchmark.sh\` (also run by \`make bench\`)."
	echo "All five servers ran on the same machine in the same run, one benchmark at a time, with the"
	echo "benchmark client on that machine too. The tests ran interleaved (each test against Redis, the"
	echo "single node and the cluster back to back, then the next test). **The machine is a shared, noisy VM** (other jobs were running;"
	echo "load average at the start: $LOADAVG, after the redis-benchmark runs: $LOADAVG_END), so numbers vary by"
	echo "tens of percent between runs; the ratios are more telling than the absolute values."
	echo
	echo "Machine: \`nproc\` = $(nproc), CPU: $CPU, kernel $(uname -r),"
	echo "disk: $DISK_DEV ($DISK_FS, $DISK_KIND; before the servers started, \`$FSYNC_CMD\`:"
	echo "$FSYNC_CHECK), memory:"
	echo
	echo '```'
	echo "$ free -g"
	free -g
	echo '```'
	echo
	echo "Servers:"
	echo "- $REDIS_VERSION (Debian package): \`$REDIS_CMD\`"
	echo "- pikaraft $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown) single node (one-voter Raft; every write is"
	echo "  a Raft log entry fsync'd in raft-wal before the reply): \`$SINGLE_CMD\`"
	echo "- pikaraft three-node cluster, static peers, default settings (a write is acknowledged once the"
	echo "  leader and one follower fsync'd it): \`$CLUSTER_CMD\`; the benchmarks drive the leader."
	echo
	echo "Commands (one \`-t\` group at a time — LPUSH and LPOP together — against each of the three servers; \`FLUSHALL\` before the first group of each pipeline depth):"
	echo '```'
	echo "redis-benchmark -h 127.0.0.1 -p <port> -t $TESTS -n $REQUESTS -c $CLIENTS -r $KEYSPACE --csv"
	echo "redis-benchmark -h 127.0.0.1 -p <port> -t $TESTS -n $REQUESTS -c $CLIENTS -r $KEYSPACE -P $PIPELINE --csv"
	echo '```'
	echo
	echo "Requests per second (higher is better):"
	echo
	cat "$TABLE"
	echo
	echo "No errors were reported by redis-benchmark (the script fails on any). The redis-benchmark runs took ${BENCH_ELAPSED} s in all."
	echo
	echo "Open-loop latency on the cluster leader (\`bench/latency\`: requests are sent at fixed times"
	echo "whatever the replies, and each latency counts from the time the request was due, so queueing shows),"
	echo "and for reference the same SET rates on the single node and on Redis (\`-addr\` their ports):"
	echo '```'
	echo "$LATENCY_CMD -op set -rates $SET_RATES"
	echo "$LATENCY_CMD -op get -rates $GET_RATES"
	echo '```'
	echo
	cat "$LATTABLE"
	echo
	echo "Raw output (redis-benchmark --csv, bench/latency -csv):"
	for f in redis-p1 single-p1 cluster-p1 "redis-p$PIPELINE" "single-p$PIPELINE" "cluster-p$PIPELINE" latency latency-single latency-redis; do
		echo
		echo "\`$f\`:"
		echo '```'
		cat "$WORK/$f.csv"
		echo '```'
	done
	echo "<!-- redis-benchmark:end -->"
} >"$SECTION"

if [ -f "$DOC" ] && grep -q '^<!-- redis-benchmark:begin' "$DOC"; then
	# Replace the old section, keep everything around it.
	awk -v sec="$SECTION" '
		/^<!-- redis-benchmark:begin/ { while ((getline l < sec) > 0) print l; skip = 1; next }
		/^<!-- redis-benchmark:end/ { skip = 0; next }
		!skip { print }' "$DOC" >"$WORK/doc.new"
	cat "$WORK/doc.new" >"$DOC"
else
	if [ ! -f "$DOC" ]; then
		printf '# Benchmarks\n\nMeasurements of pikaraft. Sections are written by the scripts in `bench/`.\n' >"$DOC"
	fi
	{ echo; cat "$SECTION"; } >>"$DOC"
fi
echo "wrote $DOC"
