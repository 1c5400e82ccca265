"""SpiNNaker machine descriptions (``hardware/spinn*.toml``) and hexagonal-mesh geometry."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from neurokit.errors import DataNotFoundError
from neurokit.util.hardware import available, hardware_file

#: link index -> (dx, dy): 0 E, 1 NE, 2 N, 3 W, 4 SW, 5 S
LINKS = ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))


@dataclass(frozen=True)
class Machine:
    """A machine description: chips (a hexagonal patch of a ``width`` x ``height`` grid), cores per
    chip and which run applications, router capacity, partitioning limits (atoms per core, memory for
    synaptic rows per core at ``bytes_per_synapse``) and, per figure, where it comes from
    (``provenance``: a publication, or ``"assumed: ..."``)."""

    name: str
    chips: tuple[tuple[int, int], ...]
    app_cores: tuple[int, ...]
    router_entries: int
    max_atoms_per_core: int
    timestep_s: float
    cores_per_chip: int = 18
    synapse_bytes_per_core: int = 7 * 2**20
    bytes_per_synapse: int = 4
    provenance: tuple[tuple[str, str], ...] = ()

    @property
    def max_synapses_per_core(self) -> int:
        """Synaptic words one core's rows may hold."""
        return self.synapse_bytes_per_core // self.bytes_per_synapse

    @property
    def route_words(self) -> int:
        """32-bit words that hold a route (6 link bits, then one bit per core)."""
        return -(-(6 + self.cores_per_chip) // 32)

    def assumptions(self) -> list[str]:
        """The figures this description assumes rather than cites."""
        return [f"{k}: {v}" for k, v in self.provenance if v.startswith("assumed")]

    def has_chip(self, xy: tuple[int, int]) -> bool:
        return xy in set(self.chips)

    def route(self, src: tuple[int, int], dst: tuple[int, int]) -> list[tuple[tuple[int, int], int]]:
        """Hops (chip, outgoing link) from ``src`` to ``dst``: diagonal (NE/SW) first, then E/W, then N/S,
        staying on chips that exist (the board is a hexagonal patch)."""
        hops: list[tuple[tuple[int, int], int]] = []
        x, y = src
        chips = set(self.chips)
        while (x, y) != dst:
            dx, dy = dst[0] - x, dst[1] - y
            options = []
            if dx > 0 and dy > 0:
                options.append(1)
            if dx < 0 and dy < 0:
                options.append(4)
            if dx > 0:
                options.append(0)
            if dx < 0:
                options.append(3)
            if dy > 0:
                options.append(2)
            if dy < 0:
                options.append(5)
            for link in options:
                nxt = (x + LINKS[link][0], y + LINKS[link][1])
                if nxt in chips:
                    break
            else:
                raise RuntimeError(f"no route from {src} to {dst} on {self.name}")
            hops.append(((x, y), link))
            x, y = nxt
        return hops


def load_machine(name: str = "spinn5") -> Machine:
    if name not in available("spinn*"):
        raise DataNotFoundError(f"no SpiNNaker machine description {name!r}",
                                fix=f"choose one of {available('spinn*')} (hardware/<name>.toml)")
    path = hardware_file(name, "machine description")
    d = tomllib.loads(path.read_text())
    chips = tuple((x, y) for y in range(d["height"]) for x in range(d["row_start"][y], d["row_end"][y] + 1))
    cores = int(d.get("cores_per_chip", 18))
    app = tuple(int(c) for c in d["app_cores"])
    if not app or min(app) < 0 or max(app) >= cores or int(d["max_atoms_per_core"]) > 256:
        raise DataNotFoundError(f"{path}: app_cores must lie in 0..{cores - 1} and max_atoms_per_core <= 256 "
                                "(8 atom bits in the key)", fix="correct the machine description")
    return Machine(name=d["name"], chips=chips, app_cores=app, router_entries=int(d["router_entries"]),
                   max_atoms_per_core=int(d["max_atoms_per_core"]), timestep_s=float(d["timestep_s"]),
                   cores_per_chip=cores, synapse_bytes_per_core=int(d.get("synapse_bytes_per_core", 7 * 2**20)),
                   bytes_per_synapse=int(d.get("bytes_per_synapse", 4)),
                   provenance=tuple((str(k), str(v)) for k, v in d.get("provenance", {}).items()))
