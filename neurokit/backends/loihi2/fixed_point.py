r"""Loihi 2's fixed-point neuron and synapse, bit-accurate with lava-nc 0.10's ``PyLifModelBitAcc``
and ``PyDenseModelBitAcc`` (``lava/proc/lif/models.py``, ``lava/proc/dense/models.py``).

Per time step, for a Dense -> LIF pair (integers; ``>>`` arithmetic on magnitudes where noted):

* Dense: weights clipped/truncated by sign mode (mixed: even values in [-256, 254]); the output sent
  at step ``t`` is the accumulation of step ``t-1`` (one-step latency):
  :math:`a[t] = (W s[t-1]) \ll e_w` (or :math:`\gg -e_w`, floor), ``s`` binary or graded.
* LIF current: :math:`u \leftarrow \mathrm{sgn}(p)\,(|p| \gg 12)`, :math:`p = u (4096 - (d_u + 1))`, then
  :math:`u \leftarrow u + (a \ll 6)` wrapped into 24 bits.
* LIF voltage: :math:`v \leftarrow \mathrm{sgn}(q)(|q| \gg 12)`, :math:`q = v (4096 - d_v)`, then
  :math:`v \leftarrow \mathrm{clip}(v + u + (b_m \ll b_e), -2^{23} + 1, 2^{23} - 1)`.
* Spike :math:`s = v > (v_{th} \ll 6)`; reset :math:`v \leftarrow 0` where spiking (``u`` keeps).
* Synaptic delays (optional ``delays`` (out, in) in steps, Lava's ``DelayDense``): a spike at step
  ``t`` through a synapse of delay ``d`` arrives at step ``t + 1 + d``.
* Initial state: ``u = 0``, ``v = v_init`` (optional per layer, default 0 as Lava's), every sample.
* Subtractive reset (optional ``theta_0``: Lava's ``ATRLIF``, :func:`atrlif_step`): current and
  voltage as above with ``du = 4095``, ``dv = 0``; spike :math:`s = v - r \ge (\theta_0 \ll 6)`,
  then :math:`r \leftarrow r + 2 (\theta_0 \ll 6)` (``v`` keeps); ``r`` starts at 0.
* neurokit's neuron program (optional ``program``: the custom Lava process
  :mod:`~neurokit.backends.loihi2.lava_neuron`, :func:`program_step`): current and voltage exactly as
  the LIF above, with ``du``/``dv`` per neuron (arrays) and a current bias :math:`b_u` (per neuron,
  in ``a_in``'s units: :math:`u \leftarrow \ldots + ((a + b_u) \ll 6)`; a Cuba layer's synaptic
  bias) and a direct input term (exact Cuba integration, per-neuron ``k_in``:
  :math:`v \mathrel{+}= (((a + b_u) \ll 6)\,k_{in} + 2^{11}) \gg 12`, added with ``v``'s bias), then the
  profile's spike and reset rules on the integer membrane,
  :math:`\theta = v_{th} \ll 6`, :math:`v_r` the per-neuron reset value: ``next_step`` zero reset: the
  step after a spike starts from :math:`v_r`; ``next_step`` subtraction
  :math:`v \leftarrow v - n_{t-1}(\theta - v_r)` after the update; spike :math:`v > \theta` (or
  ``>=``), the count :math:`n = \lfloor (v - v_r) / (\theta - v_r) \rfloor` (``multi``) or 1;
  same-step reset (``reset`` 0/1/2: zero, subtract, none) to :math:`v_r` or :math:`v - n(\theta - v_r)`;
  floor :math:`v \leftarrow \max(v, v_{min})` (per neuron); refractoriness (``refrac`` steps): a
  count-down that freezes the membrane and the spike. Spikes are graded (the count) where ``multi``.
* Recurrence (optional ``rec_weights``, ``rec_weight_exp``): a second Dense from the layer's own
  spikes to its ``a_in``, with the same one-step latency; the two inputs are summed. Residual paths
  (:func:`skip_prefixes`): one more Dense per earlier source layer, summed into ``a_in`` likewise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_UV = 2**23
DECAY_UNITY = 4096


def lava_weights(w: np.ndarray, num_weight_bits: int = 8) -> np.ndarray:
    """What Lava's Dense does to integer weights on its first step (clip + truncate by sign mode)."""
    w = np.asarray(w, dtype=np.int64)
    if w.min() >= 0:
        mode = "exc"
    elif w.max() <= 0:
        mode = "inh"
    else:
        mode = "mixed"
    mixed = int(mode == "mixed")
    x = -w if mode == "inh" else w
    x = np.clip(x, -(2**8) * mixed, 2**8 - 1)
    cut = 8 - num_weight_bits + mixed
    x = (x >> cut) << cut
    return (-x if mode == "inh" else x).astype(np.int64)


