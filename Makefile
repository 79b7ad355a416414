# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: install run test lint format check-services messages bench bench-quick

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

install: $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet

run: install
	$(BIN)/python -m marketplace.devserver

check-services: install
	@$(BIN)/python -m tests.preflight

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: check-services lint
	$(BIN)/pytest -n $${PYTEST_WORKERS:-auto}

# Extract the strings into locale/zh_Hans (needs gettext), then compile the .mo files
# (with polib: running the project never needs gettext). Commit both.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete \
		--ignore "tests/*" --ignore "bench/*" --ignore "staticfiles/*" \
		--ignore "node_modules/*"
	$(BIN)/python manage.py compile_translations

# Benchmarks (bench/README.md): needs PostgreSQL, Redis and pgbench (postgresql-client);
# `make bench BENCH="ceiling flash"` runs some, `make bench-quick` a short pass.
bench: install
	$(BIN)/python -m bench.run $(BENCH)

bench-quick: install
	$(BIN)/python -m bench.run --quick $(BENCH)
