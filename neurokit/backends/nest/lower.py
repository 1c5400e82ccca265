r"""Lower an IR graph to a NEST 3 network: ``network.json`` (populations, projections, clock) and
``network.npz`` (per-neuron NEST parameters, connection arrays). :mod:`.runner` builds it with
PyNEST (``nest.Create`` with parameter arrays, ``nest.Connect`` with arrays: ``one_to_one`` on
``(pre, post, weight, delay)`` arrays for sparse projections, ``all_to_all`` with a weight matrix
for dense ones; no per-neuron Python loop).

**The profile NEST realises.** NEST integrates ``iaf_psc_delta`` and ``iaf_psc_exp`` exactly on the
time grid in double precision and delivers every spike after at least one step (its minimum
delay). So the model this target computes is neurokit's **float64** model with
``integration="exact"`` (Euler LIF/LI/IF/I as exact neurons with Euler's decay, the same equation)
and ``synapse_latency=1`` (one step per weighted node of a projection, as the IR times a latency,
one more on a loop edge): :func:`nest_float_graph`. Spikes agree with it up to float
rounding; NEST computes its propagators with ``expm1`` and adds a jump after the leak, neurokit sums
the drive first, so the membranes differ by a few ulp and a membrane within ~1e-13 of the threshold
may fall on the other side (the conformance matrix compares over the steps its float64 bound
decides; the whole-run agreement on the test nets is 1.0).

**Neurons** (units: neurokit's ``v`` read as mV, its current as nA; NEST takes pA and pF):

* LIF, LI: ``iaf_psc_delta`` with :math:`\tau_m = 1000\,\tau` ms, :math:`C_m = 1000\,\tau_m / R` pF
  (so :math:`R_m = R`), ``E_L`` = :math:`v_{leak}`, ``V_th``, ``V_reset``, ``V_m`` = the initial
  membrane; a synapse is a jump :math:`w = (1 - a) R W` mV (:math:`a = e^{-dt/\tau}`, the exact
  input gain of one step); the bias is ``I_e`` :math:`= 1000\,b` pA. LI: a threshold never reached,
  its ``V_m`` recorded by a ``multimeter``.
* IF, I: ``iaf_psc_delta`` with :math:`\tau_m = 10^{300}` ms, for which NEST's decay
  :math:`e^{-h/\tau_m}` is exactly 1.0: a perfect integrator; jumps :math:`w = dt\,R\,W`. NEST
  computes ``I_e``'s gain as :math:`(1 - e^{-h/\tau_m})\tau_m / C_m`, which is 0 there, so the bias
  is a jump of :math:`dt\,R\,b` every step from a ``spike_generator`` (the population's *bias
  source*). I: a threshold never reached, ``V_m`` recorded.
* CubaLIF, CubaLI: ``iaf_psc_exp`` (``tau_syn_ex`` = ``tau_syn_in`` = :math:`1000\,\tau_{syn}`
  ms, :math:`\tau_m`, :math:`C_m` as above). The exact neuron holds its input over the step, so an
  input also moves the membrane in its own step; every synapse is therefore sent twice, a jump
  :math:`J_1` one step early and :math:`J_2` on time (:func:`~neurokit.backends.spinnaker.pynn.nest_taps`),
  and the population's clock runs ``lag`` steps behind the input's so that "one step early" is
  possible with NEST's minimum delay. The bias: ``I_e`` :math:`= 1000\,w_{in} b` pA plus one jump of
  :math:`-1000\,w_{in} b` pA into the current at the end of step 0 (a ``spike_generator``): the
  current is then :math:`w_{in} b (1 - a_s^k)`, neurokit's.
* ``spike_rule ">"``: ``V_th`` = the next double above :math:`v_{th}` (NEST spikes on
  :math:`V_m \ge V_{th}`, which is then exactly :math:`V_m > v_{th}`); ``">="``: ``V_th`` as given.
* refractory: NEST's ``t_ref`` freezes :math:`\mathrm{round}(t_{ref}/h)` steps, neurokit
  :math:`n_{ref} - 1` (:func:`~neurokit.backends.spinnaker.pynn_script.refractory_ms`).
* ``v_min`` (LIF, LI, IF, I): ``V_min`` (see :mod:`.check` for when it is the same floor).

**Timing.** A population with lag :math:`\ell` runs neurokit's step :math:`t` as NEST step
:math:`\ell + t`; an event of that step carries NEST's stamp :math:`(\ell + t + 1) h`. A spike of
step :math:`t` that neurokit delivers at step :math:`t + D` (own delay plus one step per weighted
node, plus one on a loop) gets the NEST delay :math:`D + \ell_{post} - \ell_{pre}` steps. Input
spikes of step :math:`k` leave their ``spike_generator`` at :math:`(\ell_{in} + k + 1) h`. Biases
(``I_e``, bias sources) start with neurokit's step 1, as a bias behind a one-step latency does; a
lagged population gets its initial ``V_m`` at NEST time :math:`\ell h` (the runner simulates the
first steps one by one and sets these values between them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neurokit import ir
from neurokit.backends.base import Artifact, refuse_if_problems
from neurokit.backends.spinnaker.check import output_population, projection_csr, structure
from neurokit.backends.spinnaker.lower import chain_latency
from neurokit.backends.spinnaker.pynn import nest_taps
from neurokit.backends.spinnaker.pynn_script import refractory_ms
from neurokit.dynamics.discretisation import neuron_coefficients
from neurokit.errors import MappingError
from neurokit.util.atomic import atomic_write_text

from .check import CUBA, check_graph

FORMAT, VERSION = "neurokit-nest", 1
DELTA, EXP, SOURCE = "iaf_psc_delta", "iaf_psc_exp", "spike_generator"
PERFECT_TAU_MS = 1e300  # exp(-h / tau_m) == 1.0 in double precision: NEST's iaf_psc_delta integrates perfectly
NEVER_MV = 1e300  # the threshold of a read-out (LI, I): never reached
LATENCY_STEPS = 1  # NEST's minimum delay: one step on every weighted connection


def nest_float_graph(graph: ir.Graph) -> ir.Graph:
    """The neurokit model NEST computes: ``graph`` in float64 with ``synapse_latency=1`` (the
    integration as given: an Euler LIF runs as the exact neuron with Euler's decay, the same
    equation; fixed-point numerics become float64 with the exact coefficients they quantize)."""
    prof = graph.profile
    integration = "exact" if prof.integration == "fixed_point" else prof.integration
    return graph.with_profile(prof.replace(numeric="float64", integration=integration, synapse_latency=LATENCY_STEPS))


def _exact_node(node: ir.Node, profile: ir.Profile) -> ir.Node:
    r"""An Euler LIF/LI as the exact neuron with the same decay: :math:`\tau' = -dt / \ln(1 - dt/\tau)`
    (then :math:`e^{-dt/\tau'} = 1 - dt/\tau` and the exact input gain :math:`1 - e^{-dt/\tau'}` is
    Euler's :math:`dt/\tau`); IF and I are the same in both."""
    if profile.integration != "euler" or not isinstance(node, (ir.LIF, ir.LI)):
        return node
    ratio = profile.dt / np.asarray(node.tau, np.float64)
    if np.any(ratio >= 1.0):
        raise MappingError(f"{node.type_name}: Euler with dt >= tau has no exact equivalent (decay 1 - dt/tau <= 0)",
                           fix="use a smaller dt or integration='exact'")
    return node.replace(tau=-profile.dt / np.log1p(-ratio))


def neuron_params(node: ir.Node, profile: ir.Profile) -> dict[str, Any]:
    """One population's NEST model, per-neuron parameters (NEST units), the gain from an input
    :math:`Wz` to a synaptic weight (or the two taps of a Cuba neuron), the bias gain and kind
    (``"I_e"`` or ``"jump"``) and whether it spikes (see the module docstring)."""
    exact = profile.replace(integration="exact")
    node = _exact_node(node, profile)
    c = neuron_coefficients(node, exact)
    r = c.r.ravel()
    if np.any(~(r > 0)):
        raise MappingError(f"{node.type_name}: R must be > 0 for NEST (C_m = tau_m / R)",
                           fix="use a positive r (scale the weights instead)")
    n, dt_ms = r.size, profile.dt * 1e3
    spiking = bool(c.spiking)
    v_th = c.v_threshold.ravel() if spiking else np.full(n, NEVER_MV)
    if spiking and profile.spike_rule == ">":
        v_th = np.nextafter(v_th, np.inf)  # V_m >= nextafter(v_th) is exactly V_m > v_th
    params: dict[str, np.ndarray] = {
        "E_L": c.v_leak.ravel(), "V_th": v_th, "V_reset": c.v_reset.ravel(),
        "t_ref": refractory_ms(np.maximum(c.refrac_steps.ravel() - 1, 0), dt_ms, "nest"), "V_m": c.v_init.ravel()}
    taps = None
    if isinstance(node, (ir.IF, ir.I)):
        model, bias_kind = DELTA, "jump"
        params.update(tau_m=np.full(n, PERFECT_TAU_MS), C_m=1e3 / r)
        gain = bias_gain = c.dt_r.ravel()
    elif isinstance(node, CUBA):
        model, bias_kind = EXP, "I_e"
        tau_m = np.broadcast_to(np.asarray(node.tau_mem, np.float64) * 1e3, c.r.shape).ravel().copy()
        tau_s = np.broadcast_to(np.asarray(node.tau_syn, np.float64) * 1e3, c.r.shape).ravel().copy()
        params.update(tau_m=tau_m, C_m=1e3 * tau_m / r, tau_syn_ex=tau_s, tau_syn_in=tau_s.copy())
        early, on_time = nest_taps(node, profile.dt)  # type: ignore[misc]
        taps = (1e3 * early, 1e3 * on_time)  # nA -> pA
        gain = taps[1]
        bias_gain = 1e3 * c.w_in.ravel()  # the current's steady state w_in b, in pA
    else:  # LIF, LI
        model, bias_kind = DELTA, "I_e"
        tau_m = np.broadcast_to(np.asarray(node.tau, np.float64) * 1e3, c.r.shape).ravel().copy()  # type: ignore[attr-defined]
        params.update(tau_m=tau_m, C_m=1e3 * tau_m / r)
        gain = c.gain_mem.ravel() * r
        bias_gain = np.full(n, 1e3)  # nA -> pA: NEST's gain (1 - a) tau_m / C_m = (1 - a) R
    if profile.v_min > -np.inf:
        params["V_min"] = np.full(n, profile.v_min)
    return {"model": model, "params": params, "gain": gain, "taps": taps, "bias_gain": bias_gain,
            "bias_kind": bias_kind, "spiking": spiking}


def spike_sources(node: ir.Input, size: int) -> dict[str, Any]:
    """The Input as ``size`` ``spike_generator`` nodes (one per channel; spike counts become
    ``spike_multiplicities``)."""
    return {"model": SOURCE, "size": size, "spiking": True}


def build_network(graph: ir.Graph) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(network.json contents, network.npz arrays)`` for a graph :func:`check_graph` accepts."""
    g = graph.flatten()
    found = structure(g)
    pops, index = found.populations, {name: i for i, name in enumerate(found.populations)}
    shapes = g.infer_shapes()
    spec: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    neurons: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(pops):
        size = int(np.prod(shapes[name][1]))
        if i == 0:
            spec.append({"label": name, **spike_sources(g.nodes[name], size)})  # type: ignore[arg-type]
            continue
        neurons[name] = p = neuron_params(g.nodes[name], g.profile)
        arrays.update({f"pop{i}_{k}": v for k, v in p["params"].items()})
        spec.append({"label": name, "model": p["model"], "size": size, "spiking": p["spiking"],
                     "record": "spikes" if p["spiking"] else "V_m", "bias": p["bias_kind"],
                     "params": sorted(p["params"])})
    bias = {name: np.zeros(s["size"]) for name, s in zip(pops, spec)}
    lag = {name: 0 for name in pops}
    built = []
    for proj in found.projections:
        csr = projection_csr(g, shapes, proj)
        if csr.bias is not None:
            bias[proj.post] = bias[proj.post] + np.asarray(csr.bias, np.float64).ravel()
        own = np.zeros(len(csr.indices), np.int64) if csr.delay is None else np.asarray(csr.delay, np.int64)
        delay = own + chain_latency(g, proj)
        taps = neurons[proj.post]["taps"]
        if index[proj.pre] < index[proj.post]:  # feed-forward: the post's clock lags enough for the early tap
            lag[proj.post] = max(lag[proj.post], lag[proj.pre] + (taps is not None) + 1 - int(delay.min(initial=1)))
        built.append((proj, csr, delay, taps))
    cuba_bias = [n for n in pops[1:] if neurons[n]["model"] == EXP and np.any(bias[n] != 0)]
    lead = int(any(lag[n] == 0 for n in cuba_bias))  # the current-start jump lands at the end of step 0: lag >= 1
    lag = {n: v + lead for n, v in lag.items()}
    proj_spec = []
    for j, (proj, csr, delay, taps) in enumerate(built):
        post, n_pre, n_post = proj.post, csr.n_pre, csr.n_post
        pre_idx = np.repeat(np.arange(n_pre), np.diff(csr.indptr))
        delay = delay + lag[post] - lag[proj.pre]
        gains = [(neurons[post]["gain"], delay)] if taps is None else [(taps[0], delay - 1), (taps[1], delay)]
        for t, (gain, d) in enumerate(gains):
            if d.size and d.min() < 1:
                raise MappingError(f"projection {proj.name!r} into {post!r} needs a delay below one step for the exact "
                                   "current's early tap (a loop through current-based neurons)",
                                   fix="put a LIF population in the loop, or add a one-step Delay to the loop")
            weight = np.asarray(csr.weight, np.float64) * gain[csr.indices]
            key = f"proj{j}_{t}"
            dense = (len(weight) == n_pre * n_post and np.unique(d).size <= 1 and len(weight) > 0
                     and np.array_equal(csr.indices, np.tile(np.arange(n_post), n_pre)))  # every pair once, in order
            if dense:  # all_to_all with a (post, pre) weight matrix: CSR rows are pre, columns post in order
                arrays[f"{key}_weight"] = weight.reshape(n_pre, n_post).T.copy()
                arrays[f"{key}_delay"] = np.full(1, int(d[0]) if d.size else 1, np.int64)
            else:
                arrays[f"{key}_pre"], arrays[f"{key}_post"] = pre_idx.astype(np.int64), csr.indices.astype(np.int64)
                arrays[f"{key}_weight"], arrays[f"{key}_delay"] = weight, d.astype(np.int64)
            proj_spec.append({"pre": index[proj.pre], "post": index[post], "array": key,
                              "rule": "all_to_all" if dense else "one_to_one", "synapses": int(len(weight)),
                              "synapse": proj.name, "chain": list(proj.chain),
                              "tap": "early" if taps is not None and t == 0 else "on_time"})
    for name in pops[1:]:
        i, p = index[name], neurons[name]
        b = bias[name] * p["bias_gain"]
        spec[i]["lag"] = lag[name]
        if np.any(b != 0):
            arrays[f"pop{i}_bias"] = b  # I_e (pA) or a jump per step (mV), from neurokit's step 1
            if p["model"] == EXP:
                arrays[f"pop{i}_current_start"] = -b  # pA into the current at the end of step 0
        else:
            spec[i]["bias"] = None
    spec[0]["lag"] = lag[pops[0]]
    output = list(g.outputs)[0]
    out = output_population(g, output) or found.populations[-1]
    net = {"format": FORMAT, "version": VERSION, "dt_ms": g.profile.dt * 1e3, "populations": spec,
           "projections": proj_spec, "output": {"node": output, "population": index[out],
                                                "shape": list(shapes[output][1])},
           "max_lag": max(lag.values()), "synapses": int(sum(p["synapses"] for p in proj_spec)),
           "profile": nest_float_graph(g).profile.to_dict() | {"v_min": str(g.profile.v_min)}}
    return net, arrays


def lower_graph(graph: ir.Graph, out_dir: str | Path, options: Mapping[str, Any], target: str = "nest") -> Artifact:
    """Check (every problem at once), build the network description and write the artifact:
    ``manifest.json``, ``network.json``, ``network.npz``, ``model.nir`` (the graph as given)."""
    refuse_if_problems(check_graph(graph), target)
    g = graph.flatten()
    net, arrays = build_network(g)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "network.npz", **arrays)
    atomic_write_text(out / "network.json", json.dumps(net, indent=1) + "\n")
    ir.write(g, out / "model.nir")
    manifest = {"format": FORMAT, "version": VERSION, "target": target, "dt": g.profile.dt,
                "options": dict(options), "populations": [{k: s[k] for k in ("label", "model", "size", "lag")}
                                                          for s in net["populations"]],
                "projections": len(net["projections"]), "synapses": net["synapses"],
                "neurons": int(sum(s["size"] for s in net["populations"][1:])),
                "output": net["output"], "realises": "neurokit float64, exact integration, synapse_latency=1"}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return Artifact(path=out, target=target, manifest=manifest)
