"""Rockpool 3.1.0's own exports and runs (tools/producers/rockpool_golden.py) reproduced by neurokit
spike for spike, with ``producer="rockpool"`` and by detection alone."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.ir.producers import PRODUCERS
from neurokit.ir.producers.rockpool import dt_from_r

from .golden_producer_runs import GOLDEN_ROOT, read_golden, run_reference_and_sim as run_both
from .producer_goldens import every_other_file, read_plain

FOLDER = GOLDEN_ROOT / "producers" / "rockpool"
CASES = sorted(p.stem for p in FOLDER.glob("*.nir"))
SPIKING = [c for c in CASES if c != "lif_li"]
#: nirtorch 1.x writes the sample's batch dimension into the Input shape; neurokit repairs it.
PORT_REPAIR = {ir.NIRCompatWarning}


def test_every_neuron_type_has_a_golden() -> None:
    assert CASES == ["cubalif", "lif", "lif_li", "paper_lif", "recurrent", "two_layer"]


@pytest.mark.parametrize("how", ["producer", "detected"])
@pytest.mark.parametrize("case", SPIKING)
def test_golden_spike_for_spike(case: str, how: str) -> None:
    data = np.load(FOLDER / f"{case}.npz")
    graph, warned = read_golden(FOLDER / f"{case}.nir", "rockpool" if how == "producer" else None)
    expected_warnings = PORT_REPAIR | ({ir.ProducerAssumedWarning} if how == "detected" else set())
    assert warned == expected_warnings
    assert graph.metadata["producer"] == "rockpool"
    neurons = tuple(k.split("/", 1)[1] for k in data.files if k.startswith("vmem/"))
    runs = run_both(graph, data["input"], neurons)
    # the recurrent case: the file has no w_rec, so it means Rockpool's run without recurrence
    want = data["spikes_as_exported"] if case == "recurrent" else data["spikes"]
    np.testing.assert_array_equal(runs["ref"], want)
    np.testing.assert_array_equal(runs["sim"], want)
    if case != "recurrent":
        for name in neurons:
            # float32 round-off after subtractive resets
            np.testing.assert_allclose(runs[f"v:{name}"], data[f"vmem/{name}"], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("how", ["producer", "detected"])
def test_lif_into_expsyn_readout(how: str) -> None:
    """ExpSynTorch (NIR LI): I_t = beta (I_{t-1} + x_t), read through its hidden LIF layer's spikes."""
    data = np.load(FOLDER / "lif_li.npz")
    graph, warned = read_golden(FOLDER / "lif_li.nir", "rockpool" if how == "producer" else None)
    assert warned == PORT_REPAIR | ({ir.ProducerAssumedWarning} if how == "detected" else set())
    runs = run_both(graph, data["input"], ("1_LIFNeuronTorch",))
    np.testing.assert_allclose(runs["v:1_LIFNeuronTorch"], data["vmem/1_LIFNeuronTorch"], rtol=1e-4, atol=1e-4)
    for key in ("ref", "sim"):
        np.testing.assert_allclose(runs[key], data["isyn"], rtol=1e-4, atol=1e-4)
    assert np.abs(data["isyn"]).max() > 1.0


def test_recurrent_export_drops_w_rec() -> None:
    """Pinned producer/export disagreement: rockpool's to_nir maps a recurrent LIFTorch to a bare
    CubaLIF, so the file has no loop and Rockpool's own recurrent run differs from what it states."""
    data = np.load(FOLDER / "recurrent.npz")
    graph, _ = read_golden(FOLDER / "recurrent.nir", "rockpool")
    assert not graph.loop_edges()
    assert int(np.sum(data["spikes"] != data["spikes_as_exported"])) > 100


def test_dt_is_recovered_from_r() -> None:
    for case, dt in (("lif", 1e-3), ("two_layer", 5e-4), ("paper_lif", 1e-4)):
        graph, _ = read_golden(FOLDER / f"{case}.nir", "rockpool")
        assert graph.profile.dt == dt
    tau = np.array([2e-3, 0.02, 0.3])
    np.testing.assert_allclose(dt_from_r(tau * np.exp(-1e-3 / tau) / 1e-3, tau), 1e-3, rtol=1e-12)


def test_several_spikes_per_step_are_reproduced() -> None:
    data = np.load(FOLDER / "lif.npz")
    assert data["spikes"].max() >= 3  # Rockpool's multi-spike output is part of the golden


def test_nir_paper_rockpool_file_is_detected_and_matches_rockpool() -> None:
    """The NIR paper's Rockpool export (a file neurokit did not write) is recognised, read with
    dt = 0.1 ms, and gives Rockpool's own spikes for the same neuron and input."""
    graph, warned = read_golden(GOLDEN_ROOT / "nir-paper-lif" / "lif_rockpool.nir", None)
    assert warned == PORT_REPAIR | {ir.ProducerAssumedWarning}
    assert graph.metadata["producer"] == "rockpool" and graph.profile.dt == 1e-4
    data = np.load(FOLDER / "paper_lif.npz")
    runs = run_both(graph, data["input"])
    np.testing.assert_array_equal(runs["ref"].reshape(data["spikes"].shape), data["spikes"])
    np.testing.assert_array_equal(runs["sim"].reshape(data["spikes"].shape), data["spikes"])
    assert data["spikes"].sum() == 4


#: the NIR paper's lif_rockpool.nir is Rockpool's (tested above)
OTHERS = [p for p in every_other_file("rockpool") if p.name != "lif_rockpool.nir"]


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detection_does_not_claim_other_producers_files(path) -> None:
    assert not PRODUCERS["rockpool"].detect(read_plain(path))


def test_plain_defaults_are_not_rockpools_meaning() -> None:
    """Without the producer the file's r (about 19 for tau = 20 ms) is read as NIR's resistance."""
    data = np.load(FOLDER / "cubalif.npz")
    graph = read_plain(FOLDER / "cubalif.nir")
    runs = run_both(graph, data["input"])
    assert not np.array_equal(runs["ref"], data["spikes"])


def test_a_given_dt_relabels_time_and_keeps_rockpools_steps() -> None:
    """The file's r fixes Rockpool's per-step decays; a dt the reader gives only changes the step's
    length (the decays are kept), so the spikes stay Rockpool's."""
    data = np.load(FOLDER / "cubalif.npz")
    with pytest.warns(ir.NIRCompatWarning):
        graph = ir.read(FOLDER / "cubalif.nir", producer="rockpool", profile={"dt": 2e-3})
    assert graph.profile.dt == 2e-3
    np.testing.assert_array_equal(run_both(graph, data["input"])["ref"], data["spikes"])
