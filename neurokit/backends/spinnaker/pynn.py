r"""The PyNN path: export a SpiNNaker artifact as a self-contained PyNN program that runs on NEST,
Brian2 and sPyNNaker (the same script for all three; ``python model.py nest|brian2|spiNNaker``).

``write_pynn(artifact)`` writes ``pynn/model.py`` (a copy of :mod:`.pynn_script`: generic code, no
model data and no user strings in it), ``pynn/network.json`` (populations, projections, dt) and
``pynn/network.npz`` (per-neuron parameters, ``FromListConnector`` lists ``pre, post, weight,
delay``); :func:`write_pynn_inputs` writes ``pynn/inputs.npz`` (the script's default inputs: the
0/1 spikes, time-first ``(T, B, n_input)``, neurokit's input-file layout). No pickle anywhere.

**Neuron mapping.** Each LIF, IF or LI population becomes PyNN's ``IF_curr_delta``, with every
parameter kept per neuron (nothing averaged). PyNN's membrane is

.. math:: c_m \dot v = \frac{c_m}{\tau_m}(v_{rest} - v) + i_{offset} + c_m \sum_k w_k\,\delta(t - t_k),

i.e. :math:`\tau_m \dot v = v_{rest} - v + R_m\, i_{offset}` with :math:`R_m = \tau_m / c_m` plus a
jump of :math:`w_k` mV per arriving spike. neurokit's LIF is
:math:`\tau \dot v = v_{leak} - v + R\,(W z + b)`, the input held over one step; exactly integrated,
:math:`v' = a v + (1 - a)(v_{leak} + R b) + (1 - a) R\, W z` with :math:`a = e^{-dt/\tau}`. Hence
(neurokit's unit of :math:`v` read as mV, its current as nA):

* :math:`\tau_m = 1000\,\tau` ms, :math:`v_{rest} = v_{leak}`, :math:`c_m = \tau_m / R` nF (so
  :math:`R_m = R` MΩ), ``i_offset`` :math:`= b` (the biases of every projection into the population);
* synaptic weight :math:`w = g\,R\,W` mV with the exact input gain :math:`g = 1 - a` (a spike's whole
  contribution of one step, delivered as one jump), ``excitatory`` for :math:`W > 0`, ``inhibitory``
  with :math:`|w|` for :math:`W < 0`;
* IF (:math:`\dot v = R x`): :math:`\tau_m = 10^9` ms (:math:`v` leaks by a relative
  :math:`10^{-9}` per ms), :math:`c_m = 1000 / R` nF, :math:`w = dt\,R\,W`; LI: a LIF whose
  threshold (32767 mV, the S16.15 range) is never reached; its membrane ``v`` is recorded;
* ``v_thresh``, ``v_reset`` as given; the initial ``v`` is the float model's (``initialize``);
* projections: every chain of linear nodes between two populations (conv, pool, flatten, dense,
  scale, delay: :func:`~neurokit.backends.spinnaker.check.structure`) is **one** ``FromListConnector``
  holding the product of its matrices (:func:`~neurokit.backends.spinnaker.check.projection_csr`),
  its biases summed into the post population's ``i_offset``;
* delays: the connection's own delay plus **one step per weighted node** of the chain (the IR's
  ``synapse_latency`` of 1 on each, :func:`~neurokit.backends.spinnaker.lower.chain_latency`; PyNN's
  minimum delay is one time step), plus one more on a projection that closes a loop (neurokit's
  loop edges carry the previous step's spikes); ``timestep`` = ``dt``.
* refractoriness: neurokit freezes a neuron for :math:`n_{ref} - 1` steps after its spike step
  (:math:`n_{ref} = \mathrm{round}(t_{refrac}/dt)`, Brian2's convention); NEST and sPyNNaker freeze
  for :math:`\mathrm{round}(\tau_{refrac}/dt)` steps, so the script passes ``tau_refrac`` per
  simulator (:func:`~neurokit.backends.spinnaker.pynn_script.refractory_ms`).

The profile must be the standard cells' (reset to ``v_reset`` in the spiking step, one spike per
step, no floor): other profiles run on SpiNNaker as a custom neuron model
(:func:`~neurokit.backends.spinnaker.check.custom_model_reasons`), and the export refuses them
(:func:`custom_model_gaps`: node, reason, fix). PyNN's simulators integrate these neurons
exactly, so the model the export reproduces is neurokit's **float** model with
``integration="exact"`` and ``synapse_latency=1`` (:func:`pynn_float_graph`), whatever the
graph's own integration. Expected spike agreement: 1.0 up to float rounding — NEST computes the
propagators with ``expm1`` and adds the jump after the leak, neurokit ``1 - exp`` on the summed drive;
a membrane within ~1e-15 of threshold can fall on the other side, and the changed spike then
propagates. NEST's ``iaf_psc_delta`` fires on :math:`v \ge v_{th}` (neurokit: :math:`>`), which only
matters at exact equality. Brian2 integrates the same linear equation exactly, but its schedule
(through PyNN's public API) applies a spike's jump after the threshold and before the reset, so a
jump arriving in the step after the target's spike is wiped, and jumps during the refractory period
are kept (NEST and neurokit discard them): Brian2's agreement is approximate wherever neurons
receive input right after spiking. Inputs are 0/1 spikes (a SpikeSourceArray emits weight-1 events; graded inputs are
refused).

**CubaLIF / CubaLI as** ``IF_curr_exp``. PyNN's cell is
:math:`\tau_s \dot I = -I` with a jump :math:`J` per arriving spike (both receptors: ``tau_syn_E`` =
``tau_syn_I`` = :math:`1000\,\tau_{syn}` ms, per neuron) and
:math:`c_m \dot v = \tfrac{c_m}{\tau_m}(v_{rest} - v) + I + i_{offset}`; NEST's ``iaf_psc_exp``
integrates it exactly: :math:`v' = a_m v + (1 - a_m)(v_{rest} + R_m i_{offset}) + R_m c I`,
:math:`I' = a_s I + J`, with :math:`c` exactly neurokit's coupling
(:func:`~neurokit.dynamics.discretisation.cuba_coupling`). neurokit's exact CubaLIF holds its input
:math:`u = w_{in}(W z + b)` over the step (:math:`\tau_s \dot I = u - I`), so an input also moves
the membrane in its own step by :math:`R(1 - a_m - c) u`, which a jump into the current cannot do
on time. The mapping: :math:`\tau_m = 1000\,\tau_{mem}` ms, :math:`c_m = \tau_m / R` nF (so
:math:`R_m = R` and the current is neurokit's :math:`I` in nA), ``v_rest``, ``v_thresh``, ``v_reset``
as given, and

* every synapse sent **twice** (:func:`nest_taps`): :math:`J_1 = (1 - a_m - c) w_{in} W / c` one step
  early and :math:`J_2 = ((1 - a_s) w_{in} - a_s J_1/W)\,W` on time; so that "one step early" is
  possible with PyNN's one-step minimum delay, the population's clock runs ``lag`` steps behind
  neurokit's (one more than its inputs'; its spikes and membrane are read ``lag`` steps later and
  every projection's delay is corrected by the lag difference). A loop into a Cuba population
  whose delay cannot absorb the early tap is refused;
* biases: ``i_offset`` :math:`= w_{in} b` (the current's steady state) from the start, plus a
  ``CurrentStart`` source whose one spike puts :math:`-w_{in} b` into the current at the end of
  step 0; their sum is neurokit's :math:`w_{in} b (1 - a_s^k)` and the membrane update is then
  neurokit's term by term.

The result is neurokit's **exact** CubaLIF/CubaLI (``integration="exact"``,
:func:`pynn_float_graph`) up to float rounding: membranes agree to 1e-9, spikes with jaccard
1.0 on the test nets (tests/unit/backends/spinnaker/test_pynn.py). IF_curr_exp on Brian2 is not
tested (its schedule lands a jump after the step's update; :func:`~neurokit.backends.spinnaker.pynn_script.brian2_synapses` corrects the
decay with :math:`\tau_s`). Other neuron types (I) are refused: the artifact gets
``pynn/REFUSED.txt`` with the node and the reason instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, Problem
from neurokit.dynamics.discretisation import neuron_coefficients
from neurokit.errors import BackendUnavailableError, BoardError, InvalidInputError, MappingError
from neurokit.util.atomic import atomic_write_text

SCRIPT_SOURCE = Path(__file__).with_name("pynn_script.py")
BACKENDS = ("nest", "brian2", "spiNNaker")
IF_TAU_MS = 1e9  # a perfect integrator as a LIF whose leak is negligible over any run
LI_THRESHOLD_MV = 32767.0  # never reached: the largest whole value of S16.15 (sPyNNaker's parameter format)
PYNN_NEURONS = (ir.LIF, ir.IF, ir.LI, ir.CubaLIF, ir.CubaLI)
LATENCY_STEPS = 1  # SpiNNaker's (and PyNN's minimum) synaptic delay


def pynn_float_graph(graph: ir.Graph) -> ir.Graph:
    """The neurokit float model the PyNN export reproduces: the graph with ``integration="exact"``,
    ``numeric="float64"`` and ``synapse_latency=1`` (one step, as every PyNN connection has)."""
    return graph.replace(profile=graph.profile.replace(integration="exact", numeric="float64",
                                                       synapse_latency=LATENCY_STEPS))


def nest_taps(node: ir.Node, dt: float) -> tuple[np.ndarray, np.ndarray] | None:
    r"""The two jumps (nA per unit of :math:`W z`, per neuron) into an ``IF_curr_exp`` current that
    make NEST's ``iaf_psc_exp`` compute the IR's **exact** CubaLIF/CubaLI; ``None`` for other types.

    The exact neuron answers an input :math:`x` held over step 0 with :math:`D = R(1 - a_m - c) w_{in} x`
    in step 0 and :math:`R c (1 - a_s) w_{in} a_s^{k-1} x` in step :math:`k \ge 1`; a jump :math:`J`
    that lands in NEST's current at the end of a step reaches the membrane one step later with
    :math:`R c J`, then :math:`R c a_s^{k} J`. A jump one step early, :math:`J_1 = (1 - a_m - c) w_{in} / c`,
    and one on time, :math:`J_2 = (1 - a_s) w_{in} - a_s J_1`, reproduce both exactly."""
    if not isinstance(node, (ir.CubaLIF, ir.CubaLI)):
        return None
    c = neuron_coefficients(node, ir.Profile(dt=dt, integration="exact"))
    a_s, a_m, cpl, w_in = (np.asarray(v, np.float64).ravel() for v in (c.a_syn, c.a_mem, c.coupling, c.w_in))
    early = (1.0 - a_m - cpl) * w_in / cpl
    return early, (1.0 - a_s) * w_in - a_s * early


def _population_params(node: ir.Node, profile: ir.Profile) -> tuple[dict[str, np.ndarray], np.ndarray, bool, str]:
    """Per-neuron parameters of the PyNN cell, the gain from an input :math:`W z` (or bias
    :math:`b`) to the PyNN weight (or ``i_offset``), whether it spikes and the cell type
    (``IF_curr_delta`` or ``IF_curr_exp``; the module docstring has the mapping)."""
    c = neuron_coefficients(node, profile.replace(integration="exact"))
    r = c.r.ravel()
    if np.any(~(r > 0)):
        raise MappingError(f"{node.type_name}: R must be > 0 for PyNN (c_m = tau_m / R)",
                           fix="use a positive r (scale the weights instead of a zero or negative r)")
    cell = "IF_curr_delta"
    extra: dict[str, np.ndarray] = {}
    if isinstance(node, ir.IF):
        tau_m, cm, gain = np.full(r.size, IF_TAU_MS), 1e3 / r, c.dt_r.ravel()
    elif isinstance(node, (ir.CubaLIF, ir.CubaLI)):
        cell = "IF_curr_exp"
        tau_m = np.broadcast_to(np.asarray(node.tau_mem, np.float64) * 1e3, r.shape).ravel()
        tau_syn = np.broadcast_to(np.asarray(node.tau_syn, np.float64) * 1e3, r.shape).ravel()
        extra = {"tau_syn_E": tau_syn, "tau_syn_I": tau_syn.copy()}
        cm, gain = tau_m / r, c.gain_syn.ravel() * c.w_in.ravel()  # the current's jump: (1 - a_s) w_in W nA
    else:
        tau_m = np.broadcast_to(np.asarray(node.tau, np.float64) * 1e3, c.r.shape).ravel()  # type: ignore[attr-defined]
        cm, gain = tau_m / r, c.gain_mem.ravel() * r
    spiking = bool(c.spiking)
    params = {"tau_m": tau_m, "cm": cm, "v_rest": c.v_leak.ravel(), "i_offset": np.zeros(r.size),
              "v_thresh": c.v_threshold.ravel() if spiking else np.full(r.size, LI_THRESHOLD_MV),
              "v_reset": c.v_reset.ravel(), "frozen_steps": np.maximum(c.refrac_steps.ravel() - 1, 0).astype(np.float64),
              "v_init": c.v_init.ravel(), **extra}
    return params, gain, spiking, cell


def custom_model_gaps(g: ir.Graph, populations: list[str]) -> list[Problem]:
    """One problem per neuron population that needs a custom neuron model (the profile's reset, timing,
    counts or floor: :func:`~.check.custom_model_reasons`), which PyNN's standard cells cannot express."""
    from .check import custom_model_reasons

    reasons = custom_model_reasons(g.profile)
    if not reasons:
        return []
    return [Problem(name, f"{', '.join(reasons)} has no PyNN standard cell (IF_curr_delta and IF_curr_exp reset v "
                          "to v_reset in the spiking step, send one spike and have no floor); the SpiNNaker artifact "
                          "runs it as a custom neuron model",
                    "for a PyNN export use reset='zero', reset_timing='same_step', multi_spike=false and no v_min "
                    "(e.g. --reset zero)") for name in populations]


