r"""Rockpool 3.x: how its ``.nir`` files are meant.

Read from ``rockpool 3.1.0``, ``rockpool/nn/modules/torch/nir.py`` (``to_nir`` ->
``_extract_rockpool_module``, ``from_nir`` -> ``_convert_nir_to_rockpool``) and the modules it
exports, ``lif_torch.py`` (``LIFTorch.forward``), ``lif_neuron_torch.py``
(``LIFNeuronTorch.forward``) and ``exp_syn_torch.py`` (``ExpSynTorch.forward``).

Rockpool runs, per step of its module's ``dt`` (float32 torch), with :math:`\alpha = e^{-dt/\tau_{mem}}`,
:math:`\beta = e^{-dt/\tau_{syn}}`, bias :math:`b`, threshold :math:`\theta`:

* ``LIFNeuronTorch``: :math:`v_t = \alpha v_{t-1} + x_t + b`;
* ``LIFTorch``: :math:`I_t = \beta (I_{t-1} + x_t + W_{rec} s_{t-1})`, :math:`v_t = \alpha v_{t-1} + I_t + b`;
* ``ExpSynTorch``: :math:`I_t = \beta (I_{t-1} + x_t)` (output :math:`I_t`);
* spikes (both LIF modules): :math:`n_t = \lfloor v_t / \theta \rfloor` where :math:`v_t \ge \theta` (several
  per step, up to ``max_spikes_per_dt`` = 65536), then :math:`v_t \leftarrow v_t - n_t \theta`.

The export writes ``LIF(tau=τ_mem, r=τ_mem·α/dt, v_leak=0, v_threshold=θ)``,
``CubaLIF(tau_syn, tau_mem, r=τ_mem·α/dt, v_leak=0, v_threshold=θ)`` (``w_in`` left at 1) and
``LI(tau, r=τ·β/dt, v_leak=0)``. ``dt`` is written nowhere but is fixed by ``r`` and ``τ``:
:math:`r = e^{-u}/u` with :math:`u = dt/τ`, so :math:`u = W(1/r)` (Lambert W). The bias ``b`` and
``LIFTorch``'s ``w_rec`` are **not exported** (``v_leak`` is always 0, a recurrent ``LIFTorch``
becomes a bare ``CubaLIF``); Rockpool's own importer maps ``v_leak`` back to ``bias`` and guesses
``dt = min(τ/(1+r))``, which does not invert its exporter.

neurokit reproduces the run with Euler integration, subtractive reset, ``>=``, several spikes per
step and float32 (:data:`PROFILE`; ``dt`` is set to the one recovered from the file) after
:func:`rewrite` turns each node's per-step decays into Euler parameters
(:func:`~neurokit.ir.producers._discrete.euler_step_params`).
"""

from __future__ import annotations

import re

import numpy as np

from neurokit.errors import GraphError
from neurokit.ir.graph import Graph
from neurokit.ir.nodes import LI, LIF, CubaLIF, Node
from neurokit.ir.profile import Profile

from ._discrete import all_nodes, euler_step_params, file_dt, map_nodes, round_dt
from .base import Producer

PROFILE = Profile(dt=1e-3, integration="euler", reset="subtract", spike_rule=">=", numeric="float32",
                  multi_spike=True)

#: nirtorch 1.x names nodes ``<index>_<module class>``; these are Rockpool's exported classes.
_ROCKPOOL_NAME = re.compile(r"^\d+_(LIFTorch|LIFNeuronTorch|LinearTorch|ExpSynTorch)$")


def dt_from_r(r: np.ndarray, tau: np.ndarray) -> np.ndarray:
    r"""The step Rockpool used, from :math:`r = \tau e^{-dt/\tau}/dt`: :math:`dt = \tau\,W(1/r)`.

    Newton's method on :math:`\ln u + u + \ln r = 0` (increasing in :math:`u = dt/\tau`), float64.
    """
    r = np.asarray(r, dtype=np.float64)
    tau = np.asarray(tau, dtype=np.float64)
    if np.any(r <= 0):
        raise GraphError("a Rockpool neuron has r <= 0, which no time step produces",
                         fix="re-export the model with rockpool.nn.modules.to_nir")
    u = np.where(r > 1, 1.0 / r, 0.5)
    for _ in range(60):
        u = np.maximum(u - (np.log(u) + u + np.log(r)) / (1.0 / u + 1.0), u * 1e-3)
    return u * tau




