"""SpiNNaker backend: lower an IR graph to a placed, routed machine graph with per-core synaptic data
(artifact ``neurokit-spinnaker`` v1), and emulate it packet by packet with S16.15 neurons.

Artifact: ``manifest.json`` (machine, populations, vertices with placement and keys, projections,
report) and ``arrays.h5``: ``routing/uncompressed/<x>_<y>`` and ``routing/compressed/<x>_<y>``
(rows ``key, mask, route word 0, ...``: the route in 32-bit words, ``route_words`` in the manifest — one
for SpiNNaker 1, five for SpiNNaker2), ``cores/<x>_<y>_<p>/`` with ``master_pop`` (rows ``key, mask, row_start,
row_count``), ``rows_indptr`` / ``rows_target`` / ``rows_weight`` (int16) / ``rows_shift`` /
``rows_delay`` (one row per source atom), and ``neurons/<population>/`` fixed-point parameters
(``v_init``: the float model's initial membrane, quantized; every sample starts from it; Cuba
populations also ``w_in``, ``coupling`` and the unsigned 0.32 ``d_syn``/``g_syn`` of ``IF_curr_exp``;
``i_offset`` the biases from step 1, ``i_offset_late`` the second bias tap from step 2). Which
neuron model a population is: :mod:`.neurons`; what a projection is: :mod:`.check`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, refuse_if_problems
from neurokit.backends.output_stage import describe as describe_output_stage, strip_output_stage
from neurokit.errors import InvalidInputError, MappingError
from neurokit.ir.passes import LINEAR_TYPES
from neurokit.util.atomic import atomic_path, atomic_write_text

from .check import Projection, output_population, projection_csr, structure
from .machine import load_machine
from .mapping import MASK, compress, partition, place, route
from .neurons import FMT, chip_model, chip_neuron, exact_taps, input_weight

NEURON_FIELDS = ("a", "k", "r", "dt_r", "v_leak", "v_th", "v_reset", "refrac_steps", "v_init")
CUBA_FIELDS = ("w_in", "d_syn", "g_syn", "coupling")  # IF_curr_exp: the synaptic current's registers (decay_t: unsigned 0.32)
MAX_SHIFT = 15  # 65535 << 15 is the largest input an S16.15 neuron can take in one step
RING_BUFFER_MAX = 0xFFFF  # a ring-buffer entry is an unsigned 16-bit sum that saturates (sPyNNaker synapses.c)
DEFAULT_SPIKES_PER_SECOND = 30.0  # sPyNNaker's default expected input rate for the ring-buffer shift
DEFAULT_RING_BUFFER_SIGMA = 5.0


def late_bias(proj_data: list[dict[str, Any]], pop: str, n: int) -> np.ndarray:
    """The constant input population ``pop`` receives from one step after its biases (the second
    tap of an exact Cuba neuron's biases, :func:`exact_taps`), summed over its projections."""
    total = np.zeros(n)
    for d in proj_data:
        if d["post"] == pop and d.get("late_bias") is not None:
            total += d["late_bias"]
    return total


def chain_latency(g: ir.Graph, proj: Projection) -> int:
    """Steps a projection's spikes take: one per weighted node of its chain (``synapse_latency`` 1 on
    every weighted connection, as the IR times them; a pool then a conv arrive after 2), at least 1,
    plus one where the projection closes a loop (the loop edge carries the previous step's output)."""
    return max(1, sum(isinstance(g.nodes[n], LINEAR_TYPES) for n in proj.chain)) + proj.loop_steps


def lower_graph(graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None,
                target: str = "spinnaker") -> Artifact:
    """Partition, place, route, compress and quantise ``graph``; write the artifact (module docstring)."""
    opts = dict(options or {})
    machine = load_machine(str(opts.pop("machine", "spinn5")))
    atoms = opts.pop("max_atoms_per_core", None)
    max_atoms = int(machine.max_atoms_per_core if atoms is None else atoms)
    rate_hz = float(opts.pop("spikes_per_second", DEFAULT_SPIKES_PER_SECOND))
    sigma = float(opts.pop("ring_buffer_sigma", DEFAULT_RING_BUFFER_SIGMA))
    if opts:
        raise InvalidInputError(f"unknown spinnaker option(s) {sorted(opts)}",
                                fix="options: machine, max_atoms_per_core, spikes_per_second, ring_buffer_sigma")
    if not 1 <= max_atoms <= 256:
        raise InvalidInputError(f"max_atoms_per_core must be 1..256, got {max_atoms}",
                                fix="keys hold 8 atom bits: use at most 256 neurons per core")
    if not (rate_hz > 0 and sigma >= 0):
        raise InvalidInputError(f"spikes_per_second must be > 0 and ring_buffer_sigma >= 0, got {rate_hz}, {sigma}",
                                fix="e.g. spikes_per_second=30, ring_buffer_sigma=5 (sPyNNaker's defaults)")
    found = structure(graph)
    refuse_if_problems(found.problems, target)
    pops = found.populations
    g = graph.flatten()
    stage = describe_output_stage(g, next(iter(g.outputs)))  # Delay/Threshold before the Output: on the host
    g = strip_output_stage(g)
    chip_nodes, chip_prof = chip_model(g)
    shapes = g.infer_shapes()
    sizes = [(p, int(np.prod(shapes[p][1]))) for p in pops]
    # synaptic matrices (post, pre) of effective integer weights, delays in steps
    proj_data = []
    fan_in = {p: np.zeros(n, np.int64) for p, n in sizes}
    for proj in found.projections:
        csr = projection_csr(g, shapes, proj)
        pre_idx = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
        post_idx = csr.indices.astype(np.int64)
        delay = (csr.delay if csr.delay is not None else np.zeros(len(csr.indices), np.int64)) + chain_latency(g, proj)
        w_in = input_weight(g.nodes[proj.post])  # IF_curr_exp has no input weight: it scales the synapses
        taps = exact_taps(g.nodes[proj.post], g.profile)
        w, bias = np.asarray(csr.weight, np.float64), csr.bias
        late = None
        if taps is not None:  # exact CubaLIF: every synapse twice, at its delay and one step later
            alpha, beta = taps  # the bias too: alpha * b from the latency's end on, beta * b one step later
            if bias is not None:
                bias, late = np.asarray(bias, np.float64).ravel() * alpha, np.asarray(bias, np.float64).ravel() * beta
            pre_idx, post_idx = np.concatenate([pre_idx, pre_idx]), np.concatenate([post_idx, post_idx])
            w = np.concatenate([w * alpha[post_idx[:len(w)]], w * beta[post_idx[:len(w)]]])
            delay = np.concatenate([delay, delay + 1])
        elif w_in is not None:
            w = w * w_in[post_idx]
            bias = None if bias is None else np.asarray(bias, np.float64).ravel() * w_in
        proj_data.append({"syn": proj.name, "chain": list(proj.chain), "pre": proj.pre, "post": proj.post,
                          "pre_idx": pre_idx, "post_idx": post_idx, "w": w, "delay": delay.astype(np.int64), "bias": bias,
                          "late_bias": late,
                          "loop_steps": proj.loop_steps})
        fan_in[proj.post] += np.bincount(post_idx, minlength=fan_in[proj.post].size)
    vertices = partition(sizes, max_atoms, fan_in=fan_in, max_synapses=machine.max_synapses_per_core)
    place(vertices, machine)
    by_pop: dict[str, list[Any]] = {}
    for v in vertices:
        by_pop.setdefault(v.population, []).append(v)
    edges: dict[int, set[int]] = {}
    for d in proj_data:
        _sort_into_blocks(d, by_pop[d["pre"]], by_pop[d["post"]])
        for key in np.unique(d["block_key"]).tolist():  # (source slice, target slice) pairs with synapses
            tv_i, sv_i = divmod(key, d["n_pre_vertices"])
            edges.setdefault(by_pop[d["pre"]][sv_i].index, set()).add(by_pop[d["post"]][tv_i].index)
    rt = route(vertices, edges, machine)
    crt = compress(rt)
    if crt.max_entries() > machine.router_entries:
        full = {f"{c}": len(t) for c, t in crt.tables.items() if len(t) > machine.router_entries}
        raise MappingError("routing tables do not fit after compression", problems=[f"chip {c}: {n} entries"
                           for c, n in full.items()], fix="spread the network over more chips or use larger slices")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    core_report = []
    clipped = 0  # 16-bit weights clipped (only when the shift is capped at MAX_SHIFT)
    shift_report: list[dict[str, int]] = []
    baked: dict[str, list[tuple[np.ndarray, ...]]] = {d["syn"]: [] for d in proj_data}
    with atomic_path(out / "arrays.h5", suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        for label, tables in (("uncompressed", rt), ("compressed", crt)):
            f.require_group(f"routing/{label}")  # present even when nothing is routed
            for chip, entries in tables.tables.items():
                f.create_dataset(f"routing/{label}/{chip[0]}_{chip[1]}", data=_table_rows(entries, machine.route_words))
        for pop in pops[1:]:
            p = chip_neuron(chip_nodes[pop], chip_prof)
            grp = f.create_group(f"neurons/{pop}")
            for fld in NEURON_FIELDS + (CUBA_FIELDS if p.is_cuba else ()):
                grp.create_dataset(fld, data=np.asarray(getattr(p, fld)).ravel())
            grp.attrs["kind"] = p.kind
            offset = np.zeros(p.a.size, np.int64)
            for d in proj_data:
                if d["post"] == pop and d["bias"] is not None:
                    offset += FMT.to_fixed(d["bias"])
            grp.create_dataset("i_offset", data=offset)
            grp.create_dataset("i_offset_late", data=FMT.to_fixed(late_bias(proj_data, pop, p.a.size)))
        for tv in vertices:
            if tv.population == pops[0]:
                continue
            blocks = [(d, sv, _block(d, sv.slice_index, tv.slice_index)) for d in proj_data
                      if d["post"] == tv.population for sv in by_pop[d["pre"]]]
            blocks = [(d, sv, b) for d, sv, b in blocks if b.stop > b.start]
            type_shift = _core_shifts([(d["w"][b], d["post_idx"][b] - tv.lo) for d, sv, b in blocks], tv.atoms,
                                      rate_hz * g.profile.dt, sigma)
            shift_report.append({"vertex": tv.index, "excitatory": type_shift[0], "inhibitory": type_shift[1]})
            rows_t, rows_w, rows_s, rows_d, indptr, mpt = [], [], [], [], [0], []
            # one master-population entry and one row per source atom for each source slice, holding
            # the synapses of every projection from that slice (several projections may join the
            # same two populations); within a row: projection order, then original order
            by_source: dict[int, list[tuple[Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {}
            for d, sv, b in blocks:
                w_fixed = np.round(d["w"][b] * 2.0**FMT.frac_bits)
                shifts = np.where(w_fixed >= 0, type_shift[0], type_shift[1]).astype(np.int64)
                w16 = np.round(w_fixed / 2.0**shifts)
                clipped += int(np.count_nonzero((w16 < -32768) | (w16 > 32767)))
                w16 = np.clip(w16, -32768, 32767).astype(np.int64)
                # the reference adds the latency (1) and, on a loop, the previous-step carry itself
                baked[d["syn"]].append((d["pre_idx"][b], d["post_idx"][b], w16 << shifts,
                                        d["delay"][b] - 1 - d["loop_steps"]))
                by_source.setdefault(sv.index, []).append((sv, d["pre_idx"][b] - sv.lo, d["post_idx"][b] - tv.lo,
                                                           np.stack([w16, shifts]), d["delay"][b]))
            for parts in by_source.values():
                sv = parts[0][0]
                atom = np.concatenate([p[1] for p in parts])
                order = np.argsort(atom, kind="stable")
                start = len(indptr) - 1
                indptr.extend((indptr[-1] + np.cumsum(np.bincount(atom, minlength=sv.atoms))).tolist())
                rows_t.append(np.concatenate([p[2] for p in parts])[order])
                ws = np.concatenate([p[3] for p in parts], axis=1)[:, order]
                rows_w.append(ws[0])
                rows_s.append(ws[1])
                rows_d.append(np.concatenate([p[4] for p in parts])[order])
                mpt.append((sv.key, MASK, start, sv.atoms))
            grp = f.create_group(f"cores/{tv.chip[0]}_{tv.chip[1]}_{tv.core}")
            cat = lambda a: np.concatenate(a).astype(np.int64) if a else np.zeros(0, np.int64)  # noqa: E731
            grp.create_dataset("master_pop", data=np.array(mpt, np.int64).reshape(-1, 4))
            grp.create_dataset("rows_indptr", data=np.array(indptr, np.int64))
            grp.create_dataset("rows_target", data=cat(rows_t))
            grp.create_dataset("rows_weight", data=cat(rows_w))
            grp.create_dataset("rows_shift", data=cat(rows_s))
            grp.create_dataset("rows_delay", data=cat(rows_d))
            core_report.append({"vertex": tv.index, "synapses": int(indptr[-1])})
    ir.write(g, out / "model.nir")
    limits = _ring_buffer_limits(vertices, shift_report, pops, sizes)
    ir.write(_numeric_mode_graph(g, chip_nodes, chip_prof, pops, proj_data, baked, sizes, limits), out / "reference.nir")
    chips_used = sorted({v.chip for v in vertices})
    manifest = {
        "format": "neurokit-spinnaker", "version": 1, "route_words": machine.route_words, "target": target, "machine": machine.name,
        "dt": g.profile.dt, "fixed_format": "s16.15", "reset": g.profile.reset, "populations": pops,
        "chip_integration": chip_prof.integration,
        "neuron_model": _neuron_model(g.profile), "output_stage": stage,
        "output": next(iter(g.outputs)), "output_population": output_population(g, next(iter(g.outputs))),
        "output_shape": [int(d) for d in shapes[next(iter(g.outputs))][1]],
        "vertices": [{"index": v.index, "population": v.population, "slice": v.slice_index, "lo": v.lo, "hi": v.hi,
                      "chip": list(v.chip), "core": v.core, "key": v.key, "mask": MASK} for v in vertices],
        "report": {"cores": len(vertices), "chips": len(chips_used), "routing_entries_before": rt.entries(),
                   "routing_entries_after": crt.entries(), "max_entries_per_router": crt.max_entries(),
                   "router_capacity": machine.router_entries,
                   "max_synapses_per_core": int(max(c["synapses"] for c in core_report) if core_report else 0),
                   "synapse_capacity_per_core": machine.max_synapses_per_core,
                   "machine_assumptions": machine.assumptions(),
                   "synapses": int(sum(c["synapses"] for c in core_report)),
                   "expected_packets_per_step_at_10hz": float(sum(n for _, n in sizes) * 10.0 * g.profile.dt),
                   "expected_packets_per_step": float(sum(n for _, n in sizes) * rate_hz * g.profile.dt),
                   "spikes_per_second": rate_hz, "ring_buffer_sigma": sigma,
                   "weight_shifts": shift_report, "weights_clipped_16bit": clipped,
                   "placer": "radial (hexagonal distance from chip 0,0), sequential cores",
                   "router": "dimension order: diagonal, then E/W, then N/S", "compressor": "pair merge"},
    }
    gaps = pynn_gaps(g, found)
    manifest["pynn"] = {"written": not gaps, "why_not": gaps}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    artifact = Artifact(path=out, target=target, manifest=manifest)
    if not gaps:
        from .pynn import write_pynn

        write_pynn(artifact)  # the same network as a PyNN script for sPyNNaker (pynn/model.py)
    return artifact


def pynn_gaps(g: ir.Graph, found: Any) -> list[str]:
    """What the PyNN export (:mod:`.pynn`: every projection's chain composed into one
    ``FromListConnector``, ``IF_curr_delta`` and ``IF_curr_exp`` populations) cannot write; the
    artifact then has no ``pynn/`` script and the manifest says why."""
    from .pynn import PYNN_NEURONS, custom_model_gaps

    return [f"{name!r} is {g.nodes[name].type_name} (no PyNN cell type for it)" for name in found.populations[1:]
            if not isinstance(g.nodes[name], PYNN_NEURONS)] + [str(p) for p in custom_model_gaps(g, found.populations[1:])]


def _neuron_model(profile: ir.Profile) -> str:
    """The sPyNNaker neuron model the populations run: the standard cells, or a custom model and why."""
    from .check import custom_model_reasons

    reasons = custom_model_reasons(profile)
    return "custom (" + ", ".join(reasons) + ")" if reasons else "IF_curr_delta / IF_curr_exp"


def _table_rows(entries: list[tuple[int, int, int]], words: int) -> np.ndarray:
    """Routing entries as int64 rows ``key, mask, route word 0, ..., route word words-1`` (32 bits each)."""
    rows = [(k, m, *((r >> (32 * i)) & 0xFFFFFFFF for i in range(words))) for k, m, r in entries]
    return np.array(rows, np.int64).reshape(-1, 2 + words)



def _sort_into_blocks(d: dict[str, Any], pre_vertices: list[Any], post_vertices: list[Any]) -> None:
    """Order projection ``d``'s synapses by (target slice, source slice, source atom), ties in their
    original order, and record where each (target slice, source slice) block starts: one sort,
    then every core's rows are contiguous slices (no scan of all synapses per core)."""
    pre_lo = np.array([v.lo for v in pre_vertices])
    post_lo = np.array([v.lo for v in post_vertices])
    pv = np.searchsorted(pre_lo, d["pre_idx"], side="right") - 1
    tv = np.searchsorted(post_lo, d["post_idx"], side="right") - 1
    order = np.lexsort((d["pre_idx"], pv, tv))
    for k in ("pre_idx", "post_idx", "w", "delay"):
        d[k] = d[k][order]
    d["block_key"] = tv[order] * len(pre_vertices) + pv[order]
    d["n_pre_vertices"] = len(pre_vertices)


def _block(d: dict[str, Any], sv: int, tv: int) -> slice:
    """The synapses of projection ``d`` from source slice ``sv`` to target slice ``tv``."""
    key = tv * d["n_pre_vertices"] + sv
    return slice(int(np.searchsorted(d["block_key"], key, "left")), int(np.searchsorted(d["block_key"], key, "right")))


def _core_shifts(blocks: list[tuple[np.ndarray, np.ndarray]], atoms: int, p_spike: float, sigma: float) -> tuple[int, int]:
    r"""Left shift of the 16-bit weights per synapse type (excitatory, inhibitory) of core ``tv``,
    chosen from the expected summed input as sPyNNaker does: each presynaptic neuron spikes with
    probability :math:`p` per step, so a post neuron's input per step has mean
    :math:`p \sum |w|` and variance :math:`p (1 - p) \sum w^2`; the bound
    :math:`\max_{post} \min(\text{mean} + \sigma\,\text{sd},\ \sum |w|)` (no more than every
    source spiking once; and at least the largest single weight) must fit in 15 bits, leaving the
    ring buffer's 16th bit as headroom, as sPyNNaker's ``max_weight_powers`` does: :math:`\text{shift} = \lceil \log_2(\text{bound} / 32767) \rceil` within
    ``[0, MAX_SHIFT]`` (a larger shift would overflow the S16.15 input; weights beyond 16 bits at
    the cap are clipped and counted in the report's ``weights_clipped_16bit``)."""
    p = min(max(p_spike, 0.0), 1.0)
    shifts = []
    for excitatory in (True, False):
        total = np.zeros(atoms)
        square = np.zeros(atoms)
        peak = 0.0
        for w_real, post_local in blocks:
            w = np.round(w_real * 2.0**FMT.frac_bits)
            keep = w >= 0 if excitatory else w < 0
            w, post = np.abs(w[keep]), post_local[keep]
            if len(w):
                total += np.bincount(post, weights=w, minlength=atoms)
                square += np.bincount(post, weights=w * w, minlength=atoms)
                peak = max(peak, float(w.max()))
        expected = np.minimum(p * total + sigma * np.sqrt(p * (1 - p) * square), total)
        bound = max(float(expected.max(initial=0.0)), peak, 1.0)
        shifts.append(min(MAX_SHIFT, max(0, math.ceil(math.log2(bound / 32767)))))
    return shifts[0], shifts[1]


def _ring_buffer_limits(vertices: list[Any], shift_report: list[dict[str, int]], pops: list[str],
                        sizes: list[tuple[str, int]]) -> dict[str, np.ndarray]:
    r"""Per neuron population ``(2, n)``: the largest excitatory / inhibitory input a ring-buffer
    entry can deliver, :math:`(2^{16}-1) \ll s` in S16.15 units, as real numbers."""
    n_of = dict(sizes)
    out = {p: np.zeros((2, n_of[p])) for p in pops[1:]}
    by_index = {v.index: v for v in vertices}
    for rec in shift_report:
        v = by_index[rec["vertex"]]
        for row, key in enumerate(("excitatory", "inhibitory")):
            out[v.population][row, v.lo:v.hi] = (RING_BUFFER_MAX << rec[key]) / 2.0**FMT.frac_bits
    return out


def _numeric_mode_graph(g: ir.Graph, chip_nodes: dict[str, ir.Node], chip_prof: ir.Profile, pops: list[str],
                        proj_data: list[dict[str, Any]],
                        baked: dict[str, list[tuple[np.ndarray, ...]]], sizes: list[tuple[str, int]],
                        limits: dict[str, np.ndarray]) -> ir.Graph:
    """Flat populations joined by SparseLinear projections carrying the exact machine weights; each
    population's metadata ``input_saturation`` holds its ring-buffer limits (``neurokit.sim.fixed``)."""
    n_of = dict(sizes)
    inp = g.nodes[pops[0]]
    nodes: dict[str, ir.Node] = {pops[0]: inp, "flat_input": ir.Flatten(input_shape=inp.shape, start_dim=0)}
    edges = [(pops[0], "flat_input")]
    for p in pops[1:]:
        node = g.nodes[p]
        node = chip_nodes[p]
        flat = node.replace(**{k: np.asarray(v).ravel() for k, v in node.arrays().items()})
        start = {"v_init": np.asarray(flat.metadata["v_init"], np.float64).ravel()} if "v_init" in flat.metadata else {}
        nodes[p] = flat.replace(metadata={**flat.metadata, **start, "input_saturation": limits[p],
                                          "late_bias": late_bias(proj_data, p, n_of[p])})
    for d in proj_data:
        parts = baked[d["syn"]]
        pre = np.concatenate([x[0] for x in parts]) if parts else np.zeros(0, np.int64)
        post = np.concatenate([x[1] for x in parts]) if parts else np.zeros(0, np.int64)
        w = np.concatenate([x[2] for x in parts]) / 2.0**FMT.frac_bits if parts else np.zeros(0)
        delay = np.concatenate([x[3] for x in parts]) * g.profile.dt if parts else np.zeros(0)
        order = np.lexsort((post, pre))
        n_pre, n_post = n_of[d["pre"]], n_of[d["post"]]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))])
        nodes[d["syn"]] = ir.SparseLinear(n_pre=n_pre, n_post=n_post, indptr=indptr, indices=post[order],
                                          weight=w[order], delay=delay[order])
        src = "flat_input" if d["pre"] == pops[0] else d["pre"]
        edges += [(src, d["syn"]), (d["syn"], d["post"])]
        if d["bias"] is not None:  # the bias is a constant current: keep it as an Affine with zero weights
            name = f"{d['syn']}_bias"
            nodes[name] = ir.Affine(weight=np.zeros((n_post, n_of[d["pre"]])), bias=np.asarray(d["bias"]))
            edges += [(src, name), (name, d["post"])]
    out = next(iter(g.outputs))
    last = output_population(g, out)
    nodes[out] = ir.Output(shape=(n_of[last],))
    edges.append((last, out))
    profile = chip_prof.replace(numeric="s16.15", synapse_latency=1)
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile)

