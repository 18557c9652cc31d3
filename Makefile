# The two commands a new user needs are `make demo` and `make test`; everything else here
# is what they are built from.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ACCOUNTS ?= 2000

.PHONY: demo test venv lint format-check typecheck imports pytest bench format clean \
	browser screenshots samples

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

DEMO_SERVE ?= 1
DEMO_PORT ?= 8000

# Ends by serving the demo firm on http://127.0.0.1:$(DEMO_PORT) (Ctrl-C stops it);
# DEMO_SERVE=0 stops after printing the demo users.
demo: $(STAMP)
	$(BIN)/trimtab db upgrade
	$(BIN)/trimtab demo load --accounts $(DEMO_ACCOUNTS) --replace
	$(BIN)/trimtab run
	$(BIN)/trimtab run status
	$(BIN)/trimtab reports counterfactuals --run latest
	$(BIN)/trimtab reports health-checks record --run latest
	$(BIN)/trimtab demo users --url http://127.0.0.1:$(DEMO_PORT)
	@if [ "$(DEMO_SERVE)" != "0" ]; then $(BIN)/trimtab serve --port $(DEMO_PORT); fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

format-check: $(STAMP)
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# System packages some tests need: Debian's Chromium for the browser tests (tests/e2e);
# pango and HarfBuzz-Subset (WeasyPrint warns without it) for the PDF reports, and
# poppler-utils (pdftoppm) to look at a rendered page (tests/integration/reports). Run
# as root (CI, a container), this installs those missing; otherwise, or if apt-get
# fails, those tests are skipped with the reason shown, and fail the run under CI=true.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
browser:
	@missing="$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done)"; \
	[ -z "$$missing" ] || [ "$$(id -u)" -ne 0 ] || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; } || \
		echo "could not install $$missing: the tests that need them will be skipped"

# The browser tests run on their own, in one process: they share one demo firm, server
# and browser, which each xdist worker would otherwise build again.
pytest: $(STAMP)
	$(BIN)/pytest -n auto --ignore=tests/e2e
	$(BIN)/pytest -n 0 tests/e2e

test: lint format-check typecheck imports browser pytest

# docs/screenshots/<role>.png, shown in the README: each role's dashboard on the demo firm.
screenshots: $(STAMP) browser
	$(BIN)/python -m tests.e2e.screenshots

# docs/samples/: the sample reports linked from the README, from a fresh demo firm of
# $(SAMPLE_ACCOUNTS) accounts after one night, in a database of its own (removed after).
SAMPLE_ACCOUNTS ?= 200
samples: $(STAMP)
	rm -f .samples.db
	export TRIMTAB_DATABASE_URL=sqlite:///$(CURDIR)/.samples.db && \
		$(BIN)/trimtab db upgrade && \
		$(BIN)/trimtab demo load --accounts $(SAMPLE_ACCOUNTS) && \
		$(BIN)/trimtab run && \
		$(BIN)/trimtab reports samples --dir docs/samples
	rm -f .samples.db

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache trimtab.db