def _node_dt(node: Node) -> np.ndarray | None:
    if isinstance(node, LIF):
        return dt_from_r(node.r, node.tau)
    if isinstance(node, CubaLIF):
        return dt_from_r(node.r, node.tau_mem)
    if isinstance(node, LI):
        return dt_from_r(node.r, node.tau)
    return None


def _decay(dt: float, tau: np.ndarray) -> np.ndarray:
    """Rockpool's float32 ``exp(-dt / tau)``."""
    return np.exp(np.float32(-dt) / np.asarray(tau, dtype=np.float32)).astype(np.float64)


def _per_step(node: Node, dt: float) -> Node:
    """The Euler parameters reproducing Rockpool's step of ``node`` (its own ``dt`` from ``r``)."""
    steps = _node_dt(node)
    if steps is None:
        return node
    node_dt = round_dt(float(np.median(steps)))
    if isinstance(node, LIF):
        alpha = _decay(node_dt, node.tau)
        tau, r = euler_step_params(alpha, 1.0, dt)
        _, v_leak = euler_step_params(alpha, node.v_leak, dt)  # Rockpool reads v_leak as its per-step bias
        return node.replace(tau=tau, r=r, v_leak=v_leak)
    if isinstance(node, CubaLIF):
        alpha, beta = _decay(node_dt, node.tau_mem), _decay(node_dt, node.tau_syn)
        tau_mem, r = euler_step_params(alpha, 1.0, dt)
        _, v_leak = euler_step_params(alpha, node.v_leak, dt)
        w_in = np.ones_like(beta) if node.w_in is None else node.w_in
        tau_syn, w_in = euler_step_params(beta, beta * w_in, dt)
        return node.replace(tau_mem=tau_mem, r=r, v_leak=v_leak, tau_syn=tau_syn, w_in=w_in)
    beta = _decay(node_dt, node.tau)  # LI (ExpSynTorch): I_t = beta (I_{t-1} + x_t)
    tau, r = euler_step_params(beta, beta, dt)
    return node.replace(tau=tau, r=r, v_leak=np.zeros_like(tau))




def run_dt(graph: Graph, default: Profile) -> float:
    """The step to run at: a ``dt`` the reader gave (it differs from the entry's), else the file's."""
    if graph.profile.dt != default.dt:
        return graph.profile.dt
    return file_dt(graph, _node_dt) or graph.profile.dt


def rewrite(graph: Graph) -> Graph:
    """Set ``dt`` to the file's (unless one was given) and each neuron's Euler parameters to
    Rockpool's step; every step is Rockpool's step whatever ``dt`` labels it."""
    dt = run_dt(graph, PROFILE)
    graph = graph.with_profile(graph.profile.replace(dt=dt))
    return map_nodes(graph, lambda _name, node: _per_step(node, dt))


def detect(graph: Graph) -> bool:
    """Rockpool's node names (``0_LinearTorch``, ``1_LIFTorch`` …) and its ``r``/``v_leak`` signature:
    every neuron has ``v_leak = 0`` and an ``r`` giving one round ``dt`` for all its neurons."""
    nodes = all_nodes(graph)
    if not any(_ROCKPOOL_NAME.match(name.rsplit(".", 1)[-1]) for name, _ in nodes):
        return False
    neurons = [n for _, n in nodes if isinstance(n, (LIF, CubaLIF, LI))]
    if not neurons:
        return False
    for node in neurons:
        if np.any(node.v_leak != 0):
            return False
        steps = _node_dt(node)
        if steps is None or not np.allclose(steps, steps.flat[0], rtol=1e-5):
            return False
        dt = float(np.median(steps))
        if abs(float(f"{dt:.4g}") - dt) > 1e-5 * dt:
            return False
    return True


PRODUCER = Producer(
    name="rockpool",
    release="3.1.0",
    source="rockpool 3.1.0, rockpool/nn/modules/torch/nir.py: to_nir / _extract_rockpool_module",
    profile=PROFILE,
    summary="per-step decays exp(-dt/tau) written as r = tau*exp(-dt/tau)/dt; dt recovered from r; "
            "bias and w_rec are not exported",
    rewrite=rewrite,
    detect=detect,
    notes=(
        "LIFTorch's recurrent weights w_rec are dropped by the exporter: a recurrent Rockpool net is "
        "exported as its feed-forward part.",
        "The bias is dropped (v_leak = 0 always); Rockpool's importer reads v_leak as a per-step bias.",
        "Rockpool's from_nir takes dt = min(tau / (1 + r)), which does not invert its exporter.",
        "Inputs and Outputs carry nirtorch's sample shape (with batch); neurokit repairs them with a warning.",
    ),
)
