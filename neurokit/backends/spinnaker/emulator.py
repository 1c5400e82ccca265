"""The SpiNNaker emulator: executes an artifact packet by packet (routing tables, master population
tables, synaptic rows, 16-bit ring buffers, S16.15 neurons), and the board that runs it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact
from neurokit.backends.output_stage import apply_output_stage
from neurokit.dynamics.fixed import FixedNeuron, fixed_step
from neurokit.errors import FileFormatError, InvalidInputError
from neurokit.sim.recording import Recording

from .lower import CUBA_FIELDS, FMT, NEURON_FIELDS, RING_BUFFER_MAX
from .neurons import chip_spike_rule
from .mapping import RoutingTables, destinations


def _table_entries(rows: np.ndarray) -> list[tuple[int, int, int]]:
    """Inverse of :func:`_table_rows`."""
    return [(int(r[0]), int(r[1]), sum(int(w) << (32 * i) for i, w in enumerate(r[2:]))) for r in rows]



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
                extra = {k: grp[k][()] for k in CUBA_FIELDS if k in grp}
                self.neurons[p] = (FixedNeuron(kind=str(grp.attrs["kind"]), **{k: grp[k][()] for k in NEURON_FIELDS},
                                               **extra), grp["i_offset"][()],
                                   grp["i_offset_late"][()] if "i_offset_late" in grp else 0)
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
        counts_out = self.graph.profile.multi_spike  # a custom model sends one packet per counted spike
        spikes = {p: np.zeros((T, B, self.sizes[p]), np.int64 if counts_out else bool) for p in self.pops[1:]}
        vtrace = {p: np.zeros((T, B, self.sizes[p]), np.int64) for p in self.pops[1:]}
        slots = self.depth + 1
        # thresholds are stored for V >= V_th; Cuba graphs run as IF_curr_exp (Euler order, lower.chip_model)
        chip_profile = self.graph.profile.replace(spike_rule=chip_spike_rule(self.graph.profile),
                                                  integration=self.m.get("chip_integration", self.graph.profile.integration))
        for t in range(T):
            emitted = np.zeros((B, self.n_total), np.int64)
            if t < counts.shape[0]:
                emitted[:, :self.sizes[self.pops[0]]] = counts[t]
            full = ring[t % slots] > RING_BUFFER_MAX
            entry = np.minimum(ring[t % slots], RING_BUFFER_MAX)
            cur = (entry[0] << self.shift[0]) - (entry[1] << self.shift[1])
            for p in self.pops[1:]:
                o = self.offsets[p]
                params, i_off, i_late = self.neurons[p]
                saturated[p] += int(full[:, :, o:o + self.sizes[p]].sum())
                # an Affine bias arrives with its projection's one-step latency, as the IR defines it
                # the biases arrive with their projection's latency (1), the late taps one step later
                current = cur[:, o:o + self.sizes[p]] + (i_off if t >= 1 else 0) + (i_late if t >= 2 else 0)
                z, state[p] = fixed_step(params, FMT, current, state[p], chip_profile)
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
            if self.neurons[p][0].spiking:
                rec.spikes[p] = spikes[p]
            rec.traces[p] = {"v": FMT.to_float(vtrace[p])}
        outp = self.m["output_population"]
        out = spikes[outp].astype(np.float64) if self.neurons[outp][0].spiking else FMT.to_float(vtrace[outp])
        out = out.reshape(T, B, *self.m.get("output_shape", [out.shape[-1]]))
        rec.outputs[self.m["output"]] = apply_output_stage(self.m.get("output_stage", []), out)
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

