# Two commands on a fresh machine: `make run` (the server; sandbox without credentials)
# and `make test` (the whole suite). Both create .venv and install the project on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

.PHONY: install run test lint
install: $(VENV)/.installed

run: install
	$(VENV)/bin/flask --app app db upgrade
	$(VENV)/bin/flask --app app run --host 127.0.0.1 --port $(PORT)

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
