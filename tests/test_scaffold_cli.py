"""End to end: `new-note`, `new-client` and `new-group-note` in a real practice directory, with a
fake `$EDITOR` standing in for the clinician (CHARTKEEP_EDIT=1 forces the editor without a tty)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from chartkeep.reader import read_record

from tests.test_scaffold import CLIENTS, EMDR, TODAY, error_lines, make_practice, run_ck

FAKE_EDITOR = """\
#!{python}
# Stands in for the clinician: answers the risk questions, scores the measures, writes every
# section (except those named in FAKE_SKIP), and leaves a marker that it ran.
import os, re, sys
skip = set(filter(None, os.environ.get("FAKE_SKIP", "").split(",")))
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^(  (?:suicidal|homicidal):)[ \\t]*(#.*)?$", r"\\1 denied", text, flags=re.M)
    text = re.sub(r"\\{{total: , item9: \\}}", "{{total: 7, item9: 0}}", text)
    text = re.sub(r"\\{{total: \\}}", "{{total: 5}}", text)
    text = re.sub(r'^start:[ \\t]*(#.*)?$', 'start: "10:00"', text, flags=re.M)
    text = re.sub(r'^end:[ \\t]*(#.*)?$', 'end: "10:45"', text, flags=re.M)
    def write(match):
        if match[1] in skip:
            return match[0]
        return match[0] + "\\nThe client practised the skill twice and described the result."
    text = re.sub(r"^## (.+)$", write, text, flags=re.M)
    open(path, "w", encoding="utf-8").write(text)
open(os.environ["FAKE_MARKER"], "a").write(" ".join(sys.argv[1:]) + "\\n")
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_practice(tmp_path / "practice")


@pytest.fixture
def editor(tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "fake-editor"
    script.write_text(FAKE_EDITOR.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    return {"EDITOR": str(script), "VISUAL": "", "CHARTKEEP_EDIT": "1",
            "FAKE_MARKER": str(tmp_path / "editor-ran")}


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def outside_comments(text: str) -> str:
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)


def test_new_note_prefills_opens_the_editor_and_checks(root: Path, editor: dict[str, str]) -> None:
    result = run_ck(root, "new-note", "C0001", "soap", "--start", "10:00", "--end", "10:45", **editor)
    assert result.returncode == 0, result.stderr
    rel = f"notes/C0001/{TODAY}-soap.md"
    assert lines(result.stdout)[0] == rel
    assert error_lines(result.stdout) == [], result.stdout  # the editor filled everything
    assert Path(editor["FAKE_MARKER"]).read_text().strip() == str(root / rel)
    text = (root / rel).read_text(encoding="utf-8")
    for expected in ("client: C0001", "clinician: jdoe", "diagnoses: [F33.0]", "goals: [G1, G2]",
                     'service: "90834"', "modality: video", 'pos: "10"', 'modifiers: ["95"]',
                     'client_location: "home, Springfield IL"', "session: 4", "template: soap@1",
                     "phq9: {total: 7, item9: 0}", 'start: "10:00"'):
        assert expected in text, expected
    assert "reviewed" not in text
    # the last plan is shown to review, never copied into the note's text
    assert "Keep a sleep diary every morning" in text
    assert "Keep a sleep diary" not in outside_comments(text)


def test_problems_left_after_editing_are_printed_and_exit_is_0(root: Path, editor: dict[str, str]) -> None:
    result = run_ck(root, "new-note", "C0001", "dap", **editor, FAKE_SKIP="Plan")
    assert result.returncode == 0
    rel = f"notes/C0001/{TODAY}-dap.md"
    errors = error_lines(result.stdout)
    assert len(errors) == 1 and errors[0].startswith(f"{rel}:") and "CK402" in errors[0]
    assert "'## Plan' is empty" in errors[0]


def test_without_a_terminal_the_editor_is_not_opened(root: Path, editor: dict[str, str]) -> None:
    env = {**editor, "CHARTKEEP_EDIT": ""}
    result = run_ck(root, "new-note", "C0001", "soap", **env)
    assert result.returncode == 0 and lines(result.stdout) == [f"notes/C0001/{TODAY}-soap.md"]
    result = run_ck(root, "new-note", "C0001", "girp", "--no-edit", **editor)
    assert result.returncode == 0 and lines(result.stdout) == [f"notes/C0001/{TODAY}-girp.md"]
    assert not Path(editor["FAKE_MARKER"]).exists()


def test_never_overwrites(root: Path) -> None:
    first = root / "notes" / "C0001" / f"{TODAY}-soap.md"
    assert run_ck(root, "new-note", "C0001", "soap", "--no-edit").returncode == 0
    first.write_text(first.read_text() + "\nwritten by the clinician\n", encoding="utf-8")
    before = first.read_bytes()
    second = run_ck(root, "new-note", "C0001", "soap", "--no-edit")
    third = run_ck(root, "new-note", "C0001", "soap", "--no-edit")
    assert lines(second.stdout) == [f"notes/C0001/{TODAY}-soap-2.md"]
    assert lines(third.stdout) == [f"notes/C0001/{TODAY}-soap-3.md"]
    assert first.read_bytes() == before
    leftovers = [p.name for p in first.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["C0099", "soap"], "chartkeep new-client"),
        (["C0002", "soap"], "discharged"),
        (["bob", "soap"], "not a client code"),
        (["C0001", "poetry"], "no template 'poetry'"),
        (["C0001", "client"], "chartkeep new-client"),
        (["C0001", "soap", "--date", str(TODAY + dt.timedelta(days=1))], "in the future"),
        (["C0001", "soap", "--date", "2026-02-30"], "not a date"),
        (["C0001", "soap", "--start", "7:05pm"], "not a time"),
        (["C0001", "soap", "--start", "19:00", "--end", "7:50"], "not after --start"),
    ],
)
def test_clear_errors(root: Path, args: list[str], message: str) -> None:
    result = run_ck(root, "new-note", *args)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not list((root / "notes").glob(f"*/{TODAY}-*.md"))


