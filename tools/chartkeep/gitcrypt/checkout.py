"""Decrypt many files into the work tree at once: the unlock stage, without a round trip per file.

A checkout through the filter costs git and the filter process one pipe round trip per file, which
on a busy two-core machine is most of an unlock. `chartkeep unlock` instead reads the blobs in a
few `git cat-file --batch` streams, decrypts them here, writes each file atomically (temp file and
rename, as git does, mode from the index), and then records the new files' stat data in the index,
so git sees them as checked out and clean without running the filter again. The index is read and
written with GitPython (under git's `index.lock`); an index GitPython cannot read (version 4, a
split index) makes `decrypt_work_tree` return None and the caller checks out through the filter.

Racy entries (a file written in the same clock tick as the index) are safe: git then compares their
content through the filter once, as it does after any checkout.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkeep.errors import SetupError
from chartkeep.gitcrypt.blob import BlobError, smudge
from chartkeep.gitcrypt.keyfile import KeyEntry
from chartkeep.gitcrypt.repo import IndexEntry, Repo, stream_blobs

_SKIP_WORKTREE = 0x4000  # index extended flag: sparse checkout leaves the file out


@dataclass(frozen=True)
class Decrypted:
    """What `decrypt_work_tree` wrote, and the files it left as ciphertext (path, why)."""

    written: tuple[str, ...]
    unreadable: tuple[tuple[str, str], ...]


def decrypt_work_tree(
    repo: Repo,
    entries: Sequence[IndexEntry],
    keys: dict[str, KeyEntry],
    *,
    index_file: Path | None = None,
) -> Decrypted | None:
    """Write the plaintext of `entries` (each decrypted with `keys[entry.filter]`) and mark them
    clean in the index. A blob that does not decrypt is written as it is stored (ciphertext) and
    listed. `index_file` is another index than the repository's own (a first checkout builds one
    aside). None, with nothing written, when GitPython cannot read the index."""
    index = _open_index(repo, index_file)
    if index is None:
        return None
    root = str(repo.root)
    by_path = {path: (path, stage) for path, stage in index.entries if stage == 0}
    todo = [e for e in entries if e.path in by_path and not _skips_worktree(index.entries[by_path[e.path]])]
    written: list[str] = []
    unreadable: list[tuple[str, str]] = []
    made: set[str] = set()
    for entry, (_, stored) in zip(todo, stream_blobs(repo, [e.blob for e in todo]), strict=True):
        if stored is None:
            unreadable.append((entry.path, f"blob {entry.blob} is missing from the repository"))
            continue
        try:
            data = smudge(keys[entry.filter], stored)
        except BlobError as error:
            unreadable.append((entry.path, str(error)))
            data = stored
        target = os.path.join(root, entry.path)
        try:
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            _write_file(target, data, index.entries[by_path[entry.path]].mode)
        except OSError as error:
            raise SetupError(
                f"decrypting the work tree failed: {entry.path}: cannot write it "
                f"({error.strerror or error}). The keys are installed. Make room or fix that "
                "folder, then run `chartkeep unlock KEYFILE` again to finish."
            ) from None
        written.append(entry.path)
    _record_stat(repo, index, [by_path[p] for p in written])
    return Decrypted(tuple(written), tuple(unreadable))


def _open_index(repo: Repo, index_file: Path | None):  # type: ignore[no-untyped-def]
    """The index through GitPython, or None when GitPython cannot read it."""
    import git as gitpython
    from git.index import IndexFile

    try:
        handle = gitpython.Repo(repo.root)
        index = handle.index if index_file is None else IndexFile(handle, str(index_file))
        index.entries  # noqa: B018 (reads the file now, so a format error shows here)
    except Exception:  # an index version or extension GitPython does not know
        return None
    return index


def _skips_worktree(entry) -> bool:  # type: ignore[no-untyped-def]
    return bool(getattr(entry, "extended_flags", 0) & _SKIP_WORKTREE)


def _write_file(path: str, data: bytes, mode: int) -> None:
    """Replace `path` by a file holding `data`, atomically, with git's permissions for `mode`."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".ck-{os.getpid()}-{name[:40]}.tmp")
    perms = 0o777 if mode & 0o111 else 0o666  # the umask applies, as for git's own checkout
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, perms)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _record_stat(repo: Repo, index, keys: list[tuple[str, int]]) -> None:  # type: ignore[no-untyped-def]
    """Store each written file's stat data in its index entry, then write the index."""
    mask = 0xFFFFFFFF  # the index keeps 32 bits of each
    for key in keys:
        old = index.entries[key]
        info = os.lstat(repo.root / old.path)
        index.entries[key] = old._replace(
            ctime_bytes=struct.pack(">LL", int(info.st_ctime) & mask, info.st_ctime_ns % 1_000_000_000),
            mtime_bytes=struct.pack(">LL", int(info.st_mtime) & mask, info.st_mtime_ns % 1_000_000_000),
            dev=info.st_dev & mask,
            inode=info.st_ino & mask,
            uid=info.st_uid & mask,
            gid=info.st_gid & mask,
            size=info.st_size & mask,
        )
    try:
        index.write()
    except OSError as error:  # another git command holds index.lock, or the disk is full
        raise SetupError(
            f"decrypting the work tree: the files are written but git's index could not be ({error}). "
            "If no other git command is running, remove .git/index.lock; then run "
            "`chartkeep unlock KEYFILE` again to finish."
        ) from None
