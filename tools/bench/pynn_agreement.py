"""PyNN export agreement: the exported ``pynn/model.py`` run on NEST 3.10 and Brian2 (PyNN 0.13)
and mapped by sPyNNaker on a virtual board, compared spike for spike with neurokit's float model
(exact integration, one step of latency: ``pynn_float_graph``) and with the S16.15 reference
of the SpiNNaker artifact. Nets: ``biased`` (every parameter per neuron, biases, inhibition,
refractory 0-3 steps) ``mlp`` (a trained-MLP-sized 256-256-10 LIF net with biases,
homogeneous refractoriness), ``recurrent`` (biased LIF layer with recurrent weights, IF read-out),
``conv`` (conv -> LIF -> avgpool+conv -> LIF -> flatten+dense -> LIF: chains as one projection) and
``cuba`` (CubaLIF layers as IF_curr_exp, exact integration). The default trained model is not in a fresh checkout (make demo
trains it), so it is not used here. Last line: one JSON object.

    .venv/bin/python tools/bench/pynn_agreement.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import ir, sim  # noqa: E402
from neurokit.backends import get_backend  # noqa: E402
from neurokit.backends.spinnaker.pynn import (pynn_float_graph, run_pynn, spike_agreement,  # noqa: E402
                                              write_pynn_inputs)
from neurokit.backends.spinnaker.spynnaker import map_with_spynnaker  # noqa: E402


BRIAN2_SAMPLES = 2  # Brian2 generates and compiles code for every run (one per sample): the slow part


def biased(rng: np.random.Generator) -> ir.Graph:
    n_in, h, o = 40, 30, 5
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.3, 0.5, (h, n_in)), bias=rng.normal(0.2, 0.3, h)),
        ir.LIF(tau=rng.uniform(0.005, 0.03, h), r=rng.uniform(0.5, 2, h), v_leak=rng.normal(0, 0.1, h),
               v_threshold=rng.uniform(0.5, 1.5, h), v_reset=rng.normal(0, 0.1, h), t_refrac=rng.integers(0, 4, h) * 1e-3),
        ir.Affine(weight=rng.normal(0.1, 0.4, (o, h)), bias=rng.normal(0, 0.1, o)),
        ir.LIF(tau=np.full(o, 0.02), r=np.ones(o), v_leak=np.zeros(o), v_threshold=np.full(o, 0.5)),
        names=["w1", "hidden", "w2", "out"], profile=ir.Profile(dt=1e-3))


def mlp(rng: np.random.Generator) -> ir.Graph:
    n_in, h, o = 256, 256, 10
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.05, 0.15, (h, n_in)), bias=rng.normal(0.2, 0.1, h)),
        ir.LIF(tau=rng.uniform(0.01, 0.03, h), r=np.ones(h), v_leak=np.zeros(h), v_threshold=rng.uniform(0.8, 1.2, h),
               t_refrac=np.full(h, 2e-3)),
        ir.Affine(weight=rng.normal(0.3, 0.3, (o, h)), bias=rng.normal(0, 0.05, o)),
        ir.LIF(tau=np.full(o, 0.02), r=np.ones(o), v_leak=np.zeros(o), v_threshold=np.full(o, 1.0), t_refrac=np.full(o, 2e-3)),
        names=["w1", "hidden", "w2", "out"], profile=ir.Profile(dt=1e-3))


def recurrent(rng: np.random.Generator) -> ir.Graph:
    """Input -> Affine (bias) -> LIF with a recurrent Linear (one step of latency each way) -> Affine -> IF."""
    n_in, h, o = 40, 60, 5
    nodes = {"in": ir.Input(shape=(n_in,)), "w1": ir.Affine(weight=rng.normal(0.2, 0.5, (h, n_in)), bias=rng.normal(0.1, 0.2, h)),
             "hidden": ir.LIF(tau=rng.uniform(0.01, 0.03, h), r=rng.uniform(0.5, 1.5, h), v_leak=np.zeros(h),
                              v_threshold=rng.uniform(0.6, 1.0, h), t_refrac=np.full(h, 2e-3)),
             "rec": ir.Linear(weight=rng.normal(0.0, 0.3, (h, h))),
             "w2": ir.Affine(weight=rng.normal(0.1, 0.3, (o, h)), bias=rng.normal(0, 0.1, o)),
             "out": ir.IF(r=np.full(o, 200.0), v_threshold=np.full(o, 1.0), v_reset=np.zeros(o), t_refrac=np.full(o, 2e-3)),
             "o": ir.Output(shape=(o,))}
    edges = (("in", "w1"), ("w1", "hidden"), ("hidden", "rec"), ("rec", "hidden"), ("hidden", "w2"), ("w2", "out"),
             ("out", "o"))
    return ir.Graph(nodes=nodes, edges=edges, profile=ir.Profile(dt=1e-3))


def conv(rng: np.random.Generator) -> ir.Graph:
    """conv (bias) -> LIF -> avgpool -> conv -> LIF -> flatten -> dense -> LIF: pool + conv2 and flatten +
    dense are each one composed projection (the pool -> conv chain arrives after two steps)."""
    s1, s2 = (4, 8, 8), (6, 4, 4)

    def lif(shape: tuple[int, ...], th: float) -> ir.LIF:
        return ir.LIF(tau=rng.uniform(0.01, 0.03, shape), r=np.ones(shape), v_leak=np.zeros(shape),
                      v_threshold=np.full(shape, th), t_refrac=np.full(shape, 1e-3))

    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.4, 0.8, (4, 1, 3, 3)), bias=rng.normal(0.05, 0.05, 4), padding=1, input_shape=(8, 8)),
        lif(s1, 0.3), ir.AvgPool2d(kernel_size=2, stride=2),
        ir.Conv2d(weight=rng.normal(0.3, 0.6, (6, 4, 3, 3)), bias=np.zeros(6), padding=1, input_shape=(4, 4)),
        lif(s2, 0.2), ir.Flatten(input_shape=s2, start_dim=0), ir.Linear(weight=rng.normal(0.2, 0.4, (5, 96))),
        lif((5,), 0.3), names=["conv1", "hidden", "pool", "conv2", "lif2", "flat", "fc", "out"], profile=ir.Profile(dt=1e-3))
    return g.replace_node("input", ir.Input(shape=(1, 8, 8)))


def cuba(rng: np.random.Generator) -> ir.Graph:
    """CubaLIF (IF_curr_exp) layers, every parameter per neuron, biases, exact integration."""
    n_in, h, o = 40, 60, 5
    return ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.5, 1.0, (h, n_in)), bias=rng.normal(0.1, 0.1, h)),
        ir.CubaLIF(tau_syn=rng.uniform(3e-3, 8e-3, h), tau_mem=rng.uniform(0.01, 0.03, h), r=rng.uniform(0.5, 1.5, h),
                   v_leak=np.zeros(h), v_threshold=rng.uniform(0.2, 0.4, h), w_in=rng.uniform(1.0, 3.0, h),
                   t_refrac=np.full(h, 2e-3)),
        ir.Affine(weight=rng.normal(0.4, 0.8, (o, h)), bias=rng.normal(0, 0.05, o)),
        ir.CubaLIF(tau_syn=np.full(o, 5e-3), tau_mem=np.full(o, 2e-2), r=np.ones(o), v_leak=np.zeros(o),
                   v_threshold=np.full(o, 0.2), w_in=np.ones(o)),
        names=["w1", "hidden", "w2", "out"], profile=ir.Profile(dt=1e-3, integration="exact"))


def case(name: str, g: ir.Graph, steps: int = 100, batch: int = 4, pops: tuple[str, ...] = ("hidden", "out"),
         rate: float = 0.1) -> dict[str, object]:
    rng = np.random.default_rng(1)
    in_shape = next(tuple(n.shape) for n in g.nodes.values() if isinstance(n, ir.Input))
    x = (rng.random((steps, batch, *in_shape)) < rate).astype(np.float64)
    d = Path(tempfile.mkdtemp(prefix=f"nk-pynn-{name}-"))
    be = get_backend("spinnaker")
    art = be.lower(g, d)
    script = d / "pynn" / "model.py"
    write_pynn_inputs(d / "pynn", x)
    ref = sim.simulate(pynn_float_graph(g), x, steps)
    flat = {p: ref.spikes[p].reshape(steps, batch, -1) for p in pops}
    out: dict[str, object] = {"steps": steps, "samples": batch}
    try:
        s1615 = be.numeric_mode_run(art, x, steps)
        out["s16.15_vs_float"] = {p: spike_agreement(flat[p], s1615.spikes[p].reshape(steps, batch, -1)) for p in pops}
    except Exception as exc:  # noqa: BLE001 - the refusal is the result
        out["s16.15_vs_float"] = {"error": str(exc).splitlines()[0][:300]}
    for backend, samples in (("nest", batch), ("brian2", BRIAN2_SAMPLES)):
        try:
            res = run_pynn(script, backend, samples=samples)
            out[backend] = {"seconds": res["seconds"], "samples": samples,
                            **{p: spike_agreement(flat[p][:, :samples], res["spikes"][p]) for p in pops}}
        except Exception as exc:  # noqa: BLE001 - the failure is the result
            out[backend] = {"error": str(exc).splitlines()[0][:300]}
    try:
        out["spynnaker_virtual_board"] = map_with_spynnaker(art, inputs=x[:, :1])
    except Exception as exc:  # noqa: BLE001
        out["spynnaker_virtual_board"] = {"error": str(exc).splitlines()[0][:300]}
    return out


if __name__ == "__main__":
    result = {"machine": machine(), "biased": case("biased", biased(np.random.default_rng(0))),
              "mlp": case("mlp", mlp(np.random.default_rng(0))),
              "recurrent": case("recurrent", recurrent(np.random.default_rng(0))),
              "conv": case("conv", conv(np.random.default_rng(0)), pops=("hidden", "lif2", "out"), rate=0.3),
              "cuba": case("cuba", cuba(np.random.default_rng(0)))}
    save("pynn_agreement", result)
