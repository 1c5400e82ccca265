"""Small modules: no neurokit module is longer than 400 lines (split a longer one by job)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_imports import ROOT

MAX_LINES = 400


def modules_over(limit: int, root: Path = ROOT) -> dict[str, int]:
    """``{path: lines}`` of every ``neurokit`` module longer than ``limit`` lines."""
    sizes = {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in sorted((root / "neurokit").rglob("*.py"))}
    return {path: n for path, n in sizes.items() if n > limit}


def test_no_module_is_over_400_lines() -> None:
    assert modules_over(MAX_LINES) == {}


def test_the_check_counts_lines(tmp_path: Path) -> None:
    (tmp_path / "neurokit" / "sub").mkdir(parents=True)
    (tmp_path / "neurokit" / "short.py").write_text("x = 1\n" * 400)
    (tmp_path / "neurokit" / "sub" / "long.py").write_text("x = 1\n" * 401)
    assert modules_over(MAX_LINES, tmp_path) == {"neurokit/sub/long.py": 401}
