"""The documentation builds in strict mode and every tutorial script runs (reduced size)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools import docs_outputs

REPO = Path(__file__).resolve().parents[2]
#: A Sphinx role left as text in a page: ``:func:`x``` in markdown, ``:func:<code>x</code>`` once rendered.
RAW_ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|attr|data|obj|exc|const|math):(?:`|<code>)")
TUTORIALS = sorted((REPO / "docs" / "tutorials").glob("*_tutorial.py"))


def test_docs_build_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cli = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text()
    assert "neurokit pipeline" in cli and "neurokit deploy" in cli  # generated from the parser
    assert "cuba" in (tmp_path / "site" / "benchmarks" / "index.html").read_text()
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text()
    assert "neurokit.ir.passes" in api and "<code>" in api
    assert not RAW_ROLE.search(api), RAW_ROLE.search(api)  # #20 item 8: no raw :mod:/:func: roles
    for page in (tmp_path / "site").rglob("*.html"):
        assert not RAW_ROLE.search(page.read_text()), page
    bench = (tmp_path / "site" / "benchmarks" / "index.html").read_text()
    assert bench.count("<table>") >= 20  # tables of figures, not a JSON dump
    for name in ("temporal_ablation", "timestep_schedule", "fuzz", "fuzz_before", "attack", "crossbar_vs_aihwkit"):
        assert (tmp_path / "site" / "figures" / f"bench_{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f'src="../figures/bench_{name}.png"' in bench
    assert "success_by_budget" not in bench and "0.010309278" not in bench  # long lists are plotted, not printed
    for name in ("surrogates", "raster", "event_digits"):  # drawn by docs/hooks.py with neurokit.plots
        assert (tmp_path / "site" / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"../../figures/{name}.png" in (tmp_path / "site" / "tutorials" / "layers" / "index.html").read_text()
    # #20 item 8: the learning curve on the train tutorial, accuracy vs T on the timestep-schedule page,
    # each tutorial's executed output (and its figures) on its page
    assert (tmp_path / "site" / "figures" / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "../../figures/learning_curve.png" in (tmp_path / "site" / "tutorials" / "train" / "index.html").read_text()
    schedule = (tmp_path / "site" / "methods" / "timestep-schedule" / "index.html").read_text()
    assert "../../figures/bench_timestep_schedule.png" in schedule
    for script in TUTORIALS:
        name = script.stem.removesuffix("_tutorial")
        html = (tmp_path / "site" / "tutorials" / name / "index.html").read_text()
        assert 'class="admonition example"' in html and "Output" in html, name
        for rel in docs_outputs.FIGURES.get(name, ()):
            png = tmp_path / "site" / "tutorials" / "img" / name / docs_outputs.figure_name(rel)
            assert png.read_bytes()[:4] == b"\x89PNG" and f"../img/{name}/{png.name}" in html


@pytest.mark.parametrize("script", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs_and_prints_what_its_page_shows(script: Path, tmp_path: Path, event_digits_root: Path) -> None:
    """#20 item 8: each page shows the script's executed output; a fresh run (reduced size, as
    ``tools/docs_outputs.py`` records it) must print exactly that, and save the figures the page shows."""
    name = script.stem.removesuffix("_tutorial")
    proc = docs_outputs.run_tutorial(name, tmp_path, cache=event_digits_root)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    page = (REPO / "docs" / "tutorials" / f"{name}.md").read_text()
    assert docs_outputs.normalize(proc.stdout) == docs_outputs.page_output(page), \
        f"the output on docs/tutorials/{name}.md is stale: run tools/docs_outputs.py {name}"
    assert docs_outputs.block(name, docs_outputs.page_output(page)) in page  # the block as the tool writes it
    for rel in docs_outputs.FIGURES.get(name, ()):
        assert (tmp_path / rel).read_bytes()[:4] == b"\x89PNG", rel  # the script still saves it
        committed = REPO / "docs" / "tutorials" / "img" / name / docs_outputs.figure_name(rel)
        assert committed.read_bytes()[:4] == b"\x89PNG" and f"(img/{name}/{committed.name})" in page


def test_every_tutorial_has_a_page() -> None:
    pages = {p.stem for p in (REPO / "docs" / "tutorials").glob("*.md")}
    assert {s.stem.removesuffix("_tutorial") for s in TUTORIALS} == pages


def _hooks() -> object:
    spec = importlib.util.spec_from_file_location("neurokit_docs_hooks", REPO / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sphinx_roles_become_inline_code() -> None:
    hooks = _hooks()
    html = ("see :func:<code>~neurokit.ir.passes.csr.node_to_csr</code>, :mod:<code>neurokit.sim</code>, "
            ":meth:<code>.advance</code> and :math:<code>v &lt; v_{th}</code>; keep <code>a:b</code>")
    assert hooks.sphinx_roles_to_code(html) == ("see <code>node_to_csr</code>, <code>neurokit.sim</code>, "
                                                "<code>advance</code> and <code>v &lt; v_{th}</code>; keep <code>a:b</code>")


def test_a_benchmark_renders_as_tables_with_long_lists_left_to_the_plot() -> None:
    hooks = _hooks()
    data = {"table": {"ff": {"accuracy_mean": 0.7, "accuracy_sd": 0.04, "runs": [0.66, 0.7, 0.74]},
                      "recurrent": {"accuracy_mean": 0.725, "accuracy_sd": 0.013, "runs": [0.71, 0.73, 0.735]}},
            "success_by_budget": [i / 50 for i in range(51)], "seeds": 3, "claim_holds": True,
            "machine": {"cpu": "test cpu", "load_avg_1m": 1.5}, "note": "a note"}
    md = "\n".join(hooks._section("temporal_ablation", json.loads(json.dumps(data)), ["temporal_ablation"]))
    assert "![temporal_ablation](figures/bench_temporal_ablation.png)" in md
    assert "| seeds | 3 |" in md and "| claim_holds | yes |" in md
    assert "| table | accuracy_mean | accuracy_sd |" in md and "| ff | 0.7 | 0.04 |" in md
    assert "**success_by_budget**: 51 values, median 0.5, plotted above." in md and "0.02" not in md
    assert "*Note:* a note" in md and "test cpu" in md


def test_the_output_block_round_trips_and_keeps_the_rest_of_the_page() -> None:
    page = f"# A tutorial\n\n```python\ncode\n```\n\n{docs_outputs.BEGIN}\n{docs_outputs.END}\n\n## After\n"
    printed = "accuracy 0.789\n\n  indented line\n{'epoch': 2}"
    once = docs_outputs.embed(page, docs_outputs.block("convert", printed))
    assert docs_outputs.page_output(once) == printed
    assert once.startswith("# A tutorial\n\n```python\ncode\n```\n\n") and once.endswith("\n\n## After\n")
    assert docs_outputs.embed(once, docs_outputs.block("convert", printed)) == once  # rewriting is idempotent
    assert "(img/convert/tutorial-convert_accuracy_vs_timesteps.png)" in once
    assert docs_outputs.normalize("a  \nb\n\n") == "a\nb"
    with pytest.raises(ValueError, match="no output block"):
        docs_outputs.page_output("# a page without the markers")
