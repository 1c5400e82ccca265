"""MkDocs hooks: pages that stay true to the code — the CLI reference is generated from the argparse
parser, the benchmarks page from ``tools/bench/results/*.json`` and the figures under ``figures/``
by neurokit's own plot functions at build time."""

from __future__ import annotations

import argparse
import json
import re
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
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items() if not isinstance(x, (dict, list)))
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v)
    return str(v).replace("|", "\\|").replace("\n", " ")


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _short(v: Any) -> bool:
    """Fits in one table cell: a scalar, a few scalars in a list, a small dict of scalars."""
    if isinstance(v, str):
        return len(v) <= 160
    if _scalar(v):
        return True
    if isinstance(v, list):
        return len(v) <= 6 and all(_scalar(x) for x in v)
    if isinstance(v, dict):
        return len(v) <= 4 and all(_scalar(x) for x in v.values())
    return False


def _cells(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A row's short values, one level of small nested dicts flattened as ``key.sub``."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and not prefix and all(_scalar(x) for x in v.values()) and len(v) <= 4:
            out.update(_cells(v, f"{k}."))
        elif _short(v) and not isinstance(v, (dict, list)):
            out[prefix + str(k)] = v
    return out


def _table(rows: dict[str, dict[str, Any]], first: str) -> list[str]:
    """A markdown table, one row per key, the columns its rows' short values (at most 10)."""
    cells = {name: _cells(r) for name, r in rows.items()}
    columns = list(dict.fromkeys(c for r in cells.values() for c in r))[:10]
    if not columns:
        return []
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(_fmt(r.get(c, "–")) for c in columns) + " |" for name, r in cells.items()]
    return lines + [""]


def _is_table(v: Any) -> bool:
    return isinstance(v, dict) and len(v) > 0 and all(isinstance(r, dict) for r in v.values())


def _section(stem: str, data: Any, plotted: list[str]) -> list[str]:
    """One benchmark as markdown: headline figures in a table, row-shaped results as tables,
    long lists summarised (the plot shows them), the note and the machine in a line each."""
    if isinstance(data, list):  # a table of rows (e.g. one per model): keyed by their model name
        data = {"rows": data}
    parts = stem.split("_")
    names = ["_".join(parts[:i]) for i in range(len(parts), 0, -1)]  # fuzz_before -> fuzz
    script = next((f"tools/{d}{n}.py" for n in names for d in ("bench/", "")
                   if (ROOT / "tools" / f"{d}{n}.py").exists()), None)
    if script:  # <script>_spoken[_lr<LR>]: the method benchmarks' options (tools/bench/_methods.py)
        rest = stem[len(Path(script).stem):].split("_")[1:]
        script += "".join(" --dataset spoken-digits" if r == "spoken" else f" --lr {r[2:]}" if r.startswith("lr") else ""
                          for r in rest)
    out = [f"## {stem}", ""] + ([f"Reproduce: `.venv/bin/python {script}`", ""] if script else [])
    out += [f"![{stem}](figures/bench_{stem}.png)", ""] if stem in plotted else []
    headline = [(k, v) for k, v in data.items() if k not in ("machine", "note") and _short(v)]
    if headline:
        out += ["| figure | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in headline] + [""]
    for k, v in data.items():
        if k in ("machine", "note") or _short(v):
            continue
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            if len(v) <= 50 and k != "runs":  # per-seed runs: the summary table above has their means
                name = "model" if all("model" in r for r in v) else "#"
                out += [f"**{k}** ({len(v)} rows)", ""]
                out += _table({str(r.get("model", i)): r for i, r in enumerate(v)}, name)
            else:
                out += [f"**{k}**: {len(v)} rows, in `tools/bench/results/{stem}.json`.", ""]
        elif _is_table(v):
            if all(_is_table(r) for r in v.values()):  # one more level: a table per key
                for sub, rows in v.items():
                    out += [f"**{k}: {sub}**", ""] + _table(rows, sub)
            else:
                out += [f"**{k}**", ""] + _table(v, k)
        elif isinstance(v, dict) and len(v) <= 20:  # a key/value table; nested values in one cell
            out += [f"**{k}**", "", f"| {k} | value |", "|---|---|"]
            out += [f"| {sub} | {_fmt(x) if _short(x) or isinstance(x, dict) else f'{len(x)} values'} |"
                    for sub, x in v.items() if not _is_table(x)] + [""]
            for sub, x in v.items():
                if _is_table(x):
                    out += [f"**{k}: {sub}**", ""] + _table(x, sub)
        elif isinstance(v, dict):
            out += [f"**{k}**: {len(v)} entries, in `tools/bench/results/{stem}.json`.", ""]
        elif isinstance(v, list):
            where = "plotted above" if stem in plotted else f"in `tools/bench/results/{stem}.json`"
            nums = [x for x in v if isinstance(x, (int, float)) and not isinstance(x, bool)]
            median = f", median {_fmt(float(sorted(nums)[len(nums) // 2]))}" if len(nums) == len(v) else ""
            out += [f"**{k}**: {len(v)} values{median}, {where}.", ""]
        else:
            out += [f"**{k}**: {_fmt(v)}", ""]
    if isinstance(data.get("note"), str):
        out += [f"*Note:* {_fmt(data['note'])}", ""]
    m = data.get("machine")
    if isinstance(m, dict):
        out += [f"<small>Measured on {_fmt(m)}.</small>", ""]
    return out


def _bench_results() -> dict[str, Any]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "tools" / "bench" / "results").glob("*.json"))}


