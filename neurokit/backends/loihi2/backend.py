r"""Loihi 2 backend: quantize an IR graph to Loihi 2's fixed-point LIF, write an artifact, run it in
Lava (out of process, Python 3.10) and compare with the NumPy bit-accurate reference.

Quantization of a layer ``W -> neuron`` (per-layer scale :math:`S`): the neuron update
:math:`v' = a v + k (v_{leak} + r (W x + b))` (:math:`a`, :math:`k` from
:func:`neurokit.dynamics.discretisation.neuron_coefficients` — exact and ``fixed_point``:
:math:`k = 1 - a`; Euler: :math:`k = dt/\tau`; IF: :math:`a = 1`, :math:`k r = dt R`) becomes
:math:`d_v = \mathrm{round}(4096 (1 - a))`, :math:`d_u = 4095` (no current memory),
:math:`W_{int} 2^{e + 6} \approx S k r W` (8-bit even weights, per-layer exponent :math:`e`),
bias :math:`b_m 2^{b_e} \approx S k (v_{leak} + r b)`.

Spiking layers (LIF/IF) are quantized in lava-dl ``netx``'s domain, so that ``netx.h5`` holds them
exactly: weight exponent :math:`e = 0` with the threshold mantissa chosen from the largest weight,
:math:`v_{th} = \min(131071, \lfloor 254 / p \rfloor)`, :math:`p = \max |k r W| / \vartheta`
(the largest weight in thresholds per spike), :math:`S = 64 v_{th} / \vartheta`, and bias exponent
:math:`b_e = 6`. Only weights above 254 thresholds per spike need :math:`e > 0`; only biases above
:math:`4095 / v_{th}` thresholds per step need :math:`b_e = 7`. LI readouts keep :math:`S = 2^{16}`,
the largest threshold and a free weight exponent (precision and 24-bit headroom), and report
:math:`v / S`. The membrane starts (every sample) from the float model's initial state
:math:`V_0 = \mathrm{round}(S v_0)` (``v_leak``, or the node's ``metadata["v_init"]``), stored as
``v_init`` and given to Lava's ``LIF(v=...)``; ``u`` starts at 0. Profile options the LIF process
cannot express (``reset_timing="next_step"``, ``multi_spike``, ``v_min``, subtractive reset) are
refused by ``check`` with the reason (:func:`profile_problems`).
"""

from __future__ import annotations

import json
import math
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, Problem, refuse_if_problems
from neurokit.dynamics.discretisation import NeuronCoefficients, delay_steps, neuron_coefficients
from neurokit.errors import BackendUnavailableError, InvalidInputError, MappingError
from neurokit.ir import passes
from neurokit.ir.passes import node_to_csr
from neurokit.sim.recording import Recording
from neurokit.util.atomic import atomic_path, atomic_write_text

from .fixed_point import MAX_UV, lava_weights, run_layers
from .netx import BIAS_EXP as NETX_BIAS_EXP
from .netx import INPUT_MESSAGE_BITS, write_netx
from .runtime import find_runtime, run_in_runtime

RUNNER = Path(__file__).with_name("runner.py")
VTH_MAX = 131071  # 17-bit threshold mantissa
NETX_PEAK = 254  # the largest even 8-bit weight mantissa (mixed sign mode)
LI_VTH = VTH_MAX
LI_SCALE = 2.0**16
MAX_DELAY_STEPS = 62  # 6-bit delays; one step of the 0..63 range is Dense's own latency
SYNAPSES = (ir.Linear, ir.Affine, ir.SparseLinear, ir.Conv1d, ir.Conv2d, ir.SumPool2d, ir.AvgPool2d)  # conv/pool unrolled
NEURONS = (ir.LIF, ir.IF, ir.LI)


def _recurrent(g: ir.Graph) -> dict[str, str]:
    """``{neuron: synapse}`` for self-loops ``neuron -> synapse -> neuron`` (recurrent synapses)."""
    rec = {}
    for name, node in g.nodes.items():
        if isinstance(node, SYNAPSES) and g.predecessors(name) == g.successors(name) \
                and len(g.successors(name)) == 1 and isinstance(g.nodes[g.successors(name)[0]], (ir.LIF, ir.IF)):
            rec[g.successors(name)[0]] = name
    return rec


