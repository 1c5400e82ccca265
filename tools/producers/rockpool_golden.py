"""Golden traces from Rockpool itself: export small nets with ``rockpool.nn.modules.to_nir``, run them
in Rockpool on seeded spike inputs, and store graph + inputs + outputs under
``tests/golden/producers/rockpool/``.

Run by hand (never at test time), in a scratch venv that reuses the main venv's torch::

    python3.11 -m venv /work/venvs/rockpool
    echo /work/main/.venv/lib/python3.11/site-packages > /work/venvs/rockpool/lib/python3.11/site-packages/main.pth
    /work/venvs/rockpool/bin/pip install --no-deps rockpool==3.1.0 nir==1.0.4 nirtorch==1.0
    /work/venvs/rockpool/bin/python tools/producers/rockpool_golden.py

Versions used for the committed goldens: rockpool 3.1.0, nir 1.0.4, nirtorch 1.0, torch 2.13.0+cpu
(rockpool 3.1.0 pins ``nir <= 1.0.4``; its ``to_nir`` calls nirtorch 1.x's ``extract_nir_graph``).

Cases (Rockpool has no IF neuron; its spiking neurons are ``LIFNeuronTorch`` -> NIR ``LIF`` and
``LIFTorch`` -> NIR ``CubaLIF``; both reset by subtraction and may emit several spikes per step):

* ``lif``: Linear(6->10) -> LIFNeuronTorch(10), dt = 1 ms, per-neuron tau_mem and thresholds;
* ``cubalif``: Linear(6->10) -> LIFTorch(10), dt = 1 ms, per-neuron tau_mem / tau_syn;
* ``two_layer``: Linear -> LIFTorch -> Linear -> LIFNeuronTorch, dt = 0.5 ms;
* ``paper_lif``: the NIR paper's single neuron (Linear 0.04 -> LIFNeuronTorch tau 2.5 ms, threshold
  0.1, dt = 0.1 ms), fed the paper's input spike train;
* ``lif_li``: Linear -> LIFNeuronTorch -> Linear -> ExpSynTorch (NIR ``LI``), dt = 1 ms; the
  output is the synaptic current, not spikes;
* ``recurrent``: Linear -> LIFTorch(has_rec=True). Rockpool's exporter drops ``w_rec`` (it maps
  ``LIFTorch`` to a bare ``CubaLIF``), so the file describes the net *without* its recurrence. The
  npz stores Rockpool's run of the recurrent net (``spikes``) and of the same net with
  ``w_rec = 0`` (``spikes_as_exported``, what the file means).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nir
import nirtorch
import numpy as np
import rockpool
import torch
from rockpool.nn.combinators import Sequential
from rockpool.nn.modules import ExpSynTorch, LIFNeuronTorch, LIFTorch, LinearTorch, to_nir

OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "producers" / "rockpool"
PAPER_CSV = Path("/work/shared/conformance/nir-paper-lif/lif_exact.csv")
T, B = 80, 3


def versions() -> dict[str, str]:
    return {"rockpool": rockpool.__version__, "nir": nir.version if hasattr(nir, "version") else
            getattr(nir, "__version__", "1.0.4"), "nirtorch": getattr(nirtorch, "__version__", "1.0"),
            "torch": torch.__version__, "python": sys.version.split()[0]}


def spikes(rng: np.random.Generator, n_in: int, rate: float, t: int = T, b: int = B) -> np.ndarray:
    """Bernoulli spike trains, time-first (T, B, n_in) as float32."""
    return (rng.random((t, b, n_in)) < rate).astype(np.float32)


def run(net: torch.nn.Module, x_tbn: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rockpool runs batch-first (B, T, N); returns time-first output spikes and membrane records."""
    net.reset_state()
    with torch.no_grad():
        out, _, rec = net(torch.from_numpy(np.ascontiguousarray(x_tbn.transpose(1, 0, 2))), record=True)
    mems = {k.split("_", 1)[0] + "_" + k.split("_", 1)[1].split("_")[0]: v.detach().numpy().transpose(1, 0, 2)
            for k, v in rec.items() if k.endswith("vmem") and not isinstance(v, dict)}
    for k, v in rec.items():
        if isinstance(v, dict) and "vmem" in v:
            mems[k] = v["vmem"].detach().numpy().transpose(1, 0, 2)
    return out.detach().numpy().transpose(1, 0, 2), mems


