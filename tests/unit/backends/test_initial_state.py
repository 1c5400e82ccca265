"""Every numeric mode and target starts its neurons where the float model does (``v_leak``, or a
node's ``metadata["v_init"]``), quantized: a membrane that starts above threshold spikes at step 0
everywhere (issue 15: loihi2 and spinnaker used to start from 0 and lose that spike)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.dynamics.fixed import FixedFormat, fixed_neuron
from neurokit.dynamics.reference import run_reference

HIDDEN, N_IN, CLASSES, T, B = 8, 6, 3, 30, 3
V_TH = 0.5
FIRST_STEPS = 5  # before quantization errors of the inputs can add up


def start_above_threshold(how: str, integration: str = "exact", numeric: str = "float64") -> ir.Graph:
    """Input -> Linear -> LIF -> Linear -> LI with Loihi's/SpiNNaker's one step of synaptic latency.

    ``how = "v_leak"``: resting potentials straddle the threshold (5 of 8 neurons above it);
    ``"v_init"``: zero leak, the membrane pre-charged by ``metadata["v_init"]`` (4 of 8 above)."""
    rng = np.random.default_rng(0)
    if how == "v_leak":
        v_leak, meta = np.linspace(0.05, 1.45, HIDDEN), {}
    else:
        v_leak, meta = np.zeros(HIDDEN), {"v_init": np.linspace(0.1, 0.94, HIDDEN)}
    return ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.02, 0.02, (HIDDEN, N_IN))),
        ir.LIF(tau=np.full(HIDDEN, 0.02), r=np.ones(HIDDEN), v_leak=v_leak, v_threshold=np.full(HIDDEN, V_TH),
               v_reset=np.zeros(HIDDEN), metadata=meta),
        ir.Linear(weight=rng.normal(0.1, 0.1, (CLASSES, HIDDEN))),
        ir.LI(tau=np.full(CLASSES, 0.05), r=np.ones(CLASSES), v_leak=np.array([0.3, -0.2, 0.1])),
        names=["fc", "lif", "ro", "li"], profile=ir.Profile(dt=1e-3, integration=integration, numeric=numeric,
                                                      synapse_latency=1))


def spike_inputs() -> np.ndarray:
    return (np.random.default_rng(1).random((T, B, N_IN)) < 0.3).astype(np.float64)


def float_model(g: ir.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Spikes of ``lif`` and the readout of the float64 NumPy reference."""
    ref = run_reference(g, spike_inputs(), record=("lif",))
    return ref.node_outputs["lif"] > 0.5, ref.outputs["output"]


def assert_starts_like_the_float_model(spikes: np.ndarray, out: np.ndarray, g: ir.Graph, atol: float) -> None:
    want_spikes, want_out = float_model(g)
    np.testing.assert_array_equal(spikes[:FIRST_STEPS], want_spikes[:FIRST_STEPS])
    np.testing.assert_allclose(out[0], want_out[0], atol=atol)
    assert np.mean(spikes == want_spikes) > 0.97


@pytest.mark.parametrize("how", ["v_leak", "v_init"])
def test_the_float_model_spikes_at_step_0_where_it_starts_above_threshold(how: str) -> None:
    g = start_above_threshold(how)
    spikes, out = float_model(g)
    lif = g.nodes["lif"]
    start = lif.metadata.get("v_init", lif.v_leak)
    # no input has arrived at step 0 (latency 1): v_0 = a v_init + (1 - a) v_leak
    a = np.exp(-1e-3 / 0.02)
    np.testing.assert_array_equal(spikes[0], np.broadcast_to(a * start + (1 - a) * lif.v_leak > V_TH, (B, HIDDEN)))
    assert spikes[0].sum() >= 4 * B


@pytest.mark.parametrize("numeric, atol", [("float64", 1e-12), ("s16.15", 1e-4), ("loihi2", 1e-3)])
@pytest.mark.parametrize("how", ["v_leak", "v_init"])
def test_every_simulator_mode_starts_from_the_float_initial_state(how: str, numeric: str, atol: float) -> None:
    g = start_above_threshold(how)
    rec = sim.simulate(g.with_profile(g.profile.replace(numeric=numeric)), spike_inputs())
    assert_starts_like_the_float_model(rec.spikes["lif"], rec.outputs["output"], g, atol)


@pytest.mark.parametrize("how", ["v_leak", "v_init"])
def test_spinnaker_emulator_and_its_reference_start_from_the_float_initial_state(tmp_path: Path, how: str) -> None:
    g = start_above_threshold(how)
    be = get_backend("spinnaker")
    art = be.lower(g, tmp_path)
    for rec in (be.board(art).run(spike_inputs(), T), be.numeric_mode_run(art, spike_inputs(), T)):
        assert_starts_like_the_float_model(rec.spikes["lif"], rec.outputs["output"], g, 1e-4)


@pytest.mark.parametrize("how", ["v_leak", "v_init"])
def test_crossbar_ideal_device_starts_from_the_float_initial_state(tmp_path: Path, how: str) -> None:
    g = start_above_threshold(how)
    be = get_backend("crossbar")
    rec = be.board(be.lower(g, tmp_path, {"device": "ideal"})).run(spike_inputs(), T)
    assert_starts_like_the_float_model(rec.spikes["lif"], rec.outputs["output"], g, 1e-6)


