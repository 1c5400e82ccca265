r"""A liquid state machine (LSM) whose random weights come from resistive-memory programming noise.

Random reservoirs need random weights, and a resistive device programmed to a target conductance
lands somewhere random: programming both cells of a differential pair to the same target
:math:`g_t` gives

.. math::  w = \gamma\,\frac{G^+ - G^-}{g_{max}}, \qquad G^\pm = g_t + \sigma_p(g_t)\,\xi^\pm,
           \qquad \mathbb{E}[w] = 0,\ \mathrm{sd}(w) = \gamma \sqrt{2}\,\sigma_p(g_t)/g_{max}

(for the PCM model of :mod:`neurokit.backends.crossbar.devices`), so one programming pulse per
cell draws the whole reservoir (as in the resistive-memory reservoir work of Wang et al., Nature
Machine Intelligence 2023). Only a fraction ``p`` of the pairs is programmed; the rest stay off.

The reservoir is an IR graph: event-camera input ``(2, 16, 16)`` → Flatten → ``Linear`` (input
weights) → ``LIF`` (``n_reservoir`` neurons) with a recurrent ``Linear`` loop, simulated by
:mod:`neurokit.sim`. Features are spike counts per neuron in ``time_bins`` equal windows; a
logistic-regression readout (scikit-learn) is trained on them. The software twin draws Gaussian
weights of the same sparsity and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from neurokit import ir
from neurokit.errors import InvalidInputError

from .devices import Device, load_device

WeightSource = Literal["device", "software"]


@dataclass(frozen=True)
class LSMConfig:
    """Reservoir size and dynamics (defaults: 200 LIF neurons, 10 % input and recurrent connectivity)."""

    n_reservoir: int = 200
    p_in: float = 0.1
    p_rec: float = 0.1
    g_target: float = 0.5       # programming target as a fraction of g_max
    input_gain: float = 40.0    # gamma of the input weights (per unit of (G+ - G-)/g_max)
    rec_gain: float = 8.0       # gamma of the recurrent weights
    tau: float = 0.02           # s, membrane time constant
    v_threshold: float = 1.0
    dt: float = 0.005           # s; the event-digits samples last 0.3 s -> 60 steps
    time_bins: int = 4          # readout features: spike counts in this many windows
    readout_c: float = 1.0      # inverse L2 strength of the logistic-regression readout

    def __post_init__(self) -> None:
        if self.n_reservoir < 1:
            raise InvalidInputError(f"n_reservoir must be >= 1, got {self.n_reservoir}", fix="e.g. 200")
        for name in ("p_in", "p_rec", "g_target"):
            if not 0 < getattr(self, name) <= 1:
                raise InvalidInputError(f"{name} must be in (0, 1], got {getattr(self, name)}", fix="e.g. 0.1")
        if not (self.tau > 0 and self.dt > 0 and self.time_bins >= 1):
            raise InvalidInputError("tau and dt must be > 0 and time_bins >= 1", fix="e.g. tau=0.02, dt=0.005")


def device_weights(shape: tuple[int, int], p: float, gain: float, device: Device, g_target: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Weights ``(out, in)`` drawn by programming: a fraction ``p`` of the differential pairs, both
    cells to ``g_target * g_max``; ``w = gain (G+ - G-) / g_max``; the others 0."""
    mask = rng.random(shape) < p
    g_t = np.full(shape, g_target * device.g_max)
    diff = device.program(g_t, rng) - device.program(g_t, rng)
    return np.where(mask, gain * diff / device.g_max, 0.0)


