#!/usr/bin/env bash
# memory.sh: the memory target of issue 11 — "RSS of a node after loading
# 1M 100-byte strings ≤ 2× the RocksDB block cache + memtables configured".
#
# It starts one pikaraft node (single-node cluster) with the pika.conf
# written below, loads KEYS distinct strings of VALUE_SIZE bytes
# (keys "key:0000000000" .. in order, so every key is new) with
# `redis-cli --pipe`, BATCH keys per MSET command (one Raft entry per MSET;
# the loader only changes how fast the data arrives, not what is stored),
# checks DBSIZE, waits SETTLE seconds, then prints:
#   - VmRSS (and RssAnon / RssFile, VmHWM = peak) from /proc/<pid>/status;
#   - the configured budget: block cache capacity + memtable budget, where
#     memtables = write-buffer-size × max-write-buffer-num × column families
#     (18 per database: strings 1, hashes/sets/lists/streams 2, zsets 3,
#     plus pikaraft's applied-position CF in each of the 6 instances),
#     capped by max-write-buffer-size when that is set (split evenly over
#     the instances as RocksDB's db_write_buffer_size);
#   - the ratio RSS / budget (target ≤ 2);
#   - RocksDB's own accounting (INFO: memtables, table readers, block cache)
#     and Go's heap (runtime.MemStats from /debug/pprof/heap?debug=1).
#
# Usage: bench/memory.sh  (from anywhere in the repo; builds nothing: run
# `make build` first, or set BIN).
# Environment: BIN (bin/pikaraft), MEM_PORT (9850), PPROF_PORT (6850),
# KEYS (1000000), VALUE_SIZE (100), BATCH (20), SETTLE (5),
# BLOCK_CACHE (64m), SHARE_BLOCK_CACHE (yes), WRITE_BUFFER (32m),
# MAX_WRITE_BUFFERS (2), MAX_WRITE_BUFFER_SIZE (128m; 0 = no cap),
# EXTRA_CONF (more `key : value` lines), NODE_ENV (environment for the
# node, e.g. "GOGC=50"), HEAP_PROFILE (file to save the Go heap profile to,
# for `go tool pprof -sample_index=inuse_space`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin/pikaraft}
MEM_PORT=${MEM_PORT:-9850}
PPROF_PORT=${PPROF_PORT:-6850}
KEYS=${KEYS:-1000000}
VALUE_SIZE=${VALUE_SIZE:-100}
BATCH=${BATCH:-20}
SETTLE=${SETTLE:-5}
BLOCK_CACHE=${BLOCK_CACHE:-64m}
SHARE_BLOCK_CACHE=${SHARE_BLOCK_CACHE:-yes}
WRITE_BUFFER=${WRITE_BUFFER:-32m}
MAX_WRITE_BUFFERS=${MAX_WRITE_BUFFERS:-2}
MAX_WRITE_BUFFER_SIZE=${MAX_WRITE_BUFFER_SIZE:-128m}
EXTRA_CONF=${EXTRA_CONF:-}
NODE_ENV=${NODE_ENV:-}
HEAP_PROFILE=${HEAP_PROFILE:-}

for tool in redis-cli curl awk; do
	command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "no $BIN (make build)" >&2; exit 1; }

# bytes converts 64m / 1g / 512k / 123 to bytes (1024-based, as pika.conf).
bytes() {
	local v=$1 n=${1%[kKmMgG]}
	case $v in
	*[kK]) echo $((n << 10)) ;;
	*[mM]) echo $((n << 20)) ;;
	*[gG]) echo $((n << 30)) ;;
	*) echo "$v" ;;
	esac
}
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1048576}'; }

WORK=$(mktemp -d -t pikaraft-mem-XXXXXX)
PID=""
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/pika.conf" <<EOF
port : $MEM_PORT
databases : 1
block-cache : $BLOCK_CACHE
share-block-cache : $SHARE_BLOCK_CACHE
write-buffer-size : $WRITE_BUFFER
max-write-buffer-num : $MAX_WRITE_BUFFERS
max-write-buffer-size : $MAX_WRITE_BUFFER_SIZE
$EXTRA_CONF
EOF
echo "== config ($WORK/pika.conf):"
sed 's/^/   /' "$WORK/pika.conf"
[ -n "$NODE_ENV" ] && echo "   node environment: $NODE_ENV"

# shellcheck disable=SC2086
env $NODE_ENV PIKARAFT_PPROF=127.0.0.1:$PPROF_PORT "$BIN" -c "$WORK/pika.conf" --data-dir "$WORK/data" \
	--log-level warn >"$WORK/node.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	redis-cli -p "$MEM_PORT" set memsnap:probe 1 2>/dev/null | grep -q OK && break
	kill -0 "$PID" 2>/dev/null || { cat "$WORK/node.log" >&2; exit 1; }
	sleep 0.2
