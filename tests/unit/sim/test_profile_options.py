"""The Numba kernels implement reset_timing, multi_spike and v_min exactly as the reference, for
every neuron type and every combination with the reset modes and integrations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.dynamics.reference import run_reference

from .test_against_reference import _neuron

KINDS = ("LIF", "IF", "CubaLIF", "LI", "CubaLI", "I")


def _recurrent(kind: str, prof: ir.Profile, n: int = 6) -> tuple[ir.Graph, np.ndarray]:
    """Input -> Linear -> neurons (with a recurrent Linear for spiking types) -> Linear -> Output;
    the downstream Linear has a single spiking source (the spike-list path of the kernels)."""
    rng = np.random.default_rng(11)
    nodes: dict[str, ir.Node] = {"in": ir.Input(shape=(4,)), "w": ir.Linear(weight=rng.normal(0.8, 1.5, (n, 4))),
                                 "n": _neuron(kind, n, rng), "ro": ir.Linear(weight=rng.normal(0.0, 1.0, (3, n))),
                                 "out": ir.Output(shape=(3,))}
    edges = [("in", "w"), ("w", "n"), ("n", "ro"), ("ro", "out")]
    if kind in ("LIF", "IF", "CubaLIF"):
        nodes["rec"] = ir.Linear(weight=rng.normal(0.0, 0.5, (n, n)))
        edges += [("n", "rec"), ("rec", "n")]
    x = (rng.random((40, 2, 4)) < 0.6) * rng.uniform(0.5, 4.0, (40, 2, 4))
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=prof), x


@pytest.mark.parametrize("kind", KINDS)
def test_every_option_combination_matches_reference(kind: str) -> None:
    combos = itertools.product(("exact", "euler"), ("zero", "subtract", "none"), ("same_step", "next_step"),
                               (False, True), (-np.inf, -0.2))
    max_count, below_floor = 0.0, False
    for integ, reset, timing, multi, v_min in combos:
        prof = ir.Profile(dt=1e-3, integration=integ, reset=reset, reset_timing=timing, multi_spike=multi, v_min=v_min)
        g, x = _recurrent(kind, prof)
        ref = run_reference(g, x, record=("n",))
        rec = sim.simulate(g, x, record=("spikes", "v"))
        msg = f"{kind} {prof}"
        np.testing.assert_allclose(rec.outputs["out"], ref.outputs["out"], rtol=1e-12, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(rec.traces["n"]["v"], ref.states["n"]["v"], rtol=1e-12, atol=1e-12, err_msg=msg)
        np.testing.assert_allclose(rec.traces["n"]["i"], ref.states["n"]["i"], rtol=1e-12, atol=1e-12, err_msg=msg)
        if g.nodes["n"].spiking:
            z = ref.node_outputs["n"]
            np.testing.assert_array_equal(rec.spikes["n"], z.astype(np.int64) if multi else z > 0.5, err_msg=msg)
            max_count = max(max_count, float(z.max()))
        if v_min > -np.inf:
            assert ref.states["n"]["v"].min() >= v_min
        else:
            below_floor |= bool(ref.states["n"]["v"].min() < -0.2)
    assert below_floor  # without the floor the membranes go below v_min = -0.2: the floor acts
    if kind in ("LIF", "IF", "CubaLIF"):
        assert max_count >= 2  # multi_spike really produced counts above one


def test_spike_counts_reach_downstream_weights_and_survive_hdf5(tmp_path: pytest.TempPathFactory) -> None:
    """A count of k spikes adds k times the weight downstream (also through a delayed synapse)."""
    iff = ir.IF(r=np.full(2, 1000.0), v_threshold=np.full(2, 1.0))
    g = ir.Graph.sequential(iff, ir.SparseLinear.from_dense(np.array([[0.5, 2.0]])).replace(delay=np.array([0.0, 2e-3])),
                            names=["n", "w"], profile=ir.Profile(dt=1e-3, reset="subtract", multi_spike=True))
    x = np.zeros((4, 1, 2))
    x[0, 0] = [3.2, 1.5]  # 3 spikes and 1 spike
    program = sim.compile(g)
    assert program.arrays.reads_spike_list[program.index("w")]  # counts travel on the spike list, with their values
    rec = sim.run(program, x)
    assert rec.spikes["n"][:, 0].tolist() == [[3, 1], [0, 0], [0, 0], [0, 0]]
    np.testing.assert_allclose(rec.outputs["output"][:, 0, 0], [1.5, 0.0, 2.0, 0.0])
    np.testing.assert_allclose(rec.outputs["output"], run_reference(g, x).outputs["output"])
    path = tmp_path / "counts.h5"  # type: ignore[operator]
    rec.to_hdf5(path)
    np.testing.assert_array_equal(sim.Recording.from_hdf5(path).spikes["n"], rec.spikes["n"])
    assert rec.spike_counts("n")[0].tolist() == [3, 1]
