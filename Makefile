# Pulseboard: the few commands that matter. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := frontend/node_modules/.installed
BENCH_STAMP := bench/node_modules/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
IMAGE_STAMP := $(VENV)/.image-deps
# Pinned Python dependencies (make lock): the dev venv's and the backend image's.
DEV_LOCK := backend/requirements-dev.lock
LOCK := backend/requirements.lock
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help install contract run dev migrate frontend test test-backend test-inproc test-stack test-frontend test-images \
	lint lock bench bench-full bench-smoke system-deps image-deps screenshots clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# -- installing ----------------------------------------------------------------

$(PY_STAMP): backend/pyproject.toml $(DEV_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint $(DEV_LOCK) -e 'backend[dev]'
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

$(IMAGE_STAMP): scripts/install-image-deps.sh | $(PY_STAMP)
	scripts/install-image-deps.sh
	touch $@

install: $(PY_STAMP)  ## install the backend into .venv (versions of backend/requirements-dev.lock)

# The image's lock is resolved within the dev lock: the same version of every
# package both install. `make lock UPGRADE=--upgrade` moves to the newest.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --native-tls $(UPGRADE)
lock:  ## pin every Python dependency of backend/pyproject.toml (uv) into backend/*.lock
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$$(grep -o '"uv==[0-9.]*' backend/pyproject.toml | tr -d '"')"
	$(UV_COMPILE) backend/pyproject.toml backend/build-requirements.in --extra dev -o $(DEV_LOCK)
	$(UV_COMPILE) backend/pyproject.toml backend/build-requirements.in -c $(DEV_LOCK) -o $(LOCK)

system-deps: $(SYSTEM_STAMP)  ## apt-get nginx, redis-server, postgresql, chromium if missing

image-deps: $(IMAGE_STAMP)  ## apt-get podman, runc, netavark, debootstrap if missing

# The SPA's contract types are generated from docs/contract.schema.json; the
# build checks they are current (a stale or hand-edited file stops it).
frontend/dist/index.html: $(NPM_STAMP) docs/contract.schema.json frontend/scripts/gen-contract.mjs \
		$(shell find frontend/src frontend/index.html -type f 2>/dev/null)
	cd frontend && npm run gen:contract -- --check && npm run build

frontend: frontend/dist/index.html  ## build the SPA into frontend/dist

# docs/contract.schema.json from the pydantic models, then the SPA's types and
# limits from it (frontend/src/types/*.gen.ts); commit the three files.
contract: install $(NPM_STAMP)  ## regenerate the contract's JSON Schema and TypeScript
	$(BIN)/python -m pulseboard.contract.export
	cd frontend && npm run gen:contract

# -- running -------------------------------------------------------------------

run: install frontend  ## start the app on http://127.0.0.1:5000 (SQLite, no Redis, demo data)
	$(BIN)/pulseboard serve

# pulseboard.dev migrates the database before it builds the app, as `pulseboard serve` does.
dev: install  ## Flask dev server with reload (pair it with `cd frontend && npm run dev`)
	$(BIN)/flask --app pulseboard.dev run --debug --port $${PORT:-5000}

migrate: install  ## bring the database (DATABASE_URL, default SQLite) to the newest schema
	$(BIN)/pulseboard migrate

# -- checking ------------------------------------------------------------------

lint: install $(NPM_STAMP)  ## ruff and eslint
	$(BIN)/ruff check backend tests bench
	cd frontend && npm run lint && npm run typecheck:e2e

test-backend: install  ## backend tests only
	$(BIN)/pytest tests/backend

test-inproc: install  ## the in-process handler and REST tests (seconds; `make test` runs them too)
	$(BIN)/pytest tests/inproc

test-stack: install system-deps frontend  ## nginx + Redis + Postgres + two workers
	$(BIN)/pytest tests/stack

# Builds both images and runs docker-compose.yml in podman (tests/images/README.md).
test-images: install system-deps image-deps $(NPM_STAMP)  ## the compose stack, built and run in podman
	$(BIN)/pytest tests/images

test-frontend: install system-deps frontend  ## Vitest against a real backend, then Playwright
	cd frontend && npm run test:unit && npm run test:e2e

# The README's images, from the specs that take them, signed in as `demo`
# (test runs save theirs in the ignored test-output/ instead).
screenshots: install system-deps frontend  ## refresh docs/screenshots (the README's images)
	cd frontend && PB_SCREENSHOTS=docs/screenshots npx playwright test auth chat console dashboard debug tasks

bench-smoke: install $(BENCH_STAMP)  ## a seconds-long run of the benchmark harness
	$(BIN)/pytest tests/bench

test: install system-deps image-deps lint frontend $(BENCH_STAMP)  ## install everything and run every test
	$(BIN)/pytest  # tests/images too: what test-images runs
	cd frontend && npm run test:unit && npm run test:e2e

bench: install system-deps frontend $(BENCH_STAMP)  ## the short benchmark (under 5 minutes)
	$(BIN)/python -m bench.driver --short

bench-full: install system-deps frontend $(BENCH_STAMP)  ## the full benchmark
	$(BIN)/python -m bench.driver --full

clean:  ## remove installed and built artefacts
	rm -rf $(VENV) frontend/node_modules frontend/dist bench/node_modules
