r"""Reference neuron dynamics: one pure NumPy ``step`` per neuron type.

These functions *define* what a neuron does in one time step; the Numba simulator, the torch
layers and every backend's emulator are tested against them. Each takes the input ``x`` (the
summed input current of the step, held constant over ``dt``), the state, the IR node as its
parameters, ``dt`` and the profile's rules, and returns ``(output, new_state)``.

Order inside a step, for spiking neurons: (1) count down refractoriness; (2) integrate the
non-refractory neurons; (3) spike where ``v rule v_th``; (4) reset; (5) a spiking neuron is
refractory for the next ``round(t_refrac/dt) - 1`` steps (Brian2's convention: the neuron is
frozen while ``t - t_spike < t_refrac``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurokit.errors import InvalidInputError
from neurokit.ir import IF, LI, LIF, CubaLI, CubaLIF, I, Node, Profile


class NeuronState(NamedTuple):
    """State of any neuron type: membrane ``v``, synaptic current ``i`` (Cuba types, else
    zeros) and ``refrac`` (whole steps of refractoriness left; spiking types, else zeros)."""

    v: np.ndarray
    i: np.ndarray
    refrac: np.ndarray


def _dtype(numeric: str) -> np.dtype:
    return np.dtype(np.float32) if numeric == "float32" else np.dtype(np.float64)


def initial_state(node: Node, batch: tuple[int, ...] = (), numeric: str = "float64") -> NeuronState:
    """Resting state: ``v = v_leak`` for leaky types, ``v_reset`` for IF, ``0`` for I; ``i = 0``.

    A node's ``metadata["v_init"]`` (e.g. the half-threshold pre-charge of converted networks)
    overrides the membrane's starting value; it travels with the node through ``.nir`` files.
    """
    dt_ = _dtype(numeric)
    if "v_init" in node.metadata:
        v0 = np.broadcast_to(np.asarray(node.metadata["v_init"], dtype=np.float64),
                             node.expected_input_shape() or ())
    elif isinstance(node, (LI, LIF, CubaLI, CubaLIF)):
        v0 = node.v_leak
    elif isinstance(node, IF):
        v0 = node.v_reset
    elif isinstance(node, I):
        v0 = np.zeros_like(node.r)
    else:
        raise InvalidInputError(f"{node.type_name} is not a neuron", fix="pass a neuron node")
    v = np.broadcast_to(np.asarray(v0, dtype=dt_), (*batch, *v0.shape)).copy()
    return NeuronState(v=v, i=np.zeros_like(v), refrac=np.zeros(v.shape, dtype=np.int64))


def decay(tau: np.ndarray, dt: float, integration: str) -> np.ndarray:
    r"""Per-step membrane factor: :math:`e^{-dt/\tau}` (exact) or :math:`1 - dt/\tau` (Euler)."""
    tau = np.asarray(tau, dtype=np.float64)
    return np.exp(-dt / tau) if integration == "exact" else 1.0 - dt / tau


def refractory_steps(t_refrac: np.ndarray | None, dt: float) -> np.ndarray:
    """``round(t_refrac / dt)`` as int64 (0 means no refractoriness)."""
    if t_refrac is None:
        return np.zeros((), dtype=np.int64)
    return np.rint(np.asarray(t_refrac, dtype=np.float64) / dt).astype(np.int64)


def leaky_integrate(v: np.ndarray, drive: np.ndarray, tau: np.ndarray, dt: float, integration: str) -> np.ndarray:
    r"""One step of :math:`\tau \dot v = (u - v)` with ``u = drive`` held over the step.

    exact: :math:`v' = a v + (1 - a) u`, :math:`a = e^{-dt/\tau}`;
    euler: :math:`v' = v + \tfrac{dt}{\tau}(u - v)`.
    """
    a = decay(tau, dt, integration).astype(v.dtype)
    if integration == "exact":
        return a * v + (v.dtype.type(1) - a) * drive
    k = (dt / np.asarray(tau, dtype=np.float64)).astype(v.dtype)
    return v + k * (drive - v)


def spike_and_reset(v: np.ndarray, refrac: np.ndarray, frozen: np.ndarray, node: Node, dt: float,
                    reset: str, spike_rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Spike :math:`z = [v \; rule \; v_{th}]` (not while frozen), reset, start refractoriness.

    zero: :math:`v \leftarrow v_{reset}`; subtract: :math:`v \leftarrow v - (v_{th} - v_{reset})`;
    none: unchanged.
    """
    vth = np.asarray(node.v_threshold, dtype=v.dtype)  # type: ignore[attr-defined]
    vreset = np.asarray(node.v_reset, dtype=v.dtype)  # type: ignore[attr-defined]
    above = (v >= vth) if spike_rule == ">=" else (v > vth)
    z = above & ~frozen
    if reset == "zero":
        v = np.where(z, vreset, v)
    elif reset == "subtract":
        v = np.where(z, v - (vth - vreset), v)
    n_ref = refractory_steps(node.t_refrac, dt)  # type: ignore[attr-defined]
    refrac = np.where(z, n_ref, refrac)
    return z.astype(v.dtype), v, refrac


