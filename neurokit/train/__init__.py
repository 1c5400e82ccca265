"""Surrogate-gradient training of SNNs whose forward pass equals the IR's reference semantics.

``train(TrainConfig(), out_dir)`` trains a classifier on the embedded event-digits dataset and
writes checkpoints, metrics, plots, ``model.nir`` and a model card; ``to_ir``/``from_ir`` move
models between torch and the IR.
"""

from .config import TrainConfig
from .layers import LIFLayer, LILayer
from .model import SNNClassifier, SNNSpec, from_ir, to_ir
from .surrogate import SURROGATES, spike
from .trainer import train

__all__ = ["SURROGATES", "LIFLayer", "LILayer", "SNNClassifier", "SNNSpec", "TrainConfig", "from_ir", "spike", "to_ir",
           "train"]
