r"""Application graph -> machine graph -> placement -> keys -> routing tables -> compression.

* **Partition**: every population (Input or neuron node) is cut into slices of at most
  ``max_atoms_per_core`` neurons whose incoming synapses fit the core's memory for synaptic rows
  (``synapse_bytes_per_core / bytes_per_synapse`` words); each slice is a machine vertex on one core.
* **Placement**: vertices in topological order fill the application cores of chips taken in
  radial order from (0, 0) (hexagonal distance), like PACMAN's radial placer, so consecutive
  layers sit on neighbouring chips.
* **Keys**: ``key = app_vertex << 24 | machine_vertex << 8 | atom``, mask ``0xFFFFFF00``
  (8 bits of atoms, 16 of slice, 8 of population).
* **Routing**: for every source vertex, the union of dimension-ordered paths (diagonal, then
  E/W, then N/S) to each chip holding a target vertex; one entry ``(key, mask, route)`` per chip
  on the tree, route bits 0-5 = links, 6+p = core p (stored as 32-bit words, one for SpiNNaker 1's
  18 cores, five for SpiNNaker2's 152 processing elements).
* **Compression**: pair merge — two entries with the same route and mask whose keys differ in
  one unmasked bit become one entry with that bit masked; repeated to a fixpoint. A merged entry
  covers exactly the two original key ranges, so routes are preserved by construction (and
  checked by the tests by walking the tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .machine import Machine

MASK = 0xFFFFFF00


@dataclass
class Vertex:
    index: int
    population: str
    pop_index: int
    slice_index: int
    lo: int
    hi: int
    chip: tuple[int, int] = (0, 0)
    core: int = 0

    @property
    def key(self) -> int:
        return (self.pop_index << 24) | (self.slice_index << 8)

    @property
    def atoms(self) -> int:
        return self.hi - self.lo


@dataclass
class RoutingTables:
    tables: dict[tuple[int, int], list[tuple[int, int, int]]] = field(default_factory=dict)

    def entries(self) -> int:
        return sum(len(t) for t in self.tables.values())

    def max_entries(self) -> int:
        return max((len(t) for t in self.tables.values()), default=0)


def partition(populations: list[tuple[str, int]], max_atoms: int, *,
              fan_in: dict[str, np.ndarray] | None = None, max_synapses: int | None = None) -> list[Vertex]:
    """Slices of at most ``max_atoms`` neurons; with ``fan_in`` (incoming synapses per neuron of a
    population) a slice also ends before its synapses exceed ``max_synapses`` (the core's memory
    for synaptic rows), so busy populations get smaller slices. A neuron whose fan-in alone exceeds
    the budget is refused (every such population listed)."""
    from neurokit.errors import MappingError

    fan_in = fan_in or {}
    too_big = [f"{name}: neuron {int(np.argmax(fan_in[name]))} has {int(fan_in[name].max())} synapses"
               for name, _ in populations if max_synapses is not None and name in fan_in and len(fan_in[name])
               and fan_in[name].max() > max_synapses]
    if too_big:
        raise MappingError(f"synapses do not fit one core's memory ({max_synapses} synaptic words)", problems=too_big,
                           fix="prune or split the projection, or describe a machine with more synapse memory per core")
    vertices = []
    for p_idx, (name, n) in enumerate(populations):
        cuts = [0]
        syn = fan_in.get(name)
        used = 0
        for i in range(n):
            cost = int(syn[i]) if syn is not None and max_synapses is not None else 0
            if i > cuts[-1] and (i - cuts[-1] >= max_atoms or (max_synapses is not None and used + cost > max_synapses)):
                cuts.append(i)
                used = 0
            used += cost
        cuts.append(n)
        for s, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:])):
            if hi > lo:
                vertices.append(Vertex(index=len(vertices), population=name, pop_index=p_idx, slice_index=s, lo=lo, hi=hi))
    return vertices


def hex_distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    dx, dy = b[0] - a[0], b[1] - a[1]
    return max(abs(dx), abs(dy), abs(dx - dy))


def place(vertices: list[Vertex], machine: Machine) -> None:
    chips = sorted(machine.chips, key=lambda c: (hex_distance((0, 0), c), c[1], c[0]))
    slots = [(c, core) for c in chips for core in machine.app_cores]
    if len(vertices) > len(slots):
        from neurokit.errors import MappingError

        raise MappingError(f"{len(vertices)} cores needed, the {machine.name} machine has {len(slots)}",
                           fix="use a larger machine description or fewer/larger slices")
    for v, (chip, core) in zip(vertices, slots):
        v.chip, v.core = chip, core


def route(vertices: list[Vertex], edges: dict[int, set[int]], machine: Machine) -> RoutingTables:
    """Tables for every source vertex with targets (``edges[src] = {target vertex}``)."""
    rt = RoutingTables()
    by_index = {v.index: v for v in vertices}
    for src, targets in edges.items():
        s = by_index[src]
        words: dict[tuple[int, int], int] = {}
        for t in targets:
            tv = by_index[t]
            for chip, link in machine.route(s.chip, tv.chip):
                words[chip] = words.get(chip, 0) | (1 << link)
            words[tv.chip] = words.get(tv.chip, 0) | (1 << (6 + tv.core))
        for chip, word in words.items():
            rt.tables.setdefault(chip, []).append((s.key, MASK, word))
    return rt


def compress(rt: RoutingTables) -> RoutingTables:
    """Pair-merge compression of every table (see the module docstring)."""
    out = RoutingTables()
    for chip, entries in rt.tables.items():
        current = sorted(set(entries))
        changed = True
        while changed:
            changed = False
            index = {(k, m, r): i for i, (k, m, r) in enumerate(current)}
            used = [False] * len(current)
            merged = []
            for i, (k, m, r) in enumerate(current):
                if used[i]:
                    continue
                partner = None
                for bit in range(32):
                    b = 1 << bit
                    if not (m & b) or (k & b):
                        continue
                    j = index.get((k | b, m, r))
                    if j is not None and not used[j]:
                        partner = (j, b)
                        break
                if partner is None:
                    merged.append((k, m, r))
                    used[i] = True
                else:
                    j, b = partner
                    used[i] = used[j] = True
                    merged.append((k, m & ~b, r))
                    changed = True
            current = sorted(set(merged))
        out.tables[chip] = current
    return out


def lookup(table: list[tuple[int, int, int]], key: int) -> int | None:
    """Route word of the first matching entry, or ``None`` (SpiNNaker tables are ordered)."""
    for k, m, r in table:
        if key & m == k:
            return r
    return None


def destinations(rt: RoutingTables, source_chip: tuple[int, int], key: int) -> set[tuple[tuple[int, int], int]]:
    """Walk the tables from ``source_chip``: every (chip, core) the packet ``key`` reaches."""
    from .machine import LINKS

    reached: set[tuple[tuple[int, int], int]] = set()
    frontier = [source_chip]
    seen: set[tuple[int, int]] = set()
    while frontier:
        chip = frontier.pop()
        if chip in seen:
            raise RuntimeError(f"routing loop at chip {chip} for key {key:#x}")
        seen.add(chip)
        word = lookup(rt.tables.get(chip, []), key)
        if word is None:
            continue
        for link in range(6):
            if word & (1 << link):
                frontier.append((chip[0] + LINKS[link][0], chip[1] + LINKS[link][1]))
        cores, core = word >> 6, 0
        while cores:
            if cores & 1:
                reached.add((chip, core))
            cores, core = cores >> 1, core + 1
    return reached


def expected_packets(spikes_per_step: np.ndarray) -> float:
    return float(spikes_per_step.mean()) if spikes_per_step.size else 0.0