def test_no_terminal_and_missing_arguments_lists_the_choices(root: Path) -> None:
    result = run_ck(root, "new-note")
    assert result.returncode == 2
    assert "C0001, C0003, C0004" in result.stderr  # the active caseload; C0002 is discharged
    assert "C0002" not in result.stderr
    assert "soap" in result.stderr and "psychotherapy" in result.stderr
    assert "group-session" not in result.stderr
    for name in CLIENTS.values():
        assert name not in result.stderr and name.split()[0] not in result.stderr
    only_type = run_ck(root, "new-note", "C0001")
    assert only_type.returncode == 2 and "types: " in only_type.stderr


def test_plan_and_psychotherapy_notes_go_to_their_places(root: Path) -> None:
    plan = run_ck(root, "new-note", "C0001", "plan", "--no-edit")
    assert lines(plan.stdout) == [f"notes/C0001/plan-{TODAY}.md"]
    raw = read_record("plan.md", (root / f"notes/C0001/plan-{TODAY}.md").read_bytes())
    assert raw.problems == [] and raw.meta["record"] == "plan"
    assert set(raw.meta["goals"]) == {"G1", "G2"} and raw.meta["session_minutes"] == 45
    private = run_ck(root, "new-note", "C0001", "psychotherapy", "--no-edit")
    rel = f"private/C0001/{TODAY}.md"
    assert lines(private.stdout) == [rel]
    raw = read_record(rel, (root / rel).read_bytes())
    assert set(raw.meta) == {"record", "client", "date", "clinician", "template"}
    check = run_ck(root, "check", rel)
    assert "CK411" not in check.stdout


