"""SpiNNaker machine descriptions (``hardware/spinn*.toml``) and hexagonal-mesh geometry."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from neurokit.errors import DataNotFoundError

HARDWARE = Path(__file__).resolve().parents[3] / "hardware"
#: link index -> (dx, dy): 0 E, 1 NE, 2 N, 3 W, 4 SW, 5 S
LINKS = ((1, 0), (1, 1), (0, 1), (-1, 0), (-1, -1), (0, -1))


@dataclass(frozen=True)
class Machine:
    name: str
    chips: tuple[tuple[int, int], ...]
    app_cores: tuple[int, ...]
    router_entries: int
    max_atoms_per_core: int
    timestep_s: float

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
    path = HARDWARE / f"{name}.toml"
    if not path.is_file():
        raise DataNotFoundError(f"no machine description {str(path)!r}",
                                fix=f"choose one of {sorted(p.stem for p in HARDWARE.glob('spinn*.toml'))}")
    d = tomllib.loads(path.read_text())
    chips = tuple((x, y) for y in range(d["height"]) for x in range(d["row_start"][y], d["row_end"][y] + 1))
    return Machine(name=d["name"], chips=chips, app_cores=tuple(d["app_cores"]), router_entries=int(d["router_entries"]),
                   max_atoms_per_core=int(d["max_atoms_per_core"]), timestep_s=float(d["timestep_s"]))
