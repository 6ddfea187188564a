# flerkanal: `make demo` and `make test` are the README's two quick-start commands.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch, installed before anything else can pull a multi-GB CUDA build.
TORCH ?= torch==2.13.0

.PHONY: demo test eval lint venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

## Set up, load the bundled demo data into a temporary SQLite database and open the demo.
demo: venv
	HF_HUB_OFFLINE=1 $(BIN)/inbox demo

## Set up and run every check: ruff, mypy, import contracts, the whole test suite.
test: venv lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

## Score on the shared dev sets and check the published specs (../shared, or FLERKANAL_SHARED); fails if missing.
eval: venv
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest eval/

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
