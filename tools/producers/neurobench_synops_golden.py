"""Golden of NeuroBench's synaptic-operation metric on two small spiking nets (run by hand).

Run in a venv with ``neurobench==2.3.0`` (no neurokit code is used to compute the figures):

    /work/venvs/neurobench/bin/python tools/producers/neurobench_synops_golden.py

Two torch nets, looped over time by hand: ``pool_conv`` (spikes (1,6,6) -> AvgPool2d(2) ->
Conv2d(1->3, k2, pad 1) -> LIF -> flatten -> 1-step delay -> Linear(48->5, 40% zero weights) ->
LIF) and ``conv1d`` (spikes (2,10) -> Conv1d(2->4, k3, pad 1) -> LIF -> flatten -> Linear(40->3)
-> LIF). NeuroBench's ``SynapticOperations`` hooks the connection layers; the JSON holds the
weights, the value every connection layer received at every step (``(T, B, ...)``, keyed by
layer), and NeuroBench's ``Effective_ACs``, ``Effective_MACs``, ``Dense`` per sample, written to
``tests/golden/neurobench/synops.json``.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import torch
from neurobench.metrics.workload import SynapticOperations
from neurobench.models import TorchModel
from torch import nn

T, B = 6, 3
OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "neurobench" / "synops.json"


class Net(nn.Module):
    """``pre`` (stateless, e.g. a pool) -> ``conn1`` -> LIF -> flatten -> delay -> ``conn2`` -> LIF."""

    def __init__(self, pre: nn.Module, conn1: nn.Module, conn2: nn.Module, delay: int) -> None:
        super().__init__()
        self.pre, self.conn1, self.conn2, self.delay = pre, conn1, conn2, delay
        self.seen: dict[str, list[torch.Tensor]] = {"conn1": [], "conn2": []}

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, ...)
        v1 = v2 = None
        past: list[torch.Tensor] = []
        outs = []
        for t in range(x.shape[1]):
            a = self.pre(x[:, t])
            self.seen["conn1"].append(a)
            i1 = self.conn1(a)
            v1 = i1 if v1 is None else 0.8 * v1 + i1
            z1 = (v1 > 0.5).float()
            v1 = v1 - z1 * 0.5
            past.append(z1.flatten(1))
            d = past[t - self.delay] if t >= self.delay else torch.zeros_like(past[0])
            self.seen["conn2"].append(d)
            i2 = self.conn2(d)
            v2 = i2 if v2 is None else 0.8 * v2 + i2
            z2 = (v2 > 0.5).float()
            v2 = v2 - z2 * 0.5
            outs.append(z2)
        return torch.stack(outs, 1)


def run(net: Net, x: torch.Tensor) -> dict:
    model = TorchModel(net)
    model.register_hooks()
    metric = SynapticOperations()
    with torch.no_grad():
        preds = model(x)
    res = metric(model, preds, (x, torch.zeros(len(x))))
    seen = {k: torch.stack(v, 0).tolist() for k, v in net.seen.items()}  # (T, B, ...)
    return {"neurobench": {k: float(v) for k, v in res.items()}, "layer_inputs": seen,
            "conn1_weight": net.conn1.weight.tolist(), "conn1_bias": net.conn1.bias.tolist(),
            "conn2_weight": net.conn2.weight.tolist(), "conn2_bias": net.conn2.bias.tolist(),
            "input": x.transpose(0, 1).tolist(), "delay_steps": net.delay}


def main() -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 3, 2, padding=1)
    lin = nn.Linear(48, 5)
    with torch.no_grad():
        conv.weight.mul_(4)
        lin.weight.mul_(torch.rand_like(lin.weight) > 0.4)
    x2 = (torch.rand(B, T, 1, 6, 6) < 0.4).float()
    pool_conv = run(Net(nn.AvgPool2d(2), conv, lin, delay=1), x2)
    conv1 = nn.Conv1d(2, 4, 3, padding=1)
    lin1 = nn.Linear(40, 3)
    with torch.no_grad():
        conv1.weight.mul_(3)
    x1 = (torch.rand(B, T, 2, 10) < 0.4).float()
    conv1d = run(Net(nn.Identity(), conv1, lin1, delay=0), x1)
    golden = {"versions": {"neurobench": version("neurobench"), "torch": version("torch")},
              "note": "written by tools/producers/neurobench_synops_golden.py; figures per sample",
              "pool_conv": pool_conv, "conv1d": conv1d}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden) + "\n")
    for case in ("pool_conv", "conv1d"):
        print(case, golden[case]["neurobench"])


if __name__ == "__main__":
    main()
