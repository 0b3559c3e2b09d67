"""README, `make help` and `--help` stay true: every command and target is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from chartkeep.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[union-attr]


def targets() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    return sorted(set(re.findall(r"^([a-z][a-z-]*):", text, re.M)))


def test_every_command_is_in_the_readme() -> None:
    missing = [c for c in commands() if f"`chartkeep {c}" not in README]
    assert not missing, f"document these commands in README.md: {missing}"


def test_every_target_is_in_the_readme_and_make_help() -> None:
    missing = [t for t in targets() if f"`make {t}" not in README]
    assert not missing, f"document these Makefile targets in README.md: {missing}"
    text = (ROOT / "Makefile").read_text()
    undocumented = [t for t in targets() if not re.search(rf"^{t}:.*## ", text, re.M)]
    assert not undocumented, f"give these targets a `## help` comment: {undocumented}"


@pytest.mark.parametrize("command", commands())
def test_every_command_has_help(command: str) -> None:
    result = subprocess.run([sys.executable, "-m", "chartkeep", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "usage: chartkeep" in result.stdout


def test_readme_names_both_setup_commands() -> None:
    assert "make demo" in README and "make test" in README


def test_every_check_code_family_is_documented() -> None:
    from chartkeep.problems import CATALOGUE

    for code in CATALOGUE:
        family = code[:3]
        assert family in README, f"README's check table misses the {family}xx family"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
