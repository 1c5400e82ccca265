r"""What the Loihi 2 backend can map, decided up front: every problem of a graph at once, each naming
the node, the reason and the fix (:func:`plan_layers`).

A graph maps as a chain ``Input -> (synapses -> neuron)* -> Output``:

* **synapses**: one or more weight nodes in a row (Linear, Affine, SparseLinear, Conv1d/2d,
  Sum/AvgPool2d; Flatten is a reshape), composed into **one** Dense matrix
  :math:`W = W_k \cdots W_1`, :math:`b = b_k + W_k(\dots)`: convolutions are unrolled and a pool
  followed by a convolution or a dense layer is folded into that layer's weights. A layer whose
  synapses are one ``Conv2d`` runs as Lava's ``Conv`` process instead where the unrolled Dense would
  be large (deploy option ``conv_process``, :func:`~neurokit.backends.loihi2.conv_layer.conv_lowered`):
  Lava 0.10's fixed-point ``Conv`` applies its kernel as given, ignoring ``weight_exp`` and
  ``num_weight_bits``, so such a layer is quantized with a weight exponent :math:`e \ge 0` and the
  runner applies Dense's clip/truncation and the factor :math:`2^e` to the kernel itself
  (:math:`(\sum w s) \ll e = \sum (w \ll e) s`); it permutes neurokit's (C, H, W) to Lava's
  (W, H, C), flips the kernel (Lava's is a true convolution) and runs side-by-side samples as channel
  groups: the same integer sums as the unrolled Dense, which neurokit's bit-accurate model runs
  (the artifact stores the kernel only; netx export refuses such a layer).
  Per-synapse delays
  (SparseLinear ``delay``, Lava's ``DelayDense``) only where the layer has one synapse node.
* **neuron**: a spiking layer (LIF, IF, CubaLIF: Lava's ``LIF`` process, Loihi's CUBA neuron) or,
  last only, a readout (LI, I, CubaLI: the same neuron with the largest threshold, read as its
  membrane). Thresholds may differ per neuron: each neuron's scale :math:`S_i = 64 v_{th}/\vartheta_i`
  goes into its weights and bias, so the layer keeps one chip threshold :math:`v_{th}`. Lava
  0.10's stock ``LIF`` declares one ``du``/``dv`` per process: where each neuron's own 12-bit decay
  differs, the layer runs as neurokit's neuron program (below) with a ``du``/``dv`` per neuron.
* **branches**: ``E -> [Delay_k ->] W_k -> neuron`` for several ``k`` from one source (neurokit.train's
  learnable delays, one branch per lag; a converted ResNet's residual block, ``conv`` and its
  shortcut ``Scale`` from the same spiking layer) are one Dense, :math:`W = \sum_k W_k`, or, with
  ``Delay`` nodes, one ``DelayDense``, each synapse with its branch's delay (refused where a synapse
  is on two branches with different delays). Branches from *different* source layers into one
  neuron layer are not lowered.
* **residual paths**: a neuron layer fed by weight chains from two or more different spiking layers
  (a converted ResNet: ``conv2(relu) + Scale(stem)``) gets one more Dense from each earlier layer's
  spikes into its ``a_in`` (Lava sums what several Dense send into one port, as for recurrence);
  every path takes one step, as every Dense does.
* **recurrence**: ``neuron -> Linear/Affine/SparseLinear -> same neuron`` (a second Dense into the
  layer's ``a_in``); a recurrent bias is a constant current, folded into the layer's bias.
* **CubaLIF/CubaLI**: :math:`u' = (1 - \delta_u) u + W x`, :math:`v' = (1 - \delta_v) v + u' + b` is
  the Euler discretisation (:func:`neurokit.dynamics.neurons.cuba_membrane`, the updated current
  drives the membrane), so ``integration = "euler"`` maps exactly (up to 12-bit decays). A synapse
  bias feeds the current (:math:`I' = a_s I + g_s w_{in} (W x + b)`); the stock LIF adds its bias to
  ``v``, so such a layer runs as the neuron program, which adds it to ``a_in``.
  ``"exact"`` (zero-order hold) also feeds the step's input straight into the membrane (its transfer
  function has a zero the stock CUBA neuron, input only through ``u``, cannot express): such a layer
  runs as the neuron program, whose current holds :math:`\tfrac{c}{a_s} R I` and which adds the
  direct term :math:`\mathrm{round}(k_{in} (a_{in} \ll 6) / 2^{12})` to ``v``
  (:mod:`~neurokit.backends.loihi2.neuron_lowering`); refused only where :math:`a_s` rounds outside
  :math:`[1/4096, 1)`.
* **reset**: ``"zero"`` is Lava's ``LIF`` (``v_reset = 0``). ``"subtract"`` on IF layers (what
  conversion emits) is Lava's ``ATRLIF`` program with no decays and a fixed threshold: it never
  resets ``v`` but adds :math:`2\theta` to its refractory state ``r`` on a spike and fires on
  :math:`v - r \ge \theta`, so :math:`v - r` is the subtract-reset membrane
  (:mod:`~neurokit.backends.loihi2.quantize` puts the threshold offset into ``v``'s start). On these
  leak-free layers a subtraction in the next step gives the same spikes.
* **neuron program** (:func:`program_reasons`): what neither stock process says — a subtraction on a
  leaky neuron (its offset would decay in ATRLIF) in either timing, ``reset="none"``, ``v_reset != 0``,
  a bias into a Cuba layer's current, exact Cuba integration (a direct input term into ``v``),
  ``multi_spike`` (graded spike counts, sent through Dense as 8-bit messages), ``v_min``, per-neuron
  decays, refractory periods — runs as ``ResetLIF`` (:mod:`~neurokit.backends.loihi2.lava_neuron`): Lava's own
  bit-accurate LIF arithmetic with the profile's spike/reset step. Loihi 2's neurons are
  programmable; in Lava it runs on the CPU backend (the chip would need the same step as microcode).
* **profile**: every option maps; ``spike_rule`` ``">="`` on the stock LIF is an integer threshold
  shift (``>`` one unit lower, :mod:`~neurokit.backends.loihi2.quantize`); the program compares
  by the rule itself. Refused (each with its reason and fix): exact Cuba integration with a current
  decay outside [1/4096, 1), a ``v_reset``
  at or above the threshold, decays outside [0, 1] (Euler with dt > tau).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurokit import ir
from neurokit.backends.base import Problem
from neurokit.backends.output_stage import strip_output_stage
from neurokit.dynamics.discretisation import delay_steps, is_exact, neuron_coefficients

from .neuron_lowering import direct_input_gain

MAX_DELAY_STEPS = 62  # 6-bit delays; one step of the 0..63 range is Dense's own latency
SYNAPSES = (ir.Linear, ir.Affine, ir.SparseLinear, ir.Conv1d, ir.Conv2d, ir.SumPool2d, ir.AvgPool2d,
            ir.Scale)  # unrolled; a Scale is a diagonal weight matrix, folded into the adjacent weights
#: the neuron types Loihi 2 runs (:mod:`.quantize`); spiking ones as layers, the others as the readout
NEURONS = (ir.LIF, ir.IF, ir.CubaLIF, ir.LI, ir.I, ir.CubaLI)
SPIKING = tuple(t for t in NEURONS if t.spiking)
READOUTS = tuple(t for t in NEURONS if not t.spiking)
CUBA = tuple(t for t in NEURONS if t.current_based)
#: the graph's ports and the index maps (Flatten, Identity: a reshape or a sum point, nothing stored)
PORTS = (ir.Input, ir.Output, *ir.node_types(index_map=True))
RECURRENT_SYNAPSES = (ir.Linear, ir.Affine, ir.SparseLinear)


@dataclass(frozen=True)
class LayerPlan:
    """One Loihi layer: the graph's synapse nodes composed into one Dense (in order), the neuron node
    and its recurrent synapse node (or ``None``)."""

    synapses: tuple[str, ...]
    neuron: str
    recurrent: str | None = None
    branch_delays: tuple[str | None, ...] | None = None  # delay branches: each synapse's Delay node (or None)
    skip: tuple[tuple[tuple[str, ...], str], ...] = ()  # residual paths: (synapse nodes, source neuron) each
    chain_delay: str | None = None  # a Delay node in front of the composed synapses (one DelayDense)

    @property
    def synapse(self) -> str:
        """The layer's synapse name in reports: the composed node names joined by ``+``."""
        return "+".join(self.synapses)


