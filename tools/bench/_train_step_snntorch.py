"""Peer side of train_step.py: snnTorch's Leaky on the same layer, written as snnTorch's tutorials
do (the layer applied once per step in a Python loop over the time steps, the state carried by
hand). Runs in .venv-bench-snntorch (snntorch 1.0). The loop walks ``cur.unbind(0)``: indexing
``cur[t]`` on a tensor that requires grad makes backward add a full-size zero-padded gradient per
step (O(T^2) memory traffic), which is not snnTorch's cost.
Usage: python _train_step_snntorch.py T B N REPEATS"""

import json
import statistics
import sys
import time

import torch
import snntorch as snn
from snntorch import surrogate

torch.set_num_threads(1)
T, B, N, repeats = (int(a) for a in sys.argv[1:5])
torch.manual_seed(0)
x = (torch.rand(T, B, N) < 0.1).float()
fc = torch.nn.Linear(N, N)
torch.nn.init.uniform_(fc.weight, -3 / N**0.5, 3 / N**0.5)
beta = float(torch.exp(torch.tensor(-1e-3 / 0.02)))
lif = snn.Leaky(beta=beta, threshold=1.0, reset_mechanism="zero", spike_grad=surrogate.fast_sigmoid(slope=10))


def step() -> float:
    fc.zero_grad()
    cur = fc(x.reshape(T * B, N)).reshape(T, B, N)
    mem = lif.init_leaky()
    spikes = []
    for cur_t in cur.unbind(0):
        spk, mem = lif(cur_t, mem)
        spikes.append(spk)
    z = torch.stack(spikes)
    z.sum().backward()
    return float(z.sum())


step()
times, cpu = [], []
for _ in range(repeats):
    c0, t0 = time.process_time(), time.perf_counter()
    count = step()
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
print(json.dumps({"name": f"snntorch {snn.__version__} Leaky", "seconds": statistics.median(times), "times": times,
                  "cpu_seconds": statistics.median(cpu),
                  "spikes": count}))
