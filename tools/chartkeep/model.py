"""The records of a practice, typed: what the checks, the chart and the commands work with.

Built from a `RawRecord` after `schema.validate`; each keeps its `raw` record for line numbers
and body sections. Frozen: a stage never changes another stage's data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from chartkeep.billing import minutes_between
from chartkeep.reader import RawRecord
from chartkeep.schema import TELEHEALTH, UNBILLED_TYPES


@dataclass(frozen=True)
class Signature:
    """Who signed (a clinician id), when, and why (a co-signature's or attestation's reason)."""

    by: str
    at: dt.datetime
    reason: str = ""


@dataclass(frozen=True)
class Risk:
    """Suicidal and homicidal ideation as asked and answered, with the level and safety plan."""

    suicidal: str
    homicidal: str
    level: str | None = None
    safety_plan: str | None = None
    notes: str | None = None

    @property
    def denied(self) -> bool:
        return self.suicidal == "denied" and self.homicidal == "denied"


# The bases below are never built themselves: they declare fields for the records that inherit
# them, and get no methods of their own (each record class generates its own), which keeps this
# import cheap. `Record` keeps its __init__ for type checkers: `build` calls a `type[Record]`.
@dataclass(frozen=True, repr=False, eq=False)
class Record:
    """What every record has: where it is, and what was read."""

    path: str
    raw: RawRecord = field(repr=False, compare=False)

    def line(self, key: str) -> int:
        return self.raw.line_of(key)


@dataclass(frozen=True)
class Client(Record):
    """A face sheet: who the client is, who treats them, who pays, what they are treated for."""

    client: str = ""
    name: str = ""
    dob: dt.date | None = None
    pronouns: str | None = None
    clinician: str = ""
    payer: str = "self-pay"
    member_id: str | None = None
    diagnoses: tuple[str, ...] = ()
    status: str = "active"
    intake_date: dt.date | None = None
    discharge_date: dt.date | None = None


@dataclass(frozen=True, init=False, repr=False, eq=False)
class Signable(Record):
    """What a record that is signed has: the signature, a co-signature, a late-signing attestation."""

    signed: Signature | None = None
    cosigned: Signature | None = None
    attestation: Signature | None = None
    late: bool = False
    template: str | None = None


@dataclass(frozen=True)
class TreatmentPlan(Signable):
    """A treatment plan: goals, measures, how often and how long, and when it is reviewed."""

    client: str = ""
    date: dt.date = dt.date.min
    review_by: dt.date | None = None
    clinician: str = ""
    modality: str = "individual"
    frequency: str = ""
    session_minutes: int = 0
    duration: str = ""
    diagnoses: tuple[str, ...] = ()
    goals: dict[str, str] = field(default_factory=dict, hash=False)
    measures: tuple[str, ...] = ()


@dataclass(frozen=True, init=False, repr=False, eq=False)
class Session(Signable):
    """What a session note and a group session record share: when, what was billed, by whom."""

    date: dt.date = dt.date.min
    start: dt.time | None = None
    end: dt.time | None = None
    service: str | None = None
    addons: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    pos: str | None = None
    modality: str | None = None
    clinician: str = ""

    @property
    def minutes(self) -> int | None:
        return minutes_between(self.start, self.end)

    def starts_at(self) -> dt.datetime | None:
        return dt.datetime.combine(self.date, self.start) if self.start else None

    def ends_at(self) -> dt.datetime | None:
        return dt.datetime.combine(self.date, self.end) if self.end else None

    @property
    def telehealth(self) -> bool:
        return self.modality in TELEHEALTH


@dataclass(frozen=True)
class ProgressNote(Session):
    """A session note of any type: soap, dap, birp, girp, intake, group, family, crisis, …"""

    type: str = ""
    client: str = ""
    client_location: str | None = None
    audio_only_reason: str | None = None
    diagnoses: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    risk: Risk | None = None
    measures: dict[str, dict[str, int]] = field(default_factory=dict, hash=False)
    session: int | None = None
    next_appointment: dt.date | None = None
    group: str | None = None
    medication: str | None = None

    @property
    def billable(self) -> bool:
        return self.type not in UNBILLED_TYPES


@dataclass(frozen=True)
class GroupSession(Session):
    """A group psychotherapy session and the members present."""

    group: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class PsychotherapyNote(Signable):
    """A psychotherapy (process) note: kept apart from the record (HIPAA, 45 CFR 164.501)."""

    client: str = ""
    date: dt.date = dt.date.min
    clinician: str | None = None


AnyRecord = Client | TreatmentPlan | ProgressNote | GroupSession | PsychotherapyNote
_CLASSES: dict[str, type[Record]] = {
    "client": Client,
    "plan": TreatmentPlan,
    "note": ProgressNote,
    "group": GroupSession,
    "psychotherapy": PsychotherapyNote,
}


_FIELD_NAMES: dict[str, frozenset[str]] = {
    record: frozenset(f.name for f in fields(cls)) for record, cls in _CLASSES.items()
}


def build(record: str, values: dict[str, Any], raw: RawRecord) -> Record:
    """A typed record from validated values; nested mappings become their own records."""
    cls = _CLASSES[record]
    names = _FIELD_NAMES[record]
    kwargs: dict[str, Any] = {k: v for k, v in values.items() if k in names}
    for key in ("signed", "cosigned", "attestation"):
        if isinstance(kwargs.get(key), dict):
            value = kwargs[key]
            if "by" in value and "at" in value:
                kwargs[key] = Signature(value["by"], value["at"], value.get("reason", ""))
            else:
                kwargs.pop(key)
    if isinstance(kwargs.get("risk"), dict):
        risk = kwargs["risk"]
        kwargs["risk"] = (
            Risk(**risk) if "suicidal" in risk and "homicidal" in risk else None
        )
    return cls(path=raw.path, raw=raw, **kwargs)
