"""PNG plots where a picture beats numbers (matplotlib, Agg backend)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.util.atomic import atomic_path


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def raster(recording: Any, path: str | os.PathLike[str], *, sample: int = 0, title: str = "",
           inputs: np.ndarray | None = None) -> None:
    """Spike raster of one sample, one panel per layer from input to output, on a time axis in ms:
    ``inputs`` ``(T, B, ...)`` (events or currents: every non-zero entry is a mark), every recorded
    spiking node, and the output node (marks for spiking outputs, a line per neuron for a membrane
    readout such as ``LI``)."""
    plt = pyplot()
    dt_ms = recording.dt * 1e3
    panels: list[tuple[str, np.ndarray, str]] = []
    if inputs is not None:
        panels.append(("input", np.asarray(inputs)[:, sample].reshape(len(inputs), -1), "marks"))
    panels += [(node, recording.spikes[node][:, sample].reshape(recording.spikes[node].shape[0], -1), "marks")
               for node in recording.spikes]
    for name, out in getattr(recording, "outputs", {}).items():
        if name in recording.spikes:
            continue
        z = np.asarray(out)[:, sample].reshape(len(out), -1)
        spiking = np.all(np.equal(np.mod(z, 1), 0)) and z.min() >= 0 and z.max() <= 8
        panels.append((name if name == "output" else f"{name} (output)", z, "marks" if spiking else "traces"))
    n = max(len(panels), 1)
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.5 + 1.4 * n), squeeze=False, sharex=True)
    for ax, (name, z, kind) in zip(axes[:, 0], panels):
        if kind == "marks":
            t, k = np.nonzero(z)
            ax.scatter(t * dt_ms, k, s=3, marker="|", c="tab:blue" if name == "input" else "k")
            ax.set_ylabel(f"{name}\nneuron", fontsize=8)
            ax.set_ylim(-0.5, max(z.shape[1], 1) - 0.5)
        else:
            steps = np.arange(z.shape[0]) * dt_ms
            for k in range(z.shape[1]):
                ax.plot(steps, z[:, k], lw=0.8, label=str(k))
            ax.set_ylabel(f"{name}\nmembrane", fontsize=8)
            if z.shape[1] <= 12:
                ax.legend(title="neuron", fontsize=6, title_fontsize=6, ncol=min(z.shape[1], 6), loc="upper left")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.suptitle(title or f"spike raster, sample {sample}", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def event_frames(samples: list[tuple[np.ndarray, Any]], path: str | os.PathLike[str], *,
                 sensor_size: tuple[int, ...] | None = None, title: str = "", bin_ms: float = 10.0) -> None:
    """Event samples (tonic structured arrays ``x, [y,] t, p``, ``t`` in µs): per sample the
    accumulated frame (ON red, OFF blue, legend) above its ON/OFF event counts per ``bin_ms`` on a
    time axis in ms."""
    from matplotlib.patches import Patch

    plt = pyplot()
    n = max(len(samples), 1)
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n + 0.6, 4.0), squeeze=False,
                             gridspec_kw={"height_ratios": [2.2, 1.0]})
    t_end = max((float(ev["t"].max()) for ev, _ in samples if len(ev)), default=0.0) / 1e3
    for k, (ev, label) in enumerate(samples):
        frame_ax, time_ax = axes[0, k], axes[1, k]
        sensor = sensor_size or (int(ev["x"].max()) + 1 if len(ev) else 1, 1, 2)
        w, h = int(sensor[0]), int(sensor[1]) if len(sensor) > 1 else 1
        img = np.zeros((h, w, 3))
        yy = ev["y"] if "y" in ev.dtype.names else np.zeros(len(ev), int)
        on = np.asarray(ev["p"]).astype(bool)
        np.add.at(img[..., 0], (yy[on], ev["x"][on]), 1)
        np.add.at(img[..., 2], (yy[~on], ev["x"][~on]), 1)
        img /= max(img.max(), 1)
        frame_ax.imshow(img, interpolation="nearest", aspect="auto")
        frame_ax.set_title(f"{label} ({len(ev)} events)", fontsize=8)
        frame_ax.set_xticks([])
        frame_ax.set_yticks([])
        edges = np.arange(0.0, max(t_end, bin_ms) + bin_ms, bin_ms)
        t_ms = np.asarray(ev["t"], dtype=np.float64) / 1e3
        time_ax.stairs(np.histogram(t_ms[on], edges)[0], edges, color="tab:red", label="ON")
        time_ax.stairs(np.histogram(t_ms[~on], edges)[0], edges, color="tab:blue", label="OFF")
        time_ax.set_xlabel("time (ms)", fontsize=7)
        time_ax.tick_params(labelsize=6)
        if k == 0:
            time_ax.set_ylabel(f"events / {bin_ms:g} ms", fontsize=7)
    axes[0, 0].legend(handles=[Patch(color="red", label="ON"), Patch(color="blue", label="OFF")], fontsize=7,
                      loc="upper left", bbox_to_anchor=(0.0, -0.02), ncol=2, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def _save(fig: Any, path: str | os.PathLike[str]) -> None:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    pyplot().close(fig)


def curves(series: dict[str, list[float]], path: str | os.PathLike[str], *, xlabel: str, ylabel: str,
           title: str = "", x: list[float] | None = None, logx: bool = False,
           errors: dict[str, list[float]] | None = None, xticks: list[float] | None = None) -> None:
    """Line plot of named series (learning curves, accuracy vs time steps, drift curves);
    ``errors[name]``: error bars (e.g. the standard deviation over seeds) on that series;
    ``xticks``: ticks at these values only (e.g. the time steps measured)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, ys in series.items():
        xs = x if x is not None else range(1, len(ys) + 1)
        if errors and name in errors:
            ax.errorbar(xs, ys, yerr=errors[name], marker="o", ms=3, capsize=3, label=name)
        else:
            ax.plot(xs, ys, marker="o", ms=3, label=name)
    if logx:
        ax.set_xscale("log")
    if xticks is not None:
        ax.set_xticks(xticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)


