"""Each record type's fields, declared once: the checks, `chartkeep schema` and the templates'
field lists all come from these declarations (as mkdocs declares its config options).

`validate` is the parse stage: a `RawRecord`'s front matter → typed values + CK1xx problems. It
does not look at other files or at today's date, so its result depends only on the file's bytes
and can be cached by content hash.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chartkeep.problems import Problem, problem
from chartkeep.reader import RawRecord

STANDARD_NOTE_TYPES: dict[str, tuple[str, ...]] = {
    "soap": ("Subjective", "Objective", "Assessment", "Plan"),
    "dap": ("Data", "Assessment", "Plan"),
    "birp": ("Behavior", "Intervention", "Response", "Plan"),
    "girp": ("Goal", "Intervention", "Response", "Plan"),
    "intake": ("Presenting Problem", "History", "Mental Status", "Risk", "Diagnosis", "Plan"),
    "group": ("Notes",),
    "family": ("Notes",),
    "crisis": ("Notes",),
    "contact": ("Notes",),
    "cancellation": ("Notes",),
    "discharge": ("Summary", "Outcome", "Recommendations"),
}
UNBILLED_TYPES = frozenset({"contact", "cancellation"})
GOAL_TYPES = frozenset({"soap", "dap", "birp", "girp"})
TELEHEALTH = frozenset({"video", "audio"})
RISK_ANSWERS = ("denied", "passive", "active")
RISK_LEVELS = ("none", "low", "moderate", "high", "imminent")
MEASURES = {"phq9": (0, 27), "gad7": (0, 21)}
# Fields a psychotherapy note must not hold (they belong in the progress note).
PROGRESS_ONLY = frozenset(
    {"start", "end", "service", "diagnoses", "medication", "measures", "risk", "goals", "pos"}
)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ]([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(Z|[+-]\d{2}:?\d{2})?")
_CODE = re.compile(r"[A-Za-z0-9.\-+ ]+")  # spaces pass: CK301 proposes the spelling


@dataclass(frozen=True)
class Field:
    """One front matter field: its kind, when it is required, what it may hold, what it is for."""

    name: str
    kind: str  # str text code date time datetime int bool codes texts map goals
    help: str
    required: str = ""  # "" | always | session | billable | telehealth
    allowed: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


SIGNATURE = (
    Field("by", "str", "clinician id of the signer", required="always"),
    Field("at", "datetime", "when it was signed, YYYY-MM-DDTHH:MM", required="always"),
)
RISK = (
    Field("suicidal", "str", "suicidal ideation asked and answered", "always", RISK_ANSWERS),
    Field("homicidal", "str", "homicidal ideation asked and answered", "always", RISK_ANSWERS),
    Field("level", "str", "risk level; required unless both denied", allowed=RISK_LEVELS),
    Field("safety_plan", "text", "what was done about safety; required unless both denied"),
    Field("notes", "text", "risk and protective factors"),
)
MEASURE_FIELDS = (
    Field(
        "phq9",
        "map",
        "PHQ-9 depression screen",
        fields=(
            Field("total", "int", "total 0–27", "always", minimum=0, maximum=27),
            Field("item9", "int", "item 9, thoughts of self-harm, 0–3", minimum=0, maximum=3),
        ),
    ),
    Field(
        "gad7",
        "map",
        "GAD-7 anxiety screen",
        fields=(Field("total", "int", "total 0–21", "always", minimum=0, maximum=21),),
    ),
)
SIGNING = (
    Field("signed", "map", "signature: {by, at}", fields=SIGNATURE),
    Field("cosigned", "map", "supervisor's co-signature: {by, at}", fields=SIGNATURE),
    Field(
        "attestation",
        "map",
        "late-signature attestation: {by, at, reason}",
        fields=(*SIGNATURE, Field("reason", "text", "why the signature is late", "always")),
    ),
    Field("late", "bool", "true when signed after the practice's deadline"),
)
TEMPLATE = Field("template", "str", "template name@version (set by the scaffolder)")
SESSION_TIMES = (
    Field("date", "date", "date of service, YYYY-MM-DD", "always"),
    Field("start", "time", 'start time "HH:MM" (24-hour)', "billable"),
    Field("end", "time", 'end time "HH:MM" (24-hour)', "billable"),
    Field("service", "code", 'CPT code, e.g. "90834"', "billable"),
    Field("addons", "codes", 'add-on codes, e.g. ["90785"]'),
    Field("modifiers", "codes", 'modifiers, e.g. ["95"] for video'),
    Field("pos", "code", 'place of service: "11" office, "10" home (telehealth), "02" elsewhere', "billable"),
    Field("modality", "str", "how the session was held", "billable", ("in-person", "video", "audio")),
    Field("clinician", "str", "clinician id from chartkeep.toml", "always"),
)

RECORD_FIELDS: dict[str, tuple[Field, ...]] = {
    "client": (
        Field("record", "str", "record type", "always", ("client",)),
        Field("client", "code", "client code, e.g. C0001", "always"),
        Field("name", "text", "client's full name (only ever in this file)", "always"),
        Field("dob", "date", "date of birth, YYYY-MM-DD", "always"),
        Field("pronouns", "text", "pronouns"),
        Field("clinician", "str", "primary clinician id", "always"),
        Field("payer", "str", "payer id from chartkeep.toml, or self-pay", "always"),
        Field("member_id", "code", "insurance member id"),
        Field("diagnoses", "codes", "active ICD-10-CM codes", "always"),
        Field("status", "str", "caseload status", "always", ("active", "discharged")),
        Field("intake_date", "date", "first contact"),
        Field("discharge_date", "date", "date of discharge"),
        TEMPLATE,
    ),
    "plan": (
        Field("record", "str", "record type", "always", ("plan",)),
        Field("client", "code", "client code", "always"),
        Field("date", "date", "date the plan starts, YYYY-MM-DD", "always"),
        Field("review_by", "date", "date the plan must be reviewed by"),
        Field("clinician", "str", "clinician id", "always"),
        Field("modality", "str", "type of treatment", "always", ("individual", "group", "family", "couples")),
        Field("frequency", "text", "e.g. weekly", "always"),
        Field("session_minutes", "int", "planned minutes per session", "always", minimum=1, maximum=480),
        Field("duration", "text", "expected duration, e.g. 6 months", "always"),
        Field("diagnoses", "codes", "ICD-10-CM codes the plan treats", "always"),
        Field("goals", "goals", "goal id → measurable goal, e.g. G1: ...", "always"),
        Field("measures", "texts", "instruments the plan tracks", allowed=tuple(MEASURES)),
        TEMPLATE,
        *SIGNING,
    ),
    "note": (
        Field("record", "str", "record type", "always", ("note",)),
        Field("type", "str", "note type (soap, dap, birp, girp, intake, …)", "always"),
        Field("client", "code", "client code", "always"),
        *SESSION_TIMES,
        Field("client_location", "text", "telehealth: where the client was (CK204 when missing)"),
        Field("audio_only_reason", "text", "audio-only: why video was not used"),
        Field("diagnoses", "codes", "ICD-10-CM codes addressed", "billable"),
        Field("goals", "codes", "goal ids from the plan in force"),
        Field("risk", "map", "suicidal/homicidal ideation, level, safety plan (CK403 when missing)", fields=RISK),
        Field("measures", "map", "outcome measures", fields=MEASURE_FIELDS),
        Field("session", "int", "session number", minimum=1),
        Field("next_appointment", "date", "next appointment, YYYY-MM-DD"),
        TEMPLATE,
        Field("group", "str", "group id, for a member's note of a group session"),
        Field("medication", "text", "medication changes and adherence"),
        *SIGNING,
    ),
    "group": (
        Field("record", "str", "record type", "always", ("group",)),
        Field("group", "str", "group id (the folder name)", "always"),
        *SESSION_TIMES,
        Field("members", "codes", "client codes of the members present", "always"),
        TEMPLATE,
        *SIGNING,
    ),
    "psychotherapy": (
        Field("record", "str", "record type", "always", ("psychotherapy",)),
        Field("client", "code", "client code", "always"),
        Field("date", "date", "date, YYYY-MM-DD", "always"),
        Field("clinician", "str", "clinician id"),
        TEMPLATE,
        *SIGNING,
    ),
}
RECORD_TYPES = tuple(RECORD_FIELDS)


def _by_name(specs: tuple[Field, ...]) -> dict[str, Field]:
    return {spec.name: spec for spec in specs}


_RECORD_FIELDS_BY_NAME = {record: _by_name(specs) for record, specs in RECORD_FIELDS.items()}


@dataclass
class Validated:
    """Typed values of one record and the problems found on the way."""

    record: str | None
    values: dict[str, Any]
    problems: list[Problem]


# Years a record's dates may have: anything else is a typo, and deadlines computed from a date
# near the end of the calendar (9999-12-31) would overflow.
YEARS = range(1900, 2200)
_YEAR_HINT = f"the year must be {YEARS.start}–{YEARS.stop - 1}"


@lru_cache(maxsize=4096)  # the same dates recur across a practice's notes
def parse_date(text: str) -> dt.date | None:
    match = _DATE.fullmatch(text)
    if not match or int(match[1]) not in YEARS:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@lru_cache(maxsize=4096)  # and the same times
def parse_time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text)
    return dt.time(int(match[1]), int(match[2])) if match else None


def parse_datetime(text: str) -> dt.datetime | None:
    match = _DATETIME.fullmatch(text.strip())
    if not match or int(match[1]) not in YEARS:
        return None
    try:  # the pattern bounds the time; only the date can be out of range
        return dt.datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]), int(match[5]),
                           int(match[6] or 0))
    except ValueError:
        return None


class _Validator:
    def __init__(self, raw: RawRecord, record: str, note_type: str | None) -> None:
        self.raw = raw
        self.record = record
        self.problems: list[Problem] = []
        self.note_type = note_type
        self.billable = note_type not in UNBILLED_TYPES

    def fail(self, code: str, key: str, message: str) -> None:
        self.problems.append(problem(code, self.raw.path, self.raw.line_of(key), message))

    def required(self, spec: Field, meta: dict[str, Any]) -> bool:
        rule = spec.required
        if rule == "always":
            return True
        if rule == "billable":
            return self.billable
        if rule == "telehealth":
            return self.billable and meta.get("modality") in TELEHEALTH
        return False

    def mapping(self, known: dict[str, Field], meta: dict[str, Any], prefix: str) -> dict[str, Any]:
        """Check the fields `known` (by name, in declaration order) in `meta`: typed values."""
        out: dict[str, Any] = {}
        for name in meta:
            if name not in known:
                key = f"{prefix}{name}"
                if self.record == "psychotherapy" and name in PROGRESS_ONLY:
                    self.fail(
                        "CK411",
                        key,
                        f"{name!r} belongs in the progress note, not a psychotherapy note "
                        "(45 CFR 164.501): move it there",
                    )
                    continue
                close = _closest(name, known)
                hint = f" (did you mean {close!r}?)" if close else ""
                self.fail(
                    "CK102",
                    key,
                    f"unknown field {key!r}{hint}; known here: {', '.join(known)}",
                )
        for name, spec in known.items():
            value = meta.get(name)
            if value is None or value == "" or value == []:
                if spec.required and self.required(spec, meta):
                    where = f" under {prefix[:-1]!r}" if prefix else ""
                    self.fail("CK101", prefix[:-1] if prefix else "record", f"{name!r} is required{where}: {spec.help}")
                continue
            converted = _CONVERTERS[spec.kind](self, spec, value, f"{prefix}{name}")
            if converted is not None:
                out[name] = converted
        return out

    def word(self, spec: Field, value: Any, key: str) -> str | None:
        """Kinds str, text and code."""
        return self.word_of(spec.kind, spec.allowed, value, key)

    def word_of(self, kind: str, allowed: tuple[str, ...], value: Any, key: str) -> str | None:
        if not isinstance(value, str):  # a str passes every test below untouched
            if isinstance(value, bool) and kind != "text":
                word = "true" if value else "false"
                hint = f": use one of {', '.join(allowed)}" if allowed else ""
                self.fail("CK103", key, f"{key} is {word}, not a word{hint}")
                return None
            if isinstance(value, int | float) and not isinstance(value, bool) and kind == "code":
                value = str(value)
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                self.fail("CK103", key, f"{key} should be text, not {_kind(value)}")
                return None
        value = str(value).strip()
        if allowed and value not in allowed:
            hint = ""
            if value.lower() in ("no", "none", "n", "denies", "denied", "false") and "denied" in allowed:
                hint = " (write `denied`)"
            self.fail("CK104", key, f"{key}: {value!r} is not allowed{hint}; use one of {', '.join(allowed)}")
            return None
        if kind == "code" and not _CODE.fullmatch(value):
            self.fail("CK104", key, f"{key}: {value!r} is not a code; codes are letters and digits")
            return None
        return value

    def date(self, spec: Field, value: Any, key: str) -> dt.date | None:
        text = str(value) if not isinstance(value, bool) else ""
        day = parse_date(text)
        if day is None:
            match = _DATE.fullmatch(text)
            if match and int(match[1]) not in YEARS:
                self.fail("CK105", key, f"{key}: {text!r}: {_YEAR_HINT}; check the date")
            elif match:
                self.fail("CK105", key, f"{key}: {text!r} is no such date; check the day and month")
            else:
                self.fail("CK105", key, f"{key}: {value!r} is not a date: use YYYY-MM-DD")
        return day

    def time(self, spec: Field, value: Any, key: str) -> dt.time | None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.fail("CK106", key, f'{key}: {value!r} is not a time: write "HH:MM", e.g. "10:15"')
            return None
        text = str(value).strip()
        parsed = parse_time(text)
        if parsed is None:
            hint = ""
            ampm = re.fullmatch(r"(\d{1,2}):(\d{2})\s*([AaPp])\.?[Mm]\.?", text)
            if ampm:
                hour = int(ampm[1]) % 12 + (12 if ampm[3].lower() == "p" else 0)
                hint = f' (24-hour: "{hour:02d}:{ampm[2]}")'
            self.fail("CK106", key, f'{key}: {text!r} is not a time: write "HH:MM"{hint}')
        return parsed

    def datetime(self, spec: Field, value: Any, key: str) -> dt.datetime | None:
        stamp = parse_datetime(str(value))
        match = _DATETIME.fullmatch(str(value).strip())
        if stamp is None and match and int(match[1]) not in YEARS:
            self.fail("CK105", key, f"{key}: {value!r}: {_YEAR_HINT}; check the date")
        elif stamp is None:
            self.fail("CK105", key, f"{key}: {value!r} is not a date and time: use YYYY-MM-DDTHH:MM")
        return stamp

    def integer(self, spec: Field, value: Any, key: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("CK103", key, f"{key} should be a whole number, not {value!r}")
            return None
        if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            code = "CK406" if key.startswith("measures.") else "CK104"
            if spec.maximum is None:
                bounds = f"it is at least {spec.minimum}"
            elif spec.minimum is None:
                bounds = f"it is at most {spec.maximum}"
            else:
                bounds = f"the range is {spec.minimum}–{spec.maximum}"
            self.fail(code, key, f"{key} = {value} is out of range: {bounds}")
            return None
        return value

    def boolean(self, spec: Field, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail("CK103", key, f"{key} should be true or false, not {value!r}")
            return None
        return value

    def words(self, spec: Field, value: Any, key: str) -> tuple[str, ...]:
        """Kinds codes and texts: a list, or one item written without brackets."""
        kind = "code" if spec.kind == "codes" else "str"
        if not isinstance(value, list):
            converted = self.word_of(kind, spec.allowed, value, key)
            return () if converted is None else (converted,)
        out = []
        for index, item in enumerate(value):
            converted = self.word_of(kind, spec.allowed, item, f"{key}.{index}")
            if converted is not None:
                out.append(converted)
        return tuple(out)

    def goals(self, spec: Field, value: Any, key: str) -> dict[str, str] | None:
        if not isinstance(value, dict):
            self.fail("CK103", key, f"{key} should be goal ids with their text, e.g. `G1: Reduce …`")
            return None
        goals = {}
        for goal_id, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self.fail("CK103", f"{key}.{goal_id}", f"goal {goal_id} needs its text")
                continue
            goals[str(goal_id)] = text.strip()
        return goals

    def map(self, spec: Field, value: Any, key: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            names = ", ".join(f.name for f in spec.fields)
            self.fail("CK103", key, f"{key} should be a mapping with {names}")
            return None
        return self.mapping(_by_name(spec.fields), value, f"{key}.")


# Each field kind's conversion (a value → its typed value, or None after a problem).
_CONVERTERS: dict[str, Callable[[_Validator, Field, Any, str], Any]] = {
    "str": _Validator.word,
    "text": _Validator.word,
    "code": _Validator.word,
    "date": _Validator.date,
    "time": _Validator.time,
    "datetime": _Validator.datetime,
    "int": _Validator.integer,
    "bool": _Validator.boolean,
    "codes": _Validator.words,
    "texts": _Validator.words,
    "goals": _Validator.goals,
    "map": _Validator.map,
}


def validate(raw: RawRecord, custom_types: frozenset[str] = frozenset()) -> Validated:
    """Check `raw.meta` against its record type's declaration; return typed values."""
    meta = raw.meta
    record = meta.get("record")
    if not isinstance(record, str) or record not in RECORD_FIELDS:
        guess = _guess_record(raw.path)
        if record is None:
            raw_problem = problem(
                "CK101", raw.path, 1, f"'record' is required: say what this file is, e.g. `record: {guess}`"
            )
        else:
            raw_problem = problem(
                "CK110",
                raw.path,
                raw.line_of("record"),
                f"record {record!r} is not known; use one of {', '.join(RECORD_TYPES)}",
            )
        return Validated(None, {}, [raw_problem])
    note_type = meta.get("type") if record == "note" else None
    if record == "group":
        note_type = "group"
    validator = _Validator(raw, str(record), note_type if isinstance(note_type, str) else None)
    values = validator.mapping(_RECORD_FIELDS_BY_NAME[record], meta, "")
    if record == "note" and "type" in values:
        if values["type"] not in STANDARD_NOTE_TYPES and values["type"] not in custom_types:
            known = sorted(set(STANDARD_NOTE_TYPES) | custom_types)
            validator.fail(
                "CK110",
                "type",
                f"note type {values['type']!r} has no template; use one of {', '.join(known)} "
                "or add templates/<type>.md",
            )
            values.pop("type")
    return Validated(str(record), values, validator.problems)


