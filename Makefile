# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app workspace
INSTALLED := $(VENV)/.installed
# The suite runs on every core (pytest-xdist), each file's tests together on one worker.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile

.PHONY: run test lint typecheck test-sqlite test-postgres test-clock-ahead bench install clean-venv

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Secret keys made once per checkout (sessions; two-step secrets at rest); instance/ is never committed.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import base64, secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32))); print('TWO_STEP_SECRET_KEYS = ' + repr([base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()]))" > $@
	@echo "Created instance/config.py with a new SECRET_KEY and TWO_STEP_SECRET_KEYS."

run: $(INSTALLED) instance/config.py
	$(FLASK) db upgrade
	$(FLASK) load-frameworks
	$(FLASK) seed-demo --if-missing
	$(FLASK) run --host 127.0.0.1 --port 5000

# Style: ruff's lint rules and its formatter (configured in pyproject.toml), as CI runs them.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types: mypy on the package (configured in pyproject.toml), as CI runs it.
typecheck: $(INSTALLED)
	$(BIN)/mypy

# The whole suite on SQLite (with the browser tests), then again on a throwaway PostgreSQL server.
test: test-sqlite test-postgres

test-sqlite: $(INSTALLED)
	$(PYTEST)

test-postgres: $(INSTALLED)
	$(BIN)/python tests/with_postgres.py $(PYTEST) -m "not browser"

# The SQLite suite without the browser once more, with the machine's clock 400 days ahead
# (libfaketime, Debian's faketime): a test that reads the wall clock fails now, not on a future morning.
test-clock-ahead: $(INSTALLED)
	faketime -f '+400d' $(PYTEST) -m "not browser"

# Load on the busiest paths (SQLite and PostgreSQL) and the Word exports, at national scale; then the
# mixed workload of users with Locust (the bench extra). BENCH_ONLY=wrk or BENCH_ONLY=locust runs one part.
bench: $(INSTALLED)
	$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean-venv:
	rm -rf $(VENV)
