r"""The fused LIF recurrence as Triton kernels: the GPU twin of :mod:`neurokit.train.fused`.

Same equations, same order of floating-point operations and the same result contract as the Numba
kernel (see :mod:`neurokit.train.fused` for the forward and backward recurrences; they are not
restated here): spikes equal to the per-step autograd loop of :class:`~neurokit.train.layers.LIFLayer`,
gradients to float tolerance, for every integration, reset mode, spike rule, surrogate, SLTT,
``reset_timing``, ``multi_spike`` and ``v_min``.

Layout: ``x`` is ``(T, B, n)`` contiguous, seen as ``T`` rows of ``M = B n`` neurons. One program
owns ``BLOCK`` neurons and walks the ``T`` steps in registers (forward: ``t = 0 … T-1``, backward:
``t = T-1 … 0``), reading and writing one row per step: one pass over memory, no graph of small ops.
The rules are compile-time constants (``tl.constexpr``), so each combination is its own specialised
kernel with no branches left at run time.

Three details keep spikes bit-equal to torch's loop on a GPU (checked on CPU by compiling the kernels
for sm_90 and reading the PTX, ``tests/unit/train/test_fused_triton.py``):

* ``enable_fp_fusion=False`` at launch: otherwise Triton contracts ``a v + b u`` into one fused
  multiply-add, which rounds once instead of twice and can move a membrane across the threshold.
* ``multi_spike``'s float32 division is ``tl.div_rn`` (IEEE, as torch's); Triton compiles a float32
  ``/`` to the approximate ``div.full.f32``.
* Constants that are not exact in float32 (:math:`\pi k` of the arctan surrogate) travel in a small
  tensor of the input's dtype, never as Triton literals (which are float32).

Without a GPU the same kernels run in Triton's interpreter (numpy, one program after the other):
:func:`kernels` with ``interpret=True`` builds them with ``triton.knobs.runtime.interpret`` set only
while decorating (the interpreter is chosen at decoration time), so nothing leaks into other code
of the process (``TRITON_INTERPRET=1`` before importing Triton would switch every kernel of the process,
torch's own included). For that reason the kernels' own device functions (:data:`DEVICE_FUNCTIONS`: the
lane indexing and the reset, shared by both kernels) are plain functions here, decorated together with
the kernels in the same mode and handed to them through a private copy of the module's namespace; and
the kernels call no ``@triton.jit`` library function of ``triton.language`` (``tl.zeros``,
``tl.sigmoid``), which were compiled-mode objects from the moment Triton was imported, only its builtins
(``tl.full``, ``tl.where``, ``tl.exp`` …). The layer picks the kernel (:func:`neurokit.train.layers.fused_kernel`).
"""

from __future__ import annotations

import functools
import math
import types
from typing import Any

import torch

from neurokit.errors import ConfigError

try:
    import triton
    import triton.language as tl
except ImportError:  # the module is only imported when a Triton kernel is asked for
    triton = None
    tl = None

SURROGATE_CODES = {"fast_sigmoid": 0, "arctan": 1, "triangle": 2, "sigmoid": 3}
RESET_CODES = {"zero": 0, "subtract": 1, "none": 2}
BLOCK = 256  # neurons per program on a GPU (8 warps of 32 threads, one neuron per thread)


def require_triton() -> None:
    """One-line error when Triton is missing (it is the optional ``gpu`` dependency group)."""
    if triton is None:
        raise ConfigError("the Triton LIF kernel needs the `triton` package",
                          fix="pip install 'neurokit[gpu]' (triton 3.9), or run on CPU tensors (Numba kernel)")


def _lanes(n, M, BLOCK: tl.constexpr):
    """This program's ``BLOCK`` lanes: flat offsets into a ``(B, n)`` row, the in-range mask, and each
    lane's neuron ``j = offset mod n`` (its index into the per-neuron parameters)."""
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    return offs, offs < M, offs % n


def _after_reset(vp, zt, v_th, v_reset, RESET: tl.constexpr, NEXT_STEP: tl.constexpr):
    """The membrane after this step's same-step reset (to ``v_reset``, or minus ``zt (v_th - v_reset)``);
    a ``next_step`` reset acts in the following step's update instead, so ``vp`` is returned unchanged."""
    after = vp
    if not NEXT_STEP:
        if RESET == 0:
            after = tl.where(zt != 0, v_reset, vp)
        elif RESET == 1:
            after = tl.where(zt != 0, vp - zt * (v_th - v_reset), vp)
    return after


