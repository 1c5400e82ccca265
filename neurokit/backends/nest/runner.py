"""Runs a neurokit NEST artifact with PyNEST, INSIDE the NEST environment (numpy and nest only;
nothing from neurokit is imported, so any Python with NEST 3 runs it).

Usage::

    python runner.py ARTIFACT_DIR INPUTS.npz RESULT.npz [ARTIFACT_DIR INPUTS.npz RESULT.npz ...] [--threads N] [--steps T]
    mpirun -n N python runner.py ARTIFACT_DIR INPUTS.npz RESULT.npz    # an MPI-built NEST

``INPUTS.npz`` holds ``inputs``: whole spike counts ``(T, B, n_input)``. Each sample is one fresh
network (``ResetKernel``, build, simulate). ``RESULT.npz`` (with ``.rank<r>`` before ``.npz`` when
NEST runs on several MPI processes: each rank writes the events of its own neurons) holds, per
recorded population ``i``, spike events ``spk<i>_sample``, ``spk<i>_step``, ``spk<i>_neuron`` in
neurokit's step indexing, membrane events ``vm<i>_*`` with ``vm<i>_value`` for read-outs, and
``meta`` (JSON: NEST version, processes, threads, connections, build and simulation seconds).
The network description and its timing are documented in ``neurokit/backends/nest/lower.py``.
Failures print one JSON line ``{"error": ..., "type": ...}`` on stderr and exit 1.
"""

import argparse
import json
import os
import sys
import time

import numpy as np


def tics_per_ms(dt_ms):
    """A NEST clock on which the time step is a whole number of tics (NEST's default is 1000)."""
    for tics in (1000, 2 ** 10, 2 ** 20, 10 ** 6):
        if abs(dt_ms * tics - round(dt_ms * tics)) < 1e-9 * max(1.0, dt_ms * tics):
            return tics
    raise ValueError("dt = %r ms is not a whole number of NEST tics (1/1000 or 1/2^20 ms); use such a dt" % dt_ms)


