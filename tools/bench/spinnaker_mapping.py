"""SpiNNaker mapping figures: the default model and a 10k-neuron network on a SpiNN-5 board and on
one SpiNNaker2 chip, each checked spike for spike (emulator of the exported artifact vs
neurokit.sim's S16.15 mode), and the SpiNN-5 exports mapped by sPyNNaker on its virtual board.

Default model: the one ``make demo`` trained and deployed (``runs/demo/hil/artifacts/spinnaker/
model.nir``). 10k-neuron network: 1,000 Poisson-like inputs -> 8,000 LIF (10 % connectivity) ->
1,000 LIF (1 %), 9,000 neurons that compute plus 1,000 sources. Not a speed benchmark: the last line
is one JSON object with ``default`` and ``net10k``, each ``{machine: report}`` plus ``spynnaker``.

    .venv/bin/python tools/bench/spinnaker_mapping.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, save, single_thread  # noqa: E402

single_thread()

import numpy as np  # noqa: E402

from neurokit import ir  # noqa: E402
from neurokit.backends import get_backend  # noqa: E402
from neurokit.backends.spinnaker.spynnaker import map_with_spynnaker  # noqa: E402

MACHINES = ("spinn5", "spinnaker2")
KEYS = ("cores", "chips", "routing_entries_before", "routing_entries_after", "max_entries_per_router", "synapses",
        "max_synapses_per_core", "synapse_capacity_per_core", "expected_packets_per_step")


def net10k(seed: int = 0) -> ir.Graph:
    rng = np.random.default_rng(seed)

    def sparse(n_post: int, n_pre: int, p: float, mean: float, sd: float) -> ir.SparseLinear:
        mask = rng.random((n_post, n_pre)) < p
        return ir.SparseLinear.from_dense(np.where(mask, rng.normal(mean, sd, (n_post, n_pre)), 0.0))

    def lif(n: int) -> ir.LIF:
        return ir.LIF(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 1.0),
                      t_refrac=np.full(n, 2e-3))

    return ir.Graph.sequential(sparse(8000, 1000, 0.10, 0.4, 0.3), lif(8000), sparse(1000, 8000, 0.01, 0.3, 0.3),
                               lif(1000), names=["w_in", "hidden", "w_out", "out"],
                               profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))


def check(graph: ir.Graph, name: str, steps: int, rate: float) -> dict[str, object]:
    be = get_backend("spinnaker")
    out: dict[str, object] = {}
    x = None
    for mach in MACHINES:
        d = Path(tempfile.mkdtemp(prefix=f"nk-{name}-{mach}-"))
        art = be.lower(graph, d, {"machine": mach})
        rep = art.manifest["report"]
        if x is None:
            size = sum(v["hi"] - v["lo"] for v in art.manifest["vertices"] if v["population"] == art.manifest["populations"][0])
            x = (np.random.default_rng(1).random((steps, 2, size)) < rate).astype(np.float64)
        emu = be.board(art).run(x, steps)
        ref = be.numeric_mode_run(art, x, steps)
        equal = all(np.array_equal(emu.spikes[p], ref.spikes[p]) for p in emu.spikes)
        spikes = int(sum(emu.spikes[p].sum() for p in emu.spikes))
        if spikes == 0:
            raise SystemExit(f"{name} on {mach}: no spikes, the equality check would be empty")
        out[mach] = {**{k: rep[k] for k in KEYS}, "spikes_equal": equal, "spikes": spikes,
                     "ring_buffer_saturations": emu.meta["ring_buffer_saturations"],
                     "machine_assumptions": rep["machine_assumptions"]}
        print(f"{name:8} {mach:11} cores {rep['cores']:4} chips {rep['chips']:2} routing entries "
              f"{rep['routing_entries_before']:4} -> {rep['routing_entries_after']:4} (max {rep['max_entries_per_router']}"
              f"/router) synapses {rep['synapses']:8} (max {rep['max_synapses_per_core']}/core of "
              f"{rep['synapse_capacity_per_core']}) spikes {spikes} equal {equal}", flush=True)
        if mach == "spinn5":
            theirs = map_with_spynnaker(art, timeout_s=1800)
            out["spynnaker"] = theirs
            print(f"{name:8} {'sPyNNaker':11} cores {theirs['cores']:4} routing entries {theirs['routing_entries']}",
                  flush=True)
    return out


def main() -> None:
    default = REPO / "runs" / "demo" / "hil" / "artifacts" / "spinnaker" / "model.nir"
    if not default.is_file():
        raise SystemExit(f"{default} is missing: run `make demo` first (it trains and deploys the default model)")
    result = {"default": check(ir.read(default), "default", 50, 0.05), "net10k": check(net10k(), "net10k", 30, 0.05),
              "machine": machine()}
    save("spinnaker_mapping", result)


if __name__ == "__main__":
    main()
