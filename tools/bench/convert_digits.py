"""ANN -> SNN conversion on `digits`: neurokit vs SpikingJelly's ann2snn on the same trained ANNs.

MLP 64-128-64-10 and a small CNN (8x8 images); accuracy vs time steps (4..64), measured by
simulating the converted IR graph in neurokit.sim; the peer runs in its own venv
(.venv-bench-spikingjelly: torch CPU wheel + spikingjelly 2.0.0 --no-deps). Last line: one JSON object.

    .venv/bin/python tools/bench/convert_digits.py
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

from neurokit.convert import conversion_report, train_reference_ann  # noqa: E402

STEPS = [4, 8, 16, 32, 64]


def peer(data: dict[str, np.ndarray], models: dict[str, torch.nn.Module]) -> dict[str, object]:
    py = REPO / ".venv-bench-spikingjelly" / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(py.parents[1])], check=True)
        pip = [str(py), "-m", "pip", "install", "-q"]
        subprocess.run(pip + ["/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", "numpy", "loguru",
                              "h5py", "matplotlib", "packaging", "tqdm", "scipy", "requests"], check=True)
        subprocess.run(pip + ["--no-deps", "spikingjelly==2.0.0"], check=True)  # torchvision/torchaudio unused here
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "d.npz", timesteps=np.array(STEPS), **{k: data[k] for k in ("x_train", "x_test", "y_test")})
        for k, m in models.items():
            torch.save(m.state_dict(), Path(tmp) / f"{k}.pt")
        proc = subprocess.run([str(py), str(Path(__file__).with_name("_convert_spikingjelly.py")), str(Path(tmp) / "d.npz"),
                               str(Path(tmp) / "mlp.pt"), str(Path(tmp) / "cnn.pt")], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-3000:])
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    models, reports = {}, {}
    for arch in ("mlp", "cnn"):
        model, data = train_reference_ann(arch, epochs=60)
        models[arch] = model
        reports[arch] = conversion_report(model, data, timesteps=STEPS, out_dir=Path(tempfile.mkdtemp()), name=arch)
    p = peer(data, models)
    print(f"{'':10}{'ANN':>8}" + "".join(f"{f'T={t}':>9}" for t in STEPS))
    for arch in ("mlp", "cnn"):
        r = reports[arch]
        print(f"{arch + ' nk':10}{r['ann_acc']:>8.4f}" + "".join(f"{r['snn_acc'][str(t)]:>9.4f}" for t in STEPS))
        pa = p["snn_acc"] if arch == "mlp" else p["cnn_snn_acc"]
        print(f"{arch + ' sj':10}{'':>8}" + "".join(f"{pa[str(t)]:>9.4f}" for t in STEPS))
    mlp = reports["mlp"]
    result = {"ann_acc": mlp["ann_acc"], "snn_acc": mlp["snn_acc"], "qcfs_acc": None,
              "qcfs_note": "QCFS fine-tuning is not implemented in this version",
              "peer": {"name": p["name"], "snn_acc": p["snn_acc"]},
              "cnn": {"ann_acc": reports["cnn"]["ann_acc"], "snn_acc": reports["cnn"]["snn_acc"],
                      "peer_snn_acc": p["cnn_snn_acc"]},
              "synops_mlp": mlp["synops"], "ann_macs_mlp": mlp["ann_macs"], "machine": machine()}
    save("convert_digits", result)


if __name__ == "__main__":
    main()
