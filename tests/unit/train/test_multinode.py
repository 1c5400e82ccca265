"""The torchrun multi-node path of the data-parallel trainer: two ``torchrun --nnodes 2`` launchers
on this machine, joined by one c10d rendezvous on localhost, stand in for two nodes (one worker
each). The rendezvous store is hosted by the test process (``--rdzv-conf is_host=0`` on both
launchers), as a job scheduler's would be: an agent that hosts it exits with its own worker and
takes it from the other agent, which then fails at its next poll (torchrun's c10d backend).

Tolerance: the final weights equal a single process's with the same global batch up to the
float32 order of summation (observed 2e-6 of the largest weight; asserted 1e-5); and bit for bit
those of ``neurokit train --nproc 2`` (the same two shards and the same gloo all-reduce)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurokit import ir

CONFIG = "[train]\nhidden = [16]\nsteps = 10\ndt = 0.02\nbatch_size = 50\nepochs = 1\nthreads = 1\n"
REL_TOL = 1e-5
REPO = Path(__file__).resolve().parents[3]  # `-m neurokit` in the launchers: this checkout's package


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def two_nodes(config: Path, out: Path, cache: Path, tmp: Path) -> list[str]:
    """Launch ``torchrun --nnodes 2 --nproc-per-node 1`` twice (c10d assigns the ranks) around a
    rendezvous store hosted here, and wait for both; returns their logs. Both must exit 0."""
    from datetime import timedelta

    from torch.distributed import TCPStore

    port = _free_port()
    store = TCPStore("127.0.0.1", port, is_master=True, multi_tenant=True, wait_for_workers=False,
                     timeout=timedelta(seconds=600))
    env = {**os.environ, "NEUROKIT_CACHE": str(cache), "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    procs = []
    for node in (0, 1):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1",
               "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-conf", "is_host=0",
               "--rdzv-id", "neurokit-test", "-m", "neurokit", "train", "--config", str(config), "--out", str(out)]
        log = open(tmp / f"node{node}.log", "w")  # noqa: SIM115 - closed below
        procs.append((subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO), log))
    logs = []
    for proc, log in procs:
        code = proc.wait(timeout=600)
        log.close()
        logs.append(Path(log.name).read_text())
        assert code == 0, logs[-1][-3000:]
    del store
    return logs


def weights(path: Path) -> dict[str, np.ndarray]:
    g = ir.read(path / "model.nir")
    return {n: np.asarray(g.nodes[n].weight) for n in ("fc0", "readout")}


def test_two_torchrun_nodes_train_the_weights_of_one_process(tmp_path: Path, event_digits_root: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit import api

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    (tmp_path / "run.toml").write_text(CONFIG)
    logs = two_nodes(tmp_path / "run.toml", tmp_path / "nodes", event_digits_root, tmp_path)
    assert sum("test accuracy" in log for log in logs) == 1  # rank 0 reports and writes the run
    assert sum("trained as a worker of a distributed run" in log for log in logs) == 1
    api.train(config=tmp_path / "run.toml", out=tmp_path / "one", progress=False)
    one, nodes = weights(tmp_path / "one"), weights(tmp_path / "nodes")
    for name in one:
        scale = np.abs(one[name]).max()
        assert scale > 0 and np.abs(one[name] - nodes[name]).max() <= REL_TOL * scale, name


@pytest.mark.slow
def test_two_torchrun_nodes_equal_nproc_2_bit_for_bit(tmp_path: Path, event_digits_root: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from neurokit import api

    monkeypatch.setenv("NEUROKIT_CACHE", str(event_digits_root))
    (tmp_path / "run.toml").write_text(CONFIG)
    two_nodes(tmp_path / "run.toml", tmp_path / "nodes", event_digits_root, tmp_path)
    api.train(config=tmp_path / "run.toml", out=tmp_path / "two", nproc=2)
    nodes, two = weights(tmp_path / "nodes"), weights(tmp_path / "two")
    for name in two:
        np.testing.assert_array_equal(nodes[name], two[name], err_msg=name)
