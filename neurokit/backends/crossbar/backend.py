"""The crossbar backend: ``check`` / ``lower`` (program the arrays) / ``board`` (emulate) /
``numeric_mode_graph`` / ``report`` / ``cost`` — the :class:`~neurokit.backends.base.Backend` protocol.

A layer's stationary matrix (weights of a dense layer, kernel matrix of a convolution; see
:mod:`~neurokit.backends.crossbar.mapping`) is tiled over as many arrays of the chip as it needs;
the chip's array count (``arrays`` in ``hardware/<device>.toml``, or the ``arrays`` option) bounds
the whole net, and a net that needs more is refused naming its largest layer, the arrays needed
and the limit. Pooling, neurons and routing run in the digital periphery.

Artifact (``format: neurokit-crossbar``, version 2): ``manifest.json`` (device, periphery, layers
with their arrays, read time, seed), ``model.nir`` (the float model, for the digital periphery
and as the HIL float model) and ``conductances.h5`` with, per layer on arrays, the programmed
``g_plus``/``g_minus`` (µS, ``(groups, rows, cols)``), drift exponents ``nu_plus``/``nu_minus``
and ``w_max``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.base import (Artifact, BackendBase, LoweringFunction, Option, Problem, refuse_if_problems,
                                    unsupported_nodes)
from neurokit.dynamics.reference import run_reference
from neurokit.errors import ConfigError
from neurokit.sim.recording import Recording
from neurokit.util.atomic import atomic_path, atomic_write_text

from .cost import OPERATIONS, cost_per_inference, format_cost
from .devices import Device, load_device
from .mapping import (CONV, DENSE, DigitalPool, Periphery, TiledLayer, arrays_needed, ir_drop_factor, matrix_shape,
                      per_array, stationary_matrix, target_conductances)

ON_ARRAYS = (*DENSE, *CONV)
POOLS = (ir.SumPool2d, ir.AvgPool2d)
PORTS = (ir.Input, ir.Output, ir.Flatten, ir.Scale, ir.Delay)

#: lowering options (see :class:`~neurokit.backends.crossbar.mapping.Periphery` for the periphery's).
OPTIONS: Mapping[str, Option] = MappingProxyType({
    "device": Option(str, "pcm", "device table hardware/<device>.toml (pcm, rram, ideal)"),
    "seed": Option(int, 0, "seed of programming noise (and, plus 7919, of read noise)"),
    "t_inference": Option(float, 1.0, "seconds after programming at which the arrays are read (drift)", low=0.0),
    "tile_rows": Option(int, None, "rows of one array (word lines); None = the device table's array_rows", low=1),
    "tile_cols": Option(int, None, "columns of one array (bit lines, one ADC each); None = its array_cols", low=1),
    "arrays": Option(int, None, "arrays on the chip; None = the device table's arrays", low=1),
    "adc_bits": Option(int, 0, "ADC precision per array column; 0 = ideal", low=0, high=32),
    "adc_range": Option(float, 0.25, "ADC full scale as a fraction of rows x g_max", low=0.0),
    "dac_bits": Option(int, 0, "input DAC precision; 0 = ideal", low=0, high=32),
    "ir_drop": Option(float, 0.0, "first-order IR-drop coefficient rho (0 = none)", low=0.0),
    "drift_compensation": Option(bool, True, "drift compensation alpha per array"),
})
#: fault keys a board injects.
FAULTS: Mapping[str, Option] = MappingProxyType({
    "stuck_on_rate": Option(float, 0.0, "fraction of cells stuck at g_max, in [0, 1]"),
    "stuck_off_rate": Option(float, 0.0, "fraction of cells stuck at 0, in [0, 1]"),
})
SWEEPS: Mapping[str, str] = MappingProxyType({
    "drift": "accuracy vs time after programming", "adc": "accuracy vs ADC bits",
    "faults": "accuracy vs stuck-at fault rate"})


@dataclass
class CrossbarBoard:
    """Emulates the programmed arrays; neurons and pooling run digitally with the reference code
    (every profile rule: reset timing, multi-spike counts, ``v_min``; the float model's initial state)."""

    artifact: Artifact
    faults: Mapping[str, float] = field(default_factory=dict)
    t_inference: float | None = None
    seed: int | None = None

    def load(self, artifact: Artifact | None = None) -> None:
        """Read the conductances at ``t_inference`` with the device model, per array: faults,
        drift and read noise per cell, IR drop over each array's rows and columns, drift
        compensation per array."""
        art = artifact or self.artifact
        m = art.manifest
        self.graph = ir.read(Path(art.path) / "model.nir")
        flat = self.graph.flatten()
        shapes = flat.infer_shapes()
        self.device = load_device(m["device"])
        self.periph = Periphery(**m["periphery"])
        t = float(self.t_inference if self.t_inference is not None else m["t_inference"])
        rng = np.random.default_rng(int(self.seed if self.seed is not None else m["seed"]) + 7919)
        self.layers: dict[str, TiledLayer | DigitalPool] = {}
        with h5py.File(Path(art.path) / "conductances.h5", "r") as f:
            for name in m["layers"]:
                g = f[name]
                gp, gm = g["g_plus"][()], g["g_minus"][()]
                if self.faults:
                    dev = self.device.with_faults(stuck_on_rate=float(self.faults.get("stuck_on_rate", 0.0)),
                                                  stuck_off_rate=float(self.faults.get("stuck_off_rate", 0.0)))
                    gp, gm = _inject_stuck(gp, dev, rng), _inject_stuck(gm, dev, rng)
                g_now = (self.device.at_time(gp, g["nu_plus"][()], t, rng)
                         - self.device.at_time(gm, g["nu_minus"][()], t, rng))
                alpha = None
                if self.periph.drift_compensation and self.device.kind != "ideal":
                    alpha = np.ones_like(g_now)
                    for k, rows, cols in per_array(g_now.shape, self.periph):
                        now = np.abs(g_now[k, rows, cols]).sum()
                        alpha[k, rows, cols] = np.abs(gp[k, rows, cols] - gm[k, rows, cols]).sum() / now if now else 1.0
                if self.periph.ir_drop > 0:
                    drop = ir_drop_factor(self.periph.tile_rows, self.periph.tile_cols, self.periph.ir_drop)
                    for k, rows, cols in per_array(g_now.shape, self.periph):
                        g_now[k, rows, cols] *= drop[:rows.stop - rows.start, :cols.stop - cols.start]
                node = flat.nodes[name]
                self.layers[name] = TiledLayer(g_eff=g_now, w_max=float(g["w_max"][()]), g_max=self.device.g_max,
                                               matrix=stationary_matrix(node, *shapes[name], flat.profile.dt),
                                               periph=self.periph, alpha=alpha)
        for name, node in flat.nodes.items():
            if isinstance(node, POOLS):
                self.layers[name] = DigitalPool(node=node, in_shape=tuple(shapes[name][0]))

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        """Run ``inputs`` ``(T, B, *shape)``. The recording's ``meta["operations"]`` holds the
        operations counted over the whole batch (:data:`~.cost.OPERATIONS`, whole numbers);
        ``self.cost`` the energy and latency per inference (:func:`~.cost.cost_per_inference`)."""
        if not hasattr(self, "layers"):
            self.load()
        flat = self.graph.flatten()
        spiking = tuple(n for n, node in flat.nodes.items() if node.spiking)
        for layer in self.layers.values():
            layer.reset_counts()
        res = run_reference(self.graph, inputs, steps, record=spiking, linear_ops=self.layers)
        first = next(iter(inputs.values())) if isinstance(inputs, Mapping) else inputs
        self.cost = cost_per_inference({n: layer.counts for n, layer in self.layers.items()},
                                       int(self.artifact.manifest["neurons"]), steps, int(np.shape(first)[1]),
                                       self.device)
        operations = {k: int(round(sum(layer.counts[k] for layer in self.layers.values()))) for k in OPERATIONS}
        counts = self.graph.profile.multi_spike  # spike counts, as neurokit.sim records them
        return Recording(dt=self.graph.profile.dt, outputs=dict(res.outputs),
                         spikes={n: np.rint(res.node_outputs[n]).astype(np.int64) if counts and
                                 not isinstance(flat.nodes[n], ir.Threshold) else res.node_outputs[n] > 0.5
                                 for n in spiking}, meta={"operations": operations})

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def _inject_stuck(g: np.ndarray, dev: Device, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(g.shape)
    g = np.where(u < dev.stuck_off_rate, 0.0, g)
    return np.where((u >= dev.stuck_off_rate) & (u < dev.stuck_off_rate + dev.stuck_on_rate), dev.g_max, g)


@dataclass
class _Lowering:
    """What the lowering functions write into: the open conductance file and the manifest's parts."""

    flat: ir.Graph
    shapes: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]]
    device: Device
    periph: Periphery
    rng: np.random.Generator
    h5: Any
    layers: list[str] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    placement: dict[str, str] = field(default_factory=dict)


