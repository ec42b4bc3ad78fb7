# The two commands of the README: `make demo` and `make test`. Both set up .venv from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test browser lint format typecheck bench loadtest audit-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pooling demo

test: $(STAMP) browser lint typecheck
	$(BIN)/pytest

# The web console's browser test drives Debian's Chromium (never `playwright install`, which downloads a build).
browser:
	command -v chromium >/dev/null || (apt-get install -y chromium chromium-driver || (apt-get update && apt-get install -y chromium chromium-driver))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy domain standards projections

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Benchmarks and the Locust rehearsal: measured, printed, never part of `make test` (loadtests/README.md).
bench: $(STAMP)
	$(BIN)/python -m loadtests.bench_seed --persons 1000 --years 10
	$(BIN)/python -m loadtests.bench_projections --persons 1000 --years 10
	$(BIN)/python -m loadtests.bench_storage --persons 600 --years 10
	$(BIN)/python -m loadtests.bench_commands --persons 300 --years 5 --seconds 15

loadtest: $(STAMP)
	$(BIN)/python -m loadtests.rehearsal --users 20 --seconds 60
