"""Runs a neurokit Loihi 2 artifact on Lava's CPU model (``Loihi2SimCfg(select_tag="fixed_pt")``)
(``LIF`` for reset to zero, ``ATRLIF`` for subtractive reset, neurokit's ``ResetLIF`` program
(``lava_neuron.py``) for what neither expresses) or, where lava-loihi is installed, on a chip (``--hardware``: ``Loihi2HwCfg``).

Runs INSIDE the Lava runtime venv (Python 3.10): stdlib, numpy, h5py and lava only.
Usage: python runner.py ARTIFACT_DIR INPUTS.h5 RESULT.h5 [ARTIFACT_DIR INPUTS.h5 RESULT.h5 ...] [--hardware]
[--samples-per-run N] [--lava-get-data] (several artifacts in one process: importing Lava takes seconds).

Speed (64 demo samples of 30 steps: 46 s before, 5 s now; tools/bench/hil_loihi2.py): (1) Lava's ``Monitor.get_data``
moves a record to the caller one number per channel message, so every monitor here saves its own
record to a ``.npy`` file after its last step instead (``--lava-get-data``, and always with
``--hardware``: the stock path); (2) the B samples are not run one after another: N of them (default all; 1 with
``--hardware``, where every copy takes cores) run at once as N independent copies of the network,
with block-diagonal synapses (``Sparse``, whose fixed-point model is ``Dense``'s bit for bit;
``DelayDense`` stays dense, so its copies are capped) and tiled neuron parameters. Copies share no
synapse, so each sample's integers are those of a run on its own; groups of N samples run one after
another, each from the initial state.
A layer with ``conv_kernel`` (option ``conv_process``) gets Lava's ``Conv`` process instead of its unrolled
Dense (:func:`conv_connection`: the N copies are N channel groups of one Conv).
Failures print one JSON line {"error": ..., "type": ...} on stderr and exit 1.
"""

import json
import os
import shutil
import sys
import tempfile

import h5py
import numpy as np


def main(argv):
    hardware = "--hardware" in argv
    args, per_run, get_data = [], None, False
    rest = argv[1:]
    while rest:
        a = rest.pop(0)
        if a == "--hardware":
            continue
        if a == "--lava-get-data":  # read the monitors through Lava's own get_data (slow; for benchmarks)
            get_data = True
            continue
        if a == "--samples-per-run":
            per_run = int(rest.pop(0))
            if per_run < 1:
                raise ValueError("--samples-per-run must be at least 1")
            continue
        args.append(a)
    if not args or len(args) % 3:
        raise ValueError("usage: runner.py ARTIFACT_DIR INPUTS.h5 RESULT.h5 [...] [--hardware] [--samples-per-run N]")
    for k in range(0, len(args), 3):
        run_one(*args[k:k + 3], hardware=hardware, samples_per_run=per_run or (1 if hardware else None),
                lava_get_data=get_data or hardware)  # on a chip: Lava's own monitor readout, untested here
    return 0


def block_diagonal(w, copies, sparse):
    """``copies`` copies of the matrix ``w`` on the diagonal (scipy CSR when ``sparse``, else dense)."""
    from scipy.sparse import block_diag

    if copies == 1:
        return w
    m = block_diag([w] * copies, format="csr", dtype=w.dtype)
    return m if sparse else m.toarray()