def decay(x: np.ndarray, d: int) -> np.ndarray:
    """``sgn(x (4096 - d)) * (|x (4096 - d)| >> 12)`` (rounding toward zero)."""
    p = x.astype(np.int64) * (DECAY_UNITY - d)
    return (np.sign(p) * (np.abs(p) >> 12)).astype(np.int64)


def lif_step(a_in: np.ndarray, u: np.ndarray, v: np.ndarray, *, du: int, dv: int, vth: int,
             bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One bit-accurate LIF step: returns (spikes bool, u, v)."""
    cur = decay(u, du + 1) + (a_in.astype(np.int64) << 6)
    wrapped = np.where(cur > MAX_UV, cur - 2 * MAX_UV, cur)
    wrapped = np.where(wrapped <= -MAX_UV, cur + 2 * MAX_UV, wrapped)
    volt = np.clip(decay(v, dv) + wrapped + bias, -MAX_UV + 1, MAX_UV - 1)
    s = volt > (np.int64(vth) << 6)
    return s, wrapped, np.where(s, 0, volt)


def atrlif_step(a_in: np.ndarray, u: np.ndarray, v: np.ndarray, r: np.ndarray, *, theta_0: int, bias: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One bit-accurate step of Lava's ``ATRLIF`` (``PyATRLIFModelFixed``) as the backend configures it
    (no current memory, no voltage/threshold/refractory decay, ``theta_step = 0``): returns
    (spikes bool, u, v, r). ``v`` is never reset; a spike adds ``2 (theta_0 << 6)`` to ``r``."""
    s, u, v_new = lif_step(a_in, u, v, du=4095, dv=0, vth=MAX_UV, bias=bias)  # same current and voltage path
    theta = np.int64(theta_0) << 6
    s = (v_new - r) >= theta
    return s, u, v_new, r + 2 * theta * s


def program_step(a_in: np.ndarray, u: np.ndarray, v: np.ndarray, pending: np.ndarray, count: np.ndarray, L: dict
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of neurokit's neuron program (module docstring; ``L``: the layer's ``du``, ``dv``
    (per neuron), ``vth``, ``bias``, ``ge``, ``reset``, ``next_step``, ``multi``, and per neuron
    ``v_min``, ``refrac`` steps, ``v_reset``, the current bias ``bias_u``, the direct input gain ``k_in``): returns (spike counts int64, u, v, pending counts of a next-step
    reset, refractory count-down). Refractoriness as :mod:`neurokit.dynamics.fixed`: the count-down
    drops by one first; while it is above 0 the membrane keeps its value and cannot spike."""
    count = np.maximum(count - 1, 0)
    frozen = count > 0
    v_reset = np.asarray(L["v_reset"], np.int64)
    if L["next_step"] and L["reset"] == 0:
        v = np.where(pending > 0, v_reset, v)
    v_start = v
    a_in = a_in + np.asarray(L["bias_u"], np.int64)
    direct = ((a_in << 6) * np.asarray(L["k_in"], np.int64) + (1 << 11)) >> 12  # exact Cuba: input straight into v
    _, u, v = lif_step(a_in, u, v, du=np.asarray(L["du"], np.int64), dv=np.asarray(L["dv"], np.int64), vth=MAX_UV,
                       bias=L["bias"] + direct)  # never fires: own rules follow
    v = np.where(frozen, v_start, v)
    theta = np.int64(L["vth"]) << 6
    if L["next_step"] and L["reset"] == 1:
        v = np.clip(v - pending * (theta - v_reset), -MAX_UV + 1, MAX_UV - 1)
    fired = (v >= theta if L["ge"] else v > theta) & ~frozen
    n = np.where(fired, (v - v_reset) // (theta - v_reset), 0) if L["multi"] else fired.astype(np.int64)
    if not L["next_step"] and L["reset"] == 1:
        v = np.clip(v - n * (theta - v_reset), -MAX_UV + 1, MAX_UV - 1)
    elif not L["next_step"] and L["reset"] == 0:
        v = np.where(fired, v_reset, v)
    count = np.where(fired, np.asarray(L["refrac"], np.int64), count)
    v = np.maximum(v, np.asarray(L["v_min"], np.int64))
    return n, u, v, (n if L["next_step"] else np.zeros_like(n)), count


def program_settings(L: dict) -> dict:
    """The program's settings of a stored layer (``program`` flags as ints), with its bias."""
    return {"du": L["du"], "dv": L["dv"], "vth": int(L["vth"]), "ge": bool(L["ge"]), "reset": int(L["reset"]),
            "next_step": bool(L["next_step"]), "multi": bool(L["multi"]), "v_min": L["v_min"],
            "refrac": L.get("refrac", 0), "v_reset": L.get("v_reset", 0), "bias_u": L.get("bias_u", 0),
            "k_in": L.get("k_in", 0)}


def skip_prefixes(layer: dict) -> list[str]:
    """A stored layer's residual paths, as key prefixes: ``skip_`` (the first), ``skip1_``, ``skip2_``, ...
    (each with ``weights``, ``weight_exp`` and ``source``, the source layer's index)."""
    prefixes: list[str] = []
    while f"{(p := 'skip_' if not prefixes else f'skip{len(prefixes)}_')}weights" in layer:
        prefixes.append(p)
    return prefixes


def dense_accumulate(w: np.ndarray, s: np.ndarray, weight_exp: int) -> np.ndarray:
    """``(W s) << e`` or ``>> -e`` (arithmetic, floor) for a batch ``s`` (B, n_in)."""
    acc = s.astype(np.int64) @ w.T.astype(np.int64)
    return acc << weight_exp if weight_exp > 0 else acc >> (-weight_exp)


def synapse_weights(layer: dict[str, np.ndarray | int]) -> np.ndarray | Any:
    """A layer's Dense weights after Lava's clip/truncation (:func:`lava_weights`); a layer run as Lava's
    ``Conv`` stores its integer kernel only (``conv_*``), unrolled here into a sparse matrix of the same
    values (the kernel's sign mode is the unrolled matrix's: the same values and zeros)."""
    bits = int(layer.get("num_weight_bits", 8))
    if "weights" in layer:
        return lava_weights(np.asarray(layer["weights"]), bits)
    from scipy.sparse import csr_matrix

    from neurokit import ir
    from neurokit.ir.passes import node_to_csr

    kernel = lava_weights(np.asarray(layer["conv_kernel"]), bits)
    in_shape = tuple(int(v) for v in np.asarray(layer["conv_in_shape"]))
    conv = ir.Conv2d(weight=kernel.astype(np.float64), bias=np.zeros(kernel.shape[0]),
                     stride=tuple(int(v) for v in np.asarray(layer["conv_stride"])),
                     padding=tuple(int(v) for v in np.asarray(layer["conv_padding"])),
                     dilation=tuple(int(v) for v in np.asarray(layer["conv_dilation"])),
                     groups=int(layer["conv_groups"]), input_shape=in_shape[1:])
    csr = node_to_csr(conv, in_shape, conv.output_shape(in_shape), 1.0)
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    return csr_matrix((np.rint(csr.weight).astype(np.int64), (csr.indices, pre)), shape=(csr.n_post, csr.n_pre))


def initial_v(layer: dict[str, np.ndarray | int]) -> np.ndarray:
    """A layer's initial membrane ``v_init`` (n,), as Lava's ``LIF(v=...)``; 0 (Lava's default) when absent."""
    n = int(layer["n"])
    return np.broadcast_to(np.asarray(layer.get("v_init", 0), np.int64), (n,)).copy()


def run_layers(layers: list[dict[str, np.ndarray | int]], x: np.ndarray) -> dict[str, np.ndarray]:
    """Run the feed-forward chain on integer inputs ``x`` (T, B, n0), each sample from the initial
    state (``v = v_init``, ``u = 0``, empty synapse buffers).

    Returns per layer ``s{k}`` (T, B, n) bool, ``u{k}``, ``v{k}`` (T, B, n) int64 (and ``r{k}`` for
    ATRLIF layers) — exactly what Lava records with Monitors for the same artifact.
    """
    T, B = x.shape[:2]
    out: dict[str, np.ndarray] = {}
    state = [(np.zeros((B, int(L["n"])), np.int64), np.zeros((B, int(L["n"])), np.int64),
              np.broadcast_to(initial_v(L), (B, int(L["n"]))).copy()) for L in layers]  # (a_buff, u, v)
    refr = [np.zeros((B, int(L["n"])), np.int64) for L in layers]  # ATRLIF's r; the program's pending counts
    countdown = [np.zeros((B, int(L["n"])), np.int64) for L in layers]  # the program's refractory count-down
    rec_buff = [np.zeros((B, int(L["n"])), np.int64) for L in layers]  # recurrent Dense, same one-step latency
    rec_w = [lava_weights(np.asarray(L["rec_weights"]), int(L.get("num_weight_bits", 8))) if "rec_weights" in L
             else None for L in layers]
    skips = [[(lava_weights(np.asarray(L[f"{p}weights"]), int(L.get("num_weight_bits", 8))), int(L[f"{p}weight_exp"]),
               int(L[f"{p}source"])) for p in skip_prefixes(L)] for L in layers]  # residual Dense from earlier layers
    skip_buff = [[np.zeros((B, int(L["n"])), np.int64) for _ in sk] for L, sk in zip(layers, skips)]
    for k, L in enumerate(layers):
        n = int(L["n"])
        out[f"s{k}"] = np.zeros((T, B, n), np.int64 if "program" in L and L["multi"] else bool)
        out[f"u{k}"] = np.zeros((T, B, n), np.int64)
        out[f"v{k}"] = np.zeros((T, B, n), np.int64)
        if "theta_0" in L:
            out[f"r{k}"] = np.zeros((T, B, n), np.int64)
    weights = [synapse_weights(L) for L in layers]
    bias = [np.asarray(L["bias_mant"], np.int64) << np.asarray(L["bias_exp"], np.int64) for L in layers]
    delays = [np.asarray(L["delays"], np.int64) if "delays" in L else None for L in layers]
    rings = [np.zeros((B, int(L["n"]), int(d.max(initial=0)) + 1), np.int64) if d is not None else None
             for L, d in zip(layers, delays)]
    for t in range(T):
        s_prev = x[t].astype(np.int64)
        for k, L in enumerate(layers):
            a_buff, u, v = state[k]
            if rings[k] is not None:  # DelayDense: column d is sent d steps after column 0
                a_buff = rings[k][:, :, 0].copy()
            a_in = a_buff  # Dense sends what it accumulated on the previous step
            if rec_w[k] is not None:  # both Dense outputs arrive at the LIF's a_in and are summed
                a_in = a_in + rec_buff[k]
            for j, (w_skip, e_skip, source) in enumerate(skips[k]):  # each residual Dense: its source's spikes
                a_in = a_in + skip_buff[k][j]  # of the previous step
                skip_buff[k][j] = dense_accumulate(w_skip, out[f"s{source}"][t].astype(np.int64), e_skip)
            if rings[k] is not None:
                ring = np.roll(rings[k] * (np.arange(rings[k].shape[2]) > 0), -1, axis=2)
                for d in range(ring.shape[2]):
                    ring[:, :, d] += dense_accumulate(np.where(delays[k] == d, weights[k], 0), s_prev,
                                                      int(L["weight_exp"]))
                rings[k] = ring
                new_buff = a_buff
            else:
                new_buff = dense_accumulate(weights[k], s_prev, int(L["weight_exp"]))
            if "program" in L:
                s, u, v, refr[k], countdown[k] = program_step(a_in, u, v, refr[k], countdown[k],
                                                              {**program_settings(L), "bias": bias[k]})
            elif "theta_0" in L:
                s, u, v, refr[k] = atrlif_step(a_in, u, v, refr[k], theta_0=int(L["theta_0"]), bias=bias[k])
                out[f"r{k}"][t] = refr[k]
            else:
                s, u, v = lif_step(a_in, u, v, du=int(L["du"]), dv=int(L["dv"]), vth=int(L["vth"]), bias=bias[k])
            if rec_w[k] is not None:
                rec_buff[k] = dense_accumulate(rec_w[k], s.astype(np.int64), int(L["rec_weight_exp"]))
            state[k] = (new_buff, u, v)
            out[f"s{k}"][t], out[f"u{k}"][t], out[f"v{k}"][t] = s, u, v
            s_prev = s.astype(np.int64)
    return out
