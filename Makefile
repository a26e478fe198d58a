# Reproducible research compendium: the engine (src/compendium) and the review this repository holds.
#
#   make report   set up the environment if needed, run the stage notebooks, write reports/
#   make test     set up the environment if needed, run the whole test suite
#   make lint     check style (ruff) and types (mypy)
#   make help     list every target
#
# The analysis is a DAG: data/raw + params -> 01 -> {02, 04}; 02 -> 03; 01-04 -> 05 -> reports/.
# Freshness comes from content, not modification times: `make report` asks the runner which stages
# are not current (`compendium run --make-plan`: the hashes of the data, review.yaml, parameters,
# code, notebook and upstream outputs each stage was built from, and of every output it wrote, so a
# data edit with an old time, a deleted table or report, or a one-off `compendium run -p` is seen),
# then runs those stages as Make rules, independent ones side by side (-j, one job per core). A stage
# after a stale one re-runs only if what it reads actually changed (`--if-stale`).

SHELL := /bin/bash
.DEFAULT_GOAL := help
# a failed recipe deletes a half-written target (environment.yml, CITATION.cff). Stage outputs are
# not Make targets: the runner swaps a stage folder into place only when the stage succeeded.
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the environment is (re)built whenever the pins or the package metadata change
ENV_STAMP := $(VENV)/.installed
# ... and when it no longer runs here (the checkout was moved, so its scripts name an interpreter
# that is gone, or the Python it was made with was removed): rebuilt with a message, instead of
# failing later with "cannot execute: required file not found" (read without starting a process)
HASH := \#
VENV_PYTHON = $(patsubst $(HASH)!%,%,$(firstword $(file < $(BIN)/compendium)))
ifneq ($(wildcard $(ENV_STAMP)),)
ifeq ($(realpath $(VENV_PYTHON)),)
$(info [make] $(VENV) does not run here ($(BIN)/compendium names the interpreter '$(VENV_PYTHON)', which does not exist); rebuilding it)
$(shell rm -f $(ENV_STAMP))
endif
endif

# optional user parameter file: make report PARAMS=my.yaml (a name with spaces works: PARAMS='my params.yaml')
PARAMS ?=
PARAMS_ARG := $(if $(PARAMS),--params '$(subst ','\'',$(PARAMS))')
# stages run side by side where the DAG allows; JOBS=1 runs them one after another
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# one run at a time per checkout: `make report` holds reports/.lock for all its stage commands and
# tells them so (compendium.pipeline.lock); a second `make report` or `compendium run` waits for it
RUN_LOCK := reports/.lock
LOCKED_MAKE := env COMPENDIUM_RUN_LOCKED='$(CURDIR)/$(RUN_LOCK)' $(MAKE) --no-print-directory stages
# the Make rules of the stages that are not current, written by the runner (empty: nothing to do)
STAGE_PLAN := .make/plan.mk

.PHONY: help setup report stages test lint browser lab benchmark validate check-reported clean distclean lock

help: ## List the targets
	@grep -E '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}'

setup: $(ENV_STAMP) ## Create .venv with the pinned packages (re-used until requirements.lock changes)

$(ENV_STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=python3.11" % sys.version_info[:2])'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e '.[dev]'
	touch $@

report: $(ENV_STAMP) data/README.md ## Run the stage notebooks that are not current (by content: data, parameters, code, outputs) and write reports/
	@mkdir -p reports .make
	@flock -n -E 75 $(RUN_LOCK) $(LOCKED_MAKE); status=$$?; \
	if [ $$status = 75 ]; then \
		echo "[make] another run is using reports/ in this checkout; waiting for it to finish ..."; \
		flock -E 75 $(RUN_LOCK) $(LOCKED_MAKE); status=$$?; \
	fi; exit $$status

# the runner checks the parameters (refusing bad ones before anything runs), removes the outputs of
# stages no longer declared and writes the plan; the stages run only when the plan is not empty
stages:
	@$(BIN)/compendium run --make-plan $(PARAMS_ARG) > $(STAGE_PLAN)
	@if [ -s $(STAGE_PLAN) ]; then $(MAKE) --no-print-directory -j$(JOBS) -f $(STAGE_PLAN) BIN=$(BIN); fi

# the data dictionary regenerates itself when the schema or the declaration's vocabularies change
data/README.md: data/raw/datapackage.yaml review.yaml $(ENV_STAMP)
	$(BIN)/python -m compendium.data.dictionary
	@touch $@

test: $(ENV_STAMP) browser ## Run the whole test suite
	$(BIN)/python -m pytest

# the settings of both tools live in pyproject.toml ([tool.ruff], [tool.mypy])
LINT_PATHS := src tests benchmarks
lint: $(ENV_STAMP) ## Check style and types: ruff lint, ruff format --check, mypy
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# the report's browser test drives Debian's chromium (tests/test_report_browser.py)
CHROMIUM := /usr/bin/chromium
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)

browser: ## Install Debian's chromium for the report's browser test (only when it is missing)
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) missing: installing Debian's chromium package"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

lab: $(ENV_STAMP) ## Open JupyterLab at the repository root (notebooks/, reports/) with the package importable
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir='$(CURDIR)'

benchmark: $(ENV_STAMP) ## Run the speed benchmarks in benchmarks/ (installs PyMARE for bench_peers.py only)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r benchmarks/requirements.txt
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

validate: $(ENV_STAMP) ## Validate data/raw against its schemas
	$(BIN)/compendium validate data/raw

check-reported: $(ENV_STAMP) ## Check the reported statistics in data/raw for internal consistency
	$(BIN)/compendium check-reported data/raw

CITATION.cff: review.yaml src/compendium/__init__.py ## Regenerate CITATION.cff from review.yaml (authors, repository) and the version
	$(BIN)/python -m compendium.citation review.yaml > $@

environment.yml: requirements.lock ## Regenerate environment.yml (conda/Binder) from the pins
	$(BIN)/python -m compendium.environment requirements.lock > $@

lock: ## Re-resolve the newest versions of pyproject's dependencies (with the dev tools) into requirements.lock
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet setuptools wheel '.[dev]'
	build/lock-venv/bin/python -m pip uninstall --quiet -y compendium
	{ sed -n '1,3p' requirements.lock; build/lock-venv/bin/python -m pip freeze --all | grep -v -E '^pip==' | LC_ALL=C sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf build/lock-venv

clean: ## Remove generated reports (keeps the environment)
	@if [ -d reports ]; then find reports -mindepth 1 -maxdepth 1 ! -name README.md ! -name .lock -exec rm -rf {} +; fi

distclean: clean ## Remove generated reports and the environment
	rm -rf $(VENV) build .make
