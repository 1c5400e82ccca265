"""MkDocs hooks: pages that stay true to the code — the CLI reference is generated from the argparse
parser, the benchmarks page from ``tools/bench/results/*.json`` and the figures under ``figures/``
by neurokit's own plot functions at build time."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _cli_reference() -> str:
    from neurokit.cli import build_parser

    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                parts += [f"## neurokit {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
                for sub_action in sub._actions:
                    if isinstance(sub_action, argparse._SubParsersAction):
                        for sub_name, subsub in sub_action.choices.items():
                            parts += [f"### neurokit {name} {sub_name}", "", "```text", subsub.format_help().rstrip(),
                                      "```", ""]
    return "\n".join(parts)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items() if not isinstance(x, dict))
    return str(v)


def _benchmarks() -> str:
    out = []
    for path in sorted((ROOT / "tools" / "bench" / "results").glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, list):  # a table of rows (e.g. one per model): keyed by their model name
            data = {str(r.get("model", i)) if isinstance(r, dict) else str(i): r for i, r in enumerate(data)}
        out += [f"## {path.stem}", "", f"Reproduce: `.venv/bin/python tools/bench/{path.stem}.py`", "",
                "| field | value |", "|---|---|"]
        for k, v in data.items():
            if k == "machine":
                continue
            out.append(f"| {k} | {_fmt(v)} |")
        out.append("")
    return "\n".join(out) or "No results yet."


def figures(out: Path) -> list[Path]:
    """Draw the documentation's figures into ``out`` with neurokit itself (seeded, a few seconds):
    surrogate derivatives, a raster of a small network from input to output, event-digits frames."""
    import numpy as np

    from neurokit import ir, sim
    from neurokit.api import data_show, poisson_inputs
    from neurokit.plots import curves, raster
    from neurokit.train.surrogate import SURROGATES, surrogate_derivative

    out.mkdir(parents=True, exist_ok=True)
    import torch

    u = torch.linspace(-1.0, 1.0, 201, dtype=torch.float64)
    curves({name: surrogate_derivative(name, u, 5.0).tolist() for name in SURROGATES}, out / "surrogates.png",
           x=u.tolist(), xlabel="u = v - v_th", ylabel="dz/du", title="surrogate derivatives (scale k = 5)")
    rng = np.random.default_rng(0)
    n_in, n_hidden, n_out = 20, 16, 4
    lif = ir.LIF(tau=np.full(n_hidden, 0.02), r=np.ones(n_hidden), v_leak=np.zeros(n_hidden),
                 v_threshold=np.ones(n_hidden))
    graph = ir.Graph.sequential(ir.Linear(weight=rng.normal(6.0, 6.0, (n_hidden, n_in))), lif,
                                ir.Linear(weight=rng.normal(0.5, 1.0, (n_out, n_hidden))),
                                ir.LI(tau=np.full(n_out, 0.05), r=np.ones(n_out), v_leak=np.zeros(n_out)),
                                names=["fc1", "lif1", "fc2", "readout"], profile=ir.Profile(dt=1e-3))
    x = poisson_inputs((n_in,), samples=1, steps=150, rate=0.05, seed=0)
    raster(sim.simulate(graph, x, record=("spikes",)), out / "raster.png", inputs=x,
           title="a 20-16-4 network in neurokit.sim: Poisson input, LIF layer, LI readout")
    data_show("event-digits", out=out / "event_digits.png", n=6, train=False)
    return sorted(out.glob("*.png"))


def on_files(files: Any, config: Any) -> Any:
    """Add the generated figures as ``figures/<name>.png`` (links to them are checked like any page's)."""
    import tempfile

    from mkdocs.structure.files import File

    with tempfile.TemporaryDirectory(prefix="neurokit-docs-") as tmp:
        for path in figures(Path(tmp)):
            files.append(File.generated(config, f"figures/{path.name}", content=path.read_bytes()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    if "<!-- bench-results -->" in markdown:
        markdown = markdown.replace("<!-- bench-results -->", _benchmarks())
    return markdown
