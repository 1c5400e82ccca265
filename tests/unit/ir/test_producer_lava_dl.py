"""lava-dl running NIR files (through the NIR project's nir_to_lava importer; lava-dl itself has no
NIR support): tools/producers/lava_dl_golden.py's runs reproduced by neurokit with
``producer="lava-dl"``. lava-dl writes no NIR, so nothing is detected as lava-dl's."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.errors import ConfigError
from neurokit.ir.producers import PRODUCERS

from .golden_producer_runs import GOLDEN_ROOT, read_golden, run_reference_and_sim as run_both
from .producer_goldens import every_other_file, read_plain

FOLDER = GOLDEN_ROOT / "lava-dl-runs"
EXACT = ["conv", "if"]


def test_every_case_has_a_golden() -> None:
    assert sorted(p.stem for p in FOLDER.glob("*.nir")) == ["conv", "cubalif", "if"]


@pytest.mark.parametrize("case", EXACT)
def test_golden_spike_for_spike(case: str) -> None:
    data = np.load(FOLDER / f"{case}.npz")
    graph, warned = read_golden(FOLDER / f"{case}.nir", "lava-dl")
    assert warned == set()
    assert graph.metadata["producer"] == "lava-dl" and graph.profile.dt == float(data["dt"])
    runs = run_both(graph, data["input"])
    np.testing.assert_array_equal(runs["ref"], data["spikes"])
    np.testing.assert_array_equal(runs["sim"], data["spikes"])
    assert 0.1 < data["spikes"].mean() < 0.9


def test_cubalif_is_not_bit_exact() -> None:
    """Pinned: slayer's CUBA neuron truncates its current and voltage to 1/4096 toward zero every
    step (``right_shift_to_zero``); neurokit's float run does not, so a few spikes move."""
    data = np.load(FOLDER / "cubalif.npz")
    graph, _ = read_golden(FOLDER / "cubalif.nir", "lava-dl")
    runs = run_both(graph, data["input"])
    np.testing.assert_array_equal(runs["ref"], runs["sim"])
    equal = float(np.mean(runs["ref"] == data["spikes"]))
    assert 0.98 <= equal < 1.0


def test_if_reads_r_as_a_threshold_scale() -> None:
    """lava-dl multiplies the threshold by r and adds the input unscaled (NIR: v += dt r x)."""
    graph, _ = read_golden(FOLDER / "if.nir", "lava-dl")
    node = graph.nodes["if"]
    assert np.all(node.r == 1e4)  # v += x at dt = 1e-4
    np.testing.assert_allclose(node.v_threshold, 1.0 - 0.5 / 2**18)  # 1 + 1/8192 truncated to 1/4096


def test_what_lava_dl_refuses_is_refused() -> None:
    graph = read_plain(FOLDER / "if.nir")
    lif = ir.LIF(tau=np.full(10, 1e-3), r=np.ones(10), v_leak=np.zeros(10), v_threshold=np.ones(10))
    with pytest.raises(ConfigError, match="lava-dl cannot run LIF"):
        ir.producers.apply_producer(graph.replace_node("if", lif), PRODUCERS["lava-dl"])
    uneven = graph.nodes["if"].replace(v_threshold=np.linspace(1, 2, 10))
    with pytest.raises(ConfigError, match="one v_threshold for all neurons"):
        ir.producers.apply_producer(graph.replace_node("if", uneven), PRODUCERS["lava-dl"])


@pytest.mark.parametrize("path", every_other_file("lava-dl") + sorted(FOLDER.glob("*.nir")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_nothing_is_detected_as_lava_dl(path) -> None:
    assert not PRODUCERS["lava-dl"].detect(read_plain(path))
