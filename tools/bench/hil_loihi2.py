"""Hardware-in-the-loop on Loihi 2 through Lava: the runner one sample after another (before) and
all samples at once as block-diagonal copies of the network (after), side by side.

The demo's setting: the event-digits model (``neurokit train``; the default hidden layer), 64 test
samples of 30 steps, lowered to Loihi 2 and run by ``runner.py`` in the Lava runtime on Lava's CPU
``fixed_pt`` model. Both ways must give the same integers, sample by sample, and both must equal
neurokit's own Loihi 2 numeric mode (``Backend.numeric_mode_run``); the script refuses to report a
speed-up otherwise. Times are wall times of the whole out-of-process call (Lava import, compile,
run, results back), medians of paired runs; Lava runs its processes in threads/processes of its
own, which the single-thread settings do not govern (the machine has 2 cores, shared).

    .venv/bin/python tools/bench/hil_loihi2.py [--model runs/demo/train/model.nir] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, save, single_thread  # noqa: E402


single_thread()

import numpy as np  # noqa: E402


def model_path(given: str | None) -> Path:
    """The model to deploy: ``given``, the demo's, or a 2-epoch one trained into a temporary folder."""
    for p in ([Path(given)] if given else [REPO / "runs" / "demo" / "train" / "model.nir"]):
        if p.is_file():
            return p
    if given:
        raise SystemExit(f"{given} not found")
    out = Path(tempfile.mkdtemp(prefix="bench-hil-")) / "train"
    subprocess.run([sys.executable, "-m", "neurokit", "train", "--epochs", "2", "--out", str(out)], check=True,
                   cwd=REPO, capture_output=True)
    return out / "model.nir"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from neurokit import ir
    from neurokit.backends import get_backend
    from neurokit.backends.loihi2.board import RUNNER, integer_inputs
    from neurokit.backends.loihi2.runtime import run_jobs_in_runtime
    from neurokit.data import EventDigits, dense_dataset

    model = model_path(args.model)
    graph = ir.read(model)
    x, _ = dense_dataset(EventDigits(train=False), dt=graph.profile.dt, steps=args.steps)
    x = np.moveaxis(x[:args.samples], 0, 1).astype(np.float64)  # (T, B, n)
    be = get_backend("loihi2")
    art = be.lower(graph, Path(tempfile.mkdtemp(prefix="bench-hil-art-")))
    xi = integer_inputs(x, float(art.manifest.get("input_scale", 1.0)))

    variants = {  # name: runner arguments
        "before": ["--samples-per-run", "1", "--lava-get-data"],  # the runner as it was: stock Lava readout
        "one_sample_per_run": ["--samples-per-run", "1"],  # records saved by the monitors, no batching
        "batched": [],  # all samples at once as block-diagonal copies (the default)
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    results: dict[str, dict[str, np.ndarray]] = {}
    for _ in range(args.repeats):
        for name, extra in variants.items():
            t0 = time.perf_counter()
            results[name] = run_jobs_in_runtime(RUNNER, [(str(art.path), xi)], timeout_s=1800, extra_args=extra)[0]
            times[name].append(time.perf_counter() - t0)
            print(f"{name}: {times[name][-1]:.2f} s", flush=True)
    ref = be.numeric_mode_run(art, x, args.steps)
    for name in variants:  # every way gives the same integers, sample by sample
        for key in results["before"]:
            np.testing.assert_array_equal(results[name][key], results["before"][key], err_msg=f"{name} {key}")
    spikes = {k: v for k, v in results["batched"].items() if k.startswith("s")}
    for k, layer in enumerate(art.manifest["layers"]):  # and equal neurokit's own Loihi 2 numeric mode
        np.testing.assert_array_equal(results["batched"][f"v{k}"], ref.traces[layer["neuron"]]["v"], err_msg=f"v{k}")
        if layer["kind"] not in ("LI", "I", "CubaLI"):
            np.testing.assert_array_equal(spikes[f"s{k}"].astype(bool), ref.spikes[layer["neuron"]], err_msg=f"s{k}")
    med = {name: statistics.median(t) for name, t in times.items()}
    paired = {name: [b / a for a, b in zip(times["before"], times[name])] for name in variants if name != "before"}
    result = {
        "what": f"Loihi 2 HIL through Lava 0.10 (CPU fixed_pt), {args.samples} event-digits samples x {args.steps} steps",
        "model": {"layers": [(L["kind"], L["n_in"], L["n"]) for L in art.manifest["layers"]]},
        "median_s": med,
        "speedup_batched": 1 / statistics.median(paired["batched"]),
        "speedup_one_sample_per_run": 1 / statistics.median(paired["one_sample_per_run"]),
        "paired_ratios_over_before": paired, "times": times,
        "spikes": int(sum(int(v.sum()) for v in spikes.values())),
        "bit_exact": "all three == each other (every layer's spikes, v, u) and == neurokit loihi2 numeric mode",
        "note": "wall time of the whole out-of-process call (Lava import, compile, run, results back); Lava runs "
                "its processes in OS processes of its own; shared 2-core machine: ratios matter more than times",
        "machine": machine(),
    }
    save("hil_loihi2", result)


if __name__ == "__main__":
    main()
