"""The same trained MLP on PCM crossbars: neurokit's device model vs IBM's aihwkit, side by side.

Both use the PCM statistical model of Nandakumar et al. 2019 (programming noise, drift, 1/f read
noise), a single differential pair per weight scaled to g_max = 25 µS, global drift compensation,
ideal converters, 256x256 tiles; accuracy on the digits test set at several times after programming,
mean and spread over seeds. The peer runs in .venv-bench-aihwkit (torch CPU wheel + aihwkit 1.1.0
--no-deps). Last line: one JSON object.

    .venv/bin/python tools/bench/crossbar_vs_aihwkit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402

from neurokit import ir  # noqa: E402
from neurokit.backends.crossbar import load_device  # noqa: E402
from neurokit.backends.crossbar.mapping import Periphery, TiledLayer, stationary_matrix, target_conductances  # noqa: E402
from neurokit.convert import train_reference_ann  # noqa: E402

TIMES = [1.0, 3600.0, 86400.0, 30 * 86400.0, 365 * 86400.0]
SEEDS = 5


def neurokit_curve(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    dev = load_device("pcm")
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    accs: dict[str, list[float]] = {}
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        programmed = []
        for lin in linears:
            gp_t, gm_t, w_max = target_conductances(lin.weight.detach().double().numpy().T, dev)  # rows = inputs
            programmed.append((dev.program(gp_t, rng), dev.program(gm_t, rng), dev.drift_coefficients(gp_t, rng),
                               dev.drift_coefficients(gm_t, rng), w_max, lin.bias.detach().double().numpy(), gp_t - gm_t))
        for t in TIMES:
            h = x.reshape(len(x), -1).astype(np.float64)
            for k, (gp, gm, nup, num, w_max, b, g_target) in enumerate(programmed):
                g_now = dev.at_time(gp, nup, t, rng) - dev.at_time(gm, num, t, rng)
                alpha = float(np.abs(g_target).sum() / np.abs(g_now).sum())  # global drift compensation
                matrix = stationary_matrix(ir.Affine(weight=(g_target * (w_max / dev.g_max)).T, bias=b),
                                           (g_now.shape[0],), (g_now.shape[1],), 1.0)
                layer = TiledLayer(g_eff=g_now[None], w_max=w_max, g_max=dev.g_max, matrix=matrix, periph=Periphery(),
                                   alpha=np.full((1, *g_now.shape), alpha))
                h = layer(h)
                if k < len(programmed) - 1:
                    h = np.maximum(h, 0.0)
            accs.setdefault(str(t), []).append(float((h.argmax(1) == y).mean()))
    return accs


def peer_curve(model: torch.nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    py = REPO / ".venv-bench-aihwkit" / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(py.parents[1])], check=True)
        pip = [str(py), "-m", "pip", "install", "-q"]
        subprocess.run(pip + ["/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", "numpy", "scipy",
                              "requests", "scikit-learn", "protobuf"], check=True)
        subprocess.run(pip + ["--no-deps", "aihwkit==1.1.0"], check=True)  # its C++ tiles and torchvision unused
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "d.npz", x_test=x, y_test=y, times=np.array(TIMES), seeds=SEEDS)
        torch.save(model.state_dict(), Path(tmp) / "mlp.pt")
        proc = subprocess.run([str(py), str(Path(__file__).with_name("_crossbar_aihwkit.py")), str(Path(tmp) / "d.npz"),
                               str(Path(tmp) / "mlp.pt")], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-3000:])
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    model, data = train_reference_ann("mlp", epochs=60)
    x, y = data["x_test"], data["y_test"]
    ours = neurokit_curve(model, x, y)
    peer = peer_curve(model, x, y)
    theirs = peer["accuracy"]
    print(f"{'time after programming':>24} {'neurokit':>16} {'aihwkit':>16}")
    rows = []
    for t in TIMES:
        a, b = np.array(ours[str(t)]), np.array(theirs[str(t)])
        print(f"{t:>24.0f} {a.mean():>10.4f} ± {a.std():.4f} {b.mean():>10.4f} ± {b.std():.4f}")
        rows.append((a.mean(), a.std(), b.mean(), b.std()))
    agree = all(abs(am - bm) <= 2 * max(asd, bsd, 0.5 / len(y)) for am, asd, bm, bsd in rows)
    result = {"times_s": TIMES, "neurokit_acc_mean": [r[0] for r in rows], "neurokit_acc_std": [r[1] for r in rows],
              "aihwkit_acc_mean": [r[2] for r in rows], "aihwkit_acc_std": [r[3] for r in rows],
              "agree_within_spread": agree, "seeds": SEEDS, "peer": peer["name"], "machine": machine()}
    save("crossbar_vs_aihwkit", result)


if __name__ == "__main__":
    main()
