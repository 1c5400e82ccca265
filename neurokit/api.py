"""The Python API behind every CLI command. Each function returns data (dicts, graphs,
recordings) and raises :mod:`neurokit.errors` on bad input; the CLI only formats the result.

Heavy modules (torch, numba) are imported inside the functions so ``neurokit --help`` stays fast.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np


def inspect(path: str | os.PathLike[str], *, dt: float | None = None) -> dict[str, Any]:
    """Summary of a ``.nir`` file: nodes with shapes and parameter counts, edges, profile, counts."""
    from neurokit import ir

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = ir.read(path)
    notes = [str(w.message) for w in caught]
    profile_in_file = not any(issubclass(w.category, ir.ProfileDefaultsWarning) for w in caught)
    if dt is not None:
        graph = graph.with_profile(graph.profile.replace(dt=dt))
    flat = graph.flatten()
    shapes = flat.infer_shapes()
    nodes = []
    for name, node in flat.nodes.items():
        arrays = node.arrays()
        n_params = int(sum(a.size for k, a in arrays.items() if k not in ("indices", "indptr")))
        nodes.append({"name": name, "type": node.type_name, "input_shape": list(shapes[name][0]),
                      "output_shape": list(shapes[name][1]), "parameters": n_params,
                      "dtypes": sorted({str(a.dtype) for a in arrays.values()})})
    stats = flat.stats()
    return {"path": str(path), "profile": graph.profile.to_dict(), "profile_in_file": profile_in_file,
            "nodes": nodes, "edges": [list(e) for e in flat.edges], "neurons": stats["neurons"],
            "synapses": stats["synapses"], "parameters": stats["parameters"], "node_types": stats["node_types"],
            "warnings": notes}


def _finite(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)))
