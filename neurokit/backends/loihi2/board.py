"""Running a Loihi 2 artifact: :class:`LoihiBoard` drives Lava (``runner.py`` in the Python 3.10
runtime, out of process) with faults configured on the chip's own parameters; :func:`run_lava` is
the raw call; :func:`recording_from_raw` turns the integer results into a :class:`Recording` (spikes of the
spiking layers, the readout membrane divided by its scale; traces in integer units, for ATRLIF
layers ``v`` is the subtract-reset membrane :math:`v - r - \text{offset}`, with ``v_raw`` and ``r``)."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit.backends.base import Artifact
from neurokit.backends.output_stage import apply_output_stage
from neurokit.errors import BackendUnavailableError, InvalidInputError
from neurokit.sim.recording import Recording

from .options import validate_faults
from .runtime import find_runtime, run_jobs_in_runtime

RUNNER = Path(__file__).with_name("runner.py")
READOUT_KINDS = ("LI", "I", "CubaLI")


@dataclass
class LoihiBoard:
    """Runs an artifact in Lava (CPU ``fixed_pt`` model) in the runtime venv."""

    artifact: Artifact
    timeout_s: float = 600.0
    faults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.faults = validate_faults(self.faults)

    def load(self, artifact: Artifact | None = None) -> None:
        if find_runtime() is None:
            raise BackendUnavailableError("the Lava runtime is not installed",
                                          fix="run `neurokit backends install loihi2` (or `make lava` in a checkout)")

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        art = self.artifact
        bits = self.faults.get("weight_bits")
        gain = int(self.faults.get("saturate_gain_bits", 0))
        with tempfile.TemporaryDirectory(prefix="neurokit-loihi-fault-") as tmp:
            if bits is not None or gain:  # faults are configurations of the chip, run through Lava itself
                art = _faulty_copy(self.artifact, Path(tmp), weight_bits=None if bits is None else int(bits), gain=gain)
            raw = run_lava(art, integer_inputs(inputs, float(art.manifest.get("input_scale", 1.0)))[:steps],
                           timeout_s=self.timeout_s)
        rec = recording_from_raw(self.artifact, raw)
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


def integer_inputs(x: np.ndarray, input_scale: float = 1.0) -> np.ndarray:
    """``input_scale * x`` as spike counts (whole numbers in [0, 255]), or a one-line error."""
    xs = np.asarray(x, dtype=np.float64) * input_scale
    xi = np.rint(xs)
    if np.any(np.abs(xi - xs) > 1e-9) or xi.min() < 0 or xi.max() > 255:
        what = "inputs" if input_scale == 1.0 else f"inputs times input_scale={input_scale:g}"
        raise InvalidInputError(f"Loihi 2 {what} must be spike counts: whole numbers in [0, 255]",
                                fix="bin events to counts, or deploy with option input_scale so that analog "
                                    "inputs times it are whole counts (e.g. 16 for digits), or rate-encode them")
    return xi.astype(np.int64)


def run_lava(artifact: Artifact, x: np.ndarray, *, timeout_s: float = 600.0, hardware: bool = False,
             samples_per_run: int | None = None) -> dict[str, np.ndarray]:
    """Run the artifact in the Lava runtime on integer inputs (T, B, n); raw integer results.
    ``samples_per_run`` samples run at once as independent copies of the network (default: all of
    them in simulation, one on hardware); the results do not depend on it."""
    return run_lava_many([(artifact, x)], timeout_s=timeout_s, hardware=hardware, samples_per_run=samples_per_run)[0]


def run_lava_many(jobs: Sequence[tuple[Artifact, np.ndarray]], *, timeout_s: float = 600.0,
                  hardware: bool = False, samples_per_run: int | None = None) -> list[dict[str, np.ndarray]]:
    """:func:`run_lava` for several ``(artifact, inputs)`` in one Lava process (one import of Lava)."""
    if samples_per_run is not None and int(samples_per_run) < 1:
        raise InvalidInputError(f"samples_per_run must be at least 1, got {samples_per_run}",
                                fix="pass a positive number of samples, or None for all of them at once")
    extra = (["--hardware"] if hardware else []) + ([] if samples_per_run is None else ["--samples-per-run", str(int(samples_per_run))])
    return run_jobs_in_runtime(RUNNER, [(str(artifact.path), x) for artifact, x in jobs], timeout_s=timeout_s,
                               extra_args=extra)


def recording_from_raw(artifact: Artifact | Mapping[str, Any], raw: dict[str, np.ndarray]) -> Recording:
    """The integer results of a run (``s{k}``, ``v{k}`` … per layer) as a :class:`Recording`."""
    m = artifact.manifest if isinstance(artifact, Artifact) else artifact
    rec = Recording(dt=float(m["dt"]))
    for k, layer in enumerate(m["layers"]):
        if layer["kind"] not in READOUT_KINDS:
            rec.spikes[layer["neuron"]] = raw[f"s{k}"].astype(np.int64 if layer.get("multi_spike") else bool)
        traces = {key: raw[f"{key}{k}"].astype(np.float64) for key in ("v", "u", "r") if f"{key}{k}" in raw}
        if "r" in traces:  # ATRLIF (subtractive reset): the membrane is v - r - offset; v and r kept raw
            traces["v_raw"] = traces["v"]
            traces["v"] = traces["v_raw"] - traces["r"] - float(layer["v_offset"])
        rec.traces[layer["neuron"]] = traces
    last = m["layers"][-1]
    out = raw[f"v{len(m['layers']) - 1}"] / last["scale"] if last["kind"] in READOUT_KINDS else raw[f"s{len(m['layers']) - 1}"]
    rec.outputs[m["output"]] = apply_output_stage(m.get("output_stage", []), np.asarray(out, dtype=np.float64))
    return rec
