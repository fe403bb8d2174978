# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest infra-check audit-deps migrate playground lock bench clean

$(STAMP): requirements/lock.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

## run: install, migrate, then serve the bot and the Agents Playground together
run: $(STAMP) node_modules/.installed
	$(PY) app.py migrate
	$(PY) app.py dev

## test: install, then lint, type-check and run the whole suite
test: $(STAMP) lint typecheck pytest infra-check audit-deps

## infra-check: checkov on the Bicep and Dockerfile, hadolint on the Dockerfile (own tool venv)
infra-check:
	infra/check.sh

## audit-deps: known vulnerabilities with a fix in the lock (a visible SKIP when no database answers)
audit-deps: $(STAMP)
	scripts/audit_deps.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

pytest: $(STAMP) node_modules/.installed
	$(VENV)/bin/pytest -q -rs

playground: $(STAMP) node_modules/.installed
	$(VENV)/bin/pytest -q -rs -m playground

migrate: $(STAMP)
	$(PY) app.py migrate

lock: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements/lock.txt pyproject.toml

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules var .mypy_cache .ruff_cache .pytest_cache
