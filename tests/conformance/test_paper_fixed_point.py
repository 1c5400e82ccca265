r"""The NIR paper's fixed-point traces: Lava's ``lif_lava_cpu_fixed.csv`` and ``lif_spinnaker2.csv``.

The task: one LIF (tau = 2.5 ms, r = 1, threshold 0.1, reset to 0) fed by a weight-1 synapse,
dt = 0.1 ms, 1000 steps (``tests/golden/nir-paper-lif``). What each platform did, read off its trace:

* **Lava fixed point** (``lif_lava_cpu_fixed.csv``, integers): Loihi 2's bit-accurate LIF with the
  weight mantissa 10 (``weight_exp`` 0, so an input spike adds ``10 << 6 = 640`` to ``u``), ``du = 4095``
  (no current memory), ``dv = 163`` and ``vth = 25`` (``v > 25 << 6 = 1600`` spikes), and Dense's
  one-step latency. The state scale is 16000 per volt (``0.04 * 16000 = 640``; ``0.1 * 16000 = 1600``)
  and the decay was truncated: ``dv = floor(4096 * 0.04) = 163``. neurokit's Loihi 2 integer
  arithmetic reproduces the trace bit for bit with those integers, and real Lava does too.
  neurokit's own quantizer chooses differently -- ``dv = round(163.84) = 164`` and the threshold at
  ``634 << 6`` (lava-dl netx's domain: the largest weight is mantissa 254; a scale of 405760 per volt,
  25 times finer) -- so its integers differ; in
  volts both lie within their bounds of the float64 trace and the spikes are identical.
* **SpiNNaker 2** (``lif_spinnaker2.csv``): not fixed point. It is the Euler step
  :math:`v' = a v + c x` in double precision with the decay held in float32,
  :math:`a = \mathrm{float32}(1 - dt/\tau) = 0.9599999785`, a jump of :math:`c = 0.99980396` per input
  spike acting in the same step (no synaptic latency), a threshold of 2.5 (any value in
  (2.4956, 2.659) gives the same spikes) and reset to 0: a copy of the Norse trace scaled by
  :math:`c / 0.04 = 24.995`. neurokit reproduces it with that scaled graph and the profile (euler,
  reset zero, latency 0): float64 within the float32 decay's effect; s16.15 within the s16.15 bound;
  the SpiNNaker emulator, which gives every projection SpiNNaker's minimum delay of one step, the same
  trace one step later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.backends.loihi2.fixed_point import run_layers

from .bounds import decidable_steps, layer_figures, loihi2_bound, s16_15_bound
from .paper import PAPER_DV, PAPER_LAVA_JOB, PAPER_SCALE, PAPER_WEIGHT, S2_THRESHOLD, csv, paper_graph, paper_loihi_job
from .runners import LavaBatch, loihi2_terms, run_reference_impl, run_sim_s16_15, run_spinnaker

# ----------------------------------------------------------------------------- Lava, fixed point
def test_lava_fixed_trace_is_loihi2_integer_arithmetic_with_the_papers_integers(nir_paper_lif: Path) -> None:
    data = csv(nir_paper_lif, "lif_lava_cpu_fixed.csv")
    layers, x = paper_loihi_job(nir_paper_lif)
    out = run_layers(layers, x)
    np.testing.assert_array_equal(out["v0"][:, 0, 0], data[:, 1].astype(np.int64))
    np.testing.assert_array_equal(out["s0"][:, 0, 0], data[:, 2] > 0)
    assert np.nonzero(data[:, 2])[0].tolist() == [461, 511, 711, 761]
    # the decay is the truncated 4096 dt/tau: rounding (164) would not reproduce the trace
    layers[0]["dv"] = 164
    assert np.abs(run_layers(layers, x)["v0"][:, 0, 0] - data[:, 1]).max() == 5


def test_real_lava_reproduces_the_papers_fixed_trace(nir_paper_lif: Path, lava: LavaBatch) -> None:
    data = csv(nir_paper_lif, "lif_lava_cpu_fixed.csv")
    raw = lava.raw(PAPER_LAVA_JOB)
    np.testing.assert_array_equal(raw["v0"][:, 0, 0], data[:, 1].astype(np.int64))
    np.testing.assert_array_equal(raw["s0"][:, 0, 0].astype(bool), data[:, 2] > 0)


def test_neurokit_loihi2_mode_and_the_papers_lava_trace_agree_in_volts(nir_paper_lif: Path) -> None:
    """neurokit's quantizer (dv 164, scale 64 * 634 / 0.1) and the paper's (dv 163, scale 16000) differ in
    their integers; each lies within its bound (:mod:`tests.conformance.bounds`) of the float64
    Euler trace with Dense's one-step latency, and the spikes are identical."""
    from neurokit import sim

    data = csv(nir_paper_lif, "lif_lava_cpu_fixed.csv")
    prof = ir.Profile(dt=1e-4, integration="euler", reset="zero")
    graph = paper_graph(nir_paper_lif, prof)
    x = data[:, 0].reshape(-1, 1, 1)
    rec = sim.simulate(graph.with_profile(prof.replace(numeric="loihi2")), x)
    terms = loihi2_terms(graph, x)
    # netx's domain: the largest weight (0.4 thresholds per spike; a hair more with Norse's float32 tau
    # and threshold) is mantissa 254, so the threshold mantissa is floor(254 / 0.4000001) = 634
    assert terms["dv"] == 164.0 and terms["scale"] == pytest.approx(64 * 634 / float(np.float32(0.1)), rel=1e-9)
    ref_graph = graph.with_profile(prof.replace(synapse_latency=1))
    ref = run_reference_impl(ref_graph, x)
    L = layer_figures(graph, x)
    v_max = float(np.abs(ref.v).max()) + L.k * L.drive
    ours_bound = loihi2_bound(L, v_max, terms, terms["d_in_int"])
    paper_terms = {"scale": PAPER_SCALE, "dv": float(PAPER_DV), "d_bias_int": 0.0,
                   "d_in_int": np.abs(PAPER_SCALE * L.k * L.r - (PAPER_WEIGHT << 6)) * np.abs(x)}
    paper_bound = loihi2_bound(L, v_max, paper_terms, paper_terms["d_in_int"])
    v_ours = rec.traces["neuron"]["v"][:, 0, 0] / terms["scale"]
    v_paper = data[:, 1] / PAPER_SCALE
    # the float trace peaks at 0.09984 at step 451, 1.6e-4 under the threshold: the bounds decide the
    # spikes up to there; beyond, both integer traces still spike at the float trace's steps
    n = decidable_steps(ref_graph, x, max(ours_bound, paper_bound))
    assert n == 451 and ref.v[n, 0, 0] > 0.0998
    assert np.abs(v_ours[:n] - ref.v[:n, 0, 0]).max() <= ours_bound
    assert np.abs(v_paper[:n] - ref.v[:n, 0, 0]).max() <= paper_bound
    np.testing.assert_array_equal(rec.spikes["neuron"][:, 0, 0], data[:, 2] > 0)
    np.testing.assert_array_equal(ref.spikes[:, 0, 0] > 0, data[:, 2] > 0)
    assert ours_bound < paper_bound < 0.025 * 0.1  # within 2.5 % of the threshold; neurokit's tighter


