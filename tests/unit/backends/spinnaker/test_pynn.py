"""The PyNN path: sPyNNaker (its own venv, virtual SpiNN-5 board, no hardware) maps our export; we
compare its cores and routing entries with our own mapping."""

from __future__ import annotations

import json
from pathlib import Path

from neurokit.backends import get_backend
from neurokit.backends.spinnaker.pynn import map_with_spynnaker

from .test_spinnaker import net


def test_spynnaker_maps_the_export_on_a_virtual_board(tmp_path: Path) -> None:
    art = get_backend("spinnaker").lower(net(), tmp_path)
    assert (tmp_path / "pynn" / "model.py").is_file() and (tmp_path / "pynn" / "connections.npz").is_file()
    theirs = map_with_spynnaker(art, timeout_s=600)
    ours = art.manifest["report"]
    print(json.dumps({"neurokit": {k: ours[k] for k in ("cores", "chips", "routing_entries_before",
                                                         "routing_entries_after")}, "spynnaker": theirs}))
    assert set(theirs["cores_by_population"]) == {"input", "pop1", "readout"}
    assert theirs["cores_by_population"]["readout"] == 1 and theirs["cores_by_population"]["pop1"] >= 1
    assert abs(theirs["cores"] - ours["cores"]) <= 3  # same order of magnitude: both cut populations per core
    assert theirs["routing_entries"] >= 1 and ours["routing_entries_after"] >= 1
