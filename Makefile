# PoC Portal: local development, checks and tests.
#
#   make run     set up .venv, migrate, seed the demo, serve http://127.0.0.1:$(PORT)/
#   make stop    stop the embedded PostgreSQL that make run started (without DATABASE_URL)
#   make test    lint, migration check, deploy check, static build, then the test suite
#   make lint    ruff
#   make bench   benchmarks in a scratch database: ratios against same-run baselines
#   make constraints  re-pin requirements/constraints.txt to the versions in .venv
#   make clean   remove caches
#
# Configuration comes from the environment (see the README); without DATABASE_URL the
# embedded PostgreSQL under DATA_DIR (default ./var) is started (python -m pocportal.embedded_db start)
# and used, without REDIS_URL jobs run in-process. Importing the settings never starts it.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
CHROMIUM_PATH ?= /usr/bin/chromium
PYTEST_ARGS ?=
BENCH_ARGS ?=
PYTHON ?=

# Without DATABASE_URL: create the secret key file and start (or reuse) the embedded PostgreSQL up front
# (the first connection would start it too); with it, only the key file when SECRET_KEY is unset too.
PREPARE_DATA_DIR := if [ -z "$${DATABASE_URL:-}" ]; then "$(PY)" -m pocportal.embedded_db start >/dev/null; \
	elif [ -z "$${SECRET_KEY:-}" ]; then "$(PY)" -m pocportal.embedded_db secret-key; fi

.PHONY: help install run stop test lint bench constraints clean

help:
	@echo "make run     start the portal on http://127.0.0.1:$(PORT)/ (PORT=... to change)"
	@echo "make stop    stop the embedded PostgreSQL that make run started (its data stays under DATA_DIR)"
	@echo "make test    ruff, migration check, deploy check, pytest"
	@echo "make lint    ruff check"
	@echo "make bench   benchmarks (scratch database, ratios against same-run baselines; var/bench/results.json)"
	@echo "make install create .venv and install the project with its dev extras (versions from $(CONSTRAINTS))"
	@echo "make constraints  re-pin $(CONSTRAINTS) to the versions installed in .venv"
	@echo "make clean   remove caches"

install: $(STAMP)

# Re-installs only when pyproject.toml or the constraints change (or the virtualenv is missing).
$(STAMP): pyproject.toml $(CONSTRAINTS)
	@if [ ! -x "$(PY)" ]; then \
		python="$(PYTHON)"; \
		if [ -z "$$python" ]; then \
			for candidate in python3 python3.13 python3.12 python3.11; do \
				if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
					python="$$candidate"; break; \
				fi; \
			done; \
		elif ! "$$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
			echo "error: PYTHON=$$python is not Python 3.11 or newer." >&2; exit 1; \
		fi; \
		if [ -z "$$python" ]; then \
			echo "error: Python 3.11 or newer is required; none of python3, python3.13, python3.12, python3.11 is." >&2; \
			echo "       Install one, or name it explicitly: make PYTHON=/path/to/python3.11 install" >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV) with $$(command -v "$$python") ($$("$$python" -V 2>&1))"; \
		"$$python" -m venv "$(VENV)"; \
	fi
	"$(PY)" -m pip install --quiet --upgrade pip
	"$(PY)" -m pip install --quiet -c "$(CONSTRAINTS)" -e '.[dev]'
	@touch "$(STAMP)"

run: export DEBUG ?= true
run: install
	@PORT="$(PORT)" scripts/run.sh

# The embedded PostgreSQL outlives the server (a second make run reuses it): this stops it. Nothing to do
# with DATABASE_URL set, since that server is not ours to stop. Its data stays under DATA_DIR (default ./var).
stop:
	@if [ -n "$${DATABASE_URL:-}" ]; then \
		echo "DATABASE_URL is set: that PostgreSQL is not the embedded one; nothing to stop."; \
	elif [ -x "$(PY)" ]; then \
		"$(PY)" -m pocportal.embedded_db stop; \
	else \
		echo "No $(VENV): nothing was started."; \
	fi

lint: install
	"$(VENV)/bin/ruff" check .

