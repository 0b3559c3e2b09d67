"""Privacy bugs kept as regression cases: autosave naming a folder that is not a client code,
accented names slipping past CK601/CK602, client codes that escape the practice, and a group id
that is a client's name. A client's name must never reach a path, a commit, a log line or an
error message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chartkeep import cli, watch

from tests.conftest import AS_OF
from tests.gitutil import commit_all, git_out, init_repo

NOTE = """---
record: note
type: soap
client: {code}
date: 2026-03-09
start: "10:00"
end: "10:45"
service: "90834"
pos: "11"
modality: in-person
diagnoses: [F33.1]
goals: [G1]
risk: {{suicidal: denied, homicidal: denied}}
clinician: mo
---

## Subjective
{text}

## Objective
Casually dressed; affect congruent.

## Assessment
Sleep improving (G1).

## Plan
Continue the sleep diary.
"""


def set_name(practice: Path, code: str, name: str) -> None:
    sheet = practice / "notes" / code / "client.md"
    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    sheet.write_text("".join(f"name: {name}\n" if line.startswith("name:") else line for line in lines),
                     encoding="utf-8")


def set_setting(practice: Path, line: str) -> None:
    settings = practice / "chartkeep.toml"
    settings.write_text(f"{line}\n" + settings.read_text(encoding="utf-8"), encoding="utf-8")


def privacy_problems(practice: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    cli.main(["check", "--practice", str(practice), "--format", "json", "--as-of", AS_OF])
    found = json.loads(capsys.readouterr().out or "[]")
    return [p for p in found if str(p["code"]).startswith("CK60")]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# --- 1. autosave names client codes only ------------------------------------------------------


def test_autosave_leaves_a_folder_named_for_a_client_out(practice: Path) -> None:
    init_repo(practice)
    commit_all(practice)
    stray = practice / "notes" / "Rafferty Greenhalgh" / "2026-03-09-soap.md"
    stray.parent.mkdir()
    stray.write_text(NOTE.format(code="C0001", text="Slept well."), encoding="utf-8")
    (practice / "notes" / "C0001" / "2026-03-09-soap.md").write_text(
        NOTE.format(code="C0001", text="Slept well."), encoding="utf-8")

    saved = watch.autosave(practice)

    assert saved.message == "autosave: C0001"
    assert saved.held == ("notes/Rafferty Greenhalgh/2026-03-09-soap.md",)
    notice = watch.held_notice(len(saved.held))
    assert "1 note outside a client folder" in notice and "Rafferty" not in notice
    assert git_out(practice, "log", "-1", "--format=%s") == "autosave: C0001"
    assert "Rafferty" not in git_out(practice, "log", "--name-only", "--format=%s")
    assert "Rafferty" in git_out(practice, "status", "--porcelain", "--untracked-files=all")


def test_autosave_commits_nothing_when_only_strays_changed(practice: Path) -> None:
    init_repo(practice)
    commit_all(practice)
    head = git_out(practice, "rev-parse", "HEAD")
    named = practice / "notes" / "C0001" / "appleseed-2026-03-09-soap.md"  # a name in the file name
    named.write_text(NOTE.format(code="C0001", text="Slept well."), encoding="utf-8")
    saved = watch.autosave(practice)
    assert saved.message is None and len(saved.held) == 1
    assert git_out(practice, "rev-parse", "HEAD") == head


def test_autosave_message_names_only_client_codes() -> None:
    paths = ["notes/Rafferty Greenhalgh/2026-03-09-soap.md", "notes/C0001/2026-03-09-soap.md"]
    assert watch.autosave_message(paths) == "autosave: C0001"
    assert "Rafferty" not in watch.autosave_message(paths[:1])


# --- 2. names with accents --------------------------------------------------------------------


@pytest.mark.parametrize("written", ["José Müller", "JOSÉ MÜLLER", "Jose Muller",
                                     "Jose\u0301 Mu\u0308ller", "Met José Müller"])
def test_an_accented_name_in_another_clients_note_is_ck601(
    practice: Path, capsys: pytest.CaptureFixture[str], written: str
) -> None:
    set_name(practice, "C0001", "José Müller")
    note = practice / "notes" / "C0002" / "2026-03-09-soap.md"
    note.write_text(NOTE.format(code="C0002", text=f"Spoke about {written} at work."), encoding="utf-8")
    found = [p for p in privacy_problems(practice, capsys) if p["path"].endswith("C0002/2026-03-09-soap.md")]
    assert [p["code"] for p in found] == ["CK601"]
    assert "C0001" in found[0]["message"] and "Müller" not in found[0]["message"]


def test_a_name_in_another_script_is_ck601(practice: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_name(practice, "C0001", "Иван Петров")
    note = practice / "notes" / "C0002" / "2026-03-09-soap.md"
    note.write_text(NOTE.format(code="C0002", text="Spoke about Иван Петров at work."), encoding="utf-8")
    codes = [p["code"] for p in privacy_problems(practice, capsys) if "2026-03-09" in str(p["path"])]
    assert codes == ["CK601"]


@pytest.mark.parametrize("file_name", ["müller-2026-03-09-soap.md", "MÜLLER-2026-03-09-soap.md",
                                       "muller-2026-03-09-soap.md", "mu\u0308ller-2026-03-09-soap.md"])
def test_an_accented_name_in_a_path_is_ck602(
    practice: Path, capsys: pytest.CaptureFixture[str], file_name: str
) -> None:
    set_name(practice, "C0001", "José Müller")
    (practice / "notes" / "C0001" / file_name).write_text(
        NOTE.format(code="C0001", text="Slept well."), encoding="utf-8")
    found = [p for p in privacy_problems(practice, capsys) if p["code"] == "CK602"]
    assert len(found) == 1 and str(found[0]["path"]).endswith(file_name)


# --- 3. a client code is one safe path component ----------------------------------------------


@pytest.mark.parametrize("code", ["../../escape", "..", ".", ".hidden", "a/b", "a\\b", "", "C\x01", "groups"])
def test_new_client_refuses_a_code_that_is_not_one_folder_name(
    practice: Path, capsys: pytest.CaptureFixture[str], code: str
) -> None:
    set_setting(practice, 'client_code_pattern = ".*"')
    before = sorted(p for p in practice.parent.rglob("*"))
    status, _, err = run(["new-client", "--practice", str(practice), "--code", code, "--name", "Ann Lee",
                          "--no-edit"], capsys)
    assert status == 2
    assert "--code" in err and "Traceback" not in err and "Ann Lee" not in err
    assert sorted(p for p in practice.parent.rglob("*")) == before


def test_new_note_refuses_a_client_that_is_not_one_folder_name(
    practice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_setting(practice, 'client_code_pattern = ".*"')
    status, _, err = run(["new-note", "--practice", str(practice), "../C0001", "soap", "--no-edit"], capsys)
    assert status == 2 and "is not a client code" in err


def test_new_client_refuses_a_code_holding_a_name(practice: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_setting(practice, 'client_code_pattern = ".*"')
    status, _, err = run(["new-client", "--practice", str(practice), "--code", "greenhalgh",
                          "--name", "Rafferty Greenhalgh", "--no-edit"], capsys)
    assert status == 2 and "contains a client's name" in err and "Greenhalgh" not in err
    assert not (practice / "notes" / "greenhalgh").exists()


# --- 4. a group id that is a client's name ----------------------------------------------------


@pytest.mark.parametrize("group", ["rafferty-greenhalgh", "greenhalgh-tuesday", "jose-muller"])
def test_new_group_note_refuses_a_group_named_for_a_client(
    practice: Path, capsys: pytest.CaptureFixture[str], group: str
) -> None:
    set_name(practice, "C0001", "Rafferty Greenhalgh")
    set_name(practice, "C0004", "José Müller")
    status, _, err = run(["new-group-note", "--practice", str(practice), "--group", group,
                          "--clients", "C0002", "--date", "2026-03-09", "--no-edit"], capsys)
    assert status == 2
    assert "contains a client's name" in err and "Traceback" not in err
    assert "Greenhalgh" not in err and "greenhalgh" not in err and "muller" not in err
    assert not (practice / "notes" / "groups" / group).exists()


def test_new_group_note_refuses_an_accented_name_in_the_theme(
    practice: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_name(practice, "C0002", "José Müller")
    status, _, err = run(["new-group-note", "--practice", str(practice), "--group", "tuesday-anxiety",
                          "--clients", "C0002", "--date", "2026-03-09", "--theme", "Jose Muller's worry",
                          "--no-edit"], capsys)
    assert status == 2 and "--theme names a member" in err
