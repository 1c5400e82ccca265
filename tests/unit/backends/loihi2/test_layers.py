"""The layer kinds issue 16 added to Loihi 2, each run in real Lava (lava-nc 0.10, out of process, all
cases in one Lava launch) and held bit for bit to neurokit's bit-accurate Loihi mode (every layer's
spikes, current and voltage at every step), and compared with the float model at Loihi's timing:
CubaLIF/CubaLI (current-based, Euler), I readouts, average pool folded into the next convolution,
recurrent weights with bias (snnTorch RLeaky), the ``>=`` spike rule, Scale nodes and residual
paths (a converted ResNet), and what runs as neurokit's neuron program (``lava_neuron.ResetLIF``): a
leaky subtraction (either timing), per-neuron decays, spike counts with a floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.base import Artifact
from neurokit.backends.loihi2 import run_lava_many
from neurokit.backends.loihi2.board import recording_from_raw
from neurokit.backends.loihi2.fixed_point import run_layers
from neurokit.errors import MappingError

DT = ir.Profile(dt=1e-2)
EULER = ir.Profile(dt=1e-2, integration="euler")


def _lif(shape: Any, threshold: float, tau: float = 0.02) -> ir.LIF:
    return ir.LIF(tau=np.full(shape, tau), r=np.ones(shape), v_leak=np.zeros(shape), v_threshold=np.full(shape, threshold))


def _li(n: int) -> ir.LI:
    return ir.LI(tau=np.full(n, 0.05), r=np.ones(n), v_leak=np.zeros(n))


def _cases() -> dict[str, tuple[ir.Graph, np.ndarray, str]]:
    """``{case: (float graph, integer inputs (T, B, *shape), spiking layer to compare)}`` (hand-built)."""
    rng = np.random.default_rng(16)
    cases: dict[str, tuple[ir.Graph, np.ndarray, str]] = {}
    # current-based neurons (Loihi's own CUBA neuron): tau_syn -> du, tau_mem -> dv, Euler
    cuba = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.2, 0.5, (16, 12))),  # no bias: Loihi adds a bias to v, Cuba models to I
        ir.CubaLIF(tau_syn=np.full(16, 0.04), tau_mem=np.full(16, 0.03), r=np.ones(16), v_leak=np.zeros(16),
                   v_threshold=np.full(16, 0.4)),
        ir.Linear(weight=rng.normal(0.1, 0.4, (4, 16))),
        ir.CubaLI(tau_syn=np.full(4, 0.05), tau_mem=np.full(4, 0.04), r=np.ones(4), v_leak=np.zeros(4)),
        names=["fc", "cuba", "ro", "cuba_li"], profile=EULER)
    cases["cuba"] = (cuba, (rng.random((30, 3, 12)) < 0.4).astype(np.int64), "cuba")
    # an IF hidden layer and an I readout (what conversion emits), graded input counts
    integ = ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.1, 0.3, (20, 10)), bias=np.full(20, 0.02)),
        ir.IF(r=np.full(20, 100.0), v_threshold=np.ones(20)),
        ir.Linear(weight=rng.normal(0.0, 0.5, (3, 20))), ir.I(r=np.full(3, 100.0)),
        names=["fc", "if", "ro", "readout"], profile=DT)
    cases["readout_i"] = (integ, (rng.random((30, 2, 10)) < 0.5) * rng.integers(1, 3, (30, 2, 10)), "if")
    # conv -> LIF -> average pool -> conv: the pool is folded into the second convolution's weights
    pool = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.3, 0.4, (3, 1, 3, 3)), bias=np.zeros(3), padding=1, input_shape=(6, 6)),
        _lif((3, 6, 6), 0.4), ir.AvgPool2d(kernel_size=2, stride=2),
        ir.Conv2d(weight=rng.normal(0.1, 0.4, (4, 3, 3, 3)), bias=np.full(4, 0.01), padding=1, input_shape=(3, 3)),
        _lif((4, 3, 3), 0.3), ir.Flatten(input_shape=(4, 3, 3)),
        ir.Linear(weight=rng.normal(0.1, 0.3, (5, 36))), _li(5),
        names=["conv1", "lif1", "pool", "conv2", "lif2", "flat", "ro", "li"], profile=DT)
    cases["pool_conv"] = (pool, (rng.random((25, 2, 1, 6, 6)) < 0.4).astype(np.int64), "lif2")
    # snnTorch RLeaky: recurrent weights with a bias
    g = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.15, 0.3, (14, 10))), _lif(14, 0.5),
                            ir.Linear(weight=rng.normal(0.1, 0.4, (3, 14))), _li(3),
                            names=["fc", "lif", "ro", "li"], profile=DT)
    rleaky = ir.Graph(nodes={**g.nodes, "rec": ir.Affine(weight=rng.normal(0.0, 0.3, (14, 14)),
                                                        bias=rng.normal(0.05, 0.02, 14))},
                      edges=(*g.edges, ("lif", "rec"), ("rec", "lif")), profile=DT)
    cases["rleaky"] = (rleaky, (rng.random((30, 2, 10)) < 0.4).astype(np.int64), "lif")
    # the >= rule: a leak-free layer (ties: two inputs of half a threshold reach it exactly) and a leaky one
    ge = ir.Graph.sequential(ir.Linear(weight=np.array([[0.5, -0.5], [0.5, 0.5]])),
                             ir.IF(r=np.full(2, 100.0), v_threshold=np.ones(2)),
                             ir.Linear(weight=rng.normal(0.2, 0.5, (6, 2))), _lif(6, 0.3),
                             names=["fc", "if", "fc2", "lif"], profile=DT.replace(spike_rule=">="))
    cases["ge"] = (ge, (rng.random((40, 2, 2)) < 0.5).astype(np.int64), "if")
    # subtractive reset (Lava's ATRLIF) with >=: ties of half a threshold, a half-threshold pre-charge
    sub = ir.Graph.sequential(ir.Affine(weight=np.array([[0.5, -0.5], [0.5, 0.5], [1.5, 0.5]]), bias=np.zeros(3)),
                              ir.IF(r=np.full(3, 100.0), v_threshold=np.ones(3), metadata={"v_init": np.full(3, 0.5)}),
                              ir.Linear(weight=rng.normal(0.0, 0.5, (2, 3))), ir.I(r=np.full(2, 100.0)),
                              names=["fc", "if", "ro", "readout"], profile=DT.replace(reset="subtract", spike_rule=">="))
    cases["subtract_ge"] = (sub, (rng.random((40, 2, 2)) < 0.6).astype(np.int64), "if")
    # learnable delays as neurokit.train exports them: per lag a Delay and a Linear, summed into the LIF
    w, lags = rng.normal(0.2, 0.4, (12, 10)), rng.integers(0, 4, (12, 10))
    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=(10,)), "fan": ir.Flatten(input_shape=(10,))}
    edges = [("input", "fan")]
    for k in range(4):
        lin = ir.Affine(weight=np.where(lags == k, w, 0.0), bias=np.full(12, 0.02)) if k == 0 else \
            ir.Linear(weight=np.where(lags == k, w, 0.0))
        nodes[f"lag{k}"] = lin
        if k:
            nodes[f"delay{k}"] = ir.Delay(delay=np.full(10, k * 1e-2))
        edges += [("fan", f"delay{k}"), (f"delay{k}", f"lag{k}")] if k else [("fan", "lag0")]
        edges.append((f"lag{k}", "lif"))
    nodes.update(lif=_lif(12, 0.4), ro=ir.Linear(weight=rng.normal(0.1, 0.4, (3, 12))), li=_li(3),
                 output=ir.Output(shape=(3,)))
    edges += [("lif", "ro"), ("ro", "li"), ("li", "output")]
    cases["delay_branches"] = (ir.Graph(nodes=nodes, edges=tuple(edges), profile=DT),
                               (rng.random((30, 2, 10)) < 0.4).astype(np.int64), "lif")
    cases["residual"] = (_residual(rng), (rng.random((30, 2, 1, 6, 6)) < 0.4).astype(np.int64), "lif2")
    cases.update(_program_cases(rng))
    return cases


def _program_cases(rng: np.random.Generator) -> dict[str, tuple[ir.Graph, np.ndarray, str]]:
    """What runs as neurokit's neuron program (``lava_neuron.ResetLIF``): a leaky subtraction in the
    next step (snnTorch's Leaky), a same-step subtraction on CubaLIF, per-neuron time constants
    (LIF and LI), and Sinabs-style spike counts with a floor (IF, ``>=``, subtraction, ``v_min``)
    feeding graded spikes into a recurrent Dense and the next layer."""
    x = (rng.random((30, 2, 10)) < 0.4).astype(np.int64)
    leaky = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.2, 0.4, (14, 10))), _lif(14, 0.5, 0.05),
                                ir.Linear(weight=rng.normal(0.1, 0.4, (3, 14))), _li(3), names=["fc", "lif", "ro", "li"],
                                profile=DT.replace(reset="subtract", reset_timing="next_step"))
    cuba = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.3, 0.5, (12, 10))),
        ir.CubaLIF(tau_syn=np.full(12, 0.03), tau_mem=np.full(12, 0.05), r=np.ones(12), v_leak=np.zeros(12),
                   v_threshold=np.full(12, 0.3)),
        ir.Linear(weight=rng.normal(0.1, 0.4, (3, 12))), _li(3), names=["fc", "cuba", "ro", "li"],
        profile=EULER.replace(reset="subtract"))
    per_neuron = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.2, 0.4, (14, 10))), _lif(14, 0.5).replace(tau=rng.uniform(0.02, 0.1, 14)),
        ir.Linear(weight=rng.normal(0.1, 0.4, (3, 14))), _li(3).replace(tau=np.array([0.03, 0.05, 0.1])),
        names=["fc", "lif", "ro", "li"], profile=DT)
    g = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.4, 0.6, (12, 10))), ir.IF(r=np.full(12, 100.0), v_threshold=np.ones(12)),
                            ir.Linear(weight=rng.normal(0.2, 0.4, (5, 12))), ir.IF(r=np.full(5, 100.0), v_threshold=np.ones(5)),
                            names=["fc", "if", "fc2", "if2"],
                            profile=DT.replace(reset="subtract", spike_rule=">=", multi_spike=True, v_min=-1.0))
    multi = ir.Graph(nodes={**g.nodes, "rec": ir.Linear(weight=rng.normal(-0.1, 0.2, (12, 12)))},
                     edges=(*g.edges, ("if", "rec"), ("rec", "if")), profile=g.profile)
    refractory = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.4, 0.4, (14, 10))),
                                     _lif(14, 0.5).replace(t_refrac=np.full(14, 0.03)),  # frozen 2 steps after a spike
                                     ir.Linear(weight=rng.normal(0.1, 0.4, (3, 14))), _li(3),
                                     names=["fc", "lif", "ro", "li"], profile=DT)
    return {"leaky_subtract_next": (leaky, x, "lif"), "cuba_subtract": (cuba, x, "cuba"), "refractory": (refractory, x, "lif"),
            "per_neuron_tau": (per_neuron, x, "lif"), "multi_spike": (multi, x, "if")}


def _residual(rng: np.random.Generator) -> ir.Graph:
    """A converted ResNet's shapes: ``lif1 = LIF(conv(lif0) + Scale_a(lif0))`` (two branches from one
    source: one Dense) and ``lif2 = LIF(conv2(lif1) + Scale_b(lif0))`` (a residual path from an
    earlier layer: a second Dense into lif2's a_in)."""
    def conv(c_in: int, c_out: int, mean: float) -> ir.Conv2d:
        return ir.Conv2d(weight=rng.normal(mean, 0.3, (c_out, c_in, 3, 3)), bias=np.full(c_out, 0.01), padding=1,
                         input_shape=(6, 6))

    nodes: dict[str, ir.Node] = {
        "input": ir.Input(shape=(1, 6, 6)), "stem": conv(1, 3, 0.3), "lif0": _lif((3, 6, 6), 0.4),
        "conv1": conv(3, 3, 0.05), "scale_a": ir.Scale(scale=np.full((3, 6, 6), 0.3)), "lif1": _lif((3, 6, 6), 0.4),
        "conv2": conv(3, 3, 0.05), "scale_b": ir.Scale(scale=rng.uniform(0.2, 0.5, (3, 6, 6))),
        "lif2": _lif((3, 6, 6), 0.4), "flat": ir.Flatten(input_shape=(3, 6, 6)),
        "ro": ir.Linear(weight=rng.normal(0.05, 0.3, (4, 108))), "li": _li(4), "output": ir.Output(shape=(4,))}
    edges = (("input", "stem"), ("stem", "lif0"), ("lif0", "conv1"), ("lif0", "scale_a"), ("conv1", "lif1"),
             ("scale_a", "lif1"), ("lif1", "conv2"), ("conv2", "lif2"), ("lif0", "scale_b"), ("scale_b", "lif2"),
             ("lif2", "flat"), ("flat", "ro"), ("ro", "li"), ("li", "output"))
    return ir.Graph(nodes=nodes, edges=edges, profile=DT)


def _spyx_cases() -> dict[str, tuple[ir.Graph, np.ndarray, str]]:
    """spyx exports read with their producer (next-step subtraction, a one-step Delay before the
    Output; PSU_LIF: a Delay inside the net, one DelayDense, and an LI readout thresholded into the
    Output; conv: ``LIF -> Delay -> SumPool -> Flatten -> Affine``, the Delay in front of a chain, one
    DelayDense): the Delay/Threshold output stage is applied on the host (``neurokit.backends.output_stage``)."""
    import warnings

    out = {}
    for name, layer in (("lif", "layer_1"), ("psu_lif", "layer_1"), ("conv", "layer_1")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the producer's notes
            g = ir.read(SPYX / f"{name}.nir", producer="spyx")
        x = np.load(SPYX / f"{name}.npz")["input"].astype(np.int64)
        out[f"spyx_{name}"] = (g, np.moveaxis(x, -1, 2) if x.ndim == 5 else x, layer)  # spyx's images: channels last
    return out


SPYX = Path(__file__).resolve().parents[3] / "golden" / "producers" / "spyx"


def _converted(tmp: Path) -> tuple[ir.Graph, np.ndarray, str]:
    """``neurokit convert``'s MLP (IF with reset by subtraction and a half-threshold start, an I
    readout, analog digits in sixteenths: deployed with ``input_scale = 16``) and 6 test images x 24 steps."""
    from neurokit import api
    from neurokit.data import Digits

    api.convert(arch="mlp", out=tmp / "mlp.nir", timesteps=[24])
    images = Digits(train=False).images[:6]
    return ir.read(tmp / "mlp.nir"), np.broadcast_to(np.rint(images * 16)[None], (24, *images.shape)).copy(), "if2"


@pytest.mark.lava
def test_converted_mlp_classifies_on_the_chip_as_the_float_model(runs: dict[str, dict[str, Any]]) -> None:
    r = runs["converted"]
    layers = r["artifact"].manifest["layers"]
    assert [L["kind"] for L in layers] == ["IF", "IF", "I"] and all("theta_0" not in L for L in layers)
    assert layers[0]["max_spikes_per_sample"] >= 500 and r["artifact"].manifest["input_scale"] == 16.0
    assert any("ATRLIF" in p for p in r["artifact"].manifest["netx"]["refused"])  # netx only: the deploy runs
    float_out = sim.simulate(r["graph"], r["float_x"]).outputs["output"][-1]
    chip = r["lava"]["v2"][-1] / layers[-1]["scale"]  # the I readout's membrane after the last step
    assert np.array_equal(chip.argmax(-1), float_out.argmax(-1))
    np.testing.assert_allclose(chip, float_out, atol=0.15 * np.abs(float_out).max())


def _bit_accurate(art: Artifact, x: np.ndarray) -> dict[str, np.ndarray]:
    with h5py.File(Path(art.path) / "layers.h5", "r") as f:
        layers = [{k: f[f"layer{i}"][k][()] for k in f[f"layer{i}"]} for i in range(len(art.manifest["layers"]))]
    return run_layers(layers, x.reshape(x.shape[0], x.shape[1], -1))


@pytest.fixture(scope="module")
def runs(lava_runtime: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Per case: the artifact, real Lava's integers (one launch for all cases) and neurokit's."""
    be = get_backend("loihi2")
    out: dict[str, dict[str, Any]] = {}
    cases = {**_cases(), "converted": _converted(tmp_path_factory.mktemp("convert")), **_spyx_cases()}
    for name, (graph, x, layer) in cases.items():
        scale = 16.0 if name == "converted" else 1.0
        art = be.lower(graph, tmp_path_factory.mktemp(name), {"input_scale": scale})
        out[name] = {"graph": graph, "artifact": art, "x": x, "float_x": x / scale, "layer": layer,
                     "ours": _bit_accurate(art, x)}
    for r, lava in zip(out.values(), run_lava_many([(r["artifact"], r["x"]) for r in out.values()], timeout_s=600)):
        r["lava"] = lava
    return out


def _float_agreement(r: dict[str, Any]) -> float:
    """Spike agreement of the spiking layer between the chip and the float model at Loihi's timing."""
    be = get_backend("loihi2")
    f = sim.simulate(be.numeric_mode_graph(r["artifact"]), r["float_x"])
    k = [L["neuron"] for L in r["artifact"].manifest["layers"]].index(r["layer"])
    chip = r["lava"][f"s{k}"].astype(bool)
    return float(np.mean(f.spikes[r["layer"]].reshape(chip.shape) == chip))


@pytest.mark.lava
@pytest.mark.parametrize("case", ["cuba", "readout_i", "pool_conv", "rleaky", "ge", "subtract_ge", "delay_branches",
                                  "residual", "converted", "leaky_subtract_next", "cuba_subtract", "per_neuron_tau",
                                  "multi_spike", "spyx_lif", "spyx_psu_lif", "spyx_conv", "refractory"])
def test_new_layers_are_bit_exact_in_real_lava(runs: dict[str, dict[str, Any]], case: str) -> None:
    r = runs[case]
    assert sorted(r["lava"]) == sorted(r["ours"])
    for key in r["ours"]:  # spikes, current and voltage of every layer at every step
        np.testing.assert_array_equal(r["lava"][key], r["ours"][key].astype(np.int64), err_msg=f"{case}: {key}")
    k = [L["neuron"] for L in r["artifact"].manifest["layers"]].index(r["layer"])
    assert 0 < r["lava"][f"s{k}"].mean() < 0.9  # the compared layer is neither silent nor saturated


@pytest.mark.lava
@pytest.mark.parametrize("case, bound", [("cuba", 0.95), ("readout_i", 0.95), ("pool_conv", 0.95),
                                         ("rleaky", 0.9), ("ge", 1.0), ("subtract_ge", 1.0), ("delay_branches", 0.95),
                                         ("residual", 0.9), ("converted", 0.9), ("leaky_subtract_next", 0.95),
                                         ("cuba_subtract", 0.95), ("per_neuron_tau", 0.95), ("multi_spike", 0.7),
                                         ("spyx_lif", 0.95), ("spyx_psu_lif", 0.95), ("spyx_conv", 0.95),
                                         ("refractory", 0.95)])
def test_new_layers_agree_with_the_float_model(runs: dict[str, dict[str, Any]], case: str, bound: float) -> None:
    assert _float_agreement(runs[case]) >= bound


@pytest.mark.lava
def test_each_case_maps_to_the_chip_parameters_it_claims(runs: dict[str, dict[str, Any]]) -> None:
    cuba = runs["cuba"]["artifact"].manifest["layers"]
    # Euler, dt = 10 ms: a_syn = 1 - 10/40 = 0.75 -> du = 4095 - 3072; a_mem = 1 - 10/30 -> dv = round(4096/3)
    assert (cuba[0]["du"], cuba[0]["dv"]) == (1023, 1365) and cuba[1]["du"] == 4095 - round(4096 * 0.8)
    assert cuba[1]["readout"] and not cuba[0]["readout"]
    pool = runs["pool_conv"]["artifact"].manifest["layers"]
    assert [L["synapse"] for L in pool] == ["conv1", "pool+conv2", "ro"] and [L["n"] for L in pool] == [108, 36, 5]
    rleaky = runs["rleaky"]["artifact"]
    with h5py.File(Path(rleaky.path) / "layers.h5", "r") as f:
        assert np.all(f["layer0/bias_mant"][()] != 0)  # the recurrent bias is the layer's constant current
    delayed = runs["delay_branches"]["artifact"]
    assert delayed.manifest["layers"][0]["synapse"] == "lag0+lag1+lag2+lag3"
    with h5py.File(Path(delayed.path) / "layers.h5", "r") as f:
        lags = f["layer0/delays"][()]
    for k in range(4):  # every synapse carries its branch's lag (DelayDense)
        mask = np.asarray(runs["delay_branches"]["graph"].nodes[f"lag{k}"].weight) != 0
        assert mask.any() and np.all(lags[mask] == k)
    res = runs["residual"]["artifact"].manifest["layers"]  # Scale_a summed into conv1's Dense; scale_b: a 2nd Dense
    assert [L["synapse"] for L in res] == ["stem", "conv1+scale_a", "conv2", "ro"]
    assert res[2]["skip_source"] == 0 and res[2]["skip_synapses"] == 108 and "skip_source" not in res[1]
    assert runs["residual"]["lava"]["s0"].mean() > 0.05  # the residual source layer spikes
    ge = runs["ge"]
    assert ge["artifact"].manifest["layers"][0]["vth"] == 2 * 254 - 1  # 0.5 thresholds -> vth 508, shifted by one
    # the tie: an IF neuron with two inputs of half a threshold reaches v = v_th exactly; >= spikes
    rec = sim.simulate(get_backend("loihi2").numeric_mode_graph(ge["artifact"]), ge["x"].astype(float))
    assert np.array_equal(rec.spikes["if"], ge["lava"]["s0"].astype(bool)) and ge["lava"]["s0"][:, :, 1].any()
    sub = runs["subtract_ge"]  # IF with subtraction: a next-step subtraction gives the same spikes, so it maps too
    nxt = sub["graph"].with_profile(sub["graph"].profile.replace(reset_timing="next_step"))
    assert get_backend("loihi2").check(nxt) == []
    a = get_backend("loihi2").lower(nxt, Path(sub["artifact"].path).parent / "next")
    f = sim.simulate(get_backend("loihi2").numeric_mode_graph(a), sub["float_x"])
    np.testing.assert_array_equal(f.spikes["if"], sub["lava"]["s0"].astype(bool))
    leaky = runs["rleaky"]["graph"]  # zero reset: the next step starts from 0 either way; subtraction: not so
    assert get_backend("loihi2").check(leaky.with_profile(leaky.profile.replace(reset_timing="next_step"))) == []
    late = leaky.profile.replace(reset_timing="next_step", reset="subtract")  # runs as the neuron program
    assert get_backend("loihi2").check(leaky.with_profile(late)) == []
    gt = ge["graph"].with_profile(ge["graph"].profile.replace(spike_rule=">"))
    a = get_backend("loihi2").lower(gt, Path(ge["artifact"].path).parent / "gt")
    assert not np.array_equal(_bit_accurate(a, ge["x"])["s0"], ge["lava"]["s0"])  # > would miss the ties


@pytest.mark.lava
@pytest.mark.parametrize("case", ["cuba", "pool_conv"])
def test_numeric_loihi2_mode_runs_the_new_layers_as_lava_does(runs: dict[str, dict[str, Any]], case: str) -> None:
    r = runs[case]
    mode = sim.simulate(r["graph"].with_profile(r["graph"].profile.replace(numeric="loihi2")), r["x"])
    k = [L["neuron"] for L in r["artifact"].manifest["layers"]].index(r["layer"])
    np.testing.assert_array_equal(mode.spikes[r["layer"]].reshape(r["lava"][f"s{k}"].shape), r["lava"][f"s{k}"])


def test_what_loihi_cannot_run_is_refused_with_the_node_and_the_reason(tmp_path: Path) -> None:
    be = get_backend("loihi2")
    cuba = _cases()["cuba"][0]
    exact = cuba.with_profile(cuba.profile.replace(integration="exact"))
    assert be.check(exact) == []  # the neuron program's direct input term (test_program_params.py)
    fast = exact.replace_node("cuba", exact.nodes["cuba"].replace(tau_syn=np.full(exact.nodes["cuba"].tau_syn.shape,
                                                                                   exact.profile.dt / 20)))
    with pytest.raises(MappingError) as info:  # a_s = e^-20 rounds to 0 in 12 bits: no current memory to divide by
        be.lower(fast, tmp_path / "exact")
    assert "node 'cuba': CubaLIF with integration='exact'" in str(info.value) and "1/4096 <= a_s < 1" in str(info.value)
    assert "integration='euler'" in str(info.value) and "node 'cuba_li'" not in str(info.value)
    hidden_readout = ir.Graph.sequential(ir.Linear(weight=np.ones((3, 2))), _li(3), ir.Linear(weight=np.ones((2, 3))),
                                         _lif(2, 0.5), names=["a", "li", "b", "lif"], profile=DT)
    problems = [str(p) for p in be.check(hidden_readout)]
    assert problems == ["node 'li': LI is a non-spiking readout but feeds another layer; Loihi layers talk only in "
                        "spikes (fix: make hidden layers spiking (LIF/IF/CubaLIF); readouts go last)"]
    assert be.check(cuba.with_profile(cuba.profile.replace(reset="subtract"))) == []  # the neuron program runs it
    thresholds = cuba.replace_node("cuba", cuba.nodes["cuba"].replace(v_threshold=np.linspace(0.3, 0.5, 16)))
    assert be.check(thresholds) == []  # a per-neuron scale (test_program_params.py)


@pytest.mark.parametrize("options, message", [
    ({"input_scal": 16}, "unknown loihi2 option 'input_scal'"),
    ({"input_scale": "16"}, "loihi2 option 'input_scale' must be float, got str"),
    ({"input_scale": True}, "loihi2 option 'input_scale' must be float, got bool"),
    ({"input_scale": 0}, "must be > 0"),
])
def test_unknown_or_mistyped_options_are_errors(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    from neurokit.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        get_backend("loihi2").lower(_cases()["readout_i"][0], tmp_path, options)


@pytest.mark.parametrize("faults, message", [
    ({"weight_bit": 3}, "unknown loihi2 fault 'weight_bit'"),
    ({"weight_bits": 2.5}, "loihi2 fault 'weight_bits' must be int | None, got float"),
    ({"weight_bits": 9}, "must be 1 to 8"),
    ({"saturate_gain_bits": -1}, "must be >= 0"),
])
def test_unknown_or_mistyped_fault_keys_are_errors(tmp_path: Path, faults: dict[str, Any], message: str) -> None:
    from neurokit.backends.loihi2 import LoihiBoard
    from neurokit.errors import ConfigError

    be = get_backend("loihi2")
    art = be.lower(_cases()["readout_i"][0], tmp_path)
    with pytest.raises(ConfigError, match=message):
        be.board(art, faults=faults)
    with pytest.raises(ConfigError, match=message):
        LoihiBoard(artifact=art, faults=faults)
    assert be.board(art, faults={"weight_bits": 4}).faults == {"weight_bits": 4, "saturate_gain_bits": 0}
    assert be.board(art).faults == {"weight_bits": None, "saturate_gain_bits": 0}


def test_the_lowering_table_holds_the_functions_lower_calls_and_matches_check() -> None:
    from neurokit.backends.base import unsupported_nodes
    from neurokit.backends.loihi2.check import NEURONS, PORTS, SYNAPSES
    from neurokit.backends.loihi2.quantize import dense_matrix, neuron_program

    be = get_backend("loihi2")
    assert set(be.lowering) == {*SYNAPSES, *NEURONS, *PORTS} and be.supported_nodes == tuple(be.lowering)
    assert all(callable(f) for f in be.lowering.values())
    assert be.lowering[ir.AvgPool2d] is dense_matrix and be.lowering[ir.CubaLIF] is neuron_program
    w, b = be.lowering[ir.AvgPool2d](ir.AvgPool2d(kernel_size=2, stride=2), ((1, 2, 2), (1, 1, 1)))
    np.testing.assert_array_equal(w, np.full((1, 4), 0.25))
    prog = be.lowering[ir.CubaLIF](_cases()["cuba"][0].nodes["cuba"], EULER)
    assert (prog.du, prog.dv) == (1023, 1365)
    odd = ir.Graph.sequential(ir.Linear(weight=np.eye(2)), ir.Threshold(threshold=np.ones(2)), ir.Linear(weight=np.eye(2)),
                              _lif(2, 0.5), names=["w", "th", "w2", "lif"])  # a Threshold inside the net (not the output stage)
    assert [p.node for p in unsupported_nodes(odd, be.lowering, "loihi2")] == ["th"]
    assert any(p.node == "th" and "Threshold has no Loihi 2 lowering" in p.message for p in be.check(odd))


def test_analog_inputs_need_an_input_scale_that_makes_them_counts(tmp_path: Path) -> None:
    from neurokit.errors import InvalidInputError

    be = get_backend("loihi2")
    graph = _cases()["readout_i"][0]
    x = np.full((5, 1, 10), 0.25)
    with pytest.raises(InvalidInputError, match="deploy with option input_scale"):
        be.numeric_mode_run(be.lower(graph, tmp_path / "plain"), x, 5)
    art = be.lower(graph, tmp_path / "scaled", {"input_scale": 4})
    assert be.numeric_mode_run(art, x, 5).outputs["output"].shape == (5, 1, 3)
    with pytest.raises(InvalidInputError, match=r"inputs times input_scale=4 must be spike counts"):
        be.numeric_mode_run(art, np.full((5, 1, 10), 0.3), 5)


def test_spiking_sequential_exports_with_delays_and_recurrence_map_to_loihi_layers() -> None:
    """``SpikingSequential`` sums its delay branches in a Flatten before the neuron: the same DelayDense."""
    import torch
    from torch import nn

    from neurokit.backends.loihi2.check import plan_layers
    from neurokit.train.delays import DelayedLinear
    from neurokit.train.layers import LIFLayer, LILayer
    from neurokit.train.sequential import RecurrentLIF, SpikingSequential

    torch.manual_seed(0)
    m = SpikingSequential((10,), DelayedLinear(10, 12, 3, seed=0), LIFLayer(12, dt=1e-2), nn.Linear(12, 12),
                          RecurrentLIF(12, dt=1e-2), nn.Linear(12, 3), LILayer(3, dt=1e-2))
    plans, problems = plan_layers(m.to_ir())
    assert problems == [] and [p.neuron for p in plans] == ["1_liflayer", "3_recurrentlif", "5_lilayer"]
    assert plans[0].branch_delays is not None and len(plans[0].synapses) >= 2
    assert plans[1].recurrent == "3_recurrentlif_rec"


def test_per_neuron_decays_run_as_the_neuron_program_where_their_12_bit_decays_differ(tmp_path: Path) -> None:
    """Lava 0.10's stock LIF holds one du/dv per process: time constants equal to 12 bits keep it;
    others run as neurokit's neuron program with a du/dv per neuron (real Lava: ``per_neuron_tau``)."""
    be = get_backend("loihi2")
    tau = np.array([0.02, 0.0200001, 0.02])  # one 12-bit dv (dt = 10 ms: round(4096 * 0.5) for all)
    near = ir.Graph.sequential(ir.Linear(weight=np.ones((3, 2))), _lif(3, 0.5).replace(tau=tau),
                               ir.Linear(weight=np.ones((2, 3))), _li(2), names=["a", "lif", "b", "li"], profile=DT)
    assert be.check(near) == [] and "program" not in be.lower(near, tmp_path / "near").manifest["layers"][0]
    far = near.replace_node("lif", near.nodes["lif"].replace(tau=np.array([0.02, 0.03, 0.04])))
    layer = be.lower(far, tmp_path / "far").manifest["layers"][0]
    assert layer["program"] == ["per-neuron decays (the stock LIF holds one du/dv per process)"]
    assert layer["dv"] == sorted(round(4096 * -np.expm1(-0.01 / tau)) for tau in (0.02, 0.03, 0.04))  # 1 - a per neuron


@pytest.mark.lava
@pytest.mark.parametrize("case", ["spyx_lif", "spyx_psu_lif", "spyx_conv"])
def test_the_output_stage_is_applied_to_what_the_chip_records(runs: dict[str, dict[str, Any]], case: str) -> None:
    r = runs[case]
    art = r["artifact"]
    assert [e["kind"] for e in art.manifest["output_stage"]] == (["Threshold"] if case == "spyx_psu_lif" else ["Delay"])
    out = art.manifest["output"]
    chip = recording_from_raw(art, r["lava"]).outputs[out]
    np.testing.assert_array_equal(chip, get_backend("loihi2").numeric_mode_run(art, r["x"], r["x"].shape[0]).outputs[out])
    f = sim.simulate(get_backend("loihi2").numeric_mode_graph(art), r["float_x"]).outputs[out]
    assert chip.shape == f.shape and np.mean(chip == f) > 0.85 and chip.sum() > 0
    if case != "spyx_psu_lif":  # the one-step output delay: nothing is read out in step 0
        assert not chip[0].any()
    if case != "spyx_lif":  # the Delay inside the net: every synapse of the next Dense one step later
        assert art.manifest["layers"][1]["synapse"] == ("layer_2" if case == "spyx_psu_lif" else "layer_2+layer_4")
        assert np.all(_layer_arrays(art, 1)["delays"][_layer_arrays(art, 1)["weights"] != 0] == 1)


def _layer_arrays(art: Artifact, k: int) -> dict[str, np.ndarray]:
    with h5py.File(Path(art.path) / "layers.h5", "r") as f:
        return {key: f[f"layer{k}"][key][()] for key in f[f"layer{k}"]}


@pytest.mark.lava
def test_program_cases_say_why_they_need_the_program_and_count_spikes(runs: dict[str, dict[str, Any]]) -> None:
    reasons = {case: runs[case]["artifact"].manifest["layers"][0].get("program") for case in
               ("leaky_subtract_next", "cuba_subtract", "per_neuron_tau", "multi_spike", "subtract_ge", "cuba")}
    assert reasons["leaky_subtract_next"] == ["reset='subtract' on a leaky LIF (ATRLIF keeps its offset only without a leak)"]
    assert reasons["cuba_subtract"][0].startswith("reset='subtract' on a leaky CubaLIF")
    assert reasons["multi_spike"] == ["v_min=-1.0 (a floor after the reset)", "multi_spike (graded spike counts)"]
    assert reasons["subtract_ge"] is None and reasons["cuba"] is None  # stock ATRLIF / LIF where they suffice
    assert runs["refractory"]["artifact"].manifest["layers"][0]["program"] == ["refractory periods (a count-down per neuron)"]
    s = runs["refractory"]["lava"]["s0"].astype(bool)  # never two spikes within 3 steps of one neuron
    assert s.any() and not np.any(s[1:] & s[:-1]) and not np.any(s[2:] & s[:-2])
    assert runs["per_neuron_tau"]["artifact"].manifest["layers"][1]["program"]  # the LI readout's taus too
    lava = runs["multi_spike"]["lava"]
    assert lava["s0"].max() > 1 and lava["s1"].max() >= 1  # graded counts travel through Dense to the next layer
    # a count changes at every multiple of the threshold, so 8-bit weights move single counts between
    # steps (entry agreement 0.76, the multi_spike bound above); the totals per layer stay within 2 %
    f = sim.simulate(get_backend("loihi2").numeric_mode_graph(runs["multi_spike"]["artifact"]), runs["multi_spike"]["float_x"])
    for k, name in enumerate(("if", "if2")):
        assert abs(int(lava[f"s{k}"].sum()) - float(f.spikes[name].sum())) <= 0.02 * float(f.spikes[name].sum())
    assert lava["v0"].min() >= runs["multi_spike"]["artifact"].manifest["layers"][0]["scale"] * -1.0 - 1  # the floor
