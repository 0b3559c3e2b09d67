"""Is this practice encrypted, and can its notes be read? Cheap enough for every command.

Reads `.gitattributes`, `.git/git-crypt/keys/` and the first bytes of one note: no git process,
no cipher import.
"""

from __future__ import annotations

import os
from pathlib import Path

from chartkeep.gitcrypt import BLOB_HEADER, DEFAULT_KEY, KEYS_SUBDIR

PLAIN = "plain"
UNLOCKED = "unlocked"
LOCKED = "locked"


def git_dir(root: Path) -> Path | None:
    """The repository directory of `root` (following a `.git` file of a worktree), or None."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text[len("gitdir:") :].strip())
            target = target if target.is_absolute() else (root / target)
            common = target / "commondir"
            if common.is_file():
                target = target / common.read_text(encoding="utf-8").strip()
            return target.resolve()
    return None


def encryption_declared(root: Path) -> bool:
    """True when the root `.gitattributes` sends any path through a git-crypt filter."""
    try:
        text = (root / ".gitattributes").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        fields = line.split()
        if (
            fields
            and not fields[0].startswith("#")
            and any(f == "filter=git-crypt" or f.startswith("filter=git-crypt-") for f in fields)
        ):
            return True
    return False


def _first_file(directory: Path) -> Path | None:
    """Some regular file under `directory` (depth first), without listing the whole tree."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_file(follow_symlinks=False):
            return Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            found = _first_file(Path(entry.path))
            if found is not None:
                return found
    return None


def lock_state(root: Path) -> str:
    """`"plain"` (no encryption configured), `"unlocked"`, or `"locked"` (no key, or notes on disk
    are still ciphertext)."""
    if not encryption_declared(root):
        return PLAIN
    repo = git_dir(root)
    if repo is None or not repo.joinpath(*KEYS_SUBDIR, DEFAULT_KEY).is_file():
        return LOCKED
    sample = _first_file(root / "notes")
    if sample is not None:
        try:
            with sample.open("rb") as handle:
                if handle.read(len(BLOB_HEADER)) == BLOB_HEADER:
                    return LOCKED
        except OSError:
            pass
    return UNLOCKED