# ----------------------------------------------------------------------------- SpiNNaker 2
def _s2(folder: Path) -> tuple[np.ndarray, float, ir.Graph, np.ndarray]:
    data = csv(folder, "lif_spinnaker2.csv")
    first = int(np.nonzero(data[:, 0])[0][0])
    jump = float(data[first, 1])  # v was 0 before the first input spike
    prof = ir.Profile(dt=1e-4, integration="euler", reset="zero")
    k = 1e-4 / float(np.float32(0.0025))  # dt/tau with Norse's float32 tau
    graph = paper_graph(folder, prof, r_scale=jump / k, v_threshold=S2_THRESHOLD)
    return data, jump, graph, data[:, 0].reshape(-1, 1, 1)


def _float32_decay_effect(graph: ir.Graph, x: np.ndarray, v_max: float) -> float:
    """SpiNNaker 2 holds the decay in float32: :math:`|\\Delta a| V / (1 - a)`."""
    L = layer_figures(graph, x)
    return abs(float(np.float32(L.a)) - L.a) * v_max / (1.0 - L.a)


def test_spinnaker2_trace_is_euler_with_a_float32_decay(nir_paper_lif: Path) -> None:
    data, jump, _, _ = _s2(nir_paper_lif)
    decay = float(np.float32(1.0 - 1e-4 / 2.5e-3))
    nz = np.nonzero(data[:-1, 1] * (data[1:, 0] == 0) * (data[1:, 2] == 0))[0]  # steps that only decay
    np.testing.assert_allclose(data[nz + 1, 1] / data[nz, 1], decay, rtol=1e-12)
    assert jump == float(data[60, 1]) and abs(jump - 0.99980396) < 1e-8
    v = 0.0
    for t, (xt, vt, zt) in enumerate(data):
        v = decay * v + jump * xt
        assert (v > S2_THRESHOLD) == (zt > 0), t
        v = 0.0 if v > S2_THRESHOLD else v
        assert abs(v - vt) < 1e-14, t
    assert data[:, 1].max() < S2_THRESHOLD < min(data[t - 1, 1] * decay + jump for t in np.nonzero(data[:, 2])[0])


