"""ANN -> SNN conversion on `digits`: neurokit vs SpikingJelly's ann2snn on the same trained ANNs.

MLP 64-128-64-10, a small CNN and a residual CNN (8x8 images); accuracy vs time steps (4..64),
measured by simulating the converted IR graph in neurokit.sim; QCFS fine-tuning (levels 2, 4, 8;
30 epochs from the trained MLP) evaluated at T = 2, 4, 8; Dynamic Confidence (threshold calibrated
on 500 training images at T = 64) on the MLP. The headline accuracies (``ann_acc``, ``snn_acc``,
``qcfs_acc``, ``peer``, ``cnn``) are pooled over stratified 5-fold cross-validation repeated 4 times
(7188 test predictions each; see ``cv_study``) because one 450-image test split resolves only
0.22 pp; the single-split tables (what ``neurokit convert`` prints) are under ``split``. The peer runs in its own venv
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

from neurokit.convert import conversion_report, convert, fit, qcfs, train_reference_ann  # noqa: E402
from neurokit.convert.digits import build  # noqa: E402
from neurokit.convert.evaluate import run_on_images  # noqa: E402

STEPS = [4, 8, 16, 32, 64]
QCFS_LEVELS = [2, 4, 8]
QCFS_STEPS = [2, 4, 8]


FOLDS, REPEATS = 5, 4


def stratified_folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A fold number per sample, each class spread evenly over the ``k`` folds."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold[idx] = (np.arange(len(idx)) + rng.integers(k)) % k
    return fold


def cv_study(data: dict[str, np.ndarray]) -> dict[str, object]:
    """One test split of 450 images resolves 0.22 pp (one image), less than the 0.3 pp target. So the
    headline is measured by stratified FOLDS-fold cross-validation over all 1797 images, repeated
    REPEATS times with different folds and seeds: every image is tested REPEATS times by an ANN that
    did not train on it, and by its conversions (neurokit layer-wise, the peer, neurokit QCFS L=4 for
    the MLP). Accuracies are pooled over all test predictions; neurokit - peer is paired per image
    (mean and standard error in pp; the error is taken over images after averaging each image's
    repeats — models within a fold are shared, so it is still somewhat optimistic)."""
    x = np.concatenate([data["x_train"], data["x_test"]])
    y = np.concatenate([data["y_train"], data["y_test"]])
    hits: dict[str, dict[str, list[np.ndarray]]] = {}

    def add(key: str, t: str, pred: np.ndarray, labels: np.ndarray) -> None:
        hits.setdefault(key, {}).setdefault(t, []).append(np.asarray(pred) == labels)

    image_ids: list[np.ndarray] = []  # which image each prediction is about (same order for every key)
    for rep in range(REPEATS):
        fold = stratified_folds(y, FOLDS, seed=rep)
        for k in range(FOLDS):
            seed = rep * FOLDS + k
            d = {"x_train": x[fold != k], "y_train": y[fold != k], "x_test": x[fold == k], "y_test": y[fold == k]}
            labels = d["y_test"]
            image_ids.append(np.flatnonzero(fold == k))
            models = {}
            for arch in ("mlp", "cnn"):
                torch.manual_seed(seed)
                models[arch] = fit(build(arch), d, epochs=60, seed=seed)
            p = peer(d, models)
            for arch, m in models.items():
                with torch.no_grad():
                    add(f"{arch}_ann", "ann", m(torch.from_numpy(d["x_test"])).argmax(1).numpy(), labels)
                for variant, cw in (("neurokit", False), ("neurokit_channel", True)):
                    res = run_on_images(convert(m, d["x_train"][:500], channelwise=cw), d["x_test"], max(STEPS))
                    for t in STEPS:
                        add(f"{arch}_{variant}", str(t), res.readout[t - 1].argmax(1), labels)
                for t in STEPS:
                    add(f"{arch}_peer", str(t), np.asarray(p["pred"][arch][str(t)]), labels)
            calib_t = torch.from_numpy(d["x_train"][:500])
            tuned = fit(qcfs(models["mlp"], 4, calib=calib_t), d, epochs=30, lr=1e-3, seed=seed)
            with torch.no_grad():
                add("mlp_qcfs4_ann", "ann", tuned(torch.from_numpy(d["x_test"])).argmax(1).numpy(), labels)
            res = run_on_images(convert(tuned, d["x_train"][:500]), d["x_test"], max(QCFS_STEPS))
            for t in QCFS_STEPS:
                add("mlp_qcfs4", str(t), res.readout[t - 1].argmax(1), labels)
            print(f"cv repeat {rep} fold {k} done", flush=True)

    flat = {key: {t: np.concatenate(v) for t, v in d.items()} for key, d in hits.items()}
    ids = np.concatenate(image_ids)
    acc = {key: {t: float(v.mean()) for t, v in d.items()} for key, d in flat.items()}
    out: dict[str, object] = {"method": f"stratified {FOLDS}-fold cross-validation x {REPEATS} repeats over all "
                                        f"{len(y)} digits images ({REPEATS * len(y)} test predictions per entry)",
                              "accuracy": acc}
    gap, paired = {}, {}
    for arch in ("mlp", "cnn"):
        ann = acc[f"{arch}_ann"]["ann"]
        for who in ("neurokit", "neurokit_channel", "peer"):
            gap[f"{arch}_{who}"] = {t: round(100 * (a - ann), 3) for t, a in acc[f"{arch}_{who}"].items()}
        for who, key in (("neurokit", arch), ("neurokit_channel", f"{arch}_channel")):
            paired[key] = {}
            for t in map(str, STEPS):
                diff = flat[f"{arch}_{who}"][t].astype(float) - flat[f"{arch}_peer"][t].astype(float)
                # the repeats test every image several times: average per image first, then the
                # standard error over images (predictions of one image are not independent)
                per_image = np.bincount(ids, weights=diff, minlength=len(y)) / np.bincount(ids, minlength=len(y))
                paired[key][t] = {"mean_pp": round(100 * float(diff.mean()), 3),
                                  "se_pp": round(100 * float(per_image.std(ddof=1) / np.sqrt(len(per_image))), 3)}
    gap["mlp_qcfs4"] = {t: round(100 * (a - acc["mlp_ann"]["ann"]), 3) for t, a in acc["mlp_qcfs4"].items()}
    out["gap_pp_vs_ann"] = gap
    out["neurokit_minus_peer_pp"] = paired
    return out


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
    cv = cv_study(data)
    acc = cv["accuracy"]  # type: ignore[index]
    print(f"\n{cv['method']}: pooled accuracy and SNN - ANN (pp)")
    print(f"{'':16}{'ANN':>8}" + "".join(f"{f'T={t}':>9}" for t in STEPS))
    for arch in ("mlp", "cnn"):
        for who in ("neurokit", "neurokit_channel", "peer"):
            row = acc[f"{arch}_{who}"]
            print(f"{arch + ' ' + who:16}{acc[f'{arch}_ann']['ann']:>8.4f}" + "".join(f"{row[str(t)]:>9.4f}" for t in STEPS))
            print(f"{'  gap pp':16}{'':>8}" + "".join(f"{cv['gap_pp_vs_ann'][f'{arch}_{who}'][str(t)]:>9.2f}" for t in STEPS))
        for key in (arch, f"{arch}_channel"):
            pp = cv["neurokit_minus_peer_pp"][key]  # type: ignore[index]
            print(f"{'  ' + key + '-peer':16}{'':>8}" + "".join(f"{pp[str(t)]['mean_pp']:+.2f}±{pp[str(t)]['se_pp']:.2f}".rjust(12)
                                                                for t in STEPS))
    print(f"{'mlp qcfs L=4':16}{acc['mlp_qcfs4_ann']['ann']:>8.4f}" + "".join(f"{acc['mlp_qcfs4'][str(t)]:>9.4f}"
                                                                        for t in QCFS_STEPS) + "  (T=2,4,8)")
    mlp = reports["mlp"]
    main_qcfs = qcfs_reports[4]
    result = {"ann_acc": acc["mlp_ann"]["ann"], "snn_acc": acc["mlp_neurokit"],
              "qcfs_acc": acc["mlp_qcfs4"], "qcfs_ann_acc": acc["mlp_qcfs4_ann"]["ann"],
              "peer": {"name": p["name"], "snn_acc": acc["mlp_peer"]},
              "snn_acc_channelwise": acc["mlp_neurokit_channel"],
              "cnn": {"ann_acc": acc["cnn_ann"]["ann"], "snn_acc": acc["cnn_neurokit"],
                      "snn_acc_channelwise": acc["cnn_neurokit_channel"], "peer_snn_acc": acc["cnn_peer"]},
              "evaluation": cv["method"], "gap_pp_vs_ann": cv["gap_pp_vs_ann"],
              "neurokit_minus_peer_pp": cv["neurokit_minus_peer_pp"],
              "split": {"note": "one model per architecture on the fixed split (1347 train / 450 test, seed 0); "
                                "what `neurokit convert` reports",
                        "ann_acc": mlp["ann_acc"], "snn_acc": mlp["snn_acc"],
                        "peer_snn_acc": p["snn_acc"],
                        "qcfs_note": "MLP with QCFS L=4 fine-tuned 30 epochs; qcfs_by_levels has L=2, 4, 8",
                        "qcfs_acc": {str(t): main_qcfs["snn_acc"][str(t)] for t in QCFS_STEPS},
                        "qcfs_ann_acc": main_qcfs["ann_acc"],
                        "qcfs_by_levels": {str(k): {"ann_acc": r["ann_acc"], "snn_acc": r["snn_acc"]}
                                           for k, r in qcfs_reports.items()},
                        "cnn": {"ann_acc": reports["cnn"]["ann_acc"], "snn_acc": reports["cnn"]["snn_acc"],
                                "peer_snn_acc": p["cnn_snn_acc"]},
                        "rescnn": {"ann_acc": reports["rescnn"]["ann_acc"], "snn_acc": reports["rescnn"]["snn_acc"]},
                        "dynamic_confidence_mlp": {k: dyn[k] for k in ("threshold", "accuracy", "mean_steps",
                                                                        "max_steps", "synops")},
                        "synops_mlp": mlp["synops"], "input_macs_mlp": mlp["input_macs"],
                        "ann_macs_mlp": mlp["ann_macs"], "energy_uj_mlp": mlp["energy_uj"]},
              "machine": machine()}
    save("convert_digits", result)


if __name__ == "__main__":
    main()