def recurrent_synapses(g: ir.Graph) -> dict[str, str]:
    """``{neuron: synapse}`` for self-loops ``neuron -> synapse -> neuron`` (recurrent synapses)."""
    rec = {}
    for name, node in g.nodes.items():
        if isinstance(node, SYNAPSES) and g.predecessors(name) == g.successors(name) \
                and len(g.successors(name)) == 1 and isinstance(g.nodes[g.successors(name)[0]], SPIKING):
            rec[g.successors(name)[0]] = name
    return rec


def delay_branches(g: ir.Graph, rec: dict[str, str]
                   ) -> dict[str, tuple[tuple[str, ...], tuple[str | None, ...], str]]:
    """``{neuron: (synapses, delays, sum point)}`` for neurons fed by parallel branches from one
    source ``E``: ``E -> [Delay_k ->] Linear_k -> neuron`` (what neurokit.train exports for learnable
    delays, one branch per lag; ``SpikingSequential`` sums them in an Identity before the neuron, a Flatten in older files), or
    one delayed branch ``E -> Delay -> W -> neuron`` (spyx's one-step delay inside a net; a Delay in
    front of a chain of several weight nodes is :attr:`LayerPlan.chain_delay`). On Loihi they are one ``DelayDense``: the summed weights, each synapse with its
    branch's delay."""
    groups = {}
    for name, node in g.nodes.items():
        preds = [p for p in g.predecessors(name) if p != rec.get(name)]
        single_delayed = len(preds) == 1 and len(g.predecessors(preds[0])) == 1 \
            and isinstance(g.nodes[g.predecessors(preds[0])[0]], ir.Delay)  # one branch: E -> Delay -> W -> neuron
        if not (isinstance(node, NEURONS) or node.index_map) or (len(preds) < 2 and not single_delayed):
            continue
        target = name  # the neuron; a sum point (SpikingSequential's export: Identity, Flatten before) passes on to it
        while g.nodes[target].index_map and len(g.successors(target)) == 1:
            target = g.successors(target)[0]
        if not isinstance(g.nodes[target], NEURONS):
            continue
        sources, delays = set(), []
        for syn in preds:
            sp = g.predecessors(syn)
            own_delays = isinstance(g.nodes[syn], ir.SparseLinear) and g.nodes[syn].delay is not None
            if not isinstance(g.nodes[syn], SYNAPSES) or own_delays or len(sp) != 1 or g.successors(syn) != [name]:
                break
            q = sp[0]
            if isinstance(g.nodes[q], ir.Delay) and len(g.predecessors(q)) == 1 and g.successors(q) == [syn]:
                delays.append(q)
                sources.add(g.predecessors(q)[0])
            else:
                delays.append(None)
                sources.add(q)
        else:
            if len(sources) == 1:
                groups[target] = (tuple(preds), tuple(delays), name)
    return groups


