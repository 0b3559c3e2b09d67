"""CK5xx: notes signed in time, by a known clinician with a credential, never before the session
ended, with a real electronic signature rather than a pasted image (CMS PIM ch. 3 §3.3.2.4)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from chartkeep.checks import Env, Facts, TimedCheck
from chartkeep.model import GroupSession, ProgressNote, Record, Signable, TreatmentPlan
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import COMMENT
from chartkeep.settings import Settings

SIGNATURE_LINE = re.compile(r"^Electronically signed by (?P<name>.+?), (?P<credential>[^,]+?) on (?P<at>.+)$", re.M)
_SIGNATURE_WORDS = "Electronically signed by "
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b", re.I)


def signature_line(name: str, credential: str, at: dt.datetime) -> str:
    """The line `chartkeep sign` writes at the end of the body."""
    return f"Electronically signed by {name}, {credential} on {at:%Y-%m-%d %H:%M}"


_DAY_END = dt.time(23, 59)


def completed_at(record: Signable) -> dt.datetime | None:
    """When the deadline clock starts: the session's end, or the record's date for plans."""
    if isinstance(record, ProgressNote | GroupSession):
        if record.end is not None:
            return dt.datetime.combine(record.date, record.end)
        return dt.datetime.combine(record.date, _DAY_END)
    if isinstance(record, TreatmentPlan):
        return dt.datetime.combine(record.date, _DAY_END)
    return None


def _all_completed(practice: Practice) -> Iterator[tuple[Signable, dt.datetime]]:
    """Every note, group session and plan with its `completed_at`, without testing each one's kind."""
    combine = dt.datetime.combine
    sessions: list[ProgressNote | GroupSession] = [*practice.notes, *practice.groups]
    yield from ((s, combine(s.date, s.end if s.end is not None else _DAY_END)) for s in sessions)
    yield from ((p, combine(p.date, _DAY_END)) for plans in practice.plans.values() for p in plans)


def local(record: Record, env: Env) -> list[Problem]:
    """The signature's form: a real electronic signature by a known, credentialed clinician,
    given after the session ended, matching the line in the body."""
    if not isinstance(record, ProgressNote | GroupSession | TreatmentPlan):
        return []
    settings = env.settings
    out = []
    body = record.raw.body
    if "<!--" in body:  # prompts and reminders in comments are not the record
        body = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    image = _IMAGE.search(body) if ("![" in body or ("<" in body and "<img" in body.lower())) else None
    if image and re.search(r"signature|signed", body[max(0, image.start() - 200) : image.end() + 50], re.I):
        line = record.raw.body_line + body.count("\n", 0, image.start())
        out.append(problem("CK508", record.path, line,
                           "a pasted signature image is not a signature (CMS): remove it and sign "
                           f"with `chartkeep sign {record.path}`"))
    signed = record.signed
    if signed is None:
        if next(_signature_lines(body), None):
            out.append(problem("CK508", record.path, record.raw.body_line,
                               "a typed signature line without `signed:` in the front matter: sign "
                               f"with `chartkeep sign {record.path}`"))
        return out
    clinician = settings.clinicians.get(signed.by)
    if clinician is None:
        out.append(problem("CK503", record.path, record.line("signed.by"),
                           f"signed by {signed.by!r}, who is not a clinician in chartkeep.toml"))
    elif not clinician.credential:
        out.append(problem("CK504", record.path, record.line("signed.by"),
                           f"{signed.by} has no credential in chartkeep.toml: add credential = \"LCSW\" "
                           "(or theirs)"))
    done = completed_at(record)
    if (isinstance(record, ProgressNote | GroupSession) and record.end is not None
            and done is not None and signed.at < done):
        out.append(problem("CK502", record.path, record.line("signed.at"),
                           f"signed at {signed.at:%Y-%m-%d %H:%M}, before the session ended "
                           f"({done:%Y-%m-%d %H:%M}): a note is signed after the session"))
    if clinician is not None and not _line_matches(body, clinician.name, clinician.credential):
        out.append(problem("CK508", record.path, record.line("signed"),
                           f"signed in the front matter but the body lacks the line "
                           f"'{signature_line(clinician.name, clinician.credential, signed.at)}'"))
    return out


def signature_due(record: Signable, settings: Settings) -> dt.datetime | None:
    """When the practice's deadline for signing `record` runs out (None: no deadline applies)."""
    done = completed_at(record)
    return done + dt.timedelta(hours=settings.note_deadline_hours) if done is not None else None


def _late(practice: Practice) -> list[Problem]:
    """Signed after the deadline without an attestation."""
    settings = practice.settings
    deadline = dt.timedelta(hours=settings.note_deadline_hours)
    out: list[Problem] = []
    for record, done in _all_completed(practice):
        signed = record.signed
        if signed is not None and signed.at > done + deadline and record.attestation is None:
            out.append(problem("CK506", record.path, record.line("signed.at"),
                               f"signed {signed.at:%Y-%m-%d %H:%M}, after the "
                               f"{settings.note_deadline_hours}-hour deadline: add an attestation "
                               f"(`chartkeep attest {record.path} --as {signed.by}`)"))
    return out


def _deadlines(practice: Practice) -> Facts:
    """What waits for a signature: unsigned records `(path, "CK501", 1, due)` and supervised
    clinicians' signed ones without a co-signature `(path, "CK507", line, due, clinician)`."""
    settings = practice.settings
    deadline = dt.timedelta(hours=settings.note_deadline_hours)
    supervised = {key for key, c in settings.clinicians.items() if c.supervisor}
    out: Facts = []
    for record, done in _all_completed(practice):
        signed = record.signed
        if signed is None:
            out.append((record.path, "CK501", 1, done + deadline))
        elif supervised and record.cosigned is None:
            author = getattr(record, "clinician", "") or ""
            if author in supervised:
                out.append((record.path, "CK507", record.line("signed"), done + deadline, author))
    return out


def _judge_deadlines(facts: Facts, now: dt.datetime, settings: Settings) -> list[Problem]:
    out: list[Problem] = []
    hours = settings.note_deadline_hours
    for path, code, line, due, *author in facts:
        if now <= due:
            continue
        if code == "CK501":
            late = int((now - due).total_seconds() // 3600)
            out.append(problem(code, path, line,
                               f"unsigned {late} hours past the {hours}-hour deadline: complete and sign "
                               f"it (`chartkeep sign {path}`), then attest the late signature"))
        else:
            clinician = settings.clinicians[author[0]]
            out.append(problem(code, path, line,
                               f"{clinician.id} is supervised by {clinician.supervisor}: co-sign it "
                               f"(`chartkeep cosign {path} --as {clinician.supervisor}`)"))
    return out


check_signatures = TimedCheck("check_signatures", _deadlines, _judge_deadlines, _late)
"""Deadlines: unsigned too long, signed late without attestation, co-signature missing."""


def _line_matches(body: str, name: str, credential: str) -> bool:
    return any(m["name"] == name and m["credential"] == credential for m in _signature_lines(body))


def _signature_lines(body: str) -> Iterator[re.Match[str]]:
    """`SIGNATURE_LINE.finditer(body)`, tried only where its words are (its `^` would be tried at
    every character; matched there, it still holds them to the start of a line). A match is one
    whole line, so no two overlap."""
    start = body.find(_SIGNATURE_WORDS)
    while start >= 0:
        match = SIGNATURE_LINE.match(body, start)
        if match:
            yield match
        start = body.find(_SIGNATURE_WORDS, start + 1)
