"""Every layer maps to one IR node: a model of all of them equals neurokit.sim on its export."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from neurokit import ir, sim
from neurokit.train.delays import DelayedLinear
from neurokit.train.layers import LIFLayer, LILayer
from neurokit.train.sequential import (CubaLIFLayer, IFLayer, RecurrentLIF, SpikingSequential, TimeAvgPool2d,
                                       TimeConv2d, TimeFlatten)


def _model(integration: str, reset: str, **rules: object) -> SpikingSequential:
    torch.manual_seed(0)
    opts = dict(dt=1e-3, integration=integration, reset=reset, **rules)
    delayed = DelayedLinear(12, 10, 3, seed=0)
    delayed.hard = True
    layers = [TimeConv2d(2, 3, 3, padding=1), LIFLayer(3 * 6 * 6, tau=0.01, v_threshold=0.3, **opts),
              TimeAvgPool2d(2), TimeFlatten(), nn.Linear(27, 20), CubaLIFLayer(20, v_threshold=0.05, **opts),
              nn.Linear(20, 16), RecurrentLIF(16, tau=0.01, v_threshold=0.2, **opts), nn.Linear(16, 12),
              IFLayer(12, v_threshold=1.0, r=1000.0, **opts), delayed, LIFLayer(10, tau=0.01, v_threshold=0.1, **opts),
              nn.Linear(10, 4), LILayer(4, tau=0.02, dt=1e-3, integration=integration,
                                        v_min=float(rules.get("v_min", -np.inf)))]  # type: ignore[arg-type]
    model = SpikingSequential((2, 6, 6), *layers).double()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)) and not isinstance(m, DelayedLinear):
                m.weight.mul_(3.0)
    return model


@pytest.mark.parametrize(("integration", "reset", "rules"), [
    ("exact", "zero", {}), ("euler", "subtract", {}), ("exact", "subtract", {"reset_timing": "next_step"}),
    ("exact", "zero", {"reset_timing": "next_step", "v_min": -0.2}), ("euler", "subtract", {"multi_spike": True}),
    ("exact", "zero", {"multi_spike": True, "v_min": 0.05})])
def test_every_layer_type_runs_exactly_as_its_ir_node(integration: str, reset: str, rules: dict[str, object]) -> None:
    model = _model(integration, reset, **rules)
    x = (torch.rand(30, 3, 2, 6, 6, dtype=torch.float64) < 0.3).double() * 2
    spikes: dict[str, np.ndarray] = {}
    h = x
    for i, layer in enumerate(model.layers):
        from neurokit.train.sequential import apply_layer

        h = apply_layer(layer, h)
        spikes[f"{i}_{type(layer).__name__.lower()}"] = h.detach().numpy()
    g = model.to_ir()
    kinds = {type(n).__name__ for n in g.nodes.values()}
    assert {"Conv2d", "LIF", "AvgPool2d", "Flatten", "Affine", "CubaLIF", "IF", "Delay", "Linear", "LI"} <= kinds
    rec = sim.simulate(g, x.numpy(), record=("spikes",))
    for name, node in g.nodes.items():
        if node.spiking:
            assert rec.spikes[name].sum() > 0, name
            want = spikes[name] if rules.get("multi_spike") and not isinstance(node, ir.LI) else spikes[name] > 0.5
            np.testing.assert_array_equal(rec.spikes[name].reshape(spikes[name].shape), want, err_msg=name)
    assert g.profile.replace(**rules) == g.profile  # the rules travel with the export
    np.testing.assert_allclose(rec.outputs["output"], model(x).detach().numpy(), rtol=1e-10, atol=1e-12)


def test_gradients_flow_through_every_layer() -> None:
    model = _model("exact", "zero").float()
    x = (torch.rand(20, 2, 2, 6, 6) < 0.3).float() * 2
    model.layers[10].hard = False  # interpolated delays: differentiable
    model(x).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_inconsistent_profiles_and_unknown_layers_are_refused() -> None:
    with pytest.raises(ValueError, match="disagree"):
        SpikingSequential((4,), nn.Linear(4, 3), LIFLayer(3, dt=1e-3), nn.Linear(3, 2), IFLayer(2, dt=2e-3)).to_ir()
    with pytest.raises(ValueError, match="without an IR equivalent"):
        SpikingSequential((4,), nn.Linear(4, 3), nn.GELU())
    assert isinstance(SpikingSequential((4,), nn.Linear(4, 3), LIFLayer(3)).to_ir(), ir.Graph)
