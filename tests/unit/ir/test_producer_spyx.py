"""spyx 1.0.0's own exports and runs (tools/producers/spyx_golden.py) reproduced by neurokit spike
for spike, with ``producer="spyx"`` and by detection alone."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.ir.producers import PRODUCERS

from .golden_producer_runs import GOLDEN_ROOT, read_golden, run_reference_and_sim as run_both
from .producer_goldens import every_other_file, read_plain

FOLDER = GOLDEN_ROOT / "producers" / "spyx"
CASES = sorted(p.stem for p in FOLDER.glob("*.nir"))


def _time_major_channels_first(x: np.ndarray) -> np.ndarray:
    """spyx is fed channels-last (T, B, H, W, C); NIR (and neurokit) are channels-first."""
    return x.transpose(0, 1, 4, 2, 3) if x.ndim == 5 else x


def _neuron_name(graph: ir.Graph, layer: str) -> str:
    """neurokit's name of spyx's ``layer_i`` (recurrent layers are flattened to ``layer_i.layer_i.lif``)."""
    return layer if layer in graph.nodes else f"{layer}.{layer}.lif"


def test_every_neuron_type_has_a_golden() -> None:
    assert CASES == ["conv", "cubalif", "if", "lif", "psu_lif", "rcubalif", "rif", "rlif", "two_layer"]


@pytest.mark.parametrize("how", ["producer", "detected"])
@pytest.mark.parametrize("case", CASES)
def test_golden_spike_for_spike(case: str, how: str) -> None:
    data = np.load(FOLDER / f"{case}.npz")
    graph, warned = read_golden(FOLDER / f"{case}.nir", "spyx" if how == "producer" else None)
    assert warned == ({ir.ProducerAssumedWarning} if how == "detected" else set())
    assert graph.metadata["producer"] == "spyx"
    assert graph.profile.dt == float(data["dt"]) or not any(
        isinstance(n, (ir.LIF, ir.CubaLIF)) for n in graph.nodes.values())
    layers = {k.split("/", 1)[1]: _neuron_name(graph, k.split("/", 1)[1]) for k in data.files if k.startswith("V/")}
    runs = run_both(graph, _time_major_channels_first(data["input"]), tuple(layers.values()))
    np.testing.assert_array_equal(runs["ref"], data["spikes"])
    np.testing.assert_array_equal(runs["sim"], data["spikes"])
    # spyx's own re-import of the file gives its original run (the file is self-consistent for spyx)
    np.testing.assert_array_equal(data["spikes_from_nir"], data["spikes"])
    for layer, name in layers.items():
        v = _time_major_channels_first(data[f"V/{layer}"])
        np.testing.assert_allclose(runs[f"v:{name}"], v, rtol=1e-4, atol=1e-4)


def test_if_only_files_need_no_dt() -> None:
    """IF carries no dt; the rewrite gives r = 1/dt, so spikes are those of spyx for any dt."""
    data = np.load(FOLDER / "if.npz")
    graph, _ = read_golden(FOLDER / "if.nir", "spyx")
    other = ir.read(FOLDER / "if.nir", producer="spyx", profile={"dt": 1e-3})
    assert graph.profile.dt == 1.0 and other.profile.dt == 1e-3
    np.testing.assert_array_equal(run_both(graph, data["input"])["ref"], data["spikes"])


def test_plain_defaults_give_almost_no_spikes() -> None:
    """The issue's measurement: read as plain NIR (r = beta as a resistance), a spyx LIF file spikes
    far less than spyx did."""
    data = np.load(FOLDER / "lif.npz")
    runs = run_both(read_plain(FOLDER / "lif.nir"), data["input"])
    assert runs["ref"].sum() < 0.1 * data["spikes"].sum()


@pytest.mark.parametrize("path", every_other_file("spyx"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detection_does_not_claim_other_producers_files(path) -> None:
    assert not PRODUCERS["spyx"].detect(read_plain(path))


def test_a_given_dt_relabels_time_and_keeps_spyxs_steps() -> None:
    """dt = tau (1 - r) is in the file; a dt the reader gives changes only the step's length."""
    data = np.load(FOLDER / "two_layer.npz")
    graph = ir.read(FOLDER / "two_layer.nir", producer="spyx", profile={"dt": 1e-3})
    assert graph.profile.dt == 1e-3 and float(data["dt"]) == 5e-4
    np.testing.assert_array_equal(run_both(graph, data["input"])["ref"], data["spikes"])


def test_the_detection_note_states_the_dt_read_from_the_file() -> None:
    with pytest.warns(ir.ProducerAssumedWarning, match=r"spyx 1\.0\.0 export \(dt=0\.0005, integration=euler"):
        ir.read(FOLDER / "two_layer.nir")
