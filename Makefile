# neurokit developer entry points. `make demo` and `make test` are the README's two commands;
# both create the virtual environments they need on a fresh machine.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.neurokit-installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lava pynn-nest gpu demo test test-slow docs bench clean

# The main environment: pinned versions (torch CPU build from this machine's wheel cache, no
# torchvision: norse only needs it for its example tasks), then neurokit itself without re-resolving.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import neurokit, torch, norse, nir, numba, tonic, h5py, onnx, tensorboardX"
	touch $(STAMP)

install: $(STAMP)

# The Lava runtime for the Loihi 2 backend: Python 3.10 + lava-nc 0.10 + lava-dl 0.6 in .venv-lava
# (idempotent; changed pins update it in place).
lava: $(STAMP)
	$(BIN)/neurokit backends install loihi2

# NEST 3.10 + PyNN 0.13 for the PyNN export's test (about 12 s and 315 MB from PyPI wheels; idempotent).
NEST_STAMP := .venv-nest/.neurokit-nest-3.10.0-pynn-0.13.0
$(NEST_STAMP):
	test -x .venv-nest/bin/python || $(PYTHON) -m venv .venv-nest
	.venv-nest/bin/pip install -q "nest-simulator==3.10.0" "pyNN==0.13.0" 2>&1 | grep -v "is ignored" || true
	.venv-nest/bin/python -c "import nest, pyNN.nest"
	touch $(NEST_STAMP)

pynn-nest: $(NEST_STAMP)

# Triton for the GPU LIF kernel (the `gpu` extra); the tests run it in Triton's interpreter on CPU.
# About 5 s and 1.0 GB on disk (a 273 MiB wheel, mostly CUDA/ROCm compiler parts the interpreter does not use).
TRITON_STAMP := $(VENV)/.neurokit-triton-3.9.0
$(TRITON_STAMP): $(STAMP)
	$(BIN)/pip install -q "triton==3.9.0" 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import triton"
	touch $(TRITON_STAMP)

gpu: $(TRITON_STAMP)

# Main job on the embedded default dataset: train -> convert -> deploy to every target -> HIL report.
demo: install lava
	$(BIN)/neurokit pipeline --out runs/demo

# The test suite as CI runs it (reduced sizes; the Lava bit-exactness tests must not skip).
test: install lava pynn-nest gpu
	NEUROKIT_NEST_PYTHON=$(CURDIR)/.venv-nest/bin/python NEUROKIT_REQUIRE_LAVA=1 NEUROKIT_REQUIRE_TRITON=1 $(BIN)/python -m pytest -q -m "not slow"

# Full-size cases (benchmark-sized, slower).
test-slow: install lava
	NEUROKIT_REQUIRE_LAVA=1 $(BIN)/python -m pytest -q -m slow

clean:
	rm -rf $(VENV) .venv-lava runs .pytest_cache .hypothesis