def load_network(art):
    with open(os.path.join(art, "network.json")) as f:
        net = json.load(f)
    if net.get("format") != "neurokit-nest" or net.get("version") != 1:
        raise ValueError("%s is not a neurokit-nest v1 artifact (lower it again with neurokit)" % art)
    with np.load(os.path.join(art, "network.npz"), allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    return net, arrays


def run_sample(nest, net, arrays, x, steps, threads):
    """Build the network for one sample of input counts ``x`` ``(T, n_input)`` and simulate
    ``steps`` of neurokit's steps; returns the recorders' events and timings."""
    dt = float(net["dt_ms"])
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.set(resolution=dt, tics_per_ms=tics_per_ms(dt), local_num_threads=int(threads), print_time=False)
    pops, recorders = [], {}
    specs = net["populations"]
    for i, spec in enumerate(specs):
        lag = int(spec["lag"])
        if spec["model"] == "spike_generator":
            nodes = nest.Create("spike_generator", spec["size"])
            counts = np.asarray(x[:steps], np.int64)
            chan, step = np.nonzero(counts.T)  # sorted by channel, then step
            bounds = np.searchsorted(chan, np.arange(spec["size"] + 1))
            times = (step + lag + 1) * dt  # the stamp of NEST step lag + k
            mult = counts.T[chan, step].astype(np.int64)
            nodes.set([{"spike_times": times[a:b].tolist(), "spike_multiplicities": mult[a:b].tolist()} if b > a
                       else {"spike_times": []} for a, b in zip(bounds[:-1], bounds[1:])])
        else:
            params = {k: arrays["pop%d_%s" % (i, k)] for k in spec["params"]}
            nodes = nest.Create(spec["model"], spec["size"], params={k: v.tolist() for k, v in params.items()})
            if spec["record"] == "spikes":
                rec = nest.Create("spike_recorder")
                nest.Connect(nodes, rec)
            else:
                rec = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
                nest.Connect(rec, nodes)
            recorders[i] = rec
            bias = arrays.get("pop%d_bias" % i)
            if bias is not None and spec["bias"] == "jump":  # perfect integrators: a jump every step from step 1
                src = nest.Create("spike_generator", params={"spike_times": ((np.arange(1, steps) + lag) * dt).tolist()})
                nest.Connect(src, nodes, "all_to_all", syn_spec={"weight": bias.reshape(-1, 1), "delay": dt})
            start = arrays.get("pop%d_current_start" % i)
            if start is not None:  # iaf_psc_exp: -w_in b into the current at the end of step 0
                src = nest.Create("spike_generator", params={"spike_times": [lag * dt]})
                nest.Connect(src, nodes, "all_to_all", syn_spec={"weight": start.reshape(-1, 1), "delay": dt})
        pops.append(nodes)
    for proj in net["projections"]:
        if not proj["synapses"]:
            continue
        key, pre, post = proj["array"], pops[proj["pre"]], pops[proj["post"]]
        weight, delay = arrays[key + "_weight"], arrays[key + "_delay"] * dt
        if proj["rule"] == "all_to_all":
            nest.Connect(pre, post, "all_to_all", syn_spec={"weight": weight, "delay": float(delay[0])})
        else:
            first_pre, first_post = pre[0].global_id, post[0].global_id
            nest.Connect(arrays[key + "_pre"] + first_pre, arrays[key + "_post"] + first_post, "one_to_one",
                         syn_spec={"weight": weight, "delay": delay})
    build_s = time.perf_counter() - t0
    # the first steps one by one: a lagged population starts from its initial membrane at NEST time
    # lag * dt, biases (I_e) act from neurokit's step 1 (NEST time (lag + 1) * dt)
    total = steps + int(net["max_lag"])
    sim_steps = total + any(s.get("record") == "V_m" for s in specs)  # a multimeter samples step s at the next step
    actions = {}
    for i, spec in enumerate(specs[1:], start=1):
        lag = int(spec["lag"])
        if lag > 0:
            actions.setdefault(lag, []).append((i, "V_m", arrays["pop%d_V_m" % i]))
        if spec["bias"] == "I_e":
            actions.setdefault(lag + 1, []).append((i, "I_e", arrays["pop%d_bias" % i]))
    t1 = time.perf_counter()
    now = 0
    for b in sorted(k for k in actions if k < sim_steps):
        nest.Simulate((b - now) * dt)
        now = b
        for i, name, values in actions[b]:
            pops[i].set({name: values.tolist()})
    nest.Simulate((sim_steps - now) * dt)
    sim_s = time.perf_counter() - t1
    events = {}
    for i, rec in recorders.items():
        ev = rec.get("events")
        lag, first = int(specs[i]["lag"]), pops[i][0].global_id
        step = np.rint(np.asarray(ev["times"]) / dt).astype(np.int64) - 1 - lag
        neuron = np.asarray(ev["senders"], np.int64) - first
        keep = (step >= 0) & (step < steps)
        events[i] = (step[keep], neuron[keep], None if "V_m" not in ev else np.asarray(ev["V_m"], np.float64)[keep])
    return events, build_s, sim_s


def run_job(nest, artifact, inputs, result, threads, steps):
    """One artifact on one inputs file; writes ``result`` (see the module docstring)."""
    net, arrays = load_network(artifact)
    with np.load(inputs, allow_pickle=False) as f:
        x = np.asarray(f["inputs"])
    x = x.reshape(x.shape[0], x.shape[1], -1)
    if x.shape[2] != net["populations"][0]["size"]:
        raise ValueError("inputs have %d channels, the network %d" % (x.shape[2], net["populations"][0]["size"]))
    steps = int(steps or x.shape[0])
    out, builds, sims, connections = {}, [], [], 0
    for b in range(x.shape[1]):
        events, build_s, sim_s = run_sample(nest, net, arrays, x[:, b], steps, threads)
        builds.append(build_s)
        sims.append(sim_s)
        connections = int(nest.num_connections)
        for i, (step, neuron, value) in events.items():
            tag = "vm" if value is not None else "spk"
            for k, v in (("sample", np.full(step.size, b, np.int64)), ("step", step), ("neuron", neuron)) + \
                    ((("value", value),) if value is not None else ()):
                out.setdefault("%s%d_%s" % (tag, i, k), []).append(v)
    meta = {"nest": nest.__version__, "processes": nest.NumProcesses(), "rank": nest.Rank(), "threads": threads,
            "connections": connections, "build_s": builds, "simulate_s": sims, "steps": steps,
            "samples": int(x.shape[1])}
    if nest.NumProcesses() > 1:  # every rank holds the events of its own neurons
        result = (result[:-len(".npz")] if result.endswith(".npz") else result) + ".rank%d.npz" % nest.Rank()
    np.savez(result, meta=np.array(json.dumps(meta)), **{k: np.concatenate(v) for k, v in out.items()})


def main(argv=None):
    p = argparse.ArgumentParser(prog="runner.py")
    p.add_argument("jobs", nargs="+", help="ARTIFACT_DIR INPUTS.npz RESULT.npz, repeated")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=None)
    args = p.parse_args(argv)
    if len(args.jobs) % 3:
        raise ValueError("usage: runner.py ARTIFACT_DIR INPUTS.npz RESULT.npz [...] [--threads N] [--steps T]")
    import nest

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    for k in range(0, len(args.jobs), 3):  # several artifacts in one process: importing NEST takes a second
        run_job(nest, *args.jobs[k:k + 3], threads=args.threads, steps=args.steps)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # reported to neurokit as one line
        print(json.dumps({"error": str(exc), "type": type(exc).__name__}), file=sys.stderr)
        sys.exit(1)
