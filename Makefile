# `make run` serves Tracker on SQLite with the seeded recommendations (HOST and PORT choose where:
# `make run PORT=5077`), with the mail worker beside it: Ctrl-C stops both. `make test` runs the
# suite.
# Both set up everything they need in .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint benchmark clean

run: $(INSTALLED)
	$(BIN)/tracker init --host $(HOST) --port $(PORT)
	$(BIN)/tracker worker --host $(HOST) --port $(PORT) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/tracker run --host $(HOST) --port $(PORT)

test: $(INSTALLED)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/run.py $(BENCHMARK_ARGS)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Tracker needs Python 3.11 or newer: run make PYTHON=python3.12"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,pdf]'
	touch $@

clean:
	rm -rf $(VENV) instance build *.egg-info .pytest_cache test-artifacts
