"""Regenerate ``tests/golden/library_traces.json``: traces produced by the real snnTorch (1.0.0,
MIT) ``Leaky`` (``reset_delay=True``) and Sinabs (3.1.3) ``IAF``/``LIF`` (``MultiSpike``,
``MembraneSubtract``, ``min_v_mem``; Apache-2.0), the behaviours the profile options ``reset_timing``,
``multi_spike`` and ``v_min`` are defined after. The file holds only inputs and the libraries'
outputs (no code of theirs); the test compares the reference against them without the libraries.

Needs torch, snntorch and sinabs importable (not project dependencies), e.g.
``pip download --no-deps snntorch==1.0.0 sinabs==3.1.3`` unpacked onto ``PYTHONPATH`` (Sinabs imports ``pbr`` for its version string):

    PYTHONPATH=<unpacked> .venv/bin/python tools/golden/make_library_traces.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "library_traces.json"
T, B, N = 40, 2, 4


def cases() -> dict[str, Any]:
    import sinabs.layers as sl
    import snntorch as snn
    import torch
    from sinabs.activation import MembraneSubtract, MultiSpike

    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {"versions": {"snntorch": snn.__version__, "sinabs": "3.1.3"}, "cases": {}}
    for mech in ("subtract", "zero"):
        beta, thr = 0.85, 1.0
        x = rng.uniform(-0.3, 0.8, (T, B, N))
        lk = snn.Leaky(beta=beta, threshold=thr, reset_mechanism=mech)  # reset_delay=True is the default
        mem = lk.init_leaky()
        spk, mems = [], []
        for t in range(T):
            s, mem = lk(torch.tensor(x[t]), mem)
            spk.append(s.numpy().tolist())
            mems.append(mem.detach().numpy().tolist())
        out["cases"][f"snntorch_leaky_{mech}"] = {"beta": beta, "threshold": thr, "reset": mech, "x": x.tolist(),
                                                 "spikes": spk, "v": mems}
    for vmin in (None, -0.5):
        x = rng.uniform(-1.5, 3.5, (T, B, N))
        layer = sl.IAF(spike_threshold=1.0, spike_fn=MultiSpike, reset_fn=MembraneSubtract(), min_v_mem=vmin,
                       record_states=True)
        z = layer(torch.tensor(x.transpose(1, 0, 2))).detach().numpy().transpose(1, 0, 2)
        v = layer.recordings["v_mem"].detach().numpy().transpose(1, 0, 2)
        out["cases"][f"sinabs_iaf_multispike_vmin_{vmin}"] = {"threshold": 1.0, "v_min": vmin, "x": x.tolist(),
                                                               "spikes": z.tolist(), "v": v.tolist()}
    x = rng.uniform(-20, 40, (T, B, N))
    layer = sl.LIF(tau_mem=20.0, spike_threshold=1.0, min_v_mem=-0.7, norm_input=True, record_states=True)
    z = layer(torch.tensor(x.transpose(1, 0, 2))).detach().numpy().transpose(1, 0, 2)  # default spike_fn: MultiSpike
    v = layer.recordings["v_mem"].detach().numpy().transpose(1, 0, 2)
    alpha = float(layer.alpha_mem_calculated.detach().double())  # Sinabs keeps tau_mem in float32
    out["cases"]["sinabs_lif_multispike_vmin"] = {"alpha": alpha, "threshold": 1.0, "v_min": -0.7, "x": x.tolist(),
                                                  "spikes": z.tolist(), "v": v.tolist()}
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(cases()))
    print(f"wrote {OUT}")
