"""CK1xx across records: paths that match the front matter, known clinicians, clients and payers,
dates that make sense (nothing in the future, birth before the session, end after start)."""

from __future__ import annotations

import datetime as dt
import re

from chartkeep.checks import Env, Facts, TimedCheck
from chartkeep.layout import GROUPS_DIR, NOTES_DIR, PRIVATE_DIR
from chartkeep.model import (
    Client,
    GroupSession,
    ProgressNote,
    PsychotherapyNote,
    Record,
    Session,
    TreatmentPlan,
)
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.settings import Settings

_NOTE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-([a-z0-9_]+?)(?:-(\d+))?\.md")
_PRIVATE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.md")
_PLAN_NAME = re.compile(r"plan-(\d{4}-\d{2}-\d{2})(?:-\d+)?\.md")


def local(record: Record, env: Env) -> list[Problem]:
    """Where the file is, who it names from the settings, whether its times make sense."""
    out = _placement(record)
    settings = env.settings
    clinician = getattr(record, "clinician", None)
    if clinician and settings.clinicians and clinician not in settings.clinicians:
        out.append(
            problem(
                "CK112",
                record.path,
                record.line("clinician"),
                f"clinician {clinician!r} is not in chartkeep.toml; add [clinicians.{clinician}] "
                f"or use one of {', '.join(settings.clinicians)}",
            )
        )
    if isinstance(record, Client) and record.payer != "self-pay" and record.payer not in settings.payers:
        out.append(
            problem(
                "CK114",
                record.path,
                record.line("payer"),
                f"payer {record.payer!r} is not in chartkeep.toml: add [payers.{record.payer}] "
                "or write `self-pay`",
            )
        )
    if isinstance(record, Session) and record.start and record.end and record.end <= record.start:
        out.append(
            problem(
                "CK109",
                record.path,
                record.line("end"),
                f"ends at {record.end:%H:%M}, not after its start {record.start:%H:%M}: use 24-hour "
                'times ("19:58", not "7:58")',
            )
        )
    return out


def _records(practice: Practice) -> list[Problem]:
    """Face sheets for every client code named; births before sessions."""
    out: list[Problem] = []
    clients = practice.clients
    for record in practice.records:
        if isinstance(record, Client):
            continue
        client = getattr(record, "client", None)
        if client and client not in clients:
            out.append(
                problem(
                    "CK113",
                    record.path,
                    record.line("client"),
                    f"no face sheet for {client}: create {NOTES_DIR}/{client}/client.md "
                    "(`chartkeep new-client`) or fix the code",
                )
            )
        if isinstance(record, GroupSession):
            for index, member in enumerate(record.members):
                if member not in clients:
                    out.append(problem("CK113", record.path, record.line(f"members.{index}"),
                                       f"group member {member} has no face sheet"))
        day = getattr(record, "date", None)
        if day is not None and isinstance(record, ProgressNote):
            face_sheet = clients.get(record.client)
            if face_sheet and face_sheet.dob and face_sheet.dob > day:
                out.append(
                    problem("CK107", record.path, record.line("date"),
                            f"session on {day} is before the client's date of birth "
                            f"{face_sheet.dob} ({face_sheet.path}): fix one of them")
                )
    return out


def _future_dates(practice: Practice) -> Facts:
    """Dates of birth and record dates after today, `(path, code, line, date)`: only those, as a
    date that has come cannot be in the future again."""
    today = practice.today
    out: Facts = []
    for record in practice.records:
        if isinstance(record, Client):
            if record.dob is not None and record.dob > today:
                out.append((record.path, "CK107", record.line("dob"), record.dob))
            continue
        day = getattr(record, "date", None)
        if day is not None and day > today:
            out.append((record.path, "CK108", record.line("date"), day))
    return out


def _judge_future_dates(facts: Facts, now: dt.datetime, settings: Settings) -> list[Problem]:
    today = now.date()
    out = []
    for path, code, line, day in facts:
        if day <= today:
            continue
        if code == "CK107":
            out.append(problem(code, path, line, f"date of birth {day} is in the future: fix it"))
        else:
            out.append(problem(code, path, line, f"dated {day}, in the future (today is {today}): fix the date"))
    return out


check_records = TimedCheck("check_records", _future_dates, _judge_future_dates, _records)
"""Face sheets for every client code named; nothing dated in the future; births before sessions."""


def _placement(record: Record) -> list[Problem]:
    """The path says what the front matter says: folder = client code, file name = date and type."""
    parts = record.path.split("/")
    name = parts[-1]
    if "date" in record.raw.meta and getattr(record, "date", None) == dt.date.min:
        return []  # the date itself is wrong (CK105); the file name cannot be compared

    def wrong(key: str, message: str) -> list[Problem]:
        return [problem("CK111", record.path, record.line(key), message)]

    if isinstance(record, PsychotherapyNote):
        if parts[0] != PRIVATE_DIR:
            return wrong(
                "record",
                "a psychotherapy note must live under private/ (kept out of the chart and any "
                f"export): move it to {PRIVATE_DIR}/{record.client}/{name}",
            )
        if len(parts) != 3 or parts[1] != record.client:
            return wrong("client", f"client {record.client} but the folder is {'/'.join(parts[:-1])}: "
                         f"move it to {PRIVATE_DIR}/{record.client}/")
        match = _PRIVATE_NAME.fullmatch(name)
        if not match or match[1] != str(record.date):
            return wrong("date", f"file name should start with the date: {record.date}.md")
        return []
    if parts[0] == PRIVATE_DIR:
        return wrong("record", "only psychotherapy notes (record: psychotherapy) belong under private/")
    if isinstance(record, GroupSession):
        expected = f"{NOTES_DIR}/{GROUPS_DIR}/{record.group}/"
        if not record.path.startswith(expected) or len(parts) != 4:
            return wrong("group", f"group {record.group!r} records live in {expected}")
        match = _NOTE_NAME.fullmatch(name)
        if not match or match[1] != str(record.date) or match[2] != "group":
            return wrong("date", f"file name should be {record.date}-group.md")
        return []
    client = getattr(record, "client", "")
    if not client:  # the schema reports the missing field; no garbled path advice here
        return []
    if len(parts) != 3 or parts[0] != NOTES_DIR or parts[1] != client:
        return wrong("client", f"client {client} but the file is in {'/'.join(parts[:-1])}: "
                     f"move it to {NOTES_DIR}/{client}/ or fix `client`")
    if isinstance(record, Client):
        if name != "client.md":
            return wrong("record", "rename it to client.md (a face sheet's file name)")
    elif isinstance(record, TreatmentPlan):
        match = _PLAN_NAME.fullmatch(name)
        if not match or match[1] != str(record.date):
            return wrong("date", f"rename it to plan-{record.date}.md (a treatment plan's file name)")
    elif isinstance(record, ProgressNote):
        match = _NOTE_NAME.fullmatch(name)
        if not match:
            return wrong("date", f"rename it to {record.date}-{record.type}.md (YYYY-MM-DD-type.md)")
        if match[1] != str(record.date):
            return wrong("date", f"date {record.date} but the file name says {match[1]}: rename "
                         "the file or fix the date")
        if record.type and match[2] != record.type:
            return wrong("type", f"type {record.type!r} but the file name says {match[2]!r}")
    return []
