# Set-up and entry points. Every target creates .venv and installs the project first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export SPARK_LOCAL_IP ?= 127.0.0.1
export RETAIL_HOME ?= $(CURDIR)/.retail
export DAGSTER_HOME ?= $(RETAIL_HOME)/dagster

.PHONY: install demo test test-fast check-defs ui

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/retail-assets demo

test: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m pytest

# The fast layer only: no Spark, no PostgreSQL, no Dagster subprocess (the `system` marker, see conftest.py), in two
# pytest-xdist workers (its tests share no port, folder or server); the system layer stays in one process. A module
# stays in one worker: its module fixtures (a moto server, a landed sample) and moto's services load once.
test-fast: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m pytest -m "not system" -n 2 --dist loadfile

# Loads the code location the way dg does (the [tool.dg] project in pyproject.toml).
check-defs: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dg check defs

# umask 077: the lake, the landing files and the event log are the user's alone. dagster dev has no CSRF
# protection: it listens on 127.0.0.1 only (its default), never on another interface. -w workspace.yaml loads both
# code locations (sales and propensity); without it dagster dev reads [tool.dagster] and loads the sales one only.
ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	umask 077 && $(BIN)/dagster dev -w workspace.yaml --host 127.0.0.1

# The instance settings are copied once; an edited copy in DAGSTER_HOME is never overwritten.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	umask 077 && mkdir -p $(DAGSTER_HOME)
	[ -e $@ ] || cp dagster.yaml $@

