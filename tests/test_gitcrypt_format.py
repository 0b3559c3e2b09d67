"""The git-crypt blob and key formats, checked against the real git-crypt binary."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from chartkeep.gitcrypt import BLOB_HEADER, looks_encrypted
from chartkeep.gitcrypt import filter_process as fp
from chartkeep.gitcrypt.blob import BlobError, clean, decrypt, encrypt, smudge
from chartkeep.gitcrypt.keyfile import (
    KeyEntry,
    KeyFile,
    KeyFileError,
    dump,
    generate,
    parse,
    validate_key_name,
)
from chartkeep.gitcrypt.state import LOCKED, PLAIN, UNLOCKED, lock_state
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gitutil import git, git_env, init_repo

GIT_CRYPT = shutil.which("git-crypt")
if GIT_CRYPT is None:  # the oracle must not be skipped silently
    raise RuntimeError("git-crypt is not installed: run `make system-deps`")

KEY = generate().latest


@pytest.fixture(scope="module")
def git_crypt_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository initialised by the real git-crypt, with a default and a `private` key."""
    repo = init_repo(tmp_path_factory.mktemp("gc") / "repo")
    subprocess.run(["git-crypt", "init"], cwd=repo, env=git_env(), check=True, capture_output=True)
    subprocess.run(
        ["git-crypt", "init", "-k", "private"],
        cwd=repo,
        env=git_env(),
        check=True,
        capture_output=True,
    )
    return repo


def git_crypt(repo: Path, *args: str, data: bytes = b"") -> bytes:
    result = subprocess.run(
        ["git-crypt", *args], cwd=repo, input=data, env=git_env(), capture_output=True, check=True
    )
    return result.stdout


# --- blobs ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_encrypt_then_decrypt_is_the_identity(plaintext: bytes) -> None:
    blob = encrypt(KEY, plaintext)
    assert blob.startswith(BLOB_HEADER) and len(blob) == len(plaintext) + 22
    assert decrypt(KEY, blob) == plaintext
    assert encrypt(KEY, plaintext) == blob  # deterministic: git sees no change
    assert smudge(KEY, clean(KEY, plaintext)) == plaintext


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_clean_passes_ciphertext_through(plaintext: bytes) -> None:
    blob = encrypt(KEY, plaintext)
    assert clean(KEY, blob) == blob


@pytest.mark.parametrize("length", range(65))
def test_smudge_passes_anything_without_the_header_through(length: int) -> None:
    data = bytes((i * 37 + 5) % 256 for i in range(length))
    assert smudge(KEY, data) == data
    assert smudge(None, data) == data


@pytest.mark.parametrize("extra", range(12))
def test_a_header_without_a_full_nonce_is_not_ciphertext(extra: int) -> None:
    data = BLOB_HEADER + b"n" * extra
    assert not looks_encrypted(data)
    assert smudge(KEY, data) == data


def test_tampered_ciphertext_and_wrong_key_are_refused() -> None:
    blob = bytearray(encrypt(KEY, b"Client reported better sleep.\n"))
    blob[-1] ^= 1
    with pytest.raises(BlobError, match="tampered"):
        decrypt(KEY, bytes(blob))
    with pytest.raises(BlobError):
        decrypt(generate().latest, encrypt(KEY, b"x"))
    with pytest.raises(BlobError, match="no key"):
        smudge(None, encrypt(KEY, b"x"))


@pytest.mark.parametrize(
    "plaintext",
    [b"", b"a", b"hello\n", bytes(range(256)) * 3, "é€😀\n".encode(), b"\xff\xfe\x00" * 5000],
    ids=["empty", "one", "line", "all-bytes", "utf8", "binary-15k"],
)
def test_blobs_are_byte_identical_to_git_crypt(git_crypt_repo: Path, plaintext: bytes) -> None:
    key = parse((git_crypt_repo / ".git/git-crypt/keys/default").read_bytes()).latest
    ours = encrypt(key, plaintext)
    assert git_crypt(git_crypt_repo, "clean", data=plaintext) == ours
    assert git_crypt(git_crypt_repo, "smudge", data=ours) == plaintext


