# Quick start (see README.md):
#   make run    set up .venv, check and build data/, serve site + lookup API on 127.0.0.1:8000
#   make test   set up .venv with test extras, run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test check build sample bench golden clean

$(PY):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "需要 Python 3.11 或更高版本"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The main job.  The sample data is made with the demo key, so demo mode is on.
run: $(VENV)/.installed-run
	scripts/system-deps.sh run
	HUINONG_DEMO=1 $(PY) -m generator check
	HUINONG_DEMO=1 $(PY) -m generator build
	HUINONG_DEMO=1 $(PY) -m generator serve

test: $(VENV)/.installed-test
	scripts/system-deps.sh test
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

check: $(VENV)/.installed-run
	HUINONG_DEMO=1 $(PY) -m generator check

# Regenerate the committed sample data (regions, services, payments) from the fixed seed.
sample: $(VENV)/.installed-run
	HUINONG_DEMO=1 $(PY) -m generator.synth sample

# Regenerate the expected files of the golden tests.
golden: $(VENV)/.installed-test
	$(PY) -m tests.golden regenerate

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.installed-bench
	scripts/system-deps.sh bench
	HUINONG_DEMO=1 $(PY) -m benchmarks

clean:
	rm -rf $(VENV) public .public.builds reports .pytest_cache .hypothesis
