"""What Loihi 2 used to refuse and now runs, each in real Lava (lava-nc 0.10, out of process, one
launch for all cases) and held bit for bit to neurokit's bit-accurate Loihi mode (every layer's
spikes, current and voltage at every step), and compared with the float model at Loihi's timing:

* per-neuron thresholds (Rockpool's ``LIF``/``CubaLIF`` exports): a per-neuron scale
  :math:`S_i = 64 v_{th} / \\vartheta_i` folded into each neuron's weights and bias, one chip threshold;
  a stock ``LIF`` layer stays a stock ``LIF``;
* ``v_reset != 0`` (spyx's Cuba nets): the neuron program resets to (or subtracts down to) a
  per-neuron :math:`v_r`;
* a bias into a CubaLIF's synaptic current (Norse ``lif_cuba``, spyx's Cuba nets): the program adds
  it to ``a_in`` before Lava's own current update;
* a layer fed by more than two spiking layers: one residual Dense per earlier source;
* exact (zero-order-hold) CubaLIF/CubaLI: the program adds the step's input straight into ``v`` as
  well, :math:`\\mathrm{round}(k_{in} (a \\ll 6) / 2^{12})` per neuron (``k_in``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.loihi2 import run_lava_many
from neurokit.backends.loihi2.fixed_point import run_layers

GOLDENS = Path(__file__).resolve().parents[3] / "golden" / "producers"
EULER = ir.Profile(dt=1e-2, integration="euler")
EXACT = ir.Profile(dt=1e-2, integration="exact")
PRODUCER_MODELS = [("norse", "lif_cuba"), ("rockpool", "cubalif"), ("rockpool", "lif"), ("spyx", "cubalif"),
                   ("spyx", "rcubalif"), ("spyx", "two_layer")]


def _cuba(n: int, v_threshold: Any = 0.4, v_reset: Any = 0.0) -> ir.CubaLIF:
    return ir.CubaLIF(tau_syn=np.full(n, 0.04), tau_mem=np.full(n, 0.03), r=np.ones(n), v_leak=np.zeros(n),
                      v_threshold=np.broadcast_to(v_threshold, (n,)).astype(float),
                      v_reset=np.broadcast_to(v_reset, (n,)).astype(float))


def _hand_built() -> dict[str, tuple[ir.Graph, np.ndarray, str]]:
    """``{case: (graph, integer inputs (T, B, n), spiking layer to compare)}``."""
    rng = np.random.default_rng(61)
    x = (rng.random((30, 2, 10)) < 0.4).astype(np.int64)
    li = ir.LI(tau=np.full(3, 0.05), r=np.ones(3), v_leak=np.zeros(3))
    thresholds = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.2, 0.4, (14, 10))),
        ir.LIF(tau=np.full(14, 0.02), r=np.ones(14), v_leak=np.zeros(14), v_threshold=np.linspace(0.2, 0.8, 14)),
        ir.Linear(weight=rng.normal(0.1, 0.4, (3, 14))), li, names=["fc", "lif", "ro", "li"], profile=EULER)
    reset = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.3, 0.5, (12, 10))), _cuba(12, 0.3, np.linspace(-0.3, 0.1, 12)),
        ir.Linear(weight=rng.normal(0.1, 0.4, (3, 12))), li, names=["fc", "cuba", "ro", "li"], profile=EULER)
    bias = ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.1, 0.4, (12, 10)), bias=rng.normal(0.05, 0.05, 12)), _cuba(12, 0.3),
        ir.Affine(weight=rng.normal(0.1, 0.4, (3, 12)), bias=np.array([0.02, -0.02, 0.01])),
        ir.CubaLI(tau_syn=np.full(3, 0.05), tau_mem=np.full(3, 0.04), r=np.ones(3), v_leak=np.zeros(3)),
        names=["fc", "cuba", "ro", "cuba_li"], profile=EULER)
    all_three = ir.Graph.sequential(  # per-neuron thresholds, v_reset and a current bias, next-step subtraction
        ir.Affine(weight=rng.normal(0.2, 0.4, (12, 10)), bias=rng.normal(0.03, 0.03, 12)),
        _cuba(12, np.linspace(0.3, 0.6, 12), -0.1), ir.Linear(weight=rng.normal(0.1, 0.4, (3, 12))), li,
        names=["fc", "cuba", "ro", "li"], profile=EULER.replace(reset="subtract", reset_timing="next_step"))
    exact = ir.Graph.sequential(  # exact Cuba integration, a current bias, a per-neuron reset value
        ir.Affine(weight=rng.normal(0.2, 0.4, (12, 10)), bias=rng.normal(0.03, 0.03, 12)),
        _cuba(12, 0.3, np.linspace(-0.2, 0.0, 12)), ir.Linear(weight=rng.normal(0.1, 0.4, (3, 12))),
        ir.CubaLI(tau_syn=np.full(3, 0.05), tau_mem=np.full(3, 0.04), r=np.ones(3), v_leak=np.zeros(3)),
        names=["fc", "cuba", "ro", "cuba_li"], profile=EXACT)
    return {"exact_cuba": (exact, x, "cuba"), "thresholds": (thresholds, x, "lif"), "v_reset": (reset, x, "cuba"),
            "cuba_bias": (bias, x, "cuba"),
            "all_three": (all_three, x, "cuba"), "three_sources": (_three_sources(rng), x, "lif3")}


def _three_sources(rng: np.random.Generator) -> ir.Graph:
    """``lif3 = LIF(W_a lif0 + W_b lif1 + W_c lif2)``: a layer fed by three earlier spiking layers (two
    residual Dense processes beside the main one, all summed into its ``a_in``)."""
    def lif(n: int) -> ir.LIF:
        return ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 0.4))

    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=(10,)), "c0": ir.Linear(weight=rng.normal(0.3, 0.4, (8, 10))),
                                 "lif0": lif(8), "c1": ir.Linear(weight=rng.normal(0.3, 0.4, (8, 8))), "lif1": lif(8),
                                 "c2": ir.Linear(weight=rng.normal(0.3, 0.4, (8, 8))), "lif2": lif(8),
                                 "sa": ir.Linear(weight=rng.normal(0.1, 0.3, (6, 8))),
                                 "sb": ir.Affine(weight=rng.normal(0.1, 0.3, (6, 8)), bias=np.full(6, 0.01)),
                                 "c3": ir.Linear(weight=rng.normal(0.1, 0.3, (6, 8))), "lif3": lif(6),
                                 "ro": ir.Linear(weight=rng.normal(0.1, 0.4, (3, 6))),
                                 "li": ir.LI(tau=np.full(3, 0.05), r=np.ones(3), v_leak=np.zeros(3)),
                                 "output": ir.Output(shape=(3,))}
    edges = (("input", "c0"), ("c0", "lif0"), ("lif0", "c1"), ("c1", "lif1"), ("lif1", "c2"), ("c2", "lif2"),
             ("lif0", "sa"), ("sa", "lif3"), ("lif1", "sb"), ("sb", "lif3"), ("lif2", "c3"), ("c3", "lif3"),
             ("lif3", "ro"), ("ro", "li"), ("li", "output"))
    return ir.Graph(nodes=nodes, edges=edges, profile=EULER)


def _producer_models() -> dict[str, tuple[ir.Graph, np.ndarray, str]]:
    """The producer goldens Loihi 2 refused before (read with their producer)."""
    out = {}
    for producer, name in PRODUCER_MODELS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the producer's notes
            g = ir.read(GOLDENS / producer / f"{name}.nir", producer=producer)
        x = np.load(GOLDENS / producer / f"{name}.npz")["input"].astype(np.int64)
        out[f"{producer}_{name}"] = (g, x, "")
    return out


@pytest.fixture(scope="module")
def runs(lava_runtime: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Per case: the artifact, real Lava's integers (one launch for all cases) and neurokit's."""
    be = get_backend("loihi2")
    out: dict[str, dict[str, Any]] = {}
    for name, (graph, x, layer) in {**_hand_built(), **_producer_models()}.items():
        assert be.check(graph) == [], name
        art = be.lower(graph, tmp_path_factory.mktemp(name))
        with h5py.File(Path(art.path) / "layers.h5", "r") as f:
            layers = [{k: f[f"layer{i}"][k][()] for k in f[f"layer{i}"]} for i in range(len(art.manifest["layers"]))]
        out[name] = {"graph": graph, "artifact": art, "x": x, "layer": layer,
                     "ours": run_layers(layers, x.reshape(x.shape[0], x.shape[1], -1))}
    for r, lava in zip(out.values(), run_lava_many([(r["artifact"], r["x"]) for r in out.values()], timeout_s=600)):
        r["lava"] = lava
    return out


