"""Error kinds that the CLI maps to exit codes (pre-commit's error_handler pattern).

Everything below the CLI reports problems as `Problem` records; these exceptions are only for
conditions that stop a command outright (bad usage, a practice that cannot be used).
"""


class ChartkeepError(Exception):
    """A condition that ends a command with a clear message and no traceback."""

    exit_code = 2


class UsageError(ChartkeepError):
    """The command line asks for something impossible: exit 2."""


class SetupError(ChartkeepError):
    """The practice or machine is not ready (no settings, locked repository, missing tool): exit 2."""


class RefusedError(ChartkeepError):
    """The command understood the request and refuses it (e.g. signing a note with errors): exit 1."""

    exit_code = 1
