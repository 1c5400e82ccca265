r"""Reference neuron dynamics: one pure NumPy ``step`` per neuron type.

These functions *define* what a neuron does in one time step; the Numba simulator, the torch
layers and every backend's emulator are tested against them. Each takes the input ``x`` (the
summed input current of the step, held constant over ``dt``), the state, the node's coefficients
(:class:`~neurokit.dynamics.discretisation.NeuronCoefficients`: every number that depends on
``dt`` and the integration comes from :mod:`neurokit.dynamics.discretisation`) and the profile's
rules, and returns ``(output, new_state)``.

Order inside a step, for spiking neurons (:math:`d = v_{th} - v_{reset}`, :math:`z` the output):

1. count down refractoriness; a neuron is frozen while its count is > 0;
2. ``reset_timing="next_step"``, ``reset="zero"``: a neuron that spiked last step starts from
   :math:`v_{reset}`;
3. integrate the non-frozen neurons;
4. ``next_step``, ``subtract``: remove :math:`z_{t-1} d` (after the leak);
5. spike where ``v rule v_th`` (not while frozen): :math:`z = 1`, or with ``multi_spike`` the count
   :math:`z = \lfloor (v - v_{reset}) / d \rfloor`;
6. ``same_step``: reset now (``zero``: :math:`v_{reset}`; ``subtract``: :math:`v - z d`);
   ``next_step``: keep the un-reset :math:`v` (it is the state, and what is recorded) and carry
   :math:`z` as the pending reset;
7. a spiking neuron is refractory for the next ``round(t_refrac/dt) - 1`` steps (Brian2's convention:
   the neuron is frozen while ``t - t_spike < t_refrac``);
8. ``v_min``: the floor :math:`v \leftarrow \max(v, v_{min})`, at the end of the step (after the
   reset, as Sinabs' ``min_v_mem``); it applies to every neuron type (for LI, I, CubaLI the output
   is the floored membrane).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurokit.errors import InvalidInputError
from neurokit.ir import IF, LI, LIF, CubaLI, CubaLIF, I, Node, Profile

from neurokit.ir.nodes.neurons import BetaLIF

from .discretisation import NeuronCoefficients, neuron_coefficients
from .discretisation import initial_membrane as _initial_membrane


class NeuronState(NamedTuple):
    """State of any neuron type: membrane ``v``, synaptic current ``i`` (Cuba types, else
    zeros), ``refrac`` (whole steps of refractoriness left; spiking types, else zeros) and
    ``pending``: the spike count of the previous step whose reset is still due
    (``reset_timing="next_step"``; ``None`` or zeros otherwise)."""

    v: np.ndarray
    i: np.ndarray
    refrac: np.ndarray
    pending: np.ndarray | None = None


def _dtype(numeric: str) -> np.dtype:
    return np.dtype(np.float32) if numeric == "float32" else np.dtype(np.float64)


def initial_state(node: Node, batch: tuple[int, ...] = (), numeric: str = "float64") -> NeuronState:
    """Resting state (:func:`~neurokit.dynamics.discretisation.initial_membrane`): ``v = v_leak``
    for leaky types, ``v_reset`` for IF, ``0`` for I, ``metadata["v_init"]`` overriding; ``i = 0``;
    nothing refractory or pending."""
    v0 = _initial_membrane(node)
    v = np.broadcast_to(v0.astype(_dtype(numeric)), (*batch, *v0.shape)).copy()
    return NeuronState(v=v, i=np.zeros_like(v), refrac=np.zeros(v.shape, dtype=np.int64), pending=np.zeros_like(v))


def leaky_integrate(v: np.ndarray, drive: np.ndarray, a: np.ndarray, gain: np.ndarray, exact: bool) -> np.ndarray:
    r"""One step of :math:`\tau \dot v = (u - v)` with ``u = drive`` held over the step:
    exact :math:`v' = a v + g u`; Euler :math:`v' = v + g (u - v)` (``a``, ``g`` from the discretisation)."""
    if exact:
        return a * v + gain * drive
    return v + gain * (drive - v)


def _c(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.asarray(arr, dtype=dtype)


def _pending(state: NeuronState) -> np.ndarray:
    return state.pending if state.pending is not None else np.zeros_like(state.v)


def _floor(v: np.ndarray, v_min: float) -> np.ndarray:
    r""":math:`\max(v, v_{min})` (unchanged when ``v_min`` is :math:`-\infty`)."""
    return v if v_min == -np.inf else np.maximum(v, v.dtype.type(v_min))


def _spiking_step(state: NeuronState, c: NeuronCoefficients, prof: Profile, integrate, i_new: np.ndarray
                  ) -> tuple[np.ndarray, NeuronState]:
    """Steps 1-8 of the module docstring around ``integrate(v_start) -> v``."""
    dtype = state.v.dtype
    vth, vreset = _c(c.v_threshold, dtype), _c(c.v_reset, dtype)
    refrac = np.maximum(state.refrac - 1, 0)
    frozen = refrac > 0
    next_step = prof.reset_timing == "next_step"
    pending = _pending(state)
    v0 = state.v
    if next_step and prof.reset == "zero":
        v0 = np.where(pending > 0, vreset, v0)
    v = np.where(frozen, v0, integrate(v0))
    if next_step and prof.reset == "subtract":
        v = v - pending * (vth - vreset)
    above = (v >= vth) if prof.spike_rule == ">=" else (v > vth)
    fired = above & ~frozen
    if prof.multi_spike:
        z = np.where(fired, np.floor((v - vreset) / (vth - vreset)), dtype.type(0)).astype(dtype)
    else:
        z = fired.astype(dtype)
    if not next_step:
        if prof.reset == "zero":
            v = np.where(fired, vreset, v)
        elif prof.reset == "subtract":
            v = v - z * (vth - vreset)
    refrac = np.where(fired, c.refrac_steps, refrac)
    new_pending = z if next_step else np.zeros_like(v)
    return z, NeuronState(v=_floor(v, prof.v_min), i=i_new, refrac=refrac, pending=new_pending)


def lif_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile) -> tuple[np.ndarray, NeuronState]:
    r"""LIF: :math:`\tau \dot v = (v_{leak} - v) + R x`, spike, reset, refractoriness."""
    dt = state.v.dtype
    drive = _c(c.v_leak, dt) + _c(c.r, dt) * x
    return _spiking_step(state, c, prof, lambda v: leaky_integrate(v, drive, _c(c.a_mem, dt), _c(c.gain_mem, dt),
                                                                     c.exact), state.i)


def li_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile) -> tuple[np.ndarray, NeuronState]:
    r"""LI: :math:`\tau \dot v = (v_{leak} - v) + R x`; the output is ``v``."""
    dt = state.v.dtype
    drive = _c(c.v_leak, dt) + _c(c.r, dt) * x
    v = _floor(leaky_integrate(state.v, drive, _c(c.a_mem, dt), _c(c.gain_mem, dt), c.exact), prof.v_min)
    return v.copy(), state._replace(v=v)


def i_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile) -> tuple[np.ndarray, NeuronState]:
    r"""Integrator: :math:`\dot v = R x`, i.e. :math:`v' = v + (dt\,R)\,x` (exact = Euler); output ``v``."""
    v = _floor(state.v + _c(c.dt_r, state.v.dtype) * x, prof.v_min)
    return v.copy(), state._replace(v=v)


def if_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile) -> tuple[np.ndarray, NeuronState]:
    r"""IF: :math:`\dot v = R x` (:math:`v' = v + (dt\,R)\,x`), spike, reset, refractoriness."""
    dt_r = _c(c.dt_r, state.v.dtype)
    return _spiking_step(state, c, prof, lambda v: v + dt_r * x, state.i)


def cuba_current(i: np.ndarray, x: np.ndarray, c: NeuronCoefficients) -> np.ndarray:
    r"""Synaptic current: :math:`\tau_{syn} \dot I = -I + w_{in} x` over one step (exact or Euler)."""
    dt = i.dtype
    return leaky_integrate(i, _c(c.w_in, dt) * x, _c(c.a_syn, dt), _c(c.gain_syn, dt), c.exact)


def cuba_membrane(v: np.ndarray, i_old: np.ndarray, i_new: np.ndarray, x: np.ndarray,
                  c: NeuronCoefficients) -> np.ndarray:
    r"""Membrane of the Cuba types: :math:`\tau_{mem} \dot v = (v_{leak} - v) + R I`.

    euler: :math:`v' = v + \tfrac{dt}{\tau_m}(v_{leak} - v + R I')` with the updated current.
    exact (input held over the step, :math:`I_\infty = w_{in} x`):
    :math:`v' = v_\infty + (v - v_\infty) e^{-dt/\tau_m} + R (I - I_\infty)\,c`,
    :math:`v_\infty = v_{leak} + R I_\infty`, coupling :math:`c` from
    :func:`~neurokit.dynamics.discretisation.cuba_coupling`.
    """
    dtype = v.dtype
    r, vleak = _c(c.r, dtype), _c(c.v_leak, dtype)
    if not c.exact:
        return leaky_integrate(v, vleak + r * i_new, _c(c.a_mem, dtype), _c(c.gain_mem, dtype), False)
    i_inf = _c(c.w_in, dtype) * x
    v_inf = vleak + r * i_inf
    return v_inf + (v - v_inf) * _c(c.a_mem, dtype) + r * (i_old - i_inf) * _c(c.coupling, dtype)


def cuba_li_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile
                 ) -> tuple[np.ndarray, NeuronState]:
    r"""CubaLI: current :math:`I` then membrane :math:`v` (see :func:`cuba_membrane`); output ``v``."""
    i_new = cuba_current(state.i, x, c)
    v = _floor(cuba_membrane(state.v, state.i, i_new, x, c), prof.v_min)
    return v.copy(), state._replace(v=v, i=i_new)


def cuba_lif_step(x: np.ndarray, state: NeuronState, c: NeuronCoefficients, prof: Profile
                  ) -> tuple[np.ndarray, NeuronState]:
    r"""CubaLIF: current and membrane as :func:`cuba_li_step`, then spike, reset, refractoriness
    (the current keeps flowing while the membrane is frozen)."""
    i_new = cuba_current(state.i, x, c)
    return _spiking_step(state, c, prof, lambda v: cuba_membrane(v, state.i, i_new, x, c), i_new)


STEP_FUNCTIONS = {LIF: lif_step, LI: li_step, I: i_step, IF: if_step, CubaLI: cuba_li_step, CubaLIF: cuba_lif_step,
                  BetaLIF: lif_step}


def neuron_step(node: Node, x: np.ndarray, state: NeuronState, profile: Profile,
                coefficients: NeuronCoefficients | None = None) -> tuple[np.ndarray, NeuronState]:
    """Dispatch to the step function of ``node``'s type under ``profile`` (float modes).

    ``coefficients`` (from :func:`~neurokit.dynamics.discretisation.neuron_coefficients` of the same
    node and profile) saves recomputing them every step."""
    if profile.is_fixed_point:
        raise InvalidInputError("neuron_step is the float reference; fixed-point modes live in neurokit.dynamics.fixed",
                                fix="use a float profile here")
    fn = STEP_FUNCTIONS.get(type(node))
    if fn is None:
        if node.neuron:
            raise InvalidInputError(f"{node.type_name} has no step function in neurokit.dynamics.neurons",
                                    fix="add one to STEP_FUNCTIONS (docs/dev/adding-a-node.md), or use another neuron type")
        raise InvalidInputError(f"{node.type_name} is not a neuron", fix="pass a neuron node")
    c = coefficients if coefficients is not None else neuron_coefficients(node, profile)
    x = np.asarray(x, dtype=state.v.dtype)
    return fn(x, state, c, profile)  # type: ignore[operator]
