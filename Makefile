# perfanalysis: the two commands of the README's Quick start, and the steps behind them.
#   make report   set up .venv and publish the Lincolnshire Q4 2017/18 pack
#   make test     set up .venv (and Chromium for the browser tests) and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pytest keeps each test module's rewritten bytecode in tests/__pycache__ only when Python may
# write bytecode; where PYTHONDONTWRITEBYTECODE is set (our CI machines) every worker would
# rewrite every module on every run.
KEEP_PYTEST_CACHE := env -u PYTHONDONTWRITEBYTECODE

.PHONY: report test test-fast lint lock chromium bench clean wheel bytecode

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24" "setuptools>=69" wheel
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The package's bytecode, written once: an editable install compiles nothing, and where
# PYTHONDONTWRITEBYTECODE is set (as on our CI machines) every process, kernel and test worker
# would compile the package again (about 0.1 s each). Stale files are recompiled; cheap when not.
bytecode: $(STAMP)
	@$(PY) -m compileall -q perfanalysis >/dev/null

report: $(STAMP) bytecode
	$(VENV)/bin/perfanalysis run parameters/lincolnshire-2017-18-q4.yaml

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null; }
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq poppler-utils >/dev/null; }

# Tests run in parallel (pytest-xdist, one worker per core); tests that share a pack or a module
# fixture run on one worker (tests/conftest.py groups them), so no pack is published twice.
PYTEST_PARALLEL ?= -n auto --dist loadgroup

test: $(STAMP) bytecode chromium
	$(KEEP_PYTEST_CACHE) $(PY) -m pytest $(PYTEST_PARALLEL)

# The quick unit tests alone, for a developer at work: not the notebook and browser tests, nor
# the unit tests that are slow by nature (marked `slow`). `make test` runs every test.
test-fast: $(STAMP) bytecode
	PERFANALYSIS_QUICK_PROPERTIES=1 $(KEEP_PYTEST_CACHE) $(PY) -m pytest $(PYTEST_PARALLEL) -m "not notebook and not browser and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check perfanalysis tests bench data
	$(VENV)/bin/ruff format --check perfanalysis tests bench data

# Re-pin every dependency (run after changing pyproject.toml), then commit requirements.lock.
lock: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
	  --output-file requirements.lock pyproject.toml

# A wheel that carries the notebooks, suites, templates and styles (dist/perfanalysis-*.whl);
# install it with `pip install -r requirements.lock && pip install --no-deps dist/*.whl`.
wheel: $(STAMP)
	$(PY) -m pip wheel . --no-deps --no-build-isolation --quiet -w dist

bench: $(STAMP) bytecode
	$(PY) bench/assess.py

clean:
	rm -rf $(VENV) reports/*/ .pytest_cache build dist
