# MatchPath developer commands. Only Python 3.11+ and make are needed; everything else is installed
# into .venv from the locked requirements.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

SANDBOX_ARGS ?=

.PHONY: setup sandbox demo test lint typecheck security audit check lock clean deploy-check

setup: $(STAMP)

# Set-ups started together (`make sandbox` and `make test` in a fresh clone) take turns on a lock
# file: the second waits, then make sees the first one's stamp and installs nothing. Without
# flock(1) (util-linux; not on macOS) set-up runs unlocked: start one at a time there.
SETUP_LOCK := $(VENV).lock
ifdef MATCHPATH_SETUP_LOCKED
$(STAMP): requirements.lock pyproject.toml
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@
else
$(STAMP): requirements.lock pyproject.toml
	$(if $(shell command -v flock),flock $(SETUP_LOCK)) $(MAKE) --no-print-directory MATCHPATH_SETUP_LOCKED=1 $@
endif

## Try MatchPath without Slack: a fake Slack, the real bot and a browser console on 127.0.0.1:8800.
sandbox: setup
	$(BIN)/matchpath sandbox $(SANDBOX_ARGS)

## The roster round trip on the embedded SQLite default: import the example roster, export one.
demo: setup
	rm -f demo.db
	MATCHPATH_DATABASE_URL=sqlite:///demo.db $(BIN)/matchpath import examples/roster.json
	MATCHPATH_DATABASE_URL=sqlite:///demo.db $(BIN)/matchpath export --mentee UMENTEE02

## The whole test suite (SQLite; PostgreSQL too when MATCHPATH_TEST_DATABASE_URL is set).
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

## Lint: ruff, and the import contracts in pyproject.toml (who may import whom; no cycles).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

## Security: bandit on the code (clean, exceptions justified inline); pip-audit on the lock file.
security: setup
	$(BIN)/bandit -q -c pyproject.toml -r app bot handlers sandbox

audit: security
	$(BIN)/pip-audit -r requirements.lock --progress-spinner off

check: lint typecheck security test

## The deploy files without a container runtime: hadolint, the Compose Specification's schema,
## and Caddy's own check of deploy/Caddyfile when caddy is installed (tests/test_deploy_files.py
## runs the same checks in `make test`).
deploy-check: setup
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
	if command -v caddy >/dev/null; then MATCHPATH_DOMAIN=example.org caddy validate \
		--adapter caddyfile --config deploy/Caddyfile; fi

## Re-resolve the locked dependencies after changing pyproject.toml; the container image's lock
## (no development tools) is cut from the same versions and hashes.
lock: setup
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
		--generate-hashes --constraint requirements.lock -o requirements-runtime.lock

clean:
	rm -rf $(VENV) $(SETUP_LOCK) demo.db .sandbox .pytest_cache .mypy_cache .ruff_cache \
		.import_linter_cache
