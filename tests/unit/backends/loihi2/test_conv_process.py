"""Loihi 2 convolutions as Lava's ``Conv`` process (deploy option ``conv_process``), run in real Lava
(lava-nc 0.10, out of process, one launch for all artifacts) and held bit for bit to neurokit's
bit-accurate Loihi mode, and to the same net run with every convolution unrolled into a Dense
(``conv_process="never"``): the same spikes, currents and voltages at every step. The nets have a
non-square input, a non-square kernel, stride, dilation, groups, padding, graded 8-bit input counts
and several samples at once (side by side as channel groups of one Conv), and a leak-free
subtract-reset (ATRLIF) conv layer whose weight exponent the Conv raises to 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from neurokit import ir
from neurokit.backends import get_backend
from neurokit.backends.base import Artifact
from neurokit.backends.loihi2 import run_lava_many
from neurokit.backends.loihi2.fixed_point import run_layers
from neurokit.backends.loihi2.board import _faulty_copy
from neurokit.backends.loihi2.check import plan_layers
from neurokit.backends.loihi2.quantize import CONV_AUTO_ENTRIES, conv_lowered, quantize_graph
from neurokit.errors import ConfigError


def _lif(shape: tuple[int, ...], threshold: float) -> ir.LIF:
    return ir.LIF(tau=np.full(shape, 0.02), r=np.ones(shape), v_leak=np.zeros(shape), v_threshold=np.full(shape, threshold))


def _conv_net() -> tuple[ir.Graph, np.ndarray]:
    """conv (2 -> 4, 3x3, padding 1) -> LIF -> conv (4 -> 6, groups 2, 3x2 kernel, stride (2, 1),
    dilation (1, 2)) -> LIF -> dense -> LI, on a 2 x 6 x 9 input of graded counts, 3 samples."""
    rng = np.random.default_rng(1616)
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.25, 0.4, (4, 2, 3, 3)), bias=np.full(4, 0.02), padding=1, input_shape=(6, 9)),
        _lif((4, 6, 9), 1.0),
        ir.Conv2d(weight=rng.normal(0.2, 0.5, (6, 2, 3, 2)), bias=np.zeros(6), padding=(1, 1), stride=(2, 1),
                  dilation=(1, 2), groups=2, input_shape=(6, 9)),
        _lif((6, 3, 9), 0.8),
        ir.Flatten(start_dim=0),
        ir.Linear(weight=rng.normal(0.0, 0.2, (5, 6 * 3 * 9))),
        ir.LI(tau=np.full(5, 0.05), r=np.ones(5), v_leak=np.zeros(5)),
        names=["conv1", "lif1", "conv2", "lif2", "flat", "fc", "readout"], profile=ir.Profile(dt=1e-2))
    x = (rng.random((20, 3, 2, 6, 9)) < 0.35) * rng.integers(1, 4, (20, 3, 2, 6, 9))
    return g, x


def _subtract_net() -> tuple[ir.Graph, np.ndarray]:
    """An IF conv layer with reset by subtraction (Lava's ATRLIF) and small weights: unrolled its weight
    exponent is negative, as Lava's Conv its exponent is 0."""
    rng = np.random.default_rng(16)
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.05, 0.08, (3, 1, 3, 3)), bias=np.zeros(3), padding=1, input_shape=(5, 7)),
        ir.IF(r=np.full((3, 5, 7), 100.0), v_threshold=np.ones((3, 5, 7))),
        names=["conv", "if"], profile=ir.Profile(dt=1e-2, reset="subtract"))
    return g, (rng.random((25, 2, 1, 5, 7)) < 0.5).astype(np.int64)


def _bit_accurate(art: Artifact, x: np.ndarray) -> dict[str, np.ndarray]:
    with h5py.File(Path(art.path) / "layers.h5", "r") as f:
        layers = [{k: f[f"layer{i}"][k][()] for k in f[f"layer{i}"]} for i in range(len(art.manifest["layers"]))]
    return run_layers(layers, x.reshape(x.shape[0], x.shape[1], -1))


