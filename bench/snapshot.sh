#!/usr/bin/env bash
# snapshot.sh: the snapshot target of issue 11 — "Snapshot install of a 2 GB
# data set ≥ 80% of cp speed of the same files on this disk".
#
# 1. Starts a single-node cluster (the leader) and loads DATA_MB of
#    incompressible data into it: random bytes, base64-encoded into
#    VALUE_SIZE-byte values, one SET per value, with redis-cli --pipe.
#    Snapshots every SNAP_EVERY entries keep the Raft log short while it loads.
# 2. Takes a final snapshot (RAFT SNAPSHOT) and waits for RocksDB to settle.
# 3. Stops the leader and keeps its data directory as a pristine copy. Then,
#    ROUNDS times, for each binary in BINS: restores the leader from the copy,
#    starts it, drops the page cache (root only; otherwise the files are warm
#    for both measurements, said in the output), and starts a fresh node that
#    joins the cluster (gossip --join): its log is empty, so the leader sends
#    it the snapshot. The install time is taken from the follower's log: from
#    the snapshot store's "creating snapshot" line (the leader started
#    sending) to the FSM's "restore: snapshot installed" line (data in place,
#    engine reopened), split at hashicorp/raft's "copied to local snapshot"
#    (stream received and synced) into transfer and post-transfer time.
# 4. Once per round, drops the page cache again and times `cp -r` of the
#    leader's snapshot files (the same files the follower received) to a new
#    directory on the same file system, followed by `sync` (the install
#    fsyncs what it writes, so cp's data must reach the disk too).
# 5. Prints every run and install/cp of its round (target ≥ 0.80), checks
#    that every follower has every key, and removes everything it created.
#
# Usage: bench/snapshot.sh   (run `make build` first, or set BIN)
# Environment: BIN (bin/pikaraft), BINS (binaries to compare, interleaved;
# default BIN; the first one loads the data), ROUNDS (1), SNAP_PORT (9860:
# leader 9860, follower 9861; each also uses +2000, +3000, +4000, +5000,
# +10001), DATA_MB (2048), VALUE_SIZE (65536), SNAP_EVERY (2048 entries),
# KEEP_LOGS (file to copy the node logs of every run to), SETTLE (seconds
# to wait after each page cache drop, default 0).
#
# SETTLE: on a VM that reports free memory to its host (virtio-balloon free
# page reporting; the test VM does), pages freed by the drop are handed back
# to the host within seconds, and writing into a reported page costs a host
# fault: a buffered 2 GB write took 0.34 s into just-freed pages and 3.3–4.7
# s a few seconds later. cp starts right after its drop and mostly gets
# just-freed pages; the install writes 0.5–3 s after its drop. SETTLE=6 lets
# both start from reported memory, the state a long-running VM is in
# (docs/BENCHMARKS.md, "Session 17").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin/pikaraft}
SNAP_PORT=${SNAP_PORT:-9860}
DATA_MB=${DATA_MB:-2048}
VALUE_SIZE=${VALUE_SIZE:-65536}
SNAP_EVERY=${SNAP_EVERY:-2048}
KEEP_LOGS=${KEEP_LOGS:-}
BINS=${BINS:-$BIN}
ROUNDS=${ROUNDS:-1}
SETTLE=${SETTLE:-0}
LEADER=$SNAP_PORT
FOLLOWER=$((SNAP_PORT + 1))

for tool in redis-cli base64 awk du; do
	command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
for b in $BINS; do [ -x "$b" ] || { echo "no $b (make build)" >&2; exit 1; }; done
BIN=${BINS%% *}

WORK=$(mktemp -d -t pikaraft-snap-XXXXXX)
free_mb=$(df -Pm "$WORK" | awk 'NR == 2 {print $4}')
if [ "$free_mb" -lt $((DATA_MB * 4)) ]; then
	echo "need $((DATA_MB * 4)) MB free in $WORK, have $free_mb" >&2
	rm -rf "$WORK"
	exit 1
fi
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
		rm -rf "$WORK"
}
trap cleanup EXIT

