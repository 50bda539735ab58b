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

.PHONY: all deps build test run bench lint fuzz clean

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
	$(GO) build -o $(BIN)/pikaraft-binlog ./cmd/pikaraft-binlog

test: deps build
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

run: deps build
	mkdir -p $(DATA)
	./$(BIN)/pikaraft --port $(PORT) --data-dir $(DATA)

# bench runs the Go micro-benchmarks (engine, FSM).
bench: deps build
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./fsm/...

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

clean:
	rm -rf $(BIN)
