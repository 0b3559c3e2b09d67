"""Scaffolding as pure functions: where a new record goes, what it is pre-filled with, and the
template filled in. Plain data in, text out; the commands in `chartkeep.commands.scaffold` do the
reading, writing and editor launching around them.

Templates are Markdown with YAML front matter whose values may be placeholders: a front matter
value written `"{{name}}"` (quoted, so the template itself is valid YAML) is replaced by the YAML
of `values[name]`, which may be a list or a mapping; a `{{name}}` in the body is replaced by
text. A placeholder without a value becomes empty, which the checks then report as missing: the
scaffolder never invents an answer the clinician has to give (risk, times, scores).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chartkeep.billing import TIMED_FAMILIES, fits, minutes_between
from chartkeep.reader import COMMENT, parse_sections
from chartkeep.schema import GOAL_TYPES, RECORD_FIELDS, UNBILLED_TYPES, parse_time

TEMPLATE_ONLY_KEYS = ("reviewed", "required_sections")
# Templates that are not progress notes, and the command that writes each.
OTHER_COMMANDS = {"client": "new-client", "group-session": "new-group-note"}
PLAN_TYPE = "plan"
PRIVATE_TYPE = "psychotherapy"
TYPE_NAME = re.compile(r"[a-z0-9_]+")
GROUP_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
TIMED_CODES = TIMED_FAMILIES[0]  # 90832, 90834, 90837
# Untimed or fixed codes per note type; other billable types get the timed code for the minutes.
TYPE_SERVICES = {"intake": "90791", "group": "90853", "family": "90847", "crisis": "90839"}
QUOTED_KEYS = frozenset({"start", "end", "service", "pos", "member_id"})
# Types whose notes are linked to the plan's goals, and that score the plan's measures.
GOAL_LINKED = GOAL_TYPES | {"group", "family"}

_PLACEHOLDER_LINE = re.compile(
    r'^(?P<indent>[ ]*)(?P<key>[A-Za-z_][\w-]*):[ ]*"\{\{(?P<name>\w+)\}\}"(?P<rest>[ \t]*(?:#.*)?)$'
)
_BODY_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_RECORD_LINE = re.compile(r"record:\s*([a-z]+)")
_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./+-]*(?: [A-Za-z0-9_./+-]+)*")
_RESERVED = {"yes", "no", "on", "off", "y", "n", "true", "false", "null", "none", "~"}
_SIGNATURE_LINE = re.compile(r"\s*(?:Electronically signed by|Co-signed by|Attested by)\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# YAML values, written the way the strict reader reads them back
# ---------------------------------------------------------------------------------------------


def yaml_scalar(value: Any, *, quote: bool = False) -> str:
    """One value as YAML text: dates bare, times and codes quoted, None as nothing (= null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        text = value.isoformat() if isinstance(value, dt.date) else f"{value:%H:%M}"
        return text if isinstance(value, dt.date) else json.dumps(text)
    text = str(value)
    if not quote and _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and ": " not in text:
        return text
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes, plus escapes for what YAML would not keep as
    written (non-printable characters; U+2028 and U+0085 would read as line breaks)."""
    quoted = json.dumps(text, ensure_ascii=False)
    if quoted.isprintable():
        return quoted
    return "".join(
        ch if ch.isprintable() else (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        for ch in quoted
    )


def yaml_flow(value: Any, *, quote: bool = False) -> str:
    """A value on one line: scalars, `[a, b]` lists and `{k: v}` mappings."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_flow(item, quote=_looks_numeric(item)) for item in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = [f"{key}: {yaml_flow(item)}" for key, item in value.items()]
        return "{" + ", ".join(parts) + "}"
    return yaml_scalar(value, quote=quote or _looks_numeric(value))


def _looks_numeric(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[0-9.:+-]+", value))


def yaml_field(indent: str, key: str, value: Any) -> list[str]:
    """`key: value` lines; a non-empty mapping becomes a block under its key."""
    if isinstance(value, Mapping) and value:
        lines = [f"{indent}{key}:"]
        for name, item in value.items():
            text = yaml_flow(item)
            lines.append(f"{indent}  {name}: {text}".rstrip() if text else f"{indent}  {name}:")
        return lines
    text = yaml_flow(value, quote=key in QUOTED_KEYS)
    return [f"{indent}{key}: {text}" if text else f"{indent}{key}:"]


def comment(text: str) -> str:
    """`text` as an HTML comment the checks ignore (a `--` inside would end it early)."""
    safe = text.replace("-->", "→").replace("<!--", "").replace("--", "–").strip()
    return f"<!-- {safe} -->"


# ---------------------------------------------------------------------------------------------
# Filling a template
# ---------------------------------------------------------------------------------------------


def split_template(text: str) -> tuple[list[str], str]:
    """Front matter lines (without the fences) and the body of a template."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("a template starts with a '---' line and its front matter")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return lines[1:index], "\n".join(lines[index + 1 :])
    raise ValueError("the template's front matter is never closed with '---'")


def fill(template: str, values: Mapping[str, Any], *, note_type: str | None = None) -> str:
    """The template with its placeholders replaced and its template-only keys removed.

    `note_type` adds `type: NAME` after `record: note` when a practice template leaves it out.
    """
    front, body = split_template(template)
    out: list[str] = []
    skipping = False
    dropped = set(TEMPLATE_ONLY_KEYS)
    record = next((m[1] for m in map(_RECORD_LINE.match, front) if m), "note")
    if "template" not in {spec.name for spec in RECORD_FIELDS.get(record, ())}:
        dropped.add("template")  # e.g. a face sheet declares no `template` field
    has_type = any(re.match(r"type:", line) for line in front)
    for line in front:
        top = _TOP_KEY.match(line)
        if skipping and (top is None) and (line.startswith((" ", "-", "\t")) or not line.strip()):
            continue
        skipping = False
        if top and top["key"] in dropped:
            skipping = True
            continue
        match = _PLACEHOLDER_LINE.match(line)
        if match:
            value = values.get(match["name"])
            note = match["rest"].strip()
            lines = yaml_field(match["indent"], match["key"], value)
            if note:  # keep the template's comment in its column
                column = len(line) - len(match["rest"].lstrip())
                lines[0] = lines[0].ljust(max(min(column, 36), len(lines[0]) + 2)) + note
            out.extend(lines)
        else:
            out.append(_BODY_PLACEHOLDER.sub(lambda m: yaml_scalar(values.get(m[1])), line))
        if note_type and not has_type and re.fullmatch(r"record:\s*note\s*(#.*)?", line.strip()):
            out.append(f"type: {note_type}")
    return "---\n" + "\n".join(out) + "\n---\n" + fill_body(body, values)


def fill_body(body: str, values: Mapping[str, Any]) -> str:
    """Body placeholders replaced by text; a line that held only an empty placeholder goes."""
    out = []
    for line in body.split("\n"):
        alone = _BODY_PLACEHOLDER.fullmatch(line.strip())
        if alone:
            value = values.get(alone[1])
            if value is None or str(value).strip() == "":
                continue
            out.append(str(value))
            continue
        out.append(_BODY_PLACEHOLDER.sub(lambda m: _text(values.get(m[1])), line))
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text if text.endswith("\n") else text + "\n"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def strip_comments(text: str) -> str:
    return COMMENT.sub("", text)


def clinical_lines(text: str) -> str:
    """A section's own words: no comments, no signature or addendum lines (a signature line
    copied into a new note would read as a signature)."""
    kept = [
        line for line in strip_comments(text).split("\n")
        if not _SIGNATURE_LINE.match(line) and not line.lstrip().startswith("#")
    ]
    return "\n".join(kept).strip()


def section_text(body: str, title: str) -> str | None:
    """The text under the heading `title` (the reader's own section split)."""
    wanted = title.casefold()
    found = next((x for x in parse_sections(body, 1) if x.title.casefold() == wanted), None)
    return found.text.strip() if found is not None else None


# ---------------------------------------------------------------------------------------------
# Where a new record goes
# ---------------------------------------------------------------------------------------------


def note_path(note_type: str, client: str, day: dt.date, number: int = 1) -> str:
    """Practice-relative path of the `number`th record of this type, client and day."""
    suffix = "" if number <= 1 else f"-{number}"
    if note_type == PLAN_TYPE:
        return f"notes/{client}/plan-{day.isoformat()}{suffix}.md"
    if note_type == PRIVATE_TYPE:
        return f"private/{client}/{day.isoformat()}{suffix}.md"
    return f"notes/{client}/{day.isoformat()}-{note_type}{suffix}.md"


def group_path(group: str, day: dt.date, number: int = 1) -> str:
    suffix = "" if number <= 1 else f"-{number}"
    return f"notes/groups/{group}/{day.isoformat()}-group{suffix}.md"


def candidate_paths(first: str, limit: int = 99) -> Iterable[str]:
    """`x.md`, `x-2.md`, `x-3.md` …: never overwrite, take the next free number."""
    stem = first[: -len(".md")]
    yield first
    for number in range(2, limit + 1):
        yield f"{stem}-{number}.md"


def unsafe_code(code: str) -> str | None:
    """Why `code` cannot be a folder name under notes/ (whatever the practice's pattern allows),
    or None: a client code is one plain path component."""
    if not code:
        return "is empty"
    if "/" in code or "\\" in code:
        return "contains a path separator ('/' or '\\')"
    if code.startswith("."):
        return "starts with '.' (a hidden file, or '.' or '..')"
    if not code.isprintable() or code != code.strip():
        return "contains a control character or leading or trailing spaces"
    if ":" in code:
        return "contains ':' (not allowed in file names on Windows and macOS)"
    if code.casefold() == "groups":
        return "is the folder of group records (notes/groups/)"
    return None


def next_client_code(pattern: str, existing: Iterable[str]) -> str:
    """The next free code for a pattern of the form PREFIX + N digits (`C[0-9]{4}`, `P\\d{5}`)."""
    match = re.fullmatch(r"\^?([A-Za-z_-]*)(?:\[0-9\]|\\d)\{(\d+)\}\$?", pattern)
    if not match:
        raise ValueError(
            f"client_code_pattern {pattern!r} is not PREFIX + digits (like C[0-9]{{4}}): "
            "give the code with --code"
        )
    prefix, width = match[1], int(match[2])
    compiled = re.compile(pattern)
    taken = {code for code in existing if compiled.fullmatch(code)}
    numbers = [int(code[len(prefix) :]) for code in taken]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:0{width}d}" in taken:  # pragma: no cover - max+1 is always free
        number += 1
    code = f"{prefix}{number:0{width}d}"
    if len(code) != len(prefix) + width:
        raise ValueError(f"no free client code left for pattern {pattern!r}")
    return code


# ---------------------------------------------------------------------------------------------
# What the practice already knows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastNote:
    """A session note already written: its front matter and the text of its Plan section."""

    path: str
    meta: Mapping[str, Any]
    plan: str | None = None

    @property
    def billable(self) -> bool:
        return self.meta.get("type") not in UNBILLED_TYPES and self.meta.get("record") == "note"


@dataclass(frozen=True)
class Known:
    """What is read before scaffolding: the face sheet, the plan in force, the latest notes."""

    client: Mapping[str, Any]
    plan: Mapping[str, Any] | None = None
    plan_path: str | None = None
    notes: Sequence[PastNote] = ()  # newest first
    notes_count: int = 0  # billable notes on file, for the session number when none says
    codes: Mapping[str, Any] = field(default_factory=dict)  # billing.rules(...).codes
    review_days: int = 90


def parse_hhmm(text: str | None) -> dt.time | None:
    return parse_time(text.strip()) if text else None


def timed_code(codes: Mapping[str, Any], minutes: int | None) -> str | None:
    """The psychotherapy code whose minute band holds `minutes` (the practice's bands)."""
    if minutes is None:
        return None
    return next((c for c in TIMED_CODES if c in codes and fits(codes[c], minutes)), None)


def service_for(note_type: str, codes: Mapping[str, Any], minutes: int | None) -> str | None:
    if note_type in UNBILLED_TYPES:
        return None
    return TYPE_SERVICES.get(note_type) or timed_code(codes, minutes)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _codes(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return [str(value)] if value else []


def measures_to_fill(tracked: Iterable[str]) -> dict[str, dict[str, None]]:
    """Empty entries for the measures the plan tracks: the clinician writes the scores."""
    out: dict[str, dict[str, None]] = {}
    for name in tracked:
        out[str(name)] = {"total": None, "item9": None} if name == "phq9" else {"total": None}
    return out


def previous_plan_prompt(notes: Sequence[PastNote]) -> str | None:
    """The last note's Plan as a comment to review: shown, never copied (copy-forward is what
    payers reject as cloning)."""
    for note in notes:
        if note.plan:
            text = clinical_lines(note.plan)
            if text:
                when = note.meta.get("date", "")
                return comment(
                    f"Last session's plan ({when}), to review with the client; write today's plan "
                    f"above, do not copy it:\n{text}"
                )
    return None


def goal_prompt(plan: Mapping[str, Any] | None, plan_path: str | None) -> str | None:
    goals = plan.get("goals") if plan else None
    if not isinstance(goals, dict) or not goals:
        return None
    lines = [f"{key}: {text}" for key, text in goals.items()]
    where = plan_path.rsplit("/", 1)[-1] if plan_path else "the plan"
    return comment(f"Goals of the plan in force ({where}):\n" + "\n".join(lines))


def prefill(
    note_type: str,
    known: Known,
    day: dt.date,
    *,
    start: dt.time | None = None,
    end: dt.time | None = None,
    custom: bool = False,
) -> dict[str, Any]:
    """Values for a new record of `note_type` from what the practice already knows.

    Filled: clinician, diagnoses, the plan's goals and measures (empty scores), the last
    session's modality, place of service and client location, the next session number and the
    CPT code for the minutes (the given times, else the plan's session length). Never filled:
    risk answers, times not given, scores and clinical text.
    """
    client = known.client
    plan = known.plan or {}
    values: dict[str, Any] = {
        "client": client.get("client"),
        "date": day,
        "clinician": client.get("clinician"),
        "start": start,
        "end": end,
        "addons": [],
        "modifiers": [],
    }
    if note_type == PRIVATE_TYPE:
        return values
    values["diagnoses"] = _codes(client.get("diagnoses")) or _codes(plan.get("diagnoses"))
    if note_type == PLAN_TYPE:
        goals = plan.get("goals")
        values.update(
            review_by=day + dt.timedelta(days=known.review_days),
            plan_modality=plan.get("modality") or "individual",
            frequency=plan.get("frequency") or "weekly",
            session_minutes=_int(plan.get("session_minutes")),
            duration=plan.get("duration"),
            plan_goals=dict(goals) if isinstance(goals, dict) and goals else {"G1": None},
            plan_measures=_codes(plan.get("measures")),
        )
        return values
    linked = note_type in GOAL_LINKED or custom
    goals = plan.get("goals")
    if linked and isinstance(goals, dict):
        values["goals"] = list(goals)
    if (note_type in GOAL_TYPES or custom) and plan.get("measures"):
        values["measures"] = measures_to_fill(_codes(plan.get("measures")))
    last = next((n for n in known.notes if n.billable and n.meta.get("modality")), None)
    if last is not None and note_type != "group":
        meta = last.meta
        values["modality"] = meta.get("modality")
        values["pos"] = meta.get("pos")
        values["modifiers"] = _codes(meta.get("modifiers"))
        values["client_location"] = meta.get("client_location")
    numbers = [_int(n.meta.get("session")) for n in known.notes if n.billable]
    last_number = next((n for n in numbers if n is not None), None)
    if note_type not in UNBILLED_TYPES:
        values["session"] = (last_number or known.notes_count) + 1
    minutes = minutes_between(start, end)
    if minutes is None:
        minutes = _int(plan.get("session_minutes"))
    values["service"] = service_for(note_type, known.codes, minutes)
    values["goal_prompt"] = goal_prompt(known.plan, known.plan_path) if linked or note_type == "discharge" else None
    values["previous_plan"] = previous_plan_prompt(known.notes)
    return values


def group_values(
    group: str,
    day: dt.date,
    members: Sequence[str],
    clinician: str | None,
    *,
    start: dt.time | None = None,
    end: dt.time | None = None,
    theme: str | None = None,
    interventions: str | None = None,
    modality: str = "in-person",
    pos: str = "11",
) -> dict[str, Any]:
    """Values of the shared group record (`record: group`)."""
    return {
        "group": group,
        "date": day,
        "start": start,
        "end": end,
        "service": TYPE_SERVICES["group"],
        "pos": pos,
        "modality": modality,
        "clinician": clinician,
        "members": list(members),
        "theme": theme,
        "interventions": interventions,
    }


def member_values(
    group: str, shared: Mapping[str, Any], own: Mapping[str, Any]
) -> dict[str, Any]:
    """A member's note: the member's own pre-fill with the group's shared session data. Only
    this member's code goes in (the group record alone lists the members)."""
    values = dict(own)
    for key in ("date", "start", "end", "service", "pos", "modality", "theme", "interventions"):
        values[key] = shared.get(key)
    values["group"] = group
    values["clinician"] = shared.get("clinician") or own.get("clinician")
    values["modifiers"] = []
    values["client_location"] = None
    values["previous_plan"] = None
    return values


def client_values(
    code: str,
    *,
    name: str | None,
    dob: dt.date | None,
    clinician: str | None,
    payer: str | None,
    pronouns: str | None,
    diagnoses: Sequence[str],
    today: dt.date,
) -> dict[str, Any]:
    return {
        "client": code,
        "name": name,
        "dob": dob,
        "pronouns": pronouns,
        "clinician": clinician,
        "payer": payer or "self-pay",
        "member_id": None,
        "diagnoses": list(diagnoses),
        "status": "active",
        "intake_date": today,
    }
