# neurokit developer entry points. `make demo` and `make test` are the README's two commands;
# both create the virtual environments they need on a fresh machine.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.neurokit-installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install lava demo test test-slow docs bench clean

# The main environment: pinned versions (torch CPU build from this machine's wheel cache, no
# torchvision: norse only needs it for its example tasks), then neurokit itself without re-resolving.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import neurokit, torch, norse, nir, numba, tonic, h5py"
	touch $(STAMP)

install: $(STAMP)

# The Lava runtime for the Loihi 2 backend: Python 3.10 + lava-nc 0.10 + lava-dl 0.6 in .venv-lava
# (idempotent; changed pins update it in place).
lava: $(STAMP)
	$(BIN)/neurokit backends install loihi2

# Main job on the embedded default dataset: train -> convert -> deploy to every target -> HIL report.
demo: install lava
	$(BIN)/neurokit pipeline --out runs/demo

# The test suite as CI runs it (reduced sizes; the Lava bit-exactness tests must not skip).
test: install lava
	NEUROKIT_REQUIRE_LAVA=1 $(BIN)/python -m pytest -q -m "not slow"

# Full-size cases (benchmark-sized, slower).
test-slow: install lava
	NEUROKIT_REQUIRE_LAVA=1 $(BIN)/python -m pytest -q -m slow

clean:
	rm -rf $(VENV) .venv-lava runs .pytest_cache .hypothesis
