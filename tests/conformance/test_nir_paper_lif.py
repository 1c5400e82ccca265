"""The NIR paper's single-LIF task (tests/golden/nir-paper-lif, from neuromorphs/NIR) on every float runner.

Each platform's trace differs from the others; each difference is reproduced by choosing the
execution profile that states what the platform does:

* ``lif_norse.csv``: forward Euler (``v += dt/tau (v_leak - v + r x)``), reset to zero;
* ``lif_lava_cpu_float.csv``: the same Euler step plus Lava's one-step Dense latency
  (``synapse_latency=1``): every spike comes one step later;
* ``lif_exact.csv``: the exact solution with the input held over each step (``integration="exact"``)
  and reset by subtraction. Before the first spike it matches to 1e-13; at a spike the event-driven
  solution resets at the crossing time inside the step, a time-stepped simulator at the step's end,
  which leaves a residual below 7e-4 (0.7 % of threshold) that decays with tau.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir

from .runners import FLOAT_RUNNERS, PaperRunner

CASES = {
    "norse": ("lif_norse.csv", ir.Profile(dt=1e-4, integration="euler", reset="zero")),
    "lava_float": ("lif_lava_cpu_float.csv", ir.Profile(dt=1e-4, integration="euler", reset="zero", synapse_latency=1)),
    "exact": ("lif_exact.csv", ir.Profile(dt=1e-4, integration="exact", reset="subtract")),
}


def _load(folder: Path, csv: str, profile: ir.Profile) -> tuple[ir.Graph, np.ndarray]:
    graph = ir.read(folder / "lif_norse.nir", profile=profile)
    data = np.loadtxt(folder / csv, delimiter=",")
    return graph, data


@pytest.mark.parametrize("runner_name", sorted(FLOAT_RUNNERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_platform_trace_reproduced_by_profile(case: str, runner_name: str, nir_paper_lif: Path) -> None:
    csv, profile = CASES[case]
    graph, data = _load(nir_paper_lif, csv, profile)
    runner: PaperRunner = FLOAT_RUNNERS[runner_name]
    z, v = runner(graph, data[:, 0].reshape(-1, 1, 1), "1")
    z, v = z[:, 0, 0], v[:, 0, 0]
    np.testing.assert_array_equal(np.nonzero(z)[0], np.nonzero(data[:, 2])[0])
    if case == "exact":
        first = int(np.nonzero(data[:, 2])[0][0])
        np.testing.assert_allclose(v[:first], data[:first, 1], rtol=0, atol=1e-12)
        assert np.abs(v - data[:, 1]).max() < 7e-4
    else:
        np.testing.assert_allclose(v, data[:, 1], rtol=0, atol=1e-6)  # the CSVs hold float32 values


def test_rockpool_file_reads_with_a_clear_warning(nir_paper_lif: Path) -> None:
    with pytest.warns(ir.NIRCompatWarning, match=r"Output 'output' declares shape \(1, 1, 1\) but receives \(1,\)"):
        graph = ir.read(nir_paper_lif / "lif_rockpool.nir", profile=ir.Profile(dt=1e-4))
    lif = next(n for n in graph.nodes.values() if isinstance(n, ir.LIF))
    assert lif.r[0] == pytest.approx(24.019737, rel=1e-6)


@pytest.mark.parametrize("runner_name", sorted(FLOAT_RUNNERS))
def test_two_lif_chain_fires_at_the_analytic_period(runner_name: str, nir_paper_lif: Path) -> None:
    """lif1 has v_leak=1.2 > v_th=1: it fires on its own every ceil(tau ln 6 / dt) steps (reset to 0)."""
    prof = ir.Profile(dt=1e-4, integration="exact", reset="zero")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph = ir.read(nir_paper_lif / "two_lif_neurons.nir", profile=prof)
    z, v = FLOAT_RUNNERS[runner_name](graph, np.zeros((1000, 1, 1)), "lif1")
    spikes = np.nonzero(v[:, 0, 0] == 0.0)[0]
    period = int(np.ceil(0.01 * np.log(6.0) / 1e-4 - 1e-9))
    assert np.diff(spikes).tolist() == [period] * (len(spikes) - 1)
    assert len(spikes) >= 4
