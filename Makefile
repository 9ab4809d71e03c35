# clusterflow: every target sets up what it needs by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench venv clean lint

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	@touch $(STAMP)

venv: $(STAMP)

## make run: create the embedded database with demo data and serve on 127.0.0.1
run: $(STAMP)
	$(BIN)/clusterflow db upgrade
	$(BIN)/clusterflow demo
	$(BIN)/clusterflow serve

## make test: the whole suite (PostgreSQL tests start their own server)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: benchmarks, ratios against the raw engine (not tests)
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache bench/results.json
