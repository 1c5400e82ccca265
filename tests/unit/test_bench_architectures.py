"""The architecture benchmark's deploy samples: spread evenly over the test split, not its first ones
(spoken-digits' first test samples are one speaker), and the committed results render with them."""

from __future__ import annotations

import json

import numpy as np

from tools.bench import architectures


def test_deploy_indices_span_the_split() -> None:
    idx = architectures.deploy_indices(480, 16)
    assert len(idx) == 16 and idx[0] == 0 and idx[-1] == 479
    gaps = np.diff(idx)
    assert gaps.min() >= 31 and gaps.max() <= 32  # round(k * 479 / 15)
    assert architectures.deploy_indices(5, 16) == [0, 1, 2, 3, 4]  # never more than the split
    assert architectures.deploy_indices(480, 1) == [0] and architectures.deploy_indices(480, 0) == []


def test_committed_deploy_matrices_use_the_spread_samples() -> None:
    files = sorted(architectures.RESULTS.glob("architectures_*.json"))
    assert files
    for path in files:
        for ds, entry in json.loads(path.read_text())["datasets"].items():
            deploy = entry["deploy"]
            assert deploy["selection"] == architectures.DEPLOY_SELECTION, (path.name, ds)
            assert len(deploy["sample_indices"]) == deploy["samples"] == len(deploy["labels"]) == 16
            assert deploy["sample_indices"][-1] > deploy["samples"], (path.name, ds)  # not the first samples
    table = architectures.render()
    assert "| float model accuracy | samples |" in table and "| 16 |" in table
