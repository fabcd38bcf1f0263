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

.PHONY: help install build typecheck lint test run sim clean

help:
	@echo "make test       install if needed, build, typecheck, lint, run every jest test"
	@echo "make run        build, then replay simulator seed 1 (SEED=n for another) with a trace"
	@echo "                (the networked raftkv member arrives with issue #3)"
	@echo "make sim        build, then run the simulator: SEEDS=n START=s, or SEED=n to replay"
	@echo "make build      compile TypeScript to dist/"
	@echo "make typecheck  tsc --noEmit over src/, test/ and examples/ (tests included)"
	@echo "make lint       eslint, type-aware (eslint.config.js)"
	@echo "make install    npm ci, if node_modules is missing or older than package-lock.json"
	@echo "make clean      remove dist/ and $(JEST_RESULTS)"

# npm ci reinstalls node_modules exactly as package-lock.json pins it (better-sqlite3 is
# compiled from source where no prebuilt binary fits). It runs only when node_modules is
# missing or older than the lock file. npm's own install record,
# node_modules/.package-lock.json, stands for node_modules: every npm install or ci
# rewrites it, right after the lock file.
#
# If npm ci refuses (npm/cli#4828: a lock file written where a registry lacks some platform
# builds of optional packages, e.g. @swc/core-darwin-*, fails npm ci's sync check
# everywhere), fall back to npm install with the same lock, loudly and without saving, so
# the checkout is not modified. If both fail, the install record is removed so that the
# next make retries.
INSTALL_RECORD := node_modules/.package-lock.json

$(INSTALL_RECORD): package-lock.json
	npm ci --no-audit --no-fund || { \
	  echo "make: WARNING: npm ci failed; retrying with npm install --no-save" >&2; \
	  npm install --no-save --no-audit --no-fund; } || { rm -f $@; exit 1; }
	touch $@

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

# There is no server to start yet: the gRPC member with SQLite storage comes with issue #3.
# Until then `make run` shows a cluster at work in the deterministic simulator. A replay
# traces every message (about ten thousand lines per seed), so TRACE_SUMMARY shortens it:
# the first RUN_HEAD_LINES events (the first election), then who led each term and every
# event that is not a message or a disk write (faults, crashes, restarts, snapshots,
# membership changes), then the run's totals. `SEED=n make sim` prints the whole trace.
RUN_HEAD_LINES := 25
define TRACE_SUMMARY
NR == 1 { print; print "first $(RUN_HEAD_LINES) events:"; next }
/^(events|seeds): / || /^VIOLATION/ { totals = totals $$0 "\n"; next }
NR <= $(RUN_HEAD_LINES) + 1 { print "  " $$0; head = 1 } NR > $(RUN_HEAD_LINES) + 1 { head = 0 }
$$3 == "send" && $$4 == "append-request" {
  if (!($$6 in led)) {
    led[$$6] = 1; split($$5, ids, "->")
    notes = notes "  " $$1 " n" ids[1] " leads term " substr($$6, 2) "\n"
  }
  next
}
!head && $$3 != "send" && $$3 != "recv" && $$3 != "persist" { notes = notes "  " $$0 "\n" }
END { printf "leaders, faults and membership changes:\n%s%s", notes, totals }
endef
export TRACE_SUMMARY

run: build
	@echo "raftkv: no networked member yet (the gRPC + SQLite server arrives with issue #3)."
	@echo "Replaying simulator seed $${SEED:-1} instead; the full trace: SEED=$${SEED:-1} make sim"
	$(require_sim_cli)
	@SEED="$${SEED:-1}" node --enable-source-maps $(SIM_CLI) | awk "$$TRACE_SUMMARY"

sim: build
	$(require_sim_cli)
	node --enable-source-maps $(SIM_CLI)

clean:
	rm -rf dist $(JEST_RESULTS)
