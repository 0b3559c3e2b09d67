"""Whether a practice can be worked on: a never-unlocked clone must not be written to.

Reads files only (no cipher, no git process), so every command can afford to ask.
"""

from __future__ import annotations

from pathlib import Path

from chartkeep.errors import SetupError


def require_unlocked(root: Path) -> None:
    """Refuse to work on a practice whose encrypted notes are locked."""
    try:
        from chartkeep.gitcrypt.state import lock_state
    except ImportError:  # the encryption capability is not installed in this build
        return
    if lock_state(root) == "locked":
        raise SetupError(
            f"{root}: the repository is locked (notes are ciphertext): unlock it first with "
            "`chartkeep unlock KEYFILE` (see doc/encryption.md)"
        )
