"""The practice checks' findings cached for the whole practice (`chartkeep.memo`): a warm check
reads no record and answers as a fresh one would, at any later moment; anything it depends on
changing makes it check afresh."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

import pytest
from chartkeep.cache import cache_dir
from chartkeep.checks import choose, run_checks
from chartkeep.demo_data import LAST_DAY, generate
from chartkeep.memo import check_files, check_practice
from chartkeep.practice import load_practice
from chartkeep.problems import Problem
from chartkeep.templates import PACKAGE_TEMPLATES

from tests.gitutil import git

# A moment inside the generated practice's dates: notes after it are "in the future", notes just
# before it are unsigned, and plans come due within the moments below.
BEFORE = dt.datetime.combine(LAST_DAY - dt.timedelta(days=40), dt.time(9, 30))
LATER = (BEFORE + dt.timedelta(hours=5), BEFORE + dt.timedelta(days=9, hours=7), BEFORE + dt.timedelta(days=400))


def fresh(root: Path, at: dt.datetime) -> list[Problem]:
    practice = load_practice(root, as_of=at, use_cache=False)
    return run_checks(practice)


def memoised(root: Path, at: dt.datetime) -> tuple[bool, list[Problem]]:
    """Whether the cached findings served (no record was read), and the problems."""
    practice, found = check_practice(root, as_of=at)
    return not practice.records, choose(found, practice.settings)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("memo") / "practice"
    generate(root, notes=300, seed=4, problems=0.2, clinicians=2)
    git(root.parent, "init", "-q", str(root))
    return root


def test_findings_serve_any_later_moment_as_a_fresh_check_would(generated: Path) -> None:
    store = cache_dir(generated)
    assert store is not None
    (store.parent / "findings.pickle").unlink(missing_ok=True)
    served, first = memoised(generated, BEFORE)
    assert not served and first == fresh(generated, BEFORE)
    answers = {tuple(first)}
    for at in LATER:
        served, found = memoised(generated, at)
        assert served, at
        assert found == fresh(generated, at), at
        answers.add(tuple(found))
    assert len(answers) == 1 + len(LATER)  # the clock changed what was found each time
    codes = {p.code for p in first} ^ {p.code for p in found}
    assert {"CK108", "CK501"} <= codes | {p.code for p in first}


def test_an_earlier_moment_is_checked_afresh(generated: Path) -> None:
    store = cache_dir(generated)
    assert store is not None
    (store.parent / "findings.pickle").unlink(missing_ok=True)
    assert not memoised(generated, LATER[-1])[0]
    served, found = memoised(generated, BEFORE)
    assert not served
    assert found == fresh(generated, BEFORE)
    assert any(p.code == "CK108" for p in found)  # dated after BEFORE: left out of later facts


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_what_the_findings_depend_on_makes_them_fresh(practice: Path) -> None:
    git(practice.parent, "init", "-q", str(practice))
    at = dt.datetime(2026, 3, 10, 12, 0)
    assert memoised(practice, at) == (False, fresh(practice, at))
    assert memoised(practice, at)[0]

    note = practice / "notes/C0001/2026-02-26-soap.md"
    _edit(note, 'service: "90837"', 'service: "90834"')  # a record
    served, found = memoised(practice, at)
    assert not served and any(p.code == "CK201" for p in found) and found == fresh(practice, at)

    text = (PACKAGE_TEMPLATES / "soap.md").read_text()  # a practice's own template, then its review
    template = practice / "templates" / "soap.md"
    template.parent.mkdir(exist_ok=True)
    template.write_text(text)
    assert not memoised(practice, at)[0]
    reviewed = next(line for line in text.splitlines() if line.startswith("reviewed:"))
    template.write_text(text.replace(reviewed, "reviewed: 2020-01-02"))
    served, found = memoised(practice, at)
    assert not served and any(p.code == "CK413" and p.path.endswith(template.name) for p in found)

    settings = practice / "chartkeep.toml"  # the settings
    _edit(settings, "[clinicians.mo]", "[clinicians.maya]")
    served, found = memoised(practice, at)
    assert not served and any(p.code == "CK112" for p in found)

    assert memoised(practice, at)[0]
    git(practice, "add", "-A")  # a commit: signed notes are compared with their signing commits
    git(practice, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q", "--no-verify", "-m", "x")
    assert not memoised(practice, at)[0]

    assert memoised(practice, at)[0]
    (practice / "notes/C0001/2026-02-26-soap.md").unlink()  # a record gone
    served, found = memoised(practice, at)
    assert not served and found == fresh(practice, at)


def test_damaged_findings_are_only_slower(practice: Path) -> None:
    git(practice.parent, "init", "-q", str(practice))
    at = dt.datetime(2026, 3, 10, 12, 0)
    expected = fresh(practice, at)
    memoised(practice, at)
    store = cache_dir(practice)
    assert store is not None
    (store.parent / "findings.pickle").write_bytes(b"\x80\x05garbage")
    assert memoised(practice, at) == (False, expected)
    assert memoised(practice, at) == (True, expected)


def test_nothing_is_cached_outside_git(practice: Path, tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    at = dt.datetime(2026, 3, 10, 12, 0)
    assert memoised(practice, at) == (False, fresh(practice, at))
    assert memoised(practice, at)[0] is False
    assert {p for p in tmp_path.rglob("*") if p.is_file()} == before


def test_the_command_line_serves_warm_checks_from_the_findings(practice: Path) -> None:
    git(practice.parent, "init", "-q", str(practice))
    command = [sys.executable, "-m", "chartkeep", "check", "--practice", str(practice), "--as-of", "2026-03-10T12:00"]
    cold = subprocess.run(command, capture_output=True, text=True, check=False)
    store = cache_dir(practice)
    assert store is not None and (store.parent / "findings.pickle").is_file()
    warm = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert cold.stdout.strip()


# --- after edits: the edited clients checked again, the rest kept, equal to a fresh check -------


def _notes(root: Path) -> list[Path]:
    return sorted(p for p in (root / "notes").glob("C*/20*.md"))


def _field(text: str, key: str) -> str | None:
    found = [line for line in text.splitlines() if line.startswith(f"{key}:")]
    return found[0].partition(":")[2].strip() if found else None


def _set(path: Path, key: str, value: str | None) -> None:
    """Set a front-matter field that both sides have (a contact note has no times)."""
    text = path.read_text(errors="replace")
    old = _field(text, key)
    if old is not None and value is not None:
        path.write_text(text.replace(f"{key}: {old}", f"{key}: {value}", 1))


def _random_edit(root: Path, rng: random.Random) -> str:
    """One edit a clinician (or a slip) could make to one or two notes; what it was."""
    notes = _notes(root)
    note, other = rng.choice(notes), rng.choice(notes)
    text = note.read_text(errors="replace")
    kind = rng.choice(["service", "times", "client", "delete", "add", "long", "short", "clone", "name",
                       "unreadable", "unsigned", "diagnosis", "future", "group times", "group members"])
    groups = sorted((root / "notes" / "groups").glob("*/*.md"))
    if kind.startswith("group") and not groups:
        kind = "service"
    if kind == "group times":  # a group session at another session's time: overlaps, or one session
        group = rng.choice(groups)
        for key in ("date", "start", "end", "clinician"):
            _set(group, key, _field(other.read_text(errors="replace"), key))
    elif kind == "group members":
        group = rng.choice(groups)
        _set(group, "members", rng.choice(["[C0001, C9999]", f"[{note.parent.name}]", "[]"]))
    elif kind == "service":
        _set(note, "service", rng.choice(['"90832"', '"90834"', '"90837"', '"90839"', '"90791"']))
    elif kind == "times":  # the same clinician's session at another client's time: overlaps
        for key in ("date", "start", "end", "clinician"):
            _set(note, key, _field(other.read_text(errors="replace"), key))
    elif kind == "client":  # filed under one client, names another
        _set(note, "client", other.parent.name)
    elif kind == "delete":
        note.unlink()
    elif kind == "add":  # a copy under another client, dated a day later
        day = dt.date.fromisoformat(note.name[:10]) + dt.timedelta(days=1)
        target = other.parent / f"{day}{note.name[10:]}"
        if not target.exists():
            target.write_text(text.replace(f"client: {note.parent.name}", f"client: {other.parent.name}"))
    elif kind == "long":
        note.write_text(text + ("Client described the week in detail. " * 400) + "\n")
    elif kind == "short":
        note.write_text(text.split("\n---\n", 1)[0] + "\n---\n\n## Data\nSeen.\n")
    elif kind == "clone":  # another note's body under this one's front matter
        front = text.split("\n---\n", 1)[0]
        note.write_text(front + "\n---\n" + other.read_text(errors="replace").split("\n---\n", 1)[1])
    elif kind == "name":
        sheet = rng.choice(sorted((root / "notes").glob("C*/client.md"))).read_text()
        note.write_text(text + f"\nSpoke with {_field(sheet, 'name') or 'Ann Lee'} briefly.\n")
    elif kind == "unreadable":
        note.write_bytes(text.encode() + b"\n\xe9\n")
    elif kind == "unsigned":
        note.write_text(text.replace("signed: {", "unsigned_was: {"))
    elif kind == "diagnosis":
        _set(note, "diagnoses", "[F32.1]")
    elif kind == "future":
        _set(note, "date", str(LAST_DAY + dt.timedelta(days=rng.randint(1, 30))))
    return kind


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_after_edits_only_the_edited_clients_are_checked_again(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "practice"
    generate(root, notes=250, seed=seed, problems=0.1, clinicians=2)
    git(root.parent, "init", "-q", str(root))
    rng = random.Random(seed)
    at = BEFORE
    assert memoised(root, at) == (False, fresh(root, at))
    total = len(list((root / "notes").rglob("*.md")))
    kinds = set()
    for _ in range(8):
        at += dt.timedelta(hours=rng.randint(0, 60))
        kinds.update(_random_edit(root, rng) for _ in range(rng.randint(1, 3)))
        practice, found = check_practice(root, as_of=at)
        assert 0 < len(practice.records) < total / 2, "checked again client by client"
        assert choose(found, practice.settings) == fresh(root, at), kinds
    sheet = root / "notes" / "C0002" / "client.md"  # a face sheet: every client's records again
    _set(sheet, "name", "Irene Adler")
    practice, found = check_practice(root, as_of=at)
    assert len(practice.records) >= total, "every client's records again"
    assert choose(found, practice.settings) == fresh(root, at)


def test_a_note_checked_alone_is_checked_as_in_the_whole_practice_once_findings_exist(practice: Path) -> None:
    git(practice.parent, "init", "-q", str(practice))
    note, other = practice / "notes/C0001/2026-02-26-soap.md", practice / "notes/C0002/2026-03-05-soap.md"
    _set(note, "date", _field(other.read_text(), "date"))  # another client's session, under way
    _set(note, "start", '"10:30"')
    _set(note, "end", '"11:25"')
    rel = "notes/C0001/2026-02-26-soap.md"
    alone = check_files(practice, [rel])[1]  # no findings yet: face sheets and plans only
    assert not any(p.code == "CK209" for p in alone)
    whole = check_practice(practice)[1]
    expected = [p for p in whole if p.path == rel]
    assert any(p.code == "CK209" for p in expected)
    _set(note, "service", '"90834"')  # edited since: brought up to date, client by client
    practice_now, found = check_files(practice, [rel])
    assert 0 < len(practice_now.records) and found == [p for p in check_practice(practice)[1] if p.path == rel]
    assert any(p.code == "CK209" for p in found) and any(p.code == "CK201" for p in found)
