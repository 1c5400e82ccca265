"""Warnings raised deep inside neurokit name the caller's line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

from neurokit.convert import convert
from neurokit.convert.trace import ConversionApproximationWarning


def test_a_conversion_warning_points_at_the_callers_line() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32, 3))
    calib = torch.rand(8, 1, 8, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        convert(model, calib, maxpool="avg")
    hits = [w for w in caught if issubclass(w.category, ConversionApproximationWarning)]
    assert len(hits) == 1 and hits[0].filename == __file__
    with pytest.warns(ConversionApproximationWarning, match="MaxPool2d replaced"):
        convert(model, np.asarray(calib), maxpool="avg")


def test_a_user_file_whose_name_starts_like_the_package_is_not_skipped(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """``<dir>/neurokit_demo.py`` shares the string prefix of ``<dir>/neurokit/`` but is the user's file."""
    import os
    import runpy

    from neurokit.util import warn

    monkeypatch.setattr(warn, "PACKAGE_DIR", str(tmp_path / "neurokit") + os.sep)
    script = tmp_path / "neurokit_demo.py"
    script.write_text("from neurokit.util.warn import warn_user\nwarn_user('hello', UserWarning)\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runpy.run_path(str(script))
    assert [w.filename for w in caught] == [str(script)]
