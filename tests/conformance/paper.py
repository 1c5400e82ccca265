"""The NIR paper's single-LIF data as the conformance tests use it: the integer layer of the paper's
Lava run, and Norse's graph with the node names the matrix's runners expect."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from neurokit import ir

PAPER_LAVA_JOB = "paper_lif_lava_fixed"
PAPER_DV, PAPER_VTH, PAPER_WEIGHT, PAPER_SCALE = 163, 25, 10, 16000.0
S2_THRESHOLD = 2.5


def csv(folder: Path, name: str) -> np.ndarray:
    return np.loadtxt(folder / name, delimiter=",")


def paper_loihi_job(folder: Path) -> tuple[list[dict[str, np.ndarray | int]], np.ndarray]:
    """The integer layer the paper's Lava run used and its input spikes ``(T, 1, 1)``."""
    layer = {"n": 1, "weights": np.array([[PAPER_WEIGHT]]), "weight_exp": 0, "num_weight_bits": 8,
             "num_message_bits": 0, "du": 4095, "dv": PAPER_DV, "vth": PAPER_VTH,
             "bias_mant": np.zeros(1, np.int64), "bias_exp": np.zeros(1, np.int64)}
    x = csv(folder, "lif_lava_cpu_fixed.csv")[:, 0].astype(np.int64).reshape(-1, 1, 1)
    return [layer], x


def paper_graph(folder: Path, profile: ir.Profile, *, r_scale: float = 1.0, v_threshold: float | None = None) -> ir.Graph:
    """``lif_norse.nir`` (Norse's export) with its nodes named ``syn``/``neuron`` for the matrix's
    runners; ``r_scale`` and ``v_threshold`` give the scaled copy SpiNNaker 2 ran."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ir.read(folder / "lif_norse.nir", profile=profile)
    lif = g.nodes["1"]
    neuron = lif.replace(r=np.asarray(lif.r, np.float64) * r_scale,
                         v_threshold=np.asarray(lif.v_threshold if v_threshold is None else [v_threshold], np.float64))
    nodes = {"input": g.nodes["input"], "syn": g.nodes["0"], "neuron": neuron, "output": g.nodes["output"]}
    return ir.Graph(nodes=nodes, edges=(("input", "syn"), ("syn", "neuron"), ("neuron", "output")), profile=profile)
