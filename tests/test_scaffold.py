"""Templates and the pure scaffolding functions: every template, filled with sample values, passes
`chartkeep check`; placeholders, paths, client codes, CPT codes and pre-fill behave."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from chartkeep import billing, scaffold
from chartkeep.reader import read_record
from chartkeep.schema import STANDARD_NOTE_TYPES, validate
from chartkeep.templates import PACKAGE_TEMPLATES, load_templates
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gitutil import git_env

REPO = Path(__file__).resolve().parents[1]
EXPECTED_TEMPLATES = {
    "soap", "dap", "birp", "girp", "intake", "group", "group-session", "family", "crisis",
    "contact", "cancellation", "discharge", "plan", "client", "psychotherapy",
}
TODAY = dt.datetime.now(dt.UTC).date()

SETTINGS = """\
practice_name = "Test practice"
timezone = "UTC"
client_code_pattern = "C[0-9]{4}"

[clinicians.jdoe]
name = "Jane Doe"
credential = "LCSW"

[payers.bluecross]
name = "Blue Cross"
"""


def face_sheet(code: str, name: str, *, status: str = "active", diagnoses: str = "[F33.0]") -> str:
    extra = f"\ndischarge_date: {TODAY - dt.timedelta(days=3)}" if status == "discharged" else ""
    return f"""---
record: client
client: {code}
name: {name}
dob: 1988-01-02
pronouns: they/them
clinician: jdoe
payer: bluecross
member_id: "XJ4412907"
diagnoses: {diagnoses}
status: {status}
intake_date: {TODAY - dt.timedelta(days=40)}{extra}
---

## Contact
Preferred phone kept here.
"""


def plan_text(code: str, day: dt.date) -> str:
    return f"""---
record: plan
client: {code}
date: {day}
review_by: {day + dt.timedelta(days=90)}
clinician: jdoe
modality: individual
frequency: weekly
session_minutes: 45
duration: 6 months
diagnoses: [F33.0]
goals:
  G1: Reduce depressive symptoms to PHQ-9 below 10 for 4 consecutive weeks.
  G2: Sleep 7 hours on at least 5 nights a week, by sleep diary.
measures: [phq9]
---

## Problems
Low mood.

## Objectives
Sleep diary weekly.

## Interventions
Behavioural activation.
"""


def last_note(code: str, day: dt.date) -> str:
    return f"""---
record: note
type: soap
client: {code}
date: {day}
start: "10:00"
end: "10:50"
service: "90834"
modifiers: ["95"]
pos: "10"
modality: video
client_location: "home, Springfield IL"
diagnoses: [F33.0]
goals: [G1]
risk: {{suicidal: denied, homicidal: denied}}
measures: {{phq9: {{total: 12, item9: 0}}}}
clinician: jdoe
session: 3
template: soap@1
---

## Subjective
Client reported four hours of sleep a night.

## Objective
Slouched, slowed speech; mood "tired", affect congruent.

## Assessment
Sleep loss keeps mood low (G1).

## Plan
Keep a sleep diary every morning and bring it next week.

Electronically signed by Jane Doe, LCSW on {day} 11:10
"""


CLIENTS = {"C0001": "Johnny Appleseed", "C0002": "Penny Lane", "C0003": "Mary Major", "C0004": "Rita Rowe"}


def make_practice(root: Path) -> Path:
    """A small practice: C0001 (plan, one earlier video session), C0002 discharged, C0003 and
    C0004 active with plans (for group sessions)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "chartkeep.toml").write_text(SETTINGS, encoding="utf-8")
    for code, name in CLIENTS.items():
        folder = root / "notes" / code
        folder.mkdir(parents=True)
        status = "discharged" if code == "C0002" else "active"
        (folder / "client.md").write_text(face_sheet(code, name, status=status), encoding="utf-8")
        (folder / f"plan-{TODAY - dt.timedelta(days=30)}.md").write_text(
            plan_text(code, TODAY - dt.timedelta(days=30)), encoding="utf-8"
        )
    (root / "notes" / "C0001" / f"{TODAY - dt.timedelta(days=7)}-soap.md").write_text(
        last_note("C0001", TODAY - dt.timedelta(days=7)), encoding="utf-8"
    )
    return root