def test_custom_template_end_to_end(root: Path, editor: dict[str, str]) -> None:
    (root / "templates").mkdir()
    (root / "templates" / "emdr.md").write_text(EMDR, encoding="utf-8")
    listed = run_ck(root, "new-note", "C0001")
    assert "emdr" in listed.stderr
    result = run_ck(root, "new-note", "C0001", "emdr", "--start", "09:00", "--end", "09:53",
                    **editor, FAKE_SKIP="Closure")
    rel = f"notes/C0001/{TODAY}-emdr.md"
    assert result.returncode == 0 and lines(result.stdout)[0] == rel
    errors = error_lines(result.stdout)
    assert len(errors) == 1 and "'## Closure' is empty" in errors[0], result.stdout
    text = (root / rel).read_text(encoding="utf-8")
    assert "type: emdr" in text and "template: emdr@1" in text and 'service: "90837"' in text
    assert "required_sections" not in text and "reviewed" not in text
    (root / rel).write_text(text.replace("## Closure", "## Closure\nContainer exercise; calm."))
    check = run_ck(root, "check", rel)
    assert error_lines(check.stdout) == [], check.stdout


def test_new_client_assigns_the_next_code_and_keeps_the_name_in_the_face_sheet(root: Path) -> None:
    name = "Zelda Quartermaine"
    result = run_ck(root, "new-client", "--name", name, "--dob", "1990-04-02", "--payer",
                    "bluecross", "--pronouns", "she/her", "--diagnoses", "F41.1, F33.0")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == ["notes/C0005/client.md"]
    assert name not in result.stdout + result.stderr and "Zelda" not in result.stdout
    raw = read_record("client.md", (root / "notes/C0005/client.md").read_bytes())
    assert raw.problems == []
    assert raw.meta["name"] == name and raw.meta["diagnoses"] == ["F41.1", "F33.0"]
    assert raw.meta["clinician"] == "jdoe" and raw.meta["status"] == "active"
    assert str(raw.meta["template"]).startswith("client@")  # face sheets name their template
    assert error_lines(run_ck(root, "check", "notes/C0005/client.md").stdout) == []
    again = run_ck(root, "new-client", "--name", "Another Person", "--dob", "1970-01-01")
    assert lines(again.stdout) == ["notes/C0006/client.md"]
    future = run_ck(root, "new-client", "--name", "X Y", "--dob", str(TODAY + dt.timedelta(days=2)))
    assert future.returncode == 2 and "future" in future.stderr
    assert not (root / "notes" / "C0007").exists()
    taken = run_ck(root, "new-client", "--code", "C0001")
    assert taken.returncode == 2 and "already exists" in taken.stderr


def test_group_note_writes_the_record_and_private_member_notes(root: Path, editor: dict[str, str]) -> None:
    members = ["C0001", "C0003", "C0004"]
    result = run_ck(
        root, "new-group-note", "--group", "tuesday-anxiety", "--clients", ",".join(members),
        "--start", "18:00", "--end", "19:30", "--theme", "Coping with anticipatory anxiety.",
        "--interventions", "Thought records and paced breathing.", **editor,
    )
    assert result.returncode == 0, result.stderr
    record = f"notes/groups/tuesday-anxiety/{TODAY}-group.md"
    notes = [f"notes/{code}/{TODAY}-group.md" for code in members]
    assert lines(result.stdout)[:4] == [record, *notes]
    assert error_lines(result.stdout) == [], result.stdout
    shared = read_record(record, (root / record).read_bytes())
    assert shared.meta["members"] == members and shared.meta["service"] == "90853"
    for code, rel in zip(members, notes, strict=True):
        text = (root / rel).read_text(encoding="utf-8")
        raw = read_record(rel, text.encode())
        assert raw.meta["type"] == "group" and raw.meta["group"] == "tuesday-anxiety"
        assert raw.meta["client"] == code and raw.meta["service"] == "90853"
        assert raw.meta["start"] == "18:00" and raw.meta["end"] == "19:30"
        assert "Coping with anticipatory anxiety." in text
        assert raw.section("Notes") is not None
        for other, name in CLIENTS.items():
            if other != code:
                assert other not in text and name not in text and name.split()[-1] not in text