def _guess_record(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "client.md":
        return "client"
    if name.startswith("plan-"):
        return "plan"
    if path.startswith("private/"):
        return "psychotherapy"
    return "note"


def _closest(name: str, known: dict[str, Field]) -> str | None:
    import difflib

    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return match[0] if match else None


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list"}
    return names.get(type(value), type(value).__name__)


def json_schema() -> dict[str, Any]:
    """A JSON Schema per record type, for editors' YAML tooling."""

    def field_schema(spec: Field) -> dict[str, Any]:
        kinds: dict[str, dict[str, Any]] = {
            "str": {"type": "string"},
            "text": {"type": "string"},
            "code": {"type": ["string", "integer"]},
            "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "time": {"type": "string", "pattern": r"^([01]?\d|2[0-3]):[0-5]\d$"},
            "datetime": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}"},
            "int": {"type": "integer"},
            "bool": {"type": "boolean"},
            "codes": {"type": "array", "items": {"type": ["string", "integer"]}},
            "texts": {"type": "array", "items": {"type": "string"}},
            "goals": {"type": "object", "additionalProperties": {"type": "string"}},
        }
        if spec.kind == "map":
            out = object_schema(spec.fields)
        else:
            out = dict(kinds[spec.kind])
        out["description"] = spec.help
        if spec.allowed:
            if spec.kind == "texts":
                out["items"] = {"enum": list(spec.allowed)}
            else:
                out["enum"] = list(spec.allowed)
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
        return out

    def object_schema(specs: tuple[Field, ...]) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": {spec.name: field_schema(spec) for spec in specs},
            "required": [spec.name for spec in specs if spec.required == "always"],
        }

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "chartkeep records",
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in RECORD_FIELDS],
        "$defs": {
            name: {**object_schema(specs), "title": f"chartkeep {name} record"}
            for name, specs in RECORD_FIELDS.items()
        },
    }
