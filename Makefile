# ddj: two commands do everything (see README.md, Quick start).
#   make demo   set up .venv and run the coverage job on the synthetic demo corpus
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out/demo
FREQ   ?= M

.PHONY: demo test setup lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ddj needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/ddj run coverage -p freq $(FREQ) --out $(OUT)

test: setup
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile

lint: setup
	$(BIN)/ruff check ddj tests benchmarks conftest.py
	$(BIN)/ruff format --check ddj tests benchmarks conftest.py

bench: setup
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_match.py --n 100000
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_collect.py
	$(BIN)/python benchmarks/bench_extract.py

clean:
	rm -rf $(VENV) out .pytest_cache