def conv_connection(L, copies, hardware=False):
    """Lava's ``Conv`` for a layer's convolution (``conv_*`` in layers.h5), ``copies`` samples side by side
    as that many more channel groups (a block-diagonal kernel, channel ``j * C + c`` of copy ``j``).

    Lava 0.10's fixed-point ``Conv`` (``lava/proc/conv/models.py``, ``PyConvModelFixed``) applies its
    weights as given: no 8-bit clip, no ``num_weight_bits`` truncation, no ``weight_exp``; its sum wraps
    into 24 bits (``signed_clamp``: only sums of 2**23 or more change, which the neuron's 24-bit current
    cannot hold after its ``a_in << 6`` either). So the kernel gets here what ``Dense`` does to its weights on its first
    step (``clip_weights``, ``truncate_weights``, the sign mode of the layer's Dense weights) and the
    layer's weight exponent ``e >= 0`` as a factor: ``(sum w s) << e == sum (w << e) s``. Lava's
    ``conv_scipy`` is a true convolution (``signal.convolve2d`` flips the kernel) laid out (W, H, C), so
    neurokit's kernel (C_out, C_in/groups, K_h, K_w) becomes (C_out, K_w, K_h, C_in/groups), flipped in
    both spatial axes, and stride, padding and dilation go (W, H). With ``hardware`` the 8-bit kernel keeps
    its ``weight_exp`` and ``num_weight_bits`` for the chip's own Conv (lava-loihi; untested here)."""
    from lava.proc.conv.process import Conv
    from lava.utils.weightutils import clip_weights, determine_sign_mode, truncate_weights

    e = int(L["weight_exp"])
    if e < 0:
        raise ValueError("a Conv layer needs a weight exponent >= 0 (got %d): redeploy with conv_process='never'" % e)
    mode = determine_sign_mode(L["conv_kernel"])  # that of the unrolled weights: the same values and zeros
    kernel = clip_weights(L["conv_kernel"].astype(np.int32), mode, num_bits=8)
    if hardware:
        bits = dict(weight_exp=e, num_weight_bits=int(L["num_weight_bits"]))
    else:
        kernel, bits = truncate_weights(kernel, mode, int(L["num_weight_bits"])).astype(np.int64) << e, dict(weight_exp=0)
    lava_kernel = kernel.transpose(0, 3, 2, 1)[:, ::-1, ::-1, :]
    channels, height, width = (int(v) for v in L["conv_in_shape"])

    def xy(key):  # neurokit's (H, W) -> Lava's (X, Y) = (W, H)
        return tuple(int(v) for v in L[key][::-1])

    return Conv(weight=np.ascontiguousarray(np.concatenate([lava_kernel] * copies, axis=0), dtype=np.int32),
                input_shape=(width, height, copies * channels), padding=xy("conv_padding"), **bits,
                stride=xy("conv_stride"), dilation=xy("conv_dilation"), groups=int(L["conv_groups"]) * copies,
                num_message_bits=int(L["num_message_bits"])), (copies * channels, height, width)


_DUMPING_MODEL = []


def dumping_monitor_model():
    """Lava's ``Monitor`` model, which also saves its record to ``proc_params["dump_path"]`` (``.npy``)
    after its last step. Lava's ``Monitor.get_data`` moves a record to the caller one number per
    channel message (``runtime.get_var``): most of the time of a 64-sample demo run."""
    if _DUMPING_MODEL:
        return _DUMPING_MODEL[0]
    from lava.proc.monitor.models import PyMonitorModel

    class DumpingMonitorModel(PyMonitorModel):
        def run_post_mgmt(self):
            super().run_post_mgmt()  # var probes are read here; OutPort probes in run_spk, earlier in the step
            if self.time_step == self.proc_params["dump_steps"]:
                names = self.proc_params["VarsData1"] if self.proc_params["n_ref_ports"] else self.proc_params["VarsData2"]
                path = self.proc_params["dump_path"]
                np.save(path + ".tmp.npy", getattr(self, names[0]))
                os.replace(path + ".tmp.npy", path)

    _DUMPING_MODEL.append(DumpingMonitorModel)
    return DumpingMonitorModel


def tile(v, copies):
    """A per-neuron vector repeated for every copy of the network (a scalar stays a scalar)."""
    v = np.asarray(v)
    return np.tile(v, copies) if v.ndim else v


