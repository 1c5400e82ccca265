"""The crossbar backend: ``check`` / ``lower`` (program the tiles) / ``board`` (emulate) / ``reference_graph``.

Artifact (``format: neurokit-crossbar``, version 1): ``manifest.json`` (device, periphery,
layers, read time, seed), ``model.nir`` (the float model, for the digital periphery and as the
HIL reference) and ``conductances.h5`` with, per linear node, the programmed ``g_plus``/``g_minus``
(µS, ``(in, out)``), drift exponents ``nu_plus``/``nu_minus``, ``w_max`` and the digital ``bias``.
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
from neurokit.ir.passes import node_to_csr
from neurokit.sim.recording import Recording
from neurokit.util.atomic import atomic_path, atomic_write_text

from .cost import OPERATIONS, cost_per_inference, format_cost
from .devices import Device, load_device
from .mapping import Periphery, TiledLayer, ir_drop_factor, target_conductances

LINEAR = (ir.Linear, ir.Affine, ir.SparseLinear, ir.Conv1d, ir.Conv2d, ir.SumPool2d, ir.AvgPool2d)
PORTS = (ir.Input, ir.Output, ir.Flatten, ir.Scale, ir.Delay)
MAX_CELLS = 16_000_000


def _dense(node: ir.Node, shapes: tuple[tuple[int, ...], tuple[int, ...]], dt: float) -> tuple[np.ndarray, np.ndarray | None]:
    csr = node_to_csr(node, shapes[0], shapes[1], dt)
    w = np.zeros((csr.n_post, csr.n_pre))
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    np.add.at(w, (csr.indices, pre), csr.weight)
    return w, csr.bias


@dataclass
class CrossbarBoard:
    """Emulates the programmed tiles; neurons run digitally with the reference neuron code (every
    profile rule: reset timing, multi-spike counts, ``v_min``; the float model's initial state)."""

    artifact: Artifact
    faults: Mapping[str, float] = field(default_factory=dict)
    t_inference: float | None = None
    seed: int | None = None

    def load(self, artifact: Artifact | None = None) -> None:
        art = artifact or self.artifact
        m = art.manifest
        self.graph = ir.read(Path(art.path) / "model.nir")
        self.device = load_device(m["device"])
        self.periph = Periphery(**m["periphery"])
        t = float(self.t_inference if self.t_inference is not None else m["t_inference"])
        rng = np.random.default_rng(int(self.seed if self.seed is not None else m["seed"]) + 7919)
        self.layers: dict[str, TiledLayer] = {}
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
                alpha = 1.0
                if self.periph.drift_compensation and self.device.kind != "ideal":
                    ref = np.abs(gp - gm).sum()
                    alpha = float(ref / max(np.abs(g_now).sum(), 1e-30))
                rows, cols = g_now.shape
                drop = np.ones_like(g_now)
                if self.periph.ir_drop > 0:
                    for r0 in range(0, rows, self.periph.tile_rows):
                        for c0 in range(0, cols, self.periph.tile_cols):
                            blk = drop[r0:r0 + self.periph.tile_rows, c0:c0 + self.periph.tile_cols]
                            blk[:] = ir_drop_factor(self.periph.tile_rows, self.periph.tile_cols,
                                                    self.periph.ir_drop)[:blk.shape[0], :blk.shape[1]]
                bias = g["bias"][()] if "bias" in g else None
                self.layers[name] = TiledLayer(g_eff=g_now * drop, w_max=float(g["w_max"][()]),
                                               g_max=self.device.g_max, bias=bias, periph=self.periph, alpha=alpha)

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        """Run ``inputs`` ``(T, B, *shape)``. The recording's ``meta["operations"]`` holds the
        operations counted over the whole batch (:data:`OPERATIONS`, whole numbers); ``self.cost``
        the energy and latency per inference (:func:`neurokit.backends.crossbar.cost.cost_per_inference`)."""
        if not hasattr(self, "layers"):
            self.load()
        flat = self.graph.flatten()
        spiking = tuple(n for n, node in flat.nodes.items() if node.spiking)
        for layer in self.layers.values():
            layer.reset_counts()
        res = run_reference(self.graph, inputs, steps, record=spiking, linear_ops=self.layers)
        shapes = flat.infer_shapes()
        neurons = sum(int(np.prod(shapes[n][1])) for n, node in flat.nodes.items() if isinstance(node, ir.NEURON_TYPES))
        first = next(iter(inputs.values())) if isinstance(inputs, Mapping) else inputs
        self.cost = cost_per_inference({n: layer.counts for n, layer in self.layers.items()}, neurons, steps,
                                       int(np.shape(first)[1]), self.device)
        counts = self.graph.profile.multi_spike  # spike counts, as neurokit.sim records them
        operations = {k: int(round(sum(layer.counts[k] for layer in self.layers.values())))
                      for k in OPERATIONS}
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


#: lowering options (see :class:`~neurokit.backends.crossbar.mapping.Periphery` for the periphery's).
OPTIONS: Mapping[str, Option] = MappingProxyType({
    "device": Option(str, "pcm", "device table hardware/<device>.toml (pcm, rram, ideal)"),
    "seed": Option(int, 0, "seed of programming noise (and, plus 7919, of read noise)"),
    "t_inference": Option(float, 1.0, "seconds after programming at which the tiles are read (drift)"),
    "tile_rows": Option(int, 256, "rows of one tile (word lines)"),
    "tile_cols": Option(int, 256, "columns of one tile (bit lines, one ADC each)"),
    "adc_bits": Option(int, 0, "ADC precision per tile column; 0 = ideal"),
    "adc_range": Option(float, 0.25, "ADC full scale as a fraction of rows x g_max"),
    "dac_bits": Option(int, 0, "input DAC precision; 0 = ideal"),
    "ir_drop": Option(float, 0.0, "first-order IR-drop coefficient rho (0 = none)"),
    "drift_compensation": Option(bool, True, "global drift compensation alpha"),
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


def program_tiles(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """A linear node onto tiles: its dense weight matrix as programmed differential pairs
    (``g_plus``/``g_minus``, drift exponents), the digital bias beside it."""
    w, bias = _dense(node, ctx.shapes[name], ctx.flat.profile.dt)
    gp_t, gm_t, w_max = target_conductances(w, ctx.device)
    g = ctx.h5.create_group(name)
    gp, gm = ctx.device.program(gp_t, ctx.rng), ctx.device.program(gm_t, ctx.rng)
    g.create_dataset("g_plus", data=gp, compression="gzip")
    g.create_dataset("g_minus", data=gm, compression="gzip")
    g.create_dataset("nu_plus", data=ctx.device.drift_coefficients(gp_t, ctx.rng), compression="gzip")
    g.create_dataset("nu_minus", data=ctx.device.drift_coefficients(gm_t, ctx.rng), compression="gzip")
    g.create_dataset("w_max", data=w_max)
    if bias is not None:
        g.create_dataset("bias", data=bias)
    ctx.layers.append(name)
    p = ctx.periph
    tiles = int(np.ceil(w.shape[1] / p.tile_rows) * np.ceil(w.shape[0] / p.tile_cols))
    ctx.report.append({"layer": name, "rows": int(w.shape[1]), "cols": int(w.shape[0]), "tiles": tiles,
                       "devices": int(2 * w.size), "w_max": w_max})
    ctx.placement[name] = "tiles"


def digital_neuron(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """A neuron layer in the digital periphery: run by the reference neuron code on the tiles' sums."""
    ctx.placement[name] = "digital neurons"


def digital_routing(ctx: _Lowering, name: str, node: ir.Node) -> None:
    """Inputs, outputs, reshapes, scales and delays: routing in the digital periphery, no tiles."""
    ctx.placement[name] = "digital routing"


@dataclass
class CrossbarBackend(BackendBase):
    """Resistive-memory crossbar target (device chosen by ``device`` option: pcm, rram, ideal)."""

    name: str = "crossbar"
    options: Mapping[str, Option] = field(default_factory=lambda: OPTIONS)
    faults: Mapping[str, Option] = field(default_factory=lambda: FAULTS)
    sweeps: Mapping[str, str] = field(default_factory=lambda: SWEEPS)
    lowering: Mapping[type, LoweringFunction] = field(default_factory=lambda: MappingProxyType({
        **dict.fromkeys(LINEAR, program_tiles), **dict.fromkeys((*ir.NEURON_TYPES, ir.Threshold), digital_neuron),
        **dict.fromkeys(PORTS, digital_routing)}))

    def check(self, graph: ir.Graph) -> list[Problem]:
        problems = unsupported_nodes(graph, self.lowering, self.name)
        flat = graph.flatten()
        shapes = flat.infer_shapes()
        for name, node in flat.nodes.items():
            if isinstance(node, ir.SparseLinear) and node.delay is not None and np.any(node.delay > 0):
                problems.append(Problem(name, "per-synapse delays cannot be stored in a crossbar",
                                        "use a Delay node before the layer, or drop the delays"))
            if isinstance(node, LINEAR):
                cells = int(np.prod(shapes[name][0])) * int(np.prod(shapes[name][1]))
                if cells > MAX_CELLS:
                    problems.append(Problem(name, f"{cells} cells exceed the emulator's {MAX_CELLS}",
                                            "split the layer or use a sparse target"))
        return problems

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Program every linear node onto tiles and write the artifact; each node goes through its
        function in :attr:`lowering`."""
        opts = self.validate_options(options)
        device = load_device(opts.pop("device"))
        seed, t_inference = opts.pop("seed"), opts.pop("t_inference")
        periph = Periphery(**opts)
        refuse_if_problems(self.check(graph), self.name)
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
        manifest = {"format": "neurokit-crossbar", "version": 1, "target": self.name, "device": device.name,
                    "seed": seed, "t_inference": t_inference, "periphery": dataclasses.asdict(periph),
                    "layers": ctx.layers, "placement": ctx.placement, "neurons": neurons, "report": ctx.report,
                    "energy_pj_per_mac": device.energy_pj_per_mac}
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        return Artifact(path=out, target=self.name, manifest=manifest)

    def reference_graph(self, artifact: Artifact) -> ir.Graph:
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
        from the ``operations/<kind>`` counters of a board run."""
        ops = {k.split("/", 1)[1]: float(v) for k, v in counters.items() if k.startswith("operations/")}
        cost = cost_per_inference({"all": ops}, int(artifact.manifest["neurons"]), steps, samples,
                                  load_device(artifact.manifest["device"]))
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
    m = artifact.manifest
    lines = [f"crossbar artifact {artifact.path} (device {m['device']}, tiles "
             f"{m['periphery']['tile_rows']}x{m['periphery']['tile_cols']}, ADC "
             f"{m['periphery']['adc_bits'] or 'ideal'} bits, read at t={m['t_inference']} s)"]
    total_tiles = total_devices = 0
    for r in m["report"]:
        lines.append(f"  {r['layer']:<12} {r['rows']:>6} x {r['cols']:<6} -> {r['tiles']} tile(s), {r['devices']} devices")
        total_tiles += r["tiles"]
        total_devices += r["devices"]
    lines.append(f"  total: {total_tiles} tiles, {total_devices} devices")
    return "\n".join(lines)
