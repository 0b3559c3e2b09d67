"""Decrypt many files into the work tree at once: the unlock stage, without a round trip per file.

A checkout through the filter costs git and the filter process one pipe round trip per file, which
on a busy two-core machine is most of an unlock. `chartkeep unlock` instead reads the blobs in one
`git cat-file --batch` stream, decrypts them here, writes each file as git's own checkout does
(remove what is there, create the file exclusively with the mode from the index), and records the
new files' stat data in the index, so git sees them as checked out and clean without running the
filter again. The index is read and written by `chartkeep.gitcrypt.index`, under git's
`index.lock` held from the read to the write; an index it does not write back (version 4, a split
or sparse index) makes `decrypt_work_tree` return None, with nothing written, and the caller checks
out through the filter instead.

A file is not written atomically (temp file and rename, as chartkeep writes a therapist's text),
as git's checkout does not: every file unlock writes has its whole content in git (unlock refuses a
work tree with changes), so nothing can be lost. An interrupted unlock leaves a file missing or
short, which shows as changed, and running unlock again writes it whole. Each file so costs one
file-system operation fewer (no temporary name, no rename), as in git's checkout.
Racy entries (a file written in the same clock tick as the index) are safe: git then compares their
content through the filter once, as it does after any checkout. The entries not rewritten keep the
stat data git gave them; git itself would also mark those that are racily clean, but here git has
just refreshed them (`git status`: unlock refuses changed files) or just written them (a first
checkout).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkeep.errors import SetupError
from chartkeep.gitcrypt.blob import BlobError, smudge
from chartkeep.gitcrypt.index import IndexLock, IndexLockedError, IndexRecord, read_index
from chartkeep.gitcrypt.keyfile import KeyEntry
from chartkeep.gitcrypt.repo import IndexEntry, Repo, stream_blobs

_AGAIN = "then run `chartkeep unlock KEYFILE` again to finish."
BATCH_BYTES = 1 << 20  # plaintext decrypted before it is written
SPLIT_AT = 16  # files in a batch from which two threads write it


@dataclass(frozen=True)
class Decrypted:
    """What `decrypt_work_tree` wrote, and the files it left as ciphertext (path, why)."""

    written: tuple[str, ...]
    unreadable: tuple[tuple[str, str], ...]


def decrypt_work_tree(
    repo: Repo,
    entries: Sequence[IndexEntry],
    keys: dict[str, KeyEntry],
    index: Path,
    *,
    first_index: Path | None = None,
) -> Decrypted | None:
    """Write the plaintext of `entries` (each decrypted with `keys[entry.filter]`) and mark them
    clean in `index`, the repository's index. A blob that does not decrypt is written as it is
    stored (ciphertext) and listed. `first_index` is read instead of `index` and then replaces it:
    a first checkout builds its index aside. None, with nothing written, when the index is in a
    form `chartkeep.gitcrypt.index` does not write back."""
    try:
        lock = IndexLock(index)
    except IndexLockedError as error:
        shown = Path(error.filename)
        shown = shown.relative_to(repo.root) if shown.is_relative_to(repo.root) else shown
        raise SetupError(
            f"decrypting the work tree: git's index is locked ({shown} exists), so another git "
            f"command is running or one was interrupted. The keys are installed. If no other git "
            f"command is running, remove {shown}; {_AGAIN}"
        ) from None
    with lock:
        if not entries:  # nothing to decrypt: a first checkout only puts its index in place
            if first_index is not None:
                os.replace(first_index, index)
            return Decrypted((), ())
        hash_name = "sha256" if len(entries[0].blob) == 64 else "sha1"
        parsed = read_index(first_index or index, hash_name)
        if parsed is None:
            return None
        by_path = {record.path: record for record in parsed.records if record.stage == 0}
        todo: list[tuple[IndexEntry, IndexRecord]] = []
        for entry in entries:
            record = by_path.get(entry.path)
            if record is not None and not (record.skip_worktree or record.intent_to_add):
                todo.append((entry, record))
        written, unreadable = _write_plaintext(repo, todo, keys, parsed.set_stat)
        try:
            lock.commit(parsed.to_bytes())
        except OSError as error:  # the disk is full, or the folder is read-only
            raise SetupError(
                f"decrypting the work tree: the files are written but git's index could not be "
                f"({error.strerror or error}). Make room, {_AGAIN}"
            ) from None
    if first_index is not None:
        first_index.unlink(missing_ok=True)
    return Decrypted(tuple(written), tuple(unreadable))


def _write_plaintext(
    repo: Repo,
    todo: list[tuple[IndexEntry, IndexRecord]],
    keys: dict[str, KeyEntry],
    record_stat: Callable[[IndexRecord, os.stat_result], None],
) -> tuple[list[str], list[tuple[str, str]]]:
    """Decrypt and write each file of `todo`, passing its stat data to `record_stat`; the paths
    written, and those left as ciphertext with why."""
    root = str(repo.root) + os.sep
    written: list[str] = []
    unreadable: list[tuple[str, str]] = []
    _make_folders(root, [entry.path for entry, _ in todo])
    # About a megabyte is decrypted, then written, rather than alternating file by file: the
    # writes then come in runs that the second writer thread can share (`_write_batch`).
    batch: list[tuple[str, IndexRecord, bytes]] = []
    size = 0
    blobs = stream_blobs(repo, [entry.blob for entry, _ in todo])
    for (entry, record), (_, stored) in zip(todo, blobs, strict=True):
        if stored is None:
            unreadable.append((entry.path, f"blob {entry.blob} is missing from the repository"))
            continue
        try:
            data = smudge(keys[entry.filter], stored)
        except BlobError as error:
            unreadable.append((entry.path, str(error)))
            data = stored
        batch.append((entry.path, record, data))
        size += len(data)
        if size >= BATCH_BYTES:
            written += _write_batch(root, batch, record_stat)
            batch, size = [], 0
    written += _write_batch(root, batch, record_stat)
    return written, unreadable


def _write_batch(
    root: str,
    batch: list[tuple[str, IndexRecord, bytes]],
    record_stat: Callable[[IndexRecord, os.stat_result], None],
) -> list[str]:
    """Write the files of `batch`; the paths written.

    A batch of SPLIT_AT files or more is written half by a second thread: creating a file is
    mostly kernel work, done without the GIL, so two cores share it. It pays most when the file
    system creates files slowly (ext4 just after thousands of files were deleted); the whole
    unlock is measured by `python bench/bench_crypt.py --size 5000`."""
    if len(batch) < SPLIT_AT:
        failure = _write_files(root, batch, record_stat)
    else:
        half = len(batch) // 2
        helper = _Writer(root, batch[half:], record_stat)
        helper.start()
        try:
            failure = _write_files(root, batch[:half], record_stat)
        finally:
            helper.join()
        if helper.error is not None:
            raise helper.error
        failure = failure or helper.failure
    if failure is not None:
        raise _cannot_write(*failure) from None
    return [path for path, _, _ in batch]


def _write_files(
    root: str,
    files: list[tuple[str, IndexRecord, bytes]],
    record_stat: Callable[[IndexRecord, os.stat_result], None],
) -> tuple[str, OSError] | None:
    """Write `files` in order; the first one that cannot be written and why (the rest are left)."""
    for path, record, data in files:
        try:
            record_stat(record, _write_file(root + path, data, record.mode))
        except OSError as error:
            return path, error
    return None


class _Writer(threading.Thread):
    """`_write_files` in a thread of its own, keeping what it returned or raised for the caller."""

    def __init__(
        self,
        root: str,
        files: list[tuple[str, IndexRecord, bytes]],
        record_stat: Callable[[IndexRecord, os.stat_result], None],
    ) -> None:
        super().__init__(name="chartkeep-writer")
        self.job = (root, files, record_stat)
        self.failure: tuple[str, OSError] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.failure = _write_files(*self.job)
        except BaseException as error:  # handed to the caller, which raises it
            self.error = error


def _make_folders(root: str, paths: list[str]) -> None:
    """Create the folders of `paths`, each once, before writing any file."""
    folders = dict.fromkeys(path.rpartition("/")[0] for path in paths)
    for folder in folders:
        if folder:
            try:
                os.makedirs(root + folder, exist_ok=True)
            except OSError as error:
                raise _cannot_write(folder, error) from None


def _cannot_write(path: str, error: OSError) -> SetupError:
    """What to do when `path` (a file or a folder) cannot be written."""
    return SetupError(
        f"decrypting the work tree failed: {path}: cannot write it ({error.strerror or error}). "
        f"The keys are installed. Make room or fix that folder, {_AGAIN}"
    )


def _write_file(path: str, data: bytes, mode: int) -> os.stat_result:
    """Put a new file holding `data` at `path` as git's checkout does: whatever is there is removed
    first, the file is created exclusively (never through a symlink) with git's permissions for
    `mode` (the umask applies); its stat data, taken before it is closed, as git takes it."""
    perms = 0o777 if mode & 0o111 else 0o666
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, perms)
    except FileExistsError:  # unlocking a checked-out clone: the ciphertext is there
        os.unlink(path)
        fd = os.open(path, flags, perms)
    try:
        done = os.write(fd, data)
        if done < len(data):
            view = memoryview(data)[done:]
            while view:
                view = view[os.write(fd, view) :]
        info = os.fstat(fd)
    except BaseException:
        os.close(fd)
        os.unlink(path)  # never leave a short file behind
        raise
    os.close(fd)
    return info
