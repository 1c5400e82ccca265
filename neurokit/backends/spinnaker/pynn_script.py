"""A spiking network exported by neurokit as a PyNN program (format ``neurokit-pynn`` 1).

Self-contained: it needs NumPy and PyNN with one simulator backend, nothing from neurokit.
Every number is in the data files beside it: ``network.json`` (populations, projections, time
step) and ``network.npz`` (per-neuron parameters, connection lists, initial membranes).

Run::

    python model.py nest      [--inputs inputs.npz] [--out spikes.npz] [--samples N]
    python model.py brian2    ...
    python model.py spiNNaker ...        # sPyNNaker (a board, or a virtual board: mapping only)

``--inputs``: ``.npz`` with ``inputs`` (or ``.npy``), time-first ``(T, B, n_input)`` of 0/1 spikes
(neurokit's input-file layout); an input spike in step ``k`` becomes a ``SpikeSourceArray`` spike
at time ``(k + 1) dt`` (NEST, sPyNNaker: the end of step ``k``; Brian2 ``k dt``, the start of
its step). Each sample is one fresh run (``setup`` ... ``end``). The output (``--out``) holds, per
recorded population ``i``, ``spikes_<i>`` ``(T, B, n)`` as 0/1 in neurokit's step indexing and, for
non-spiking read-outs, ``v_<i>``; its ``labels`` are the populations' names.

A population may carry ``lag`` (steps its clock runs behind the network's: an ``IF_curr_exp``
population whose synapses each send a jump one step early; it is initialised, run and read that
many steps later), and a ``CurrentStart`` source (one spike) sets the starting current of
``IF_curr_exp`` populations with a bias.

Only PyNN's public API is used: ``setup``, ``Population``, ``SpikeSourceArray``,
``IF_curr_delta``, ``IF_curr_exp``, ``Projection``, ``pyNN.parameters.Sequence``,, ``FromListConnector``, ``StaticSynapse``, ``initialize``,
``record``, ``run``, ``get_data``, ``end``.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BACKENDS = ("nest", "brian2", "spiNNaker")
#: Steps run before neurokit's step 0: PyNN on NEST cannot emit an input spike at or before its
#: minimum delay (one step), and an ``IF_curr_exp`` population's current-start spike
#: (``CurrentStart``) is emitted one step before step 0's inputs, so every run starts two steps early from the membrane that one step of
#: leak and bias carries to the float model's initial state (:func:`lead_membrane`).
LEAD_STEPS = 2
#: The time stamp (in steps) a simulator gives an event of neurokit's step ``k`` is ``k + STEP_END``:
#: NEST and sPyNNaker stamp the end of the update, Brian2 its start; both after the lead step.
STEP_END = {"nest": 1 + LEAD_STEPS, "spiNNaker": 1 + LEAD_STEPS, "brian2": LEAD_STEPS}
#: Input spikes of step ``k`` are emitted at ``(k + SOURCE_STEP[backend]) dt``: as a neuron of the
#: previous step would be, so that one delay serves inputs and neurons alike.
SOURCE_STEP = {"nest": 1 + LEAD_STEPS, "spiNNaker": 1 + LEAD_STEPS, "brian2": LEAD_STEPS}
#: Sign of an inhibitory weight: PyNN's convention for current-based cells (NEST, Brian2) is a
#: negative weight; sPyNNaker takes positive weights and lets ``receptor_type`` give the sign.
#: sPyNNaker holds parameters in S16.15 (below 65536): an IF's near-infinite tau_m is capped there
#: (a relative leak of dt / 32767 ms per step on SpiNNaker only).
SPINNAKER_MAX_TAU_MS = 32767.0
#: Parameters beyond IF_curr_delta's: the exponential current's time constants (one per receptor).
EXTRA_PARAMS = {"IF_curr_exp": ("tau_syn_E", "tau_syn_I")}
SOURCES = ("SpikeSourceArray", "CurrentStart")
INHIBITORY_SIGN = {"nest": -1.0, "brian2": -1.0, "spiNNaker": 1.0}


def refractory_ms(frozen_steps: np.ndarray, dt_ms: float, backend: str) -> np.ndarray:
    """PyNN ``tau_refrac`` that freezes a neuron for ``frozen_steps`` steps after its spike step.

    NEST (``t_ref``) and sPyNNaker count ``round(tau_refrac / dt)`` frozen steps; Brian2 freezes
    while ``t - t_spike < tau_refrac`` (in whole steps), which includes the spike step, so it needs
    one step more."""
    frozen = np.asarray(frozen_steps, dtype=np.float64)
    if backend == "brian2":
        return np.where(frozen > 0, (frozen + 1.0) * dt_ms, 0.0)
    return frozen * dt_ms


def brian2_synapses(conns: np.ndarray, tau_m_post: np.ndarray, dt_ms: float) -> np.ndarray:
    """Connection rows for Brian2, whose schedule differs from NEST's: a spike's jump lands *after*
    the step's update and threshold, so the target sees it one step later and leaked once. One
    step less of delay and a weight divided by the target's decay :math:`e^{-dt/\tau_m}` give
    the same membrane as NEST and neurokit (Brian2 accepts a delay of 0). For ``IF_curr_exp`` the jump
    lands in the current, so ``tau_m_post`` is the target's ``tau_syn``."""
    out = np.array(conns, dtype=np.float64, copy=True)
    out[:, 2] = out[:, 2] * np.exp(dt_ms / tau_m_post[out[:, 1].astype(np.int64)])
    out[:, 3] = out[:, 3] - dt_ms
    return out


