# clusterflow: every target sets up what it needs by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

ASSETS := web/static/vendor/.copied

.PHONY: run test bench venv assets wheel clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	@touch $(STAMP)

venv: $(STAMP)

# front-end packages from npm, served by the app itself (never from a CDN)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(ASSETS): node_modules/.package-lock.json $(STAMP) web/assets.py
	$(BIN)/python -m web.assets
	@touch $(ASSETS)

assets: $(ASSETS)

## make run: create the embedded database with demo data and serve on 127.0.0.1, with a worker for timers
run: $(STAMP) $(ASSETS)
	$(BIN)/clusterflow db upgrade
	$(BIN)/clusterflow demo
	$(BIN)/clusterflow serve --worker

## make test: the whole suite (PostgreSQL tests start their own server), on PYTEST_WORKERS processes
## (pytest-xdist; each starts its own PostgreSQL and Chromium); PYTEST_WORKERS=0 runs it in this process
PYTEST_WORKERS ?= 2
test: $(STAMP) $(ASSETS)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make bench: benchmarks, ratios against the raw engine (not tests)
bench: $(STAMP)
	$(BIN)/python -m bench

## make wheel: dist/clusterflow-*.whl, the whole product (vendor assets, compiled catalogues); needs npm
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) node_modules web/static/vendor instance .pytest_cache bench/results.json build dist
