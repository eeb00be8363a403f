# The two set-up commands of the README: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/vulndesk: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $@

.PHONY: demo test lint
demo: $(BIN)/vulndesk
	$(BIN)/vulndesk init
	$(BIN)/vulndesk demo
	$(BIN)/vulndesk serve

lint: $(BIN)/vulndesk
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/pytest
