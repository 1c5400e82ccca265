r"""A spiking Legendre Memory Unit (L2MU / the natively neuromorphic LMU): every part of the LMU a
population of LIF neurons, the memory's weights the fixed Legendre delay system.

The LMU (Voelker, Kajić & Eliasmith, NeurIPS 2019) keeps a window of length :math:`\theta` of its
input :math:`u` in the state :math:`m \in \mathbb{R}^d` of the linear system
:math:`\theta \dot m = A m + B u` with (:func:`legendre_delay`)

.. math::  A_{ij} = (2i+1) \begin{cases} -1 & i < j \\ (-1)^{i-j+1} & i \ge j \end{cases}, \qquad
           B_i = (2i+1)(-1)^i

discretised at the step :math:`dt` (:func:`neurokit.dynamics.discretisation.linear_system`:
:math:`\bar A, \bar B`). As in L2MU (Leto et al. 2024), the encoder :math:`u`, the memory :math:`m`
and the hidden state :math:`h` are LIF neurons (one :class:`~neurokit.train.layers.LIFLayer`) whose
input currents are, per step :math:`t` (spikes :math:`z`, :math:`k` memory units of order :math:`d`):

.. math::  I^u_t = E_x x_t + b_u + E_h z^h_{t-1} + E_m z^m_{t-1}, \qquad
           I^m_t = (I_k \otimes \bar A)\, z^m_{t-1} + (I_k \otimes \bar B)\, z^u_{t-1}, \qquad
           I^h_t = W_x x_t + b_h + W_h z^h_{t-1} + W_m z^m_{t-1}

then an Affine readout of :math:`z^h_t` into an LI membrane. :math:`\bar A, \bar B` are buffers
(not trained); the memory neurons' resistance :math:`r_m` scales their input. Every connection
between :math:`u, m, h` carries the previous step's spikes, so the three are one recurrent LIF
layer (:class:`SpikingLMU`): the export is Affine, Linear (the loop), LIF and LI nodes only
(:meth:`SpikingLMU.to_ir`) and runs on every target that runs a recurrent LIF network.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.dynamics.discretisation import linear_system

from .layers import LIFLayer, LILayer, init_linear, time_linear
from .model import SNNSpec


def legendre_delay(order: int) -> tuple[np.ndarray, np.ndarray]:
    r"""``(A, B)`` of the Legendre delay system :math:`\theta \dot m = A m + B u` of ``order``
    :math:`d` (``A`` ``(d, d)``, ``B`` ``(d, 1)``; see the module docstring), float64."""
    a = np.empty((order, order))
    b = np.empty((order, 1))
    for i in range(order):
        b[i, 0] = (2 * i + 1) * (-1.0) ** i
        for j in range(order):
            a[i, j] = (2 * i + 1) * (-1.0 if i < j else (-1.0) ** (i - j + 1))
    return a, b


def lmu_memory(order: int, theta: float, dt: float, integration: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(\bar A, \bar B)`: the Legendre system :math:`\dot m = (A/\theta) m + (B/\theta) u`
    discretised at ``dt`` by :func:`~neurokit.dynamics.discretisation.linear_system`."""
    a, b = legendre_delay(order)
    return linear_system(a / theta, b / theta, dt, integration)


