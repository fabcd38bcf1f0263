# raftkv developer commands. `make test` is what CI runs (through .ci/run); `make help`
# lists every target. Recipes call the npm scripts in package.json, so each command is
# written down once.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

SIM_CLI := dist/test/sim/sim-cli.js
JEST_RESULTS := .jest-results.json
# Extra jest flags, e.g. `make test JEST_FLAGS=--ci` (CI) or `JEST_FLAGS=--verbose`.
JEST_FLAGS ?=

# SEEDS, START and SEED reach the simulator unchanged: GNU make passes variables given on the
# command line (`make sim SEEDS=100`) or in the environment (`SEED=7 make sim`) to every
# recipe. They are deliberately not `export`ed here, which would set unset ones to "".

.PHONY: help install build typecheck lint test test-integration run member-stop member-start \
  member-restart bench bench-rolling-restart bench-restart bench-snapshot sim clean

help:
	@echo "make test       install if needed, build, typecheck, lint, run every jest test"
	@echo "make run        build, then run three members on loopback (127.0.0.1:7379/7479/7579)"
	@echo "                in the foreground, data under ./data/1..3; Ctrl-C stops them"
	@echo "make member-stop ID=2 / member-start ID=2 / member-restart ID=2"
	@echo "                stop or start one member of a running make run (by its PID file)"
	@echo "make test-integration  build, then only the real-process tests (test/integration)"
	@echo "make bench      build, then benchmark writes at C=1/64/256 (and etcd, if installed)"
	@echo "make bench-rolling-restart / bench-restart KEYS=n / bench-snapshot"
	@echo "                the membership issue's measurements (minutes each; see Makefile)"
	@echo "make sim        build, then run the simulator: SEEDS=n START=s, or SEED=n to replay"
	@echo "make build      compile TypeScript to dist/"
	@echo "make typecheck  tsc --noEmit over src/, test/ and examples/ (tests included)"
	@echo "make lint       eslint, type-aware (eslint.config.js)"
	@echo "make install    npm ci, if node_modules is missing or older than package-lock.json"
	@echo "                (npm's output goes to $(INSTALL_LOG))"
	@echo "make clean      remove dist/, $(JEST_RESULTS) and $(INSTALL_LOG)"

# npm ci reinstalls node_modules exactly as package-lock.json pins it (better-sqlite3 is
# compiled from source where no prebuilt binary fits). It runs only when node_modules is
# missing or older than the lock file. npm's own install record,
# node_modules/.package-lock.json, stands for node_modules: every npm install or ci
# rewrites it, right after the lock file.
#
# The install says what it does in one line; npm's own output goes to $(INSTALL_LOG)
# (outside node_modules, which npm ci deletes first; *.log is gitignored), and a failure
# names that file and npm's first error line. If npm ci refuses (npm/cli#4828: a lock file
# written where a registry lacks some platform builds of optional packages, e.g.
# @swc/core-darwin-*, fails npm ci's sync check everywhere), fall back to npm install with
# the same lock, without saving, so the checkout is not modified, and say so. If both fail,
# the install record is removed so that the next make retries.
INSTALL_RECORD := node_modules/.package-lock.json
INSTALL_LOG := npm-install.log
first_npm_error = $$(grep -m1 '^npm error' $(INSTALL_LOG) || tail -n1 $(INSTALL_LOG))

$(INSTALL_RECORD): package-lock.json
	@echo "make: installing dependencies with npm ci (npm's output goes to $(INSTALL_LOG))"
	@npm ci --no-audit --no-fund >$(INSTALL_LOG) 2>&1 || { \
	  echo "make: npm ci failed ($(first_npm_error)); trying npm install --no-save" >&2; \
	  echo "--- make: npm ci failed; npm install --no-save follows" >>$(INSTALL_LOG); \
	  npm install --no-save --no-audit --no-fund >>$(INSTALL_LOG) 2>&1 || { \
	    echo "make: npm install failed too; see $(INSTALL_LOG)" >&2; rm -f $@; exit 1; }; \
	  echo "make: installed with npm install --no-save; npm ci's error is in $(INSTALL_LOG)" >&2; }
	@touch $@

