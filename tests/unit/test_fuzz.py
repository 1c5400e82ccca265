"""A bounded fuzz run in CI (``tools/fuzz.py``; the full run of >= 1000 cases is a script with
committed results): every mutated graph, simulate input, train config and target spec gives a
result or one line from :mod:`neurokit.errors`, and every invalid one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import fuzz


def test_bounded_fuzz_run_has_no_traceback_and_no_silent_acceptance(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROKIT_MAX_BYTES", str(fuzz.FUZZ_BUDGET_BYTES))
    cases = fuzz.generate(60, seed=2024)
    results = []
    for i, case in enumerate(cases):
        work = tmp_path / str(i)
        work.mkdir()
        results.append({**case.__dict__, **fuzz.run_case(case, work)})
    bad = [r for r in results if r["outcome"] in fuzz.BAD]
    assert bad == []
    summary = fuzz.summarize(results)
    assert summary["counts"]["error"] > 0 and summary["counts"]["result"] > 0
    assert set(summary["by_kind"]) == {"nir", "input", "config", "target"}


def test_generator_covers_every_mutation_and_is_reproducible() -> None:
    cases = fuzz.generate(1000, seed=0)
    assert cases == fuzz.generate(1000, seed=0) and len(cases) == 1000
    covered = {(c.kind, c.mutation) for c in cases}
    assert covered == {(kind, m) for kind, (_, muts) in fuzz.KINDS.items() for m in muts}
