"""Deploy a trained model to Loihi 2 (Lava), SpiNNaker and a PCM crossbar, and read the harness report."""

import json
import os

import numpy as np

from neurokit import ir
from neurokit.backends import get_backend
from neurokit.data import EventDigits, dense_dataset
from neurokit.hil import run_hil, table, write_report
from neurokit.train import TrainConfig, train

quick = os.environ.get("NEUROKIT_TUTORIAL_QUICK") == "1"
train(TrainConfig(epochs=2 if quick else 20, hidden=(32,) if quick else (128,)), "runs/tutorial-deploy", progress=False)
graph = ir.read("runs/tutorial-deploy/model.nir")

for target in ("loihi2", "spinnaker", "crossbar"):
    backend = get_backend(target)
    problems = backend.check(graph)  # every unmappable node, before any work
    assert not problems, problems
    artifact = backend.lower(graph, f"runs/tutorial-deploy/{target}", {"device": "pcm"} if target == "crossbar" else {})
    print(target, "->", artifact.path)

x, y = dense_dataset(EventDigits(train=False), dt=graph.profile.dt, steps=30)
n = 8 if quick else 64
inputs = np.moveaxis(x[:n], 0, 1).astype(np.float64)  # time-first (T, B, 2, 16, 16)
report = run_hil(graph, ["loihi2", "spinnaker", "crossbar:pcm"], inputs, labels=y[:n],
                 out_dir="runs/tutorial-deploy/hil")
write_report(report, "runs/tutorial-deploy/hil")
print(table(report, wall=False))  # wall=False: no timings, so this output is the same every run
data = json.load(open("runs/tutorial-deploy/hil/report.json"))
loihi = data["targets"]["loihi2"]
assert loihi["own_mode"]["spike_agreement"] == 1.0  # seam 1: bit-exact with neurokit's Loihi mode
float_seam = loihi["float_model"]  # seam 2: quantisation and Loihi's semantics against the float model
print("loihi2 vs float64 model:", f"{float_seam['spike_agreement']:.3f},", float_seam["spikes"],
      "first divergence", float_seam["first_divergence"], "semantics", float_seam["profile_changes"])
assert float_seam["profile_changes"] == {"synapse_latency": [0, 1]}  # Loihi's Dense: one step per layer
