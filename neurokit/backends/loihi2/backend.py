r"""Loihi 2 backend: check an IR graph against the chip (:mod:`.check`), quantize it to Loihi 2's
fixed-point CUBA neuron (:mod:`.quantize`), write an artifact (``layers.h5``, ``model.nir``,
``manifest.json`` and, where it holds exactly, lava-dl's ``netx.h5``), run it in Lava out of process
(:mod:`.board`) and compare with neurokit's NumPy bit-accurate mode (:mod:`.fixed_point`);
:mod:`.report` prints the artifact. The equations of each step are in those modules' docstrings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.output_stage import describe as describe_output_stage
from neurokit.backends.base import Artifact, BackendBase, LoweringFunction, Option, Problem
from neurokit.errors import MappingError
from neurokit.ir import passes
from neurokit.sim.recording import Recording
from neurokit.util.atomic import atomic_path, atomic_write_text

from .board import RUNNER, LoihiBoard, integer_inputs, recording_from_raw, run_lava, run_lava_many
from .check import MAX_DELAY_STEPS, NEURONS, PORTS, SYNAPSES, plan_layers
from .fixed_point import run_layers
from .netx import INPUT_MESSAGE_BITS, write_netx
from .options import FAULTS, OPTIONS, validate_faults, validate_options
from .quantize import (LI_SCALE, LI_VTH, VTH_MAX, dense_matrix, neuron_program, quantize_graph,
                       quantize_layer)
from .report import deploy_report
from .runtime import runtime_status

__all__ = ["Loihi2Backend", "LoihiBoard", "deploy_report", "quantize_graph", "quantize_layer", "run_lava", "run_lava_many",
           "RUNNER", "LI_SCALE", "LI_VTH", "VTH_MAX", "MAX_DELAY_STEPS", "NEURONS", "SYNAPSES",
           "integer_inputs", "recording_from_raw", "LOWERING", "lower_port", "dense_matrix", "neuron_program"]


def lower_port(name: str, node: ir.Node) -> dict[str, str]:
    """The lowering of the graph's ports: the Input becomes the ``RingBuffer`` the runner feeds
    (``{"input": name}``), the Output the layer whose Monitor is read (``{"output": name}``); a
    Flatten is a reshape (Loihi layers are flat vectors), nothing to store."""
    if isinstance(node, ir.Input):
        return {"input": name}
    if isinstance(node, ir.Output):
        return {"output": name}
    return {}


LOWERING: Mapping[type, LoweringFunction] = MappingProxyType({
    **dict.fromkeys(PORTS, lower_port), **dict.fromkeys(SYNAPSES, dense_matrix),
    **dict.fromkeys(NEURONS, neuron_program)})


@dataclass
class Loihi2Backend(BackendBase):
    """Intel Loihi 2 through Lava (bit-accurate CPU model here; ``Loihi2HwCfg`` where lava-loihi exists).

    ``lowering``: ports -> :func:`lower_port`; every weight node -> :func:`~.quantize.dense_matrix`
    (composed per layer: pools folded into the next Dense; a layer's lone ``Conv2d`` is Lava's ``Conv``
    process where option ``conv_process`` says, :func:`~.quantize.conv_lowered`); every neuron node ->
    :func:`~.quantize.neuron_program` (Lava's ``LIF``; ``ATRLIF`` for subtractive reset)."""

    name: str = "loihi2"
    options: Mapping[str, Option] = field(default_factory=lambda: OPTIONS)
    faults: Mapping[str, Option] = field(default_factory=lambda: FAULTS)
    lowering: Mapping[type, LoweringFunction] = field(default_factory=lambda: LOWERING)

    def check(self, graph: ir.Graph) -> list[Problem]:
        """Every problem at once (:func:`~.check.plan_layers`), node types without a lowering included."""
        return plan_layers(graph)[1]

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        return validate_options(options)

    def validate_faults(self, faults: Mapping[str, Any] | None) -> dict[str, Any]:
        return validate_faults(faults)

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        """Quantize (refusing every problem up front), write ``layers.h5``, ``model.nir``, ``netx.h5``
        where netx holds the layers exactly, and ``manifest.json``."""
        opts = self.validate_options(options)
        g = graph.flatten()
        params_list, layers, errors = quantize_graph(g, input_scale=opts["input_scale"],
                                                     conv_process=opts["conv_process"])
        ports: dict[str, str] = {}
        for name, node in g.nodes.items():
            if isinstance(node, PORTS):
                ports.update(self.lowering[type(node)](name, node))
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "layers.h5", suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
            for k, params in enumerate(params_list):
                grp = f.create_group(f"layer{k}")
                for key, val in params.items():
                    if key == "weights" and "conv_kernel" in params:  # a Conv layer stores its kernel only
                        continue
                    grp.create_dataset(key, data=val)
        ir.write(g, out / "model.nir")
        netx = _export_netx(out / "netx.h5", params_list, layers)
        manifest = {"format": "neurokit-loihi2", "version": 1, "target": self.name, "dt": g.profile.dt,
                    "input": ports["input"], "output": ports["output"], "layers": layers,
                    "input_scale": opts["input_scale"],
                    "conv_process": opts["conv_process"],
                    "output_stage": describe_output_stage(g, next(iter(g.outputs))),  # applied on the host
                    "quantization_error": errors, "cores": sum(L["cores"] for L in layers), "netx": netx,
                    "run_config": "Loihi2SimCfg(select_tag='fixed_pt'); Loihi2HwCfg with --hardware where lava-loihi exists"}
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        return Artifact(path=out, target=self.name, manifest=manifest)

    def numeric_mode_graph(self, artifact: Artifact) -> ir.Graph:
        """The float model with Loihi's timing (:meth:`timed_float_model` of the deployed model)."""
        return self.timed_float_model(ir.read(Path(artifact.path) / "model.nir"))

    def timed_float_model(self, graph: ir.Graph) -> ir.Graph:
        """``graph`` with Loihi's timing: every Dense delivers its spikes one step later, while a bias
        (a neuron parameter on the chip) acts from step 0. So a one-step ``Delay`` goes before each
        layer's first feed-forward synapse, in place of the profile's ``synapse_latency`` (which would
        delay the bias too); recurrent synapses are delayed by the loop itself, synapses composed
        into one Dense (a pool folded into a conv) and delay branches (one DelayDense) share one step; a
        residual path (a second Dense) takes its own step."""
        untimed = graph.with_profile(graph.profile.replace(synapse_latency=0))
        plans = plan_layers(untimed)[0]
        first = frozenset(s for p in plans for s in (*(p.synapses if p.branch_delays is not None else p.synapses[:1]),
                                                     *(syns[0] for syns, _ in p.skip)))
        return passes.delay_spikes_into_synapses(untimed, 1, into=first)

    def numeric_mode_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """neurokit's own bit-accurate Loihi mode (NumPy), the board's exact reference."""
        layers = []
        with h5py.File(Path(artifact.path) / "layers.h5", "r") as f:
            for k in range(len(artifact.manifest["layers"])):
                layers.append({key: f[f"layer{k}"][key][()] for key in f[f"layer{k}"]})
        x = integer_inputs(inputs, float(artifact.manifest.get("input_scale", 1.0)))[:steps]
        return recording_from_raw(artifact, run_layers(layers, x.reshape(x.shape[0], x.shape[1], -1)))

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> LoihiBoard:
        """Lava's CPU model of the chip in the runtime venv; ``faults`` (:data:`~.options.FAULTS`) are
        chip configurations run through Lava itself."""
        return LoihiBoard(artifact=artifact, faults=self.validate_faults(faults))

    def report(self, artifact: Artifact) -> str:
        return deploy_report(artifact)

    def status(self) -> dict[str, Any]:
        return runtime_status()


def _export_netx(path: Path, params_list: list[dict[str, Any]], layers: list[dict[str, Any]]) -> dict[str, Any]:
    """Write lava-dl's ``netx.h5`` beside the artifact where netx holds it exactly; otherwise write
    none (a stale one is removed) and say why: the manifest's ``netx`` entry."""
    try:
        write_netx(path, params_list, layers)
    except MappingError as exc:
        path.unlink(missing_ok=True)
        return {"file": None, "refused": exc.problems}
    return {"file": path.name, "input_message_bits": INPUT_MESSAGE_BITS}