def save(name: str, net: torch.nn.Module, x: np.ndarray, out_key: str = "spikes", **extra: np.ndarray) -> None:
    graph = to_nir(net)  # the call a Rockpool user makes (sample data generated from size_in)
    for node in graph.nodes.values():  # ExpSynTorch's export keeps tau as a grad-tracking tensor,
        for key, value in vars(node).items():  # which nir.write cannot store: detach (values unchanged)
            if isinstance(value, torch.Tensor):
                setattr(node, key, value.detach().numpy())
    nir.write(OUT / f"{name}.nir", graph)
    y, mems = run(net, x)
    arrays = {"input": x, out_key: y, **{f"vmem/{k}": v for k, v in mems.items()}, **extra}
    np.savez_compressed(OUT / f"{name}.npz", **arrays, **{f"version/{k}": np.array(v) for k, v in versions().items()})
    counts = ", ".join(f"{k}: {int(v.sum())}" for k, v in arrays.items() if k.startswith("spikes"))
    print(f"{name}: T={x.shape[0]} B={x.shape[1]} {counts} (max {out_key} per step {y.max():.2f})")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(7)

    # --- LIF (LIFNeuronTorch), dt = 1 ms
    w = torch.from_numpy(rng.normal(0.45, 0.3, (6, 10)).astype(np.float32))
    net = Sequential(LinearTorch((6, 10), weight=w),
                     LIFNeuronTorch(10, tau_mem=torch.from_numpy(rng.uniform(5e-3, 40e-3, 10).astype(np.float32)),
                                    threshold=torch.from_numpy(rng.uniform(0.6, 1.2, 10).astype(np.float32)),
                                    dt=1e-3))
    save("lif", net, spikes(rng, 6, 0.3))

    # --- CubaLIF (LIFTorch), dt = 1 ms
    w = torch.from_numpy(rng.normal(0.04, 0.04, (6, 10)).astype(np.float32))
    net = Sequential(LinearTorch((6, 10), weight=w),
                     LIFTorch(10, tau_mem=torch.from_numpy(rng.uniform(8e-3, 40e-3, 10).astype(np.float32)),
                              tau_syn=torch.from_numpy(rng.uniform(2e-3, 15e-3, 10).astype(np.float32)),
                              threshold=torch.from_numpy(rng.uniform(0.8, 1.5, 10).astype(np.float32)), dt=1e-3))
    save("cubalif", net, spikes(rng, 6, 0.25))

    # --- two layers, dt = 0.5 ms
    w1 = torch.from_numpy(rng.normal(0.04, 0.04, (5, 12)).astype(np.float32))
    w2 = torch.from_numpy(rng.normal(0.12, 0.12, (12, 4)).astype(np.float32))
    net = Sequential(LinearTorch((5, 12), weight=w1),
                     LIFTorch(12, tau_mem=torch.from_numpy(rng.uniform(5e-3, 20e-3, 12).astype(np.float32)),
                              tau_syn=torch.from_numpy(rng.uniform(1e-3, 6e-3, 12).astype(np.float32)), dt=5e-4),
                     LinearTorch((12, 4), weight=w2),
                     LIFNeuronTorch(4, tau_mem=torch.from_numpy(rng.uniform(5e-3, 20e-3, 4).astype(np.float32)),
                                    dt=5e-4))
    save("two_layer", net, spikes(rng, 5, 0.3))

    # --- the NIR paper's single LIF neuron, dt = 0.1 ms
    x = np.loadtxt(PAPER_CSV, delimiter=",")[:, 0].astype(np.float32).reshape(-1, 1, 1)
    net = Sequential(LinearTorch((1, 1), weight=torch.tensor([[0.04]])),
                     LIFNeuronTorch(1, tau_mem=torch.tensor([2.5e-3]), threshold=torch.tensor([0.1]), dt=1e-4))
    save("paper_lif", net, x)

    # --- LIF -> ExpSyn readout (NIR LI), dt = 1 ms
    w1 = torch.from_numpy(rng.normal(0.45, 0.3, (5, 8)).astype(np.float32))
    w2 = torch.from_numpy(rng.normal(0.0, 0.5, (8, 3)).astype(np.float32))
    net = Sequential(LinearTorch((5, 8), weight=w1),
                     LIFNeuronTorch(8, tau_mem=torch.from_numpy(rng.uniform(5e-3, 30e-3, 8).astype(np.float32)), dt=1e-3),
                     LinearTorch((8, 3), weight=w2),
                     ExpSynTorch(3, tau=torch.from_numpy(rng.uniform(5e-3, 20e-3, 3).astype(np.float32)), dt=1e-3))
    save("lif_li", net, spikes(rng, 5, 0.3), out_key="isyn")

    # --- recurrent LIFTorch: exported without w_rec
    w = torch.from_numpy(rng.normal(0.04, 0.04, (6, 10)).astype(np.float32))
    w_rec = torch.from_numpy(rng.normal(0.0, 0.06, (10, 10)).astype(np.float32))
    kw = dict(tau_mem=torch.from_numpy(rng.uniform(8e-3, 30e-3, 10).astype(np.float32)),
              tau_syn=torch.from_numpy(rng.uniform(2e-3, 10e-3, 10).astype(np.float32)), dt=1e-3)
    x = spikes(rng, 6, 0.25)
    bare = Sequential(LinearTorch((6, 10), weight=w), LIFTorch(10, **kw))
    y_bare, _ = run(bare, x)
    net = Sequential(LinearTorch((6, 10), weight=w), LIFTorch(10, has_rec=True, w_rec=w_rec, **kw))
    save("recurrent", net, x, spikes_as_exported=y_bare)


if __name__ == "__main__":
    main()
