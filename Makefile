# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest infra-check audit-deps migrate playground demo-as demo-beside lock bench clean

# The locked Node.js (linked into .venv/bin by the bootstrap) comes first on every recipe's PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

$(STAMP): requirements/lock.txt pyproject.toml scripts/bootstrap_venv.sh
	scripts/bootstrap_venv.sh $(PYTHON)
	touch $(STAMP)

node_modules/.installed: $(STAMP) package.json package-lock.json
	$(VENV)/bin/npm ci --no-audit --no-fund --loglevel=error
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

## demo-as: with `make run` going, restart only the playground as USER (priya, tom, ewa, sam,
## grace, daniel); the bot keeps its state. Reload the page afterwards.
demo-as: $(STAMP) node_modules/.installed
	$(PY) scripts/playground_as.py $(USER)

## demo-beside: with `make run` going, a second playground as USER on port 56151, same bot:
## the bot's next posts in the channel go to the page that posted there last.
demo-beside: $(STAMP) node_modules/.installed
	$(PY) scripts/playground_as.py --beside $(USER)

## lock: re-resolve requirements/lock.txt (everything, for development and CI) and
## requirements/runtime.txt (what the container installs: the same versions, no dev tools)
LOCK_FLAGS := --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url \
	--no-emit-find-links
lock: $(STAMP)
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --extra dev --extra azure -o requirements/lock.txt pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --extra azure -c requirements/lock.txt \
		-o requirements/runtime.txt pyproject.toml

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules var .mypy_cache .ruff_cache .pytest_cache
