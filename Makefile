# Two commands for a fresh Debian machine (see README.md):
#   make demo    set everything up, run the portal with demo data at http://127.0.0.1:5000
#   make test    set everything up, ruff, then pytest on SQLite and on a throwaway PostgreSQL
#
# Options:  make demo PORT=8000        make test PYTEST_ARGS="-k audit -x"
#           make bench BENCH_ARGS=...  MEDCREDIT_INSTANCE=/path make demo

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Only folders that exist: bench/ may not be there yet.
SOURCES := $(wildcard portal scoring pledges tests bench)
PYTEST_ARGS :=
BENCH_ARGS :=
HOST := 127.0.0.1
PORT := 5000
# The instance folder: embedded SQLite database, generated secrets, uploads.
MEDCREDIT_INSTANCE ?= $(CURDIR)/instance

.PHONY: help bootstrap bootstrap-test demo serve test test-sqlite test-postgres lint fmt bench \
	clean

help:
	@echo "make demo           set up and run the portal with demo data (http://$(HOST):$(PORT))"
	@echo "make test           set up, then ruff and the whole test suite on SQLite and PostgreSQL"
	@echo "make test-sqlite    pytest on SQLite only       (PYTEST_ARGS=... to pass options)"
	@echo "make test-postgres  pytest on a throwaway PostgreSQL only"
	@echo "make lint           ruff format --check and ruff check"
	@echo "make fmt            ruff format and ruff check --fix"
	@echo "make bench          run the benchmarks (python -m bench)"
	@echo "make bootstrap      only install what is missing (Debian packages, .venv, Python packages)"
	@echo "make clean          remove caches (keeps .venv and instance/)"

bootstrap:
	@bash scripts/bootstrap.sh

bootstrap-test:
	@bash scripts/bootstrap.sh --test

demo: bootstrap
	MEDCREDIT_INSTANCE="$(MEDCREDIT_INSTANCE)" $(BIN)/medcredit demo --host $(HOST) --port $(PORT)

# Serve whatever database the environment points at (no demo data), with gunicorn.
serve: bootstrap
	MEDCREDIT_INSTANCE="$(MEDCREDIT_INSTANCE)" $(BIN)/medcredit db upgrade
	MEDCREDIT_INSTANCE="$(MEDCREDIT_INSTANCE)" $(BIN)/medcredit serve --host $(HOST) --port $(PORT)

# Each step stops the run when it fails; each pytest run ends with pytest's own summary line.
test: bootstrap-test
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/ruff check $(SOURCES)
	env -u MEDCREDIT_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)
	bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: bootstrap-test
	env -u MEDCREDIT_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: bootstrap-test
	bash scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/ruff check $(SOURCES)

fmt: bootstrap
	$(BIN)/ruff format $(SOURCES)
	$(BIN)/ruff check --fix $(SOURCES)

bench: bootstrap
	@test -f bench/__main__.py || { echo "bench/__main__.py not found: no benchmarks yet" >&2; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist
	find portal scoring pledges tests $(wildcard bench) -name __pycache__ -type d -prune \
		-exec rm -rf {} +