def lead_membrane(v_init: np.ndarray, params: dict[str, np.ndarray], dt_ms: float, lead: int = LEAD_STEPS) -> np.ndarray:
    r"""The membrane to start the lead step from.

    In neurokit's model the bias comes through the projection, one step late like every input, so
    step 0 integrates no bias: :math:`v_0 = a v_{init} + (1 - a) v_{rest}`. Here ``i_offset``
    flows from the start; starting step 0 from :math:`v_{init} - (1 - a) R_m i_{offset} / a`
    gives the same :math:`v_0`, and the lead step reaches that from
    :math:`v_s = (v_{init} - (1 - a) R_m i_{offset} / a - (1 - a)(v_{rest} + R_m i_{offset})) / a`
    (:math:`a = e^{-dt/\tau_m}`, :math:`R_m = \tau_m / c_m`), once per lead step."""
    one_minus_a = -np.expm1(-dt_ms / params["tau_m"])
    a = 1.0 - one_minus_a
    bias_drive = params["tau_m"] / params["cm"] * params["i_offset"]
    start_of_step0 = v_init - one_minus_a * bias_drive / a
    v = start_of_step0
    for _ in range(lead):
        v = (v - one_minus_a * (params["v_rest"] + bias_drive)) / a
    return v


def load_inputs(path: Path, n_input: int) -> np.ndarray:
    """0/1 input spikes ``(T, B, n_input)`` from ``.npz`` (array ``inputs``) or ``.npy``."""
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            if "inputs" not in f:
                raise SystemExit(f"error: {path} has no array 'inputs' (fix: save (T, B, n) spikes as 'inputs')")
            x = np.asarray(f["inputs"])
    else:
        x = np.load(path, allow_pickle=False)
    x = x.reshape(x.shape[0], x.shape[1], -1) if x.ndim >= 3 else x.reshape(x.shape[0], 1, -1)
    if x.shape[2] != n_input:
        raise SystemExit(f"error: inputs have {x.shape[2]} channels, the network {n_input} (fix: give matching inputs)")
    if not np.isin(x, (0, 1)).all():
        raise SystemExit("error: a SpikeSourceArray emits spikes of weight 1; inputs must be 0/1 "
                         "(fix: binarise or encode graded inputs as spikes)")
    return x


