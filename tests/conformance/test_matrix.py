"""The conformance matrix: every registered implementation on every case (neuron type x profile option).

Each cell either passes (spikes equal to the float64 reference over the steps the stated bound
decides, membranes within that bound, fixed-point results bit-exact with their integer reference)
or is a refusal that the implementation states with the expected reason
(:data:`tests.conformance.matrix.EXPECTED_REFUSALS`). The bounds and their derivation from each
format's quantisation step are in :mod:`tests.conformance.bounds`; the cases in
:mod:`tests.conformance.cases`. ``python tools/conformance_table.py`` writes the same matrix to
``docs/conformance.md``.

Real Lava runs once per session for all cases that Loihi 2 accepts (one launch of the Lava runtime:
the ``lava`` fixture of ``tests/conformance/conftest.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from .cases import CASES
from .matrix import EXPECTED_REFUSALS, _case_data, check_cell
from .runners import IMPLEMENTATIONS, LavaBatch


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("impl", [i for i in IMPLEMENTATIONS if i != "lava"])
def test_cell(impl: str, case: str) -> None:
    cell = check_cell(impl, case)
    assert cell.outcome in ("pass", "refused")


@pytest.mark.lava
@pytest.mark.parametrize("case", list(CASES))
def test_lava_cell(case: str, lava: LavaBatch) -> None:
    cell = check_cell("lava", case, lava)
    assert cell.outcome in ("pass", "refused")
    assert (cell.outcome == "refused") == (case in EXPECTED_REFUSALS["lava"])


def test_every_implementation_runs_some_case_and_the_table_names_only_known_cells() -> None:
    for impl, table in EXPECTED_REFUSALS.items():
        assert impl in IMPLEMENTATIONS, impl
        assert set(table) <= set(CASES), sorted(set(table) - set(CASES))
        assert len(table) < len(CASES), f"{impl} refuses every case"


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