def _lif_forward(x_ptr, v0_ptr, pend0_ptr, par_ptr, scal_ptr, z_ptr, vpre_ptr, vlast_ptr, pendlast_ptr,
                 T, M, n,
                 EXACT: tl.constexpr, RESET: tl.constexpr, RULE_GE: tl.constexpr, NEXT_STEP: tl.constexpr,
                 MULTI: tl.constexpr, HAS_VMIN: tl.constexpr, FP32: tl.constexpr, BLOCK: tl.constexpr):
    offs, mask, j = _lanes(n, M, BLOCK)
    a = tl.load(par_ptr + j, mask=mask, other=0.0)
    b = tl.load(par_ptr + n + j, mask=mask, other=0.0)
    k = tl.load(par_ptr + 2 * n + j, mask=mask, other=0.0)
    v_leak = tl.load(par_ptr + 3 * n + j, mask=mask, other=0.0)
    r = tl.load(par_ptr + 4 * n + j, mask=mask, other=0.0)
    v_th = tl.load(par_ptr + 5 * n + j, mask=mask, other=1.0)
    v_reset = tl.load(par_ptr + 6 * n + j, mask=mask, other=0.0)
    v_min = tl.load(scal_ptr)
    v = tl.load(v0_ptr + offs, mask=mask, other=0.0)
    q = tl.load(pend0_ptr + offs, mask=mask, other=0.0)
    x_row = x_ptr + offs
    z_row = z_ptr + offs
    p_row = vpre_ptr + offs
    for _t in range(T):
        drive = v_leak + r * tl.load(x_row, mask=mask, other=0.0)
        vs = v
        if NEXT_STEP and RESET == 0:
            vs = tl.where(q > 0, v_reset, v)
        if EXACT:
            vp = a * vs + b * drive
        else:
            vp = vs + k * (drive - vs)
        if NEXT_STEP and RESET == 1:
            vp = vp - q * (v_th - v_reset)
        tl.store(p_row, vp, mask=mask)
        if RULE_GE:
            fired = vp - v_th >= 0
        else:
            fired = vp - v_th > 0
        zt = tl.where(fired, 1.0, 0.0).to(vp.dtype)
        if MULTI:
            if FP32:  # IEEE division as torch's (a float32 `/` compiles to the approximate div.full.f32)
                ratio = tl.div_rn(vp - v_reset, v_th - v_reset)
            else:
                ratio = (vp - v_reset) / (v_th - v_reset)
            zt = tl.where(fired, tl.floor(ratio), zt)
        tl.store(z_row, zt, mask=mask)
        after = _after_reset(vp, zt, v_th, v_reset, RESET, NEXT_STEP)
        if NEXT_STEP:
            q = zt
        if HAS_VMIN:
            after = tl.where(after >= v_min, after, v_min)
        v = after
        x_row += M
        z_row += M
        p_row += M
    tl.store(vlast_ptr + offs, v, mask=mask)
    tl.store(pendlast_ptr + offs, q, mask=mask)


