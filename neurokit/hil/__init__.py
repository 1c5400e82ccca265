"""Hardware-in-the-loop harness: the same inputs through the float model (neurokit.sim) and every
target; where and how much they differ (``run_hil``, ``write_report``)."""

from .harness import HilReport, TargetResult, run_hil
from .report import table, write_report

__all__ = ["HilReport", "TargetResult", "run_hil", "table", "write_report"]
