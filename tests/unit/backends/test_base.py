"""The Backend protocol: declared options and faults are validated, every registered backend has
every member, the legacy wrapper fills the gaps of a backend written before the protocol."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import BACKENDS, get_backend
from neurokit.backends.base import (PROTOCOL_MEMBERS, BackendBase, LegacyBackend, Option, as_backend, meta_counters,
                                    validate_settings)
from neurokit.errors import ConfigError
from neurokit.hil.testing import EXACT
from neurokit.sim.recording import Recording

DECLARED = MappingProxyType({"bits": Option(int, 8, "weight bits"), "rate": Option(float, 0.0, "drop rate"),
                             "name": Option(str, "a", "a name"), "on": Option(bool, True, "switch"),
                             "limit": Option(int, None, "None = the table's")})


def test_defaults_are_filled_and_ints_become_floats() -> None:
    got = validate_settings({"rate": 1, "limit": None}, DECLARED, target="t")
    assert got == {"bits": 8, "rate": 1.0, "name": "a", "on": True, "limit": None}
    assert isinstance(got["rate"], float)
    got = validate_settings({"bits": np.int64(4), "rate": np.float32(0.5), "on": np.bool_(False)}, DECLARED, target="t")
    assert got["bits"] == 4 and type(got["bits"]) is int and got["rate"] == 0.5 and got["on"] is False


@pytest.mark.parametrize(("given", "message"), [
    ({"bitz": 4}, "unknown t option 'bitz'"),
    ({"bits": 4.5}, "t option 'bits' must be int, got float 4.5"),
    ({"bits": True}, "t option 'bits' must be int, got bool True"),
    ({"rate": "x"}, "t option 'rate' must be float, got str 'x'"),
    ({"on": 1}, "t option 'on' must be bool, got int 1"),
    ({"bits": None}, "t option 'bits' must be int, got NoneType None"),
])
def test_unknown_or_mistyped_keys_are_one_line_errors_listing_the_declaration(given: dict[str, object],
                                                                                message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_settings(given, DECLARED, target="t")
    text = str(info.value)
    assert message in text and "\n" not in text
    assert "bits: int = 8, rate: float = 0.0, name: str = 'a', on: bool = True, limit: int | None = None" in text


def test_a_backend_without_declared_faults_refuses_every_fault() -> None:
    class Bare(BackendBase):
        name = "bare"

    with pytest.raises(ConfigError, match="unknown bare fault 'x' .* bare faults are: none"):
        Bare().validate_faults({"x": 1})
    with pytest.raises(ConfigError, match="unknown t fault 'x' .* t faults are: bits: int = 8"):
        validate_settings({"x": 1}, DECLARED, target="t", kind="fault")
    assert Bare().validate_faults(None) == {} and Bare().cost(None, {}, steps=1, samples=1) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_registered_backend_has_every_protocol_member(name: str) -> None:
    backend = get_backend(name)
    assert all(hasattr(backend, m) for m in PROTOCOL_MEMBERS)
    assert backend.supported_nodes == tuple(backend.lowering)
    assert {"ready", "detail"} <= set(backend.status())


def test_crossbar_lowering_table_holds_the_functions_lower_calls() -> None:
    from neurokit.backends.crossbar.backend import digital_neuron, program_arrays

    be = get_backend("crossbar")
    assert be.lowering[ir.Linear] is program_arrays and be.lowering[ir.LIF] is digital_neuron
    assert all(callable(f) for f in be.lowering.values())


def test_a_legacy_backend_is_wrapped_and_gets_the_defaults(tmp_path: object) -> None:
    wrapped = as_backend(EXACT)
    assert isinstance(wrapped, LegacyBackend) and wrapped.name == "exact"
    assert as_backend(get_backend("crossbar")) is get_backend("crossbar")  # complete: used as it is
    g = ir.Graph.sequential(ir.Linear(weight=10 * np.eye(2)), ir.LIF(tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2),
                                                                 v_threshold=np.full(2, 0.5)), names=["w", "lif"])
    art = wrapped.lower(g, tmp_path, {})  # type: ignore[arg-type]
    x = np.ones((3, 1, 2))
    rec = wrapped.numeric_mode_run(art, x, 3)  # default: neurokit.sim on the reference graph
    np.testing.assert_array_equal(rec.spike_train("lif"), sim.simulate(g, x, 3).spike_train("lif"))
    assert rec.spike_train("lif").sum() > 0 and wrapped.cost(art, {}, steps=3, samples=1) is None
    assert '"target": "exact"' in wrapped.report(art)


def test_meta_counters_flatten_integer_entries() -> None:
    rec = Recording(dt=1e-3, meta={"sat": {"pop": np.int64(3), "ok": True}, "n": 2, "x": 0.5, "name": "a"})
    assert meta_counters(rec) == {"sat/pop": 3, "n": 2}
