# The two front-door commands: `make dev` and `make test` (and `make bench`). All create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
# The benchmark's stand-ins for Lambda's runtime: boto3 + Powertools only (bench/runtime-requirements.txt).
LAMBDA_VENV := bench/.venv-lambda
LAMBDA_VENV313 := bench/.venv-lambda313
PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
export SAM_CLI_TELEMETRY := 0

.PHONY: dev test lint typecheck cfn checkov forms-check sam-build unit bench sam-validate screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "toiawase needs Python 3.11 or newer (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## dev: the local endpoint, the example site and the mail preview (/_mail) on http://127.0.0.1:3000,
## with embedded SES (moto). SES=real sends through real SES.
dev: $(STAMP)
	$(BIN)/toiawase dev $(if $(filter real,$(SES)),--real-ses,)

## test: lint, type-check, validate and policy-check the templates and the forms file, build the
## artifact with `sam build` (when Python 3.13 is found) and run every test.
test: lint typecheck cfn checkov forms-check sam-build unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Informational rules (-c I) too: a new finding fails the build.
cfn: $(STAMP)
	$(BIN)/cfn-lint $(SAM_TEMPLATES) --include-checks I

# Every suppression is in the template, next to the resource, with its reason (Metadata: checkov).
checkov: $(STAMP)
	$(BIN)/checkov --quiet --compact --skip-download --framework cloudformation $(addprefix -f ,$(SAM_TEMPLATES))

## sam-build: the deployment artifact, as `sam deploy` ships it (BuildMethod: makefile →
## functions/Makefile → infra/build_function.py), with Lambda's Python 3.13 first on PATH.
sam-build: $(SAM_VENV)/bin/sam
ifeq ($(PYTHON313),)
	@echo "sam-build: SKIPPED - no Python 3.13 (Lambda's runtime) found, so no .pyc it could load; tests/integration/test_artifact.py builds with $(PYTHON) instead"
else
	PATH="$(dir $(PYTHON313)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml
endif

$(SAM_VENV)/bin/sam:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli

## forms-check: the forms file against forms.schema.json and the rules a schema cannot express.
forms-check: $(STAMP)
	$(BIN)/toiawase forms check forms.yaml

unit: $(STAMP)
	$(BIN)/pytest

## screenshots: run the browser tests (they must run, not skip) and refresh the README's screenshots.
screenshots: $(STAMP)
	CI=true $(BIN)/pytest tests/e2e
	mkdir -p docs/screenshots
	cp test-artifacts/form-filled.png docs/screenshots/form.png
	cp test-artifacts/preview-message.png docs/screenshots/preview.png

## bench: cold start vs its floor, warm latency, memory, artifact size, price per 1,000; one table,
## and bench/results/latest.json. Also measures Python 3.13 (Lambda's runtime) when PYTHON313 exists.
## It runs `sam build` (aws-sam-cli from .venv-sam, Python 3.13 first on PATH) and measures
## .aws-sam/build/<Function> with the template's default configuration; without them, it says so.
bench: $(STAMP) $(SAM_VENV)/bin/sam $(if $(PYTHON313),$(LAMBDA_VENV313)/.installed,$(LAMBDA_VENV)/.installed)
	$(BIN)/python -m bench $(BENCH_ARGS)

$(SAM_VENV)/bin/sam:
	test -x $(SAM_VENV)/bin/sam || ($(PYTHON) -m venv $(SAM_VENV) && $(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli)

$(LAMBDA_VENV)/.installed: bench/runtime-requirements.txt
	test -x $(LAMBDA_VENV)/bin/python || $(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/runtime-requirements.txt
	touch $@

$(LAMBDA_VENV313)/.installed: bench/runtime-requirements.txt
	test -x $(LAMBDA_VENV313)/bin/python || $(PYTHON313) -m venv $(LAMBDA_VENV313)
	$(LAMBDA_VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/runtime-requirements.txt
	touch $@

## sam-validate: `sam validate` and `sam validate --lint` from a separate tool virtualenv (aws-sam-cli pins its own boto3),
## for template.yaml and every infra/*.yaml (plain CloudFormation such as infra/identity.yaml needs no Transform).
SAM_TEMPLATES := template.yaml $(wildcard infra/*.yaml)
sam-validate: $(SAM_VENV)/bin/sam
	set -e; for template in $(SAM_TEMPLATES); do \
		$(SAM_VENV)/bin/sam validate --template $$template --region us-east-1; \
		$(SAM_VENV)/bin/sam validate --template $$template --region us-east-1 --lint; \
	done

clean:
	rm -rf $(VENV) $(SAM_VENV) $(LAMBDA_VENV) $(LAMBDA_VENV313) .aws-sam build .mypy_cache .ruff_cache .pytest_cache test-artifacts