CASES = ["exact_cuba", "thresholds", "v_reset", "cuba_bias", "all_three", "three_sources", *(f"{p}_{n}" for p, n in PRODUCER_MODELS)]


@pytest.mark.lava
@pytest.mark.parametrize("case", CASES)
def test_formerly_refused_models_are_bit_exact_in_real_lava(runs: dict[str, dict[str, Any]], case: str) -> None:
    r = runs[case]
    assert sorted(r["lava"]) == sorted(r["ours"])
    for key in r["ours"]:  # spikes, current and voltage of every layer at every step
        np.testing.assert_array_equal(r["lava"][key], r["ours"][key].astype(np.int64), err_msg=f"{case}: {key}")
    spiking = [k for k, L in enumerate(r["artifact"].manifest["layers"]) if not L["readout"]]
    assert all(0 < r["lava"][f"s{k}"].mean() < 0.9 for k in spiking)  # no silent or saturated layer


@pytest.mark.lava
@pytest.mark.parametrize("case, bound", [("exact_cuba", 0.95), ("thresholds", 0.95), ("v_reset", 0.95), ("cuba_bias", 0.95),
                                         ("all_three", 0.95), ("three_sources", 0.95), ("norse_lif_cuba", 0.98), ("rockpool_cubalif", 0.93),
                                         ("rockpool_lif", 0.85), ("spyx_cubalif", 0.95), ("spyx_rcubalif", 0.95),
                                         ("spyx_two_layer", 0.93)])
