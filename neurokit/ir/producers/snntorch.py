r"""snnTorch 1.0.0: ``snntorch.export_nir.export_to_nir`` / ``_extract_snntorch_module``.

What snnTorch runs (``snntorch/_neurons/leaky.py``, ``synaptic.py``, ``rleaky.py``, ``rsynaptic.py``,
defaults ``reset_mechanism="subtract"``, ``reset_delay=True``, Heaviside forward pass
``spk = (mem - threshold > 0)``), per step :math:`t` with input :math:`x_t`:

* ``Leaky``: :math:`r_t = [m_{t-1} > \theta]`, :math:`m_t = \beta m_{t-1} + x_t - r_t \theta`,
  :math:`s_t = [m_t > \theta]`; the recorded membrane :math:`m_t` is the un-reset one;
* ``Synaptic``: :math:`c_t = \alpha c_{t-1} + x_t`, :math:`m_t = \beta m_{t-1} + c_t - r_t \theta`;
* ``RLeaky`` / ``RSynaptic``: as above with :math:`x_t + W s_{t-1} (+ b)` as the input.

What the exporter writes, with a hard-coded ``dt = 1e-4``: ``LIF(tau = dt/(1-β), r = tau/dt,
v_leak = 0, v_threshold = θ, v_reset = 0)``; ``Synaptic`` as ``CubaLIF(tau_syn = dt/(1-α),
tau_mem = dt/(1-β), r = tau_mem/dt, w_in = tau_syn/dt)``; ``RLeaky``/``RSynaptic`` as a subgraph
``input → lif ⇄ w_rec → output`` (``w_rec`` an ``Affine`` with the recurrent bias); ``Conv2d``,
``AvgPool2d``, ``Flatten``, ``Linear``/``Affine``. It writes neither the reset mechanism nor
``reset_delay``.

Forward Euler at ``dt = 1e-4`` turns those fields back into snnTorch's step exactly:
:math:`v' = v + \tfrac{dt}{\tau}(-v + r x) = \beta v + x`, and for the current
:math:`I' = \alpha I + x` (the membrane then uses the new current, as snnTorch's ``mem`` uses the
new ``syn``). No parameter rewrite is needed; the profile says the rest: ``reset="subtract"``,
``spike_rule=">"``, ``reset_timing="next_step"``.

Not expressible from the file: ``reset_mechanism="zero"`` (pass ``profile={"reset": "zero"}``:
exact for ``Leaky``, whose next step starts from 0; ``Synaptic``/``RLeaky``/``RSynaptic`` instead
zero the whole next membrane, :math:`m_t = 0` whatever :math:`x_t`, which no profile expresses),
``reset_delay=False`` (``reset_timing="same_step"``), graded spikes, inhibition, state quantisation.
"""

from __future__ import annotations

from neurokit.ir import nodes as N
from neurokit.ir.graph import Graph
from neurokit.ir.profile import Profile

from ._signature import equals, neurons, scalar_parameters
from .base import Producer

#: The time step ``snntorch.export_nir`` hard-codes (``dt = 1e-4``).
EXPORT_DT = 1e-4
#: float32 files: r is computed as (dt/(1-β))/dt in float32, a few ulps from 1/(1-β).
_RTOL = 1e-5


def _snntorch_neuron(node: N.Node) -> bool:
    if isinstance(node, N.LIF):
        return (equals(node.v_leak, 0.0) and equals(node.v_reset, 0.0)
                and equals(node.r, node.tau / EXPORT_DT, _RTOL) and bool((node.tau >= EXPORT_DT * (1 - _RTOL)).all()))
    if isinstance(node, N.CubaLIF):
        return (equals(node.v_leak, 0.0) and equals(node.v_reset, 0.0)
                and equals(node.r, node.tau_mem / EXPORT_DT, _RTOL) and equals(node.w_in, node.tau_syn / EXPORT_DT, _RTOL)
                and bool((node.tau_mem >= EXPORT_DT * (1 - _RTOL)).all()))
    return False


def detect(graph: Graph) -> bool:
    """snnTorch's signature: only ``LIF``/``CubaLIF`` neurons, all with ``r = tau/1e-4`` (and
    ``w_in = tau_syn/1e-4``), ``v_leak = v_reset = 0``, ``tau >= 1e-4`` (``0 <= β < 1``), and
    per-neuron arrays (snnTorch 1.0's exports with 0-d parameters cannot be typed by nir 1.0.8)."""
    found = neurons(graph)
    return bool(found) and not scalar_parameters(graph) and all(_snntorch_neuron(n) for n in found)


PRODUCER = Producer(
    name="snntorch",
    release="1.0.0",
    source="snntorch 1.0.0, snntorch/export_nir.py: _extract_snntorch_module, export_to_nir (dt = 1e-4 hard-coded)",
    profile=Profile(dt=EXPORT_DT, integration="euler", reset="subtract", spike_rule=">", reset_timing="next_step"),
    summary="Leaky/Synaptic with beta v + x, reset by subtraction one step late (reset_delay=True)",
    detect=detect,
    notes=(
        "reset_mechanism is not exported: 'zero' needs profile={'reset': 'zero'} (exact for Leaky only)",
        "Synaptic/RLeaky/RSynaptic reset_mechanism='zero' zeroes the whole next membrane: not expressible",
        "reset_delay=False needs profile={'reset_timing': 'same_step'}",
        "0-d beta/threshold export a 0-d LIF that nir 1.0.8's type inference refuses: give per-neuron tensors",
    ),
)
