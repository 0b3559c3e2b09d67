"""CK2xx: what a payer checks before paying a claim. The bands and pairings come from
`chartkeep.billing` (data, overridable per practice); this module only compares."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from chartkeep import billing
from chartkeep.checks import Env, Rows, RowsCheck
from chartkeep.model import GroupSession, ProgressNote, Record, Session
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.schema import UNBILLED_TYPES
from chartkeep.settings import Payer, Settings

PSYCHOTHERAPY_KINDS = {"timed"}
EVALUATIONS = ("90791", "90792")
# The client's own home, said first ("home, Springfield IL", "client's home"); "nursing home",
# "group home" or "a relative's home" are elsewhere (place of service 02).
_AT_HOME = re.compile(r"(?:at\s+|the\s+)?(?:client'?s\s+|own\s+|their\s+|his\s+|her\s+)?(?:home|residence)\b")


def local(record: Record, env: Env) -> list[Problem]:
    """Minutes against the code's band, add-on pairings, group size, telehealth paperwork."""
    out: list[Problem] = []
    if isinstance(record, ProgressNote) and record.billable:
        out.extend(_minutes(record, env.rules))
        out.extend(_addons(record, env.rules))
        out.extend(_telehealth_paperwork(record))
    elif isinstance(record, GroupSession):
        out.extend(_minutes(record, env.rules))
        out.extend(_group_size(record, env.rules))
    return out


def check_billing(practice: Practice) -> list[Problem]:
    out: list[Problem] = []
    codes = _TelehealthCodes.of_clients(practice)
    no_face_sheet = _TelehealthCodes.of(practice.settings.payer(None))
    # Only a telehealth session, or one with a telehealth place of service (any payer's) or a
    # modifier, has telehealth coding to compare: most notes are passed over at once.
    places = no_face_sheet.places.union(*(payer_codes.places for payer_codes in codes.values()))
    crisis: list[ProgressNote] = []
    evaluations: list[ProgressNote] = []
    for note in practice.notes:
        if (note.modifiers or note.pos in places or note.telehealth) and note.billable:
            out.extend(_telehealth(note, codes.get(note.client, no_face_sheet)))
        service = note.service
        if service == "90839":
            crisis.append(note)
        elif service in EVALUATIONS:
            evaluations.append(note)
    out.extend(_crisis_once_a_day(crisis))
    out.extend(_repeat_evaluations(practice, evaluations))
    return out


def _minutes(session: Session, rules: billing.BillingRules) -> list[Problem]:
    minutes = session.minutes
    code = session.service
    if code is None or minutes is None or minutes <= 0:
        return []
    row = rules.codes.get(code)
    where = session.line("service")
    if row is None:
        return [
            problem("CK210", session.path, where,
                    f"service {code!r} is not in chartkeep's table; check the code, or add it under "
                    "[billing.codes] in chartkeep.toml")
        ]
    if row.kind in PSYCHOTHERAPY_KINDS:
        if minutes < billing.PSYCHOTHERAPY_MIN_MINUTES:
            return [
                problem("CK202", session.path, session.line("end"),
                        f"{minutes} minutes ({session.start:%H:%M}–{session.end:%H:%M}) is under 16: "
                        "not billable as psychotherapy; document it as a contact note")
            ]
        if not billing.fits(row, minutes):
            better = rules.suggest(code, minutes)
            fix = f"bill {better}" if better else "check the times"
            return [
                problem("CK201", session.path, where,
                        f"{code} ({row.what}) needs {_band(row)}; this session is {minutes} minutes "
                        f"({session.start:%H:%M}–{session.end:%H:%M}): {fix}")
            ]
    if row.kind in ("family", "crisis", "group") and not billing.fits(row, minutes):
        return [
            problem("CK201", session.path, where,
                    f"{code} ({row.what}) needs {_band(row)}; this session is {minutes} minutes")
        ]
    if row.kind == "crisis" and isinstance(session, ProgressNote):
        units = sum(1 for addon in session.addons if addon == "90840")
        expected = billing.crisis_addon_units(minutes)
        if units != expected:
            return [
                problem("CK211", session.path,
                        session.line("addons" if "addons" in session.raw.lines else "service"),
                        f"{minutes} minutes of crisis psychotherapy supports {expected} unit(s) of "
                        f"+90840 (one per 30 minutes beyond 74), not {units}: fix `addons`")
            ]
    return []


