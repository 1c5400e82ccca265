"""The harness catches a broken backend at the right place, times out a hanging board, survives a
crashing one, and reports all targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.hil.harness import compare, run_hil, simulate_arrays
from neurokit.hil.metrics import first_divergence
from neurokit.hil.testing import WRONG_ROUNDING, floor_weights, round_weights


def small_model(seed: int = 0) -> ir.Graph:
    rng = np.random.default_rng(seed)
    lif = lambda n: ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 1.0))  # noqa: E731
    return ir.Graph.sequential(ir.Linear(weight=rng.normal(0.6, 0.5, (12, 8))), lif(12),
                               ir.Linear(weight=rng.normal(0.3, 0.5, (4, 12))), lif(4),
                               names=["fc1", "lif1", "fc2", "lif2"], profile=ir.Profile(dt=1e-3))


def inputs(T: int = 60, B: int = 3, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).random((T, B, 8)) < 0.3).astype(np.float64) * 40.0


def test_wrong_rounding_is_caught_at_the_right_step_and_neuron(tmp_path: Path) -> None:
    g, x = small_model(), inputs()
    report = run_hil(g, ["neurokit.hil.testing:EXACT", "neurokit.hil.testing:WRONG_ROUNDING"], x,
                     out_dir=tmp_path, timeout_s=120)
    exact, broken = report.targets
    assert exact.status == "ok" and exact.own_mode is not None and broken.own_mode is not None
    assert exact.own_mode.spike_agreement == 1.0 and exact.own_mode.first_divergence is None
    assert broken.status == "ok" and broken.own_mode.spike_agreement < 1.0
    # the divergence the harness reports is where the two models first differ, computed independently
    good = simulate_arrays(round_weights(g, WRONG_ROUNDING.quantum), x, 60)
    bad = simulate_arrays(floor_weights(g, WRONG_ROUNDING.quantum), x, 60)
    expected = first_divergence(good.spikes, bad.spikes, order=["lif1", "lif2"])
    assert expected is not None
    assert broken.own_mode.first_divergence == expected.as_dict()


def test_hanging_board_times_out_and_others_still_run(tmp_path: Path) -> None:
    g, x = small_model(), inputs(T=20, B=1)
    report = run_hil(g, ["neurokit.hil.testing:HANGING", "neurokit.hil.testing:CRASHING", "neurokit.hil.testing:EXACT"],
                     x, out_dir=tmp_path, timeout_s=8)
    hang, crash, exact = report.targets
    assert hang.status == "timeout" and "did not finish within 8 s" in hang.error
    assert crash.status == "failed" and "simulated firmware crash" in crash.error
    assert exact.status == "ok" and exact.own_mode is not None and exact.own_mode.spike_agreement == 1.0


def test_refused_graph_lists_every_node(tmp_path: Path) -> None:
    g = ir.Graph.sequential(ir.Linear(weight=np.eye(2)), ir.Delay(delay=np.full(2, 1e-3)), ir.Scale(scale=np.ones(2)),
                            names=["w", "d", "s"])
    report = run_hil(g, ["neurokit.hil.testing:EXACT"], np.zeros((5, 1, 2)), out_dir=tmp_path)
    (res,) = report.targets
    assert res.status == "refused"
    assert "node 'd': Delay cannot be mapped" in res.error and "node 's': Scale cannot be mapped" in res.error


def test_compare_reports_per_layer_figures() -> None:
    g, x = small_model(), inputs()
    a = simulate_arrays(g, x, 60)
    b = simulate_arrays(floor_weights(g, 1 / 16), x, 60)
    cmp = compare(a, b, ["lif1", "lif2"], dt=1e-3, description="floored weights")
    assert set(cmp.layer_correlation) == {"lif1", "lif2"}
    assert 0.0 <= cmp.spike_agreement < 1.0
    assert all(v >= 0 for v in cmp.van_rossum.values())
    assert cmp.spikes_expected == sum(int(a.spikes[n].sum()) for n in ("lif1", "lif2"))
    assert cmp.spikes_got == sum(int(b.spikes[n].sum()) for n in ("lif1", "lif2"))
    (out,) = a.outputs
    assert cmp.reference == "floored weights"
    assert cmp.output_max_abs_diff == float(np.abs(b.outputs[out] - a.outputs[out]).max())


@pytest.mark.parametrize("bad_target", ["nonexistent"])
def test_unknown_target_is_a_failed_row_not_a_crash(bad_target: str, tmp_path: Path) -> None:
    report = run_hil(small_model(), [bad_target], inputs(T=5, B=1), out_dir=tmp_path)
    assert report.targets[0].status == "failed" and "unknown target" in report.targets[0].error


SEAM_KEYS = {"reference", "spike_agreement", "first_divergence", "spikes", "layer_correlation", "van_rossum",
             "output_max_abs_diff", "profile_changes"}
ROW_KEYS = {"target", "status", "error", "wall_s", "own_mode", "float_model", "accuracy", "accuracy_delta", "faults",
            "counters", "cost"}


def test_report_json_schema_and_html(tmp_path: Path) -> None:
    """``report.json`` (format neurokit-hil-report, version 3): every target row has the two seams
    ``own_mode`` and ``float_model`` with the same keys; a target that did not run has neither."""
    import json

    from neurokit.hil.harness import FLOAT_MODEL
    from neurokit.hil.report import table, write_report

    labels = np.array([0, 1, 2])
    targets = ["neurokit.hil.testing:EXACT", "neurokit.hil.testing:WRONG_ROUNDING", "neurokit.hil.testing:CRASHING"]
    report = run_hil(small_model(), targets, inputs(), labels=labels, out_dir=tmp_path / "work", timeout_s=120)
    j, h = write_report(report, tmp_path / "report")
    data = json.loads(j.read_text())
    assert set(data) == {"format", "version", "model", "samples", "steps", "float_model", "float_accuracy", "targets"}
    assert (data["format"], data["version"], data["float_model"]) == ("neurokit-hil-report", 3, FLOAT_MODEL)
    assert (data["samples"], data["steps"]) == (3, 60) and list(data["targets"]) == ["exact", "wrong_rounding", "crashing"]
    for result in report.targets:
        row = data["targets"][result.target]
        assert set(row) == ROW_KEYS
        if result.status != "ok":
            assert row["own_mode"] is None and row["float_model"] is None and row["error"]
            continue
        for seam in ("own_mode", "float_model"):
            block = row[seam]
            assert set(block) == SEAM_KEYS and set(block["spikes"]) == {"expected", "got"}
            assert all(type(v) is int and v >= 0 for v in block["spikes"].values())
            assert 0.0 <= block["spike_agreement"] <= 1.0 and isinstance(block["reference"], str)
            div = block["first_divergence"]
            assert (div is None) == (block["spike_agreement"] == 1.0)
            if div is not None:
                assert list(div) == ["sample", "step", "node", "neuron", "expected", "got"] and div["expected"] != div["got"]
            assert block == json.loads(json.dumps(getattr(result, seam).as_dict()))  # what the objects hold
        assert row["float_model"]["reference"] == FLOAT_MODEL
    assert data["targets"]["exact"]["own_mode"]["spike_agreement"] == 1.0
    assert data["targets"]["exact"]["accuracy_delta"] == pytest.approx(
        data["targets"]["exact"]["accuracy"] - data["float_accuracy"])
    # the test backends round weights to 1/16: both are off the float model, only one off its own mode
    assert data["targets"]["wrong_rounding"]["own_mode"]["spike_agreement"] < 1.0
    page = h.read_text()
    assert page.count("<img") == 2 and "wrong_rounding" in page
    assert "own numeric mode (implementation faults" in page and "float model (quantisation and semantics)" in page
    text = table(report)
    assert "wrong_rounding" in text and text.count("own numeric mode:  first divergence") == 2
    assert text.count("float model:       first divergence") == 2


def test_board_counters_reach_the_report(tmp_path: Path) -> None:
    """SpiNNaker's ring-buffer saturations travel from the board process into the report: the
    reference clips identically (agreement 1.0), and the table names the counter."""
    from neurokit.hil.report import table

    n_in, n = 300, 4
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(np.full((n, n_in), 0.05)),
                            ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 1.5)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    x = np.full((60, 1, n_in), 2.0)
    report = run_hil(g, ["spinnaker"], x, out_dir=tmp_path, timeout_s=120,
                     options={"spinnaker": {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0}})
    row = report.targets[0]
    assert row.status == "ok" and row.own_mode is not None and row.own_mode.spike_agreement == 1.0
    spikes = row.run.spikes["pop"].sum()  # clipped input ~2.0: v crosses 1.5 after ~28 steps (unclipped ~30: every step)
    assert 0 < spikes < 59 * n
    assert row.counters["ring_buffer_saturations/pop"] == 59 * n  # every step after the first delivery
    assert "board counters: ring_buffer_saturations/pop=236" in table(report)
