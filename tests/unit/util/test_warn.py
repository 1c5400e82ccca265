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
