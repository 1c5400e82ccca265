"""SpiNNaker backend: lower an IR graph to a placed, routed machine graph with per-core synaptic data
(artifact ``neurokit-spinnaker`` v1), and emulate it packet by packet with S16.15 neurons.

Artifact: ``manifest.json`` (machine, populations, vertices with placement and keys, projections,
report) and ``arrays.h5``: ``routing/uncompressed/<x>_<y>`` and ``routing/compressed/<x>_<y>``
(rows ``key, mask, route word 0, ...``: the route in 32-bit words, ``route_words`` in the manifest — one
for SpiNNaker 1, five for SpiNNaker2), ``cores/<x>_<y>_<p>/`` with ``master_pop`` (rows ``key, mask, row_start,
row_count``), ``rows_indptr`` / ``rows_target`` / ``rows_weight`` (int16) / ``rows_shift`` /
``rows_delay`` (one row per source atom), and ``neurons/<population>/`` fixed-point parameters
(``v_init``: the float model's initial membrane, quantized; every sample starts from it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, Problem, refuse_if_problems
from neurokit.dynamics.fixed import FixedNeuron, fixed_neuron, fixed_step
from neurokit.errors import FileFormatError, InvalidInputError, MappingError
from neurokit.ir.passes import FixedFormat, node_to_csr
from neurokit.sim.recording import Recording
from neurokit.util.atomic import atomic_path, atomic_write_text

from .machine import load_machine
from .mapping import MASK, RoutingTables, compress, destinations, partition, place, route

FMT = FixedFormat(16, 15)
SYNAPSES = (ir.Linear, ir.Affine, ir.SparseLinear, ir.Conv1d, ir.Conv2d, ir.SumPool2d, ir.AvgPool2d)
NEURONS = (ir.LIF, ir.IF, ir.LI)
NEURON_FIELDS = ("a", "k", "r", "dt_r", "v_leak", "v_th", "v_reset", "refrac_steps", "v_init")


def _structure(graph: ir.Graph) -> tuple[list[str], list[tuple[str, str, str]], list[Problem]]:
    """Populations (Input + neurons) and projections (synapse, pre population, post population)."""
    g = graph.flatten()
    problems = []
    for name, node in g.nodes.items():
        if not isinstance(node, (*SYNAPSES, *NEURONS, ir.Input, ir.Output, ir.Flatten)):
            problems.append(Problem(name, f"{node.type_name} has no SpiNNaker lowering in this version",
                                    "map Linear/Affine/SparseLinear/Conv/Pool into LIF/IF/LI populations"))
    problems += profile_problems(g.profile)
    pops = [n for n in g.topological_order() if isinstance(g.nodes[n], (ir.Input, *NEURONS))]

    def source(name: str) -> str | None:
        preds = g.predecessors(name)
        while len(preds) == 1 and isinstance(g.nodes[preds[0]], ir.Flatten):
            preds = g.predecessors(preds[0])
        return preds[0] if len(preds) == 1 else None

    projections = []
    for name, node in g.nodes.items():
        if isinstance(node, SYNAPSES):
            pre = source(name)
            posts = g.successors(name)
            if pre not in pops or len(posts) != 1 or posts[0] not in pops:
                problems.append(Problem(name, "a projection must connect one population to one neuron population",
                                        "put a neuron node after every weight layer"))
                continue
            projections.append((name, pre, posts[0]))
        if isinstance(node, NEURONS):
            for p in g.predecessors(name):
                if not isinstance(g.nodes[p], SYNAPSES):
                    problems.append(Problem(name, f"input from {p!r} is not a projection", "insert a Linear"))
    return pops, projections, problems


def profile_problems(profile: ir.Profile) -> list[Problem]:
    """The profile options sPyNNaker's neurons (``IF_curr_delta``, which the PyNN export uses and the
    emulator reproduces) cannot express, each with the reason."""
    problems = []
    if profile.spike_rule != ">":
        problems.append(Problem("<profile>", "SpiNNaker neurons spike on v > v_th", "use spike_rule='>'"))
    if profile.reset != "zero":
        problems.append(Problem("<profile>", f"reset={profile.reset!r} cannot be expressed: sPyNNaker's IF_curr_delta "
                                             "sets v to v_reset after a spike", "use reset='zero'"))
    if profile.reset_timing != "same_step":
        problems.append(Problem("<profile>", f"reset_timing={profile.reset_timing!r} cannot be expressed: sPyNNaker's "
                                             "neurons reset in the step they spike", "use reset_timing='same_step'"))
    if profile.multi_spike:
        problems.append(Problem("<profile>", "multi_spike=True cannot be expressed: a SpiNNaker neuron sends at most "
                                             "one spike packet per time step", "use multi_spike=False"))
    if profile.v_min != float("-inf"):
        problems.append(Problem("<profile>", f"v_min={profile.v_min!r} cannot be expressed: sPyNNaker's IF_curr_delta "
                                             "has no floor on the membrane", "leave v_min at -inf"))
    return problems


@dataclass
class SpiNNakerBackend:
    """SpiNNaker (SpiNN-5 by default) via our own mapping, and an emulator of the exported machine."""

    name: str = "spinnaker"
    lowering: Mapping[type, Any] = field(default_factory=lambda: {
        **{t: "projection" for t in SYNAPSES}, **{t: "population" for t in NEURONS}, ir.Input: "spike source",
        ir.Output: "recording", ir.Flatten: "index map"})

    @property
    def supported_nodes(self) -> tuple[type, ...]:
        return tuple(self.lowering)

    def check(self, graph: ir.Graph) -> list[Problem]:
        return _structure(graph)[2]

    def lower(self, graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any] | None = None) -> Artifact:
        opts = dict(options or {})
        machine = load_machine(str(opts.pop("machine", "spinn5")))
        max_atoms = int(opts.pop("max_atoms_per_core", machine.max_atoms_per_core))
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
        pops, projections, problems = _structure(graph)
        refuse_if_problems(problems, self.name)
        g = graph.flatten()
        shapes = g.infer_shapes()
        sizes = [(p, int(np.prod(shapes[p][1]))) for p in pops]
        # synaptic matrices (post, pre) of effective integer weights, delays in steps
        proj_data = []
        fan_in = {p: np.zeros(n, np.int64) for p, n in sizes}
        for syn, pre, post in projections:
            node = g.nodes[syn]
            csr = node_to_csr(node, shapes[syn][0], shapes[syn][1], g.profile.dt)
            pre_idx = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
            delay = (csr.delay if csr.delay is not None else np.zeros(len(csr.indices), np.int64)) + 1
            proj_data.append({"syn": syn, "pre": pre, "post": post, "pre_idx": pre_idx, "post_idx": csr.indices.astype(np.int64),
                              "w": csr.weight, "delay": delay.astype(np.int64), "bias": csr.bias})
            fan_in[post] += np.bincount(csr.indices, minlength=fan_in[post].size)
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
                p = fixed_neuron(g.nodes[pop], g.profile, FMT)
                grp = f.create_group(f"neurons/{pop}")
                for fld in NEURON_FIELDS:
                    grp.create_dataset(fld, data=np.asarray(getattr(p, fld)).ravel())
                grp.attrs["kind"] = p.kind
                offset = np.zeros(p.a.size, np.int64)
                for d in proj_data:
                    if d["post"] == pop and d["bias"] is not None:
                        offset += FMT.to_fixed(d["bias"])
                grp.create_dataset("i_offset", data=offset)
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
                    baked[d["syn"]].append((d["pre_idx"][b], d["post_idx"][b], w16 << shifts, d["delay"][b] - 1))
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
        ir.write(_reference_graph(g, pops, proj_data, baked, sizes, limits), out / "reference.nir")
        chips_used = sorted({v.chip for v in vertices})
        manifest = {
            "format": "neurokit-spinnaker", "version": 1, "route_words": machine.route_words, "target": self.name, "machine": machine.name,
            "dt": g.profile.dt, "fixed_format": "s16.15", "reset": g.profile.reset, "populations": pops,
            "output": next(iter(g.outputs)), "output_population": g.predecessors(next(iter(g.outputs)))[0],
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
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
        artifact = Artifact(path=out, target=self.name, manifest=manifest)
        from .pynn import write_pynn

        write_pynn(artifact)  # the same network as a PyNN script for sPyNNaker (pynn/model.py)
        return artifact

    def reference_graph(self, artifact: Artifact) -> ir.Graph:
        """The model as the machine computes it: per-core quantized weights baked in, profile
        ``numeric = "s16.15"``, one step of synaptic latency — for :mod:`neurokit.sim`'s fixed-point mode."""
        return ir.read(Path(artifact.path) / "reference.nir")

    def timed_float_model(self, graph: ir.Graph) -> ir.Graph:
        """``graph`` with the machine's timing: one step of synaptic latency (sPyNNaker's minimum
        delay), as in :meth:`reference_graph`."""
        return graph if graph.profile.synapse_latency == 1 else graph.with_profile(graph.profile.replace(synapse_latency=1))

    def reference_run(self, artifact: Artifact, inputs: np.ndarray, steps: int) -> Recording:
        """``neurokit.sim`` in the matching S16.15 mode on :meth:`reference_graph` (no machine, no routing)."""
        from neurokit import sim

        return sim.simulate(self.reference_graph(artifact), inputs, steps)

    def board(self, artifact: Artifact, *, faults: Mapping[str, Any] | None = None) -> SpiNNakerBoard:
        return SpiNNakerBoard(artifact=artifact, faults=dict(faults or {}))