def export_pynn(graph: ir.Graph, out_dir: str | os.PathLike[str]) -> Path:
    """Write the PyNN program for ``graph`` (a SpiNNaker-mappable graph) into ``out_dir``; returns
    the script's path. Raises :class:`~neurokit.errors.MappingError` naming a node it cannot export."""
    from .check import projection_csr, structure
    from .lower import chain_latency
    from .neurons import input_weight

    g = graph.flatten()
    found = structure(g)
    if found.problems:
        p = found.problems[0]
        raise MappingError(f"node {p.node!r}: {p.message}", fix=p.fix)
    pops = found.populations
    for p in custom_model_gaps(g, pops[1:])[:1]:
        raise MappingError(f"node {p.node!r}: {p.message}", fix=p.fix)
    for name in pops[1:]:
        if not isinstance(g.nodes[name], PYNN_NEURONS):
            raise MappingError(f"node {name!r}: {g.nodes[name].type_name} has no PyNN export in this version "
                               "(IF_curr_delta: LIF, IF, LI; IF_curr_exp: CubaLIF, CubaLI)",
                               fix="use LIF/IF/LI/CubaLIF/CubaLI neurons for the PyNN path")
    shapes = g.infer_shapes()
    dt_ms = g.profile.dt * 1e3
    arrays: dict[str, np.ndarray] = {}
    spec, gains, index = [], {}, {name: i for i, name in enumerate(pops)}
    for i, name in enumerate(pops):
        size = int(np.prod(shapes[name][1]))
        if i == 0:
            spec.append({"label": name, "size": size, "cell": "SpikeSourceArray", "spiking": True})
            continue
        params, gains[name], spiking, cell = _population_params(g.nodes[name], g.profile)
        arrays.update({f"pop{i}_{k}": v for k, v in params.items()})
        spec.append({"label": name, "size": size, "cell": cell, "spiking": spiking})
    proj_spec, max_delay = [], 1
    lag = {name: 0 for name in pops}  # steps a population's clock runs behind neurokit's (exact Cuba taps)
    built = []
    for proj in found.projections:
        csr = projection_csr(g, shapes, proj)  # the chain's matrices multiplied: one FromListConnector
        post = proj.post
        if csr.bias is not None:  # a Cuba neuron's bias drives its current: w_in b nA (see the docstring)
            w_in = input_weight(g.nodes[post])
            bias = np.asarray(csr.bias, np.float64).ravel() * (1.0 if w_in is None else w_in)
            arrays[f"pop{index[post]}_i_offset"] = arrays[f"pop{index[post]}_i_offset"] + bias
        own = np.zeros(len(csr.indices), np.int64) if csr.delay is None else np.asarray(csr.delay, np.int64)
        delay = own + chain_latency(g, proj)
        taps = nest_taps(g.nodes[post], g.profile.dt)
        if index[proj.pre] < index[post]:  # feed-forward: the post's clock lags enough for the early tap
            lag[post] = max(lag[post], lag[proj.pre] + (taps is not None) + 1 - int(delay.min(initial=1)))
        built.append((proj, csr, delay, taps))
    for j, (proj, csr, delay, taps) in enumerate(built):
        post = proj.post
        pre_idx = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
        delay = delay + lag[post] - lag[proj.pre]
        parts = [(csr.weight * gains[post][csr.indices], delay)] if taps is None else \
            [(csr.weight * taps[0][csr.indices], delay - 1), (csr.weight * taps[1][csr.indices], delay)]
        for t, (weight, d) in enumerate(parts):
            if d.size and d.min() < 1:
                raise MappingError(f"projection {proj.name!r} into {post!r} needs a delay below one step for "
                                   "the exact current's early tap (a loop through current-based neurons)",
                                   fix="use integration='euler' or a LIF population in the loop")
            max_delay = max(max_delay, int(d.max(initial=1)))
            for receptor, sel in (("excitatory", weight > 0), ("inhibitory", weight < 0)):
                if sel.any():
                    key = f"proj{j}_{t}_{receptor}"
                    arrays[key] = np.stack([pre_idx[sel], csr.indices[sel], np.abs(weight[sel]), d[sel] * dt_ms],
                                           axis=1).astype(np.float64)
                    proj_spec.append({"pre": index[proj.pre], "post": index[post], "receptor": receptor, "array": key,
                                      "synapse": proj.name, "chain": list(proj.chain)})
    for name in pops:
        spec[index[name]]["lag"] = lag[name]
    start = {name: -arrays[f"pop{index[name]}_i_offset"] for name in pops[1:] if spec[index[name]]["cell"] == "IF_curr_exp"}
    if any(np.any(i0 != 0) for i0 in start.values()):  # the Cuba biases' current starts at 0 (see the docstring)
        src = len(spec)
        spec.append({"label": "current start", "size": 1, "cell": "CurrentStart", "spiking": True})
        for name, i0 in start.items():
            for receptor, sel in (("excitatory", i0 > 0), ("inhibitory", i0 < 0)):
                if sel.any():
                    key = f"start{index[name]}_{receptor}"
                    post_idx = np.flatnonzero(sel)
                    max_delay = max(max_delay, LATENCY_STEPS + lag[name])
                    arrays[key] = np.stack([np.zeros(post_idx.size), post_idx, np.abs(i0[sel]),
                                            np.full(post_idx.size, (LATENCY_STEPS + lag[name]) * dt_ms)], axis=1)
                    proj_spec.append({"pre": src, "post": index[name], "receptor": receptor, "array": key,
                                      "synapse": "current start", "chain": []})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    net = {"format": "neurokit-pynn", "version": 1, "dt_ms": dt_ms, "max_delay_ms": max_delay * dt_ms,
           "populations": spec, "projections": proj_spec,
           "neuron_model": "IF_curr_delta; tau_m = 1000 tau ms, cm = tau_m / R nF, i_offset = bias nA, "
                           "weight = (1 - exp(-dt/tau)) R W mV (IF: dt R W); IF_curr_exp (CubaLIF/CubaLI): tau_m = 1000 tau_mem, "
                           "tau_syn_E = tau_syn_I = 1000 tau_syn ms, cm = tau_m / R nF, i_offset = w_in b nA, "
                           "weight = (1 - exp(-dt/tau_syn)) w_in W nA; delay = own + one step per weighted node "
                           "of the chain (+1 on a loop)"}
    np.savez(out / "network.npz", **arrays)
    atomic_write_text(out / "network.json", json.dumps(net, indent=1) + "\n")
    shutil.copyfile(SCRIPT_SOURCE, out / "model.py")
    (out / "REFUSED.txt").unlink(missing_ok=True)
    return out / "model.py"


