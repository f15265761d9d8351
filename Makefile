# Two commands on a fresh machine with only Python, pip and make:
#   make demo   -> .venv, install, build the demo database and summarise it
#   make test   -> .venv, install dev extras, ruff, mypy, pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MYPY_PATHS := src/takt

.PHONY: demo test lint typecheck pytest docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/takt demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy $(MYPY_PATHS)

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck pytest

docs: $(VENV)/.installed
	$(BIN)/python -m takt.ingest.docs > docs/data-formats.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache takt-demo.db*
