"""Golden traces from snnTorch itself: export small nets with snnTorch's NIR exporter, run them in
snnTorch on seeded input spikes and write ``tests/golden/producers/snntorch/<case>.{nir,npz}``.

Run by hand (never at test time), from the repository root, in a venv holding snnTorch::

    python3.11 -m venv /work/venvs/snntorch
    echo /work/main/.venv/lib/python3.11/site-packages > /work/venvs/snntorch/lib/python3.11/site-packages/main.pth
    /work/venvs/snntorch/bin/pip install --no-deps snntorch==1.0.0
    /work/venvs/snntorch/bin/python -m tools.producers.snntorch_golden

Versions used for the committed goldens: snntorch 1.0.0, torch 2.13.0+cpu, nir 1.0.8, nirtorch 2.6,
numpy (recorded in each ``.npz`` under ``versions``).

Every network uses ``init_hidden=True`` so that ``torch.nn.Sequential`` can hold it, snnTorch's
defaults otherwise (``reset_delay=True``, Heaviside forward pass), and is stepped one time step per
call, exactly as ``snntorch.export_nir.export_to_nir`` expects. Neuron parameters are given per
neuron (see :func:`_full`), and the export drops the batch dimension (``ignore_dims=[0]``): without
either, nir 1.0.8's ``infer_types`` (called by the exporter) refuses the graph.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import snntorch as snn
import snntorch.utils
import torch
from snntorch.export_nir import export_to_nir

from tools.producers._common import save_case

T, B = 60, 3


def _spikes(seed: int, shape: tuple[int, ...], rate: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand((T, B, *shape), generator=g) < rate).float()


def _full(shape: int | tuple[int, ...], value: float) -> torch.Tensor:
    """Per-neuron parameters: snnTorch 1.0's exporter writes ``beta``/``threshold`` with their own
    shape, and nir 1.0.8's type inference refuses a 0-d LIF after a layer of ``n`` outputs."""
    return torch.full((shape,) if isinstance(shape, int) else shape, value)


def _linear(n_in: int, n_out: int, seed: int, scale: float, bias: bool = False) -> torch.nn.Linear:
    g = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(n_in, n_out, bias=bias)
    with torch.no_grad():
        lin.weight.copy_((torch.rand((n_out, n_in), generator=g) - 0.3) * scale)
        if bias:
            lin.bias.copy_((torch.rand((n_out,), generator=g) - 0.5) * 0.2)
    return lin


def _run(net: torch.nn.Sequential, x: torch.Tensor, last: torch.nn.Module) -> tuple[np.ndarray, np.ndarray]:
    """Step ``net`` through ``x`` (T, B, ...); the output spikes and the last layer's membrane."""
    snn.utils.reset(net)
    outs, mems = [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            outs.append(net(x[t]).clone())
            mems.append(last.mem.clone())
    return torch.stack(outs).numpy(), torch.stack(mems).numpy()


def _export(net: torch.nn.Sequential, sample: torch.Tensor) -> object:
    with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():  # the exporter prints per module
        graph = export_to_nir(net, sample, ignore_dims=[0])  # drop the batch dimension from the Input type
    snn.utils.reset(net)
    return graph


def _case(name: str, net: torch.nn.Sequential, x: torch.Tensor, last: torch.nn.Module, note: str) -> None:
    graph = _export(net, x[0])
    out, mem = _run(net, x, last)
    save_case("snntorch", name, graph, inputs=x.numpy(), outputs=out, mem=mem, note=note, packages=("snntorch",))


def main() -> None:
    torch.manual_seed(0)
    x8 = _spikes(1, (8,), 0.3)
    for reset in ("subtract", "zero"):
        lif1 = snn.Leaky(beta=torch.linspace(0.7, 0.95, 16), threshold=torch.ones(16), init_hidden=True, reset_mechanism=reset)
        lif2 = snn.Leaky(beta=_full(4, 0.9), threshold=_full(4, 0.8), init_hidden=True, reset_mechanism=reset)
        net = torch.nn.Sequential(_linear(8, 16, 2, 1.2), lif1, _linear(16, 4, 3, 0.5, bias=True), lif2)
        _case(f"leaky_{reset}", net, x8, lif2,
              f"Linear-Leaky(per-neuron beta)-Affine-Leaky, reset_mechanism={reset!r}")

        syn1 = snn.Synaptic(alpha=_full(12, 0.8), beta=_full(12, 0.9), threshold=_full(12, 1.0), init_hidden=True, reset_mechanism=reset)
        syn2 = snn.Synaptic(alpha=_full(4, 0.6), beta=_full(4, 0.85), threshold=_full(4, 1.5), init_hidden=True, reset_mechanism=reset)
        net = torch.nn.Sequential(_linear(8, 12, 4, 0.2), syn1, _linear(12, 4, 5, 0.15), syn2)
        _case(f"synaptic_{reset}", net, x8, syn2, f"Linear-Synaptic-Linear-Synaptic, reset_mechanism={reset!r}")

    rlif = snn.RLeaky(beta=0.85, threshold=1.0, linear_features=12, init_hidden=True)
    with torch.no_grad():
        g = torch.Generator().manual_seed(6)
        rlif.recurrent.weight.copy_((torch.rand((12, 12), generator=g) - 0.5) * 0.8)
        rlif.recurrent.bias.copy_((torch.rand((12,), generator=g) - 0.5) * 0.1)
    out_lif = snn.Leaky(beta=_full(4, 0.9), threshold=_full(4, 1.0), init_hidden=True)
    net = torch.nn.Sequential(_linear(8, 12, 7, 1.0), rlif, _linear(12, 4, 8, 0.8), out_lif)
    _case("rleaky", net, x8, out_lif, "Linear-RLeaky(all-to-all Linear with bias)-Linear-Leaky, subtract")

    rsyn = snn.RSynaptic(alpha=0.7, beta=0.85, threshold=1.0, linear_features=10, init_hidden=True)
    with torch.no_grad():
        g = torch.Generator().manual_seed(9)
        rsyn.recurrent.weight.copy_((torch.rand((10, 10), generator=g) - 0.5) * 0.6)
        rsyn.recurrent.bias.zero_()
    net = torch.nn.Sequential(_linear(8, 10, 10, 0.25), rsyn)
    _case("rsynaptic", net, x8, rsyn, "Linear-RSynaptic(all-to-all Linear), subtract")

    ximg = _spikes(11, (1, 8, 8), 0.3)
    conv = torch.nn.Conv2d(1, 2, 3, bias=True)
    with torch.no_grad():
        g = torch.Generator().manual_seed(12)
        conv.weight.copy_((torch.rand(conv.weight.shape, generator=g) - 0.3) * 1.0)
        conv.bias.copy_(torch.tensor([0.05, -0.05]))
    clif = snn.Leaky(beta=_full((2, 6, 6), 0.8), threshold=_full((2, 6, 6), 1.0), init_hidden=True)
    olif = snn.Leaky(beta=_full(6, 0.9), threshold=_full(6, 1.0), init_hidden=True)
    net = torch.nn.Sequential(conv, clif, torch.nn.AvgPool2d(2), torch.nn.Flatten(), _linear(18, 6, 13, 0.35), olif)
    _case("conv_leaky", net, ximg, olif, "Conv2d-Leaky-AvgPool2d-Flatten-Linear-Leaky, subtract")


if __name__ == "__main__":
    main()
