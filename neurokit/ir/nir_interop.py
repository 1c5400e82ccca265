"""In-memory conversion between :class:`neurokit.ir.Graph` and the ``nir`` package's graphs.

Both directions go through the one HDF5 layout of :mod:`neurokit.ir.serialize`, so what
``to_nir`` produces is exactly what ``nir.read`` would load from a file we wrote.
"""

from __future__ import annotations

import io
import warnings

import nir

from neurokit.errors import FileFormatError

from .graph import Graph
from .profile import Profile
from .serialize import read, write


def to_nir(graph: Graph) -> nir.NIRGraph:
    """A ``nir.NIRGraph`` equivalent to ``graph`` (plain NIR: the profile is not carried)."""
    buf = io.BytesIO()
    write(graph, buf, plain=True)
    buf.seek(0)
    try:
        return nir.read(buf)
    except (AssertionError, ValueError, KeyError) as exc:  # nir validates with assert
        raise FileFormatError(f"nir rejected the exported graph: {exc}", fix="report this as a bug") from None


def from_nir(graph: nir.NIRGraph, *, profile: Profile | None = None) -> Graph:
    """Convert a ``nir.NIRGraph`` (e.g. from ``norse.torch.to_nir``) into an IR graph.

    Without ``profile`` the stated plain-NIR defaults are used, with a warning.
    """
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        nir.write(buf, graph)
    buf.seek(0)
    return read(buf, profile=profile)
