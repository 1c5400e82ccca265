"""Golden traces of lava-dl running NIR files: build small NIR graphs with the ``nir`` package, load
them into lava-dl (slayer) with the NIR project's own importer, run them on seeded spike inputs and
store graph + inputs + outputs under ``tests/golden/lava-dl-runs/`` (not under producers/: lava-dl
produces no NIR, and the files follow other producers' conventions on purpose).

lava-dl itself has no NIR reader or writer in any release (0.6.0 is the latest; the converter of
lava-nc/lava-dl PR #218 was never merged). What runs NIR files in lava-dl is the NIR repository's
``docs/source/examples/lava/nir_to_lava.py`` (``import_from_nir(graph, ImportConfig(
library_preference=LavaLibrary.LavaDl))``), used for the NIR paper's lava-dl results. That file is
not part of neurokit: fetch the NIR repository and point ``NIR_TO_LAVA`` at it.

Run by hand (never at test time), with Python 3.10::

    python3.10 -m venv /work/venvs/lava-dl-nir        # lava-nc 0.10.0 + lava-dl 0.6.0 + torch 2.3.1
    /work/venvs/lava-dl-nir/bin/pip install lava-nc==0.10.0 lava-dl==0.6.0 nir==1.0.8 nirtorch==1.0
    NIR_TO_LAVA=/path/to/NIR/docs/source/examples/lava/nir_to_lava.py \\
        /work/venvs/lava-dl-nir/bin/python tools/producers/lava_dl_golden.py

Versions used for the committed goldens: lava-dl 0.6.0, lava-nc 0.10.0, torch 2.3.1, nir 1.0.8,
nirtorch 1.0, nir_to_lava.py from neuromorphs/NIR at commit 7232ada.

Weights are multiples of 1/256, so slayer's fixed-point states (1/2^18 of a unit for ``IF``) hold
every sum exactly. The thresholds (``THETA``) are not on slayer's threshold grid: slayer truncates
them to 1/4096 (``IF``) and 1/64 (``CubaLIF``), which the neurokit entry has to reproduce.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import lava.lib.dl.slayer as slayer  # noqa: F401  (the importer needs it; version recorded below)
import nir
import numpy as np
import torch

OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "lava-dl-runs"
T, B = 60, 3
DT = 1e-4  # nir_to_lava.ImportConfig's default dt
THETA = 1.0 + 1.0 / 8192  # slayer truncates it to 1.0


def importer():
    spec = importlib.util.spec_from_file_location("nir_to_lava", os.environ["NIR_TO_LAVA"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def versions() -> dict[str, str]:
    from importlib.metadata import version
    return {k: version(k) for k in ("lava-dl", "lava-nc", "torch", "nir")} | {"python": sys.version.split()[0]}


def grid(rng: np.random.Generator, mean: float, std: float, shape: tuple[int, ...]) -> np.ndarray:
    """Normal weights rounded to multiples of 1/256 (float32)."""
    return (np.round(rng.normal(mean, std, shape) * 256) / 256).astype(np.float32)


def run(graph: nir.NIRGraph, x_time_first: np.ndarray) -> np.ndarray:
    """lava-dl's run of ``graph``: slayer takes (batch, channels..., time)."""
    n2l = importer()
    net = n2l.import_from_nir(graph, n2l.ImportConfig(dt=DT, library_preference=n2l.LavaLibrary.LavaDl))
    x = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x_time_first, 0, -1)))
    with torch.no_grad():
        y = net(x)
    return np.moveaxis(y.detach().numpy(), -1, 0)


def save(name: str, graph: nir.NIRGraph, x: np.ndarray) -> None:
    nir.write(OUT / f"{name}.nir", graph)
    y = run(nir.read(OUT / f"{name}.nir"), x)
    np.savez_compressed(OUT / f"{name}.npz", input=x, spikes=y, dt=np.array(DT),
                        **{f"version/{k}": np.array(v) for k, v in versions().items()})
    print(f"{name}: T={x.shape[0]} B={x.shape[1]} spikes={int(y.sum())} of {y.size} max={y.max()}")


def spikes(rng: np.random.Generator, shape: tuple[int, ...], rate: float) -> np.ndarray:
    return (rng.random((T, B, *shape)) < rate).astype(np.float32)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)

    # --- IF: Affine -> IF
    n = 10
    graph = nir.NIRGraph.from_list(
        nir.Affine(weight=grid(rng, 0.3, 0.3, (n, 6)), bias=np.zeros(n, np.float32)),
        nir.IF(r=np.ones(n, np.float32), v_threshold=np.full(n, THETA, np.float32)))
    save("if", graph, spikes(rng, (6,), 0.3))

    # --- CubaLIF: Affine -> CubaLIF (r = tau_mem / dt, as the importer requires), then IF
    tau_syn, tau_mem = 4e-4, 8e-4  # current decay 0.25, voltage decay 0.125 per step
    graph = nir.NIRGraph.from_list(
        nir.Affine(weight=grid(rng, 0.08, 0.12, (n, 6)), bias=np.zeros(n, np.float32)),
        nir.CubaLIF(tau_syn=np.full(n, tau_syn, np.float32), tau_mem=np.full(n, tau_mem, np.float32),
                    r=np.full(n, tau_mem / DT, np.float32), v_leak=np.zeros(n, np.float32),
                    v_threshold=np.full(n, THETA, np.float32), w_in=np.full(n, tau_syn / DT, np.float32)))
    save("cubalif", graph, spikes(rng, (6,), 0.3))

    # --- conv: Conv2d(2->3, 3x3, pad 1) -> IF -> SumPool2d(2) -> Flatten -> Affine -> IF
    conv = nir.Conv2d(input_shape=(8, 8), weight=grid(rng, 0.1, 0.2, (3, 2, 3, 3)), stride=1, padding=1,
                      dilation=1, groups=1, bias=np.zeros(3, np.float32))
    graph = nir.NIRGraph.from_list(
        conv,
        nir.IF(r=np.ones((3, 8, 8), np.float32), v_threshold=np.full((3, 8, 8), THETA, np.float32)),
        nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        nir.Flatten(input_type={"input": np.array([3, 4, 4])}, start_dim=0, end_dim=-1),
        nir.Affine(weight=grid(rng, 0.0, 0.12, (5, 48)), bias=np.zeros(5, np.float32)),
        nir.IF(r=np.ones(5, np.float32), v_threshold=np.full(5, THETA, np.float32)))
    save("conv", graph, spikes(rng, (2, 8, 8), 0.3))


if __name__ == "__main__":
    main()
