r"""Every implementation of the IR's dynamics as one registered runner, so that one matrix runs them all.

A runner takes ``(graph, inputs)`` (time-first inputs ``(T, B, *shape)``; the neuron under test is
the node named ``"neuron"``) and returns a :class:`Run`: the Output's values, the neuron's spikes and
membrane (``None`` where the implementation does not expose them), the graph whose float64
reference it must match (its own timing: Loihi 2 and SpiNNaker deliver every feed-forward synapse
one step late) and, for fixed-point runners, the raw integer results for bit-exact comparisons.

An implementation that cannot run a graph or a profile option must refuse it by raising a
:class:`neurokit.errors.NeurokitError` before computing anything; the matrix records that refusal.

Numeric kinds (:class:`Numeric`):

* ``float``: within a bound scaled by the dtype's machine epsilon of the float64 reference;
* ``fixed``: bit-exact against a named integer reference, and within a bound derived from the
  format's quantisation step of the float64 reference.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact
from neurokit.dynamics.reference import run_reference
from neurokit.errors import InvalidInputError, NeurokitError

NEURON = "neuron"


@dataclass
class Run:
    """One implementation's results on one case."""

    outputs: np.ndarray
    v: np.ndarray | None
    spikes: np.ndarray | None
    numeric_mode_graph: ir.Graph
    raw: dict[str, np.ndarray] = field(default_factory=dict)  # integer state, for bit-exact comparisons
    bound_terms: dict[str, Any] = field(default_factory=dict)  # quantisation figures of this run
    # the recorded membrane of a spiking step is the reset one, whatever the profile's reset_timing (Loihi 2)
    resets_in_spiking_step: bool = False


@dataclass(frozen=True)
class Numeric:
    """``kind`` ``float`` (``eps``: the dtype's machine epsilon) or ``fixed`` (``bit_reference``: the
    registered implementation whose integers this one must equal, ``None`` for the integer reference
    itself)."""

    kind: str
    eps: float = 0.0
    bit_reference: str | None = None
    quantum: str = ""


@dataclass(frozen=True)
class Implementation:
    name: str
    numeric: Numeric
    run: Callable[[ir.Graph, np.ndarray], Run]
    description: str


def _float_graph(graph: ir.Graph, numeric: str) -> ir.Graph:
    return graph.with_profile(graph.profile.replace(numeric=numeric))


# ----------------------------------------------------------------------------- float implementations
def run_reference_impl(graph: ir.Graph, x: np.ndarray) -> Run:
    """The NumPy oracle (:mod:`neurokit.dynamics.reference`), float64."""
    res = run_reference(graph, x, record=(NEURON,))
    out = next(iter(res.outputs.values()))
    spiking = graph.nodes[NEURON].spiking
    return Run(out, res.states[NEURON]["v"], res.node_outputs[NEURON] if spiking else None, graph)


def _sim(numeric: str) -> Callable[[ir.Graph, np.ndarray], Run]:
    def run(graph: ir.Graph, x: np.ndarray) -> Run:
        from neurokit import sim

        g = _float_graph(graph, numeric)
        rec = sim.simulate(g, x, record=("spikes", NEURON))
        return Run(next(iter(rec.outputs.values())), rec.traces[NEURON]["v"], rec.spikes.get(NEURON), graph)
    run.__doc__ = f"The Numba simulator (neurokit.sim), {numeric}."
    return run


def run_crossbar_ideal(graph: ir.Graph, x: np.ndarray) -> Run:
    """The crossbar backend on the ideal device (exact conductances): tiles programmed, emulated."""
    from neurokit.backends import get_backend

    be = get_backend("crossbar")
    with tempfile.TemporaryDirectory(prefix="nk-conf-xbar-") as tmp:
        art = be.lower(graph, tmp, {"device": "ideal"})
        board = be.board(art)
        board.load(art)
        rec = board.run(x, x.shape[0])
        ref_graph = be.numeric_mode_graph(art)
    spikes = rec.spikes.get(NEURON)
    return Run(next(iter(rec.outputs.values())), None, spikes, ref_graph)