test: install
	"$(VENV)/bin/ruff" check .
	@$(PREPARE_DATA_DIR)
	"$(PY)" manage.py makemigrations --check --dry-run
	env -u DJANGO_ALLOW_ASYNC_UNSAFE DEBUG=false HTTPS_ONLY=true ALLOWED_HOSTS=pocportal.example.com \
		SECRET_KEY="$$("$(PY)" -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		FIELD_ENCRYPTION_KEY="$$("$(PY)" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
		"$(PY)" manage.py check --deploy --fail-level WARNING
	# The production static build (hashed names, .gz/.br copies into staticfiles/), as the Dockerfile runs it; the
	# tests render with the plain storage and tests/test_static.py checks what this writes.
	DEBUG=false "$(PY)" manage.py collectstatic --noinput --verbosity 0
	@if [ -x "$(CHROMIUM_PATH)" ]; then \
		set -x; CHROMIUM_PATH="$(CHROMIUM_PATH)" "$(PY)" -m pytest $(PYTEST_ARGS); \
	elif [ "$${CI:-}" = "true" ]; then \
		scripts/chromium-notice.sh "$(CHROMIUM_PATH)" fail; \
		exit 1; \
	else \
		scripts/chromium-notice.sh "$(CHROMIUM_PATH)"; \
		status=0; \
		( set -x; "$(PY)" -m pytest -m "not browser" $(PYTEST_ARGS) ) || status=$$?; \
		scripts/chromium-notice.sh "$(CHROMIUM_PATH)"; \
		exit $$status; \
	fi

# Creates and drops its own databases (pocportal_bench, pocportal_load) on the same server; BENCH_ARGS=--quick for a
# smoke run. The load run (bench/load.py: 50 clients for 60 s against gunicorn, backends terminated every 5 s) takes
# LOAD_ARGS, e.g. LOAD_ARGS="--seconds 10 --clients 10".
# The evaluation run on 1,000,000 rows (bench/evaluations.py: job vs parse vs scipy, peak memory) takes
# EVAL_BENCH_ARGS, e.g. EVAL_BENCH_ARGS="--rows 100000".
# The cost-model recompute (bench/costs.py: 50 lines, 3 scales, 10,000 draws, against NumPy drawing as many
# numbers) takes COSTS_BENCH_ARGS, e.g. COSTS_BENCH_ARGS="--rounds 5".
# The scale run (bench/scale.py: My PoCs at 10, 1,000 and 10,000 PoCs, activity pages over 100,000 events, each
# against a plain template page of the same size, worker RSS) takes SCALE_ARGS, e.g. SCALE_ARGS=--quick.
# The PDF report (bench/report.py: 10 runs, 50 cost lines, 30 integrations, 500 events; the export against
# WeasyPrint on the same pre-built HTML, target <= 1.5x) takes REPORT_BENCH_ARGS, e.g. "--rounds 3".
# The live-run harness (bench/harness.py: 10,000 calls at concurrency 16 against a loopback endpoint, against a
# bare asyncio HTTP loop) takes HARNESS_BENCH_ARGS, e.g. HARNESS_BENCH_ARGS="--items 2000".
# The portfolio (bench/portfolio.py: /portfolio/ with 1,000 PoCs against a bare template view of the same size,
# target <= 3x) takes PORTFOLIO_BENCH_ARGS, e.g. PORTFOLIO_BENCH_ARGS="--rounds 3".
# Audited against unaudited writes at 1, 4 and 8 clients (bench/audit_load.py: raw UPDATE, ORM save, poc_update,
# checklist_item_update; writes/s, WAL and table bytes per event) takes AUDIT_LOAD_ARGS, e.g. "--seconds 5 --rounds 3".
AUDIT_LOAD_ARGS ?=
LOAD_ARGS ?=
SCALE_ARGS ?=
bench: install
	@$(PREPARE_DATA_DIR)
	"$(PY)" manage.py collectstatic --noinput --verbosity 0
	"$(PY)" -m bench.run $(BENCH_ARGS)
	"$(PY)" -m bench.audit_load $(AUDIT_LOAD_ARGS)
	"$(PY)" -m bench.scale $(SCALE_ARGS)
	"$(PY)" -m bench.load $(LOAD_ARGS)
	"$(PY)" -m bench.evaluations $(EVAL_BENCH_ARGS)
	"$(PY)" -m bench.costs $(COSTS_BENCH_ARGS)
	"$(PY)" -m bench.harness $(HARNESS_BENCH_ARGS)
	"$(PY)" -m bench.report $(REPORT_BENCH_ARGS)
	"$(PY)" -m bench.portfolio $(PORTFOLIO_BENCH_ARGS)

constraints: install
	"$(PY)" scripts/freeze_constraints.py

clean:
	rm -rf .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
