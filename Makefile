# Set-up and entry points. Every target creates .venv and installs what it needs from the hashed locks first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per lock installed into .venv: a changed lock (or pyproject.toml) reinstalls from it.
RUNTIME_STAMP := $(VENV)/.runtime-stamp
TEST_STAMP := $(VENV)/.test-stamp
# uv, which regenerates the locks, gets a virtualenv of its own.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.tools-stamp
# --no-build-isolation: pyspark (source only on PyPI) builds with the locked setuptools, nothing unhashed is fetched.
PIP_LOCKED := $(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation
UV_COMPILE := $(TOOLS)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock'
LOCKS := requirements/installers.txt requirements/runtime.txt requirements/test.txt requirements/tools.txt
export SPARK_LOCAL_IP ?= 127.0.0.1
# Bytecode is written even where the environment turns it off: each test worker and each Dagster process would
# otherwise compile the project (and pytest rewrite its tests) again on every run. Empty means unset to Python.
export PYTHONDONTWRITEBYTECODE :=
export RETAIL_HOME ?= $(CURDIR)/.retail
export DAGSTER_HOME ?= $(RETAIL_HOME)/dagster

.PHONY: install install-test demo test test-fast check-defs ui lock lock-upgrade audit

install: $(RUNTIME_STAMP)

install-test: $(TEST_STAMP)

# Both environments are made the same way: current installers (pip, setuptools, wheel) first, then one lock, then
# the project itself without dependencies (the lock already holds every one, each checked against its hash).
define install_from_lock
$(PYTHON) -m venv $(VENV)
$(PIP_LOCKED) -r requirements/installers.txt
$(PIP_LOCKED) -r $(1)
$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
touch $@
endef

$(RUNTIME_STAMP): requirements/installers.txt requirements/runtime.txt pyproject.toml
	$(call install_from_lock,requirements/runtime.txt)

# The test lock holds the runtime lock's versions plus pytest, moto, playwright, pip-audit: one pass installs both.
$(TEST_STAMP): requirements/installers.txt requirements/runtime.txt requirements/test.txt pyproject.toml
	$(call install_from_lock,requirements/test.txt)

demo: $(RUNTIME_STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/retail-assets demo

# Two pytest-xdist workers, a module to a worker: its module fixtures (a Spark session, a PostgreSQL server, a
# landed sample) start once, and a system test waiting on a process or a server leaves the other core to the other.
test: $(TEST_STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The fast layer only: no Spark, no PostgreSQL, no Dagster subprocess (the `system` marker, see conftest.py), in two
# pytest-xdist workers (its tests share no port, folder or server); the system layer stays in one process. A module
# stays in one worker: its module fixtures (a moto server, a landed sample) and moto's services load once.
test-fast: $(TEST_STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m pytest -m "not system" -n 2 --dist loadfile

# Loads the code location the way dg does (the [tool.dg] project in pyproject.toml).
check-defs: $(TEST_STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dg check defs

# umask 077: the lake, the landing files and the event log are the user's alone. dagster dev has no CSRF
# protection: it listens on 127.0.0.1 only (its default), never on another interface. -w workspace.yaml loads both
# code locations (sales and propensity); without it dagster dev reads [tool.dagster] and loads the sales one only.
ui: $(RUNTIME_STAMP) $(DAGSTER_HOME)/dagster.yaml
	umask 077 && $(BIN)/dagster dev -w workspace.yaml --host 127.0.0.1

# The instance settings (dagster.yaml, then those that name DAGSTER_HOME) are written once; an edited copy in
# DAGSTER_HOME is never overwritten.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml dagster-home.yaml
	umask 077 && mkdir -p $(DAGSTER_HOME)
	[ -e $@ ] || cat dagster.yaml dagster-home.yaml > $@

$(TOOLS_STAMP): requirements/tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r requirements/tools.txt
	touch $@

# Regenerates every lock from pyproject.toml and requirements/*.in, keeping each pin that still fits (uv prefers
# the versions already in the output file); lock-upgrade moves every pin to the newest release that fits.
# The test lock is constrained by the runtime lock, so tests run the versions a deployment installs.
lock: $(TOOLS_STAMP)
	$(UV_COMPILE) $(LOCK_FLAGS) requirements/installers.in -o requirements/installers.txt
	$(UV_COMPILE) $(LOCK_FLAGS) pyproject.toml -c requirements/installers.txt -o requirements/runtime.txt
	$(UV_COMPILE) $(LOCK_FLAGS) pyproject.toml --extra test -c requirements/installers.txt \
		-c requirements/runtime.txt -o requirements/test.txt
	$(UV_COMPILE) $(LOCK_FLAGS) requirements/tools.in -o requirements/tools.txt

lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

# pip-audit (from the test lock) over every lock; .ci/audit.py: a finding not in audit-ignore.txt fails, an
# unreachable vulnerability database is said and skipped.
audit: $(TEST_STAMP)
	$(BIN)/python .ci/audit.py --ignore-file requirements/audit-ignore.txt $(LOCKS)