def bars(groups: dict[str, dict[str, float]], path: str | os.PathLike[str], *, ylabel: str, title: str = "",
         errors: dict[str, dict[str, float]] | None = None, ylim: tuple[float, float] | None = None) -> None:
    """Grouped bar chart: ``groups[group][series]`` is one bar (e.g. accuracy per variant, outcome
    counts per input kind); ``errors[group][series]``: its error bar (e.g. the std over seeds)."""
    plt = pyplot()
    names = list(groups)
    series = list(dict.fromkeys(s for g in groups.values() for s in g))
    width = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(min(9.0, max(6.0, 0.9 * len(names) * max(1, len(series) / 2))), 4))
    for i, s in enumerate(series):
        xs = np.arange(len(names)) + (i - (len(series) - 1) / 2) * width
        ys = [groups[g].get(s, np.nan) for g in names]
        err = [errors[g].get(s, 0.0) for g in names] if errors else None
        ax.bar(xs, ys, width, yerr=err, capsize=3 if err else 0, label=s if len(series) > 1 else None)
    ax.set_xticks(np.arange(len(names)), names, rotation=20 if len(names) > 4 else 0, ha="right" if len(names) > 4 else "center")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3, axis="y")
    if len(series) > 1:
        ax.legend()
    fig.tight_layout()
    _save(fig, path)


#: Files a training run writes its per-epoch metrics to, in the order :func:`read_metrics` looks for them.
METRICS_FILES = ("metrics.jsonl", "metrics.json", "metrics.csv")


