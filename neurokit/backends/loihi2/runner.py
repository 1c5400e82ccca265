"""Runs a neurokit Loihi 2 artifact on Lava's CPU model (``Loihi2SimCfg(select_tag="fixed_pt")``)
(``LIF`` for reset to zero, ``ATRLIF`` for subtractive reset, neurokit's ``ResetLIF`` program
(``lava_neuron.py``) for what neither expresses) or, where lava-loihi is installed, on a chip (``--hardware``: ``Loihi2HwCfg``).

Runs INSIDE the Lava runtime venv (Python 3.10): stdlib, numpy, h5py and lava only.
Usage: python runner.py ARTIFACT_DIR INPUTS.h5 RESULT.h5 [ARTIFACT_DIR INPUTS.h5 RESULT.h5 ...] [--hardware]
(several artifacts in one process: importing Lava takes seconds).
Failures print one JSON line {"error": ..., "type": ...} on stderr and exit 1.
"""

import json
import os
import sys
import tempfile

import h5py
import numpy as np


def main(argv):
    hardware = "--hardware" in argv
    args = [a for a in argv[1:] if a != "--hardware"]
    if not args or len(args) % 3:
        raise ValueError("usage: runner.py ARTIFACT_DIR INPUTS.h5 RESULT.h5 [...] [--hardware]")
    for k in range(0, len(args), 3):
        run_one(*args[k:k + 3], hardware=hardware)
    return 0


