"""Target descriptions are found in a checkout, through NEUROKIT_HARDWARE, or where a wheel puts them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from neurokit.backends.spinnaker import load_machine
from neurokit.errors import DataNotFoundError
from neurokit.util import hardware


def test_the_checkout_is_used_by_default() -> None:
    assert hardware.hardware_dir() == hardware.SOURCE_TREE
    assert load_machine("spinnaker2").cores_per_chip == 152


def test_an_installed_copy_and_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware, "SOURCE_TREE", tmp_path / "no-checkout")
    prefix = tmp_path / "prefix"
    shutil.copytree(Path(__file__).resolve().parents[3] / "hardware", prefix / "share" / "neurokit" / "hardware")
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert hardware.hardware_dir() == prefix / "share" / "neurokit" / "hardware"
    assert load_machine("spinn5").router_entries == 1023
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "spinn5.toml").write_text((prefix / "share" / "neurokit" / "hardware" / "spinn3.toml").read_text())
    monkeypatch.setenv("NEUROKIT_HARDWARE", str(mine))
    assert len(load_machine("spinn5").chips) == 4  # the override wins for the files it holds ...
    assert load_machine("spinnaker2").cores_per_chip == 152  # ... the others fall through
    monkeypatch.setenv("NEUROKIT_HARDWARE", str(tmp_path / "empty"))
    shutil.rmtree(prefix)
    monkeypatch.setattr("site.USER_BASE", str(tmp_path / "userbase"))
    with pytest.raises(DataNotFoundError, match="NEUROKIT_HARDWARE"):
        hardware.hardware_dir()
    with pytest.raises(DataNotFoundError, match="no SpiNNaker machine description 'spinn5'"):
        load_machine("spinn5")
