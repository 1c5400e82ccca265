r"""lava-dl (0.6.0): the meaning lava-dl gives a ``.nir`` file when it runs one.

lava-dl writes no NIR and has no NIR reader in any release (0.6.0 is the latest; the converter of
lava-nc/lava-dl pull request #218 was never merged). NIR files are run in lava-dl through the NIR
project's importer, ``docs/source/examples/lava/nir_to_lava.py`` of neuromorphs/NIR
(``import_from_nir(graph, ImportConfig(library_preference=LavaLibrary.LavaDl))``, read at commit
7232ada; the NIR paper's lava-dl results used its predecessor ``paper/02_cnn/_lava_nir.py``). That
is the meaning this entry states; it recognises no files (``producer="lava-dl"`` selects it).

The importer builds slayer modules (``ImportConfig.dt`` = 1e-4 s by default):

* ``IF`` -> ``slayer.neuron.cuba.Neuron(threshold = v_threshold * r, current_decay = 1,
  voltage_decay = 0, scale = 4096)``: per step :math:`v_t = v_{t-1} + x_t` (the input is not
  multiplied by ``r``; ``r`` scales the threshold instead), one threshold and one ``r`` for all;
* ``CubaLIF`` -> ``slayer.block.cuba.Dense`` (identity weights times :math:`w_{in}\,dt/\tau_{syn}`,
  no delay shift) with ``current_decay`` :math:`= dt/\tau_{syn}`, ``voltage_decay`` :math:`= dt/\tau_{mem}`
  (12-bit: :math:`d = \mathrm{round}(4096\,dt/\tau)`), ``scale = 64``; it requires
  :math:`r = \tau_{mem}/dt`, ``v_leak = 0`` and one value of each parameter for all neurons:
  :math:`I_t = (1 - d_I/4096) I_{t-1} + w_{in}\tfrac{dt}{\tau_{syn}} x_t`,
  :math:`v_t = (1 - d_v/4096) v_{t-1} + I_t`;
* both spike where :math:`v_t \ge \vartheta + 0.01/s` on slayer's fixed-point grid (:math:`s` = 2^18
  for ``IF``, 4096 for ``CubaLIF``), i.e. :math:`v_t > \vartheta` for thresholds on that grid, and
  reset :math:`v` to 0 in the same step; ``Affine``/``Linear`` (bias added every step), ``Conv2d``
  (bias must be 0), ``SumPool2d``, ``Flatten`` as NIR says; ``LIF`` is refused
  (``NotImplementedError``), recurrent ``CubaLIF`` subgraphs go through nirtorch (not covered here).

neurokit reproduces it with Euler integration at ``dt = 1e-4``, zero reset, ``>`` (:data:`PROFILE`)
after :func:`rewrite`: ``IF`` :math:`R = 1/dt` and :math:`\vartheta \cdot r`; ``CubaLIF`` time
constants from the 12-bit decays. slayer's states are integers on its grid; with weights and
thresholds on that grid (the goldens use multiples of 1/256) the float run is the same.
"""

from __future__ import annotations

import numpy as np

from neurokit.errors import ConfigError
from neurokit.ir.graph import Graph
from neurokit.ir.nodes import IF, LIF, Conv2d, CubaLIF, Node
from neurokit.ir.profile import Profile

from ._discrete import map_nodes
from .base import Producer

PROFILE = Profile(dt=1e-4, integration="euler", reset="zero", spike_rule=">", numeric="float64")
DECAY_UNITY = 4096
#: slayer's ``scale`` for the neurons the importer builds: the threshold is truncated to ``1/scale``,
#: the states live on a grid of ``1/(64 scale)``.
IF_SCALE, CUBA_SCALE = 4096, 64


def _slayer_threshold(theta: float, scale: int) -> float:
    """slayer's ``int(threshold * scale) / scale`` (truncated toward zero)."""
    return float(int(theta * scale)) / scale


def _one_value(node: Node, name: str, values: np.ndarray, field: str) -> float:
    values = np.unique(np.asarray(values, dtype=np.float64))
    if values.size != 1:
        raise ConfigError(f"lava-dl runs {node.type_name} {name!r} only with one {field} for all neurons, "
                          f"the file has {values.size}",
                          fix="read it with its real producer (producer=NAME) or a profile, not as lava-dl")
    return float(values[0])