def skip_synapses(g: ir.Graph, rec: dict[str, str], branches: dict
                  ) -> dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]]:
    """``{neuron: ((synapses, source, chain), ...)}`` for residual paths: a neuron layer fed by chains
    of weight nodes from two or more different spiking layers (a converted ResNet's ``conv`` and its
    shortcut ``Scale``; a DenseNet-style layer reading several earlier layers). The chain from the
    latest source is the layer's main synapse; every other one (each from its own earlier layer) is
    one more Dense from that layer's spikes into the same ``a_in``, summed there (Lava sums what any
    number of Dense processes send into one port; a Loihi 2 neuron takes input from any number of
    synapse groups, so the number of chains has no limit here)."""
    out = {}
    order = {n: k for k, n in enumerate(g.topological_order())}
    for name, node in g.nodes.items():
        preds = [p for p in g.predecessors(name) if p != rec.get(name)]
        if not isinstance(node, NEURONS) or name in branches or len(preds) < 2:
            continue
        chains = []
        for p in preds:
            chain, q = [], p
            while (isinstance(g.nodes[q], SYNAPSES) or g.nodes[q].index_map) and len(g.predecessors(q)) == 1 \
                    and len(g.successors(q)) == 1:
                chain.insert(0, q)
                q = g.predecessors(q)[0]
            syns = tuple(c for c in chain if isinstance(g.nodes[c], SYNAPSES))
            if not syns or not isinstance(g.nodes[q], SPIKING):
                break
            chains.append((syns, q, tuple(chain)))
        else:
            if len({c[1] for c in chains}) == len(chains):  # one chain per source layer
                out[name] = tuple(sorted(chains, key=lambda c: order[c[1]])[:-1])  # all but the latest source's
    return out