def run_one(art, inputs_path, result_path, hardware=False, samples_per_run=None, lava_get_data=False):
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
    if T == 0 or B == 0:
        raise ValueError("no steps or no samples to run (inputs of shape %s)" % (x.shape,))
    # G samples run side by side as G independent copies of the network (block-diagonal synapses), so
    # a Lava step advances G samples; the ceil(B / G) groups run one after another from the initial state.
    G = min(B, samples_per_run or B)
    if any("delays" in L for L in layers):  # DelayDense has no sparse form: bound its dense block-diagonal
        biggest = max(L["weights"].size for L in layers if "delays" in L)
        G = max(1, min(G, int((2**22 // biggest) ** 0.5)))
    groups = -(-B // G)

    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.dense.process import DelayDense, Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.atrlif.process import ATRLIF
    from lava.proc.lif.process import LIF
    from lava.proc.monitor.process import Monitor
    ResetLIF, PyResetLIFModel = _neuron_program()
    from lava.proc.sparse.process import Sparse

    monitor_models = {}  # every Monitor instance gets DumpingMonitorModel (keyed by instance: no model search)
    dump_dir = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(result_path)), prefix="monitors-")

    def dumping_monitor(target, num_steps, path):
        m = Monitor()
        m.probe(target, num_steps)
        m.proc_params["dump_path"], m.proc_params["dump_steps"] = path, num_steps
        if not lava_get_data:
            monitor_models[m] = dumping_monitor_model()
        return m

    def connection(weights, **kw):
        """Dense for one copy; Sparse (the same fixed-point arithmetic, bit for bit) for block-diagonal copies."""
        w = block_diagonal(weights.astype(np.int32), G, sparse=True)
        return Sparse(weights=w, **kw) if G > 1 else Dense(weights=w, **kw)

    xp = np.zeros((T, groups * G, n0), np.int32)
    xp[:, :B] = x
    # row j * n0 + i feeds input i of copy j; column g * T + t is step t of group g
    data = xp.reshape(T, groups, G * n0).transpose(2, 1, 0).reshape(G * n0, groups * T)
    src = RingBuffer(data=data)
    prev = src.s_out
    denses, lifs, monitors, recs, inits = [], [], [], [], []
    for k, L in enumerate(layers):
        n = int(L["n"])
        N = G * n
        bits = dict(weight_exp=int(L["weight_exp"]), num_weight_bits=int(L["num_weight_bits"]),
                    num_message_bits=int(L["num_message_bits"]))
        conv_in = None
        if "conv_kernel" in L:  # Lava's Conv process (option conv_process)
            dense, conv_in = conv_connection(L, G, hardware)
        elif "delays" in L:  # per-synapse delays in steps (0..62)
            dense = DelayDense(weights=block_diagonal(L["weights"].astype(np.int32), G, sparse=False),
                               delays=block_diagonal(L["delays"].astype(int), G, sparse=False), **bits)
        else:
            dense = connection(L["weights"], **bits)
        v_init = np.broadcast_to(np.asarray(L.get("v_init", 0), np.int32), (n,))  # the float model's start
        v_init = np.tile(v_init, G).astype(np.int32)
        bias = dict(bias_mant=tile(L["bias_mant"], G).astype(np.int32), bias_exp=tile(L["bias_exp"], G).astype(np.int32))
        if "theta_0" in L:  # subtractive reset: ATRLIF with no decays; fires on v - r >= theta, r += 2 theta
            lif = ATRLIF(shape=(N,), i=np.zeros(N, np.int32), v=v_init.copy(), theta=int(L["theta_0"]),
                         r=np.zeros(N, np.int32), s=np.zeros(N, bool), delta_i=4095 / 4096, delta_v=0, delta_theta=0,
                         delta_r=0, theta_0=int(L["theta_0"]), theta_step=0, **bias)
        elif "program" in L:  # neurokit's neuron program: per-neuron decays, the profile's spike/reset rules
            per_neuron = {key: tile(L[key], G).astype(np.int32)
                          for key in ("du", "dv", "v_min", "refrac", "v_reset", "bias_u", "k_in") if key in L}
            lif = ResetLIF(shape=(N,), u=np.zeros(N, np.int32), v=v_init.copy(), vth=int(L["vth"]), ge=int(L["ge"]),
                           reset=int(L["reset"]), next_step=int(L["next_step"]), multi=int(L["multi"]),
                           **per_neuron, **bias)
        else:
            lif = LIF(shape=(N,), u=np.zeros(N, np.int32), v=v_init.copy(), du=int(L["du"]), dv=int(L["dv"]),
                      vth=int(L["vth"]), **bias)
        if conv_in is not None:  # neurokit's flat (C, H, W) order <-> Lava's (W, H, C)
            prev.reshape(conv_in).transpose((2, 1, 0)).connect(dense.s_in)
            dense.a_out.transpose((2, 1, 0)).reshape((N,)).connect(lif.a_in)
        else:
            prev.connect(dense.s_in)
            dense.a_out.connect(lif.a_in)
        if "rec_weights" in L:  # recurrent synapses: the layer's spikes back into its own a_in (summed)
            rec = connection(L["rec_weights"], weight_exp=int(L["rec_weight_exp"]),
                             num_weight_bits=int(L["num_weight_bits"]), num_message_bits=8 * int(L.get("multi", 0)))
            lif.s_out.connect(rec.s_in)
            rec.a_out.connect(lif.a_in)
            recs.append(rec)
        j = 0
        while ("skip_" if j == 0 else "skip%d_" % j) + "weights" in L:  # residual paths: one more connection
            p = "skip_" if j == 0 else "skip%d_" % j  # per earlier layer, from its spikes (summed in a_in)
            source = int(L[p + "source"])
            skip = connection(L[p + "weights"], weight_exp=int(L[p + "weight_exp"]),
                              num_weight_bits=int(L["num_weight_bits"]),
                              num_message_bits=8 * int(layers[source].get("multi", 0)))
            lifs[source].s_out.connect(skip.s_in)
            skip.a_out.connect(lif.a_in)
            recs.append(skip)
            j += 1
        prev = lif.s_out
        mons = {}
        for key, var in (("v", "v"), ("u", "i"), ("r", "r")) if "theta_0" in L else (("v", "v"), ("u", "u")):
            mons[key] = dumping_monitor(getattr(lif, var), groups * T, os.path.join(dump_dir, "%s%d.npy" % (key, k)))
        mons["s"] = dumping_monitor(lif.s_out, groups * T, os.path.join(dump_dir, "s%d.npy" % k))
        denses.append(dense)
        lifs.append(lif)
        inits.append(v_init)
        monitors.append(mons)
    if hardware:
        try:
            from lava.magma.core.run_configs import Loihi2HwCfg
        except ImportError:
            raise RuntimeError("Loihi 2 hardware needs lava-loihi (Intel INRC); it is not installed here")
        run_cfg = Loihi2HwCfg(exception_proc_model_map=monitor_models)
    else:
        from lava.magma.core.run_configs import Loihi2SimCfg
        run_cfg = Loihi2SimCfg(select_tag="fixed_pt",
                               exception_proc_model_map={ResetLIF: PyResetLIFModel, **monitor_models})
    try:
        for g in range(groups):
            lifs[0].run(condition=RunSteps(num_steps=T), run_cfg=run_cfg)
            if g == groups - 1:
                break
            for dense, lif, v_init in zip(denses, lifs, inits):  # every group starts from the initial state
                lif.v.set(v_init.copy())
                for var in ("i", "r") if isinstance(lif, ATRLIF) else ("u", "pending", "countdown") if isinstance(lif, ResetLIF) else ("u",):
                    getattr(lif, var).set(np.zeros(lif.v.shape, np.int32))
                buf = dense.a_buf if hasattr(dense, "a_buf") else dense.a_buff  # Conv's buffer is a_buf
                buf.set(np.zeros(buf.shape, np.int32))
            for rec in recs:
                rec.a_buff.set(np.zeros(rec.a_buff.shape, np.int32))
        results = {}
        for k, (lif, mons) in enumerate(zip(lifs, monitors)):
            for key, m in mons.items():
                if lava_get_data:
                    arr = np.asarray(next(iter(next(iter(m.get_data().values())).values())))
                else:
                    arr = np.load(m.proc_params["dump_path"])  # (groups*T, G*n)
                arr = arr.reshape(groups, T, G, -1).transpose(1, 0, 2, 3).reshape(T, groups * G, -1)
                results["%s%d" % (key, k)] = arr[:, :B]
    finally:
        lifs[0].stop()
        shutil.rmtree(dump_dir, ignore_errors=True)
    write_results(results, result_path)


def write_results(results, result_path):
    """``{name: array}`` into the HDF5 file ``result_path``, atomically (a temporary file, then a rename)."""
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


def run_script(main):
    """Exit with ``main(sys.argv)``'s status; any failure is reported to neurokit as one JSON line
    ``{"error": ..., "type": ...}`` on stderr, exit status 1 (this runner's and ``netx_runner.py``'s contract)."""
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:
        sys.stderr.write(json.dumps({"error": str(exc), "type": type(exc).__name__}) + "\n")
        sys.exit(1)


if __name__ == "__main__":
    run_script(main)
