"""Hypothesis strategies that build every IR node type with valid random parameters."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from neurokit import ir

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64)
positive = st.floats(1e-4, 1.0, allow_nan=False, allow_infinity=False)
dtypes = st.sampled_from([np.float32, np.float64])


@st.composite
def arrays(draw: st.DrawFn, shape: tuple[int, ...], elements: st.SearchStrategy[float] = finite,
           dtype: type | None = None) -> np.ndarray:
    dt = dtype or draw(dtypes)
    n = int(np.prod(shape)) if shape else 1
    values = draw(st.lists(elements, min_size=n, max_size=n))
    return np.array(values, dtype=dt).reshape(shape)


@st.composite
def neuron(draw: st.DrawFn, n: int | None = None) -> ir.Node:
    n = n or draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["I", "LI", "IF", "LIF", "CubaLI", "CubaLIF"]))
    dt = draw(dtypes)
    a = lambda el=finite: draw(arrays((n,), el, dt))  # noqa: E731
    refrac = draw(st.booleans())
    tr = a(st.floats(0, 0.01)) if refrac else None
    if kind == "I":
        return ir.I(r=a())
    if kind == "LI":
        return ir.LI(tau=a(positive), r=a(), v_leak=a())
    if kind == "IF":
        return ir.IF(r=a(), v_threshold=a(), v_reset=a(), t_refrac=tr)
    if kind == "LIF":
        return ir.LIF(tau=a(positive), r=a(), v_leak=a(), v_threshold=a(), v_reset=a(), t_refrac=tr)
    if kind == "CubaLI":
        return ir.CubaLI(tau_syn=a(positive), tau_mem=a(positive), r=a(), v_leak=a(), w_in=a())
    return ir.CubaLIF(tau_syn=a(positive), tau_mem=a(positive), r=a(), v_leak=a(), v_threshold=a(),
                      v_reset=a(), w_in=a(), t_refrac=tr)


@st.composite
def any_node(draw: st.DrawFn) -> ir.Node:
    """One node of any IR type (ports, synapses, conv, pooling, flatten, delay, neurons)."""
    kind = draw(st.sampled_from(["Input", "Output", "Linear", "Affine", "SparseLinear", "Scale", "Conv1d", "Conv2d",
                                 "SumPool2d", "AvgPool2d", "Flatten", "Delay", "Threshold", "neuron"]))
    dt = draw(dtypes)
    o, i = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if kind in ("Input", "Output"):
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
        return getattr(ir, kind)(shape=shape)
    if kind == "Linear":
        return ir.Linear(weight=draw(arrays((o, i), dtype=dt)))
    if kind == "Affine":
        return ir.Affine(weight=draw(arrays((o, i), dtype=dt)), bias=draw(arrays((o,), dtype=dt)))
    if kind == "SparseLinear":
        w = draw(arrays((o, i), dtype=dt))
        w[np.abs(w) < 3] = 0
        sp = ir.SparseLinear.from_dense(w)
        if draw(st.booleans()):
            sp = sp.replace(delay=draw(arrays((sp.nnz,), st.floats(0, 0.01), np.float64)))
        return sp
    if kind == "Scale":
        return ir.Scale(scale=draw(arrays((o,), dtype=dt)))
    if kind in ("Conv1d", "Conv2d"):
        nd = 1 if kind == "Conv1d" else 2
        groups = draw(st.sampled_from([1, 2]))
        dil = draw(st.integers(1, 2))
        k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        if any(dil * (kk - 1) % 2 for kk in k):  # 'same' needs an odd kernel extent
            k = tuple(kk if dil * (kk - 1) % 2 == 0 else kk + 1 for kk in k)
        w = draw(arrays((2 * o, i, *k), dtype=dt))
        stride = draw(st.integers(1, 2))
        pad = draw(st.one_of(st.sampled_from(["same", "valid"] if stride == 1 else ["valid"]), st.integers(0, 2)))
        ishape = tuple(draw(st.integers(8, 10)) for _ in range(nd)) if draw(st.booleans()) else None
        return getattr(ir, kind)(weight=w, bias=draw(arrays((2 * o,), dtype=dt)), stride=stride,
                                 padding=pad, dilation=dil, groups=groups, input_shape=ishape)
    if kind in ("SumPool2d", "AvgPool2d"):
        return getattr(ir, kind)(kernel_size=draw(st.integers(1, 3)), stride=draw(st.integers(1, 3)),
                                 padding=draw(st.integers(0, 1)))
    if kind == "Flatten":
        shape = tuple(draw(st.lists(st.integers(1, 4), min_size=2, max_size=3)))
        return ir.Flatten(input_shape=shape, start_dim=0, end_dim=-1)
    if kind == "Delay":
        return ir.Delay(delay=draw(arrays((o,), st.floats(0, 0.01), dt)))
    if kind == "Threshold":
        return ir.Threshold(threshold=draw(arrays((o,), dtype=dt)))
    return draw(neuron())
