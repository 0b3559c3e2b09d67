"""The fictional-practice generator and the committed demo practice.

A generated practice must look like a real one to the checks: parseable records, no overlapping
sessions, minutes inside the code's band, small groups, names only on face sheets, and (with
`problems=0`) nothing that `chartkeep check` calls an error.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import simple_icd_10_cm as icd
import yaml
from chartkeep import demo_data
from chartkeep.demo_data import generate, main

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
EXAMPLE = EXAMPLES / "practice"
AS_OF = "2026-11-27T12:00"
BANDS = {
    "90832": (16, 37),
    "90834": (38, 52),
    "90837": (53, 10_000),
    "90839": (30, 74),
    "90846": (26, 10_000),
    "90847": (26, 10_000),
}


def digest(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under `root`."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def front(path: Path) -> dict:
    """The front matter of one record, read with PyYAML (dates as dates, strings quoted)."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    block, _, _ = text[4:].partition("\n---\n")
    data = yaml.load(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(data, dict), path
    return data


def records(root: Path) -> list[tuple[Path, dict]]:
    """Every Markdown record with its front matter."""
    return [(path, front(path)) for path in sorted(root.rglob("*.md"))]


def minutes(value: str) -> int:
    hours, mins = value.split(":")
    return int(hours) * 60 + int(mins)


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`chartkeep check` on `root`, as of the fictional practice's "today"."""
    return subprocess.run(
        [sys.executable, "-m", "chartkeep", "check", "--practice", str(root), "--as-of", AS_OF, *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> demo_data.GeneratedPractice:
    """A 300-note practice without injected problems."""
    return generate(tmp_path_factory.mktemp("demo") / "practice", notes=300, seed=7)


@pytest.fixture(scope="module")
def small_records(small: demo_data.GeneratedPractice) -> list[tuple[Path, dict]]:
    return records(small.root)


@pytest.fixture(scope="module")
def two_records(two_clinicians: demo_data.GeneratedPractice) -> list[tuple[Path, dict]]:
    return records(two_clinicians.root)


@pytest.fixture(scope="module")
def two_clinicians(tmp_path_factory: pytest.TempPathFactory) -> demo_data.GeneratedPractice:
    """A practice large enough for two clinicians and their groups."""
    return generate(tmp_path_factory.mktemp("demo2") / "practice", notes=1500, seed=3, clinicians=2)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", notes=400, seed=11, problems=0.05)
    second = generate(tmp_path / "b", notes=400, seed=11, problems=0.05)
    assert digest(first.root) == digest(second.root)
    other = generate(tmp_path / "c", notes=400, seed=12, problems=0.05)
    assert digest(first.root) != digest(other.root)


def test_same_seed_same_bytes_across_processes(tmp_path: Path) -> None:
    for name, hash_seed in (("x", "1"), ("y", "2")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "chartkeep.demo_data",
                str(tmp_path / name),
                "--notes",
                "150",
                "--seed",
                "5",
                "--problems",
                "0.1",
            ],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            check=True,
            capture_output=True,
        )
    assert digest(tmp_path / "x") == digest(tmp_path / "y")


def test_parallel_rendering_writes_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(demo_data, "PARALLEL_FROM", 0)
    parallel = generate(tmp_path / "p", notes=900, seed=2, workers=2, clinicians=3)
    serial = generate(tmp_path / "s", notes=900, seed=2, workers=1, clinicians=3)
    assert parallel.clinicians == 3
    assert digest(parallel.root) == digest(serial.root)


def test_counts_match_the_files(
    small: demo_data.GeneratedPractice, small_records: list[tuple[Path, dict]]
) -> None:
    kinds: defaultdict[str, int] = defaultdict(int)
    for _, data in small_records:
        kinds[data["record"]] += 1
    assert small.notes == kinds["note"] == 300
    assert small.clients == kinds["client"]
    assert small.plans == kinds["plan"]
    assert small.group_sessions == kinds["group"] > 0
    assert small.psychotherapy_notes == kinds["psychotherapy"] > 0
    assert small.files == len(list(small.root.rglob("*.md"))) + 1  # + chartkeep.toml
    assert small.problems == 0
    codes = sorted(p.parent.name for p, d in small_records if d["record"] == "client")
    assert codes == [f"C{i:04d}" for i in range(1, len(codes) + 1)]


def test_every_note_type_appears(
    two_clinicians: demo_data.GeneratedPractice, two_records: list[tuple[Path, dict]]
) -> None:
    types = {d.get("type") for _, d in two_records if d["record"] == "note"}
    assert types >= {
        "intake",
        "soap",
        "dap",
        "birp",
        "girp",
        "group",
        "family",
        "crisis",
        "contact",
        "cancellation",
        "discharge",
    }
    assert two_clinicians.clinicians == 2


def test_every_record_has_its_required_fields(small_records: list[tuple[Path, dict]]) -> None:
    for path, data in small_records:
        assert data["record"] in {"client", "plan", "note", "group", "psychotherapy"}, path
        if data["record"] == "group":
            continue
        assert re.fullmatch(r"C[0-9]{4}", data["client"]), path
        if data["record"] != "client":
            assert isinstance(data["date"], date) and data["date"] < demo_data.REFERENCE_DAY
        if data["record"] == "note" and data["type"] not in ("contact", "cancellation"):
            for key in ("start", "end", "service", "pos", "modality", "diagnoses", "risk"):
                assert key in data, (path, key)
            assert isinstance(data["start"], str) and isinstance(data["pos"], str)


def test_one_clinician_never_has_overlapping_sessions(
    two_records: list[tuple[Path, dict]],
) -> None:
    busy: dict[tuple[str, date], list[tuple[int, int, str]]] = defaultdict(list)
    for path, data in two_records:
        if "start" not in data or data.get("type") == "group":  # members share the group's time
            continue
        busy[(data["clinician"], data["date"])].append(
            (minutes(data["start"]), minutes(data["end"]), str(path))
        )
    assert busy
    for day, spans in busy.items():
        spans.sort()
        for (_, end, first), (start, _, second) in itertools.pairwise(spans):
            assert end <= start, (day, first, second)


def test_minutes_fit_the_code(two_records: list[tuple[Path, dict]]) -> None:
    seen = set()
    for path, data in two_records:
        band = BANDS.get(data.get("service", ""))
        if band is None or data["record"] != "note":
            continue
        seen.add(data["service"])
        length = minutes(data["end"]) - minutes(data["start"])
        assert band[0] <= length <= band[1], (path, data["service"], length)
        if data["service"] == "90791":
            assert 50 <= length <= 80
    assert seen >= {"90832", "90834", "90837", "90839", "90847"}


def test_groups_have_at_most_twelve_members_each_with_a_note(
    two_clinicians: demo_data.GeneratedPractice, two_records: list[tuple[Path, dict]]
) -> None:
    root = two_clinicians.root
    groups = [(p, d) for p, d in two_records if d["record"] == "group"]
    assert groups
    for path, data in groups:
        assert 3 <= len(data["members"]) <= 12, path
        assert data["service"] == "90853" and path.parent.parent.name == "groups"
        for code in data["members"]:
            note = root / "notes" / code / f"{data['date'].isoformat()}-group.md"
            member = front(note)
            assert (member["group"], member["start"], member["end"]) == (
                data["group"],
                data["start"],
                data["end"],
            )


def test_names_only_on_face_sheets_never_in_paths(
    small: demo_data.GeneratedPractice, small_records: list[tuple[Path, dict]]
) -> None:
    names = {d["name"]: p for p, d in small_records if d["record"] == "client"}
    clinician_names = {c.name for c in demo_data.make_clinicians(1, 7)}
    assert not set(names) & clinician_names
    paths = " ".join(p.relative_to(small.root).as_posix().lower() for p, _ in small_records)
    for path, _ in small_records:
        text = path.read_text(encoding="utf-8")
        for name, sheet in names.items():
            assert name not in text or path == sheet, (name, path)
    for name in names:
        for part in name.lower().split():
            assert part not in paths, name


def test_signatures_follow_the_session(small_records: list[tuple[Path, dict]]) -> None:
    unsigned_from = demo_data.LAST_DAY - timedelta(days=demo_data.UNSIGNED_DAYS - 1)
    for path, data in small_records:
        if data["record"] != "note":
            continue
        if data["date"] >= unsigned_from:
            assert "signed" not in data, path
            continue
        signed = data["signed"]
        at = datetime.strptime(signed["at"], "%Y-%m-%dT%H:%M")
        if "end" in data:
            end = datetime.combine(data["date"], datetime.min.time())
            end += timedelta(minutes=minutes(data["end"]))
            assert end < at <= end + timedelta(hours=24), path
        else:  # a cancellation: signed the same day
            assert at.date() == data["date"], path
        name = demo_data.make_clinicians(1, 7)[0]
        last = path.read_text(encoding="utf-8").rstrip("\n").splitlines()[-1]
        assert last == (
            f"Electronically signed by {name.name}, {name.credential} on {signed['at'].replace('T', ' ')}"
        ), path


def test_item9_above_zero_always_has_a_documented_risk(
    two_records: list[tuple[Path, dict]],
) -> None:
    flagged = 0
    for path, data in two_records:
        if data["record"] != "note":
            continue
        phq9 = (data.get("measures") or {}).get("phq9")
        if phq9 and phq9["item9"] > 0:
            flagged += 1
            risk = data["risk"]
            assert risk["suicidal"] == "passive" and risk["level"] and risk["safety_plan"], path
    assert flagged > 0


def test_diagnoses_are_billable_and_on_the_face_sheet(
    small: demo_data.GeneratedPractice, small_records: list[tuple[Path, dict]]
) -> None:
    sheets = {d["client"]: set(d["diagnoses"]) for _, d in small_records if d["record"] == "client"}
    for path, data in small_records:
        for code in data.get("diagnoses", []):
            assert icd.is_valid_item(code) and icd.is_leaf(code), (path, code)
        if data["record"] in ("note", "plan"):
            assert set(data.get("diagnoses", [])) <= sheets[data["client"]], path


def test_consecutive_notes_are_not_clones(small_records: list[tuple[Path, dict]]) -> None:
    previous: dict[str, set[str]] = {}
    for path, data in small_records:
        if data["record"] != "note" or data["type"] not in demo_data.NOTE_FORMATS:
            continue
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        sentences = {s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if len(s) > 40}
        before = previous.get(data["client"])
        if before:
            assert len(sentences & before) / len(sentences | before) < 0.3, path
        previous[data["client"]] = sentences
        assert 2000 <= len(body.encode()) <= 4500, (path, len(body))


def test_problems_are_injected_at_the_requested_rate(tmp_path: Path) -> None:
    result = generate(tmp_path / "p", notes=2000, seed=4, problems=0.05)
    assert 60 <= result.problems <= 140
    texts = [p.read_text(encoding="utf-8") for p in (tmp_path / "p").rglob("*.md")]
    assert any(demo_data.VAGUE in t for t in texts)
    assert any("diagnoses: [F43.1" in t or "diagnoses: [F33]" in t or "diagnoses: [F41]" in t for t in texts)


def test_problems_are_found_by_the_checker(tmp_path: Path) -> None:
    root = tmp_path / "p"
    generate(root, notes=1500, seed=9, problems=0.05)
    found = set(re.findall(r" (?:error|warning) (CK\d+):", check(root).stdout))
    # minutes, missing Plan, vague wording, category code, missing risk, unsigned, a name
    assert found >= {"CK201", "CK401", "CK701", "CK501", "CK601"}


def test_generated_practice_has_no_errors(small: demo_data.GeneratedPractice) -> None:
    result = check(small.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " error " not in result.stdout
    # Plan reviews coming due and "not a git repository" are fine; no quality warnings (CK7xx:
    # vague wording, missing reasoning, cloned notes) in a practice generated without problems.
    assert not re.findall(r" warning CK7\d\d:", result.stdout), result.stdout


def test_larger_generated_practice_has_no_errors(
    two_clinicians: demo_data.GeneratedPractice,
) -> None:
    result = check(two_clinicians.root, "--checks", "basic")
    assert result.returncode == 0, result.stdout[:3000] + result.stderr


def test_cli_writes_a_practice_and_refuses_a_full_directory(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "cli"), "--notes", "50", "--seed", "3"]) == 0
    assert "50 notes" in capsys.readouterr().out
    assert (tmp_path / "cli" / "chartkeep.toml").is_file()
    assert main([str(tmp_path / "cli"), "--notes", "50"]) == 2


def test_npi_check_digit() -> None:
    assert demo_data.npi_for(123456789) == "1234567893"  # CMS's published example


# --- the committed example practice -------------------------------------------------------------


def test_example_practice_checks_clean() -> None:
    result = check(EXAMPLE)
    assert result.returncode == 0 and " error " not in result.stdout, result.stdout
    now = subprocess.run(
        [sys.executable, "-m", "chartkeep", "check", "--practice", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert now.returncode == 0, now.stdout  # date-dependent findings are only warnings


def test_example_practice_is_what_make_example_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import make_example
    finally:
        sys.path.remove(str(EXAMPLES))
    count = make_example.build(tmp_path / "practice")
    assert 80 <= count <= 150
    assert digest(tmp_path / "practice") == digest(EXAMPLE), (
        "examples/practice is stale: run `.venv/bin/python examples/make_example.py`"
    )


def test_example_practice_content() -> None:
    data = {p.relative_to(EXAMPLE).as_posix(): d for p, d in records(EXAMPLE)}
    assert data["notes/C0001/client.md"]["name"] == "Johnny Appleseed"
    assert data["notes/C0002/client.md"]["name"] == "Jane Doe"
    seed_johnny = data["notes/C0001/2026-03-04-soap.md"]
    assert (seed_johnny["start"], seed_johnny["end"], seed_johnny["service"]) == ("19:03", "19:58", "90837")
    assert seed_johnny["diagnoses"] == ["F33.0"]
    seed_jane = data["notes/C0002/2026-04-07-soap.md"]
    assert (seed_jane["start"], seed_jane["end"], seed_jane["service"]) == ("10:15", "11:00", "90834")
    assert seed_jane["diagnoses"] == ["F33.1"]
    statuses = {d["client"]: d["status"] for d in data.values() if d["record"] == "client"}
    assert len(statuses) >= 5 and "discharged" in statuses.values()
    assert any(k.startswith("notes/groups/") for k in data)
    assert any(d.get("modality") == "video" for d in data.values())
    assert any(k.startswith("private/") for k in data)
    johnny = [d for k, d in data.items() if k.startswith("notes/C0001/") and d.get("measures")]
    assert len(johnny) >= 40
    for code, status in statuses.items():
        if status == "active":
            assert any(k.startswith(f"notes/{code}/plan-") for k in data), code
