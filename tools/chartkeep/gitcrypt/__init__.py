"""Encrypted notes: a git filter byte-compatible with git-crypt (0.7/0.8 file and key formats).

This package stays light on import: constants only. The cipher lives in `blob`, the key format in
`keyfile`, git plumbing in `repo`, and git's long-running filter protocol in `filter_process`.
"""

BLOB_HEADER = b"\0GITCRYPT\0"
NONCE_LEN = 12
BLOB_PREFIX_LEN = len(BLOB_HEADER) + NONCE_LEN
KEYS_SUBDIR = ("git-crypt", "keys")
DEFAULT_KEY = "default"
PRIVATE_KEY = "private"


def attribute_name(key_name: str | None) -> str:
    """The filter/diff/merge driver name git-crypt uses for a key: `git-crypt[-NAME]`."""
    return "git-crypt" if key_name in (None, DEFAULT_KEY) else f"git-crypt-{key_name}"


def key_file_name(key_name: str | None) -> str:
    """The file name under `.git/git-crypt/keys/` for a key."""
    return DEFAULT_KEY if key_name in (None, DEFAULT_KEY) else str(key_name)


def looks_encrypted(data: bytes) -> bool:
    """True when `data` is a git-crypt blob (header and a full nonce), as git-crypt decides."""
    return len(data) >= BLOB_PREFIX_LEN and data.startswith(BLOB_HEADER)
