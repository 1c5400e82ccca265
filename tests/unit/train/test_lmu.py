"""The spiking Legendre Memory Unit: its A, B against the published definition and scipy's
discretisation, the memory's delay property, torch == neurokit.sim on the export, every target
(Loihi 2 through real Lava, bit-exact with its own mode), and `neurokit train --arch lmu`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch

from neurokit import ir, sim
from neurokit.dynamics.discretisation import linear_system
from neurokit.errors import ConfigError, InvalidInputError
from neurokit.train import TrainConfig
from neurokit.train.lmu import SpikingLMU, legendre_delay, lmu_memory
from neurokit.train.model import SNNSpec


def published_legendre(order: int, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """The LMU's A, B as the LMU authors publish them (keras-lmu / nengo's ``LegendreDelay``:
    ``R = (2q + 1) / theta``, ``A = where(i < j, -1, (-1)**(i - j + 1)) * R``, ``B = (-1)**q * R``),
    written here from that definition, vectorised."""
    q = np.arange(order, dtype=np.float64)
    r = (2 * q + 1)[:, None] / theta
    j, i = np.meshgrid(q, q)
    return np.where(i < j, -1, (-1.0) ** (i - j + 1)) * r, (-1.0) ** q[:, None] * r


@pytest.mark.parametrize("order", [1, 4, 9])
def test_a_b_are_the_legendre_delay_system_discretised_as_scipy_does(order: int) -> None:
    theta, dt = 0.3, 0.01
    a, b = legendre_delay(order)
    a_pub, b_pub = published_legendre(order, theta)
    np.testing.assert_allclose(a / theta, a_pub, rtol=1e-15)
    np.testing.assert_allclose(b / theta, b_pub, rtol=1e-15)
    a_bar, b_bar = lmu_memory(order, theta, dt)
    ad, bd, *_ = scipy.signal.cont2discrete((a_pub, b_pub, np.eye(order), np.zeros((order, 1))), dt, method="zoh")
    np.testing.assert_allclose(a_bar, ad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b_bar, bd, rtol=1e-12, atol=1e-14)
    a_eu, b_eu = lmu_memory(order, theta, dt, "euler")
    ad, bd, *_ = scipy.signal.cont2discrete((a_pub, b_pub, np.eye(order), np.zeros((order, 1))), dt, method="euler")
    np.testing.assert_allclose(a_eu, ad, rtol=1e-12)
    np.testing.assert_allclose(b_eu, bd, rtol=1e-12)
    with pytest.raises(InvalidInputError, match="column"):
        linear_system(a, b[:, 0], dt, "exact")


def test_the_discretised_memory_holds_a_delayed_copy_of_its_input() -> None:
    """The property the LMU is built on: the memory decodes u(t - theta') with the shifted Legendre
    polynomials, m . P_i(2 theta'/theta - 1) (numpy's Legendre series, not ours)."""
    order, theta, dt = 12, 0.5, 0.001
    a_bar, b_bar = lmu_memory(order, theta, dt)
    t = np.arange(0, 2.0, dt)
    u = np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.sin(2 * np.pi * 0.4 * t)
    m = np.zeros(order)
    for ut in u:
        m = a_bar @ m + b_bar[:, 0] * ut
    for frac in (0.0, 0.25, 0.5, 1.0):
        decoded = np.polynomial.legendre.legval(2 * frac - 1, m)
        expected = u[len(t) - 1 - int(round(frac * theta / dt))]
        assert abs(decoded - expected) < 0.03, (frac, decoded, expected)


def _model(seed: int = 0) -> SpikingLMU:
    torch.manual_seed(seed)
    model = SpikingLMU(SNNSpec(input_shape=(2, 3, 3), hidden=(7,), classes=4, dt=0.01), order=3, units=2,
                       theta=0.1, memory_gain=4.0).double()
    with torch.no_grad():  # strong encoder and recurrence, so that every population spikes
        model.encoder_x.weight.mul_(4.0)
        model.hidden_m.weight.mul_(3.0)
    return model


def test_torch_equals_neurokit_sim_on_the_export_and_a_b_are_the_loop_weights(tmp_path: Path) -> None:
    from neurokit.dynamics.reference import run_reference

    model = _model()
    x = (torch.rand(40, 3, 2, 3, 3, dtype=torch.float64) < 0.3).double()
    with torch.no_grad():
        out, (zu, zm, zh) = model(x, return_spikes=True)
    assert zu.sum() > 0 and zm.sum() > 0 and zh.sum() > 0
    ir.write(model.to_ir(), tmp_path / "lmu.nir")
    graph = ir.read(tmp_path / "lmu.nir")
    assert {type(n).__name__ for n in graph.nodes.values()} == {"Input", "Flatten", "Affine", "LIF", "Linear", "LI",
                                                                "Output"}
    assert ("lmu", "recurrent") in graph.loop_edges()
    rec = sim.simulate(graph, x.numpy(), record=("spikes",))
    np.testing.assert_array_equal(rec.spikes["lmu"], torch.cat([zu, zm, zh], -1).numpy())
    np.testing.assert_allclose(rec.outputs["output"], out.numpy(), rtol=1e-12, atol=1e-12)
    ref = run_reference(graph, x.numpy(), record=("lmu",))
    np.testing.assert_array_equal(ref.node_outputs["lmu"], rec.spikes["lmu"])
    a_bar, b_bar = lmu_memory(3, 0.1, 0.01)
    w = np.asarray(graph.nodes["recurrent"].weight)
    np.testing.assert_array_equal(w[2:5, 2:5], a_bar)  # memory unit 0: rows/columns 2..4, its encoder column 0
    np.testing.assert_array_equal(w[5:8, 5:8], a_bar)
    np.testing.assert_array_equal(w[2:5, 0], b_bar[:, 0])
    np.testing.assert_array_equal(w[2:5, [1, *range(5, 8)]], 0.0)  # no cross-talk between memory units
    assert np.all(np.asarray(graph.nodes["lmu"].r)[2:8] == 4.0)
    assert not any(p is model.memory_a for p in model.parameters())  # A, B are fixed


@pytest.mark.lava
@pytest.mark.nest
def test_the_lmu_deploys_on_every_target_bit_exact_with_each_targets_own_mode(
        tmp_path: Path, lava_runtime: None, nest_runtime: None) -> None:
    from neurokit.hil import run_hil

    model = _model(1)
    x = (np.random.default_rng(3).random((30, 2, 2, 3, 3)) < 0.3).astype(np.float64)
    rep = run_hil(model.to_ir(), ["loihi2", "spinnaker", "crossbar:ideal", "nest"], x, out_dir=tmp_path)
    for t in rep.targets:
        assert t.status == "ok", (t.target, t.error)
        assert t.own_mode is not None and t.own_mode.spike_agreement == 1.0, t.target
        assert t.own_mode.spikes_got > 0
        assert t.float_model is not None and t.float_model.spike_agreement > 0.5, t.target


def test_train_arch_lmu_through_the_cli_and_its_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neurokit.cli import main
    from tests.unit.train.test_train_any_dataset import write_heidelberg

    write_heidelberg(tmp_path / "data" / "SHD" / "shd_train.h5", 4, 6, seed=1)
    write_heidelberg(tmp_path / "data" / "SHD" / "shd_test.h5", 4, 2, seed=2)
    (tmp_path / "run.toml").write_text("[train]\nhidden = [12]\nsteps = 10\ndt = 0.02\nbatch_size = 8\nthreads = 1\n"
                                       "memory_units = 2\nlr = 0.01\n")
    out = tmp_path / "run"
    assert main(["train", "--config", str(tmp_path / "run.toml"), "--arch", "lmu", "--memory-order", "3", "--epochs",
                 "2", "--dataset", "shd", "--data-dir", str(tmp_path / "data"), "--out", str(out)]) == 0
    card = json.loads((out / "summary.json").read_text())
    assert card["test_accuracy_sim"] == pytest.approx(card["test_accuracy_torch"], abs=1 / 8 + 1e-9)
    graph = ir.read(out / "model.nir")
    assert graph.nodes["lmu"].tau.size == 2 + 2 * 3 + 12
    a_bar, _ = lmu_memory(3, 10 * 0.02, 0.02)  # theta defaults to the sample, steps * dt
    np.testing.assert_array_equal(np.asarray(graph.nodes["recurrent"].weight)[2:5, 2:5], a_bar)
    for bad, match in (({"arch": "lmu", "mode": "sltt"}, "bptt"), ({"arch": "lmu", "hidden": [4, 4]}, "one hidden"),
                       ({"arch": "lmu", "loss": "spike_count"}, "LI readout"), ({"arch": "rnn"}, "arch must be")):
        with pytest.raises(ConfigError, match=match):
            TrainConfig.from_dict(bad)
