"""The documentation builds in strict mode and every tutorial script runs (reduced size)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((REPO / "docs" / "tutorials").glob("*_tutorial.py"))


def test_docs_build_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()
    assert "neurokit pipeline" in cli and "neurokit deploy" in cli  # generated from the parser
    assert "cuba" in (tmp_path / "site" / "benchmarks" / "index.html").read_text()
    for name in ("surrogates", "raster", "event_digits"):  # drawn by docs/hooks.py with neurokit.plots
        assert (tmp_path / "site" / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"../../figures/{name}.png" in (tmp_path / "site" / "tutorials" / "layers" / "index.html").read_text()


@pytest.mark.parametrize("script", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(script: Path, tmp_path: Path, event_digits_root: Path) -> None:
    env = {**os.environ, "NEUROKIT_TUTORIAL_QUICK": "1", "NEUROKIT_CACHE": str(event_digits_root)}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]


def test_every_tutorial_has_a_page() -> None:
    pages = {p.stem for p in (REPO / "docs" / "tutorials").glob("*.md")}
    assert {s.stem.removesuffix("_tutorial") for s in TUTORIALS} == pages