def run_one(art, inputs_path, result_path, hardware=False):
    with open(os.path.join(art, "manifest.json")) as f:
        manifest = json.load(f)
    layers = []
    with h5py.File(os.path.join(art, "layers.h5"), "r") as f:
        for k in range(len(manifest["layers"])):
            g = f["layer%d" % k]
            layers.append({key: g[key][()] for key in g})
    with h5py.File(inputs_path, "r") as f:
        x = f["inputs"][()].astype(np.int32)  # (T, B, n0)
    T, B, n0 = x.shape

    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.dense.process import DelayDense, Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.atrlif.process import ATRLIF
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    ResetLIF, PyResetLIFModel = _neuron_program()

    if hardware:
        try:
            from lava.magma.core.run_configs import Loihi2HwCfg
        except ImportError:
            raise RuntimeError("Loihi 2 hardware needs lava-loihi (Intel INRC); it is not installed here")
        run_cfg = Loihi2HwCfg()
    else:
        from lava.magma.core.run_configs import Loihi2SimCfg
        run_cfg = Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map={ResetLIF: PyResetLIFModel})

    data = np.transpose(x, (2, 1, 0)).reshape(n0, B * T)  # sample after sample
    src = RingBuffer(data=data)
    prev = src.s_out
    denses, lifs, monitors, recs, inits = [], [], [], [], []
    for k, L in enumerate(layers):
        n = int(L["n"])
        if "delays" in L:  # per-synapse delays in steps (0..62)
            dense = DelayDense(weights=L["weights"].astype(np.int32), delays=L["delays"].astype(int),
                               weight_exp=int(L["weight_exp"]), num_weight_bits=int(L["num_weight_bits"]),
                               num_message_bits=int(L["num_message_bits"]))
        else:
            dense = Dense(weights=L["weights"].astype(np.int32), weight_exp=int(L["weight_exp"]),
                          num_weight_bits=int(L["num_weight_bits"]), num_message_bits=int(L["num_message_bits"]))
        v_init = np.broadcast_to(np.asarray(L.get("v_init", 0), np.int32), (n,)).copy()  # the float model's start
        if "theta_0" in L:  # subtractive reset: ATRLIF with no decays; fires on v - r >= theta, r += 2 theta
            lif = ATRLIF(shape=(n,), i=np.zeros(n, np.int32), v=v_init, theta=int(L["theta_0"]), r=np.zeros(n, np.int32),
                         s=np.zeros(n, bool), delta_i=4095 / 4096, delta_v=0, delta_theta=0, delta_r=0,
                         theta_0=int(L["theta_0"]), theta_step=0, bias_mant=L["bias_mant"].astype(np.int32),
                         bias_exp=L["bias_exp"].astype(np.int32))
        elif "program" in L:  # neurokit's neuron program: per-neuron decays, the profile's spike/reset rules
            lif = ResetLIF(shape=(n,), u=np.zeros(n, np.int32), v=v_init, du=L["du"].astype(np.int32),
                           dv=L["dv"].astype(np.int32), bias_mant=L["bias_mant"].astype(np.int32),
                           bias_exp=L["bias_exp"].astype(np.int32), vth=int(L["vth"]), ge=int(L["ge"]),
                           reset=int(L["reset"]), next_step=int(L["next_step"]), multi=int(L["multi"]),
                           v_min=int(L["v_min"]), refrac=L["refrac"].astype(np.int32) if "refrac" in L else 0)
        else:
            lif = LIF(shape=(n,), u=np.zeros(n, np.int32), v=v_init, du=int(L["du"]), dv=int(L["dv"]),
                      vth=int(L["vth"]), bias_mant=L["bias_mant"].astype(np.int32), bias_exp=L["bias_exp"].astype(np.int32))
        prev.connect(dense.s_in)
        dense.a_out.connect(lif.a_in)
        if "rec_weights" in L:  # recurrent synapses: the layer's spikes back into its own a_in (summed)
            rec = Dense(weights=L["rec_weights"].astype(np.int32), weight_exp=int(L["rec_weight_exp"]),
                        num_weight_bits=int(L["num_weight_bits"]), num_message_bits=8 * int(L.get("multi", 0)))
            lif.s_out.connect(rec.s_in)
            rec.a_out.connect(lif.a_in)
            recs.append(rec)
        if "skip_weights" in L:  # a residual path: a second Dense from an earlier layer's spikes into a_in (summed)
            skip = Dense(weights=L["skip_weights"].astype(np.int32), weight_exp=int(L["skip_weight_exp"]),
                         num_weight_bits=int(L["num_weight_bits"]),
                         num_message_bits=8 * int(layers[int(L["skip_source"])].get("multi", 0)))
            lifs[int(L["skip_source"])].s_out.connect(skip.s_in)
            skip.a_out.connect(lif.a_in)
            recs.append(skip)
        prev = lif.s_out
        mons = {}
        for key, var in (("v", "v"), ("u", "i"), ("r", "r")) if "theta_0" in L else (("v", "v"), ("u", "u")):
            m = Monitor()
            m.probe(getattr(lif, var), B * T)
            mons[key] = m
        m = Monitor()
        m.probe(lif.s_out, B * T)
        mons["s"] = m
        denses.append(dense)
        lifs.append(lif)
        inits.append(v_init)
        monitors.append(mons)
    try:
        for b in range(B):
            lifs[0].run(condition=RunSteps(num_steps=T), run_cfg=run_cfg)
            for dense, lif, v_init in zip(denses, lifs, inits):  # every sample starts from the initial state
                lif.v.set(v_init.copy())
                for var in ("i", "r") if isinstance(lif, ATRLIF) else ("u", "pending", "countdown") if isinstance(lif, ResetLIF) else ("u",):
                    getattr(lif, var).set(np.zeros(lif.v.shape, np.int32))
                dense.a_buff.set(np.zeros(dense.a_buff.shape, np.int32))
            for rec in recs:
                rec.a_buff.set(np.zeros(rec.a_buff.shape, np.int32))
        results = {}
        for k, (lif, mons) in enumerate(zip(lifs, monitors)):
            for key, m in mons.items():
                d = m.get_data()
                arr = next(iter(next(iter(d.values())).values()))  # (B*T, n)
                results["%s%d" % (key, k)] = np.asarray(arr).reshape(B, T, -1).transpose(1, 0, 2)
    finally:
        lifs[0].stop()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(result_path)), suffix=".h5.tmp")
    os.close(fd)
    with h5py.File(tmp, "w") as f:
        for key, arr in results.items():
            f.create_dataset(key, data=arr)
    os.replace(tmp, result_path)


def _neuron_program():
    """``(ResetLIF, PyResetLIFModel)`` from ``lava_neuron.py`` beside this file (loaded by path: the
    runner may itself be loaded by path from elsewhere)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("neurokit_lava_neuron",
                                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "lava_neuron.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Lava's compiler looks process models up by module
    spec.loader.exec_module(module)
    return module.ResetLIF, module.PyResetLIFModel


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # reported to neurokit as one JSON line
        sys.stderr.write(json.dumps({"error": str(exc), "type": type(exc).__name__}) + "\n")
        sys.exit(1)