def bench_figures(out: Path) -> list[Path]:
    """Plots of the benchmark results where a picture beats numbers (``bench_<stem>.png``):
    accuracies with error bars over seeds, accuracy vs T and vs time, fuzz outcomes, attack
    success per budget."""
    from neurokit.plots import accuracy_vs_timesteps, bars, curves

    out.mkdir(parents=True, exist_ok=True)
    res = _bench_results()
    if "temporal_ablation" in res:
        t = res["temporal_ablation"]["table"]
        bars({k: {"accuracy": r["accuracy_mean"]} for k, r in t.items()}, out / "bench_temporal_ablation.png",
             errors={k: {"accuracy": r["accuracy_sd"]} for k, r in t.items()}, ylabel="test accuracy (mean ± sd)",
             title=f"temporal ablation on spoken digits ({res['temporal_ablation'].get('seeds')} seeds)")
    if "timestep_schedule" in res:
        t = res["timestep_schedule"]["table"]
        accuracy_vs_timesteps(t, out / "bench_timestep_schedule.png",
                              series=tuple(k for k in ("schedule", "direct", "schedule_learn") if all(k in r for r in t.values())),
                              title="accuracy vs T: schedule vs direct training",
                              labels={"schedule": "schedule", "direct": "direct at that T",
                                      "schedule_learn": "schedule + learned τ, threshold"})
    for stem in ("fuzz", "fuzz_before"):
        if stem in res and "by_kind" in res[stem].get("summary", {}):
            summary = res[stem]["summary"]
            bars({kind: {o: float(n) for o, n in c.items()} for kind, c in summary["by_kind"].items()},
                 out / f"bench_{stem}.png", ylabel="cases",
                 title=f"{stem}: outcome per input kind ({summary['cases']} cases)")
    if "attack" in res:
        a = res["attack"]["attacks"]
        budgets = list(range(max(len(v["success_by_budget"]) for v in a.values())))  # index = flips allowed
        curves({k: v["success_by_budget"] for k, v in a.items()}, out / "bench_attack.png", x=budgets,
               xlabel="budget (event flips)", ylabel="attack success rate", title="attack success vs budget")
    if "crossbar_vs_aihwkit" in res:
        c = res["crossbar_vs_aihwkit"]
        curves({"neurokit": c["neurokit_acc_mean"], "aihwkit": c["aihwkit_acc_mean"]},
               out / "bench_crossbar_vs_aihwkit.png", x=c["times_s"], logx=True,
               xlabel="time after programming (s)", ylabel=f"accuracy (mean ± std, {c['seeds']} seeds)",
               title="PCM drift: neurokit crossbar vs aihwkit",
               errors={"neurokit": c["neurokit_acc_std"], "aihwkit": c["aihwkit_acc_std"]})
    return sorted(out.glob("bench_*.png"))


def _benchmarks(plotted: list[str] | None = None) -> str:
    plotted = plotted if plotted is not None else [p.stem.removeprefix("bench_") for p in _PLOTTED]
    out: list[str] = []
    for stem, data in _bench_results().items():
        out += _section(stem, data, plotted)
    return "\n".join(out) or "No results yet."


_PLOTTED: list[Path] = []


def figures(out: Path) -> list[Path]:
    """Draw the documentation's figures into ``out`` with neurokit itself (seeded, a few seconds):
    surrogate derivatives, a raster of a small network from input to output, event-digits frames,
    and the learning curve of the train tutorial at full size from its recorded metrics
    (``docs/tutorials/data/train_metrics.jsonl``, written by ``tools/docs_outputs.py --learning-curve``)."""
    import numpy as np

    from neurokit import ir, sim
    from neurokit.api import data_show, poisson_inputs
    from neurokit.plots import curves, learning_curve, raster
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
    learning_curve(ROOT / "docs" / "tutorials" / "data" / "train_metrics.jsonl", out / "learning_curve.png",
                   title="train tutorial, full size: 512-256-10 LIF on event-digits, seed 0")
    return sorted(out.glob("*.png"))


def on_files(files: Any, config: Any) -> Any:
    """Add the generated figures as ``figures/<name>.png`` (links to them are checked like any page's)."""
    import tempfile

    from mkdocs.structure.files import File

    with tempfile.TemporaryDirectory(prefix="neurokit-docs-") as tmp:
        _PLOTTED[:] = bench_figures(Path(tmp))
        for path in figures(Path(tmp)):
            files.append(File.generated(config, f"figures/{path.name}", content=path.read_bytes()))
    return files


#: A Sphinx role as it reaches the page: the docstrings are rendered as markdown, so
#: ``:func:`~a.b.name``` arrives as ``:func:<code>~a.b.name</code>``.
SPHINX_ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|attr|data|obj|exc|const|math|term|ref):<code>(~?)([^<]*)</code>")


def _role_as_code(match: re.Match[str]) -> str:
    """``~a.b.name`` shows ``name`` (Sphinx's rule), ``.name`` shows ``name``, else the target as written."""
    tilde, target = match.groups()
    target = target.lstrip(".")
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def sphinx_roles_to_code(html: str) -> str:
    """Rewrite the Sphinx roles of the API docstrings (``docstring_style: sphinx`` parses fields
    such as ``:param:`` but leaves inline roles as text) into plain inline code."""
    return SPHINX_ROLE.sub(_role_as_code, html)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return sphinx_roles_to_code(html)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    if "<!-- bench-results -->" in markdown:
        markdown = markdown.replace("<!-- bench-results -->", _benchmarks())
    return markdown
