"""The protocol every hardware target implements, and the helpers generic code uses with it.

A backend is an object with exactly these members (:class:`Backend`); generic code — ``api.deploy``,
``api.doctor``, the HIL harness and its board worker — calls them and never probes with ``hasattr``.
:class:`BackendBase` gives the defaults marked *(default)* below; a backend subclasses it and
overrides what it does differently.

Declarations
    ``name: str``
        the target name (``"crossbar"``).
    ``options: Mapping[str, Option]``
        every lowering option ``lower`` accepts, with its type, default and help. Anything else is
        refused by :func:`validate_settings` (one line naming the key, the allowed keys and types).
    ``faults: Mapping[str, Option]``
        every fault key ``board(faults=...)`` implements, declared the same way *(default: none)*.
    ``lowering: Mapping[type[Node], LoweringFunction]``
        node type -> the function ``lower`` really calls for nodes of that type (never a string).
        ``supported_nodes`` is ``tuple(lowering)``; ``check`` refuses every other type
        (:func:`unsupported_nodes`).
    ``sweeps: Mapping[str, str]``
        accuracy sweeps ``sweep`` runs, ``{kind: help}`` *(default: none)*.

Methods
    ``check(graph) -> list[Problem]``
        every reason the graph cannot be mapped (node, reason, fix), all at once *(default: node
        types missing from* ``lowering`` *)*.
    ``lower(graph, out_dir, options) -> Artifact``
        writes the artifact directory (``manifest.json`` + the target's files); starts with
        ``self.validate_options(options)``.
    ``board(artifact, *, faults=None) -> Board``
        something that runs the artifact; starts with ``self.validate_faults(faults)``.
    ``numeric_mode_graph(artifact) -> Graph``
        the graph in the target's numeric mode (quantized parameters, matching profile).
    ``timed_float_model(graph) -> Graph``
        the float model at the target's timing, what the harness's float seam compares a board
        with: e.g. one step of synaptic latency as a chip delivers spikes (biases held in the
        neuron act at once), so timing is not counted as lost spikes *(default: the graph as is)*.
    ``numeric_mode_run(artifact, inputs, steps) -> Recording``
        the own-mode run the board must match bit for bit *(default:* :mod:`neurokit.sim` *on*
        ``numeric_mode_graph`` *)*.
    ``report(artifact) -> str``
        the human resource report ``neurokit deploy`` prints *(default: the manifest as JSON)*.
    ``counters(recording) -> dict[str, int]``
        whole-number diagnostics of a board run, flat ``"group/key"`` names (SpiNNaker's
        ``ring_buffer_saturations/<population>``, the crossbar's ``operations/<kind>``)
        *(default: the integer entries of* ``recording.meta`` *, see* :func:`meta_counters` *)*.
    ``cost(artifact, counters, *, steps, samples) -> dict | None``
        energy/latency per inference from a run's ``counters`` *(default: None, no cost model)*.
    ``status() -> dict``
        ``{"ready": bool, "detail": str}`` for ``neurokit doctor`` *(default: ready, built in)*.
    ``sweep(artifact, kind) -> dict``
        one accuracy sweep named in ``sweeps`` *(default: refuses)*.
    ``validate_options(options) -> dict`` / ``validate_faults(faults) -> dict``
        :func:`validate_settings` against ``options`` / ``faults``: every declared key, defaults
        filled in *(default, do not override)*.

Backends that do not yet provide every member are wrapped by :func:`as_backend` (called by
:func:`neurokit.backends.get_backend`), which fills the gaps from the module's old functions
(``deploy_report``, ``status``, ``sweep``); it is the only place that probes, and goes when every
backend subclasses :class:`BackendBase`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from neurokit.errors import FileFormatError, InvalidInputError, MappingError

from .options import Option, validate_settings

if TYPE_CHECKING:
    from neurokit.ir import Graph, Node
    from neurokit.sim.recording import Recording


@dataclass(frozen=True)
class Problem:
    """One reason a graph cannot be mapped: which node, what is wrong, how to fix it."""

    node: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"node {self.node!r}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


@dataclass(frozen=True)
class Artifact:
    """A lowered model on disk: ``path`` holds ``manifest.json`` plus the target's files."""

    path: Path
    target: str
    manifest: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | Path) -> Artifact:
        """Load an artifact directory written by a backend's ``lower``."""
        p = Path(path)
        mf = p / "manifest.json"
        if not mf.is_file():
            raise FileFormatError(f"{str(p)!r} has no manifest.json", fix="run `neurokit deploy` to create the artifact")
        try:
            manifest = json.loads(mf.read_text())
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"manifest.json is not valid JSON ({exc})", where=str(mf),
                                  fix="re-run `neurokit deploy`") from None
        return cls(path=p, target=str(manifest.get("target", "")), manifest=manifest)


