r"""The discretisation layer: every per-step coefficient, computed once, from ``(node, profile)``.

NIR states continuous-time equations; a profile (:mod:`neurokit.ir.profile`) says how they are
stepped. This module is the **only** place that turns the two into numbers. The reference
(:mod:`neurokit.dynamics.neurons`), the Numba simulator, the fixed-point modes, the hardware
backends and the torch layers take their coefficients from here, so that they cannot drift apart.

With :math:`u` the drive held constant over a step of length :math:`dt`:

* decay of a leaky variable with time constant :math:`\tau` (:func:`decay`)
  — exact (zero-order hold): :math:`a = e^{-dt/\tau}`; Euler: :math:`a = 1 - dt/\tau`;
* its input gain (:func:`input_gain`) — exact: :math:`g = 1 - a`; Euler: :math:`g = dt/\tau`;
  the update is :math:`v' = a v + g u` (exact) or :math:`v' = v + g (u - v)` (Euler; the same
  equation, evaluated in this order so that float results are reproducible across modes);
* ``integration = "fixed_point"`` uses the **exact** coefficients (:func:`is_exact`); the
  arithmetic they are then used in is the integer format of the profile's ``numeric``. With a
  fixed-point ``numeric``, ``"exact"`` and ``"euler"`` choose which coefficients are quantised.
  ``"fixed_point"`` and ``"exact"`` are therefore the same discretisation;
* the synaptic-current coupling of the Cuba types (:func:`cuba_coupling`): with
  :math:`a_m = e^{-dt/\tau_m}`, :math:`a_s = e^{-dt/\tau_s}`, exact
  :math:`c = \tfrac{\tau_s}{\tau_s - \tau_m}(a_s - a_m)` (limit :math:`\tfrac{dt}{\tau_m} a_m` at
  :math:`\tau_s = \tau_m`), in :math:`v' = v_\infty + (v - v_\infty) a_m + R (I - I_\infty) c`;
  Euler :math:`c = dt/\tau_m`, the weight of :math:`R I'` in :math:`v' = v + \tfrac{dt}{\tau_m}(v_{leak} + R I' - v)`;
* the integrator gain of I and IF (:func:`integrator_gain`): :math:`v' = v + (dt\,R)\,x`;
* refractory steps (:func:`refractory_steps`): :math:`n_{ref} = \mathrm{round}(t_{refrac}/dt)`;
* delay steps (:func:`delay_steps`): :math:`d = \mathrm{round}(\mathrm{delay}/dt)`. A delay that is
  not a whole number of steps is **rounded** to the nearest step (half to even, ``np.rint``); weighted
  connections add the profile's ``synapse_latency`` (:func:`synapse_delay_steps`);
* a linear system :math:`\dot m = A m + B u` (:func:`linear_system`; the Legendre memory of
  :mod:`neurokit.train.lmu`) — exact (zero-order hold): :math:`\bar A = e^{A\,dt}`,
  :math:`\bar B = \int_0^{dt} e^{A s}\,ds\,B`, both read off
  :math:`\exp\begin{pmatrix} A & B \\ 0 & 0 \end{pmatrix} dt = \begin{pmatrix} \bar A & \bar B \\ 0 & I \end{pmatrix}`;
  Euler: :math:`\bar A = I + A\,dt`, :math:`\bar B = B\,dt`; then :math:`m' = \bar A m + \bar B u`;
* BetaLIF's :math:`v' = \beta v + x` as the leaky step with :math:`v_{leak} = 0`: exact
  :math:`a = \beta`, :math:`g = 1`, :math:`R = 1`; Euler :math:`a = \beta`, :math:`g = 1 - \beta`,
  :math:`R = 1/(1 - \beta)` (so Euler needs :math:`\beta < 1`);
* the initial state (:func:`initial_membrane`): :math:`v_0 = v_{leak}` (LI, LIF, CubaLI, CubaLIF),
  :math:`v_{reset}` (IF), :math:`0` (I, BetaLIF); ``node.metadata["v_init"]`` overrides it; :math:`I_0 = 0`.

All functions take plain arrays and are generic in their array namespace ``xp`` (NumPy by default;
pass ``xp=torch`` with tensors to keep them differentiable). :func:`neuron_coefficients` packs every
coefficient of one neuron node as float64 NumPy arrays (:class:`NeuronCoefficients`), rounded to a
run's dtype only where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurokit.errors import InvalidInputError
from neurokit.ir import IF, LI, LIF, CubaLI, CubaLIF, I, Node, Profile
from neurokit.ir.nodes.neurons import BetaLIF
from neurokit.ir.passes.latency import delay_steps, synapse_delays

#: Relative tolerance under which :math:`\tau_s` and :math:`\tau_m` count as equal (coupling limit).
SAME_TAU_RTOL = 1e-12


def is_exact(integration: str) -> bool:
    """Whether ``integration`` uses the exact (zero-order-hold) coefficients: ``"exact"`` and
    ``"fixed_point"`` do, ``"euler"`` does not."""
    return integration in ("exact", "fixed_point")


def _f64(x: Any, xp: Any) -> Any:
    return np.asarray(x, dtype=np.float64) if xp is np else x


def decay(tau: Any, dt: float, integration: str, *, xp: Any = np) -> Any:
    r"""Per-step decay :math:`a`: :math:`e^{-dt/\tau}` (exact, fixed_point) or :math:`1 - dt/\tau` (Euler)."""
    tau = _f64(tau, xp)
    return xp.exp(-dt / tau) if is_exact(integration) else 1.0 - dt / tau


def input_gain(tau: Any, dt: float, integration: str, *, xp: Any = np) -> Any:
    r"""Per-step input gain :math:`g`: :math:`1 - e^{-dt/\tau}` (exact, fixed_point) or :math:`dt/\tau` (Euler)."""
    tau = _f64(tau, xp)
    return 1.0 - xp.exp(-dt / tau) if is_exact(integration) else dt / tau


def cuba_coupling(tau_syn: Any, tau_mem: Any, dt: float, integration: str, *, xp: Any = np) -> Any:
    r"""Weight :math:`c` of the synaptic current in the Cuba membrane update (see the module docstring).

    exact: :math:`\tfrac{\tau_s}{\tau_s - \tau_m}(e^{-dt/\tau_s} - e^{-dt/\tau_m})`, and its limit
    :math:`\tfrac{dt}{\tau_m} e^{-dt/\tau_m}` where :math:`|\tau_s - \tau_m| \le 10^{-12} \tau_m`;
    Euler: :math:`dt/\tau_m`.
    """
    ts, tm = _f64(tau_syn, xp), _f64(tau_mem, xp)
    if not is_exact(integration):
        return dt / tm
    am, as_ = xp.exp(-dt / tm), xp.exp(-dt / ts)
    same = xp.abs(ts - tm) <= SAME_TAU_RTOL * xp.abs(tm)
    denominator = xp.where(same, xp.ones_like(ts), ts - tm)  # no 0/0 (and no NaN gradient) at the limit
    return xp.where(same, (dt / tm) * am, ts / denominator * (as_ - am))


def integrator_gain(r: Any, dt: float, *, xp: Any = np) -> Any:
    r"""Gain of the perfect integrators (I, IF): :math:`dt\,R` in :math:`v' = v + (dt R)\,x`."""
    return dt * _f64(r, xp)


def linear_system(a: Any, b: Any, dt: float, integration: str) -> tuple[np.ndarray, np.ndarray]:
    r"""``(A_bar, B_bar)`` of :math:`m' = \bar A m + \bar B u` for :math:`\dot m = A m + B u` with
    :math:`u` held over a step (see the module docstring; float64). ``a`` is ``(d, d)``, ``b`` ``(d, k)``."""
    import scipy.linalg

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or b.ndim != 2 or b.shape[0] != a.shape[0]:
        raise InvalidInputError(f"a linear system needs A (d, d) and B (d, k), got {a.shape} and {b.shape}",
                                fix="pass B as a column matrix, e.g. b[:, None]")
    d, k = b.shape
    if not is_exact(integration):
        return np.eye(d) + a * dt, b * dt
    block = np.zeros((d + k, d + k))
    block[:d, :d], block[:d, d:] = a, b
    e = scipy.linalg.expm(block * dt)
    return e[:d, :d], e[:d, d:]


def refractory_steps(t_refrac: Any, dt: float) -> np.ndarray:
    r""":math:`\mathrm{round}(t_{refrac}/dt)` as int64 (0: none). A spiking neuron is frozen for the
    next :math:`n_{ref} - 1` steps (Brian2: frozen while :math:`t - t_{spike} < t_{refrac}`)."""
    if t_refrac is None:
        return np.zeros((), dtype=np.int64)
    return np.rint(np.asarray(t_refrac, dtype=np.float64) / dt).astype(np.int64)


def synapse_delay_steps(delay: Any | None, n_synapses: int, profile: Profile) -> np.ndarray:
    """Per-synapse delivery delay of a weighted connection in steps: its own delays (``None``: 0)
    plus the profile's ``synapse_latency``."""
    return synapse_delays(None if delay is None else delay_steps(delay, profile.dt), n_synapses,
                          profile.synapse_latency)


