"""Regression tests for the robustness classes of issue #21: each bad input gives one line from
:mod:`neurokit.errors` (problem — fix), never a traceback, a memory blow-up or silent acceptance."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from neurokit import api, ir
from neurokit.cli import main
from neurokit.errors import ConfigError, DataNotFoundError, FileFormatError, GraphError, InvalidInputError, NeurokitError
from tools import fuzz


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and " — fix: " in text, text
    return text


def _mutated(tmp_path: Path, mutation: str, seed: int = 0) -> Path:
    d = fuzz.base_dict()
    fuzz.NIR_MUTATIONS[mutation][0](d, np.random.default_rng(seed))
    path = tmp_path / f"{mutation}.nir"
    fuzz.write_raw(path, d)
    return path


def _read(path: Path | io.BytesIO) -> ir.Graph:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ir.read(path)


# ---------------------------------------------------------------- 1: damaged files, inf in integer fields, dangling edges
@pytest.mark.parametrize("mutation, message", [
    ("inf_shape", r"shape must hold whole numbers, got \[1.0, inf, 4.0\]"),
    ("inf_latency", r"synapse_latency must be a whole number of steps"),
    ("inf_flatten", r"start_dim must hold whole numbers, got \[inf\]"),
    ("input_to_missing", r"edge \('input' -> 'missing'\) has unknown target 'missing'"),
    ("dangling_source", r"has unknown source 'ghost'"),
])
def test_integer_fields_and_dangling_edges_give_one_line(mutation: str, message: str, tmp_path: Path) -> None:
    path = _mutated(tmp_path, mutation)
    with pytest.raises(FileFormatError, match=message) as info:
        _read(path)
    assert _one_line(info.value).startswith(str(path))


def test_bit_flips_read_or_fail_in_one_line(tmp_path: Path) -> None:
    """Damaged HDF5 (random bit flips anywhere in the file): one neurokit line, never h5py's
    RuntimeError/KeyError, or (a flip in unused bytes) exactly the graph that was written."""
    outcomes = set()
    for seed in range(40):
        path = tmp_path / f"flip{seed}.nir"
        ir.write(fuzz.base_graph(), path)
        fuzz.f_bitflip(path, np.random.default_rng(seed))
        try:
            graph = _read(path)
        except NeurokitError as exc:
            _one_line(exc)
            outcomes.add("error")
            continue
        assert fuzz.same_graph(graph, fuzz.base_graph()), seed  # arrays carry fletcher32 checksums
        outcomes.add("read")
    assert outcomes == {"read", "error"}


# ---------------------------------------------------------------- 2: size guards before allocation
def test_huge_declared_dataset_is_refused_under_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.nir"
    ir.write(fuzz.base_graph(), path)
    fuzz.f_huge_dataset(path, np.random.default_rng(0))  # >= 8 GiB declared, kB on disk
    monkeypatch.setenv("NEUROKIT_MAX_BYTES", "1G")
    with pytest.raises(FileFormatError, match=r"declare \d+\.0 GiB, above the 1\.0 GiB limit \(largest: "
                                              r"/node/nodes/aff/weight, shape \((\d+), \1\) float64\)"):
        _read(path)
    monkeypatch.setenv("NEUROKIT_MAX_BYTES", "lots")
    with pytest.raises(ConfigError, match="NEUROKIT_MAX_BYTES='lots' is not a size"):
        _read(path)


def test_synapse_latency_and_delays_are_checked_before_allocating(tmp_path: Path) -> None:
    g = fuzz.base_graph()
    x = np.zeros((3, 1, 1, 4, 4))
    from neurokit import sim

    with pytest.raises(InvalidInputError, match=r"ring buffers .* synapse_latency 1000000000\) needs .* above the"):
        sim.simulate(g.with_profile(g.profile.replace(synapse_latency=10**9)), x, 3)
    with pytest.raises(GraphError, match=r"a delay of 1e\+10 steps"):
        sim.simulate(g.replace_node("d", ir.Delay(delay=np.full(3, 1e7))), x, 3)
    with pytest.raises(InvalidInputError, match=r"the recording \(10000000000 steps"):
        sim.simulate(g, x, 10**10)


def test_event_coordinates_are_checked_before_binning(tmp_path: Path) -> None:
    model = fuzz._input_model(tmp_path)
    events = fuzz._events(np.random.default_rng(0))
    np.savez(tmp_path / "late.npz", **{**events, "t": np.full(50, 10**15)})
    with pytest.raises(InvalidInputError, match=r"binned events \(1000000000001 steps .* up to t = 1000000000000000 µs"):
        api.simulate(model, tmp_path / "late.npz", progress=False)
    np.savez(tmp_path / "many.npz", **{**events, "sample": np.full(50, 10**12)})
    with pytest.raises(InvalidInputError, match=r"1000000000001 samples"):
        api.simulate(model, tmp_path / "many.npz", progress=False)


# ---------------------------------------------------------------- 3: linear graph algorithms
def test_twenty_thousand_node_chain_is_handled_in_linear_time() -> None:
    """A 20k-node chain: adjacency is built once (predecessors is a lookup, not a scan of every
    edge), so order, shapes and counts come out; ``tools/bench/graph_chain.py`` measures the time."""
    n = 20_000
    g = ir.Graph.sequential(ir.Input(shape=(2,)), *[ir.Scale(scale=np.ones(2)) for _ in range(n)])
    order = g.topological_order()
    assert order[0] == "0_input" and order[-1] == "output" and len(order) == n + 2
    assert g.infer_shapes()["output"] == ((2,), (2,))
    assert g.predecessors(f"{n}_scale") == [f"{n - 1}_scale"] and g.successors("0_input") == ["1_scale"]
    assert g.stats()["nodes"] == n + 2


# ---------------------------------------------------------------- 4: silent acceptance
@pytest.mark.parametrize("mutation, message", [
    ("complex_param", r"is complex \(complex128\); its imaginary part would be lost"),
    ("complex_weight", r"'weight' is complex"),
    ("float_latency", r"synapse_latency must be a whole number of steps in \[0, 2\*\*31\), got 2\.5"),
    ("float_flatten", r"end_dim must hold whole numbers, got \[2\.5\]"),
    ("float_shape", r"shape must hold whole numbers, got \[3\.5\]"),
    ("huge_delay", r"(a delay of .* steps|beyond the float32 range)"),
    ("huge_weight", r"'weight' reaches .*, beyond the float32 range"),
    ("duplicate_edge", r"is given twice"),
    ("name_clash", r"node name 'sub\.lin' is used twice"),
])
def test_invalid_values_are_refused_not_truncated(mutation: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(NeurokitError, match=message) as info:
        _read(_mutated(tmp_path, mutation, seed=3))
    _one_line(info.value)


def test_slash_in_a_node_name_is_refused() -> None:
    with pytest.raises(GraphError, match="contains '/'"):
        ir.Graph.sequential(ir.Input(shape=(2,)), ir.Scale(scale=np.ones(2)), names=["in", "a/b"])


def test_overflow_in_a_run_is_an_error() -> None:
    """Values inside float32's range can still overflow float32 arithmetic: the run says where."""
    from neurokit import sim

    g = ir.Graph.sequential(ir.Linear(weight=np.full((2, 2), 3e38)), ir.LI(tau=np.full(2, 0.01), r=np.ones(2),
                                                                             v_leak=np.zeros(2)),
                            profile=ir.Profile(numeric="float32"))
    with pytest.raises(InvalidInputError, match=r"node '.*' overflowed to inf/NaN at step 0 of sample 0"):
        sim.simulate(g, np.ones((3, 1, 2)), 3)


