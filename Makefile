# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow test-cluster lint bench bench-speed bench-scale eval clean

$(STAMP): pyproject.toml setup.py $(wildcard src/tamis/native/*.pyx)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tamis demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

# Batteries too long for `make test` (tests marked slow): hostile inputs at the issue's sizes, many mixes.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

# A real Ray cluster (a head and a second node started by `ray start`, one CPU each): about a minute.
test-cluster: $(STAMP)
	$(BIN)/python -m pytest -m ray_cluster

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench: $(STAMP)
	[ -x bench/.venv-datatrove/bin/python ] || bench/peers.sh
	$(BIN)/python bench/run.py

# Issue 15's targets in one run: null, default and annotate-and-filter pipelines against datatrove's
# filters and MinHash, docs/s and ratios, `tamis clean` start-up CPU (docs/speed.md).
bench-speed: $(STAMP)
	[ -x bench/.venv-datatrove/bin/python ] || bench/peers.sh
	$(BIN)/python bench/speed.py

# Issue 14's bench: local vs Ray executor, 1 vs 2 Ray nodes on this machine, per-stage costs, and
# their extrapolation to a 100 TB / 3-billion-page crawl on N nodes (docs/scaling.md).
bench-scale: $(STAMP)
	$(BIN)/python bench/scaling.py

# Quality against ground truth: repair (synthetic, and glued words on real pages), dedup, language ID
# (each prints its floors and exits 1 below them); the MT calibration refit equals the shipped file.
# All of them run even when one misses a floor; the target fails at the end if any did.
eval: $(STAMP)
	status=0; \
	$(BIN)/python bench/repair_quality.py || status=1; \
	$(BIN)/python bench/glued_real.py || status=1; \
	$(BIN)/python bench/dedup_quality.py || status=1; \
	$(BIN)/python bench/langid.py || status=1; \
	$(BIN)/python bench/mt_calibrate.py --check || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) build *.egg-info demo-output
