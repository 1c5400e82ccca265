r"""lava-dl ``netx`` export of a Loihi 2 artifact: exact, or refused with the reason.

What netx reads (lava-dl 0.6, ``lava/lib/dl/netx/hdf5.py`` and ``utils.py``): ``layer/<i>`` groups in
order; an ``input`` layer with only ``shape`` adds no block, so the network's input reaches the
first ``dense`` layer's synapse directly, as in neurokit's runner (``RingBuffer -> Dense``). Each
``dense`` (or ``dense_rec``) layer becomes Lava's ``Dense`` (``DelayDense`` when it has ``delay``)
followed by ``LIF`` with

* ``du = iDecay - 1``, ``dv = vDecay``, ``vth = vThMant``, ``bias_mant = bias``, ``bias_exp = 6``;
* weights: netx stores no exponent. It takes whole-number weights ``w`` (the synaptic input at
  exponent 0) and re-encodes them itself (``optimize_weight_bits``): sign mode from the signs,
  :math:`s_b = \lfloor \log_2 \sigma \rfloor + [\text{mixed}]` with :math:`\sigma = \min(127/\max w,
  -128/\min w)` (mixed), :math:`255/\max w` (excitatory) or :math:`-256/\min w` (inhibitory),
  ``weights = w << s_b``, ``weight_exp = -s_b`` and ``num_weight_bits = 8 - s_b - n`` (``n``: the
  shared trailing zero bits, less one when mixed). ``dense_rec`` re-encodes ``[weight, weight_rec]``
  together.

So a layer of the artifact is held exactly iff its effective integer weights
:math:`\mathrm{lava}(W_{int}) 2^{e}` are whole numbers that netx's re-encoding and Lava's
clipping/truncation give back unchanged (checked here by doing both), its bias
:math:`b_m 2^{b_e}` is :math:`2^6` times a 13-bit mantissa, and its neurons start at :math:`v = 0`
(netx stores no initial membrane: a layer with ``v_init`` is refused). The Dense latency (one step) is Lava's
in both. Inputs that are spike counts (graded) need ``hdf5.Network(path, input_message_bits=8)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from neurokit.backends.base import Problem, refuse_if_problems
from neurokit.util.atomic import atomic_path

from .fixed_point import lava_weights
from .runtime import run_jobs_in_runtime

NETX_RUNNER = Path(__file__).with_name("netx_runner.py")
BIAS_EXP = 6
INPUT_MESSAGE_BITS = 8  # the first layer takes graded spikes (counts 0..255), as in neurokit's runner


def netx_encoding(w: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """``(weights, num_weight_bits, weight_exp)`` that netx gives Lava's Dense for whole-number weights
    ``w`` (lava-dl 0.6 ``optimize_weight_bits``), or ``None`` where netx clips them or cannot encode
    them (all zero, or too large for any non-negative shift)."""
    w = np.asarray(w, np.int64)
    hi, lo = int(w.max(initial=0)), int(w.min(initial=0))
    if (hi > 254 and lo < 0) or (lo < -256 and hi > 0) or (hi == 0 and lo == 0):
        return None
    if hi < 0:
        signed, sigma = 0, -256 / lo
    elif lo >= 0:
        signed, sigma = 0, 255 / hi
    else:
        signed, sigma = 1, min(127 / hi, -128 / lo)
    shift = math.floor(math.log2(sigma)) + signed
    if shift < 0:
        return None
    n = 8
    while n > 0 and np.any(w % 2**n):
        n -= 1
    n -= signed
    return w << shift, 8 - shift - n, -shift


def netx_effective(w: np.ndarray) -> np.ndarray | None:
    """The integer synaptic input per unit spike that netx's Dense applies for weights ``w``
    (re-encoding, then Lava's clipping and truncation), or ``None`` where it is not whole."""
    enc = netx_encoding(w)
    if enc is None:
        return None
    weights, bits, exp = enc
    applied = lava_weights(weights, bits)
    if np.any(applied % 2 ** (-exp)):
        return None
    return applied >> (-exp)


def _effective_weights(weights: np.ndarray, exp: int, bits: int) -> np.ndarray | None:
    """The artifact's integer synaptic input per unit spike, ``lava(W) 2^e``, or ``None`` where a
    negative exponent leaves fractions (Lava floors the shifted sum, which netx cannot hold)."""
    applied = lava_weights(weights, bits)
    if exp >= 0:
        return applied << exp
    return None if np.any(applied % 2 ** (-exp)) else applied >> (-exp)


def netx_problems(params_list: list[dict[str, Any]], layers: list[dict[str, Any]]) -> list[Problem]:
    """Why the artifact's layers (``layers.h5`` contents, manifest layers) cannot be written to
    netx exactly; empty when they can."""
    problems: list[Problem] = []
    for P, L in zip(params_list, layers):
        node, bits = L["neuron"], int(P.get("num_weight_bits", 8))
        if "skip_weights" in P:
            problems.append(Problem(node, "a residual path (a second Dense from an earlier layer) has no netx block "
                                          "(netx layers form a chain)", "deploy without netx, or a chain model"))
            continue
        if "conv_kernel" in P:
            problems.append(Problem(L["synapse"], "the layer runs as Lava's Conv process (option conv_process); "
                                                  "neurokit's netx export writes Dense blocks only",
                                    "deploy with conv_process='never' for a netx export"))
            continue
        if "theta_0" in P:
            problems.append(Problem(node, "subtractive reset runs on Lava's ATRLIF process, which netx has no block "
                                          "for (its CUBA neuron resets to 0)", "use reset='zero' for a netx export"))
            continue
        if "program" in P:
            problems.append(Problem(node, f"the layer runs as neurokit's neuron program ({'; '.join(L['program'])}), "
                                          "which netx's CUBA blocks cannot hold", "deploy without netx, or a stock "
                                                                                 "LIF layer (one decay, reset='zero')"))
            continue
        w = _effective_weights(P["weights"], int(P["weight_exp"]), bits)
        if w is None:
            problems.append(Problem(L["synapse"], f"weight exponent {int(P['weight_exp'])} leaves fractional "
                                                  "weights; netx holds whole-number weights only",
                                    "deploy spiking layers (LIF/IF); LI readouts keep a free exponent"))
            continue
        both = w
        if "rec_weights" in P:
            rec = _effective_weights(P["rec_weights"], int(P["rec_weight_exp"]), bits)
            if rec is None:
                problems.append(Problem(L["synapse"], "recurrent weights are fractional at exponent 0; netx "
                                                      "holds whole-number weights only", "scale the recurrent weights up"))
                continue
            if "delays" in P:
                problems.append(Problem(L["synapse"], "netx's recurrent block with delays drops the weight "
                                                      "exponent", "use delays or recurrence, not both"))
            both = np.hstack([w, rec])
        held = netx_effective(both)
        if held is None or not np.array_equal(held, both):
            problems.append(Problem(L["synapse"], f"weights in [{int(both.min())}, {int(both.max())}] at exponent "
                                                  "0 do not survive netx's 8-bit re-encoding (it holds [-256, 254] "
                                                  "and no exponent; all-zero weights cannot be encoded)",
                                    "lower the weights relative to the threshold (weights above 254 "
                                    "thresholds per spike need an exponent)"))
        if np.any(np.asarray(P.get("v_init", 0)) != 0):
            problems.append(Problem(node, "the membrane starts at v_init != 0 (the float model's v_leak or "
                                          "metadata v_init); netx stores no initial state (lava-dl starts every "
                                          "neuron at v = 0)", "use v_leak = 0 without v_init, or run the artifact "
                                                               "with neurokit's Lava runner"))
        bias = np.asarray(P["bias_mant"], np.int64) << np.asarray(P["bias_exp"], np.int64)
        if np.any(bias % 2**BIAS_EXP) or np.abs(bias >> BIAS_EXP).max(initial=0) > 4095:
            problems.append(Problem(node, f"bias is not a 13-bit mantissa times 2^{BIAS_EXP}, netx's only "
                                          "bias exponent", "lower the bias (it exceeds 4095/vth thresholds "
                                                           "per step) or its precision"))
    return problems


def write_netx(path: Path, params_list: list[dict[str, Any]], layers: list[dict[str, Any]]) -> None:
    """Write ``netx.h5`` for the artifact's layers; :class:`MappingError` (every problem) where netx
    cannot hold them exactly. Layout (module docstring): ``layer/0`` input, then one ``dense`` /
    ``dense_rec`` layer per artifact layer."""
    refuse_if_problems(netx_problems(params_list, layers), "netx (lava-dl)")
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        f.attrs["input_message_bits"] = INPUT_MESSAGE_BITS
        inp = f.create_group("layer/0")
        inp["type"] = np.bytes_("input")
        inp["shape"] = np.array([int(np.asarray(params_list[0]["weights"]).shape[1])])
        for k, P in enumerate(params_list):
            bits = int(P.get("num_weight_bits", 8))
            g = f.create_group(f"layer/{k + 1}")
            g["type"] = np.bytes_("dense_rec" if "rec_weights" in P else "dense")
            g["shape"] = np.array([int(P["n"])])
            g["weight"] = _effective_weights(P["weights"], int(P["weight_exp"]), bits)
            if "rec_weights" in P:
                g["weight_rec"] = _effective_weights(P["rec_weights"], int(P["rec_weight_exp"]), bits)
            if "delays" in P:
                g["delay"] = np.asarray(P["delays"], np.int64)
            g["bias"] = (np.asarray(P["bias_mant"], np.int64) << np.asarray(P["bias_exp"], np.int64)) >> BIAS_EXP
            nrn = g.create_group("neuron")
            nrn["type"] = np.bytes_("CUBA")
            nrn["iDecay"] = np.int64(int(P["du"]) + 1)
            nrn["vDecay"] = np.int64(P["dv"])
            nrn["vThMant"] = np.int64(P["vth"])
            nrn["refDelay"] = np.int64(1)
            nrn["gradedSpike"] = False


def run_netx(path: str | Path, x: np.ndarray, *, timeout_s: float = 600.0) -> dict[str, np.ndarray]:
    """Run a netx file with lava-dl's ``netx.hdf5.Network`` in the Lava runtime on integer inputs
    ``x`` (T, B, n), each sample from rest; per layer ``s{k}``, ``u{k}``, ``v{k}`` (T, B, n)."""
    return run_netx_many([(path, x)], timeout_s=timeout_s)[0]


def run_netx_many(jobs: Sequence[tuple[str | Path, np.ndarray]], *, timeout_s: float = 600.0) -> list[dict[str, np.ndarray]]:
    """:func:`run_netx` for several ``(path, inputs)`` in one Lava process (lava-dl imports torch once)."""
    return run_jobs_in_runtime(NETX_RUNNER, [(str(p), x) for p, x in jobs], timeout_s=timeout_s, what="lava-dl netx")
