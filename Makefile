# Cobro: `make run` starts the product from a fresh clone, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 3000
# `make run` listens on this machine only; HOST=0.0.0.0 opens it to the network (then list the address
# you open it at in COBRO_ALLOWED_ORIGINS).
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools/node_modules/.bin
BUN_VERSION := 1.4.5
NODE_VERSION := 22.23.3
LOCALES := it es pt fr

# Reflex must use the bun and Node we install from the npm registry and never reach for the internet.
export PATH := $(CURDIR)/$(TOOLS):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org

.PHONY: install tools chromium locales i18n-extract migrate seed run screenshots lint typecheck test test-fast test-deep bench clean

install: $(VENV)/.installed tools locales

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# bun and Node 22 ship as npm packages: installed once into .tools/, only when missing.
tools: $(TOOLS)/bun $(TOOLS)/node

$(TOOLS)/bun $(TOOLS)/node:
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error \
		--dangerously-allow-all-scripts bun@$(BUN_VERSION) node@$(NODE_VERSION)
	@$(TOOLS)/bun --version >/dev/null && $(TOOLS)/node --version >/dev/null

# Browser tests drive Debian's Chromium; never a browser downloaded by Playwright.
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'."; \
		exit 1; \
	fi

locales: $(VENV)/.installed
	@for lang in $(LOCALES); do \
		$(BIN)/pybabel -q compile -D messages -d locales -l $$lang || exit 1; \
	done

# After changing UI text: extract it, then translate the new entries in locales/*/LC_MESSAGES/messages.po.
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k t -k N_ --no-location --sort-output -o locales/messages.pot .
	@for lang in $(LOCALES); do \
		$(BIN)/pybabel update -i locales/messages.pot -D messages -d locales -l $$lang --no-fuzzy-matching; \
	done

migrate: install
	$(BIN)/cobro migrate

seed: migrate
	$(BIN)/cobro seed-demo

# The simulated debtors of `make run`: the same seed, the same people (who pays, who promises, who
# never pays), a day of their behaviour a minute.
DEMO_SEED ?= 18

# The app, the sending worker and the WhatsApp simulator; Ctrl-C stops all three. The port goes in the
# environment too: the settings (links, allowed origins) are read before --frontend-port reaches it.
run: seed
	@trap 'kill 0' EXIT; \
	export REFLEX_FRONTEND_PORT=$(PORT); \
	$(BIN)/cobro simulator --webhook-url http://127.0.0.1:$(PORT)/webhooks/whatsapp \
		--world --seed $(DEMO_SEED) --day-seconds 60 --pay-org demo-company & \
	$(BIN)/cobro worker & \
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-host $(HOST)

# Every page of the demo organization, in English and Italian and at a phone's width, into docs/screenshots/
# (the English desktop ones are committed). The simulator answers at once, so the Inbox has replies to show.
SCREENSHOTS_PORT ?= 3300
screenshots: seed chromium
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(BIN)/cobro simulator --reply-rate 1 --read-after 2 --reply-after 3 \
		--webhook-url http://127.0.0.1:$(SCREENSHOTS_PORT)/webhooks/whatsapp >/dev/null & \
	$(BIN)/cobro worker >/dev/null & \
	COBRO_PUBLIC_URL=http://localhost:$(SCREENSHOTS_PORT) $(BIN)/reflex run --env prod \
		--frontend-port $(SCREENSHOTS_PORT) >/dev/null 2>&1 & \
	$(BIN)/python -m tests.browser.screenshots --url http://localhost:$(SCREENSHOTS_PORT) --out docs/screenshots

lint: $(VENV)/.installed
	$(BIN)/ruff check saas_app tests bench rxconfig.py alembic/env.py
	$(BIN)/ruff format --check saas_app tests bench rxconfig.py alembic/env.py

typecheck: $(VENV)/.installed
	$(BIN)/mypy

# The share of saas_app's statements the suite runs (measured 92.2% on 2026-12-06; the browser tests' app
# runs in its own process and is not counted). Raise it as it rises; never lower it.
COVERAGE_FLOOR := 92
test: install chromium lint typecheck
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# Everything but the browser tests and the production shape (tests/production), for a quick loop.
test-fast: install
	$(BIN)/python -m pytest -m "not browser and not production"

# Nightly: the property tests with twenty times the examples, fresh random ones each run (tests/properties.py).
# What it finds goes into the test as an explicit @example, so that `make test` keeps finding it.
test-deep: install
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest -m "not browser" tests/unit tests/integration/worker/test_engine_properties.py

# Every benchmark on SQLite and on PostgreSQL (127.0.0.1:5432, or TEST_POSTGRES_URL; a fresh database
# each time), BENCH_RUNS runs, into docs/benchmarks.md's table (bench/run_all.py). At the targets' sizes
# it takes hours; BENCH_QUICK=1 uses small sizes to check that everything runs; ONLY=planner,dispatch
# runs those scripts alone.
BENCH_RUNS ?= 3
BENCH_QUICK ?=
ONLY ?=
bench: install
	$(BIN)/python -m bench.run_all --runs $(BENCH_RUNS) --only "$(ONLY)" $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

clean:
	rm -rf .web .states .secrets $(VENV) .tools cobro.db*
