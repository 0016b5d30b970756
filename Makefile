# conum-geo developer targets. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The lock file: every package with its exact version and hashes, for Python 3.11 on any OS.
LOCK := requirements-lock.txt
# The benchmark's comparisons (pandana, igraph, pyroutingkit) on top of the lock, same versions.
BENCH_LOCK := requirements-bench-lock.txt
# The tool that compiles the lock (only `make lock` uses it).
UV := uv==0.13.9

.PHONY: help install lock lint test test-fast bench demo screenshots clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python  ## Create .venv with the exact versions of the lock file, then conum-geo (editable)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

lock: $(BIN)/python  ## Recompile the lock file from pyproject.toml (newest versions the ranges allow)
	$(BIN)/python -m pip install --quiet "$(UV)"
	$(BIN)/uv pip compile pyproject.toml --extra all --extra test --python-version 3.11 \
	    --generate-hashes --upgrade --index-url https://pypi.org/simple -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra all --extra test --extra bench --python-version 3.11 \
	    --generate-hashes -c $(LOCK) --index-url https://pypi.org/simple -o $(BENCH_LOCK)

lint:  ## ruff (lint and imports) and mypy on the package
	$(BIN)/ruff check conum_geo tests benchmarks docs
	$(BIN)/mypy

test:  ## Run the test suite (tests needing ../shared/data or Chromium skip when absent)
	@# pytest exits 5 when it collected no test: report it as the failure it is.
	@$(BIN)/python -m pytest -n 2 -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$status

test-fast:  ## The suite without browser and slow tests
	$(BIN)/python -m pytest -n 2 -q -m "not browser and not slow"

bench: $(BIN)/python  ## Install the comparisons' libraries (bench lock), run the benchmarks (département size; BENCHMARKS.md for France)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(BENCH_LOCK)
	$(BIN)/python benchmarks/bench_engine.py --size dept --json
	$(BIN)/python benchmarks/bench_scenarios.py --json

screenshots:  ## The README's pictures from the demo into out/screenshots, compared with docs/img (UPDATE=1 replaces them)
	$(BIN)/python docs/make_screenshots.py $(if $(UPDATE),--update)

demo:  ## The main job on the embedded Nièvre demo, files in out/58
	$(BIN)/conum-geo gaps --dept 58 --out out/58

clean:  ## Remove the virtual environment and outputs
	rm -rf $(VENV) out .pytest_cache
