"""Brian2's CUBA example (examples/CUBA.py), timed once; runs inside the Brian2 peer venv.

Usage: python _cuba_brian2.py DEVICE SEED  (DEVICE: cython | cpp_standalone). Prints one JSON line.
Code generation and compilation are excluded from the timed part.
"""

import json
import os
import sys
import tempfile
import time

from brian2 import (NeuronGroup, SpikeMonitor, Synapses, defaultclock, device, ms, mV, prefs, run, seed, set_device)

mode, rng_seed = sys.argv[1], int(sys.argv[2])
if mode == "cpp_standalone":
    set_device("cpp_standalone", directory=tempfile.mkdtemp(), build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
else:
    prefs.codegen.target = "cython"
seed(rng_seed)
defaultclock.dt = 0.1 * ms
taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV
wi = (-20 * 4.5 / 10) * mV
Ce = Synapses(P, P, on_pre="ge += we")
Ci = Synapses(P, P, on_pre="gi += wi")
Ce.connect("i<3200", p=0.02)
Ci.connect("i>=3200", p=0.02)
s_mon = SpikeMonitor(P)
if mode == "cpp_standalone":
    run(1000 * ms)
    device.build(run=False)  # generate + compile (not timed)
    c0, t0 = os.times(), time.perf_counter()
    device.run()  # the compiled binary, a child process
    elapsed, c1 = time.perf_counter() - t0, os.times()
else:
    run(0 * ms)  # code generation and Cython compilation happen on the first run
    c0, t0 = os.times(), time.perf_counter()
    run(1000 * ms)
    elapsed, c1 = time.perf_counter() - t0, os.times()
cpu = sum(c1[k] - c0[k] for k in range(4))  # user + system, this process and its children
print(json.dumps({"mode": mode, "seconds": elapsed, "cpu_seconds": cpu, "rate_hz": s_mon.num_spikes / 4000 / 1.0}))