def test_negative_event_coordinates_and_zero_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = fuzz._input_model(tmp_path)
    events = fuzz._events(np.random.default_rng(0))
    np.savez(tmp_path / "neg.npz", **{**events, "x": -np.ones(50, np.int64)})
    with pytest.raises(InvalidInputError, match=r"event field 'x' holds negative values \(min -1\)"):
        api.simulate(model, tmp_path / "neg.npz", progress=False)
    np.savez(tmp_path / "ok.npz", **events)
    assert main(["simulate", str(model), "--input", str(tmp_path / "ok.npz"), "--steps", "0",
                 "--out", str(tmp_path / "r.h5")]) == 2
    assert "steps must be a whole number >= 1, got 0" in capsys.readouterr().err


def test_backend_option_ranges(tmp_path: Path) -> None:
    model = fuzz._input_model(tmp_path)
    with pytest.raises(ConfigError, match=r"crossbar option 'tile_rows' = -1 is outside \[1, inf\]"):
        api.deploy(model, "crossbar:pcm", tmp_path / "a", options={"tile_rows": -1})
    assert not (tmp_path / "a").exists()


# ---------------------------------------------------------------- 5: train configs
@pytest.mark.parametrize("name", sorted(k for k, (_, e) in fuzz.CONFIG_MUTATIONS.items() if e == "error"))
def test_invalid_train_config_is_refused_up_front(name: str) -> None:
    from neurokit.train import TrainConfig

    with pytest.raises(ConfigError) as info:
        TrainConfig.from_dict(dict(fuzz.CONFIG_MUTATIONS[name][0]))
    _one_line(info.value)


