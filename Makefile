# Gongzhi: `make demo` sets up everything and serves the demo district; `make test` runs
# the test suite. Both create the virtualenv (.venv) and install dependencies on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
PORT ?= 8000
# Tests run on every core (pytest-xdist); `make test PYTEST_ARGS=` runs them in one process.
PYTEST_ARGS ?= -n auto

.PHONY: install demo serve test test-fast lint format messages clean security bench bench-quick

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

demo: install
	$(BIN)/gongzhi demo --serve --port $(PORT)

serve: install
	$(BIN)/gongzhi serve --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/gongzhi makemigrations --check --dry-run

# `make security`: bandit over our code, then pip-audit over the installed dependencies. A
# dependency with a known vulnerability fails the target. Where the vulnerability service
# cannot be reached (a machine that sees only a package mirror), pip-audit cannot audit the
# packages: the target then says so loudly and how many it could not audit, and passes unless
# PIP_AUDIT_STRICT=1. `make security PIP_AUDIT=0` skips the dependency audit (and says so).
PIP_AUDIT ?= 1
PIP_AUDIT_STRICT ?= 0
security: $(STAMP)
	$(BIN)/bandit -c pyproject.toml -r gongzhi -q
ifeq ($(PIP_AUDIT),0)
	@echo "make security: PIP_AUDIT=0, the dependencies were NOT audited for known vulnerabilities." >&2
else
	@$(BIN)/pip-audit --local --skip-editable --progress-spinner off > .pip-audit.log 2>&1; status=$$?; \
	  cat .pip-audit.log; \
	  unaudited=$$(grep -c "could not be audited" .pip-audit.log || true); rm -f .pip-audit.log; \
	  if [ $$status -ne 0 ]; then echo "make security: pip-audit found known vulnerabilities (listed above)." >&2; exit 1; fi; \
	  if [ "$$unaudited" -gt 0 ]; then \
	    echo "make security: WARNING: $$unaudited dependencies could NOT be audited: the vulnerability" >&2; \
	    echo "service (pypi.org JSON API) is not reachable from this machine. Run it where it is." >&2; \
	    if [ "$(PIP_AUDIT_STRICT)" = "1" ]; then exit 1; fi; \
	  fi
endif

# --- Benchmarks (issue 9; bench/README.md) ---
# `make bench`: production settings (DEBUG off, gunicorn, Redis) on PostgreSQL, load from locust
# pinned to another core; writes bench/results/<date>.json, .md and .png. DATABASE_URL names the
# bench database (its name must contain "bench"; default gongzhi_bench): it is (re)filled with
# `gongzhi bench-data --scale $(BENCH_SCALE)` unless it already holds that data set.
# `make bench-quick`: every benchmark on the tiny data set (CI); fails only if a benchmark crashes.
BENCH_SCALE ?= district
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE) $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate translation catalogues (source strings are Chinese; English lives in locale/en).
messages: $(STAMP)
	cd gongzhi && ../$(BIN)/gongzhi makemessages -l en --no-obsolete --ignore '*/migrations/*'
	cd gongzhi && ../$(BIN)/gongzhi compilemessages

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
