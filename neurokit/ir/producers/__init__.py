"""Producer conventions: how each exporting library means its ``.nir`` files (see :mod:`.base`).

:func:`interpret` decides the meaning of a graph just read: an explicit ``producer=`` wins, then a
profile stored in the file (neurokit's own files), then a producer recognised from what the file
holds, then the plain-NIR defaults. Whatever was assumed is said in one warning line that names
the flag or argument that changes it. Partial ``profile`` overrides apply on top of that choice.

The registry is an explicit table (no plugin scanning): add a module with ``PRODUCER`` and list it
in ``_ENTRIES``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from neurokit.errors import ConfigError
from neurokit.ir.graph import Graph
from neurokit.ir.profile import PLAIN_NIR_DEFAULTS, Profile, warn_defaults
from neurokit.util.warn import warn_user

from .base import Producer, keep_nodes, never_detected
from .lava_dl import PRODUCER as LAVA_DL
from .norse import PRODUCER as NORSE
from .rockpool import PRODUCER as ROCKPOOL
from .sinabs import PRODUCER as SINABS
from .snntorch import PRODUCER as SNNTORCH
from .spyx import PRODUCER as SPYX

_ENTRIES: tuple[Producer, ...] = (SNNTORCH, NORSE, SINABS, ROCKPOOL, SPYX, LAVA_DL)

#: name -> entry, for ``ir.read(path, producer=NAME)`` and ``--producer NAME``.
PRODUCERS: dict[str, Producer] = {p.name: p for p in _ENTRIES}


class ProducerAssumedWarning(UserWarning):
    """A file was read with a producer's conventions recognised from its contents."""


def producer_named(name: str) -> Producer:
    """The registry entry called ``name`` (case-insensitive), or a one-line error listing them."""
    entry = PRODUCERS.get(str(name).strip().lower())
    if entry is None:
        raise ConfigError(f"unknown producer {name!r}", fix=f"choose one of {sorted(PRODUCERS)}")
    return entry


def detect(graph: Graph) -> list[Producer]:
    """Every registered producer whose ``detect`` recognises ``graph`` (read with any profile)."""
    return [p for p in PRODUCERS.values() if p.detect(graph)]


def apply_producer(graph: Graph, producer: Producer, overrides: Mapping[str, Any] | None = None, *,
                   where: str = "profile") -> Graph:
    """``graph`` with the producer's profile and parameter rewrites, its name in the metadata.

    ``overrides`` (profile fields) change the producer's profile *before* its rewrites run, since
    some rewrites depend on it (an IF gain of ``1/dt`` must use the ``dt`` the graph will run at).
    """
    profile = producer.profile
    if overrides:
        profile = profile_overrides(overrides, profile, source=f"{where} profile overrides")
    out = producer.rewrite(graph.with_profile(profile))
    return dataclasses.replace(out, metadata={**dict(out.metadata), "producer": producer.name})


def profile_overrides(overrides: Mapping[str, Any], base: Profile, *, source: str = "profile") -> Profile:
    """``base`` with the keys of ``overrides`` replaced (unknown keys and bad values are refused)."""
    return Profile.from_dict({**base.to_dict(), **dict(overrides)}, source=source)


def interpret(graph: Graph, where: str, *, profile_in_file: bool, producer: str | None = None,
              profile: Profile | Mapping[str, Any] | None = None) -> Graph:
    """Give a graph just read from ``where`` its meaning (see the module docstring).

    ``profile`` is either a whole :class:`Profile` (it replaces whatever was chosen; no warning) or
    a mapping of profile fields to override on top of the producer / file / default profile.
    """
    if isinstance(profile, Profile) and producer is None:
        return graph.with_profile(profile)
    overrides = None if isinstance(profile, Profile) or not profile else profile
    found: list[Producer] = []
    if producer is not None:
        graph = apply_producer(graph, producer_named(producer), overrides, where=where)
    elif not profile_in_file:
        found = detect(graph)
        if len(found) == 1:
            graph = apply_producer(graph, found[0], overrides, where=where)
        else:
            graph = graph.with_profile(PLAIN_NIR_DEFAULTS)
    if isinstance(profile, Profile):
        return graph.with_profile(profile)
    given = ""
    if overrides:
        if producer is None and len(found) != 1:  # a producer's overrides were applied before its rewrites
            graph = graph.with_profile(profile_overrides(overrides, graph.profile, source=f"{where} profile overrides"))
        given = f" ({', '.join(sorted(overrides))} as given)"
    if producer is None and not profile_in_file:
        if len(found) == 1:
            warn_user(f"{where}: read as a {found[0].describe(graph.profile)}{given}; pass producer=NAME (CLI --producer NAME) "
                      f"or a profile (CLI --profile FILE.toml, --dt, --integration, --reset, --spike-rule) to read "
                      f"it otherwise", ProducerAssumedWarning)
        else:
            names = f" (it matches {', '.join(p.name for p in found)}: ambiguous)" if found else ""
            warn_defaults(where + names + given, graph.profile)
    return graph


__all__ = ["PRODUCERS", "Producer", "ProducerAssumedWarning", "apply_producer", "detect", "interpret",
           "keep_nodes", "never_detected", "producer_named", "profile_overrides"]
