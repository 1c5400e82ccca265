"""`neurokit convert` takes any model: an ONNX file written by torch.onnx (a producer we did not
write), a `module:function` that builds the model, calibration data from .npy/.npz files."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from neurokit.cli import main
from neurokit.convert import fit
from neurokit.convert.digits import digits_data

BUILDER = '''
from torch import nn


def build():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2),
                         nn.Dropout(0.1), nn.Flatten(), nn.Linear(8 * 16, 32), nn.ReLU(), nn.Linear(32, 10))


def not_a_model():
    return 3
'''


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small CNN trained 6 epochs on digits, saved as a state_dict, a builder module and ONNX."""
    root = tmp_path_factory.mktemp("models")
    (root / "fh_any_models.py").write_text(BUILDER)
    sys.path.insert(0, str(root))
    import fh_any_models

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny CNN: more threads only contend on a shared machine
    torch.manual_seed(0)
    data = digits_data()
    net = fit(fh_any_models.build(), data, epochs=6, seed=0).eval()
    torch.set_num_threads(threads)
    torch.save(net.state_dict(), root / "weights.pt")
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated, and exactly what users run
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(net, (torch.zeros(1, 1, 8, 8),), str(root / "cnn.onnx"), dynamo=False,
                          input_names=["x"], output_names=["logits"], dynamic_axes={"x": {0: "batch"}})
    np.savez(root / "calib.npz", x_train=data["x_train"][:300], y_train=data["y_train"][:300],
             x_test=data["x_test"][:150], y_test=data["y_test"][:150])
    np.save(root / "inputs.npy", data["x_test"][:80])
    yield {"root": root, "weights": root / "weights.pt", "onnx": root / "cnn.onnx", "npz": root / "calib.npz",
           "npy": root / "inputs.npy"}
    sys.path.remove(str(root))


def _report(path: Path) -> dict:
    return json.loads((path.parent / (path.stem + "_report") / "report.json").read_text())


def test_onnx_export_converts_like_the_torch_model(trained: dict[str, Path], tmp_path: Path) -> None:
    ops = [n.op_type for n in onnx.load(str(trained["onnx"])).graph.node]
    assert "Conv" in ops and "Gemm" in ops  # torch.onnx folded the BatchNorm into the Conv itself
    args = ["--calib", str(trained["npz"]), "--timesteps", "8,24"]
    assert main(["convert", str(trained["onnx"]), *args, "--out", str(tmp_path / "from_onnx.nir")]) == 0
    assert main(["convert", "fh_any_models:build", "--weights", str(trained["weights"]), *args,
                 "--out", str(tmp_path / "from_torch.nir")]) == 0
    via_onnx, via_torch = _report(tmp_path / "from_onnx.nir"), _report(tmp_path / "from_torch.nir")
    assert via_torch["ann_acc"] > 0.8
    assert via_onnx["ann_acc"] == via_torch["ann_acc"]
    assert via_onnx["snn_acc"] == via_torch["snn_acc"]
    assert via_onnx["snn_acc"]["24"] >= via_onnx["ann_acc"] - 0.05
    assert via_onnx["graph"] == via_torch["graph"]


def test_npy_inputs_without_labels_measure_agreement_with_the_ann(trained: dict[str, Path], tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(trained["onnx"]), "--calib", str(trained["npy"]), "--timesteps", "24",
                 "--out", str(tmp_path / "m.nir")]) == 0
    rep = _report(tmp_path / "m.nir")
    assert rep["ann_acc"] == 1.0 and 0.8 <= rep["snn_acc"]["24"] <= 1.0  # labels are the ANN's predictions
    assert "SNN acc" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message", "code"), [
    (["fh_any_models:missing"], "has no function 'missing'", 2),
    (["fh_any_models:not_a_model"], "returned a int, not a torch.nn.Module", 2),
    (["no_such_module_fh:build"], "cannot import 'no_such_module_fh'", 2),
    (["fh_any_models:build", "--calib", "mnist"], "neither a dataset name nor a .npy/.npz", 2),
    (["fh_any_models:build", "--calib", "missing.npz"], "calibration file 'missing.npz' not found", 4),
    (["missing.onnx"], "ONNX file 'missing.onnx' not found", 4),
])
def test_bad_models_and_calibration_give_one_line_errors(trained: dict[str, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str], argv: list[str],
                                                         message: str, code: int) -> None:
    assert main(["convert", *argv, "--out", str(tmp_path / "x.nir")]) == code
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_unsupported_onnx_ops_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onnx import TensorProto, helper

    node = helper.make_node("Sigmoid", ["x"], ["y"], name="squash")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])])
    onnx.save(helper.make_model(graph), str(tmp_path / "sig.onnx"))
    (tmp_path / "junk.onnx").write_bytes(b"not onnx")
    assert main(["convert", str(tmp_path / "sig.onnx"), "--out", str(tmp_path / "x.nir")]) == 3
    assert "squash: ONNX op Sigmoid is not supported" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "junk.onnx"), "--out", str(tmp_path / "x.nir")]) == 2
    assert "not a valid ONNX model" in capsys.readouterr().err


def test_onnx_matmul_add_and_reshape_are_read(tmp_path: Path) -> None:
    """A hand-built ONNX graph (MatMul + Add bias, Reshape flatten) computes what numpy computes."""
    from onnx import TensorProto, helper, numpy_helper

    from neurokit.convert.onnx_import import load_onnx

    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(64, 10)).astype(np.float32), rng.normal(size=10).astype(np.float32)
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["mm"]),
             helper.make_node("Add", ["mm", "b"], ["z"]), helper.make_node("Relu", ["z"], ["y"])]
    inits = [numpy_helper.from_array(np.array([-1, 64], np.int64), "shape"), numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(b, "b")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 10])], inits)
    onnx.save(helper.make_model(graph), str(tmp_path / "mm.onnx"))
    net = load_onnx(tmp_path / "mm.onnx")
    x = rng.random((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, np.maximum(x.reshape(2, 64) @ w + b, 0), rtol=1e-5, atol=1e-5)
    assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 1
