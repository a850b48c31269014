PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov gets its own virtualenv: its pinned dependencies would change the project's
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: install run test check lint format package bench job token clean openapi

PORT = 8000
# `T=$$(make token ...)` must capture the token alone: the recipes below are silent (@), the
# install step writes to stderr, and (GNU make >= 4.4) no "Entering directory" lines in sub-makes.
MAKEFLAGS += --no-print-directory

# Output on stderr, so that the stdout of `make token` / `make job` is theirs alone.
$(STAMP): requirements.txt requirements-dev.txt $(wildcard requirements-layer*.txt)
	@echo "installing into $(VENV) ..." >&2
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) >&2
	@$(BIN)/python -m pip install -q --upgrade 'pip<26.3' >&2
	@$(BIN)/python -m pip install -q -r requirements-dev.txt >&2
	@touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

install: $(STAMP)

# API on 127.0.0.1:$(PORT); another port: make run PORT=8001 (PORT=0: any free port)
run: $(STAMP)
	$(BIN)/python -m local.run --port $(PORT)

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

# deployment.zip (requirements.txt, every function) + out/layer-<name>.zip (requirements-layer-<name>.txt,
# attached per function in infra/resources.json): infra/layers.py builds the layers after chalice package
package: $(STAMP)
	rm -rf out && AWS_DEFAULT_REGION=ap-southeast-3 $(BIN)/chalice package --stage prod --merge-template infra/resources.json out
	$(BIN)/python infra/layers.py out

# Run one scheduled job now against the running local stack: make job NAME=transfer_reminders
job: $(STAMP)
	@$(BIN)/python -m local.job $(NAME)

# Mint a dev token for the running local stack: make token ROLE=school_operator SUB=op-x NPSN=20606910
# Prints the token only (T=$$(make token ROLE=parent SUB=me)).
token: $(STAMP)
	@$(BIN)/python -m local.token --role $(ROLE) --sub $(SUB) $(if $(NPSN),--npsn $(NPSN),)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.cold_start
	$(BIN)/python -m benchmarks.dynamodb_calls
	$(BIN)/python -m benchmarks.package_size
	$(BIN)/python -m benchmarks.allocation
	$(BIN)/python -m benchmarks.endpoint_durations

clean:
	rm -rf out build .pytest_cache .mypy_cache .ruff_cache
