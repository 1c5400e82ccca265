"""Plots say what they show: event frames have an ON/OFF legend and a time axis, rasters show the
input and the output layer, results averaged over seeds have error bars."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurokit import ir, plots, sim


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The figures the plot functions save (written to their PNG as usual, kept open for inspection)."""
    kept: list[Any] = []

    def keep(fig: Any, path: Any) -> None:
        kept.append(fig)
        with plots.atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=50)

    monkeypatch.setattr(plots, "_save", keep)
    yield kept
    for fig in kept:
        plots.pyplot().close(fig)


def _events(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ev = np.zeros(n, dtype=[("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i1")])
    ev["x"], ev["y"] = rng.integers(0, 16, n), rng.integers(0, 16, n)
    ev["t"], ev["p"] = np.sort(rng.integers(0, 300_000, n)), rng.integers(0, 2, n)
    return ev


def test_event_frames_have_a_legend_and_a_time_axis(tmp_path: Path, figures: list[Any]) -> None:
    plots.event_frames([(_events(400, 0), 3), (_events(250, 1), 7)], tmp_path / "ev.png", sensor_size=(16, 16, 2),
                       title="two samples")
    assert (tmp_path / "ev.png").read_bytes()[:4] == b"\x89PNG"
    (fig,) = figures
    frames, timelines = fig.axes[:2], fig.axes[2:]
    legend = frames[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["ON", "OFF"]
    assert [ax.get_title() for ax in frames] == ["3 (400 events)", "7 (250 events)"]
    assert all(ax.get_xlabel() == "time (ms)" for ax in timelines)
    assert timelines[0].get_xlim()[1] >= 290  # events up to 300 ms on the time axis
    on_counts = timelines[0].patches[0].get_data().values
    assert on_counts.sum() == int(_events(400, 0)["p"].sum())


def test_data_show_draws_event_frames(tmp_path: Path, figures: list[Any], event_digits_root: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit.api import data_show

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    info = data_show("event-digits", out=tmp_path / "s.png", n=3)
    assert info["events_mean"] > 0 and len(figures) == 1
    assert figures[0].axes[0].get_legend() is not None and figures[0].axes[3].get_xlabel() == "time (ms)"


def test_raster_shows_input_hidden_and_output_layers(tmp_path: Path, figures: list[Any]) -> None:
    rng = np.random.default_rng(0)
    lif = ir.LIF(tau=np.full(6, 0.02), r=np.ones(6), v_leak=np.zeros(6), v_threshold=np.ones(6))
    graph = ir.Graph.sequential(ir.Linear(weight=rng.normal(30, 10, (6, 5))), lif,
                                ir.Linear(weight=rng.normal(0, 1, (3, 6))),
                                ir.LI(tau=np.full(3, 0.05), r=np.ones(3), v_leak=np.zeros(3)),
                                names=["fc1", "lif1", "fc2", "readout"], profile=ir.Profile(dt=1e-3))
    x = (rng.random((40, 2, 5)) < 0.3).astype(np.float64)
    rec = sim.simulate(graph, x, record=("spikes",))
    plots.raster(rec, tmp_path / "r.png", inputs=x, title="sample 0")
    (fig,) = figures
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels == ["input\nneuron", "lif1\nneuron", "output\nmembrane"]
    assert len(fig.axes[0].collections[0].get_offsets()) == int(x[:, 0].sum())  # every input event is a mark
    assert len(fig.axes[2].lines) == 3 and fig.axes[-1].get_xlabel() == "time (ms)"


def test_curves_draw_error_bars_for_seed_averages(tmp_path: Path, figures: list[Any]) -> None:
    plots.curves({"pcm": [0.9, 0.85, 0.7]}, tmp_path / "c.png", xlabel="t (s)", ylabel="accuracy",
                 x=[1, 60, 3600], logx=True, errors={"pcm": [0.01, 0.02, 0.05]})
    (fig,) = figures
    (container,) = fig.axes[0].containers
    segments = container.lines[2][0].get_segments()
    assert [round(float(s[1][1] - s[0][1]), 6) for s in segments] == [0.02, 0.04, 0.1]  # +-std


REPO = Path(__file__).resolve().parents[2]
#: Real per-epoch metrics: the train tutorial's run at full size (tools/docs_outputs.py --learning-curve).
TRAIN_METRICS = REPO / "docs" / "tutorials" / "data" / "train_metrics.jsonl"
TIMESTEP_SCHEDULE = REPO / "tools" / "bench" / "results" / "timestep_schedule.json"


def _legend(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_learning_curve_reads_any_metrics_file_and_labels_its_axes(tmp_path: Path, figures: list[Any]) -> None:
    import csv
    import json

    rows = plots.read_metrics(TRAIN_METRICS)
    run = tmp_path / "run"  # the three files a training run writes, read the same
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps(rows))
    with open(run / "metrics.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert plots.read_metrics(run) == rows == plots.read_metrics(run / "metrics.csv")  # folder: metrics.json first
    plots.learning_curve(run, tmp_path / "lc.png")
    assert (tmp_path / "lc.png").read_bytes()[:4] == b"\x89PNG"
    (fig,) = figures
    acc, loss = fig.axes
    assert (acc.get_xlabel(), acc.get_ylabel(), loss.get_ylabel()) == ("epoch", "accuracy", "training loss")
    assert _legend(acc) == ["train", "test", "training loss"]
    train, test = acc.lines
    assert list(test.get_xdata()) == [r["epoch"] for r in rows] and list(test.get_ydata()) == [r["test_acc"] for r in rows]
    assert list(loss.lines[0].get_ydata()) == [r["loss"] for r in rows]


def test_accuracy_vs_timesteps_has_a_line_per_series_with_seed_error_bars(tmp_path: Path, figures: list[Any]) -> None:
    import json

    table = json.loads(TIMESTEP_SCHEDULE.read_text())["table"]
    plots.accuracy_vs_timesteps(table, tmp_path / "t.png")
    (fig,) = figures
    (ax,) = fig.axes
    assert ax.get_xlabel() == "time steps T" and ax.get_ylabel() == "test accuracy (mean ± std, 2 seeds)"
    assert _legend(ax) == ["schedule", "direct", "schedule_learn"]  # numbers per T; runs and epochs left out
    steps = sorted(table, key=int)
    schedule = ax.containers[0]
    assert list(schedule.lines[0].get_xdata()) == [int(s) for s in steps]
    low, high = np.array([s[:, 1] for s in schedule.lines[2][0].get_segments()]).T
    assert np.allclose((high - low) / 2, [np.std(table[s]["schedule_runs"]) for s in steps])


def test_plot_command_draws_a_run_and_refuses_what_it_cannot_draw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from neurokit.cli import main

    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.jsonl").write_text(TRAIN_METRICS.read_text())
    assert main(["plot", "learning-curve", str(run)]) == 0
    assert (run / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", "accuracy-vs-t", str(TIMESTEP_SCHEDULE), "--out", str(tmp_path / "t.png")]) == 0
    stages = [{"T": t, "test_accuracy_sim": a} for t, a in ((5, 0.95), (3, 0.94), (1, 0.86))]  # a schedule run
    (run / "summary.json").write_text(json.dumps({"stages": stages}))
    assert main(["plot", "accuracy-vs-t", str(run)]) == 0 and (run / "accuracy_vs_t.png").exists()
    capsys.readouterr()
    assert main(["plot", "learning-curve", str(tmp_path / "missing")]) == 4
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    assert main(["plot", "learning-curve", str(tmp_path / "bad.jsonl")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["plot", "learning-curve", str(tmp_path / "empty")]) == 4
    (tmp_path / "rows.json").write_text(json.dumps(plots.read_metrics(run)))  # per-epoch rows, no T in them
    assert main(["plot", "accuracy-vs-t", str(tmp_path / "rows.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("neurokit: error:") for line in err), err
    assert "no metrics file in" in err[2] and "neither 'stages' nor a 'table'" in err[3]


def test_accuracy_vs_timesteps_names_its_series_and_ticks_the_measured_steps(tmp_path: Path, figures: list[Any]) -> None:
    import json

    table = json.loads(TIMESTEP_SCHEDULE.read_text())["table"]
    plots.accuracy_vs_timesteps(table, tmp_path / "t.png", series=("schedule", "direct"),
                                labels={"direct": "direct at that T"})
    (ax,) = figures[0].axes
    assert _legend(ax) == ["schedule", "direct at that T"]
    assert sorted(ax.get_xticks()) == sorted(int(s) for s in table)
