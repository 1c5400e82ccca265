"""Peer side of crossbar_vs_aihwkit.py: aihwkit 1.1.0's pure-PyTorch inference tile with the PCM
noise model on the same trained MLP. Runs in .venv-bench-aihwkit. Usage: python _crossbar_aihwkit.py DATA.npz MLP.pt"""

import json
import sys

import numpy as np
import torch
from torch import nn
from aihwkit.inference.compensation.drift import GlobalDriftCompensation
from aihwkit.inference.noise.pcm import PCMLikeNoiseModel
from aihwkit.nn.conversion import convert_to_analog
from aihwkit.simulator.configs import TorchInferenceRPUConfig
from aihwkit.simulator.configs.utils import WeightClipType, WeightModifierType

torch.set_num_threads(1)
data = np.load(sys.argv[1])
times = [float(t) for t in data["times"]]
x, y = torch.from_numpy(data["x_test"]), data["y_test"]
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
model.load_state_dict(torch.load(sys.argv[2], weights_only=True))
cfg = TorchInferenceRPUConfig()
cfg.noise_model = PCMLikeNoiseModel(g_max=25.0)
cfg.drift_compensation = GlobalDriftCompensation()
cfg.forward.inp_res = -1  # ideal DAC
cfg.forward.out_res = -1  # ideal ADC
cfg.forward.out_noise = 0.0
cfg.forward.w_noise = 0.0
cfg.forward.is_perfect = False
cfg.mapping.max_input_size = 256
cfg.mapping.max_output_size = 256
accs = {}
for seed in range(int(data["seeds"])):
    torch.manual_seed(seed)
    analog = convert_to_analog(model, cfg).eval()
    analog.program_analog_weights()
    for t in times:
        analog.drift_analog_weights(t)
        with torch.no_grad():
            accs.setdefault(str(t), []).append(float((analog(x).argmax(1).numpy() == y).mean()))
print(json.dumps({"name": "aihwkit 1.1.0 TorchInferenceRPUConfig + PCMLikeNoiseModel", "accuracy": accs}))
