# Two commands on a fresh machine: `make run` (the bot) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench mutants clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make run PORT=8090` when 8080 is taken (the sandbox page's port).
run: $(STAMP)
	$(BIN)/daumoi run $(if $(PORT),--port $(PORT))

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/bench_updates.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants

# Mutation testing of the guarding modules (optional, slow; not part of `make test`).
# `make mutants` runs every group; `make mutants MODULE=erasure` one of: secrecy, access,
# invites, erasure, progress, outbox, phone.
MODULE ?= all
mutants: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutants]'
	env -u TEST_DATABASE_URL -u E2E_DATABASE_URL $(BIN)/python bench/mutants.py $(MODULE)
