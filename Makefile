# The two commands of the README: `make demo` and `make test`. Both set up .venv from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-stamp
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test browser lint format typecheck bench loadtest audit-deps clean

UV := $(VENV)/uv/bin/uv

# The demo needs the runtime dependencies only; tests, linters and benchmarks add the dev extras.
# uv (fetched into .venv/uv by the system's pip) installs them in ~3 s where pip took 20-30 s on 2 cores, measured;
# when uv cannot be fetched or cannot reach the index, the virtualenv gets pip and pip installs them.
define install
	( test -x $(UV) || $(PYTHON) -m pip install -q --disable-pip-version-check --target $(VENV)/uv uv >/dev/null 2>&1 ) \
		&& $(UV) pip install -q --python $(BIN)/python $(1) \
		|| { $(BIN)/python -m ensurepip >/dev/null && $(BIN)/python -m pip install -q $(1); }
endef

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv --without-pip $(VENV)
	$(call install,-e .)
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(call install,-e '.[dev]')
	touch $(STAMP)

demo: $(RUNTIME)
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
	$(BIN)/python -m loadtests.bench_audit --persons 1000
	$(BIN)/python -m loadtests.bench_cold --persons 1000
	$(BIN)/python -m loadtests.bench_locality --persons 1000 --years 20

loadtest: $(STAMP)
	$(BIN)/python -m loadtests.rehearsal --users 20 --seconds 60

# Dependency audit, never part of `make test`: pip-audit --strict over the locked dependencies (a `pip freeze` of
# .venv, written at run time). It needs the vulnerability service (PyPI's JSON API) on the network. A canary with
# known vulnerabilities (requests 2.5.0) is audited first: unless it is reported vulnerable, the service did not
# answer, and the target fails (exit 2) rather than print a green "No known vulnerabilities found" that checked
# nothing. On this project's build machines it cannot reach the service (README.md, Reliability).
AUDIT_VENV := $(VENV)/pip-audit
AUDIT_LOCK := $(VENV)/requirements-locked.txt
audit-deps: $(STAMP)
	test -x $(AUDIT_VENV)/bin/pip-audit || ($(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/python -m pip install -q pip-audit)
	echo 'requests==2.5.0' > $(VENV)/audit-canary.txt
	rm -f $(VENV)/audit-canary.json
	-$(AUDIT_VENV)/bin/pip-audit --no-deps --disable-pip --progress-spinner off --format json \
		-o $(VENV)/audit-canary.json -r $(VENV)/audit-canary.txt >/dev/null 2>&1
	$(AUDIT_VENV)/bin/python -c 'import json, sys; found = json.load(open(sys.argv[1]))["dependencies"]; \
		sys.exit(0 if any(d.get("vulns") for d in found) else 1)' $(VENV)/audit-canary.json 2>/dev/null \
		|| { echo "audit-deps: the vulnerability service did not report the canary requests==2.5.0 (known CVEs):" \
			"it cannot be reached from here, so nothing was audited. NOT passing." >&2; exit 2; }
	{ $(UV) pip freeze --python $(BIN)/python --exclude-editable || $(BIN)/python -m pip freeze --exclude-editable; } > $(AUDIT_LOCK)
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r $(AUDIT_LOCK)