class SpikingLMU(nn.Module):
    r"""``(T, B, *input_shape)`` -> LI readout membrane ``(T, B, classes)`` through a spiking LMU cell
    with ``units`` memory units of ``order`` Legendre coefficients over a window ``theta`` seconds
    and ``spec.hidden[0]`` hidden LIF neurons.

    The three populations are one LIF layer of :math:`k + kd + n_h` neurons :math:`s = (u, m, h)`
    with one recurrent weight matrix, the shape every target runs (a layer's recurrence onto itself):

    .. math::  I_t = W_{in} x_t + b + R\, z^s_{t-1}, \qquad
               W_{in} = \begin{pmatrix} E_x \\ 0 \\ W_x \end{pmatrix}, \quad
               R = \begin{pmatrix} 0 & E_m & E_h \\ I_k \otimes \bar B & I_k \otimes \bar A & 0 \\
                                   0 & W_m & W_h \end{pmatrix}

    (the memory rows fixed, the memory neurons' resistance ``memory_gain``), read out from :math:`h`.
    """

    def __init__(self, spec: SNNSpec, *, order: int = 8, units: int = 8, theta: float = 0.3,
                 memory_gain: float = 3.0) -> None:
        super().__init__()
        self.spec, self.order, self.units, self.theta = spec, order, units, theta
        n_in, n_h, n_m = int(np.prod(spec.input_shape)), spec.hidden[0], units * order
        self.sizes = (units, n_m, n_h)
        a_bar, b_bar = lmu_memory(order, theta, spec.dt, spec.integration)
        self.register_buffer("memory_a", torch.tensor(np.kron(np.eye(units), a_bar)))
        self.register_buffer("memory_b", torch.tensor(np.kron(np.eye(units), b_bar)))
        self.encoder_x, self.encoder_h = nn.Linear(n_in, units), nn.Linear(n_h, units, bias=False)
        self.encoder_m = nn.Linear(n_m, units, bias=False)
        self.hidden_x, self.hidden_h = nn.Linear(n_in, n_h), nn.Linear(n_h, n_h, bias=False)
        self.hidden_m = nn.Linear(n_m, n_h, bias=False)
        self.readout = nn.Linear(n_h, spec.classes)
        self.lif = LIFLayer(units + n_m + n_h, tau=spec.tau_mem, v_threshold=spec.v_threshold, dt=spec.dt,
                            integration=spec.integration, surrogate=spec.surrogate, scale=spec.surrogate_scale,
                            **spec.rules)  # type: ignore[arg-type]
        self.lif.r[units:units + n_m] = memory_gain
        self.output_neurons = LILayer(spec.classes, tau=spec.tau_out, dt=spec.dt, integration=spec.integration, v_min=spec.v_min)
        for layer, gain in ((self.encoder_x, 3.0), (self.hidden_x, 3.0), (self.encoder_h, 1.0), (self.encoder_m, 1.0),
                            (self.hidden_h, 1.0), (self.hidden_m, 1.0), (self.readout, 1.0)):
            init_linear(layer, gain=gain)

    def input_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """:math:`(W_{in}, b)` of the whole population (the memory rows zero)."""
        w = torch.cat([self.encoder_x.weight, self.encoder_x.weight.new_zeros(self.sizes[1], self.encoder_x.in_features),
                       self.hidden_x.weight])
        b = torch.cat([self.encoder_x.bias, self.encoder_x.bias.new_zeros(self.sizes[1]), self.hidden_x.bias])
        return w, b

    def recurrent_weights(self, dtype: torch.dtype | None = None) -> torch.Tensor:
        """:math:`R` (see the class docstring): trained encoder and hidden blocks, fixed memory rows, in
        ``dtype`` (default: the weights'; the export asks for float64, so A, B are exported unrounded)."""
        units, n_m, n_h = self.sizes
        dtype = dtype or self.hidden_h.weight.dtype
        like = self.hidden_h.weight.to(dtype)
        a_bar, b_bar = self.memory_a.to(dtype), self.memory_b.to(dtype)
        return torch.cat([torch.cat([like.new_zeros(units, units), self.encoder_m.weight.to(dtype),
                                     self.encoder_h.weight.to(dtype)], 1),
                          torch.cat([b_bar, a_bar, like.new_zeros(n_m, n_h)], 1),
                          torch.cat([like.new_zeros(n_h, units), self.hidden_m.weight.to(dtype), like], 1)])

    def forward(self, x: torch.Tensor, *, return_spikes: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        T, B = x.shape[:2]
        w_in, bias = self.input_weights()
        drive = x.reshape(T, B, -1) @ w_in.T + bias
        rec = self.recurrent_weights()
        params = self.lif.params(drive.dtype)
        v = self.lif.v_leak.to(drive.dtype).expand(B, self.lif.n)
        z = torch.zeros(B, self.lif.n, dtype=drive.dtype, device=x.device)
        pending = None
        steps = []
        for t in range(T):
            z, v, pending = self.lif.advance(drive[t] + z @ rec.T, v, params, pending)
            steps.append(z)
        spikes = torch.stack(steps)
        hidden = spikes[..., self.sizes[0] + self.sizes[1]:]
        out = self.output_neurons(time_linear(self.readout, hidden))
        return (out, list(spikes.split(list(self.sizes), dim=-1))) if return_spikes else out

    def to_ir(self) -> ir.Graph:
        """``Input -> Flatten -> input (Affine) -> lmu (LIF, recurrent Linear onto itself) -> readout
        (Affine, the columns of u and m zero) -> li -> Output``: a recurrent LIF layer."""
        s = self.spec
        d = lambda t: t.detach().cpu().to(torch.float64).numpy()  # noqa: E731
        w_in, bias = self.input_weights()
        readout = np.zeros((s.classes, self.lif.n))
        readout[:, self.sizes[0] + self.sizes[1]:] = d(self.readout.weight)
        lif = self.lif
        nodes: dict[str, ir.Node] = {
            "input": ir.Input(shape=tuple(s.input_shape)),
            "flatten": ir.Flatten(input_shape=tuple(s.input_shape), start_dim=0),
            "input_weights": ir.Affine(weight=d(w_in), bias=d(bias)),
            "lmu": ir.LIF(tau=d(lif.tau), r=d(lif.r), v_leak=d(lif.v_leak), v_threshold=d(lif.v_threshold),
                          v_reset=d(lif.v_reset)),
            "recurrent": ir.Linear(weight=d(self.recurrent_weights(torch.float64))),
            "readout": ir.Affine(weight=readout, bias=d(self.readout.bias)),
            "li": ir.LI(tau=d(self.output_neurons.tau), r=np.ones(s.classes), v_leak=np.zeros(s.classes)),
            "output": ir.Output(shape=(s.classes,)),
        }
        edges = [("input", "flatten"), ("flatten", "input_weights"), ("input_weights", "lmu"), ("lmu", "recurrent"),
                 ("recurrent", "lmu"), ("lmu", "readout"), ("readout", "li"), ("li", "output")]
        return ir.Graph(nodes=nodes, edges=tuple(edges), profile=s.profile).validate()


def default_theta(dt: float, steps: int) -> float:
    """The memory window when none is given: the whole sample, ``steps * dt`` seconds."""
    return dt * steps
