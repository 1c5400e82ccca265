"""The training loop: progress bar, per-epoch atomic checkpoints, exact resume, metrics, plots,
``model.nir`` and a model card whose accuracy is measured by running the exported IR in
:mod:`neurokit.sim`."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neurokit import ir
from neurokit.errors import ConfigError, FileFormatError
from neurokit.util.atomic import atomic_path, atomic_write_text, remove_stale_temporaries
from neurokit.util.progress import progress_bar

from . import distributed
from .config import TrainConfig
from .conv import ConvSNNClassifier
from .delays import DelayedLinear
from .device import backend_for, resolve_device, to_cpu
from .model import SNNClassifier, SNNSpec, to_ir
from .losses import SPIKING_READOUT, predict, readout_loss
from .neuron_params import constrain, param_groups
from .sltt import sltt_backward
from .splits import SubsetSplit, load_split, stream_split, train_subset  # noqa: F401  (also the data API others reach through the trainer)
from .synops import synaptic_operations

# Energy per operation at 45 nm (Horowitz, ISSCC 2014), stated once in the operations counter.
from neurokit.ir.passes.operations import ENERGY_PJ, ENERGY_SOURCE  # noqa: E402


def graph_hash(graph: ir.Graph) -> str:
    buf = io.BytesIO()
    ir.write(graph, buf)
    return hashlib.sha256(buf.getvalue()).hexdigest()[:16]


def _evaluate(model: Classifier, split: Any, loss: str = "mean_membrane", batch: int = 256,
              device: torch.device | None = None) -> tuple[float, float]:
    """Accuracy and hidden spikes per sample over a :class:`~neurokit.data.BinnedSplit`, batch by batch."""
    model.eval()
    correct, spikes = 0, 0.0
    with torch.no_grad():
        for x, y in progress_bar(split.batches(batch), desc="evaluate", delay=5, leave=False,
                                 total=-(-len(split) // batch)):
            out, hidden = model(torch.from_numpy(x).to(device or "cpu"), return_spikes=True)
            correct += int((predict(out.cpu().numpy(), loss) == y).sum())
            spikes += float(sum(h.sum() for h in hidden))
    model.train()
    return correct / len(split), spikes / len(split)


def _save_checkpoint(path: Path, model: Classifier, opt: torch.optim.Optimizer, epoch: int, cfg: TrainConfig,
                     history: list[dict[str, float]]) -> None:
    # CPU tensors only: the checkpoint loads on any device (see neurokit.train.device)
    state = {"model": to_cpu(model.state_dict()), "optimizer": to_cpu(opt.state_dict()), "epoch": torch.tensor(epoch),
             "torch_rng": torch.get_rng_state(), "config": json.dumps(cfg.to_dict()),
             "history": json.dumps(history), "ir_hash": graph_hash(model_to_ir(model))}
    state["checksum"] = state_digest(state)
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(state, tmp)


def state_digest(state: Any) -> str:
    """SHA-256 over everything a checkpoint holds (tensors' dtype, shape and bytes; strings;
    numbers; nested dicts in key order), the ``checksum`` entry itself excepted."""
    h = hashlib.sha256()

    def feed(v: Any) -> None:
        if isinstance(v, dict):
            for k in sorted(v, key=str):
                if k == "checksum":
                    continue
                h.update(f"k{k!s}".encode())
                feed(v[k])
        elif isinstance(v, (list, tuple)):
            h.update(f"l{len(v)}".encode())
            for x in v:
                feed(x)
        elif isinstance(v, torch.Tensor):
            t = v.detach().cpu().contiguous()
            h.update(f"t{t.dtype}{tuple(t.shape)}".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        else:
            h.update(f"v{type(v).__name__}{v!r}".encode())

    feed(state)
    return h.hexdigest()


def _load_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint's tensors on ``device``, wherever they were saved (``map_location``), after its
    checksum is verified."""
    fix = "delete it to start over, or resume from another run"
    try:
        state = torch.load(path, weights_only=True, map_location=device)
    except Exception as exc:  # noqa: BLE001 - any unreadable file (not torch, truncated, a pickle) is one error
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(f"cannot read checkpoint ({type(exc).__name__}: {first[:200]})", where=str(path),
                              fix=fix) from None
    if not isinstance(state, dict) or "checksum" not in state:
        raise FileFormatError("not a neurokit checkpoint (no checksum)", where=str(path), fix=fix)
    if state_digest(state) != state["checksum"]:
        raise FileFormatError("checkpoint is corrupted: its contents do not match its checksum", where=str(path),
                              fix=fix)
    return state


Classifier = SNNClassifier | ConvSNNClassifier