def _torch_model(graph: ir.Graph, fused: bool) -> object:
    """The torch training layers computing ``graph`` (float64): one layer per node, parameters copied."""
    import torch
    from torch import nn

    from neurokit.train.layers import LIFLayer, LILayer
    from neurokit.train.sequential import CubaLIFLayer, IFLayer, RecurrentLIF, SpikingSequential

    g = graph.flatten()
    p = g.profile
    if p.synapse_latency:
        raise InvalidInputError(f"the torch layers have no option synapse_latency={p.synapse_latency}",
                                fix="train without latency, or simulate in neurokit.sim")
    neuron = g.nodes[NEURON]
    syn = g.nodes["syn"]
    if not isinstance(syn, (ir.Affine, ir.Linear)):
        raise InvalidInputError(f"{syn.type_name} synapses have no torch layer here (DelayedLinear learns delays; "
                                "fixed per-synapse delays are not imported)", fix="use Affine/Linear")
    if getattr(neuron, "t_refrac", None) is not None and np.any(neuron.t_refrac > 0):
        raise InvalidInputError("the torch layers have no refractory period", fix="set t_refrac to 0")
    loop = "rec" in g.nodes
    common: dict[str, Any] = dict(dt=p.dt, integration=p.integration, v_min=p.v_min)
    spiking = dict(reset=p.reset, spike_rule=p.spike_rule, reset_timing=p.reset_timing, multi_spike=p.multi_spike,
                   **common)
    one = lambda a: float(np.asarray(a).ravel()[0])  # noqa: E731 - uniform parameters
    n = int(np.prod(g.infer_shapes()[NEURON][1]))
    if isinstance(neuron, ir.LIF):
        kw = dict(tau=one(neuron.tau), r=one(neuron.r), v_leak=one(neuron.v_leak), v_threshold=one(neuron.v_threshold),
                  v_reset=one(neuron.v_reset), **spiking)
        layer: nn.Module = RecurrentLIF(n, **kw) if loop else LIFLayer(n, fused=fused, **kw)
    elif isinstance(neuron, ir.IF) and not loop:
        layer = IFLayer(n, r=one(neuron.r), v_threshold=one(neuron.v_threshold), v_reset=one(neuron.v_reset), **spiking)
    elif isinstance(neuron, ir.CubaLIF) and not loop:
        layer = CubaLIFLayer(n, tau_syn=one(neuron.tau_syn), tau_mem=one(neuron.tau_mem), r=one(neuron.r),
                             v_leak=one(neuron.v_leak), v_threshold=one(neuron.v_threshold),
                             v_reset=one(neuron.v_reset), w_in=one(neuron.w_in), **spiking)
    elif isinstance(neuron, ir.LI) and not loop and one(neuron.r) == 1.0 and one(neuron.v_leak) == 0.0:
        layer = LILayer(n, tau=one(neuron.tau), **common)
    else:
        raise InvalidInputError(f"no torch layer for {neuron.type_name}"
                                + (" with recurrence" if loop else "") + " with these parameters",
                                fix="the layers are LIF, RecurrentLIF, IF, CubaLIF and LI (r = 1, v_leak = 0)")
    if fused and not isinstance(layer, LIFLayer):
        raise InvalidInputError(f"the fused kernel runs feed-forward LIF layers only, not {type(layer).__name__}",
                                fix="use fused=False")
    lin = nn.Linear(syn.weight.shape[1], syn.weight.shape[0], bias=isinstance(syn, ir.Affine)).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(np.asarray(syn.weight)))
        if isinstance(syn, ir.Affine):
            lin.bias.copy_(torch.tensor(np.asarray(syn.bias)))
        if loop:
            layer.rec.weight.copy_(torch.tensor(np.asarray(g.nodes["rec"].weight)))
    model = SpikingSequential((syn.weight.shape[1],), lin, layer.double(), init="torch")
    return model


