"""The practice's settings (`chartkeep.toml`): clinicians, payers, deadlines and check choices.

Rules a payer may set differently (telehealth place of service and modifier, the interval before a
repeated diagnostic evaluation, the minute bands) are settings with the domain's defaults, never
constants in a check.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chartkeep.layout import SETTINGS_FILE
from chartkeep.problems import SEVERITIES, Problem, problem

DEFAULT_CODE_PATTERN = "C[0-9]{4}"


@dataclass(frozen=True)
class Clinician:
    id: str
    name: str
    credential: str
    npi: str = ""
    email: str = ""
    supervisor: str = ""
    signing_key: str = ""


@dataclass(frozen=True)
class Payer:
    id: str
    name: str = ""
    telehealth_pos_home: str = "10"
    telehealth_pos_elsewhere: str = "02"
    video_modifier: str = "95"
    audio_modifier: str = "93"
    repeat_intake_days: int = 180


SELF_PAY = Payer(id="self-pay", name="Self-pay")


@dataclass(frozen=True)
class Settings:
    practice_name: str = "My practice"
    timezone: str = "UTC"
    client_code_pattern: str = DEFAULT_CODE_PATTERN
    note_deadline_hours: int = 72
    plan_review_days: int = 90
    plan_due_warning_days: int = 14
    template_review_days: int = 365
    clinicians: dict[str, Clinician] = field(default_factory=dict)
    payers: dict[str, Payer] = field(default_factory=dict)
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    billing: dict[str, Any] = field(default_factory=dict)

    def payer(self, payer_id: str | None) -> Payer:
        if payer_id and payer_id in self.payers:
            return self.payers[payer_id]
        return SELF_PAY

    def code_pattern(self) -> re.Pattern[str]:
        try:
            return re.compile(self.client_code_pattern)
        except re.error:
            return re.compile(DEFAULT_CODE_PATTERN)


_TOP_KEYS = {
    "practice_name": str,
    "timezone": str,
    "client_code_pattern": str,
    "note_deadline_hours": int,
    "plan_review_days": int,
    "plan_due_warning_days": int,
    "template_review_days": int,
}
# Whole numbers a practice may set, and the range each accepts (a huge one overflows date arithmetic).
_RANGES = {
    "note_deadline_hours": (1, 8760),
    "plan_review_days": (1, 3650),
    "plan_due_warning_days": (0, 3650),
    "template_review_days": (1, 3650),
    "repeat_intake_days": (1, 3650),
}
# Each clinician key is text; an example of each, for the message when it is not.
_CLINICIAN_EXAMPLES = {
    "name": "Jane Doe",
    "credential": "LCSW",
    "npi": "1234567893",
    "email": "jane@example.org",
    "supervisor": "id-of-supervisor",
    "signing_key": "~/.ssh/id_ed25519.pub",
}
_CLINICIAN_KEYS = set(_CLINICIAN_EXAMPLES)
# How parse_settings' helpers report a problem: `bad(message, *where)`, where = table, key.
Complain = Callable[..., None]
_PAYER_KEYS = {
    "name",
    "telehealth_pos_home",
    "telehealth_pos_elsewhere",
    "video_modifier",
    "audio_modifier",
    "repeat_intake_days",
}


def load_settings(root: Path) -> tuple[Settings, list[Problem]]:
    """Read `chartkeep.toml`; every mistake is a CK090 problem and a default is used instead."""
    path = root / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        return Settings(), [problem("CK090", SETTINGS_FILE, 0, "no settings file: run `chartkeep init`")]
    except (UnicodeDecodeError, OSError) as error:
        return Settings(), [problem("CK090", SETTINGS_FILE, 0, f"cannot read settings: {error}")]
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else 0
        return Settings(), [
            problem("CK090", SETTINGS_FILE, line, f"not valid TOML ({error}); fix that line")
        ]
    if not raw:
        return Settings(), [
            problem("CK090", SETTINGS_FILE, 0, "the file sets nothing: add the practice's settings and "
                    "a [clinicians.ID] table for each clinician (README.md, \"Settings\")")
        ]
    return parse_settings(raw, text)


def parse_settings(raw: dict[str, Any], text: str = "") -> tuple[Settings, list[Problem]]:
    """Settings from the parsed TOML; `text`, the file itself, gives each problem its line."""
    problems: list[Problem] = []

    def bad(message: str, *where: str) -> None:
        problems.append(problem("CK090", SETTINGS_FILE, _line_of(text, *where), message))

    values: dict[str, Any] = {}
    for key, kind in _TOP_KEYS.items():
        if key in raw:
            if isinstance(raw[key], kind) and not isinstance(raw[key], bool):
                values[key] = raw[key]
            else:
                bad(f"{key} = {raw[key]!r} should be a {kind.__name__}", key)
    for key in _RANGES.keys() & values.keys():
        message = _out_of_range(key, values[key])
        if message:
            bad(f"{key} = {values[key]!r} {message}", key)
            del values[key]
    if "client_code_pattern" in values:
        try:
            re.compile(values["client_code_pattern"])
        except re.error as error:
            bad(f"client_code_pattern {values['client_code_pattern']!r} is not a regex ({error})",
                "client_code_pattern")
            del values["client_code_pattern"]
    if "timezone" in values and not _is_zone(values["timezone"]):
        bad(f"timezone = {values['timezone']!r} is not a time zone: use an IANA name, e.g. "
            'timezone = "America/Chicago" (or "UTC")', "timezone")
        del values["timezone"]
    known = set(_TOP_KEYS) | {"clinicians", "payers", "checks", "billing"}
    for key in raw:
        if key not in known:
            bad(f"unknown setting {key!r}; known settings: {', '.join(sorted(known))}", key)

    clinicians: dict[str, Clinician] = {}
    for cid, table in _tables(raw.get("clinicians"), "clinicians", bad).items():
        where = f"clinicians.{cid}"
        extra = set(table) - _CLINICIAN_KEYS
        if extra:
            bad(f"[clinicians.{cid}] has unknown keys {sorted(extra)}", where, sorted(extra)[0])
        if not table.get("name") or not table.get("credential"):
            bad(f"[clinicians.{cid}] needs name and credential (e.g. credential = \"LCSW\")", where)
        given: dict[str, str] = {}
        for key in _CLINICIAN_KEYS & set(table):
            if isinstance(table[key], str):
                given[key] = table[key]
            else:
                bad(f"[clinicians.{cid}] {key} = {table[key]!r} should be text in quotes, e.g. "
                    f'{key} = "{_CLINICIAN_EXAMPLES[key]}"', where, key)
        given.setdefault("name", cid)
        given.setdefault("credential", "")
        clinicians[cid] = Clinician(id=cid, **given)
    for clinician in list(clinicians.values()):
        where = f"clinicians.{clinician.id}"
        if clinician.supervisor == clinician.id:
            bad(f"[clinicians.{clinician.id}] supervisor {clinician.supervisor!r} is the clinician "
                "themself: name another clinician as supervisor, or remove the line", where, "supervisor")
            clinicians[clinician.id] = replace(clinician, supervisor="")
        elif clinician.supervisor and clinician.supervisor not in clinicians:
            bad(f"[clinicians.{clinician.id}] supervisor {clinician.supervisor!r} is not a clinician",
                where, "supervisor")

    payers: dict[str, Payer] = {}
    for pid, table in _tables(raw.get("payers"), "payers", bad).items():
        where = f"payers.{pid}"
        extra = set(table) - _PAYER_KEYS
        if extra:
            bad(f"[payers.{pid}] has unknown keys {sorted(extra)}", where, sorted(extra)[0])
        options: dict[str, Any] = {}
        for key in _PAYER_KEYS & set(table):
            if key == "repeat_intake_days":
                if not isinstance(table[key], int) or isinstance(table[key], bool):
                    bad(f"[payers.{pid}] repeat_intake_days = {table[key]!r} should be a number of days",
                        where, key)
                elif message := _out_of_range(key, table[key]):
                    bad(f"[payers.{pid}] {key} = {table[key]!r} {message}", where, key)
                else:
                    options[key] = table[key]
            else:
                options[key] = str(table[key])
        payers[pid] = Payer(id=pid, **options)

    disable, severity = _check_choices(raw.get("checks", {}), bad)
    return (
        Settings(
            clinicians=clinicians,
            payers=payers,
            disable=disable,
            severity=severity,
            billing=_billing(raw.get("billing"), bad),
            **values,
        ),
        problems,
    )


def _out_of_range(key: str, value: int) -> str | None:
    """What to write instead when `value` is outside the range `key` accepts (None: inside it)."""
    low, high = _RANGES[key]
    if low <= value <= high:
        return None
    unit = "hours" if key.endswith("_hours") else "days"
    return f"is out of range: use a whole number of {unit} from {low} to {high}"


def _is_zone(name: str) -> bool:
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def _check_choices(checks: Any, bad: Complain) -> tuple[tuple[str, ...], dict[str, str]]:
    """`[checks]`: the codes disabled and the severities changed. A string for `disable` would
    be read letter by letter (and "C" disables every code), so anything but a list disables none."""
    if not isinstance(checks, dict):
        bad('checks should be a table: write [checks] with disable = ["CK702"] under it', "checks")
        return (), {}
    disable: tuple[str, ...] = ()
    listed = checks.get("disable", [])
    if isinstance(listed, list) and all(isinstance(code, str) for code in listed):
        disable = tuple(listed)
    else:
        codes = re.findall(r"[A-Za-z0-9-]+", listed) if isinstance(listed, str) else []
        bad(f"[checks] disable = {listed!r} should be a list of codes: write disable = "
            f"{_json(codes or ['CK702'])}", "checks", "disable")
    severity: dict[str, str] = {}
    levels = checks.get("severity", {})
    if not isinstance(levels, dict):
        bad(f'[checks] severity = {levels!r} should be a table: write severity = {{ CK303 = "error" }}',
            "checks", "severity")
        levels = {}
    for code, level in levels.items():
        if level in SEVERITIES:
            severity[str(code)] = str(level)
        else:
            bad(f"[checks.severity] {code} = {level!r}: use \"error\" or \"warning\"", "checks.severity", code)
    return disable, severity


def _json(value: Any) -> str:
    import json  # only for this message: every command loads the settings

    return json.dumps(value)


def _billing(value: Any, bad: Complain) -> dict[str, Any]:
    """`[billing]` with only its well-formed rows: each code a table of known fields, each add-on's
    `with` a list of base codes (billing.rules reads them as such)."""
    if value is None:
        return {}
    from chartkeep import billing as service_codes  # only for a practice that overrides codes

    if not isinstance(value, dict):
        bad('billing should be a table: write [billing.codes."CODE"] tables under it', "billing")
        return {}
    for key in set(value) - {"codes", "addons"}:
        bad(f"[billing] has unknown key {key!r}; it holds [billing.codes.\"CODE\"] and "
            "[billing.addons.\"CODE\"] tables", "billing", key)
    codes: dict[str, dict[str, Any]] = {}
    for code, row in _tables(value.get("codes"), "billing.codes", bad).items():
        where = f"billing.codes.{code}"
        codes[code] = {}
        for key, item in row.items():
            kind = service_codes.CODE_FIELDS.get(key)
            if kind is None:
                bad(f"[{where}] has unknown key {key!r}; known: {', '.join(service_codes.CODE_FIELDS)}",
                    where, key)
            elif not isinstance(item, kind) or isinstance(item, bool):
                bad(f"[{where}] {key} = {item!r} should be "
                    f"{'text in quotes' if kind is str else 'a whole number'}", where, key)
            elif key == "kind" and item not in service_codes.KINDS:
                bad(f"[{where}] kind = {item!r}: use one of {', '.join(service_codes.KINDS)}", where, key)
            else:
                codes[code][key] = item
    addons: dict[str, dict[str, Any]] = {}
    for code, row in _tables(value.get("addons"), "billing.addons", bad).items():
        where = f"billing.addons.{code}"
        bases = row.get("with")
        if set(row) - {"with"}:
            bad(f"[{where}] has unknown keys {sorted(set(row) - {'with'})}; it takes with = [...]", where)
        if isinstance(bases, list) and all(isinstance(base, str) for base in bases):
            addons[code] = {"with": bases}
        else:
            bad(f'[{where}] with = {bases!r} should be a list of base codes, e.g. with = ["90834"]',
                where, "with")
    return {"codes": codes, "addons": addons}


def _tables(value: Any, name: str, bad: Complain) -> dict[str, dict[str, Any]]:
    """The tables `[name.ID]`, each row that is not a table reported and left out."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad(f"[{name}] should hold tables like [{name}.ID]", name)
        return {}
    tables: dict[str, dict[str, Any]] = {}
    for key, row in value.items():
        if isinstance(row, dict):
            tables[key] = row
        else:
            bad(f"[{name}] {key} = {row!r} should be a table: write [{name}.{key}] and its keys under it",
                name, key)
    return tables


