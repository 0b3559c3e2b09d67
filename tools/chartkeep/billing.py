"""Service codes as data: minute bands and which add-ons go with which codes.

Sources: Medicare LCD L35101 (Novitas) and the APA for 90832–90838; NGS citing LCD L33632 for 90853;
CPT for 90846/90847, 90839/+90840 and +90785 (see shared DOMAIN.md). A practice overrides or adds
rows in `chartkeep.toml` under `[billing.codes."CODE"]` (min, max, kind) and
`[billing.addons."CODE"] with = [...]`: the checks read only this table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

KINDS = ("timed", "untimed", "group", "crisis", "addon-crisis", "family")


@dataclass(frozen=True)
class ServiceCode:
    code: str
    what: str
    kind: str  # one of KINDS
    min_minutes: int | None = None
    max_minutes: int | None = None
    max_participants: int | None = None


SERVICE_CODES: dict[str, ServiceCode] = {
    c.code: c
    for c in (
        ServiceCode("90832", "psychotherapy, 30 minutes", "timed", 16, 37),
        ServiceCode("90834", "psychotherapy, 45 minutes", "timed", 38, 52),
        ServiceCode("90837", "psychotherapy, 60 minutes", "timed", 53, None),
        ServiceCode("90833", "psychotherapy add-on with E/M, 30 minutes", "timed", 16, 37),
        ServiceCode("90836", "psychotherapy add-on with E/M, 45 minutes", "timed", 38, 52),
        ServiceCode("90838", "psychotherapy add-on with E/M, 60 minutes", "timed", 53, None),
        ServiceCode("90791", "diagnostic evaluation", "untimed"),
        ServiceCode("90792", "diagnostic evaluation with medical services", "untimed"),
        ServiceCode("90846", "family psychotherapy without the client", "family", 26, None),
        ServiceCode("90847", "family psychotherapy with the client", "family", 26, None),
        ServiceCode("90839", "crisis psychotherapy, first 60 minutes", "crisis", 30, None),
        ServiceCode("90853", "group psychotherapy", "group", max_participants=12),
    )
}
# The time-band family a timed code belongs to, to suggest the right code for the minutes.
TIMED_FAMILIES = (("90832", "90834", "90837"), ("90833", "90836", "90838"))

ADDONS: dict[str, tuple[str, ...]] = {
    "90785": ("90791", "90792", "90832", "90833", "90834", "90836", "90837", "90838", "90853"),
    "90840": ("90839",),
}
# The fields a practice may set under `[billing.codes."CODE"]`, and their types (settings checks them).
CODE_FIELDS: dict[str, type] = {
    "what": str,
    "kind": str,
    "min_minutes": int,
    "max_minutes": int,
    "max_participants": int,
}
CRISIS_FIRST_UNIT_MAX = 74  # 90839 covers 30–74 minutes; each +90840 covers 30 more beyond 74
CRISIS_ADDON_MINUTES = 30
PSYCHOTHERAPY_MIN_MINUTES = 16


@dataclass(frozen=True)
class BillingRules:
    codes: dict[str, ServiceCode]
    addons: dict[str, tuple[str, ...]]

    def suggest(self, code: str, minutes: int) -> str | None:
        """The code of the same family whose band holds `minutes`."""
        for family in TIMED_FAMILIES:
            if code in family:
                for candidate in family:
                    row = self.codes.get(candidate)
                    if row and fits(row, minutes):
                        return candidate
        return None


def minutes_between(start: dt.time | None, end: dt.time | None) -> int | None:
    """Session minutes from start and end times on one day (None when either is missing)."""
    if start is None or end is None:
        return None
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def fits(row: ServiceCode, minutes: int) -> bool:
    low = row.min_minutes if row.min_minutes is not None else 0
    return minutes >= low and (row.max_minutes is None or minutes <= row.max_minutes)


def crisis_addon_units(minutes: int) -> int:
    """How many +90840 units the minutes support (75–104 → 1, 105–134 → 2, …)."""
    beyond = minutes - CRISIS_FIRST_UNIT_MAX
    return 0 if beyond <= 0 else -(-beyond // CRISIS_ADDON_MINUTES)


def rules(overrides: dict[str, Any] | None = None) -> BillingRules:
    """The default table with a practice's `[billing]` overrides applied."""
    codes = dict(SERVICE_CODES)
    addons = dict(ADDONS)
    overrides = overrides or {}
    for code, row in dict(overrides.get("codes", {})).items():
        base = codes.get(code, ServiceCode(code, str(row.get("what", code)), str(row.get("kind", "timed"))))
        changes = {k: row[k] for k in CODE_FIELDS if k in row}
        codes[code] = replace(base, **changes)
    for code, row in dict(overrides.get("addons", {})).items():
        addons[code] = tuple(str(c) for c in row.get("with", ()))
    return BillingRules(codes, addons)
