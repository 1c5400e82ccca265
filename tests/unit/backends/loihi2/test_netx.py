"""The ``netx.h5`` that a loihi2 deploy writes, run by lava-dl's own ``netx.hdf5.Network`` (real
lava-dl 0.6 in the Lava runtime, out of process): spike for spike, step for step, the same as
neurokit's Lava run of the artifact; and graphs netx cannot hold exactly are refused by node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from neurokit import ir
from neurokit.backends import get_backend
from neurokit.backends.loihi2 import deploy_report, run_lava
from neurokit.backends.loihi2.netx import netx_encoding, run_netx_many, write_netx
from neurokit.errors import MappingError


def _lif(n: int, threshold: float, tau: float = 0.02) -> ir.LIF:
    return ir.LIF(tau=np.full(n, tau), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, threshold))


def _cases() -> dict[str, tuple[ir.Graph, np.ndarray]]:
    """Three small networks and their integer inputs (T, B, n_in)."""
    rng = np.random.default_rng(7)
    dt = ir.Profile(dt=1e-2)
    # trained-like: mixed-sign Gaussian weights, two spiking layers, binary input spikes
    trained = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.15, 0.3, (20, 12))), _lif(20, 0.5),
                                  ir.Linear(weight=rng.normal(0.1, 0.4, (5, 20))), _lif(5, 0.3),
                                  names=["fc1", "lif1", "fc2", "lif2"], profile=dt)
    x_trained = (rng.random((25, 2, 12)) < 0.4).astype(np.int64)
    # biases (Affine) and a recurrent layer (netx ``dense_rec``), graded inputs (spike counts 1..3)
    g = ir.Graph.sequential(ir.Affine(weight=rng.normal(0.1, 0.3, (16, 12)), bias=rng.normal(0.02, 0.05, 16)),
                            _lif(16, 0.5), ir.Affine(weight=rng.normal(0.1, 0.4, (4, 16)), bias=np.full(4, 0.03)),
                            _lif(4, 0.3), names=["fc1", "lif1", "fc2", "lif2"], profile=dt)
    biased = ir.Graph(nodes={**g.nodes, "rec": ir.Linear(weight=rng.normal(0.0, 0.2, (16, 16)))},
                      edges=(*g.edges, ("lif1", "rec"), ("rec", "lif1")), profile=dt)
    x_biased = (rng.random((25, 2, 12)) < 0.4) * rng.integers(1, 4, (25, 2, 12))
    # tiny weights against large input counts: the threshold mantissa tops out at 131071 and netx
    # re-encodes the weights with a negative weight exponent; then per-synapse delays (DelayDense)
    w2 = rng.normal(0.2, 0.4, (6, 10)) * (rng.random((6, 10)) < 0.6)
    delayed = ir.SparseLinear.from_dense(w2)
    delayed = delayed.replace(delay=rng.integers(0, 5, delayed.nnz) * 1e-2)
    exponent = ir.Graph.sequential(ir.Linear(weight=rng.uniform(0.0002, 0.0005, (10, 24))), _lif(10, 0.3),
                                   delayed, _lif(6, 0.3), names=["fc1", "lif1", "fc2", "lif2"], profile=dt)
    x_exponent = (rng.random((25, 2, 24)) < 0.5) * rng.integers(1, 256, (25, 2, 24))
    # current-based neurons (CubaLIF, Euler): netx's CUBA block with iDecay = du + 1 holds them
    euler = ir.Profile(dt=1e-2, integration="euler")
    cuba = ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.2, 0.5, (16, 12))),  # no bias: Loihi adds a bias to v, Cuba models to I
        ir.CubaLIF(tau_syn=np.full(16, 0.04), tau_mem=np.full(16, 0.03), r=np.ones(16), v_leak=np.zeros(16),
                   v_threshold=np.full(16, 0.4)),
        ir.Linear(weight=rng.normal(0.2, 0.5, (4, 16))),
        ir.CubaLIF(tau_syn=np.full(4, 0.05), tau_mem=np.full(4, 0.04), r=np.ones(4), v_leak=np.zeros(4),
                   v_threshold=np.full(4, 0.4)), names=["fc1", "lif1", "fc2", "lif2"], profile=euler)
    x_cuba = (rng.random((30, 2, 12)) < 0.4).astype(np.int64)
    return {"trained": (trained, x_trained), "biased": (biased, x_biased), "exponent": (exponent, x_exponent),
            "cuba": (cuba, x_cuba)}


@pytest.fixture(scope="module")
def runs(lava_runtime: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Per case: the artifact, neurokit's Lava run and lava-dl netx's run (one Lava process for all)."""
    be = get_backend("loihi2")
    out: dict[str, dict[str, Any]] = {}
    for name, (graph, x) in _cases().items():
        art = be.lower(graph, tmp_path_factory.mktemp(name))
        out[name] = {"artifact": art, "x": x, "lava": run_lava(art, x, timeout_s=300)}
    netx = run_netx_many([(Path(r["artifact"].path) / "netx.h5", r["x"]) for r in out.values()], timeout_s=600)
    for r, res in zip(out.values(), netx):
        r["netx"] = res
    return out