def _torch(fused: bool) -> Callable[[ir.Graph, np.ndarray], Run]:
    def run(graph: ir.Graph, x: np.ndarray) -> Run:
        import torch

        model = _torch_model(graph, fused)
        exported = model.to_ir()  # the round trip: the layers export the graph they were built from
        kinds = sorted(type(nd).__name__ for nd in exported.nodes.values())
        assert kinds == sorted(type(nd).__name__ for nd in graph.nodes.values()), kinds
        with torch.no_grad():
            out = model(torch.tensor(x)).numpy()
        spiking = graph.nodes[NEURON].spiking
        return Run(out, None if spiking else out, out if spiking else None, graph)
    run.__doc__ = "neurokit.train " + ("LIFLayer's fused kernel" if fused else "layers (autograd step loop)") + ", float64"
    return run


# ----------------------------------------------------------------------------- fixed-point implementations
def run_sim_s16_15(graph: ir.Graph, x: np.ndarray) -> Run:
    """neurokit.sim's integer mode in s16.15 (neurokit.dynamics.fixed): SpiNNaker's format."""
    from neurokit import sim
    from neurokit.dynamics.fixed import FixedFormat

    g = _float_graph(graph, "s16.15")
    rec = sim.simulate(g, x)
    fmt = FixedFormat.parse("s16.15")
    v = rec.traces[NEURON]["v"]
    return Run(next(iter(rec.outputs.values())), v, rec.spikes.get(NEURON), graph,
               raw={"v": fmt.to_fixed(v), "s": rec.spikes.get(NEURON, np.zeros(0, bool))})


def _loihi_artifact(graph: ir.Graph, tmp: str) -> Artifact:
    from neurokit.backends import get_backend

    return get_backend("loihi2").lower(graph.with_profile(graph.profile.replace(numeric="float64")), tmp)


def run_sim_loihi2(graph: ir.Graph, x: np.ndarray) -> Run:
    """neurokit.sim's bit-accurate Loihi 2 mode (``numeric="loihi2"``), as the loihi2 backend quantizes."""
    from neurokit import sim
    from neurokit.backends import get_backend

    g = _float_graph(graph, "loihi2")
    rec = sim.simulate(g, x)  # refuses what Loihi 2 cannot map, before anything else
    with tempfile.TemporaryDirectory(prefix="nk-conf-loihi-") as tmp:
        art = _loihi_artifact(graph, tmp)
        ref_graph = get_backend("loihi2").numeric_mode_graph(art)
        layer = art.manifest["layers"][0]
    return _loihi_run(rec.traces[NEURON]["v"], rec.traces[NEURON]["u"], rec.spikes.get(NEURON), rec.outputs,
                      layer, ref_graph, loihi2_terms(graph, x))