def program_reasons(node: ir.Node, p: ir.Profile, bias_into_current: bool = False) -> list[str]:
    """Why a layer runs as neurokit's neuron program (:mod:`~neurokit.backends.loihi2.lava_neuron`:
    Lava's bit-accurate LIF arithmetic with per-neuron decays and the profile's spike/reset rules)
    instead of Lava's stock ``LIF``/``ATRLIF``; empty where a stock process does it.
    ``bias_into_current``: a Cuba layer whose synapses carry a bias (it feeds the current ``u``)."""
    reasons = []
    if bias_into_current:
        reasons.append("a bias into the synaptic current (the stock LIF adds its bias to v)")
    if isinstance(node, (ir.LIF, ir.LI, *CUBA)) and any(np.ptp(d) > 0 for d in _decays_12bit(node, p).values()):
        reasons.append("per-neuron decays (the stock LIF holds one du/dv per process)")
    if isinstance(node, CUBA) and is_exact(p.integration):
        reasons.append(f"integration={p.integration!r} (the exact Cuba update also feeds the input straight into v)")
    if p.v_min != float("-inf"):
        reasons.append(f"v_min={p.v_min!r} (a floor after the reset)")
    if isinstance(node, SPIKING):
        if p.multi_spike:
            reasons.append("multi_spike (graded spike counts)")
        if p.reset == "none":
            reasons.append("reset='none'")
        if node.t_refrac is not None and np.any(neuron_coefficients(node, p).refrac_steps > 0):
            reasons.append("refractory periods (a count-down per neuron)")
        if np.any(np.asarray(node.v_reset) != 0):
            reasons.append("v_reset != 0 (the stock LIF resets to 0)")
        if p.reset == "subtract" and not isinstance(node, ir.IF):
            reasons.append(f"reset='subtract' on a leaky {node.type_name} (ATRLIF keeps its offset only without a leak)")
    return reasons


def _decays_12bit(node: ir.Node, p: ir.Profile) -> dict[str, np.ndarray]:
    r"""Per neuron, the 12-bit decays the chip would run: :math:`d_v = \mathrm{round}(4096 (1 - a_m))`,
    :math:`d_u = 4095 - \mathrm{round}(4096 a_s)` (:func:`~.quantize.neuron_program`)."""
    c = neuron_coefficients(node, p)
    out = {"tau_mem" if isinstance(node, CUBA) else "tau": np.round(4096 * (1 - np.ravel(c.a_mem)))}
    if isinstance(node, CUBA):
        out["tau_syn"] = 4095 - np.round(4096 * np.ravel(c.a_syn))
    return out


