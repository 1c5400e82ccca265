"""One exception family for neurokit.

Every error names the problem, where it happened (node, file) and the fix. The CLI prints
``str(error)`` on one line and exits with ``error.exit_code``; nothing else is shown unless
``--debug`` is given.

Exit codes (documented in ``neurokit --help``):

====  ==========================================================
1     any other neurokit error
2     invalid input: malformed file, invalid graph, bad config
3     a backend cannot map the graph (every offending node listed)
4     data not found (dataset files, model file)
5     a backend runtime is not installed / not available here
6     a board failed or timed out
====  ==========================================================
"""

from __future__ import annotations


class NeurokitError(Exception):
    """Base class: ``problem`` says what is wrong, ``fix`` says what to do about it."""

    exit_code: int = 1

    def __init__(self, problem: str, *, fix: str | None = None, where: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.where = where
        text = f"{where}: {problem}" if where else problem
        if fix:
            text = f"{text} — fix: {fix}"
        super().__init__(" ".join(text.split()) if "\n" in text else text)  # one line, always


class InvalidInputError(NeurokitError, ValueError):
    """Input that cannot be used as given (bad argument, bad config, bad array)."""

    exit_code = 2


class GraphError(InvalidInputError):
    """An IR graph or node that violates the IR's rules (shape, NaN, cycle, unknown edge)."""


class FileFormatError(InvalidInputError):
    """A file that cannot be read: truncated, wrong types, missing datasets."""


class ConfigError(InvalidInputError):
    """A configuration file or option with a wrong key, type or value."""


class MappingError(NeurokitError):
    """A backend cannot map a graph; ``problems`` lists every offending node."""

    exit_code = 3

    def __init__(self, problem: str, *, problems: list[str] | None = None, fix: str | None = None,
                 where: str | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            problem = problem + ": " + "; ".join(self.problems)
        super().__init__(problem, fix=fix, where=where)


class DataNotFoundError(NeurokitError, FileNotFoundError):
    """A dataset, model or input file that is not there."""

    exit_code = 4


class BackendUnavailableError(NeurokitError):
    """A backend's runtime (e.g. the Lava venv) is not installed or cannot start."""

    exit_code = 5


class BoardError(NeurokitError):
    """A board (simulator process, emulator, hardware) crashed or returned garbage."""

    exit_code = 6


class BoardTimeoutError(BoardError, TimeoutError):
    """A board did not answer within its timeout."""