def test_formerly_refused_models_agree_with_the_float_model(runs: dict[str, dict[str, Any]], case: str,
                                                           bound: float) -> None:
    """Spike agreement of every spiking layer (counts where the profile counts spikes) between the
    chip and the float model at Loihi's timing (Rockpool's LIF: graded counts at 74 % activity)."""
    r = runs[case]
    f = sim.simulate(get_backend("loihi2").numeric_mode_graph(r["artifact"]), r["x"].astype(np.float64))
    for k, L in enumerate(r["artifact"].manifest["layers"]):
        if not L["readout"]:
            chip = r["lava"][f"s{k}"]
            assert np.mean(f.spikes[L["neuron"]].reshape(chip.shape) == chip) >= bound, L["neuron"]


@pytest.mark.lava
def test_each_case_maps_as_it_claims(runs: dict[str, dict[str, Any]]) -> None:
    """Per-neuron thresholds keep the stock LIF (a per-neuron scale, one chip threshold); v_reset and
    a current bias run as the program, and the reason is in the manifest."""
    layer = runs["thresholds"]["artifact"].manifest["layers"][0]
    assert "program" not in layer and len(layer["scale"]) == 14
    np.testing.assert_allclose(np.asarray(layer["scale"]) * np.linspace(0.2, 0.8, 14), 64 * layer["vth"])
    reasons = {case: runs[case]["artifact"].manifest["layers"][0]["program"] for case in ("v_reset", "cuba_bias")}
    assert reasons == {"v_reset": ["v_reset != 0 (the stock LIF resets to 0)"],
                       "cuba_bias": ["a bias into the synaptic current (the stock LIF adds its bias to v)"]}
    assert runs["cuba_bias"]["artifact"].manifest["layers"][1]["program"] == reasons["cuba_bias"]  # the CubaLI too
    with h5py.File(Path(runs["v_reset"]["artifact"].path) / "layers.h5", "r") as f:
        v_reset, scale, bias = f["layer0/v_reset"][()], f["layer0/scale"][()], f["layer0/bias_mant"][()]
    np.testing.assert_array_equal(v_reset, np.round(scale * np.linspace(-0.3, 0.1, 12)))
    assert np.all(bias == 0)
    with h5py.File(Path(runs["cuba_bias"]["artifact"].path) / "layers.h5", "r") as f:
        assert np.all(f["layer0/bias_mant"][()] == 0) and np.count_nonzero(f["layer0/bias_u"][()]) == 12
    three = runs["three_sources"]["artifact"].manifest["layers"][3]
    assert (three["synapse"], three["skip_sources"]) == ("c3", [0, 1]) and 90 <= three["skip_synapses"] <= 96
    s = runs["v_reset"]["lava"]["s0"].astype(bool)  # zero reset: the step after a spike starts at v_reset
    v = runs["v_reset"]["lava"]["v0"]
    np.testing.assert_array_equal(v[s], np.broadcast_to(v_reset, v.shape)[s])


