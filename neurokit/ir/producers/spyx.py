r"""spyx 1.x: how its ``.nir`` files are meant.

Read from ``spyx 1.0.0`` (flax.nnx), ``spyx/nir.py`` (``to_nir``, ``_spyx_recurrent_to_nirgraph``,
and ``from_nir`` / ``_build_model`` for what spyx itself makes of its files) and ``spyx/nn.py``
(``IF``, ``LIF``, ``CuBaLIF``, ``RIF``, ``RLIF``, ``RCuBaLIF``, ``PSU_LIF``, ``Flatten``). Spikes are
``superspike``'s forward, the Heaviside :math:`[u > 0]`.

spyx runs, per step (float32; :math:`\beta`, :math:`\alpha` the learnt decays clipped to [0, 1];
:math:`\theta` the threshold; state 0 at the start), the spike taken from the state **before** the
step's input:

* ``IF``: :math:`s_t = [V_{t-1} > \theta]`, :math:`V_t = V_{t-1} + x_t - s_t\theta`;
* ``LIF``: :math:`s_t = [V_{t-1} > \theta]`, :math:`V_t = \beta V_{t-1} + x_t - s_t\theta`;
* ``CuBaLIF``: :math:`s_t = [V_{t-1} > \theta]`, :math:`I_t = \alpha I_{t-1} + x_t`,
  :math:`V_t = \beta (V_{t-1} - s_t\theta) + I_t` (reset *before* the leak);
* ``RIF``/``RLIF``/``RCuBaLIF``: the same with :math:`s_t W_{rec}` added to :math:`V_t` (to
  :math:`I_t` for ``RCuBaLIF``);
* ``PSU_LIF``: :math:`V_t = \beta V_{t-1} + x_t`, :math:`s_t = [V_t > \theta]` (no reset);
* ``Flatten`` flattens the channels-last ``(H, W, C)`` tensor spyx computes with.

The export (its ``dt`` argument defaults to **1**) writes ``IF(r=1, v_threshold=θ)``,
``LIF(tau=dt/(1-β), r=β, v_leak=0, v_threshold=θ)``, ``CubaLIF(tau_mem=dt/(1-β),
tau_syn=dt/(1-α), r=β, v_leak=0, v_threshold=θ)`` (``w_in`` left at 1), recurrent layers as a nested
``NIRGraph`` (neuron <-> ``Linear(W_rec^T)``), ``PSU_LIF`` as ``LI(tau=dt/(1-β), r=1, v_leak=0)`` ->
``Threshold(θ)``, convolutions and ``Flatten`` channels-first. spyx's own importer reads only
:math:`\beta = 1 - dt/\tau` back (it ignores ``r``): ``r = β`` means nothing to spyx, and read as NIR's
resistance it scales every input by :math:`(1-\beta)\beta` — hence "no spikes" with plain defaults.

neurokit reproduces spyx (:data:`PROFILE`: Euler, subtractive reset applied in the next step, ``>``,
float32, ``dt`` from the file: :math:`dt = \tau (1 - r)`) after :func:`rewrite`:

* ``LIF``: :math:`R = 1/(1-\beta)`; ``CubaLIF``: :math:`w_{in} = 1/(1-\alpha)`, :math:`R = 1/(1-\beta)`,
  :math:`v_{reset} = \theta (1 - \beta)` (so the next-step subtraction after the leak removes
  :math:`\beta\theta`, as spyx's reset before the leak); ``IF``: :math:`R = 1/dt` (``v += x``);
  ``LI``: :math:`R = 1/(1-\beta)`;
* in recurrent subgraphs the exporter wires ``input -> w_rec -> neuron``, but spyx adds the input
  to the neuron directly (:math:`x_t + s_t W_{rec}`): the input edge is moved to the neuron;
* a one-step ``Delay`` after every ``IF``/``LIF``/``CubaLIF`` on the edges leaving its loop (spyx
  emits :math:`s_t` from :math:`V_{t-1}`; inside a recurrent loop the previous step's spike is what
  NIR's loop edge already carries);
* the ``Linear``/``Affine`` after a ``Flatten`` of a ``(C, H, W)`` tensor gets its columns
  reordered from spyx's channels-last flattening to NIR's channels-first one.
"""

from __future__ import annotations

import re

import numpy as np

from neurokit.errors import GraphError
from neurokit.ir.graph import Graph
from neurokit.ir.nodes import IF, LI, LIF, Affine, CubaLIF, Delay, Flatten, Input, Linear, Node, Output, Threshold
from neurokit.ir.profile import Profile

