r"""One cell of the conformance matrix: an implementation on a case, judged against the float64 reference.

A cell's outcome is ``pass`` (with the number of steps whose spikes the bound decides and the bound
itself), or ``refused`` (the implementation raised a :class:`neurokit.errors.NeurokitError` whose
message matches the expected reason, :func:`expected_refusal`). Anything else fails: a wrong
result, an unexpected refusal, or a combination that runs although the table says it is refused
(then the table is out of date).

Fixed-point cells are also compared bit for bit with their integer reference (see
:mod:`tests.conformance.runners`): SpiNNaker's emulator with neurokit.sim's s16.15 mode on the
machine's weights; the s16.15 mode with :func:`neurokit.dynamics.fixed.fixed_step` driven by an
integer synapse loop written here; real Lava with neurokit's Loihi 2 mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from neurokit import ir
from neurokit.dynamics.fixed import FixedFormat, fixed_neuron, fixed_step
from neurokit.errors import NeurokitError

from .bounds import _first, _flat_weights, decidable_steps, float_bound, layer_figures, loihi2_bound, s16_15_bound
from .cases import CASES, Case
from .runners import IMPLEMENTATIONS, NEURON, LavaBatch, Run, run_reference_impl

_LOIHI_PROFILE = r"Loihi 2 resets v to 0 and spikes on v > vth"
_TORCH_OPTION = r"the torch layers have no option"
_NO_FUSED = r"the fused kernel runs feed-forward LIF layers only"
_LOIHI_KINDS = r"(I|CubaLIF|CubaLI) has no Loihi 2 lowering"

#: A bound that decides fewer leading steps than this tests too little: the cell fails.
MIN_DECIDED_STEPS = 5

def expected_refusal(impl: str, case: str) -> str | None:
    """The reason ``impl`` must state when refusing ``case`` (a regular expression), or ``None`` when it
    must run it: what each implementation documents it cannot do, as rules on the case's graph."""
    graph, _ = _case_data(case)
    g = graph.flatten()
    prof, neuron = g.profile, g.nodes[NEURON]
    kind = neuron.type_name
    refractory = getattr(neuron, "t_refrac", None) is not None and bool(np.any(neuron.t_refrac > 0))
    delays = isinstance(g.nodes["syn"], ir.SparseLinear) and g.nodes["syn"].delay is not None
    recurrent = bool(g.loop_edges())
    v_leak = float(np.abs(getattr(neuron, "v_leak", 0.0)).max())
    if impl in ("torch-layers", "torch-fused"):  # in the order the layer builder checks
        if prof.synapse_latency:
            return _TORCH_OPTION
        if delays:
            return r"SparseLinear synapses have no torch layer"
        if refractory:
            return r"no refractory period"
        if kind in ("I", "CubaLI") or (kind == "LI" and v_leak > 0):
            return rf"no torch layer for {kind}"
        if impl == "torch-fused" and (kind != "LIF" or recurrent):
            return _NO_FUSED
        return None
    if impl == "crossbar-ideal":
        return r"per-synapse delays cannot be stored in a crossbar" if delays else None
    if impl == "sim-s16.15":
        return None
    if impl == "spinnaker-emulator":  # every profile rule: a custom sPyNNaker neuron model where the standard cells lack it
        return None
    if impl in ("sim-loihi2", "lava"):  # a leaky subtraction, reset='none', multi_spike, v_min, refractoriness,
        return None  # a Cuba current bias, exact Cuba integration: neurokit's neuron program
    if impl == "nest":  # the nest backend's check (neurokit/backends/nest/check.py)
        if prof.reset != "zero":
            return r"reset='%s' cannot be expressed: NEST's iaf_psc_delta and iaf_psc_exp set V_m to V_reset" % prof.reset
        if prof.reset_timing != "same_step":
            return r"reset_timing='next_step' cannot be expressed: NEST's neurons reset in the step they spike"
        if prof.multi_spike:
            return r"multi_spike=True cannot be expressed: a NEST neuron emits at most one spike per step"
        if kind in ("CubaLIF", "CubaLI") and prof.integration == "euler":
            return rf"{kind} with integration='euler' cannot be expressed: NEST's iaf_psc_exp couples"
        return None
    return None  # reference, sim-float64, sim-float32: every case


