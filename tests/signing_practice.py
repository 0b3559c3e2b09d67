"""A small practice in a real git repository, for the signing, locking and audit tests.

Dates are relative to today (the practice's time zone is UTC) so the deadline rules hold whenever
the tests run: a session yesterday is in time, one ten days ago is late.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.gitutil import commit_all, init_repo

SETTINGS = """\
practice_name = "Test practice"
timezone = "UTC"
note_deadline_hours = 72

[clinicians.jdoe]
name = "Jane Doe"
credential = "LCSW"
email = "jane@example.org"
{jdoe_extra}

[clinicians.asmith]
name = "Alex Smith"
credential = "LPC"
email = "alex@example.org"
supervisor = "jdoe"
"""

CLIENT = """\
---
record: client
client: C0001
name: Johnny Appleseed
dob: 1988-01-02
clinician: jdoe
payer: self-pay
diagnoses: [F33.0]
status: active
intake_date: {plan_date}
---

## Contact

Kept here.
"""

PLAN = """\
---
record: plan
client: C0001
date: {plan_date}
review_by: {review_by}
clinician: jdoe
modality: individual
frequency: weekly
session_minutes: 53
duration: 6 months
diagnoses: [F33.0]
goals:
  G1: Reduce depressive symptoms to PHQ-9 below 10 for 4 consecutive weeks.
measures: [phq9]
signed: {{by: jdoe, at: "{plan_date}T12:00"}}
---

## Problems

Low mood.

## Objectives

PHQ-9 below 10.

## Interventions

CBT.

Electronically signed by Jane Doe, LCSW on {plan_date} 12:00
"""

NOTE = """\
---
record: note
type: soap
client: C0001
date: {date}
start: "09:00"
end: "09:55"
service: "90837"
pos: "11"
modality: in-person
diagnoses: [F33.0]
goals: [G1]
risk:
  suicidal: denied
  homicidal: denied
measures:
  phq9: {{total: 12, item9: 0}}
clinician: {clinician}
next_appointment: {next}
---

## Subjective
Client reported low mood and four hours of sleep after a conflict at work.

## Objective
Slouched, slowed movements; attentive and cooperative; affect congruent with mood.

## Assessment
Symptoms consistent with F33.0, worsened by sleep loss. Denied suicidal ideation.

## Plan
Regular sleep routine; phone off an hour before bed. Next session in a week.
"""

PRIVATE = """\
---
record: psychotherapy
client: C0001
date: {date}
clinician: jdoe
---

Process notes: hypotheses about the client's reaction to the therapist's absence.
"""


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def note_text(days_ago: int, clinician: str = "jdoe") -> str:
    day = today() - dt.timedelta(days=days_ago)
    return NOTE.format(date=day, clinician=clinician, next=day + dt.timedelta(days=7))


def note_path(days_ago: int) -> str:
    return f"notes/C0001/{today() - dt.timedelta(days=days_ago)}-soap.md"


def make_practice(
    root: Path, *, notes: tuple[int, ...] = (1,), jdoe_extra: str = "", commit: bool = True
) -> Path:
    """A practice with a face sheet, a plan and one soap note per `notes` entry (days ago)."""
    plan_date = today() - dt.timedelta(days=30)
    files = {
        "chartkeep.toml": SETTINGS.format(jdoe_extra=jdoe_extra),
        "notes/C0001/client.md": CLIENT.format(plan_date=plan_date),
        f"notes/C0001/plan-{plan_date}.md": PLAN.format(
            plan_date=plan_date, review_by=plan_date + dt.timedelta(days=180)
        ),
    }
    for days_ago in notes:
        files[note_path(days_ago)] = note_text(days_ago)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if commit:
        init_repo(root)
        commit_all(root, "practice")
    return root