@runtime_checkable
class Board(Protocol):
    """Something that runs an artifact: an emulator, a runtime subprocess or a chip."""

    def load(self, artifact: Artifact) -> None: ...

    def run(self, inputs: np.ndarray, steps: int) -> Recording: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


LoweringFunction = Callable[..., Any]
"""Lowers one node; the arguments are the backend's own (its ``lower`` is the only caller)."""


def meta_counters(recording: Any) -> dict[str, int]:
    """The integer entries of ``recording.meta`` as ``{"key": n}`` or, for a dict entry,
    ``{"key/sub": n}`` (booleans and non-integers are left out)."""
    counters: dict[str, int] = {}
    for key, value in getattr(recording, "meta", {}).items():
        items = value.items() if isinstance(value, Mapping) else [("", value)]
        for sub, v in items:
            if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
                counters[f"{key}/{sub}" if sub else str(key)] = int(v)
    return counters


@runtime_checkable
class Backend(Protocol):
    """A hardware target: the members listed in this module's docstring."""

    name: str
    options: Mapping[str, Option]
    faults: Mapping[str, Option]
    lowering: Mapping[type[Node], LoweringFunction]
    sweeps: Mapping[str, str]

    @property
    def supported_nodes(self) -> tuple[type[Node], ...]: ...

    def check(self, graph: Graph) -> list[Problem]: ...

    def lower(self, graph: Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact: ...

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> Board: ...

    def numeric_mode_graph(self, artifact: Artifact) -> Graph:
        """The graph in the numeric mode the target implements (quantized parameters, matching
        profile), which :mod:`neurokit.sim` runs as the run the board must match bit for bit."""
        ...

    def numeric_mode_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording: ...

    def timed_float_model(self, graph: Graph) -> Graph: ...

    def report(self, artifact: Artifact) -> str: ...

    def counters(self, recording: Recording) -> dict[str, int]: ...

    def cost(self, artifact: Artifact, counters: Mapping[str, int], *, steps: int,
             samples: int) -> dict[str, Any] | None: ...

    def status(self) -> dict[str, Any]: ...

    def sweep(self, artifact: Artifact, kind: str) -> dict[str, Any]: ...

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]: ...

    def validate_faults(self, faults: Mapping[str, Any] | None) -> dict[str, Any]: ...


_NONE: Mapping[str, Any] = MappingProxyType({})


class BackendBase:
    """The defaults of :class:`Backend` (see the module docstring); subclass and declare
    ``name``, ``options``, ``faults`` and ``lowering`` (class attributes, or dataclass fields with
    ``field(default_factory=lambda: TABLE)``: a mapping proxy is not a valid dataclass default)."""

    name: str = ""
    options: Mapping[str, Option] = _NONE
    faults: Mapping[str, Option] = _NONE
    sweeps: Mapping[str, str] = _NONE
    lowering: Mapping[type[Node], LoweringFunction] = _NONE

    @property
    def supported_nodes(self) -> tuple[type[Node], ...]:
        return tuple(self.lowering)

    def check(self, graph: Graph) -> list[Problem]:
        return unsupported_nodes(graph, self.lowering, self.name)

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        return validate_settings(options, self.options, target=self.name, kind="option")

    def validate_faults(self, faults: Mapping[str, Any] | None) -> dict[str, Any]:
        return validate_settings(faults, self.faults, target=self.name, kind="fault")

    def numeric_mode_graph(self, artifact: Artifact) -> Graph:
        raise NotImplementedError(f"{type(self).__name__} must define numeric_mode_graph")

    def numeric_mode_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """:mod:`neurokit.sim` on :meth:`numeric_mode_graph` (a backend with an integer mode of its own overrides this)."""
        from neurokit import sim

        return sim.simulate(self.numeric_mode_graph(artifact), inputs, steps, record=("spikes",))

    def timed_float_model(self, graph: Graph) -> Graph:
        """The float model at this target's timing (see the module docstring); no latency here."""
        return graph

    def report(self, artifact: Artifact) -> str:
        return json.dumps(dict(artifact.manifest), indent=2)

    def counters(self, recording: Recording) -> dict[str, int]:
        return meta_counters(recording)

    def cost(self, artifact: Artifact, counters: Mapping[str, int], *, steps: int,
             samples: int) -> dict[str, Any] | None:
        return None

    def status(self) -> dict[str, Any]:
        return {"ready": True, "detail": "built in"}

    def sweep(self, artifact: Artifact, kind: str) -> dict[str, Any]:
        if kind not in self.sweeps:
            raise InvalidInputError(f"{self.name} has no sweep {kind!r}",
                                    fix=f"sweeps of {self.name}: {sorted(self.sweeps) or 'none'}")
        raise NotImplementedError(f"{type(self).__name__} declares sweep {kind!r} but does not run it")


