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
