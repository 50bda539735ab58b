#!/usr/bin/env bash
# redis-benchmark.sh: runs redis-benchmark against a Redis 7 server from
# Debian and a single pikaraft node in the same run, prints one table
# (requests/s per command, ratio pikaraft/Redis) and writes the results
# into docs/BENCHMARKS.md (the section between the redis-benchmark
# markers; the rest of the file is kept).
#
# Usage: bench/redis-benchmark.sh            (from anywhere in the repo)
# Environment: REDIS_PORT (6390), PIKARAFT_PORT (9331), REQUESTS (100000),
# CLIENTS (50), PIPELINE (16), TESTS (set,get,lpush,lpop,sadd,hset,zadd),
# DOC (docs/BENCHMARKS.md; empty = do not write).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REDIS_PORT=${REDIS_PORT:-6390}
PIKARAFT_PORT=${PIKARAFT_PORT:-9331}
REQUESTS=${REQUESTS:-100000}
CLIENTS=${CLIENTS:-50}
PIPELINE=${PIPELINE:-16}
TESTS=${TESTS:-set,get,lpush,lpop,sadd,hset,zadd}
DOC=${DOC-$ROOT/docs/BENCHMARKS.md}

for tool in redis-server redis-cli redis-benchmark go; do
	command -v "$tool" >/dev/null || { echo "missing $tool (make deps installs redis-server and redis-tools)" >&2; exit 1; }
done

# in_use reports whether something listens on 127.0.0.1:$1.
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# pikaraft uses port, port+3000 (Raft), port+4000 (gossip), port+5000 (metrics).
for p in "$REDIS_PORT" "$PIKARAFT_PORT" $((PIKARAFT_PORT + 3000)) $((PIKARAFT_PORT + 4000)) $((PIKARAFT_PORT + 5000)); do
	if in_use "$p"; then echo "port $p is in use; set REDIS_PORT / PIKARAFT_PORT" >&2; exit 1; fi
done

WORK=$(mktemp -d -t pikaraft-bench-XXXXXX)
REDIS_PID=""
PIKARAFT_PID=""
cleanup() {
	# Only the two servers this script started, by pid.
	[ -n "$PIKARAFT_PID" ] && kill "$PIKARAFT_PID" 2>/dev/null && wait "$PIKARAFT_PID" 2>/dev/null || true
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building bin/pikaraft"
(cd "$ROOT" && mkdir -p bin && go build -o bin/pikaraft ./cmd/pikaraft)

echo "== starting redis-server on port $REDIS_PORT (no persistence)"
mkdir -p "$WORK/redis"
REDIS_CMD="redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --dir <temp dir>"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" \
	>"$WORK/redis.log" 2>&1 &
REDIS_PID=$!

echo "== starting pikaraft on port $PIKARAFT_PORT (data in $WORK/pikaraft)"
PIKARAFT_CMD="bin/pikaraft --port $PIKARAFT_PORT --data-dir <temp dir> --log-level warn"
"$ROOT/bin/pikaraft" --port "$PIKARAFT_PORT" --data-dir "$WORK/pikaraft" --log-level warn \
	>"$WORK/pikaraft.log" 2>&1 &
PIKARAFT_PID=$!

# wait_writable waits until a write succeeds (pikaraft: leader elected).
wait_writable() {
	local port=$1 name=$2
	for _ in $(seq 1 300); do
		if [ "$(redis-cli -p "$port" set __bench_ready 1 2>/dev/null)" = "OK" ]; then
			redis-cli -p "$port" del __bench_ready >/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "$name did not accept writes within 30 s; log:" >&2
	tail -20 "$WORK/$name.log" >&2
	exit 1
}
wait_writable "$REDIS_PORT" redis
wait_writable "$PIKARAFT_PORT" pikaraft
REDIS_VERSION=$(redis-server --version | sed 's/ sha=.*//')

# run SERVER PORT PIPELINE: one redis-benchmark run, CSV into $WORK/SERVER-pPIPELINE.csv,
# progress (one line per finished test) on the terminal.
run() {
	local server=$1 port=$2 pipe=$3 out="$WORK/$1-p$3.csv" errs="$WORK/$1-p$3.err"
	echo "== $server, -P $pipe: redis-benchmark -p $port -t $TESTS -n $REQUESTS -c $CLIENTS$([ "$pipe" -gt 1 ] && echo " -P $pipe")"
	redis-cli -p "$port" flushall >/dev/null
	local args=(-h 127.0.0.1 -p "$port" -t "$TESTS" -n "$REQUESTS" -c "$CLIENTS" --csv)
	[ "$pipe" -gt 1 ] && args+=(-P "$pipe")
	redis-benchmark "${args[@]}" 2>"$errs" | tee "$out" | while IFS= read -r line; do
		case $line in
		'"test"'*) ;;
		*) echo "$line" | awk -F'","' '{gsub(/"/, "", $1); gsub(/"/, "", $2); printf "   %-6s %12s req/s  (p50 %s ms)\n", $1, $2, $5}' ;;
		esac
	done
	if grep -qiE 'error|could not' "$errs" "$out"; then
		echo "redis-benchmark reported errors against $server:" >&2
		grep -iE 'error|could not' "$errs" "$out" | head -5 >&2
		exit 1
	fi
}

