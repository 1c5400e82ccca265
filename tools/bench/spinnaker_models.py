"""Which models deploy to SpiNNaker, and how closely: every model family neurokit trains, converts or
reads from a producer, through ``check`` -> ``lower`` -> the packet-level emulator, compared spike for
spike with neurokit's S16.15 reference (own mode) and with the float model at one step of synaptic
latency (float seam). A refused model lists the refusal (node, reason, fix).

Trained families are the trainer's architectures at their initial weights (x3, so that they spike),
converted ones come from a briefly trained digits ANN, producer files are read with their producer
(and the options their tests add, ``_common.GOLDEN_PROFILES``).
Profiles sPyNNaker's standard cells cannot say (a subtraction, a next-step reset, spike counts, a
floor) run as a custom neuron model (the artifact's ``neuron_model``; the PyNN export refuses them).
Where a model is still refused, it is also run with the chip's standard reset (``reset="zero"``, same
step, one spike) so the rest of the lowering is measured: those rows say so. Converted nets take
analog inputs: they get the test digits in sixteenths as spike counts, the first weights divided by 16.
The emulator's ring-buffer shift expects every source to spike every step (``spikes_per_second =
1/dt``), so no 16-bit input sum clips; ``saturations`` counts them anyway.

    .venv/bin/python tools/bench/spinnaker_models.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import GOLDEN_PROFILES, REPO, golden_input, machine, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from neurokit import ir, sim  # noqa: E402
from neurokit.backends import get_backend  # noqa: E402
from neurokit.hil import metrics  # noqa: E402

BE = get_backend("spinnaker")
CHIP_RESET = {"reset": "zero", "reset_timing": "same_step", "multi_spike": False, "v_min": float("-inf")}


def spikes(shape: tuple[int, ...], p: float, seed: int) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < p).astype(np.float64)


def measure(g: ir.Graph, x: np.ndarray | None, tmp: Path, note: str = "") -> dict[str, object]:
    problems = BE.check(g)
    if problems:
        return {"accepted": False, "refusals": [str(p) for p in problems], "note": note}
    row: dict[str, object] = {"accepted": True, "note": note}
    t0 = time.perf_counter()
    art = BE.lower(g, tmp, {"spikes_per_second": 1.0 / g.profile.dt})
    row["lower_s"] = round(time.perf_counter() - t0, 3)
    row["cores"], row["chips"] = art.manifest["report"]["cores"], art.manifest["report"]["chips"]
    row["neuron_model"] = art.manifest["neuron_model"]
    if art.manifest["output_stage"]:
        row["output_stage"] = [e["kind"] for e in art.manifest["output_stage"]]
    if x is None:
        return row
    steps = x.shape[0]
    t0 = time.perf_counter()
    emu = BE.board(art).run(x, steps)
    row["emulator_s"] = round(time.perf_counter() - t0, 3)
    ref = BE.numeric_mode_run(art, x, steps)
    flt = sim.simulate(g.with_profile(g.profile.replace(numeric="float64", synapse_latency=1)), x, steps)
    nodes = list(emu.spikes)
    row["own_mode_spike_agreement"] = metrics.spike_agreement({k: ref.spikes[k].astype(bool) for k in nodes},
                                                              {k: emu.spikes[k].astype(bool) for k in nodes})
    row["own_mode_spike_counts_equal"] = all(np.array_equal(emu.spikes[k], ref.spikes[k]) for k in nodes)
    row["own_mode_outputs_equal"] = all(np.array_equal(emu.outputs[k], ref.outputs[k]) for k in emu.outputs)
    row["float_spike_agreement"] = round(metrics.spike_agreement({k: flt.spikes[k].astype(bool) for k in nodes},
                                                                 {k: emu.spikes[k].astype(bool) for k in nodes}), 4)
    row["float_spikes"] = int(sum(flt.spikes[k].astype(bool).sum() for k in nodes))
    out = next(iter(emu.outputs))
    row["float_output_max_abs_diff"] = float(np.abs(emu.outputs[out] - flt.outputs[out]).max())
    row["float_output_max_abs"] = float(np.abs(flt.outputs[out]).max())
    row["saturations"] = int(sum(emu.meta["ring_buffer_saturations"].values()))
    return row


def trained(tmp: Path) -> dict[str, dict[str, object]]:
    from neurokit.train.conv import ConvSNNClassifier
    from neurokit.train.delays import DelayedLinear
    from neurokit.train.model import SNNClassifier, SNNSpec, to_ir
    from neurokit.train.sequential import (CubaLIFLayer, IFLayer, LIFLayer, LILayer, RecurrentLIF, SpikingSequential,
                                           TimeAvgPool2d, TimeConv2d, TimeFlatten)

    def louder(m: nn.Module, k: float = 3.0) -> nn.Module:
        with torch.no_grad():
            for name, p in m.named_parameters():
                if "weight" in name:
                    p.mul_(k)
        return m

    torch.manual_seed(0)
    rows = {}
    for integ in ("exact", "euler"):
        m = louder(SNNClassifier(SNNSpec(input_shape=(2, 3, 3), hidden=(12, 7), dt=0.01, integration=integ)).double())
        rows[f"trained MLP ({integ})"] = measure(to_ir(m), spikes((40, 8, 2, 3, 3), 0.3, 0), tmp / f"mlp{integ}")
    m = louder(ConvSNNClassifier(SNNSpec(input_shape=(2, 8, 8), dt=0.01, classes=4), channels=(3, 5)).double())
    rows["trained conv"] = measure(m.to_ir(), spikes((40, 4, 2, 8, 8), 0.3, 2), tmp / "conv")
    m = SNNClassifier(SNNSpec(input_shape=(6,), hidden=(10,), classes=3, dt=1e-3, max_delay=4)).double()
    for fc in m.fc:
        fc.hard = True
    rows["trained delayed"] = measure(to_ir(louder(m, 10.0)), spikes((40, 4, 6), 0.4, 1), tmp / "delayed")
    opts = dict(dt=1e-3)
    m = SpikingSequential((6,), nn.Linear(6, 16), RecurrentLIF(16, tau=0.01, v_threshold=0.2, **opts), nn.Linear(16, 4),
                          LILayer(4, tau=0.02, dt=1e-3), init="torch").double()
    rows["trained recurrent"] = measure(louder(m).to_ir(), spikes((40, 4, 6), 0.3, 3), tmp / "recurrent")
    delayed = DelayedLinear(12, 10, 3, seed=0)
    delayed.hard = True
    m = SpikingSequential((2, 6, 6), TimeConv2d(2, 3, 3, padding=1), LIFLayer(108, tau=0.01, v_threshold=0.3, **opts),
                          TimeAvgPool2d(2), TimeFlatten(), nn.Linear(27, 20), CubaLIFLayer(20, v_threshold=0.05, **opts),
                          nn.Linear(20, 16), RecurrentLIF(16, tau=0.01, v_threshold=0.2, **opts), nn.Linear(16, 12),
                          IFLayer(12, v_threshold=1.0, r=1000.0, **opts), delayed,
                          LIFLayer(10, tau=0.01, v_threshold=0.1, **opts), nn.Linear(10, 4),
                          LILayer(4, tau=0.02, dt=1e-3), init="torch").double()
    rows["trained mixed (conv, pool, CubaLIF, recurrent, IF, delays, LI)"] = measure(
        louder(m).to_ir(), spikes((40, 4, 2, 6, 6), 0.3, 4), tmp / "mixed")
    return rows


def counts_graph(g: ir.Graph, scale: float) -> ir.Graph:
    """``g`` taking ``scale`` times its analog input as spike counts: the weights of the first weight
    nodes after the Input divided by ``scale`` (biases unchanged), the same float model on ``scale x``."""
    out, frontier = g, list(g.successors(next(iter(g.inputs))))
    while frontier:
        name = frontier.pop()
        node = out.nodes[name]
        if isinstance(node, ir.Flatten):
            frontier += out.successors(name)
        elif hasattr(node, "weight"):
            out = out.replace_node(name, node.replace(weight=np.asarray(node.weight) / scale))
    return out


def converted(tmp: Path) -> dict[str, dict[str, object]]:
    from neurokit.convert import digits
    from neurokit.convert.convert import convert

    rows = {}
    for arch in ("mlp", "cnn", "rescnn"):
        model, data = digits.train_reference_ann(arch, epochs=5)
        calib = data["x_train"][:200]
        g = convert(model, calib)
        images = data["x_test"][:8]
        x = np.broadcast_to(np.rint(images * 16)[None], (32, *images.shape)).astype(np.float64)
        rows[f"converted {arch.upper()}"] = measure(counts_graph(g, 16.0), x, tmp / f"conv_{arch}",
                                                    "8 test digits in sixteenths as spike counts (first weights / 16), "
                                                    "32 steps; reset by subtraction as a custom neuron model")
    return rows


def producers(tmp: Path) -> dict[str, dict[str, object]]:
    rows = {}
    golden = REPO / "tests" / "golden"
    files = [(p, p.parent.name) for p in sorted((golden / "producers").glob("*/*.nir"))]
    files.append((golden / "nir-paper-cnn" / "cnn_sinabs.nir", "sinabs"))
    for path, producer in files:
        name = f"{producer}/{path.stem}"
        prof = GOLDEN_PROFILES.get(producer, {}).get(path.stem)
        g = ir.read(path, producer=producer, **({"profile": prof} if prof else {}))
        data = path.with_suffix(".npz")
        if data.is_file():
            x = np.load(data, allow_pickle=False)["input"]
            x = golden_input(x, tuple(g.nodes[next(iter(g.inputs))].shape))
        else:  # the NIR paper CNN: N-MNIST-sized random events
            x = spikes((20, 2, *g.infer_shapes()["input"][1]), 0.1, 5)
        rows[name] = measure(g, x, tmp / name)
        if not rows[name]["accepted"]:
            chip = g.with_profile(g.profile.replace(**CHIP_RESET))
            if not BE.check(chip):
                rows[f"{name} with the chip's reset"] = measure(chip, x, tmp / f"{name}_chip",
                                                                  "producer reset replaced by the chip's")
    return rows


def main() -> None:
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="nk-spinn-models-") as tmp:
        rows = {**trained(Path(tmp)), **converted(Path(tmp)), **producers(Path(tmp))}
    save("spinnaker_models", {"machine": machine(), "models": rows})


if __name__ == "__main__":
    main()