def profile_problems(p: ir.Profile) -> list[Problem]:
    """The profile options Lava's Loihi 2 LIF process (``PyLifModelBitAcc``, what the chip's CUBA
    neuron runs) cannot express bit for bit, each with the reason."""
    problems = []
    if p.reset not in ("zero",) or p.spike_rule != ">":
        problems.append(Problem("<profile>", f"Loihi 2 resets v to 0 and spikes on v > vth; profile has reset="
                                             f"{p.reset!r}, spike_rule={p.spike_rule!r}",
                                "use reset='zero' and spike_rule='>'"))
    if p.reset_timing != "same_step":
        problems.append(Problem("<profile>", f"reset_timing={p.reset_timing!r} cannot be expressed: Loihi 2's CUBA "
                                             "neuron resets in the spiking step", "use reset_timing='same_step'"))
    if p.multi_spike:
        problems.append(Problem("<profile>", "multi_spike=True cannot be expressed: Lava's LIF sends binary spikes "
                                             "(graded spikes need a custom neuron program)", "use multi_spike=False"))
    if p.v_min != float("-inf"):
        problems.append(Problem("<profile>", f"v_min={p.v_min!r} cannot be expressed: Loihi 2's LIF clips v only at "
                                             "the 24-bit limits -(2^23 - 1)", "leave v_min at -inf"))
    return problems


def _chain(graph: ir.Graph) -> tuple[list[str], list[Problem]]:
    """Names along input -> (synapse -> neuron)* -> output (recurrent self-loops aside), or the
    problems preventing it."""
    g = graph.flatten()
    problems: list[Problem] = []
    for name, node in g.nodes.items():
        if not isinstance(node, (*SYNAPSES, *NEURONS, ir.Input, ir.Output, ir.Flatten)):
            problems.append(Problem(name, f"{node.type_name} has no Loihi 2 lowering in this version",
                                    "the loihi2 backend maps Linear/Affine/SparseLinear -> LIF/IF/LI chains"))
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        problems.append(Problem("<graph>", "needs exactly one Input and one Output", "split the model"))
    rec = _recurrent(g)
    loops = {e for e in g.loop_edges() if not (e[0] in rec.values() or e[1] in rec.values())}
    if loops:
        problems.append(Problem("<graph>", f"loops other than a layer's recurrent synapses onto itself: {sorted(loops)}",
                                "use recurrence of the form LIF -> Linear -> same LIF, or run in neurokit.sim"))
    for name in rec.values():
        node = g.nodes[name]
        if isinstance(node, ir.Affine) or (isinstance(node, ir.SparseLinear) and node.delay is not None):
            problems.append(Problem(name, "recurrent synapses must be Linear/SparseLinear without bias or delays",
                                    "fold the bias into the layer's feed-forward Affine"))
    order = [n for n in g.topological_order()
             if not isinstance(g.nodes[n], (ir.Input, ir.Flatten, ir.Output)) and n not in rec.values()]
    for name in order:
        succ = [n for n in g.successors(name) if n not in rec.values()]
        pred = [n for n in g.predecessors(name) if n not in rec.values()]
        if len(succ) > 1 or len(pred) > 1:
            problems.append(Problem(name, "branches are not lowered in this version", "use a feed-forward chain"))
    kinds = [type(g.nodes[n]) for n in order]
    if problems:
        return order, problems
    if len(kinds) % 2 or not all(k in SYNAPSES for k in kinds[0::2]) or not all(k in NEURONS for k in kinds[1::2]):
        problems.append(Problem("<graph>", f"expected (synapse, neuron) pairs, got {[k.__name__ for k in kinds]}",
                                "every neuron layer needs exactly one incoming weight layer"))
    p = g.profile
    problems += profile_problems(p)
    for name in order[1::2]:
        node = g.nodes[name]
        for fld in ("tau", "v_threshold"):
            vals = getattr(node, fld, None)
            if vals is not None and np.ptp(vals) > 0:
                problems.append(Problem(name, f"{fld} differs across neurons; Loihi's LIF process has one {fld}",
                                        "split the layer by parameter value"))
        if isinstance(node, (ir.LIF, ir.IF)):
            if node.t_refrac is not None and np.any(node.t_refrac > 0):
                problems.append(Problem(name, "refractory periods are not lowered", "set t_refrac to 0"))
            if np.any(node.v_reset != 0):
                problems.append(Problem(name, "Loihi 2 resets to 0", "set v_reset to 0"))
    for name in order[0::2]:
        node = g.nodes[name]
        if isinstance(node, ir.SparseLinear) and node.delay is not None:
            steps = delay_steps(node.delay, p.dt)
            if steps.max(initial=0) > MAX_DELAY_STEPS:
                problems.append(Problem(name, f"synaptic delays up to {int(steps.max())} steps; Loihi 2 stores 0 to "
                                              f"{MAX_DELAY_STEPS}", "shorten the delays or use a larger dt"))
    return order, problems


