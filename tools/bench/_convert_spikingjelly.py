"""Peer side of convert_digits.py: SpikingJelly's ann2snn (RateCodingRecipe, 99.9 % percentile) on the
same trained ANNs and data. Runs in .venv-bench-spikingjelly. Usage: python _convert_spikingjelly.py DATA.npz"""

import json
import sys

import numpy as np
import torch
from torch import nn
from spikingjelly.activation_based import ann2snn, functional


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 16, 10))


torch.set_num_threads(1)
data = np.load(sys.argv[1])
steps = [int(t) for t in data["timesteps"]]
xtr, xte, yte = torch.from_numpy(data["x_train"][:500]), torch.from_numpy(data["x_test"]), data["y_test"]
out = {}
for arch, build in (("mlp", mlp), ("cnn", cnn)):
    model = build()
    model.load_state_dict(torch.load(sys.argv[2 if arch == "mlp" else 3], weights_only=True))
    model.eval()
    loader = [(xtr[i:i + 100], torch.zeros(len(xtr[i:i + 100]), dtype=torch.long)) for i in range(0, len(xtr), 100)]
    snn = ann2snn.Converter(recipe=ann2snn.RateCodingRecipe(dataloader=loader, mode="99.9%")).convert(model)
    functional.reset_net(snn)
    acc, pred, total = {}, {}, None
    with torch.no_grad():
        for t in range(1, max(steps) + 1):
            y = snn(xte)
            total = y if total is None else total + y
            if t in steps:
                acc[str(t)] = float((total.argmax(1).numpy() == yte).mean())
                pred[str(t)] = total.argmax(1).tolist()
    out[arch] = acc
    out[arch + "_pred"] = pred
print(json.dumps({"name": "spikingjelly-2.0.0 ann2snn RateCodingRecipe(99.9%)", "snn_acc": out["mlp"],
                  "cnn_snn_acc": out["cnn"], "pred": {"mlp": out["mlp_pred"], "cnn": out["cnn_pred"]}}))
