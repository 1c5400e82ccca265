r"""neurokit's neuron program as a Lava process (runs INSIDE the Lava runtime venv: numpy and lava only;
``runner.py`` imports it, neurokit never does).

Lava 0.10's stock ``LIF`` resets to 0 and declares one ``du``/``dv`` per process; ``ATRLIF`` subtracts
but only without a leak (its threshold offset would decay). Loihi 2's neurons are programmable
(microcode), so these are neuron *programs*, not limits of the chip: ``ResetLIF`` is the CUBA neuron
with per-neuron decays and the profile's spike and reset rules. Its process model is Lava's own
bit-accurate LIF (``AbstractPyLifModelFixed.subthr_dynamics``: the 24-bit wrapping current, the
saturating voltage, the 12-bit truncating decays, the bias) with only the spike/reset step replaced
(:math:`\theta = v_{th} \ll 6`):

* ``next_step`` (snnTorch's ``reset_delay``): a zero reset starts the step after a spike from
  :math:`v_r`, before the update; a subtraction :math:`v \leftarrow v - n_{t-1}(\theta - v_r)` follows the update;
* a current bias ``bias_u`` (per neuron, a Cuba layer's synaptic bias) enters with the input:
  :math:`u \leftarrow u (1 - d_u) + ((a_{in} + b_u) \ll 6)` (Lava's own update on :math:`a_{in} + b_u`);
* a direct input term ``k_in`` (per neuron; exact Cuba integration, whose update also feeds the step's
  input straight into the membrane): :math:`v \mathrel{+}= (((a_{in} + b_u) \ll 6)\,k_{in} + 2^{11}) \gg 12`,
  added with ``v``'s bias;
* spike :math:`v > \theta` (or :math:`\ge` with ``ge``), the count
  :math:`n = \lfloor (v - v_r)/(\theta - v_r) \rfloor` (``multi``: graded spikes, Sinabs' ``MultiSpike``) or 1;
* same-step reset (``reset``: 0 zero, 1 subtract, 2 none) to the per-neuron :math:`v_r` (``v_reset``)
  or :math:`v - n(\theta - v_r)`; the floor :math:`v \leftarrow \max(v, v_{min})` (per neuron);
* refractoriness (``refrac`` steps per neuron): a count-down, lowered by one each step first; while
  it is above 0 the membrane keeps its value and the neuron cannot spike.

On a chip this is a custom neuron program (lava-loihi's microcode path, not public); here it runs in
Lava's CPU backend (``Loihi2SimCfg``), selected through ``exception_proc_model_map``.
neurokit's integer model of the same step: :func:`neurokit.backends.loihi2.fixed_point.program_step`.
"""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.lif.models import AbstractPyLifModelFixed


class ResetLIF(AbstractProcess):
    """The CUBA neuron with per-neuron ``du``/``dv`` and a programmable spike/reset step (module docstring)."""

    def __init__(self, *, shape, u, v, du, dv, bias_mant, bias_exp, vth, ge, reset, next_step, multi, v_min,
                 refrac=0, v_reset=0, bias_u=0, k_in=0, name=None):
        super().__init__(shape=shape, name=name)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        per_neuron = dict(u=u, v=v, pending=0, countdown=0, refrac=refrac, du=du, dv=dv, bias_mant=bias_mant,
                          bias_exp=bias_exp, v_min=v_min, v_reset=v_reset, bias_u=bias_u,
                          k_in=k_in)
        for key, init in per_neuron.items():
            setattr(self, key, Var(shape=shape, init=np.broadcast_to(np.asarray(init, np.int32), shape).copy()))
        self.vth = Var(shape=(1,), init=vth)
        self.rule = Var(shape=(4,), init=np.array([ge, reset, next_step, multi], np.int32))


def _int_vector(precision, dtype=np.int32):
    """Lava's type of a per-neuron integer Var of ``precision`` bits."""
    return LavaPyType(np.ndarray, dtype, precision=precision)


@implements(proc=ResetLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("bit_accurate_loihi", "fixed_pt")
class PyResetLIFModel(AbstractPyLifModelFixed):
    """Lava's bit-accurate LIF arithmetic with neurokit's spike/reset step."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)
    u: np.ndarray = _int_vector(24)
    v: np.ndarray = _int_vector(24)
    pending: np.ndarray = _int_vector(24)
    countdown: np.ndarray = _int_vector(24)
    refrac: np.ndarray = _int_vector(24)
    v_min: np.ndarray = _int_vector(24)
    v_reset: np.ndarray = _int_vector(24)
    bias_u: np.ndarray = _int_vector(18)
    k_in: np.ndarray = _int_vector(24)
    du: np.ndarray = _int_vector(12)
    dv: np.ndarray = _int_vector(12)
    bias_mant: np.ndarray = _int_vector(13, np.int16)
    bias_exp: np.ndarray = _int_vector(3, np.int16)
    vth: np.ndarray = _int_vector(17)
    rule: np.ndarray = _int_vector(2)

    def scale_threshold(self):
        self.effective_vth = np.int64(self.vth[0]) << self.vth_shift
        self.isthrscaled = True

    def run_spk(self):
        a_in_data = self.a_in.recv().astype(np.int32) + self.bias_u  # a current bias enters with the input
        self.scale_bias()
        direct = ((a_in_data.astype(np.int64) << 6) * self.k_in + (1 << 11)) >> 12  # exact Cuba: input into v
        self.effective_bias = self.effective_bias + direct  # added to v with the bias by Lava's own update
        if not self.isthrscaled:
            self.scale_threshold()
        ge, reset, next_step, multi = (int(x) for x in self.rule[:4])
        v_reset = self.v_reset.astype(np.int64)
        self.countdown[:] = np.maximum(self.countdown - 1, 0)
        frozen = self.countdown > 0
        if next_step and reset == 0:  # the step after a spike starts from v_reset
            self.v[:] = np.where(self.pending > 0, v_reset, self.v)
        v_start = self.v.astype(np.int64)
        self.subthr_dynamics(activation_in=a_in_data)  # Lava's own current and voltage update
        theta, lo, hi = self.effective_vth, -self.max_uv_val + 1, self.max_uv_val - 1
        v = np.where(frozen, v_start, self.v.astype(np.int64))
        if next_step and reset == 1:
            v = np.clip(v - self.pending.astype(np.int64) * (theta - v_reset), lo, hi)
        fired = (v >= theta if ge else v > theta) & ~frozen
        n = np.where(fired, (v - v_reset) // (theta - v_reset), 0) if multi else fired.astype(np.int64)
        if next_step:
            self.pending[:] = n
        elif reset == 1:
            v = np.clip(v - n * (theta - v_reset), lo, hi)
        elif reset == 0:
            v = np.where(fired, v_reset, v)
        self.countdown[:] = np.where(fired, self.refrac, self.countdown)
        self.v[:] = np.maximum(v, self.v_min.astype(np.int64))
        self.s_out.send(n.astype(np.int32))
