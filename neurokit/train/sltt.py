r"""Memory-light training: the exact SLTT gradient of the classifier's loss with memory that does
not grow with the number of time steps.

The loss is :math:`L = \mathrm{CE}(s\,m, y) + \lambda \sum_l \overline{z_l}` with the mean readout
membrane :math:`m = \frac1T \sum_t v_t` (scale :math:`s`), :math:`\overline{z_l}` layer ``l``'s mean
spike rate. The LI readout is linear with decay :math:`a`, so

.. math::  \frac{\partial m}{\partial r_t} = \frac{1 - a^{T - t}}{T} \qquad (t = 0 \dots T-1)

for the readout's input current :math:`r_t`. In SLTT mode the LIF membranes carry no gradient
through time, so the gradient at step :math:`t` needs only step :math:`t`'s activations. Hence two
passes over the sequence in chunks of ``chunk`` steps: (1) without a graph, the mean readout
:math:`m` and :math:`g = \partial L / \partial m`; (2) per chunk, a graph of that chunk only and
``backward`` of :math:`\sum_{t \in chunk} g \cdot r_t (1 - a^{T-t})/T` plus the rate term — the
same gradients as back-propagating the whole sequence in SLTT mode, with peak memory
:math:`O(\text{chunk})` instead of :math:`O(T)` (tested; figures in ``tools/bench/train_step.py``).

SLTT-K (Meng et al. 2023, sec. 4.3): back-propagate through :math:`K` randomly chosen steps
:math:`S \subset \{0 \dots T-1\}` only. Without a temporal path each step's gradient needs only that
step's input and the membranes it starts from, so pass 1 (no graph) also keeps every layer's state
before each chosen step, and pass 2 runs the :math:`K` chosen steps as one batch of :math:`K B`
single steps (``chunk`` chosen steps per batch), with backward of

.. math::  \frac{T}{K} \sum_{t \in S} g \cdot r_t \frac{1 - a^{T-t}}{T}

(plus the rate term on those steps): an unbiased estimate of the SLTT gradient (our scaling; the
paper sums the K steps' terms, the same direction under Adam). The backward costs :math:`O(K)`
instead of :math:`O(T)` and the graph :math:`O(\min(K, \text{chunk}))`; :math:`K = T` gives the full SLTT gradient (tested).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .layers import LILayer, time_linear
from .losses import LOGIT_SCALE
from .model import SNNClassifier

__all__ = ["LOGIT_SCALE", "choose_steps", "sltt_backward"]


State = tuple[torch.Tensor, torch.Tensor] | None  # (membrane, last spikes: the reset due with next_step)


def _chunk_forward(model: SNNClassifier, xc: torch.Tensor, state: list[State]
                   ) -> tuple[torch.Tensor, list[torch.Tensor], list[State]]:
    h = xc.reshape(xc.shape[0], xc.shape[1], -1)
    spikes, new_state = [], []
    for (fc, lif), st in zip(zip(model.fc, model.lif), state):
        h, v_last = lif.run(time_linear(fc, h), *((None, None) if st is None else (st[0].detach(), st[1].detach())))
        spikes.append(h)
        new_state.append((v_last.detach(), h[-1].detach()))
    return time_linear(model.readout, h), spikes, new_state


def choose_steps(T: int, k: int, generator: torch.Generator | None = None) -> list[int]:
    """``k`` distinct steps of ``0 .. T-1`` drawn uniformly (sorted; torch's RNG, so seeded runs repeat)."""
    return sorted(int(t) for t in torch.randperm(T, generator=generator)[:k])


def sltt_backward(model: SNNClassifier, x: torch.Tensor, y: torch.Tensor, *, rate_reg: float = 0.0,
                  chunk: int = 10, k: int = 0, steps: list[int] | None = None) -> float:
    """Accumulate the SLTT gradient of the loss into ``.grad`` (call ``zero_grad`` before and
    ``step`` after); returns the loss. ``x``: ``(T, B, *input_shape)``. ``k`` > 0: SLTT-K, only
    ``k`` random steps back-propagated (``steps``: those steps, chosen by the caller)."""
    if model.spec.mode != "sltt":
        raise ValueError("sltt_backward needs a model built with mode='sltt' (its LIF layers drop the temporal path)")
    if not isinstance(model.output_neurons, LILayer):
        raise ValueError("sltt_backward trains the mean-membrane loss of an LI readout (readout='li')")
    if model.spec.max_delay:
        raise ValueError("sltt_backward runs chunks of steps; learnable delays need the whole sequence (use mode='bptt')")
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if model.output_neurons.v_min > -math.inf:
        raise ValueError("sltt_backward uses the LI readout's linearity; a v_min floor makes it nonlinear "
                         "(use mode='bptt', or v_min=-inf)")
    T = x.shape[0]
    if k < 0 or k > T:
        raise ValueError(f"k must be in 0..{T} (0: every step), got {k}")
    if k or steps is not None:
        return _sltt_k_backward(model, x, y, rate_reg, chunk, choose_steps(T, k) if steps is None else list(steps))
    a = model.output_neurons.decay(x.dtype)
    g, loss, _ = _readout_gradient(model, x, y, rate_reg, chunk)  # pass 1: the mean readout membrane
    state: list[State] = [None] * len(model.lif)
    t0 = 0
    for xc in x.split(chunk):  # pass 2: a graph per chunk only
        r, spikes, state = _chunk_forward(model, xc, state)
        steps = torch.arange(t0, t0 + xc.shape[0], dtype=x.dtype, device=x.device).reshape(-1, 1, 1)
        weight = (1 - a.reshape(1, 1, -1) ** (T - steps)) / T
        part = (r * weight * g).sum()
        if rate_reg:
            part = part + rate_reg * sum(z.sum() / (T * x.shape[1] * lif.n) for z, lif in zip(spikes, model.lif))
        part.backward()
        t0 += xc.shape[0]
    return loss


def _readout_gradient(model: SNNClassifier, x: torch.Tensor, y: torch.Tensor, rate_reg: float, chunk: int,
                      chosen: list[int] | None = None) -> tuple[torch.Tensor, float, dict[int, list[State]]]:
    r"""Pass 1, without a graph: the mean readout membrane :math:`m = \frac{1}{T}\sum_t v_t`, chunk by
    chunk (also cut before every step of ``chosen``, where each layer's state is kept); returns
    :math:`\partial L_{CE} / \partial m`, the loss (cross entropy plus ``rate_reg`` times the mean
    firing rates) and the kept states ``{step: states}``."""
    T, B = x.shape[0], x.shape[1]
    n_layers = len(model.lif)
    keep = set(chosen or ())
    before: dict[int, list[State]] = {}
    with torch.no_grad():
        state: list[State] = [None] * n_layers
        v_out = None
        m = torch.zeros(B, model.spec.classes, dtype=x.dtype, device=x.device)
        rates = [0.0] * n_layers
        bounds = sorted(keep | set(range(0, T, chunk))) + [T]
        for s0, s1 in zip(bounds[:-1], bounds[1:]):
            if s0 in keep:  # a copy of the last spikes: a view would keep the chunk's spikes alive
                before[s0] = [None if st is None else (st[0], st[1].clone()) for st in state]
            r, spikes, state = _chunk_forward(model, x[s0:s1], state)
            v, v_out = model.output_neurons.run(r, v_out)
            m += v.sum(0)
            rates = [acc + float(z.sum()) for acc, z in zip(rates, spikes)]
        m /= T
    m.requires_grad_(True)
    loss_ce = F.cross_entropy(m * LOGIT_SCALE, y)
    (g,) = torch.autograd.grad(loss_ce, m)
    loss = float(loss_ce.detach()) + rate_reg * sum(rt / (T * B * lif.n) for rt, lif in zip(rates, model.lif))
    return g, loss, before


def _sltt_k_backward(model: SNNClassifier, x: torch.Tensor, y: torch.Tensor, rate_reg: float, chunk: int,
                     chosen: list[int]) -> float:
    """SLTT-K (module docstring): pass 1 keeps the states before the chosen steps, pass 2 is one batch of them."""
    T = x.shape[0]
    if not chosen or len(set(chosen)) != len(chosen) or min(chosen) < 0 or max(chosen) >= T:
        raise ValueError(f"steps must be distinct steps of 0..{T - 1}, got {chosen}")
    a = model.output_neurons.decay(x.dtype)
    # pass 1: readout mean, rates, and every layer's state before each chosen step
    g, loss, before = _readout_gradient(model, x, y, rate_reg, chunk, chosen)
    K = len(chosen)
    for group in [chosen[i:i + chunk] for i in range(0, K, chunk)]:  # pass 2: chosen steps, `chunk` per batch
        _k_steps_backward(model, x, group, before, g, a, T, K, rate_reg)
    return loss


def _k_steps_backward(model: SNNClassifier, x: torch.Tensor, group: list[int], before: dict[int, list[State]],
                      g: torch.Tensor, a: torch.Tensor, T: int, K: int, rate_reg: float) -> None:
    """Backward of the chosen steps ``group`` as one batch of ``len(group) * B`` single steps."""
    B, G = x.shape[1], len(group)
    h = x[group].reshape(1, G * B, -1)
    spikes = []
    for layer, (fc, lif) in enumerate(zip(model.fc, model.lif)):
        v0, pend = [], []
        for t in group:
            st = before[t][layer]
            v0.append(lif.v_leak.to(x.dtype).expand(B, lif.n) if st is None else st[0])
            pend.append(torch.zeros(B, lif.n, dtype=x.dtype) if st is None else st[1])
        h, _ = lif.run(time_linear(fc, h), torch.cat(v0), torch.cat(pend))
        spikes.append(h)
    r = time_linear(model.readout, h).reshape(G, B, -1)
    steps_t = torch.tensor(group, dtype=x.dtype).reshape(-1, 1, 1)
    weight = (1 - a.reshape(1, 1, -1) ** (T - steps_t)) / K  # (T / K) * (1 - a^(T-t)) / T
    part = (r * weight * g).sum()
    if rate_reg:
        part = part + rate_reg * sum(z.sum() / (K * B * lif.n) for z, lif in zip(spikes, model.lif))
    part.backward()
