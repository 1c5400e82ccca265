"""The one operations counter (:mod:`neurokit.ir.passes.operations`): a hand count on a tiny net
(pool -> conv fold, a delay, a zero weight) and NeuroBench 2.3.0's synaptic-operation metric on
the same activity (golden written by ``tools/producers/neurobench_synops_golden.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.errors import InvalidInputError
from neurokit.ir.passes.operations import (FOLDED, OPERATION_TYPES, PER_LAYER, CountRules, dense_operations,
                                           fan_out, run_operations, step_operations)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "neurobench" / "synops.json"
NEUROBENCH = CountRules(fold=False, node_types=ir.SYNAPSE_TYPES, events="nonzero")
DT = 1e-3


def _lif(n: int | tuple[int, ...]) -> ir.LIF:
    shape = (n,) if isinstance(n, int) else n
    return ir.LIF(tau=np.full(shape, 0.01), r=np.ones(shape), v_leak=np.zeros(shape), v_threshold=np.ones(shape))


def _tiny() -> ir.Graph:
    """input (1,4,4) -> AvgPool 2x2 -> Conv2d 1->2, k2 (2,1,1) -> LIF -> Flatten -> Delay 1 step
    -> Linear 2->3 (w[0,1] = 0) -> LIF -> output."""
    w = np.array([[1.0, 0.0], [0.5, 0.7], [0.2, 0.3]])
    nodes = {"input": ir.Input(shape=(1, 4, 4)), "pool": ir.AvgPool2d(kernel_size=2, stride=2),
             "conv": ir.Conv2d(weight=np.ones((2, 1, 2, 2)), bias=np.zeros(2)), "lif1": _lif((2, 1, 1)),
             "flat": ir.Flatten(), "delay": ir.Delay(delay=np.full(2, DT)), "lin": ir.Linear(weight=w),
             "lif2": _lif(3), "output": ir.Output(shape=(3,))}
    order = list(nodes)
    return ir.Graph(nodes=nodes, edges=tuple(zip(order, order[1:])), profile=ir.Profile(dt=DT))


def _tiny_activity() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Two steps, one sample: 3 input spikes; lif1 spikes [1,0] then [1,1]; lif2 once."""
    x = np.zeros((2, 1, 1, 4, 4))
    x[0, 0, 0, 0, 0] = x[0, 0, 0, 0, 1] = x[1, 0, 0, 3, 3] = 1.0
    lif1 = np.array([[1.0, 0.0], [1.0, 1.0]]).reshape(2, 1, 2, 1, 1)
    return x, {"lif1": lif1, "lif2": np.array([[[0.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]]])}


def test_the_folded_count_equals_the_hand_count() -> None:
    """Folded: an input pixel reaches one pool output, which feeds both conv channels: fan 2
    (not pool 1 + conv 2); lif1[0] reaches 3 synapses through the delay, lif1[1] 2 (one zero
    weight); lif2 feeds only the output: 0. 3 input events x 2 + (2 x 3 + 1 x 2) = 14.
    Dense per step: pool 16 + conv 2 x 4 + linear 5 = 29, over 2 steps 58."""
    g = _tiny()
    np.testing.assert_array_equal(fan_out(g, "input"), np.full(16, 2.0))
    np.testing.assert_array_equal(fan_out(g, "lif1"), [3.0, 2.0])
    np.testing.assert_array_equal(fan_out(g, "lif2"), np.zeros(3))
    x, spikes = _tiny_activity()
    assert run_operations(g, x, spikes, rules=FOLDED) == (14.0, 58.0)
    assert g.stats()["synapses"] == 8 + 5  # the weight nodes only: conv and linear


def test_the_per_layer_count_equals_the_hand_count() -> None:
    """Per layer: every input pixel costs 1 (the pool), every non-zero pool output 2 (the conv),
    every delayed spike its row of the linear: step 0 pool outputs (0,0), step 1 (1,1) are
    non-zero; the delay emits lif1's [1,0] at step 1. 3 x 1 + 2 x 2 + 1 x 3 = 10."""
    g = _tiny()
    x, spikes = _tiny_activity()
    pool = np.zeros((2, 1, 1, 2, 2))
    pool[0, 0, 0, 0, 0] = 0.5
    pool[1, 0, 0, 1, 1] = 0.25
    delayed = np.concatenate([np.zeros((1, 1, 2)), spikes["lif1"][:1].reshape(1, 1, 2)])
    ops = step_operations(g, {"input": x, "pool": pool, "delay": delayed}, rules=PER_LAYER)
    assert {k: v.sum() for k, v in ops.items()} == {"input": 3.0, "pool": 4.0, "delay": 3.0}
    np.testing.assert_array_equal(sum(ops.values())[:, 0], [2 + 2 + 0, 1 + 2 + 3])
    assert dense_operations(g, PER_LAYER) == 29 and dense_operations(g, NEUROBENCH) == 13