def _node_problems(g: ir.Graph, plans: list[LayerPlan]) -> list[Problem]:
    """Per-layer parameter problems (uniform parameters, reset, refractoriness, decays, delays)."""
    p = g.profile
    problems: list[Problem] = []
    for k, plan in enumerate(plans):
        node = g.nodes[plan.neuron]
        if isinstance(node, READOUTS) and k != len(plans) - 1:
            problems.append(Problem(plan.neuron, f"{node.type_name} is a non-spiking readout but feeds another layer; "
                                                 "Loihi layers talk only in spikes",
                                    "make hidden layers spiking (LIF/IF/CubaLIF); readouts go last"))
        if isinstance(node, SPIKING):
            if np.any(np.asarray(node.v_threshold) <= 0):
                problems.append(Problem(plan.neuron, "Loihi thresholds must be positive", "use v_threshold > 0"))
            elif np.any(np.asarray(node.v_reset) >= np.asarray(node.v_threshold)):
                problems.append(Problem(plan.neuron, "v_reset is not below v_threshold: a spike would not lower "
                                                     "the membrane", "use v_reset < v_threshold"))
        if isinstance(node, CUBA) and is_exact(p.integration):
            c = neuron_coefficients(node, p)
            a_s = np.round(4096 * np.ravel(c.a_syn))
            with np.errstate(divide="ignore", invalid="ignore"):
                k = direct_input_gain(c)
            if np.any(a_s < 1) or np.any(a_s > 4095) or not np.all(np.abs(k) * 4096 < 2**23):
                problems.append(Problem(plan.neuron, f"{node.type_name} with integration={p.integration!r}: the exact "
                                                     "update's direct input term needs a current decay a_s with "
                                                     "1/4096 <= a_s < 1 per step (it divides by a_s and by 1 - a_s)",
                                        "use a tau_syn within a few hundred steps of dt, or integration='euler'"))
        if isinstance(node, (ir.LIF, ir.LI, *CUBA)):
            c = neuron_coefficients(node, p)
            for what, a in (("membrane", c.a_mem), *((("current", c.a_syn),) if isinstance(node, CUBA) else ())):
                if np.any(a < 0) or np.any(a > 1):
                    problems.append(Problem(plan.neuron, f"{what} decay {float(np.ravel(a)[0]):.4g} per step is outside "
                                                         "[0, 1] (Euler with dt > tau)", "use a smaller dt"))
        if plan.branch_delays is not None:
            problems += _branch_problems(g, plan)
        if plan.chain_delay is not None:
            steps = delay_steps(np.asarray(g.nodes[plan.chain_delay].delay), p.dt)
            if steps.max(initial=0) > MAX_DELAY_STEPS:
                problems.append(Problem(plan.chain_delay, f"a delay of {int(steps.max())} steps; Loihi 2 stores 0 to "
                                                          f"{MAX_DELAY_STEPS}", "shorten the delay or use a larger dt"))
        syn_nodes = [g.nodes[s] for s in plan.synapses]
        delayed = [s for s, n in zip(plan.synapses, syn_nodes) if isinstance(n, ir.SparseLinear) and n.delay is not None]
        if delayed and len(plan.synapses) > 1:
            problems.append(Problem(delayed[0], "synaptic delays inside a chain of weight layers cannot be composed "
                                                "into one Dense", "put a neuron layer between them or drop the delays"))
        for name in delayed:
            steps = delay_steps(g.nodes[name].delay, p.dt)
            if steps.max(initial=0) > MAX_DELAY_STEPS:
                problems.append(Problem(name, f"synaptic delays up to {int(steps.max())} steps; Loihi 2 stores 0 to "
                                              f"{MAX_DELAY_STEPS}", "shorten the delays or use a larger dt"))
        if plan.recurrent is not None:
            node = g.nodes[plan.recurrent]
            if not isinstance(node, RECURRENT_SYNAPSES) or (isinstance(node, ir.SparseLinear) and node.delay is not None):
                problems.append(Problem(plan.recurrent, "recurrent synapses must be Linear/Affine/SparseLinear "
                                                        "without delays", "use a dense recurrent weight matrix"))
    return problems


def branch_matrix(g: ir.Graph, syn: str) -> tuple[np.ndarray, np.ndarray]:
    """``(W (out, in), b)`` of one branch's synapse node (convolutions unrolled, a Scale diagonal)."""
    from .quantize import dense_matrix  # quantize builds on this module

    shapes = g.infer_shapes()
    return dense_matrix(g.nodes[syn], shapes.get(syn), g.profile.dt)


def branch_delay_steps(g: ir.Graph, plan: LayerPlan) -> list[np.ndarray]:
    """Per branch of ``plan``, its delay in steps per input neuron (zeros without a Delay node)."""
    out = []
    for syn, d in zip(plan.synapses, plan.branch_delays or ()):
        n_in = branch_matrix(g, syn)[0].shape[1]
        out.append(np.zeros(n_in, np.int64) if d is None else
                   np.broadcast_to(delay_steps(g.nodes[d].delay, g.profile.dt), (n_in,)).astype(np.int64))
    return out


def _branch_problems(g: ir.Graph, plan: LayerPlan) -> list[Problem]:
    """Branches merge into one Dense (or DelayDense) only where no synapse is on two branches with
    different delays, and the delays fit Loihi's 0..62 steps."""
    problems = []
    steps = branch_delay_steps(g, plan)
    seen: dict[tuple[int, int], int] = {}
    for syn, d in zip(plan.synapses, steps):
        if d.max(initial=0) > MAX_DELAY_STEPS:
            problems.append(Problem(syn, f"a delay branch of {int(d.max())} steps; Loihi 2 stores 0 to "
                                         f"{MAX_DELAY_STEPS}", "shorten the delays or use a larger dt"))
        for j, i in zip(*np.nonzero(branch_matrix(g, syn)[0])):
            if seen.setdefault((int(j), int(i)), int(d[i])) != int(d[i]):
                problems.append(Problem(syn, f"synapse {int(i)} -> {int(j)} is on two delay branches with different "
                                             "delays; one DelayDense holds one delay per synapse",
                                        "give every synapse one delay"))
                return problems
    return problems


