"""The event-driven simulator: ``compile(graph) -> Program``, ``run(program, inputs, steps) -> Recording``.

Numba kernels (``cache=True``) run every step of a sample in one compiled loop, samples in
parallel; linear nodes push only the CSR rows of non-zero inputs. Results equal
:func:`neurokit.dynamics.reference.run_reference` (float64 to round-off; float32 within float32
tolerance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from neurokit import ir
from neurokit.dynamics.neurons import initial_state
from neurokit.errors import InvalidInputError

from .kernel_args import RecordBuffers, graph_arrays, new_state, rules
from .kernels import run_batch
from .program import SPIKING_OPS, Program, compile_graph
from .recording import Recording

__all__ = ["Program", "Recording", "compile", "run", "simulate"]


def compile(graph: ir.Graph, profile: ir.Profile | None = None) -> Program:  # noqa: A001 - the API's name
    """Validate and pack ``graph`` (with ``profile`` overriding the graph's own)."""
    return compile_graph(graph, profile)


def _dense_inputs(program: Program, inputs: np.ndarray | Mapping[str, np.ndarray]) -> np.ndarray:
    g = program.graph
    names = [n for n in program.names if isinstance(g.nodes[n], ir.Input)]
    if not isinstance(inputs, Mapping):
        if len(names) != 1:
            raise InvalidInputError(f"graph has inputs {names}", fix="pass a dict {name: (T, B, *shape) array}")
        inputs = {names[0]: inputs}
    cols = []
    T = B = None
    for n in names:
        if n not in inputs:
            raise InvalidInputError(f"missing input {n!r}", fix=f"pass arrays for {names}")
        a = np.asarray(inputs[n], dtype=program.dtype)
        shape = g.nodes[n].shape  # type: ignore[attr-defined]
        if a.ndim < 2 or tuple(a.shape[2:]) != tuple(shape):
            raise InvalidInputError(f"input {n!r} has shape {a.shape}, expected (T, B, *{tuple(shape)})",
                                    fix="inputs are time-first, then batch")
        if T is not None and (a.shape[0], a.shape[1]) != (T, B):
            raise InvalidInputError("inputs differ in T or B", fix="give every input the same (T, B)")
        T, B = a.shape[0], a.shape[1]
        if not np.all(np.isfinite(a)):
            raise InvalidInputError(f"input {n!r} has NaN/inf values", fix="clean the input data")
        cols.append(a.reshape(T, B, -1))
    return np.ascontiguousarray(np.concatenate(cols, axis=2).transpose(1, 0, 2))


def run(program: Program, inputs: np.ndarray | Mapping[str, np.ndarray], steps: int | None = None, *,
        record: Iterable[str] = ("spikes",), initial: Mapping[str, Mapping[str, np.ndarray]] | None = None,
        progress: bool = False, chunk_steps: int | None = None) -> Recording:
    """Run ``program`` on time-first ``inputs`` ``(T, B, *shape)`` for ``steps`` (default ``T``).

    ``progress``: show a progress bar (tqdm) on long runs; the run is then split into chunks of
    steps (``chunk_steps``, default about 50 chunks) with the full state carried over, so the
    results are identical to one unbroken run.

    ``record``: ``"spikes"`` (all spiking nodes), ``"v"`` (membrane/current traces of all neuron
    nodes), or node names (their outputs and, for neurons, traces). Output nodes are always
    recorded. ``initial``: ``{node: {"v": array, "i": array}}`` overrides the resting state
    (arrays broadcast to ``(B, *shape)``), e.g. a uniformly random membrane.
    """
    x = _dense_inputs(program, inputs)
    B, T_in = x.shape[0], x.shape[1]
    T = int(steps if steps is not None else T_in)
    g = program.graph
    record = set(record)
    kinds = program.kind
    spiking = [n for i, n in enumerate(program.names) if kinds[i] in SPIKING_OPS and ("spikes" in record or n in record)]
    neurons = [n for n in program.names if isinstance(g.nodes[n], ir.NEURON_TYPES)]
    traced = [n for n in neurons if "v" in record or n in record]
    outputs = [n for n in program.names if isinstance(g.nodes[n], ir.Output)]
    others = [n for n in program.names if n in record and n not in outputs + spiking + traced]
    wanted = list(dict.fromkeys(outputs + spiking + traced + others))
    mask = np.zeros(program.total_out, np.bool_)
    cols: dict[str, slice] = {}
    c = 0
    for i, n in enumerate(program.names):
        if n in wanted:
            o, m = program.out_off[i], program.out_size[i]
            mask[o:o + m] = True
    for i, n in enumerate(program.names):
        if mask[program.out_off[i]:program.out_off[i] + program.out_size[i]].any():
            cols[n] = slice(c, c + int(program.out_size[i]))
            c += int(program.out_size[i])
    dtype = program.dtype
    v0 = np.zeros((B, program.total_out), dtype)
    cur0 = np.zeros((B, program.total_out), dtype)
    for i, n in enumerate(program.names):
        node = g.nodes[n]
        if isinstance(node, ir.NEURON_TYPES):
            o, m = program.out_off[i], program.out_size[i]
            st = initial_state(node, (B,), "float32" if dtype == np.float32 else "float64")
            v0[:, o:o + m] = st.v.reshape(B, -1)
            for var, dest in (("v", v0), ("i", cur0)):
                init = (initial or {}).get(n, {}).get(var)
                if init is not None:
                    dest[:, o:o + m] = np.broadcast_to(np.asarray(init, dtype), (B, *node.expected_input_shape())).reshape(B, -1)
    if T < 1:
        raise InvalidInputError(f"steps must be >= 1, got {T}", fix="run at least one step (or leave steps out)")
    _check_run_size(program, B, T, c, bool(traced))
    rec_out = np.zeros((B, T, c), dtype)
    with_traces = bool(traced)
    rec_v = np.zeros((B, T, c) if with_traces else (B, 0, 0), dtype)
    rec_i = np.zeros((B, T, c) if with_traces else (B, 0, 0), dtype)
    buffers = RecordBuffers(np.nonzero(mask)[0].astype(np.int64), rec_out, rec_v, rec_i)
    arrays, profile_rules, state = graph_arrays(program), rules(program), new_state(program, v0, cur0)
    n_out = program.total_out
    chunks = _chunks(T, B * n_out, progress, chunk_steps)
    bar = None
    if progress and len(chunks) > 1 and T * B * n_out >= 20_000_000:
        from neurokit.util.progress import progress_bar

        bar = progress_bar(total=T, desc="simulate", unit="step")
    for t_start, t_stop in chunks:
        run_batch(x, t_start, t_stop, arrays, profile_rules, buffers, state)
        if bar is not None:
            bar.update(t_stop - t_start)
    if bar is not None:
        bar.close()
    _check_finite(rec_out, cols, T)
    rec = Recording(dt=g.profile.dt)
    thresholds = {n for n in spiking if isinstance(g.nodes[n], ir.Threshold)}
    for n, sl in cols.items():
        shape = program.shapes[n][1]
        vals = rec_out[:, :, sl].transpose(1, 0, 2).reshape(T, B, *shape)
        if n in outputs:
            rec.outputs[n] = vals.copy()
        if n in spiking:
            rec.spikes[n] = np.rint(vals).astype(np.int64) if program.multi_spike and n not in thresholds else vals > 0.5
        if n in others:
            rec.values[n] = vals.copy()
        if n in traced:
            rec.traces[n] = {"v": rec_v[:, :, sl].transpose(1, 0, 2).reshape(T, B, *shape).copy(),
                             "i": rec_i[:, :, sl].transpose(1, 0, 2).reshape(T, B, *shape).copy()}
    return rec


def _check_run_size(program: Program, B: int, T: int, recorded: int, traced: bool) -> None:
    """Refuse a run whose state (ring buffers of delays and latency) and recording would exceed the
    memory budget (:mod:`neurokit.util.budget`), naming what declared the size."""
    from neurokit.util.budget import check_bytes

    item = np.dtype(program.dtype).itemsize
    depth = int(program.ring_depth.max(initial=0))
    check_bytes(float(B) * program.total_ring * item,
                f"the delay/latency ring buffers ({program.total_ring} values per sample; deepest {depth} steps, "
                f"synapse_latency {program.graph.profile.synapse_latency})")
    check_bytes(float(B) * T * recorded * item * (3 if traced else 1),
                f"the recording ({T} steps x {B} samples x {recorded} recorded values)")


def _check_finite(rec_out: np.ndarray, cols: Mapping[str, slice], T: int) -> None:
    """A run whose recorded values overflowed to inf/NaN is an error, not a result."""
    if np.all(np.isfinite(rec_out)):
        return
    for name, sl in cols.items():
        bad = ~np.isfinite(rec_out[:, :, sl])
        if bad.any():
            b, t, _ = (int(v[0]) for v in np.nonzero(bad))
            raise InvalidInputError(f"node {name!r} overflowed to inf/NaN at step {t} of sample {b} (of {T} steps)",
                                    fix="the weights or parameters are too large for the numeric format; check the "
                                        "model (e.g. weights near 1e308) and its inputs")


def _chunks(T: int, work_per_step: int, progress: bool, chunk_steps: int | None) -> list[tuple[int, int]]:
    """Step ranges: ``chunk_steps`` long when given; with ``progress``, about 50 ranges when the run
    is long enough (> 2e7 neuron-steps) for a bar to matter; else one range."""
    if chunk_steps is not None:
        if chunk_steps < 1:
            raise InvalidInputError(f"chunk_steps must be >= 1, got {chunk_steps}", fix="e.g. chunk_steps=1000")
        size = chunk_steps
    elif progress and T * work_per_step >= 20_000_000 and T >= 2:
        size = max(1, -(-T // 50))
    else:
        return [(0, T)]
    return [(t, min(T, t + size)) for t in range(0, T, size)]


def simulate(graph: ir.Graph, inputs: np.ndarray | Mapping[str, np.ndarray], steps: int | None = None,
             **kwargs: object) -> Recording:
    """``run(compile(graph), inputs, steps, **kwargs)``; integer ``sI.F`` profiles run in the
    fixed-point mode (:mod:`neurokit.sim.fixed`), ``numeric="loihi2"`` in Loihi 2's bit-accurate
    arithmetic (:mod:`neurokit.backends.loihi2.bit_accurate`)."""
    if graph.profile.is_fixed_point:
        if isinstance(inputs, Mapping):
            inputs = next(iter(inputs.values()))
        if graph.profile.numeric == "loihi2":
            from neurokit.backends.loihi2.bit_accurate import simulate_loihi

            return simulate_loihi(graph, np.asarray(inputs), steps)
        from .fixed import run_fixed

        return run_fixed(graph, np.asarray(inputs), steps)
    return run(compile(graph), inputs, steps, **kwargs)  # type: ignore[arg-type]
