"""MkDocs hooks: pages that stay true to the code — the CLI reference is generated from the argparse
parser and the benchmarks page from ``tools/bench/results/*.json`` at build time."""

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


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    if "<!-- bench-results -->" in markdown:
        markdown = markdown.replace("<!-- bench-results -->", _benchmarks())
    return markdown
