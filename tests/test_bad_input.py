"""Bad input found in review: each gets a clear error (exit 2) naming what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def chartkeep(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "chartkeep", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})})


@pytest.fixture
def repo(practice: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(practice)], check=True)
    subprocess.run(["git", "-C", str(practice), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(practice), "commit", "-qm", "practice"], check=True)
    return practice


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("sign", "notes/C0001/2026-04-01-soap.md"), "Is a directory"),
        (("addendum", "notes/C0001/2026-04-01-soap.md"), "Is a directory"),
        (("new-group-note", "--group", "grp", "--clients", ",", "--date", "2026-01-01"), "members present"),
        (("check", "--select", "ZZZ"), "matches no check"),
        (("check", "--checks", "nope"), "use one of all, basic"),
        (("check", "notes"), "is a directory"),
        (("history", "notes/C0001/nope.md"), "no such note"),
    ],
)
def test_clear_usage_errors(repo: Path, args: tuple[str, ...], says: str) -> None:
    (repo / "notes/C0001/2026-04-01-soap.md").mkdir()
    result = chartkeep(repo, *args)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_init_on_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("x")
    result = chartkeep(tmp_path, "init", str(target))
    assert result.returncode == 2 and "is a file" in result.stderr


def test_empty_passphrase_from_the_environment_is_refused(tmp_path: Path) -> None:
    practice = tmp_path / "p"
    assert chartkeep(tmp_path, "init", str(practice)).returncode == 0
    result = chartkeep(practice, "export-key", "--passphrase", str(tmp_path / "backup.age"),
                       env={"CHARTKEEP_PASSPHRASE": ""})
    assert result.returncode == 2 and "empty passphrase" in result.stderr
    assert not (tmp_path / "backup.age").exists()


def test_a_date_at_the_end_of_the_calendar_is_a_problem_not_a_crash(practice: Path) -> None:
    """9999-12-31 plus a signing deadline overflowed Python's datetime."""
    note = sorted((practice / "notes/C0001").glob("20*-soap.md"))[0]
    text = note.read_text()
    day = text.split("\ndate: ", 1)[1].split("\n", 1)[0]
    note.write_text(text.replace(f"\ndate: {day}\n", "\ndate: 9999-12-31\n", 1))
    result = chartkeep(practice, "check", "--as-of", "2026-03-10T12:00")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "'9999-12-31': the year must be 1900–2199" in result.stdout


