"""One module per CLI command: ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
from typing import Any


def command_parser(sub: argparse._SubParsersAction, name: str, *, help: str, description: str,  # type: ignore[type-arg]
                   **options: Any) -> argparse.ArgumentParser:
    """The parser of one command: ``help`` is its line in ``neurokit --help``, ``description`` (prose
    wrapped in the source) the text on top of ``neurokit NAME --help``, its line breaks made spaces."""
    return sub.add_parser(name, help=help, description=" ".join(description.split()), **options)
