"""A large sparse net on NEST with threads: the lowering's connection arrays (no per-neuron Python
loop) at about a million synapses (slow) and at 100k (CI), spikes equal to neurokit's float64 model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.nest.lower import nest_float_graph


def sparse_net(n_in: int, n: int, p: float, seed: int = 0) -> ir.Graph:
    """``Input(n_in) -> SparseLinear`` (each pair connected with probability ``p``, delays 0-3 steps)
    ``-> LIF(n)``, per-neuron time constants, weights scaled by the fan-in."""
    rng = np.random.default_rng(seed)
    scale = 50.0 / (p * n_in)  # the same input statistics per neuron at every size
    per_pre = rng.binomial(n, p, n_in)
    indptr = np.concatenate([[0], np.cumsum(per_pre)])
    indices = np.concatenate([np.sort(rng.choice(n, k, replace=False)) for k in per_pre])
    syn = ir.SparseLinear(n_pre=n_in, n_post=n, indptr=indptr, indices=indices, weight=rng.normal(1.0, 3.0, indices.size) * scale,
                          delay=rng.integers(0, 4, indices.size) * 1e-3)
    lif = ir.LIF(tau=rng.uniform(0.01, 0.03, n), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n),
                 v_reset=np.zeros(n))
    return ir.Graph.sequential(syn, lif, names=["w", "lif"], profile=ir.Profile(dt=1e-3))


def run_and_compare(tmp_path: Path, n_in: int, n: int, p: float, steps: int) -> dict[str, int]:
    g = sparse_net(n_in, n, p)
    x = (np.random.default_rng(1).random((steps, 1, n_in)) < 0.05).astype(np.float64)
    be = get_backend("nest")
    art = be.lower(g, tmp_path / "a", {"threads": 2})
    rec = be.board(art).run(x, steps)
    ref = sim.simulate(nest_float_graph(g), x, steps)
    assert ref.spikes["lif"].sum() > steps * n // 20  # active: about 1 in 10 neurons per step
    np.testing.assert_array_equal(rec.spikes["lif"], ref.spikes["lif"])
    synapses = int(g.nodes["w"].weight.size)
    assert rec.meta["connections"] == synapses + n  # the synapses and one spike_recorder connection per neuron
    assert rec.meta["nest_threads"] == 2
    return {"synapses": synapses, "spikes": int(ref.spikes["lif"].sum())}


@pytest.mark.slow
def test_a_million_synapse_net_runs_on_two_nest_threads(tmp_path: Path, nest_runtime: None) -> None:
    figures = run_and_compare(tmp_path, 2000, 2000, 0.25, 100)
    assert figures["synapses"] > 990_000


def test_a_100k_synapse_net_runs_on_two_nest_threads(tmp_path: Path, nest_runtime: None) -> None:
    """The CI size of :func:`test_a_million_synapse_net_runs_on_two_nest_threads`."""
    figures = run_and_compare(tmp_path, 1000, 1000, 0.1, 60)
    assert figures["synapses"] > 95_000
