"""The git-crypt key file format (version 2), read and written byte-for-byte like git-crypt.

Layout: `\\0GITCRYPTKEY`, uint32 format version 2, header fields, then key entries. A field is
uint32 id, uint32 length, value (big-endian); id 0 ends a field list and has no length. Header
field 1 is the key name (named keys only). Entry fields: 1 version (uint32), 3 AES key (32
bytes), 5 HMAC key (64 bytes). Unknown odd ids are critical (refused), unknown even ids skipped.
Entries are written newest version first; git-crypt encrypts with the newest.
A legacy key (no preamble: 32-byte AES key then 64-byte HMAC key) is read too.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

# git runs the filter process for every `git add` and `git commit`, so this module (which the
# filter imports) keeps to cheap imports: no dataclasses, re or secrets at import time.

PREAMBLE = b"\0GITCRYPTKEY"
FORMAT_VERSION = 2
AES_KEY_LEN = 32
HMAC_KEY_LEN = 64
KEY_NAME_MAX_LEN = 128
MAX_FIELD_LEN = 1 << 20

HEADER_END, HEADER_KEY_NAME = 0, 1
FIELD_END, FIELD_VERSION, FIELD_AES_KEY, FIELD_HMAC_KEY = 0, 1, 3, 5

_KEY_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class KeyFileError(ValueError):
    """A key file that is malformed, or needs a newer git-crypt than this format knows."""


class KeyEntry(NamedTuple):
    """One version of a key: the AES-256 key and the HMAC-SHA1 key."""

    version: int
    aes_key: bytes
    hmac_key: bytes

    def __repr__(self) -> str:  # never print key material
        return f"KeyEntry(version={self.version})"


class KeyFile(NamedTuple):
    """A git-crypt key: its name (None for the default key) and its entries, newest first."""

    name: str | None
    entries: tuple[KeyEntry, ...]

    @property
    def latest(self) -> KeyEntry:
        return self.entries[0]

    @property
    def label(self) -> str:
        return self.name or "default"


def validate_key_name(name: str) -> str | None:
    """Why `name` is not a legal git-crypt key name, or None when it is."""
    if not name:
        return "a key name may not be empty"
    if name == "default":
        return "'default' is not a legal key name"
    if len(name) > KEY_NAME_MAX_LEN or not _KEY_NAME_CHARS.issuperset(name):
        return f"key name {name!r}: use only A-Z, a-z, 0-9, '-' and '_' (at most 128)"
    return None


def generate(name: str | None = None) -> KeyFile:
    """A fresh random key, version 0, like `git-crypt init [-k NAME]`."""
    if name is not None and (reason := validate_key_name(name)):
        raise KeyFileError(reason)
    import secrets

    entry = KeyEntry(0, secrets.token_bytes(AES_KEY_LEN), secrets.token_bytes(HMAC_KEY_LEN))
    return KeyFile(name, (entry,))


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise KeyFileError("the key file is truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    @property
    def done(self) -> bool:
        return self.pos >= len(self.data)


def _skip_or_refuse(reader: _Reader, field_id: int, length: int, where: str) -> None:
    if field_id & 1:
        raise KeyFileError(
            f"unknown critical {where} field {field_id}: this key needs a newer git-crypt/chartkeep"
        )
    if length > MAX_FIELD_LEN:
        raise KeyFileError(f"{where} field {field_id} is too long ({length} bytes)")
    reader.take(length)


def _parse_entry(reader: _Reader) -> KeyEntry:
    version, aes_key, hmac_key = 0, b"", b""
    while True:
        field_id = reader.u32()
        if field_id == FIELD_END:
            break
        length = reader.u32()
        if field_id == FIELD_VERSION:
            if length != 4:
                raise KeyFileError("key version field must be 4 bytes")
            version = reader.u32()
        elif field_id == FIELD_AES_KEY:
            if length != AES_KEY_LEN:
                raise KeyFileError(f"AES key must be {AES_KEY_LEN} bytes, not {length}")
            aes_key = reader.take(length)
        elif field_id == FIELD_HMAC_KEY:
            if length != HMAC_KEY_LEN:
                raise KeyFileError(f"HMAC key must be {HMAC_KEY_LEN} bytes, not {length}")
            hmac_key = reader.take(length)
        else:
            _skip_or_refuse(reader, field_id, length, "key entry")
    if not aes_key or not hmac_key:
        # git-crypt would use all-zero keys here; a key without key material is refused instead.
        raise KeyFileError("a key entry has no AES or HMAC key")
    return KeyEntry(version, aes_key, hmac_key)


def parse(data: bytes) -> KeyFile:
    """Read a key file (format 2, or a legacy 96-byte key); KeyFileError when it is not one."""
    if not data.startswith(PREAMBLE):
        if len(data) == AES_KEY_LEN + HMAC_KEY_LEN:
            return KeyFile(None, (KeyEntry(0, data[:AES_KEY_LEN], data[AES_KEY_LEN:]),))
        raise KeyFileError("not a git-crypt key file (no \\0GITCRYPTKEY preamble)")
    reader = _Reader(data)
    reader.take(len(PREAMBLE))
    if (version := reader.u32()) != FORMAT_VERSION:
        raise KeyFileError(f"key file format {version} is not supported (only {FORMAT_VERSION})")
    name: str | None = None
    while True:
        field_id = reader.u32()
        if field_id == HEADER_END:
            break
        length = reader.u32()
        if field_id == HEADER_KEY_NAME:
            if length > KEY_NAME_MAX_LEN:
                raise KeyFileError("key name is too long")
            raw = reader.take(length)
            name = raw.decode("ascii", errors="replace")
            if reason := validate_key_name(name):
                raise KeyFileError(reason)
        else:
            _skip_or_refuse(reader, field_id, length, "header")
    entries: dict[int, KeyEntry] = {}
    while not reader.done:
        entry = _parse_entry(reader)
        entries[entry.version] = entry
    if not entries:
        raise KeyFileError("the key file holds no key")
    ordered = tuple(entries[v] for v in sorted(entries, reverse=True))
    return KeyFile(name, ordered)


def dump(key: KeyFile) -> bytes:
    """The key file bytes exactly as git-crypt writes them."""
    parts = [PREAMBLE, struct.pack(">I", FORMAT_VERSION)]
    if key.name:
        encoded = key.name.encode("ascii")
        parts.append(struct.pack(">II", HEADER_KEY_NAME, len(encoded)) + encoded)
    parts.append(struct.pack(">I", HEADER_END))
    for entry in key.entries:
        parts.append(struct.pack(">III", FIELD_VERSION, 4, entry.version))
        parts.append(struct.pack(">II", FIELD_AES_KEY, AES_KEY_LEN) + entry.aes_key)
        parts.append(struct.pack(">II", FIELD_HMAC_KEY, HMAC_KEY_LEN) + entry.hmac_key)
        parts.append(struct.pack(">I", FIELD_END))
    return b"".join(parts)