def _band(row: billing.ServiceCode) -> str:
    if row.max_minutes is None:
        return f"{row.min_minutes} minutes or more"
    return f"{row.min_minutes}–{row.max_minutes} minutes"


def _addons(note: ProgressNote, rules: billing.BillingRules) -> list[Problem]:
    out = []
    for index, addon in enumerate(note.addons):
        allowed = rules.addons.get(addon)
        key = f"addons.{index}"
        if allowed is None:
            out.append(problem("CK210", note.path, note.line(key),
                               f"add-on {addon!r} is not in chartkeep's table; check the code"))
        elif note.service not in allowed:
            out.append(
                problem("CK203", note.path, note.line(key),
                        f"+{addon} cannot be billed with {note.service}; it goes with "
                        f"{', '.join(allowed)}: remove it or fix the service")
            )
    return out


@dataclass(frozen=True)
class _TelehealthCodes:
    """A payer's telehealth places of service and modifiers, worked out once per payer."""

    payer: Payer
    places: frozenset[str]
    modifiers: frozenset[str]

    @classmethod
    def of(cls, payer: Payer) -> _TelehealthCodes:
        return cls(
            payer,
            frozenset({payer.telehealth_pos_home, payer.telehealth_pos_elsewhere}),
            frozenset({payer.video_modifier, payer.audio_modifier, "95", "93", "GT"}),
        )

    @classmethod
    def of_clients(cls, practice: Practice) -> dict[str, _TelehealthCodes]:
        """Client code → its payer's codes."""
        by_payer: dict[str, _TelehealthCodes] = {}
        out = {}
        for code, client in practice.clients.items():
            if client.payer not in by_payer:
                by_payer[client.payer] = cls.of(practice.settings.payer(client.payer))
            out[code] = by_payer[client.payer]
        return out


def _telehealth(note: ProgressNote, codes: _TelehealthCodes) -> list[Problem]:
    """Place of service and modifiers that fit how the session was held, for the client's payer."""
    out = []
    if not note.telehealth:
        if note.pos in codes.places and note.modality == "in-person":
            out.append(problem("CK205", note.path, note.line("pos"),
                               f"place of service {note.pos} is telehealth but the session was in "
                               "person: use 11 (office) or where it was held"))
        for index, modifier in enumerate(note.modifiers):
            if modifier in codes.modifiers:
                out.append(problem("CK206", note.path, note.line(f"modifiers.{index}"),
                                   f"modifier {modifier} is for telehealth; this session was in person"))
        return out
    payer = codes.payer
    location = (note.client_location or "").strip()
    at_home = bool(_AT_HOME.match(location.lower()))
    expected = payer.telehealth_pos_home if at_home else payer.telehealth_pos_elsewhere
    if location and note.pos != expected:
        where = "at home" if at_home else "not at home"
        out.append(
            problem("CK205", note.path, note.line("pos"),
                    f"the client was {where} ({location!r}); {payer.id} wants place of service "
                    f"{expected} for that, not {note.pos}")
        )
    wanted = payer.video_modifier if note.modality == "video" else payer.audio_modifier
    if wanted and wanted not in note.modifiers:
        out.append(
            problem("CK206", note.path, note.line("modifiers"),
                    f"{note.modality} session: {payer.id} wants modifier {wanted}; add it to "
                    "`modifiers`")
        )
    return out


def _telehealth_paperwork(note: ProgressNote) -> list[Problem]:
    out = []
    if note.telehealth and not (note.client_location or "").strip():
        out.append(
            problem("CK204", note.path, note.line("modality"),
                    "telehealth session without the client's location: add `client_location:` "
                    "(e.g. \"home, Springfield IL\")")
        )
    if note.modality == "audio" and not (note.audio_only_reason or "").strip():
        out.append(
            problem("CK212", note.path, note.line("modality"),
                    "audio-only session: document why video was not used in `audio_only_reason`")
        )
    return out