_HEADER = re.compile(r"^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$")


def _line_of(text: str, *where: str) -> int:
    """The line that sets `where` (a table and key, e.g. "clinicians.mo", "name"), else of the
    nearest table or key holding it; 0 when none. tomllib gives no positions, so this is a plain
    scan of headers and `key =` lines: enough for an editor to jump to."""
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = _dotted(header.group(1))
            found.setdefault(table, number)
        elif "=" in line and not line.lstrip().startswith("#"):
            key = _dotted(line.split("=", 1)[0])
            found.setdefault(f"{table}.{key}" if table else key, number)
    target = _dotted(".".join(part for part in where if part))
    while target:
        if target in found:
            return found[target]
        target = target.rpartition(".")[0]
    return 0


def _dotted(name: str) -> str:
    return re.sub(r"[\s\"']", "", name)


DEFAULT_SETTINGS = """\
# chartkeep settings. Every key is explained in README.md ("Settings").
practice_name = "My practice"
timezone = "America/Chicago"
client_code_pattern = "C[0-9]{4}"   # client codes are the only identifiers in paths
note_deadline_hours = 72            # unsigned notes become errors after this
plan_review_days = 90               # treatment plan review interval when review_by is absent
plan_due_warning_days = 14          # warn this many days before a plan review is due
template_review_days = 365          # templates should be reviewed at least yearly

[clinicians.me]
name = "Your Name"
credential = "LCSW"
npi = ""
email = ""
# supervisor = "id-of-supervisor"    # their co-signature is then required
# signing_key = "~/.ssh/id_ed25519.pub"  # SSH-sign signing commits

# One table per payer; "self-pay" needs none.
# [payers.bluecross]
# name = "Blue Cross"
# telehealth_pos_home = "10"
# telehealth_pos_elsewhere = "02"
# video_modifier = "95"            # some commercial payers want "GT"
# audio_modifier = "93"
# repeat_intake_days = 180

[checks]
disable = []                        # e.g. ["CK702"]
severity = {}                       # e.g. { CK303 = "error" }
"""


def write_default_settings(root: Path) -> bool:
    """Write a commented `chartkeep.toml` unless one exists; True when written."""
    from chartkeep.layout import atomic_write

    path = root / SETTINGS_FILE
    if path.exists():
        return False
    atomic_write(path, DEFAULT_SETTINGS, exclusive=True, mode=0o644)
    return True
