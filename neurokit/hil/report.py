"""The harness report: ``report.json`` for CI and ``report.html`` with tables and raster overlays."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from neurokit.errors import InvalidInputError
from neurokit.util.atomic import atomic_write_text

from .harness import FLOAT_MODEL, Comparison, HilReport, TargetResult
from .metrics import Divergence
from .runs import RunArrays


SEAMS = (("own_mode", "own numeric mode", "implementation faults: bit-exact expected"),
         ("float_model", "float model", "quantisation and semantics"))


def _plain(name: str) -> str:
    """A user string as matplotlib text, never mathtext (``$`` escaped)."""
    return name.replace("$", r"\$")


def _raster_png(result: TargetResult, float_run: RunArrays | None, sample: int = 0) -> str:
    """Base64 PNG overlaying, per compared node, the float model (blue dots), the target's own
    numeric mode (grey bars) and the target (red x), with both first divergences marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ref, run = result.own_mode_run, result.run
    if ref is None or run is None:
        return ""
    nodes = [n for n in ref.spikes if n in run.spikes]
    if not nodes:
        return ""
    fig, axes = plt.subplots(len(nodes), 1, figsize=(8, 1.6 + 1.2 * len(nodes)), squeeze=False, sharex=True)
    layers = [("float model", float_run, dict(s=22, c="tab:blue", marker=".", alpha=0.5)),
              ("own numeric mode", ref, dict(s=14, c="0.6", marker="|")),
              (result.target, run, dict(s=10, c="tab:red", marker="x", linewidths=0.8))]
    for ax, node in zip(axes[:, 0], nodes):
        for label, arrays, style in layers:
            if arrays is None or node not in arrays.spikes:
                continue
            z = arrays.spikes[node][:, sample].reshape(arrays.spikes[node].shape[0], -1)
            t, n = np.nonzero(z)
            ax.scatter(t, n, label=label, **style)
        ax.set_ylabel(_plain(node), rotation=0, ha="right", fontsize=8)
        ax.tick_params(labelsize=7)
    marks = ((result.own_mode, dict(color="0.3", ls="--")), (result.float_model, dict(color="tab:blue", ls=":")))
    for seam, style in marks:
        if seam is not None and seam.first_divergence is not None:
            for ax in axes[:, 0]:
                ax.axvline(seam.first_divergence["step"], lw=0.9, **style)
    axes[0, 0].legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("time step")
    fig.suptitle(f"{_plain(result.target)}: sample {sample}", fontsize=9)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _text(v: Any) -> str:
    """Plain text of a value (no escaping): ``–`` for none, 4 decimals for floats."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_text(x)}" for k, x in v.items())
    return str(v)


def divergence_text(div: dict[str, Any] | None) -> str:
    """One line for a first divergence (``None``: ``none``)."""
    if div is None:
        return "none"
    return Divergence(**div).describe()


def changes_text(changes: dict[str, list[Any]] | None) -> str:
    """``synapse_latency 0 -> 1, ...`` (``none`` when empty)."""
    return ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changes.items()) if changes else "none"


def _seam_cells(seam: Comparison | None) -> list[Any]:
    if seam is None:
        return [None] * 6
    return [seam.spike_agreement, divergence_text(seam.first_divergence), f"{seam.spikes_expected} / {seam.spikes_got}",
            seam.output_max_abs_diff, seam.layer_correlation, seam.van_rossum]


def table(report: HilReport, *, wall: bool = True) -> str:
    """The agreement table as plain text (what the CLI prints): per target one row with both
    seams' agreement, then one line per seam with its first divergence; ``wall=False`` leaves out
    the seconds each board ran (output that stays the same from run to run, e.g. in the docs)."""
    head = (f"{'target':<14} {'status':<8} {'own mode':>9} {'float':>9} {'spikes float/own/got':>22} "
            f"{'acc':>7} {'Δacc':>7}" + (f" {'wall s':>7}" if wall else ""))
    lines = [head, "-" * len(head)]
    for t in report.targets:
        own, flt = t.own_mode, t.float_model
        spikes = f"{flt.spikes_expected}/{own.spikes_expected}/{own.spikes_got}" if own and flt else "–"
        agree_own = _text(own.spike_agreement if own else None)
        agree_float = _text(flt.spike_agreement if flt else None)
        lines.append(f"{t.target:<14} {t.status:<8} {agree_own:>9} {agree_float:>9} {spikes:>22} {_text(t.accuracy):>7} "
                     f"{_text(t.accuracy_delta):>7}" + (f" {t.wall_s:>7.2f}" if wall else ""))
        for key, label, _ in SEAMS:
            seam = getattr(t, key)
            if seam is not None:
                lines.append(f"  {label + ':':<18} first divergence {divergence_text(seam.first_divergence)}")
        if flt is not None and flt.profile_changes:
            lines.append(f"  {'semantics:':<18} {changes_text(flt.profile_changes)}")
        if t.error:
            lines.append(f"  {t.target}: {t.error}")
        nonzero = {k: v for k, v in t.counters.items() if v}
        if nonzero:
            lines.append(f"  {t.target} board counters: " + ", ".join(f"{k}={v}" for k, v in nonzero.items()))
    lines.append("own mode: vs the target's own numeric mode in neurokit (implementation faults; bit-exact expected); "
                 "float: vs the float64 model at the target's timing (quantisation and semantics)")
    if report.float_accuracy is not None:
        lines.append(f"float model accuracy: {report.float_accuracy:.4f}")
    return "\n".join(lines)


#: The page; every value is escaped by jinja2's autoescape (node names, errors and targets are user text).
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>neurokit HIL report: {{ report.model }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}</style></head>
<body><h1>Hardware-in-the-loop report</h1>
<p>model <b>{{ report.model }}</b>, {{ report.samples }} samples × {{ report.steps }} steps; float model accuracy
{{ float_accuracy }}. Each target's run is compared twice: with the target's own numeric mode in
neurokit (a divergence is an implementation fault: bit-exact agreement is expected) and with the float model
({{ float_model }}: a divergence there comes from quantisation or the target's semantics).</p>
<table><tr><th rowspan="2">target</th><th rowspan="2">status</th>
{%- for _, label, why in seams %}<th colspan="{{ seam_head|length }}">{{ label }} ({{ why }})</th>{% endfor %}
{%- for h in tail %}<th rowspan="2">{{ h }}</th>{% endfor %}</tr>
<tr>{% for _ in seams %}{% for h in seam_head %}<th>{{ h }}</th>{% endfor %}{% endfor %}</tr>
{%- for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
<h2>Raster overlays (sample 0; blue = float model, grey = own numeric mode, red = target; dashed = own-mode first divergence, dotted = float first divergence)</h2>
{%- for target, png in figures %}<h3>{{ target }}</h3><img alt="raster overlay {{ target }}" src="data:image/png;base64,{{ png }}">{% endfor %}
{%- if drift %}
<h2 id="drift">Crossbar drift: accuracy vs time after programming ({{ drift.device }}, {{ drift.seeds }} seeds)</h2>
<table><tr><th>time after programming (s)</th><th>accuracy (mean)</th><th>std over seeds</th></tr>
{%- for t, mean, std in drift.rows %}<tr><td>{{ t }}</td><td>{{ mean }}</td><td>{{ std }}</td></tr>{% endfor %}</table>
{%- if drift.png %}<p><img alt="drift sweep" src="data:image/png;base64,{{ drift.png }}"></p>{% endif %}
{%- endif %}
</body></html>
"""