install: $(INSTALL_RECORD)

build: $(INSTALL_RECORD)
	npm run build

typecheck: $(INSTALL_RECORD)
	npm run typecheck

lint: $(INSTALL_RECORD)
	npm run lint

# Build first (it also proves that the shipped code compiles), then the checks that need no
# test run, then every jest test. jest always writes its JSON summary; .ci/run reads it.
test: build typecheck lint
	npx jest $(JEST_FLAGS) --json --outputFile=$(JEST_RESULTS)

define require_sim_cli
	@test -f $(SIM_CLI) || { \
	  echo "$(SIM_CLI) is missing: the simulator CLI (test/sim/sim-cli.ts) is not built." >&2; \
	  exit 1; }
endef

# `make run`: three members on loopback in the foreground (client ports 7379/7479/7579,
# data under ./data/1..3), supervised by scripts/run-cluster.sh: a member that exits is
# reported and the others keep running; Ctrl-C stops them all and exits 0.
#
# On a terminal, `set -m` runs the script as a job in its own process group, which gets the
# terminal: Ctrl-C then signals the script and the members only, not make, so make sees the
# script's exit status 0 instead of dying of SIGINT itself ("make: *** [run] Interrupt").
# Without a terminal the shell execs the script, so a SIGTERM that make passes on reaches it.
run: build
	@if [ -t 0 ]; then set -m; ./scripts/run-cluster.sh; else exec ./scripts/run-cluster.sh; fi

# One member of a running `make run`, by its PID file (scripts/member.sh), e.g.
# `make member-stop ID=2`, then `make member-start ID=2`.
member-stop member-start member-restart:
	@test -n "$(ID)" || { echo "make $@: name the member, e.g. make $@ ID=2" >&2; exit 2; }
	@./scripts/member.sh $(patsubst member-%,%,$@) $(ID)

# Only the real-process tests (three `raftkv` processes per file, fast ticks), after a build:
# they spawn dist/src/main.js. They also run as part of `make test`.
test-integration: build
	npx jest $(JEST_FLAGS) test/integration

# The first benchmark: a 3-member cluster with production timing, driven at C=1, 64 and 256
# by a closed-loop load generator in its own process, side by side with etcd when installed.
# `npm run bench` builds what it runs; pass options with BENCH_FLAGS="--concurrency 1,64".
BENCH_FLAGS ?=
bench: $(INSTALL_RECORD)
	npm run bench -- $(BENCH_FLAGS)

# Longer measurements for issue #8's numbers, each a 3-member cluster on loopback:
# bench-rolling-restart: SIGTERM-restart every member under writes, with and without
#   leadership transfer on stop, and print the longest write gap per restart;
# bench-restart: fill KEYS keys (default 1,000,000), then time a follower's restart;
# bench-snapshot: a 1M-key state machine's snapshot (size, time, longest event-loop stall),
#   restore, and an InstallSnapshot transfer over loopback.
KEYS ?= 1000000
bench-rolling-restart: $(INSTALL_RECORD)
	npm run build && npx tsc -p bench/tsconfig.json
	node --enable-source-maps dist/bench/rolling-restart.js
bench-restart: $(INSTALL_RECORD)
	npm run build && npx tsc -p bench/tsconfig.json
	node --enable-source-maps dist/bench/restart-bench.js --keys $(KEYS)
bench-snapshot: $(INSTALL_RECORD)
	npm run build && npx tsc -p bench/tsconfig.json
	node --enable-source-maps dist/bench/snapshot-bench.js

sim: build
	$(require_sim_cli)
	node --enable-source-maps $(SIM_CLI)

clean:
	rm -rf dist $(JEST_RESULTS) $(INSTALL_LOG)