def test_neurokit_float_and_s16_15_reproduce_the_spinnaker2_trace(nir_paper_lif: Path) -> None:
    data, _, graph, x = _s2(nir_paper_lif)
    ref = run_reference_impl(graph, x)
    float_bound = _float32_decay_effect(graph, x, float(np.abs(data[:, 1]).max()) + 1.0)
    np.testing.assert_array_equal(ref.spikes[:, 0, 0] > 0, data[:, 2] > 0)
    assert np.abs(ref.v[:, 0, 0] - data[:, 1]).max() <= float_bound < 2e-6
    fixed = run_sim_s16_15(graph, x)
    L = layer_figures(graph, x)
    bound = s16_15_bound(graph, L, float(np.abs(ref.v).max()) + L.k * L.drive, 2.0**-16, x) + float_bound
    np.testing.assert_array_equal(fixed.spikes[:, 0, 0], data[:, 2] > 0)
    assert np.abs(fixed.v[:, 0, 0] - data[:, 1]).max() <= bound < 0.002 * S2_THRESHOLD


def test_spinnaker_emulator_gives_the_spinnaker2_trace_one_step_later(nir_paper_lif: Path) -> None:
    """The emulator delivers every projection after SpiNNaker's minimum delay of one step (as
    sPyNNaker does); SpiNNaker 2's trace moves in the step of the input. Shifted by that step the
    emulator's trace is the paper's within the s16.15 bound (its 16-bit ring-buffer weight included),
    and it equals neurokit.sim's s16.15 mode on the machine's weights bit for bit."""
    data, _, graph, x = _s2(nir_paper_lif)
    run = run_spinnaker(graph, x)
    np.testing.assert_array_equal(run.raw["v"], run.raw["ref_v"])
    spikes = np.nonzero(run.spikes[:, 0, 0])[0]
    np.testing.assert_array_equal(spikes, np.nonzero(data[:, 2])[0] + 1)
    L = layer_figures(graph, x)
    ref = run_reference_impl(graph, x)
    bound = s16_15_bound(graph, L, float(np.abs(ref.v).max()) + L.k * L.drive, run.bound_terms["weight_error"], x) \
        + _float32_decay_effect(graph, x, float(np.abs(data[:, 1]).max()) + 1.0)
    assert run.v[0, 0, 0] == 0.0
    assert np.abs(run.v[1:, 0, 0] - data[:-1, 1]).max() <= bound < 0.002 * S2_THRESHOLD