def build_model(cfg: TrainConfig, input_shape: tuple[int, ...], classes: int = 10) -> Classifier:
    """The configured architecture: :class:`SNNClassifier` (``arch = "mlp"``),
    :class:`~neurokit.train.conv.ConvSNNClassifier` (``arch = "conv"``), :class:`~neurokit.train.lmu.SpikingLMU`
    (``"lmu"``), :class:`~neurokit.train.ensemble.SNNEnsemble` (``"ensemble"``) or
    :class:`~neurokit.train.transformer.SpikeDrivenTransformer` (``"transformer"``), ``classes`` outputs."""
    spec = spec_from_config(cfg, input_shape, classes)
    if cfg.arch == "lmu":
        from .lmu import SpikingLMU, default_theta

        return SpikingLMU(spec, order=cfg.memory_order, units=cfg.memory_units, memory_gain=cfg.memory_gain,
                          theta=cfg.memory_theta or default_theta(cfg.dt, cfg.steps))
    if cfg.arch == "ensemble":
        from .ensemble import SNNEnsemble

        return SNNEnsemble(spec, members=cfg.members, split=cfg.ensemble_split)
    if cfg.arch == "transformer":
        from .transformer import from_config
        return from_config(spec, cfg)  # type: ignore[return-value]
    return ConvSNNClassifier(spec, cfg.channels) if cfg.arch == "conv" else SNNClassifier(spec)


def model_to_ir(model: Classifier) -> ir.Graph:
    return to_ir(model) if isinstance(model, SNNClassifier) else model.to_ir()


def spec_from_config(cfg: TrainConfig, input_shape: tuple[int, ...], classes: int = 10) -> SNNSpec:
    return SNNSpec(input_shape=input_shape, hidden=cfg.hidden, classes=classes, dt=cfg.dt, tau_mem=cfg.tau_mem, tau_out=cfg.tau_out,
                   surrogate=cfg.surrogate, surrogate_scale=cfg.surrogate_scale, mode=cfg.mode,
                   max_delay=cfg.max_delay, recurrent=cfg.recurrent, readout="lif" if cfg.loss in SPIKING_READOUT else "li",
                   learn_neuron=cfg.learn_neuron)


def anneal_delays(model: Classifier, epoch: int, epochs: int) -> None:
    """DCLS schedule: the interpolation width falls linearly from ``max_delay / 2`` to 0 (whole-step,
    exported delays) at the last epoch."""
    for fc in getattr(model, "fc", ()):
        if isinstance(fc, DelayedLinear):
            fc.set_sigma(fc.max_delay / 2 * max(0.0, 1.0 - epoch / max(1, epochs - 1)))