@dataclass(frozen=True)
class Cell:
    implementation: str
    case: str
    outcome: str  # "pass" | "refused"
    detail: str


#: The cells judged in this process, ``(implementation, case) -> Cell`` (the test session's summary).
JUDGED: dict[tuple[str, str], Cell] = {}


@lru_cache(maxsize=None)
def _case_data(case: str) -> tuple[ir.Graph, np.ndarray]:
    return CASES[case].graph_and_inputs()


def run_cell(impl: str, case: str, lava: LavaBatch | None = None) -> Run:
    """Run ``impl`` on ``case`` (Lava: the result of the session's batch)."""
    graph, x = _case_data(case)
    if impl == "lava":
        if lava is None or case not in lava.jobs:
            _ = IMPLEMENTATIONS["sim-loihi2"].run(graph, x)  # raises the lowering's refusal
            raise AssertionError(f"{case}: the Loihi 2 lowering accepted it but it was not in the Lava batch")
        return lava.run(case)
    return IMPLEMENTATIONS[impl].run(graph, x)


def check_cell(impl: str, case: str, lava: LavaBatch | None = None) -> Cell:
    """Judge one cell; raises ``AssertionError`` with the reason when it fails."""
    expected = expected_refusal(impl, case)
    try:
        result = run_cell(impl, case, lava)
    except NeurokitError as exc:
        assert expected is not None, f"{impl} refused {case} unexpectedly: {exc}"
        assert re.search(expected, str(exc)), f"{impl} refused {case} for another reason: {exc} (expected /{expected}/)"
        JUDGED[(impl, case)] = Cell(impl, case, "refused", str(exc).split(" — ")[0])
        return JUDGED[(impl, case)]
    assert expected is None, f"{impl} now runs {case}: update expected_refusal (was /{expected}/)"
    graph, x = _case_data(case)
    bits = compare_bits(impl, case, graph, x, result, lava)  # first: a bit-exactness failure says the most
    detail = compare_with_reference(impl, CASES[case], graph, x, result)
    JUDGED[(impl, case)] = Cell(impl, case, "pass", detail + (f"; {bits}" if bits else ""))
    return JUDGED[(impl, case)]


def bound_for(impl: str, case: Case, graph: ir.Graph, x: np.ndarray, result: Run, v_ref: np.ndarray) -> float:
    """The stated bound of ``impl`` on this case (see :mod:`tests.conformance.bounds`)."""
    if case.exact_dyadic:
        return 0.0
    numeric = IMPLEMENTATIONS[impl].numeric
    L = layer_figures(graph, x)
    v_max = float(np.abs(v_ref).max()) + L.k * L.drive  # the membrane before a reset, too
    if numeric.kind == "float":
        return float_bound(numeric.eps, L, v_max)
    if impl in ("sim-loihi2", "lava"):
        return loihi2_bound(L, v_max, result.bound_terms, result.bound_terms["d_in_int"])
    weight_error = result.bound_terms.get("weight_error", 2.0**-16)  # s16.15: half a step
    return s16_15_bound(graph, L, v_max, weight_error, x)