t0=$(date +%s)
say() { echo "== [$(($(date +%s) - t0))s] $*"; }
drop_caches() {
	sync
	if echo 1 2>/dev/null >/proc/sys/vm/drop_caches; then
		echo "   (page cache dropped)"
		if [ "$SETTLE" != 0 ]; then
			sleep "$SETTLE"
			echo "   (waited ${SETTLE}s for free memory to be reported)"
		fi
	else
		echo "   (cannot drop the page cache: not root; files may be warm)"
	fi
}
wait_up() {
	for _ in $(seq 150); do
		redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.2
	done
	echo "node on port $1 did not start" >&2
	exit 1
}
# cpu_ticks prints the user+system CPU time of process $1 in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# logtime prints the Unix time (s, fractional) of the first line of file $1
# matching $2 (slog's time= field).
logtime() {
	local t
	t=$(grep -m1 -- "$2" "$1" | sed -n 's/^time=\([^ ]*\).*/\1/p')
	[ -n "$t" ] && date -d "$t" +%s.%N
}

cat >"$WORK/leader.conf" <<EOF
port : $LEADER
node-id : leader
raft-snapshot-threshold : $SNAP_EVERY
raft-snapshot-interval : 5
raft-trailing-logs : 128
EOF
say "leader on $LEADER, loading $DATA_MB MB of random data in $VALUE_SIZE-byte values"
"$BIN" -c "$WORK/leader.conf" --data-dir "$WORK/leader" --log-level info >"$WORK/leader.log" 2>&1 &
PIDS+=($!)
wait_up "$LEADER"
raw_bytes=$((DATA_MB * 1024 * 1024 * 3 / 4))
head -c "$raw_bytes" /dev/urandom | base64 -w "$VALUE_SIZE" |
	awk '{ k = sprintf("snap:%08d", NR); printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length($0), $0 }' |
	redis-cli -p "$LEADER" --pipe | tail -1
