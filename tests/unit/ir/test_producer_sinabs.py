"""Sinabs 3.1.3's own exports and runs (tests/golden/producers/sinabs, written by
tools/producers/sinabs_golden.py) reproduced by neurokit spike for spike (spike counts:
``MultiSpike``), with ``producer="sinabs"`` and by detection alone; what the export cannot say
(spike_fn, reset_fn, min_v_mem) is pinned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.ir.producers.sinabs import PRODUCER as SINABS

from .producer_goldens import assert_reproduces, cases, every_other_file, load, read_plain, run_both

#: Spiking cases with the profile fields the export does not write (``None``: Sinabs' defaults).
REPRODUCED: dict[str, dict[str, object] | None] = {
    "iaf": None, "lif": None, "conv_sumpool": None,
    "iaf_min_v_mem": {"v_min": -1.0},        # IAF(min_v_mem=-1)
    "iaf_reset_zero": {"reset": "zero"},     # IAF(reset_fn=MembraneReset())
    "iaf_single_spike": {"multi_spike": False},  # IAF(spike_fn=SingleSpike)
}
#: The ExpLeak readout: its output is the membrane.
GRADED = ("lif_expleak",)


def test_every_golden_is_accounted_for() -> None:
    assert sorted([*REPRODUCED, *GRADED]) == cases("sinabs")


@pytest.mark.parametrize("case", [*REPRODUCED, *GRADED])
def test_reproduced_with_the_producer_named(case: str) -> None:
    golden = load("sinabs", case)
    graph = ir.read(golden.path, producer="sinabs", profile=REPRODUCED.get(case))
    assert graph.profile.dt == 1.0
    if case in REPRODUCED:
        assert 0.05 < np.mean(golden.outputs > 0) < 0.95  # neither silent nor saturated
    assert_reproduces(graph, golden, graded=case in GRADED)


@pytest.mark.parametrize("case", [*REPRODUCED, *GRADED])
def test_reproduced_by_detection_alone(case: str) -> None:
    golden = load("sinabs", case)
    with pytest.warns(ir.ProducerAssumedWarning, match="sinabs 3.1.3 export"):
        graph = ir.read(golden.path, profile=REPRODUCED.get(case))
    assert graph.metadata["producer"] == "sinabs"
    assert_reproduces(graph, golden, graded=case in GRADED)


@pytest.mark.parametrize("case", ["iaf", "lif", "conv_sumpool"])
def test_multi_spike_counts_are_exercised(case: str) -> None:
    assert load("sinabs", case).outputs.max() >= 2


def test_plain_nir_defaults_do_not_reproduce_sinabs() -> None:
    """What the issue measured: read as plain NIR (dt = 1 ms, so an IF adds 1e-3 x per step) a
    Sinabs IAF net gives no spike at all."""
    golden = load("sinabs", "iaf")
    ref, _ = run_both(read_plain(golden.path), golden)
    assert ref.outputs.sum() == 0 and golden.outputs.sum() > 100


@pytest.mark.parametrize("case", ["iaf_reset_zero", "iaf_single_spike"])
def test_the_export_does_not_carry_spike_or_reset_functions(case: str) -> None:
    """Pinned: the same net with ``MembraneReset`` or ``SingleSpike`` exports the very file of the
    defaults (``MultiSpike``, ``MembraneSubtract``), so the entry's profile cannot reproduce it."""
    assert read_plain(load("sinabs", case).path).nodes == read_plain(load("sinabs", "iaf").path).nodes
    golden = load("sinabs", case)
    ref, _ = run_both(ir.read(golden.path, producer="sinabs"), golden)
    assert not np.array_equal(ref.outputs, golden.outputs)


def test_the_export_does_not_carry_min_v_mem() -> None:
    """Pinned: ``min_v_mem`` is not written (Sinabs' own ``from_nir`` then assumes
    ``-v_threshold`` for IF); without ``v_min`` the membrane sinks below -1 and spikes are lost."""
    golden = load("sinabs", "iaf_min_v_mem")
    ref, _ = run_both(ir.read(golden.path, producer="sinabs"), golden)
    assert ref.mem.min() < -1.0 and golden.mem is not None and golden.mem.min() >= -1.0
    assert not np.array_equal(ref.outputs, golden.outputs)


def test_expleak_input_is_rewritten_unscaled() -> None:
    """ExpLeak adds its input unscaled: LI ``r = 1/(1 - exp(-dt/tau))`` (8 steps: 8.51...)."""
    graph = ir.read(load("sinabs", "lif_expleak").path, producer="sinabs")
    (li,) = [n for n in graph.nodes.values() if isinstance(n, ir.LI)]
    np.testing.assert_allclose(li.r, 1.0 / (1.0 - np.exp(-1.0 / 8.0)), rtol=1e-6)


@pytest.mark.parametrize("path", every_other_file("sinabs"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detection_claims_no_other_file(path: Path) -> None:
    assert not SINABS.detect(read_plain(path))


def test_spyx_named_if_nets_are_not_taken_for_sinabs() -> None:
    """spyx writes the same IF fields (r = 1, v_reset = 0, Affine) but names its nodes layer_<i>."""
    graph = read_plain(load("sinabs", "iaf").path)
    assert SINABS.detect(graph)
    names = {k: (k if k in ("input", "output") else f"layer_{i}") for i, k in enumerate(graph.nodes)}
    renamed = ir.Graph(nodes={names[k]: n for k, n in graph.nodes.items()},
                       edges=tuple((names[a], names[b]) for a, b in graph.edges), profile=graph.profile)
    assert not SINABS.detect(renamed)


def test_the_nir_papers_sinabs_cnn_is_recognised() -> None:
    """The NIR paper's CNN was exported by Sinabs: detection alone reads it as Sinabs meant it."""
    from .producer_goldens import WRITTEN_ELSEWHERE

    (path,) = WRITTEN_ELSEWHERE["sinabs"]
    assert SINABS.detect(read_plain(path))
