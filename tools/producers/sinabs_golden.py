"""Golden traces from Sinabs itself: export small nets with ``sinabs.nir.to_nir``, run them in
Sinabs on seeded input spikes and write ``tests/golden/producers/sinabs/<case>.{nir,npz}``.

Run by hand (never at test time), from the repository root, in a venv holding Sinabs::

    python3.11 -m venv /work/venvs/sinabs
    echo /work/main/.venv/lib/python3.11/site-packages > /work/venvs/sinabs/lib/python3.11/site-packages/main.pth
    /work/venvs/sinabs/bin/pip install --no-deps sinabs==3.1.3 pbr
    /work/venvs/sinabs/bin/python -m tools.producers.sinabs_golden

Versions used for the committed goldens: sinabs 3.1.3, torch 2.13.0+cpu, nir 1.0.8, nirtorch 2.6
(recorded in each ``.npz`` under ``versions``; Sinabs 3.1.3 asks for nir<=1.0.4 but its exporter
writes the same fields with 1.0.8, and samna, a hardware driver it lists, is not needed to export).

The nets use the ``*Squeeze`` layers (input ``(batch*time, ...)``), which is what Sinabs' exporter
types correctly: the plain ``IAF``/``LIF`` layers take ``(batch, time, ...)`` and their export
writes the time axis into the Input node's shape. Neuron parameters are per-neuron tensors where
the layer has a time constant (nir 1.0.8 refuses a LIF whose threshold shape differs from tau's).
"""

from __future__ import annotations

import numpy as np
import sinabs.layers as sl
import torch
from sinabs.activation import MembraneReset, SingleSpike
from sinabs.nir import to_nir

from tools.producers._common import save_case

T, B = 60, 3


def _spikes(seed: int, shape: tuple[int, ...], rate: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand((T, B, *shape), generator=g) < rate).float()


def _linear(n_in: int, n_out: int, seed: int, scale: float, low: float = -0.3) -> torch.nn.Linear:
    """Weights uniform in ``scale * [low, low + 1)``, small biases."""
    g = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(n_in, n_out, bias=True)
    with torch.no_grad():
        lin.weight.copy_((torch.rand((n_out, n_in), generator=g) + low) * scale)
        lin.bias.copy_((torch.rand((n_out,), generator=g) - 0.5) * 0.1)
    return lin


def _squeeze(x: torch.Tensor) -> torch.Tensor:
    """(T, B, ...) -> (B*T, ...), batch-major, as the Squeeze layers expect."""
    return x.transpose(0, 1).reshape(-1, *x.shape[2:])


def _unsqueeze(y: torch.Tensor) -> np.ndarray:
    """(B*T, ...) -> (T, B, ...)."""
    return y.reshape(B, T, *y.shape[1:]).transpose(0, 1).numpy()


def _reset(net: torch.nn.Module) -> None:
    for m in net.modules():
        if hasattr(m, "reset_states"):
            m.reset_states()


def _case(name: str, net: torch.nn.Sequential, x: torch.Tensor, note: str) -> None:
    last = net[-1]
    with torch.no_grad():
        graph = to_nir(net, _squeeze(x))
        _reset(net)
        out = _unsqueeze(net(_squeeze(x)))
    mem = None
    if getattr(last, "recordings", None) and "v_mem" in last.recordings:
        mem = last.recordings["v_mem"].transpose(0, 1).numpy()  # recordings are (B, T, ...)
    save_case("sinabs", name, graph, inputs=x.numpy(), outputs=out, mem=mem, note=note, packages=("sinabs",))


def main() -> None:
    torch.manual_seed(0)
    x8 = _spikes(1, (8,), 0.3)

    def iaf(**kw: object) -> sl.IAFSqueeze:
        return sl.IAFSqueeze(batch_size=B, **kw)

    net = torch.nn.Sequential(_linear(8, 16, 2, 1.0), iaf(), _linear(16, 4, 3, 0.6), iaf(record_states=True))
    _case("iaf", net, x8, "Linear-IAFSqueeze-Linear-IAFSqueeze, defaults: MultiSpike, MembraneSubtract, no min_v_mem")

    net = torch.nn.Sequential(_linear(8, 16, 2, 2.0, low=-0.5), iaf(min_v_mem=-1.0), _linear(16, 4, 3, 2.0, low=-0.4),
                              iaf(min_v_mem=-1.0, record_states=True))
    _case("iaf_min_v_mem", net, x8, "as iaf, weights centred on 0, min_v_mem=-1 (the floor Sinabs' own from_nir gives IF: -threshold)")

    net = torch.nn.Sequential(_linear(8, 16, 2, 1.0), iaf(reset_fn=MembraneReset()), _linear(16, 4, 3, 0.6),
                              iaf(reset_fn=MembraneReset(), record_states=True))
    _case("iaf_reset_zero", net, x8, "as iaf with reset_fn=MembraneReset() (reset to 0)")

    net = torch.nn.Sequential(_linear(8, 16, 2, 1.0), iaf(spike_fn=SingleSpike), _linear(16, 4, 3, 0.6),
                              iaf(spike_fn=SingleSpike, record_states=True))
    _case("iaf_single_spike", net, x8, "as iaf with spike_fn=SingleSpike (one spike per step)")

    net = torch.nn.Sequential(
        _linear(8, 12, 4, 2.0),
        sl.LIFSqueeze(tau_mem=torch.linspace(2.0, 12.0, 12), spike_threshold=torch.full((12,), 0.5), batch_size=B),
        _linear(12, 4, 5, 1.5),
        sl.LIFSqueeze(tau_mem=torch.full((4,), 5.0), spike_threshold=torch.full((4,), 0.4), batch_size=B,
                      record_states=True))
    _case("lif", net, x8, "Linear-LIFSqueeze(per-neuron tau_mem, norm_input=True)-Linear-LIFSqueeze, MultiSpike")

    net = torch.nn.Sequential(
        _linear(8, 12, 4, 2.0),
        sl.LIFSqueeze(tau_mem=torch.linspace(2.0, 12.0, 12), spike_threshold=torch.full((12,), 0.5), batch_size=B),
        _linear(12, 4, 5, 1.0),
        sl.ExpLeakSqueeze(tau_mem=torch.full((4,), 8.0), batch_size=B, record_states=True))
    _case("lif_expleak", net, x8, "Linear-LIFSqueeze-Linear-ExpLeakSqueeze (norm_input=False): output is v_mem")

    ximg = _spikes(11, (1, 8, 8), 0.3)
    conv = torch.nn.Conv2d(1, 2, 3, bias=True)
    with torch.no_grad():
        g = torch.Generator().manual_seed(12)
        conv.weight.copy_((torch.rand(conv.weight.shape, generator=g) - 0.3) * 1.0)
        conv.bias.copy_(torch.tensor([0.05, -0.05]))
    net = torch.nn.Sequential(conv, iaf(), sl.SumPool2d(2), torch.nn.Flatten(), _linear(18, 6, 13, 0.12),
                              iaf(record_states=True))
    _case("conv_sumpool", net, ximg, "Conv2d-IAFSqueeze-SumPool2d-Flatten-Linear-IAFSqueeze, MultiSpike")


if __name__ == "__main__":
    main()
