# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean locales

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Install, migrate the embedded SQLite database and serve on 127.0.0.1:8080.
run: install
	$(BIN)/kith db upgrade
	$(BIN)/kith serve

## Install (not editable, as users get it) and run lint, types and the whole suite.
test: install
	$(BIN)/pip install -q --no-deps --force-reinstall .
	$(BIN)/ruff check bot conversations scheduler tests bench
	$(BIN)/ruff format --check bot conversations scheduler tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2

clean:
	rm -rf $(VENV) build *.egg-info kith.db

## Re-extract messages, update each catalog, compile (after changing any wording).
locales: install
	$(BIN)/pip install -q -e .
	$(BIN)/kith i18n extract
	$(BIN)/kith i18n update
	$(BIN)/kith i18n compile
