# Two commands do everything on a fresh machine with Python 3.11: `make run` and `make test`.
# uv is installed into a private bootstrap folder if it is not on PATH; dependencies come from uv.lock.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
BOOT := .venv-bootstrap
UV := $(shell command -v uv 2>/dev/null || echo $(BOOT)/bin/uv)
export DAGSTER_HOME := $(CURDIR)/dagster_home
export UV_PYTHON := $(PYTHON)

.PHONY: run test install lint dev bench clean

$(BOOT)/bin/uv:
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(if $(shell command -v uv 2>/dev/null),,$(BOOT)/bin/uv)
	$(UV) sync --frozen

run: install  ## generate synthetic registries, run every asset in-process, publish warehouse + dashboards
	$(UV) run --frozen python -m dagster_project run

test: install  ## the whole test suite (what .ci/run calls)
	$(UV) run --frozen pytest -n 2 -q

lint: install
	$(UV) run --frozen ruff check .

dev: install  ## Dagster UI: asset graph, checks, nightly schedule
	$(UV) run --frozen dagster dev -m dagster_project.definitions

clean:
	rm -rf data dashboards/*.html dashboards/static
