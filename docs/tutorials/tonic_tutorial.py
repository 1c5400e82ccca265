"""Bring your own tonic dataset: files in the dataset's native layout, loaded by tonic's own class."""

from pathlib import Path

import h5py
import numpy as np

from neurokit import ir, sim
from neurokit.data import bin_events, load_dataset

# SHD's native format (shd_train.h5 in DATA_DIR/SHD/); here two tiny samples stand in for the real file
root = Path("data")
(root / "SHD").mkdir(parents=True, exist_ok=True)
with h5py.File(root / "SHD" / "shd_train.h5", "w") as f:
    f.create_dataset("spikes/times", data=np.array([np.array([0.001, 0.004, 0.02], np.float32),
                                                    np.array([0.01], np.float32)], dtype=object),
                     dtype=h5py.vlen_dtype(np.float32))
    f.create_dataset("spikes/units", data=np.array([np.array([3, 10, 699], np.uint16), np.array([5], np.uint16)],
                                                   dtype=object), dtype=h5py.vlen_dtype(np.uint16))
    f.create_dataset("labels", data=np.array([4, 7], np.uint8))
    f.create_dataset("extra/keys", data=np.array([b"k"] * 20))
    f.create_dataset("extra/speaker", data=np.array([0, 1]))

ds = load_dataset("shd", data_dir=root, train=True)  # tonic.datasets.SHD underneath; never downloads
events, label = ds[0]
x = bin_events(events, ds.sensor_size, dt=1e-3, steps=30)  # (T, P=1, 700)
print(len(ds), label, x.shape, int(x.sum()))

net = ir.Graph.sequential(ir.Flatten(input_shape=(1, 700)), ir.Linear(weight=np.full((4, 700), 0.5)),
                          ir.IF(r=np.full(4, 1000.0), v_threshold=np.ones(4)))
rec = sim.simulate(net, x[:, None].astype(np.float64))
print("output spikes:", int(rec.outputs["output"].sum()))
# with the real files: load_dataset("shd", data_dir="path/to/data") — a missing file raises an error
# that names shd_train.h5 and where to put it
