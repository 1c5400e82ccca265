"""What ``neurokit convert`` does: load (or train) a reference ANN, optionally QCFS-fine-tune it,
convert, simulate, report."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

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


def convert_model_file(model: str | os.PathLike[str] | None = None, *, arch: str = "mlp", calib: str = "digits",
                       timesteps: list[int] | None = None, percentile: float = 99.9, channelwise: bool = False,
                       qcfs_levels: int | None = None, finetune_epochs: int = 30,
                       confidence: float | str | None = None, maxpool: MaxPoolMode = "refuse",
                       out: str | os.PathLike[str] = "model.nir", seed: int = 0) -> dict[str, Any]:
    """Convert a ``state_dict`` file of architecture ``arch`` (or, with ``model=None``, a reference
    ANN trained here for 40 epochs, ~5 s) calibrated and evaluated on ``calib``; write ``out``
    (.nir) and ``<out stem>_report/`` (report.json, accuracy_vs_timesteps.png, model.nir).

    ``qcfs_levels``: swap the ReLUs for QCFS with that many levels; a state_dict that already has
    QCFS thresholds (``*.lam`` keys) is loaded as is, otherwise the ANN is fine-tuned for
    ``finetune_epochs`` epochs on the training split first.
    """
    if calib != "digits":
        raise InvalidInputError(f"calibration dataset {calib!r} is not supported by the CLI",
                                fix="use --calib digits, or call neurokit.convert.convert() from Python with your data")
    if arch not in ARCHS:
        raise InvalidInputError(f"unknown architecture {arch!r}", fix=f"choose one of {sorted(ARCHS)}")
    data = digits_data()
    torch.manual_seed(seed)
    net = build(arch)
    state = _load_state(Path(model)) if model is not None else None
    has_lam = state is not None and any(k.endswith(".lam") for k in state)
    if has_lam and qcfs_levels is None:
        raise InvalidInputError("the state_dict has QCFS thresholds (*.lam) but --qcfs was not given",
                                fix="pass --qcfs LEVELS with the levels it was trained with")
    calib_x = torch.from_numpy(data["x_train"][:500])
    if state is not None and not has_lam:
        _load_into(net, state, arch, model)
    elif state is None:
        fit(net, data, epochs=DEFAULT_TRAIN_EPOCHS, seed=seed)
    reference = None
    if qcfs_levels is not None:
        if has_lam:
            net = qcfs(net, qcfs_levels)
            _load_into(net, state, arch, model)  # type: ignore[arg-type]
        else:
            reference = ann_accuracy(net, data["x_test"], data["y_test"])
            net = fit(qcfs(net, qcfs_levels, calib=calib_x), data, epochs=finetune_epochs, lr=1e-3, seed=seed)
    out = Path(out)
    report_dir = out.parent / (out.stem + "_report")
    steps = timesteps or [4, 8, 16, 32, 64]
    rep = conversion_report(net, data, timesteps=steps, out_dir=report_dir, percentile=percentile,
                            channelwise=channelwise, name=arch if qcfs_levels is None else f"{arch}+qcfs{qcfs_levels}",
                            confidence=confidence, maxpool=maxpool, reference_acc=reference)
    shutil.copyfile(report_dir / "model.nir", out)
    if qcfs_levels is not None and not has_lam:
        torch.save(net.state_dict(), report_dir / "qcfs_state_dict.pt")
    rep["report_dir"] = str(report_dir)
    return rep


def _load_into(net: torch.nn.Module, state: dict[str, torch.Tensor], arch: str, path: object) -> None:
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        raise FileFormatError(f"the state_dict does not fit architecture {arch!r} ({str(exc).splitlines()[0]})",
                              where=str(path), fix=f"save with torch.save(model.state_dict()) from a model built "
                                                   f"like neurokit.convert.digits.{ARCHS[arch].__name__}(), or "
                                                   "pick the right --arch") from None
