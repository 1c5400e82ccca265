"""The conversion report: accuracy vs time steps for ANN and SNN, synaptic ops vs MACs, energy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.util.atomic import atomic_write_text

from .convert import convert, snn_accuracy
from .digits import ann_accuracy

E_AC_PJ, E_MAC_PJ = 0.9, 4.6  # Horowitz, ISSCC 2014, 45 nm, 32-bit float add / multiply-add


def ann_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one ANN inference (Linear and Conv2d layers)."""
    macs = [0]

    def count(mod: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        if isinstance(mod, nn.Linear):
            macs[0] += mod.in_features * mod.out_features
        elif isinstance(mod, nn.Conv2d):
            macs[0] += int(np.prod(output.shape[1:])) * mod.in_channels // mod.groups * int(np.prod(mod.kernel_size))

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, *input_shape))
    finally:
        for h in hooks:
            h.remove()
    return macs[0]


def conversion_report(model: nn.Module, data: dict[str, np.ndarray], *, timesteps: list[int], out_dir: str | Path,
                      percentile: float = 99.9, channelwise: bool = False, name: str = "model") -> dict[str, Any]:
    """Convert, simulate, and write ``report.json``, ``accuracy_vs_timesteps.png`` and ``model.nir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shape = tuple(data["x_train"].shape[1:])
    calib = torch.from_numpy(data["x_train"][:500])
    graph = convert(model, calib, input_shape=shape, percentile=percentile, channelwise=channelwise)
    ir.write(graph, out / "model.nir")
    res = snn_accuracy(graph, data["x_test"], data["y_test"], timesteps)
    ann = ann_accuracy(model, data["x_test"], data["y_test"])
    macs = ann_macs(model, shape)
    report = {"name": name, "ann_acc": ann, "snn_acc": res["accuracy"], "synops": res["synops"], "ann_macs": macs,
              "energy_uj": {"ann": macs * E_MAC_PJ * 1e-6,
                            **{t: s * E_AC_PJ * 1e-6 for t, s in res["synops"].items()}},
              "energy_source": "Horowitz ISSCC 2014 (45 nm): 4.6 pJ/MAC, 0.9 pJ/AC", "percentile": percentile,
              "channelwise": channelwise}
    atomic_write_text(out / "report.json", json.dumps(report, indent=2) + "\n")
    from neurokit.plots import curves

    curves({"SNN": [res["accuracy"][str(t)] for t in timesteps], "ANN": [ann] * len(timesteps)},
           out / "accuracy_vs_timesteps.png", xlabel="time steps", ylabel="test accuracy", x=timesteps, logx=True,
           title=f"{name}: accuracy vs time steps")
    return report
