"""The checks, in two kinds, each a plain function with no I/O:

- record checks `local(record, env) -> list[Problem]` need one file and the settings: they run in
  the parse stage, so their results are cached with the file and computed on both cores;
- practice checks `check_x(practice) -> list[Problem]` compare records (plans in force,
  overlapping sessions, cloned notes, other clients' names) or today's date (deadlines). They read
  the records' front matter and the small `Features` taken from each body, never the bodies. The
  exception at the edge is `locking`, which compares signed notes with their signing commits.

A practice check that reads the clock is a `TimedCheck`: what it finds in the records (`facts`,
plain tuples) is kept apart from its judgement of them at a moment (`judge`), so everything but
the judgement can be cached for the whole practice (`chartkeep.memo`) and a warm `check` reads no
record at all.

`run_checks` adds the practice checks to what loading found and applies the practice's
severity settings and the command line's selection. Named lists select families as beancount's
basic/hardcore validations and hledger's --strict do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import importlib
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chartkeep.billing import BillingRules
from chartkeep.problems import Problem, adjust
from chartkeep.settings import Settings

if TYPE_CHECKING:
    from chartkeep.model import Record
    from chartkeep.practice import Practice


@dataclass(frozen=True)
class Env:
    """What a record check may read besides the record: settings-derived, never another file."""

    settings: Settings
    sections: dict[str, tuple[str, ...]]
    rules: BillingRules


@dataclass(frozen=True)
class Features:
    """What the practice checks need from a body, taken once in the parse stage."""

    chars: int
    sentences: bytes  # sorted CRC-32s of the body's sentences, packed (compact in the cache)
    names: tuple[tuple[str, int], ...]  # capitalised word pairs (case-folded) and their line

    def sentence_set(self) -> set[int]:
        return set(array("I", self.sentences))


RECORD_CHECKS: tuple[str, ...] = (
    "records:local",
    "billing:local",
    "diagnosis:local",
    "clinical:local",
    "signatures:local",
    "quality:local",
)
PRACTICE_CHECKS: tuple[str, ...] = (
    "records:check_records",
    "billing:check_billing",
    "billing:check_overlaps",
    "diagnosis:check_diagnoses",
    "clinical:check_plans",
    "clinical:check_templates",
    "signatures:check_signatures",
    "privacy:check_privacy",
    "quality:check_quality",
    "locking:check_locking",  # the one check that reads git history (one pass, cached in .git)
)
EXTRA_CHECKS: list[str] = []  # capabilities (signing history) append "module:function" here
# Named lists: which code families each selects.
CHECK_LISTS: dict[str, tuple[str, ...]] = {
    "all": ("CK0", "CK1", "CK2", "CK3", "CK4", "CK5", "CK6", "CK7"),
    "basic": ("CK0", "CK1", "CK2", "CK3", "CK4", "CK5", "CK6"),
}


Facts = list[tuple[Any, ...]]


@dataclass(frozen=True)
class TimedCheck:
    """A practice check whose problems depend on the clock, in stages over plain data:

    - `static(practice)`: the problems that do not (may be None);
    - `facts(practice)`: what the records hold that the clock judges, as plain tuples. They must
      stay right at any later moment: a fact left out because it can no longer matter (a past
      date cannot become a future one) is left out for good;
    - `judge(facts, now, settings)`: the problems at the moment `now`.

    Called with a practice, it is the whole check at the practice's moment.
    """

    name: str
    facts: Callable[[Practice], Facts]
    judge: Callable[[Facts, dt.datetime, Settings], list[Problem]]
    static: Callable[[Practice], list[Problem]] | None = None

    @property
    def __name__(self) -> str:  # named like the plain functions it stands among
        return self.name

    def __call__(self, practice: Practice) -> list[Problem]:
        found = self.static(practice) if self.static is not None else []
        return [*found, *self.judge(self.facts(practice), practice.now, practice.settings)]


@dataclass(frozen=True)
class Findings:
    """What the practice checks found that does not depend on the clock, and the facts that the
    timed checks judge at each run (by check name): plain data, cached by `chartkeep.memo`."""

    problems: list[Problem]
    timed: dict[str, Facts]


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The practice checks build tens of thousands of short-lived tuples and lists that point at
    the records, and free them all; no cycles among them. Each pass of Python's cycle collector
    would touch those records again (a tenth of the checks' time) to find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache  # called for every check of every record
def _resolve(name: str) -> Callable[..., list[Problem]]:
    """A check by its "module:function" name (a plain function or a `TimedCheck`)."""
    module_name, _, function = name.partition(":")
    module = importlib.import_module(f"chartkeep.checks.{module_name}")
    return getattr(module, function)  # type: ignore[no-any-return]


def local_problems(record: Record, env: Env) -> list[Problem]:
    """Every record check on one record."""
    found: list[Problem] = []
    for name in RECORD_CHECKS:
        found.extend(_resolve(name)(record, env))
    return found


def features(record: Record) -> Features:
    """Body length, sentence fingerprints (cloned notes) and capitalised pairs (other names).

    A sentence is a piece between ". " once newlines, "!" and "?" end sentences too, lower-cased
    with its whitespace collapsed to single spaces.
    """
    from chartkeep.checks.privacy import name_pairs
    from chartkeep.reader import COMMENT

    body = record.raw.body
    text = COMMENT.sub("", body) if "<!--" in body else body
    # Lower-cased whole: the same as piece by piece, as the only context str.lower() reads (a
    # Greek final sigma's neighbours) stops at the space of each ". ".
    flat = text.replace("\n", ". ").replace("!", ".").replace("?", ".").lower()
    if "  " not in flat and flat.isprintable():
        # No whitespace but single spaces (every other whitespace character is unprintable), so
        # collapsing a sentence's whitespace is stripping its ends, far cheaper than splitting it.
        pieces = [piece.strip(" ") for piece in flat.split(". ")]
    else:
        pieces = [" ".join(piece.split()) for piece in flat.split(". ")]
    sentences = {
        zlib.crc32(words.encode())
        for words in pieces
        if len(words) >= 25 and not words.startswith(("#", "electronically signed by"))
    }
    return Features(len(body), array("I", sorted(sentences)).tobytes(), name_pairs(record.raw))


def run_checks(
    practice: Practice,
    *,
    lists: Sequence[str] = ("all",),
    select: Sequence[str] = (),
    strict: bool = False,
) -> list[Problem]:
    """What loading found (reading, schema, record checks) plus every practice check."""
    found = findings(practice)
    problems = [*practice.problems, *found.problems, *judge(found, practice.now, practice.settings)]
    return choose(problems, practice.settings, lists=lists, select=select, strict=strict)


def findings(practice: Practice) -> Findings:
    """Every practice check but the clock's judgements."""
    problems: list[Problem] = []
    timed: dict[str, Facts] = {}
    with _no_cycle_collection():
        for name in (*PRACTICE_CHECKS, *EXTRA_CHECKS):
            check = _resolve(name)
            if isinstance(check, TimedCheck):
                if check.static is not None:
                    problems.extend(check.static(practice))
                timed[name] = check.facts(practice)
            else:
                problems.extend(check(practice))
    return Findings(problems, timed)


def judge(found: Findings, now: dt.datetime, settings: Settings) -> list[Problem]:
    """The timed checks' problems at `now`."""
    out: list[Problem] = []
    for name, facts in found.timed.items():
        check = _resolve(name)
        assert isinstance(check, TimedCheck), name
        out.extend(check.judge(facts, now, settings))
    return out


def choose(
    problems: Sequence[Problem],
    settings: Settings,
    *,
    lists: Sequence[str] = ("all",),
    select: Sequence[str] = (),
    strict: bool = False,
) -> list[Problem]:
    """The named lists' families, with the practice's severity settings and the command line's
    selection applied, sorted by place."""
    families = tuple(family for name in lists for family in CHECK_LISTS.get(name, (name,)))
    kept = [item for item in problems if item.code.startswith(families)]
    return adjust(kept, severity=settings.severity, disable=settings.disable, select=select, strict=strict)
