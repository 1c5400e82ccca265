"""A liquid state machine on PCM: the reservoir's random weights are the programming noise of the
devices, the readout is trained in software; compared with the same LSM drawn in software."""

import os

import numpy as np

from neurokit.backends.crossbar.reservoir import LSMConfig, run_lsm, train_readout
from neurokit.data import EventDigits, dense_dataset

quick = os.environ.get("NEUROKIT_TUTORIAL_QUICK") == "1"
limit = 300 if quick else None
cfg = LSMConfig(n_reservoir=200, p_in=0.1, p_rec=0.1, dt=0.005)  # 16x16 event camera, 60 steps of 5 ms
x_train, y_train = dense_dataset(EventDigits(train=True), dt=cfg.dt, steps=60, limit=limit)
x_test, y_test = dense_dataset(EventDigits(train=False), dt=cfg.dt, steps=60, limit=limit)

for source in ("device", "software"):
    accs = [run_lsm(cfg, x_train, y_train, x_test, y_test, source=source, device="pcm", seed=s)["accuracy"]
            for s in range(2 if quick else 5)]
    print(f"LSM, weights from {source:8}: test accuracy {np.mean(accs):.4f} ± {np.std(accs):.4f}")


def windows(x: np.ndarray) -> np.ndarray:  # the same readout on the raw input's counts (no reservoir)
    return np.concatenate([w.sum(axis=1).reshape(len(x), -1) for w in np.array_split(x, cfg.time_bins, axis=1)], 1)


print(f"readout on the input alone: {train_readout(windows(x_train), y_train, windows(x_test), y_test):.4f}")