def _twelve_bit_tau(dt: float, tau: float) -> float:
    r"""The time constant whose Euler decay :math:`dt/\tau` is slayer's 12-bit ``round(4096 dt/tau)/4096``."""
    d = round(DECAY_UNITY * dt / tau)
    if d <= 0:
        raise ConfigError(f"tau = {tau} s decays by less than 1/4096 per step of {dt} s: slayer keeps no leak",
                          fix="use a shorter time constant or a larger dt")
    return dt * DECAY_UNITY / d


def _as_lava_dl(name: str, node: Node, dt: float) -> Node:
    if isinstance(node, IF):
        r = _one_value(node, name, node.r, "r")
        theta = _one_value(node, name, node.v_threshold, "v_threshold")
        # IF: slayer's integer test V >= Theta (float32 drops its 0.01/2^18 margin) is V > Theta - 1/2 on its
        # 2^-18 grid, so the '>' profile gets the threshold half a grid step lower
        theta_eff = _slayer_threshold(theta * r, IF_SCALE) - 0.5 / (64 * IF_SCALE)
        return node.replace(r=np.full(node.r.shape, 1.0 / dt), v_threshold=np.full(node.r.shape, theta_eff))
    if isinstance(node, CubaLIF):
        if np.any(node.v_leak != 0):
            raise ConfigError(f"lava-dl runs CubaLIF {name!r} only with v_leak = 0",
                              fix="read it with its real producer (producer=NAME), not as lava-dl")
        if not np.allclose(node.r, node.tau_mem / dt):
            raise ConfigError(f"lava-dl runs CubaLIF {name!r} only with r = tau_mem/dt (dt = {dt})",
                              fix="give the file's dt (profile={'dt': ...}) or read it with its producer")
        tau_syn = _one_value(node, name, node.tau_syn, "tau_syn")
        tau_mem = _one_value(node, name, node.tau_mem, "tau_mem")
        theta = _slayer_threshold(_one_value(node, name, node.v_threshold, "v_threshold"), CUBA_SCALE)
        ts, tm = _twelve_bit_tau(dt, tau_syn), _twelve_bit_tau(dt, tau_mem)
        w_in = np.ones(node.tau_syn.shape) if node.w_in is None else np.asarray(node.w_in, dtype=np.float64)
        return node.replace(tau_syn=np.full(node.tau_syn.shape, ts),
                            tau_mem=np.full(node.tau_mem.shape, tm),
                            r=np.full(node.r.shape, tm / dt), w_in=w_in * ts / tau_syn,
                            v_threshold=np.full(node.v_threshold.shape, theta))
    if isinstance(node, LIF):
        raise ConfigError(f"lava-dl cannot run LIF {name!r} (nir_to_lava raises NotImplementedError for LIF)",
                          fix="read the file with its real producer (producer=NAME) instead of lava-dl's meaning")
    if isinstance(node, Conv2d) and node.bias is not None and np.any(node.bias != 0):
        raise ConfigError(f"lava-dl runs Conv2d {name!r} only without bias",
                          fix="fold the bias away or use another producer")
    return node


def rewrite(graph: Graph) -> Graph:
    """lava-dl's reading of each node (see the module docstring); refuses what lava-dl refuses."""
    if any(isinstance(n, Graph) for n in graph.nodes.values()) or graph.loop_edges():
        raise ConfigError("recurrent or nested graphs go through nirtorch in lava-dl's importer; that path is not "
                          "covered by neurokit's lava-dl entry",
                          fix="read the file with its real producer (producer=NAME)")
    dt = graph.profile.dt
    return map_nodes(graph, lambda name, node: _as_lava_dl(name, node, dt))


PRODUCER = Producer(
    name="lava-dl",
    release="0.6.0",
    source="lava-dl 0.6.0 has no NIR support; files run through neuromorphs/NIR "
           "docs/source/examples/lava/nir_to_lava.py: import_from_nir (LavaLibrary.LavaDl)",
    profile=PROFILE,
    summary="the meaning lava-dl gives a file it runs: IF v += x with threshold*r, CubaLIF with 12-bit decays; "
            "lava-dl writes no NIR, so no file is recognised as its own",
    rewrite=rewrite,
    notes=(
        "lava-dl writes no NIR: the converter of lava-nc/lava-dl PR #218 was never merged.",
        "IF: r multiplies the threshold instead of the input.",
        "LIF, non-uniform parameters, CubaLIF with r != tau_mem/dt or v_leak != 0, Conv2d bias: "
        "refused as lava-dl does.",
    ),
)