def compare_with_reference(impl: str, case: Case, graph: ir.Graph, x: np.ndarray, result: Run) -> str:
    """Spikes equal and membranes within the bound over the steps the bound decides.

    ``reset_timing="next_step"`` with reset to zero on an implementation that resets in the spiking
    step (Loihi 2, ``Run.resets_in_spiking_step``): both give the same spikes, since the next step
    starts from :math:`v_{reset}` either way, but at a spiking step the reference records the
    un-reset membrane (above threshold) and the implementation the reset one. So at the steps where
    the reference spiked that equivalence is checked instead of the bound (reference above the
    threshold, implementation exactly :math:`v_{reset}`); at every other step the membranes agree
    within the bound, the error after a reset starting again from the same :math:`v_{reset}`."""
    ref = run_reference_impl(result.numeric_mode_graph, x)
    bound = bound_for(impl, case, graph, x, result, ref.v)
    n = decidable_steps(result.numeric_mode_graph, x, bound)
    # Loihi 2 under multi_spike: the cases drive 8 to 60 thresholds per input spike, so 8-bit weights
    # (1/254 of the largest) leave an error of a tenth of a threshold per step, and a count changes at
    # every multiple of the threshold: the bound decides only the first steps (held there; Lava = the
    # Loihi mode bit for bit regardless).
    min_steps = 1 if impl in ("sim-loihi2", "lava") and result.numeric_mode_graph.profile.multi_spike else MIN_DECIDED_STEPS
    assert n >= min(min_steps, x.shape[0]), f"{impl} on {case.name}: the bound {bound:.3g} decides only {n} steps"
    node, prof = graph.nodes[NEURON], result.numeric_mode_graph.profile
    spiking = node.spiking
    if spiking:
        z = result.outputs  # the Output node: the neuron's spikes (counts under multi_spike)
        counts = lambda a: np.rint(np.asarray(a[:n], np.float64)).reshape(n, x.shape[1], -1)  # noqa: E731 - multi_spike: counts
        np.testing.assert_array_equal(counts(z), counts(ref.outputs),
                                      err_msg=f"{impl} on {case.name}: spikes differ within the first {n} decidable steps")
    decided = int(np.rint(ref.outputs[:n]).sum()) if spiking else 0
    if result.v is not None:
        v_impl, v_ref = np.asarray(result.v[:n], np.float64), ref.v[:n]
        compared = np.ones(v_ref.shape, bool)
        reset_checked = ""
        if spiking and prof.reset_timing == "next_step" and result.resets_in_spiking_step:
            assert prof.reset == "zero", f"{impl} on {case.name}: a spiking-step reset equals next_step only for reset='zero'"
            fired = np.rint(np.asarray(ref.outputs[:n], np.float64)).reshape(v_ref.shape) > 0
            vth, vreset = _first(node.v_threshold), _first(node.v_reset)
            above = v_ref[fired] >= vth if prof.spike_rule == ">=" else v_ref[fired] > vth
            assert np.all(above), f"{impl} on {case.name}: next_step: the reference's membrane at a spike is not above threshold"
            np.testing.assert_array_equal(v_impl[fired], np.full(int(fired.sum()), vreset),
                                          err_msg=f"{impl} on {case.name}: the membrane at a spiking step is not v_reset")
            compared = ~fired
            reset_checked = f", {int(fired.sum())} spiking steps at v_reset"
        err = float(np.abs(v_impl - v_ref)[compared].max()) if compared.any() else 0.0
        assert err <= bound, f"{impl} on {case.name}: membrane differs by {err:.3g} > bound {bound:.3g} (first {n} steps)"
    else:
        err, reset_checked = float("nan"), ""
    if not spiking:  # LI readouts: the output is the membrane
        out_err = float(np.abs(np.asarray(result.outputs, np.float64) - ref.outputs).max())
        assert out_err <= bound, f"{impl} on {case.name}: output differs by {out_err:.3g} > bound {bound:.3g}"
        err = out_err if np.isnan(err) else max(err, out_err)
    spikes = f", {decided} spikes equal" if spiking else ""
    return (f"{n}/{x.shape[0]} steps decided{spikes}{reset_checked}, |dv| {err:.2g} <= {bound:.2g}" if not np.isnan(err)
            else f"{n}/{x.shape[0]} steps decided{spikes} (bound {bound:.2g})")