def test_every_train_config_field_has_a_rule_and_valid_configs_pass() -> None:
    import dataclasses

    from neurokit.train import TrainConfig
    from neurokit.train.config import FIELD_RULES

    assert {f.name for f in dataclasses.fields(TrainConfig)} <= set(FIELD_RULES)
    for name, (values, expect) in fuzz.CONFIG_MUTATIONS.items():
        if expect == "result":
            cfg = TrainConfig.from_dict(dict(values))
            assert TrainConfig.from_dict(cfg.to_dict()) == cfg, name


def test_train_cli_refuses_bad_values_before_loading_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[train]\nlr = -0.1\n")
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run")]) == 2
    assert "lr = -0.1 is out of range" in capsys.readouterr().err


# ---------------------------------------------------------------- 6: checkpoints
def _checkpoint(tmp_path: Path) -> Path:
    from neurokit.train.config import TrainConfig
    from neurokit.train.trainer import _save_checkpoint, build_model

    cfg = TrainConfig.from_dict({"hidden": [4], "steps": 3})
    model = build_model(cfg, (2, 4, 4))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    path = tmp_path / "checkpoint.pt"
    _save_checkpoint(path, model, opt, 0, cfg, [])
    return path


def test_checkpoint_checksum_catches_a_changed_weight(tmp_path: Path) -> None:
    from neurokit.train.trainer import _load_checkpoint

    path = _checkpoint(tmp_path)
    state = _load_checkpoint(path)
    key = next(k for k in state["model"] if k.endswith("weight"))
    state["model"][key].view(-1)[0] = 5e37  # what a flipped exponent bit did, silently
    torch.save(state, path)
    with pytest.raises(FileFormatError, match="checkpoint is corrupted: its contents do not match its checksum"):
        _load_checkpoint(path)


def test_checkpoint_byte_flips_and_foreign_files_give_one_line(tmp_path: Path) -> None:
    from neurokit.train.trainer import _load_checkpoint

    path = _checkpoint(tmp_path)
    good = path.read_bytes()
    rng = np.random.default_rng(0)
    for _ in range(10):
        data = bytearray(good)
        i = int(rng.integers(len(data) // 4, len(data) - 64))
        data[i] ^= 0x40
        path.write_bytes(bytes(data))
        try:
            _load_checkpoint(path)
        except FileFormatError as exc:
            _one_line(exc)
    for foreign in (b"not a checkpoint", json.dumps({"a": 1}).encode(), b""):
        path.write_bytes(foreign)
        with pytest.raises(FileFormatError, match="cannot read checkpoint") as info:
            _load_checkpoint(path)
        _one_line(info.value)


def test_stale_checkpoint_temporaries_are_removed(tmp_path: Path) -> None:
    from neurokit.util.atomic import remove_stale_temporaries

    path = _checkpoint(tmp_path)
    stale = tmp_path / ".checkpoint.pt.abc123.pt.tmp"
    stale.write_bytes(b"half a checkpoint")
    assert remove_stale_temporaries(path) == [stale] and not stale.exists() and path.is_file()


# ---------------------------------------------------------------- 7: artifacts swapped in atomically
def test_atomic_directory_never_mixes_old_and_new(tmp_path: Path) -> None:
    from neurokit.util.atomic import atomic_directory

    out = tmp_path / "artifact"
    with atomic_directory(out) as d:
        (d / "manifest.json").write_text('{"v": 1}')
        (d / "weights.h5").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(out) as d:  # killed half-way through the new artifact
        (d / "manifest.json").write_text('{"v": 2}')
        raise RuntimeError("killed")
    assert (out / "manifest.json").read_text() == '{"v": 1}' and (out / "weights.h5").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["artifact"]
    with atomic_directory(out) as d:
        (d / "manifest.json").write_text('{"v": 3}')
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_deploy_replaces_an_existing_artifact_whole(tmp_path: Path) -> None:
    model = fuzz._input_model(tmp_path)
    out = tmp_path / "art"
    out.mkdir()
    (out / "stale_from_another_model.h5").write_text("x")
    result = api.deploy(model, "crossbar:pcm", out)
    assert Path(result["artifact"]) == out and (out / "manifest.json").is_file()
    assert not (out / "stale_from_another_model.h5").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".art")] == []


