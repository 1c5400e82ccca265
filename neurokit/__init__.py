"""neurokit: one pipeline from spiking-network training to neuromorphic hardware.

The common IR (:mod:`neurokit.ir`) with its execution profile is the single meaning of every
model; the simulator, the trainer, the converter and every backend are checked against the
reference dynamics in :mod:`neurokit.dynamics`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("neurokit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
