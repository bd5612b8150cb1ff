# Two commands do everything: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test lint install install-test translations extract-translations browser axe bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements-test.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.run-deps

install: $(VENV)/.run-deps
install-test: $(VENV)/.test-deps

# Each area keeps its own catalog in pos/<area>/translations; compiled here, never committed.
translations: $(VENV)/.run-deps
	@for dir in pos/translations pos/*/translations; do \
	  [ -d "$$dir" ] && $(BIN)/pybabel -q compile -d "$$dir" || true; \
	done

# Refresh each area's catalog from its code and templates (then fill in the Vietnamese msgstr). A service's error
# message is the first argument of the error it raises (pos/core/errors.py), hence the extra keywords.
KEYWORDS = -k _l -k Text -k ValidationError -k NotFound -k Conflict -k InvalidBarcode -k OutOfStock -k LotNotSellable -k PrinterError \
	-k Unauthorized -k ApprovalRequired -k UncountedLines -k TooManyAttempts -k TooManyWaiting \
	-k InvalidSerial -k SerialRefused
# `make extract-translations AREA=inventory` refreshes that one area only, AREA=core the shared catalog only.
extract-translations: $(VENV)/.run-deps
	@if [ -z "$(AREA)" ] || [ "$(AREA)" = core ]; then \
	  $(BIN)/pybabel -q extract -F babel.cfg $(KEYWORDS) -o /tmp/pos-core.pot pos/*.py pos/core pos/demo pos/auth templates/*.html templates/auth templates/errors && \
	  $(BIN)/python -m pos.core.i18n_catalogs /tmp/pos-core.pot pos/translations; fi
	@[ "$(AREA)" = core ] || for dir in pos/$(or $(AREA),*)/; do area=$$(basename $$dir); [ "$$area" = auth ] || [ "$$area" = core ] || [ "$$area" = demo ] || [ "$$area" = models ] || [ "$$area" = translations ] && continue; \
	  sources="$$dir"; [ -d templates/$$area ] && sources="$$sources templates/$$area"; \
	  $(BIN)/pybabel -q extract -F babel.cfg $(KEYWORDS) -o /tmp/pos-$$area.pot $$sources && \
	  $(BIN)/python -m pos.core.i18n_catalogs /tmp/pos-$$area.pot $$dir/translations; done

# The showroom on PORT, central on CENTRAL_PORT, and the sync sender between them (scripts/run-demo).
run: install translations
	PORT=$(PORT) scripts/run-demo

# Browser journeys drive Debian's chromium through Playwright (no browser download is possible here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# axe-core, which the browser tests inject to check every page, comes from npm at the version package-lock.json
# pins; installed again whenever the lock file changes.
node_modules/axe-core/axe.min.js: package-lock.json package.json
	npm ci --silent --no-audit --no-fund
	touch $@

axe: node_modules/axe-core/axe.min.js

test: install-test translations browser axe
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests

# ruff with the rule set in pyproject.toml, the one formatting, and no repeated code outside migrations/;
# .ci/run runs this before the tests.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	scripts/check-duplicates

bench: install-test translations
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache node_modules
