r"""Where training runs: ``--device cuda | cpu | auto``, the process-group backend that goes with it,
and device-independent checkpoints.

* ``auto`` is ``cuda`` when torch sees a CUDA device (for ``nproc`` processes: at least ``nproc``
  devices, one per process), else ``cpu``. ``cuda`` without a CUDA device is refused in one line.
* Process ``r`` of a data-parallel run uses ``cuda:r`` (``LOCAL_RANK`` under torchrun); the process
  group is NCCL on GPUs and gloo on CPUs.
* Checkpoints hold CPU tensors only (:func:`to_cpu` before saving) and are read with
  ``map_location`` set to the run's device, so a run started on a GPU resumes on a CPU-only machine
  and the other way round.
* Mixed precision is off: in bf16 (8-bit mantissa) or fp16 the currents and the decay
  :math:`a = e^{-dt/\tau}` round differently from float32, which moves membranes across the
  threshold and so changes spikes, silently. :class:`~neurokit.train.layers.LIFLayer` therefore
  integrates half-precision currents (e.g. under a user's ``torch.autocast``) in a float32 membrane.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from neurokit.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


def local_rank() -> int:
    """This process's index on its machine (``LOCAL_RANK`` from torchrun, else ``RANK``, else 0)."""
    return int(os.environ.get("LOCAL_RANK", os.environ.get("RANK", "0")))


def resolve_device(name: str, *, nproc: int = 1, rank: int | None = None) -> torch.device:
    """The torch device for ``--device name`` in process ``rank`` of ``nproc``."""
    if name not in DEVICES:
        raise ConfigError(f"unknown device {name!r}", fix=f"use --device {' | '.join(DEVICES)}")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if name == "auto":
        name = "cuda" if count >= max(1, nproc) else "cpu"
    if name == "cpu":
        return torch.device("cpu")
    if count == 0:
        raise ConfigError(f"--device cuda: torch {torch.__version__} sees no CUDA device",
                          fix="use --device cpu (or auto), or install a CUDA build of torch on a machine with a GPU")
    if nproc > count:
        raise ConfigError(f"--nproc {nproc} needs {nproc} CUDA devices, this machine has {count}",
                          fix=f"use --nproc {count} or fewer with --device cuda, or --device cpu")
    return torch.device("cuda", local_rank() if rank is None else rank)


def backend_for(device: torch.device) -> str:
    """The ``torch.distributed`` backend for a device: NCCL on GPUs, gloo on CPUs."""
    return "nccl" if device.type == "cuda" else "gloo"


def to_cpu(obj: Any) -> Any:
    """``obj`` (a state dict, possibly nested) with every tensor moved to the CPU."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return type(obj)((k, to_cpu(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_cpu(v) for v in obj)
    return obj