keys=$(redis-cli -p "$LEADER" dbsize)
say "loaded $keys keys; final snapshot"
redis-cli -p "$LEADER" raft snapshot >/dev/null
sleep 5
snapdir=$(ls -d "$WORK"/leader/raft/snapshots/*/ | sort -t- -k2 -n | tail -1)
files=$snapdir/files
[ -d "$files" ] || files=$snapdir # a state.bin snapshot (older pikaraft)
snap_bytes=$(du -sb "$files" | awk '{print $1}')
say "newest snapshot: $(awk -v b="$snap_bytes" 'BEGIN{printf "%.0f", b/1048576}') MB in $files"
df -Pm "$WORK" | awk 'NR == 2 {print "   disk free: " $4 " MB"}'


# The loaded leader is kept as a pristine copy so that every install starts
# from the same data: SSTs (never written in place) are hard-linked, every
# other file (RocksDB MANIFEST, Raft log, binlog) is copied.
kill "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
files=${files#"$WORK/leader/"}
mv "$WORK/leader" "$WORK/pristine"
restore_leader() {
	rm -rf "$WORK/leader"
	cp -al "$WORK/pristine" "$WORK/leader"
	find "$WORK/leader" -type f ! -name '*.sst' -print0 |
		while IFS= read -r -d '' f; do cp -p "$f" "$f.copy" && mv -f "$f.copy" "$f"; done
}

# install BIN: one snapshot install onto a fresh follower, both nodes
# running BIN. Appends "install transfer post" (seconds) to $WORK/runs.
install() {
	local bin=$1
	restore_leader
	rm -rf "$WORK/follower"
	"$bin" -c "$WORK/leader.conf" --data-dir "$WORK/leader" --log-level info >"$WORK/leader.log" 2>&1 &
	PIDS=($!)
	wait_up "$LEADER"
	sleep 2 # leader elected
	drop_caches
	say "follower on $FOLLOWER joins; the leader sends it the snapshot ($bin)"
	local start end begin copied install transfer post e2e fkeys=""
	local lcpu0 lcpu1 fcpu
	lcpu0=$(cpu_ticks "${PIDS[0]}")
	start=$(date +%s.%N)
	"$bin" --port "$FOLLOWER" --node-id follower --data-dir "$WORK/follower" --log-level info \
		--join "127.0.0.1:$((LEADER + 4000))" >"$WORK/follower.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1800); do
		grep -q "restore: snapshot installed" "$WORK/follower.log" && break
		if ! kill -0 "${PIDS[1]}" 2>/dev/null; then tail -20 "$WORK/follower.log" >&2; exit 1; fi
		sleep 0.1
	done
	grep -q "restore: snapshot installed" "$WORK/follower.log" || { echo "no install within 180 s" >&2; exit 1; }
	lcpu1=$(cpu_ticks "${PIDS[0]}")
	fcpu=$(cpu_ticks "${PIDS[1]}")
	end=$(logtime "$WORK/follower.log" "restore: snapshot installed")
	# "creating new snapshot" is raft.FileSnapshotStore's line (older pikaraft).
	begin=$(logtime "$WORK/follower.log" "snapstore: creating snapshot\|creating new snapshot" || true)
	[ -n "$begin" ] || begin=$start
	# hashicorp/raft logs "copied to local snapshot" when the stream is
	# received and the snapshot store closed (files synced).
	copied=$(logtime "$WORK/follower.log" "copied to local snapshot" || true)
	[ -n "$copied" ] || copied=$end
	install=$(awk -v a="$begin" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
	transfer=$(awk -v a="$begin" -v b="$copied" 'BEGIN{printf "%.2f", b-a}')
	post=$(awk -v a="$copied" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
	e2e=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b-a}')
	say "installed: ${install}s from the first snapshot byte (transfer ${transfer}s, then ${post}s; ${e2e}s from process start)"
	say "CPU during the install: leader $(awk -v t=$((lcpu1 - lcpu0)) 'BEGIN{printf "%.2f", t/100}')s, follower (from its start) $(awk -v t="$fcpu" 'BEGIN{printf "%.2f", t/100}')s"
	for _ in $(seq 100); do
		fkeys=$(redis-cli -p "$FOLLOWER" dbsize 2>/dev/null || true)
		[ "$fkeys" = "$keys" ] && break
		sleep 0.2
	done
	[ "$fkeys" = "$keys" ] || { echo "follower has $fkeys keys, leader $keys" >&2; exit 1; }
	if [ -n "$KEEP_LOGS" ]; then cat "$WORK"/leader.log "$WORK"/follower.log >>"$KEEP_LOGS" 2>/dev/null || true; fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
	echo "$install $transfer $post" >>"$WORK/runs"
}

# copy: cp -r of the snapshot files + sync, cold. Appends seconds to $WORK/cps.
copy() {
	drop_caches
	say "cp -r of the same files + sync"
	local cstart cend
	cstart=$(date +%s.%N)
	cp -r "$WORK/pristine/$files" "$WORK/cp-copy"
	sync
	cend=$(date +%s.%N)
	rm -rf "$WORK/cp-copy"
	awk -v a="$cstart" -v b="$cend" 'BEGIN{printf "%.2f\n", b-a}' >>"$WORK/cps"
	say "cp + sync: $(tail -1 "$WORK/cps")s"
}

[ -n "$KEEP_LOGS" ] && : >"$KEEP_LOGS"
: >"$WORK/runs"
: >"$WORK/cps"
labels=()
for r in $(seq "$ROUNDS"); do
	for b in $BINS; do
		install "$b"
		labels+=("$r $b")
	done
	copy
done

mb=$(awk -v b="$snap_bytes" 'BEGIN{printf "%.1f", b/1048576}')
echo "== result ($mb MB snapshot, $keys keys; every follower had all keys)"
printf '   %-5s %-34s %8s %8s %9s %7s %8s %7s\n' round binary install transfer "MB/s" post "cp+sync" ratio
i=0
while read -r install transfer post; do
	set -- ${labels[$i]}
	cpt=$(sed -n "${1}p" "$WORK/cps")
	printf '   %-5s %-34s %7ss %7ss %9s %6ss %7ss %7s\n' "$1" "$2" "$install" "$transfer" \
		"$(awk -v b="$mb" -v t="$transfer" 'BEGIN{printf "%.0f", b/t}')" "$post" "$cpt" \
		"$(awk -v a="$install" -v b="$cpt" 'BEGIN{printf "%.2f", b/a}')"
	i=$((i + 1))
done <"$WORK/runs"
echo "   ratio = install speed / cp speed of the same round (target ≥ 0.80); MB/s = transfer only"