def test_group_note_is_all_or_nothing(root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A disk that fills up at the third record: none of the session's records is left, so a
    rerun writes them under their own names, not beside a half-written session as -2 copies."""
    import errno

    from chartkeep import cli
    from chartkeep.commands import scaffold as commands

    real, calls = commands.write_new, []

    def filling_up(root_: Path, first: str, text: str) -> str:
        calls.append(first)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(root_ / first))
        return real(root_, first, text)

    monkeypatch.setattr(commands, "write_new", filling_up)
    monkeypatch.chdir(root)
    args = ["new-group-note", "--group", "tue", "--clients", "C0001,C0003,C0004", "--no-edit"]
    assert cli.main(args) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not (root / "notes/groups/tue").exists() or not any((root / "notes/groups/tue").iterdir())
    assert not list(root.glob(f"notes/*/{TODAY}-group*.md"))
    monkeypatch.setattr(commands, "write_new", real)
    assert cli.main(args) == 0
    assert sorted(p.name for p in root.glob(f"notes/*/{TODAY}-group*.md")) == [f"{TODAY}-group.md"] * 3


def test_group_note_refuses_a_member_in_the_shared_text(root: Path) -> None:
    result = run_ck(root, "new-group-note", "--group", "tue", "--clients", "C0001,C0003",
                    "--theme", "Mary Major shared her story", "--no-edit")
    assert result.returncode == 2 and "names a member" in result.stderr
    assert "Mary" not in result.stderr
    assert not (root / "notes" / "groups").exists()
    for bad in ("Tuesday Group", "c0001-group", "../x"):
        refused = run_ck(root, "new-group-note", "--group", bad, "--clients", "C0001", "--no-edit")
        assert refused.returncode == 2, bad
    missing = run_ck(root, "new-group-note", "--group", "tue")
    assert missing.returncode == 2 and "--clients" in missing.stderr


def on_a_terminal(root: Path, args: list[str], answers: list[tuple[bytes, bytes]],
                  env: dict[str, str]) -> tuple[int, str]:
    """Run chartkeep with a pseudo-terminal as stdin and stdout, answering each prompt as it
    appears; its exit status and everything it printed."""
    import os
    import pty
    import select
    import subprocess
    import time

    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "chartkeep", *args], cwd=root,
                               stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    output = b""
    answers = list(answers)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if answers and answers[0][0] in output:
                os.write(master, answers.pop(0)[1])
        elif process.poll() is not None:
            break
    process.wait(timeout=10)
    os.close(master)
    return process.returncode, output.decode()


def test_on_a_terminal_it_asks_for_what_is_missing(root: Path, editor: dict[str, str]) -> None:
    """stdin and stdout a terminal: choose the client from the caseload and the type, then the
    editor opens without CHARTKEEP_EDIT."""
    from tests.gitutil import git_env

    env = git_env(**{**editor, "CHARTKEEP_EDIT": ""})
    answers = [(b"Client (number or name): ", b"3\n"), (b"Note type (number or name): ", b"birp\n")]
    returncode, text = on_a_terminal(root, ["new-note"], answers, env)
    assert returncode == 0, text
    assert "C0004" in text and "C0002" not in text and "Johnny" not in text
    assert f"notes/C0004/{TODAY}-birp.md" in text
    assert Path(editor["FAKE_MARKER"]).read_text().strip().endswith(f"C0004/{TODAY}-birp.md")


def test_on_a_terminal_a_group_note_asks_for_the_group_and_offers_its_last_members(root: Path) -> None:
    from tests.gitutil import git_env

    first = run_ck(root, "new-group-note", "--group", "tue", "--clients", "C0001,C0003", "--date",
                   "2026-11-03", "--no-edit")
    assert first.returncode == 0, first.stderr
    env = git_env(CHARTKEEP_EDIT="0")
    group, members = (b"Group (number or name): ", b"1\n"), (b"Members present, comma-separated [C0001,C0003]: ", b"\n")
    returncode, text = on_a_terminal(root, ["new-group-note", "--no-edit"], [group, members], env)
    assert returncode == 0, text
    assert "notes/groups/tue/" in text and "active clients:" in text
    written = sorted((root / "notes" / "groups" / "tue").glob("*-group.md"))
    assert len(written) == 2 and "members: [C0001, C0003]" in written[-1].read_text()
    assert len(list((root / "notes").glob("C000[13]/*-group.md"))) == 4
    refused = run_ck(root, "new-group-note")  # no terminal: what to name, and the groups there are
    assert refused.returncode == 2 and "groups: tue" in refused.stderr and "--clients" in refused.stderr
