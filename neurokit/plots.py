"""PNG plots where a picture beats numbers (matplotlib, Agg backend)."""

from __future__ import annotations

import os
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
           errors: dict[str, list[float]] | None = None) -> None:
    """Line plot of named series (learning curves, accuracy vs time steps, drift curves);
    ``errors[name]``: error bars (e.g. the standard deviation over seeds) on that series."""
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