#: The neuron types discretised here (a new neuron type adds its coefficients below and joins this list).
DISCRETISED = (LI, LIF, CubaLI, CubaLIF, IF, I, BetaLIF)


def _check_discretised(node: Node) -> None:
    if not isinstance(node, DISCRETISED):
        if node.neuron:
            raise InvalidInputError(f"{node.type_name} has no discretisation in neurokit.dynamics.discretisation",
                                    fix="add its coefficients there (docs/dev/adding-a-node.md), or use another neuron type")
        raise InvalidInputError(f"{node.type_name} is not a neuron", fix="pass a neuron node")


def initial_membrane(node: Node) -> np.ndarray:
    r"""The membrane a run starts from (float64, the node's shape): :math:`v_{leak}` for leaky types,
    :math:`v_{reset}` for IF, 0 for I and BetaLIF; ``node.metadata["v_init"]`` (e.g. the half-threshold
    pre-charge of converted networks) overrides it. The synaptic current starts at 0."""
    shape = node.expected_input_shape() or ()
    _check_discretised(node)
    if "v_init" in node.metadata:
        v0 = np.asarray(node.metadata["v_init"], dtype=np.float64)
    elif isinstance(node, IF):
        v0 = np.asarray(node.v_reset, dtype=np.float64)
    elif isinstance(node, (I, BetaLIF)):
        v0 = np.zeros(shape)
    else:
        v0 = np.asarray(node.v_leak, dtype=np.float64)
    return np.broadcast_to(v0, shape).copy()


