"""The checks: plain functions `check_x(practice) -> list[Problem]`, grouped in named lists.

Each module holds one family (CK1 records … CK7 quality); no check does I/O. `run_checks` runs
the selected lists over a loaded practice and applies the practice's severity settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chartkeep.practice import Practice
from chartkeep.problems import Problem, adjust

CheckFn = Callable[[Practice], list[Problem]]


@dataclass(frozen=True)
class Check:
    name: str
    function: str  # "module:function" inside chartkeep.checks, imported when run


CHECKS: tuple[Check, ...] = (
    Check("records", "records:check_records"),
    Check("billing", "billing:check_billing"),
    Check("overlaps", "billing:check_overlaps"),
    Check("diagnosis", "diagnosis:check_diagnoses"),
    Check("sections", "clinical:check_sections"),
    Check("risk", "clinical:check_risk"),
    Check("plans", "clinical:check_plans"),
    Check("psychotherapy", "clinical:check_psychotherapy_notes"),
    Check("templates", "clinical:check_templates"),
    Check("signatures", "signatures:check_signatures"),
    Check("privacy", "privacy:check_privacy"),
    Check("quality", "quality:check_quality"),
)
# Named lists, selectable with --checks (like beancount's basic vs hardcore validations).
CHECK_LISTS: dict[str, tuple[str, ...]] = {
    "all": tuple(check.name for check in CHECKS),
    "basic": tuple(check.name for check in CHECKS if check.name != "quality"),
}
EXTRA_CHECKS: list[Check] = []  # capabilities (signing history) append theirs here


def resolve(check: Check) -> CheckFn:
    module_name, _, function = check.function.partition(":")
    module = importlib.import_module(f"chartkeep.checks.{module_name}")
    return getattr(module, function)  # type: ignore[no-any-return]


def run_checks(
    practice: Practice,
    *,
    lists: Sequence[str] = ("all",),
    select: Sequence[str] = (),
    strict: bool = False,
) -> list[Problem]:
    """Reading problems plus every selected check, with the practice's severity overrides."""
    names: set[str] = set()
    for name in lists:
        names.update(CHECK_LISTS.get(name, (name,)))
    found: list[Problem] = list(practice.problems)
    for check in (*CHECKS, *EXTRA_CHECKS):
        if check.name in names or check in EXTRA_CHECKS:
            found.extend(resolve(check)(practice))
    settings = practice.settings
    return adjust(
        found, severity=settings.severity, disable=settings.disable, select=select, strict=strict
    )