def compare_bits(impl: str, case: str, graph: ir.Graph, x: np.ndarray, result: Run, lava: LavaBatch | None) -> str:
    """Bit-exact comparison of a fixed-point implementation with its integer reference."""
    if impl == "spinnaker-emulator":
        if "ref_v" not in result.raw:
            return f"no integer reference: {result.raw['no_reference']}"
        np.testing.assert_array_equal(result.raw["v"], result.raw["ref_v"], err_msg=f"{case}: emulator vs sim s16.15")
        np.testing.assert_array_equal(result.raw["s"], result.raw["ref_s"], err_msg=f"{case}: emulator spikes")
        return "bit-exact with sim-s16.15 on the machine weights"
    if impl == "sim-s16.15":
        v_int, s = s16_15_integer_reference(graph, x)
        np.testing.assert_array_equal(result.raw["v"].reshape(v_int.shape), v_int, err_msg=f"{case}: s16.15 state")
        if graph.nodes[NEURON].spiking:
            np.testing.assert_array_equal(np.asarray(result.raw["s"]).reshape(s.shape), s, err_msg=f"{case}: s16.15 spikes")
        return "bit-exact with fixed_step + integer synapses"
    if impl == "lava":
        ours = IMPLEMENTATIONS["sim-loihi2"].run(graph, x)
        for key in ("v", "u", "s"):
            np.testing.assert_array_equal(result.raw[key], ours.raw[key], err_msg=f"{case}: Lava vs loihi2 mode, {key}")
        return "bit-exact with sim-loihi2 (v, u, spikes)"
    return ""


def s16_15_integer_reference(graph: ir.Graph, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The s16.15 integer run of a one-layer case, built here from the per-step integer neuron
    (:func:`neurokit.dynamics.fixed.fixed_step`): weights ``round(w 2^15)``, input counts, per-synapse
    delays as whole steps, the graph's synapse latency, a bias from the latency's end on, and a
    recurrent ``rec`` weight fed with the previous step's spikes (the loop edge) after the latency."""
    g = graph.flatten()
    fmt = FixedFormat.parse("s16.15")
    w, b = _flat_weights(g)
    syn = g.nodes["syn"]
    lat = g.profile.synapse_latency
    if isinstance(syn, ir.SparseLinear) and syn.delay is not None:
        d = np.zeros(w.shape, np.int64)
        pre = np.repeat(np.arange(syn.n_pre), np.diff(syn.indptr))
        d[syn.indices, pre] = np.rint(syn.delay / g.profile.dt).astype(np.int64)
    else:
        d = np.zeros(w.shape, np.int64)
    d = d + lat
    W, Bq = fmt.to_fixed(w), fmt.to_fixed(b)
    counts = np.rint(x).astype(np.int64)
    T, nb = x.shape[:2]
    p = fixed_neuron(g.nodes[NEURON], g.profile, fmt)
    state = p.rest(nb)
    v_out, s_out = np.zeros((T, nb, W.shape[0]), np.int64), np.zeros((T, nb, W.shape[0]), np.int64)
    rec = fmt.to_fixed(np.asarray(g.nodes["rec"].weight)) if "rec" in g.nodes else None
    z_hist: list[np.ndarray] = []
    for t in range(T):
        current = np.zeros_like(state.v)
        for delay in np.unique(d):
            if t - delay >= 0:
                current += counts[t - delay] @ np.where(d == delay, W, 0).T
        if rec is not None and t - 1 - lat >= 0:  # the loop edge carries z(t-1), then the latency
            current += z_hist[t - 1 - lat] @ rec.T
        if isinstance(syn, ir.Affine) and t >= lat:
            current += Bq
        z, state = fixed_step(p, fmt, current, state, g.profile)
        v_out[t], s_out[t] = state.v, z
        z_hist.append(z)
    return v_out, s_out