# --- key files -----------------------------------------------------------------------------

names = st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)).filter(
    lambda n: n != "default"
)
entries = st.builds(
    KeyEntry,
    version=st.integers(0, 2**32 - 1),
    aes_key=st.binary(min_size=32, max_size=32),
    hmac_key=st.binary(min_size=64, max_size=64),
)


@settings(max_examples=100, deadline=None)
@given(names, st.lists(entries, min_size=1, max_size=4, unique_by=lambda e: e.version))
def test_key_file_round_trip(name: str | None, items: list[KeyEntry]) -> None:
    key = KeyFile(name, tuple(sorted(items, key=lambda e: -e.version)))
    assert parse(dump(key)) == key


def test_reads_keys_made_by_git_crypt(git_crypt_repo: Path, tmp_path: Path) -> None:
    git_crypt(git_crypt_repo, "export-key", str(tmp_path / "default.key"))
    git_crypt(git_crypt_repo, "export-key", "-k", "private", str(tmp_path / "private.key"))
    for file, name in (("default.key", None), ("private.key", "private")):
        data = (tmp_path / file).read_bytes()
        key = parse(data)
        assert key.name == name and len(key.entries) == 1 and key.latest.version == 0
        assert dump(key) == data  # byte-identical when written back
    # Our generated key has git-crypt's exact layout: 148 bytes default, 163 named "private".
    assert len(dump(generate())) == 148 and len(dump(generate("private"))) == 163


def _with_header_field(field_id: int, value: bytes) -> bytes:
    data = dump(generate())
    head = len(b"\0GITCRYPTKEY") + 4
    field = struct.pack(">II", field_id, len(value)) + value
    return data[:head] + field + data[head:]


def test_unknown_even_fields_are_skipped_and_odd_ones_refused() -> None:
    assert parse(_with_header_field(6, b"future")).name is None
    with pytest.raises(KeyFileError, match="critical"):
        parse(_with_header_field(7, b"future"))
    key = dump(generate())
    # an unknown even field inside the key entry, before its end marker
    skipped = key[:-4] + struct.pack(">II", 8, 3) + b"abc" + key[-4:]
    assert parse(skipped).latest == parse(key).latest
    with pytest.raises(KeyFileError, match="critical"):
        parse(key[:-4] + struct.pack(">II", 9, 1) + b"x" + key[-4:])


@pytest.mark.parametrize(
    "data",
    [b"", b"\0GITCRYPTKEY", b"\0GITCRYPTKEY\0\0\0\x01\0\0\0\0", b"not a key at all"],
    ids=["empty", "preamble-only", "version-1", "junk"],
)
def test_malformed_key_files_are_refused(data: bytes) -> None:
    with pytest.raises(KeyFileError):
        parse(data)
    truncated = dump(generate())[:-10]
    with pytest.raises(KeyFileError):
        parse(truncated)


def test_legacy_keys_and_key_names() -> None:
    legacy = bytes(range(96))
    assert parse(legacy).latest.aes_key == legacy[:32]
    assert validate_key_name("private") is None
    assert validate_key_name("a_B-9" + "x" * 123) is None  # 128 characters
    for bad in ("", "default", "has space", "x" * 129, "dot.name", "café", "name\n"):
        assert validate_key_name(bad)
    assert "aes" not in repr(KEY).lower()  # key material never printed


# --- the filter protocol -------------------------------------------------------------------


def _pkt_stream(*requests: tuple[str, str, bytes]) -> bytes:
    out = fp.text_packets("git-filter-client", "version=2")
    out += fp.text_packets("capability=clean", "capability=smudge", "capability=delay")
    for command, path, content in requests:
        out += fp.text_packets(f"command={command}", f"pathname={path}")
        out += fp.content_packets(content)
    return out


def _responses(data: bytes) -> list[list[bytes | None]]:
    stream = io.BytesIO(data)
    groups: list[list[bytes | None]] = []
    current: list[bytes | None] = []
    while True:
        try:
            packet = fp.read_packet(stream)
        except EOFError:
            return groups
        current.append(packet)
        if packet is None:
            groups.append(current)
            current = []


