"""ANN -> SNN conversion into the IR: IF neurons with reset by subtraction, data-based normalization,
half-threshold pre-charge, QCFS fine-tuning, Dynamic Confidence, and a measured report.

>>> from neurokit.convert import convert, evaluate, qcfs           # doctest: +SKIP
>>> graph = convert(model, calib)                                   # doctest: +SKIP
>>> evaluate(graph, x_test, y_test, [4, 8, 16, 32])["accuracy"]     # doctest: +SKIP
"""

from .convert import compute_scales, conversion_info, convert, precharge
from .digits import ann_accuracy, digits_data, fit, train_reference_ann
from .dynamic import calibrate_confidence, confidence_stop
from .evaluate import evaluate, run_on_images
from .normalize import percentile_scale
from .qcfs import QCFS, qcfs
from .report import E_AC_PJ, E_MAC_PJ, ann_macs, conversion_report, format_table
from .run import convert_model_file
from .trace import ConversionApproximationWarning, fold_batchnorm, fold_bn, trace

__all__ = [
    "E_AC_PJ", "E_MAC_PJ", "QCFS", "ConversionApproximationWarning", "ann_accuracy", "ann_macs",
    "calibrate_confidence", "compute_scales", "confidence_stop", "conversion_info", "conversion_report", "convert",
    "convert_model_file", "digits_data", "evaluate", "fit", "fold_batchnorm", "fold_bn", "format_table",
    "percentile_scale", "precharge", "qcfs", "run_on_images", "trace", "train_reference_ann",
]
