# MindConverter developer commands. Every target creates the venv and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test test-python test-fast test-vscode test-vscode-e2e lint conformance fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev,tf]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Convert the bundled example model and show the verification result.
demo: $(STAMP)
	$(VENV)/bin/mindconverter --model_file examples/small_cnn.onnx --shape 1,3,64,64 \
		--input_nodes image --output_nodes probs --output examples/output --overwrite

## Everything CI runs: Python tests, then the VS Code extension's checks.
test: test-python test-vscode

test-python: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

## Unit tests only (no MindSpore numerics, no subprocess end-to-end tests).
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not numerics and not e2e and not slow"

test-vscode:
	bash editors/vscode/scripts/ci.sh

## The extension in a real VS Code (code-server + headless Chromium; installs Debian packages
## as root on first use, about 5 minutes from scratch). CI runs it after `make test`.
test-vscode-e2e: $(STAMP)
	E2E_PYTHON=$(abspath $(PY)) bash editors/vscode/scripts/e2e.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check mindconverter converter mappings server tests benchmarks
	$(VENV)/bin/mypy mindconverter converter mappings server

## The full ONNX node conformance suite, one line per case.
conformance: $(STAMP)
	$(PY) -m mindconverter.converter.graph.conformance

## Longer fuzzing run of the same properties (CI runs a bounded budget).
fuzz: $(STAMP)
	MINDCONVERTER_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q tests/reliability/test_fuzz_models.py tests/ast/test_ast_property.py

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) examples/output .pytest_cache
