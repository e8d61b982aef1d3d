# `make run` serves Tracker on SQLite with the seeded recommendations (HOST and PORT choose where:
# `make run PORT=5077`), with the mail worker beside it: Ctrl-C stops both; `make test` runs the
# suite; `make translations` extracts the interface's strings and updates the catalogues
# (tracker/translations/*/LC_MESSAGES/messages.po).
# All set up everything they need in .venv first, and compile the catalogues.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

TRANSLATIONS := tracker/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
EXTRACT := $(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_pgettext:1c,2 --no-location --sort-output \
	--project Tracker --copyright-holder Tracker

.PHONY: run test lint benchmark clean translations

run: $(INSTALLED) $(COMPILED)
	$(BIN)/tracker init --host $(HOST) --port $(PORT)
	$(BIN)/tracker worker --host $(HOST) --port $(PORT) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/tracker run --host $(HOST) --port $(PORT)

test: $(INSTALLED) $(COMPILED)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# New strings come in empty (and untranslated in Arabic, which tests/test_i18n.py refuses until
# someone writes them); English, the source language, gets each msgid as its own translation.
translations: $(INSTALLED)
	mkdir -p build
	$(EXTRACT) -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/python -c 'import tracker.i18n as i; i.fill_source_catalogue()'

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

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