def write_pynn(artifact: Artifact) -> Path | None:
    """Write ``<artifact>/pynn/`` (see :func:`export_pynn`); a graph the export cannot express gets
    ``pynn/REFUSED.txt`` with the reason instead (the SpiNNaker artifact itself is unaffected) and
    ``None`` is returned."""
    out = Path(artifact.path) / "pynn"
    try:
        return export_pynn(ir.read(Path(artifact.path) / "model.nir"), out)
    except MappingError as exc:
        out.mkdir(parents=True, exist_ok=True)
        for stale in ("model.py", "network.json", "network.npz"):
            (out / stale).unlink(missing_ok=True)
        atomic_write_text(out / "REFUSED.txt", f"{exc}\n")
        return None


def write_pynn_inputs(pynn_dir: str | os.PathLike[str], inputs: np.ndarray) -> Path:
    """Save 0/1 input spikes ``(T, B, *shape)`` as ``<pynn_dir>/inputs.npz`` (array ``inputs``,
    flattened to ``(T, B, n)``), the exported script's default inputs."""
    x = np.asarray(inputs)
    if x.ndim < 2:
        raise InvalidInputError(f"inputs must be time-first (T, B, ...), got shape {x.shape}",
                                fix="pass a (T, B, n_input) array of 0/1 spikes")
    if not np.isin(x, (0, 1)).all():
        raise InvalidInputError("the PyNN export's SpikeSourceArray emits weight-1 spikes; inputs must be 0/1",
                                fix="binarise the inputs or encode graded values as spikes")
    path = Path(pynn_dir) / "inputs.npz"
    np.savez(path, inputs=x.reshape(x.shape[0], x.shape[1], -1).astype(np.uint8))
    return path