def train(cfg: TrainConfig, out_dir: str | os.PathLike[str], *, resume: bool = False, progress: bool = True,
          stop_after_epoch: int | None = None, device: str = "auto", epochs: int | None = None,
          init_state: dict[str, torch.Tensor] | None = None) -> dict[str, Any]:
    """Train (or resume) a run in ``out_dir``; returns the summary written to ``summary.json``.

    ``device``: ``cuda`` | ``cpu`` | ``auto`` (:mod:`neurokit.train.device`; not part of the saved
    configuration, so a run may resume on another device).

    ``stop_after_epoch`` ends the process-side loop early (used to test resuming after a kill).
    ``epochs`` with ``resume``: train until that many epochs in all, which also extends a finished
    run (the saved configuration otherwise stays; :class:`ConfigError` if the run has done more).
    ``init_state``: a model state dict to start from (a timesteps schedule's previous stage).
    Every epoch appends one JSON line to ``metrics.jsonl`` as it ends (and, with TensorBoard or
    tensorboardX installed, scalars to ``tensorboard/``).
    """
    from .schedule import saved_schedule, train_timesteps_schedule

    if resume and cfg == TrainConfig():
        cfg = saved_schedule(out_dir) or cfg
    if cfg.continual:  # task-incremental learning (HLOP, replay, fine-tuning)
        from .continual import train_continual

        if resume:
            raise ConfigError("continual runs do not resume (each task is short)", fix="start the run again")
        return train_continual(cfg, out_dir, progress=progress)
    if cfg.timesteps_schedule:  # IIR-SNN: train at the first T, then lower T stage by stage
        return train_timesteps_schedule(cfg, out_dir, resume=resume, progress=progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    dev = resolve_device(device, nproc=int(os.environ.get("WORLD_SIZE", "1")))
    remove_stale_temporaries(ckpt_path)  # left by a run killed while writing a checkpoint
    if resume:
        if not ckpt_path.is_file():
            raise ConfigError(f"nothing to resume: {ckpt_path} does not exist", fix="start a run without --resume")
        ckpt = _load_checkpoint(ckpt_path, dev)
        saved = TrainConfig.from_dict(json.loads(ckpt["config"]))
        if saved.to_dict() != cfg.to_dict() and cfg != TrainConfig():
            raise ConfigError("the run was started with another configuration", where=str(out),
                              fix="resume without changing options (the saved config is used)")
        cfg = saved
        if epochs is not None:
            done = int(ckpt["epoch"]) + 1
            if epochs < done:
                raise ConfigError(f"the run has already done {done} epochs; --epochs {epochs} is fewer",
                                  where=str(out), fix=f"pass --epochs {done} or more to extend it")
            cfg = dataclasses.replace(cfg, epochs=epochs)
    elif epochs is not None:
        cfg = dataclasses.replace(cfg, epochs=epochs)
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    train_split, test_split = stream_split(cfg, True), stream_split(cfg, False)
    model = build_model(cfg, train_split.shape, max(train_split.classes, test_split.classes))
    if init_state is not None:
        model.load_state_dict(init_state)
    elif cfg.init_from_ann and not resume:  # ANN pretraining as a bridge (neurokit.train.ann_init)
        from .ann_init import init_from_ann

        x_all, y_all = train_split.batch(np.arange(len(train_split)))
        init_from_ann(model, cfg, np.moveaxis(x_all, 0, 1), y_all, out)
    model = model.to(dev)
    opt = torch.optim.Adam(param_groups(model, cfg.lr, cfg.tau_mem), lr=cfg.lr, weight_decay=cfg.weight_decay)
    start, history = 0, []
    if resume:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        torch.set_rng_state(ckpt["torch_rng"].cpu())
        start = int(ckpt["epoch"]) + 1
        history = json.loads(ckpt["history"])
    t_start = time.perf_counter()
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    ctx = distributed.context(backend_for(dev))  # several processes: each takes its share of every batch
    tracker = MetricsLog(out, history) if ctx.is_main else None
    bar = progress_bar(range(start, cfg.epochs), desc="train", disable=not (progress and ctx.is_main), initial=start,
               total=cfg.epochs)
    for epoch in bar:
        anneal_delays(model, epoch, cfg.epochs)
        order = np.random.default_rng(cfg.seed * 100003 + epoch).permutation(len(train_split))
        losses = []
        for i in range(0, len(order), cfg.batch_size):
            batch = order[i:i + cfg.batch_size]
            idx = distributed.shard(batch, ctx)
            weight = len(idx) / len(batch)
            opt.zero_grad()
            loss_value = 0.0
            if len(idx):
                x_batch, y_batch = train_split.batch(idx)
                xb, yb = torch.from_numpy(x_batch).to(dev), torch.from_numpy(y_batch).to(dev)
                if cfg.mode == "sltt":  # the same SLTT gradient, memory independent of the number of steps
                    loss_value = sltt_backward(model, xb, yb, rate_reg=cfg.rate_reg, chunk=cfg.sltt_chunk,
                                               k=min(cfg.sltt_k, xb.shape[0]))
                else:
                    out_v, hidden = model(xb, return_spikes=True)
                    loss = readout_loss(out_v, yb, cfg.loss)
                    if cfg.rate_reg:
                        loss = loss + cfg.rate_reg * sum(h.mean() for h in hidden)
                    loss.backward()
                    loss_value = float(loss.detach())
            distributed.reduce_gradients(model, weight, ctx)
            losses.append(distributed.reduce_value(loss_value * weight, ctx, dev) if ctx.world > 1 else loss_value)
            opt.step()
            constrain(model)  # learned tau and thresholds stay valid (no-op without them)
        if not ctx.is_main:
            continue
        train_acc, _ = _evaluate(model, train_split, cfg.loss, device=dev)
        test_acc, spikes = _evaluate(model, test_split, cfg.loss, device=dev)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "train_acc": train_acc,
                        "test_acc": test_acc, "spikes_per_sample": spikes})
        bar.set_postfix(loss=f"{np.mean(losses):.3f}", test=f"{test_acc:.3f}")
        _save_checkpoint(ckpt_path, model, opt, epoch, cfg, history)
        if tracker is not None:
            tracker.log(history[-1])
        if stop_after_epoch is not None and epoch + 1 >= stop_after_epoch:
            if tracker is not None:
                tracker.close()
            return {"stopped_after_epoch": epoch + 1}
    if tracker is not None:
        tracker.close()
    seconds = time.perf_counter() - t_start
    if not ctx.is_main:
        distributed.barrier(ctx)  # stay until rank 0 has written the run (a torchrun agent may host the rendezvous)
        return {}
    card = _finish(model.cpu(), cfg, history, out, test_split, seconds)
    distributed.barrier(ctx)
    return card


