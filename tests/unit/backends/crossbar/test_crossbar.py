"""Crossbar backend: exact with the ideal device, each non-ideality moves outputs the expected way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.backends.crossbar import CrossbarBoard, load_device
from neurokit.backends.crossbar.mapping import Periphery, TiledLayer, quantize, stationary_matrix, target_conductances
from neurokit.errors import MappingError


def model(n_in: int = 300, hidden: int = 40, seed: int = 0) -> ir.Graph:
    rng = np.random.default_rng(seed)
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.02, 0.2, (hidden, n_in)), bias=rng.normal(0, 0.05, hidden)),
        ir.LIF(tau=np.full(hidden, 0.02), r=np.ones(hidden), v_leak=np.zeros(hidden), v_threshold=np.full(hidden, 0.3)),
        ir.Linear(weight=rng.normal(0.1, 0.5, (5, hidden))),
        ir.LI(tau=np.full(5, 0.05), r=np.ones(5), v_leak=np.zeros(5)),
        names=["fc", "lif", "ro", "li"], profile=ir.Profile(dt=1e-2))


def inputs(T: int = 20, B: int = 8, n: int = 300) -> np.ndarray:
    return (np.random.default_rng(1).random((T, B, n)) < 0.15).astype(np.float64)


def run(tmp: Path, device: str, **opts: object) -> np.ndarray:
    be = get_backend("crossbar")
    art = be.lower(model(), tmp / device, {"device": device, **opts})
    return be.board(art).run(inputs(), 20).outputs["output"]


def test_ideal_device_equals_the_simulator_exactly(tmp_path: Path) -> None:
    be = get_backend("crossbar")
    art = be.lower(model(), tmp_path, {"device": "ideal", "tile_rows": 128, "tile_cols": 16})  # several tiles
    rec = be.board(art).run(inputs(), 20)
    ref = sim.simulate(model(), inputs())
    np.testing.assert_array_equal(rec.outputs["output"], ref.outputs["output"])
    np.testing.assert_array_equal(rec.spikes["lif"], ref.spikes["lif"])
    assert sum(r["tiles"] for r in art.manifest["report"]) == 3 * 3 + 1


def test_ideal_mapping_roundtrips_to_the_level_quantum() -> None:
    w = np.random.default_rng(0).normal(0, 1, (7, 9))
    for name in ("ideal", "rram"):
        dev = load_device(name)
        gp, gm, w_max = target_conductances(w, dev)
        g = dev.program(gp, np.random.default_rng(0)) if name == "ideal" else gp
        quantum = 0.0 if name == "ideal" else (dev.g_max - dev.g_min) / (dev.levels - 1)
        back = (g - gm) * (w_max / dev.g_max)  # the stationary matrix (rows = inputs), not transposed
        assert np.abs(back - w).max() <= quantum * w_max / dev.g_max + 1e-12


def test_programming_is_seeded_and_reproducible(tmp_path: Path) -> None:
    a, b = run(tmp_path / "a", "pcm", seed=3), run(tmp_path / "b", "pcm", seed=3)
    c = run(tmp_path / "c", "pcm", seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_drift_lowers_conductance_over_time(tmp_path: Path) -> None:
    dev = load_device("pcm")
    rng = np.random.default_rng(0)
    g = np.full(2000, 20.0)
    nu = dev.drift_coefficients(g, rng)
    means = [dev.at_time(g, nu, t, np.random.default_rng(1)).mean() for t in (1.0, 3600.0, 3.15e7)]
    assert means[0] > means[1] > means[2]
    assert 0.045 <= nu.mean() <= 0.1  # mu is clipped to [0.049, 0.1], nu = |mu + sigma xi|


def test_errors_grow_with_fewer_adc_bits_and_more_faults(tmp_path: Path) -> None:
    ref = sim.simulate(model(), inputs()).outputs["output"]
    err = lambda out: float(np.abs(out - ref).mean())  # noqa: E731
    e8, e4 = err(run(tmp_path / "8", "ideal", adc_bits=8)), err(run(tmp_path / "4", "ideal", adc_bits=4))
    assert 0 < e8 < e4
    be = get_backend("crossbar")
    art = be.lower(model(), tmp_path / "f", {"device": "ideal"})
    errs = [err(CrossbarBoard(art, faults={"stuck_on_rate": r, "stuck_off_rate": r}).run(inputs(), 20).outputs["output"])
            for r in (0.0, 0.01, 0.1)]
    assert errs[0] == 0.0 and errs[0] < errs[1] < errs[2]


def test_ir_drop_attenuates_far_rows() -> None:
    g = np.ones((256, 4))
    near, far = np.zeros((1, 256)), np.zeros((1, 256))
    near[0, 0], far[0, 255] = 1.0, 1.0
    from neurokit.backends.crossbar.mapping import ir_drop_factor

    matrix = stationary_matrix(ir.Linear(weight=g.T), (256,), (4,), 1e-3)
    layer = TiledLayer(g_eff=(g * ir_drop_factor(256, 4, 0.5))[None], w_max=1.0, g_max=1.0, matrix=matrix,
                       periph=Periphery(ir_drop=0.5))
    assert layer(far)[0, 0] < layer(near)[0, 0] == 1.0
    assert quantize(np.array([0.26]), 3, 1.0)[0] == pytest.approx(1 / 3)


def test_unmappable_nodes_are_all_listed(tmp_path: Path) -> None:
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(np.eye(3)).replace(delay=np.full(3, 0.01)),
                            ir.Threshold(threshold=np.zeros(3)), ir.CubaLI(tau_syn=np.ones(3), tau_mem=np.ones(3),
                                                                            r=np.ones(3), v_leak=np.zeros(3)),
                            names=["sp", "th", "cl"])
    be = get_backend("crossbar")
    problems = be.check(g)
    assert [p.node for p in problems] == ["sp"]
    with pytest.raises(MappingError, match="node 'sp': per-synapse delays"):
        be.lower(g, tmp_path, {"device": "ideal"})


def test_energy_and_latency_follow_the_counted_operations(tmp_path: Path) -> None:
    from neurokit.backends.crossbar.cost import format_cost

    be = get_backend("crossbar")
    art = be.lower(model(), tmp_path, {"device": "pcm", "tile_rows": 128, "tile_cols": 16})
    x = inputs()
    board = be.board(art)
    board.run(x, 20)
    cost = board.cost
    pcm = load_device("pcm")
    spikes = sim.simulate(model(), x).spikes["lif"]  # close to the crossbar's; used only for a bound below
    driven_fc = x.sum() / x.shape[1]  # per inference: every input spike drives one row of the first layer
    ops = cost["operations"]
    fc = board.layers["fc"].counts
    B = x.shape[1]
    assert fc["cell_macs"] / B == driven_fc * 40 and fc["dac"] / B == driven_fc * 3  # 40 columns = 3 column tiles
    blocks_hit = sum(x[:, :, r0:r0 + 128].any(axis=2).sum() for r0 in (0, 128, 256))
    assert fc["adc"] == blocks_hit * 40 and fc["tile_reads"] == blocks_hit * 3
    assert ops["neuron_updates"] == (40 + 5) * 20
    assert 0 < ops["cell_macs"] - driven_fc * 40 <= 20 * 40 * 5 and spikes.sum() > 0  # second layer: <= 40 rows x 5
    e = cost["energy_pj"]
    assert e["analog_mac"] == pytest.approx(pcm.energy_pj_per_mac * ops["cell_macs"])
    assert e["adc"] == pytest.approx(pcm.extra["energy_pj_per_adc"] * ops["adc"])
    assert e["total"] == pytest.approx(sum(v for k, v in e.items() if k != "total"))
    # partial sums of fc's 3 row arrays are added digitally: (arrays read - 1) adds per column, an adder tree of
    # depth ceil(log2(arrays read)) per MVM
    hit = np.stack([x[:, :, r0:r0 + 128].any(axis=2) for r0 in (0, 128, 256)]).sum(axis=0)  # (T, B)
    assert fc["digital_adds"] == np.clip(hit - 1, 0, None).sum() * 40
    assert fc["accumulate_levels"] == np.ceil(np.log2(np.maximum(hit, 1))).sum() and fc["mvms"] == (hit > 0).sum()
    assert e["digital_adds"] == pytest.approx(pcm.extra["energy_pj_per_add"] * ops["digital_adds"])
    assert cost["latency_us"] == pytest.approx((130 * ops["mvms"] + 1.0 * ops["accumulate_levels"] + 50 * 20) / 1e3)
    assert 130 * 20 / 1e3 <= cost["latency_us"] <= (2 * 130 + 2 * 1.0 + 50) * 20 / 1e3 + 1e-12
    # half the input spikes: fewer analog operations, the same neuron updates
    sparse = x * (np.random.default_rng(2).random(x.shape) < 0.5)
    board.run(sparse, 20)
    assert board.cost["operations"]["cell_macs"] < ops["cell_macs"] and board.cost["energy_pj"]["total"] < e["total"]
    silent = be.board(art)
    silent.run(np.zeros_like(x), 20)
    assert silent.cost["operations"]["cell_macs"] == 0 and silent.cost["latency_us"] == pytest.approx(50 * 20 / 1e3)
    assert "nJ" in format_cost(cost)


def test_deploy_command_runs_and_reports_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from neurokit.cli import main

    ir.write(model(), tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", inputs())
    assert main(["deploy", str(tmp_path / "m.nir"), "--target", "crossbar:rram", "--out", str(tmp_path / "art"),
                 "--run", str(tmp_path / "x.npy")]) == 0
    out = capsys.readouterr().out
    assert "device rram" in out and "per inference on 3 array(s):" in out and "latency" in out  # fc: 2 arrays, ro: 1
    cost = json.loads((tmp_path / "art" / "cost.json").read_text())
    assert cost["operations"]["neuron_updates"] == 45 * 20 and (tmp_path / "art" / "recording.h5").is_file()
    assert main(["deploy", str(tmp_path / "m.nir"), "--target", "crossbar:nosuch", "--out", str(tmp_path / "b")]) == 4
    err = capsys.readouterr().err
    assert "no device table" in err and "['ideal', 'pcm', 'rram']" in err and "Traceback" not in err