# ---------------------------------------------------------------- 9: hostile files and names
def test_external_and_soft_links_are_refused(tmp_path: Path) -> None:
    for make, message in ((fuzz.f_external_link, r"/node/nodes/aff/weight is an external link to '.*other\.h5'"),
                          (fuzz.f_soft_link, r"/node/nodes/aff/weight is a soft link")):
        path = tmp_path / "linked.nir"
        ir.write(fuzz.base_graph(), path)
        make(path, np.random.default_rng(0))
        with pytest.raises(FileFormatError, match=message) as info:
            _read(path)
        _one_line(info.value)


@pytest.mark.parametrize("spec", ["crossbar:../../x", "crossbar:/etc/passwd", "crossbar:", "crossbar:unobtainium",
                                  "loihi3"])
def test_target_names_are_validated(spec: str, tmp_path: Path) -> None:
    from neurokit.backends import get_backend

    with pytest.raises((InvalidInputError, DataNotFoundError)) as info:
        get_backend(spec)
    _one_line(info.value)


def test_hil_with_an_unknown_target_exits_non_zero_before_loading(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hil", str(tmp_path / "missing.nir"), "--targets", "loihi3", "--report", str(tmp_path / "r")]) == 2
    assert "unknown target 'loihi3'" in capsys.readouterr().err


def test_pynn_export_is_data_not_pasted_code(tmp_path: Path) -> None:
    """``pynn/model.py`` is the fixed script; the network and the paths are data beside it."""
    from neurokit.backends.spinnaker.pynn import SCRIPT_SOURCE

    model = fuzz._input_model(tmp_path)
    out = tmp_path / "x'); import os; os.system('echo pwned'); ('"
    api.deploy(model, "spinnaker", out)
    script = out / "pynn" / "model.py"
    assert script.read_bytes() == Path(SCRIPT_SOURCE).read_bytes()
    assert "pwned" not in script.read_text()


def test_report_html_escapes_every_user_string(tmp_path: Path) -> None:
    from neurokit.hil.harness import HilReport, TargetResult
    from neurokit.hil.report import write_report

    evil = "<script>alert(1)</script>"
    rep = HilReport(model=evil, samples=1, steps=1, float_accuracy=None,
                    targets=[TargetResult(target=evil, status="failed", error=evil, faults={evil: evil})])
    _, html_path = write_report(rep, tmp_path)
    page = html_path.read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---------------------------------------------------------------- #20 item 4: empty data folders name the missing files
def test_train_and_data_show_on_an_empty_folder_name_the_missing_files(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    assert main(["train", "--dataset", "shd", "--data-dir", str(empty), "--epochs", "1",
                 "--out", str(tmp_path / "run")]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shd train files not found: expected " + str(empty) in err
    assert main(["data", "show", "shd", "--data-dir", str(empty), "--out", str(tmp_path / "s.png")]) == 4
    assert "files not found: expected " + str(empty) in capsys.readouterr().err


def test_hil_unknown_fault_key_is_an_error_before_anything_runs(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    model = fuzz._input_model(tmp_path)
    assert main(["hil", str(model), "--targets", "crossbar:pcm", "--fault", "crossbar:pcm:stuck_on=0.01",
                 "--report", str(tmp_path / "r")]) == 2
    assert "unknown crossbar fault 'stuck_on'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
