"""CUBA in NEST (PyNEST directly; runs in the NEST venv): the network of ``tools/bench/cuba.py``
(the same synapse lists and initial membranes, from an ``.npz``) as ``iaf_psc_exp`` with
``tau_syn_ex`` = 5 ms and ``tau_syn_in`` = 10 ms, i.e. Brian2's CUBA equations integrated exactly:
C_m = 20 pF and tau_m = 20 ms make R = 1 GOhm, so a jump of w pA in the current is Brian2's jump of
w mV in ge. One thread. Prints one JSON line: median build and simulate seconds, rate, all times.

    python _cuba_nest.py NETWORK.npz SECONDS REPEATS
"""

import json
import statistics
import sys
import time

import numpy as np


def main(path, seconds, repeats):
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    with np.load(path) as f:
        a = {k: f[k] for k in f.files}
    n, dt_ms = int(a["n"]), float(a["dt_ms"])
    builds, sims, rates = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        nest.ResetKernel()
        nest.set(resolution=dt_ms, local_num_threads=1, print_time=False)
        cells = nest.Create("iaf_psc_exp", n, params={
            "C_m": 20.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
            "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "V_m": a["v0_mV"].tolist()})
        first = cells[0].global_id
        for kind, w in (("exc", 1.62), ("inh", -9.0)):
            nest.Connect(a[kind + "_pre"] + first, a[kind + "_post"] + first, "one_to_one",
                         syn_spec={"weight": np.full(a[kind + "_pre"].size, w), "delay": np.full(a[kind + "_pre"].size, dt_ms)})
        rec = nest.Create("spike_recorder")
        nest.Connect(cells, rec)
        t1 = time.perf_counter()
        nest.Simulate(seconds * 1e3)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        sims.append(t2 - t1)
        rates.append(rec.get("n_events") / n / seconds)
    print(json.dumps({"build_s": statistics.median(builds), "simulate_s": statistics.median(sims),
                      "rate_hz": statistics.median(rates), "build_times": builds, "simulate_times": sims,
                      "connections": int(nest.num_connections), "nest": nest.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
