"""Git hooks: a thin shell script in `.git/hooks/` calls `chartkeep hook NAME`, which runs guards.

A guard is a plain function `(root: Path) -> list[str]` named as "module:function" in GUARDS;
each message it returns refuses the commit. Other capabilities append their guard to GUARDS.
"""

from __future__ import annotations

import importlib
import shlex
import sys
from pathlib import Path

from chartkeep.errors import RefusedError
from chartkeep.layout import atomic_write

GUARDS: tuple[str, ...] = (
    "chartkeep.gitcrypt.guard:refuse_plaintext",
    "chartkeep.checks.locking:refuse_signed_changes",
)
HOOKS = ("pre-commit",)
MARKER = "# installed by chartkeep"


def run_guards(root: Path, guards: tuple[str, ...] = GUARDS) -> list[str]:
    """Every refusal message of every guard, in order."""
    messages: list[str] = []
    for spec in guards:
        module_name, _, function_name = spec.partition(":")
        guard = getattr(importlib.import_module(module_name), function_name)
        messages.extend(guard(root))
    return messages


def hook_script(name: str, python: str) -> str:
    """The hook file: fails closed (refuses the commit) when chartkeep cannot run."""
    return (
        "#!/bin/sh\n"
        f"{MARKER}: `chartkeep install-hooks` rewrites this file.\n"
        f"py={shlex.quote(python)}\n"
        'if [ ! -x "$py" ]; then\n'
        "  echo \"chartkeep's .venv is gone, so the $0 checks cannot run: run \\`make setup\\`"
        ' (or bypass once with --no-verify if you are sure)." >&2\n'
        "  exit 1\n"
        "fi\n"
        f'exec "$py" -m chartkeep hook {name}\n'
    )


def install_hooks(hooks_dir: Path, python: str | None = None) -> list[Path]:
    """Write chartkeep's hooks into `hooks_dir` (`git rev-parse --git-path hooks`); RefusedError
    rather than replace a hook someone else wrote."""
    interpreter = python or sys.executable
    written = []
    for name in HOOKS:
        path = hooks_dir / name
        if path.exists() and MARKER not in path.read_text(encoding="utf-8", errors="replace"):
            raise RefusedError(
                f"{path}: a hook that chartkeep did not write is already there. Add the line "
                f"`chartkeep hook {name} || exit 1` to it, or move it away and run "
                "`chartkeep install-hooks` again."
            )
        atomic_write(path, hook_script(name, interpreter), mode=0o755)
        written.append(path)
    return written
