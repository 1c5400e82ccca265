"""The `--hil` pytest plugin, exercised in an inner pytest run."""

from __future__ import annotations

import pytest

TEST_FILE = '''
import numpy as np
from neurokit import ir

def model():
    rng = np.random.default_rng(0)
    return ir.Graph.sequential(ir.Linear(weight=rng.normal(0.6, 0.5, (6, 4))),
        ir.LIF(tau=np.full(6, 0.02), r=np.ones(6), v_leak=np.zeros(6), v_threshold=np.ones(6)))

def test_agrees(hil):
    x = (np.random.default_rng(1).random((30, 2, 4)) < 0.4) * 40.0
    report = hil.assert_agreement(model(), x)
    assert report.targets[0].own_mode.spike_agreement == 1.0
'''


def test_plugin_passes_on_an_exact_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=TEST_FILE)
    result = pytester.runpytest_subprocess("--hil=neurokit.hil.testing:EXACT", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_fails_with_the_first_divergence(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=TEST_FILE)
    result = pytester.runpytest_subprocess("--hil=neurokit.hil.testing:WRONG_ROUNDING", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*wrong_rounding: own-mode agreement=* < 1.0 first divergence={'sample':*"])


def test_plugin_skips_without_targets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=TEST_FILE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*run pytest with --hil=TARGETS*"])
