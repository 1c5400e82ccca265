"""The common IR: typed, immutable graph of NIR-compatible nodes plus an execution profile.

>>> import numpy as np
>>> from neurokit import ir
>>> g = ir.Graph.sequential(
...     ir.Affine(weight=np.eye(2), bias=np.zeros(2)),
...     ir.LIF(tau=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
...     profile=ir.Profile(dt=1e-3, reset="subtract"))
>>> g.infer_shapes()["1_lif"]
((2,), (2,))
"""

from . import extensions, passes
from .graph import Graph
from .nir_interop import from_nir, to_nir
from .nodes import (
    IF,
    LI,
    LIF,
    NEURON_TYPES,
    NODE_TYPES,
    SYNAPSE_TYPES,
    Affine,
    AvgPool2d,
    Conv1d,
    Conv2d,
    CubaLI,
    CubaLIF,
    Delay,
    Flatten,
    I,
    Identity,
    Input,
    Linear,
    Node,
    Output,
    Scale,
    SparseLinear,
    SumPool2d,
    Threshold,
    node_types,
    register_node,
)
from .producers import PRODUCERS, ProducerAssumedWarning
from .profile import PLAIN_NIR_DEFAULTS, Profile, ProfileDefaultsWarning
from .serialize import NIRCompatWarning, read, write

__all__ = [
    "IF", "LI", "LIF", "NEURON_TYPES", "NODE_TYPES", "PLAIN_NIR_DEFAULTS", "SYNAPSE_TYPES", "Affine", "AvgPool2d",
    "Conv1d", "Conv2d", "CubaLI", "CubaLIF", "Delay", "Flatten", "Graph", "I", "Identity", "Input", "Linear", "NIRCompatWarning",
    "Node", "Output", "PRODUCERS", "ProducerAssumedWarning", "Profile", "ProfileDefaultsWarning", "Scale",
    "SparseLinear", "SumPool2d", "Threshold", "extensions", "from_nir", "node_types", "passes", "read",
    "register_node", "to_nir", "write",
]