from ._discrete import all_nodes, euler_step_params, file_dt, round_dt
from .base import Producer

PROFILE = Profile(dt=1.0, integration="euler", reset="subtract", spike_rule=">", numeric="float32",
                  reset_timing="next_step")

#: ``to_nir`` names layers ``layer_<i>`` (a recurrent layer is a subgraph ``layer_<i>`` holding
#: ``layer_<i>.lif`` / ``.w_rec`` / ``.input`` / ``.output``; the threshold of a ``PSU_LIF`` is
#: ``layer_<i>_threshold``), the ports ``input`` / ``output``.
_SPYX_NAME = re.compile(r"^(input|output|layer_\d+(_threshold)?|(layer_\d+)\.\3\.(lif|w_rec|input|output))$")
_DELAYED = (IF, LIF, CubaLIF)




def _node_dt(node: Node) -> np.ndarray | None:
    r"""spyx writes :math:`\tau = dt/(1-r)` with ``r`` the membrane decay: :math:`dt = \tau (1 - r)`."""
    if isinstance(node, LIF):
        return np.asarray(node.tau, dtype=np.float64) * (1.0 - np.asarray(node.r, dtype=np.float64))
    if isinstance(node, CubaLIF):
        return np.asarray(node.tau_mem, dtype=np.float64) * (1.0 - np.asarray(node.r, dtype=np.float64))
    return None




def _per_step(node: Node, dt: float, dt_file: float) -> Node:
    """Euler parameters at step ``dt`` reproducing spyx's step of ``node`` (exported with ``dt_file``)."""
    if isinstance(node, LIF):
        _, r = euler_step_params(node.r, 1.0, dt)
        return node.replace(tau=dt / (1.0 - np.asarray(node.r, dtype=np.float64)), r=r)
    if isinstance(node, CubaLIF):
        beta = np.asarray(node.r, dtype=np.float64)
        alpha = 1.0 - dt_file / np.asarray(node.tau_syn, dtype=np.float64)
        tau_mem, r = euler_step_params(beta, 1.0, dt)
        tau_syn, w_in = euler_step_params(alpha, 1.0, dt)
        v_reset = np.asarray(node.v_threshold, dtype=np.float64) * (1.0 - beta)
        return node.replace(tau_mem=tau_mem, r=r, tau_syn=tau_syn, w_in=w_in, v_reset=v_reset)
    if isinstance(node, IF):
        return node.replace(r=np.full(node.r.shape, 1.0 / dt))
    if isinstance(node, LI):
        beta = 1.0 - dt_file / np.asarray(node.tau, dtype=np.float64)
        tau, r = euler_step_params(beta, 1.0, dt)
        return node.replace(tau=tau, r=r)
    return node


