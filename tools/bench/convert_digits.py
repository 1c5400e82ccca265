"""ANN -> SNN conversion on `digits`: neurokit vs SpikingJelly's ann2snn on the same trained ANNs.

MLP 64-128-64-10, a small CNN and a residual CNN (8x8 images); accuracy vs time steps (4..64),
measured by simulating the converted IR graph in neurokit.sim; QCFS fine-tuning (levels 2, 4, 8;
30 epochs from the trained MLP) evaluated at T = 2, 4, 8; Dynamic Confidence (threshold calibrated
on 500 training images at T = 64) on the MLP. The peer runs in its own venv
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

from neurokit.convert import (ann_accuracy, conversion_report, convert, evaluate, fit, qcfs,  # noqa: E402
                              train_reference_ann)

STEPS = [4, 8, 16, 32, 64]
QCFS_LEVELS = [2, 4, 8]
QCFS_STEPS = [2, 4, 8]
SEEDS = [0, 1, 2, 3, 4]


def seed_study(data: dict[str, np.ndarray]) -> dict[str, object]:
    """One test set of 450 images resolves 0.22 pp (one image): repeat training over SEEDS and
    report the mean (SNN - ANN) in pp per T for neurokit (layer- and channel-wise) and the peer."""
    gaps: dict[str, dict[str, list[float]]] = {}

    def add(key: str, acc: dict[str, float], ann: float) -> None:
        for t, a in acc.items():
            gaps.setdefault(key, {}).setdefault(t, []).append(100 * (a - ann))

    for seed in SEEDS:
        models = {arch: train_reference_ann(arch, epochs=60, seed=seed)[0] for arch in ("mlp", "cnn")}
        p = peer(data, models)
        for arch, m in models.items():
            ann = ann_accuracy(m, data["x_test"], data["y_test"])
            for cw in (False, True):
                g = convert(m, data["x_train"][:500], channelwise=cw)
                add(f"{arch}_neurokit_{'channel' if cw else 'layer'}",
                    evaluate(g, data["x_test"], data["y_test"], STEPS)["accuracy"], ann)  # type: ignore[arg-type]
            add(f"{arch}_peer", p["snn_acc" if arch == "mlp" else "cnn_snn_acc"], ann)  # type: ignore[arg-type]
    return {k: {t: round(float(np.mean(v)), 3) for t, v in d.items()} for k, d in gaps.items()}


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
    for arch in ("mlp", "cnn", "rescnn"):
        model, data = train_reference_ann(arch, epochs=60)
        models[arch] = model
        reports[arch] = conversion_report(model, data, timesteps=STEPS, out_dir=Path(tempfile.mkdtemp()), name=arch,
                                          confidence="auto" if arch == "mlp" else None)
    calib = torch.from_numpy(data["x_train"][:500])
    qcfs_reports = {}
    for levels in QCFS_LEVELS:
        tuned = fit(qcfs(models["mlp"], levels, calib=calib), data, epochs=30, lr=1e-3)
        qcfs_reports[levels] = conversion_report(tuned, data, timesteps=QCFS_STEPS, out_dir=Path(tempfile.mkdtemp()),
                                                 name=f"mlp+qcfs{levels}", reference_acc=reports["mlp"]["ann_acc"])
    p = peer(data, {k: models[k] for k in ("mlp", "cnn")})
    print(f"{'':14}{'ANN':>8}" + "".join(f"{f'T={t}':>9}" for t in STEPS))
    for arch in ("mlp", "cnn", "rescnn"):
        r = reports[arch]
        print(f"{arch + ' neurokit':14}{r['ann_acc']:>8.4f}" + "".join(f"{r['snn_acc'][str(t)]:>9.4f}" for t in STEPS))
        if arch != "rescnn":
            pa = p["snn_acc"] if arch == "mlp" else p["cnn_snn_acc"]
            print(f"{arch + ' sj':14}{'':>8}" + "".join(f"{pa[str(t)]:>9.4f}" for t in STEPS))
    print(f"{'QCFS (MLP)':14}{'ANN':>8}" + "".join(f"{f'T={t}':>9}" for t in QCFS_STEPS))
    for levels, r in qcfs_reports.items():
        print(f"{f'L={levels}':14}{r['ann_acc']:>8.4f}" + "".join(f"{r['snn_acc'][str(t)]:>9.4f}" for t in QCFS_STEPS))
    dyn = reports["mlp"]["dynamic_confidence"]
    print(f"dynamic confidence (MLP, threshold {dyn['threshold']}): accuracy {dyn['accuracy']:.4f}, "
          f"{dyn['mean_steps']:.2f} steps on average (max {dyn['max_steps']})")
    study = seed_study(data)
    print(f"mean SNN - ANN over seeds {SEEDS} (pp):")
    for key, row in study.items():
        print(f"{key:24}" + "".join(f"{row[str(t)]:>8.2f}" for t in STEPS))
    mlp = reports["mlp"]
    main_qcfs = qcfs_reports[4]
    result = {"ann_acc": mlp["ann_acc"], "snn_acc": mlp["snn_acc"],
              "qcfs_acc": {str(t): main_qcfs["snn_acc"][str(t)] for t in QCFS_STEPS},
              "qcfs_note": "MLP with QCFS L=4 fine-tuned 30 epochs; qcfs_by_levels has L=2, 4, 8",
              "qcfs_ann_acc": main_qcfs["ann_acc"],
              "qcfs_by_levels": {str(k): {"ann_acc": r["ann_acc"], "snn_acc": r["snn_acc"]} for k, r in qcfs_reports.items()},
              "peer": {"name": p["name"], "snn_acc": p["snn_acc"]},
              "cnn": {"ann_acc": reports["cnn"]["ann_acc"], "snn_acc": reports["cnn"]["snn_acc"],
                      "peer_snn_acc": p["cnn_snn_acc"]},
              "rescnn": {"ann_acc": reports["rescnn"]["ann_acc"], "snn_acc": reports["rescnn"]["snn_acc"]},
              "dynamic_confidence_mlp": {k: dyn[k] for k in ("threshold", "accuracy", "mean_steps", "max_steps", "synops")},
              "synops_mlp": mlp["synops"], "input_macs_mlp": mlp["input_macs"], "ann_macs_mlp": mlp["ann_macs"],
              "energy_uj_mlp": mlp["energy_uj"], "mean_gap_pp_over_seeds": study, "seeds": SEEDS, "machine": machine()}
    save("convert_digits", result)


if __name__ == "__main__":
    main()
