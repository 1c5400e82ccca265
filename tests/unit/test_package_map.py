"""The package map in ``docs/dev/design.md`` is true: every neurokit package has a row, no row names
a package that does not exist, and no package imports a neurokit package its row does not list."""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.test_imports import ROOT, _imports, _module_name

DESIGN = ROOT / "docs" / "dev" / "design.md"


def _package_of(module: str) -> str:
    """``neurokit.backends.loihi2.check`` → ``neurokit.backends.loihi2``; ``neurokit.ir.passes.csr`` →
    ``neurokit.ir``; ``neurokit.backends.base`` stays itself."""
    parts = module.split(".")
    depth = 3 if len(parts) >= 3 and parts[1] == "backends" else 2
    return ".".join(parts[:depth])


def declared_map(text: str) -> dict[str, set[str]]:
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*`(neurokit[\w.]*)`\s*\|[^|]*\|([^|]*)\|\s*$", line)
        if match:
            names = {n.strip() for n in match.group(2).split(",") if n.strip() not in ("", "—")}
            rows[match.group(1)] = {f"neurokit.{n}" for n in names}
    return rows


def actual_map(root: Path = ROOT) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for path in sorted((root / "neurokit").rglob("*.py")):
        module = _module_name(path, root)
        if module in ("neurokit", "neurokit.__main__"):
            continue
        mine = _package_of(module)
        deps.setdefault(mine, set())
        for _, target, _ in _imports(path, root):
            if target.startswith("neurokit.") and _package_of(target) != mine:
                deps[mine].add(_package_of(target))
    return deps


def test_every_package_has_a_row_and_every_row_a_package() -> None:
    declared, actual = declared_map(DESIGN.read_text()), actual_map()
    assert set(declared) == set(actual), (
        f"rows without a package: {sorted(set(declared) - set(actual))}; "
        f"packages without a row: {sorted(set(actual) - set(declared))}")


def test_no_package_imports_what_its_row_does_not_list() -> None:
    declared, actual = declared_map(DESIGN.read_text()), actual_map()
    extra = {pkg: sorted(actual[pkg] - declared.get(pkg, set())) for pkg in actual}
    assert not {k: v for k, v in extra.items() if v}, f"update docs/dev/design.md or the imports: {extra}"


def test_the_check_sees_a_stray_import(tmp_path: Path) -> None:
    (tmp_path / "neurokit" / "ir").mkdir(parents=True)
    (tmp_path / "neurokit" / "__init__.py").write_text("")
    (tmp_path / "neurokit" / "ir" / "__init__.py").write_text("from neurokit.sim import run\n")
    assert actual_map(tmp_path) == {"neurokit.ir": {"neurokit.sim"}}
