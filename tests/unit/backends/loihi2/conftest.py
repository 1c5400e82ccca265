"""The Lava runtime the loihi2 tests run in: they skip without it, except where CI requires it."""

from __future__ import annotations

import os

import pytest

from neurokit.backends.loihi2.runtime import find_runtime


@pytest.fixture(scope="module")
def lava_runtime() -> None:
    if find_runtime() is None:
        if os.environ.get("NEUROKIT_REQUIRE_LAVA"):
            pytest.fail("NEUROKIT_REQUIRE_LAVA is set but the Lava runtime is missing: run `make lava`")
        pytest.skip("Lava runtime not installed (run `make lava`); CI sets NEUROKIT_REQUIRE_LAVA so this cannot skip there")
