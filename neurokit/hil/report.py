"""The harness report: ``report.json`` for CI and ``report.html`` with tables and raster overlays."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.util.atomic import atomic_write_text

from .harness import HilReport, TargetResult


def _raster_png(result: TargetResult, sample: int = 0) -> str:
    """Base64 PNG overlaying reference (grey) and target (red x) spikes of every compared node."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ref, run = result.reference, result.run
    if ref is None or run is None:
        return ""
    nodes = [n for n in ref.spikes if n in run.spikes]
    fig, axes = plt.subplots(len(nodes), 1, figsize=(8, 1.6 + 1.2 * len(nodes)), squeeze=False, sharex=True)
    for ax, node in zip(axes[:, 0], nodes):
        a = ref.spikes[node][:, sample].reshape(ref.spikes[node].shape[0], -1)
        b = run.spikes[node][:, sample].reshape(run.spikes[node].shape[0], -1)
        ta, na = np.nonzero(a)
        tb, nb = np.nonzero(b)
        ax.scatter(ta, na, s=14, c="0.6", marker="|", label="reference")
        ax.scatter(tb, nb, s=10, c="tab:red", marker="x", linewidths=0.8, label=result.target)
        ax.set_ylabel(node, rotation=0, ha="right", fontsize=8)
        ax.tick_params(labelsize=7)
    div = result.first_divergence
    if div:
        for ax, node in zip(axes[:, 0], nodes):
            ax.axvline(div["step"], color="tab:blue", lw=0.8, ls="--")
    axes[0, 0].legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("time step")
    fig.suptitle(f"{result.target}: sample {sample}", fontsize=9)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_fmt(x)}" for k, x in v.items())
    return html.escape(str(v))


def table(report: HilReport) -> str:
    """The agreement table as plain text (what the CLI prints)."""
    head = f"{'target':<14} {'status':<8} {'agreement':>9} {'first divergence':<28} {'acc':>7} {'Δacc':>7} {'wall s':>7}"
    lines = [head, "-" * len(head)]
    for t in report.targets:
        div = t.first_divergence
        d = f"step {div['step']} {div['node']}[{div['neuron']}]" if div else ("none" if t.status == "ok" else "")
        lines.append(f"{t.target:<14} {t.status:<8} {_fmt(t.spike_agreement):>9} {d:<28} {_fmt(t.accuracy):>7} "
                     f"{_fmt(t.accuracy_delta):>7} {t.wall_s:>7.2f}")
        if t.error:
            lines.append(f"  {t.target}: {t.error}")
        nonzero = {k: v for k, v in t.counters.items() if v}
        if nonzero:
            lines.append(f"  {t.target} board counters: " + ", ".join(f"{k}={v}" for k, v in nonzero.items()))
    if report.reference_accuracy is not None:
        lines.append(f"float reference accuracy: {report.reference_accuracy:.4f}")
    return "\n".join(lines)


def write_report(report: HilReport, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = report.as_dict()
    atomic_write_text(out / "report.json", json.dumps(data, indent=2) + "\n")
    rows = []
    for t in report.targets:
        rows.append("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in (
            t.target, t.status, t.spike_agreement, t.first_divergence, t.accuracy, t.accuracy_delta,
            round(t.wall_s, 3), t.output_max_abs_diff, t.layer_correlation, t.van_rossum, t.faults or None,
            t.counters or None, t.error or None)) + "</tr>")
    figures = []
    for t in report.targets:
        png = _raster_png(t)
        if png:
            figures.append(f'<h3>{html.escape(t.target)}</h3><img alt="raster overlay {html.escape(t.target)}" '
                           f'src="data:image/png;base64,{png}">')
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>neurokit HIL report: {html.escape(report.model)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px}}</style></head>
<body><h1>Hardware-in-the-loop report</h1>
<p>model <b>{html.escape(report.model)}</b>, {report.samples} samples × {report.steps} steps; float reference accuracy
{_fmt(report.reference_accuracy)}. Each target is compared with neurokit.sim in the target's matching numeric mode.</p>
<table><tr><th>target</th><th>status</th><th>spike agreement</th><th>first divergence</th><th>accuracy</th>
<th>Δ accuracy vs float</th><th>wall s</th><th>max |Δ output|</th><th>per-layer spike-count correlation</th><th>van Rossum distance</th>
<th>faults</th><th>board counters</th><th>error</th></tr>{''.join(rows)}</table>
<h2>Raster overlays (sample 0; grey = reference, red = target, dashed = first divergence)</h2>{''.join(figures)}
</body></html>
"""
    atomic_write_text(out / "report.html", page)
    return out / "report.json", out / "report.html"
