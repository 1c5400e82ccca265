r"""Quantize a planned graph (:mod:`~neurokit.backends.loihi2.check`) to Loihi 2's fixed-point CUBA
neuron: what an artifact's ``layers.h5`` stores.

Per layer (scale :math:`S`, per neuron where thresholds differ: :math:`S_i \propto 1/\vartheta_i`; :math:`a_m`, :math:`a_s`, gains from
:func:`neurokit.dynamics.discretisation.neuron_coefficients`), the float update
:math:`v' = a_m v + g_x (W x + b) + g_0` becomes

* :math:`d_v = \mathrm{round}(4096 (1 - a_m))` (IF, I: :math:`a_m = 1`, :math:`d_v = 0`);
* current: :math:`d_u = 4095` (no current memory) except CubaLIF/CubaLI, where Lava's
  :math:`u' = u (4095 - d_u) / 4096 + W x` holds the synaptic current :math:`u = S\,c\,R\,I`
  (Euler: :math:`I' = a_s I + g_s w_{in} x`, :math:`v' = a_m v + c R I' + g_m v_{leak}`,
  :math:`c = dt/\tau_m`) with :math:`d_u = 4095 - \mathrm{round}(4096 a_s)`;
* input gain :math:`g_x`: LIF/LI :math:`g_m R`; IF/I :math:`dt R`; Cuba :math:`c R g_s w_{in}`;
  constant drive :math:`g_0 = g_m v_{leak}` (0 for IF/I);
* :math:`W_{int} 2^{e + 6} \approx S g_x W` (8-bit even weights, per-layer exponent :math:`e`),
  bias :math:`b_m 2^{b_e} \approx S (g_0 + g_x b)`; the composed synapses of a layer
  (pool folded into the next conv/dense) give one :math:`(W, b)`; a recurrent ``Affine``'s bias adds
  to :math:`b`; a residual path's weights (a second Dense from an earlier layer) are quantized at
  the layer's scale like the recurrent ones, its bias adds to :math:`b`;
* a Cuba layer whose synapses carry a bias (neuron program): the bias feeds the current, in
  ``a_in``'s units: :math:`b_u = \mathrm{round}(S g_x b / 64)` (``bias_u``), and :math:`v`'s bias is
  :math:`S g_0` only; ``v_reset`` (program) is :math:`\mathrm{round}(S v_{reset})` per neuron;
* exact Cuba integration (neuron program, :mod:`~neurokit.backends.loihi2.neuron_lowering`): the current
  holds :math:`S \tfrac{c}{a_s} R I` and the step's input also enters ``v`` directly,
  :math:`k_{in} = \mathrm{round}(2^{12} k)` per neuron (``k_in``).

Spiking layers are quantized in lava-dl ``netx``'s domain, so that ``netx.h5`` holds them exactly:
weight exponent :math:`e = 0` with the threshold mantissa chosen from the largest weight,
:math:`v_{th} = \min(131071, \lfloor 254 / p \rfloor)`, :math:`p = \max |g_x W| / \vartheta`,
and :math:`S = 64 v_{th} / \vartheta` for ``spike_rule=">"`` (the chip spikes on
:math:`v > 64 v_{th}`). ``">="`` is an integer threshold shift (:func:`_threshold_scale`): a leak-free
layer keeps its membrane on multiples of 64, where :math:`v \ge 64 v_{th} \iff v > 64 (v_{th} - 1)`
(chip threshold :math:`v_{th} - 1`, ties stay ties); a leaky one takes
:math:`S = (64 v_{th} + 1) / \vartheta`, so that :math:`v \ge S\vartheta \iff v > 64 v_{th}`. Bias exponent
:math:`b_e = 6` unless a bias exceeds :math:`4095 / v_{th}` thresholds per step (then 7).
``reset="subtract"`` (IF layers, Lava's ``ATRLIF`` with no decays, :mod:`~neurokit.backends.loihi2.check`):
the chip fires on :math:`v - r \ge 64\theta_0` and adds :math:`128\theta_0` to ``r``, so
:math:`S = 128\theta_0/\vartheta` (one spike subtracts exactly :math:`S\vartheta`),
:math:`\theta_0 = \min(127, \lfloor 127/p \rfloor)` (a free weight exponent: netx has no ATRLIF block), and ``v`` starts at
:math:`\mathrm{round}(S v_0) - 64\theta_0 - [\text{rule} = \text{">"}]`, so that
:math:`v - r \ge 64\theta_0 \iff S v_{float} \ge S\vartheta` (``>=``) or :math:`> S\vartheta` (``>``) on the
integer membrane. ``v`` itself is never reset: it holds about :math:`128\theta_0` per spike so far
and saturates at :math:`2^{23}`, i.e. after about :math:`65536/\theta_0` spikes of one neuron in one
sample (516 at :math:`\theta_0 = 127`; the manifest's ``max_spikes_per_sample``).
Readouts take the largest threshold (never spike) and report :math:`v / S`: LI and CubaLI keep
:math:`S = 2^{16}` and a free weight exponent; an I readout integrates without leak, so it gets
:math:`S = 2^{11} / \max |g_x W|` (the largest weight is 2048 units, 8-bit exact at :math:`e = -3`),
and saturates only after about 4096 largest-weight inputs. The membrane starts (every sample) at :math:`V_0 = \mathrm{round}(S v_0)` (the float model's initial state), ``u`` at 0.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import refuse_if_problems
from neurokit.dynamics.discretisation import delay_steps
from neurokit.errors import ConfigError, InvalidInputError
from neurokit.ir.passes import node_to_csr

from .check import CUBA, READOUTS, SPIKING, LayerPlan, branch_delay_steps, branch_matrix, plan_layers, program_reasons
from .conv_layer import conv_kernel_params, conv_lowered
from .fixed_point import MAX_UV, lava_weights, skip_prefixes
from .neuron_lowering import DIRECT_SHIFT, NeuronProgram, neuron_program  # noqa: F401  (re-exported: the lowering of neurons)
from .netx import BIAS_EXP as NETX_BIAS_EXP

VTH_MAX = 131071  # 17-bit threshold mantissa
THETA_HEADROOM = 127  # ATRLIF's threshold theta_0 at most (of 4095): v holds 128 theta_0 per spike in 24 bits
NETX_PEAK = 254  # the largest even 8-bit weight mantissa (mixed sign mode)
LI_VTH = VTH_MAX
LI_SCALE = 2.0**16
MULTI_VTH_MAX = 2047  # a multi-spike layer's threshold mantissa at most: v holds 64 thresholds in 24 bits
I_PEAK_UNITS = 2.0**11  # an I readout's largest weight, in membrane units
ACT_SHIFT = 6  # Lava's LIF adds its synaptic input a_in << 6 to the current u
BIAS_U_MAX = 2**17 - 1  # a current bias (in a_in units) at most: u holds 24 bits
K_IN_MAX = 2**23 - 1  # the direct input gain's mantissa at most (24 bits)

Shapes = tuple[tuple[int, ...], tuple[int, ...]]


def dense_matrix(node: ir.Node, shapes: Shapes | None = None, dt: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """``(W (out, in), bias (out,))`` of a synapse: the lowering of every weight node to Lava's Dense;
    convolutions and pools unrolled into a dense matrix (``shapes``: the node's input and output shapes)."""
    if isinstance(node, ir.Scale):  # elementwise: a diagonal matrix, folded into the adjacent weights
        return np.diag(np.asarray(node.scale, np.float64).ravel()), np.zeros(node.scale.size)
    if isinstance(node, ir.SparseLinear):
        return node.to_dense().astype(np.float64), np.asarray(node.metadata.get("bias", np.zeros(node.n_post)), np.float64)
    if isinstance(node, (ir.Linear, ir.Affine)):
        bias = np.asarray(node.bias, np.float64) if isinstance(node, ir.Affine) else np.zeros(node.weight.shape[0])
        return np.asarray(node.weight, np.float64), bias
    if shapes is None:
        raise InvalidInputError(f"{node.type_name} needs its input/output shapes to be unrolled", fix="pass shapes")
    csr = node_to_csr(node, shapes[0], shapes[1], dt)
    w = np.zeros((csr.n_post, csr.n_pre))
    pre = np.repeat(np.arange(csr.n_pre), np.diff(csr.indptr))
    np.add.at(w, (csr.indices, pre), csr.weight)
    return w, (np.asarray(csr.bias, np.float64) if csr.bias is not None else np.zeros(csr.n_post))


def composed_weight(nodes: Sequence[ir.Node], shapes: Sequence[Shapes | None], dt: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    r"""One Dense ``(W, b)`` for weight nodes applied in order: :math:`W = W_k \cdots W_1`,
    :math:`b = W_k (\cdots (W_2 b_1 + b_2) \cdots) + b_k` (a pool folded into the next layer)."""
    w, b = dense_matrix(nodes[0], shapes[0], dt)
    for node, shp in zip(nodes[1:], shapes[1:]):
        wn, bn = dense_matrix(node, shp, dt)
        w, b = wn @ w, wn @ b + bn
    return w, b


def _weights_8bit(w_eff: np.ndarray, min_exp: int = -8) -> tuple[np.ndarray, int]:
    """Even 8-bit mantissas (mixed sign mode) and the shared exponent (at least ``min_exp``) for
    effective weights."""
    peak = float(np.abs(w_eff).max()) or 1.0
    e = max(min_exp, math.ceil(math.log2(peak / 254 / 64)))
    w_int = 2 * np.round(w_eff / 2.0 ** (e + 6) / 2)
    return np.clip(w_int, -256, 254).astype(np.int64), int(e)


def _threshold_scale(vth: int, v_th: float, rule: str, on_grid: bool) -> tuple[float, int, int]:
    r"""``(S, vth_chip, grid)`` for a spiking layer whose threshold mantissa is ``vth``. The chip spikes
    on :math:`v > 64 v_{th}`. ``">"``: :math:`S = 64 v_{th} / \vartheta`. ``">="`` on a leak-free
    layer (``on_grid``: no membrane or current decay, so weights :math:`\ll 6`, biases at
    :math:`b_e \ge 6` and the start keep :math:`v` a multiple of 64): :math:`v \ge 64 v_{th} \iff
    v > 64 (v_{th} - 1)`, same :math:`S`, chip threshold :math:`v_{th} - 1` (ties stay ties); with a
    leak (truncated decays leave any integer): :math:`S = (64 v_{th} + 1) / \vartheta`, so that
    :math:`v \ge S\vartheta \iff v > 64 v_{th}`."""
    if rule != ">=":
        return 64 * vth / v_th, vth, 1
    if on_grid:
        vth = max(vth, 2)
        return 64 * vth / v_th, vth - 1, 64
    return (64 * vth + 1) / v_th, vth, 1


def quantize_layer(syn: ir.Node | Sequence[ir.Node], neuron: ir.Node, profile: ir.Profile, first: bool,
                   shapes: Shapes | Sequence[Shapes] | None = None,
                   recurrent: ir.Node | None = None, input_scale: float = 1.0,
                   skip: Sequence[tuple[np.ndarray, np.ndarray, int]] = (),
                   weight_exp_floor: int | None = None
                   ) -> tuple[dict[str, Any], dict[str, float]]:
    """Loihi parameters for one ``synapse(s) -> neuron`` layer and its quantization error figures
    (``syn``: one weight node or several composed in order, with their ``shapes``; ``recurrent``:
    the layer's recurrent synapse, whose weights share the layer's threshold and whose bias adds;
    ``input_scale``: the layer receives ``input_scale`` times its float input; ``skip``: a residual
    path ``(W, b, source layer index)``, a second Dense quantized at the layer's scale like the
    recurrent one, its bias added; ``weight_exp_floor``: the smallest weight exponent, 0 for a layer
    run as Lava's Conv, whose weights carry :math:`2^e` themselves)."""
    if isinstance(syn, (list, tuple)):
        nodes, shape_list = list(syn), list(shapes) if shapes is not None else [None] * len(syn)
    else:
        nodes, shape_list = [syn], [shapes]
    w, b = composed_weight(nodes, shape_list, profile.dt)
    w = w / input_scale
    w_rec = None
    if recurrent is not None:
        w_rec, b_rec = dense_matrix(recurrent)
        b = b + b_rec  # a recurrent bias is a constant current into the same neurons
    for _, b_skip, _ in skip:
        b = b + b_skip
    prog = neuron_program(neuron, profile)
    c, a, g_in, g_leak = prog.coefficients, prog.a_mem, prog.g_in, prog.g_leak
    grid, offset = 1, 0  # the membrane's granularity (units) where the start is rounded; ATRLIF's offset
    extra: dict[str, Any] = {}
    cuba_bias = isinstance(neuron, CUBA) and bool(np.any(b != 0))  # a bias into the synaptic current
    program = bool(program_reasons(neuron, profile, cuba_bias))  # neurokit's neuron program (lava_neuron.py)
    if isinstance(neuron, ir.I):
        peak = float(np.abs(g_in[:, None] * w).max(initial=0.0))
        scale, vth, min_exp, min_bias_exp = (I_PEAK_UNITS / peak if peak > 0 else LI_SCALE), LI_VTH, -8, 0
    elif isinstance(neuron, READOUTS):
        scale, vth, min_exp, min_bias_exp = LI_SCALE, LI_VTH, -8, 0
    else:
        v_th = np.broadcast_to(np.asarray(neuron.v_threshold, np.float64).ravel(), (w.shape[0],))
        if np.any(v_th <= 0):
            raise InvalidInputError("Loihi thresholds must be positive", fix="use v_threshold > 0")
        w_all = np.hstack([w, *(m for m in (w_rec,) if m is not None), *(p[0] for p in skip)])
        # the largest weight in thresholds per spike (each row in its own neuron's threshold)
        peak = float(np.abs(g_in[:, None] * w_all / v_th[:, None]).max(initial=0.0))
        if program:  # the program compares v with 64 vth by the profile's rule itself, and counts multi-spikes
            cap = MULTI_VTH_MAX if profile.multi_spike else VTH_MAX
            vth = int(np.clip(np.floor(NETX_PEAK / peak), 1, cap)) if peak > 0 else cap
            scale, min_exp, min_bias_exp = 64 * vth / v_th, 0, NETX_BIAS_EXP
        elif profile.reset == "subtract":  # ATRLIF: fires on v - r >= 64 theta_0, r += 128 theta_0 = S v_th
            vth = int(np.clip(np.floor(THETA_HEADROOM / peak), 1, THETA_HEADROOM)) if peak > 0 else THETA_HEADROOM
            scale = 128 * vth / v_th
            offset = -(64 * vth + (profile.spike_rule == ">"))  # v - r - offset is S times the float membrane
            extra.update(theta_0=vth, v_offset=offset)
            min_exp, min_bias_exp = -8, NETX_BIAS_EXP  # no netx block: a free weight exponent
        else:
            vth = int(np.clip(np.floor(NETX_PEAK / peak), 1, VTH_MAX)) if peak > 0 else VTH_MAX
            scale, vth, grid = _threshold_scale(vth, v_th, profile.spike_rule,
                                                on_grid=a == 1.0 and not isinstance(neuron, CUBA))
            min_exp, min_bias_exp = 0, NETX_BIAS_EXP
    if weight_exp_floor is not None:
        min_exp = max(min_exp, weight_exp_floor)
    scale = np.broadcast_to(np.asarray(scale, np.float64), (w.shape[0],))  # per neuron: S = 64 vth / v_th
    w_eff = scale[:, None] * g_in[:, None] * w
    w_int, e = _weights_8bit(w_eff, min_exp)
    b_eff = scale * (g_leak + (0.0 if cuba_bias else g_in * b))
    b_exp = np.clip(np.ceil(np.log2(np.maximum(np.abs(b_eff), 1e-30) / 4095)), min_bias_exp, 7).astype(np.int64)
    b_mant = np.clip(np.round(b_eff / 2.0**b_exp), -4096, 4095).astype(np.int64)
    dv, du, a_syn = prog.dv, prog.du, prog.a_syn
    if program:  # per-neuron decays and the profile's rules (fixed_point.program_step)
        du, dv = prog.du_per_neuron, prog.dv_per_neuron
        v_min = np.full(w.shape[0], -MAX_UV + 1) if profile.v_min == float("-inf") else \
            np.clip(np.round(scale * profile.v_min), -MAX_UV + 1, 0).astype(np.int64)
        v_reset = np.broadcast_to(np.ravel(c.v_reset) if isinstance(neuron, SPIKING) else np.zeros(1), (w.shape[0],))
        extra.update(program=1, ge=int(profile.spike_rule == ">="), reset=("zero", "subtract", "none").index(profile.reset),
                     next_step=int(profile.reset_timing == "next_step" and isinstance(neuron, (ir.LIF, ir.IF, *CUBA))),
                     multi=int(profile.multi_spike and not isinstance(neuron, READOUTS)), v_min=v_min,
                     refrac=np.broadcast_to(np.asarray(c.refrac_steps, np.int64).ravel(), (w.shape[0],)).copy(),
                     v_reset=np.clip(np.round(scale * v_reset), -MAX_UV + 1, MAX_UV - 1).astype(np.int64))
        if cuba_bias:  # in a_in's units: u <- u (1 - du) + ((a_in + bias_u) << 6)
            extra["bias_u"] = np.clip(np.round(scale * g_in * b / 2**ACT_SHIFT), -BIAS_U_MAX, BIAS_U_MAX).astype(np.int64)
        if np.any(prog.k_direct != 0):  # exact Cuba: v += round(k_in ((a_in + bias_u) << 6) / 2^12)
            extra["k_in"] = np.clip(np.round(prog.k_direct * 2**DIRECT_SHIFT), -K_IN_MAX, K_IN_MAX).astype(np.int64)
    if len(nodes) == 1 and isinstance(nodes[0], ir.SparseLinear) and nodes[0].delay is not None:  # DelayDense
        sp = nodes[0]
        delays = np.zeros(w.shape, np.int64)
        pre = np.repeat(np.arange(sp.n_pre), np.diff(sp.indptr))
        delays[sp.indices, pre] = delay_steps(sp.delay, profile.dt)
        extra["delays"] = delays
    if w_rec is not None:
        rec_int, rec_e = _weights_8bit(scale[:, None] * g_in[:, None] * w_rec, min(0, e))
        extra.update(rec_weights=rec_int, rec_weight_exp=rec_e)
    for j, (w_skip, _, skip_source) in enumerate(skip):  # keys skip_*, skip1_*, ... (fixed_point.skip_prefixes)
        skip_int, skip_e = _weights_8bit(scale[:, None] * g_in[:, None] * w_skip, min(0, e))
        prefix = "skip_" if j == 0 else f"skip{j}_"
        extra.update({f"{prefix}weights": skip_int, f"{prefix}weight_exp": skip_e, f"{prefix}source": int(skip_source)})
    v_init = np.clip(np.round(scale * c.v_init.ravel() / grid) * grid + offset, -MAX_UV + 1, MAX_UV - 1).astype(np.int64)
    params = {**extra, "n": int(w.shape[0]), "weights": w_int, "weight_exp": int(e), "num_weight_bits": 8,
              "num_message_bits": 8 if first else 0, "du": du, "dv": dv, "vth": int(vth),
              "bias_mant": b_mant, "bias_exp": b_exp, "v_init": v_init,
              "scale": float(scale[0]) if np.ptp(scale) == 0 else scale.copy()}
    w_back = lava_weights(w_int) * 2.0 ** (e + 6)
    a_all = 1 - prog.dv_per_neuron / 4096 if program else 1 - dv / 4096
    err = {"weight_rel_rms": float(np.sqrt(np.mean((w_back - w_eff) ** 2)) / (np.sqrt(np.mean(w_eff**2)) or 1.0)),
           "decay_abs": float(np.max(np.abs(a_all - (np.ravel(c.a_mem) if not isinstance(neuron, (ir.IF, ir.I)) else 1.0)))),
           "weight_exp": int(e)}
    if isinstance(neuron, CUBA):
        err["current_decay_abs"] = float(np.max(np.abs((4095 - np.asarray(du)) / 4096 - np.ravel(c.a_syn))))
        if "k_in" in extra:
            err["direct_gain_abs"] = float(np.max(np.abs(extra["k_in"] / 2**DIRECT_SHIFT - prog.k_direct)))
    return params, err


def quantize_graph(graph: ir.Graph, input_scale: float = 1.0, conv_process: str = "auto"
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Loihi parameters of every layer of ``graph`` (refused up front if it cannot map), the per-layer
    resource report and the quantization errors: what an artifact stores, in memory. ``input_scale``:
    the chip receives ``round(input_scale * x)`` (whole counts), so the first layer's weights are
    divided by it. ``conv_process`` (:func:`conv_lowered`): a layer run as Lava's ``Conv`` gets a
    weight exponent of at least 0 and its kernel (:func:`conv_kernel_params`) beside the unrolled
    weights, which neurokit's bit-accurate model runs (the same integer sums)."""
    if conv_process not in ("auto", "always", "never"):
        raise ConfigError(f"conv_process must be 'auto', 'always' or 'never', got {conv_process!r}",
                          fix="pick one of the three")
    plans, problems = plan_layers(graph)
    refuse_if_problems(problems, "loihi2")
    g = graph.flatten()
    shapes = g.infer_shapes()
    limits = _limits()
    params_list, layers, errors = [], [], []
    for k, plan in enumerate(plans):
        if plan.branch_delays is not None:
            syn = [_merged_branches(g, plan)]  # one SparseLinear with per-synapse delays (DelayDense)
            syn_shapes = [None]
        elif plan.chain_delay is not None:  # the composed chain, each synapse delayed by its input's Delay
            syn, syn_shapes = [_delayed_chain(g, plan, shapes)], [None]
        else:
            syn, syn_shapes = [g.nodes[s] for s in plan.synapses], [shapes[s] for s in plan.synapses]
        skip = []
        for skip_syns, skip_neuron in plan.skip:
            w_skip, b_skip = composed_weight([g.nodes[s] for s in skip_syns], [shapes[s] for s in skip_syns],
                                             g.profile.dt)
            skip.append((w_skip, b_skip, next(j for j, p in enumerate(plans) if p.neuron == skip_neuron)))
        layer_args = dict(first=k == 0, shapes=syn_shapes, recurrent=g.nodes[plan.recurrent] if plan.recurrent else None,
                          input_scale=input_scale if k == 0 else 1.0, skip=skip)
        conv = conv_lowered(g, plan, shapes, conv_process)
        params, err = quantize_layer(syn, g.nodes[plan.neuron], g.profile, weight_exp_floor=0 if conv else None,
                                     **layer_args)
        conv_keys = conv_kernel_params(syn[0], syn_shapes[0], params["weights"]) if conv else None
        if conv and conv_keys is None:
            if conv_process == "always":
                raise ConfigError(f"layer {plan.neuron!r}: its quantized weights are not one convolution kernel "
                                  "(per-neuron thresholds differ within a channel), so Lava's Conv cannot run it",
                                  fix="deploy with conv_process='auto' or 'never' (an unrolled Dense)")
            params, err = quantize_layer(syn, g.nodes[plan.neuron], g.profile, **layer_args)
        params.update(conv_keys or {})
        if params_list and params_list[-1].get("multi"):  # graded spike counts in: Dense reads 8-bit messages
            params["num_message_bits"] = 8
        params_list.append(params)
        layers.append(_layer_report(plan, g.nodes[plan.neuron], params, limits, g.profile))
        layers[-1]["synapse_process"] = "Conv" if "conv_kernel" in params else "DelayDense" if "delays" in params else "Dense"
        errors.append({"layer": plan.neuron, **err})
    return params_list, layers, errors


def _delayed_chain(g: ir.Graph, plan: LayerPlan, shapes: dict) -> ir.Node:
    """A chain of weight nodes behind a ``Delay`` (:attr:`~.check.LayerPlan.chain_delay`) as one
    ``SparseLinear``: the composed weights, each synapse delayed by its input's delay (a DelayDense),
    the composed bias in ``metadata["bias"]``."""
    w, b = composed_weight([g.nodes[s] for s in plan.synapses], [shapes[s] for s in plan.synapses], g.profile.dt)
    sp = ir.SparseLinear.from_dense(w)
    pre = np.repeat(np.arange(sp.n_pre), np.diff(sp.indptr))
    steps = np.broadcast_to(delay_steps(np.asarray(g.nodes[plan.chain_delay].delay), g.profile.dt).ravel(), (sp.n_pre,))
    return sp.replace(delay=steps[pre] * g.profile.dt, metadata={"bias": b})


def _merged_branches(g: ir.Graph, plan: LayerPlan) -> ir.Node:
    """Branches (:func:`~.check.delay_branches`) as one ``SparseLinear``: the summed weights and
    biases (returned through ``metadata["bias"]``), each synapse with its branch's delay where any
    branch has a ``Delay`` node (a ``DelayDense``; otherwise a plain Dense)."""
    mats = [branch_matrix(g, s) for s in plan.synapses]
    w = sum(m[0] for m in mats)
    steps = np.zeros(w.shape, np.int64)
    for (ws, _), d in zip(mats, branch_delay_steps(g, plan)):
        mask = ws != 0
        steps[mask] = np.broadcast_to(d[None, :], w.shape)[mask]
    sp = ir.SparseLinear.from_dense(w)
    pre = np.repeat(np.arange(sp.n_pre), np.diff(sp.indptr))
    bias = sum((m[1] for m in mats), np.zeros(w.shape[0]))
    delays = steps[sp.indices, pre] * g.profile.dt if any(d is not None for d in plan.branch_delays or ()) else None
    return sp.replace(delay=delays, metadata={"bias": bias})


def _decay_entry(d: int | np.ndarray) -> int | list[int]:
    """A layer's decay in the manifest: one value, or the distinct per-neuron values (neuron program)."""
    return int(d) if np.ndim(d) == 0 else sorted(int(x) for x in np.unique(d))


def _layer_report(plan: LayerPlan, neuron: ir.Node, params: dict[str, Any], limits: dict[str, Any],
                  profile: ir.Profile | None = None) -> dict[str, Any]:
    """The manifest's entry for one layer: names, sizes, quantization and neuro-cores."""
    n_in = int(params["weights"].shape[1])
    cores = max(math.ceil(params["n"] / limits.get("neurons_per_core", 8192)),
                math.ceil(np.count_nonzero(params["weights"]) * 8 / limits.get("synapse_memory_bits", 2**20)),
                math.ceil(n_in / limits.get("fan_in_per_core", 65536)))
    if "theta_0" in params:  # ATRLIF: v is never reset and gains 128 theta_0 per spike until 2^23 - 1
        extra = {"max_spikes_per_sample": int((MAX_UV - 1 - np.abs(params["v_init"]).max(initial=0))
                                              // (128 * int(params["theta_0"]))),
                 "v_offset": int(params["v_offset"])}
    else:
        extra = {}
    return {**extra, "synapse": plan.synapse, "neuron": plan.neuron, "kind": neuron.type_name, "n": params["n"],
            "n_in": n_in, "scale": params["scale"] if np.ndim(params["scale"]) == 0 else params["scale"].tolist(),
            "weight_exp": params["weight_exp"], "du": _decay_entry(params["du"]),
            "dv": _decay_entry(params["dv"]), "vth": params["vth"], "cores": cores,
            **({"program": program_reasons(neuron, profile, "bias_u" in params), "multi_spike": bool(params["multi"])}
               if "program" in params else {}),
            "readout": isinstance(neuron, READOUTS), "synapses": int(np.count_nonzero(params["weights"])),
            "recurrent_synapses": int(np.count_nonzero(params.get("rec_weights", 0))),
            "skip_synapses": sum(int(np.count_nonzero(params[f"{p}weights"])) for p in skip_prefixes(params)),
            **({"skip_source": int(params["skip_source"]),
                "skip_sources": [int(params[f"{p}source"]) for p in skip_prefixes(params)]}
               if "skip_source" in params else {})}


def _limits() -> dict[str, Any]:
    from neurokit.util.hardware import hardware_file

    return tomllib.loads(hardware_file("loihi2", "Loihi 2 chip-limits table").read_text())