def test_filter_process_speaks_git_protocol(tmp_path: Path) -> None:
    (tmp_path / "git-crypt" / "keys").mkdir(parents=True)
    (tmp_path / "git-crypt" / "keys" / "default").write_bytes(dump(KeyFile(None, (KEY,))))
    big = bytes(range(256)) * 1000  # several 64 KB packets
    good, bad = encrypt(KEY, big), bytearray(encrypt(KEY, b"note"))
    bad[-1] ^= 1
    stdin = _pkt_stream(
        ("smudge", "notes/a b.md", good),
        ("clean", "notes/é.md", b""),
        ("smudge", "notes/bad.md", bytes(bad)),
        ("smudge", "notes/plain.md", b"plain"),
    )
    out, err = io.BytesIO(), io.BytesIO()
    keys = fp.Keys(None, git_dir=tmp_path)
    assert fp.serve(io.BytesIO(stdin), out, keys, stderr=err) == 0
    groups = _responses(out.getvalue())
    assert groups[0] == [b"git-filter-server\n", b"version=2\n", None]
    assert groups[1] == [b"capability=clean\n", b"capability=smudge\n", None]  # no delay
    assert groups[2] == [b"status=success\n", None]
    assert b"".join(p for p in groups[3] if p) == big
    assert groups[4] == [None]  # empty status list: keep "success"
    assert groups[5] == [b"status=success\n", None]
    assert b"".join(p for p in groups[6] if p) == encrypt(KEY, b"")
    assert groups[8] == [b"status=error\n", None]
    assert b"notes/bad.md" in err.getvalue() and b"tampered" in err.getvalue()
    assert groups[9] == [b"status=success\n", None]
    assert b"".join(p for p in groups[10] if p) == b"plain"


def test_filter_process_started_by_hand_explains_itself(tmp_path: Path) -> None:
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "chartkeep.gitcrypt", "process"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "git closed the pipe before the handshake" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_driver_errors_name_the_file(tmp_path: Path) -> None:
    import sys

    def diff(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "chartkeep.gitcrypt", "diff", str(path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**git_env(), "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)},
        )

    missing = diff(tmp_path / "gone.md")
    assert missing.returncode == 1 and "gone.md: No such file" in missing.stderr
    blob = tmp_path / "blob"
    blob.write_bytes(encrypt(KEY, b"a note"))
    outside = diff(blob)  # not in a repository: no key to look for
    assert outside.returncode == 1 and "not inside a git repository" in outside.stderr
    for result in (missing, outside):
        assert "Traceback" not in result.stderr


def test_each_key_encrypts_with_its_own_material() -> None:
    """The per-key cipher state is cached; alternating keys must never mix them up."""
    other = generate().latest
    text = b"same note under two keys\n"
    first, second = encrypt(KEY, text), encrypt(other, text)
    assert first != second and encrypt(KEY, text) == first
    assert decrypt(KEY, first) == text and decrypt(other, second) == text
    for key, blob in ((KEY, second), (other, first)):
        with pytest.raises(BlobError):
            decrypt(key, blob)


# --- lock state ----------------------------------------------------------------------------


def test_lock_state_reads_only_files(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "p")
    assert lock_state(root) == PLAIN
    (root / ".gitattributes").write_text("notes/** filter=git-crypt diff=git-crypt -text\n")
    assert lock_state(root) == LOCKED
    keys = root / ".git/git-crypt/keys"
    keys.mkdir(parents=True)
    (keys / "default").write_bytes(dump(generate()))
    (root / "notes/C1").mkdir(parents=True)
    (root / "notes/C1/a.md").write_bytes(encrypt(KEY, b"x"))
    assert lock_state(root) == LOCKED  # key present but the notes are still ciphertext
    (root / "notes/C1/a.md").write_bytes(b"x")
    assert lock_state(root) == UNLOCKED
    git(root, "status")  # still a healthy repository
