"""CK2xx: what a payer checks before paying a claim. The bands and pairings come from
`chartkeep.billing` (data, overridable per practice); this module only compares."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from chartkeep import billing
from chartkeep.checks import Env
from chartkeep.model import GroupSession, ProgressNote, Record, Session
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem

PSYCHOTHERAPY_KINDS = {"timed"}
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
    for note in practice.notes:
        if note.billable:
            out.extend(_telehealth(practice, note))
    out.extend(_crisis_once_a_day(practice))
    out.extend(_repeat_evaluations(practice))
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


def _telehealth(practice: Practice, note: ProgressNote) -> list[Problem]:
    client = practice.clients.get(note.client)
    payer = practice.settings.payer(client.payer if client else None)
    out = []
    telehealth_pos = {payer.telehealth_pos_home, payer.telehealth_pos_elsewhere}
    telehealth_modifiers = {payer.video_modifier, payer.audio_modifier, "95", "93", "GT"}
    if not note.telehealth:
        if note.pos in telehealth_pos and note.modality == "in-person":
            out.append(problem("CK205", note.path, note.line("pos"),
                               f"place of service {note.pos} is telehealth but the session was in "
                               "person: use 11 (office) or where it was held"))
        for index, modifier in enumerate(note.modifiers):
            if modifier in telehealth_modifiers:
                out.append(problem("CK206", note.path, note.line(f"modifiers.{index}"),
                                   f"modifier {modifier} is for telehealth; this session was in person"))
        return out
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


def _crisis_once_a_day(practice: Practice) -> list[Problem]:
    seen: dict[tuple[str, dt.date], ProgressNote] = {}
    out = []
    for note in practice.notes:
        if note.service != "90839":
            continue
        key = (note.client, note.date)
        if key in seen:
            out.append(problem("CK211", note.path, note.line("service"),
                               f"90839 is billed once a day; {seen[key].path} already bills it: "
                               "add +90840 units to the first note instead"))
        else:
            seen[key] = note
    return out


def _repeat_evaluations(practice: Practice) -> list[Problem]:
    out = []
    last: dict[str, ProgressNote] = {}
    for note in practice.notes:  # sorted by client and date
        if note.service not in ("90791", "90792"):
            continue
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


def check_overlaps(practice: Practice) -> list[Problem]:
    """One clinician cannot hold two sessions at once; a group session's member notes are one."""
    by_clinician: dict[str, list[tuple[dt.datetime, dt.datetime, str, Session]]] = defaultdict(list)
    for session in (*practice.notes, *practice.groups):
        if isinstance(session, ProgressNote) and (not session.billable or session.type == "cancellation"):
            continue
        start, end = session.starts_at(), session.ends_at()
        if start is None or end is None or end <= start:
            continue
        group = getattr(session, "group", None)  # a group session and its member notes are one
        identity = f"group:{group}:{start}" if group else session.path
        by_clinician[session.clinician].append((start, end, identity, session))
    out = []
    for sessions in by_clinician.values():
        sessions.sort(key=lambda item: (item[0], item[1]))
        latest_end: dt.datetime | None = None
        latest: tuple[dt.datetime, dt.datetime, str, Session] | None = None
        for item in sessions:
            start, end, identity, session = item
            if latest is not None and latest_end is not None and start < latest_end and identity != latest[2]:
                out.append(
                    problem("CK209", session.path, session.line("start"),
                            f"{session.clinician} has another session {latest[0]:%H:%M}–"
                            f"{latest[1]:%H:%M} that day ({latest[3].path}): fix the times")
                )
            if latest_end is None or end > latest_end:
                latest_end, latest = end, item
    return out
