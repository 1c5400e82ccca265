"""Choosing what a model file means: producer entries, detection, profile overrides, TOML, CLI flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.errors import ConfigError, DataNotFoundError
from neurokit.ir import producers
from neurokit.ir.producers import Producer, ProducerAssumedWarning


def _plain_file(tmp_path: Path, tau: float = 0.02) -> Path:
    g = ir.Graph.sequential(ir.Affine(weight=np.eye(2), bias=np.zeros(2)),
                            ir.LIF(tau=np.full(2, tau), r=np.full(2, 7.0), v_leak=np.zeros(2), v_threshold=np.ones(2)))
    path = tmp_path / "plain.nir"
    ir.write(g, path, plain=True)
    return path


def _halve_r(graph: ir.Graph) -> ir.Graph:
    nodes = {k: (n.replace(r=np.asarray(n.r) / 2) if isinstance(n, ir.LIF) else n) for k, n in graph.nodes.items()}
    return ir.Graph(nodes=nodes, edges=graph.edges, profile=graph.profile, metadata=graph.metadata)


def _r_is_seven(graph: ir.Graph) -> bool:
    return any(isinstance(n, ir.LIF) and np.all(np.asarray(n.r) == 7.0) for n in graph.nodes.values())


TOY = Producer(name="toy", release="0.0", source="this test", summary="r halved",
               profile=ir.Profile(dt=1e-4, integration="euler", reset="subtract", reset_timing="next_step"),
               rewrite=_halve_r, detect=_r_is_seven)


@pytest.fixture
def toy_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(producers.PRODUCERS, "toy", TOY)


def _lif(graph: ir.Graph) -> ir.LIF:
    return next(n for n in graph.nodes.values() if isinstance(n, ir.LIF))


def test_a_named_producer_sets_profile_and_parameters_without_a_warning(tmp_path: Path, toy_registry: None) -> None:
    g = ir.read(_plain_file(tmp_path), producer="toy")
    assert g.profile == TOY.profile
    assert _lif(g).r.tolist() == [3.5, 3.5]
    assert g.metadata["producer"] == "toy"


def test_a_recognised_producer_is_applied_and_said_in_one_line(tmp_path: Path, toy_registry: None) -> None:
    with pytest.warns(ProducerAssumedWarning) as caught:
        g = ir.read(_plain_file(tmp_path))
    assert g.profile == TOY.profile and _lif(g).r.tolist() == [3.5, 3.5]
    (msg,) = [str(w.message) for w in caught]
    assert "\n" not in msg and "toy 0.0 export" in msg and "reset_timing=next_step" in msg and "--producer" in msg


def test_overrides_apply_on_top_of_the_chosen_meaning(tmp_path: Path, toy_registry: None) -> None:
    g = ir.read(_plain_file(tmp_path), producer="toy", profile={"dt": 5e-4, "reset": "zero"})
    assert (g.profile.dt, g.profile.reset, g.profile.integration) == (5e-4, "zero", "euler")
    assert _lif(g).r.tolist() == [3.5, 3.5]


def test_a_whole_profile_replaces_the_choice(tmp_path: Path) -> None:
    prof = ir.Profile(dt=2e-3, reset="none")
    assert ir.read(_plain_file(tmp_path), profile=prof).profile == prof


def test_defaults_warning_states_the_final_profile(tmp_path: Path) -> None:
    with pytest.warns(ir.ProfileDefaultsWarning, match=r"dt, integration as given.*assumed dt=0\.0001, "
                                                        r"integration=euler"):
        g = ir.read(_plain_file(tmp_path), profile={"dt": 1e-4, "integration": "euler"})
    assert g.profile.reset == "zero"


def test_a_file_with_a_profile_is_not_reinterpreted(tmp_path: Path, toy_registry: None) -> None:
    src = ir.read(_plain_file(tmp_path), producer="toy")
    ir.write(src, tmp_path / "ours.nir")
    g = ir.read(tmp_path / "ours.nir")  # no warning: filterwarnings=error would fail the test
    assert g.profile == TOY.profile and _lif(g).r.tolist() == [3.5, 3.5]


def test_unknown_producer_and_bad_overrides_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown producer 'nope'.*choose one of"):
        ir.read(_plain_file(tmp_path), producer="nope")
    with pytest.raises(ConfigError, match=r"unknown profile key\(s\) \['tau'\]"):
        ir.read(_plain_file(tmp_path), profile={"tau": 1.0})
    with pytest.raises(ConfigError, match="reset_timing must be one of"):
        ir.read(_plain_file(tmp_path), profile={"reset_timing": "later"})


def test_profile_toml_is_validated_before_use(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[profile]\ndt = 1e-4\nintegration = "euler"\nmulti_spike = true\nv_min = -2.0\n')
    assert ir.profile.load_profile_overrides(good) == {"dt": 1e-4, "integration": "euler", "multi_spike": True,
                                                       "v_min": -2.0}
    bad_key, bad_value, broken = tmp_path / "k.toml", tmp_path / "v.toml", tmp_path / "b.toml"
    bad_key.write_text("dt = 1e-4\nintegraton = 'euler'\n")
    bad_value.write_text("dt = -1\n")
    broken.write_text("dt = '")
    with pytest.raises(ConfigError, match=r"unknown profile key\(s\) \['integraton'\]"):
        ir.profile.load_profile_overrides(bad_key)
    with pytest.raises(ConfigError, match="dt must be > 0"):
        ir.profile.load_profile_overrides(bad_value)
    with pytest.raises(ConfigError, match="not valid TOML"):
        ir.profile.load_profile_overrides(broken)
    with pytest.raises(DataNotFoundError, match="no profile file"):
        ir.profile.load_profile_overrides(tmp_path / "missing.toml")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "neurokit", *args], capture_output=True, text=True, timeout=300)


def test_cli_flags_choose_the_meaning_for_simulate_and_inspect(tmp_path: Path) -> None:
    model = _plain_file(tmp_path)
    x = np.zeros((30, 1, 2))
    x[::3] = 1.0
    np.save(tmp_path / "x.npy", x)
    toml = tmp_path / "p.toml"
    toml.write_text('dt = 1e-4\nintegration = "euler"\n')
    res = _cli("simulate", str(model), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "r.h5"),
               "--profile", str(toml), "--reset", "subtract")
    assert res.returncode == 0, res.stderr
    notes = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(notes) == 1 and notes[0].startswith("neurokit: note:")
    assert "assumed dt=0.0001, integration=euler, reset=subtract" in notes[0]
    with pytest.warns(ir.ProfileDefaultsWarning):
        expected = ir.read(model, profile={"dt": 1e-4, "integration": "euler", "reset": "subtract"})
    from neurokit import sim

    rec = sim.simulate(expected, x)
    import h5py

    with h5py.File(tmp_path / "r.h5") as f:
        out = f["outputs"][next(iter(f["outputs"]))][()]
    np.testing.assert_array_equal(out, next(iter(rec.outputs.values())))
    ins = _cli("inspect", str(model), "--dt", "2e-4", "--reset-timing", "next_step")
    assert ins.returncode == 0, ins.stderr
    assert "dt=0.0002" in ins.stdout and "reset_timing=next_step" in ins.stdout and "defaults + overrides" in ins.stdout
    bad = _cli("deploy", str(model), "--target", "spinnaker", "--out", str(tmp_path / "a"), "--producer", "nope")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "invalid choice: 'nope'" in bad.stderr


GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "producers"


@pytest.mark.parametrize("flag", [("--producer", "snntorch"), ()], ids=["named", "recognised"])
def test_cli_simulates_a_producer_export_spike_for_spike(tmp_path: Path, flag: tuple[str, ...]) -> None:
    """`neurokit simulate MODEL --producer snntorch --input X.npz` reproduces snnTorch's own run."""
    golden = np.load(GOLDEN / "snntorch" / "rleaky.npz")
    np.savez(tmp_path / "x.npz", inputs=golden["input"])
    res = _cli("simulate", str(GOLDEN / "snntorch" / "rleaky.nir"), *flag, "--input", str(tmp_path / "x.npz"),
               "--out", str(tmp_path / "r.h5"))
    assert res.returncode == 0, res.stderr
    assert ("read as a snntorch" in res.stderr) == (not flag)
    import h5py

    with h5py.File(tmp_path / "r.h5") as f:
        out = f["outputs"][next(iter(f["outputs"]))][()]
    assert golden["output"].sum() > 0
    np.testing.assert_array_equal(out, golden["output"])


