r"""The conformance matrix: every registered implementation on every case (neuron type x profile option).

Each cell either passes (spikes equal to the float64 reference over the steps the stated bound
decides, membranes within that bound, fixed-point results bit-exact with their integer reference)
or is a refusal that the implementation states with the expected reason
(:func:`tests.conformance.matrix.expected_refusal`). The cases are in :mod:`tests.conformance.cases`.

The bounds (derivation in :mod:`tests.conformance.bounds`): per step an implementation errs by
:math:`\delta_t`, which the leak accumulates, :math:`B = \max_t e_t`, :math:`e_t = a e_{t-1} + \delta_t`:

* float32/float64: :math:`\delta_t = 4\varepsilon (V + |v_{th}| + k D_t)` (machine epsilon :math:`\varepsilon`);
* s16.15: the actual rounding of every coefficient to the step :math:`q = 2^{-15}`, the weights'
  (:math:`q/2`, or :math:`2^{s-1} q` after SpiNNaker's ring-buffer shift :math:`s`) and
  :math:`\tfrac{3}{2} q` of rounded products;
* Loihi 2: the 12-bit decays (membrane and, Cuba types, current: the current's error reaches ``v``
  through the coupling), one unit of truncation each, the 8-bit weight and bias mantissas and
  Dense's floor for a negative weight exponent (the I readout's), on the state scale :math:`S` the
  quantizer chose; the I readout has no leak, so its bound grows with every step.

``reset_timing="next_step"`` with reset to zero on Loihi 2 (which resets in the spiking step): the
spikes are compared exactly; at steps where the reference spiked, the reference's (un-reset)
membrane must be above threshold and Loihi's exactly ``v_reset``; elsewhere within the bound.

Spikes are compared over the steps the bound decides; membranes within :math:`B`.
``python tools/conformance_table.py`` writes the same matrix to ``docs/conformance.md``.

Real Lava runs once per session for all cases that Loihi 2 accepts (one launch of the Lava runtime:
the ``lava`` fixture of ``tests/conformance/conftest.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from .cases import CASES
from .matrix import _case_data, check_cell, expected_refusal
from .runners import IMPLEMENTATIONS, LavaBatch


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("impl", [i for i in IMPLEMENTATIONS if i not in ("lava", "nest")])
def test_cell(impl: str, case: str) -> None:
    cell = check_cell(impl, case)
    assert cell.outcome in ("pass", "refused")


@pytest.mark.nest
@pytest.mark.parametrize("case", list(CASES))
def test_nest_cell(case: str, nest_runtime: None) -> None:
    """NEST (all accepted cases in one NEST process, the first cell starts it)."""
    cell = check_cell("nest", case)
    assert (cell.outcome == "refused") == (expected_refusal("nest", case) is not None)


@pytest.mark.lava
@pytest.mark.parametrize("case", list(CASES))
def test_lava_cell(case: str, lava: LavaBatch) -> None:
    cell = check_cell("lava", case, lava)
    assert cell.outcome in ("pass", "refused")
    assert (cell.outcome == "refused") == (expected_refusal("lava", case) is not None)


def test_every_implementation_runs_some_case_of_every_kind_it_maps() -> None:
    for impl in IMPLEMENTATIONS:
        runs = [c for c in CASES if expected_refusal(impl, c) is None]
        assert any(c.startswith("LIF.") for c in runs), f"{impl} runs no LIF case"
        assert len(runs) >= 8, f"{impl} runs only {runs}"


@pytest.mark.parametrize("case", ["LIF.v_min", "LIF.multi_spike", "LIF.reset_next_step"])
def test_the_oracle_implements_the_new_profile_options(case: str) -> None:
    """The float64 reference must do what ``ir.Profile`` says of ``v_min``, ``multi_spike`` and
    ``reset_timing``, or the matrix would hold every implementation to a reference that ignores them."""
    from neurokit.dynamics.reference import run_reference

    graph, x = _case_data(case)
    prof = graph.profile
    res = run_reference(graph, x, record=("neuron",))
    v, z = res.states["neuron"]["v"], res.node_outputs["neuron"]
    vth = float(graph.nodes["neuron"].v_threshold[0])
    if case == "LIF.v_min":
        free = run_reference(graph.with_profile(prof.replace(v_min=float("-inf"))), x, record=("neuron",))
        assert free.states["neuron"]["v"].min() < prof.v_min - 0.5, "the case must drive v far below v_min"
        assert v.min() >= prof.v_min, f"membrane {v.min():.3f} below v_min {prof.v_min}"
    elif case == "LIF.multi_spike":
        assert z.max() > 1, "multi_spike: no step emitted more than one spike"
    else:  # next_step: the recorded membrane is the un-reset one at a spike
        assert np.all(v[z > 0] > vth), "next_step: the membrane recorded at a spike must be the un-reset value"


@pytest.mark.parametrize("case", ["CubaLIF.euler", "CubaLI.euler"])
def test_the_loihi2_cuba_bound_holds_where_the_lowering_is_exact_in_form(case: str) -> None:
    """The Cuba bound (:func:`tests.conformance.bounds.loihi2_bound`: the current's rounding
    accumulated by its 12-bit decay, handed to ``v`` through the coupling) on the case's graph with
    the ``Affine`` bias set to 0: then only rounding separates Loihi 2 from the float model, and the
    bound must decide at least ``MIN_DECIDED_STEPS`` steps and hold. (With a bias the cells of the
    matrix fail: the lowering adds the bias to ``v`` each step, while the float model feeds it into
    the synaptic current, which amplifies it by up to :math:`1/(1 - a_s)`.)"""
    from .matrix import MIN_DECIDED_STEPS, compare_with_reference
    from .runners import run_sim_loihi2
    from neurokit import ir

    graph, x = _case_data(case)
    syn = graph.nodes["syn"]
    unbiased = ir.Graph(nodes={**graph.nodes, "syn": ir.Affine(weight=syn.weight, bias=np.zeros_like(syn.bias))},
                        edges=graph.edges, profile=graph.profile).validate()
    detail = compare_with_reference("sim-loihi2", CASES[case], unbiased, x, run_sim_loihi2(unbiased, x))
    decided = int(detail.split("/")[0])
    assert decided >= MIN_DECIDED_STEPS, detail
