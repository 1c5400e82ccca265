"""In-memory conversion between :class:`neurokit.ir.Graph` and the ``nir`` package's graphs.

Both directions go through the one HDF5 layout of :mod:`neurokit.ir.serialize`, so what
``to_nir`` produces is exactly what ``nir.read`` would load from a file we wrote.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np

import nir

from neurokit.errors import FileFormatError

from .graph import Graph
from .nodes import Conv1d, Conv2d
from .producers import interpret
from .profile import PLAIN_NIR_DEFAULTS, Profile
from .serialize import broadcast_scalar_neurons, dict_to_node, read, repair_port_shapes, write


def to_nir(graph: Graph) -> nir.NIRGraph:
    """A ``nir.NIRGraph`` equivalent to ``graph`` (plain NIR: the profile is not carried)."""
    buf = io.BytesIO()
    write(graph, buf, plain=True)
    buf.seek(0)
    # nir 1.0's type inference takes weight.shape[1] as a convolution's input channels, which
    # is wrong for grouped convolutions; our own validation already checked the shapes.
    grouped = any(isinstance(n, (Conv1d, Conv2d)) and n.groups > 1 for n in graph.flatten().nodes.values())
    try:
        return nir.read(buf, type_check=not grouped)
    except (AssertionError, ValueError, KeyError) as exc:  # nir validates with assert
        raise FileFormatError(f"nir rejected the exported graph: {exc}", fix="report this as a bug") from None


def _plain(value: Any) -> Any:
    """Torch tensors and nested dicts from ``nir``'s ``to_dict`` as NumPy / plain dicts."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return np.array(value, dtype=object)
    return value


def from_nir(graph: nir.NIRGraph, *, producer: str | None = None,
             profile: Profile | Mapping[str, Any] | None = None) -> Graph:
    """Convert a ``nir.NIRGraph`` (e.g. from ``norse.torch.to_nir``) into an IR graph.

    ``producer`` and ``profile`` choose the meaning as in :func:`neurokit.ir.read`; without them the
    producer is recognised from the graph, else the plain-NIR defaults are used, with a warning.
    """
    d = _plain(graph.to_dict())
    broadcast_scalar_neurons(d)
    g = dict_to_node(d, where="<nir graph>", profile=profile if isinstance(profile, Profile) else PLAIN_NIR_DEFAULTS)
    if not isinstance(g, Graph):
        raise FileFormatError("expected a NIRGraph", fix="pass a graph, not a single node")
    g = repair_port_shapes(g, "<nir graph>")
    return interpret(g, "<nir graph>", profile_in_file=False, producer=producer, profile=profile).validate()
