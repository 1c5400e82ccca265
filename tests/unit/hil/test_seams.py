"""Both seams on the real targets: a board that runs its own numeric mode bit for bit still shows
where quantisation and the target's semantics move it away from the float model, in
``report.json``, ``report.html`` and the CLI table.

Loihi 2 runs in Lava (out of process), SpiNNaker in its packet emulator.
"""

from __future__ import annotations

import json
from pathlib import Path

import markupsafe
import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.cli import main
from neurokit.hil import run_hil
from neurokit.hil.harness import FLOAT_MODEL, float_model
from neurokit.hil.metrics import first_divergence, spike_agreement, spike_count
from neurokit.hil.report import divergence_text, table, write_report

pytestmark = [pytest.mark.lava, pytest.mark.usefixtures("lava_runtime")]
TARGETS = ("loihi2", "spinnaker")

#: The fixed-point modes (Loihi 2, S16.15) start the membrane where the float model does (``v_leak``,
#: quantized), so they keep the float model's spike at step 0 of the ``v_leak`` net below.
FIXED_POINT_STARTS_AT_ZERO = False




# -- a weight that rounds across the threshold ------------------------------------------------
#
# One input spiking every step drives two LIF neurons (exact integration, threshold 1, reset to
# zero, one step of synaptic latency as both chips have). With weight w the float membrane is
# v_t = w (1 - a^t), a = exp(-dt / tau): it crosses 1 at the first t > ln(1 - 1/w) / ln(a) if w > 1,
# never if w <= 1. Neuron 0 has w = 1 + 2e-5, below both chips' weight resolution (Loihi: 8-bit
# mantissa scaled to the larger weight; SpiNNaker: 16-bit S16.15 weights): on the chips it never
# fires. Neuron 1 (w = 254/124: exactly Loihi 2's largest 8-bit weight over a threshold mantissa of
# 124, which also holds neuron 0's weight as exactly the threshold) crosses 1 between steps 13 and
# 14 with margins of 2 % and 3 %, far above any rounding, and fires in step on every run.
WEIGHTS = np.array([1.0 + 2e-5, 254 / 124])
TAU, DT, STEPS = 0.02, 1e-3, 260


def rounding_net() -> ir.Graph:
    n = len(WEIGHTS)
    return ir.Graph.sequential(ir.Linear(weight=WEIGHTS.reshape(n, 1)),
                               ir.LIF(tau=np.full(n, TAU), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n)),
                               names=["w", "lif"], profile=ir.Profile(dt=DT, synapse_latency=1))


def float_spike_steps(w: float) -> list[int]:
    """Closed form of the float model above: period = first crossing step, reset to zero."""
    if w <= 1.0:
        return []
    period = int(np.floor(np.log(1.0 - 1.0 / w) / -(DT / TAU))) + 1
    return list(range(period, STEPS, period))


def test_rounding_across_threshold_is_a_float_seam_divergence_not_an_own_mode_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = rounding_net()
    ir.write(graph, tmp_path / "model.nir")
    np.save(tmp_path / "x.npy", np.ones((STEPS, 1, 1)))
    assert main(["hil", str(tmp_path / "model.nir"), "--targets", ",".join(TARGETS), "--input",
                 str(tmp_path / "x.npy"), "--samples", "1", "--report", str(tmp_path / "hil"), "--timeout", "300"]) == 0
    printed = capsys.readouterr().out

    lost, kept = float_spike_steps(WEIGHTS[0]), float_spike_steps(WEIGHTS[1])
    assert lost == [217] and kept == list(range(14, STEPS, 14))  # the closed form, evaluated
    expected_div = {"sample": 0, "step": lost[0], "node": "lif", "neuron": 0, "expected": True, "got": False}
    data = json.loads((tmp_path / "hil" / "report.json").read_text())
    page = (tmp_path / "hil" / "report.html").read_text()
    for name in TARGETS:
        row = data["targets"][name]
        assert row["status"] == "ok", row["error"]
        own, flt = row["own_mode"], row["float_model"]
        # implementation: the board equals its own numeric mode bit for bit
        assert own["spike_agreement"] == 1.0 and own["first_divergence"] is None
        assert own["spikes"] == {"expected": len(kept), "got": len(kept)}
        # quantisation: the float model's spike of neuron 0 is lost, the rest agree
        # Loihi 2 holds the bias in the neuron (acting from step 0): its float model is re-timed
        assert flt["reference"] == FLOAT_MODEL + (", at the target's timing" if name == "loihi2" else "")
        assert flt["spikes"] == {"expected": len(lost) + len(kept), "got": len(kept)}
        assert flt["spike_agreement"] == pytest.approx(len(kept) / (len(lost) + len(kept)))
        assert flt["first_divergence"] == expected_div
        assert flt["profile_changes"] == {}  # the float model already has the chips' latency
        # the CLI table: one row with both agreements, one line per seam with its first divergence
        block = printed[printed.index(f"\n{name} "):]
        row_line, own_line, float_line = block.splitlines()[1:4]
        assert row_line.split()[:4] == [name, "ok", "1.0000", f"{flt['spike_agreement']:.4f}"]
        assert own_line.split() == ["own", "numeric", "mode:", "first", "divergence", "none"]
        lost_spike = "sample 0, step 217, lif[0]: expected a spike, got none"
        assert float_line.strip() == f"float model:       first divergence {lost_spike}"
        # the HTML: both seams' cells in the target's row
        tr = page[page.index(f"<tr><td>{name}</td>"):]
        tr = tr[:tr.index("</tr>")]
        assert tr.count("<td>1.0000</td><td>none</td>") == 1  # own mode
        assert f"<td>{flt['spike_agreement']:.4f}</td><td>{markupsafe.escape(lost_spike)}</td>" in tr