def _group_size(group: GroupSession, rules: billing.BillingRules) -> list[Problem]:
    row = rules.codes.get(group.service or "")
    if row and row.max_participants and len(group.members) > row.max_participants:
        return [
            problem("CK207", group.path, group.line("members"),
                    f"{len(group.members)} members; {group.service} allows at most "
                    f"{row.max_participants} participants")
        ]
    return []


def _crisis_once_a_day(crisis: list[ProgressNote]) -> list[Problem]:
    """`crisis`: the notes that bill 90839, in the practice's order."""
    seen: dict[tuple[str, dt.date], ProgressNote] = {}
    out = []
    for note in crisis:
        key = (note.client, note.date)
        if key in seen:
            out.append(problem("CK211", note.path, note.line("service"),
                               f"90839 is billed once a day; {seen[key].path} already bills it: "
                               "add +90840 units to the first note instead"))
        else:
            seen[key] = note
    return out


def _repeat_evaluations(practice: Practice, evaluations: list[ProgressNote]) -> list[Problem]:
    """`evaluations`: the notes that bill a diagnostic evaluation, sorted by client and date."""
    out = []
    last: dict[str, ProgressNote] = {}
    for note in evaluations:
        previous = last.get(note.client)
        if previous is not None:
            client = practice.clients.get(note.client)
            days = practice.settings.payer(client.payer if client else None).repeat_intake_days
            gap = (note.date - previous.date).days
            if gap < days:
                out.append(
                    problem("CK208", note.path, note.line("service"),
                            f"diagnostic evaluation {gap} days after the last one ({previous.path}); "
                            f"this payer pays a repeat after {days} days: bill psychotherapy instead")
                )
        last[note.client] = note
    return out


_NOT_HELD = UNBILLED_TYPES | {"cancellation"}  # notes that hold no time of their own (not `billable`)


def _sessions(practice: Practice) -> Rows:
    """Every session held, `(path, clinician, day, start, end, group, line of start)`: the day as
    its ordinal and the times in seconds since midnight (plain numbers: cheap to cache)."""
    out: Rows = []
    for session in (*practice.notes, *practice.groups):
        if isinstance(session, ProgressNote) and session.type in _NOT_HELD:
            continue
        start, end = session.start, session.end
        if start is None or end is None or end <= start:
            continue
        group = getattr(session, "group", None) or ""
        out.append((session.path, session.clinician, session.date.toordinal(), _seconds(start), _seconds(end),
                    group, session.line("start")))
    return out


def _judge_overlaps(rows: Rows, settings: Settings) -> list[Problem]:
    """One clinician cannot hold two sessions at once; a group session's member notes are one.

    A session lies within its day (it ends after it starts, on its date), so only sessions of one
    clinician and one day can overlap. Each such day is swept in order of start, end and path,
    against the session that ends latest so far."""
    days: dict[tuple[str, int], Rows] = {}
    for row in rows:
        key = (row[1], row[2])
        if key in days:
            days[key].append(row)
        else:
            days[key] = [row]
    out = []
    for sessions in days.values():
        if len(sessions) > 1:
            out.extend(_overlaps(sessions))
    return out


def _overlaps(sessions: Rows) -> list[Problem]:
    """The overlaps among one clinician's sessions of one day."""
    sessions.sort(key=itemgetter(3, 4, 0))
    out = []
    latest = sessions[0]
    for session in sessions[1:]:
        path, clinician, _, start, end, group, line = session
        if start < latest[4] and not _one_session(session, latest):
            out.append(
                problem("CK209", path, line,
                        f"{clinician} has another session {_clock(latest[3])}–"
                        f"{_clock(latest[4])} that day ({latest[0]}): fix the times")
            )
        if end > latest[4]:
            latest = session
    return out


def _seconds(time: dt.time) -> int:
    return time.hour * 3600 + time.minute * 60 + time.second


def _clock(seconds: int) -> str:
    """`HH:MM`, as `f"{time:%H:%M}"` shows the time `seconds` after midnight."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"


def _one_session(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Whether two sessions of one day are one: the same record, or the same group starting at
    the same time, as a group session and its members' notes are."""
    return a[0] == b[0] or (a[5] != "" and a[5] == b[5] and a[3] == b[3])


check_overlaps = RowsCheck("check_overlaps", _sessions, _judge_overlaps)
