r"""Data-based normalization: the scale :math:`\lambda` of every ReLU from calibration data.

Layer-wise: :math:`\lambda_l = P_p(a_l)`, the ``p``-th percentile (default 99.9) of all
activations :math:`a_l` of ReLU :math:`l` over the calibration set (Rueckauer et al. 2017).
Channel-wise: one :math:`\lambda_{l,c}` per output channel (per feature for 1-D layers), taken
over samples and positions of that channel. A channel that never fires (:math:`\lambda_{l,c}=0`)
falls back to the layer-wise value. A QCFS activation's scale is its learned :math:`\lambda`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import fx, nn

from neurokit.errors import InvalidInputError

from .qcfs import QCFS


def relu_activations(gm: fx.GraphModule, calib: torch.Tensor, names: set[str] | None = None,
                     batch_size: int = 256) -> dict[str, np.ndarray]:
    """Outputs of the ReLU/QCFS nodes (or of ``names``) of ``gm`` on ``calib``, by fx node name."""
    modules = dict(gm.named_modules())
    if names is None:
        names = {n.name for n in gm.graph.nodes if _is_relu(n, modules)}
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node) -> Any:
            out = super().run_node(n)
            if n.name in parts:
                parts[n.name].append(out.detach().double().cpu().numpy())
            return out

    gm.eval()
    with torch.no_grad():
        for i in range(0, len(calib), batch_size):
            Recorder(gm).run(calib[i:i + batch_size])
    return {n: np.concatenate(p) for n, p in parts.items() if p}


def _is_relu(n: fx.Node, modules: dict[str, nn.Module]) -> bool:
    if n.op == "call_module":
        return isinstance(modules[n.target], (nn.ReLU, QCFS))
    if n.op == "call_function":
        return n.target in (torch.relu, torch.relu_, nn.functional.relu)
    return n.op == "call_method" and n.target in ("relu", "relu_")


def percentile_scale(act: np.ndarray, percentile: float = 99.9, channelwise: bool = False) -> np.ndarray:
    r""":math:`\lambda` of one layer from its activations ``(N, C, ...)``: shape ``(1,)`` layer-wise or
    ``(C,)`` channel-wise (``C`` = dim 1; features for ``(N, F)``)."""
    if not 0 < percentile <= 100:
        raise InvalidInputError(f"percentile must be in (0, 100], got {percentile!r}", fix="e.g. 99.9")
    if act.ndim < 2 or act.shape[0] == 0:
        raise InvalidInputError(f"activations must be (N, C, ...) with N > 0, got {act.shape}",
                                fix="pass a batch of calibration inputs")
    layer = float(np.percentile(act, percentile))
    if not channelwise:
        return np.array([layer if layer > 0 else 1.0])
    per = np.moveaxis(act, 1, 0).reshape(act.shape[1], -1)
    lam = np.percentile(per, percentile, axis=1)
    return np.where(lam > 0, lam, layer if layer > 0 else 1.0)
