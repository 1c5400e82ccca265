r"""What a producer's ``.nir`` file means: one :class:`Producer` entry per exporting library.

NIR stores continuous-time parameters but no time step, integration scheme, reset rule or spike
rule, and each exporter maps its own discrete-time model onto NIR's equations in its own way
(snnTorch writes :math:`\tau = dt/(1-\beta)` with :math:`r = \tau/dt` for a fixed ``dt``; Sinabs
writes ``IF`` nodes whose input adds ``x`` per step, not :math:`dt\,r\,x`; …). An entry states,
from the producer's own export code, the :class:`~neurokit.ir.Profile` that reproduces the
producer's simulation of the file, the parameter rewrites NIR cannot express, and how to
recognise the producer's files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from neurokit.ir.graph import Graph
from neurokit.ir.profile import Profile


#: Graph metadata key set by the readers when the file gave neurons one scalar per population
#: (broadcast to every neuron on reading): part of what a file says about its exporter.
SCALAR_PARAMETERS_KEY = "nir_scalar_neuron_parameters"


def keep_nodes(graph: Graph) -> Graph:
    """The identity rewrite: the file's parameters already mean what neurokit's equations say."""
    return graph


def never_detected(graph: Graph) -> bool:
    """For producers whose files carry nothing that tells them apart: only ``producer=`` selects them."""
    return False


@dataclass(frozen=True)
class Producer:
    """How one library's NIR export is meant.

    ``profile`` is the execution profile under which neurokit reproduces the producer's own run of
    the exported model; ``rewrite`` changes node parameters that the producer's simulator uses
    differently from NIR's equations (it receives the graph already carrying ``profile``);
    ``detect`` recognises the producer's files from what they hold; ``source`` names the export
    code (release, module, function) the entry was read from.
    """

    name: str
    release: str
    source: str
    profile: Profile
    summary: str
    rewrite: Callable[[Graph], Graph] = keep_nodes
    detect: Callable[[Graph], bool] = never_detected
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self, profile: Profile | None = None) -> str:
        """One line: the producer and the profile it implies (``profile``: the one a file was given,
        e.g. with the ``dt`` its parameters state; default the entry's own)."""
        p = profile or self.profile
        extras = [name if value is True else f"{name}={value}" for name, value in p.changed_rules().items()]
        extra = (", " + ", ".join(extras)) if extras else ""
        return (f"{self.name} {self.release} export (dt={p.dt}, integration={p.integration}, reset={p.reset}, "
                f"spike_rule='{p.spike_rule}'{extra}; {self.summary})")
