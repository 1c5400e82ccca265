"""Import rules of the package map (``design.md``), checked on the source with :mod:`ast`.

* No module imports another package's private names: ``from neurokit.x.y import _name`` (or a
  private module ``neurokit.x._y``) is allowed only inside the package that owns the name. A
  package is a directory of ``neurokit``; each top-level module (``neurokit/api.py``,
  ``neurokit/plots.py`` …) counts as a package of its own.
* ``neurokit.ir`` imports only numpy, nir, h5py, the standard library and ``neurokit.ir``,
  ``neurokit.errors``, ``neurokit.util`` (and the version string of ``neurokit``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "neurokit"
IR_ALLOWED_THIRD_PARTY = {"numpy", "nir", "h5py"}
IR_ALLOWED_NEUROKIT = ("neurokit.ir", "neurokit.errors", "neurokit.util")


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _owner(module: str, is_package: bool) -> str:
    """The package that owns ``module``'s private names: its directory, or for a top-level
    module of ``neurokit`` the module itself."""
    parts = module.split(".")
    if is_package:
        return module
    return module if len(parts) == 2 else ".".join(parts[:-1])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imports(path: Path, root: Path = ROOT) -> list[tuple[int, str, list[str]]]:
    """``(line, absolute module, imported names)`` for every import of the file (nested ones too)."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, import_source(node, package), [alias.name for alias in node.names]))
    return out


def import_source(node: ast.ImportFrom, package: str) -> str:
    """The absolute module of ``from X import ...`` in ``package`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _private_imports_across_packages(root: Path = ROOT) -> list[str]:
    sources = sorted((root / "neurokit").rglob("*.py"))
    modules = {_module_name(p, root): p.name == "__init__.py" for p in sources}
    problems = []
    for path in sources:
        me = _module_name(path, root)
        mine = _owner(me, path.name == "__init__.py")
        for line, target, names in _imports(path, root):
            if not target.startswith("neurokit"):
                continue
            owner = _owner(target, modules.get(target, False))
            private_module = any(_is_private(p) for p in target.split("."))
            private_names = [n for n in names if _is_private(n)]
            if (private_module or private_names) and owner != mine:
                what = ", ".join(private_names) if private_names else target
                problems.append(f"{path.relative_to(root)}:{line}: {me} imports private {what} from {target}")
    return problems


def _ir_imports_outside_the_allowed(root: Path = ROOT) -> list[str]:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for path in sorted((root / "neurokit" / "ir").rglob("*.py")):
        for line, target, names in _imports(path, root):
            top = target.split(".")[0]
            if top == "neurokit":
                ok = (target.startswith(IR_ALLOWED_NEUROKIT)
                      or (target == "neurokit" and names == ["__version__"]))
            else:
                ok = top in stdlib or top in IR_ALLOWED_THIRD_PARTY
            if not ok:
                problems.append(f"{path.relative_to(root)}:{line}: imports {target} {names}")
    return problems


def test_no_private_names_imported_across_packages() -> None:
    assert _private_imports_across_packages() == []


def test_ir_imports_only_numpy_nir_h5py_and_itself() -> None:
    assert _ir_imports_outside_the_allowed() == []


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checkers_find_what_they_forbid(tmp_path: Path) -> None:
    """The rules themselves, on a small fake package: only the forbidden imports are reported."""
    _tree(tmp_path, {
        "neurokit/__init__.py": "__version__ = '0'\n",
        "neurokit/plots.py": "def _plt(): ...\n",
        "neurokit/api.py": "from neurokit.plots import _plt\n",
        "neurokit/sim/__init__.py": "",
        "neurokit/sim/program.py": "def _joined(): ...\n",
        "neurokit/sim/mod.py": ("from neurokit.backends.loihi2.backend import _recording, quantize_graph\n"
                                "from .program import _joined\n"
                                "def f():\n    from ..backends.loihi2 import _private_module\n"),
        "neurokit/backends/__init__.py": "",
        "neurokit/backends/loihi2/__init__.py": "",
        "neurokit/backends/loihi2/backend.py": "from .runner import _helper\n",
        "neurokit/ir/__init__.py": "from neurokit import __version__\nimport numpy, nir, h5py, json\n",
        "neurokit/ir/graph.py": "from neurokit.errors import GraphError\nfrom neurokit.sim import run\nimport torch\n",
    })
    found = _private_imports_across_packages(tmp_path)
    assert [p.split(": ", 1)[1] for p in found] == [
        "neurokit.api imports private _plt from neurokit.plots",
        "neurokit.sim.mod imports private _recording from neurokit.backends.loihi2.backend",
        "neurokit.sim.mod imports private _private_module from neurokit.backends.loihi2",
    ]
    ir_found = _ir_imports_outside_the_allowed(tmp_path)
    assert [p.split(": ", 1)[1] for p in ir_found] == ["imports neurokit.sim ['run']", "imports torch []"]
