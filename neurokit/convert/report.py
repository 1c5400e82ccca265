r"""The conversion report: accuracy vs time steps for ANN and SNN, operations vs MACs, energy.

Energy per inference uses Horowitz (ISSCC 2014, 45 nm, 32-bit float): an accumulate (AC, one
add) costs 0.9 pJ, a multiply-accumulate (MAC, 3.7 pJ multiply + 0.9 pJ add) 4.6 pJ:

.. math::  E_{ANN} = 4.6\,\mathrm{pJ} \cdot \mathrm{MACs}, \qquad
           E_{SNN}(T) = 0.9\,\mathrm{pJ} \cdot \mathrm{synops}(T) + 4.6\,\mathrm{pJ} \cdot \mathrm{MAC}_{in}(T)

where :math:`\mathrm{MAC}_{in}(T)` are the analog input layer's multiply-accumulates over
:math:`T` steps (counted every step, the conservative choice). Memory traffic is not included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from neurokit import ir
from neurokit.ir.passes.operations import E_AC_PJ, E_MAC_PJ, ENERGY_SOURCE
from neurokit.util.atomic import atomic_write_text

from .convert import conversion_info, convert
from .digits import ann_accuracy
from .dynamic import calibrate_confidence
from .evaluate import Simulator, evaluate
from .trace import MaxPoolMode

__all__ = ["E_AC_PJ", "E_MAC_PJ", "ENERGY_SOURCE", "ann_macs", "conversion_report", "format_table"]


def ann_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one ANN inference (Linear, Conv1d and Conv2d layers; every weight
    and every padded tap, as the ANN computes them densely)."""
    macs = [0]

    def count(mod: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        if isinstance(mod, nn.Linear):
            macs[0] += mod.in_features * mod.out_features
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            macs[0] += int(np.prod(output.shape[1:])) * mod.in_channels // mod.groups * int(np.prod(mod.kernel_size))

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, *input_shape))
    finally:
        for h in hooks:
            h.remove()
    return macs[0]


def conversion_report(model: nn.Module, data: dict[str, np.ndarray], *, timesteps: list[int], out_dir: str | Path,
                      percentile: float = 99.9, channelwise: bool = False, name: str = "model",
                      confidence: float | str | None = None, maxpool: MaxPoolMode = "refuse",
                      calib_size: int = 500, reference_acc: float | None = None,
                      simulator: Simulator = "sim") -> dict[str, Any]:
    """Convert ``model``, simulate the SNN on ``data['x_test']``, and write ``report.json``,
    ``accuracy_vs_timesteps.png`` and ``model.nir`` into ``out_dir``.

    ``data``: ``x_train``/``y_train`` (calibration: the first ``calib_size`` samples) and
    ``x_test``/``y_test``. ``confidence``: a Dynamic Confidence threshold, ``"auto"`` (calibrated
    on the training data at ``max(timesteps)``), or ``None``. ``reference_acc``: the accuracy of
    the ANN before QCFS fine-tuning, shown beside the converted one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shape = tuple(data["x_train"].shape[1:])
    calib = torch.from_numpy(np.asarray(data["x_train"][:calib_size], dtype=np.float32))
    graph = convert(model, calib, input_shape=shape, percentile=percentile, channelwise=channelwise, maxpool=maxpool)
    ir.write(graph, out / "model.nir")
    T = max(timesteps)
    threshold: float | None
    if confidence == "auto":
        threshold = calibrate_confidence(graph, data["x_train"][:calib_size], data["y_train"][:calib_size], T,
                                         simulator=simulator)
    else:
        threshold = None if confidence is None else float(confidence)
    res = evaluate(graph, data["x_test"], data["y_test"], timesteps, confidence=threshold, simulator=simulator)
    ann = ann_accuracy(model, data["x_test"], data["y_test"])
    macs = ann_macs(model, shape)
    synops: dict[str, float] = res["synops"]  # type: ignore[assignment]
    in_macs: dict[str, float] = res["input_macs"]  # type: ignore[assignment]
    info = conversion_info(graph)
    report: dict[str, Any] = {
        "name": name, "ann_acc": ann, "snn_acc": res["accuracy"], "synops": synops, "input_macs": in_macs,
        "ann_macs": macs,
        "energy_uj": {"ann": macs * E_MAC_PJ * 1e-6,
                      **{t: (synops[t] * E_AC_PJ + in_macs[t] * E_MAC_PJ) * 1e-6 for t in synops}},
        "energy_source": ENERGY_SOURCE, "percentile": percentile, "channelwise": channelwise,
        "qcfs_levels": info.get("qcfs_levels", []), "approximations": info.get("approximations", []),
        "graph": graph.stats(),
    }
    if reference_acc is not None:
        report["reference_ann_acc"] = reference_acc
    if "dynamic" in res:
        dyn = dict(res["dynamic"])  # type: ignore[call-overload]
        dyn["energy_uj"] = (dyn["synops"] * E_AC_PJ + dyn["input_macs"] * E_MAC_PJ) * 1e-6
        dyn["calibrated"] = confidence == "auto"
        report["dynamic_confidence"] = dyn
    atomic_write_text(out / "report.json", json.dumps(report, indent=2) + "\n")
    from neurokit.plots import curves

    series = {"SNN": [res["accuracy"][str(t)] for t in timesteps], "ANN": [ann] * len(timesteps)}  # type: ignore[index]
    if reference_acc is not None:
        series["ANN before QCFS"] = [reference_acc] * len(timesteps)
    curves(series, out / "accuracy_vs_timesteps.png", xlabel="time steps", ylabel="test accuracy", x=timesteps,
           logx=True, title=f"{name}: accuracy vs time steps")
    return report


def format_table(report: dict[str, Any], timesteps: list[int]) -> str:
    """The report as a text table: T, SNN accuracy, synops, input MACs, energy; ANN on top."""
    lines = [f"ANN accuracy {report['ann_acc']:.4f}, {report['ann_macs']} MACs, "
             f"{report['energy_uj']['ann']:.4f} uJ"]
    if "reference_ann_acc" in report:
        lines[0] += f" (before QCFS: {report['reference_ann_acc']:.4f})"
    lines.append(f"{'T':>6} {'SNN acc':>8} {'synops':>10} {'input MACs':>11} {'energy uJ':>10}")
    for t in timesteps:
        k = str(t)
        lines.append(f"{t:>6} {report['snn_acc'][k]:>8.4f} {report['synops'][k]:>10.0f} "
                     f"{report['input_macs'][k]:>11.0f} {report['energy_uj'][k]:>10.4f}")
    dyn = report.get("dynamic_confidence")
    if dyn:
        lines.append(f"dynamic confidence (threshold {dyn['threshold']}): accuracy {dyn['accuracy']:.4f} with "
                     f"{dyn['mean_steps']:.2f} steps on average (max {dyn['max_steps']}), "
                     f"{dyn['synops']:.0f} synops, {dyn['energy_uj']:.4f} uJ")
    for note in report.get("approximations", []):
        lines.append(f"approximation: {note}")
    return "\n".join(lines)
