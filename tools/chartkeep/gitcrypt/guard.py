"""The pre-commit guard: no protected note is ever committed in plaintext.

A protected path is one under `notes/` or `private/`, or any path whose filter attribute is a
git-crypt filter. Each staged protected blob must start with the git-crypt header, and nothing
under `notes/` may be committed while no key is configured (a locked or never-unlocked clone).
"""

from __future__ import annotations

from pathlib import Path

from chartkeep.gitcrypt import attribute_name, looks_encrypted
from chartkeep.layout import NOTES_DIR, PROTECTED_DIRS


def is_protected(path: str, filter_attr: str) -> bool:
    return path.split("/", 1)[0] in PROTECTED_DIRS or filter_attr.startswith("git-crypt")


def refuse_plaintext(root: Path) -> list[str]:
    """Refusal messages for the staged changes of the repository at `root` (empty: allowed)."""
    from chartkeep.gitcrypt.repo import Repo, git, index_entries, read_blobs

    repo = Repo.open(root)
    has_head = git(repo.root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
    out = git(
        repo.root,
        "diff",
        "--cached",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=d",
        "HEAD" if has_head else _empty_tree(repo.root),
    ).stdout
    changed = [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]
    entries = [e for e in index_entries(repo, changed) if is_protected(e.path, e.filter)]
    if not entries:
        return []
    messages = []
    default_key = repo.key_path(None).is_file()
    contents = read_blobs(repo, [e.blob for e in entries])
    for entry in entries:
        if entry.path.split("/", 1)[0] == NOTES_DIR and not default_key:
            messages.append(
                f"{entry.path}: no encryption key is configured in this clone, so notes cannot be "
                "committed. Run `chartkeep unlock KEYFILE` (or `chartkeep init` in a new practice), "
                "then `git add` the note again."
            )
        elif not looks_encrypted(contents.get(entry.blob, b"")):
            expected = attribute_name("private" if entry.path.startswith("private/") else None)
            messages.append(
                f"{entry.path}: would be committed in plaintext (filter attribute "
                f"{entry.filter!r}, expected {expected!r}). Check .gitattributes and run "
                "`chartkeep unlock KEYFILE`, then `git add` it again."
            )
    return messages


def _empty_tree(root: Path) -> str:
    """The id of the empty tree in the repository's object format (SHA-1 or SHA-256)."""
    from chartkeep.gitcrypt.repo import git

    return git(root, "hash-object", "-t", "tree", "--stdin", stdin=b"").stdout.decode().strip()
