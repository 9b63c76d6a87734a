# Two commands do everything on a fresh machine with any Python 3.11-3.13: `make run` and `make test`.
# The pinned uv is installed into a private bootstrap folder; every dependency then comes from uv.lock.
SHELL := /bin/bash
# The first of python3.11, python3.12, python3.13, python3 on PATH whose version is 3.11-3.13 (PYTHON=... overrides).
FIND_PYTHON := for p in python3.11 python3.12 python3.13 python3; do \
	"$$p" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null && { echo "$$p"; break; }; done
PYTHON ?= $(shell $(FIND_PYTHON))
ifeq ($(strip $(PYTHON)),)
$(error 未找到 Python 3.11-3.13：请安装其中之一（如 apt-get install python3），或用 make PYTHON=/path/to/python3.12 指定)
endif
UV_VERSION := 0.13.8
BOOT := .venv-bootstrap
UV := $(BOOT)/bin/uv
export DAGSTER_HOME := $(CURDIR)/dagster_home
export UV_PYTHON := $(PYTHON)

.PHONY: run test install lint dev serve serve-stop bench clean

$(BOOT)/bin/uv:
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(BOOT)/bin/uv
	$(UV) sync --frozen

run: install  ## generate synthetic registries, run every asset in-process, publish warehouse + dashboards
	$(UV) run --frozen python -m dagster_project run

test: install  ## the whole test suite (what .ci/run calls)
	$(UV) run --frozen ruff check .
	bash scripts/browser-deps.sh  # Chromium and CJK fonts for the browser tests: installed, or the tests say why they skip
	$(UV) run --frozen dg check defs  # the code location loads: definitions, resources, schedule and sensor
	OPENBLAS_NUM_THREADS=1 $(UV) run --frozen pytest -n 2 -q  # the tests run in parallel already: one BLAS thread each

bench-forecast: install  ## public benchmark of the driver forecast (M1, Tourism yearly) -> bench/FORECAST_RESULTS.md
	OPENBLAS_NUM_THREADS=1 $(UV) run --frozen python bench/forecast_benchmark.py

lint: install
	$(UV) run --frozen ruff check .

dev: install  ## Dagster UI: asset graph, checks, nightly schedule
	$(UV) run --frozen dagster dev -m dagster_project.definitions

serve: install  ## production-shaped Dagster: PostgreSQL storage, code server, webserver, one daemon (docs/operations.md)
	scripts/serve.sh start

serve-stop:  ## stop what `make serve` started
	scripts/serve.sh stop

clean:
	rm -rf data dashboards/*.html dashboards/static
