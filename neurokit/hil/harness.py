"""The hardware-in-the-loop harness: one model, the same inputs, the float model and every target.

For each target the harness (1) asks the backend to check the graph (all problems at once),
(2) lowers it to an artifact, (3) runs the artifact on a board in its own process with a
timeout — a crash or hang is reported for that target and the harness goes on — and (4)
measures both seams of the board's run:

* ``own_mode`` — against the target's own numeric mode in neurokit (``Backend.numeric_mode_run``:
  a bit-accurate integer mode of its own, or :mod:`neurokit.sim` on ``numeric_mode_graph``). Bit-exact agreement is
  expected; a divergence here is an implementation fault (lowering, runtime, board, injected fault).
* ``float_model`` — against the float model: the graph as given, run by :mod:`neurokit.sim` in
  float64, at the target's declared timing (its ``synapse_latency``: a chip that delivers every
  synaptic event one step later is compared with the float model shifted the same way, and the
  shift is listed in ``profile_changes``, rather than counted as lost spikes). A divergence here
  that ``own_mode`` does not show comes from quantisation or from the target's semantics.

Each seam carries the spike agreement, the first divergence (sample, step, node, neuron, expected,
got), the spike counts, per-layer figures and the largest output difference; the accuracy of every
target is compared with the float model's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.backends.base import Artifact, Backend
from neurokit.errors import MappingError, NeurokitError
from neurokit.ir import Graph

from . import metrics
from .board_process import check_run_shapes, run_board_process
from .runs import RunArrays, from_recording
from .worker import resolve_backend


#: ``report.json``'s format name and version (2: the two seams ``own_mode`` and ``float_model``; 3: the float
#: model's accuracy is ``float_accuracy``, formerly ``reference_accuracy``).
REPORT_FORMAT, REPORT_VERSION = "neurokit-hil-report", 3
#: What the float seam compares with.
FLOAT_MODEL = "neurokit.sim, float64, the graph as given"


@dataclass(frozen=True)
class Comparison:
    r"""A target's run against one reference run: one seam.

    ``spike_agreement`` is :func:`metrics.spike_agreement` (identical spike events / all spike
    events) over the nodes both runs recorded; ``first_divergence`` is
    :meth:`metrics.Divergence.as_dict` or ``None``; ``spikes_expected`` / ``spikes_got`` count the
    spike events of the reference and of the target; ``output_max_abs_diff`` is
    :math:`\max |y_{target} - y_{ref}|` over the Output nodes (for an LI readout the membrane
    itself, in model units); ``profile_changes`` lists the execution-profile fields, other than
    ``numeric``, in which the target's own mode differs from the reference (``{field: [reference,
    target]}``, float seam only)."""

    reference: str
    spike_agreement: float
    first_divergence: dict[str, Any] | None
    spikes_expected: int
    spikes_got: int
    layer_correlation: dict[str, float] = field(default_factory=dict)
    van_rossum: dict[str, float] = field(default_factory=dict)
    output_max_abs_diff: float | None = None
    profile_changes: dict[str, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "spike_agreement": self.spike_agreement,
                "first_divergence": self.first_divergence,
                "spikes": {"expected": self.spikes_expected, "got": self.spikes_got},
                "layer_correlation": self.layer_correlation, "van_rossum": self.van_rossum,
                "output_max_abs_diff": self.output_max_abs_diff, "profile_changes": self.profile_changes}


@dataclass
class TargetResult:
    """What the harness found for one target: status, both seams, accuracy, board diagnostics."""

    target: str
    status: str  # "ok", "refused", "failed", "timeout"
    error: str = ""
    wall_s: float = 0.0
    own_mode: Comparison | None = None  # vs the target's own numeric mode: implementation faults
    float_model: Comparison | None = None  # vs the float64 model as given: quantisation and semantics
    accuracy: float | None = None
    accuracy_delta: float | None = None  # accuracy - the float model's accuracy
    faults: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)  # the board's diagnostics, e.g. saturations
    cost: dict[str, Any] | None = None  # Backend.cost of the run: energy and latency per inference
    run: RunArrays | None = field(default=None, repr=False)
    own_mode_run: RunArrays | None = field(default=None, repr=False)  # the run in the target's own numeric mode

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "status": self.status, "error": self.error, "wall_s": self.wall_s,
                "own_mode": self.own_mode.as_dict() if self.own_mode else None,
                "float_model": self.float_model.as_dict() if self.float_model else None,
                "accuracy": self.accuracy, "accuracy_delta": self.accuracy_delta,
                "faults": self.faults, "counters": self.counters, "cost": self.cost}


@dataclass
class HilReport:
    """All targets' results plus the float model's accuracy and run."""

    model: str
    samples: int
    steps: int
    float_accuracy: float | None  # the float model's
    targets: list[TargetResult]
    float_run: RunArrays | None = field(default=None, repr=False)  # the float model's run

    def as_dict(self) -> dict[str, Any]:
        return {"format": REPORT_FORMAT, "version": REPORT_VERSION, "model": self.model, "samples": self.samples,
                "steps": self.steps, "float_model": FLOAT_MODEL, "float_accuracy": self.float_accuracy,
                "targets": {t.target: t.as_dict() for t in self.targets}}


def float_model(graph: Graph) -> Graph:
    """The float model of the float seam: ``graph`` as given, with ``numeric = "float64"``
    (a ``fixed_point`` integration becomes ``exact``, whose coefficients it quantizes)."""
    changes: dict[str, Any] = {"numeric": "float64"}
    if graph.profile.integration == "fixed_point":
        changes["integration"] = "exact"
    return graph.with_profile(graph.profile.replace(**changes))


def timing_changes(floating: Graph, timed: Graph) -> dict[str, list[Any]]:
    """How the target's timing differs from the float model: :func:`profile_changes`, and a
    latency written as ``Delay`` nodes (:func:`neurokit.ir.passes.delay_spikes_into_synapses`)
    reported as ``synapse_latency``."""
    changes = profile_changes(floating, timed)
    as_delays = int(timed.metadata.get("synapse_latency_as_delays", 0))
    if as_delays:
        changes["synapse_latency"] = [floating.profile.synapse_latency, timed.profile.synapse_latency + as_delays]
        if changes["synapse_latency"][0] == changes["synapse_latency"][1]:
            del changes["synapse_latency"]
    return changes


def profile_changes(reference: Graph, target: Graph) -> dict[str, list[Any]]:
    """Execution-profile fields other than ``numeric`` in which ``target`` differs from
    ``reference``: ``{field: [reference value, target value]}`` (non-finite numbers as text)."""
    def plain(v: Any) -> Any:
        return str(v) if isinstance(v, float) and not np.isfinite(v) else v

    a, b = reference.profile.to_dict(), target.profile.to_dict()
    return {k: [plain(a[k]), plain(b[k])] for k in a if k != "numeric" and a[k] != b[k]}


def simulate_arrays(graph: Graph, inputs: np.ndarray, steps: int) -> RunArrays:
    """Run ``graph`` in :mod:`neurokit.sim` (as its profile says); spike trains and outputs."""
    from neurokit import sim

    return from_recording(sim.simulate(graph, inputs, steps, record=("spikes",)))


def compare(reference: RunArrays, test: RunArrays, order: Sequence[str], dt: float, tau: float = 0.02, *,
            description: str = "", changes: Mapping[str, list[Any]] | None = None) -> Comparison:
    """One seam: agreement, first divergence, spike counts, per-layer correlation and van Rossum
    distance over the spiking nodes both runs recorded (in ``order``), and the largest output
    difference. ``description`` names the reference run."""
    nodes = [n for n in order if n in reference.spikes and n in test.spikes]
    ref = {n: reference.spikes[n] for n in nodes}
    got = {n: test.spikes[n] for n in nodes}
    div = metrics.first_divergence(ref, got, order=nodes)
    common = [k for k in reference.outputs if k in test.outputs]
    out_diff = (float(max(np.abs(np.asarray(test.outputs[k], np.float64)
                                 - np.asarray(reference.outputs[k], np.float64)).max() for k in common))
                if common else None)
    return Comparison(
        reference=description, spike_agreement=metrics.spike_agreement(ref, got),
        first_divergence=div.as_dict() if div else None,
        spikes_expected=metrics.spike_count(ref), spikes_got=metrics.spike_count(got),
        layer_correlation={n: metrics.spike_count_correlation(ref[n], got[n]) for n in nodes},
        van_rossum={n: metrics.van_rossum_distance(ref[n], got[n], dt=dt, tau=tau) for n in nodes},
        output_max_abs_diff=out_diff, profile_changes=dict(changes or {}))


def _accuracy(run: RunArrays, labels: np.ndarray | None) -> float | None:
    if labels is None or not run.outputs:
        return None
    return metrics.accuracy(next(iter(run.outputs.values())), labels)


def _target_name(spec: str, backend: Backend) -> str:
    """The name results are filed under: the spec, or the backend's name for a ``module:OBJECT`` spec."""
    explicit = ":" in spec and "." in spec.split(":", 1)[0]
    return str(backend.name) if explicit else spec


