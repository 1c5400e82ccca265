"""Pictures of a dataset's samples: event frames, images, or for 1-D event datasets (SHD, SSC,
spoken-digits) one spike raster per class."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neurokit.util.atomic import atomic_path

from .binning import class_count, dataset_labels


def is_one_dimensional(dataset: Any) -> bool:
    """Events on a line of channels (tonic ``sensor_size = (channels, 1, 1)``), e.g. cochlear channels."""
    size = tuple(getattr(dataset, "sensor_size", ()) or ())
    return len(size) == 3 and size[1] == 1 and size[2] == 1


def _class_name(dataset: Any, label: int) -> str:
    names = getattr(dataset, "classes", None)
    if names is not None and not callable(names) and label < len(names):
        name = names[label]
        return name.decode() if isinstance(name, bytes) else str(name)
    return str(label)


def raster_per_class(dataset: Any, out: str | os.PathLike[str], *, title: str, per_class: int = 1) -> dict[str, Any]:
    """A PNG with the first ``per_class`` samples of every class as rasters (time × channel); returns counts."""
    from neurokit.plots import pyplot

    labels = dataset_labels(dataset)
    classes = class_count(dataset, labels)
    chosen = [i for c in range(classes) for i in np.flatnonzero(labels == c)[:per_class]]
    cols = min(5, max(1, len(chosen)))
    rows = -(-len(chosen) // cols)
    plt = pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.1 * rows), squeeze=False, sharex=True, sharey=True)
    counts = []
    for ax, i in zip(axes.ravel(), chosen):
        events, label = dataset[int(i)]
        counts.append(len(events))
        ax.scatter(events["t"] * 1e-3, events["x"], s=0.3, c="k", marker=".", linewidths=0)
        ax.set_title(f"{int(label)}: {_class_name(dataset, int(label))}", fontsize=8)
    for ax in axes.ravel()[len(chosen):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("time (ms)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("channel", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return {"samples": len(labels), "classes": classes, "png": str(out), "events_mean": float(np.mean(counts))}


def show_samples(dataset: Any, out: str | os.PathLike[str], *, name: str, n: int = 8, train: bool = True
                 ) -> dict[str, Any]:
    """Counts of ``dataset`` and a PNG of ``n`` samples (event frames: ON red, OFF blue; images in
    grey), or for 1-D event datasets one spike raster per class (:func:`raster_per_class`)."""
    from neurokit.plots import event_frames, pyplot

    if is_one_dimensional(dataset):  # cochlear channels (SHD, SSC, spoken-digits): a raster per class
        return raster_per_class(dataset, out, title=f"{name} ({'train' if train else 'test'}): one sample per class")
    n = min(n, len(dataset))
    items = [dataset[k] for k in range(n)]
    counts = [len(x) for x, _ in items if x.dtype.names]
    if counts:  # events: frames with an ON/OFF legend above their events over time
        event_frames(items, out, sensor_size=getattr(dataset, "sensor_size", None), title=f"{name}: {n} samples")
    else:
        plt = pyplot()
        fig, axes = plt.subplots(1, n, figsize=(1.6 * n, 2.0), squeeze=False)
        for ax, (x, y) in zip(axes[0], items):
            ax.imshow(np.asarray(x).squeeze(), cmap="gray")
            ax.set_title(str(y), fontsize=9)
            ax.axis("off")
        fig.suptitle(f"{name}: {n} samples", fontsize=10)
        fig.tight_layout()
        with atomic_path(out, suffix=".png") as tmp:
            fig.savefig(tmp, format="png", dpi=100)
        plt.close(fig)
    classes = len(getattr(dataset, "classes", [])) or int(np.max(dataset.targets)) + 1
    info: dict[str, Any] = {"samples": len(dataset), "classes": classes, "png": str(out)}
    if counts:
        info["events_mean"] = float(np.mean(counts))
    return info
