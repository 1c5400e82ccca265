r"""The conformance cases: small generated graphs, one per neuron type and per profile option.

Every case is ``Input(3) -> synapse -> neuron(4) -> Output`` (the neuron node is named ``"neuron"``,
every parameter uniform across the layer so that every target can map it), run for ``T = 60``
steps on ``B = 2`` samples of Bernoulli input spikes. A base case exists for each neuron type
(reset ``zero``, spike rule ``>``, exact integration); the profile options are varied one at a time
on the LIF (and on the IF where the option is about the reset):

* ``reset``: ``zero`` | ``subtract`` | ``none``; ``spike_rule``: ``>`` | ``>=`` (with a tie case whose
  membrane hits the threshold exactly, in dyadic numbers every format represents);
* ``integration``: ``exact`` | ``euler``; ``refractory`` (``t_refrac`` = 3 steps);
* ``delays`` (a ``SparseLinear`` with per-synapse delays of 0..4 steps); ``recurrence``
  (``neuron -> Linear -> neuron``); ``v_leak`` (a non-zero resting potential, where every
  implementation must start from ``v_leak`` as the reference does);
* ``reset_timing`` ``next_step``, ``multi_spike`` and ``v_min``: the options of ``ir.Profile`` that
  an implementation must implement or refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurokit import ir

T, B, N_IN, N = 60, 2, 3, 4
DT = 1e-3


@dataclass(frozen=True)
class Case:
    """A graph and its inputs; ``exact_dyadic``: every value of the run is a dyadic rational that all
    formats hold exactly, so every implementation must match the reference exactly (bound 0)."""

    name: str
    neuron: str
    option: str
    build: Callable[[], tuple[ir.Graph, np.ndarray]] = field(repr=False)
    exact_dyadic: bool = False

    def graph_and_inputs(self) -> tuple[ir.Graph, np.ndarray]:
        return self.build()


def _full(value: float) -> np.ndarray:
    return np.full(N, float(value))


def neuron_node(kind: str, **overrides: Any) -> ir.Node:
    """A layer of ``N`` neurons of ``kind`` with uniform parameters (tau in seconds)."""
    base: dict[str, dict[str, Any]] = {
        "LIF": dict(tau=0.02, r=1.0, v_leak=0.0, v_threshold=1.0, v_reset=0.0),
        "IF": dict(r=20.0, v_threshold=1.0, v_reset=0.0),
        "LI": dict(tau=0.02, r=1.0, v_leak=0.0),
        "I": dict(r=20.0),
        "CubaLIF": dict(tau_syn=0.005, tau_mem=0.02, r=1.0, v_leak=0.0, v_threshold=1.0, v_reset=0.0),
        "CubaLI": dict(tau_syn=0.005, tau_mem=0.02, r=1.0, v_leak=0.0),
    }
    params = {**base[kind], **overrides}
    return getattr(ir, kind)(**{k: _full(v) for k, v in params.items()})


def _weights(seed: int, low: float = -1.0, high: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.uniform(low, high, (N, N_IN))
    b = rng.uniform(-0.2, 0.6, N)
    return w, b


def _inputs(seed: int, p: float = 0.35) -> np.ndarray:
    rng = np.random.default_rng(seed + 1000)
    return (rng.random((T, B, N_IN)) < p).astype(np.float64)


def _graph(neuron: ir.Node, profile: ir.Profile, *, seed: int = 0, delays: bool = False,
           recurrent: bool = False, weights: tuple[float, float] = (-1.0, 5.0)) -> ir.Graph:
    w, b = _weights(seed, *weights)
    if delays:
        rng = np.random.default_rng(seed + 7)
        syn: ir.Node = _sparse(w, rng.integers(0, 5, w.shape) * profile.dt)
    else:
        syn = ir.Affine(weight=w, bias=b)
    nodes: dict[str, ir.Node] = {"input": ir.Input(shape=(N_IN,)), "syn": syn, "neuron": neuron,
                                 "output": ir.Output(shape=(N,))}
    edges = [("input", "syn"), ("syn", "neuron"), ("neuron", "output")]
    if recurrent:
        rng = np.random.default_rng(seed + 11)
        nodes["rec"] = ir.Linear(weight=rng.uniform(-1.5, 1.5, (N, N)))
        edges += [("neuron", "rec"), ("rec", "neuron")]
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile).validate()


def _sparse(w: np.ndarray, delay: np.ndarray) -> ir.SparseLinear:
    """Dense ``w (post, pre)`` and ``delay`` as a SparseLinear (CSR by pre-synaptic neuron)."""
    n_post, n_pre = w.shape
    indptr = np.arange(0, n_pre * n_post + 1, n_post)
    indices = np.tile(np.arange(n_post), n_pre)
    return ir.SparseLinear(n_pre=n_pre, n_post=n_post, indptr=indptr, indices=indices,
                           weight=w.T.ravel().copy(), delay=delay.T.ravel().copy())


def _case(name: str, kind: str, option: str, profile: ir.Profile | None = None, *, seed: int = 0,
          delays: bool = False, recurrent: bool = False, weights: tuple[float, float] = (-1.0, 5.0),
          **neuron: Any) -> Case:
    prof = profile or ir.Profile(dt=DT)

    def build() -> tuple[ir.Graph, np.ndarray]:
        graph = _graph(neuron_node(kind, **neuron), prof, seed=seed, delays=delays, recurrent=recurrent, weights=weights)
        return graph, _inputs(seed)

    return Case(name=name, neuron=kind, option=option, build=build)


def _tie_case() -> Case:
    """IF with ``dt r = 1`` (dt = 2^-10 s, r = 1024) and weight 1/4: four input spikes put ``v`` exactly
    on the threshold 1; ``>=`` spikes there, ``>`` one input later. Every value is dyadic."""
    dt = 2.0**-10
    prof = ir.Profile(dt=dt, spike_rule=">=")

    def build() -> tuple[ir.Graph, np.ndarray]:
        w = np.zeros((N, N_IN))
        w[:, 0] = 0.25
        nodes = {"input": ir.Input(shape=(N_IN,)), "syn": ir.Linear(weight=w),
                 "neuron": ir.IF(r=_full(1024.0), v_threshold=_full(1.0), v_reset=_full(0.0)),
                 "output": ir.Output(shape=(N,))}
        g = ir.Graph(nodes=nodes, edges=(("input", "syn"), ("syn", "neuron"), ("neuron", "output")), profile=prof)
        x = np.zeros((T, B, N_IN))
        x[::3, :, 0] = 1.0  # a spike every third step: v = 1/4, 1/2, 3/4, 1 (tie) ...
        return g.validate(), x

    return Case(name="IF.rule_ge_tie", neuron="IF", option="spike_rule >= (tie)", build=build, exact_dyadic=True)


def all_cases() -> list[Case]:
    """Every case of the matrix, in table order."""
    P = ir.Profile
    cases = [_case(f"{k}.base", k, "base") for k in ("LIF", "IF", "LI", "I", "CubaLIF", "CubaLI")]
    cases += [
        _case("LIF.reset_subtract", "LIF", "reset subtract", P(dt=DT, reset="subtract")),
        _case("LIF.reset_none", "LIF", "reset none", P(dt=DT, reset="none")),
        _case("IF.reset_subtract", "IF", "reset subtract", P(dt=DT, reset="subtract")),
        _case("LIF.rule_ge", "LIF", "spike_rule >=", P(dt=DT, spike_rule=">=")),
        _tie_case(),
        _case("LIF.euler", "LIF", "integration euler", P(dt=DT, integration="euler")),
        _case("LIF.refractory", "LIF", "refractory 3 steps", t_refrac=3 * DT),
        _case("LIF.delays", "LIF", "synaptic delays 0-4 steps", delays=True),
        _case("LIF.recurrent", "LIF", "recurrence", recurrent=True),
        _case("LIF.v_leak", "LIF", "v_leak != 0 (initial state)", v_leak=0.4),
        _case("LI.v_leak", "LI", "v_leak != 0 (initial state)", v_leak=0.4),
        _case("LIF.latency1", "LIF", "synapse_latency 1", P(dt=DT, synapse_latency=1)),
        _case("LIF.reset_next_step", "LIF", "reset_timing next_step", P(dt=DT, reset_timing="next_step")),
        # strong excitation (several thresholds in one step) and strong inhibition (far below v_min)
        _case("LIF.multi_spike", "LIF", "multi_spike", P(dt=DT, reset="subtract", multi_spike=True), weights=(8.0, 25.0)),
        _case("LIF.v_min", "LIF", "v_min -0.5", P(dt=DT, v_min=-0.5), weights=(-40.0, 30.0)),
    ]
    return cases


CASES = {c.name: c for c in all_cases()}
