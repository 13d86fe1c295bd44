# Every target bootstraps .venv itself, so a clean clone needs nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
REQS := requirements/dev.in requirements/constraints.txt pyproject.toml

.PHONY: install demo test test-stress generate check-generated lint typecheck unit bench bench-fleet clean

$(STAMP): $(REQS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.in -c requirements/constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/quickstart.py --embedded-mock

generate: $(STAMP)
	$(PY) -m codegen

check-generated: $(STAMP)
	$(PY) -m codegen --check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check liveops_async codegen tests
	$(BIN)/bandit -q -r liveops_async -c pyproject.toml

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	bash scripts/ensure-redis.sh
	bash scripts/ensure-prism.sh
	$(PY) -m pytest -q -p no:cacheprovider

test: check-generated lint typecheck unit

# The time-sensitive tests, three rounds while busy loops load every core (scripts/test-stress.sh).
test-stress: $(STAMP)
	bash scripts/ensure-redis.sh
	bash scripts/test-stress.sh

bench: $(STAMP)
	$(PY) -m bench

# The Redis-shared rate limiter at 1, 8 and 32 processes against one private redis-server.
bench-fleet: $(STAMP)
	bash scripts/ensure-redis.sh
	$(PY) -m bench.fleet

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
