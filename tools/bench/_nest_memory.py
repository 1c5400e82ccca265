"""NEST's memory per neuron and per static synapse (runs in the NEST venv; one thread): resident
memory (``/proc/self/statm``) around ``Create`` of 100k ``iaf_psc_delta`` and around three rounds of
3 M random ``one_to_one`` connections (each followed by a 1 ms ``Simulate``, which builds NEST's
connection infrastructure). The connection arrays passed in are freed after each round and counted
back (4 x 8 B per synapse). Prints one JSON line."""

import gc
import json
import os

import numpy as np


def rss():
    gc.collect()
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main(n=100_000, m=3_000_000, rounds=3):
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.set(local_num_threads=1)
    r0 = rss()
    cells = nest.Create("iaf_psc_delta", n)
    per_neuron = (rss() - r0) / n
    rng = np.random.default_rng(0)
    per_synapse = []
    for _ in range(rounds):
        pre = rng.integers(0, n, m) + cells[0].global_id
        post = rng.integers(0, n, m) + cells[0].global_id
        w, d = rng.normal(0, 1, m), rng.integers(1, 5, m).astype(float)
        r1 = rss()
        nest.Connect(pre, post, "one_to_one", syn_spec={"weight": w, "delay": d})
        del pre, post, w, d
        nest.Simulate(1.0)
        per_synapse.append((rss() - r1 + 4 * 8 * m) / m)
    print(json.dumps({"bytes_per_neuron": per_neuron, "bytes_per_synapse_by_round": per_synapse,
                      "synapses_per_round": m, "neurons": n, "nest": nest.__version__,
                      "connections": int(nest.num_connections)}))


if __name__ == "__main__":
    main()
