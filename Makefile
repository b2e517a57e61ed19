# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: demo test test-all lint envs report setup clean

$(BIN)/snakemake: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/snakemake
	bash scripts/install_system_deps.sh

## Run the default config end to end and write the HTML report.
demo: setup
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --cores $(CORES) --report results/report.html
	@echo "Report: results/report.html"

## The test suite CI runs (slow tests skipped; `make test-all` runs them).
test: setup
	$(BIN)/pytest -q -m "not slow" --durations=25

test-all: setup
	$(BIN)/pytest -q

## Python lint and format (ruff), Snakemake's lint and the rule files' format (snakefmt).
lint: setup
	$(BIN)/ruff check scripts tests benchmarks envs
	$(BIN)/ruff format --check scripts tests benchmarks envs
	$(BIN)/python envs/generate.py --check
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

## Regenerate envs/*.yaml from the pins in requirements.txt.
envs:
	$(PYTHON) envs/generate.py

clean:
	rm -rf results logs .snakemake benchmarks/runs