def software_weights(shape: tuple[int, int], p: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian weights with the same sparsity and standard deviation (the software twin)."""
    mask = rng.random(shape) < p
    return np.where(mask, sd * rng.standard_normal(shape), 0.0)


def reservoir_weights(cfg: LSMConfig, source: WeightSource, *, n_inputs: int, device: str | Device = "pcm",
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(w_in, w_rec)`` from the device's programming noise or from the matched Gaussian."""
    dev = load_device(device) if isinstance(device, str) else device
    rng = np.random.default_rng(seed)
    shapes = ((cfg.n_reservoir, n_inputs), (cfg.n_reservoir, cfg.n_reservoir))
    if source == "device":
        if dev.kind == "ideal":
            raise InvalidInputError("an ideal device has no programming noise to draw a reservoir from",
                                    fix="use device='pcm' or 'rram', or source='software'")
        w_in = device_weights(shapes[0], cfg.p_in, cfg.input_gain, dev, cfg.g_target, rng)
        w_rec = device_weights(shapes[1], cfg.p_rec, cfg.rec_gain, dev, cfg.g_target, rng)
    elif source == "software":
        unit = np.sqrt(2.0) * device_sigma(dev, cfg.g_target) / dev.g_max
        w_in = software_weights(shapes[0], cfg.p_in, cfg.input_gain * unit, rng)
        w_rec = software_weights(shapes[1], cfg.p_rec, cfg.rec_gain * unit, rng)
    else:
        raise InvalidInputError(f"weight source must be 'device' or 'software', got {source!r}", fix="pick one")
    np.fill_diagonal(w_rec, 0.0)
    return w_in, w_rec


def device_sigma(device: Device, g_target: float) -> float:
    """Standard deviation of one programmed cell at ``g_target * g_max`` (estimated by programming
    10^5 cells, so it holds for any device model)."""
    g = device.program(np.full(100_000, g_target * device.g_max), np.random.default_rng(12345))
    return float(g.std())


def lsm_graph(w_in: np.ndarray, w_rec: np.ndarray, cfg: LSMConfig, input_shape: tuple[int, ...] = (2, 16, 16)
              ) -> ir.Graph:
    """Input → Flatten → Linear(w_in) → LIF ⟲ Linear(w_rec); output: the reservoir's spikes."""
    n = cfg.n_reservoir
    ones = np.ones(n)
    nodes: dict[str, ir.Node] = {
        "input": ir.Input(shape=input_shape),
        "flatten": ir.Flatten(input_shape=input_shape, start_dim=0, end_dim=-1),
        "w_in": ir.Linear(weight=w_in),
        "reservoir": ir.LIF(tau=cfg.tau * ones, r=ones, v_leak=0 * ones, v_threshold=cfg.v_threshold * ones,
                            v_reset=0 * ones),
        "w_rec": ir.Linear(weight=w_rec),
        "output": ir.Output(shape=(n,)),
    }
    edges = (("input", "flatten"), ("flatten", "w_in"), ("w_in", "reservoir"), ("reservoir", "w_rec"),
             ("w_rec", "reservoir"), ("reservoir", "output"))
    profile = ir.Profile(dt=cfg.dt, integration="exact", reset="zero")
    return ir.Graph(nodes=nodes, edges=edges, profile=profile).validate()


def reservoir_features(graph: ir.Graph, x: np.ndarray, time_bins: int, batch: int = 256) -> np.ndarray:
    """Spike counts of the reservoir in ``time_bins`` windows: ``x`` ``(N, T, *input)`` → ``(N, bins * n)``."""
    from neurokit import sim

    program = sim.compile(graph)
    feats = []
    for i in range(0, len(x), batch):
        xb = np.ascontiguousarray(np.moveaxis(x[i:i + batch], 0, 1), dtype=np.float64)
        spikes = np.asarray(sim.run(program, xb).outputs["output"])  # (T, B, n)
        windows = np.array_split(spikes, time_bins, axis=0)
        feats.append(np.concatenate([w.sum(axis=0) for w in windows], axis=1))
    return np.concatenate(feats).astype(np.float64)


def train_readout(f_train: np.ndarray, y_train: np.ndarray, f_test: np.ndarray, y_test: np.ndarray,
                  c: float = 1.0) -> float:
    """Standardise the features, fit a multinomial logistic regression, return test accuracy."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))
    clf.fit(f_train, y_train)
    return float(clf.score(f_test, y_test))


def run_lsm(cfg: LSMConfig, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *,
            source: WeightSource = "device", device: str = "pcm", seed: int = 0) -> dict[str, float]:
    """Draw a reservoir, simulate it on both splits, train the readout; accuracy and activity."""
    w_in, w_rec = reservoir_weights(cfg, source, n_inputs=int(np.prod(x_train.shape[2:])), device=device, seed=seed)
    graph = lsm_graph(w_in, w_rec, cfg, tuple(x_train.shape[2:]))
    f_tr = reservoir_features(graph, x_train, cfg.time_bins)
    f_te = reservoir_features(graph, x_test, cfg.time_bins)
    steps = x_train.shape[1]
    return {"accuracy": train_readout(f_tr, y_train, f_te, y_test, cfg.readout_c),
            "rate_hz": float(f_te.sum(axis=1).mean() / cfg.n_reservoir / (steps * cfg.dt)),
            "w_in_sd": float(w_in[w_in != 0].std()), "w_rec_sd": float(w_rec[w_rec != 0].std())}


__all__ = ["LSMConfig", "device_sigma", "device_weights", "lsm_graph", "reservoir_features", "reservoir_weights",
           "run_lsm", "software_weights", "train_readout"]
