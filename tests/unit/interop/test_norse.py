"""Norse -> neurokit -> Norse with the same numbers (and Norse's tau/dt quirk handled)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

norse_torch = pytest.importorskip("norse.torch")

from neurokit import ir  # noqa: E402
from neurokit.dynamics.reference import run_reference  # noqa: E402
from neurokit.errors import InvalidInputError  # noqa: E402
from neurokit.interop.norse import from_norse, to_norse  # noqa: E402


def _run_norse(model: torch.nn.Module, x: torch.Tensor) -> np.ndarray:
    out, state = [], None
    with torch.no_grad():
        for t in range(x.shape[0]):
            y, state = model(x[t], state)
            out.append(y)
    return torch.stack(out).numpy()


@pytest.fixture
def float64() -> object:
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _model() -> torch.nn.Module:
    torch.manual_seed(1)
    box = norse_torch.LIFBoxParameters(tau_mem_inv=torch.tensor(100.0), v_th=torch.tensor(0.3), v_leak=torch.tensor(0.0))
    cuba = norse_torch.LIFParameters(v_th=torch.tensor(0.2))
    model = norse_torch.SequentialState(torch.nn.Linear(3, 8), norse_torch.LIFBoxCell(box),
                                        torch.nn.Linear(8, 5), norse_torch.LIFCell(cuba))
    for layer in (model[0], model[2]):
        torch.nn.init.uniform_(layer.weight, -0.2, 1.0)
    return model


def test_norse_model_imports_with_identical_spikes(float64: object) -> None:
    model = _model()
    x = (torch.rand(80, 4, 3) < 0.5).double() * 4.0
    expected = _run_norse(model, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ir.NIRCompatWarning)
        graph = from_norse(model, torch.zeros(4, 3), dt=1e-3)
    lif = next(n for n in graph.nodes.values() if isinstance(n, ir.LIF))
    np.testing.assert_allclose(lif.tau, 0.01)  # 1 / tau_mem_inv, not dt / tau_mem_inv
    got = next(iter(run_reference(graph, x.numpy()).outputs.values()))
    assert expected.sum() > 10
    np.testing.assert_array_equal(got, expected)


def test_norse_quirk_is_what_we_avoid() -> None:
    """Norse's own exporter with its default dt writes tau scaled by dt (documented quirk)."""
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ng = norse_torch.to_nir(model, torch.zeros(1, 3))  # default dt=1e-3
    lif = next(n for n in ng.nodes.values() if type(n).__name__ == "LIF")
    np.testing.assert_allclose(np.asarray(lif.tau), 1e-5)  # 10 µs instead of 10 ms


def test_export_to_norse_runs_the_same(float64: object) -> None:
    rng = np.random.default_rng(0)
    g = ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0, 1, (6, 3)), bias=np.zeros(6)),
        ir.LIF(tau=np.full(6, 0.02), r=np.ones(6), v_leak=np.zeros(6), v_threshold=np.full(6, 0.5)),
        ir.Affine(weight=rng.uniform(0, 1, (2, 6)), bias=np.zeros(2)),
        ir.LIF(tau=np.full(2, 0.05), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.full(2, 0.2)),
        profile=ir.Profile(dt=1e-3, integration="euler"))
    module = to_norse(g).double()  # norse.from_nir builds float32 layers
    x = torch.from_numpy(rng.uniform(0, 40, (50, 3, 3)))
    expected = _run_norse(module, x)
    got = run_reference(g, x.numpy()).outputs["output"]
    assert expected.sum() > 10
    np.testing.assert_array_equal(got, expected)


def test_export_refuses_nodes_norse_would_drop() -> None:
    g = ir.Graph.sequential(ir.LI(tau=np.full(2, 0.05), r=np.ones(2), v_leak=np.zeros(2)),
                            profile=ir.Profile(integration="euler"))
    with pytest.raises(InvalidInputError, match=r"cannot load \['0_li \(LI\)'\]"):
        to_norse(g)


def test_export_refuses_profiles_norse_cannot_run() -> None:
    g = ir.Graph.sequential(ir.LIF(tau=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
                            profile=ir.Profile(integration="exact"))
    with pytest.raises(InvalidInputError, match="Norse runs euler"):
        to_norse(g)
    with pytest.raises(InvalidInputError, match="Norse does not implement profile multi_spike=True"):
        to_norse(g.with_profile(ir.Profile(integration="euler", multi_spike=True)))
