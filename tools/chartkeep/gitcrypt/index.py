"""Git's index file (versions 2 and 3), read and written here for `chartkeep unlock`.

Unlock writes the plaintext files itself and must then give git their stat data, so that git sees
them as checked out and clean without running the filter on each one again. That changes no path,
object id or flag, only the 40 bytes of stat data at the start of each entry. So the file is kept
as read and those bytes are patched in place: the entries stay in git's order, and the cached tree
("TREE", which depends on paths and object ids only) stays valid.

The layout (git's Documentation/gitformat-index.txt): "DIRC", version, number of entries; each
entry has ten 32-bit fields (ctime s and ns, mtime s and ns, dev, ino, mode, uid, gid, size), the
object id, 16-bit flags (assume-valid, extended, 2-bit stage, 12-bit name length), in version 3
16 more bits of flags when the extended bit is set (skip-worktree, intent-to-add), the path, and 1
to 8 NUL bytes up to a multiple of 8. Then come extensions (4-byte signature, 32-bit size, data),
and last the hash of everything before it. All numbers are big-endian.

`read_index` returns None for what it does not read, and the caller lets git do the work: version
4 (prefix-compressed paths), a required extension (lowercase signature: a split index's "link", a
sparse index's "sdir"), an unknown flag bit, a damaged file.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

SIGNATURE = b"DIRC"
VERSIONS = (2, 3)
HASH_SIZES = {"sha1": 20, "sha256": 32}
STAT_SIZE = 40  # the ten 32-bit fields before the object id
EXTENDED = 0x4000  # flags: a second 16-bit flags field follows (version 3)
STAGE_SHIFT = 12
NAME_MASK = 0x0FFF
SKIP_WORKTREE = 0x4000  # extended flags: sparse checkout leaves the file out
INTENT_TO_ADD = 0x2000
# Extensions whose content depends on paths and object ids only, so still true after a stat
# change: the cached tree and the resolve-undo records. Git drops every extension it does not
# know when it rewrites an index, and so does this: the untracked cache ("UNTR"), the fsmonitor
# state ("FSMN") and the offset tables ("EOIE", "IEOT") describe the work tree or this file's
# layout, and git rebuilds them when it is configured to.
KEPT_EXTENSIONS = frozenset({b"TREE", b"REUC"})

_HEADER = struct.Struct(">4sII")
_STAT_FIELDS = struct.Struct(">6I")  # ctime s, ctime ns, mtime s, mtime ns, dev, ino
_OWNER_FIELDS = struct.Struct(">3I")  # uid, gid, size (after mode)
_FLAGS = struct.Struct(">H")
_EXTENSION = struct.Struct(">4sI")
_MASK = 0xFFFFFFFF  # the index keeps the low 32 bits of each stat field


@dataclass(frozen=True)
class IndexRecord:
    """One entry of the index: what unlock needs to know, and where its stat data is."""

    path: str  # decoded as git's own output is decoded here (UTF-8, surrogateescape)
    stage: int
    mode: int
    skip_worktree: bool  # sparse checkout leaves the file out of the work tree
    intent_to_add: bool  # `git add -N`: no content in the index yet
    offset: int


@dataclass(frozen=True)
class GitIndex:
    """An index file as read: its header and entries (`body`, patched in place by `set_stat`),
    the extensions kept, and the hash it is checked with."""

    version: int
    hash_name: str
    body: bytearray
    records: tuple[IndexRecord, ...]
    extensions: tuple[tuple[bytes, bytes], ...]

    def set_stat(self, record: IndexRecord, info: os.stat_result) -> None:
        """Record `info` (a stat of the file written for `record`) as git would after a checkout."""
        _STAT_FIELDS.pack_into(
            self.body,
            record.offset,
            int(info.st_ctime) & _MASK,
            info.st_ctime_ns % 1_000_000_000,
            int(info.st_mtime) & _MASK,
            info.st_mtime_ns % 1_000_000_000,
            info.st_dev & _MASK,
            info.st_ino & _MASK,
        )
        _OWNER_FIELDS.pack_into(
            self.body, record.offset + 28, info.st_uid & _MASK, info.st_gid & _MASK, info.st_size & _MASK
        )

    def to_bytes(self) -> bytes:
        """The whole file: entries, kept extensions, and the trailing hash."""
        parts = [bytes(self.body)]
        for signature, data in self.extensions:
            parts.append(_EXTENSION.pack(signature, len(data)))
            parts.append(data)
        content = b"".join(parts)
        return content + hashlib.new(self.hash_name, content).digest()


def read_index(path: Path, hash_name: str = "sha1") -> GitIndex | None:
    """The index at `path`, for a repository whose objects are named by `hash_name`; None when it
    is missing or in a form this module does not write back (see the module docstring)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse_index(data, hash_name)