def test_a_graded_neuron_counts_every_step_or_is_refused() -> None:
    g = _tiny()
    x, spikes = _tiny_activity()
    graded, _ = run_operations(g, x, {"lif2": spikes["lif2"]}, rules=FOLDED)
    assert graded == 6.0 + 2 * (3 + 2)  # lif1 unrecorded: both elements every step
    with pytest.raises(InvalidInputError, match="no recorded values for 'lif1'"):
        run_operations(g, x, {}, rules=CountRules(graded_every_step=False))
    with pytest.raises(InvalidInputError, match="fold=True composes every linear node"):
        CountRules(fold=True, node_types=ir.SYNAPSE_TYPES)
    assert set(FOLDED.node_types) == set(OPERATION_TYPES)


def _golden_graph(case: dict, name: str) -> tuple[ir.Graph, dict[str, np.ndarray]]:
    """The IR form of the golden's torch net; values: what each connection layer received."""
    w1, b1 = np.array(case["conn1_weight"]), np.array(case["conn1_bias"])
    w2, b2 = np.array(case["conn2_weight"]), np.array(case["conn2_bias"])
    seen = {k: np.array(v) for k, v in case["layer_inputs"].items()}
    x = np.array(case["input"])
    if name == "pool_conv":  # the 40 %-sparse linear layer as a SparseLinear
        nodes = {"input": ir.Input(shape=x.shape[2:]), "pool": ir.AvgPool2d(kernel_size=2, stride=2),
                 "conv": ir.Conv2d(weight=w1, bias=b1, padding=1), "lif1": _lif((3, 4, 4)), "flat": ir.Flatten(),
                 "delay": ir.Delay(delay=np.full(48, DT)), "lin": ir.SparseLinear.from_dense(w2),
                 "lif2": _lif(5), "output": ir.Output(shape=(5,))}
        values = {"input": x, "pool": seen["conn1"], "delay": seen["conn2"]}
    else:  # Conv1d, then an Affine straight from the flattened spikes
        nodes = {"input": ir.Input(shape=x.shape[2:]), "conv": ir.Conv1d(weight=w1, bias=b1, padding=1),
                 "lif1": _lif((4, 10)), "flat": ir.Flatten(), "lin": ir.Affine(weight=w2, bias=b2),
                 "lif2": _lif(3), "output": ir.Output(shape=(3,))}
        values = {"input": seen["conn1"], "flat": seen["conn2"]}
    order = list(nodes)
    return ir.Graph(nodes=nodes, edges=tuple(zip(order, order[1:])), profile=ir.Profile(dt=DT)), values


@pytest.mark.parametrize("name", ["pool_conv", "conv1d"])
def test_the_per_layer_count_equals_neurobench(name: str) -> None:
    """NeuroBench's Effective_ACs + Effective_MACs per sample = our per-layer count over its
    connection layers on the same layer inputs; its Dense also counts zero weights, we do not."""
    golden = json.loads(GOLDEN.read_text())
    case = golden[name]
    assert golden["versions"]["neurobench"] == "2.3.0"
    g, values = _golden_graph(case, name)
    steps, batch = np.asarray(values["input"]).shape[:2]
    ops = step_operations(g, values, rules=NEUROBENCH)
    ours = float(sum(v.sum() for v in ops.values())) / batch
    nb = case["neurobench"]
    assert ours == pytest.approx(nb["Effective_ACs"] + nb["Effective_MACs"], rel=1e-12)
    assert ours > 0
    zero_weights = int((np.array(case["conn1_weight"]) == 0).sum() + (np.array(case["conn2_weight"]) == 0).sum())
    assert dense_operations(g, NEUROBENCH) * steps == nb["Dense"] - steps * zero_weights
