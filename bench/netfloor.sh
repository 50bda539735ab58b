#!/usr/bin/env bash
# netfloor.sh: Redis, two servers that do no work (bench/netfloor) and a
# pikaraft single node, one after the other, under the same redis-benchmark.
#
#   bench/netfloor.sh [ROUNDS]      (default 3)
#
# Each round starts, in turn, a Redis without persistence, netfloor -mode
# goroutine (a goroutine per connection through Go's net package, as
# pikaraft's resp package serves clients), netfloor -mode epoll (one OS
# thread calling epoll_wait, read and write, as Redis does) and a fresh
# pikaraft single node (bin/pikaraft, or PIKARAFT_BIN), and drives each with
#   redis-benchmark -t T -n N -c 50 -r 1000000   for T in TESTS.
# It prints requests per second, the server's CPU per request and
# redis-benchmark's (user + system time from /proc over the run), and at the
# end the median per server and test and its ratio to Redis. netfloor
# answers without doing anything, so its rows are what the connection model
# alone costs here: the gap between goroutine and epoll is what serving
# clients from an event loop could save pikaraft per request.
# Environment: TESTS (default "set get"), N (requests per run, default
# 200000), PIKARAFT_BIN, PIKARAFT_BIN_B (a second pikaraft binary, run as
# server pikaraft_b after the first, for comparing two builds in the same
# rounds). Ports: 9620 (Redis), 9621 and 9622 (netfloor), 9623 and 9624
# (pikaraft; its Raft ports +3000).
set -euo pipefail

ROUNDS=${1:-3}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/pikaraft-netfloor.XXXXXX)"
TESTS=${TESTS:-set get}
N=${N:-200000}
PIKARAFT_BIN=${PIKARAFT_BIN:-$ROOT/bin/pikaraft}
pid=""

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

for tool in redis-server redis-benchmark redis-cli go; do
	command -v "$tool" >/dev/null || { echo "netfloor.sh needs $tool (make deps)" >&2; exit 1; }
done
[ -x "$PIKARAFT_BIN" ] || { echo "no pikaraft binary at $PIKARAFT_BIN (make build)" >&2; exit 1; }
PIKARAFT_BIN_B=${PIKARAFT_BIN_B:-}
[ -z "$PIKARAFT_BIN_B" ] || [ -x "$PIKARAFT_BIN_B" ] || { echo "no pikaraft binary at $PIKARAFT_BIN_B" >&2; exit 1; }
echo "building bench/netfloor ..." >&2
(cd "$ROOT" && go build -o "$WORK/netfloor" ./bench/netfloor)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# children_ticks: user + system ticks of this shell's reaped children, which
# after a foreground redis-benchmark run include its own (and a few ms of
# helpers like this awk).
children_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }

# wait_port PORT: until something answers PING or ROLE as master there (30 s).
wait_port() {
	local i
	for i in $(seq 1 300); do
		case "$(redis-cli -p "$1" role 2>/dev/null | head -1)" in
		master) return 0 ;;
		esac
		# netfloor answers ROLE with +OK
		[ "$(redis-cli -p "$1" ping 2>/dev/null)" = "OK" ] && return 0
		sleep 0.1
	done
	echo "nothing answered on port $1 within 30 s" >&2
	return 1
}

# start NAME: starts server NAME, sets pid and port.
start() {
	case $1 in
	redis)
		port=9620
		redis-server --port $port --bind 127.0.0.1 --save "" --appendonly no \
			--dir "$WORK" >"$WORK/redis.log" 2>&1 &
		;;
	goroutine | epoll)
		port=$([ "$1" = goroutine ] && echo 9621 || echo 9622)
		"$WORK/netfloor" -addr 127.0.0.1:$port -mode "$1" 2>"$WORK/$1.log" &
		;;
	pikaraft | pikaraft_b)
		port=$([ "$1" = pikaraft ] && echo 9623 || echo 9624)
		bin=$([ "$1" = pikaraft ] && echo "$PIKARAFT_BIN" || echo "$PIKARAFT_BIN_B")
		rm -rf "$WORK/node"
		"$bin" --port $port --data-dir "$WORK/node" --log-level warn >"$WORK/node.log" 2>&1 &
		;;
	esac
	pid=$!
	wait_port $port
	# Something else answering on the port would be measured instead.
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "$1 exited at start (port $port in use?):" >&2
		tail -n 3 "$WORK"/*.log >&2
		exit 1
	fi
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	pid=""
}

SERVERS="redis goroutine epoll pikaraft${PIKARAFT_BIN_B:+ pikaraft_b}"
results="$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
	for s in $SERVERS; do
		echo "round $round/$ROUNDS: $s ..." >&2
		start "$s"
		line="round $round $(printf '%-10s' "$s")"
		for t in $TESTS; do
			before=$(ticks "$pid")
			children_before=$(children_ticks)
			redis-benchmark -h 127.0.0.1 -p "$port" -t "$t" -n "$N" -c 50 -r 1000000 --csv >"$WORK/rb.csv"
			bench_ticks=$(($(children_ticks) - children_before))
			after=$(ticks "$pid")
			rps=$(tail -1 "$WORK/rb.csv" | cut -d, -f2 | tr -d '"')
			hz=$(getconf CLK_TCK)
			srv_us=$(((after - before) * 1000000 / hz / N))
			bench_us=$((bench_ticks * 1000000 / hz / N))
			line="$line  $t=${rps%.*}/${srv_us}us/${bench_us}us"
			echo "$s $t ${rps%.*} $srv_us" >>"$results"
		done
		stop
		echo "$line  | load $(cut -d' ' -f1 /proc/loadavg)"
	done
done
echo "(per test: requests/s / server CPU per request / redis-benchmark CPU per request)"
echo "median requests/s over $ROUNDS rounds, the server CPU per request of that run, the ratio to Redis's median:"
for t in $TESTS; do
	redis_med=$(awk -v t="$t" '$1 == "redis" && $2 == t {print $3}' "$results" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
	for s in $SERVERS; do
		awk -v s="$s" -v t="$t" '$1 == s && $2 == t {print $3, $4}' "$results" | sort -n |
			awk -v s="$s" -v t="$t" -v r="$redis_med" '{a[NR] = $1; c[NR] = $2} END {
				m = int((NR + 1) / 2); printf "  %-4s %-10s %7d/s %3d us  %.2f\n", t, s, a[m], c[m], a[m] / r }'
	done
done
