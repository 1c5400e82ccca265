"""No neurokit module reaches into another module's private names.

A name that starts with one underscore belongs to its module: ``from neurokit.x.y import _name``,
``from .y import _name`` and ``y._name`` (``y`` an imported neurokit module) are errors in every
other module, in the same package or not — what two modules share is public and documented. A
private *module* (``neurokit/ir/_params.py``) is shared only inside its own package. Checked on the
source with :mod:`ast`; ``tests/unit/test_imports.py`` holds the package-level rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.test_imports import ROOT, _imports, _is_private, _module_name, import_source


def _bound_modules(tree: ast.AST, package: str, modules: set[str]) -> dict[str, str]:
    """Local names bound to neurokit modules by the file's imports: ``{alias: module}``."""
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules and alias.asname:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = import_source(node, package)
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    return bound


def private_imports(root: Path = ROOT) -> list[str]:
    sources = sorted((root / "neurokit").rglob("*.py"))
    modules = {_module_name(p, root) for p in sources}
    problems = []
    for path in sources:
        me = _module_name(path, root)
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        where = path.relative_to(root)
        for line, target, names in _imports(path, root):
            if not target.startswith("neurokit") or target == me:
                continue
            private_names = [n for n in names if _is_private(n) and f"{target}.{n}" not in modules]
            if private_names:
                problems.append(f"{where}:{line}: {me} imports private {', '.join(private_names)} from {target}")
            parts = [*target.split("."), *[n for n in names if f"{target}.{n}" in modules]]
            private_module = next((p for p in parts if _is_private(p)), None)
            if private_module is not None:
                owner = ".".join(target.split(".")[: parts.index(private_module)])
                if not (package + ".").startswith(owner + "."):
                    problems.append(f"{where}:{line}: {me} imports private module {private_module} "
                                    f"from outside {owner}")
        tree = ast.parse(path.read_text(), str(path))
        bound = _bound_modules(tree, package, modules)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and _is_private(node.attr)
                    and f"{bound[node.value.id]}.{node.attr}" not in modules):
                problems.append(f"{where}:{node.lineno}: {me} uses private "
                                f"{bound[node.value.id]}.{node.attr}")
    return problems


def test_no_module_imports_another_modules_private_names() -> None:
    assert private_imports() == []


def test_the_check_finds_each_kind_of_private_import(tmp_path: Path) -> None:
    files = {
        "neurokit/__init__.py": "",
        "neurokit/plots.py": "def _plt(): ...\n",
        "neurokit/train/__init__.py": "",
        "neurokit/train/sequential.py": "def _apply(): ...\ndef apply(): ...\n",
        "neurokit/train/conv.py": ("from .sequential import _apply, apply\n"
                                   "from neurokit import plots\nplots._plt()\n"),
        "neurokit/ir/__init__.py": "",
        "neurokit/ir/_params.py": "def coefficients(): ...\n",
        "neurokit/ir/graph.py": "from ._params import coefficients\n",
        "neurokit/sim/__init__.py": "",
        "neurokit/sim/run.py": "from neurokit.ir._params import coefficients\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = [p.split(": ", 1)[1] for p in private_imports(tmp_path)]
    assert found == [
        "neurokit.sim.run imports private module _params from outside neurokit.ir",
        "neurokit.train.conv imports private _apply from neurokit.train.sequential",
        "neurokit.train.conv uses private neurokit.plots._plt",
    ]