def simulator_python(backend: str) -> Path | None:
    """The Python of the venv that has ``pyNN.<backend>``: ``NEUROKIT_NEST_PYTHON`` /
    ``NEUROKIT_BRIAN2_PYTHON`` / ``NEUROKIT_SPYNNAKER_PYTHON``, else the checkout's ``.venv-nest`` /
    ``.venv-brian2`` / ``.venv-spynnaker``; ``None`` if none exists."""
    if backend not in BACKENDS:
        raise InvalidInputError(f"unknown PyNN backend {backend!r}", fix=f"choose one of {BACKENDS}")
    short = {"nest": "nest", "brian2": "brian2", "spiNNaker": "spynnaker"}[backend]
    env = os.environ.get(f"NEUROKIT_{short.upper()}_PYTHON")
    repo = Path(__file__).resolve().parents[3]
    candidates = [Path(os.path.abspath(env))] if env else [repo / f".venv-{short}" / "bin" / "python"]  # runs elsewhere
    return next((p for p in candidates if p.is_file()), None)


def run_pynn(script: str | os.PathLike[str], backend: str, *, inputs: str | os.PathLike[str] | None = None,
             samples: int | None = None, python: str | os.PathLike[str] | None = None,
             timeout_s: float = 1800.0) -> dict[str, Any]:
    """Run the exported ``script`` on ``pyNN.<backend>`` out of process; returns ``{"spikes": {label:
    (T, B, n) bool}, "v": {label: (T, B, n)}, "seconds": wall time}``."""
    py = Path(python) if python else simulator_python(backend)
    if py is None:
        raise BackendUnavailableError(f"no Python with pyNN.{backend} found",
                                      fix="make pynn-nest (or set NEUROKIT_NEST_PYTHON / NEUROKIT_BRIAN2_PYTHON)")
    script = Path(script)
    with tempfile.TemporaryDirectory(prefix=f"neurokit-pynn-{backend}-") as tmp:
        out = Path(tmp) / "spikes.npz"
        cmd = [str(py), str(script), backend, "--out", str(out)]
        if inputs is not None:
            cmd += ["--inputs", str(inputs)]
        if samples is not None:
            cmd += ["--samples", str(samples)]
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": "1"}  # HOME kept: Brian2 caches its compiled code there
        env.pop("PYTHONPATH", None)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=script.parent, capture_output=True, text=True, env=env, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise BoardError(f"pyNN.{backend} did not finish within {timeout_s:.0f} s", fix="raise timeout_s") from None
        seconds = time.perf_counter() - t0
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["?"])[-1]
            raise BoardError(f"pyNN.{backend} failed: {tail}", fix=f"run `{' '.join(cmd)}` to see the full log")
        with np.load(out, allow_pickle=False) as f:
            labels = [str(s) for s in f["labels"]]
            spikes = {labels[int(k.split("_")[1])]: f[k].astype(bool) for k in f.files if k.startswith("spikes_")}
            v = {labels[int(k.split("_")[1])]: f[k] for k in f.files if k.startswith("v_")}
    return {"spikes": spikes, "v": v, "seconds": seconds}


def spike_agreement(ours: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    r"""How far two spike rasters ``(T, B, ...)`` agree: ``jaccard`` = shared spike events /
    events in either (1.0: identical; both silent counts as 1.0), ``step_match`` = fraction of
    (step, sample, neuron) entries that are equal, ``count_match`` = fraction of neurons with equal
    spike counts per sample."""
    a, b = np.asarray(ours, bool), np.asarray(theirs, bool)
    if a.shape != b.shape:
        raise InvalidInputError(f"rasters differ in shape: {a.shape} vs {b.shape}", fix="compare the same run")
    union = int((a | b).sum())
    return {"jaccard": float((a & b).sum() / union) if union else 1.0, "step_match": float((a == b).mean()),
            "count_match": float((a.sum(0) == b.sum(0)).mean()), "spikes_ours": int(a.sum()), "spikes_theirs": int(b.sum())}