def parse_index(data: bytes, hash_name: str = "sha1") -> GitIndex | None:
    """`read_index` on the bytes of an index file."""
    hash_size = HASH_SIZES.get(hash_name)
    if hash_size is None or len(data) < _HEADER.size + hash_size:
        return None
    signature, version, count = _HEADER.unpack_from(data)
    if signature != SIGNATURE or version not in VERSIONS:
        return None
    end = len(data) - hash_size
    trailer = data[end:]
    # index.skipHash (git 2.40) writes zeros instead of the hash; any other trailer must match
    if trailer != bytes(hash_size) and hashlib.new(hash_name, memoryview(data)[:end]).digest() != trailer:
        return None
    parsed = _parse_entries(data, version, count, hash_size, end)
    if parsed is None:
        return None
    records, entries_end = parsed
    extensions = _parse_extensions(data, entries_end, end)
    if extensions is None:
        return None
    return GitIndex(version, hash_name, bytearray(data[:entries_end]), records, extensions)


def _parse_entries(
    data: bytes, version: int, count: int, hash_size: int, end: int
) -> tuple[tuple[IndexRecord, ...], int] | None:
    """The entries and where they end; None when one is malformed or has a flag not known here."""
    flags_at = STAT_SIZE + hash_size  # from the start of an entry
    records = []
    position = _HEADER.size
    unpack_flags = _FLAGS.unpack_from
    for _ in range(count):
        if position + flags_at + _FLAGS.size > end:
            return None
        (flags,) = unpack_flags(data, position + flags_at)
        name_at = position + flags_at + _FLAGS.size
        extended = 0
        if flags & EXTENDED:
            if version < 3 or name_at + _FLAGS.size > end:
                return None
            (extended,) = unpack_flags(data, name_at)
            if extended & ~(SKIP_WORKTREE | INTENT_TO_ADD):
                return None
            name_at += _FLAGS.size
        length = flags & NAME_MASK
        if length == NAME_MASK:  # a name of 4095 bytes or more: look for its end
            length = data.find(b"\0", name_at, end) - name_at
            if length < 0:
                return None
        name_end = name_at + length
        # git pads with 1 to 8 NULs so that the entry's size is a multiple of 8
        next_position = position + ((name_end - position + 8) & ~7)
        if next_position > end or data[name_end] != 0:
            return None
        (mode,) = struct.unpack_from(">I", data, position + 24)
        path = data[name_at:name_end].decode("utf-8", "surrogateescape")
        stage = (flags >> STAGE_SHIFT) & 3
        skip, intent = bool(extended & SKIP_WORKTREE), bool(extended & INTENT_TO_ADD)
        records.append(IndexRecord(path, stage, mode, skip, intent, position))
        position = next_position
    return tuple(records), position


def _parse_extensions(data: bytes, position: int, end: int) -> tuple[tuple[bytes, bytes], ...] | None:
    """The extensions to keep; None when one is malformed or required and unknown here."""
    kept = []
    while position < end:
        if position + _EXTENSION.size > end:
            return None
        name, size = _EXTENSION.unpack_from(data, position)
        start = position + _EXTENSION.size
        if start + size > end:
            return None
        if not 0x41 <= name[0] <= 0x5A:  # not "A" to "Z": git must understand it to use the index
            return None
        if name in KEPT_EXTENSIONS:
            kept.append((name, data[start : start + size]))
        position = start + size
    return tuple(kept)


class IndexLockedError(FileExistsError):
    """Another git command holds the index's lock file (or one died holding it)."""


class IndexLock:
    """Git's lock on an index file: `INDEX.lock`, created exclusively when this is made (else
    IndexLockedError), renamed over the index by `commit`, removed on leaving a `with` block
    without committing.

    Hold it from reading the index to writing it, as git does, so that nothing another git command
    writes in between is lost."""

    def __init__(self, index: Path) -> None:
        self.index = index
        self.path = index.with_name(index.name + ".lock")
        try:
            self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError as error:
            raise IndexLockedError(error.errno, error.strerror, str(self.path)) from None

    def __enter__(self) -> IndexLock:
        return self

    def commit(self, content: bytes) -> None:
        """Write `content` into the lock file and rename it over the index."""
        if self._fd is None:
            raise ValueError(f"{self.path}: the lock is no longer held")
        fd, self._fd = self._fd, None
        try:
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(self.path, self.index)
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise

    def release(self) -> None:
        """Give the lock up without changing the index (nothing, once committed)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self.path.unlink(missing_ok=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
