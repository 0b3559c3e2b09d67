"""`chartkeep status`: protected paths stored in plaintext in the index or in any commit
reachable from HEAD (a leak that encryption added later does not undo)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chartkeep.gitcrypt import looks_encrypted
from chartkeep.gitcrypt.guard import is_protected
from chartkeep.gitcrypt.repo import Repo, filter_attributes, git, index_entries, stream_blobs

_OBJECT_ID = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


@dataclass(frozen=True)
class PlaintextBlob:
    """A protected path whose stored content is not encrypted, and where it was found."""

    path: str
    blob: str
    where: str  # "index" or a commit id


def committed_blobs(repo: Repo) -> list[tuple[str, str, str]]:
    """(commit, path, blob) for every file version added or changed by commits reachable from HEAD."""
    if git(repo.root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0:
        return []
    out = git(
        repo.root,
        "log",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "-m",
        "--root",
        "--format=%H",
        "HEAD",
    ).stdout
    found: list[tuple[str, str, str]] = []
    commit = ""
    tokens = out.split(b"\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].strip(b"\n").decode("utf-8", "surrogateescape")
        if token.startswith(":") and i + 1 < len(tokens):
            fields = token[1:].split()
            path = tokens[i + 1].decode("utf-8", "surrogateescape")
            new_mode, new_blob, change = fields[1], fields[3], fields[4]
            if change[0] != "D" and new_mode.startswith("100"):
                found.append((commit, path, new_blob))
            i += 2
            continue
        if _OBJECT_ID.fullmatch(token):
            commit = token
        i += 1
    return found


def plaintext_blobs(repo: Repo) -> list[PlaintextBlob]:
    """Every protected path stored in plaintext, in the index first, then oldest commit first."""
    candidates: list[tuple[str, str, str]] = [
        ("index", e.path, e.blob) for e in index_entries(repo) if is_protected(e.path, e.filter)
    ]
    history = committed_blobs(repo)
    attrs = filter_attributes(repo, {path for _, path, _ in history})
    candidates += [
        (commit, path, blob)
        for commit, path, blob in reversed(history)
        if is_protected(path, attrs.get(path, "unspecified"))
    ]
    # one blob in memory at a time: a long history holds every version of every note
    unique = dict.fromkeys(blob for _, _, blob in candidates)
    encrypted = {blob: looks_encrypted(data or b"") for blob, data in stream_blobs(repo, unique)}
    seen: set[tuple[str, str]] = set()
    found = []
    for where, path, blob in candidates:
        if (path, blob) in seen or encrypted.get(blob, False):
            continue
        seen.add((path, blob))
        found.append(PlaintextBlob(path, blob, where))
    return found