def _table_rows(entries: list[tuple[int, int, int]], words: int) -> np.ndarray:
    """Routing entries as int64 rows ``key, mask, route word 0, ..., route word words-1`` (32 bits each)."""
    rows = [(k, m, *((r >> (32 * i)) & 0xFFFFFFFF for i in range(words))) for k, m, r in entries]
    return np.array(rows, np.int64).reshape(-1, 2 + words)


def _table_entries(rows: np.ndarray) -> list[tuple[int, int, int]]:
    """Inverse of :func:`_table_rows`."""
    return [(int(r[0]), int(r[1]), sum(int(w) << (32 * i) for i, w in enumerate(r[2:]))) for r in rows]


MAX_SHIFT = 15  # 65535 << 15 is the largest input an S16.15 neuron can take in one step
RING_BUFFER_MAX = 0xFFFF  # a ring-buffer entry is an unsigned 16-bit sum that saturates (sPyNNaker synapses.c)
DEFAULT_SPIKES_PER_SECOND = 30.0  # sPyNNaker's default expected input rate for the ring-buffer shift
DEFAULT_RING_BUFFER_SIGMA = 5.0


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


def _reference_graph(g: ir.Graph, pops: list[str], proj_data: list[dict[str, Any]],
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
        flat = node.replace(**{k: np.asarray(v).ravel() for k, v in node.arrays().items()})
        nodes[p] = flat.replace(metadata={**flat.metadata, "input_saturation": limits[p]})
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
    last = g.predecessors(out)[0]
    nodes[out] = ir.Output(shape=(n_of[last],))
    edges.append((last, out))
    profile = g.profile.replace(numeric="s16.15", synapse_latency=1)
    return ir.Graph(nodes=nodes, edges=tuple(edges), profile=profile)


class Emulator:
    r"""Executes the artifact: packets routed through the exported tables, rows from the master
    population tables, S16.15 neuron updates (``routed=False``: the same arithmetic from the
    projections directly, the reference).

    Synaptic input as sPyNNaker computes it: each arriving packet adds its row's 16-bit weight
    magnitudes :math:`|w_{16}|` into the ring-buffer entry (delay slot, synapse type, neuron), an
    unsigned 16-bit sum that saturates; when the slot is due, the neuron's input is

    .. math::  I = \min(R_{exc}, 2^{16}-1) \ll s_{exc} - \min(R_{inh}, 2^{16}-1) \ll s_{inh} + I_{offset}

    with the core's shifts :math:`s`. Saturated entries are counted per population in the
    recording's ``meta["ring_buffer_saturations"]`` (sPyNNaker reports the same as provenance)."""

    def __init__(self, artifact: Artifact, *, routed: bool = True, faults: Mapping[str, Any] | None = None) -> None:
        self.m = artifact.manifest
        self.path = Path(artifact.path)
        self.faults = dict(faults or {})
        self.routed = routed
        self._load()

    def _load(self) -> None:
        m = self.m
        g = ir.read(self.path / "model.nir")
        self.graph = g
        shapes = g.infer_shapes()
        self.pops = m["populations"]
        self.sizes = {p: int(np.prod(shapes[p][1])) for p in self.pops}
        self.offsets = dict(zip(self.pops, np.concatenate([[0], np.cumsum([self.sizes[p] for p in self.pops])])[:-1].tolist()))
        n_total = sum(self.sizes.values())
        verts = m["vertices"]
        with h5py.File(self.path / "arrays.h5", "r") as f:
            self.neurons = {}
            for p in self.pops[1:]:
                grp = f[f"neurons/{p}"]
                missing = [k for k in NEURON_FIELDS if k not in grp]
                if missing:
                    raise FileFormatError(f"population {p!r} lacks {missing} (an artifact from an older neurokit)",
                                          where=str(self.path / "arrays.h5"), fix="re-run `neurokit deploy`")
                self.neurons[p] = (FixedNeuron(kind=str(grp.attrs["kind"]), **{k: grp[k][()] for k in NEURON_FIELDS}),
                                   grp["i_offset"][()])
            compressed = f.get("routing/compressed")
            tables = RoutingTables({tuple(int(c) for c in k.split("_")): _table_entries(compressed[k][()])
                                    for k in (compressed if compressed is not None else [])})
            cores = {}
            for key in f["cores"]:
                x, y, p = (int(c) for c in key.split("_"))
                grp = f[f"cores/{key}"]
                cores[((x, y), p)] = {k: grp[k][()] for k in grp}
        vert_at = {(tuple(v["chip"]), v["core"]): v for v in verts}
        src_pre, src_post, src_w, src_d = [], [], [], []
        for v in verts:
            base = self.offsets[v["population"]]
            for atom in range(v["hi"] - v["lo"]):
                key = v["key"] | atom
                dests = destinations(tables, tuple(v["chip"]), key) if self.routed else \
                    {k for k in cores}  # unrouted: consult every core's master population table
                for dest in dests:
                    core = cores.get(dest)
                    if core is None:
                        continue
                    for mk, mm, start, _count in core["master_pop"]:
                        if key & mm == mk:
                            r = start + (key - mk)
                            a, b = core["rows_indptr"][r], core["rows_indptr"][r + 1]
                            tv = vert_at[dest]
                            n = b - a
                            src_pre.append(np.full(n, base + v["lo"] + atom))
                            src_post.append(self.offsets[tv["population"]] + tv["lo"] + core["rows_target"][a:b])
                            src_w.append(core["rows_weight"][a:b])
                            src_d.append(core["rows_delay"][a:b])
                            break
        cat = lambda a: np.concatenate(a).astype(np.int64) if a else np.zeros(0, np.int64)  # noqa: E731
        pre, post, w, d = cat(src_pre), cat(src_post), cat(src_w), cat(src_d)
        order = np.argsort(pre, kind="stable")
        self.pre, self.post, self.d = pre[order], post[order], d[order]
        # ring buffers hold unsigned 16-bit magnitudes per synapse type (0 excitatory, 1 inhibitory)
        self.syn_type, self.w16 = (w[order] < 0).astype(np.int64), np.abs(w[order])
        self.shift = np.zeros((2, n_total), np.int64)  # per neuron: left shift of each type's ring entry
        for rec in m["report"]["weight_shifts"]:
            v = verts[rec["vertex"]]
            lo = self.offsets[v["population"]] + v["lo"]
            self.shift[0, lo:lo + v["hi"] - v["lo"]] = rec["excitatory"]
            self.shift[1, lo:lo + v["hi"] - v["lo"]] = rec["inhibitory"]
        self.row_start = np.searchsorted(self.pre, np.arange(n_total + 1))
        self.depth = int(self.d.max(initial=1)) + 1
        self.n_total = n_total

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        x = np.asarray(inputs)
        counts = np.rint(x).astype(np.int64)
        if np.any(np.abs(counts - x) > 1e-9) or counts.min() < 0:
            raise InvalidInputError("SpiNNaker inputs are spike counts (non-negative whole numbers)",
                                    fix="bin events to counts, or rate-encode analog inputs")
        T, B = steps, x.shape[1]
        counts = counts.reshape(x.shape[0], B, -1)
        rng = np.random.default_rng(int(self.faults.get("seed", 0)))
        drop = float(self.faults.get("drop_packets", 0.0))
        late = float(self.faults.get("delay_packets", 0.0))
        ring = np.zeros((self.depth + 1, 2, B, self.n_total), np.int64)
        saturated = {p: 0 for p in self.pops[1:]}
        state = {p: self.neurons[p][0].rest(B) for p in self.pops[1:]}  # the float model's initial state
        spikes = {p: np.zeros((T, B, self.sizes[p]), bool) for p in self.pops[1:]}
        vtrace = {p: np.zeros((T, B, self.sizes[p]), np.int64) for p in self.pops[1:]}
        slots = self.depth + 1
        for t in range(T):
            emitted = np.zeros((B, self.n_total), np.int64)
            if t < counts.shape[0]:
                emitted[:, :self.sizes[self.pops[0]]] = counts[t]
            full = ring[t % slots] > RING_BUFFER_MAX
            entry = np.minimum(ring[t % slots], RING_BUFFER_MAX)
            cur = (entry[0] << self.shift[0]) - (entry[1] << self.shift[1])
            for p in self.pops[1:]:
                o = self.offsets[p]
                params, i_off = self.neurons[p]
                saturated[p] += int(full[:, :, o:o + self.sizes[p]].sum())
                # an Affine bias arrives with its projection's one-step latency, as the IR defines it
                current = cur[:, o:o + self.sizes[p]] + (i_off if t >= 1 else 0)
                z, state[p] = fixed_step(params, FMT, current, state[p], self.graph.profile)
                spikes[p][t], vtrace[p][t] = z, state[p].v
                emitted[:, o:o + self.sizes[p]] += z
            ring[t % slots] = 0
            b_idx, src = np.nonzero(emitted)
            for b, sidx in zip(b_idx, src):
                a, e = self.row_start[sidx], self.row_start[sidx + 1]
                if a == e:
                    continue
                delay = self.d[a:e].copy()
                weight = self.w16[a:e] * emitted[b, sidx]
                if drop:
                    weight = np.where(rng.random(e - a) < drop, 0, weight)
                if late:
                    delay = delay + (rng.random(e - a) < late)
                np.add.at(ring, ((t + delay) % slots, self.syn_type[a:e], b, self.post[a:e]), weight)
        rec = Recording(dt=float(self.m["dt"]))
        rec.meta["ring_buffer_saturations"] = saturated
        for p in self.pops[1:]:
            if self.neurons[p][0].kind != "LI":
                rec.spikes[p] = spikes[p]
            rec.traces[p] = {"v": FMT.to_float(vtrace[p])}
        outp = self.m["output_population"]
        out = FMT.to_float(vtrace[outp]) if self.neurons[outp][0].kind == "LI" else spikes[outp].astype(np.float64)
        rec.outputs[self.m["output"]] = out
        return rec


@dataclass
class SpiNNakerBoard:
    artifact: Artifact
    faults: Mapping[str, Any] = field(default_factory=dict)

    def load(self, artifact: Artifact | None = None) -> None:
        self.emulator = Emulator(artifact or self.artifact, routed=True, faults=self.faults)

    def run(self, inputs: np.ndarray, steps: int) -> Recording:
        if not hasattr(self, "emulator"):
            self.load()
        return self.emulator.run(inputs, steps)

    def reset(self) -> None:
        return None

    def close(self) -> None:
        return None


def deploy_report(artifact: Artifact) -> str:
    r = artifact.manifest["report"]
    return (f"spinnaker artifact {artifact.path} on {artifact.manifest['machine']}: {r['cores']} cores on {r['chips']} "
            f"chip(s), {r['synapses']} synapses; routing entries {r['routing_entries_before']} -> "
            f"{r['routing_entries_after']} after {r['compressor']} (max {r['max_entries_per_router']} per router of "
            f"{r['router_capacity']}); ~{r.get('expected_packets_per_step', r['expected_packets_per_step_at_10hz']):.1f} "
            f"packets per step at {r.get('spikes_per_second', 10.0):g} Hz; "
            f"placer: {r['placer']}; router: {r['router']}"
            + (f"; synaptic words max {r['max_synapses_per_core']} per core of {r['synapse_capacity_per_core']}"
               if "synapse_capacity_per_core" in r else "")
            + "".join(f"\n  machine figure {a}" for a in r.get("machine_assumptions", [])))
