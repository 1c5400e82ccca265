"""Shared helpers of the producer golden scripts (run by hand in each producer's own venv).

Each golden case is two files under ``tests/golden/producers/<producer>/``: ``<case>.nir``, the
producer's own NIR export written by ``nir.write`` unmodified, and ``<case>.npz`` with

* ``input`` — the spikes fed to the producer, shape ``(T, B, *input_shape)``;
* ``output`` — the producer's output spikes (counts for multi-spike producers), ``(T, B, *out)``;
* ``mem`` — the output layer's membrane as the producer records it, ``(T, B, *out)`` (optional);
* ``versions`` — a JSON string naming the producer, torch, nir and nirtorch releases used;
* ``note`` — what the case exercises.

Only NumPy arrays and strings are stored (``np.load(allow_pickle=False)`` reads them).
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "producers"


def versions(*packages: str) -> str:
    """JSON of the installed release of each package (and python's numpy/torch/nir/nirtorch)."""
    names = dict.fromkeys((*packages, "torch", "nir", "nirtorch", "numpy"))
    return json.dumps({p: version(p) for p in names}, sort_keys=True)


def save_case(producer: str, case: str, graph: object, *, inputs: np.ndarray, outputs: np.ndarray,
              mem: np.ndarray | None, note: str, packages: tuple[str, ...], compression: str | None = "gzip") -> Path:
    """Write ``<case>.nir`` (via ``nir.write``) and ``<case>.npz``; print a one-line summary.

    ``compression=None`` is needed for graphs with 0-d parameters (Norse's scalar defaults):
    h5py refuses to compress scalar datasets, so ``nir.write``'s default gzip fails on them.
    """
    import nir

    if any(isinstance(n.input_type, dict) and any(v is None for v in n.input_type.values())
           for n in graph.nodes.values()):
        # Sinabs and Norse leave Conv2d/SumPool2d/Flatten untyped, which nir.write cannot store.
        graph.infer_types()
        note += " (the export left Conv2d/pooling/Flatten untyped: nir.NIRGraph.infer_types() before nir.write)"
    folder = GOLDEN / producer
    folder.mkdir(parents=True, exist_ok=True)
    nir.write(folder / f"{case}.nir", graph, compression=compression)
    arrays = {"input": np.asarray(inputs, dtype=np.float32), "output": np.asarray(outputs, dtype=np.float32),
              "versions": np.array(versions(*packages)), "note": np.array(note)}
    if mem is not None:
        arrays["mem"] = np.asarray(mem, dtype=np.float32)
    np.savez_compressed(folder / f"{case}.npz", **arrays)
    out = arrays["output"]
    print(f"{producer}/{case}: input {arrays['input'].shape} rate {arrays['input'].mean():.2f}, "
          f"output {out.shape} spikes {int(out.sum())} (max/step {out.max():.0f}, "
          f"silent neurons {int((out.sum(axis=(0, 1)) == 0).sum())}/{int(np.prod(out.shape[2:]))})")
    return folder / f"{case}.nir"
