"""The git-crypt blob format: `\\0GITCRYPT\\0`, a 12-byte nonce, then AES-256-CTR ciphertext.

The nonce is the first 12 bytes of HMAC-SHA1(hmac_key, plaintext), so the same plaintext under
the same key always gives the same blob (git sees no change) and decryption can check integrity.
The CTR counter block is nonce ‖ 32-bit big-endian block index from 0.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from chartkeep.gitcrypt import BLOB_HEADER, BLOB_PREFIX_LEN, NONCE_LEN, looks_encrypted
from chartkeep.gitcrypt.keyfile import KeyEntry

# git-crypt refuses files whose block counter would wrap: 2^32 blocks of 16 bytes.
MAX_PLAINTEXT = (1 << 32) * 16


class BlobError(ValueError):
    """A blob that cannot be decrypted: tampered with, or encrypted with another key."""


# Per key: the AES algorithm object and an HMAC keyed once, copied for each file. A filter
# process encrypts thousands of files with one key, and setting these up is part of each file's cost.
_PREPARED: dict[KeyEntry, tuple[algorithms.AES, hmac.HMAC]] = {}


def _prepared(key: KeyEntry) -> tuple[algorithms.AES, hmac.HMAC]:
    state = _PREPARED.get(key)
    if state is None:
        state = _PREPARED[key] = (algorithms.AES(key.aes_key), hmac.new(key.hmac_key, digestmod="sha1"))
    return state


def _ctr(key: KeyEntry, nonce: bytes, data: bytes) -> bytes:
    cipher = Cipher(_prepared(key)[0], modes.CTR(nonce + b"\0\0\0\0")).encryptor()
    return cipher.update(data) + cipher.finalize()


def nonce_for(key: KeyEntry, plaintext: bytes) -> bytes:
    """The deterministic nonce of `plaintext`: HMAC-SHA1 truncated to 12 bytes."""
    mac = _prepared(key)[1].copy()
    mac.update(plaintext)
    return mac.digest()[:NONCE_LEN]


def encrypt(key: KeyEntry, plaintext: bytes) -> bytes:
    """The git-crypt blob of `plaintext` (byte-identical to `git-crypt clean`)."""
    if len(plaintext) >= MAX_PLAINTEXT:
        raise BlobError(f"file too long to encrypt ({len(plaintext)} bytes)")
    nonce = nonce_for(key, plaintext)
    return BLOB_HEADER + nonce + _ctr(key, nonce, plaintext)


def decrypt(key: KeyEntry, blob: bytes) -> bytes:
    """The plaintext of a git-crypt blob; BlobError when the HMAC does not match the nonce."""
    nonce = blob[len(BLOB_HEADER) : BLOB_PREFIX_LEN]
    plaintext = _ctr(key, nonce, blob[BLOB_PREFIX_LEN:])
    if not hmac.compare_digest(nonce_for(key, plaintext), nonce):
        raise BlobError("the file was tampered with, or was encrypted with a different key")
    return plaintext


def clean(key: KeyEntry, content: bytes) -> bytes:
    """Work tree → repository: encrypt, passing content that already is ciphertext through."""
    return content if looks_encrypted(content) else encrypt(key, content)


def smudge(key: KeyEntry | None, blob: bytes) -> bytes:
    """Repository → work tree: decrypt, passing anything without the header through unchanged."""
    if not looks_encrypted(blob):
        return blob
    if key is None:
        raise BlobError("no key is configured for it: run `chartkeep unlock KEYFILE`")
    return decrypt(key, blob)
