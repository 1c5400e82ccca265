"""snnTorch 1.0.0's own exports and runs (tests/golden/producers/snntorch, written by
tools/producers/snntorch_golden.py) reproduced by neurokit spike for spike, with
``producer="snntorch"`` and by detection alone; what the export cannot say is pinned."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit import ir
from neurokit.ir.producers.snntorch import PRODUCER as SNNTORCH

from .producer_goldens import assert_reproduces, cases, every_other_file, load, read_plain, run_both

#: Cases neurokit reproduces, with the profile fields the export does not write (snnTorch's
#: ``reset_mechanism="zero"``); ``None``: the entry's profile alone.
REPRODUCED: dict[str, dict[str, str] | None] = {
    "leaky_subtract": None, "synaptic_subtract": None, "rleaky": None, "rsynaptic": None, "conv_leaky": None,
    "leaky_zero": {"reset": "zero"},
}
#: Cases no profile reproduces (see test_synaptic_reset_to_zero_is_not_expressible).
NOT_EXPRESSIBLE = ("synaptic_zero",)


def test_every_golden_is_accounted_for() -> None:
    assert sorted([*REPRODUCED, *NOT_EXPRESSIBLE]) == cases("snntorch")


@pytest.mark.parametrize("case", sorted(REPRODUCED))
def test_reproduced_with_the_producer_named(case: str) -> None:
    golden = load("snntorch", case)
    graph = ir.read(golden.path, producer="snntorch", profile=REPRODUCED[case])
    assert graph.profile.dt == 1e-4 and graph.profile.reset_timing == "next_step"
    assert 0.05 < np.mean(golden.outputs > 0) < 0.95  # neither silent nor saturated
    assert_reproduces(graph, golden)


@pytest.mark.parametrize("case", sorted(REPRODUCED))
def test_reproduced_by_detection_alone(case: str) -> None:
    golden = load("snntorch", case)
    with pytest.warns(ir.ProducerAssumedWarning, match="snntorch 1.0.0 export"):
        graph = ir.read(golden.path, profile=REPRODUCED[case])
    assert graph.metadata["producer"] == "snntorch"
    assert_reproduces(graph, golden)


def test_plain_nir_defaults_do_not_reproduce_snntorch() -> None:
    """What the issue measured: read as plain NIR (exact, dt = 1 ms, same-step zero reset) an
    snnTorch export spikes far more often than snnTorch did."""
    golden = load("snntorch", "leaky_subtract")
    ref, _ = run_both(read_plain(golden.path), golden)
    assert ref.outputs.sum() > 1.5 * golden.outputs.sum()


@pytest.mark.parametrize(("zero", "subtract"), [("leaky_zero", "leaky_subtract"), ("synaptic_zero", "synaptic_subtract")])
def test_the_export_does_not_carry_the_reset_mechanism(zero: str, subtract: str) -> None:
    """Pinned: the same net with ``reset_mechanism="zero"`` and ``"subtract"`` exports the same file,
    so the entry's default (subtract, snnTorch's default) cannot reproduce the zero-reset run."""
    a, b = read_plain(load("snntorch", zero).path), read_plain(load("snntorch", subtract).path)
    assert a.flatten().nodes == b.flatten().nodes
    golden = load("snntorch", zero)
    ref, _ = run_both(ir.read(golden.path, producer="snntorch"), golden)
    assert not np.array_equal(ref.outputs, golden.outputs)


def test_synaptic_reset_to_zero_is_not_expressible() -> None:
    """Pinned: snnTorch's ``Synaptic._base_zero`` subtracts the whole new membrane when the last
    step spiked (``mem -= reset * (beta*mem + syn)``), so the step after a spike ends at exactly 0
    whatever its input; neurokit's ``next_step`` zero reset (as ``Leaky``) starts that step from 0
    and adds the input, which no profile changes."""
    golden = load("snntorch", "synaptic_zero")
    assert golden.mem is not None
    threshold = 1.5  # the output Synaptic layer's threshold (tools/producers/snntorch_golden.py)
    after_spike = golden.mem[:-1] > threshold
    assert after_spike.sum() > 10
    np.testing.assert_array_equal(golden.mem[1:][after_spike], 0.0)
    ref, sim_run = run_both(ir.read(golden.path, producer="snntorch", profile={"reset": "zero"}), golden)
    for run in (ref, sim_run):
        assert np.count_nonzero(run.mem[1:][run.mem[:-1] > threshold]) > 0
        assert not np.array_equal(run.outputs, golden.outputs)


@pytest.mark.parametrize("path", every_other_file("snntorch"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_detection_claims_no_other_file(path: object) -> None:
    assert not SNNTORCH.detect(read_plain(path))  # type: ignore[arg-type]