@pytest.fixture(scope="module")
def runs(lava_runtime: None, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (net, conv_process): the artifact, real Lava's integers and neurokit's (one Lava launch)."""
    be = get_backend("loihi2")
    out = {}
    for net, (graph, x) in {"conv": _conv_net(), "subtract": _subtract_net()}.items():
        for mode in ("always", "never"):
            art = be.lower(graph, tmp_path_factory.mktemp(f"{net}-{mode}"), {"conv_process": mode})
            out[(net, mode)] = {"artifact": art, "x": x, "ours": _bit_accurate(art, x)}
            if net == "conv":  # the weight_bits fault: Lava truncates Dense weights; the runner a Conv's kernel
                faulty = _faulty_copy(art, tmp_path_factory.mktemp(f"{net}-{mode}-5bits"), weight_bits=5, gain=0)
                out[(f"{net}5", mode)] = {"artifact": faulty, "x": x, "ours": _bit_accurate(faulty, x)}
    jobs = [(r["artifact"], r["x"]) for r in out.values()]
    # 2 samples per run: two copies side by side (channel groups), then a second group from the start
    for r, lava in zip(out.values(), run_lava_many(jobs, timeout_s=600, samples_per_run=2)):
        r["lava"] = lava
    return out


@pytest.mark.lava
@pytest.mark.parametrize("net", ["conv", "conv5", "subtract"])
@pytest.mark.parametrize("mode", ["always", "never"])
def test_conv_process_is_bit_exact_in_real_lava(runs: dict[tuple[str, str], dict[str, Any]], net: str, mode: str) -> None:
    r = runs[(net, mode)]
    processes = [L["synapse_process"] for L in r["artifact"].manifest["layers"]]
    expected = {"always": ["Conv", "Conv", "Dense"], "never": ["Dense"] * 3}[mode] if net.startswith("conv") \
        else {"always": ["Conv"], "never": ["Dense"]}[mode]
    assert processes == expected
    assert sorted(r["lava"]) == sorted(r["ours"])
    for key in r["ours"]:  # spikes, current and voltage of every layer at every step
        np.testing.assert_array_equal(r["lava"][key], r["ours"][key].astype(np.int64), err_msg=f"{net}/{mode}: {key}")
    for k, kind in enumerate(L["kind"] for L in r["artifact"].manifest["layers"]):
        if kind in ("LIF", "IF"):  # every spiking layer spikes, none saturates
            assert 0 < r["lava"][f"s{k}"].mean() < 0.9, (net, mode, k)


@pytest.mark.lava
@pytest.mark.parametrize("net", ["conv", "conv5"])
def test_conv_process_gives_the_spikes_of_the_unrolled_dense(runs: dict[tuple[str, str], dict[str, Any]], net: str) -> None:
    always, never = runs[(net, "always")], runs[(net, "never")]
    assert sorted(always["lava"]) == sorted(never["lava"])
    for key in never["lava"]:  # same quantization (weight exponents are 0 either way): the same integers
        np.testing.assert_array_equal(always["lava"][key], never["lava"][key], err_msg=f"{net}: {key}")
    if net == "conv5":  # the fault changes what the chip computes
        assert not np.array_equal(always["lava"]["v1"], runs[("conv", "always")]["lava"]["v1"])
    else:
        with h5py.File(Path(always["artifact"].path) / "layers.h5", "r") as f:  # a kernel, not an unrolled matrix
            assert f["layer0"]["conv_kernel"].shape == (4, 2, 3, 3) and f["layer1"]["conv_groups"][()] == 2
            assert "weights" not in f["layer0"] and "weights" in f["layer2"]
        refused = always["artifact"].manifest["netx"]["refused"]
        assert always["artifact"].manifest["netx"]["file"] is None and any("Conv process" in p for p in refused)
        sub = runs[("subtract", "always")]["artifact"].manifest["layers"][0]
        assert runs[("subtract", "never")]["artifact"].manifest["layers"][0]["weight_exp"] < 0 == sub["weight_exp"]


def test_auto_picks_the_conv_process_only_above_the_size_rule() -> None:
    small, _ = _conv_net()
    _, layers, _ = quantize_graph(small, conv_process="auto")
    assert [L["synapse_process"] for L in layers] == ["Dense"] * 3  # 486 x 216 entries at most: unrolled
    for side, expected in ((16, False), (17, True)):  # 8 x 16 x 16 = 2048 (2048^2 = 2**22 entries); 8 x 17 x 17
        g = ir.Graph.sequential(
            ir.Conv2d(weight=np.full((8, 8, 3, 3), 0.05), bias=np.zeros(8), padding=1, input_shape=(side, side)),
            _lif((8, side, side), 1.0), names=["conv", "lif"], profile=ir.Profile(dt=1e-2)).flatten()
        plan = plan_layers(g)[0][0]
        assert conv_lowered(g, plan, g.infer_shapes(), "auto") is expected
        assert conv_lowered(g, plan, g.infer_shapes(), "always") and not conv_lowered(g, plan, g.infer_shapes(), "never")
    assert (8 * 16 * 16) ** 2 == CONV_AUTO_ENTRIES


def test_conv_process_option_is_validated(tmp_path: Path) -> None:
    graph, _ = _conv_net()
    with pytest.raises(ConfigError, match="conv_process.*auto, always, never"):
        get_backend("loihi2").lower(graph, tmp_path, {"conv_process": "sometimes"})
    with pytest.raises(ConfigError, match="conv_process"):
        get_backend("loihi2").lower(graph, tmp_path, {"conv_process": 1})


def test_a_conv_whose_quantized_weights_are_no_kernel_is_refused_or_unrolled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds that differ within a channel give each neuron its own weight scale: no one kernel."""
    rng = np.random.default_rng(3)
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.2, 0.4, (2, 1, 3, 3)), bias=np.zeros(2), padding=1, input_shape=(4, 4)),
        ir.LIF(tau=np.full((2, 4, 4), 0.02), r=np.ones((2, 4, 4)), v_leak=np.zeros((2, 4, 4)),
               v_threshold=rng.uniform(0.5, 2.0, (2, 4, 4))), names=["conv", "lif"], profile=ir.Profile(dt=1e-2))
    with pytest.raises(ConfigError, match="not one convolution kernel.*conv_process='auto' or 'never'"):
        quantize_graph(g, conv_process="always")
    monkeypatch.setattr("neurokit.backends.loihi2.quantize.CONV_AUTO_ENTRIES", 0)  # auto would pick Conv
    params, layers, _ = quantize_graph(g, conv_process="auto")
    assert layers[0]["synapse_process"] == "Dense" and "conv_kernel" not in params[0]
    assert np.array_equal(params[0]["weights"], quantize_graph(g, conv_process="never")[0][0]["weights"])
