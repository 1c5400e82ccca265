"""Shared pytest configuration: the conformance data path, hypothesis profiles, no downloads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]


def _conformance_dir() -> Path:
    env = os.environ.get("NEUROKIT_CONFORMANCE_DIR")
    if env:
        return Path(env)
    return REPO / "tests" / "golden" / "nir-paper-lif"


def require_lava_runtime() -> None:
    """Skip without the Lava runtime (.venv-lava), except where CI requires it (NEUROKIT_REQUIRE_LAVA: fail)."""
    from neurokit.backends.loihi2.runtime import find_runtime

    if find_runtime() is None:
        if os.environ.get("NEUROKIT_REQUIRE_LAVA"):
            pytest.fail("NEUROKIT_REQUIRE_LAVA is set but the Lava runtime is missing: run `make lava`")
        pytest.skip("Lava runtime not installed (run `make lava`); CI sets NEUROKIT_REQUIRE_LAVA so this cannot skip there")


@pytest.fixture(scope="session")
def lava_runtime() -> None:
    """Tests that run real Lava: see :func:`require_lava_runtime`."""
    require_lava_runtime()


def require_nest() -> None:
    """Skip without a Python with NEST 3, except where NEUROKIT_NEST_PYTHON names one (``make test``
    sets it): then a missing or broken NEST fails."""
    from neurokit.backends.nest.board import nest_python

    if nest_python() is None:
        if os.environ.get("NEUROKIT_NEST_PYTHON"):
            pytest.fail(f"NEUROKIT_NEST_PYTHON={os.environ['NEUROKIT_NEST_PYTHON']} is not a Python: run `make pynn-nest`")
        pytest.skip("no NEST (run `make pynn-nest`); `make test` sets NEUROKIT_NEST_PYTHON so this cannot skip there")


@pytest.fixture(scope="session")
def nest_runtime() -> None:
    """Tests that run NEST: see :func:`require_nest`."""
    require_nest()


@pytest.fixture(scope="session")
def nir_paper_lif() -> Path:
    """The NIR paper's single-LIF conformance data, in the repository (`tests/golden/nir-paper-lif`,
    BSD 3-Clause, from neuromorphs/NIR `paper/01_lif`)."""
    path = _conformance_dir()
    if not (path / "lif_norse.nir").is_file():
        pytest.fail(f"conformance data missing at {path}: it is part of the repository (tests/golden/nir-paper-lif); "
                    "unset NEUROKIT_CONFORMANCE_DIR or point it at a copy")
    return path


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test never downloads: any socket connect to a non-loopback address fails loudly."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1", "")) \
                and self.family in (socket.AF_INET, socket.AF_INET6):
            raise RuntimeError(f"test tried to reach the network ({address!r}); tests never download")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def event_digits_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder with the embedded event-digits built once per test session (~15 s).

    Honors ``NEUROKIT_CACHE`` when set, so repeated local runs reuse one build."""
    env = os.environ.get("NEUROKIT_CACHE")
    root = Path(env) if env else tmp_path_factory.mktemp("neurokit-cache")
    from neurokit.data.embedded import event_digits_file

    event_digits_file(root=root)
    return root
