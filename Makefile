# Careloop: `make run` serves the demo; `make test` runs the whole suite.
# Both install whatever is missing first, so they work on a fresh checkout.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CARELOOP := $(BIN)/careloop
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench bench-public chaos lint format install system browser clean check-deploy lighthouse

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Careloop needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: system $(VENV)/.installed node_modules/.installed

# WeasyPrint (PDF letters) needs Pango from the system; install it when we can.
system:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Pango for PDF letters..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	  else \
	    echo "PDF letters need Pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core'."; \
	  fi; \
	fi

# The job consumer (letters, e-mails, the every-minute outbox) runs beside the web server.
# It starts in a session of its own, so Ctrl+C reaches it once, from the trap: a second
# interrupt would cut short a letter it is sending instead of letting it finish.
run: install
	$(CARELOOP) migrate --noinput -v0
	$(CARELOOP) collectstatic --noinput -v0
	$(CARELOOP) demo --if-empty

	@echo ""
	@echo "Careloop is starting on http://$(HOST):$(PORT)/ — sign in with a demo login above."
	@echo "Press Ctrl+C to stop. Your data stays in ./data between runs."
	@trap 'kill -INT $$jobs 2>/dev/null; wait $$jobs' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	$(BIN)/python -c 'import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' \
	  $(CARELOOP) run_huey & jobs=$$!; \
	$(CARELOOP) runserver $(HOST):$(PORT)

# Debian's Chromium drives the browser tests; install it when the system allows.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'."; \
	  fi; \
	fi

test: install browser
	$(CARELOOP) makemigrations --check --dry-run -v0 || (echo "Models changed without a migration: run '$(CARELOOP) makemigrations'." && exit 1)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

# Server time (p50, p95) and SQL queries of every staff page at demo scales 1, 10 and
# 170 (a million sessions), each against its target, then a gunicorn worker's memory.
# Scale 170's database builds once, in about 11 minutes, and is kept; a quick run:
#   make bench BENCH_ARGS="--scales 1,10"
# With DATABASE_URL set, on PostgreSQL; --scales 1,10,170,1700 adds ten million sessions.
bench: install
	$(BIN)/python -m careloop.bench $(BENCH_ARGS)

# The public website's requests per second against a bare Django view, from one gunicorn
# with production settings, alternating the two (careloop/bench_public.py). A minute or two.
bench-public: install
	$(BIN)/python -m careloop.bench_public $(BENCH_PUBLIC_ARGS)

# The outbox and the web app under faults: SMTP down or slow, a sender killed mid-send,
# a double click, 4 workers at once, and web writes during a slow send. Prints the
# figures (lost, doubled, 500s) and fails when one misses its target. About a minute;
# CHAOS_ARGS="--seconds 30" for the issue's full 30 s of web load.
chaos: install
	$(BIN)/python -m careloop.chaos $(CHAOS_ARGS)

# Lighthouse 12.2.3 (mobile) on the demo's public pages: four scores of 100 and under
# 60 KB each. Installed into tools/lighthouse/ on its own, apart from the app's packages.
tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lighthouse: install browser tools/lighthouse/node_modules/.installed
	$(BIN)/python tools/lighthouse/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	CARELOOP_ENVIRONMENT=production SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz ALLOWED_HOSTS=careloop.example \
	  REDIS_URL=redis://127.0.0.1:6379/0 SITE_URL=https://careloop.example \
	  CARELOOP_BACKUP_KEY=$$($(CARELOOP) backup --generate-key) \
	  $(CARELOOP) check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules
