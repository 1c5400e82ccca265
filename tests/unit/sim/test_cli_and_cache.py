"""`neurokit simulate` end to end, event-file inputs, and the on-disk JIT cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from neurokit import ir
from neurokit.cli import main
from neurokit.sim import Recording


def _model(path: Path) -> ir.Graph:
    g = ir.Graph.sequential(ir.Conv2d(weight=np.full((3, 2, 3, 3), 0.4), bias=np.zeros(3), padding=1, input_shape=(4, 4)),
                            ir.IF(r=np.full((3, 4, 4), 1000.0), v_threshold=np.ones((3, 4, 4))),
                            profile=ir.Profile(dt=1e-3))
    ir.write(g, path)
    return g


def test_simulate_command_writes_recording_and_raster(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _model(tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", np.ones((20, 2, 2, 4, 4)))
    code = main(["simulate", str(tmp_path / "m.nir"), "--input", str(tmp_path / "x.npy"), "--out", str(tmp_path / "r.h5"),
                 "--plot", str(tmp_path / "r.png"), "--record", "spikes,v"])
    assert code == 0
    rec = Recording.from_hdf5(tmp_path / "r.h5")
    assert rec.spikes["1_if"].shape == (20, 2, 3, 4, 4) and rec.spikes["1_if"].any()
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert "simulated 20 steps x 2 samples" in capsys.readouterr().out


def test_event_file_input_is_binned_to_dt(tmp_path: Path) -> None:
    _model(tmp_path / "m.nir")
    np.savez(tmp_path / "ev.npz", t=np.array([0, 1500, 2500]), x=np.array([0, 1, 3]), y=np.array([0, 2, 3]),
             p=np.array([1, 0, 1]))
    from neurokit.sim.inputs import load_input_file

    x = load_input_file(tmp_path / "ev.npz", ir.read(tmp_path / "m.nir"))
    assert x.shape == (3, 1, 2, 4, 4) and x.sum() == 3 and x[1, 0, 0, 2, 1] == 1 and x[2, 0, 1, 3, 3] == 1


def test_bad_input_shape_is_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _model(tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", np.ones((5, 2, 7)))
    assert main(["simulate", str(tmp_path / "m.nir"), "--input", str(tmp_path / "x.npy")]) == 2
    assert "the model takes (T, B, *(2, 4, 4))" in capsys.readouterr().err


#: Runs a model in a fresh process and prints the Numba on-disk cache hits and misses of every
#: compiled neurokit function (``Dispatcher.stats``): a miss is a compilation.
CACHE_PROBE = """
import sys, numpy as np
from numba.core.registry import CPUDispatcher
from neurokit import ir, sim
sim.simulate(ir.read(sys.argv[1]), np.ones((5, 1, 2, 4, 4)))
kernels = {id(v): v for m in list(sys.modules.values()) if getattr(m, "__name__", "").startswith("neurokit.")
           for v in vars(m).values() if isinstance(v, CPUDispatcher)}.values()
print(sum(sum(k.stats.cache_hits.values()) for k in kernels), sum(sum(k.stats.cache_misses.values()) for k in kernels))
"""


def test_a_second_process_loads_the_kernels_from_the_jit_cache(tmp_path: Path) -> None:
    """Kernels are compiled with cache=True: a new process compiles nothing (no cache miss) and loads
    what it runs from the cache. How long start-up takes is measured in tools/bench/sim_startup.py."""
    _model(tmp_path / "m.nir")

    def probe() -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", CACHE_PROBE, str(tmp_path / "m.nir")], check=True,
                             capture_output=True, text=True).stdout.split()
        return int(out[0]), int(out[1])

    probe()  # fills the cache if it is empty
    hits, misses = probe()
    assert misses == 0 and hits >= 1, f"second process: {hits} cache hits, {misses} compilations"


def test_long_runs_show_a_progress_bar_with_identical_results(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from neurokit import sim

    n = 20_000
    g = ir.Graph.sequential(ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.full(n, 1.5), v_threshold=np.ones(n)),
                            profile=ir.Profile(dt=1e-3))
    program = sim.compile(g)
    x = np.zeros((1, 1, n))
    quiet = sim.run(program, x, 1200)
    shown = sim.run(program, x, 1200, progress=True)  # 2.4e7 neuron-steps: chunked, with a bar
    assert "simulate: 100%" in capsys.readouterr().err
    np.testing.assert_array_equal(quiet.spikes["0_lif"], shown.spikes["0_lif"])
    assert quiet.spikes["0_lif"].any()
