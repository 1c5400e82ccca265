"""ANN -> SNN conversion into the IR (IF neurons, reset by subtraction, data-based normalization)."""

from .convert import convert, snn_accuracy
from .digits import train_reference_ann
from .report import conversion_report
from .trace import fold_bn, trace

__all__ = ["conversion_report", "convert", "fold_bn", "snn_accuracy", "trace", "train_reference_ann"]
