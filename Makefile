# pikaraft build, test and run targets. `make run` and `make test` are all a
# new user needs; `make deps` installs the system packages they rely on.

GO        ?= go
BIN       := bin
PORT      ?= 9221
DATA      ?= ./data
STATICCHECK_VERSION := v0.6.1
# Debian packages: RocksDB headers and library for grocksdb, Redis for the
# benchmarks and comparison tests, a C toolchain for cgo.
DEB_PKGS  := librocksdb-dev redis-server redis-tools build-essential
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_TIMEOUT ?= 25m
FUZZTIME  ?= 20s

.PHONY: all deps build test run bench bench-memory bench-snapshot bench-hotcache lint fuzz clean jepsen

all: build

# deps installs the Debian packages that are missing (and nothing when all
# are present, so it is cheap to run before every target).
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
	@command -v $(GO) >/dev/null || { echo "Go is not installed (https://go.dev/dl/)"; exit 1; }

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/pikaraft ./cmd/pikaraft
	$(GO) build -o $(BIN)/pikaraft-admin ./cmd/pikaraft-admin
	$(GO) build -o $(BIN)/pikaraft-binlog ./cmd/pikaraft-binlog
	$(GO) build -o $(BIN)/jepsen-lite ./jepsen-lite/cmd/jepsen-lite

test: deps build
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

run: deps build
	mkdir -p $(DATA)
	./$(BIN)/pikaraft --port $(PORT) --data-dir $(DATA)

# bench runs the Go micro-benchmarks (engine, FSM), then redis-benchmark
# against Redis, a pikaraft single node and a three-node cluster, and the
# open-loop latency generator bench/latency against the cluster
# (bench/redis-benchmark.sh; it rewrites its section of docs/BENCHMARKS.md),
# then the failover timing benchmark:
# FAILOVER_RUNS kills of the leader of a real three-node cluster under write
# load (numbers recorded by hand in docs/BENCHMARKS.md).
FAILOVER_RUNS ?= 20
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./fsm/...
	./bench/redis-benchmark.sh
	PIKARAFT_FAILOVER_RUNS=$(FAILOVER_RUNS) $(GO) test -count=1 -v -timeout 30m -run '^TestFailoverUnderLoad$$' ./node/ | grep -E 'failover-timing|^(ok|FAIL|---)'

# bench-memory: RSS of a node after loading 1M 100-byte strings against the
# configured block cache + memtables (bench/memory.sh, about a minute).
bench-memory: deps build
	./bench/memory.sh

# bench-hotcache: GET/LRANGE with the hot-key cache on against off,
# interleaved single nodes (bench/hotcache.sh, about 5 minutes).
bench-hotcache: deps build
	./bench/hotcache.sh

# bench-snapshot: install of a 2 GB snapshot on a joining follower against
# cp -r + sync of the same files (bench/snapshot.sh; about 5 minutes and
# up to 8 GB of disk under $$TMPDIR, removed afterwards).
bench-snapshot: deps build
	./bench/snapshot.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# fuzz runs every fuzz target for FUZZTIME each.
fuzz: deps
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# jepsen runs a mixed fault-injection test (JEPSEN_TIME seconds, default
# 300) against a three-node cluster; the report goes to jepsen-out/.
JEPSEN_TIME ?= 300
JEPSEN_ARGS ?= --workload register,set,list-append,bank --nemesis kill,pause,partition,membership,clock,snapshot
jepsen: deps build
	./$(BIN)/jepsen-lite $(JEPSEN_ARGS) --time $(JEPSEN_TIME)

clean:
	rm -rf $(BIN)
