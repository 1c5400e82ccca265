"""Convert a trained ANN into an IF-neuron SNN, read the accuracy-vs-time-steps table, then make
it low-latency with QCFS fine-tuning and stop early per sample with Dynamic Confidence."""

import os

import torch

from neurokit.convert import conversion_report, fit, format_table, qcfs, train_reference_ann

quick = os.environ.get("NEUROKIT_TUTORIAL_QUICK") == "1"
model, data = train_reference_ann("mlp", epochs=10 if quick else 60)  # 64-128-64-10 on digits

# 1. Plain conversion: percentile (99.9) normalization, reset by subtraction, half-threshold pre-charge.
report = conversion_report(model, data, timesteps=[4, 8, 16, 32], out_dir="runs/tutorial-convert",
                           confidence="auto")  # Dynamic Confidence threshold calibrated on training data
print(format_table(report, [4, 8, 16, 32]))
# runs/tutorial-convert/ has model.nir, report.json and accuracy_vs_timesteps.png

# 2. QCFS: swap every ReLU for a 4-level quantization-clip-floor-shift activation, fine-tune the ANN,
#    convert: the SNN matches the fine-tuned ANN already at T = 4.
calib = torch.from_numpy(data["x_train"][:500])
tuned = fit(qcfs(model, levels=4, calib=calib), data, epochs=3 if quick else 30, lr=1e-3)
low_latency = conversion_report(tuned, data, timesteps=[2, 4, 8], out_dir="runs/tutorial-convert-qcfs",
                                reference_acc=report["ann_acc"], name="mlp+qcfs4")
print(format_table(low_latency, [2, 4, 8]))
