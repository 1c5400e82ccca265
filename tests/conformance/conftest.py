"""The conformance suite's one Lava launch per session (real Lava is slow to start: ~10 s of imports)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurokit.errors import NeurokitError

from .cases import CASES
from .matrix import _case_data
from .runners import LavaBatch


@pytest.fixture(scope="session")
def lava(nir_paper_lif: Path) -> Iterator[LavaBatch]:
    """Every matrix case the Loihi 2 lowering accepts, and the NIR paper's Lava fixed-point neuron
    (:func:`tests.conformance.paper.paper_loihi_job`), run in real Lava in ONE launch."""
    from neurokit.backends.loihi2.runtime import find_runtime

    from .paper import PAPER_LAVA_JOB, paper_loihi_job

    if find_runtime() is None:
        if os.environ.get("NEUROKIT_REQUIRE_LAVA"):
            pytest.fail("NEUROKIT_REQUIRE_LAVA is set but the Lava runtime is missing: run `make lava`")
        pytest.skip("Lava runtime not installed (run `make lava`); CI sets NEUROKIT_REQUIRE_LAVA so this cannot skip there")
    batch = LavaBatch()
    for case in CASES:
        graph, x = _case_data(case)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                batch.add(case, graph, x)
        except NeurokitError:
            continue  # refused by the lowering: the lava cell checks that refusal itself
    batch.add_layers(PAPER_LAVA_JOB, *paper_loihi_job(nir_paper_lif))
    batch.run_all()
    yield batch
    batch.close()