# -- LIF with v_leak above threshold: fires at step 0 in float ----------------------------------

def leak_net(name: str = "lif") -> ir.Graph:
    v_leak = np.array([1.5, 0.0, 0.2])  # neuron 0 rests above its threshold of 1
    n = len(v_leak)
    return ir.Graph.sequential(ir.Linear(weight=np.full((n, 1), 0.5)),
                               ir.LIF(tau=np.full(n, TAU), r=np.ones(n), v_leak=v_leak, v_threshold=np.ones(n)),
                               names=["w", name], profile=ir.Profile(dt=DT))


def test_leak_above_threshold_shows_where_the_fixed_point_modes_leave_the_float_model(tmp_path: Path) -> None:
    node = 'lif<&"x>'  # a user string: must come out escaped in the HTML
    graph, x = leak_net(node), np.ones((40, 2, 1))
    report = run_hil(graph, list(TARGETS), x, out_dir=tmp_path / "work", timeout_s=300)
    float_spikes = sim.simulate(float_model(graph), x, 40).spikes[node]
    assert float_spikes[0, :, 0].all()  # the float model fires neuron 0 at step 0 in every sample
    for row in report.targets:
        assert row.status == "ok", row.error
        assert row.own_mode is not None and row.float_model is not None and row.run is not None
        assert row.own_mode.spike_agreement == 1.0 and row.own_mode.first_divergence is None
        # the float seam, recomputed here from the float model's run and the board's run
        got = row.run.spikes[node]
        div = first_divergence({node: float_spikes}, {node: got})
        assert row.float_model.spike_agreement == spike_agreement({node: float_spikes}, {node: got})
        assert row.float_model.first_divergence == (div.as_dict() if div else None)
        assert (row.float_model.spikes_expected, row.float_model.spikes_got) == (
            spike_count({node: float_spikes}), spike_count({node: got}))
        step0_differs = bool((got[0] != float_spikes[0]).any())
        reported = row.float_model.first_divergence
        assert (reported is not None and reported["step"] == 0) == step0_differs
        assert step0_differs == FIXED_POINT_STARTS_AT_ZERO, row.target  # changes with the initial-state fix
        assert row.float_model.profile_changes == {"synapse_latency": [0, 1]}  # both chips' Dense latency
    _, page_path = write_report(report, tmp_path / "report")
    page, text = page_path.read_text(), table(report)
    assert node not in page and str(markupsafe.escape(node)) in page  # escaped (jinja2 autoescape), never pasted
    for row in report.targets:
        assert row.float_model is not None
        line = f"float model:       first divergence {divergence_text(row.float_model.first_divergence)}"
        assert line in text
        assert str(markupsafe.escape(divergence_text(row.float_model.first_divergence))) in page
    # without wall times (the docs' tutorial output): the same table less its last column
    for full, short in zip(text.splitlines(), table(report, wall=False).splitlines(), strict=True):
        row = next((r for r in report.targets if full.startswith(f"{r.target:<14} ")), None)
        column = f" {'wall s':>7}" if full.startswith("target ") else f" {row.wall_s:>7.2f}" if row else ""
        assert full == short + column or (set(full) == set(short) == {"-"} and len(full) == len(short) + 8)
    assert text.count("semantics:         synapse_latency 0 -> 1") == len(TARGETS)