def run_ck(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, stdin not a terminal, GIT_* scrubbed."""
    return subprocess.run(
        [sys.executable, "-m", "chartkeep", *args],
        cwd=root, input="", capture_output=True, text=True, env=git_env(**env), check=False,
    )


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error CK" in line]


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------


def test_every_record_type_has_a_template_that_loads_cleanly() -> None:
    templates, problems = load_templates(None)
    assert problems == []
    assert EXPECTED_TEMPLATES <= set(templates)
    for name in EXPECTED_TEMPLATES:
        template = templates[name]
        assert template.tag == f"{name}@1"
        assert template.reviewed is not None
        if template.note_type in STANDARD_NOTE_TYPES:
            body = template.raw.body
            for title in STANDARD_NOTE_TYPES[template.note_type]:
                assert f"## {title}\n" in body, (name, title)


def test_repository_templates_are_the_package_defaults() -> None:
    for path in sorted(PACKAGE_TEMPLATES.glob("*.md")):
        assert (REPO / "templates" / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        ), path.name


def test_template_fields_are_declared_in_the_schema() -> None:
    """A template holds only fields its record type declares (plus the template-only keys)."""
    for path in sorted(PACKAGE_TEMPLATES.glob("*.md")):
        raw = read_record(path.name, path.read_bytes())
        assert raw.readable and not raw.problems, path.name
        raw = read_record(path.name, scaffold.fill(path.read_text(encoding="utf-8"), {}).encode())
        unknown = [p for p in validate(raw, frozenset(STANDARD_NOTE_TYPES)).problems if p.code == "CK102"]
        assert unknown == [], path.name


SAMPLE_TEXT = {
    "Subjective": "Client reported sleeping five hours and skipping breakfast twice.",
    "Objective": "Casually dressed, good eye contact; mood \"tired\", affect congruent.",
    "Assessment": "Mood improving with activity scheduling (G1); continue weekly sessions.",
    "Plan": "Walk twenty minutes on four days; next session next week.",
    "Data": "Client reported two panic episodes; breathing practice used once.",
    "Behavior": "Tapped foot throughout; described worry about work in detail.",
    "Intervention": "Practised paced breathing and a thought record (G1).",
    "Response": "Client completed the record and rated distress lower afterwards.",
    "Goal": "G1: reduce depressive symptoms.",
    "Presenting Problem": "Low mood for six months after a job loss.",
    "History": "No prior treatment; no substance use reported.",
    "Mental Status": "Alert, oriented, speech normal rate, mood low, affect restricted.",
    "Risk": "Denied suicidal and homicidal ideation when asked directly.",
    "Diagnosis": "Criteria for a recurrent depressive disorder are met.",
    "Notes": "Client attended the full session and practised the skill twice.",
    "Summary": "Twelve sessions of weekly individual therapy.",
    "Outcome": "Symptoms reduced to the minimal range; goals met.",
    "Recommendations": "Return if symptoms come back; relapse plan given.",
    "Theme": "Coping with anticipatory anxiety.",
    "Interventions": "Thought records and paced breathing practice.",
    "Problems": "Low mood and poor sleep.",
    "Objectives": "Sleep diary kept on five nights a week.",
    "Process notes": "Hypothesis: the client withdraws when feeling criticised.",
    "Contact": "Preferred phone kept here.",
    "Target": "Memory of the accident; belief 'I am not safe'.",
    "Desensitization": "Four sets; distress went down over the sets.",
    "Closure": "Container exercise; client calm at the end.",
}


def sample_values(name: str, code: str, hour: int) -> dict[str, object]:
    """`hour`: each sample session gets its own hour (one clinician, no overlaps)."""
    service = scaffold.TYPE_SERVICES.get(name, "90834")
    return {
        "client": code,
        "date": TODAY,
        "start": dt.time(hour, 0),
        "end": dt.time(hour, 50),
        "service": service,
        "addons": [],
        "modifiers": [],
        "pos": "11",
        "modality": "in-person",
        "diagnoses": ["F33.0"],
        "goals": ["G1"],
        "suicidal": "denied",
        "homicidal": "denied",
        "measures": {"phq9": {"total": 8, "item9": 0}},
        "medication": "no changes",
        "clinician": "jdoe",
        "session": 4,
        "next_appointment": TODAY + dt.timedelta(days=7),
        "group": "tuesday-anxiety",
        "members": ["C0001", "C0003"],
        # face sheet
        "name": "Ann Sample",
        "dob": dt.date(1990, 4, 2),
        "pronouns": "she/her",
        "payer": "bluecross",
        "member_id": "0123",
        "status": "active",
        "intake_date": TODAY,
        # plan
        "review_by": TODAY + dt.timedelta(days=90),
        "plan_modality": "individual",
        "frequency": "weekly",
        "session_minutes": 45,
        "duration": "6 months",
        "plan_goals": {"G1": "Reduce PHQ-9 below 10 for 4 weeks."},
        "plan_measures": ["phq9"],
    }


def fill_sections(text: str) -> str:
    """Write a sample sentence under every heading, as the clinician would."""

    def write(match: re.Match[str]) -> str:
        return f"{match[0]}\n{SAMPLE_TEXT[match[1]]}"

    return re.sub(r"^## (.+)$", write, text, flags=re.MULTILINE)


EMDR = """---
record: note
type: emdr
client: "{{client}}"
date: "{{date}}"
start: "{{start}}"
end: "{{end}}"
service: "{{service}}"
modifiers: "{{modifiers}}"
pos: "{{pos}}"
modality: "{{modality}}"
client_location: "{{client_location}}"
diagnoses: "{{diagnoses}}"
goals: "{{goals}}"
risk:
  suicidal: "{{suicidal}}"
  homicidal: "{{homicidal}}"
measures: "{{measures}}"
clinician: "{{clinician}}"
template: emdr@1
reviewed: 2026-11-01
required_sections:
  - Target
  - Desensitization
  - Closure
---

## Target
<!-- the target memory, image, negative and positive cognitions -->

## Desensitization
<!-- sets, SUDs -->

## Closure
<!-- how the session closed; safety -->
"""


def test_every_template_filled_with_sample_values_passes_the_checks(tmp_path: Path) -> None:
    root = make_practice(tmp_path / "practice")
    (root / "templates").mkdir()
    (root / "templates" / "emdr.md").write_text(EMDR, encoding="utf-8")
    written: dict[str, str] = {}
    paths = [*sorted(PACKAGE_TEMPLATES.glob("*.md")), root / "templates" / "emdr.md"]
    for hour, path in enumerate(paths, start=5):
        name = path.stem
        code = "C0009" if name == "client" else "C0001"
        hour = 4 if name.startswith("group") else hour  # the group record and a member's note
        values = sample_values(name, code, hour)
        text = fill_sections(scaffold.fill(path.read_text(encoding="utf-8"), values))
        assert "{{" not in text and "reviewed:" not in text and "required_sections" not in text
        if name == "group-session":
            rel = scaffold.group_path("tuesday-anxiety", TODAY)
        elif name == "client":
            rel = "notes/C0009/client.md"
        else:
            rel = scaffold.note_path(name, code, TODAY)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        written[rel] = name
    result = run_ck(root, "check", "--as-of", f"{TODAY}T23:00", *written)
    assert error_lines(result.stdout) == [], result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------------------------


def test_fill_replaces_placeholders_with_yaml_and_strips_template_keys() -> None:
    text = scaffold.fill(EMDR, {
        "client": "C0001", "date": dt.date(2026, 3, 4), "start": dt.time(9, 5),
        "service": "90834", "pos": "02", "diagnoses": ["F33.0"], "goals": [],
        "measures": {"phq9": {"total": None, "item9": None}},
    })
    assert "client: C0001\n" in text
    assert 'start: "09:05"\n' in text
    assert "end:\n" in text
    assert 'service: "90834"' in text and 'pos: "02"' in text
    assert "measures:\n  phq9: {total: , item9: }\n" in text
    assert "template: emdr@1" in text
    assert "reviewed" not in text and "required_sections" not in text and "- Target" not in text
    raw = read_record("x.md", text.encode())
    assert raw.readable and raw.problems == []
    assert raw.meta["start"] == "09:05" and raw.meta["pos"] == "02"
    assert raw.meta["measures"] == {"phq9": {"total": None, "item9": None}}


def test_fill_quotes_what_yaml_would_misread() -> None:
    for value in ("no", "yes", "O'Brien, Ann", "10:15", "0123", "a: b", "# x", "null"):
        text = scaffold.fill('---\nname: "{{v}}"\n---\n', {"v": value})
        raw = read_record("x.md", text.encode())
        assert raw.problems == [] and raw.meta["name"] == value, value


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_round_trips_through_fill_and_the_reader(value: str) -> None:
    """scaffold → read: what chartkeep writes is what the strict reader reads back."""
    text = scaffold.fill('---\nrecord: client\nname: "{{v}}"\n---\n', {"v": value})
    raw = read_record("x.md", text.encode("utf-8"))
    assert not [p for p in raw.problems if p.code in ("CK007", "CK008", "CK010", "CK011")], text
    read = raw.meta.get("name")
    assert (read if read is not None else "") == value


def test_fill_adds_the_type_a_practice_template_leaves_out() -> None:
    text = scaffold.fill('---\nrecord: note\nclient: "{{client}}"\n---\n\n## Notes\n', {"client": "C0001"},
                         note_type="emdr")
    assert text.startswith("---\nrecord: note\ntype: emdr\nclient: C0001\n")


def test_body_placeholders_without_value_leave_no_line() -> None:
    text = scaffold.fill_body("## Plan\n<!-- p -->\n{{previous_plan}}\n\n## Next\n", {})
    assert text == "## Plan\n<!-- p -->\n\n## Next\n"


def test_comment_cannot_be_closed_early() -> None:
    assert scaffold.comment("a --> b <!-- c -- d") == "<!-- a → b  c – d -->"


def test_paths() -> None:
    day = dt.date(2026, 1, 15)
    assert scaffold.note_path("soap", "C0001", day) == "notes/C0001/2026-01-15-soap.md"
    assert scaffold.note_path("soap", "C0001", day, 2) == "notes/C0001/2026-01-15-soap-2.md"
    assert scaffold.note_path("plan", "C0001", day) == "notes/C0001/plan-2026-01-15.md"
    assert scaffold.note_path("psychotherapy", "C0001", day) == "private/C0001/2026-01-15.md"
    assert scaffold.group_path("tue", day) == "notes/groups/tue/2026-01-15-group.md"
    assert list(scaffold.candidate_paths("notes/C1/x.md", 3)) == [
        "notes/C1/x.md", "notes/C1/x-2.md", "notes/C1/x-3.md"]


def test_next_client_code() -> None:
    assert scaffold.next_client_code("C[0-9]{4}", []) == "C0001"
    assert scaffold.next_client_code("C[0-9]{4}", ["C0001", "C0007", "groups", "X0100"]) == "C0008"
    assert scaffold.next_client_code(r"P\d{5}", ["P00041"]) == "P00042"
    with pytest.raises(ValueError):
        scaffold.next_client_code("[A-Z]+", [])
    with pytest.raises(ValueError):
        scaffold.next_client_code("C[0-9]{1}", [f"C{i}" for i in range(1, 10)])


def test_timed_code_follows_the_bands() -> None:
    codes = billing.rules().codes
    assert scaffold.timed_code(codes, 15) is None
    assert scaffold.timed_code(codes, 16) == "90832"
    assert scaffold.timed_code(codes, 45) == "90834"
    assert scaffold.timed_code(codes, 53) == "90837"
    overridden = billing.rules({"codes": {"90834": {"min_minutes": 40}}}).codes
    assert scaffold.timed_code(overridden, 39) is None
    assert scaffold.service_for("intake", codes, None) == "90791"
    assert scaffold.service_for("contact", codes, 30) is None


def test_section_text() -> None:
    body = "## Subjective\nA\n\n## Plan\nWalk daily.\n\n### Detail\nmore\n\n## Next\nx\n"
    assert scaffold.section_text(body, "plan") == "Walk daily.\n\n### Detail\nmore"
    assert scaffold.section_text(body, "Missing") is None


def known(**changes: object) -> scaffold.Known:
    plan = {"goals": {"G1": "Reduce PHQ-9.", "G2": "Sleep."}, "measures": ["phq9", "gad7"],
            "session_minutes": 53, "diagnoses": ["F33.0"]}
    last = scaffold.PastNote(
        "notes/C0001/2026-01-08-soap.md",
        {"record": "note", "type": "soap", "date": "2026-01-08", "modality": "video", "pos": "10",
         "modifiers": ["95"], "client_location": "home", "session": 6},
        "Keep a sleep diary.\n\nElectronically signed by Jane Doe, LCSW on 2026-01-08 11:00",
    )
    values = {
        "client": {"client": "C0001", "clinician": "jdoe", "diagnoses": ["F33.0", "F41.1"]},
        "plan": plan, "plan_path": "notes/C0001/plan-2026-01-01.md",
        "notes": (scaffold.PastNote("notes/C0001/2026-01-10-cancellation.md",
                                    {"record": "note", "type": "cancellation"}), last),
        "notes_count": 6, "codes": billing.rules().codes,
    }
    values.update(changes)
    return scaffold.Known(**values)  # type: ignore[arg-type]


def test_prefill_from_what_the_practice_knows() -> None:
    values = scaffold.prefill("soap", known(), dt.date(2026, 1, 15))
    assert values["clinician"] == "jdoe"
    assert values["diagnoses"] == ["F33.0", "F41.1"]
    assert values["goals"] == ["G1", "G2"]
    assert values["measures"] == {"phq9": {"total": None, "item9": None}, "gad7": {"total": None}}
    assert (values["modality"], values["pos"], values["modifiers"]) == ("video", "10", ["95"])
    assert values["client_location"] == "home"
    assert values["session"] == 7
    assert values["service"] == "90837"  # the plan's 53 minutes
    assert "suicidal" not in values and values["start"] is None  # never invented
    prompt = values["previous_plan"]
    assert prompt.startswith("<!--") and "Keep a sleep diary." in prompt
    assert "Electronically signed" not in prompt
    timed = scaffold.prefill("soap", known(), dt.date(2026, 1, 15), start=dt.time(9), end=dt.time(9, 30))
    assert timed["service"] == "90832"


def test_prefill_by_type() -> None:
    day = dt.date(2026, 1, 15)
    assert scaffold.prefill("intake", known(), day)["service"] == "90791"
    assert "measures" not in scaffold.prefill("crisis", known(), day)
    cancellation = scaffold.prefill("cancellation", known(), day)
    assert cancellation["service"] is None and "session" not in cancellation
    private = scaffold.prefill("psychotherapy", known(), day)
    assert set(private) <= {"client", "date", "clinician", "start", "end", "addons", "modifiers"}
    plan = scaffold.prefill("plan", known(), day)
    assert plan["plan_goals"] == {"G1": "Reduce PHQ-9.", "G2": "Sleep."}
    assert plan["review_by"] == day + dt.timedelta(days=90)
    first = scaffold.prefill("soap", known(plan=None, notes=(), notes_count=0), day)
    assert first["session"] == 1 and first["service"] is None and "goals" not in first


def test_member_values_name_only_the_member() -> None:
    shared = scaffold.group_values("tue", dt.date(2026, 1, 15), ["C0001", "C0003"], "jdoe",
                                   theme="Worry", interventions="Breathing")
    own = scaffold.prefill("group", known(), dt.date(2026, 1, 15))
    values = scaffold.member_values("tue", shared, own)
    assert "members" not in values and values["client"] == "C0001"
    assert values["service"] == "90853" and values["theme"] == "Worry"
    assert "C0003" not in repr(values)