done
redis-cli -p "$MEM_PORT" del memsnap:probe >/dev/null

echo "== loading $KEYS distinct $VALUE_SIZE-byte strings, $BATCH per MSET, with redis-cli --pipe"
start=$(date +%s.%N)
awk -v n="$KEYS" -v b="$BATCH" -v size="$VALUE_SIZE" 'BEGIN {
	v = sprintf("%0" size "d", 0)
	for (i = 0; i < n; i += b) {
		m = (n - i < b) ? n - i : b
		printf "*%d\r\n$4\r\nMSET\r\n", 1 + 2 * m
		for (j = i; j < i + m; j++) {
			k = sprintf("key:%010d", j)
			printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v
		}
	}
}' | redis-cli -p "$MEM_PORT" --pipe | tail -1
end=$(date +%s.%N)
keys=$(redis-cli -p "$MEM_PORT" dbsize)
echo "   loaded in $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}') s; DBSIZE $keys"
[ "$keys" = "$KEYS" ] || { echo "DBSIZE $keys, want $KEYS" >&2; exit 1; }
sleep "$SETTLE"

status() { awk -v k="$1:" '$1 == k {print $2 * 1024}' "/proc/$PID/status"; }
rss=$(status VmRSS)
anon=$(status RssAnon)
file=$(status RssFile)
hwm=$(status VmHWM)

bc=$(bytes "$BLOCK_CACHE")
if [ "$SHARE_BLOCK_CACHE" != yes ]; then bc=$((bc * 6)); fi
cfs=18
memtables=$(($(bytes "$WRITE_BUFFER") * MAX_WRITE_BUFFERS * cfs))
cap=$(bytes "$MAX_WRITE_BUFFER_SIZE")
memtable_note="write-buffer-size × max-write-buffer-num × $cfs CFs"
if [ "$cap" -gt 0 ] && [ "$cap" -lt "$memtables" ]; then
	memtables=$cap
	memtable_note="max-write-buffer-size (total over the 6 instances)"
fi
budget=$((bc + memtables))

info=$(redis-cli -p "$MEM_PORT" info | tr -d '\r')
field() { echo "$info" | awk -F: -v k="$1" '$1 == k {print $2}'; }
heap=$(curl -s "http://127.0.0.1:$PPROF_PORT/debug/pprof/heap?debug=1" | tr -d '\r')
[ -n "$HEAP_PROFILE" ] && curl -s -o "$HEAP_PROFILE" "http://127.0.0.1:$PPROF_PORT/debug/pprof/heap"
gostat() { echo "$heap" | awk -v k="$1" '$2 == k {print $4}'; }

echo "== after load (+${SETTLE}s)"
printf '   %-34s %9s MB\n' "VmRSS" "$(mb "$rss")"
printf '   %-34s %9s MB\n' "  RssAnon" "$(mb "$anon")"
printf '   %-34s %9s MB\n' "  RssFile (binary, mmapped raft.db)" "$(mb "$file")"
printf '   %-34s %9s MB\n' "VmHWM (peak RSS)" "$(mb "$hwm")"
printf '   %-34s %9s MB\n' "block cache configured" "$(mb "$bc")"
printf '   %-34s %9s MB  (%s)\n' "memtables configured" "$(mb "$memtables")" "$memtable_note"
printf '   %-34s %9s MB\n' "budget (block cache + memtables)" "$(mb "$budget")"
printf '   %-34s %9s      (target ≤ 2.00)\n' "RSS / budget" "$(awk -v a="$rss" -v b="$budget" 'BEGIN{printf "%.2f", a/b}')"
printf '   %-34s %9s      (peak)\n' "VmHWM / budget" "$(awk -v a="$hwm" -v b="$budget" 'BEGIN{printf "%.2f", a/b}')"
echo "== RocksDB (INFO)"
for k in db_memtable_usage db_tablereader_usage db_block_cache_usage; do
	printf '   %-34s %9s MB\n' "$k" "$(mb "$(field $k)")"
done
echo "== Go runtime (MemStats)"
for k in HeapAlloc HeapInuse HeapIdle HeapReleased Sys; do
	printf '   %-34s %9s MB\n' "$k" "$(mb "$(gostat $k)")"
done
printf '   %-34s %9s\n' "NumGC" "$(gostat NumGC)"
du -sh "$WORK/data/db" "$WORK/data/raft" | sed 's/^/   disk: /'