#: what :func:`as_backend` checks before using an object as it is.
PROTOCOL_MEMBERS = ("name", "options", "faults", "lowering", "sweeps", "supported_nodes", "check", "lower", "board",
                    "numeric_mode_graph", "numeric_mode_run", "timed_float_model", "report", "counters", "cost", "status", "sweep",
                    "validate_options", "validate_faults")


@dataclass
class LegacyBackend(BackendBase):
    """A backend object written before this protocol, completed with the defaults and with its
    module's ``deploy_report`` / ``status`` / ``sweep`` functions. Options are passed through to its
    own ``lower`` (which refuses unknown ones itself); faults are not declared, so they are passed
    through unvalidated until the backend declares them — temporary, see :func:`as_backend`."""

    wrapped: Any = None
    module: Any = None

    def __post_init__(self) -> None:
        self.name = str(self.wrapped.name)
        self.lowering = self.wrapped.lowering
        self.options = getattr(self.wrapped, "options", _NONE)
        self.faults = getattr(self.wrapped, "faults", _NONE)
        self.sweeps = getattr(self.wrapped, "sweeps", _NONE)

    def check(self, graph: Graph) -> list[Problem]:
        return list(self.wrapped.check(graph))

    def lower(self, graph: Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        return self.wrapped.lower(graph, out_dir, self.validate_options(options))

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        return super().validate_options(options) if self.options else dict(options or {})

    def validate_faults(self, faults: Mapping[str, Any] | None) -> dict[str, Any]:
        return super().validate_faults(faults) if self.faults else dict(faults or {})

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> Board:
        given = self.validate_faults(faults) if faults else None
        return self.wrapped.board(artifact, faults=given) if given else self.wrapped.board(artifact)

    def numeric_mode_graph(self, artifact: Artifact) -> Graph:
        return self.wrapped.numeric_mode_graph(artifact)

    def numeric_mode_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        if hasattr(self.wrapped, "numeric_mode_run"):
            return self.wrapped.numeric_mode_run(artifact, inputs, steps)
        return super().numeric_mode_run(artifact, inputs, steps)

    def timed_float_model(self, graph: Graph) -> Graph:
        if hasattr(self.wrapped, "timed_float_model"):
            return self.wrapped.timed_float_model(graph)
        return super().timed_float_model(graph)

    def report(self, artifact: Artifact) -> str:
        if hasattr(self.module, "deploy_report"):
            return str(self.module.deploy_report(artifact))
        return super().report(artifact)

    def cost(self, artifact: Artifact, counters: Mapping[str, int], *, steps: int,
             samples: int) -> dict[str, Any] | None:
        return None

    def status(self) -> dict[str, Any]:
        return dict(self.module.status()) if hasattr(self.module, "status") else super().status()

    def sweep(self, artifact: Artifact, kind: str) -> dict[str, Any]:
        if not hasattr(self.module, "sweep"):
            return super().sweep(artifact, kind)
        return dict(self.module.sweep(artifact, kind))


def as_backend(obj: Any, module: Any = None) -> Backend:
    """``obj`` itself when it has every member of :class:`Backend`, else a :class:`LegacyBackend`
    around it (``module``: where its ``deploy_report``/``status``/``sweep`` functions live)."""
    if all(hasattr(obj, m) for m in PROTOCOL_MEMBERS):
        return obj  # type: ignore[no-any-return]
    if module is None:
        module = importlib.import_module(type(obj).__module__.rsplit(".", 1)[0])
    return LegacyBackend(wrapped=obj, module=module)


def unsupported_nodes(graph: Graph, lowering: Mapping[type[Node], LoweringFunction], target: str) -> list[Problem]:
    """Problems for every node whose type has no lowering function in ``lowering``."""
    problems = []
    for name, node in graph.flatten().nodes.items():
        if type(node) not in lowering:
            why = f" ({node.reason}; a neurokit extension)" if getattr(node, "reason", "") else ""
            problems.append(Problem(node=name, message=f"{node.type_name}{why} cannot be mapped to {target}",
                                    fix=f"{target} maps {sorted(t.__name__ for t in lowering)}"))
    return problems


def refuse_if_problems(problems: list[Problem], target: str) -> None:
    """Raise one :class:`MappingError` listing every problem (no-op when there are none)."""
    if problems:
        raise MappingError(f"{target} cannot map this graph ({len(problems)} problem(s))",
                           problems=[str(p) for p in problems],
                           fix="change or remove the listed nodes, or choose another target")