@pytest.mark.lava
@pytest.mark.parametrize("case", ["trained", "biased", "exponent", "cuba"])
def test_netx_file_runs_in_lava_dl_spike_for_spike_as_neurokits_lava_run(runs: dict[str, dict[str, Any]],
                                                                         case: str) -> None:
    r = runs[case]
    lava, netx = r["lava"], r["netx"]
    assert sorted(netx) == sorted(lava)  # one netx block per artifact layer
    for key in lava:  # spikes, current and voltage of every layer at every step
        np.testing.assert_array_equal(netx[key], lava[key], err_msg=f"{case}: {key}")
    last = len(r["artifact"].manifest["layers"]) - 1
    assert lava["s0"].sum() > 0 and lava[f"s{last}"].sum() > 0  # not silent, hidden or output


@pytest.mark.lava
def test_netx_files_hold_bias_recurrence_delays_and_exponents(runs: dict[str, dict[str, Any]]) -> None:
    with h5py.File(Path(runs["biased"]["artifact"].path) / "netx.h5", "r") as f:
        assert f["layer/1/type"][()] == b"dense_rec" and np.any(f["layer/1/bias"][()] != 0)
        assert np.any(f["layer/2/bias"][()] != 0) and f["layer/0/type"][()] == b"input"
    with h5py.File(Path(runs["exponent"]["artifact"].path) / "netx.h5", "r") as f:
        assert f["layer/1/neuron/vThMant"][()] == 131071
        encoded = netx_encoding(f["layer/1/weight"][()])
        assert encoded is not None and encoded[2] < 0  # netx runs these weights with a negative exponent
        assert f["layer/2/delay"][()].max() > 0
    with h5py.File(Path(runs["cuba"]["artifact"].path) / "netx.h5", "r") as f:
        assert f["layer/1/neuron/iDecay"][()] == 4096 - round(4096 * 0.75)  # Euler a_syn = 1 - 10 ms / 40 ms


def test_graphs_netx_cannot_hold_exactly_are_refused_by_node(tmp_path: Path) -> None:
    be = get_backend("loihi2")
    rng = np.random.default_rng(3)
    readout = ir.Graph.sequential(ir.Linear(weight=rng.normal(0.15, 0.3, (8, 6))), _lif(8, 0.5),
                                  ir.Linear(weight=rng.normal(0.0, 0.01, (3, 8))),
                                  ir.LI(tau=np.full(3, 0.05), r=np.ones(3), v_leak=np.zeros(3)),
                                  names=["fc", "lif", "ro", "li"], profile=ir.Profile(dt=1e-2))
    (tmp_path / "li").mkdir()
    (tmp_path / "li" / "netx.h5").write_bytes(b"stale")
    art = be.lower(readout, tmp_path / "li")  # small LI readout weights need a negative exponent
    assert art.manifest["netx"]["file"] is None and not (tmp_path / "li" / "netx.h5").exists()
    assert any("node 'ro'" in p and "fractional" in p for p in art.manifest["netx"]["refused"])
    assert "no netx.h5: node 'ro'" in deploy_report(art)
    huge = ir.Graph.sequential(ir.Linear(weight=np.full((2, 3), 5e5)), ir.IF(r=np.ones(2), v_threshold=np.ones(2)),
                               names=["w", "if"], profile=ir.Profile(dt=1e-3))  # 500 thresholds per spike
    art = be.lower(huge, tmp_path / "huge")
    assert art.manifest["layers"][0]["weight_exp"] > 0
    assert any("node 'w'" in p and "8-bit" in p for p in art.manifest["netx"]["refused"])
    with h5py.File(Path(art.path) / "layers.h5", "r") as f:
        params = [{k: f["layer0"][k][()] for k in f["layer0"]}]
    with pytest.raises(MappingError, match="netx.*node 'w'"):
        write_netx(tmp_path / "x.h5", params, art.manifest["layers"])
    assert not (tmp_path / "x.h5").exists()
