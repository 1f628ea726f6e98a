# The two promises: `make run` serves a demo at http://127.0.0.1:8000; `make test` passes.
.DEFAULT_GOAL := help
VENV ?= .venv
BIN := $(VENV)/bin
PP := $(BIN)/performance-platform
HOST ?= 127.0.0.1
PORT ?= 8000
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/test.sqlite3

.PHONY: help install chromium run test test-sqlite test-postgres lint format bench clean lock

help:
	@echo "make run    install, migrate, load the demo, start a worker and serve at http://$(HOST):$(PORT)"
	@echo "make test   install and run the linters and the whole test suite"
	@echo "make bench  run the benchmarks (slow; never part of make test)"
	@echo "make lock   update the locked dependency versions (requirements/*.txt) from pyproject.toml"
	@echo "make lint   ruff check and format check, and the import layers (lint-imports)"

$(BIN)/python:
	$$(scripts/find-python) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change. The versions are those in the
# lock file, checked against its hashes (`make lock` updates it; see docs/operations.md).
LOCK := requirements/dev.txt
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Resolve the dependencies in pyproject.toml afresh and write the lock files, with the
# hash of every file. Run it after changing dependencies, then `make install`.
UV_VERSION := 0.13.9
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes \
		--quiet --no-header -o requirements/main.txt
	$(BIN)/uv pip compile pyproject.toml --extra ga4 --universal --python-version 3.12 \
		--generate-hashes --quiet --no-header -o requirements/main-ga4.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra ga4 --universal --python-version 3.12 \
		--generate-hashes --quiet --no-header -o requirements/dev.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The site's stylesheet (GOV.UK Frontend and ours), compiled by dart-sass: `npm run build`.
# A generated file: rebuilt when the Sass sources or the npm packages change.
SITE_CSS := src/performance_platform/site/static/site/app.css
$(SITE_CSS): node_modules/.installed $(wildcard src/performance_platform/site/scss/*.scss)
	npm run --silent build

# Static files (the stylesheet, GOV.UK Frontend's fonts, images and script), collected once
# into var/static for `serve` (WhiteNoise serves them from there). Rebuilt when a source
# changes; `serve` itself only builds them when they are missing.
STATIC_MANIFEST := var/static/staticfiles.json
STATIC_SOURCES := $(shell find src/performance_platform -path '*/static/*' -type f 2>/dev/null)
$(STATIC_MANIFEST): $(VENV)/.installed $(SITE_CSS) $(STATIC_SOURCES)
	$(PP) collectstatic --noinput --verbosity 0
	@touch $@

# Browser tests drive Debian's chromium: install it when it is missing. Where that cannot
# be done (no apt-get, not root) print a note and carry on; nothing else needs it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "== chromium is missing: installing Debian's package (for the browser tests)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null; } \
		|| sudo -n apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| echo "NOTE: could not install chromium (it needs apt-get and root): browser tests cannot run until 'apt-get install chromium' is done"; \
	}

install: $(VENV)/.installed node_modules/.installed $(SITE_CSS) $(STATIC_MANIFEST) chromium

# Quiet on purpose: the last lines printed are the addresses `serve` gives to open.
run: install
	@echo "== Updating the database and loading the demo (var/performance-platform.sqlite3)"
	@$(PP) migrate --noinput --verbosity 0
	@$(PP) load-demo --verbosity 0
	@# The worker runs transforms, freshness checks and the collectors beside the server,
	@# and the demo Matomo (demo-provider, at DEMO_PROVIDER_URL) answers the demo's
	@# collectors; both stop with the server. They report only errors here (the demo's
	@# data is old, so freshness warnings are noise).
	@# Links in the demo's emails point at this server, whatever its port.
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
		LOG_LEVEL=ERROR $(PP) demo-provider --verbosity 0 & provider=$$!; \
		LOG_LEVEL=ERROR $(PP) worker & worker=$$!; \
		trap 'kill $$worker $$provider 2>/dev/null' EXIT INT TERM; \
		$(PP) serve --host $(HOST) --port $(PORT) --banner var/demo-banner.txt

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

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
	rm -rf $(VENV) node_modules var/static $(SITE_CSS)
