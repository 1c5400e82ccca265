"""Data-parallel training on ``torch.distributed`` (gloo on CPUs, NCCL on GPUs: one device per process).

Every process holds the whole model and the whole dataset and takes its share of each global
batch (``np.array_split`` of the batch's indices, rank ``r`` the ``r``-th part). After the local
backward pass the gradients are scaled by ``local size / global size`` and summed over the
processes (``all_reduce``), which is exactly the gradient of the loss averaged over the global
batch — what a single process with that batch computes, up to the order of floating-point sums.
Every process then takes the same optimizer step. Rank 0 evaluates, checkpoints and writes the
run; the others only train.

Launch with ``neurokit train --nproc N`` (this module starts N workers on localhost) or with
``torchrun --nproc-per-node N -m neurokit train ...`` (the usual ``RANK``/``WORLD_SIZE``
environment is read). Several nodes: the same ``torchrun`` on every node with ``--nnodes M``
and one c10d rendezvous (``--rdzv-backend c10d --rdzv-endpoint HOST:PORT --rdzv-id JOB``); every
node passes the same ``--out`` (rank 0 writes it: a shared file system, or rank 0's node).
``docs/distributed.md`` has the commands and what was tested.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neurokit.errors import ConfigError, NeurokitError


class DistributedTrainingError(NeurokitError):
    """A worker of a multi-process training run failed."""

    exit_code = 1


@dataclass(frozen=True)
class Context:
    """This process's place in the run: ``rank`` of ``world`` processes."""

    rank: int = 0
    world: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def context(backend: str = "gloo") -> Context:
    """The run's context from ``RANK``/``WORLD_SIZE``; joins the process group (``backend``: ``gloo``,
    or ``nccl`` for CUDA tensors, :func:`neurokit.train.device.backend_for`) when ``WORLD_SIZE > 1``."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Context()
    import torch.distributed as dist

    rank = int(os.environ["RANK"])
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=rank, world_size=world)
    return Context(rank=rank, world=world)


def shard(batch: np.ndarray, ctx: Context) -> np.ndarray:
    """This process's part of a global batch of indices."""
    return np.array_split(batch, ctx.world)[ctx.rank] if ctx.world > 1 else batch


def reduce_gradients(model: torch.nn.Module, weight: float, ctx: Context) -> None:
    """Scale the local gradients by ``weight`` (local / global batch size) and sum them over processes."""
    if ctx.world == 1:
        return
    import torch.distributed as dist

    for p in model.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        p.grad.mul_(weight)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)


def reduce_value(value: float, ctx: Context, device: torch.device | str = "cpu") -> float:
    """Sum of a number over processes (``device``: where the backend reduces, CUDA for NCCL)."""
    if ctx.world == 1:
        return value
    import torch.distributed as dist

    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return float(t[0])


def barrier(ctx: Context) -> None:
    """Wait until every process arrives (no-op for one process). The end of a run: on several
    nodes (``torchrun --nnodes``) the node whose agent hosts the c10d rendezvous must not leave
    while rank 0 still evaluates and writes the run, or the other agents lose the store."""
    if ctx.world == 1:
        return
    import torch.distributed as dist

    dist.barrier()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch(config: dict[str, Any], out: str | os.PathLike[str], *, nproc: int, resume: bool = False,
           device: str = "auto") -> dict[str, Any]:
    """Run the training in ``nproc`` worker processes on localhost (``device`` as
    :func:`neurokit.train.device.resolve_device`: process ``r`` on ``cuda:r``); returns rank 0's summary."""
    if nproc < 1:
        raise ConfigError(f"--nproc must be >= 1, got {nproc}", fix="e.g. --nproc 2")
    if int(config.get("batch_size", 64)) < nproc:
        raise ConfigError(f"batch_size {config.get('batch_size')} is smaller than --nproc {nproc}",
                          fix="use a global batch of at least one sample per process")
    from .device import resolve_device

    device = resolve_device(device, nproc=nproc, rank=0).type  # refuse here, before any worker starts
    port = _free_port()
    job = json.dumps({"config": config, "out": str(out), "resume": resume, "device": device})
    procs = []
    for rank in range(nproc):
        env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": str(nproc), "MASTER_ADDR": "127.0.0.1",
               "MASTER_PORT": str(port), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        procs.append(subprocess.Popen([sys.executable, "-m", "neurokit.train.distributed", job], env=env,
                                      stdout=None if rank == 0 else subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))
    errors = []
    for rank, proc in enumerate(procs):
        _, err = proc.communicate()
        if proc.returncode != 0:
            errors.append(f"rank {rank} exited with {proc.returncode}: {err.strip().splitlines()[-1] if err.strip() else ''}")
    if errors:
        raise DistributedTrainingError("distributed training failed: " + "; ".join(errors),
                                       fix="run with --nproc 1 to see the error in full")
    return json.loads((Path(out) / "summary.json").read_text())


def _worker(job_json: str) -> None:
    from .config import TrainConfig
    from .trainer import train

    job = json.loads(job_json)
    cfg = TrainConfig.from_dict(job["config"])
    try:
        train(cfg, job["out"], resume=bool(job["resume"]), progress=int(os.environ.get("RANK", "0")) == 0,
              device=job.get("device", "cpu"))
    finally:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    _worker(sys.argv[1])