def _lif_backward(gz_ptr, z_ptr, vpre_ptr, coef_ptr, scal_ptr, gx_ptr, gv0_ptr, T, M, n, last_row,
                  RESET: tl.constexpr, NEXT_STEP: tl.constexpr, SURROGATE: tl.constexpr, HAS_VMIN: tl.constexpr,
                  SLTT: tl.constexpr, BLOCK: tl.constexpr):
    offs, mask, j = _lanes(n, M, BLOCK)
    alpha = tl.load(coef_ptr + j, mask=mask, other=0.0)
    beta = tl.load(coef_ptr + n + j, mask=mask, other=0.0)
    v_th = tl.load(coef_ptr + 2 * n + j, mask=mask, other=1.0)
    v_reset = tl.load(coef_ptr + 3 * n + j, mask=mask, other=0.0)
    v_min = tl.load(scal_ptr)
    scale = tl.load(scal_ptr + 1)
    pi_scale = tl.load(scal_ptr + 2)  # pi * scale, rounded once to the dtype (a Triton literal would be float32)
    g_row = gz_ptr + last_row + offs  # last_row = (T - 1) * M, an int64 from the host when it is large
    z_row = z_ptr + last_row + offs
    p_row = vpre_ptr + last_row + offs
    x_row = gx_ptr + last_row + offs
    carry = tl.full([BLOCK], 0.0, vpre_ptr.dtype.element_ty)  # dL/dv_t from step t + 1
    for _t in range(T):
        g = tl.load(g_row, mask=mask, other=0.0)
        zt = tl.load(z_row, mask=mask, other=0.0)
        vp = tl.load(p_row, mask=mask, other=0.0)
        u = vp - v_th
        if SURROGATE == 0:
            dd = 1.0 + scale * tl.abs(u)
            sg = 1.0 / (dd * dd)
        elif SURROGATE == 1:
            qq = pi_scale * u / 2.0
            sg = scale / (2.0 * (1.0 + qq * qq))
        elif SURROGATE == 2:
            sg = tl.maximum(1.0 - scale * tl.abs(u), 0.0) * scale
        else:
            s = 1.0 / (1.0 + tl.exp(-(scale * u)))
            sg = scale * s * (1.0 - s)
        d = g * sg
        if not SLTT:
            if RESET == 0 or HAS_VMIN:  # the temporal path is cut where the zero reset or the v_min floor acted
                after = _after_reset(vp, zt, v_th, v_reset, RESET, NEXT_STEP)
                if RESET == 0 and HAS_VMIN:
                    cut = (zt != 0) | (after < v_min)
                elif RESET == 0:
                    cut = zt != 0
                else:
                    cut = after < v_min
                d = tl.where(cut, d, d + carry)
            else:
                d = d + carry
        tl.store(x_row, beta * d, mask=mask)
        carry = alpha * d
        g_row -= M
        z_row -= M
        p_row -= M
        x_row -= M
    tl.store(gv0_ptr + offs, carry, mask=mask)


@functools.cache
def kernels(interpret: bool) -> tuple[Any, Any]:
    """``(forward, backward)`` Triton kernels, compiled for the GPU or run by Triton's interpreter."""
    require_triton()
    runtime = triton.knobs.runtime
    if bool(runtime.interpret) == interpret:
        return _decorate_all()
    with runtime.scope():  # the interpreter flag only while decorating; restored on leaving
        runtime.interpret = interpret
        return _decorate_all()


#: The kernels' device functions, decorated with them (see the module docstring).
DEVICE_FUNCTIONS = (_lanes, _after_reset)


def _decorate_all() -> tuple[Any, Any]:
    """Both kernels and their device functions decorated in the current mode: each kernel is a copy of
    its function whose globals map the device functions' names to their decorated twins."""
    namespace = {**globals(), **{fn.__name__: triton.jit(fn) for fn in DEVICE_FUNCTIONS}}

    def decorated(kernel: Any) -> Any:
        return triton.jit(types.FunctionType(kernel.__code__, namespace, kernel.__name__, kernel.__defaults__))

    return decorated(_lif_forward), decorated(_lif_backward)