def check_target_names(targets: Sequence[str]) -> None:
    """Refuse, before any data loads, an empty target list and any name that is not a registered
    target (with a device from ``hardware/``) or an importable ``module:OBJECT`` backend; a
    target whose runtime is missing is left to the run (a ``failed`` row)."""
    from neurokit.errors import BackendUnavailableError, InvalidInputError

    if not targets:
        raise InvalidInputError("no targets given", fix="e.g. --targets loihi2,spinnaker,crossbar:pcm")
    for spec in targets:
        try:
            resolve_backend(spec)
        except BackendUnavailableError:
            continue
        except (ImportError, AttributeError) as exc:
            raise InvalidInputError(f"target {spec!r} cannot be loaded ({exc})",
                                    fix="name a registered target or an importable module:OBJECT") from None


def validate_target_settings(targets: Sequence[str], faults: Mapping[str, Mapping[str, Any]] | None,
                             options: Mapping[str, Mapping[str, Any]] | None) -> None:
    """Refuse, before anything runs, faults or options for a target not in ``targets`` and any key
    or value a target does not declare (:meth:`Backend.validate_faults`, ``validate_options``)."""
    from neurokit.errors import ConfigError

    names: dict[str, Backend | None] = {}
    for spec in targets:
        try:
            backend = resolve_backend(spec)
        except (NeurokitError, ImportError, AttributeError):
            names[spec] = None  # unknown or unavailable: reported for that target by the run itself
            continue
        names[_target_name(spec, backend)] = backend
    for what, given in (("fault", faults), ("option", options)):
        for name, values in (given or {}).items():
            if name not in names:
                raise ConfigError(f"{what}s given for {name!r}, which is not among the targets {sorted(names)}",
                                  fix=f"name one of the targets, e.g. {next(iter(names), 'crossbar:pcm')}:KEY=VALUE")
            backend = names[name]
            if backend is None:
                continue
            if what == "fault":
                backend.validate_faults(values)
            else:
                backend.validate_options({**values, **({"device": name.split(":", 1)[1]} if ":" in name else {})})


