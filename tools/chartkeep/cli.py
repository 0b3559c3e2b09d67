"""The `chartkeep` command line: parses arguments and dispatches, nothing more.

Each capability registers its commands from `chartkeep.commands.<area>`; those modules only
declare arguments and import their heavy machinery inside the handlers, so `chartkeep new-note`
does not pay for the chart or the cipher.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from chartkeep import __version__
from chartkeep.errors import ChartkeepError

COMMAND_MODULES = ("check", "scaffold", "crypt", "signing", "chart")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chartkeep",
        description="A plain-text clinical record: check, scaffold, encrypt, sign and chart notes.",
        epilog="Run `chartkeep COMMAND --help` for a command's options. See README.md.",
    )
    parser.add_argument("--version", action="version", version=f"chartkeep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"chartkeep.commands.{name}")
        module.register(sub)
    return parser


def practice_option(parser: argparse.ArgumentParser) -> None:
    """The `--practice DIR` option every practice command takes."""
    parser.add_argument(
        "--practice",
        metavar="DIR",
        default=None,
        help="the practice directory (default: the nearest directory upwards with chartkeep.toml)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except ChartkeepError as error:
        print(f"chartkeep: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("chartkeep: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as error:  # the system refused: a folder not writable, a path not there
        where = f"{error.filename}: " if error.filename else ""
        print(f"chartkeep: {where}{error.strerror or error}. {_what_to_do(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # the last edge: never a traceback for the therapist
        print(
            f"chartkeep: internal error ({type(error).__name__}: {error}). Nothing was overwritten; "
            "please report this with the command you ran.",
            file=sys.stderr,
        )
        return 3


def _what_to_do(error: OSError) -> str:
    """The next step after the system refused (records are written whole or not at all)."""
    import errno

    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "Free some disk space, then run the command again."
    if error.errno == errno.EROFS:
        return "The disk is read-only: run the command where the practice can be written."
    return "Check that the path exists and that you may read and write it, then run the command again."


if __name__ == "__main__":
    sys.exit(main())
