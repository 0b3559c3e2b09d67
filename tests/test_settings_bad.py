"""Broken `chartkeep.toml` values: each is a CK090 problem at its line, never a crash, and the
commands that write a signature or a timestamp refuse while the settings have errors."""

from __future__ import annotations

import re
from contextlib import chdir
from pathlib import Path

import pytest
from chartkeep import cli

from tests.conftest import AS_OF
from tests.gitutil import commit_all, git, scrub_environ
from tests.signing_practice import SETTINGS, make_practice, note_path, note_text

BROKEN_NOTE = "notes/C0001/2026-02-26-soap.md"


def check(practice: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`chartkeep check` in the practice: exit code and everything printed."""
    with chdir(practice):
        code = cli.main(["check", "--as-of", AS_OF])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def settings_error(output: str, key: str) -> str:
    """The one CK090 line about `key`, which names the file and the line."""
    found = [line for line in output.splitlines() if "CK090" in line and key in line]
    assert len(found) == 1, output
    assert re.match(r"chartkeep\.toml:\d+: error CK090: ", found[0]), found[0]
    return found[0]


def replace_line(practice: Path, old: str, new: str) -> None:
    path = practice / "chartkeep.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def append(practice: Path, text: str) -> None:
    path = practice / "chartkeep.toml"
    path.write_text(path.read_text() + text)


# -- check ----------------------------------------------------------------------------------------


def test_disable_as_a_string_is_a_settings_error_and_disables_nothing(practice: Path, capsys) -> None:
    note = practice / BROKEN_NOTE
    note.write_text(note.read_text().replace('service: "90837"\n', ""))
    append(practice, '\n[checks]\ndisable = "CK702"\n')
    code, output = check(practice, capsys)
    assert code == 1
    line = settings_error(output, "disable")
    assert line.startswith("chartkeep.toml:26:") and 'write disable = ["CK702"]' in line
    assert f"{BROKEN_NOTE}:2: error CK101: 'service' is required" in output


@pytest.mark.parametrize(
    ("old", "new", "key", "line", "says"),
    [
        ('timezone = "America/Chicago"', 'timezone = "Mars/Olympus"', "timezone", 3,
         ["'Mars/Olympus'", '"America/Chicago"']),
        (None, '\n[billing.codes]\n90834 = "x"\n', "90834", 26, ["[billing.codes.90834]"]),
        *[("note_deadline_hours = 72", f"note_deadline_hours = {hours}", "note_deadline_hours", 4,
           ["from 1 to 8760"]) for hours in ("99999999999999999", "-5", "0")],
        ('name = "Maya Okafor"', "name = 5", "name = 5", 7, ["[clinicians.mo]", 'name = "']),
        ('supervisor = "mo"', 'supervisor = "lee"', "supervisor", 15, ["[clinicians.lee]", "themself"]),
    ],
)
def test_a_wrong_setting_is_a_ck090_error_at_its_line(  # type: ignore[no-untyped-def]
    practice: Path, capsys, old: str | None, new: str, key: str, line: int, says: list[str]
) -> None:
    if old is None:
        append(practice, new)
    else:
        replace_line(practice, old, new)
    code, output = check(practice, capsys)
    assert code == 1
    found = settings_error(output, key)
    assert found.startswith(f"chartkeep.toml:{line}:"), found
    for words in says:
        assert words in found, (words, found)


def test_audit_survives_a_huge_deadline(practice: Path, capsys) -> None:
    replace_line(practice, "note_deadline_hours = 72", "note_deadline_hours = 99999999999999999")
    cli.main(["audit", "--practice", str(practice), "--as-of", AS_OF])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "note_deadline_hours" in out




# -- commands that write a signature or a timestamp ------------------------------------------------


@pytest.fixture
def signing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git practice (UTC) with a note from ten days ago, and one by the supervised asmith."""
    scrub_environ(monkeypatch)
    root = make_practice(tmp_path / "practice", notes=(10,))
    (root / note_path(2)).write_text(note_text(2, clinician="asmith"))
    commit_all(root, "asmith's draft")
    monkeypatch.chdir(root)
    return root


def refused(argv: list[str], root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run a writing command that must refuse: exit 1, the note and git history unchanged."""
    note = root / argv[1]
    before = note.read_text()
    head = git(root, "rev-parse", "HEAD").stdout
    assert cli.main(argv) == 1
    assert note.read_text() == before and git(root, "rev-parse", "HEAD").stdout == head
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('timezone = "UTC"', 'timezone = "Mars/Olympus"', 'chartkeep.toml:2: error CK090: timezone'),
        ('timezone = "UTC"', "timezone = 5", "chartkeep.toml:2: error CK090: timezone = 5"),
        ('name = "Jane Doe"', "name = 5", "chartkeep.toml:6: error CK090: [clinicians.jdoe] name = 5"),
        ("note_deadline_hours = 72", "note_deadline_hours = 99999999999999999", "from 1 to 8760"),
    ],
)
def test_sign_refuses_while_settings_have_errors(signing: Path, capsys, old: str, new: str, expected: str) -> None:
    replace_line(signing, old, new)
    err = refused(["sign", note_path(10)], signing, capsys)
    assert "chartkeep.toml has errors" in err and expected in err


@pytest.mark.parametrize("command", ["addendum", "attest", "cosign", "sign-addendum"])
def test_timestamping_commands_refuse_while_settings_have_errors(signing: Path, capsys, command: str) -> None:
    assert cli.main(["sign", note_path(10)]) == 0  # late: an attestation may follow
    assert cli.main(["sign", note_path(2)]) == 0  # by asmith: jdoe co-signs
    if command == "sign-addendum":
        assert cli.main(["addendum", note_path(10)]) == 0
        with (signing / note_path(10)).open("a") as note:
            note.write("Corrected the PHQ-9 total.\n")
        commit_all(signing, "addendum written")
    capsys.readouterr()
    replace_line(signing, 'timezone = "UTC"', 'timezone = "Mars/Olympus"')
    argv = {
        "addendum": ["addendum", note_path(10)],
        "attest": ["attest", note_path(10), "--as", "jdoe", "--reason", "power outage"],
        "cosign": ["cosign", note_path(2), "--as", "jdoe"],
        "sign-addendum": ["sign", note_path(10)],
    }[command]
    err = refused(argv, signing, capsys)
    assert "chartkeep.toml has errors" in err and "Mars/Olympus" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "chartkeep.toml: error CK090: the file sets nothing"),
        ("# only a comment\n", "chartkeep.toml: error CK090: the file sets nothing"),
        (SETTINGS.format(jdoe_extra="").replace('name = "Jane Doe"', "name = Jane"),
         "chartkeep.toml:6: error CK090: not valid TOML"),
    ],
)
def test_sign_shows_why_the_settings_cannot_be_read(signing: Path, capsys, text: str, expected: str) -> None:
    (signing / "chartkeep.toml").write_text(text)
    err = refused(["sign", note_path(10)], signing, capsys)
    assert expected in err and "is not a clinician" not in err