@dataclass(frozen=True)
class NeuronCoefficients:
    r"""Every per-step number of one neuron node under one profile (float64, the node's shape).

    ``a_mem``/``gain_mem``: membrane decay and input gain (leaky types); ``a_syn``/``gain_syn``:
    synaptic-current decay and gain, ``coupling``: its weight in the membrane (Cuba types);
    ``dt_r``: :math:`dt\,R` (I, IF); ``refrac_steps``: int64; ``v_init``: the initial membrane.
    Fields a type does not use are 0 (``v_threshold``: :math:`+\infty` for non-spiking types).
    """

    kind: str
    exact: bool
    spiking: bool
    a_mem: np.ndarray
    gain_mem: np.ndarray
    a_syn: np.ndarray
    gain_syn: np.ndarray
    coupling: np.ndarray
    w_in: np.ndarray
    r: np.ndarray
    dt_r: np.ndarray
    v_leak: np.ndarray
    v_threshold: np.ndarray
    v_reset: np.ndarray
    refrac_steps: np.ndarray
    v_init: np.ndarray


def neuron_coefficients(node: Node, profile: Profile) -> NeuronCoefficients:
    """All coefficients of ``node`` under ``profile`` (see :class:`NeuronCoefficients`)."""
    _check_discretised(node)
    dt, integ = profile.dt, profile.integration
    shape = node.expected_input_shape()
    zeros = np.zeros(shape)

    def full(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=np.float64), shape).copy()

    a_mem = gain_mem = a_syn = gain_syn = coupling = zeros
    if isinstance(node, (LI, LIF)):
        a_mem, gain_mem = full(decay(node.tau, dt, integ)), full(input_gain(node.tau, dt, integ))
    if node.current_based:
        a_mem, gain_mem = full(decay(node.tau_mem, dt, integ)), full(input_gain(node.tau_mem, dt, integ))
        a_syn, gain_syn = full(decay(node.tau_syn, dt, integ)), full(input_gain(node.tau_syn, dt, integ))
        coupling = full(cuba_coupling(node.tau_syn, node.tau_mem, dt, integ))
    r = full(getattr(node, "r", 1.0))
    if isinstance(node, BetaLIF):  # v' = beta v + x (module docstring)
        if not is_exact(integ) and np.any(node.beta >= 1):
            raise InvalidInputError("BetaLIF: Euler integration needs beta < 1 (its input gain is 1 - beta)",
                                    fix="use integration='exact', or beta < 1")
        a_mem = full(node.beta)
        gain_mem = np.ones(shape) if is_exact(integ) else 1.0 - a_mem
        r = r / gain_mem
    spiking = node.spiking
    v_th = full(node.v_threshold) if spiking else np.full(shape, np.inf)  # type: ignore[union-attr]
    v_reset = full(node.v_reset) if spiking else zeros  # type: ignore[union-attr]
    if spiking and profile.multi_spike and np.any(v_th <= v_reset):
        raise InvalidInputError(f"{node.type_name}: multi_spike counts (v - v_reset) / (v_threshold - v_reset) spikes, "
                                "which needs v_threshold > v_reset for every neuron",
                                fix="raise v_threshold above v_reset, or set multi_spike = false")
    return NeuronCoefficients(
        kind=node.type_name, exact=is_exact(integ), spiking=spiking, a_mem=a_mem, gain_mem=gain_mem, a_syn=a_syn,
        gain_syn=gain_syn, coupling=coupling,
        w_in=full(node.w_in) if node.current_based else zeros,  # type: ignore[attr-defined]
        r=r, dt_r=integrator_gain(r, dt),
        v_leak=full(node.v_leak) if hasattr(node, "v_leak") else zeros,
        v_threshold=v_th, v_reset=v_reset,
        refrac_steps=np.broadcast_to(refractory_steps(getattr(node, "t_refrac", None), dt), shape).copy(),
        v_init=initial_membrane(node))


#: The profile options beyond NIR's equations, with their defaults (what every mode implements).
SEMANTIC_DEFAULTS: dict[str, Any] = {"reset_timing": "same_step", "multi_spike": False, "v_min": float("-inf")}


def nondefault_semantics(profile: Profile) -> list[str]:
    """The names of the profile options ``reset_timing``, ``multi_spike``, ``v_min`` that are not at
    their defaults (empty when the profile asks for nothing beyond the common semantics)."""
    return [k for k, v in SEMANTIC_DEFAULTS.items() if getattr(profile, k) != v]


def refuse_nondefault_semantics(profile: Profile, runner: str, fix: str) -> None:
    """Raise a one-line error naming each option ``runner`` does not implement (see
    :func:`nondefault_semantics`); nothing when all are at their defaults."""
    names = nondefault_semantics(profile)
    if names:
        settings = ", ".join(f"{k}={getattr(profile, k)!r}" for k in names)
        raise InvalidInputError(f"{runner} does not implement profile {settings}", fix=fix)