def loihi2_terms(graph: ir.Graph, x: np.ndarray) -> dict[str, Any]:
    r"""The Loihi 2 quantisation of the case's layer, in integer units of the state scale ``S``, against
    the float gains the quantizer rounds (:func:`neurokit.backends.loihi2.quantize.neuron_program`:
    input gain :math:`g_x`, constant drive :math:`g_0`): ``d_in_int`` the input error of each step
    ``(T, B, n)`` (weights rounded to even 8-bit mantissas times ``2^(e+6)`` against :math:`S g_x W`,
    times the input counts), ``dense_floor_int`` what Dense's floor of :math:`(W s) \gg -e` loses in a
    step with input (``(T, B, 1)``; 0 for :math:`e \ge 0`), ``d_bias_int`` the bias's error against
    :math:`S (g_0 + g_x b)`, ``dv``/``du`` the 12-bit decays and ``u_int`` the largest current
    :math:`U_t = a_s U_{t-1} + S |g_x| I_t` ``(T, B, n)`` (Cuba types; else :math:`S |g_x| I_t`) and
    ``d_direct_int`` the error of exact Cuba's direct input term into ``v`` ``(T, B, n)`` (else 0)."""
    from neurokit.backends.loihi2.backend import dense_matrix, neuron_program, quantize_graph
    from neurokit.backends.loihi2.fixed_point import lava_weights

    from .bounds import layer_figures

    params = quantize_graph(graph)[0][0]
    L = layer_figures(graph, x)
    S = float(params["scale"])
    g = graph.flatten()
    prog = neuron_program(g.nodes[NEURON], g.profile)
    g_in = prog.g_in[:, None]
    w, b = dense_matrix(g.nodes["syn"], g.infer_shapes()["syn"], g.profile.dt)
    w_int = lava_weights(params["weights"])
    w_q = w_int * 2.0 ** (int(params["weight_exp"]) + 6)
    counts = np.abs(x).reshape(*x.shape[:2], -1)
    d_in = counts @ np.abs(S * g_in * w - w_q).T  # (T, B, n)
    floor = _dense_floor_int(w_int, int(params["weight_exp"])) * np.any(counts > 0, axis=-1, keepdims=True)
    if "rec_weights" in params:  # recurrent spikes are 0 or 1
        wr = np.asarray(g.nodes["rec"].weight, np.float64)
        wr_int = lava_weights(params["rec_weights"])
        wr_q = wr_int * 2.0 ** (int(params["rec_weight_exp"]) + 6)
        d_in = d_in + float(np.abs(S * g_in * wr - wr_q).sum(axis=1).max())
        floor = floor + _dense_floor_int(wr_int, int(params["rec_weight_exp"]))
    b_q = np.asarray(params["bias_mant"], np.float64) * 2.0 ** np.asarray(params["bias_exp"], np.float64)
    d_b = float(np.abs(S * (prog.g_leak + prog.g_in * b) - b_q).max())
    u_int = np.zeros_like(L.abs_in)
    current = np.zeros(L.abs_in.shape[1:])
    for t, drive in enumerate(S * np.abs(prog.g_in) * L.abs_in):
        current = prog.a_syn * current + drive
        u_int[t] = current
    # exact Cuba: v += round(k_in (a << 6) / 2^12), a = a_in + bias_u; its error is k_q times the input's
    # (weights, Dense's floor, bias_u's rounding: 32 units), the mantissa's error times the input, and the rounding
    k_q = np.asarray(params.get("k_in", 0), np.float64) / 2**12
    d_direct = np.abs(k_q) * (d_in + floor + 32.0 * ("bias_u" in params)) \
        + np.abs(k_q - prog.k_direct) * S * np.abs(prog.g_in) * L.abs_in + 0.5 * ("k_in" in params)
    return {"scale": S, "dv": float(np.max(params["dv"])), "du": float(np.max(params["du"])), "d_in_int": d_in,
            "dense_floor_int": floor, "d_bias_int": d_b, "u_int": u_int, "d_direct_int": d_direct}


def _dense_floor_int(w_int: np.ndarray, weight_exp: int) -> float:
    r"""The most Lava's Dense loses, in state units, by sending :math:`((W s) \gg -e) \ll 6` instead of
    :math:`W s\, 2^{e + 6}` (``e < 0``; floor): :math:`W s` is a multiple of :math:`\gamma =
    \gcd(W_{int}, 2^{-e})`, so the floor drops at most :math:`2^{-e} - \gamma` of :math:`2^{-e}`, i.e.
    :math:`64 (1 - \gamma 2^{e})` units (32 for even weights at ``e = -2``); 0 for ``e >= 0``."""
    if weight_exp >= 0:
        return 0.0
    gamma = int(np.gcd.reduce(np.append(np.abs(np.asarray(w_int, np.int64)).ravel(), 2 ** -weight_exp)))
    return 64.0 * (1.0 - gamma * 2.0**weight_exp)


def _loihi_run(v_int: np.ndarray, u_int: np.ndarray, spikes: np.ndarray | None, outputs: dict[str, np.ndarray],
               layer: dict[str, object], ref_graph: ir.Graph, terms: dict[str, Any]) -> Run:
    scale = float(layer["scale"])  # type: ignore[arg-type]
    return Run(next(iter(outputs.values())), v_int / scale, spikes, ref_graph,
               raw={"v": v_int.astype(np.int64), "u": u_int.astype(np.int64),
                    "s": spikes if spikes is not None else np.zeros(0, bool)}, bound_terms=terms,
               resets_in_spiking_step=not (layer.get("program") and ref_graph.profile.reset_timing == "next_step"))