def lif_step(x: np.ndarray, state: NeuronState, params: LIF, dt: float, *, integration: str = "exact",
             reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""LIF: :math:`\tau \dot v = (v_{leak} - v) + R x`, spike, reset, refractoriness."""
    refrac = np.maximum(state.refrac - 1, 0)
    frozen = refrac > 0
    drive = np.asarray(params.v_leak, dtype=state.v.dtype) + np.asarray(params.r, dtype=state.v.dtype) * x
    v = np.where(frozen, state.v, leaky_integrate(state.v, drive, params.tau, dt, integration))
    z, v, refrac = spike_and_reset(v, refrac, frozen, params, dt, reset, spike_rule)
    return z, NeuronState(v=v, i=state.i, refrac=refrac)


def li_step(x: np.ndarray, state: NeuronState, params: LI, dt: float, *, integration: str = "exact",
            reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""LI: :math:`\tau \dot v = (v_{leak} - v) + R x`; the output is ``v``."""
    drive = np.asarray(params.v_leak, dtype=state.v.dtype) + np.asarray(params.r, dtype=state.v.dtype) * x
    v = leaky_integrate(state.v, drive, params.tau, dt, integration)
    return v.copy(), NeuronState(v=v, i=state.i, refrac=state.refrac)


def i_step(x: np.ndarray, state: NeuronState, params: I, dt: float, *, integration: str = "exact",
           reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""Integrator: :math:`\dot v = R x`, i.e. :math:`v' = v + dt\,R\,x` (exact = Euler); output ``v``."""
    v = state.v + state.v.dtype.type(dt) * np.asarray(params.r, dtype=state.v.dtype) * x
    return v.copy(), NeuronState(v=v, i=state.i, refrac=state.refrac)


def if_step(x: np.ndarray, state: NeuronState, params: IF, dt: float, *, integration: str = "exact",
            reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""IF: :math:`\dot v = R x` (:math:`v' = v + dt\,R\,x`), spike, reset, refractoriness."""
    refrac = np.maximum(state.refrac - 1, 0)
    frozen = refrac > 0
    v_int = state.v + state.v.dtype.type(dt) * np.asarray(params.r, dtype=state.v.dtype) * x
    v = np.where(frozen, state.v, v_int)
    z, v, refrac = spike_and_reset(v, refrac, frozen, params, dt, reset, spike_rule)
    return z, NeuronState(v=v, i=state.i, refrac=refrac)


def cuba_current(i: np.ndarray, x: np.ndarray, params: CubaLI | CubaLIF, dt: float, integration: str) -> np.ndarray:
    r"""Synaptic current: :math:`\tau_{syn} \dot I = -I + w_{in} x` over one step (exact or Euler)."""
    return leaky_integrate(i, np.asarray(params.w_in, dtype=i.dtype) * x, params.tau_syn, dt, integration)


def cuba_membrane(v: np.ndarray, i_old: np.ndarray, i_new: np.ndarray, x: np.ndarray,
                  params: CubaLI | CubaLIF, dt: float, integration: str) -> np.ndarray:
    r"""Membrane of the Cuba types: :math:`\tau_{mem} \dot v = (v_{leak} - v) + R I`.

    euler: :math:`v' = v + \tfrac{dt}{\tau_m}(v_{leak} - v + R I')` with the updated current.
    exact (input held over the step, :math:`I_\infty = w_{in} x`):
    :math:`v' = v_\infty + (v - v_\infty) e^{-dt/\tau_m} + R (I - I_\infty)\tfrac{\tau_s}{\tau_s - \tau_m}
    (e^{-dt/\tau_s} - e^{-dt/\tau_m})`, :math:`v_\infty = v_{leak} + R I_\infty`
    (limit :math:`R (I - I_\infty) \tfrac{dt}{\tau_m} e^{-dt/\tau_m}` when :math:`\tau_s = \tau_m`).
    """
    dtype = v.dtype
    r = np.asarray(params.r, dtype=dtype)
    vleak = np.asarray(params.v_leak, dtype=dtype)
    if integration != "exact":
        return leaky_integrate(v, vleak + r * i_new, params.tau_mem, dt, integration)
    ts = np.asarray(params.tau_syn, dtype=np.float64)
    tm = np.asarray(params.tau_mem, dtype=np.float64)
    am, as_ = np.exp(-dt / tm), np.exp(-dt / ts)
    with np.errstate(divide="ignore", invalid="ignore"):
        coupling = np.where(np.isclose(ts, tm, rtol=1e-12, atol=0.0), (dt / tm) * am, ts / (ts - tm) * (as_ - am))
    i_inf = np.asarray(params.w_in, dtype=dtype) * x
    v_inf = vleak + r * i_inf
    return v_inf + (v - v_inf) * am.astype(dtype) + r * (i_old - i_inf) * coupling.astype(dtype)


def cuba_li_step(x: np.ndarray, state: NeuronState, params: CubaLI, dt: float, *, integration: str = "exact",
                 reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""CubaLI: current :math:`I` then membrane :math:`v` (see :func:`cuba_membrane`); output ``v``."""
    i_new = cuba_current(state.i, x, params, dt, integration)
    v = cuba_membrane(state.v, state.i, i_new, x, params, dt, integration)
    return v.copy(), NeuronState(v=v, i=i_new, refrac=state.refrac)


def cuba_lif_step(x: np.ndarray, state: NeuronState, params: CubaLIF, dt: float, *, integration: str = "exact",
                  reset: str = "zero", spike_rule: str = ">") -> tuple[np.ndarray, NeuronState]:
    r"""CubaLIF: current and membrane as :func:`cuba_li_step`, then spike, reset, refractoriness
    (the current keeps flowing while the membrane is frozen)."""
    refrac = np.maximum(state.refrac - 1, 0)
    frozen = refrac > 0
    i_new = cuba_current(state.i, x, params, dt, integration)
    v_int = cuba_membrane(state.v, state.i, i_new, x, params, dt, integration)
    v = np.where(frozen, state.v, v_int)
    z, v, refrac = spike_and_reset(v, refrac, frozen, params, dt, reset, spike_rule)
    return z, NeuronState(v=v, i=i_new, refrac=refrac)


STEP_FUNCTIONS = {LIF: lif_step, LI: li_step, I: i_step, IF: if_step, CubaLI: cuba_li_step, CubaLIF: cuba_lif_step}


def neuron_step(node: Node, x: np.ndarray, state: NeuronState, profile: Profile) -> tuple[np.ndarray, NeuronState]:
    """Dispatch to the step function of ``node``'s type under ``profile`` (float modes)."""
    if profile.is_fixed_point:
        raise InvalidInputError("neuron_step is the float reference; fixed-point modes live in neurokit.dynamics.fixed",
                                fix="use a float profile here")
    fn = STEP_FUNCTIONS.get(type(node))
    if fn is None:
        raise InvalidInputError(f"{node.type_name} is not a neuron", fix="pass a neuron node")
    x = np.asarray(x, dtype=state.v.dtype)
    return fn(x, state, node, profile.dt, integration=profile.integration, reset=profile.reset,  # type: ignore[operator]
              spike_rule=profile.spike_rule)