class MetricsLog:
    """Per-epoch metrics as they happen: ``metrics.jsonl`` (one JSON object per line, flushed each
    epoch, rewritten from the checkpoint's history on resume so it never holds an epoch the
    checkpoint lost) and, when ``torch.utils.tensorboard`` (package ``tensorboard``) or
    ``tensorboardX`` is installed, TensorBoard event files in ``tensorboard/`` (one scalar per
    metric, step = epoch)."""

    def __init__(self, out: Path, history: list[dict[str, float]]) -> None:
        self.path = out / "metrics.jsonl"
        atomic_write_text(self.path, "".join(json.dumps(row) + "\n" for row in history))
        self.writer = tensorboard_writer(out / "tensorboard")

    def log(self, row: dict[str, float]) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()
        if self.writer is not None:
            for key, value in row.items():
                if key != "epoch":
                    self.writer.add_scalar(key, float(value), int(row["epoch"]))
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def tensorboard_writer(log_dir: Path) -> Any:
    """A TensorBoard ``SummaryWriter`` (torch's, else tensorboardX's), or ``None`` when neither is installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            return None
    # a unique suffix: both writers name files by the second and host only, so a run resumed within the
    # same second would overwrite the earlier file (and lose its epochs)
    return SummaryWriter(str(log_dir), filename_suffix=f".{os.getpid()}.{time.time_ns()}")


def _finish(model: Classifier, cfg: TrainConfig, history: list[dict[str, float]], out: Path, test_split: Any,
            seconds: float, batch: int = 128) -> dict[str, Any]:
    from neurokit import sim
    from neurokit.plots import learning_curve, raster

    graph = model_to_ir(model)
    ir.write(graph, out / "model.nir")
    n = len(test_split)
    correct, input_events, synops, first, first_x = 0, 0.0, 0.0, None, None
    spikes: dict[str, float] = {}
    for x, y in test_split.batches(batch):  # the exported IR in neurokit.sim, batch by batch
        rec = sim.simulate(graph, x.astype(np.float64), record=("spikes", *ir.extensions.event_sources(graph)))
        first, first_x = (rec, x) if first is None else (first, first_x)
        correct += int(np.sum(predict(rec.outputs["output"], cfg.loss) == y))
        for name, z in rec.spikes.items():
            spikes[name] = spikes.get(name, 0.0) + float(z.sum()) / n
        input_events += float(x.sum()) / n
        batch_synops, ann_macs = synaptic_operations(graph, rec, x, cfg.steps)
        synops += batch_synops * len(y) / n
    sim_acc = correct / n
    rec = first
    card = {"dataset": cfg.dataset, "test_accuracy_torch": history[-1]["test_acc"], "test_accuracy_sim": sim_acc,
            "epochs": len(history), "train_seconds": seconds, "spikes_per_sample": spikes,
            "input_events_per_sample": input_events, "synaptic_ops_per_inference": synops,
            "energy_uj_per_inference": synops * ENERGY_PJ["accumulate"] * 1e-6,
            "dense_macs_same_net": ann_macs, "energy_uj_dense_equivalent": ann_macs * ENERGY_PJ["multiply_accumulate"] * 1e-6,
            "energy_source": ENERGY_SOURCE,
            "ir_hash": graph_hash(graph), "config": cfg.to_dict()}
    atomic_write_text(out / "summary.json", json.dumps(card, indent=2) + "\n")
    atomic_write_text(out / "metrics.json", json.dumps(history, indent=2) + "\n")
    with atomic_path(out / "metrics.csv") as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(history[0]))
        w.writeheader()
        w.writerows(history)
    atomic_write_text(out / "model_card.md", _card_markdown(card))
    learning_curve(history, out / "learning_curves.png")
    raster(rec, out / "raster.png", sample=0, title="test sample 0 (neurokit.sim on model.nir)",
           inputs=first_x[:, :1])
    return card


def _card_markdown(card: dict[str, Any]) -> str:
    sp = ", ".join(f"{k}: {v:.1f}" for k, v in card["spikes_per_sample"].items())
    return f"""# Model card

- task: {card['dataset']} (test split)
- accuracy: {card['test_accuracy_sim']:.4f} measured by running `model.nir` in neurokit.sim ({card['test_accuracy_torch']:.4f} in torch)
- training: {card['epochs']} epochs, {card['train_seconds']:.1f} s
- spikes per sample: {sp}; input events per sample: {card['input_events_per_sample']:.1f}
- synaptic operations per inference: {card['synaptic_ops_per_inference']:.0f} (dense equivalent: {card['dense_macs_same_net']:.0f} MACs)
- estimated energy per inference: {card['energy_uj_per_inference']:.3f} µJ (dense: {card['energy_uj_dense_equivalent']:.3f} µJ); {card['energy_source']}
- IR hash: {card['ir_hash']}
"""
