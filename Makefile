# Sozialplanung data platform. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export SOZIALPLANUNG_DATA_DIR ?= $(CURDIR)/data/sample
export SOZIALPLANUNG_WAREHOUSE_DIR ?= $(CURDIR)/data/warehouse
export GX_ANALYTICS_ENABLED := False
export DAGSTER_DISABLE_TELEMETRY := 1

.PHONY: install run update rebuild test test-slow lint format ui sample bench docs clean

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(VENV)/bin/uv pip sync --quiet -p $(PY) requirements.lock
	touch $@

$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp pipelines/dagster.yaml $@

run: install
	$(PY) -m pipelines.run

# Runs only what the landing files changed since the last complete run (see pipelines/run.py).
update: install
	$(PY) -m pipelines.run --changed

# Recreates internal.duckdb and the published file from the landing-file archive alone.
rebuild: install
	$(PY) -m pipelines.rebuild

# Two pytest workers (pytest-xdist): every test has its own folders, instance and ports; the tests
# of one xdist_group (those reading the one sample run) share a worker.
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup

# Fault-injection trials (SIGKILL during refreshes, concurrent runs), the multiprocess-executor
# run and the heaviest end-to-end trials; CI runs them after `make test`.
test-slow: install
	$(PY) -m pytest -m slow

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Binds to this machine only; UI_HOST=0.0.0.0 exposes the UI (put an authenticating proxy in front).
UI_HOST ?= 127.0.0.1
UI_PORT ?= 3000
ui: install
	$(VENV)/bin/dagster dev -w workspace.yaml -h $(UI_HOST) -p $(UI_PORT)

# Regenerates the committed sample byte for byte (fixed seed).
sample: install
	$(PY) data/generate_sample.py

# NRW-scale benchmark (generates its data roots once under bench/roots/, not committed).
bench: install
	$(PY) -m bench.run

# The documentation site from docs/ (MkDocs, built-in theme) into site/, not committed.
docs: install
	$(VENV)/bin/mkdocs build --strict -d site

clean:
	rm -rf data/warehouse $(DAGSTER_HOME)
