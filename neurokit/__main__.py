"""``python -m neurokit`` runs the command line."""

import sys

from neurokit.cli import main

sys.exit(main())
