# Opinion Radar — the two commands of the README's quick start are `make run` and `make test`.
# Both create .venv and install the project into it first (only when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install fonts run test lint typecheck bench clean messages api-fuzz

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed fonts

## the Chinese font the PDF/Word reports embed and chart (radar/web/report.py): Debian's
## fonts-wqy-microhei, installed when missing and this runs as root with apt; else a note
WQY := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@if [ ! -e $(WQY) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; } \
	      || echo "warning: fonts-wqy-microhei not installed: PDF/Word reports (and their tests) need it"; \
	  else echo "note: PDF/Word reports need a Chinese font: sudo apt-get install fonts-wqy-microhei"; fi; \
	fi

## run the monitoring service on its embedded default with the bundled demo sources
run: install
	$(BIN)/radar run --config config/demo.yaml

## run the whole test suite
test: install
	$(BIN)/python -m pytest

## re-extract the translatable strings, merge them into the zh_CN catalogue, compile the .mo
## (then translate what is new in config/locale/zh_CN/LC_MESSAGES/messages.po and run it again)
LOCALE_DIR := config/locale
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project "Opinion Radar" -o var/messages.pot radar alerts config
	$(BIN)/pybabel update -i var/messages.pot -d $(LOCALE_DIR) -l zh_CN --no-fuzzy-matching \
		--ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALE_DIR) -l zh_CN --statistics

## Schemathesis against the JSON API on 127.0.0.1 (every check, stateful phase, fixed seed,
## schemathesis.toml): the same run as in `make test`
api-fuzz: install
	$(BIN)/python -m pytest tests/web/test_api_fuzz.py -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