def _reaches(graph: Graph, start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        n = todo.pop()
        if n == goal:
            return True
        if n not in seen:
            seen.add(n)
            todo.extend(graph.successors(n))
    return False


def _channels_last_columns(shape: tuple[int, ...]) -> np.ndarray:
    """Index ``k`` of the channels-first flattening -> column of spyx's channels-last flattening."""
    c, h, w = shape
    return np.arange(c * h * w).reshape(h, w, c).transpose(2, 0, 1).ravel()


def _reorder_after_flatten(graph: Graph) -> Graph:
    nodes = dict(graph.nodes)
    shapes = None
    for name, node in graph.nodes.items():
        if not isinstance(node, Flatten):
            continue
        if shapes is None:
            shapes = graph.infer_shapes()
        shape = shapes[name][0]
        if len(shape) != 3:
            continue
        for succ in graph.successors(name):
            nxt = nodes[succ]
            if not isinstance(nxt, (Linear, Affine)):
                raise GraphError(f"spyx Flatten {name!r} feeds a {nxt.type_name}, not a Linear/Affine",
                                 fix="spyx files flatten channels-last; only a dense layer can follow")
            nodes[succ] = nxt.replace(weight=np.asarray(nxt.weight)[:, _channels_last_columns(shape)])
    return graph if shapes is None else Graph(nodes=nodes, edges=graph.edges, profile=graph.profile,
                                               metadata=graph.metadata)


def _delay_outputs(graph: Graph, dt: float) -> Graph:
    nodes = dict(graph.nodes)
    edges: list[tuple[str, str]] = []
    for a, b in graph.edges:
        node = graph.nodes[a]
        if isinstance(node, _DELAYED) and not _reaches(graph, b, a):
            delay = f"{a}.spyx_delay"
            if delay not in nodes:
                nodes[delay] = Delay(delay=np.full(np.shape(node.v_threshold), dt))
                edges.append((a, delay))
            edges.append((delay, b))
        else:
            edges.append((a, b))
    return Graph(nodes=nodes, edges=tuple(edges), profile=graph.profile, metadata=graph.metadata)


def _input_to_neuron(graph: Graph) -> Graph:
    """spyx's recurrent subgraphs wire ``input -> w_rec``; its layers add the input to the neuron.

    In every nested graph, an edge from an ``Input`` port to a ``Linear``/``Affine`` that forms a
    two-node loop with a neuron is moved to that neuron (``input -> lif``).
    """
    nodes = {k: _input_to_neuron(n) if isinstance(n, Graph) else n for k, n in graph.nodes.items()}
    edges = []
    pairs = set(graph.edges)
    for a, b in graph.edges:
        target = b
        if isinstance(graph.nodes[a], Input) and isinstance(graph.nodes[b], (Linear, Affine)):
            loop = [n for n in graph.successors(b) if (n, b) in pairs and isinstance(graph.nodes[n], _DELAYED)]
            if len(loop) == 1:
                target = loop[0]
        edges.append((a, target))
    return Graph(nodes=nodes, edges=tuple(edges), profile=graph.profile, metadata=graph.metadata)


def rewrite(graph: Graph) -> Graph:
    """spyx's discrete model in neurokit terms (see the module docstring); the result is flat.

    ``dt`` is the file's unless the reader gave another (every step stays spyx's step)."""
    dt_file = file_dt(graph, _node_dt) or graph.profile.dt
    dt = graph.profile.dt if graph.profile.dt != PROFILE.dt else dt_file
    flat = _input_to_neuron(graph).flatten().with_profile(graph.profile.replace(dt=dt))
    flat = Graph(nodes={k: _per_step(n, dt, dt_file) for k, n in flat.nodes.items()}, edges=flat.edges,
                 profile=flat.profile, metadata=flat.metadata)
    return _delay_outputs(_reorder_after_flatten(flat), dt)


def detect(graph: Graph) -> bool:
    """spyx's node names (``layer_<i>`` …) and its parameter signature: ``IF`` with ``r = 1``, ``LI``
    with ``r = 1``, ``LIF``/``CubaLIF`` with ``r < 1`` and one round ``dt = tau (1 - r)`` for all."""
    nodes = all_nodes(graph)
    if not nodes or not all(_SPYX_NAME.match(name) for name, _ in nodes):
        return False
    neurons = [n for _, n in nodes if not isinstance(n, (Input, Output, Linear, Affine, Flatten, Threshold))
               and n.type_name not in ("Conv2d", "SumPool2d")]
    if not neurons:
        return False
    dts = []
    for node in neurons:
        if isinstance(node, (IF, LI)):
            if np.any(node.r != 1) or (isinstance(node, LI) and np.any(node.v_leak != 0)):
                return False
        elif isinstance(node, (LIF, CubaLIF)):
            if np.any(node.r >= 1) or np.any(node.r < 0) or np.any(node.v_leak != 0):
                return False
            dts.append(_node_dt(node))
        else:
            return False
    if dts:
        all_dt = np.concatenate([d.ravel() for d in dts])
        dt = float(np.median(all_dt))
        if not np.allclose(all_dt, dt, rtol=1e-4) or abs(float(f"{dt:.4g}") - dt) > 1e-5 * dt:
            return False
    return True


PRODUCER = Producer(
    name="spyx",
    release="1.0.0",
    source="spyx 1.0.0, spyx/nir.py: to_nir (and from_nir for spyx's own reading)",
    profile=PROFILE,
    summary="r is the decay beta, tau = dt/(1-beta); spikes from the previous step's membrane; "
            "dt recovered as tau*(1-r)",
    rewrite=rewrite,
    detect=detect,
    notes=(
        "spyx emits s_t from V_{t-1}: every IF/LIF/CubaLIF output is one step late (a Delay is inserted).",
        "Recurrent subgraphs route the input through w_rec in the file; spyx adds it to the neuron directly.",
        "CuBaLIF resets before the leak (beta*theta removed after it): v_reset = theta*(1-beta).",
        "spyx flattens channels-last; the dense layer after a Flatten of (C, H, W) is reordered.",
        "IF-only files carry no dt; the exporter's default dt = 1 is assumed (IF gets r = 1/dt, so dt "
        "does not change its spikes).",
    ),
)
