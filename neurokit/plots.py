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


def raster(recording: Any, path: str | os.PathLike[str], *, sample: int = 0, title: str = "") -> None:
    """Spike raster of every recorded spiking node for one sample (one panel per node)."""
    plt = pyplot()
    nodes = list(recording.spikes)
    fig, axes = plt.subplots(max(len(nodes), 1), 1, figsize=(8, 1.5 + 1.4 * max(len(nodes), 1)), squeeze=False,
                             sharex=True)
    for ax, node in zip(axes[:, 0], nodes):
        z = recording.spikes[node][:, sample].reshape(recording.spikes[node].shape[0], -1)
        t, n = np.nonzero(z)
        ax.scatter(t * recording.dt * 1e3, n, s=3, marker="|", c="k")
        ax.set_ylabel(f"{node}\nneuron", fontsize=8)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.suptitle(title or f"spike raster, sample {sample}", fontsize=10)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def curves(series: dict[str, list[float]], path: str | os.PathLike[str], *, xlabel: str, ylabel: str,
           title: str = "", x: list[float] | None = None, logx: bool = False) -> None:
    """Line plot of named series (learning curves, accuracy vs time steps, drift curves)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, ys in series.items():
        ax.plot(x if x is not None else range(1, len(ys) + 1), ys, marker="o", ms=3, label=name)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
