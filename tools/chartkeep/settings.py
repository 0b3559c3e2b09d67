"""The practice's settings (`chartkeep.toml`): clinicians, payers, deadlines and check choices.

Rules a payer may set differently (telehealth place of service and modifier, the interval before a
repeated diagnostic evaluation, the minute bands) are settings with the domain's defaults, never
constants in a check.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
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
_CLINICIAN_KEYS = {"name", "credential", "npi", "email", "supervisor", "signing_key"}
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
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
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
    return parse_settings(raw)


def parse_settings(raw: dict[str, Any]) -> tuple[Settings, list[Problem]]:
    problems: list[Problem] = []

    def bad(message: str) -> None:
        problems.append(problem("CK090", SETTINGS_FILE, 0, message))

    values: dict[str, Any] = {}
    for key, kind in _TOP_KEYS.items():
        if key in raw:
            if isinstance(raw[key], kind) and not isinstance(raw[key], bool):
                values[key] = raw[key]
            else:
                bad(f"{key} = {raw[key]!r} should be a {kind.__name__}")
    if "client_code_pattern" in values:
        try:
            re.compile(values["client_code_pattern"])
        except re.error as error:
            bad(f"client_code_pattern {values['client_code_pattern']!r} is not a regex ({error})")
            del values["client_code_pattern"]
    known = set(_TOP_KEYS) | {"clinicians", "payers", "checks", "billing"}
    for key in raw:
        if key not in known:
            bad(f"unknown setting {key!r}; known settings: {', '.join(sorted(known))}")

    clinicians: dict[str, Clinician] = {}
    for cid, table in _tables(raw.get("clinicians"), "clinicians", bad).items():
        extra = set(table) - _CLINICIAN_KEYS
        if extra:
            bad(f"[clinicians.{cid}] has unknown keys {sorted(extra)}")
        if not table.get("name") or not table.get("credential"):
            bad(f"[clinicians.{cid}] needs name and credential (e.g. credential = \"LCSW\")")
        given = {k: str(v) for k, v in table.items() if k in _CLINICIAN_KEYS}
        given.setdefault("name", cid)
        given.setdefault("credential", "")
        clinicians[cid] = Clinician(id=cid, **given)
    for clinician in clinicians.values():
        if clinician.supervisor and clinician.supervisor not in clinicians:
            bad(f"[clinicians.{clinician.id}] supervisor {clinician.supervisor!r} is not a clinician")

    payers: dict[str, Payer] = {}
    for pid, table in _tables(raw.get("payers"), "payers", bad).items():
        extra = set(table) - _PAYER_KEYS
        if extra:
            bad(f"[payers.{pid}] has unknown keys {sorted(extra)}")
        options: dict[str, Any] = {}
        for key in _PAYER_KEYS & set(table):
            if key == "repeat_intake_days":
                if isinstance(table[key], int) and not isinstance(table[key], bool):
                    options[key] = table[key]
                else:
                    bad(f"[payers.{pid}] repeat_intake_days = {table[key]!r} should be a number of days")
            else:
                options[key] = str(table[key])
        payers[pid] = Payer(id=pid, **options)

    checks = raw.get("checks", {})
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = {}
    if isinstance(checks, dict):
        disable = tuple(str(c) for c in checks.get("disable", []))
        for code, level in dict(checks.get("severity", {})).items():
            if level in SEVERITIES:
                severity[str(code)] = str(level)
            else:
                bad(f"[checks.severity] {code} = {level!r}: use \"error\" or \"warning\"")
    billing = raw.get("billing", {}) if isinstance(raw.get("billing"), dict) else {}
    return (
        Settings(
            clinicians=clinicians,
            payers=payers,
            disable=disable,
            severity=severity,
            billing=billing,
            **values,
        ),
        problems,
    )


def _tables(value: Any, name: str, bad: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        bad(f"[{name}] should hold tables like [{name}.ID]")
        return {}
    return value


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
