"""What ``neurokit convert`` does: load (or train) a reference ANN, optionally QCFS-fine-tune it,
convert, simulate, report."""

from __future__ import annotations

import importlib
import os
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neurokit.errors import DataNotFoundError, FileFormatError, InvalidInputError

from .digits import ARCHS, ann_accuracy, build, digits_data, fit
from .qcfs import qcfs
from .report import conversion_report
from .trace import MaxPoolMode

DEFAULT_TRAIN_EPOCHS = 40


def _load_state(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise DataNotFoundError(f"model file {str(path)!r} not found", fix="check the path")
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except (RuntimeError, KeyError, OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
        raise FileFormatError(f"cannot read a state_dict ({str(exc).splitlines()[0]})", where=str(path),
                              fix="save with torch.save(model.state_dict())") from None
    if not isinstance(state, dict):
        raise FileFormatError(f"the file holds a {type(state).__name__}, not a state_dict", where=str(path),
                              fix="save with torch.save(model.state_dict()), not the whole model")
    return state


MODULE_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def load_calibration(calib: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Calibration and evaluation arrays: ``x_train``/``y_train`` (calibration, fine-tuning) and
    ``x_test``/``y_test`` (evaluation), from a dataset name (``digits``) or a file.

    ``.npz``: ``x_train``, ``y_train``, ``x_test``, ``y_test``; or ``x`` and ``y`` (used for both);
    or ``x`` alone. ``.npy``: the inputs alone, shape ``(N, *input_shape)``. Without labels the
    ANN's own predictions are the labels (the SNN's "accuracy" is then its agreement with the ANN;
    ``labels`` says so).
    """
    text = str(calib)
    if text == "digits":
        return {**digits_data(), "labels": np.asarray("dataset")}
    path = Path(text)
    if path.suffix not in (".npy", ".npz"):
        raise InvalidInputError(f"calibration data {text!r} is neither a dataset name nor a .npy/.npz file",
                                fix="use --calib digits, or a .npz with x_train/y_train/x_test/y_test (or x, y), "
                                    "or a .npy of inputs")
    if not path.is_file():
        raise DataNotFoundError(f"calibration file {text!r} not found", fix="check the path")
    try:
        loaded = np.load(path, allow_pickle=False)
        arrays = {"x": loaded} if isinstance(loaded, np.ndarray) else {k: loaded[k] for k in loaded.files}
    except (ValueError, OSError, EOFError) as exc:
        raise FileFormatError(f"cannot read the calibration file ({str(exc).splitlines()[0]})", where=text,
                              fix="save arrays with np.save / np.savez (no pickled objects)") from None
    if {"x_train", "x_test"} <= arrays.keys():
        data = {k: arrays[k] for k in ("x_train", "y_train", "x_test", "y_test") if k in arrays}
    elif "x" in arrays:
        data = {"x_train": arrays["x"], "x_test": arrays["x"]}
        if "y" in arrays:
            data |= {"y_train": arrays["y"], "y_test": arrays["y"]}
    else:
        raise FileFormatError(f"the .npz holds {sorted(arrays)}", where=text,
                              fix="name the arrays x_train, y_train, x_test, y_test (or x and y)")
    for key in ("x_train", "x_test"):
        if data[key].ndim < 2 or len(data[key]) == 0 or not np.issubdtype(data[key].dtype, np.number):
            raise FileFormatError(f"{key} has shape {data[key].shape} and dtype {data[key].dtype}", where=text,
                                  fix="store numeric inputs of shape (N, *input_shape)")
        data[key] = data[key].astype(np.float32)
    labelled = "y_train" in data and "y_test" in data
    for key in ("y_train", "y_test"):
        if key in data:
            data[key] = data[key].astype(np.int64).reshape(-1)
            if len(data[key]) != len(data["x" + key[1:]]):
                raise FileFormatError(f"{key} has {len(data[key])} labels for {len(data['x' + key[1:]])} inputs",
                                      where=text, fix="give one integer label per input")
    data["labels"] = np.asarray("dataset" if labelled else "ann")
    return data


def model_kind(model: str | os.PathLike[str]) -> str:
    """``"onnx"`` (a ``.onnx`` file), ``"builder"`` (``module:function``, not an existing file) or ``"state_dict"``."""
    text = str(model)
    if text.endswith(".onnx"):
        return "onnx"
    return "builder" if MODULE_FUNCTION.match(text) and not Path(text).exists() else "state_dict"


def load_ann(model: str | os.PathLike[str] | None, *, arch: str = "mlp",
             weights: str | os.PathLike[str] | None = None) -> tuple[torch.nn.Module | None, str]:
    """The ANN ``model`` names and a display name: an ONNX file (``.onnx``), a ``module:function``
    that returns an ``nn.Module`` (then ``weights``, a state_dict file, is loaded into it), or a
    state_dict file of the built-in ``arch``. ``None`` (train the reference ``arch``) gives ``(None, arch)``."""
    if model is None:
        if weights is not None:
            raise InvalidInputError("--weights needs MODEL (a module:function)", fix="pass MODEL or drop --weights")
        return None, arch
    text = str(model)
    kind = model_kind(text)
    if kind == "onnx":
        from .onnx_import import load_onnx

        return load_onnx(text), Path(text).stem
    if kind == "builder":
        module_name, func_name = text.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise InvalidInputError(f"cannot import {module_name!r} ({exc})",
                                    fix="put the module on PYTHONPATH (or run from its folder)") from None
        builder = getattr(module, func_name, None)
        if not callable(builder):
            raise InvalidInputError(f"{module_name!r} has no function {func_name!r}", fix="name a function that "
                                    "returns an nn.Module, e.g. mypkg.models:build")
        net = builder()
        if not isinstance(net, torch.nn.Module):
            raise InvalidInputError(f"{text} returned a {type(net).__name__}, not a torch.nn.Module",
                                    fix="return the (trained) model from that function")
        if weights is not None:
            _load_into(net, _load_state(Path(weights)), text, weights)
        return net.eval(), func_name
    if weights is not None:
        raise InvalidInputError("--weights goes with a module:function MODEL", fix="drop --weights")
    if arch not in ARCHS:
        raise InvalidInputError(f"unknown architecture {arch!r}", fix=f"choose one of {sorted(ARCHS)}")
    state = _load_state(Path(text))
    net = build(arch)
    if not any(k.endswith(".lam") for k in state):
        _load_into(net, state, arch, model)
    return net, arch


def _check_runs(net: torch.nn.Module, x: np.ndarray, name: str) -> None:
    try:
        with torch.no_grad():
            net.eval()(torch.from_numpy(np.asarray(x[:2], dtype=np.float32)))
    except (RuntimeError, ValueError, TypeError) as exc:
        raise InvalidInputError(f"model {name!r} does not run on calibration inputs of shape {x.shape[1:]} "
                                f"({str(exc).splitlines()[0][:160]})",
                                fix="give --calib data of the model's input shape") from None


def convert_model_file(model: str | os.PathLike[str] | None = None, *, arch: str = "mlp", calib: str = "digits",
                       timesteps: list[int] | None = None, percentile: float = 99.9, channelwise: bool = False,
                       qcfs_levels: int | None = None, finetune_epochs: int = 30,
                       confidence: float | str | None = None, maxpool: MaxPoolMode = "refuse",
                       out: str | os.PathLike[str] = "model.nir", seed: int = 0,
                       weights: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Convert ``model`` (see :func:`load_ann`: an ONNX file, a ``module:function``, a ``state_dict``
    file of architecture ``arch``, or, with ``model=None``, a reference ANN trained here for 40
    epochs, ~5 s) calibrated and evaluated on ``calib`` (see :func:`load_calibration`); write
    ``out`` (.nir) and ``<out stem>_report/`` (report.json, accuracy_vs_timesteps.png, model.nir).

    ``qcfs_levels``: swap the ReLUs for QCFS with that many levels; a state_dict that already has
    QCFS thresholds (``*.lam`` keys) is loaded as is, otherwise the ANN is fine-tuned for
    ``finetune_epochs`` epochs on the training split first.
    """
    if arch not in ARCHS:
        raise InvalidInputError(f"unknown architecture {arch!r}", fix=f"choose one of {sorted(ARCHS)}")
    data = load_calibration(calib)
    torch.manual_seed(seed)
    net, name = load_ann(model, arch=arch, weights=weights)
    state = _load_state(Path(model)) if model is not None and model_kind(model) == "state_dict" else None
    has_lam = state is not None and any(k.endswith(".lam") for k in state)
    if has_lam and qcfs_levels is None:
        raise InvalidInputError("the state_dict has QCFS thresholds (*.lam) but --qcfs was not given",
                                fix="pass --qcfs LEVELS with the levels it was trained with")
    if net is None:
        if str(data["labels"]) != "dataset":
            raise InvalidInputError("training the reference ANN needs labelled data",
                                    fix="pass MODEL, or --calib digits / a .npz with labels")
        net = fit(build(arch), data, epochs=DEFAULT_TRAIN_EPOCHS, seed=seed)
    _check_runs(net, data["x_train"], name)
    if str(data["labels"]) == "ann":
        with torch.no_grad():
            for split in ("train", "test"):
                data[f"y_{split}"] = net.eval()(torch.from_numpy(data[f"x_{split}"])).argmax(1).numpy()
    calib_x = torch.from_numpy(data["x_train"][:500])
    reference = None
    if qcfs_levels is not None:
        if has_lam:
            net = qcfs(net, qcfs_levels)
            _load_into(net, state, arch, model)  # type: ignore[arg-type]
        else:
            if str(data["labels"]) != "dataset":
                raise InvalidInputError("QCFS fine-tuning needs labelled data", fix="pass labels (y) in --calib")
            reference = ann_accuracy(net, data["x_test"], data["y_test"])
            net = fit(qcfs(net, qcfs_levels, calib=calib_x), data, epochs=finetune_epochs, lr=1e-3, seed=seed)
    out = Path(out)
    report_dir = out.parent / (out.stem + "_report")
    steps = timesteps or [4, 8, 16, 32, 64]
    rep = conversion_report(net, data, timesteps=steps, out_dir=report_dir, percentile=percentile,
                            channelwise=channelwise, name=name if qcfs_levels is None else f"{name}+qcfs{qcfs_levels}",
                            confidence=confidence, maxpool=maxpool, reference_acc=reference)
    shutil.copyfile(report_dir / "model.nir", out)
    if qcfs_levels is not None and not has_lam:
        torch.save(net.state_dict(), report_dir / "qcfs_state_dict.pt")
    rep["report_dir"] = str(report_dir)
    rep["labels"] = str(data["labels"])
    return rep


def _load_into(net: torch.nn.Module, state: dict[str, torch.Tensor], arch: str, path: object) -> None:
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        if arch not in ARCHS:
            raise FileFormatError(f"the state_dict does not fit the model of {arch} ({str(exc).splitlines()[0]})",
                                  where=str(path), fix="save it from the model that function builds") from None
        raise FileFormatError(f"the state_dict does not fit architecture {arch!r} ({str(exc).splitlines()[0]})",
                              where=str(path), fix=f"save with torch.save(model.state_dict()) from a model built "
                                                   f"like neurokit.convert.digits.{ARCHS[arch].__name__}(), or "
                                                   "pick the right --arch") from None