def program_arrays(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """A dense layer or a convolution onto arrays: its stationary matrix as programmed
    differential pairs (``g_plus``/``g_minus``, drift exponents); the bias stays digital."""
    m = stationary_matrix(node, *ctx.shapes[name], ctx.flat.profile.dt)
    gp_t, gm_t, w_max = target_conductances(m.weight, ctx.device)
    g = ctx.h5.create_group(name)
    gp, gm = ctx.device.program(gp_t, ctx.rng), ctx.device.program(gm_t, ctx.rng)
    g.create_dataset("g_plus", data=gp, compression="gzip")
    g.create_dataset("g_minus", data=gm, compression="gzip")
    g.create_dataset("nu_plus", data=ctx.device.drift_coefficients(gp_t, ctx.rng), compression="gzip")
    g.create_dataset("nu_minus", data=ctx.device.drift_coefficients(gm_t, ctx.rng), compression="gzip")
    g.create_dataset("w_max", data=w_max)
    ctx.layers.append(name)
    groups, rows, cols = m.weight.shape
    ctx.report.append({"layer": name, "groups": groups, "rows": rows, "cols": cols,
                       "vectors_per_step": int(m.patches.shape[1]), "tiles": arrays_needed(m.weight.shape, ctx.periph),
                       "devices": int(2 * m.weight.size), "w_max": w_max})
    ctx.placement[name] = "arrays"


def digital_pool(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """Sum/average pooling in the digital periphery (adders, no arrays)."""
    ctx.placement[name] = "digital pooling"


def digital_neuron(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """A neuron layer in the digital periphery: run by the reference neuron code on the arrays' sums."""
    ctx.placement[name] = "digital neurons"


def digital_routing(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """Inputs, outputs, reshapes, scales and delays: routing in the digital periphery, no arrays."""
    ctx.placement[name] = "digital routing"


def capacity_problems(graph: ir.Graph, periph: Periphery, arrays: int, device: str) -> list[Problem]:
    """One problem, naming the largest layer, when the net needs more arrays than the chip has."""
    flat = graph.flatten()
    shapes = flat.infer_shapes()
    need = {name: arrays_needed(matrix_shape(node, *shapes[name]), periph)
            for name, node in flat.nodes.items() if isinstance(node, ON_ARRAYS)}
    total = sum(need.values())
    if total <= arrays:
        return []
    largest = max(need, key=lambda n: need[n])
    return [Problem(largest, f"the net needs {total} arrays of {periph.tile_rows}x{periph.tile_cols} cells but the "
                             f"{device} chip has {arrays}; this layer alone needs {need[largest]} "
                             f"({', '.join(f'{n}: {k}' for n, k in need.items())})",
                    "shrink the layer, or choose a chip with more or larger arrays "
                    "(options arrays=N, tile_rows=R, tile_cols=C)")]


@dataclass
class CrossbarBackend(BackendBase):
    """Resistive-memory crossbar target (device chosen by ``device`` option: pcm, rram, ideal)."""

    name: str = "crossbar"
    options: Mapping[str, Option] = field(default_factory=lambda: OPTIONS)
    faults: Mapping[str, Option] = field(default_factory=lambda: FAULTS)
    sweeps: Mapping[str, str] = field(default_factory=lambda: SWEEPS)
    lowering: Mapping[type, LoweringFunction] = field(default_factory=lambda: MappingProxyType({
        **dict.fromkeys(ON_ARRAYS, program_arrays), **dict.fromkeys(POOLS, digital_pool),
        **dict.fromkeys((*ir.NEURON_TYPES, ir.Threshold), digital_neuron), **dict.fromkeys(PORTS, digital_routing)}))

    def check(self, graph: ir.Graph) -> list[Problem]:
        """Node types without a lowering and per-synapse delays; the array count depends on the
        options and is checked by :meth:`lower`."""
        problems = unsupported_nodes(graph, self.lowering, self.name)
        for name, node in graph.flatten().nodes.items():
            if isinstance(node, ir.SparseLinear) and node.delay is not None and np.any(node.delay > 0):
                problems.append(Problem(name, "per-synapse delays cannot be stored in a crossbar",
                                        "use a Delay node before the layer, or drop the delays"))
        return problems

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Program every layer onto arrays and write the artifact; each node goes through its
        function in :attr:`lowering`. Refuses a net that needs more arrays than the chip has."""
        opts = self.validate_options(options)
        device = load_device(opts.pop("device"))
        seed, t_inference, arrays = opts.pop("seed"), opts.pop("t_inference"), opts.pop("arrays")
        opts["tile_rows"] = device.array_rows if opts["tile_rows"] is None else opts["tile_rows"]
        opts["tile_cols"] = device.array_cols if opts["tile_cols"] is None else opts["tile_cols"]
        arrays = device.arrays if arrays is None else arrays
        for key in ("tile_rows", "tile_cols"):
            if opts[key] < 1:
                raise ConfigError(f"crossbar option {key!r} must be >= 1, got {opts[key]}", fix="e.g. 256")
        if arrays < 1:
            raise ConfigError(f"crossbar option 'arrays' must be >= 1, got {arrays}", fix="e.g. 64")
        periph = Periphery(**opts)
        refuse_if_problems(self.check(graph), self.name)
        refuse_if_problems(capacity_problems(graph, periph, arrays, device.name), self.name)
        flat = graph.flatten()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "conductances.h5", suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
            ctx = _Lowering(flat=flat, shapes=flat.infer_shapes(), device=device, periph=periph,
                            rng=np.random.default_rng(seed), h5=f)
            for name, node in flat.nodes.items():
                self.lowering[type(node)](ctx, name, node)
        ir.write(flat, out / "model.nir")
        neurons = sum(int(np.prod(ctx.shapes[n][1])) for n, node in flat.nodes.items()
                      if isinstance(node, ir.NEURON_TYPES))
        manifest = {"format": "neurokit-crossbar", "version": 2, "target": self.name, "device": device.name,
                    "seed": seed, "t_inference": t_inference, "periphery": dataclasses.asdict(periph),
                    "arrays": {"used": sum(r["tiles"] for r in ctx.report), "chip": arrays},
                    "layers": ctx.layers, "placement": ctx.placement, "neurons": neurons, "report": ctx.report,
                    "energy_pj_per_mac": device.energy_pj_per_mac}
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        return Artifact(path=out, target=self.name, manifest=manifest)

    def numeric_mode_graph(self, artifact: Artifact) -> ir.Graph:
        """The float model: an analog target is compared with float64 simulation."""
        return ir.read(Path(artifact.path) / "model.nir")

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> CrossbarBoard:
        """The emulator; ``faults`` (:data:`FAULTS`) are stuck-at rates in [0, 1]."""
        values = self.validate_faults(faults)
        for key, rate in values.items():
            if not 0.0 <= rate <= 1.0:
                raise ConfigError(f"crossbar fault {key!r} must be a rate in [0, 1], got {rate}", fix="e.g. 0.01")
        return CrossbarBoard(artifact=artifact, faults={k: v for k, v in values.items() if v})

    def report(self, artifact: Artifact) -> str:
        return deploy_report(artifact)

    def cost(self, artifact: Artifact, counters: Mapping[str, int], *, steps: int,
             samples: int) -> dict[str, Any] | None:
        """Energy and latency per inference (:func:`~neurokit.backends.crossbar.cost.cost_per_inference`)
        from the ``operations/<kind>`` counters of a board run, and the arrays the net occupies."""
        ops = {k.split("/", 1)[1]: float(v) for k, v in counters.items() if k.startswith("operations/")}
        cost = cost_per_inference({"all": ops}, int(artifact.manifest["neurons"]), steps, samples,
                                  load_device(artifact.manifest["device"]))
        cost["arrays"] = int(artifact.manifest["arrays"]["used"])
        return {**cost, "summary": format_cost(cost)}

    def status(self) -> dict[str, Any]:
        return {"ready": True, "detail": "emulator built in (devices: hardware/pcm.toml, rram.toml, ideal.toml)"}

    def sweep(self, artifact: Artifact, kind: str) -> dict[str, Any]:
        """Accuracy vs ``kind`` (:data:`SWEEPS`) on event-digits test samples (:func:`.sweeps.sweep`)."""
        if kind not in self.sweeps:
            return super().sweep(artifact, kind)
        from .sweeps import sweep

        return sweep(artifact, kind)


def deploy_report(artifact: Artifact) -> str:
    """The arrays each layer occupies, and the chip's total."""
    m = artifact.manifest
    p = m["periphery"]
    lines = [f"crossbar artifact {artifact.path} (device {m['device']}, arrays {p['tile_rows']}x{p['tile_cols']}, "
             f"ADC {p['adc_bits'] or 'ideal'} bits, read at t={m['t_inference']} s)"]
    for r in m["report"]:
        groups = f"{r['groups']} x " if r["groups"] > 1 else ""
        lines.append(f"  {r['layer']:<12} {groups}{r['rows']:>6} x {r['cols']:<6} -> {r['tiles']} array(s), "
                     f"{r['vectors_per_step']} MVM(s)/step max, {r['devices']} devices")
    lines.append(f"  total: {m['arrays']['used']} of the chip's {m['arrays']['chip']} arrays, "
                 f"{sum(r['devices'] for r in m['report'])} devices; pooling, neurons and partial sums digital")
    return "\n".join(lines)
