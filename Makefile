# Node 24 comes from the node@24 devDependency: put it first on PATH so every recipe runs on it,
# whatever Node the machine has.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
SHELL := /bin/bash
NODE := $(CURDIR)/node_modules/.bin/node
DEV_DIR := $(CURDIR)/.dev
KUBECONFIG_DEV := $(DEV_DIR)/kubeconfig

.PHONY: all deps tools build generate lint test test-unit test-integration bench cluster-up cluster-down dev dev-down clean

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

## Build (once per machine, cached outside the repo) etcd, kube-apiserver, kube-controller-manager, kubectl, helm.
tools:
	@hack/tools.sh build

build: deps
	tsc -p tsconfig.json

## Regenerate crds/ and the Helm chart's copy from the schema in src/api.
generate: build
	$(NODE) dist/src/api/generate-crds.js

lint: deps
	eslint .
	prettier --check .

test-unit: build
	mocha --config test/.mocharc.unit.json

test-integration: build tools
	mocha --config test/.mocharc.integration.json

## Everything CI runs.
test: lint test-unit test-integration

bench: build tools
	$(NODE) dist/bench/run.js
	$(NODE) --expose-gc --no-flush-bytecode dist/bench/operator.js

cluster-up: build tools
	$(NODE) dist/test/harness/cluster-cli.js up --dir $(DEV_DIR)/cluster

cluster-down:
	@if [ -f dist/test/harness/cluster-cli.js ]; then $(NODE) dist/test/harness/cluster-cli.js down --dir $(DEV_DIR)/cluster; fi

## Local control plane, CRDs, the operator and the example, then what the operator made of it.
dev: build tools
	hack/dev.sh

dev-down:
	@if [ -f dist/test/harness/cluster-cli.js ]; then hack/dev.sh down; fi

clean: dev-down
	rm -rf dist $(DEV_DIR)
