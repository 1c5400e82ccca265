"""The SpiNNaker backend implements the complete Backend protocol: declared options and fault keys
(unknown or mistyped ones are errors), report and counters as methods, a lowering table of the
functions the lowering really calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurokit import ir
from neurokit.backends import get_backend
from neurokit.backends.base import Backend, LegacyBackend
from neurokit.backends.spinnaker.backend import FAULTS, OPTIONS
from neurokit.errors import ConfigError

from .test_spinnaker import inputs, net


def test_spinnaker_is_a_complete_backend_with_real_lowering_functions() -> None:
    be = get_backend("spinnaker")
    assert isinstance(be, Backend) and not isinstance(be, LegacyBackend)
    assert all(callable(f) for f in be.lowering.values())
    assert {ir.CubaLIF, ir.CubaLI, ir.I, ir.Conv2d, ir.AvgPool2d, ir.Scale, ir.Delay} <= set(be.supported_nodes)
    assert set(be.options) == set(OPTIONS) and set(be.faults) == set(FAULTS)


@pytest.mark.parametrize(("options", "message"), [
    ({"max_atom_per_core": 64}, "unknown spinnaker option 'max_atom_per_core'"),
    ({"machine": 5}, "option 'machine' must be str"),
    ({"spikes_per_second": "fast"}, "option 'spikes_per_second' must be float"),
    ({"max_atoms_per_core": 1.5}, "option 'max_atoms_per_core' must be int"),
    ({"ring_buffer_sigma": True}, "option 'ring_buffer_sigma' must be float"),
])
def test_unknown_or_mistyped_options_are_errors(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        get_backend("spinnaker").lower(net(), tmp_path, options)
    assert "spikes_per_second" in err.value.fix  # the fix lists the declared options
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize(("faults", "message"), [
    ({"drop_packet": 0.1}, "unknown spinnaker fault 'drop_packet'"),
    ({"drop_packets": "many"}, "fault 'drop_packets' must be float"),
    ({"seed": 1.5}, "fault 'seed' must be int"),
    ({"delay_packets": 1.5}, "'delay_packets' is a probability"),
])
def test_unknown_mistyped_or_impossible_fault_keys_are_errors(tmp_path: Path, faults: dict, message: str) -> None:
    be = get_backend("spinnaker")
    art = be.lower(net(), tmp_path)
    with pytest.raises(ConfigError, match=message):
        be.board(art, faults=faults)


def test_declared_faults_change_the_run_and_counters_are_a_method(tmp_path: Path) -> None:
    be = get_backend("spinnaker")
    art = be.lower(net(), tmp_path, {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0})
    clean = be.board(art).run(inputs(), 30)
    dropped = be.board(art, faults={"drop_packets": 0.5, "seed": 3}).run(inputs(), 30)
    assert dropped.spikes["pop1"].sum() < clean.spikes["pop1"].sum()
    counters = be.counters(clean)
    assert set(counters) == {"ring_buffer_saturations/pop1", "ring_buffer_saturations/readout"}
    assert all(isinstance(v, int) for v in counters.values())
    assert "cores" in be.report(art) and be.cost(art, counters, steps=30, samples=2) is None


def test_the_cli_refuses_an_unknown_option_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neurokit.cli import main

    ir.write(net(), tmp_path / "m.nir")
    code = main(["deploy", str(tmp_path / "m.nir"), "--target", "spinnaker", "--option", "ring_buffer_sigmas=3",
                 "--out", str(tmp_path / "a")])
    err = capsys.readouterr().err
    assert code != 0 and "unknown spinnaker option 'ring_buffer_sigmas'" in err and "Traceback" not in err
    np.testing.assert_equal((tmp_path / "a" / "manifest.json").exists(), False)