def test_key_backup_to_a_stick_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FAT and exFAT (most USB sticks) have no hard links and refuse chmod: the backup is still
    written whole, once, and never over an existing file."""
    import errno
    import os

    from chartkeep import cli
    from chartkeep.gitcrypt.keyfile import parse

    practice = tmp_path / "practice"
    assert cli.main(["init", str(practice)]) == 0
    stick = tmp_path / "stick"
    stick.mkdir()

    def no_links(*_: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "chmod", no_links)
    backup = stick / "practice.key"
    assert cli.main(["export-key", "--practice", str(practice), str(backup)]) == 0
    assert parse(backup.read_bytes()).latest == parse((practice / ".git/git-crypt/keys/default").read_bytes()).latest
    assert backup.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in stick.iterdir()) == ["practice.key"]  # no temp file left
    first = backup.read_bytes()
    assert cli.main(["export-key", "--practice", str(practice), "--name", "private", str(backup)]) != 0
    assert backup.read_bytes() == first
    from chartkeep.layout import atomic_write

    with pytest.raises(FileExistsError):  # a race past that check still never replaces it
        atomic_write(backup, b"another key", exclusive=True)
    assert backup.read_bytes() == first
    assert sorted(p.name for p in stick.iterdir()) == ["practice.key"]


def test_pipes_and_link_loops_in_the_practice_are_named_not_waited_on(repo: Path) -> None:
    """A named pipe would block a reader forever; a link loop raised RuntimeError."""
    import os

    folder = repo / "notes/C0001"
    os.mkfifo(folder / "2026-04-20-soap.md")
    (folder / "loop.md").symlink_to("loop.md")
    for args in (("check",), ("audit",), ("build", "--site-dir", str(repo.parent / "site"))):
        result = subprocess.run(
            [sys.executable, "-m", "chartkeep", *args], cwd=repo, capture_output=True, text=True, timeout=120
        )
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, args
        if args[0] != "build":
            out = result.stdout + result.stderr
            assert "2026-04-20-soap.md" in out and "not a regular file" in out, args
            assert "loop.md" in out and "symbolic links" in out, args
    pipe = chartkeep(repo, "check", "notes/C0001/2026-04-20-soap.md")
    assert pipe.returncode == 2 and "not a regular file" in pipe.stderr
    for command in ("check", "sign", "history"):
        loop = chartkeep(repo, command, "notes/C0001/loop.md")
        assert loop.returncode == 2 and "points to itself" in loop.stderr, command


def test_the_system_refusing_is_explained(repo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    built = chartkeep(repo, "build", "--site-dir", str(blocker / "site"))
    assert built.returncode == 2 and "Not a directory" in built.stderr and "run the command again" in built.stderr
    assert "Traceback" not in built.stderr and "internal error" not in built.stderr
    again = chartkeep(tmp_path, "demo-data", "--notes", "5", str(repo))
    assert again.returncode == 2 and "not empty" in again.stderr and "internal error" not in again.stderr
    assert chartkeep(tmp_path, "demo-data", "--notes", "-5", str(tmp_path / "new")).returncode == 2


def test_a_number_too_long_for_python_is_a_type_problem(repo: Path) -> None:
    note = repo / "notes/C0001/2026-02-26-soap.md"
    text = note.read_text()
    note.write_text(text.replace("---\n", "---\nsession: " + "9" * 5000 + "\n", 1))
    result = chartkeep(repo, "check", "notes/C0001/2026-02-26-soap.md")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "CK103" in result.stdout or "CK009" in result.stdout


def test_a_file_name_that_is_not_utf8(repo: Path) -> None:
    import os
    import shutil

    folder = repo / "notes/C0001"
    odd = os.path.join(os.fsencode(folder), b"2026-03-01-soap\xff.md")
    shutil.copyfile(folder / "2026-02-26-soap.md", odd)
    checked = subprocess.run([sys.executable, "-m", "chartkeep", "check"], cwd=repo, capture_output=True)
    assert b"2026-03-01-soap\xff.md" in checked.stdout and b"rename it to" in checked.stdout
    assert b"Traceback" not in checked.stderr
    built = chartkeep(repo, "build", "--site-dir", str(repo.parent / "site"))
    assert built.returncode == 2 and "not UTF-8 text" in built.stderr and "internal error" not in built.stderr


@pytest.mark.parametrize("kind", ["empty", "folder", "latin-1", "loop", "broken yaml"])
def test_a_broken_practice_template_writes_no_note(repo: Path, kind: str) -> None:
    import os

    template = repo / "templates/soap.md"
    template.parent.mkdir(exist_ok=True)
    template.unlink(missing_ok=True)
    if kind == "empty":
        template.write_text("")
    elif kind == "folder":
        template.mkdir()
    elif kind == "latin-1":
        template.write_bytes("---\ntemplate: soap@1\nrecord: note\n---\n\n## Subjective\ncaf\xe9\n".encode("latin-1"))
    elif kind == "loop":
        os.symlink("soap.md", template)
    else:
        template.write_text("---\ntemplate: soap@1\nrecord: note\nrisk: [unclosed\n---\n\n## Subjective\n")
    before = sorted(p.name for p in (repo / "notes/C0001").iterdir())
    result = chartkeep(repo, "new-note", "C0001", "soap", "--date", "2026-04-20", "--no-edit")
    assert result.returncode == 2 and "templates/soap.md cannot be used" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert sorted(p.name for p in (repo / "notes/C0001").iterdir()) == before


def test_small_usage_mistakes_are_explained(repo: Path) -> None:
    note = repo / "notes/C0001/2026-02-26-soap.md"
    note.write_text(note.read_text().replace("---\n", "---\nsession: -1\n", 1))
    checked = chartkeep(repo, "check", "notes/C0001/2026-02-26-soap.md")
    assert "session = -1 is out of range: it is at least 1" in checked.stdout, checked.stdout
    far = chartkeep(repo, "new-note", "C0001", "soap", "--date", "9999-12-31", "--no-edit")
    assert far.returncode == 2 and "between 1900 and 2199" in far.stderr
    ghost = chartkeep(repo, "new-group-note", "--group", "tue", "--clients", "C0001", "--clinician", "ghost",
                      "--no-edit")
    assert ghost.returncode == 2 and "'ghost' is not in chartkeep.toml" in ghost.stderr
    assert not (repo / "notes/groups/tue").exists()
    never = chartkeep(repo, "watch", "--autosave", "-1")
    assert never.returncode == 2 and "more than 0" in never.stderr
