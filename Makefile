# Two commands for a fresh machine with Python 3.11+:  make run  |  make test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test console bench ranker messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

console: $(STAMP)
	$(PY) -m bot console

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/evaluate.py
	$(PY) bench/speed.py

ranker: $(STAMP)
	$(PY) bench/train_ranker.py

# After changing user-facing strings: refresh the template and both catalogs, then translate.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k __ -k gettext -k N_ --no-location --sort-output --omit-header -w 100 -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching -w 100

clean:
	rm -rf $(VENV) data .pytest_cache
