"""The conformance suite's one Lava launch per session (real Lava is slow to start: ~10 s of imports)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurokit.errors import NeurokitError

from .cases import CASES
from .matrix import _case_data
from .runners import LavaBatch


@pytest.fixture(scope="session")
def lava(nir_paper_lif: Path, lava_runtime: None) -> Iterator[LavaBatch]:
    """Every matrix case the Loihi 2 lowering accepts, and the NIR paper's Lava fixed-point neuron
    (:func:`tests.conformance.paper.paper_loihi_job`), run in real Lava in ONE launch."""
    from .paper import PAPER_LAVA_JOB, paper_loihi_job

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The coverage of the matrix run in this session: per implementation, cells passed and refused
    (failed cells are the session's failures; ``tools/conformance_table.py`` writes the full table)."""
    from .matrix import JUDGED
    from .runners import IMPLEMENTATIONS

    if not JUDGED:
        return
    terminalreporter.section("conformance matrix")
    for impl in IMPLEMENTATIONS:
        cells = [c for (i, _), c in JUDGED.items() if i == impl]
        passed = sum(c.outcome == "pass" for c in cells)
        terminalreporter.write_line(f"{impl:<20} {passed:>3} pass  {len(cells) - passed:>3} refused  "
                                    f"({len(CASES) - len(cells)} failed or not run)")