def run_hil(graph: Graph, targets: Sequence[str], inputs: np.ndarray, *, labels: np.ndarray | None = None,
            steps: int | None = None, out_dir: str | Path, timeout_s: float = 600.0,
            faults: Mapping[str, Mapping[str, Any]] | None = None, options: Mapping[str, Mapping[str, Any]] | None = None,
            model_name: str = "model") -> HilReport:
    """Run ``graph`` on the float model and on every target with the same ``inputs`` ``(T, B, *shape)``;
    each target's run is compared with its own numeric mode and with the float model.

    ``faults`` and ``options`` map a target to its fault-injection and lowering options.
    """
    validate_target_settings(targets, faults, options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = steps or int(inputs.shape[0])
    order = graph.flatten().topological_order()
    floating = float_model(graph)
    float_run = simulate_arrays(floating, inputs, steps)
    float_runs: dict[str, RunArrays] = {}  # the float model at each target's timing
    float_acc = _accuracy(float_run, labels)
    results = []
    for spec in targets:
        res = TargetResult(target=spec, status="ok")
        t0 = time.perf_counter()
        try:
            backend = resolve_backend(spec)
            explicit = ":" in spec and "." in spec.split(":", 1)[0]  # "module:OBJECT" spec
            name = res.target = _target_name(spec, backend)
            res.faults = dict((faults or {}).get(name, {}))
            problems = backend.check(graph)
            if problems:
                res.status, res.error = "refused", "; ".join(str(p) for p in problems)
                results.append(res)
                continue
            lower_opts = dict((options or {}).get(name, {}))
            if ":" in spec and not explicit:
                lower_opts.setdefault("device", spec.split(":", 1)[1])  # e.g. crossbar:pcm
            artifact_dir = out / "artifacts" / name.replace(":", "_")
            t1 = time.perf_counter()
            # lowering happens in the board's process, under the same timeout (a hang there is a timeout row)
            run = run_board_process(spec, artifact_dir, inputs, steps, timeout_s=timeout_s, faults=res.faults,
                                    lower=(graph, lower_opts))
            artifact = Artifact.open(artifact_dir)
            reference = from_recording(backend.numeric_mode_run(artifact, inputs, steps))
            check_run_shapes(run, reference, spec)
            own = f"{name}'s own numeric mode in neurokit ({type(backend).__name__}.numeric_mode_run)"
            res.wall_s = time.perf_counter() - t1
            res.run, res.own_mode_run, res.counters = run, reference, dict(run.counters)
            res.cost = backend.cost(artifact, run.counters, steps=steps, samples=int(inputs.shape[1]))
            dt = graph.profile.dt
            res.own_mode = compare(reference, run, order, dt, description=own)
            timed = backend.timed_float_model(floating)
            if timed is not floating and name not in float_runs:
                float_runs[name] = simulate_arrays(timed, inputs, steps)
            res.float_model = compare(float_runs.get(name, float_run), run, order, dt,
                                      description=FLOAT_MODEL + ("" if timed is floating else ", at the target's timing"),
                                      changes=timing_changes(floating, timed))
            res.accuracy = _accuracy(run, labels)
            if res.accuracy is not None and float_acc is not None:
                res.accuracy_delta = res.accuracy - float_acc
        except MappingError as exc:  # e.g. a net larger than the chip, found while lowering with the options
            res.status, res.error = "refused", str(exc)
            res.wall_s = time.perf_counter() - t0
        except NeurokitError as exc:
            res.status = "timeout" if isinstance(exc, TimeoutError) else "failed"
            res.error = str(exc)
            res.wall_s = res.wall_s or time.perf_counter() - t0
        except Exception as exc:  # a backend's own bug (check() raising, a bad shape): this row, not the run
            res.status = "failed"
            res.error = " ".join(f"{type(exc).__name__} in the backend: {exc}".split())
            res.wall_s = res.wall_s or time.perf_counter() - t0
        results.append(res)
    return HilReport(model=model_name, samples=int(inputs.shape[1]), steps=steps, float_accuracy=float_acc,
                     targets=results, float_run=float_run)
