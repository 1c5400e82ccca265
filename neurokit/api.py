"""The Python API behind every CLI command. Each function returns data (dicts, graphs,
recordings) and raises :mod:`neurokit.errors` on bad input; the CLI only formats the result.

Heavy modules (torch, numba) are imported inside the functions so ``neurokit --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from neurokit import ir


def _overrides(profile: Any) -> dict[str, Any]:
    """Profile overrides as a dict (a TOML path is read; a whole Profile becomes all its fields)."""
    from neurokit import ir

    if profile is None:
        return {}
    if isinstance(profile, ir.Profile):
        return profile.to_dict()
    if isinstance(profile, (str, os.PathLike)):
        return ir.profile.load_profile_overrides(profile)
    return dict(profile)


def read_model(path: str | os.PathLike[str], *, producer: str | None = None,
               profile: ir.Profile | dict[str, Any] | str | os.PathLike[str] | None = None) -> ir.Graph:
    """Read a ``.nir`` model with the meaning chosen by ``producer`` (an exporter's name) and
    ``profile`` (a whole :class:`~neurokit.ir.Profile`, a dict of fields to override, or the path of a
    TOML file with such fields); see :func:`neurokit.ir.read`."""
    from neurokit import ir

    if isinstance(profile, (str, os.PathLike)):
        profile = ir.profile.load_profile_overrides(profile)
    return ir.read(path, producer=producer, profile=profile)


def inspect(path: str | os.PathLike[str], *, producer: str | None = None,
            profile: ir.Profile | dict[str, Any] | str | os.PathLike[str] | None = None,
            dt: float | None = None) -> dict[str, Any]:
    """Summary of a ``.nir`` file: nodes with shapes and parameter counts, edges, profile (and where
    it came from: the file, a named or recognised producer, or defaults), counts."""
    from neurokit import ir

    if dt is not None:
        profile = {**_overrides(profile), "dt": dt}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = read_model(path, producer=producer, profile=profile)
    notes = [str(w.message) for w in caught]
    defaults = any(issubclass(w.category, ir.ProfileDefaultsWarning) for w in caught)
    detected = any(issubclass(w.category, ir.ProducerAssumedWarning) for w in caught)
    profile_in_file = not defaults and not detected and producer is None
    source = ("defaults" if defaults else f"producer {graph.metadata.get('producer')} (recognised)" if detected
              else f"producer {producer} (named)" if producer else "file")
    if profile:
        source += " + overrides"
    flat = graph.flatten()
    shapes = flat.infer_shapes()
    nodes = []
    for name, node in flat.nodes.items():
        arrays = node.arrays()
        n_params = int(sum(a.size for k, a in arrays.items() if k not in ("indices", "indptr")))
        nodes.append({"name": name, "type": node.type_name, "input_shape": list(shapes[name][0]),
                      "output_shape": list(shapes[name][1]), "parameters": n_params,
                      "dtypes": sorted({str(a.dtype) for a in arrays.values()})})
    stats = flat.stats()
    return {"path": str(path), "profile": graph.profile.to_dict(), "profile_in_file": profile_in_file,
            "profile_source": source, "producer": graph.metadata.get("producer"),
            "nodes": nodes, "edges": [list(e) for e in flat.edges], "neurons": stats["neurons"],
            "synapses": stats["synapses"], "parameters": stats["parameters"], "node_types": stats["node_types"],
            "warnings": notes}


def install_backend_runtime(target: str, *, venv: str | os.PathLike[str] | None = None,
                            python: str = "python3.10") -> str:
    """Create the runtime environment a backend needs (``loihi2``: the Lava venv); idempotent."""
    from neurokit.errors import InvalidInputError

    if target != "loihi2":
        raise InvalidInputError(f"{target!r} needs no separate runtime", fix="only loihi2 has one (Lava, Python 3.10)")
    from pathlib import Path

    from neurokit.backends.loihi2.runtime import default_runtime_dir, install_runtime

    return str(install_runtime(Path(venv) if venv else default_runtime_dir(), python=python))


def doctor() -> dict[str, dict[str, Any]]:
    """Readiness of every backend: ``{name: {"ready": bool, "detail": str}}`` (``Backend.status``)."""
    from neurokit.backends import BACKENDS, get_backend

    out: dict[str, dict[str, Any]] = {}
    for name in BACKENDS:
        try:
            status = get_backend(name).status()
        except Exception as exc:  # doctor reports, it does not fail
            status = {"ready": False, "detail": f"cannot load: {exc}"}
        out[name] = {"ready": bool(status["ready"]), "detail": str(status["detail"])}
    return out


def deploy(model: str | os.PathLike[str], target: str, out_dir: str | os.PathLike[str], *,
           options: dict[str, Any] | None = None, run_inputs: str | os.PathLike[str] | None = None,
           steps: int | None = None, sweep: str | None = None, producer: str | None = None,
           profile: ir.Profile | dict[str, Any] | str | os.PathLike[str] | None = None,
           faults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check, lower and optionally run ``model`` on ``target``; returns the artifact path, the
    human report (``Backend.report``) and, with ``run_inputs``, the recording path, the board's
    ``counters`` and its ``cost`` per inference where the target has a cost model. ``options``
    and ``faults`` are validated against the target's declaration before anything runs (an
    unknown key or a mistyped value is a ``ConfigError``); ``faults`` need ``run_inputs``."""
    from pathlib import Path

    from neurokit.backends import get_backend
    from neurokit.backends.base import refuse_if_problems
    from neurokit.errors import InvalidInputError
    from neurokit.util.atomic import atomic_write_text

    backend = get_backend(target)
    opts = dict(options or {})
    if ":" in target:
        opts.setdefault("device", target.split(":", 1)[1])
    backend.validate_options(opts)
    fault_values = backend.validate_faults(faults) if faults else None
    if faults and run_inputs is None:
        raise InvalidInputError("faults are injected into a board run; nothing runs without inputs",
                                fix="pass run_inputs (CLI: --run INPUTS) with the faults")
    if sweep is not None and sweep not in backend.sweeps:
        raise InvalidInputError(f"--sweep {sweep} is not available for {target}",
                                fix=f"sweeps of {backend.name}: {sorted(backend.sweeps) or 'none'}")
    graph = read_model(model, producer=producer, profile=profile)
    refuse_if_problems(backend.check(graph), target)
    from neurokit.backends.base import Artifact
    from neurokit.util.atomic import atomic_directory

    with atomic_directory(out_dir) as fresh:  # a kill never leaves a mix of an old and a new artifact
        backend.lower(graph, fresh, opts)
    artifact = Artifact.open(out_dir)
    result: dict[str, Any] = {"artifact": str(artifact.path), "report": backend.report(artifact)}
    if run_inputs is not None:
        inputs = load_inputs(run_inputs, graph)
        n_steps = steps or int(inputs.shape[0])
        pynn_dir = Path(artifact.path) / "pynn"
        if (pynn_dir / "model.py").is_file():  # the PyNN export runs as `python pynn/model.py nest` with these
            from neurokit.backends.spinnaker.pynn import write_pynn_inputs

            try:
                result["pynn_inputs"] = str(write_pynn_inputs(pynn_dir, inputs[:n_steps]))
            except InvalidInputError as exc:  # graded inputs: the board runs them, a SpikeSourceArray cannot
                result["pynn_inputs_refused"] = str(exc)
        board = backend.board(artifact, faults=fault_values)
        try:
            board.load(artifact)
            rec = board.run(inputs, n_steps)
        finally:
            board.close()
        path = Path(artifact.path) / "recording.h5"
        rec.to_hdf5(path)
        result["recording"] = str(path)
        result["counters"] = backend.counters(rec)
        cost = backend.cost(artifact, result["counters"], steps=n_steps, samples=int(inputs.shape[1]))
        if cost is not None:
            atomic_write_text(Path(artifact.path) / "cost.json", json.dumps(cost, indent=2) + "\n")
            result["cost"] = cost
    if sweep is not None:
        result["sweep"] = backend.sweep(artifact, sweep)
    return result


def load_inputs(path: str | os.PathLike[str], graph: Any) -> np.ndarray:
    """Dense time-first inputs ``(T, B, *shape)`` for ``graph`` from ``.npy``/``.npz``/``.h5``
    (dataset ``inputs``, or tonic-style events binned to the profile's ``dt``)."""
    from neurokit.sim.inputs import load_input_file

    return load_input_file(path, graph)


def simulate(model: str | os.PathLike[str], inputs: str | os.PathLike[str], *, steps: int | None = None,
             record: list[str] | tuple[str, ...] = ("spikes",), dt: float | None = None,
             out: str | os.PathLike[str] | None = None, plot: str | os.PathLike[str] | None = None,
             progress: bool = True, producer: str | None = None,
             profile: ir.Profile | dict[str, Any] | str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Simulate a ``.nir`` model on an input file; writes the recording (and a raster PNG); a
    progress bar on long runs unless ``progress`` is False."""
    import time

    from neurokit import ir, sim
    from neurokit.sim.inputs import load_input_file

    if dt is not None:
        profile = {**_overrides(profile), "dt": dt}
    graph = read_model(model, producer=producer, profile=profile)
    x = load_input_file(inputs, graph, steps)
    program = sim.compile(graph)
    t0 = time.perf_counter()
    rec = sim.run(program, x, steps or int(x.shape[0]), record=tuple(record), progress=progress)
    seconds = time.perf_counter() - t0
    result: dict[str, Any] = {"steps": int(steps or x.shape[0]), "samples": int(x.shape[1]), "seconds": seconds,
                              "spikes": int(sum(int(z.sum()) for z in rec.spikes.values()))}
    if out is not None:
        rec.to_hdf5(out)
        result["out"] = str(out)
    if plot is not None:
        from neurokit.plots import raster

        raster(rec, plot)
        result["plot"] = str(plot)
    return result


def train(*, config: str | os.PathLike[str] | None = None, out: str | os.PathLike[str] = "runs/train",
          resume: bool = False, progress: bool = True, nproc: int = 1, device: str = "auto",
          **overrides: Any) -> dict[str, Any]:
    """Train an SNN; ``overrides`` (dataset, data_dir, epochs, seed, mode, …) win over the config file.
    ``nproc`` > 1: data-parallel over that many processes (:mod:`neurokit.train.distributed`);
    ``device``: ``cuda`` | ``cpu`` | ``auto`` (:mod:`neurokit.train.device`)."""
    from neurokit.train import TrainConfig
    from neurokit.train import train as run_training

    given = {k: v for k, v in overrides.items() if v is not None}
    extend_to = given.pop("epochs", None) if resume else None  # --resume --epochs N: train on to N epochs in all
    cfg = TrainConfig.from_toml(config, **given) if config else TrainConfig.from_dict(given)
    if nproc > 1:
        from neurokit.train.distributed import launch

        if extend_to is not None:
            from neurokit.errors import ConfigError

            raise ConfigError("extending a run (--resume with --epochs) runs in one process",
                              fix="drop --nproc, or resume without --epochs")
        card = launch(cfg.to_dict(), out, nproc=nproc, resume=resume, device=device)
    else:
        card = run_training(cfg, out, resume=resume, progress=progress, device=device, epochs=extend_to)
    card["run_dir"] = str(out)
    return card


def pipeline(*, out: str | os.PathLike[str] = "runs/demo", samples: int = 64, epochs: int | None = None,
             quick: bool = False) -> dict[str, Any]:
    """The main job (see :mod:`neurokit.pipeline`)."""
    from neurokit.pipeline import run_pipeline

    return run_pipeline(out, quick=quick, samples=samples, epochs=epochs)


def hil(model: str | os.PathLike[str], targets: list[str], *, samples: int = 32, report: str | os.PathLike[str] = "hil",
        inputs: str | os.PathLike[str] | None = None, timeout_s: float = 600.0,
        faults: dict[str, dict[str, Any]] | None = None, producer: str | None = None,
        profile: ir.Profile | dict[str, Any] | str | os.PathLike[str] | None = None, steps: int | None = None,
        input_rate: float = 0.1, seed: int = 0) -> dict[str, Any]:
    """Run ``model`` on the float model and every target; compare each board with the target's own
    numeric mode (``own_mode``) and with the float64 model (``float_model``); write
    ``report/report.{json,html}``. Returns the CLI table, both paths and the report's fields.
    ``producer`` and ``profile`` choose what the model file means (see :func:`read_model`).

    Without ``inputs``: event-digits test samples for a model whose input is ``(2, 16, 16)``, else
    seeded Poisson spike trains of the model's input shape (:func:`poisson_inputs`: ``input_rate``
    spikes per input per step on average, ``steps`` steps, default 100, ``seed``)."""
    from pathlib import Path

    from neurokit import ir
    from neurokit.errors import InvalidInputError
    from neurokit.hil import run_hil, table, write_report
    from neurokit.hil.harness import check_target_names, validate_target_settings

    check_target_names(targets)  # unknown targets, bad device names and fault keys: before any data loads
    validate_target_settings(targets, faults, None)
    graph = read_model(model, producer=producer, profile=profile)
    labels = None
    input_shape = tuple(next(iter(graph.inputs.values())).shape) if len(graph.inputs) == 1 else None
    if inputs is not None:
        x = load_inputs(inputs, graph)[:, :samples]
        if steps is not None:
            x = x[:steps]
    elif input_shape == (2, 16, 16):
        from neurokit.data import EventDigits, dense_dataset

        xs, ys = dense_dataset(EventDigits(train=False), dt=graph.profile.dt,
                               steps=steps or int(round(0.3 / graph.profile.dt)))
        x, labels = np.moveaxis(xs[:samples], 0, 1).astype(np.float64), ys[:samples]
    elif input_shape is None:
        raise InvalidInputError(f"the model has {len(graph.inputs)} inputs; generated inputs need exactly one",
                                fix="pass --input FILE with inputs for this model")
    else:
        x = poisson_inputs(input_shape, samples=samples, steps=steps or 100, rate=input_rate, seed=seed)
    rep = run_hil(graph, targets, x, labels=labels, out_dir=Path(report), timeout_s=timeout_s, faults=faults)
    json_path, html_path = write_report(rep, report)
    return {"table": table(rep), "report_json": str(json_path), "report_html": str(html_path), **rep.as_dict()}


def poisson_inputs(shape: tuple[int, ...], *, samples: int, steps: int, rate: float = 0.1, seed: int = 0
                   ) -> np.ndarray:
    r"""Seeded Poisson spike trains ``(steps, samples, *shape)`` (0/1, float64): each input spikes in a
    step with probability :math:`1 - e^{-rate}` (:func:`neurokit.data.poisson` with a rate of ``rate``
    spikes per step), the same for the same ``seed``."""
    from neurokit.data import poisson
    from neurokit.errors import InvalidInputError

    if not 0 < rate <= 1:
        raise InvalidInputError(f"the input rate must be in (0, 1] spikes per step, got {rate}",
                                fix="e.g. --input-rate 0.1")
    if samples < 1 or steps < 1:
        raise InvalidInputError(f"samples and steps must be >= 1, got {samples} and {steps}",
                                fix="e.g. --samples 8 --steps 100")
    rng = np.random.default_rng(seed)
    return poisson(np.full((samples, *shape), rate), steps, dt=1.0, max_rate_hz=1.0, rng=rng).astype(np.float64)


def data_show(name: str, *, out: str | os.PathLike[str] = "samples.png", n: int = 8, data_dir: str | None = None,
              train: bool = True) -> dict[str, Any]:
    """Counts of a dataset and a PNG of ``n`` samples (event frames: ON red, OFF blue), or for 1-D event
    datasets (SHD, SSC, spoken-digits) one spike raster per class."""
    from neurokit.data import load_dataset
    from neurokit.data.show import show_samples

    ds = load_dataset(name, train=train, data_dir=data_dir)
    return show_samples(ds, out, name=name, n=n, train=train)


def convert(model: str | os.PathLike[str] | None = None, *, arch: str = "mlp", calib: str = "digits",
            timesteps: list[int] | None = None, percentile: float = 99.9, channelwise: bool = False,
            qcfs_levels: int | None = None, finetune_epochs: int = 30, confidence: float | str | None = None,
            maxpool: str = "refuse", out: str | os.PathLike[str] = "model.nir", seed: int = 0,
            weights: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Convert a trained ANN (an ONNX file, a ``module:function`` with optional ``weights``, a
    state_dict file + ``arch``, or a freshly trained reference) to an SNN; ``calib`` is a dataset
    name or a .npy/.npz file (see :func:`neurokit.convert.run.load_calibration`).

    See :func:`neurokit.convert.convert_model_file` (QCFS fine-tuning with ``qcfs_levels``,
    Dynamic Confidence with ``confidence``, MaxPool2d handling with ``maxpool``).
    """
    from neurokit.convert import convert_model_file
    from neurokit.errors import InvalidInputError

    if maxpool not in ("refuse", "avg"):
        raise InvalidInputError(f"maxpool must be 'refuse' or 'avg', got {maxpool!r}", fix="use 'refuse' or 'avg'")
    return convert_model_file(model, arch=arch, calib=calib, timesteps=timesteps, percentile=percentile,
                              channelwise=channelwise, qcfs_levels=qcfs_levels, finetune_epochs=finetune_epochs,
                              confidence=confidence, maxpool=maxpool, out=out, seed=seed,  # type: ignore[arg-type]
                              weights=weights)


def attack(model: str | os.PathLike[str], *, samples: int = 100, budget: int = 20, variant: str = "sg",
           targets: list[str] | None = None, out: str | os.PathLike[str] = "attack") -> dict[str, Any]:
    """White-box sparse attack (flipped events, surrogate gradients) on ``samples`` event-digits test
    samples of a trained feed-forward LIF classifier ``model`` (``.nir``), success per budget, and the
    transfer of the adversarial inputs to every target's numeric mode (:mod:`neurokit.train.attack`);
    writes ``out/attack.json`` and ``out/adversarial.npz``."""
    import json
    from pathlib import Path

    from neurokit.data import EventDigits, dense_dataset
    from neurokit.errors import InvalidInputError
    from neurokit.train import from_ir
    from neurokit.train.attack import VARIANTS, sparse_attack, transfer

    if variant not in VARIANTS:
        raise InvalidInputError(f"unknown attack variant {variant!r}", fix=f"choose one of {list(VARIANTS)}")
    if samples < 1 or budget < 1:
        raise InvalidInputError("samples and budget must be >= 1", fix="e.g. --samples 100 --budget 20")
    graph = read_model(model)
    if tuple(next(iter(graph.inputs.values())).shape) != (2, 16, 16):
        raise InvalidInputError("the attack uses event-digits test samples (input (2, 16, 16))",
                                fix="attack a model trained on event-digits (neurokit train)")
    net = from_ir(graph)
    xs, ys = dense_dataset(EventDigits(train=False), dt=graph.profile.dt,
                           steps=int(round(0.3 / graph.profile.dt)), limit=samples)
    x = np.moveaxis(xs, 0, 1).astype(np.float64)
    res = sparse_attack(net, x, ys, budget, variant=variant)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    moved = transfer(graph, x, res["adversarial"], ys, list(targets or []), out_dir / "artifacts")
    report = {"model": str(model), "samples": int(len(ys)), "variant": variant, "budget": budget,
              "clean_accuracy": float(res["clean_correct"].mean()), "success_by_budget": res["success"],
              "median_flips_when_fooled": float(np.median(res["flips_needed"][res["flips_needed"] > 0]))
              if np.any(res["flips_needed"] > 0) else None,
              "input_events_per_sample": float(x.sum() / len(ys)), "transfer": moved}
    (out_dir / "attack.json").write_text(json.dumps(report, indent=2) + "\n")
    np.savez_compressed(out_dir / "adversarial.npz", clean=x, adversarial=res["adversarial"], labels=ys)
    return {**report, "report": str(out_dir / "attack.json")}


#: What ``neurokit plot`` draws: kind -> what its source is.
PLOT_KINDS = {"learning-curve": "a training run folder or its metrics.jsonl / metrics.json / metrics.csv",
              "accuracy-vs-t": "a timestep-schedule run folder or its summary.json, or a results JSON with a "
                               "'table' {T: {series: accuracy}} (tools/bench/results/timestep_schedule.json)"}


def plot(kind: str, source: str | os.PathLike[str], *, out: str | os.PathLike[str] | None = None,
         title: str | None = None) -> dict[str, Any]:
    """Draw a PNG from a run's results: ``learning-curve`` (train/test accuracy and loss per epoch,
    :func:`neurokit.plots.learning_curve`) or ``accuracy-vs-t`` (accuracy against the number of time
    steps, :func:`neurokit.plots.accuracy_vs_timesteps`). ``out`` defaults to ``<kind>.png`` next to
    the source."""
    from pathlib import Path

    from neurokit import plots
    from neurokit.errors import DataNotFoundError, InvalidInputError

    if kind not in PLOT_KINDS:
        raise InvalidInputError(f"unknown plot {kind!r}", fix=f"choose one of {', '.join(PLOT_KINDS)}")
    src = Path(source)
    if not src.exists():
        raise DataNotFoundError(f"{src} not found", fix=f"give {PLOT_KINDS[kind]}")
    png = Path(out) if out is not None else (src if src.is_dir() else src.parent) / f"{kind.replace('-', '_')}.png"
    if kind == "learning-curve":
        rows = plots.read_metrics(src)
        plots.learning_curve(rows, png, title=title or f"learning curves: {src.name}")
        return {"png": str(png), "epochs": len(rows), "final": rows[-1]}
    path = src / "summary.json" if src.is_dir() else src
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a readable JSON file ({exc})", fix=f"give {PLOT_KINDS[kind]}") from None
    if isinstance(data, dict) and isinstance(data.get("stages"), list) and data["stages"]:
        table = {int(s["T"]): {"schedule": float(s["test_accuracy_sim"])} for s in data["stages"]}
    elif isinstance(data, dict) and isinstance(data.get("table"), dict) and data["table"]:
        table = data["table"]
    else:
        raise InvalidInputError(f"{path}: neither 'stages' nor a 'table' of accuracies per T",
                                fix=f"give {PLOT_KINDS[kind]}")
    plots.accuracy_vs_timesteps(table, png, title=title or "accuracy vs time steps T")
    return {"png": str(png), "timesteps": sorted(int(t) for t in table)}
