"""Problems are data: severity, a stable code, `path:line`, and a message that says what to do.

Every stage (reading, schema, checks) returns `Problem` records instead of raising, so one run
reports everything at once, as bean-check and hledger do. The catalogue below is the one list of
codes: the CLI's `--select`, the settings' severity overrides, the README table and the tests all
read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from operator import attrgetter

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one record, located at `path:line` (line 1-based; 0 = whole file)."""

    path: str
    line: int
    code: str
    severity: str
    message: str

    def as_text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity} {self.code}: {self.message}"


# The order problems compare in (their fields in turn), as a sort key compared in C.
_PLACE = attrgetter(*(f.name for f in fields(Problem)))


@dataclass(frozen=True)
class CheckCode:
    code: str
    severity: str
    title: str


def _catalogue(*rows: tuple[str, str, str]) -> dict[str, CheckCode]:
    return {code: CheckCode(code, severity, title) for code, severity, title in rows}


CATALOGUE: dict[str, CheckCode] = _catalogue(
    # CK0xx reading
    ("CK001", ERROR, "file is not UTF-8"),
    ("CK002", ERROR, "binary file where a note was expected"),
    ("CK003", ERROR, "empty file"),
    ("CK004", ERROR, "repository is locked (git-crypt ciphertext)"),
    ("CK005", ERROR, "no front matter block at the top of the file"),
    ("CK006", ERROR, "front matter block is not closed"),
    ("CK007", ERROR, "YAML syntax error in front matter"),
    ("CK008", ERROR, "front matter is not a mapping of fields"),
    ("CK009", ERROR, "duplicate key in front matter"),
    ("CK010", ERROR, "tab character in front matter"),
    ("CK011", ERROR, "YAML feature not allowed in front matter (anchor, alias, tag, complex key)"),
    ("CK012", ERROR, "file cannot be read"),
    ("CK090", ERROR, "settings file problem"),
    # CK1xx schema
    ("CK101", ERROR, "required field missing"),
    ("CK102", ERROR, "unknown field"),
    ("CK103", ERROR, "field has the wrong type"),
    ("CK104", ERROR, "value not allowed"),
    ("CK105", ERROR, "bad date"),
    ("CK106", ERROR, "bad time"),
    ("CK107", ERROR, "date of birth in the future or after the session"),
    ("CK108", ERROR, "record dated in the future"),
    ("CK109", ERROR, "session ends before it starts"),
    ("CK110", ERROR, "unknown record or note type"),
    ("CK111", ERROR, "file name or folder does not match the front matter"),
    ("CK112", ERROR, "unknown clinician"),
    ("CK113", ERROR, "no face sheet for this client"),
    ("CK114", ERROR, "unknown payer"),
    # CK2xx billing
    ("CK201", ERROR, "minutes do not fit the service code"),
    ("CK202", ERROR, "under 16 minutes: not billable as psychotherapy"),
    ("CK203", ERROR, "add-on code not allowed with this service"),
    ("CK204", ERROR, "telehealth without the client's location"),
    ("CK205", ERROR, "place of service does not match the session"),
    ("CK206", ERROR, "telehealth modifier missing or wrong for the payer"),
    ("CK207", ERROR, "group larger than the code allows"),
    ("CK208", ERROR, "diagnostic evaluation repeated too soon"),
    ("CK209", ERROR, "overlapping sessions for one clinician"),
    ("CK210", WARNING, "service code chartkeep does not know"),
    ("CK211", ERROR, "crisis units do not fit the minutes"),
    ("CK212", ERROR, "audio-only session without the reason video was not used"),
    # CK3xx diagnosis
    ("CK301", ERROR, "not an ICD-10-CM code"),
    ("CK302", ERROR, "ICD-10-CM category is not billable"),
    ("CK303", WARNING, "diagnosis not on the face sheet"),
    # CK4xx clinical content
    ("CK401", ERROR, "required section missing"),
    ("CK402", ERROR, "required section empty"),
    ("CK403", ERROR, "risk not documented"),
    ("CK404", ERROR, "risk present without level and safety plan"),
    ("CK405", ERROR, "PHQ-9 item 9 above 0 without a risk assessment"),
    ("CK406", ERROR, "measure score out of range"),
    ("CK407", ERROR, "goal not in the plan in force"),
    ("CK408", ERROR, "no treatment plan in force on the date of service"),
    ("CK409", ERROR, "treatment plan review overdue on the date of service"),
    ("CK410", WARNING, "treatment plan review coming due"),
    ("CK411", ERROR, "progress-note content inside a psychotherapy note"),
    ("CK412", ERROR, "goals missing while a plan is in force"),
    ("CK413", WARNING, "template not reviewed for a year"),
    ("CK414", WARNING, "a measure the plan tracks is missing"),
    # CK5xx signatures
    ("CK501", ERROR, "unsigned past the practice's deadline"),
    ("CK502", ERROR, "signed before the session ended"),
    ("CK503", ERROR, "signer unknown"),
    ("CK504", ERROR, "signer without a credential"),
    ("CK505", ERROR, "signed note changed after signing"),
    ("CK506", WARNING, "signed after the deadline without an attestation"),
    ("CK507", ERROR, "supervised clinician's note without co-signature past the deadline"),
    ("CK508", ERROR, "signature is an image or does not match the signed field"),
    ("CK509", ERROR, "signing commit not SSH-signed by the signer's key"),
    # CK6xx privacy
    ("CK601", ERROR, "another client's name inside a note"),
    ("CK602", ERROR, "client name in a file path"),
    ("CK603", ERROR, "client code does not match the practice's pattern"),
    # CK7xx documentation quality
    ("CK701", WARNING, "vague or subjective wording"),
    ("CK702", WARNING, "note far longer or shorter than usual"),
    ("CK703", WARNING, "note nearly identical to the previous note (cloned)"),
    ("CK704", WARNING, "personal opinion in the record"),
)

