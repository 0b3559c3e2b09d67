"""`chartkeep audit`: what needs action in a practice, and its exit code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from chartkeep.cli import main

from tests.gitutil import scrub_environ
from tests.signing_practice import make_practice, note_path, note_text, today


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    scrub_environ(monkeypatch)
    practice = make_practice(tmp_path / "practice", notes=(1,))
    monkeypatch.chdir(practice)
    return practice


def audit(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit"])
    return code, capsys.readouterr().out


def test_a_practice_in_order_needs_nothing(root: Path, capsys) -> None:
    assert main(["sign", note_path(1)]) == 0
    code, out = audit(capsys)
    assert code == 0, out
    assert out.startswith("Audit of Test practice as of ")
    assert out.rstrip().endswith("Nothing needs action.")


def test_each_kind_of_finding_makes_exit_1(root: Path, capsys) -> None:
    code, out = audit(capsys)
    assert code == 0, out  # the note from yesterday is still within the deadline
    late = root / note_path(10)
    late.write_text(note_text(10).replace("four hours", "two hours"))
    code, out = audit(capsys)
    assert code == 1
    assert "Unsigned past the 72-hour deadline (1)" in out and note_path(10) in out

    assert main(["sign", note_path(10)]) == 0
    assert main(["sign", note_path(1)]) == 0
    signed = root / note_path(1)
    signed.write_text(signed.read_text().replace("low mood", "a low mood"))
    code, out = audit(capsys)
    assert code == 1
    assert "Signed notes changed after signing (1)" in out and "changed after it was signed" in out
    assert "Unsigned past" not in out


def test_plans_measures_and_missed_appointments(root: Path, capsys) -> None:
    note = root / note_path(1)
    text = note_text(1).replace("measures:\n  phq9: {total: 12, item9: 0}\n", "")
    day = today() - dt.timedelta(days=1)
    text = text.replace(f"next_appointment: {day + dt.timedelta(days=7)}", f"next_appointment: {day}")
    note.write_text(text.replace(f"date: {day}", f"date: {day - dt.timedelta(days=3)}", 1))
    note.rename(root / note_path(4))
    code, out = audit(capsys)
    assert code == 1
    assert "Measures the plan tracks, missing (1)" in out and "phq9" in out
    assert "Appointments passed without a note (1)" in out and f"appointment {day}" in out
    plan = next((root / "notes/C0001").glob("plan-*.md"))
    plan.unlink()
    code, out = audit(capsys)
    assert "Treatment plans due or missing (1)" in out and "C0001" in out and "no treatment plan" in out


def test_plan_review_overdue(root: Path, capsys) -> None:
    plan = next((root / "notes/C0001").glob("plan-*.md"))
    due = today() - dt.timedelta(days=2)
    text = plan.read_text()
    start = text.index("review_by: ")
    plan.write_text(text[:start] + f"review_by: {due}" + text[text.index("\n", start) :])
    code, out = audit(capsys)
    assert code == 1 and f"plan review overdue since {due}" in out


def test_outside_git_the_audit_says_so_once(tmp_path: Path, monkeypatch, capsys) -> None:
    scrub_environ(monkeypatch)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    practice = make_practice(tmp_path / "plain", notes=(1,), commit=False)
    monkeypatch.chdir(practice)
    code, out = audit(capsys)
    assert out.count("not a git repository") == 1
    assert code == 0, out