def test_loihi2_artifact_stores_the_quantized_initial_membrane(tmp_path: Path) -> None:
    g = start_above_threshold("v_leak")
    art = get_backend("loihi2").lower(g, tmp_path)
    from neurokit.backends.loihi2.backend import quantize_graph

    params, layers, _ = quantize_graph(g)
    np.testing.assert_array_equal(params[0]["v_init"], np.round(layers[0]["scale"] * g.nodes["lif"].v_leak))
    np.testing.assert_array_equal(params[1]["v_init"], np.round(layers[1]["scale"] * g.nodes["li"].v_leak))
    assert art.manifest["layers"][0]["scale"] == layers[0]["scale"]


@pytest.mark.parametrize("integration", ["exact", "fixed_point"])
def test_fixed_point_integration_means_exact_in_every_integer_mode(integration: str) -> None:
    """The profile defines ``integration = "fixed_point"`` as the exact coefficients in integers."""
    g = start_above_threshold("v_leak", integration, "s16.15")
    fmt = FixedFormat(16, 15)
    p = fixed_neuron(g.nodes["lif"], g.profile, fmt)
    np.testing.assert_array_equal(p.a, fmt.to_fixed(np.exp(-1e-3 / 0.02)))
    np.testing.assert_array_equal(p.k, fmt.to_fixed(1 - np.exp(-1e-3 / 0.02)))
    from neurokit.backends.loihi2.backend import quantize_graph

    params, _, _ = quantize_graph(start_above_threshold("v_leak", integration, "loihi2"))
    assert params[0]["dv"] == round(4096 * (1 - np.exp(-1e-3 / 0.02)))


OPTIONS = [({"reset_timing": "next_step"}, "reset_timing='next_step'"), ({"multi_spike": True}, "multi_spike=True"),
           ({"v_min": -0.5}, "v_min=-0.5")]


@pytest.mark.parametrize("changes", [c for c, _ in OPTIONS] + [{"reset": "subtract"}])
def test_spinnaker_runs_every_profile_rule_as_a_custom_neuron_model(tmp_path: Path, changes: dict[str, object]) -> None:
    """sPyNNaker's standard cells reset to v_reset at once, send one spike and have no floor; a custom
    neuron model does the rest: the emulator equals the S16.15 reference, the manifest names the
    model, and the PyNN export (standard cells only) says why it is not written."""
    g = start_above_threshold("v_leak")
    g = g.with_profile(g.profile.replace(**changes))
    be = get_backend("spinnaker")
    assert be.check(g) == []
    art = be.lower(g, tmp_path)
    assert art.manifest["neuron_model"].startswith("custom (")
    assert not art.manifest["pynn"]["written"] and "has no PyNN standard cell" in art.manifest["pynn"]["why_not"][0]
    emu, ref = be.board(art).run(spike_inputs(), T), be.numeric_mode_run(art, spike_inputs(), T)
    np.testing.assert_array_equal(emu.spikes["lif"], ref.spikes["lif"])
    assert emu.spikes["lif"].sum() > 0


@pytest.mark.parametrize("changes", [c for c, _ in OPTIONS] + [{"reset": "subtract"},
                                                               {"reset": "subtract", "reset_timing": "next_step"}])
def test_loihi2_runs_every_profile_rule_as_a_neuron_program(tmp_path: Path, changes: dict[str, object]) -> None:
    """Loihi 2's neurons are programmable: what the stock LIF cannot say (a next-step or leaky
    subtraction, spike counts, a floor) runs as neurokit's neuron program (``lava_neuron.py``), and
    neurokit's Loihi mode runs the same integers (real Lava: ``tests/unit/backends/loihi2/test_layers.py``)."""
    g = start_above_threshold("v_leak")
    g = g.with_profile(g.profile.replace(**changes))
    be = get_backend("loihi2")
    assert be.check(g) == []
    art = be.lower(g, tmp_path)
    program = art.manifest["layers"][0].get("program")
    assert program if changes != {"reset_timing": "next_step"} else program is None  # a zero reset: the stock LIF
    mode = sim.simulate(g.with_profile(g.profile.replace(numeric="loihi2")), spike_inputs())
    timed = sim.simulate(be.numeric_mode_graph(art), spike_inputs())
    assert mode.spikes["lif"].sum() > 0
    assert np.mean(mode.spikes["lif"] == timed.spikes["lif"]) >= 0.95


@pytest.mark.parametrize("changes", [c for c, _ in OPTIONS] + [{"reset": "subtract", "multi_spike": True}])
def test_crossbar_neurons_follow_every_profile_rule(tmp_path: Path, changes: dict[str, object]) -> None:
    """The crossbar's neurons are digital: they run the reference step, every rule included."""
    g = start_above_threshold("v_leak")
    g = g.with_profile(g.profile.replace(**changes))
    be = get_backend("crossbar")
    assert be.check(g) == []
    rec = be.board(be.lower(g, tmp_path, {"device": "ideal"})).run(spike_inputs(), T)
    want = sim.simulate(g, spike_inputs())
    np.testing.assert_array_equal(rec.spikes["lif"], want.spikes["lif"])
    assert rec.spikes["lif"].max() > 1 if changes.get("multi_spike") else rec.spikes["lif"].dtype == bool
    np.testing.assert_allclose(rec.outputs["output"], want.outputs["output"], atol=1e-9)


def test_netx_export_is_refused_where_the_membrane_does_not_start_at_zero(tmp_path: Path) -> None:
    """lava-dl's netx format stores no initial membrane: a layer starting at v_leak != 0 gets no netx.h5."""
    art = get_backend("loihi2").lower(start_above_threshold("v_leak"), tmp_path)
    assert not (tmp_path / "netx.h5").exists()
    assert any("netx stores no initial state" in r for r in art.manifest["netx"]["refused"])
