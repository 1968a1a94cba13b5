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

.PHONY: dev test lint typecheck cfn checkov forms-check sam-build unit bench sam-validate screenshots e2e-deployed clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "toiawase needs Python 3.11 or newer (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## dev: the local endpoint, the example site and the mail preview (/_mail) on http://127.0.0.1:3000,
## with embedded SES (moto). SES=real sends through real SES; LOGS=json shows the handler's JSON
## logs and EMF metric lines instead of one line per request.
dev: $(STAMP)
	$(BIN)/toiawase dev $(if $(filter real,$(SES)),--real-ses,) $(if $(LOGS),--logs $(LOGS),)

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

# aws-sam-cli in its own virtualenv (it pins its own boto3), for sam-build, sam-validate and bench.
# The one rule for it: it runs only while bin/sam is missing, so aws-sam-cli is installed once, and
# a half-made venv (python there, sam not) is repaired rather than made again.
$(SAM_VENV)/bin/sam:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check aws-sam-cli

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

## e2e-deployed: the end-to-end suite (HTTP and browser) against a deployed stack: TOIAWASE_URL
## (the stack's ApiEndpoint output). The browser tests serve examples/site on
## http://127.0.0.1:PORT (TOIAWASE_SITE_PORT, default 3001), which must be one of the stack's
## AllowedOrigins; TOIAWASE_ORIGIN (default that origin) is the Origin of the HTTP checks. Mail
## arrival is judged by the status endpoint and, with TOIAWASE_STACK (and TOIAWASE_REGION), by the
## submission's row in the stack's table. Dev-only tests, and browser tests without Chromium, are
## skipped with the reason. Without TOIAWASE_URL it says why and does nothing.
e2e-deployed: $(STAMP)
	@if [ -z "$(TOIAWASE_URL)" ]; then \
		echo "e2e-deployed skipped: no TOIAWASE_URL given (make e2e-deployed TOIAWASE_URL=https://ID.execute-api.REGION.amazonaws.com TOIAWASE_STACK=toiawase-test; allow http://127.0.0.1:3001 in the stack's AllowedOrigins)"; \
	else \
		if [ -z "$(TOIAWASE_STACK)" ]; then echo "e2e-deployed: no TOIAWASE_STACK, so mail arrival is judged by the status endpoint alone (not the stack's table)"; fi; \
		chromium="$${TOIAWASE_CHROMIUM:-/usr/bin/chromium}"; \
		if [ ! -x "$$chromium" ]; then echo "e2e-deployed: no Chromium at $$chromium, so the browser tests are skipped (apt-get install -y chromium fonts-noto-cjk)"; fi; \
		TOIAWASE_URL="$(TOIAWASE_URL)" TOIAWASE_ORIGIN="$(TOIAWASE_ORIGIN)" \
		TOIAWASE_STACK="$(TOIAWASE_STACK)" TOIAWASE_REGION="$(TOIAWASE_REGION)" \
		TOIAWASE_SITE_PORT="$(TOIAWASE_SITE_PORT)" $(BIN)/pytest tests/e2e; \
	fi

## bench: cold start vs its floor, warm latency, memory, artifact size, price per 1,000; one table,
## and bench/results/latest.json. Also measures Python 3.13 (Lambda's runtime) when PYTHON313 exists.
## It runs `sam build` (aws-sam-cli from .venv-sam, Python 3.13 first on PATH) and measures
## .aws-sam/build/<Function> with the template's default configuration; without them, it says so.
bench: $(STAMP) $(SAM_VENV)/bin/sam $(if $(PYTHON313),$(LAMBDA_VENV313)/.installed,$(LAMBDA_VENV)/.installed)
	$(BIN)/python -m bench $(BENCH_ARGS)

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
