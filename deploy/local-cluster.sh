#!/usr/bin/env bash
# local-cluster.sh — a three-node pikaraft cluster on 127.0.0.1 for trying
# it out and for tests.
#
#   deploy/local-cluster.sh start|stop|status        all three nodes
#   deploy/local-cluster.sh start|stop|kill|restart N  node N (1..3)
#
# Node N listens for clients on 9220+N (9221, 9222, 9223) and for Raft on
# client port + 3000; its data and server.log live in ./data/cluster/nN and
# its pid in ./data/cluster/nN/pikaraft.pid. The nodes form the cluster from
# a static peer list (--peers), so no gossip is needed. `kill` is kill -9.
#
# Environment: PIKARAFT_BIN (default ./bin/pikaraft, built if missing),
# CLUSTER_DIR (default ./data/cluster), BASE_PORT (default 9220),
# CLUSTER_NAME (default pikaraft), LOG_LEVEL (default info),
# EXTRA_ARGS (more flags for every node).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${PIKARAFT_BIN:-$ROOT/bin/pikaraft}"
DIR="${CLUSTER_DIR:-./data/cluster}"
BASE="${BASE_PORT:-9220}"
NAME="${CLUSTER_NAME:-pikaraft}"
LEVEL="${LOG_LEVEL:-info}"
NODES=(1 2 3)

port() { echo $((BASE + $1)); }
raft_port() { echo $((BASE + $1 + 3000)); }
node_dir() { echo "$DIR/n$1"; }
pid_file() { echo "$(node_dir "$1")/pikaraft.pid"; }

peers() {
	local out="" n
	for n in "${NODES[@]}"; do
		out="${out:+$out,}n$n=127.0.0.1:$(raft_port "$n")"
	done
	echo "$out"
}

pid_of() {
	local f
	f="$(pid_file "$1")"
	[ -f "$f" ] || return 1
	local pid
	pid="$(cat "$f")"
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

check_node() {
	case "${1:-}" in
	1 | 2 | 3) ;;
	*) echo "node must be 1, 2 or 3 (got '${1:-}')" >&2; exit 2 ;;
	esac
}

ensure_bin() {
	if [ ! -x "$BIN" ]; then
		echo "building $BIN"
		(cd "$ROOT" && mkdir -p "$(dirname "$BIN")" && go build -o "$BIN" ./cmd/pikaraft)
	fi
}

# ping N: 0 when node N answers PING.
ping() {
	if command -v redis-cli >/dev/null; then
		[ "$(redis-cli -p "$(port "$1")" PING 2>/dev/null)" = "PONG" ]
	else
		exec 3<>"/dev/tcp/127.0.0.1/$(port "$1")" 2>/dev/null || return 1
		printf 'PING\r\n' >&3
		local line
		IFS= read -r -t 2 line <&3 || true
		exec 3>&-
		[ "${line%$'\r'}" = "+PONG" ]
	fi
}

start_node() {
	local n=$1 d
	if pid="$(pid_of "$n")"; then
		echo "n$n already running (pid $pid)"
		return 0
	fi
	d="$(node_dir "$n")"
	mkdir -p "$d"
	# shellcheck disable=SC2086
	nohup "$BIN" --port "$(port "$n")" --data-dir "$d" --node-id "n$n" --peers "$(peers)" \
		--log-level "$LEVEL" ${EXTRA_ARGS:-} >>"$d/server.log" 2>&1 &
	echo $! >"$(pid_file "$n")"
	echo "n$n started (pid $!, port $(port "$n"), data $d)"
}

wait_up() {
	local n=$1 i
	for i in $(seq 1 300); do
		if ping "$n"; then return 0; fi
		if ! pid_of "$n" >/dev/null; then
			echo "n$n exited; last log lines:" >&2
			tail -n 20 "$(node_dir "$n")/server.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "n$n did not answer PING within 30s" >&2
	return 1
}

stop_node() {
	local n=$1 pid i
	if ! pid="$(pid_of "$n")"; then
		echo "n$n not running"
		rm -f "$(pid_file "$n")"
		return 0
	fi
	kill -TERM "$pid"
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "n$n did not stop in 30s; killing" >&2
		kill -KILL "$pid" || true
	fi
	rm -f "$(pid_file "$n")"
	echo "n$n stopped"
}

kill_node() {
	local n=$1 pid
	if ! pid="$(pid_of "$n")"; then
		echo "n$n not running"
		return 0
	fi
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$(pid_file "$n")"
	echo "n$n killed (pid $pid)"
}

role() {
	if command -v redis-cli >/dev/null && ping "$1"; then
		redis-cli -p "$(port "$1")" ROLE 2>/dev/null | head -n 1
	fi
}

status() {
	local n pid
	for n in "${NODES[@]}"; do
		if pid="$(pid_of "$n")"; then
			echo "n$n running pid=$pid port=$(port "$n") role=$(role "$n")"
		else
			echo "n$n stopped port=$(port "$n")"
		fi
	done
}

cmd="${1:-}"
case "$cmd" in
start)
	ensure_bin
	if [ $# -ge 2 ]; then
		check_node "$2"
		start_node "$2"
		wait_up "$2"
	else
		for n in "${NODES[@]}"; do start_node "$n"; done
		for n in "${NODES[@]}"; do wait_up "$n"; done
		echo "cluster '$NAME' up: redis-cli -p $(port 1) SENTINEL get-master-addr-by-name $NAME"
	fi
	;;
stop)
	if [ $# -ge 2 ]; then
		check_node "$2"
		stop_node "$2"
	else
		for n in "${NODES[@]}"; do stop_node "$n"; done
	fi
	;;
status) status ;;
kill)
	check_node "${2:-}"
	kill_node "$2"
	;;
restart)
	check_node "${2:-}"
	ensure_bin
	stop_node "$2"
	start_node "$2"
	wait_up "$2"
	;;
*)
	echo "usage: $0 start [N] | stop [N] | status | kill N | restart N" >&2
	exit 2
	;;
esac
