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

.PHONY: install demo serve test test-fast lint format messages clean

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

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate translation catalogues (source strings are Chinese; English lives in locale/en).
messages: $(STAMP)
	cd gongzhi && ../$(BIN)/gongzhi makemessages -l en --no-obsolete --ignore '*/migrations/*'
	cd gongzhi && ../$(BIN)/gongzhi compilemessages

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
