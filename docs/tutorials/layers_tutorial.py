"""Write your own SNN the way snnTorch / Norse users do: a chain of layers, a plain torch training
loop, single-step inference, export to the IR (Dropout left out) and the same accuracy in
neurokit.sim."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from neurokit import sim
from neurokit.data import EventDigits, batches, dense_dataset
from neurokit.train.layers import LIFLayer, LILayer
from neurokit.train.layout import to_time_first
from neurokit.train.sequential import SpikingSequential, TimeFlatten, export

torch.manual_seed(0)
torch.set_num_threads(1)
dt, steps = 0.01, 30  # 30 bins of 10 ms
x_train, y_train = dense_dataset(EventDigits(train=True), dt=dt, steps=steps)  # (N, T, 2, 16, 16)
x_test, y_test = dense_dataset(EventDigits(train=False), dt=dt, steps=steps)

model = SpikingSequential(
    (2, 16, 16),
    TimeFlatten(),                                    # (T, B, 2, 16, 16) -> (T, B, 512)
    nn.Linear(512, 128), LIFLayer(128, tau=0.02, dt=dt),  # surrogate="fast_sigmoid"; "atan", "sigmoid" work too
    nn.Linear(128, 64), LIFLayer(64, tau=0.02, dt=dt),
    nn.Dropout(0.1),                                  # trains, left out of the export
    nn.Linear(64, 10), LILayer(10, tau=0.05, dt=dt),  # leaky readout: membrane per step
)  # init="spiking" (default): the built-in trainer's initialisation

opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(3):
    model.train()
    for xb, yb in batches(x_train, y_train, 64, seed=epoch):  # time-first batches (T, B, ...)
        loss = F.cross_entropy(model(torch.from_numpy(xb)).mean(0), torch.from_numpy(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()

model.eval()
with torch.no_grad():
    x = to_time_first(torch.from_numpy(x_test), "batch_first")  # (N, T, ...) -> (T, N, ...)
    accuracy = float((model(x).mean(0).argmax(1).numpy() == y_test).mean())
    # the same network one step at a time (what a closed-loop controller would run)
    states, outs = None, []
    for x_t in x[:, :8]:  # x_t: (8 samples, 2, 16, 16), one time step
        out, states = model.step(x_t, states)
        outs.append(out)
    assert torch.allclose(torch.stack(outs), model(x[:, :8]), atol=1e-5)
print(f"torch test accuracy after 3 epochs: {accuracy:.3f}")
assert accuracy >= 0.65, accuracy  # the figure the page states (0.707 measured; torch's own init: 0.633)

graph = export(model, (2, 16, 16))  # the IR graph: Flatten, Affine, LIF, Affine, LI (no Dropout)
membrane = sim.simulate(graph, np.moveaxis(x_test, 0, 1).astype(np.float64)).outputs["output"]
sim_accuracy = float((membrane.mean(0).argmax(1) == y_test).mean())
print(f"neurokit.sim test accuracy of the exported graph: {sim_accuracy:.3f}")
print("nodes:", [type(n).__name__ for n in graph.nodes.values()])
assert abs(sim_accuracy - accuracy) <= 0.01, (sim_accuracy, accuracy)