def run_sample(sim, backend: str, net: dict, arrays: dict, spikes_in: np.ndarray, steps: int,
               map_only: bool = False) -> dict[str, np.ndarray]:
    """One run of ``steps`` steps from the initial state on input spikes ``(T, n_input)``."""
    from pyNN.parameters import Sequence  # imported with the backend: PyNN lives in the simulator's venv

    dt = float(net["dt_ms"])
    offset = STEP_END[backend]
    # NEST: on-grid spikes (iaf_psc_delta, exact integration on the time grid), not PyNN's default off-grid model
    grid = {"spike_precision": "on_grid"} if backend == "nest" else {}
    if backend == "nest" and "v" not in getattr(sim.IF_curr_delta, "variable_map", {}):
        # PyNN 0.13's NEST IF_curr_delta lacks the v -> V_m map its other cells have, so initialize(v=)
        # is silently ignored and record("v") fails; this one assignment is the script's only
        # departure from PyNN's public API (a no-op where PyNN has the map)
        sim.IF_curr_delta.variable_map = {"v": "V_m"}
    if backend != "spiNNaker":  # sPyNNaker derives its own maximum delay (and warns about this one)
        grid["max_delay"] = float(net["max_delay_ms"])
    sim.setup(timestep=dt, min_delay=dt, **grid)
    pops = []
    for i, spec in enumerate(net["populations"]):
        if spec["cell"] == "CurrentStart":  # one spike that lands in the currents at the end of step 0
            t0 = [(SOURCE_STEP[backend] - 1) * dt]
            cell = sim.SpikeSourceArray(spike_times=t0 if backend == "spiNNaker" else Sequence(t0))
        elif spec["cell"] == "SpikeSourceArray":
            times = [sorted(((np.flatnonzero(spikes_in[:, j]) + SOURCE_STEP[backend]) * dt).tolist()) for j in range(spec["size"])]
            # one sequence per source: PyNN's Sequence for NEST/Brian2, plain lists for sPyNNaker
            seqs = times if backend == "spiNNaker" else [Sequence(t) for t in times]
            cell = sim.SpikeSourceArray(spike_times=seqs[0] if len(seqs) == 1 else seqs)  # one source: not a list
        else:
            names = ("tau_m", "cm", "v_rest", "v_reset", "v_thresh", "i_offset") + EXTRA_PARAMS.get(spec["cell"], ())
            params = {k: arrays[f"pop{i}_{k}"] for k in names}
            if backend == "spiNNaker":
                params["tau_m"] = np.minimum(params["tau_m"], SPINNAKER_MAX_TAU_MS)
            params["tau_refrac"] = refractory_ms(arrays[f"pop{i}_frozen_steps"], dt, backend)
            if backend == "brian2" and np.unique(params["tau_refrac"]).size > 1:
                raise SystemExit(f"error: PyNN's Brian2 backend has one refractory period per population; "
                                 f"{spec['label']!r} has several (fix: run it on nest or spiNNaker)")
            cell = (sim.IF_curr_exp if spec["cell"] == "IF_curr_exp" else sim.IF_curr_delta)(**params)
        pop = sim.Population(spec["size"], cell, label=spec["label"])
        if spec["cell"] not in SOURCES:
            # a population whose clock lags (``lag`` steps: the exact current's early tap) leads longer
            pop.initialize(v=lead_membrane(arrays[f"pop{i}_v_init"], params, dt, LEAD_STEPS + spec.get("lag", 0)))
            pop.record("spikes" if spec["spiking"] else "v")
        pops.append(pop)
    for proj in net["projections"]:
        conns = arrays[proj["array"]]  # rows: pre, post, weight (mV, > 0), delay (ms)
        if backend == "brian2":
            post_cell = net["populations"][proj["post"]]["cell"]
            tau = arrays[f"pop{proj['post']}_tau_syn_E" if post_cell == "IF_curr_exp" else f"pop{proj['post']}_tau_m"]
            conns = brian2_synapses(conns, tau, dt)
        sign = INHIBITORY_SIGN[backend] if proj["receptor"] == "inhibitory" else 1.0
        sim.Projection(pops[proj["pre"]], pops[proj["post"]],
                       sim.FromListConnector([(int(a), int(b), sign * float(w), float(d)) for a, b, w, d in conns],
                                             column_names=["weight", "delay"]),
                       synapse_type=sim.StaticSynapse(), receptor_type=proj["receptor"])
    sim.run((steps + LEAD_STEPS + max(p.get("lag", 0) for p in net["populations"])) * dt)
    out = {}
    for i, (spec, pop) in enumerate(zip(net["populations"], pops) if not map_only else ()):
        if spec["cell"] in SOURCES:
            continue
        block = pop.get_data(clear=True)
        offset = STEP_END[backend] + spec.get("lag", 0)
        seg = block.segments[0]
        if spec["spiking"]:
            z = np.zeros((steps, spec["size"]), np.uint8)
            for j, train in enumerate(seg.spiketrains):
                idx = int(train.annotations.get("source_index", j))
                k = np.rint(np.asarray(train.rescale("ms").magnitude) / dt).astype(np.int64) - offset
                z[k[(k >= 0) & (k < steps)], idx] = 1
            out[f"spikes_{i}"] = z
        else:
            sig = seg.filter(name="v")[0]
            # Brian2 samples v at the start of a step, before the update (the value after the previous
            # update plus the jumps that landed since): one step later than NEST's end-of-step sample
            late = 1 if backend == "brian2" else 0
            k = np.rint(np.asarray(sig.times.rescale("ms").magnitude) / dt).astype(np.int64) - offset - late
            v = np.full((steps, spec["size"]), np.nan)
            keep = (k >= 0) & (k < steps)
            v[k[keep]] = np.asarray(sig.magnitude)[keep]
            out[f"v_{i}"] = v
    sim.end()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the neurokit-exported network on a PyNN simulator.")
    parser.add_argument("backend", choices=BACKENDS, help="pyNN.<backend> is the simulator")
    parser.add_argument("--inputs", type=Path, default=HERE / "inputs.npz", help="(T, B, n_input) 0/1 spikes")
    parser.add_argument("--out", type=Path, default=HERE / "spikes.npz", help="where the recorded spikes go")
    parser.add_argument("--samples", type=int, default=None, help="run only the first N samples")
    parser.add_argument("--steps", type=int, default=None, help="steps per sample (default: T of the inputs)")
    parser.add_argument("--map-only", action="store_true",
                        help="build and run without reading data back (sPyNNaker's virtual board maps only)")
    args = parser.parse_args(argv)
    net = json.loads((HERE / "network.json").read_text(encoding="utf-8"))
    if net.get("format") != "neurokit-pynn" or net.get("version") != 1:
        raise SystemExit("error: network.json is not a neurokit-pynn v1 export (fix: export it again with neurokit)")
    with np.load(HERE / "network.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    sim = importlib.import_module(f"pyNN.{args.backend}")
    x = load_inputs(args.inputs, int(net["populations"][0]["size"]))
    steps = int(args.steps or x.shape[0])
    samples = range(x.shape[1] if args.samples is None else min(args.samples, x.shape[1]))
    runs = [run_sample(sim, args.backend, net, arrays, x[:steps, b], steps, args.map_only) for b in samples]
    result = {k: np.stack([r[k] for r in runs], axis=1) for k in (runs[0] if runs else {})}
    labels = np.array([p["label"] for p in net["populations"]])
    np.savez(args.out, labels=labels, **result)
    print(json.dumps({"backend": args.backend, "samples": len(runs), "steps": steps, "out": str(args.out),
                      "spikes": {labels[int(k.split("_")[1])]: int(v.sum()) for k, v in result.items()
                                 if k.startswith("spikes_")}}))


if __name__ == "__main__":
    main()
