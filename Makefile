# The two commands a new user needs are `make demo` and `make test`; everything else here
# is what they are built from.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ACCOUNTS ?= 2000

.PHONY: demo test venv lint format-check typecheck imports pytest bench format clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/trimtab db upgrade
	$(BIN)/trimtab demo load --accounts $(DEMO_ACCOUNTS) --replace
	$(BIN)/trimtab run
	$(BIN)/trimtab run status

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format-check: $(STAMP)
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n auto

test: lint format-check typecheck imports pytest

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache trimtab.db