def test_cli_deploy_and_hil_take_the_producer(tmp_path: Path) -> None:
    golden = np.load(GOLDEN / "snntorch" / "leaky_subtract.npz")
    np.savez(tmp_path / "x.npz", inputs=golden["input"])
    model = str(GOLDEN / "snntorch" / "leaky_subtract.nir")
    dep = _cli("deploy", model, "--producer", "snntorch", "--target", "crossbar:ideal", "--out", str(tmp_path / "xb"),
               "--run", str(tmp_path / "x.npz"))
    assert dep.returncode == 0, dep.stderr
    import h5py

    with h5py.File(tmp_path / "xb" / "recording.h5") as f:
        np.testing.assert_array_equal(f["outputs"][next(iter(f["outputs"]))][()], golden["output"])
    # snnTorch's delayed subtraction runs on SpiNNaker as a custom neuron model, bit-exact with its own mode
    hil = _cli("hil", model, "--producer", "snntorch", "--targets", "spinnaker", "--input", str(tmp_path / "x.npz"),
               "--samples", "1", "--report", str(tmp_path / "hil"))
    assert hil.returncode == 0, hil.stderr
    row = next(line for line in hil.stdout.splitlines() if line.startswith("spinnaker"))
    assert row.split()[1:3] == ["ok", "1.0000"], hil.stdout
