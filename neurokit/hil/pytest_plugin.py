"""pytest plugin: ``pytest --hil=loihi2,spinnaker`` gives tests an ``hil`` fixture that runs a
model on those targets and asserts agreement with each target's own numeric mode (and, where
asked, with the float model).

    def test_my_model_deploys(hil):
        hil.assert_agreement(graph, inputs, min_agreement=1.0, min_float_agreement=0.95)

Without ``--hil`` the fixture's tests are skipped with a message naming the option (there is no
target to run on). Registered through the ``pytest11`` entry point of the neurokit package.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from neurokit.ir import Graph


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("neurokit", "neurokit hardware-in-the-loop")
    group.addoption("--hil", default="", metavar="TARGETS",
                    help="comma-separated targets for the `hil` fixture (e.g. loihi2,spinnaker,crossbar)")
    group.addoption("--hil-timeout", type=float, default=600.0, help="seconds per board run (default 600)")


@dataclass
class HilFixture:
    """Runs models on the selected targets and asserts agreement."""

    targets: list[str]
    timeout_s: float

    def run(self, graph: Graph, inputs: np.ndarray, **kw: object):  # noqa: ANN201 - returns HilReport
        from .harness import run_hil

        with tempfile.TemporaryDirectory(prefix="neurokit-hil-") as tmp:
            return run_hil(graph, self.targets, inputs, out_dir=Path(tmp), timeout_s=self.timeout_s, **kw)  # type: ignore[arg-type]

    def assert_agreement(self, graph: Graph, inputs: np.ndarray, *, min_agreement: float = 1.0,
                         min_float_agreement: float | None = None, **kw: object):  # noqa: ANN201
        """Fail with the first divergence of every target whose spike agreement with its own numeric
        mode is below ``min_agreement`` or, where given, whose agreement with the float model is
        below ``min_float_agreement``."""
        report = self.run(graph, inputs, **kw)
        bounds = (("own_mode", "own-mode", min_agreement), ("float_model", "float", min_float_agreement))
        bad = []
        for t in report.targets:
            if t.status != "ok":
                bad.append(f"{t.target}: status={t.status} {t.error}".strip())
                continue
            for key, label, bound in bounds:
                seam = getattr(t, key)
                if bound is not None and seam is not None and seam.spike_agreement < bound:
                    bad.append(f"{t.target}: {label} agreement={seam.spike_agreement:.4f} < {bound} "
                               f"first divergence={seam.first_divergence}")
        if bad:
            pytest.fail("hardware-in-the-loop disagreement:\n" + "\n".join(bad), pytrace=False)
        return report


@pytest.fixture
def hil(request: pytest.FixtureRequest) -> HilFixture:
    """The ``--hil`` targets as a :class:`HilFixture`."""
    targets = [t.strip() for t in str(request.config.getoption("--hil")).split(",") if t.strip()]
    if not targets:
        pytest.skip("no hardware-in-the-loop targets: run pytest with --hil=TARGETS")
    return HilFixture(targets=targets, timeout_s=float(request.config.getoption("--hil-timeout")))
