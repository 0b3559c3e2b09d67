"""The encrypted practice end to end: real git, real git-crypt as the compatibility oracle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from chartkeep.gitcrypt import looks_encrypted
from chartkeep.gitcrypt.state import LOCKED, UNLOCKED, lock_state

from tests.gitutil import chartkeep, commit_all, git, git_env, git_out, init_repo, set_user, write_files

if shutil.which("git-crypt") is None:  # the oracle must never be skipped
    raise RuntimeError("git-crypt is not installed: run `make system-deps`")

CANARY = b"Zebulon Quillfeather-Canary"
FILES: dict[str, bytes] = {
    "notes/C0001/2026-11-27-soap.md": b"---\nclient: C0001\n---\nClient " + CANARY + b" reported.\n",
    "notes/C0002/2026-11-28 intake note.md": "Élodie: ñandú, 東京\n".encode(),
    "notes/C0003/empty.md": b"",
    "notes/C0003/latin1.md": "caf\xe9 na\xefve\n".encode("latin-1"),
    "notes/C0003/bytes.bin": bytes(range(256)) * 3,
    "notes/C0004/élève 東京.md": b"a path with spaces and non-ASCII letters\n",
    "private/C0001/process.md": b"Private process note about " + CANARY + b".\n",
    "README.txt": b"not protected\n",
}


def assert_files(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        assert (root / name).read_bytes() == data, name


def new_practice(path: Path) -> Path:
    chartkeep(path.parent, "init", str(path))
    set_user(path)
    return path


def clone(origin: Path, path: Path, *options: str) -> Path:
    git(origin.parent, "clone", "-q", *options, str(origin), str(path))
    set_user(path)
    return path


def stored_blob(repo: Path, rev_path: str) -> bytes:
    return git(repo, "cat-file", "blob", rev_path).stdout


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A committed practice with FILES, and its two keys exported outside it."""
    base = tmp_path_factory.mktemp("origin")
    root = new_practice(base / "practice")
    write_files(root, FILES)
    commit_all(root, "first notes")
    chartkeep(root, "export-key", str(base / "default.key"))
    chartkeep(root, "export-key", "--name", "private", str(base / "private.key"))
    return root, base / "default.key", base / "private.key"


def test_init_makes_an_encrypted_practice(origin: tuple[Path, Path, Path]) -> None:
    root, _, _ = origin
    for folder in ("notes", "private", "templates"):
        assert (root / folder).is_dir()
    assert (root / "chartkeep.toml").is_file()
    attributes = (root / ".gitattributes").read_text()
    lines = attributes.splitlines()
    assert "notes/** filter=git-crypt diff=git-crypt merge=git-crypt -text" in lines
    assert "private/** filter=git-crypt-private diff=git-crypt-private merge=git-crypt-private -text" in lines
    shipped = Path(__file__).resolve().parent.parent / "tools/chartkeep/templates"
    assert {p.name for p in shipped.iterdir() if p.is_file()} <= {p.name for p in (root / "templates").iterdir()}
    for key in ("default", "private"):
        assert (root / ".git/git-crypt/keys" / key).stat().st_mode & 0o777 == 0o600
    assert git_out(root, "config", "filter.git-crypt.required") == "true"
    assert "process" in git_out(root, "config", "filter.git-crypt.process")
    assert "git-crypt" in git_out(root, "config", "filter.git-crypt.smudge")
    assert git(root, "config", "diff.git-crypt.cachetextconv", check=False).returncode == 1
    assert git_out(root, "config", "core.looseCompression") == "0"  # ciphertext does not compress
    assert (root / ".git/hooks/pre-commit").stat().st_mode & 0o111
    for name in FILES:
        blob = stored_blob(root, f"HEAD:{name}")
        assert looks_encrypted(blob) == (name != "README.txt"), name
    assert_files(root, FILES)
    assert git_out(root, "status", "--porcelain") == ""
    assert lock_state(root) == UNLOCKED


