"""Golden traces from Norse itself: export small nets with ``norse.torch.to_nir`` (its default
``dt=1e-3``), run them in Norse (cells' default ``dt=1e-3``) on seeded input spikes and write
``tests/golden/producers/norse/<case>.{nir,npz}``.

Run by hand (never at test time), from the repository root, with the main venv (it holds Norse)::

    /work/main/.venv/bin/python -m tools.producers.norse_golden

Versions used for the committed goldens: norse 1.1.0, torch 2.13.0+cpu, nir 1.0.8, nirtorch 2.6
(recorded in each ``.npz`` under ``versions``).

Norse's cells take one time step per call; ``SequentialState`` threads their states. Neuron
parameters are Norse's scalar defaults except where a case says otherwise.
"""

from __future__ import annotations

import warnings

import norse.torch as norse
import numpy as np
import torch

from tools.producers._common import save_case

T, B = 60, 3


def _spikes(seed: int, shape: tuple[int, ...], rate: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand((T, B, *shape), generator=g) < rate).float()


def _linear(n_in: int, n_out: int, seed: int, scale: float, bias: bool = True) -> torch.nn.Linear:
    g = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(n_in, n_out, bias=bias)
    with torch.no_grad():
        lin.weight.copy_((torch.rand((n_out, n_in), generator=g) - 0.3) * scale)
        if bias:
            lin.bias.copy_((torch.rand((n_out,), generator=g) - 0.5) * 0.1 * scale)
    return lin


def _run(net: norse.SequentialState, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Step ``net`` through ``x`` (T, B, ...); the outputs and the last cell's membrane ``v``."""
    state = None
    outs, mems = [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            out, state = net(x[t], state)
            outs.append(out.clone())
            mems.append(state[-1].v.clone())
    return torch.stack(outs).numpy(), torch.stack(mems).numpy()


def _case(name: str, net: norse.SequentialState, x: torch.Tensor, note: str, *, batched_sample: bool = True) -> None:
    """Export with the batch of the first step as the sample (as Norse's docs do), or with one
    unbatched sample where nir cannot type a batched shape (convolutions)."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # nirtorch's tracer warns about the stateful modules
        graph = norse.to_nir(net, x[0] if batched_sample else x[0, 0])
    out, mem = _run(net, x)
    save_case("norse", name, graph, inputs=x.numpy(), outputs=out, mem=mem, note=note, packages=("norse",),
              compression=None)  # Norse writes 0-d parameters, which h5py cannot gzip


def main() -> None:
    torch.manual_seed(0)
    x8 = _spikes(1, (8,), 0.3)

    net = norse.SequentialState(
        _linear(8, 16, 2, 6.0), norse.LIFBoxCell(norse.LIFBoxParameters(tau_mem_inv=torch.as_tensor(200.0))),
        _linear(16, 4, 3, 6.0), norse.LIFBoxCell())
    _case("lif_box", net, x8, "Linear-LIFBoxCell(tau_mem_inv=200)-Linear-LIFBoxCell(defaults)")

    net = norse.SequentialState(
        _linear(8, 12, 4, 2.0),
        norse.LIFCell(norse.LIFParameters(tau_syn_inv=torch.as_tensor(300.0), tau_mem_inv=torch.as_tensor(150.0),
                                          v_th=torch.as_tensor(0.5))),
        _linear(12, 4, 5, 0.6), norse.LIFCell())
    _case("lif_cuba", net, x8, "Linear-LIFCell(tau_syn_inv=300, tau_mem_inv=150, v_th=0.5)-Linear-LIFCell(defaults)")

    net = norse.SequentialState(
        _linear(8, 16, 6, 0.5), norse.IAFCell(norse.IAFParameters(v_th=torch.as_tensor(1.0))),
        _linear(16, 4, 7, 0.6), norse.IAFCell())
    _case("iaf", net, x8, "Linear-IAFCell-Linear-IAFCell (v += x, reset to v_reset=0)")

    net = norse.SequentialState(
        _linear(8, 12, 8, 6.0), norse.LIFBoxCell(), _linear(12, 3, 9, 1.0),
        norse.LIBoxCell(norse.LIBoxParameters(tau_mem_inv=torch.as_tensor(50.0))))
    _case("lif_li", net, x8, "Linear-LIFBoxCell-Linear-LIBoxCell(tau_mem_inv=50): the output is the membrane")

    ximg = _spikes(11, (1, 8, 8), 0.3)
    conv = torch.nn.Conv2d(1, 2, 3, bias=True)
    with torch.no_grad():
        g = torch.Generator().manual_seed(12)
        conv.weight.copy_((torch.rand(conv.weight.shape, generator=g) - 0.3) * 8.0)
        conv.bias.copy_(torch.tensor([0.2, -0.2]))
    per_neuron = norse.LIFBoxParameters(tau_mem_inv=torch.full((2, 6, 6), 100.0), v_leak=torch.zeros(2, 6, 6),
                                        v_th=torch.ones(2, 6, 6), v_reset=torch.zeros(2, 6, 6))
    net = norse.SequentialState(conv, norse.LIFBoxCell(per_neuron))
    _case("conv_lif_box", net, ximg, "Conv2d-LIFBoxCell(per-neuron parameters: nir cannot type a 0-d LIF after a Conv2d); Norse 1.1 "
          "exports no Flatten or pooling; exported with an unbatched sample",
          batched_sample=False)


if __name__ == "__main__":
    main()
