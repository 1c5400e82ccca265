"""Crossbar tiling: a layer larger than one array is spread over several, the partial sums added
digitally; on an ideal device tiling changes nothing; the cost model counts the arrays; a net
larger than the chip is refused naming the layer, the arrays needed and the limit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import api, ir, sim
from neurokit.backends import get_backend
from neurokit.backends.crossbar.mapping import Periphery, arrays_needed, stationary_matrix
from neurokit.errors import MappingError
from neurokit.hil.metrics import spike_agreement

CNN = Path(__file__).resolve().parents[3] / "golden" / "nir-paper-cnn" / "cnn_sinabs.nir"


def dyadic(rng: np.random.Generator, shape: tuple[int, ...], sd: float = 0.3) -> np.ndarray:
    """Weights on a 1/64 grid: every product and partial sum of spikes is exact in float64, so any
    grouping of the sum (any tiling) gives the same bits."""
    return np.round(rng.normal(0.0, sd, shape) * 64) / 64


def big_net(seed: int = 0) -> ir.Graph:
    """Conv2d(4->12, 3x3, pad 1) on (4, 10, 10) -> LIF -> grouped Conv2d(12->8, groups 2) -> LIF
    -> Flatten -> Affine(512->300) -> LIF -> Linear(300->10) -> LI."""
    rng = np.random.default_rng(seed)
    lif = lambda n: ir.LIF(tau=np.full(n, 0.002), r=np.ones(n), v_leak=np.zeros(n),  # noqa: E731
                           v_threshold=np.full(n, 0.5), v_reset=np.zeros(n))
    return ir.Graph.sequential(
        ir.Conv2d(weight=dyadic(rng, (12, 4, 3, 3)), bias=np.zeros(12), padding=1, input_shape=(10, 10)),
        lif((12, 10, 10)),
        ir.Conv2d(weight=dyadic(rng, (8, 6, 3, 3), 1.0), bias=dyadic(rng, (8,)), padding=1, stride=2, groups=2),
        lif((8, 5, 5)),
        ir.Flatten(input_shape=(8, 5, 5)),
        ir.Affine(weight=dyadic(rng, (300, 200), 0.6), bias=dyadic(rng, (300,))),
        lif(300),
        ir.Linear(weight=dyadic(rng, (10, 300))),
        ir.LI(tau=np.full(10, 0.05), r=np.ones(10), v_leak=np.zeros(10)),
        names=["conv1", "lif1", "conv2", "lif2", "flat", "fc", "lif3", "ro", "li"], profile=ir.Profile(dt=1e-3))


def spikes_in(shape: tuple[int, ...], T: int = 25, B: int = 3, p: float = 0.2) -> np.ndarray:
    return (np.random.default_rng(7).random((T, B, *shape)) < p).astype(np.float64)


def test_kernel_matrix_of_a_convolution_reproduces_the_convolution() -> None:
    g = big_net()
    shapes = g.flatten().infer_shapes()
    x = np.random.default_rng(3).normal(size=(2, *shapes["conv2"][0]))
    node = g.nodes["conv2"]
    m = stationary_matrix(node, *shapes["conv2"], g.profile.dt)
    assert m.weight.shape == (2, 6 * 9, 4) and m.patches.shape == (2, 25, 54)  # groups, rows, cols; 5x5 positions
    flat = np.concatenate([x.reshape(2, -1), np.zeros((2, 1))], axis=1)
    y = np.zeros((2, m.n_out))
    for k in range(m.groups):
        y[:, m.outputs[k].reshape(-1)] = np.einsum("bpr,rc->bpc", flat[:, m.patches[k]], m.weight[k]).reshape(2, -1)
    from neurokit.dynamics.synapses import conv

    np.testing.assert_allclose(y + m.bias, conv(x, node).reshape(2, -1), rtol=0, atol=1e-12)


def test_a_net_larger_than_one_array_runs_on_several_and_equals_the_float_model(tmp_path: Path) -> None:
    g, x = big_net(), spikes_in((4, 10, 10))
    be = get_backend("crossbar")
    ref = sim.simulate(g, x)
    runs = {}
    for label, opts in {"one array per layer": {"tile_rows": 512, "tile_cols": 512},
                        "tiled 64x64": {"tile_rows": 64, "tile_cols": 64},
                        "tiled 16x8": {"tile_rows": 16, "tile_cols": 8, "arrays": 600}}.items():
        art = be.lower(g, tmp_path / label, {"device": "ideal", **opts})
        board = be.board(art)
        runs[label] = (art, board, board.run(x, x.shape[0]))
    arrays = {label: art.manifest["arrays"]["used"] for label, (art, _, _) in runs.items()}
    # conv1: 36 x 12, conv2: 2 groups of 54 x 4, fc: 200 x 300, ro: 300 x 10
    assert arrays == {"one array per layer": 1 + 2 + 1 + 1, "tiled 64x64": 1 + 2 + 4 * 5 + 5 * 1,
                      "tiled 16x8": 3 * 2 + 2 * 4 * 1 + 13 * 38 + 19 * 2}
    assert sum(ref.spikes["lif3"].ravel()) > 0 and sum(ref.spikes["lif1"].ravel()) > 0
    for label, (_, _, rec) in runs.items():
        for node in ("lif1", "lif2", "lif3"):
            np.testing.assert_array_equal(rec.spikes[node], ref.spikes[node], err_msg=f"{label}: {node}")
        np.testing.assert_array_equal(rec.outputs["output"], ref.outputs["output"], err_msg=label)
    # the cost model counts the arrays: more, smaller arrays -> more array reads, ADC conversions and digital adds
    ops = {label: board.cost["operations"] for label, (_, board, _) in runs.items()}
    one, t64, t16 = ops["one array per layer"], ops["tiled 64x64"], ops["tiled 16x8"]
    assert one["cell_macs"] == t64["cell_macs"] == t16["cell_macs"]  # the same analog work, spread out
    assert one["mvms"] == t64["mvms"] == t16["mvms"]
    assert one["tile_reads"] < t64["tile_reads"] < t16["tile_reads"]
    assert one["adc"] < t64["adc"] < t16["adc"] and one["accumulate_levels"] < t64["accumulate_levels"]
    fc = runs["tiled 64x64"][1].layers["fc"].counts
    hit = np.stack([ref.spikes["lif2"].reshape(*x.shape[:2], -1)[:, :, r0:r0 + 64].any(axis=2)
                    for r0 in range(0, 200, 64)]).sum(axis=0)                  # row arrays read per step and sample
    assert fc["tile_reads"] == hit.sum() * 5 and fc["adc"] == hit.sum() * 300
    assert fc["digital_adds"] == np.clip(hit - 1, 0, None).sum() * 300
    assert one["digital_adds"] == 0 < t64["digital_adds"]  # one array per layer: no partial sums (and no pooling here)
    cost = get_backend("crossbar").cost(runs["tiled 64x64"][0], {f"operations/{k}": int(v) for k, v in
                                                                   runs["tiled 64x64"][1].layers["fc"].counts.items()},
                                        steps=x.shape[0], samples=x.shape[1])
    assert cost is not None and cost["arrays"] == 28 and "on 28 array(s)" in cost["summary"]


def test_a_net_above_the_chip_is_refused_naming_layer_arrays_and_limit(tmp_path: Path) -> None:
    g = big_net()
    be = get_backend("crossbar")
    with pytest.raises(MappingError) as info:
        be.lower(g, tmp_path / "a", {"device": "pcm", "tile_rows": 16, "tile_cols": 8})
    text = str(info.value)
    assert ("node 'fc': the net needs 546 arrays of 16x8 cells but the pcm chip has 64; this layer alone needs 494 "
            "(conv1: 6, conv2: 8, fc: 494, ro: 38)") in text and "\n" not in text
    need = arrays_needed((1, 200, 300), Periphery(tile_rows=16, tile_cols=8))
    assert need == 13 * 38 == 494
    # the device table's limit: rram's chip has 48 arrays
    with pytest.raises(MappingError, match="but the rram chip has 48"):
        be.lower(g, tmp_path / "b", {"device": "rram", "tile_rows": 32, "tile_cols": 16})
    ir.write(g, tmp_path / "m.nir")
    from neurokit.cli import main

    assert main(["deploy", str(tmp_path / "m.nir"), "--target", "crossbar:ideal", "--out", str(tmp_path / "c"),
                 "--option", "tile_rows=16", "--option", "tile_cols=8", "--option", "arrays=545"]) == 3
    assert main(["deploy", str(tmp_path / "m.nir"), "--target", "crossbar:ideal", "--out", str(tmp_path / "d"),
                 "--option", "tile_rows=16", "--option", "tile_cols=8", "--option", "arrays=546"]) == 0


def test_the_nir_paper_cnn_deploys_on_five_arrays_and_equals_the_float_model_on_an_ideal_device(
        tmp_path: Path) -> None:
    """Sinabs' export of the NIR paper's CNN: its 4096 x 4096 unrolled convolution was refused
    ("16.8 M cells"); as kernel matrices it takes 5 arrays of 256 x 256, 19 of 64 x 64."""
    g = api.read_model(CNN, producer="sinabs")
    x = spikes_in((2, 34, 34), T=20, B=2, p=0.05)
    ref = sim.simulate(g, x)
    be = get_backend("crossbar")
    for opts, arrays in (({}, 5), ({"tile_rows": 64, "tile_cols": 64}, 19)):
        art = be.lower(g, tmp_path / str(arrays), {"device": "ideal", **opts})
        assert art.manifest["arrays"] == {"used": arrays, "chip": 64}
        rec = be.board(art).run(x, x.shape[0])
        assert spike_agreement(ref.spikes, rec.spikes) == 1.0
        np.testing.assert_array_equal(rec.outputs["output"], ref.outputs["output"])
    assert sum(int(s.sum()) for s in ref.spikes.values()) > 0
    report = be.report(art)
    assert "144 x 16     -> 3 array(s), 256 MVM(s)/step max" in report  # the 4096 x 4096 unrolled conv
    assert "total: 19 of the chip's 64 arrays" in report
    pcm = be.lower(g, tmp_path / "pcm", {"device": "pcm"})
    assert pcm.manifest["arrays"]["used"] == 5
