"""SpiNNaker backend: partitioning, routing correctness by walking tables, compression, emulator
equality with neurokit's fixed-point reference, faults, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from neurokit import ir
from neurokit.backends import get_backend
from neurokit.backends.spinnaker import Emulator, load_machine
from neurokit.backends.spinnaker.mapping import MASK, RoutingTables, compress, destinations, partition, place, route
from neurokit.errors import MappingError


def net(n_in: int = 300, hidden: int = 600, out: int = 7, seed: int = 0, delays: bool = False) -> ir.Graph:
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0.05, 0.3, (hidden, n_in)) * (rng.random((hidden, n_in)) < 0.2)
    sp = ir.SparseLinear.from_dense(w1)
    if delays:
        sp = sp.replace(delay=rng.integers(0, 4, sp.nnz) * 1e-3)
    return ir.Graph.sequential(
        sp, ir.LIF(tau=np.full(hidden, 0.02), r=np.ones(hidden), v_leak=np.zeros(hidden), v_threshold=np.full(hidden, 0.4),
                   t_refrac=np.full(hidden, 2e-3)),
        ir.Affine(weight=rng.normal(0.05, 0.2, (out, hidden)), bias=rng.normal(0, 0.02, out)),
        ir.LI(tau=np.full(out, 0.05), r=np.ones(out), v_leak=np.zeros(out)),
        names=["w1", "pop1", "w2", "readout"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))


def inputs(T: int = 30, B: int = 2, n: int = 300, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).random((T, B, n)) < 0.1).astype(np.float64) * 2


def test_partitioning_respects_the_core_limit() -> None:
    vs = partition([("a", 600), ("b", 256), ("c", 1)], 256)
    assert [(v.population, v.lo, v.hi) for v in vs] == [("a", 0, 256), ("a", 256, 512), ("a", 512, 600), ("b", 0, 256),
                                                         ("c", 0, 1)]
    assert all(v.atoms <= 256 for v in vs)
    small = partition([("a", 600)], 100)
    assert len(small) == 6 and max(v.atoms for v in small) == 100


def _tables(n_sources: int = 60, seed: int = 0) -> tuple[RoutingTables, dict[int, set[int]], list]:
    machine = load_machine("spinn5")
    vs = partition([("p", 256 * n_sources)], 256)
    place(vs, machine)
    rng = np.random.default_rng(seed)
    edges = {v.index: set(int(t) for t in rng.choice(len(vs), 8, replace=False)) for v in vs[:n_sources // 2]}
    return route(vs, edges, machine), edges, vs


def test_every_key_reaches_exactly_its_targets() -> None:
    rt, edges, vs = _tables()
    for src, targets in edges.items():
        v = vs[src]
        want = {(tuple(vs[t].chip), vs[t].core) for t in targets}
        for atom in (0, 17, 255):
            assert destinations(rt, v.chip, v.key | atom) == want


def test_compression_preserves_every_route_and_shrinks_tables() -> None:
    rt, edges, vs = _tables()
    crt = compress(rt)
    assert crt.entries() < rt.entries()
    for src in edges:
        v = vs[src]
        for atom in (0, 255):
            assert destinations(crt, v.chip, v.key | atom) == destinations(rt, v.chip, v.key | atom)
    # keys nobody sent are routed nowhere
    assert destinations(crt, (0, 0), (250 << 24)) == set()


def test_emulator_equals_the_fixed_point_reference(tmp_path: Path) -> None:
    for delays in (False, True):
        be = get_backend("spinnaker")
        art = be.lower(net(delays=delays), tmp_path / str(delays))
        rec = be.board(art).run(inputs(), 30)
        ref = be.numeric_mode_run(art, inputs(), 30)
        np.testing.assert_array_equal(rec.spikes["pop1"], ref.spikes["pop1"])
        np.testing.assert_array_equal(rec.outputs["output"], ref.outputs["output"])
        assert rec.spikes["pop1"].any()
        assert art.manifest["report"]["cores"] == 2 + 3 + 1  # input 300 -> 2 slices, 600 -> 3, readout 1


def test_a_corrupted_routing_table_changes_spikes(tmp_path: Path) -> None:
    be = get_backend("spinnaker")
    art = be.lower(net(), tmp_path)
    with h5py.File(tmp_path / "arrays.h5", "a") as f:
        for key in list(f["routing/compressed"]):
            data = f[f"routing/compressed/{key}"][()]
            data[:, 2] = 0  # drop every route
            del f[f"routing/compressed/{key}"]
            f.create_dataset(f"routing/compressed/{key}", data=data)
    rec = Emulator(art).run(inputs(), 30)
    assert not rec.spikes["pop1"].any()


def test_packet_faults_reduce_agreement(tmp_path: Path) -> None:
    be = get_backend("spinnaker")
    art = be.lower(net(), tmp_path)
    clean = be.board(art).run(inputs(), 30).spikes["pop1"]
    dropped = be.board(art, faults={"drop_packets": 0.3, "seed": 1}).run(inputs(), 30).spikes["pop1"]
    delayed = be.board(art, faults={"delay_packets": 0.5, "seed": 1}).run(inputs(), 30).spikes["pop1"]
    assert dropped.sum() < clean.sum() and not np.array_equal(delayed, clean)


def test_refusals_and_machine_limits(tmp_path: Path) -> None:
    be = get_backend("spinnaker")
    cuba = ir.CubaLIF(tau_syn=np.ones(3), tau_mem=np.ones(3), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3))
    g = ir.Graph.sequential(ir.Linear(weight=np.eye(3)), ir.Threshold(threshold=np.ones(3)), ir.Linear(weight=np.eye(3)),
                            cuba, names=["w", "th", "w2", "cuba"])
    problems = be.check(g)
    # CubaLIF is IF_curr_exp; a Threshold inside the net has no neuron model and is no projection
    assert {p.node for p in problems} == {"th", "cuba"} and any("Threshold has no SpiNNaker lowering" in p.message
                                                                for p in problems)
    # before the Output it is the output stage, applied to the recording on the host
    staged = ir.Graph.sequential(ir.Linear(weight=np.eye(3)), cuba, ir.Threshold(threshold=np.ones(3)),
                                 names=["w", "cuba", "th"])
    assert be.check(staged) == []
    with pytest.raises(MappingError, match="cores needed"):
        be.lower(net(n_in=3000, hidden=3000), tmp_path, {"machine": "spinn3", "max_atoms_per_core": 10})
    art = be.lower(net(), tmp_path / "ok")
    manifest = json.loads((tmp_path / "ok" / "manifest.json").read_text())
    assert manifest["format"] == "neurokit-spinnaker" and manifest["vertices"][0]["mask"] == MASK


def test_weight_shift_follows_the_expected_summed_input(tmp_path: Path) -> None:
    """sPyNNaker's rule: more expected input per step (rate, fan-in) -> larger shift -> coarser 16-bit
    weights; the baked weights in the reference are exactly the stored ones, so agreement holds."""
    be = get_backend("spinnaker")
    quiet = be.lower(net(), tmp_path / "quiet", {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0})
    busy = be.lower(net(), tmp_path / "busy", {"spikes_per_second": 200.0, "ring_buffer_sigma": 5.0})
    s_quiet = max(c["excitatory"] for c in quiet.manifest["report"]["weight_shifts"])
    s_busy = max(c["excitatory"] for c in busy.manifest["report"]["weight_shifts"])
    assert s_busy > s_quiet >= 0
    assert busy.manifest["report"]["expected_packets_per_step"] == pytest.approx(
        200 * quiet.manifest["report"]["expected_packets_per_step"])
    x = inputs()
    for art in (quiet, busy):
        emu = be.board(art).run(x, 30)
        ref = be.numeric_mode_run(art, x, 30)
        np.testing.assert_array_equal(emu.spikes["pop1"], ref.spikes["pop1"])
    with pytest.raises(Exception, match="spikes_per_second"):
        be.lower(net(), tmp_path / "bad", {"spikes_per_second": 0})


def test_ring_buffer_saturation_is_emulated_and_referenced_alike(tmp_path: Path) -> None:
    """300 inputs firing twice a step into one 16-bit ring-buffer entry: 300 * 2 * 1638 >> 65535.
    With sPyNNaker's shift rule at 1 Hz, sigma 0 the shift stays 0, so the entry saturates; the
    emulator and the reference clip identically, count the same saturations, and both deliver
    less input than the unclipped sum."""
    n_in, n = 300, 4
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(np.full((n, n_in), 0.05)),
                            ir.LI(tau=np.full(n, 0.05), r=np.ones(n), v_leak=np.zeros(n)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    be = get_backend("spinnaker")
    art = be.lower(g, tmp_path, {"spikes_per_second": 1.0, "ring_buffer_sigma": 0.0})
    assert art.manifest["report"]["weight_shifts"][0]["excitatory"] == 0
    x = np.full((5, 1, n_in), 2.0)
    emu = be.board(art).run(x, 5)
    ref = be.numeric_mode_run(art, x, 5)
    np.testing.assert_array_equal(emu.traces["pop"]["v"], ref.traces["pop"]["v"])
    assert emu.meta["ring_buffer_saturations"] == ref.meta["ring_buffer_saturations"] == {"pop": 4 * n}
    ref_graph = be.numeric_mode_graph(art)
    unclipped = ref_graph.replace_node("pop", ref_graph.nodes["pop"].replace(metadata={}))
    from neurokit import sim

    free = sim.simulate(unclipped, x, 5)
    assert free.traces["pop"]["v"][1, 0, 0] > 10 * ref.traces["pop"]["v"][1, 0, 0] > 0
    # the clipped step input is exactly the 16-bit maximum: 65535 / 2^15
    li = ref_graph.nodes["pop"]
    assert ref.traces["pop"]["v"][1, 0, 0] == pytest.approx(65535 / 2**15 * (1 - np.exp(-1e-3 / 0.05)) * 1, rel=1e-3)
    assert li.metadata["input_saturation"].shape == (2, n)


def test_partitioning_keeps_each_core_within_its_synapse_memory() -> None:
    """Fan-in 300 per neuron, budget 1000 synaptic words -> at most 3 neurons per core; a neuron
    with more synapses than the budget is refused, naming its population."""
    fan = {"a": np.full(20, 300), "b": np.array([10, 2000, 10])}
    vs = partition([("a", 20)], 256, fan_in=fan, max_synapses=1000)
    assert [v.atoms for v in vs] == [3, 3, 3, 3, 3, 3, 2]
    assert all(int(fan["a"][v.lo:v.hi].sum()) <= 1000 for v in vs)
    with pytest.raises(MappingError, match="synapses do not fit") as err:
        partition([("a", 20), ("b", 3)], 256, fan_in=fan, max_synapses=1000)
    assert "b: neuron 1 has 2000 synapses" in str(err.value)


def test_spinnaker2_chip_maps_and_emulates_exactly(tmp_path: Path) -> None:
    """On one SpiNNaker2 chip (151 application PEs, 64 kB of synaptic rows each): the 600-neuron
    layer (fan-in ~60) is sliced by memory, routes need more than 64 bits (cores up to 100+), every
    key reaches exactly its targets, and the emulator equals the fixed-point reference."""
    be = get_backend("spinnaker")
    machine = load_machine("spinnaker2")
    assert machine.cores_per_chip == 152 and len(machine.app_cores) == 151 and machine.route_words == 5
    art = be.lower(net(), tmp_path, {"machine": "spinnaker2", "max_atoms_per_core": 8})
    report = art.manifest["report"]
    assert report["chips"] == 1 and report["cores"] > 64
    assert report["max_synapses_per_core"] <= report["synapse_capacity_per_core"] == 16384
    assert any("assumed" in a for a in report["machine_assumptions"])
    with h5py.File(tmp_path / "arrays.h5", "r") as f:
        assert f["routing/compressed/0_0"].shape[1] == 2 + 5
    emu = Emulator(art)
    x = inputs()
    rec = emu.run(x, 30)
    ref = be.numeric_mode_run(art, x, 30)
    np.testing.assert_array_equal(rec.spikes["pop1"], ref.spikes["pop1"])
    np.testing.assert_array_equal(rec.outputs["output"], ref.outputs["output"])
    assert rec.spikes["pop1"].any()
    # fan-in ~120: the memory limit alone (default slice size) cuts the hidden layer finer than 256 atoms
    mem = be.lower(net(n_in=600, hidden=600), tmp_path / "mem", {"machine": "spinnaker2"})
    pop1 = [v for v in mem.manifest["vertices"] if v["population"] == "pop1"]
    assert len(pop1) >= 5 and max(v["hi"] - v["lo"] for v in pop1) < 256
    assert mem.manifest["report"]["max_synapses_per_core"] <= 16384
    spinn5 = be.lower(net(n_in=600, hidden=600), tmp_path / "spinn5")
    assert len([v for v in spinn5.manifest["vertices"] if v["population"] == "pop1"]) == 3


def test_deploy_cli_reports_ring_buffer_saturations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`neurokit deploy --target spinnaker --run` prints the saturated ring-buffer entries with the fix,
    on SpiNNaker2 via --option machine=spinnaker2."""
    from neurokit.cli import main

    n_in, n = 300, 4
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(np.full((n, n_in), 0.05)),
                            ir.LI(tau=np.full(n, 0.05), r=np.ones(n), v_leak=np.zeros(n)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    ir.write(g, tmp_path / "m.nir")
    np.save(tmp_path / "x.npy", np.full((5, 1, n_in), 2.0))
    args = ["deploy", str(tmp_path / "m.nir"), "--target", "spinnaker", "--run", str(tmp_path / "x.npy"),
            "--option", "machine=spinnaker2", "--option", "spikes_per_second=1", "--option", "ring_buffer_sigma=0"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "on spinnaker2" in out and "ring-buffer saturations: 16 (pop: 16)" in out and "ring_buffer_sigma" in out
    # expecting the real input rate (2 spikes per step = 2000 Hz) sets a shift that leaves headroom
    assert main([*args[:-4], "--option", "spikes_per_second=2000", "--option", "ring_buffer_sigma=0",
                 "--out", str(tmp_path / "b")]) == 0
    assert "ring-buffer saturations: 0\n" in capsys.readouterr().out


def test_a_cores_weight_shift_depends_only_on_its_own_incoming_synapses(tmp_path: Path) -> None:
    """Regression: the shift of the readout core once also summed synapses of *other* projections whose
    post indices fell in its atom range (w1 -> pop1 neurons 0..6), so scaling w1 changed it."""
    be = get_backend("spinnaker")
    base = net()
    loud = base.replace_node("w1", base.nodes["w1"].replace(weight=np.asarray(base.nodes["w1"].weight) * 100))

    def readout_shift(g: ir.Graph, d: str) -> dict[str, int]:
        art = be.lower(g, tmp_path / d)
        v = next(v for v in art.manifest["vertices"] if v["population"] == "readout")
        return next(s for s in art.manifest["report"]["weight_shifts"] if s["vertex"] == v["index"])

    assert readout_shift(base, "base") == readout_shift(loud, "loud")


def test_two_projections_between_the_same_populations_both_arrive(tmp_path: Path) -> None:
    """Regression: each projection wrote its own master-population entry with the same key and the
    lookup stopped at the first, so the emulator lost half the input. Rows now merge projections."""
    lin = ir.Linear(weight=0.3 * np.eye(2))
    g = ir.Graph(nodes={"inp": ir.Input(shape=(2,)), "a": lin, "b": lin,
                        "pop": ir.LI(tau=np.full(2, 0.05), r=np.ones(2), v_leak=np.zeros(2)), "out": ir.Output(shape=(2,))},
                 edges=(("inp", "a"), ("inp", "b"), ("a", "pop"), ("b", "pop"), ("pop", "out")),
                 profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    be = get_backend("spinnaker")
    art = be.lower(g, tmp_path)
    x = np.ones((3, 1, 2))
    emu, ref = be.board(art).run(x, 3), be.numeric_mode_run(art, x, 3)
    np.testing.assert_array_equal(emu.traces["pop"]["v"], ref.traces["pop"]["v"])
    one = be.numeric_mode_run(be.lower(g.replace_node("b", ir.Linear(weight=np.zeros((2, 2)))), tmp_path / "one"), x, 3)
    assert emu.traces["pop"]["v"][2, 0, 0] == pytest.approx(2 * one.traces["pop"]["v"][2, 0, 0], rel=1e-2)  # not 1x


def test_a_network_without_synapses_loads_and_runs(tmp_path: Path) -> None:
    g = ir.Graph.sequential(ir.Linear(weight=np.zeros((3, 4))),
                            ir.LIF(tau=np.full(3, 0.02), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    be = get_backend("spinnaker")
    art = be.lower(g, tmp_path)
    assert art.manifest["report"]["routing_entries_after"] == 0
    rec = be.board(art).run(np.ones((5, 1, 4)), 5)
    assert not rec.spikes["pop"].any()


def test_the_weight_shift_is_capped_where_s16_15_ends(tmp_path: Path) -> None:
    """A shift above 15 would deliver more than S16.15 can hold; it is capped and the 16-bit weights
    that no longer fit are clipped and counted."""
    g = ir.Graph.sequential(ir.SparseLinear.from_dense(np.full((1, 50), 6e4)),
                            ir.LI(tau=np.full(1, 0.05), r=np.ones(1), v_leak=np.zeros(1)),
                            names=["w", "pop"], profile=ir.Profile(dt=1e-3, integration="exact", reset="zero"))
    be = get_backend("spinnaker")
    art = be.lower(g, tmp_path, {"spikes_per_second": 1000.0})
    report = art.manifest["report"]
    assert report["weight_shifts"][0]["excitatory"] == 15 and report["weights_clipped_16bit"] == 50
    x = np.ones((3, 1, 50))
    np.testing.assert_array_equal(be.board(art).run(x, 3).traces["pop"]["v"], be.numeric_mode_run(art, x, 3).traces["pop"]["v"])
    for bad in (0, 257):
        with pytest.raises(Exception, match="max_atoms_per_core must be 1..256"):
            be.lower(g, tmp_path / str(bad), {"max_atoms_per_core": bad})
