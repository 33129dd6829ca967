"""Exceptions of the gcattn module; each carries the command-line program's message.

They derive from the built-in exception a Python user would catch (ValueError for bad input,
RuntimeError for a failed simulation); `exit_code` is the status `gcattn` exits with for the
same error (README, "Exit codes").
"""


class GcattnError(Exception):
    """Base class of gcattn's errors."""

    exit_code = 1


class UsageError(GcattnError, ValueError):
    """A bad argument (the CLI's usage error)."""

    exit_code = 2


class ConfigError(GcattnError, ValueError):
    """Unknown configuration key, wrong type or value out of range."""

    exit_code = 3


class InputError(GcattnError, ValueError):
    """A malformed, truncated or out-of-range input file or array."""

    exit_code = 4


class SimulationError(GcattnError, RuntimeError):
    """The model reported an error (TLM error response, SystemC error report)."""

    exit_code = 5
