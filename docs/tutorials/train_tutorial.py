"""Train an SNN on the embedded event-digits dataset, look at what the run wrote, then train it
memory-light (SLTT)."""

import json
import os
from pathlib import Path

from neurokit.train import TrainConfig, train

quick = os.environ.get("NEUROKIT_TUTORIAL_QUICK") == "1"
cfg = TrainConfig(epochs=2 if quick else 40, hidden=(32,) if quick else (256,), seed=0)
card = train(cfg, "runs/tutorial-train", progress=not quick)
print(f"test accuracy (neurokit.sim on model.nir): {card['test_accuracy_sim']:.3f}")
print(f"synaptic operations per inference: {card['synaptic_ops_per_inference']:.0f}")
print(sorted(p.name for p in Path("runs/tutorial-train").iterdir()))
last_epoch = json.loads(Path("runs/tutorial-train/metrics.json").read_text())[-1]
print({key: round(value, 4) for key, value in last_epoch.items()})  # metrics.jsonl grows one line per epoch
# continue an interrupted run exactly where it stopped:  neurokit train --resume runs/tutorial-train

# The same network trained memory-light (SLTT: memory independent of the number of steps).
sltt = train(TrainConfig(epochs=2 if quick else 40, hidden=(32,) if quick else (256,), seed=0, mode="sltt"),
             "runs/tutorial-train-sltt", progress=not quick)
print(f"SLTT test accuracy: {sltt['test_accuracy_sim']:.3f}")
