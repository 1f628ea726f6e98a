# The two promises: `make run` serves a demo at http://127.0.0.1:8000; `make test` passes.
.DEFAULT_GOAL := help
VENV ?= .venv
BIN := $(VENV)/bin
PP := $(BIN)/performance-platform
HOST ?= 127.0.0.1
PORT ?= 8000
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: help install run test test-sqlite test-postgres lint format bench clean

help:
	@echo "make run    install, migrate, load the demo, start a worker and serve at http://$(HOST):$(PORT)"
	@echo "make test   install and run the linters and the whole test suite"
	@echo "make bench  run the benchmarks (slow; never part of make test)"
	@echo "make lint   ruff check and format check"

$(BIN)/python:
	$$(scripts/find-python) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PP) migrate --noinput
	$(PP) load-demo
	@# The worker runs transforms and freshness checks beside the server; it stops with it.
	$(PP) worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PP) serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it).
test: lint test-sqlite test-postgres

test-sqlite: install
	DATABASE_URL=$(SQLITE_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "== TEST_DATABASE_URL is not set: PostgreSQL tests not run (CI sets it)"; \
	fi

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var/static