def compile_for_gpu(kernel: str, dtype: str = "fp32", *, arch: int = 90, enable_fp_fusion: bool = False,
                    **constexprs: int | bool) -> dict[str, Any]:
    """Compile ``"forward"`` or ``"backward"`` for an NVIDIA GPU of compute capability ``arch`` (90:
    H100/H200) without one: Triton's whole pipeline down to PTX and, with its bundled ``ptxas``, a cubin.
    Returns the kernel's ``asm`` (``"ttir"``, ``"llir"``, ``"ptx"``, ``"cubin"`` …) for inspection;
    ``constexprs``: the rules (``RESET=0`` …, ``BLOCK`` defaults to the launch's)."""
    require_triton()
    from triton.backends.compiler import GPUTarget
    from triton.compiler.compiler import ASTSource

    fn = kernels(False)[0 if kernel == "forward" else 1]  # compiled-mode JITFunctions
    signature = {p.name: "constexpr" if p.is_constexpr else ("*" + dtype if p.name.endswith("_ptr") else "i32")
                 for p in fn.params}
    src = ASTSource(fn, signature, {"BLOCK": BLOCK, **constexprs})
    compiled = triton.compile(src, target=GPUTarget("cuda", arch, 32),
                              options={"num_warps": BLOCK // 32, "enable_fp_fusion": enable_fp_fusion})
    return dict(compiled.asm)


def _launch_options(device: torch.device) -> dict[str, Any]:
    # enable_fp_fusion=False: no FMA contraction, so each product and sum rounds as in torch's loop
    return {"num_warps": BLOCK // 32, "enable_fp_fusion": False} if device.type == "cuda" else {}


class TritonLIF(torch.autograd.Function):
    """``spikes, v_last = TritonLIF.apply(x, v0, pending0, params..., rules..., interpret)``: the
    arguments of :class:`neurokit.train.fused.FusedLIF` plus ``interpret`` (run the kernels in
    Triton's interpreter, for CPU tensors). ``v_last`` is not differentiable."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, v0: torch.Tensor, pending0: torch.Tensor, a: torch.Tensor,  # type: ignore[override]
                b: torch.Tensor, k: torch.Tensor, v_leak: torch.Tensor, r: torch.Tensor, v_th: torch.Tensor,
                v_reset: torch.Tensor, exact: bool, reset: str, rule_ge: bool, surrogate: str, scale: float,
                sltt: bool, next_step: bool, multi_spike: bool, v_min: float, interpret: bool) -> torch.Tensor:
        if x.dtype not in (torch.float32, torch.float64):
            raise ConfigError(f"the Triton LIF kernel runs float32 or float64 membranes, got {x.dtype}",
                              fix="cast the currents to float32 (LIFLayer does this for half precision)")
        fwd, _ = kernels(interpret)
        dtype, dev = x.dtype, x.device
        xc = x.detach().contiguous()
        T, B, n = xc.shape
        M = B * n
        par = torch.stack([p.detach().to(device=dev, dtype=dtype) for p in (a, b, k, v_leak, r, v_th, v_reset)]
                          ).contiguous()
        has_vmin = v_min > -math.inf
        scal = torch.tensor([v_min if has_vmin else 0.0, float(scale), math.pi * float(scale)], dtype=dtype,
                            device=dev)
        v0c = v0.detach().to(dtype).expand(B, n).contiguous()
        pend0 = pending0.detach().to(device=dev, dtype=dtype).expand(B, n).contiguous()
        z, v_pre = torch.empty_like(xc), torch.empty_like(xc)
        v_last, pend_last = torch.empty_like(v0c), torch.empty_like(v0c)
        grid = (triton.cdiv(M, BLOCK),)
        if T > 0:
            fwd[grid](xc, v0c, pend0, par, scal, z, v_pre, v_last, pend_last, T, M, n,
                      EXACT=bool(exact), RESET=RESET_CODES[reset], RULE_GE=bool(rule_ge), NEXT_STEP=bool(next_step),
                      MULTI=bool(multi_spike), HAS_VMIN=has_vmin, FP32=dtype == torch.float32, BLOCK=BLOCK,
                      **_launch_options(dev))
        else:
            v_last.copy_(v0c)
        if exact:
            alpha, beta = par[0], par[1] * par[4]
        else:
            alpha, beta = 1 - par[2], par[2] * par[4]
        ctx.save_for_backward(z, v_pre, torch.stack([alpha, beta, par[5], par[6]]).contiguous(), scal)
        ctx.rules = (RESET_CODES[reset], bool(next_step), SURROGATE_CODES[surrogate], has_vmin, bool(sltt))
        ctx.interpret = interpret
        ctx.restart = pend0 > 0 if next_step and reset == "zero" else None  # v0 replaced by v_reset there
        ctx.mark_non_differentiable(v_last)
        return z, v_last

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor, _grad_v_last: torch.Tensor | None) -> tuple[Any, ...]:  # type: ignore[override]
        z, v_pre, coef, scal = ctx.saved_tensors
        _, bwd = kernels(ctx.interpret)
        T, B, n = z.shape
        M = B * n
        g = grad.detach().to(z.dtype).contiguous()
        grad_x = torch.empty_like(z)
        grad_v0 = torch.zeros((B, n), dtype=z.dtype, device=z.device)
        reset, next_step, code, has_vmin, sltt = ctx.rules
        if T > 0:
            bwd[(triton.cdiv(M, BLOCK),)](g, z, v_pre, coef, scal, grad_x, grad_v0, T, M, n, (T - 1) * M,
                                          RESET=reset, NEXT_STEP=next_step, SURROGATE=code, HAS_VMIN=has_vmin,
                                          SLTT=sltt, BLOCK=BLOCK, **_launch_options(z.device))
        if ctx.restart is not None:
            grad_v0 = grad_v0.masked_fill(ctx.restart, 0.0)
        return (grad_x, grad_v0) + (None,) * 18
