"""SpiNNaker: the models beyond LIF MLPs — IF_curr_exp (CubaLIF/CubaLI), integrator readouts, both
spike rules, pool -> conv chains as one projection. Each runs in the emulator and in neurokit's
S16.15 reference (equal spike for spike), and its agreement with the float model is measured."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit import ir, sim
from neurokit.backends import get_backend
from neurokit.dynamics.fixed import FixedFormat, decay_mul, to_decay
from neurokit.hil import metrics
from neurokit.backends.spinnaker.pynn import export_pynn
from neurokit.errors import MappingError

FMT = FixedFormat(16, 15)


def cuba_net(integration: str, seed: int = 0, n_in: int = 100, h: int = 80, o: int = 5) -> ir.Graph:
    rng = np.random.default_rng(seed)
    return ir.Graph.sequential(
        ir.Linear(weight=rng.normal(0.3, 0.8, (h, n_in)) * (rng.random((h, n_in)) < 0.3)),
        ir.CubaLIF(tau_syn=np.full(h, 5e-3), tau_mem=np.full(h, 2e-2), r=np.ones(h), v_leak=np.zeros(h),
                   v_threshold=np.full(h, 0.3), w_in=np.full(h, 2.0), t_refrac=np.full(h, 2e-3)),
        ir.Affine(weight=rng.normal(0.1, 0.5, (o, h)), bias=rng.normal(0, 0.1, o)),
        ir.CubaLI(tau_syn=np.full(o, 5e-3), tau_mem=np.full(o, 2e-2), r=np.ones(o), v_leak=np.zeros(o)),
        names=["w1", "pop1", "w2", "readout"], profile=ir.Profile(dt=1e-3, integration=integration, reset="zero"))


def spikes_in(T: int, B: int, n: int, seed: int = 1, p: float = 0.1) -> np.ndarray:
    return (np.random.default_rng(seed).random((T, B, n)) < p).astype(np.float64)


def run_all(g: ir.Graph, x: np.ndarray, path: Path, options: dict | None = None):
    be = get_backend("spinnaker")
    art = be.lower(g, path, options or {})
    steps = x.shape[0]
    float_run = sim.simulate(g.with_profile(g.profile.replace(synapse_latency=1)), x, steps)
    return art, be.board(art).run(x, steps), be.numeric_mode_run(art, x, steps), float_run


def agreement_all(reference: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> float:
    """Spike agreement over every population ``got`` recorded."""
    return metrics.spike_agreement({k: np.asarray(reference[k]).astype(bool) for k in got},
                                   {k: np.asarray(got[k]).astype(bool) for k in got})


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return metrics.spike_agreement({"p": np.asarray(a).astype(bool)}, {"p": np.asarray(b).astype(bool)})


@pytest.mark.parametrize("integration", ["euler", "exact"])
def test_cuba_lif_runs_as_if_curr_exp_in_emulator_and_reference_alike(tmp_path: Path, integration: str) -> None:
    x = spikes_in(60, 3, 100)
    art, emu, ref, flt = run_all(cuba_net(integration), x, tmp_path)
    np.testing.assert_array_equal(emu.spikes["pop1"], ref.spikes["pop1"])
    np.testing.assert_array_equal(emu.outputs["output"], ref.outputs["output"])
    assert emu.spikes["pop1"].any() and "readout" not in emu.spikes  # CubaLI is a readout: its membrane is the output
    if integration == "euler":  # IF_curr_exp's update order is the IR's Euler CubaLIF: only quantisation differs
        assert agreement(flt.spikes["pop1"], emu.spikes["pop1"]) > 0.95
        assert np.abs(emu.outputs["output"] - flt.outputs["output"]).max() < 0.05 * np.abs(flt.outputs["output"]).max()


def test_exact_cuba_lif_runs_on_if_curr_exp_with_two_synaptic_taps(tmp_path: Path) -> None:
    """IF_curr_exp's step (input joins J, membrane integrates the new J, J decays) is the IR's Euler
    CubaLIF; with stretched taus (same decays) and every synapse sent twice (alpha now, beta one step
    later) it answers exactly like the exact CubaLIF: the float seam is quantisation only, and the
    single-tap version (what a plain IF_curr_exp with these taus computes) is far off."""
    g = cuba_net("exact")
    x = spikes_in(60, 3, 100)
    art, emu, _, exact_float = run_all(g, x, tmp_path)
    euler_art = get_backend("spinnaker").lower(cuba_net("euler"), tmp_path / "euler")
    assert art.manifest["report"]["synapses"] == 2 * euler_art.manifest["report"]["synapses"]
    assert agreement(exact_float.spikes["pop1"], emu.spikes["pop1"]) > 0.98

    def stretched(node: ir.Node) -> ir.Node:
        def t(tau: np.ndarray) -> np.ndarray:
            return 1e-3 / (1 - np.exp(-1e-3 / np.asarray(tau)))
        return node.replace(tau_syn=t(node.tau_syn), tau_mem=t(node.tau_mem))

    one_tap = g.replace_node("pop1", stretched(g.nodes["pop1"])).replace_node("readout", stretched(g.nodes["readout"]))
    one_tap = one_tap.with_profile(one_tap.profile.replace(integration="euler", synapse_latency=1))
    assert agreement(sim.simulate(one_tap, x, 60).spikes["pop1"], emu.spikes["pop1"]) < 0.6


def test_one_if_curr_exp_step_is_spynnakers_arithmetic(tmp_path: Path) -> None:
    """One neuron (Euler), one input spike of weight w: J = (w * init) >> 32 (decay_t, synapse_types_exponential_impl.h),
    V = alpha - exp_TC (alpha - V), alpha = R J + V_rest (neuron_model_lif_impl.h), then J = (J * decay) >> 32."""
    tau_s, tau_m, dt, w = 5e-3, 2e-2, 1e-3, 1.7
    g = ir.Graph.sequential(ir.Linear(weight=np.array([[w]])),
                            ir.CubaLI(tau_syn=np.array([tau_s]), tau_mem=np.array([tau_m]), r=np.ones(1), v_leak=np.zeros(1)),
                            names=["w", "pop"], profile=ir.Profile(dt=dt, integration="euler", reset="zero"))
    x = np.zeros((4, 1, 1))
    x[0] = 1
    _, emu, ref, _ = run_all(g, x, tmp_path, {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0})
    decay, init = to_decay(1 - dt / tau_s), to_decay(dt / tau_s)  # Euler's coefficients in the chip's registers
    a, k = FMT.to_fixed(1 - dt / tau_m), FMT.to_fixed(dt / tau_m)
    w16 = int(FMT.to_fixed(w))  # shift 0 at 1 Hz: the stored weight is exact in S16.15
    j, v, expected = 0, 0, []
    for t in range(4):
        if t == 1:  # one step of synaptic latency
            j += (w16 * int(init)) >> 32
        drive = (FMT.to_fixed(1.0) * j + (1 << 14)) >> 15
        v = int((int(a) * v + (1 << 14)) >> 15) + int((int(k) * int(drive) + (1 << 14)) >> 15)
        expected.append(v)
        j = (j * int(decay)) >> 32
    np.testing.assert_array_equal(FMT.to_fixed(emu.traces["pop"]["v"][:, 0, 0]), expected)
    np.testing.assert_array_equal(emu.traces["pop"]["v"], ref.traces["pop"]["v"])
    assert int(decay_mul(np.array([-(2**31) + 1]), np.array([2**32 - 1]))[0]) == ((-(2**31) + 1) * (2**32 - 1)) >> 32


def test_integrator_readout_and_if_population(tmp_path: Path) -> None:
    """The readouts conversion emits (I) and IF populations: emulator == S16.15 reference, close to float."""
    rng = np.random.default_rng(3)
    n_in, h, o = 60, 40, 4
    g = ir.Graph.sequential(
        ir.Affine(weight=rng.normal(0.1, 0.4, (h, n_in)), bias=np.full(h, 0.05)),
        ir.IF(r=np.full(h, 1e3), v_threshold=np.ones(h), v_reset=np.zeros(h)),
        ir.Linear(weight=rng.normal(0.05, 0.3, (o, h))),
        ir.I(r=np.full(o, 1e3)),
        names=["w1", "hidden", "w2", "readout"], profile=ir.Profile(dt=1e-3, integration="euler", reset="zero"))
    x = spikes_in(40, 2, n_in, p=0.2)
    # the hidden layer fires at ~600 Hz: the ring-buffer shift must expect it, or the 16-bit sums clip
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    assert emu.meta["ring_buffer_saturations"] == {"hidden": 0, "readout": 0}
    np.testing.assert_array_equal(emu.spikes["hidden"], ref.spikes["hidden"])
    np.testing.assert_array_equal(emu.outputs["output"], ref.outputs["output"])
    assert emu.spikes["hidden"].any() and np.abs(emu.outputs["output"]).max() > 0
    assert agreement(flt.spikes["hidden"], emu.spikes["hidden"]) > 0.95
    scale = np.abs(flt.outputs["output"]).max()
    assert np.abs(emu.outputs["output"] - flt.outputs["output"]).max() < 0.02 * scale


@pytest.mark.parametrize("rule", [">", ">="])
def test_both_spike_rules_deploy_and_differ_exactly_at_the_threshold(tmp_path: Path, rule: str) -> None:
    """The chip compares V >= V_th; '>' is stored as V_th + 1 LSB. An input that lands the membrane
    exactly on the threshold spikes under '>=' only, in the emulator and the reference alike."""
    g = ir.Graph.sequential(ir.Linear(weight=np.array([[0.5], [0.25]])),
                            ir.IF(r=np.full(2, 1e3), v_threshold=np.full(2, 0.5), v_reset=np.zeros(2)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="euler", reset="zero",
                                                                   spike_rule=rule))
    assert get_backend("spinnaker").check(g) == []
    x = np.zeros((5, 1, 1))
    x[0] = 1
    x[2] = 1
    _, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0})
    np.testing.assert_array_equal(emu.spikes["pop"], ref.spikes["pop"])
    np.testing.assert_array_equal(emu.spikes["pop"], flt.spikes["pop"].astype(bool))
    on_threshold = emu.spikes["pop"][1, 0, 0]  # neuron 0 reaches exactly 0.5 one step after the input
    assert on_threshold == (rule == ">=")
    assert emu.spikes["pop"][3, 0, 1] == (rule == ">=")  # neuron 1: 0.25 + 0.25 = 0.5 two inputs later


def test_pool_then_conv_is_one_projection_with_memory_accounted(tmp_path: Path) -> None:
    """conv -> IF -> avgpool -> conv -> IF -> flatten -> dense -> LI: the pool and the second conv are one
    synapse list (as sPyNNaker's ConvolutionConnector with pool_shape), delivered after two steps like the
    IR's two weighted nodes; every core's synaptic words stay within its memory; emulator == reference."""
    rng = np.random.default_rng(5)
    c1 = ir.Conv2d(weight=rng.normal(0.2, 0.5, (4, 1, 3, 3)), bias=np.zeros(4), padding=1, input_shape=(8, 8))
    pool = ir.AvgPool2d(kernel_size=2, stride=2)
    c2 = ir.Conv2d(weight=rng.normal(0.3, 0.6, (6, 4, 3, 3)), bias=np.full(6, 0.02), padding=1, input_shape=(4, 4))
    g = ir.Graph.sequential(
        c1, ir.IF(r=np.full((4, 8, 8), 1e3), v_threshold=np.ones((4, 8, 8)), v_reset=np.zeros((4, 8, 8))),
        pool, c2, ir.IF(r=np.full((6, 4, 4), 1e3), v_threshold=np.ones((6, 4, 4)), v_reset=np.zeros((6, 4, 4))),
        ir.Flatten(input_shape=(6, 4, 4), start_dim=0), ir.Linear(weight=rng.normal(0.1, 0.3, (3, 96))),
        ir.LI(tau=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3)),
        names=["conv1", "if1", "pool", "conv2", "if2", "flat", "fc", "readout"],
        profile=ir.Profile(dt=1e-3, integration="euler", reset="zero"))
    g = g.replace_node("input", ir.Input(shape=(1, 8, 8)))
    be = get_backend("spinnaker")
    assert be.check(g) == []
    x = spikes_in(30, 2, 64, p=0.3).reshape(30, 2, 1, 8, 8)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"max_atoms_per_core": 64})
    report = art.manifest["report"]
    assert report["max_synapses_per_core"] <= report["synapse_capacity_per_core"]
    # the PyNN export writes one connector per IR node: it says it cannot, rather than write a wrong script
    assert art.manifest["pynn"] == {"written": True, "why_not": []}  # the chain is one PyNN projection too
    assert (tmp_path / "pynn" / "model.py").is_file()
    pool_conv = ir.passes.pool_to_csr(pool, (4, 8, 8), (4, 4, 4))
    assert report["synapses"] > pool_conv.indptr[-1]  # the composed list is in the machine, not the pool alone
    np.testing.assert_array_equal(emu.spikes["if2"], ref.spikes["if2"])
    np.testing.assert_array_equal(emu.outputs["output"], ref.outputs["output"])
    assert emu.spikes["if2"].any()
    assert agreement(flt.spikes["if2"], emu.spikes["if2"]) > 0.9
    # a small core memory cuts the composed projection's target population finer
    small = be.lower(g, tmp_path / "small", {"machine": "spinnaker2"})
    assert small.manifest["report"]["max_synapses_per_core"] <= small.manifest["report"]["synapse_capacity_per_core"]


def test_custom_neuron_models_run_in_the_emulator_and_the_pynn_export_refuses_them(tmp_path: Path) -> None:
    """A subtraction, a next-step reset, spike counts and a floor are not in sPyNNaker's standard cells
    but are a custom neuron model's reset (sPyNNaker builds user models from C): the artifact runs
    them (emulator == S16.15 reference, spike for spike), the manifest says which model, and the PyNN
    export (standard cells only) is refused naming the node, the reason and the fix."""
    be = get_backend("spinnaker")
    snntorch = ir.read(GOLDEN / "snntorch" / "rleaky.nir", producer="snntorch")  # reset_delay=True, subtract
    assert be.check(snntorch) == []
    art = be.lower(snntorch, tmp_path / "rleaky")
    assert art.manifest["neuron_model"] == "custom (reset='subtract', reset_timing='next_step')"
    assert not art.manifest["pynn"]["written"] and not (tmp_path / "rleaky" / "pynn" / "model.py").exists()
    assert art.manifest["pynn"]["why_not"][0].startswith("node '1.lif': reset='subtract', reset_timing='next_step' has no "
                                                         "PyNN standard cell")
    assert "(fix: for a PyNN export use reset='zero'" in art.manifest["pynn"]["why_not"][0]
    with pytest.raises(MappingError, match=r"node '1.lif': reset='subtract'.* custom neuron model"):
        export_pynn(snntorch, tmp_path / "pynn")
    x = np.load(GOLDEN / "snntorch" / "rleaky.npz", allow_pickle=False)["input"]
    art, emu, ref, flt = run_all(snntorch, x, tmp_path / "run", {"spikes_per_second": 1000.0})
    for pop in emu.spikes:
        np.testing.assert_array_equal(emu.spikes[pop], ref.spikes[pop])
    assert sum(int(z.sum()) for z in emu.spikes.values()) > 100
    assert agreement_all(flt.spikes, emu.spikes) > 0.95
    counts = snntorch.with_profile(snntorch.profile.replace(multi_spike=True, v_min=-0.5))
    art, emu, ref, flt = run_all(counts, 3 * x, tmp_path / "multi", {"spikes_per_second": 1000.0})
    np.testing.assert_array_equal(emu.spikes["1.lif"], ref.spikes["1.lif"])
    assert emu.spikes["1.lif"].max() > 1  # one packet per counted spike


GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "producers"


@pytest.mark.parametrize("case", ["rleaky", "rsynaptic"])
def test_snntorch_recurrent_nets_deploy_with_a_reset_the_chip_has(tmp_path: Path, case: str) -> None:
    """snnTorch's RLeaky (recurrent weights with bias) and RSynaptic (recurrent CubaLIF), read with
    their producer and given reset to v_reset in the step of the spike (what sPyNNaker's neurons do):
    the recurrent projection loops a population onto itself; emulator == S16.15 reference, and the
    float model at one step of latency agrees (the loop edge's previous-step carry is a 2-step delay)."""
    g = ir.read(GOLDEN / "snntorch" / f"{case}.nir", producer="snntorch",
                profile={"reset": "zero", "reset_timing": "same_step"})
    assert g.loop_edges()
    x = np.load(GOLDEN / "snntorch" / f"{case}.npz", allow_pickle=False)["input"]
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    loops = [v for v in art.manifest["vertices"] if v["population"] == "1.lif"]
    assert loops and art.manifest["report"]["synapses"] > 0
    for node in emu.spikes:
        np.testing.assert_array_equal(emu.spikes[node], ref.spikes[node])
    assert sum(int(z.sum()) for z in emu.spikes.values()) > 100
    assert agreement_all(flt.spikes, emu.spikes) > 0.95
    unrolled = ir.Graph(nodes={k: v for k, v in g.nodes.items() if k != "1.w_rec"},
                        edges=tuple(e for e in g.edges if "1.w_rec" not in e), profile=g.profile)
    plain = run_all(unrolled, x, tmp_path / "plain", {"spikes_per_second": 1000.0})[1]
    assert not np.array_equal(plain.spikes["1.lif"], emu.spikes["1.lif"])  # the recurrent synapses arrive


def test_a_trained_delayed_classifier_keeps_its_delays(tmp_path: Path) -> None:
    """neurokit's delayed layers export Delay -> Linear branches; each becomes a projection whose
    synapses carry the lag (SpiNNaker's per-synapse delays): emulator == reference == float model."""
    import torch

    from neurokit.train.model import SNNClassifier, SNNSpec, to_ir

    torch.manual_seed(0)
    model = SNNClassifier(SNNSpec(input_shape=(6,), hidden=(10,), classes=3, dt=1e-3, max_delay=4)).double()
    with torch.no_grad():
        for fc in model.fc:
            fc.hard = True
            fc.linear.weight.mul_(10.0)
    g = to_ir(model)
    assert any(isinstance(n, ir.Delay) for n in g.nodes.values())
    x = spikes_in(40, 3, 6, p=0.4)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    with h5py.File(tmp_path / "arrays.h5", "r") as f:
        delays = np.concatenate([f[f"cores/{k}/rows_delay"][()] for k in f["cores"]])
    assert delays.max() > 1  # the lags are in the synaptic rows
    for node in emu.spikes:
        np.testing.assert_array_equal(emu.spikes[node], ref.spikes[node])
    assert sum(int(z.sum()) for z in emu.spikes.values()) > 50
    assert agreement_all(flt.spikes, emu.spikes) > 0.95


def test_a_trained_mixed_network_deploys_every_layer_kind(tmp_path: Path) -> None:
    """neurokit's sequential trainer: conv, LIF, avg pool -> dense (one projection), CubaLIF, recurrent
    LIF, IF, a delayed layer (Delay -> Linear branches summed before the next population), LI readout:
    every layer lowered, the emulator equals the S16.15 reference, the float model agrees."""
    import torch
    from torch import nn

    from neurokit.train.delays import DelayedLinear
    from neurokit.train.sequential import (CubaLIFLayer, IFLayer, LIFLayer, LILayer, RecurrentLIF, SpikingSequential,
                                           TimeAvgPool2d, TimeConv2d, TimeFlatten)

    torch.manual_seed(0)
    opts = dict(dt=1e-3, integration="euler")
    delayed = DelayedLinear(12, 10, 3, seed=0)
    delayed.hard = True
    model = SpikingSequential(
        (2, 6, 6), TimeConv2d(2, 3, 3, padding=1), LIFLayer(108, tau=0.01, v_threshold=0.3, **opts), TimeAvgPool2d(2),
        TimeFlatten(), nn.Linear(27, 20), CubaLIFLayer(20, v_threshold=0.05, **opts), nn.Linear(20, 16),
        RecurrentLIF(16, tau=0.01, v_threshold=0.2, **opts), nn.Linear(16, 12), IFLayer(12, v_threshold=1.0, r=1000.0, **opts),
        delayed, LIFLayer(10, tau=0.01, v_threshold=0.1, **opts), nn.Linear(10, 4), LILayer(4, tau=0.02, **opts)).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "weight" in name:
                p.mul_(3.0)
    g = model.to_ir()
    kinds = {type(n) for n in g.nodes.values()}
    assert {ir.Conv2d, ir.AvgPool2d, ir.CubaLIF, ir.IF, ir.Delay, ir.LI} <= kinds and g.loop_edges()
    x = spikes_in(40, 4, 72, p=0.3).reshape(40, 4, 2, 6, 6)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    assert len(emu.spikes) == 5 and all(emu.spikes[k].any() for k in emu.spikes)
    for node in emu.spikes:
        np.testing.assert_array_equal(emu.spikes[node], ref.spikes[node])
    np.testing.assert_array_equal(emu.outputs["output"], ref.outputs["output"])
    assert agreement_all(flt.spikes, emu.spikes) > 0.85


def test_a_scaled_shortcut_and_a_weighted_path_join_one_population(tmp_path: Path) -> None:
    """A residual join as conversion emits it: pop -> Scale -> post and pop -> Linear -> post are two
    projections into one population (Scale as a diagonal synapse list)."""
    rng = np.random.default_rng(9)
    n = 12
    lif = dict(tau=np.full(n, 0.02), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.full(n, 0.5))
    g = ir.Graph(nodes={"input": ir.Input(shape=(n,)), "w0": ir.Linear(weight=rng.normal(0.4, 0.3, (n, n))),
                        "a": ir.LIF(**lif), "short": ir.Scale(scale=np.full(n, 0.6)),
                        "w1": ir.Linear(weight=rng.normal(0.1, 0.3, (n, n))), "b": ir.LIF(**lif),
                        "output": ir.Output(shape=(n,))},
                 edges=(("input", "w0"), ("w0", "a"), ("a", "short"), ("a", "w1"), ("short", "b"), ("w1", "b"),
                        ("b", "output")), profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    x = spikes_in(40, 3, n, p=0.4)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    for node in ("a", "b"):
        np.testing.assert_array_equal(emu.spikes[node], ref.spikes[node])
    assert emu.spikes["b"].any()
    # the Scale has no synapse latency in the IR, the chip needs one step: the seam shows it, it stays high
    assert agreement_all(flt.spikes, emu.spikes) > 0.8


@pytest.mark.parametrize("case", ["lif", "psu_lif", "rcubalif"])
def test_spyx_exports_deploy_with_their_output_stage(tmp_path: Path, case: str) -> None:
    """spyx ends its nets ``LIF -> Delay -> Output`` (PSU_LIF: ``LI -> Threshold -> Output``, with a
    Delay inside the net, a synaptic delay): the chip runs the populations, the output stage is applied
    to the recording on the host; emulator == S16.15 reference, and the float model agrees."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the producer's notes
        g = ir.read(GOLDEN / "spyx" / f"{case}.nir", producer="spyx")
    x = np.load(GOLDEN / "spyx" / f"{case}.npz", allow_pickle=False)["input"].astype(np.float64)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    stage = [e["kind"] for e in art.manifest["output_stage"]]
    assert stage == (["Threshold"] if case == "psu_lif" else ["Delay"])
    out = art.manifest["output"]
    np.testing.assert_array_equal(emu.outputs[out], ref.outputs[out])
    assert emu.outputs[out].sum() > 0 and np.mean(emu.outputs[out] == flt.outputs[out]) > 0.99
    if stage == ["Delay"]:
        assert not emu.outputs[out][0].any()  # read out one step late


def test_a_converted_conv_net_runs_with_its_subtraction_and_half_threshold_start(tmp_path: Path) -> None:
    """What conversion emits: conv -> IF with reset by subtraction, a half-threshold start of the
    layer's shape (C, H, W), an I readout. The subtraction runs as a custom neuron
    model, the start is flattened with the population: emulator == S16.15 reference, float agrees."""
    rng = np.random.default_rng(7)
    shape = (3, 4, 4)
    g = ir.Graph.sequential(
        ir.Conv2d(weight=rng.normal(0.1, 0.3, (3, 1, 3, 3)), bias=np.full(3, 0.02), padding=1, input_shape=(4, 4)),
        ir.IF(r=np.full(shape, 1000.0), v_threshold=np.ones(shape), metadata={"v_init": np.full(shape, 0.5)}),
        ir.Flatten(input_shape=shape), ir.Linear(weight=rng.normal(0.0, 0.3, (5, 48))), ir.I(r=np.full(5, 1000.0)),
        names=["conv", "if", "flat", "fc", "readout"], profile=ir.Profile(reset="subtract"))
    x = (rng.random((30, 2, 1, 4, 4)) < 0.5).astype(np.float64)
    art, emu, ref, flt = run_all(g, x, tmp_path, {"spikes_per_second": 1000.0})
    assert art.manifest["neuron_model"] == "custom (reset='subtract')"
    np.testing.assert_array_equal(emu.spikes["if"], ref.spikes["if"])
    np.testing.assert_array_equal(emu.outputs["output"], ref.outputs["output"])
    assert emu.spikes["if"].any() and agreement(flt.spikes["if"], emu.spikes["if"]) > 0.95
