"""Convert a trained ANN into an IF-neuron SNN and read the accuracy-vs-time-steps table."""

import os

from neurokit.convert import conversion_report, train_reference_ann

quick = os.environ.get("NEUROKIT_TUTORIAL_QUICK") == "1"
model, data = train_reference_ann("mlp", epochs=10 if quick else 60)  # 64-128-64-10 on digits
report = conversion_report(model, data, timesteps=[4, 8, 16, 32], out_dir="runs/tutorial-convert")
print(f"ANN accuracy {report['ann_acc']:.3f}")
for t, acc in report["snn_acc"].items():
    print(f"T={t:>2}: SNN accuracy {acc:.3f}, {report['synops'][t]:.0f} synaptic ops")
# runs/tutorial-convert/ has model.nir, report.json and accuracy_vs_timesteps.png