FAMILIES: dict[str, str] = {
    "CK0": "reading",
    "CK1": "schema",
    "CK2": "billing",
    "CK3": "diagnosis",
    "CK4": "clinical",
    "CK5": "signatures",
    "CK6": "privacy",
    "CK7": "quality",
}


def problem(code: str, path: str, line: int, message: str) -> Problem:
    """A problem with the catalogue's default severity for `code`."""
    return Problem(path, line, code, CATALOGUE[code].severity, message)


def selected(code: str, patterns: Sequence[str]) -> bool:
    """Whether `code` matches any of `patterns` (`CK2`, `CK20`, `CK201`, or a family name)."""
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        family = next((k for k, v in FAMILIES.items() if v == pattern.lower()), None)
        if family is not None and code.startswith(family):
            return True
        if code.startswith(pattern.upper()):
            return True
    return False


def adjust(
    problems: Iterable[Problem],
    *,
    severity: dict[str, str] | None = None,
    disable: Sequence[str] = (),
    select: Sequence[str] = (),
    strict: bool = False,
) -> list[Problem]:
    """Apply a practice's overrides and the command line's selection, sorted by place."""
    out = []
    overrides = severity or {}
    for item in problems:
        if disable and selected(item.code, disable):
            continue
        if select and not selected(item.code, select):
            continue
        new_severity = overrides.get(item.code, item.severity)
        if strict:
            new_severity = ERROR
        if new_severity != item.severity:
            item = replace(item, severity=new_severity)
        out.append(item)
    return sorted(set(out), key=_PLACE)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(item.severity == ERROR for item in problems)


def render(problems: Sequence[Problem], fmt: str = "text") -> str:
    """Problems as compiler-style lines, or as a JSON list for tools."""
    if fmt == "json":
        names = [item.name for item in fields(Problem)]  # asdict's keys, without its deep copies
        return json.dumps([{name: getattr(item, name) for name in names} for item in problems], indent=2,
                          ensure_ascii=False)
    return "\n".join(item.as_text() for item in problems)
