"""Commands of this capability (not built yet)."""

import argparse


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add this capability's subcommands to the parser."""
