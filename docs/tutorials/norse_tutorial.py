"""Import a Norse model through NIR, run it in neurokit.sim, and check it spikes like Norse."""

import warnings

import numpy as np
import norse.torch as norse
import torch

from neurokit import ir, sim
from neurokit.interop.norse import from_norse

torch.manual_seed(0)
model = norse.SequentialState(
    torch.nn.Linear(4, 16), norse.LIFBoxCell(norse.LIFBoxParameters(tau_mem_inv=torch.tensor(100.0))),
    torch.nn.Linear(16, 3), norse.LIFBoxCell())
for layer in (model[0], model[2]):
    torch.nn.init.uniform_(layer.weight, 0.0, 1.0)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ir.NIRCompatWarning)  # nirtorch traces with a batched sample shape
    graph = from_norse(model, torch.zeros(1, 4), dt=1e-3)  # tau = 1/tau_mem_inv, not Norse's dt/tau_mem_inv
print(graph.profile)  # euler integration, reset to zero, '>' — Norse's semantics, stated

x = (torch.rand(100, 2, 4) < 0.3).float() * 5
norse_out, state = [], None
with torch.no_grad():
    for t in range(100):
        y, state = model(x[t], state)
        norse_out.append(y)
norse_spikes = torch.stack(norse_out).numpy()

rec = sim.simulate(graph, x.numpy().astype(np.float64))
ours = rec.outputs["output"]
print(f"spikes: norse {int(norse_spikes.sum())}, neurokit {int(ours.sum())}, "
      f"identical: {np.array_equal(ours, norse_spikes)}")
assert np.array_equal(ours, norse_spikes)
ir.write(graph, "norse_model.nir")  # the profile travels with the file