def test_init_is_idempotent_and_never_replaces_a_key(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    keys = {k: (root / ".git/git-crypt/keys" / k).read_bytes() for k in ("default", "private")}
    chartkeep(tmp_path, "init", str(root))
    for name, data in keys.items():
        assert (root / ".git/git-crypt/keys" / name).read_bytes() == data
    assert (root / ".gitattributes").read_text().count("notes/**") == 1


@pytest.mark.parametrize(
    "command",
    [
        ("check",),
        ("new-client", "--name", "Fictional Person"),
        ("new-note", "C0001", "soap", "--date", "2026-11-27"),
        ("sign", "notes/C0001/2026-11-27-soap.md"),
        ("audit",),
        ("history", "notes/C0001/2026-11-27-soap.md"),
        ("build",),
        ("watch",),
    ],
)
def test_commands_refuse_a_clone_never_unlocked(
    origin: tuple[Path, Path, Path], tmp_path: Path, command: tuple[str, ...]
) -> None:
    copy = clone(origin[0], tmp_path / "copy")
    before = git_out(copy, "status", "--porcelain", "--ignored")
    result = chartkeep(copy, *command, check=False)
    assert result.returncode != 0
    assert "the repository is locked" in result.stderr and "unlock it first" in result.stderr
    assert "Traceback" not in result.stderr
    assert git_out(copy, "status", "--porcelain", "--ignored") == before  # nothing written


def test_make_targets_refuse_a_clone_never_unlocked(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    repository = Path(__file__).resolve().parent.parent
    if not (repository / ".venv/bin/chartkeep").exists():  # make would install it first
        pytest.fail("run the tests with `make test`, which sets up .venv")
    copy = clone(origin[0], tmp_path / "copy")
    for target in ("check", "audit"):
        result = subprocess.run(
            ["make", "-s", "-C", str(repository), target, f"PRACTICE={copy}"],
            capture_output=True,
            text=True,
            env=git_env(),
        )
        assert result.returncode != 0 and "unlock it first" in result.stderr, target


def test_init_keeps_a_gitattributes_that_is_not_utf8(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "p")
    mine = b"*.bin binary\n# caf\xe9 (Latin-1)\n"
    (root / ".gitattributes").write_bytes(mine)
    chartkeep(tmp_path, "init", str(root))
    written = (root / ".gitattributes").read_bytes()
    assert written.startswith(mine) and b"notes/** filter=git-crypt" in written


@pytest.mark.parametrize("options", [(), ("--no-checkout",)])
def test_init_refuses_a_clone_that_needs_its_key(
    origin: tuple[Path, Path, Path], tmp_path: Path, options: tuple[str, ...]
) -> None:
    copy = clone(origin[0], tmp_path / "copy", *options)
    before = sorted(p.name for p in copy.iterdir())
    result = chartkeep(tmp_path, "init", str(copy), check=False)
    assert result.returncode == 1 and "chartkeep unlock" in result.stderr
    assert not (copy / ".git/git-crypt").exists()
    assert sorted(p.name for p in copy.iterdir()) == before  # nothing written
    if options:
        assert not (copy / ".git/index").exists()  # still a clone to unlock


def test_clone_unlock_lock_round_trip(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, private_key = origin
    copy = clone(root, tmp_path / "copy")
    assert lock_state(copy) == LOCKED
    assert looks_encrypted((copy / "notes/C0001/2026-11-27-soap.md").read_bytes())

    chartkeep(copy, "unlock", str(default_key))
    assert looks_encrypted((copy / "private/C0001/process.md").read_bytes())  # private stays locked
    chartkeep(copy, "unlock", str(private_key))
    assert_files(copy, FILES)
    assert git_out(copy, "status", "--porcelain") == ""
    assert lock_state(copy) == UNLOCKED

    # textconv: history reads as plaintext
    (copy / "notes/C0003/empty.md").write_bytes(b"added line\n")
    assert "+added line" in git_out(copy, "diff")
    git(copy, "checkout", "--", "notes/C0003/empty.md")

    chartkeep(copy, "lock")
    assert lock_state(copy) == LOCKED
    assert not list((copy / ".git/git-crypt/keys").iterdir())
    assert git(copy, "config", "--get-regexp", "git-crypt", check=False).stdout == b""
    for name, data in FILES.items():
        on_disk = (copy / name).read_bytes()
        assert (on_disk == data) if name == "README.txt" else looks_encrypted(on_disk), name
    assert git_out(copy, "status", "--porcelain") == ""

    chartkeep(copy, "unlock", str(default_key), str(private_key))
    assert_files(copy, FILES)


def test_unlock_keeps_a_compression_level_the_user_chose(
    origin: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    root, default_key, _ = origin
    chosen = clone(root, tmp_path / "chosen")
    git(chosen, "config", "core.looseCompression", "4")
    chartkeep(chosen, "unlock", str(default_key))
    assert git_out(chosen, "config", "core.looseCompression") == "4"
    general = clone(root, tmp_path / "general")
    git(general, "config", "core.compression", "9")
    chartkeep(general, "unlock", str(default_key))
    assert git(general, "config", "core.looseCompression", check=False).returncode == 1
    unset = clone(root, tmp_path / "unset")
    chartkeep(unset, "unlock", str(default_key))
    assert git_out(unset, "config", "core.looseCompression") == "0"
    # git stores a note added at that level, as ciphertext that decrypts to what was written
    name = "notes/C0009/2026-12-01-soap.md"
    write_files(unset, {name: b"---\nclient: C0009\n---\nSession.\n"})
    git(unset, "add", "notes")
    assert looks_encrypted(stored_blob(unset, f":{name}"))
    assert git(unset, "diff", "--cached", "--", name).stdout.count(b"+Session.") == 1


def test_unlock_again_never_overwrites_an_edit(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, _ = origin
    copy = clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(default_key))
    name = "notes/C0001/2026-11-27-soap.md"
    edited = FILES[name] + b"Added after unlocking, not yet committed.\n"
    (copy / name).write_bytes(edited)
    result = chartkeep(copy, "unlock", str(default_key), check=False)
    assert result.returncode == 1 and name in result.stderr and "commit or stash" in result.stderr
    assert (copy / name).read_bytes() == edited
    git(copy, "add", name)  # staged, the same
    assert chartkeep(copy, "unlock", str(default_key), check=False).returncode == 1
    assert (copy / name).read_bytes() == edited
    git(copy, "reset", "-q", "--hard")
    chartkeep(copy, "unlock", str(default_key))  # nothing changed: unlocking again is harmless
    assert_files(copy, {n: d for n, d in FILES.items() if not n.startswith("private/")})


def test_unlock_of_a_no_checkout_clone(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, private_key = origin
    copy = clone(root, tmp_path / "copy", "--no-checkout")
    chartkeep(copy, "unlock", str(default_key), str(private_key))
    assert_files(copy, FILES)
    assert git_out(copy, "status", "--porcelain") == ""


def test_unlock_records_the_stat_data_git_would(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """unlock writes the files itself and then the index: each entry must carry the new file's
    size, mtime and inode, so git sees a clean checkout without filtering every file again."""
    root, default_key, private_key = origin
    for options in ((), ("--no-checkout",)):
        copy = clone(root, tmp_path / f"copy{len(options)}", *options)
        chartkeep(copy, "unlock", str(default_key), str(private_key))
        listing = git_out(copy, "-c", "core.quotePath=false", "ls-files", "--debug").splitlines()
        checked = set()
        for number, line in enumerate(listing):
            if line.startswith((" ", "\t")):
                continue
            parts = "\t".join(listing[number + 1 : number + 6]).split("\t")
            fields = dict(part.strip().split(": ", 1) for part in parts)
            info = (copy / line).lstat()
            assert fields["size"].split()[0] == str(info.st_size), line
            assert fields["mtime"].split(":")[0] == str(int(info.st_mtime)), line
            assert fields["ino"] == str(info.st_ino & 0xFFFFFFFF), line
            checked.add(line)
        assert set(FILES) <= checked
        assert_files(copy, FILES)


def test_unlock_refuses_a_wrong_key(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    other = new_practice(tmp_path / "other")
    chartkeep(other, "export-key", str(tmp_path / "other.key"))
    copy = clone(origin[0], tmp_path / "copy")
    before = {n: (copy / n).read_bytes() for n in FILES}
    result = chartkeep(copy, "unlock", str(tmp_path / "other.key"), check=False)
    assert result.returncode == 1
    assert "wrong key" in result.stderr and "nothing was changed" in result.stderr.lower()
    assert {n: (copy / n).read_bytes() for n in FILES} == before
    assert not (copy / ".git/git-crypt").exists()
    assert git(copy, "config", "filter.git-crypt.process", check=False).returncode == 1


def test_unlock_and_lock_refuse_a_dirty_tree(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, _ = origin
    copy = clone(root, tmp_path / "copy")
    (copy / "README.txt").write_bytes(b"changed\n")
    result = chartkeep(copy, "unlock", str(default_key), check=False)
    assert result.returncode == 1 and "README.txt" in result.stderr
    git(copy, "checkout", "--", "README.txt")
    chartkeep(copy, "unlock", str(default_key))
    (copy / "notes/C0001/2026-11-27-soap.md").write_bytes(b"edited\n")
    result = chartkeep(copy, "lock", check=False)
    assert result.returncode == 1 and "uncommitted" in result.stderr
    git(copy, "checkout", "--", "notes")
    (copy / "notes/C0009").mkdir()
    (copy / "notes/C0009/draft.md").write_bytes(b"not committed yet\n")
    result = chartkeep(copy, "lock", check=False)
    assert result.returncode == 1 and "notes/C0009/draft.md" in result.stderr


def test_tampered_blob_is_named_and_left_encrypted(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, private_key = origin
    work = clone(root, tmp_path / "work")
    name = "notes/C0001/2026-11-27-soap.md"
    tampered = bytearray(stored_blob(work, f"HEAD:{name}"))
    tampered[-3] ^= 0x20
    blob = git(work, "hash-object", "-w", "--stdin", input=bytes(tampered)).stdout.decode().strip()
    git(work, "update-index", "--cacheinfo", f"100644,{blob},{name}")
    git(work, "commit", "-q", "--no-verify", "-m", "tampered")
    copy = clone(work, tmp_path / "copy")
    result = chartkeep(copy, "unlock", str(default_key), str(private_key), check=False)
    assert result.returncode == 1
    assert name in result.stderr and "tampered" in result.stderr
    assert (copy / name).read_bytes() == bytes(tampered)  # kept what it had
    assert_files(copy, {n: d for n, d in FILES.items() if n != name})
    # plain git (no chartkeep unlock) fails loudly on that file
    (copy / name).unlink()
    checkout = git(copy, "checkout", "--", name, check=False)
    assert checkout.returncode != 0 and name in checkout.stderr.decode()


def test_interop_chartkeep_repo_unlocks_with_git_crypt(
    origin: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    root, default_key, private_key = origin
    copy = clone(root, tmp_path / "copy")
    subprocess.run(
        ["git-crypt", "unlock", str(default_key), str(private_key)],
        cwd=copy,
        env=git_env(),
        check=True,
        capture_output=True,
    )
    assert_files(copy, FILES)
    # git-crypt commits a change; chartkeep reads it back
    (copy / "notes/C0003/empty.md").write_bytes(b"written by git-crypt\n")
    commit_all(copy, "from git-crypt")
    mine = clone(root, tmp_path / "mine")
    chartkeep(mine, "unlock", str(default_key), str(private_key))
    git(mine, "pull", "-q", str(copy), git_out(copy, "branch", "--show-current"))
    assert (mine / "notes/C0003/empty.md").read_bytes() == b"written by git-crypt\n"


def test_without_chartkeep_as_the_doc_says(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """doc/encryption.md, 'Without chartkeep': an unlocked practice whose .venv is gone goes over
    to git-crypt with git's own commands, and commits encrypted as before."""
    root, default_key, private_key = origin
    copy = clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(default_key), str(private_key))
    doc = (Path(__file__).parent.parent / "doc/encryption.md").read_text()
    steps = doc.split("### Without chartkeep", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    subprocess.run(["sh", "-ec", steps], cwd=copy, env=git_env(), check=True, capture_output=True)
    assert git(copy, "config", "--get-regexp", "chartkeep|process", check=False).stdout == b""
    assert_files(copy, FILES)
    assert git_out(copy, "status", "--porcelain") == ""
    # (over 22 bytes: git-crypt's textconv shows a shorter file as empty)
    (copy / "notes/C0003/empty.md").write_bytes(b"written after chartkeep was removed\n")
    (copy / "private/C0001/process.md").write_bytes(b"private, after chartkeep was removed\n")
    diff = git_out(copy, "diff")  # through git-crypt's textconv
    assert "+written after chartkeep" in diff and "+private, after chartkeep" in diff
    commit_all(copy, "git-crypt alone")
    assert looks_encrypted(stored_blob(copy, "HEAD:notes/C0003/empty.md"))
    assert looks_encrypted(stored_blob(copy, "HEAD:private/C0001/process.md"))
    assert git_out(copy, "status", "--porcelain") == ""


def _git_crypt_practice(path: Path, files: dict[str, bytes]) -> Path:
    repo = init_repo(path)
    for args in (["init"], ["init", "-k", "private"]):
        subprocess.run(["git-crypt", *args], cwd=repo, env=git_env(), check=True, capture_output=True)
    (repo / ".gitattributes").write_text(
        "notes/** filter=git-crypt diff=git-crypt -text\n"
        "private/** filter=git-crypt-private diff=git-crypt-private -text\n"
    )
    write_files(repo, files)
    commit_all(repo, "by git-crypt")
    return repo


def test_interop_git_crypt_repo_unlocks_with_chartkeep(tmp_path: Path) -> None:
    theirs = _git_crypt_practice(tmp_path / "theirs", FILES)
    for key in ("default", "private"):
        args = ["export-key", *(["-k", key] if key != "default" else []), str(tmp_path / key)]
        subprocess.run(["git-crypt", *args], cwd=theirs, env=git_env(), check=True)
    assert looks_encrypted(stored_blob(theirs, "HEAD:private/C0001/process.md"))
    copy = clone(theirs, tmp_path / "copy")
    chartkeep(copy, "unlock", str(tmp_path / "default"), str(tmp_path / "private"))
    assert_files(copy, FILES)
    assert git_out(copy, "status", "--porcelain") == ""


def test_same_key_same_files_same_trees(tmp_path: Path) -> None:
    theirs = _git_crypt_practice(tmp_path / "theirs", FILES)
    for key in ("default", "private"):
        args = ["export-key", *(["-k", key] if key != "default" else []), str(tmp_path / key)]
        subprocess.run(["git-crypt", *args], cwd=theirs, env=git_env(), check=True)
    mine = init_repo(tmp_path / "mine")
    (mine / ".gitattributes").write_bytes((theirs / ".gitattributes").read_bytes())
    chartkeep(mine, "unlock", str(tmp_path / "default"), str(tmp_path / "private"))
    write_files(mine, FILES)
    git(mine, "add", "-A")
    assert git_out(mine, "write-tree") == git_out(theirs, "rev-parse", "HEAD^{tree}")


def test_canary_reaches_no_object_in_the_remote(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "practice")
    write_files(root, FILES)
    commit_all(root, "notes")
    (root / "notes/C0001/2026-11-27-soap.md").write_bytes(b"v2 " + CANARY + b"\n")
    commit_all(root, "second version")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(root, "push", "-q", str(bare), "HEAD:refs/heads/main")
    for repo in (bare, root):
        dump = git(repo, "cat-file", "--batch-all-objects", "--batch").stdout
        assert len(dump) > 1000
        assert CANARY not in dump, repo
        assert CANARY.lower() not in dump.lower()


def test_merge_driver_merges_plaintext_and_stores_ciphertext(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    name = "notes/C0001/plan.md"
    lines = [f"line {i}\n".encode() for i in range(12)]
    write_files(root, {name: b"".join(lines)})
    commit_all(root, "base", verify=False)
    main = git_out(root, "branch", "--show-current")
    git(root, "checkout", "-q", "-b", "other")
    write_files(root, {name: b"".join([lines[0], b"other edit\n", *lines[2:]])})
    commit_all(root, "other", verify=False)
    git(root, "checkout", "-q", main)
    write_files(root, {name: b"".join([*lines[:10], b"main edit\n", lines[11]])})
    commit_all(root, "main", verify=False)
    git(root, "merge", "-q", "--no-edit", "other")
    merged = (root / name).read_bytes()
    assert b"other edit" in merged and b"main edit" in merged
    assert looks_encrypted(stored_blob(root, f"HEAD:{name}"))
    assert git_out(root, "status", "--porcelain") == ""

    git(root, "checkout", "-q", "-b", "conflict")
    write_files(root, {name: merged.replace(b"line 5", b"conflict theirs")})
    commit_all(root, "theirs", verify=False)
    git(root, "checkout", "-q", main)
    write_files(root, {name: merged.replace(b"line 5", b"conflict ours")})
    commit_all(root, "ours", verify=False)
    result = git(root, "merge", "--no-edit", "conflict", check=False)
    assert result.returncode != 0
    text = (root / name).read_bytes()
    assert b"<<<<<<<" in text and b"conflict ours" in text and b"conflict theirs" in text
    for stage in (1, 2, 3):
        assert looks_encrypted(stored_blob(root, f":{stage}:{name}"))


def test_pre_commit_hook_refuses_plaintext(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    write_files(root, {"notes/C0001/a.md": b"fine\n"})
    head = commit_all(root, "encrypted")
    plain = git(root, "hash-object", "-w", "--no-filters", "--stdin", input=b"leak\n")
    blob = plain.stdout.decode().strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},notes/C0001/leak.md")
    result = git(root, "commit", "-q", "-m", "leak", check=False)
    assert result.returncode != 0
    assert b"notes/C0001/leak.md: would be committed in plaintext" in result.stderr
    assert git_out(root, "rev-parse", "HEAD") == head
    assert chartkeep(root, "status", check=False).returncode == 1  # the index holds plaintext
    git(root, "rm", "-q", "--cached", "notes/C0001/leak.md")

    # A locked clone with the hook: no key, so no note may be committed at all.
    copy = clone(origin[0], tmp_path / "copy")
    chartkeep(copy, "install-hooks")
    write_files(copy, {"notes/C0009/new.md": b"written while locked\n"})
    git(copy, "add", "-A")
    result = git(copy, "commit", "-q", "-m", "locked", check=False)
    assert result.returncode != 0 and b"no encryption key is configured" in result.stderr


def test_status_finds_plaintext_in_history(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    write_files(root, {"notes/C0001/a.md": b"fine\n"})
    commit_all(root, "encrypted")
    clean = chartkeep(root, "status")
    assert clean.stdout == "" and clean.returncode == 0
    plain = git(root, "hash-object", "-w", "--no-filters", "--stdin", input=b"leak\n")
    blob = plain.stdout.decode().strip()
    git(root, "update-index", "--add", "--cacheinfo", f"100644,{blob},notes/C0001/leak.md")
    git(root, "commit", "-q", "--no-verify", "-m", "leak")
    leak_commit = git_out(root, "rev-parse", "HEAD")
    git(root, "rm", "-q", "notes/C0001/leak.md")
    git(root, "commit", "-q", "-m", "remove the leak")
    result = chartkeep(root, "status", check=False)
    assert result.returncode == 1
    assert f"notes/C0001/leak.md: error: stored in plaintext in commit {leak_commit}" in result.stdout
    assert "notes/C0001/a.md" not in result.stdout


def test_export_key_with_passphrase_opens_with_age(origin: tuple[Path, Path, Path], tmp_path: Path) -> None:
    root, default_key, private_key = origin
    sealed = tmp_path / "default.age"
    passphrase = "correct horse battery staple"
    chartkeep(root, "export-key", "--passphrase", str(sealed), CHARTKEEP_PASSPHRASE=passphrase)
    assert sealed.read_bytes().startswith(b"age-encryption.org/v1")
    assert sealed.stat().st_mode & 0o777 == 0o600
    # `age -d` reads the passphrase from a terminal: `script` gives it one.
    opened = tmp_path / "opened.key"
    age = subprocess.run(
        ["script", "-q", "-e", "-c", f"age -d -o {opened} {sealed}", "/dev/null"],
        input=f"{passphrase}\n".encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert age.returncode == 0, age.stdout + age.stderr
    assert opened.read_bytes() == default_key.read_bytes()

    copy = clone(root, tmp_path / "copy")
    wrong = chartkeep(copy, "unlock", str(sealed), check=False, CHARTKEEP_PASSPHRASE="nope")
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    chartkeep(copy, "unlock", str(sealed), str(private_key), CHARTKEEP_PASSPHRASE=passphrase)
    assert_files(copy, FILES)

    inside = chartkeep(root, "export-key", str(root / "key.bin"), check=False)
    assert inside.returncode == 1 and "inside the practice" in inside.stderr
    again = chartkeep(root, "export-key", str(sealed), check=False)
    assert again.returncode == 1 and "already exists" in again.stderr


KILLER = """
import os, signal, sys
from chartkeep.gitcrypt import filter_process as fp
limit, seen, real = int(sys.argv[1]), [0], fp.content_packets
def dying(data):
    seen[0] += 1
    if seen[0] > limit:
        open(sys.argv[2], "w").close()  # proof that it was killed here, not at start
        os.kill(os.getpid(), signal.SIGKILL)
    return real(data)
fp.content_packets = dying
sys.exit(fp.main(None))
"""


def _killing_filter(tmp_path: Path, after: int) -> dict[str, str]:
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "filter.git-crypt.process",
        "GIT_CONFIG_VALUE_0": f"{sys.executable} {script} {after} {tmp_path / 'killed'}",
    }


def _practice_of_notes(tmp_path: Path, count: int) -> tuple[Path, dict[str, bytes]]:
    """A practice at tmp_path/p with `count` committed notes, its key exported to tmp_path/k."""
    root = new_practice(tmp_path / "p")
    notes = {f"notes/C{i:04d}/n.md": f"note {i}\n".encode() for i in range(count)}
    write_files(root, notes)
    commit_all(root, "notes")
    chartkeep(root, "export-key", str(tmp_path / "k"))
    return root, notes


def test_filter_killed_mid_checkout_then_rerun(tmp_path: Path) -> None:
    root, notes = _practice_of_notes(tmp_path, 12)
    copy = clone(root, tmp_path / "copy")
    chartkeep(copy, "unlock", str(tmp_path / "k"))
    # killed during git's own checkout: git fails loudly, and a rerun completes
    shutil.rmtree(copy / "notes")
    failed = git(copy, "checkout", "--", "notes", check=False, **_killing_filter(tmp_path, 4))
    assert failed.returncode != 0 and (tmp_path / "killed").exists()
    written = {str(p.relative_to(copy)): p.read_bytes() for p in (copy / "notes").rglob("*") if p.is_file()}
    assert 0 < len(written) <= 4 and all(notes[name] == data for name, data in written.items())
    (tmp_path / "killed").unlink()
    git(copy, "checkout", "--", "notes")
    assert_files(copy, notes)
    assert git_out(copy, "status", "--porcelain") == ""

    # killed during `git add`: git fails and nothing reaches the index in plaintext
    more = {f"notes/D{i:04d}/n.md": f"more {i}\n".encode() for i in range(8)}
    write_files(copy, more)
    added = git(copy, "add", "-A", check=False, **_killing_filter(tmp_path, 3))
    assert added.returncode != 0 and (tmp_path / "killed").exists()
    for line in git_out(copy, "ls-files", "-s", "notes").splitlines():
        blob = line.split()[1]
        assert looks_encrypted(git(copy, "cat-file", "blob", blob).stdout), line
    commit_all(copy, "more")  # the rerun completes
    assert chartkeep(copy, "status").returncode == 0


def test_unlock_interrupted_then_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A disk that fills up half way through unlock: a clear error, then a rerun completes."""
    from chartkeep import cli
    from chartkeep.gitcrypt import checkout

    root, notes = _practice_of_notes(tmp_path, 12)
    real_write = checkout._write_file
    for options in ((), ("--no-checkout",)):
        copy = clone(root, tmp_path / f"copy{len(options)}", *options)
        written: list[str] = []

        def filling_up(path: str, data: bytes, mode: int, written: list[str] = written) -> os.stat_result:
            if len(written) == 4:
                raise OSError(28, "No space left on device")
            written.append(path)
            return real_write(path, data, mode)

        monkeypatch.setattr(checkout, "_write_file", filling_up)
        assert cli.main(["unlock", "--practice", str(copy), str(tmp_path / "k")]) != 0
        error = capsys.readouterr().err
        assert "No space left on device" in error and "unlock KEYFILE` again" in error
        assert "Traceback" not in error
        monkeypatch.setattr(checkout, "_write_file", real_write)
        chartkeep(copy, "unlock", str(tmp_path / "k"))
        assert_files(copy, notes)
        assert git_out(copy, "status", "--porcelain") == ""


def test_unlock_while_the_index_is_locked_says_what_to_do(tmp_path: Path) -> None:
    root, notes = _practice_of_notes(tmp_path, 3)
    copy = clone(root, tmp_path / "copy")
    (copy / ".git/index.lock").write_bytes(b"")
    result = chartkeep(copy, "unlock", str(tmp_path / "k"), check=False)
    assert result.returncode == 2, result.stderr  # a setup error
    assert "remove .git/index.lock" in result.stderr and "Traceback" not in result.stderr
    (copy / ".git/index.lock").unlink()
    chartkeep(copy, "unlock", str(tmp_path / "k"))
    assert_files(copy, notes)
    assert git_out(copy, "status", "--porcelain") == ""


def test_a_missing_venv_is_explained(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    from chartkeep.gitcrypt.repo import Repo, write_wrapper

    write_wrapper(Repo.open(root), python=str(tmp_path / "gone/bin/python"))
    write_files(root, {"notes/C0001/a.md": b"x\n"})
    result = git(root, "add", "-A", check=False)
    assert result.returncode != 0
    assert b"chartkeep's .venv is gone: run `make setup`" in result.stderr
    write_wrapper(Repo.open(root), python=sys.executable)
    git(root, "add", "-A")


def test_ten_megabytes_through_git_and_git_crypt(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")
    big = {"notes/C0001/scan with spaces.bin": os.urandom(10 * 1024 * 1024)}
    write_files(root, big)
    commit_all(root, "big")
    chartkeep(root, "export-key", str(tmp_path / "k"))
    assert looks_encrypted(stored_blob(root, "HEAD:notes/C0001/scan with spaces.bin"))
    ours = clone(root, tmp_path / "ours", "--no-checkout")
    chartkeep(ours, "unlock", str(tmp_path / "k"))
    assert_files(ours, big)
    theirs = clone(root, tmp_path / "theirs")
    subprocess.run(["git-crypt", "unlock", str(tmp_path / "k")], cwd=theirs, env=git_env(), check=True)
    assert_files(theirs, big)


def test_unlock_never_silently_replaces_an_installed_key(tmp_path: Path) -> None:
    root = new_practice(tmp_path / "p")  # no encrypted file yet: nothing to test a key against
    other = new_practice(tmp_path / "other")
    chartkeep(other, "export-key", str(tmp_path / "other.key"))
    before = (root / ".git/git-crypt/keys/default").read_bytes()
    result = chartkeep(root, "unlock", str(tmp_path / "other.key"), check=False)
    assert result.returncode == 1 and "different default key is already installed" in result.stderr
    assert (root / ".git/git-crypt/keys/default").read_bytes() == before
    assert chartkeep(root, "unlock", "/nonexistent/key", check=False).returncode == 2
