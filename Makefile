# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)  ## serve the API on $(HOST):$(PORT) (embedded SQLite, migrated first)
	$(BIN)/emporium serve --host $(HOST) --port $(PORT)

lint: $(STAMP_DEV)  ## ruff, the import contracts and mypy (strict, on src)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint  ## lint, then every test (PostgreSQL and Redis ones skip, saying why, if none answers)
	$(BIN)/pytest

format: $(STAMP_DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP_DEV)  ## a login; Emporium against the bare reference server; the catalog at 100k products
	$(BIN)/python benchmarks/login.py
	$(BIN)/python benchmarks/harness.py
	$(BIN)/python benchmarks/catalog.py --postgres-url $${EMPORIUM_BENCH_POSTGRES_URL:-postgresql+asyncpg://root@127.0.0.1:5432/postgres}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
