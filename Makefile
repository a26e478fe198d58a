# Reproducible research compendium: exercise and ALS.
#
#   make report   set up the environment if needed, run the stage notebooks, write reports/
#   make test     set up the environment if needed, run the whole test suite
#   make lint     check style (ruff) and types (mypy)
#   make help     list every target
#
# The analysis is a DAG: data/raw + params -> 01 -> 02 -> 03 -> 04 -> 05 -> reports/.
# Each stage's executed notebook is its target, so Make re-runs only what is stale.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the environment is (re)built whenever the pins or the package metadata change
ENV_STAMP := $(VENV)/.installed

# optional user parameter file: make report PARAMS=my.yaml
PARAMS ?=
PARAMS_ARG := $(if $(PARAMS),--params $(PARAMS))

STAGES := $(sort $(basename $(notdir $(wildcard notebooks/[0-9][0-9]_*.ipynb))))
STAGE_OUTPUTS := $(foreach s,$(STAGES),reports/$(s)/$(s).ipynb)
RAW_FILES := $(sort $(wildcard data/raw/*))
SRC_FILES := $(sort $(shell find src -name '*.py' -o -name '*.html' -o -name '*.css' 2>/dev/null))
# the parameter values in force (params.yaml + PARAMS file): rewritten only when they change,
# so `make report PARAMS=my.yaml` re-runs the stages even when my.yaml is older than reports/
PARAMS_SIGNATURE := .make/params-signature
STAGE_INPUTS := $(RAW_FILES) $(SRC_FILES) $(PARAMS_SIGNATURE) $(ENV_STAMP)

.PHONY: help setup report test lint browser lab benchmark validate check-reported clean distclean lock FORCE

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

report: $(STAGE_OUTPUTS) ## Run every stage notebook that is out of date and write reports/

$(PARAMS_SIGNATURE): FORCE
	@mkdir -p $(@D)
	@{ cat params.yaml; echo "# PARAMS=$(PARAMS)"; $(if $(PARAMS),cat $(PARAMS);) } > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

FORCE:

# one rule per stage: it depends on its notebook, the inputs and the stage before it
PREVIOUS_STAGE :=
define STAGE_RULE
reports/$(1)/$(1).ipynb: notebooks/$(1).ipynb $$(STAGE_INPUTS) $(PREVIOUS_STAGE)
	$$(BIN)/compendium run --only $(1) $$(PARAMS_ARG)
PREVIOUS_STAGE := reports/$(1)/$(1).ipynb
endef
$(foreach s,$(STAGES),$(eval $(call STAGE_RULE,$(s))))

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
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

browser: ## Install Debian's chromium for the report's browser test (only when it is missing)
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) missing: installing Debian's chromium package"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

lab: $(ENV_STAMP) ## Open JupyterLab with the package importable
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

benchmark: $(ENV_STAMP) ## Run the speed benchmarks in benchmarks/
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

validate: $(ENV_STAMP) ## Validate data/raw against its schemas
	$(BIN)/compendium validate data/raw

check-reported: $(ENV_STAMP) ## Check the reported statistics in data/raw for internal consistency
	$(BIN)/compendium check-reported data/raw

environment.yml: requirements.lock ## Regenerate environment.yml (conda/Binder) from the pins
	$(BIN)/python -m compendium.environment requirements.lock > $@

lock: ## Re-resolve the newest versions of pyproject's dependencies (with the dev tools) into requirements.lock
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet setuptools wheel '.[dev]'
	build/lock-venv/bin/python -m pip uninstall --quiet -y compendium
	{ sed -n '1,3p' requirements.lock; build/lock-venv/bin/python -m pip freeze --all | grep -v -E '^pip==' | LC_ALL=C sort -f; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf build/lock-venv

clean: ## Remove generated reports (keeps the environment)
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +

distclean: clean ## Remove generated reports and the environment
	rm -rf $(VENV) build .make
