"""The reference dynamics: the single definition every simulator, trainer and backend is tested
against. :mod:`~neurokit.dynamics.discretisation` computes every coefficient from (node, profile),
:mod:`~neurokit.dynamics.neurons` has one pure ``step`` per neuron type,
:mod:`~neurokit.dynamics.synapses` the stateless nodes, :mod:`~neurokit.dynamics.reference` the
whole-graph runner (``run_reference``)."""

from .discretisation import NeuronCoefficients, neuron_coefficients
from .neurons import NeuronState, initial_state, neuron_step
from .reference import ReferenceResult, run_reference

__all__ = ["NeuronCoefficients", "NeuronState", "ReferenceResult", "initial_state", "neuron_coefficients",
           "neuron_step", "run_reference"]