START=$(date +%s)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
run redis "$REDIS_PORT" 1
run pikaraft "$PIKARAFT_PORT" 1
run redis "$REDIS_PORT" "$PIPELINE"
run pikaraft "$PIKARAFT_PORT" "$PIPELINE"
ELAPSED=$(($(date +%s) - START))

# rps FILE TEST prints the requests/s of TEST in FILE.
rps() { awk -F'","' -v t="$2" '{gsub(/"/, "", $1); gsub(/"/, "", $2)} $1 == t {print $2}' "$1"; }

TABLE="$WORK/table.md"
{
	echo "| command | Redis rps | pikaraft rps | pikaraft/Redis | Redis rps -P $PIPELINE | pikaraft rps -P $PIPELINE | pikaraft/Redis -P $PIPELINE |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for t in $(echo "$TESTS" | tr 'a-z,' 'A-Z '); do
		r1=$(rps "$WORK/redis-p1.csv" "$t"); k1=$(rps "$WORK/pikaraft-p1.csv" "$t")
		rp=$(rps "$WORK/redis-p$PIPELINE.csv" "$t"); kp=$(rps "$WORK/pikaraft-p$PIPELINE.csv" "$t")
		awk -v t="$t" -v r1="$r1" -v k1="$k1" -v rp="$rp" -v kp="$kp" 'BEGIN {
			printf "| %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |\n", t, r1, k1, (r1 > 0 ? k1 / r1 : 0), rp, kp, (rp > 0 ? kp / rp : 0) }'
	done
} >"$TABLE"
echo
cat "$TABLE"
echo
echo "(total benchmark time ${ELAPSED}s)"

[ -z "$DOC" ] && exit 0

CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
SECTION="$WORK/section.md"
{
	echo "<!-- redis-benchmark:begin (written by bench/redis-benchmark.sh; edits here are overwritten) -->"
	echo "## redis-benchmark: pikaraft single node vs Redis"
	echo
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/redis-benchmark.sh\` (also run by \`make bench\`)."
	echo "Both servers ran on the same machine in the same run, one after the other, with the benchmark client"
	echo "on that machine too. **The machine is a shared, noisy VM** (other jobs were running; load average at the"
	echo "start: $LOADAVG), so numbers vary by tens of percent between runs; the ratios are"
	echo "more telling than the absolute values."
	echo
	echo "Machine: \`nproc\` = $(nproc), CPU: $CPU, kernel $(uname -r)."
	echo
	echo '```'
	echo "$ free -g"
	free -g
	echo '```'
	echo
	echo "Servers:"
	echo "- $REDIS_VERSION (Debian package): \`$REDIS_CMD\`"
	echo "- pikaraft $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown), single-voter Raft node, default settings"
	echo "  (every write is a Raft log entry fsync'd to raft-boltdb before the reply): \`$PIKARAFT_CMD\`"
	echo
	echo "Commands (each against both servers, \`FLUSHALL\` before each run):"
	echo '```'
	echo "redis-benchmark -h 127.0.0.1 -p <port> -t $TESTS -n $REQUESTS -c $CLIENTS --csv"
	echo "redis-benchmark -h 127.0.0.1 -p <port> -t $TESTS -n $REQUESTS -c $CLIENTS -P $PIPELINE --csv"
	echo '```'
	echo
	echo "Requests per second (higher is better):"
	echo
	cat "$TABLE"
	echo
	echo "No errors were reported by redis-benchmark (the script fails on any). The four runs took ${ELAPSED} s."
	echo
	echo "Raw output (redis-benchmark --csv):"
	for f in redis-p1 pikaraft-p1 "redis-p$PIPELINE" "pikaraft-p$PIPELINE"; do
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
