PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov gets its own virtualenv: its pinned dependencies would change the project's
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: install run test check lint format package bench job token clean openapi

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade 'pip<26.3'
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m local.run

test: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

check: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy chalicelib
	$(BIN)/python -m pytest -n 2 --dist loadgroup

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: $(STAMP)
	$(BIN)/python -m chalicelib.openapi --write
	$(BIN)/python -m chalicelib.route_table --write

package: $(STAMP)
	rm -rf out && AWS_DEFAULT_REGION=ap-southeast-3 $(BIN)/chalice package --stage prod --merge-template infra/resources.json out

# Run one scheduled job now against the running local stack: make job NAME=transfer_reminders
job: $(STAMP)
	$(BIN)/python -m local.job $(NAME)

# Mint a dev token for the running local stack: make token ROLE=school_operator SUB=op-x NPSN=20606910
token: $(STAMP)
	$(BIN)/python -m local.token --role $(ROLE) --sub $(SUB) $(if $(NPSN),--npsn $(NPSN),)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.cold_start
	$(BIN)/python -m benchmarks.dynamodb_calls
	$(BIN)/python -m benchmarks.package_size
	$(BIN)/python -m benchmarks.allocation

clean:
	rm -rf out build .pytest_cache .mypy_cache .ruff_cache