def test_a_reset_at_or_above_the_threshold_is_refused_with_the_node_and_the_fix() -> None:
    g = _hand_built()["v_reset"][0]
    bad = g.replace_node("cuba", g.nodes["cuba"].replace(v_reset=np.full(12, 0.3)))
    assert [str(p) for p in get_backend("loihi2").check(bad)] == [
        "node 'cuba': v_reset is not below v_threshold: a spike would not lower the membrane "
        "(fix: use v_reset < v_threshold)"]


@pytest.mark.lava
def test_exact_cuba_feeds_the_input_into_v_directly(runs: dict[str, dict[str, Any]]) -> None:
    """Exact CubaLIF/CubaLI run as the program with ``k_in = round(2^12 k)``, :math:`k = (g_m a_s - c) /
    (c g_s)` from the discretisation's coefficients; the direct term is what brings the integer
    membrane to the float one: without it (``k_in = 0``) the membranes of both layers stray further."""
    from neurokit.dynamics.discretisation import neuron_coefficients

    r = runs["exact_cuba"]
    layers_meta = r["artifact"].manifest["layers"]
    reason = "integration='exact' (the exact Cuba update also feeds the input straight into v)"
    assert [reason in L["program"] for L in layers_meta] == [True, True]
    with h5py.File(Path(r["artifact"].path) / "layers.h5", "r") as f:
        layers = [{k: f[f"layer{i}"][k][()] for k in f[f"layer{i}"]} for i in range(2)]
    c = neuron_coefficients(r["graph"].nodes["cuba"], EXACT)
    k = (c.gain_mem * c.a_syn - c.coupling) / (c.coupling * c.gain_syn)
    np.testing.assert_array_equal(layers[0]["k_in"], np.round(4096 * k))
    assert np.all(layers[0]["k_in"] < 0)  # tau_syn > tau_mem here: the held input lowers the membrane at first
    f = sim.simulate(get_backend("loihi2").numeric_mode_graph(r["artifact"]), r["x"].astype(np.float64),
                     record=("spikes", "v"))
    no_direct = run_layers([{**L, "k_in": np.zeros_like(L["k_in"])} for L in layers],
                           r["x"].reshape(r["x"].shape[0], r["x"].shape[1], -1))
    for k_layer, name in enumerate(("cuba", "cuba_li")):
        scale = np.asarray(layers[k_layer]["scale"], np.float64)
        v_float = f.traces[name]["v"].reshape(r["lava"][f"v{k_layer}"].shape)
        steps = slice(0, 5)  # before spikes part the three runs' trajectories
        err = np.abs(r["lava"][f"v{k_layer}"][steps] / scale - v_float[steps]).max()
        err_without = np.abs(no_direct[f"v{k_layer}"][steps] / scale - v_float[steps]).max()
        assert err < 0.2 * err_without, (name, err, err_without)


def test_exact_cuba_with_a_current_decay_that_rounds_to_zero_is_refused() -> None:
    g = _hand_built()["exact_cuba"][0]
    bad = g.replace_node("cuba", g.nodes["cuba"].replace(tau_syn=np.full(12, 1e-3)))  # a_s = e^-10 < 1/4096
    assert [str(p) for p in get_backend("loihi2").check(bad)] == [
        "node 'cuba': CubaLIF with integration='exact': the exact update's direct input term needs a current "
        "decay a_s with 1/4096 <= a_s < 1 per step (it divides by a_s and by 1 - a_s) (fix: use a tau_syn within "
        "a few hundred steps of dt, or integration='euler')"]
