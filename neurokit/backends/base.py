"""The small protocols every hardware target implements.

A backend refuses an unmappable graph up front with *every* offending node listed
(:meth:`Backend.check`), lowers a graph to an :class:`Artifact` directory (always with a
``manifest.json``), and opens a :class:`Board` that runs the artifact on inputs and returns a
:class:`~neurokit.sim.recording.Recording`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from neurokit.errors import FileFormatError, MappingError

if TYPE_CHECKING:
    import numpy as np

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


@runtime_checkable
class Backend(Protocol):
    """A hardware target."""

    name: str
    lowering: Mapping[type[Node], LoweringFunction]

    @property
    def supported_nodes(self) -> tuple[type[Node], ...]: ...

    def check(self, graph: Graph) -> list[Problem]: ...

    def lower(self, graph: Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact: ...

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> Board: ...

    def reference_graph(self, artifact: Artifact) -> Graph:
        """The graph in the numeric mode the target implements (quantized parameters, matching
        profile), which :mod:`neurokit.sim` runs as the reference the board must match."""
        ...


def unsupported_nodes(graph: Graph, lowering: Mapping[type[Node], LoweringFunction], target: str) -> list[Problem]:
    """Problems for every node whose type has no lowering function in ``lowering``."""
    problems = []
    for name, node in graph.flatten().nodes.items():
        if type(node) not in lowering:
            problems.append(Problem(node=name, message=f"{node.type_name} cannot be mapped to {target}",
                                    fix=f"{target} maps {sorted(t.__name__ for t in lowering)}"))
    return problems


def refuse_if_problems(problems: list[Problem], target: str) -> None:
    """Raise one :class:`MappingError` listing every problem (no-op when there are none)."""
    if problems:
        raise MappingError(f"{target} cannot map this graph ({len(problems)} problem(s))",
                           problems=[str(p) for p in problems],
                           fix="change or remove the listed nodes, or choose another target")
