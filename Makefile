# Two commands on a fresh machine: `make run` (the server; sandbox without credentials)
# and `make test` (the whole suite). Both create .venv and install the project on first use:
# `make run` the product alone (what a host installs), `make test` with the test extras.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
# Test processes (pytest-xdist): the suite partly waits on servers, workers and rate windows,
# so they overlap: on the 2-core machine 4 processes ran the SQLite suite (1,052 tests) in 73 s
# from a fresh clone; one process took 168 s when it had 862 tests.
TEST_WORKERS ?= 4

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Separate stamps: installing the product alone must not count as installing the test extras.
$(VENV)/.installed-product: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

.PHONY: install install-product run test lint
install: $(VENV)/.installed

install-product: $(VENV)/.installed-product

run: install-product
	$(VENV)/bin/flask --app app db upgrade
	$(VENV)/bin/flask --app app run --host 127.0.0.1 --port $(PORT)

# pytest exits 5 when it collected nothing: a failure, closed with a plain count line.
# PYTHONDONTWRITEBYTECODE (set on some machines) would make every test process, and every
# worker or server subprocess a test starts, compile the project and re-rewrite the test modules'
# asserts from source each run; unset here, they are cached in __pycache__ (git-ignored).
test: install
	@env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "0 passed, 0 failed (pytest collected no tests)"; fi; \
	exit $$status

lint: install
	$(VENV)/bin/ruff check .
