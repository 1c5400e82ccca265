"""A plain LIF with two or three input edges (CUBA's shape: an input that ends, and two conductance
nodes on loop edges) sums its inputs inside its integration loop: the same numbers as the reference."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.dynamics import run_reference


def _cuba_like(n: int, uniform: bool, integration: str, rng: np.random.Generator) -> ir.Graph:
    def full(value: float) -> np.ndarray:
        return np.full(n, value) if uniform else value * rng.uniform(0.8, 1.2, n)
    lif = ir.LIF(tau=full(0.02), r=full(1.0), v_leak=full(0.6), v_threshold=full(0.5), v_reset=full(-0.1),
                 t_refrac=np.full(n, 3e-3))
    nodes = {"in": ir.Input(shape=(n,)), "P": lif,
             "Ce": ir.SparseLinear.from_dense(np.where(rng.random((n, n)) < 0.2, 0.6, 0.0)),
             "Ci": ir.SparseLinear.from_dense(np.where(rng.random((n, n)) < 0.2, -0.9, 0.0)),
             "ge": ir.LI(tau=np.full(n, 5e-3), r=np.ones(n), v_leak=np.zeros(n)),
             "gi": ir.LI(tau=np.full(n, 1e-2), r=np.ones(n), v_leak=np.zeros(n)), "out": ir.Output(shape=(n,))}
    edges = (("in", "P"), ("P", "Ce"), ("P", "Ci"), ("Ce", "ge"), ("Ci", "gi"), ("ge", "P"), ("gi", "P"), ("P", "out"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3, integration=integration, reset="zero"))


@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("integration", ["exact", "euler"])
def test_lif_with_summed_inputs_matches_the_reference(uniform: bool, integration: str) -> None:
    rng = np.random.default_rng(5)
    g = _cuba_like(30, uniform, integration, rng)
    x = (rng.random((4, 2, 30)) < 0.5) * 2.0  # the input ends after 4 of the 60 steps: then two edges remain; v_leak above threshold keeps it firing
    rec = sim.simulate(g, x, 60, record=("spikes", "v"))
    ref = run_reference(g, x, 60, record=("P",))
    np.testing.assert_array_equal(rec.spikes["P"], ref.node_outputs["P"] > 0.5)
    assert 20 < rec.spikes["P"][10:].sum() < rec.spikes["P"][10:].size // 2  # firing, not saturated
    np.testing.assert_allclose(rec.traces["P"]["v"], ref.states["P"]["v"], rtol=1e-12, atol=1e-12)
