"""The pip route: a wheel built from the repository carries every data file neurokit reads at run
time (the Lava runtime's pinned requirements above all), and an installed wheel looks for the Lava
runtime in a per-user folder, never relative to the folder it is run from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from neurokit.backends.loihi2 import runtime

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built (offline, no build isolation) from a copy of the repository's packaged files."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "neurokit", src / "neurokit", ignore=ignore)
    shutil.copytree(REPO / "hardware", src / "hardware", ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", str(src), "-w", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (whl,) = out.glob("neurokit-*.whl")
    return whl


def test_wheel_carries_every_runtime_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "neurokit/backends/loihi2/runtime_requirements.txt" in names
    data_files = [p.relative_to(REPO).as_posix() for p in (REPO / "neurokit").rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data_files, "the package has data files"
    assert sorted(f for f in data_files if f not in names) == []
    assert any(n.endswith("share/neurokit/hardware/loihi2.toml") for n in names)


def test_installed_wheel_finds_requirements_and_a_per_user_runtime(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "some" / "project"
    elsewhere.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in (runtime.ENV_VAR, "PYTHONPATH")}
    env.update(PYTHONPATH=str(site), XDG_DATA_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"))
    code = ("import json, neurokit.backends.loihi2.runtime as r; print(json.dumps({'file': r.__file__, "
            "'req': r.REQUIREMENTS.is_file(), 'default': str(r.default_runtime_dir()), "
            "'candidates': [str(p) for p in r.runtime_candidates()], 'found': str(r.find_runtime())}))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(site))
    assert got["req"] is True
    assert got["default"] == str(tmp_path / "xdg" / "neurokit" / "lava-venv")
    assert got["candidates"] == [str(tmp_path / "xdg" / "neurokit" / "lava-venv"),
                                 str(tmp_path / "home" / ".cache" / "neurokit" / "venv-lava")]
    assert not any(c.startswith(str(elsewhere)) for c in got["candidates"])
    assert got["found"] == "None"


def _fake_ready_runtime(venv: Path) -> Path:
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / runtime.MARKER).write_text(runtime._requirements_hash() + "\n")
    return venv


def test_lookup_order_env_var_then_checkout_then_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(runtime.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    # From a source checkout: the checkout's .venv-lava first (`make lava`), then the per-user folder.
    checkout = REPO / ".venv-lava"
    assert runtime.checkout_runtime_dir() == checkout
    assert runtime.runtime_candidates()[:2] == [checkout, tmp_path / "xdg" / "neurokit" / "lava-venv"]
    assert runtime.default_runtime_dir() == checkout
    user = _fake_ready_runtime(tmp_path / "xdg" / "neurokit" / "lava-venv")
    if runtime.find_runtime() != checkout:  # the checkout has no ready runtime: the per-user one is found
        assert runtime.find_runtime() == user
    # A `.venv-lava` in the current folder is never picked up.
    _fake_ready_runtime(tmp_path / ".venv-lava")
    assert tmp_path / ".venv-lava" not in runtime.runtime_candidates()
    # $NEUROKIT_LAVA_VENV overrides everything, and only it is searched.
    override = tmp_path / "mine"
    monkeypatch.setenv(runtime.ENV_VAR, str(override))
    assert runtime.runtime_candidates() == [override]
    assert runtime.default_runtime_dir() == override
    assert runtime.find_runtime() is None
    _fake_ready_runtime(override)
    assert runtime.find_runtime() == override