def plan_layers(graph: ir.Graph) -> tuple[list[LayerPlan], list[Problem]]:
    """The Loihi layers of ``graph`` (flattened; an output stage of Delay/Threshold nodes is applied
    on the host, :mod:`neurokit.backends.output_stage`) in order, or every problem preventing them."""
    g = strip_output_stage(graph.flatten())
    problems: list[Problem] = []
    rec = recurrent_synapses(g)
    branches = delay_branches(g, rec)
    in_branches = {n for syns, dels, _ in branches.values() for n in (*syns, *dels) if n is not None}
    sum_points = {point for _, _, point in branches.values()}
    fan_out = {g.predecessors(n)[0] for n in in_branches}  # the branches' common source
    skips = skip_synapses(g, rec, branches)
    on_skips = {n for paths in skips.values() for _, _, chain in paths for n in chain}
    lead_delays = {n for n, node in g.nodes.items() if isinstance(node, ir.Delay) and n not in in_branches
                   and len(g.predecessors(n)) == 1 and isinstance(g.nodes[g.predecessors(n)[0]], (ir.Input, *SPIKING))
                   and len(g.successors(n)) == 1
                   and (isinstance(g.nodes[g.successors(n)[0]], SYNAPSES) or g.nodes[g.successors(n)[0]].index_map)}
    for name, node in g.nodes.items():
        if (name in in_branches or name in lead_delays) and isinstance(node, ir.Delay):
            continue
        if not isinstance(node, (*SYNAPSES, *NEURONS, *PORTS)):
            problems.append(Problem(name, f"{node.type_name} has no Loihi 2 lowering in this version",
                                    "the loihi2 backend maps chains of weight layers (Linear/Affine/SparseLinear/"
                                    "Conv/Pool/Scale) -> LIF/IF/CubaLIF, with an LI/I/CubaLI readout last"))
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        problems.append(Problem("<graph>", "needs exactly one Input and one Output", "split the model"))
    loops = {e for e in g.loop_edges() if not (e[0] in rec.values() or e[1] in rec.values())}
    if loops:
        problems.append(Problem("<graph>", f"loops other than a layer's recurrent synapses onto itself: {sorted(loops)}",
                                "use recurrence of the form LIF -> Linear -> same LIF, or run in neurokit.sim"))
    order = [n for n in g.topological_order()
             if not (g.nodes[n].port or g.nodes[n].index_map) and n not in rec.values()]
    for name in g.topological_order():
        succ = [n for n in g.successors(name) if n not in rec.values() and n not in on_skips]
        pred = [n for n in g.predecessors(name) if n not in rec.values() and n not in on_skips]
        if (len(succ) > 1 and name not in fan_out) or (len(pred) > 1 and name not in sum_points):
            problems.append(Problem(name, "branches are not lowered in this version (only parallel weight "
                                          "branches, with or without delays, from one source layer into one "
                                          "neuron layer)", "use a feed-forward chain, or branches from one source"))
    if problems:
        return [], problems
    plans: list[LayerPlan] = []
    run: list[str] = []
    lead: str | None = None  # a Delay in front of the current chain (spyx: LIF -> Delay -> pool -> dense)
    for name in order:
        if name in in_branches or name in on_skips:
            continue
        if name in lead_delays:
            lead = name
            continue
        if name in branches:
            if run:
                problems.append(Problem(run[-1], "weight layers before delay branches cannot be composed with them",
                                        "put a neuron layer between them"))
            plans.append(LayerPlan(branches[name][0], name, rec.get(name), branches[name][1]))
            run = []
        elif isinstance(g.nodes[name], SYNAPSES):
            run.append(name)
        elif not run:
            problems.append(Problem(name, f"{g.nodes[name].type_name} has no incoming weight layer",
                                    "every neuron layer needs a weight layer before it"))
        else:
            plans.append(LayerPlan(tuple(run), name, rec.get(name),
                                   skip=tuple(p[:2] for p in skips.get(name, ())), chain_delay=lead))
            run, lead = [], None
    if run:
        problems.append(Problem(run[-1], "weight layers after the last neuron layer have no neuron to drive",
                                "end the model with a neuron layer (an LI/I readout)"))
    if not plans and not problems:
        problems.append(Problem("<graph>", "no (weight layer, neuron) pair to map", "add a neuron layer"))
    problems += _node_problems(g, plans)
    return plans, problems
