"""Git's index read and written by `chartkeep.gitcrypt.index`, checked against real git; and the
unlock paths that use it (a first checkout, the fallback through the filter, a locked index)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
from chartkeep.gitcrypt.index import (
    HASH_SIZES,
    IndexLock,
    IndexLockedError,
    parse_index,
    read_index,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gitutil import chartkeep, commit_all, git, git_out, set_user, write_files

FILES: dict[str, bytes] = {
    "README.txt": b"not protected\n",
    "a b/c d.md": b"spaces\n",
    "a-b": b"sorts before a/\n",
    "a/b/c.md": b"deep\n",
    "a.b": b"sorts between\n",
    "\u00e9l\u00e8ve/\u6771\u4eac.md": "Élodie\n".encode(),
    "x/run.sh": b"#!/bin/sh\n",
}


def plain_repo(path: Path, *, object_format: str = "sha1") -> Path:
    """A committed repository holding FILES, one of them executable."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main", f"--object-format={object_format}")
    set_user(path)
    write_files(path, FILES)
    (path / "x/run.sh").chmod(0o755)
    commit_all(path, "files")
    return path


def debug_listing(repo: Path) -> str:
    return git_out(repo, "-c", "core.quotePath=false", "ls-files", "--debug", "--stage")


def test_round_trip_of_a_version_2_index_is_byte_identical(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    data = (repo / ".git/index").read_bytes()
    assert data[4:8] == b"\0\0\0\2"
    index = parse_index(data)
    assert index is not None and index.version == 2
    assert [e for e, _ in index.extensions] == [b"TREE"]
    assert index.to_bytes() == data
    paths = [record.path for record in index.records]
    assert paths == git_out(repo, "-c", "core.quotePath=false", "ls-files", "-z").split("\0")[:-1]
    modes = {record.path: record.mode for record in index.records}
    assert modes["x/run.sh"] == 0o100755 and modes["README.txt"] == 0o100644


def test_a_path_longer_than_the_name_length_field(tmp_path: Path) -> None:
    """Git stores 0xFFF as the length of a path of 4095 bytes or more: its end is its NUL."""
    repo = plain_repo(tmp_path / "r")
    blob = git_out(repo, "rev-parse", "HEAD:README.txt")
    long_path = "/".join(["d" * 200] * 21) + "/long.md"  # 4228 bytes, in the index only
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{long_path}")
    data = (repo / ".git/index").read_bytes()
    index = parse_index(data)
    assert index is not None and index.to_bytes() == data
    assert long_path in [record.path for record in index.records]


def test_round_trip_of_a_version_3_index_keeps_extended_flags(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    git(repo, "update-index", "--skip-worktree", "a.b")
    (repo / "new.md").write_bytes(b"intent\n")
    git(repo, "add", "-N", "new.md")
    data = (repo / ".git/index").read_bytes()
    assert data[4:8] == b"\0\0\0\3"
    index = parse_index(data)
    assert index is not None and index.version == 3
    assert index.to_bytes() == data
    assert {record.path for record in index.records if record.skip_worktree} == {"a.b"}
    assert {record.path for record in index.records if record.intent_to_add} == {"new.md"}


def test_round_trip_of_a_sha256_repository(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r", object_format="sha256")
    data = (repo / ".git/index").read_bytes()
    assert parse_index(data, "sha1") is None  # the checksum does not match
    index = parse_index(data, "sha256")
    assert index is not None and index.to_bytes() == data
    assert len(index.records) == len(FILES)


def test_dropped_extensions_are_rebuilt_by_git(tmp_path: Path) -> None:
    """The untracked cache describes the work tree: it is dropped, and git agrees with itself."""
    repo = plain_repo(tmp_path / "r")
    git(repo, "config", "core.untrackedCache", "true")
    (repo / "loose.txt").write_bytes(b"untracked\n")
    git(repo, "status", "--porcelain")
    data = (repo / ".git/index").read_bytes()
    assert b"UNTR" in data
    before = (debug_listing(repo), git_out(repo, "status", "--porcelain"))
    index = parse_index(data)
    assert index is not None
    assert [e for e, _ in index.extensions] == [b"TREE"]
    (repo / ".git/index").write_bytes(index.to_bytes())
    assert (debug_listing(repo), git_out(repo, "status", "--porcelain")) == before
    assert git_out(repo, "status", "--porcelain") == "?? loose.txt"


def test_stat_data_written_is_what_git_reads(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    target = repo / "a/b/c.md"
    target.unlink()
    target.write_bytes(b"deep\n")  # same content, a new inode and new times
    index = read_index(repo / ".git/index")
    assert index is not None
    record = next(r for r in index.records if r.path == "a/b/c.md")
    info = os.lstat(target)
    index.set_stat(record, info)
    (repo / ".git/index").write_bytes(index.to_bytes())
    listing = debug_listing(repo).splitlines()
    at = next(i for i, line in enumerate(listing) if line.endswith("\ta/b/c.md"))
    fields = dict(part.strip().split(": ", 1) for part in "\t".join(listing[at + 1 : at + 6]).split("\t"))
    assert fields["ctime"] == f"{int(info.st_ctime)}:{info.st_ctime_ns % 10**9}"
    assert fields["mtime"] == f"{int(info.st_mtime)}:{info.st_mtime_ns % 10**9}"
    assert fields["dev"] == str(info.st_dev & 0xFFFFFFFF)
    assert fields["ino"] == str(info.st_ino & 0xFFFFFFFF)
    assert fields["uid"] == str(info.st_uid) and fields["gid"] == str(info.st_gid)
    assert fields["size"].split()[0] == str(info.st_size)
    assert git(repo, "diff-files", "--quiet", check=False).returncode == 0


@pytest.mark.parametrize(
    ("make", "mark"),
    [
        pytest.param(["update-index", "--index-version", "4"], b"DIRC\0\0\0\4", id="version 4"),
        pytest.param(["update-index", "--split-index"], b"link", id="split index"),
        pytest.param(["sparse-checkout", "set", "--cone", "--sparse-index", "x"], b"sdir", id="sparse index"),
    ],
)
def test_indexes_not_written_back_here_are_refused(tmp_path: Path, make: list[str], mark: bytes) -> None:
    repo = plain_repo(tmp_path / "r")
    git(repo, *make)
    assert mark in (repo / ".git/index").read_bytes()
    assert read_index(repo / ".git/index") is None


def test_unknown_extensions_optional_dropped_required_refused(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    data = (repo / ".git/index").read_bytes()[:-20]
    for name, readable in ((b"ZZZZ", True), (b"zzzz", False)):
        extended = _with_checksum(data + name + (3).to_bytes(4, "big") + b"abc")
        index = parse_index(extended)
        assert (index is not None) == readable, name
        if index is not None:
            assert index.to_bytes() == _with_checksum(data)  # dropped, as git drops it


def test_damaged_or_missing_index_is_refused(tmp_path: Path) -> None:
    repo = plain_repo(tmp_path / "r")
    data = bytearray((repo / ".git/index").read_bytes())
    data[30] ^= 1
    assert parse_index(bytes(data)) is None
    assert read_index(tmp_path / "none") is None
    assert parse_index(b"DIRC") is None


def _with_checksum(body: bytes, hash_name: str = "sha1") -> bytes:
    return body + hashlib.new(hash_name, body).digest()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(sorted(HASH_SIZES)))
def test_parser_never_crashes(body: bytes, hash_name: str) -> None:
    for data in (body, _with_checksum(b"DIRC\0\0\0\2" + body, hash_name)):
        index = parse_index(data, hash_name)
        if index is not None:
            assert index.to_bytes()[: len(index.body)] == index.body


@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A version 3 index written by git, without its checksum."""
    repo = plain_repo(tmp_path_factory.mktemp("fuzz") / "r")
    git(repo, "update-index", "--skip-worktree", "a.b")
    return (repo / ".git/index").read_bytes()[:-20]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_parser_never_crashes_on_a_damaged_real_index(real_index: bytes, data: st.DataObject) -> None:
    body = bytearray(real_index)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        body[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(12, len(body)))
    parse_index(_with_checksum(bytes(body[:cut])))


def test_lock_protocol(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.write_bytes(b"old")
    with IndexLock(index) as lock:
        assert (tmp_path / "index.lock").exists()
        with pytest.raises(IndexLockedError) as raised:
            IndexLock(index)
        assert raised.value.filename == str(tmp_path / "index.lock")
        lock.commit(b"new")
    assert index.read_bytes() == b"new" and not (tmp_path / "index.lock").exists()
    with IndexLock(index):
        pass  # left without committing: the index is untouched and the lock gone
    assert index.read_bytes() == b"new" and not (tmp_path / "index.lock").exists()


# --- unlock end to end ----------------------------------------------------------------------

# enough notes that two threads write them (checkout.SPLIT_AT)
NOTES = {f"notes/C{i % 7:04d}/2026-01-{1 + i % 28:02d}-{i}.md": f"note {i}\n".encode() for i in range(40)}


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("origin")
    root = base / "practice"
    chartkeep(base, "init", str(root))
    set_user(root)
    write_files(root, {**NOTES, "notes/C0001/run.sh": b"#!/bin/sh\n", "plain.txt": b"plain\n"})
    (root / "notes/C0001/run.sh").chmod(0o755)
    commit_all(root, "notes")
    chartkeep(root, "export-key", str(base / "default.key"))
    return root, base / "default.key"


def no_checkout_clone(origin: Path, path: Path) -> Path:
    git(origin.parent, "clone", "-q", "--no-checkout", str(origin), str(path))
    set_user(path)
    return path


def assert_clean_unlocked(copy: Path) -> None:
    for name, data in NOTES.items():
        assert (copy / name).read_bytes() == data, name
    assert (copy / "plain.txt").read_bytes() == b"plain\n"
    assert os.access(copy / "notes/C0001/run.sh", os.X_OK)
    assert git_out(copy, "status", "--porcelain") == ""
    assert git_out(copy, "diff") == "" and git_out(copy, "diff", "--cached") == ""


def index_version(repo: Path) -> int:
    return int.from_bytes((repo / ".git/index").read_bytes()[4:8], "big")


def test_first_unlock_writes_real_stat_data(origin: tuple[Path, Path], tmp_path: Path) -> None:
    root, key = origin
    copy = no_checkout_clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(key))
    index = read_index(copy / ".git/index")
    assert index is not None and [e for e, _ in index.extensions] == [b"TREE"]
    for record in index.records:
        info = os.lstat(copy / record.path)
        body = index.body[record.offset : record.offset + 40]
        assert int.from_bytes(body[8:12], "big") == int(info.st_mtime), record.path
        assert int.from_bytes(body[12:16], "big") == info.st_mtime_ns % 10**9, record.path
        assert int.from_bytes(body[20:24], "big") == info.st_ino & 0xFFFFFFFF, record.path
        assert int.from_bytes(body[36:40], "big") == info.st_size, record.path
    assert not (copy / ".git/chartkeep/unlock-index").exists()
    assert not (copy / ".git/index.lock").exists()
    assert_clean_unlocked(copy)


@pytest.mark.parametrize("fresh", [True, False], ids=["no-checkout clone", "checked-out clone"])
def test_version_4_index_unlocks_through_the_filter(
    origin: tuple[Path, Path], tmp_path: Path, fresh: bool
) -> None:
    root, key = origin
    if fresh:
        copy = no_checkout_clone(root, tmp_path / "copy")
        git(copy, "config", "index.version", "4")  # read-tree builds the first index as version 4
    else:
        copy = tmp_path / "copy"
        git(root.parent, "clone", "-q", str(root), str(copy))
        git(copy, "update-index", "--index-version", "4")
    chartkeep(copy, "unlock", str(key))
    assert index_version(copy) == 4  # written by git, never by chartkeep
    assert_clean_unlocked(copy)


def test_split_index_unlocks_through_the_filter(origin: tuple[Path, Path], tmp_path: Path) -> None:
    root, key = origin
    copy = tmp_path / "copy"
    git(root.parent, "clone", "-q", str(root), str(copy))
    git(copy, "update-index", "--split-index")
    chartkeep(copy, "unlock", str(key))
    assert b"link" in (copy / ".git/index").read_bytes()
    assert_clean_unlocked(copy)


def test_first_unlock_with_the_index_locked_then_rerun(origin: tuple[Path, Path], tmp_path: Path) -> None:
    root, key = origin
    copy = no_checkout_clone(root, tmp_path / "copy")
    (copy / ".git/index.lock").write_bytes(b"")
    result = chartkeep(copy, "unlock", str(key), check=False)
    assert result.returncode == 2, result.stderr
    assert "remove .git/index.lock" in result.stderr and "unlock KEYFILE` again" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (copy / ".git/index").exists()
    assert not any((copy / name).exists() for name in NOTES)  # nothing decrypted under a held lock
    (copy / ".git/index.lock").unlink()
    chartkeep(copy, "unlock", str(key))
    assert_clean_unlocked(copy)


def test_unlock_of_a_sha256_practice(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    git(root, "init", "-q", "-b", "main", "--object-format=sha256")
    set_user(root)
    chartkeep(tmp_path, "init", str(root))
    write_files(root, NOTES)
    commit_all(root, "notes")
    chartkeep(root, "export-key", str(tmp_path / "k"))
    copy = no_checkout_clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(tmp_path / "k"))
    assert read_index(copy / ".git/index", "sha256") is not None
    for name, data in NOTES.items():
        assert (copy / name).read_bytes() == data, name
    assert git_out(copy, "status", "--porcelain") == ""


def test_unlock_again_keeps_a_note_added_with_intent_to_add(
    origin: tuple[Path, Path], tmp_path: Path
) -> None:
    """`git add -N` puts an empty entry in the index: its file is the only copy of the note."""
    root, key = origin
    copy = no_checkout_clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(key))
    draft = copy / "notes/C0099/draft.md"
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_bytes(b"only copy\n")
    git(copy, "add", "-N", "notes/C0099/draft.md")
    chartkeep(copy, "unlock", str(key))
    assert draft.read_bytes() == b"only copy\n"
    assert git(copy, "status", "--porcelain").stdout == b" A notes/C0099/draft.md\n"


@pytest.mark.parametrize("where", ["MainThread", "chartkeep-writer"])
def test_a_write_failing_in_either_thread_then_rerun(
    origin: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, where: str
) -> None:  # type: ignore[no-untyped-def]
    """The first half of a batch is written by the caller, the second by a helper thread: a
    failure in either is reported, the index is left unlocked, and a rerun finishes."""
    from chartkeep import cli
    from chartkeep.gitcrypt import checkout

    encrypted = sorted([*NOTES, "notes/C0001/run.sh"])  # in the index's order
    assert len(encrypted) >= 2 * checkout.SPLIT_AT
    failing = encrypted[1] if where == "MainThread" else encrypted[-2]
    root, key = origin
    copy = no_checkout_clone(root, tmp_path / "copy")
    real_write = checkout._write_file
    threads = []

    def disk_full_at(path: str, data: bytes, mode: int) -> os.stat_result:
        if path.endswith(failing):
            threads.append(threading.current_thread().name)
            raise OSError(28, "No space left on device")
        return real_write(path, data, mode)

    monkeypatch.setattr(checkout, "_write_file", disk_full_at)
    assert cli.main(["unlock", "--practice", str(copy), str(key)]) == 2
    assert threads == [where]
    error = capsys.readouterr().err
    assert f"{failing}: cannot write it (No space left on device)" in error
    assert "unlock KEYFILE` again" in error and "Traceback" not in error
    assert not (copy / ".git/index.lock").exists() and not (copy / ".git/index").exists()
    monkeypatch.setattr(checkout, "_write_file", real_write)
    chartkeep(copy, "unlock", str(key))
    assert_clean_unlocked(copy)


def test_an_unexpected_error_in_the_helper_thread_reaches_the_caller(
    origin: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chartkeep.gitcrypt import checkout

    root, key = origin
    copy = no_checkout_clone(root, tmp_path / "copy")
    real_write = checkout._write_file
    last = sorted(NOTES)[-1]

    def broken(path: str, data: bytes, mode: int) -> os.stat_result:
        if path.endswith(last):
            assert threading.current_thread().name == "chartkeep-writer"
            raise RuntimeError("a bug")
        return real_write(path, data, mode)

    monkeypatch.setattr(checkout, "_write_file", broken)
    from chartkeep.gitcrypt.keyfile import parse
    from chartkeep.gitcrypt.repo import Repo
    from chartkeep.gitcrypt.workflow import unlock

    with pytest.raises(RuntimeError, match="a bug"):
        unlock(Repo.open(copy), [(key, parse(key.read_bytes()))])
    assert not (copy / ".git/index.lock").exists()
