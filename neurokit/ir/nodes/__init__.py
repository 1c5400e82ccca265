r"""IR primitives: one frozen, keyword-only dataclass per node type.

Every node of NIR 1.0 is here with NIR's field names (``tau``, ``r``, ``v_leak``,
``v_threshold`` …), plus neurokit extensions that plain NIR cannot express:

* ``SparseLinear`` — CSR connectivity with optional per-synapse delays;
* ``t_refrac`` on spiking neurons — an absolute refractory period in seconds;
* ``Identity`` — a sum or fan-out point (files carry a NIR stand-in that computes the same).

Parameters are read-only NumPy arrays, validated on construction: NaN/inf, negative time
constants and mismatched shapes raise :class:`neurokit.errors.GraphError`. Edits return new
objects (``node.replace(tau=...)``). The dynamics of each neuron are defined once, for a given
execution profile, in :mod:`neurokit.dynamics`.

Signals are time-stepped with step ``dt`` (from the :class:`~neurokit.ir.profile.Profile`);
the value on an edge during a step is held constant over that step (a spike is a box of
height 1 and length ``dt``), which is the convention of the NIR paper's reference traces.

Modules: :mod:`.base` (``Node``, the class facts, the registry, file-reading helpers),
:mod:`.ports` (Input, Output, Flatten, Identity), :mod:`.synapses` (Linear, Affine,
SparseLinear, Scale), :mod:`.conv` (convolutions, pooling), :mod:`.elementwise` (Delay,
Threshold), :mod:`.neurons` (I, LI, IF, LIF, CubaLI, CubaLIF).

Adding a node type
------------------
Everything generic (graph validation and shape inference, ``.nir`` reading and writing,
``Graph.stats``, the operations counter, every backend's check) learns about a node type from
its class. Define, in any module (``docs/dev/adding-a-node.md`` has a worked example):

1. a ``@register_node`` ``@dataclass(frozen=True, kw_only=True, eq=False)`` subclass of
   :class:`Node` whose docstring states its equation; its class name is its file type name;
2. ``__post_init__`` validating the fields (:func:`neurokit.ir.nodes.params.param_array` for arrays);
3. ``expected_input_shape`` (and ``output_shape`` if it changes the shape);
4. the class facts that hold (each ``False`` by default): ``stateful``, ``spiking``, ``neuron``,
   ``current_based``, ``linear``, ``weighted``, ``index_map``, ``port``; and
   ``extension_fields`` for array fields plain NIR lacks;
5. ``to_dict``/``from_dict`` only if the defaults do not fit (default: every array field as a
   dataset of its name; fields with a default may be missing when read).

Then give it what must run it: a neuron its coefficients in
:mod:`neurokit.dynamics.discretisation` (the reference and the simulator take them from
there), a ``linear`` node a CSR lowering in :func:`neurokit.ir.passes.node_to_csr`, and each
backend that should map it an entry in that backend's ``lowering``; every other backend
refuses it by name (:func:`neurokit.backends.base.unsupported_nodes`).
"""

from __future__ import annotations

from typing import Literal

from .base import NODE_TYPES, Node, Shape, node_types, register_node
from .conv import AvgPool2d, Conv1d, Conv2d, SumPool2d
from .elementwise import Delay, Threshold
from .neurons import IF, LI, LIF, CubaLI, CubaLIF, I
from .ports import Flatten, Identity, Input, Output
from .synapses import Affine, Linear, Scale, SparseLinear

#: NIR's neuron types (built in; ask ``node.neuron`` to include registered extensions).
NEURON_TYPES: tuple[type[Node], ...] = (I, LI, IF, LIF, CubaLI, CubaLIF)
#: The built-in weighted types (ask ``node.weighted`` to include registered extensions).
SYNAPSE_TYPES: tuple[type[Node], ...] = (Linear, Affine, SparseLinear, Conv1d, Conv2d)
Integration = Literal["euler", "exact", "fixed_point"]

__all__ = [
    "IF", "LI", "LIF", "NEURON_TYPES", "NODE_TYPES", "SYNAPSE_TYPES", "Affine", "AvgPool2d", "Conv1d", "Conv2d",
    "CubaLI", "CubaLIF", "Delay", "Flatten", "I", "Identity", "Input", "Integration", "Linear", "Node", "Output",
    "Scale", "Shape", "SparseLinear", "SumPool2d", "Threshold", "node_types", "register_node",
]
