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
    by: str
    at: dt.datetime
    reason: str = ""


@dataclass(frozen=True)
class Risk:
    suicidal: str
    homicidal: str
    level: str | None = None
    safety_plan: str | None = None
    notes: str | None = None

    @property
    def denied(self) -> bool:
        return self.suicidal == "denied" and self.homicidal == "denied"


@dataclass(frozen=True)
class Record:
    """What every record has: where it is, and what was read."""

    path: str
    raw: RawRecord = field(repr=False, compare=False)

    def line(self, key: str) -> int:
        return self.raw.line_of(key)


@dataclass(frozen=True)
class Client(Record):
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


@dataclass(frozen=True)
class Signable(Record):
    signed: Signature | None = None
    cosigned: Signature | None = None
    attestation: Signature | None = None
    late: bool = False
    template: str | None = None


@dataclass(frozen=True)
class TreatmentPlan(Signable):
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


@dataclass(frozen=True)
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
    group: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class PsychotherapyNote(Signable):
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


def build(record: str, values: dict[str, Any], raw: RawRecord) -> Record:
    """A typed record from validated values; nested mappings become their own records."""
    cls = _CLASSES[record]
    names = {f.name for f in fields(cls)}
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
