"""Runs a lava-dl ``netx`` file (``netx.hdf5.Network``) on Lava's CPU model
(``Loihi2SimCfg(select_tag="fixed_pt")``), each sample from rest, recording every layer's neuron.

Runs INSIDE the Lava runtime venv (Python 3.10): stdlib, numpy, h5py, lava and lava-dl only.
Usage: python netx_runner.py NETX.h5 INPUTS.h5 RESULT.h5 [NETX.h5 INPUTS.h5 RESULT.h5 ...]
(several networks in one process: lava-dl imports torch, which takes seconds).
The network is built as a lava-dl user would: ``hdf5.Network(net_config=NETX.h5,
input_message_bits=...)`` (the file's ``input_message_bits`` attribute; 0 when absent), fed by a
``RingBuffer`` into ``net.inp``. Results: per block ``k`` ``s{k}``, ``u{k}``, ``v{k}`` (T, B, n).
Failures print one JSON line {"error": ..., "type": ...} on stderr and exit 1.
"""

import os
import sys

import h5py
import numpy as np


def main(argv):
    if len(argv) < 4 or (len(argv) - 1) % 3:
        raise ValueError("usage: netx_runner.py NETX.h5 INPUTS.h5 RESULT.h5 [...]")
    for k in range(1, len(argv), 3):
        run_one(*argv[k:k + 3])
    return 0


def run_one(net_path, inputs_path, result_path):
    with h5py.File(net_path, "r") as f:
        message_bits = int(f.attrs.get("input_message_bits", 0))
    with h5py.File(inputs_path, "r") as f:
        x = f["inputs"][()].astype(np.int32)  # (T, B, n0)
    T, B, n0 = x.shape

    from lava.lib.dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.source import RingBuffer
    from lava.proc.monitor.process import Monitor

    net = netx.hdf5.Network(net_config=net_path, input_message_bits=message_bits)
    src = RingBuffer(data=np.transpose(x, (2, 1, 0)).reshape(n0, B * T))  # sample after sample
    src.s_out.connect(net.inp)
    monitors = []
    for block in net.layers:
        mons = {}
        for key, var in (("s", block.neuron.s_out), ("u", block.neuron.u), ("v", block.neuron.v)):
            m = Monitor()
            m.probe(var, B * T)
            mons[key] = m
        monitors.append(mons)
    synapses = [getattr(b, name) for b in net.layers for name in ("synapse", "synapse_rec") if hasattr(b, name)]
    run_cfg = Loihi2SimCfg(select_tag="fixed_pt")
    try:
        for _ in range(B):
            net.run(condition=RunSteps(num_steps=T), run_cfg=run_cfg)
            for block in net.layers:  # every sample starts from rest
                block.neuron.v.set(np.zeros(block.neuron.v.shape, np.int32))
                block.neuron.u.set(np.zeros(block.neuron.u.shape, np.int32))
            for syn in synapses:
                syn.a_buff.set(np.zeros(syn.a_buff.shape, np.int32))
        results = {}
        for k, mons in enumerate(monitors):
            for key, m in mons.items():
                d = m.get_data()
                arr = next(iter(next(iter(d.values())).values()))  # (B*T, n)
                results["%s%d" % (key, k)] = np.asarray(arr).reshape(B, T, -1).transpose(1, 0, 2)
    finally:
        net.stop()
    from runner import write_results  # beside this file (on sys.path: see __main__)

    write_results(results, result_path)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # runner.py beside this file
    from runner import run_script

    run_script(main)