def read_metrics(source: str | os.PathLike[str]) -> list[dict[str, float]]:
    """Per-epoch metrics of a training run: ``source`` is a run folder (its ``metrics.jsonl``, else
    ``metrics.json``, else ``metrics.csv``) or one of those files; one dict per epoch."""
    from neurokit.errors import DataNotFoundError, InvalidInputError

    path = Path(source)
    if path.is_dir():
        found = next((path / name for name in METRICS_FILES if (path / name).is_file()), None)
        if found is None:
            raise DataNotFoundError(f"no metrics file in {path}",
                                    fix=f"give a training run folder (it has one of {', '.join(METRICS_FILES)}) "
                                        "or the file itself")
        path = found
    if not path.is_file():
        raise DataNotFoundError(f"metrics file {path} not found", fix="give a training run folder or its metrics file")
    if path.suffix not in (".jsonl", ".json", ".csv"):
        raise InvalidInputError(f"{path.name}: not a metrics file", fix=f"give {', '.join(METRICS_FILES)} (or the run folder)")
    try:
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        elif path.suffix == ".json":
            rows = json.loads(path.read_text())
        else:
            with open(path, newline="") as f:
                rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    except ValueError as exc:  # json.JSONDecodeError is one
        raise InvalidInputError(f"{path}: malformed metrics ({exc})",
                                fix="give the metrics file a training run wrote") from None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InvalidInputError(f"{path}: no per-epoch rows", fix="give the metrics file of a run that finished an epoch")
    return rows


def learning_curve(history: list[dict[str, float]] | str | os.PathLike[str], path: str | os.PathLike[str], *,
                   title: str = "learning curves") -> None:
    """Learning curves of a training run: train and test accuracy per epoch (left axis) and the
    training loss (right axis, dashed). ``history``: the per-epoch rows (``epoch``, ``train_acc``,
    ``test_acc``, ``loss``) or a run folder / metrics file (:func:`read_metrics`)."""
    from neurokit.errors import InvalidInputError

    rows = read_metrics(history) if isinstance(history, (str, os.PathLike)) else history
    accuracy = [k for k in ("train_acc", "test_acc") if all(k in r for r in rows)]
    if not rows or not accuracy:
        raise InvalidInputError("no accuracy per epoch to plot", fix="give rows with train_acc and/or test_acc")
    plt = pyplot()
    epochs = [int(r.get("epoch", i + 1)) for i, r in enumerate(rows)]
    fig, ax = plt.subplots(figsize=(6, 4))
    lines = [ax.plot(epochs, [r[k] for r in rows], marker="o", ms=3, label=k.replace("_acc", ""))[0] for k in accuracy]
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    if all("loss" in r for r in rows):
        loss_ax = ax.twinx()
        lines += loss_ax.plot(epochs, [r["loss"] for r in rows], ls="--", c="tab:gray", label="training loss")
        loss_ax.set_ylabel("training loss")
    ax.legend(handles=lines, loc="center right")
    ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)


def accuracy_vs_timesteps(table: dict[Any, dict[str, Any]], path: str | os.PathLike[str], *,
                          series: tuple[str, ...] | None = None, title: str = "accuracy vs time steps T",
                          ylabel: str = "test accuracy", labels: dict[str, str] | None = None) -> None:
    """Accuracy against the number of time steps ``T``: ``table[T][name]`` is one series' accuracy
    at ``T`` (e.g. ``tools/bench/results/timestep_schedule.json``'s ``table``); where the row has
    ``<name>_runs`` (one accuracy per seed), an error bar of their standard deviation. ``series``:
    which names to draw (default: every number present at each ``T``); ``labels``: legend text per name."""
    from neurokit.errors import InvalidInputError

    steps = sorted(table, key=lambda s: int(s))
    names = series or tuple(k for k in dict.fromkeys(k for row in table.values() for k in row)
                            if all(isinstance(table[s].get(k), (int, float)) for s in steps)
                            and not k.startswith("epochs"))
    if not steps or not names or not all(n in table[s] for n in names for s in steps):
        raise InvalidInputError("no accuracy for every T to plot",
                                fix="give {T: {series: accuracy}} with the same series at every T")
    runs = {n: [table[s].get(f"{n}_runs", []) for s in steps] for n in names}
    errors = {n: [float(np.std(r)) if len(r) > 1 else 0.0 for r in runs[n]] for n in names if all(runs[n])}
    seeds = {len(r) for n in errors for r in runs[n]}
    if errors and len(seeds) == 1:
        ylabel = f"{ylabel} (mean ± std, {seeds.pop()} seeds)"
    label = (labels or {}).get
    curves({label(n, n): [float(table[s][n]) for s in steps] for n in names}, path, x=[int(s) for s in steps],
           xlabel="time steps T", ylabel=ylabel, title=title, xticks=[int(s) for s in steps],
           errors={label(n, n): e for n, e in errors.items()} or None)
