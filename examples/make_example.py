"""Build `examples/practice/`, the committed fictional demo practice.

    .venv/bin/python examples/make_example.py

Deterministic: running it again gives the same files. It plans a small practice by hand (who is
seen when) and lets `chartkeep.demo_data` write the records, then copies the hand-written notes of
`examples/seed-notes/` over the generated ones: the two example notes of the seed article
(Johnny Appleseed and Jane Doe, the article's placeholder names) ported to chartkeep's format.
Every person here is made up.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from chartkeep import demo_data as dd

HERE = Path(__file__).resolve().parent
PRACTICE = HERE / "practice"
SEED_NOTES = HERE / "seed-notes"
TODAY = dd.REFERENCE_DAY

OKAFOR = dd.Clinician(
    "mokafor",
    "Maya Okafor",
    "LCSW",
    dd.npi_for(123456789),
    "mokafor@example.invalid",
    "soap",
    runs_group=True,
)
REYES = dd.Clinician("dreyes", "Daniel Reyes", "LPC", dd.npi_for(198765432), "dreyes@example.invalid", "dap")
GROUP = "thursday-mood"


def profile(key: str, **changes: object) -> dd.Profile:
    """A demo_data presenting problem, optionally with changed fields."""
    found = next(p for p in dd.PROFILES if p.key == key)
    return dataclasses.replace(found, **changes)  # type: ignore[arg-type]


def person(
    clinician: dd.Clinician,
    key: int,
    code: str,
    name: str,
    pronouns: str,
    dob: date,
    problem: dd.Profile,
    diagnoses: tuple[str, ...],
    service: str,
    payer: str,
    intake: date,
    phq: int = 14,
    gad: int = 10,
) -> dd.Client:
    """A hand-made fictional client."""
    client = dd.Client(
        clinician=clinician,
        key=key,
        profile=problem,
        diagnoses=diagnoses,
        service=service,
        modality="in-person",
        weekday=intake.weekday(),
        slot=0,
        weeks=0,
        payer=payer,
        in_group=False,
        phq_base=phq,
        gad_base=gad,
        gain=0.55,
        intake=intake,
    )
    client.code, client.name, client.pronouns, client.dob = code, name, pronouns, dob
    client.member_id = None if payer == dd.SELF_PAY else f"{payer[:2].upper()}{4412907 + key * 7}"
    return client


def see(
    client: dd.Client,
    day: date,
    start: str,
    kind: str,
    rng: dd.Dice,
    *,
    service: str | None = None,
    modality: str = "in-person",
    place: str = "office",
    minutes: int | None = None,
    private: bool = False,
) -> dd.Visit:
    """Add one visit at a fixed time (the demo's clinicians keep a fixed weekly schedule)."""
    code = (
        service
        if service is not None
        else (
            "90791" if kind == "intake" else None if kind in ("contact", "cancellation") else client.service
        )
    )
    length = (
        minutes
        if minutes is not None
        else (0 if kind == "cancellation" else dd.minutes_for(code or "contact", rng))
    )
    billable = code is not None and kind != "group"
    visit = dd.Visit(
        client,
        kind,
        day,
        length,
        code,
        modality,
        place,
        session_no=client.sessions + (1 if billable else 0),
        private=private,
    )
    hours, mins = start.split(":")
    visit.start = int(hours) * 60 + int(mins)
    client.sessions += 1 if billable else 0
    client.visits.append(visit)
    dd.add_measures(visit, rng)
    return visit


def weekly(first: date, last: date, skip: frozenset[date] | set[date] = frozenset()) -> list[date]:
    """Every week from `first` to `last`, except `skip`."""
    days, day = [], first
    while day <= last:
        if day not in skip:
            days.append(day)
        day += timedelta(weeks=1)
    return days


def every(first: date, until: date, days: int = dd.PLAN_RENEW_DAYS) -> list[date]:
    """Plan dates: `first`, then every `days` until `until`."""
    out, day = [], first
    while day <= until:
        out.append(day)
        day += timedelta(days=days)
    return out


def johnny(rng: dd.Dice) -> dd.Client:
    """C0001: a year of weekly evening sessions, PHQ-9 and GAD-7 each session."""
    client = person(
        OKAFOR,
        0,
        "C0001",
        "Johnny Appleseed",
        "he/him",
        date(1988, 1, 2),
        profile("depression", measures=("phq9", "gad7")),
        ("F33.0",),
        "90837",
        "bluecross",
        date(2025, 11, 19),
        phq=14,
        gad=10,
    )
    holidays = {date(2025, 12, 24), date(2025, 12, 31), date(2026, 7, 1)}
    special = {
        date(2026, 5, 27): "cancellation",
        date(2026, 8, 12): "family",
        date(2026, 9, 16): "girp",
        date(2026, 10, 21): "birp",
    }
    for number, day in enumerate(weekly(client.intake, date(2026, 11, 18), holidays)):
        kind = "intake" if number == 0 else special.get(day, "soap")
        see(
            client,
            day,
            f"19:0{number % 7}",
            kind,
            rng,
            private=day in (date(2026, 3, 4), date(2026, 6, 17)),
        )
        if day == date(2026, 10, 21):
            see(client, day + timedelta(days=1), "12:30", "contact", rng)
    client.plans = every(client.intake, TODAY)
    return client


def jane(rng: dd.Dice) -> dd.Client:
    """C0002: weekly individual sessions in spring, then the Thursday group."""
    client = person(
        OKAFOR,
        1,
        "C0002",
        "Jane Doe",
        "she/her",
        date(1990, 2, 3),
        profile("depression"),
        ("F33.1",),
        "90834",
        "prairie",
        date(2026, 3, 17),
        phq=17,
    )
    for number, day in enumerate(weekly(client.intake, date(2026, 6, 16), {date(2026, 5, 26)})):
        see(
            client,
            day,
            "10:15",
            "intake" if number == 0 else "soap",
            rng,
            private=day == date(2026, 4, 14),
        )
    see(client, date(2026, 5, 26), "10:15", "cancellation", rng)
    client.plans = [date(2026, 3, 17), date(2026, 5, 26), date(2026, 8, 4), date(2026, 10, 13)]
    return client


def group_member(
    rng: dd.Dice,
    key: int,
    code: str,
    name: str,
    pronouns: str,
    dob: date,
    problem: str,
    diagnoses: tuple[str, ...],
    start: str,
) -> dd.Client:
    """C0003, C0004: an intake, then the Thursday group only."""
    client = person(
        OKAFOR,
        key,
        code,
        name,
        pronouns,
        dob,
        profile(problem),
        diagnoses,
        "90834",
        "bluecross" if key == 2 else dd.SELF_PAY,
        date(2026, 8, 27),
    )
    client.plan_modality = "group"
    see(client, client.intake, start, "intake", rng)
    client.plans = [client.intake, client.intake + timedelta(days=dd.PLAN_RENEW_DAYS)]
    return client


def telehealth_client(rng: dd.Dice) -> dd.Client:
    """C0005: video from home, once from work (POS 02), once audio only."""
    client = person(
        REYES,
        4,
        "C0005",
        "Marisol Quennell",
        "she/her",
        date(1979, 6, 21),
        profile("anxiety"),
        ("F41.1",),
        "90834",
        "lakeshore",
        date(2026, 9, 14),
    )
    for number, day in enumerate(weekly(client.intake, date(2026, 11, 16))):
        modality, place = "video", "home"
        if day == date(2026, 10, 12):
            place = "elsewhere"
        if day == date(2026, 11, 2):
            modality = "audio"
        see(
            client,
            day,
            "12:00",
            "intake" if number == 0 else "dap",
            rng,
            modality=modality,
            place=place,
        )
    client.modality = "video"
    client.plans = every(client.intake, TODAY)
    return client


def discharged_client(rng: dd.Dice) -> dd.Client:
    """C0006: a short course of trauma-focused therapy, then discharge."""
    client = person(
        REYES,
        5,
        "C0006",
        "Florian Ashdown",
        "he/him",
        date(1995, 10, 9),
        profile("trauma"),
        ("F43.10",),
        "90837",
        "bluecross",
        date(2026, 4, 6),
    )
    days = weekly(client.intake, date(2026, 6, 1))
    for number, day in enumerate(days):
        kind = "intake" if number == 0 else "discharge" if day == days[-1] else "girp"
        see(client, day, "15:00", kind, rng)
    client.discharge = days[-1]
    client.plans = [client.intake]
    return client


def run_group(members: list[dd.Client], rng: dd.Dice) -> list[dd.GroupSession]:
    """Eight Thursday evenings of the group, with one member note each."""
    sessions = []
    for number, day in enumerate(weekly(date(2026, 9, 3), date(2026, 10, 22))):
        session = dd.GroupSession(
            GROUP,
            number % len(dd.GROUP_THEMES),
            day,
            OKAFOR,
            members,
            start=17 * 60 + 30,
            minutes=90,
        )
        sessions.append(session)
        for client in members:
            visit = see(client, day, "17:30", "group", rng, service="90853", minutes=90)
            visit.group = session
    return sessions


def build(root: Path = PRACTICE) -> int:
    """Write the demo practice into `root` (replacing it); returns the number of files."""
    rng = dd.Dice("chartkeep example practice")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    clients = [johnny(rng), jane(rng)]
    clients += [
        group_member(
            rng,
            2,
            "C0003",
            "Rosalind Hargreave",
            "she/her",
            date(1984, 3, 30),
            "anxiety",
            ("F41.1",),
            "09:30",
        ),
        group_member(
            rng,
            3,
            "C0004",
            "Teodor Lindqvist",
            "he/him",
            date(1969, 12, 11),
            "depression",
            ("F33.1", "F41.1"),
            "11:00",
        ),
    ]
    groups = run_group([clients[1], clients[2], clients[3]], rng)
    clients += [telehealth_client(rng), discharged_client(rng)]
    dd.write(
        root / "chartkeep.toml",
        dd.settings_text("Riverbend Counseling (fictional)", [OKAFOR, REYES]),
    )
    writer = dd.PracticeWriter(root, {p.id: p for p in dd.PAYERS}, rng, last_day=TODAY)
    names = [c.name for c in clients]
    for client in clients:
        writer.client(client, names)
    for session in groups:
        writer.group(session)
    for source in sorted(SEED_NOTES.rglob("*.md")):
        target = root / source.relative_to(SEED_NOTES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return sum(1 for path in root.rglob("*") if path.is_file())


def main() -> int:
    count = build()
    print(f"{PRACTICE}: {count} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
