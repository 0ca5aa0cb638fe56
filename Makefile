# Day-to-day commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM ?= npm

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

.PHONY: help install demo test typecheck unit features sim engine bench e2e e2e-external doctor

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'

install: node_modules/.package-lock.json ## install dependencies (npm ci)

demo: install ## one whole simulated call: no Asterisk, no API key
	$(NPM) run --silent demo

test: install ## type check, unit/integration tests, and the Gherkin features on the simulator
	$(NPM) run --silent typecheck
	$(NPM) run --silent test
	$(NPM) run --silent features

typecheck: install ## TypeScript, strict
	$(NPM) run --silent typecheck

unit: install ## vitest only
	$(NPM) run --silent test

features: install ## the Gherkin features against the simulator (E2E_TARGET=sim)
	$(NPM) run --silent features

sim: install ## the fake Asterisk: ARI on 127.0.0.1:8088, AudioSocket client side
	$(NPM) run --silent sim

engine: install ## the engine, with config/ai-agent.yaml
	$(NPM) run --silent engine

bench: install ## benchmarks: codec, simulator load, engine load, response times
	$(NPM) run --silent bench

e2e: install ## the features against a dockerized Asterisk (skips when no Docker engine)
	E2E_TARGET=docker $(NPM) run --silent features

e2e-external: install ## the features against a running Asterisk (ASTERISK_ARI_URL, ...)
	E2E_TARGET=external $(NPM) run --silent features

doctor: install ## pre-flight checks against a live Asterisk
	$(NPM) run --silent doctor

-include mk/ops.mk