class LavaBatch:
    """Real Lava (lava-nc 0.10, Loihi2SimCfg fixed_pt) for many cases in ONE launch of the Lava runtime:
    each case is lowered by the loihi2 backend, then ``lava_batch.py`` runs neurokit's own runner
    (:mod:`neurokit.backends.loihi2.runner`) on every artifact in one Python process."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[Artifact, np.ndarray, ir.Graph]] = {}
        self.terms: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict[str, np.ndarray]] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="nk-conf-lava-")

    def add(self, name: str, graph: ir.Graph, x: np.ndarray) -> None:
        """Lower (refusing what cannot map) and queue a case."""
        from neurokit.backends import get_backend
        from neurokit.backends.loihi2.backend import integer_inputs

        art = _loihi_artifact(graph, os.path.join(self._tmp.name, name))
        self.jobs[name] = (art, integer_inputs(x), get_backend("loihi2").numeric_mode_graph(art))
        self.terms[name] = loihi2_terms(graph, x)

    def add_layers(self, name: str, layers: list[dict[str, Any]], x: np.ndarray) -> None:
        """Queue integer Loihi 2 layers written as given (not through neurokit's quantizer), e.g. the
        parameters another tool chose; results come back with :meth:`raw`."""
        import h5py

        path = Path(self._tmp.name) / name
        path.mkdir(parents=True)
        with h5py.File(path / "layers.h5", "w") as f:
            for k, L in enumerate(layers):
                grp = f.create_group(f"layer{k}")
                for key, val in L.items():
                    grp.create_dataset(key, data=val)
        manifest = {"layers": [{"kind": "LIF", "neuron": f"n{k}", "scale": 1.0} for k in range(len(layers))]}
        (path / "manifest.json").write_text(json.dumps(manifest))
        self.jobs[name] = (Artifact(path=path, target="loihi2", manifest=manifest), np.asarray(x, np.int64), ir.Graph(
            nodes={"input": ir.Input(shape=(1,)), "output": ir.Output(shape=(1,))}, edges=(("input", "output"),)))

    def raw(self, name: str) -> dict[str, np.ndarray]:
        """The integer results (``s0``, ``u0``, ``v0`` ...) of a queued job."""
        return self.results[name]

    def run_all(self, timeout_s: float = 900.0) -> None:
        import h5py

        from neurokit.backends.loihi2.backend import RUNNER
        from neurokit.backends.loihi2.runtime import find_runtime, runtime_python

        venv = find_runtime()
        if venv is None:
            raise RuntimeError("the Lava runtime is missing")
        plan = []
        for name, (art, x, _) in self.jobs.items():
            inp = os.path.join(self._tmp.name, f"{name}.inputs.h5")
            with h5py.File(inp, "w") as f:
                f.create_dataset("inputs", data=x.reshape(x.shape[0], x.shape[1], -1).astype(np.int32))
            plan.append([str(art.path), inp, os.path.join(self._tmp.name, f"{name}.result.h5")])
        plan_path = Path(self._tmp.name) / "plan.json"
        plan_path.write_text(json.dumps({"runner": str(RUNNER), "jobs": plan}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        proc = subprocess.run([str(runtime_python(venv)), str(Path(__file__).with_name("lava_batch.py")), str(plan_path)],
                              capture_output=True, text=True, timeout=timeout_s, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"Lava batch failed: {proc.stderr.strip()[-2000:]}")
        for name, (_, _, out) in zip(self.jobs, plan):
            with h5py.File(out, "r") as f:
                self.results[name] = {k: f[k][()].astype(np.int64) for k in f}

    def run(self, name: str) -> Run:
        art, _, ref_graph = self.jobs[name]
        raw = self.results[name]
        readout = bool(art.manifest["layers"][0]["readout"])  # LI, I, CubaLI: the membrane is the output
        outputs = {"output": raw["v0"] / float(art.manifest["layers"][0]["scale"]) if readout
                   else raw["s0"].astype(np.float64)}
        spikes = raw["s0"].astype(np.int64 if art.manifest["layers"][0].get("multi_spike") else bool) if not readout else None
        layer = art.manifest["layers"][0]
        v = raw["v0"] - raw["r0"] - layer["v_offset"] if "r0" in raw else raw["v0"]  # ATRLIF: the membrane is v - r - offset
        return _loihi_run(v, raw["u0"], spikes, outputs, layer, ref_graph, self.terms[name])

    def close(self) -> None:
        self._tmp.cleanup()


def run_lava(graph: ir.Graph, x: np.ndarray) -> Run:
    """Real Lava on one case (a launch of its own; the matrix batches all cases into one launch)."""
    batch = LavaBatch()
    try:
        batch.add("case", graph, x)
        batch.run_all()
        return batch.run("case")
    finally:
        batch.close()


def run_spinnaker(graph: ir.Graph, x: np.ndarray) -> Run:
    """The SpiNNaker backend: lowered to a SpiNNaker2 machine graph and run packet by packet by its
    emulator (s16.15 neurons, 16-bit ring buffers with per-core shifts)."""
    from neurokit.backends import get_backend

    be = get_backend("spinnaker")
    with tempfile.TemporaryDirectory(prefix="nk-conf-spinn-") as tmp:
        # every source may spike every step: no 16-bit ring-buffer sum clips (the matrix tests arithmetic)
        art = be.lower(graph, tmp, {"machine": "spinnaker2", "spikes_per_second": 1.0 / graph.profile.dt})
        board = be.board(art)
        board.load(art)
        rec = board.run(x, x.shape[0])
        try:
            ours = be.numeric_mode_run(art, x, x.shape[0])  # neurokit.sim s16.15 on the baked machine weights
        except NeurokitError as exc:  # e.g. loops: the s16.15 mode runs feed-forward graphs only
            ours = None
            why = str(exc).split(" — ")[0]
        baked = be.numeric_mode_graph(art).nodes["syn"]
        loihi_like = _one_step_synapses(graph, tmp)
    from .bounds import _flat_weights

    w_float = _flat_weights(graph.flatten())[0]
    weight_error = float(np.abs(baked.to_dense() - w_float).max())
    from neurokit.dynamics.fixed import FixedFormat

    fmt = FixedFormat.parse("s16.15")
    v = rec.traces[NEURON]["v"]
    raw = {"v": fmt.to_fixed(v), "s": rec.spikes.get(NEURON, np.zeros(0, bool))}
    if ours is not None:
        raw.update(ref_v=fmt.to_fixed(ours.traces[NEURON]["v"]), ref_s=ours.spikes.get(NEURON, np.zeros(0, bool)))
    else:
        raw["no_reference"] = why  # type: ignore[assignment]
    return Run(next(iter(rec.outputs.values())), v, rec.spikes.get(NEURON), loihi_like, raw=raw,
               bound_terms={"weight_error": weight_error})


def _one_step_synapses(graph: ir.Graph, tmp: str) -> ir.Graph:
    """``graph`` as SpiNNaker times it: every projection (its Affine bias too) delivers one step late,
    ``synapse_latency = 1`` (a recurrent projection one more: the loop edge carries the previous
    step, as the IR times it)."""
    return graph.with_profile(graph.profile.replace(synapse_latency=1))


# ----------------------------------------------------------------------------- NEST (a simulator nobody here wrote)
#: id(case graph) -> Run: every matrix case the NEST backend accepts, run in ONE NEST process (NEST's
#: import takes about a second) the first time any of them is asked for.
_NEST_RUNS: dict[int, Run] = {}


def _nest_run(graph: ir.Graph, rec: Any) -> Run:
    from neurokit.backends import get_backend

    spikes = rec.spikes.get(NEURON)
    v = rec.traces[NEURON]["v"] if NEURON in rec.traces else None
    return Run(next(iter(rec.outputs.values())), v, spikes, get_backend("nest").timed_float_model(graph))


def _nest_batch(graphs: dict[int, tuple[ir.Graph, np.ndarray]]) -> None:
    """Lower every accepted graph and run them all in one NEST process."""
    from neurokit.backends import get_backend
    from neurokit.backends.nest.board import recording, run_nest_many, spike_counts

    be = get_backend("nest")
    with tempfile.TemporaryDirectory(prefix="nk-conf-nest-") as tmp:
        jobs = {key: (be.lower(g, os.path.join(tmp, str(key))), g, x) for key, (g, x) in graphs.items() if not be.check(g)}
        results = run_nest_many([(art, spike_counts(x)) for art, _, x in jobs.values()])
        for (key, (art, g, x)), (events, meta) in zip(jobs.items(), results):
            _NEST_RUNS[key] = _nest_run(g, recording(art, events, meta, x.shape[1], x.shape[0]))


def run_nest(graph: ir.Graph, x: np.ndarray) -> Run:
    """The NEST backend: PyNEST 3.10 out of process (iaf_psc_delta / iaf_psc_exp, exact float64,
    one step of minimum delay); all matrix cases run in one NEST process."""
    from neurokit.backends import get_backend
    from neurokit.backends.base import refuse_if_problems

    from .cases import CASES
    from .matrix import _case_data

    refuse_if_problems(get_backend("nest").check(graph), "nest")  # a refusal before NEST starts
    if id(graph) in {id(_case_data(c)[0]) for c in CASES}:
        if id(graph) not in _NEST_RUNS:
            _nest_batch({id(g): (g, xx) for g, xx in (_case_data(c) for c in CASES)})
        return _NEST_RUNS[id(graph)]
    _nest_batch({id(graph): (graph, x)})  # a graph that is not one of the matrix's cases
    return _NEST_RUNS.pop(id(graph))


F64, F32 = float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps)

#: name -> implementation; the matrix runs every one on every case.
IMPLEMENTATIONS: dict[str, Implementation] = {impl.name: impl for impl in (
    Implementation("reference", Numeric("float", F64), run_reference_impl, "NumPy oracle, float64"),
    Implementation("sim-float64", Numeric("float", F64), _sim("float64"), "Numba simulator, float64"),
    Implementation("sim-float32", Numeric("float", F32), _sim("float32"), "Numba simulator, float32"),
    Implementation("torch-layers", Numeric("float", F64), _torch(False), "neurokit.train layers, float64"),
    Implementation("torch-fused", Numeric("float", F64), _torch(True), "fused LIF kernel (neurokit.train.fused), float64"),
    Implementation("crossbar-ideal", Numeric("float", F64), run_crossbar_ideal, "crossbar backend, ideal device"),
    Implementation("sim-s16.15", Numeric("fixed", bit_reference=None, quantum="2^-15"), run_sim_s16_15,
                   "neurokit.sim fixed point s16.15 (the integer reference for s16.15)"),
    Implementation("spinnaker-emulator", Numeric("fixed", bit_reference="sim-s16.15 on the machine weights",
                                                 quantum="2^(shift-15) weights, 2^-15 state"),
                   run_spinnaker, "SpiNNaker backend (SpiNNaker2 machine) + packet-level emulator"),
    Implementation("sim-loihi2", Numeric("fixed", bit_reference="lava", quantum="1/S, S = 64 vth_mant/v_th"), run_sim_loihi2,
                   "neurokit.sim numeric='loihi2' (bit-accurate Loihi 2)"),
    Implementation("lava", Numeric("fixed", bit_reference="sim-loihi2", quantum="1/S, S = 64 vth_mant/v_th"),
                   run_lava, "real Lava 0.10 (Loihi2SimCfg fixed_pt), out of process"),
    Implementation("nest", Numeric("float", F64), run_nest,
                   "NEST 3.10 via the nest backend (PyNEST, out of process), float64"),
)}


# ----------------------------------------------------------------------------- the NIR paper's single-LIF task
PaperRunner = Callable[[ir.Graph, np.ndarray, str], tuple[np.ndarray, np.ndarray]]


def reference(graph: ir.Graph, inputs: np.ndarray, node: str) -> tuple[np.ndarray, np.ndarray]:
    """The NumPy oracle: ``(first Output's values, node's membrane)``."""
    res = run_reference(graph, inputs, record=(node,))
    return next(iter(res.outputs.values())), res.states[node]["v"]


def numba_sim(graph: ir.Graph, inputs: np.ndarray, node: str) -> tuple[np.ndarray, np.ndarray]:
    """The event-driven Numba simulator (neurokit.sim)."""
    from neurokit import sim

    rec = sim.simulate(graph, inputs, record=("spikes", node))
    return next(iter(rec.outputs.values())), rec.traces[node]["v"]


#: The float runners of the NIR paper traces (tests/conformance/test_nir_paper_lif.py).
FLOAT_RUNNERS: dict[str, PaperRunner] = {"reference": reference, "sim": numba_sim}