def _template() -> Any:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(PAGE)


def _drift_section(sweep: dict[str, Any], out: Path) -> dict[str, Any]:
    """The drift sweep (:func:`neurokit.backends.crossbar.sweep` with ``kind="drift"``: ``x`` in seconds,
    ``accuracy_mean``, optional ``accuracy_std`` over ``seeds``) as table rows and a PNG
    (``drift_sweep.png`` in ``out``, error bars = std over seeds), base64 for the page."""
    from neurokit.plots import curves

    times = [float(t) for t in sweep["x"]]
    means = [float(a) for a in sweep["accuracy_mean"]]
    stds = [float(s) for s in sweep["accuracy_std"]] if sweep.get("accuracy_std") is not None else None
    if len(means) != len(times) or (stds is not None and len(stds) != len(times)):
        raise InvalidInputError(f"drift sweep: {len(times)} times but {len(means)} accuracies"
                                f"{'' if stds is None else f' and {len(stds)} stds'}",
                                fix="pass the dict that neurokit.backends.crossbar.sweep(artifact, 'drift') returns")
    device = str(sweep.get("device", "crossbar"))
    seeds = sweep.get("seeds")
    png_path = out / "drift_sweep.png"
    curves({device: means}, png_path, x=times, logx=min(times) > 0,
           xlabel="time after programming (s)",
           ylabel=f"accuracy (mean ± std over {seeds} seeds)" if stds is not None else "accuracy",
           title="crossbar accuracy vs time after programming (drift)",
           errors={device: stds} if stds is not None else None)
    rows = [(_text(t) if t != int(t) else str(int(t)), _text(m), _text(s)) for t, m, s in
            zip(times, means, stds if stds is not None else [None] * len(times))]
    return {"device": device, "seeds": seeds if seeds is not None else "–", "rows": rows,
            "png": base64.b64encode(png_path.read_bytes()).decode()}


def write_report(report: HilReport, out_dir: str | Path, *,
                 drift_sweep: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (atomically); ``drift_sweep``
    (the dict :func:`neurokit.backends.crossbar.sweep` returns for ``"drift"``) adds the accuracy
    vs time after programming section: values in ``report.json``, a table and a plot in the page."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = report.as_dict()
    drift = _drift_section(drift_sweep, out) if drift_sweep is not None else None
    if drift_sweep is not None:
        data["drift_sweep"] = {k: drift_sweep[k] for k in ("kind", "device", "seeds", "x", "accuracy_mean",
                                                           "accuracy_std") if k in drift_sweep}
    atomic_write_text(out / "report.json", json.dumps(data, indent=2) + "\n")
    seam_head = ("spike agreement", "first divergence", "spikes expected / got", "max |Δ output|",
                 "per-layer spike-count correlation", "van Rossum distance")
    rows = []
    for t in report.targets:
        changes = changes_text(t.float_model.profile_changes) if t.float_model else None
        cells = [t.target, t.status, *_seam_cells(t.own_mode), *_seam_cells(t.float_model), changes,
                 t.accuracy, t.accuracy_delta, round(t.wall_s, 3), t.faults or None, t.counters or None, t.error or None]
        rows.append([_text(v) for v in cells])
    figures = [(t.target, png) for t in report.targets if (png := _raster_png(t, report.float_run))]
    tail = ("semantics changed by the target", "accuracy", "Δ accuracy vs float", "wall s", "faults", "board counters",
            "error")
    page = _template().render(report=report, seams=SEAMS, seam_head=seam_head, tail=tail, rows=rows, figures=figures,
                              float_model=FLOAT_MODEL, float_accuracy=_text(report.float_accuracy), drift=drift)
    atomic_write_text(out / "report.html", page)
    return out / "report.json", out / "report.html"
