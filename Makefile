# Pulseboard: the few commands that matter. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := frontend/node_modules/.installed
BENCH_STAMP := bench/node_modules/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help install run dev frontend test test-backend test-stack test-frontend lint bench \
	bench-full bench-smoke system-deps screenshots clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# -- installing ----------------------------------------------------------------

$(PY_STAMP): backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e 'backend[dev]'
	touch $@

$(NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(BENCH_STAMP): bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund
	touch $@

$(SYSTEM_STAMP): scripts/install-system-deps.sh | $(PY_STAMP)
	scripts/install-system-deps.sh
	touch $@

install: $(PY_STAMP)  ## install the backend into .venv

system-deps: $(SYSTEM_STAMP)  ## apt-get nginx, redis-server, postgresql, chromium if missing

frontend/dist/index.html: $(NPM_STAMP) $(shell find frontend/src frontend/index.html -type f 2>/dev/null)
	cd frontend && npm run build

frontend: frontend/dist/index.html  ## build the SPA into frontend/dist

# -- running -------------------------------------------------------------------

run: install frontend  ## start the app on http://127.0.0.1:5000 (SQLite, no Redis, demo data)
	$(BIN)/pulseboard serve

dev: install  ## Flask dev server with reload (pair it with `cd frontend && npm run dev`)
	$(BIN)/flask --app pulseboard run --debug --port $${PORT:-5000}

# -- checking ------------------------------------------------------------------

lint: install $(NPM_STAMP)  ## ruff and eslint
	$(BIN)/ruff check backend tests bench
	cd frontend && npm run lint

test-backend: install  ## backend tests only
	$(BIN)/pytest tests/backend

test-stack: install system-deps frontend  ## nginx + Redis + Postgres + two workers
	$(BIN)/pytest tests/stack

test-frontend: install system-deps frontend  ## Vitest against a real backend, then Playwright
	cd frontend && npm run test:unit && npm run test:e2e

# The README's images, from the specs that take them, signed in as `demo`
# (test runs save theirs in the ignored test-output/ instead).
screenshots: install system-deps frontend  ## refresh docs/screenshots (the README's images)
	cd frontend && PB_SCREENSHOTS=docs/screenshots npx playwright test auth chat console dashboard debug tasks

bench-smoke: install $(BENCH_STAMP)  ## a seconds-long run of the benchmark harness
	$(BIN)/pytest tests/bench

test: install system-deps lint frontend $(BENCH_STAMP)  ## install everything and run every test
	$(BIN)/pytest
	cd frontend && npm run test:unit && npm run test:e2e

bench: install system-deps frontend $(BENCH_STAMP)  ## the short benchmark (under 5 minutes)
	$(BIN)/python -m bench.driver --short

bench-full: install system-deps frontend $(BENCH_STAMP)  ## the full benchmark
	$(BIN)/python -m bench.driver --full

clean:  ## remove installed and built artefacts
	rm -rf $(VENV) frontend/node_modules frontend/dist bench/node_modules