def _dense_weight(node: ir.Node, shapes: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
                  dt: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """``(W (out, in), bias (out,))`` of a synapse; convolutions and pools unrolled into a dense matrix
    (``shapes``: the node's input and output shapes)."""
    if isinstance(node, ir.SparseLinear):
        return node.to_dense().astype(np.float64), np.zeros(node.n_post)
    if isinstance(node, (ir.Linear, ir.Affine)):
        bias = np.asarray(node.bias, np.float64) if isinstance(node, ir.Affine) else np.zeros(node.weight.shape[0])
        return np.asarray(node.weight, np.float64), bias
    if shapes is None:
        raise InvalidInputError(f"{node.type_name} needs its input/output shapes to be unrolled", fix="pass shapes")
    csr = node_to_csr(node, shapes[0], shapes[1], dt)
    w = np.zeros((csr.n_post, csr.n_pre))
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    np.add.at(w, (csr.indices, pre), csr.weight)
    return w, (np.asarray(csr.bias, np.float64) if csr.bias is not None else np.zeros(csr.n_post))


def quantize_layer(syn: ir.Node, neuron: ir.Node, profile: ir.Profile, first: bool,
                   shapes: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
                   recurrent: ir.Node | None = None) -> tuple[dict[str, Any], dict[str, float]]:
    """Loihi parameters for one ``synapse -> neuron`` pair and its quantization error figures
    (``recurrent``: the layer's recurrent synapse, whose weights share the layer's threshold)."""
    w, b = _dense_weight(syn, shapes, profile.dt)
    c = neuron_coefficients(neuron, profile)
    a = 1.0 if isinstance(neuron, ir.IF) else float(c.a_mem.ravel()[0])  # one decay per layer (checked)
    g_in, g_leak = _gains(neuron, c)
    if isinstance(neuron, ir.LI):
        scale, vth, min_exp, min_bias_exp = LI_SCALE, LI_VTH, -8, 0
    else:
        v_th = float(np.asarray(neuron.v_threshold).ravel()[0])
        if v_th <= 0:
            raise InvalidInputError("Loihi thresholds must be positive", fix="use v_threshold > 0")
        w_all = w if recurrent is None else np.hstack([w, _dense_weight(recurrent)[0]])
        peak = float(np.abs(g_in[:, None] * w_all).max(initial=0.0)) / v_th  # the largest weight, thresholds per spike
        vth = int(np.clip(np.floor(NETX_PEAK / peak), 1, VTH_MAX)) if peak > 0 else VTH_MAX
        scale, min_exp, min_bias_exp = vth * 64 / v_th, 0, NETX_BIAS_EXP
    w_eff = scale * g_in[:, None] * w
    w_int, e = _weights_8bit(w_eff, min_exp)
    b_eff = scale * (g_leak + g_in * b)
    b_exp = np.clip(np.ceil(np.log2(np.maximum(np.abs(b_eff), 1e-30) / 4095)), min_bias_exp, 7).astype(np.int64)
    b_mant = np.clip(np.round(b_eff / 2.0**b_exp), -4096, 4095).astype(np.int64)
    dv = int(round(4096 * (1 - a)))
    if isinstance(syn, ir.SparseLinear) and syn.delay is not None:  # DelayDense: delay matrix in steps
        delays = np.zeros(w.shape, np.int64)
        pre = np.repeat(np.arange(syn.n_pre), np.diff(syn.indptr))
        delays[syn.indices, pre] = delay_steps(syn.delay, profile.dt)
        extra: dict[str, Any] = {"delays": delays}
    else:
        extra = {}
    v_init = np.clip(np.round(scale * c.v_init.ravel()), -MAX_UV + 1, MAX_UV - 1).astype(np.int64)  # float start
    params = {**extra, "n": int(w.shape[0]), "weights": w_int, "weight_exp": int(e), "num_weight_bits": 8,
              "num_message_bits": 8 if first else 0, "du": 4095, "dv": dv, "vth": int(vth),
              "bias_mant": b_mant, "bias_exp": b_exp, "scale": float(scale), "v_init": v_init}
    w_back = lava_weights(w_int) * 2.0 ** (e + 6)
    err = {"weight_rel_rms": float(np.sqrt(np.mean((w_back - w_eff) ** 2)) / (np.sqrt(np.mean(w_eff**2)) or 1.0)),
           "decay_abs": abs((1 - dv / 4096) - a), "weight_exp": int(e)}
    return params, err


def _weights_8bit(w_eff: np.ndarray, min_exp: int = -8) -> tuple[np.ndarray, int]:
    """Even 8-bit mantissas (mixed sign mode) and the shared exponent (at least ``min_exp``) for
    effective weights."""
    peak = float(np.abs(w_eff).max()) or 1.0
    e = max(min_exp, math.ceil(math.log2(peak / 254 / 64)))
    w_int = 2 * np.round(w_eff / 2.0 ** (e + 6) / 2)
    return np.clip(w_int, -256, 254).astype(np.int64), int(e)


def _gains(neuron: ir.Node, c: NeuronCoefficients) -> tuple[np.ndarray, np.ndarray]:
    r"""Per neuron (n,): the weight :math:`g_x` of the input and the constant drive :math:`g_0` in
    :math:`v' = a v + g_x x + g_0`, from the discretisation: LIF/LI :math:`g_x = g R`,
    :math:`g_0 = g\,v_{leak}` (:math:`g` the input gain); IF :math:`g_x = dt R`, :math:`g_0 = 0`."""
    if isinstance(neuron, ir.IF):
        return c.dt_r.ravel(), np.zeros(c.dt_r.size)
    return (c.gain_mem * c.r).ravel(), (c.gain_mem * c.v_leak).ravel()


def quantize_recurrent(syn: ir.Node, neuron: ir.Node, params: dict[str, Any], profile: ir.Profile) -> dict[str, Any]:
    """Loihi weights of a layer's recurrent synapses, on the layer's own scale."""
    w, _ = _dense_weight(syn)
    w_int, e = _weights_8bit(params["scale"] * _gains(neuron, neuron_coefficients(neuron, profile))[0][:, None] * w,
                             min(0, int(params["weight_exp"])))
    return {"rec_weights": w_int, "rec_weight_exp": e}


def quantize_graph(graph: ir.Graph) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Loihi parameters of every layer of ``graph`` (refused up front if it cannot map), the per-layer
    resource report and the quantization errors: what an artifact stores, in memory."""
    order, problems = _chain(graph)
    refuse_if_problems(problems, "loihi2")
    g = graph.flatten()
    shapes = g.infer_shapes()
    recurrent = _recurrent(g)
    limits = _limits()
    params_list, layers, errors = [], [], []
    for k in range(len(order) // 2):
        syn, neu = order[2 * k], order[2 * k + 1]
        params, err = quantize_layer(g.nodes[syn], g.nodes[neu], g.profile, first=k == 0, shapes=shapes[syn],
                                     recurrent=g.nodes[recurrent[neu]] if neu in recurrent else None)
        if neu in recurrent:
            params.update(quantize_recurrent(g.nodes[recurrent[neu]], g.nodes[neu], params, g.profile))
        n_in = int(params["weights"].shape[1])
        cores = max(math.ceil(params["n"] / limits.get("neurons_per_core", 8192)),
                    math.ceil(np.count_nonzero(params["weights"]) * 8 / limits.get("synapse_memory_bits", 2**20)),
                    math.ceil(n_in / limits.get("fan_in_per_core", 65536)))
        params_list.append(params)
        layers.append({"synapse": syn, "neuron": neu, "kind": g.nodes[neu].type_name, "n": params["n"],
                       "n_in": n_in, "scale": params["scale"], "weight_exp": params["weight_exp"],
                       "dv": params["dv"], "vth": params["vth"], "cores": cores,
                       "synapses": int(np.count_nonzero(params["weights"])),
                       "recurrent_synapses": int(np.count_nonzero(params.get("rec_weights", 0)))})
        errors.append({"layer": neu, **err})
    return params_list, layers, errors


def _limits() -> dict[str, Any]:
    from neurokit.util.hardware import hardware_file

    return tomllib.loads(hardware_file("loihi2", "Loihi 2 chip-limits table").read_text())


@dataclass
class LoihiBoard:
    """Runs an artifact in Lava (CPU ``fixed_pt`` model) in the runtime venv."""

    artifact: Artifact
    timeout_s: float = 600.0
    faults: Mapping[str, Any] = field(default_factory=dict)

    def load(self, artifact: Artifact | None = None) -> None:
        if find_runtime() is None:
            raise BackendUnavailableError("the Lava runtime (.venv-lava) is not installed",
                                          fix="run `neurokit backends install loihi2` (or `make lava`)")

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        art = self.artifact
        bits = self.faults.get("weight_bits")
        gain = int(self.faults.get("saturate_gain_bits", 0))
        with tempfile.TemporaryDirectory(prefix="neurokit-loihi-fault-") as tmp:
            if bits is not None or gain:  # faults are configurations of the chip, run through Lava itself
                art = _faulty_copy(self.artifact, Path(tmp), weight_bits=None if bits is None else int(bits), gain=gain)
            raw = run_lava(art, _integer_inputs(inputs)[:steps], timeout_s=self.timeout_s)
        rec = _recording(self.artifact, raw)
        if gain:  # undo the readout gain: what remains is the effect of the 24-bit saturation
            for k in rec.outputs:
                rec.outputs[k] = rec.outputs[k] / 2.0**gain
        return rec

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def _faulty_copy(artifact: Artifact, tmp: Path, *, weight_bits: int | None, gain: int) -> Artifact:
    """A copy of the artifact with a fault: Dense processes with fewer weight bits (Lava truncates the
    LSBs), or the last layer's input scaled by ``2**gain`` so its 24-bit voltage saturates."""
    import shutil

    shutil.copy(Path(artifact.path) / "manifest.json", tmp / "manifest.json")
    with h5py.File(Path(artifact.path) / "layers.h5", "r") as src, h5py.File(tmp / "layers.h5", "w") as dst:
        last = f"layer{len(src) - 1}"
        for k in src:
            src.copy(k, dst)
            if weight_bits is not None:
                del dst[k]["num_weight_bits"]
                dst[k]["num_weight_bits"] = np.int64(weight_bits)
            if gain and k == last:
                for fld, add in (("weight_exp", gain), ("bias_exp", gain)):
                    val = dst[k][fld][()] + add
                    del dst[k][fld]
                    dst[k][fld] = val
    return Artifact(path=tmp, target=artifact.target, manifest=artifact.manifest)


def _integer_inputs(x: np.ndarray) -> np.ndarray:
    xi = np.rint(np.asarray(x, dtype=np.float64))
    if np.any(np.abs(xi - x) > 1e-9) or xi.min() < 0 or xi.max() > 255:
        raise InvalidInputError("Loihi 2 inputs are spike counts: whole numbers in [0, 255]",
                                fix="bin events to counts, or rate-encode analog inputs")
    return xi.astype(np.int64)


def run_lava(artifact: Artifact, x: np.ndarray, *, timeout_s: float = 600.0, hardware: bool = False) -> dict[str, np.ndarray]:
    """Run the artifact in the Lava runtime on integer inputs (T, B, n); raw integer results."""
    x = x.reshape(x.shape[0], x.shape[1], -1)
    with tempfile.TemporaryDirectory(prefix="neurokit-lava-") as tmp:
        in_path, out_path = Path(tmp) / "inputs.h5", Path(tmp) / "result.h5"
        with h5py.File(in_path, "w") as f:
            f.create_dataset("inputs", data=x.astype(np.int32))
        run_in_runtime(RUNNER, [str(artifact.path), str(in_path), str(out_path), *(["--hardware"] if hardware else [])],
                       timeout_s=timeout_s)
        with h5py.File(out_path, "r") as f:
            return {k: f[k][()].astype(np.int64) for k in f}


def _recording(artifact: Artifact | Mapping[str, Any], raw: dict[str, np.ndarray]) -> Recording:
    m = artifact.manifest if isinstance(artifact, Artifact) else artifact
    rec = Recording(dt=float(m["dt"]))
    for k, layer in enumerate(m["layers"]):
        if layer["kind"] != "LI":
            rec.spikes[layer["neuron"]] = raw[f"s{k}"].astype(bool)
        rec.traces[layer["neuron"]] = {"v": raw[f"v{k}"].astype(np.float64), "u": raw[f"u{k}"].astype(np.float64)}
    last = m["layers"][-1]
    out = raw[f"v{len(m['layers']) - 1}"] / last["scale"] if last["kind"] == "LI" else raw[f"s{len(m['layers']) - 1}"]
    rec.outputs[m["output"]] = np.asarray(out, dtype=np.float64)
    return rec


@dataclass
class Loihi2Backend:
    """Intel Loihi 2 through Lava (bit-accurate CPU model here; ``Loihi2HwCfg`` where lava-loihi exists)."""

    name: str = "loihi2"
    lowering: Mapping[type, Any] = field(default_factory=lambda: {
        ir.Input: "RingBuffer", ir.Output: "Monitor", ir.Flatten: "reshape", ir.Linear: "Dense", ir.Affine: "Dense+bias",
        ir.SparseLinear: "Dense", ir.LIF: "LIF", ir.IF: "LIF(dv=0)", ir.LI: "LIF(vth=max)"})

    @property
    def supported_nodes(self) -> tuple[type, ...]:
        return tuple(self.lowering)

    def check(self, graph: ir.Graph) -> list[Problem]:
        return _chain(graph)[1]

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        g = graph.flatten()
        params_list, layers, errors = quantize_graph(g)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "layers.h5", suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
            for k, params in enumerate(params_list):
                grp = f.create_group(f"layer{k}")
                for key, val in params.items():
                    grp.create_dataset(key, data=val)
        ir.write(g, out / "model.nir")
        netx = _export_netx(out / "netx.h5", params_list, layers)
        manifest = {"format": "neurokit-loihi2", "version": 1, "target": self.name, "dt": g.profile.dt,
                    "input": next(iter(g.inputs)), "output": next(iter(g.outputs)), "layers": layers,
                    "quantization_error": errors, "cores": sum(L["cores"] for L in layers), "netx": netx,
                    "run_config": "Loihi2SimCfg(select_tag='fixed_pt'); Loihi2HwCfg with --hardware where lava-loihi exists"}
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        return Artifact(path=out, target=self.name, manifest=manifest)

    def reference_graph(self, artifact: Artifact) -> ir.Graph:
        """The float model with Loihi's timing (:meth:`timed_float_model` of the deployed model)."""
        return self.timed_float_model(ir.read(Path(artifact.path) / "model.nir"))

    def timed_float_model(self, graph: ir.Graph) -> ir.Graph:
        """``graph`` with Loihi's timing: every Dense delivers its spikes one step later, while a
        bias (a neuron parameter on the chip) acts from step 0, so a one-step ``Delay`` goes before
        each feed-forward synapse (recurrent ones are delayed by the loop itself), in place of the
        profile's ``synapse_latency`` (which would delay the bias too)."""
        untimed = graph.with_profile(graph.profile.replace(synapse_latency=0))
        return passes.delay_spikes_into_synapses(untimed, 1, skip=frozenset(_recurrent(graph).values()))

    def reference_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """neurokit's own bit-accurate Loihi mode (NumPy), the board's exact reference."""
        layers = []
        with h5py.File(Path(artifact.path) / "layers.h5", "r") as f:
            for k in range(len(artifact.manifest["layers"])):
                layers.append({key: f[f"layer{k}"][key][()] for key in f[f"layer{k}"]})
        x = _integer_inputs(inputs)[:steps]
        return _recording(artifact, run_layers(layers, x.reshape(x.shape[0], x.shape[1], -1)))

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> LoihiBoard:
        return LoihiBoard(artifact=artifact, faults=dict(faults or {}))


def _export_netx(path: Path, params_list: list[dict[str, Any]], layers: list[dict[str, Any]]) -> dict[str, Any]:
    """Write lava-dl's ``netx.h5`` beside the artifact where netx holds it exactly; otherwise write
    none (a stale one is removed) and say why: the manifest's ``netx`` entry."""
    try:
        write_netx(path, params_list, layers)
    except MappingError as exc:
        path.unlink(missing_ok=True)
        return {"file": None, "refused": exc.problems}
    return {"file": path.name, "input_message_bits": INPUT_MESSAGE_BITS}


def deploy_report(artifact: Artifact) -> str:
    m = artifact.manifest
    lines = [f"loihi2 artifact {artifact.path}: {m['cores']} neuro-core(s); run on {m['run_config']}"]
    for L, e in zip(m["layers"], m["quantization_error"]):
        lines.append(f"  {L['synapse']}->{L['neuron']:<10} {L['kind']:<3} {L['n_in']:>5}->{L['n']:<5} "
                     f"synapses {L['synapses']:>7}  weight_exp {L['weight_exp']:>3}  dv {L['dv']:>4}  vth {L['vth']}  "
                     f"cores {L['cores']}  weight error {e['weight_rel_rms'] * 100:.2f} % rms")
    netx = m.get("netx", {})
    if netx.get("file"):
        lines.append(f"  also written: {netx['file']} (lava-dl netx; load with hdf5.Network(path, "
                     f"input_message_bits={netx['input_message_bits']})), model.nir (float model)")
    else:
        lines.append("  also written: model.nir (float model); no netx.h5: " + "; ".join(netx.get("refused", [])))
    return "\n".join(lines)
