"""The checks, in two kinds, each a plain function with no I/O:

- record checks `local(record, env) -> list[Problem]` need one file and the settings: they run in
  the parse stage, so their results are cached with the file and computed on both cores;
- practice checks `check_x(practice) -> list[Problem]` compare records (plans in force,
  overlapping sessions, cloned notes, other clients' names) or today's date (deadlines). They read
  the records' front matter and the small `Features` taken from each body, never the bodies. The
  exception at the edge is `locking`, which compares signed notes with their signing commits.

Practice checks compare records within one client (a note with the client's face sheet, plan
and previous note; every face sheet and plan is at hand for any note) except a few: checks of no
record (templates: `LIVE_CHECKS`), checks of git history (`WHOLE_CHECKS`), and the `RowsCheck`s
that compare records across clients (one clinician's sessions, the practice's usual note length)
from a few plain values per record. A practice check that reads the clock is a `TimedCheck`: what it
finds in the records (`facts`, plain tuples) is kept apart from its judgement of them at a moment
(`judge`). So what is found can be cached by client (`chartkeep.memo`): a warm `check` reads no
record, and after an edit only the edited client's records are checked again.
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
    "signatures:check_signatures",
    "privacy:check_privacy",
    "quality:check_quality",
    "quality:check_lengths",
    "clinical:check_templates",
    "locking:check_locking",  # the one check that reads git history (one pass, cached in .git)
)
LIVE_CHECKS = ("clinical:check_templates",)  # read the templates only: checked afresh every run
WHOLE_CHECKS = ("locking:check_locking",)  # read git history and the work tree, not the records
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


Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class RowsCheck:
    """A practice check across clients, over plain data: `rows(practice)` gives each record's
    rows (each starting with its path), and `judge(rows, settings)` finds the problems among all
    of them. Called with a practice, it is the whole check."""

    name: str
    rows: Callable[[Practice], Rows]
    judge: Callable[[Rows, Settings], list[Problem]]

    @property
    def __name__(self) -> str:
        return self.name

    def __call__(self, practice: Practice) -> list[Problem]:
        return self.judge(self.rows(practice), practice.settings)


@dataclass(frozen=True)
class Findings:
    """What the practice checks found, as plain data cached by `chartkeep.memo`:

    - `problems`: each within one client (or one record of no client), clock aside;
    - `timed`: the timed checks' facts, by check, judged at every run (`judge`);
    - `rows`: the rows checks' rows, by check, and `across`: what they found among them;
    - `whole`: what the checks of git history found.

    Every fact and row starts with its record's path, so each is kept or replaced with the
    record's client (`units`).
    """

    problems: list[Problem]
    timed: dict[str, Facts]
    rows: dict[str, Rows]
    across: list[Problem]
    whole: list[Problem]

    def all_problems(self) -> list[Problem]:
        return [*self.problems, *self.across, *self.whole]


def units(practice: Practice) -> dict[str, str]:
    """Each file's unit: its record's client code, else its own path (a group session, a file
    that could not be read). A client's records are checked together, never apart."""
    out = {raw.path: raw.path for raw in practice.raws}
    for record in practice.records:
        client = getattr(record, "client", "")
        if client and isinstance(client, str):
            out[record.path] = f"client:{client}"
    return out


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
    return choose(every_problem(practice), practice.settings, lists=lists, select=select, strict=strict)


def every_problem(practice: Practice) -> list[Problem]:
    """What loading found plus every practice check, before any selection (`choose`)."""
    found = findings(practice)
    return [*practice.problems, *found.all_problems(), *judge(found.timed, practice.now, practice.settings),
            *live(practice)]


def findings(practice: Practice, *, whole: bool = True, across: bool = True) -> Findings:
    """Every practice check but the clock's judgements and the live checks. Without `whole`, no
    check of git history runs; without `across`, the rows checks give their rows only (for a
    part of the practice: their judgement needs every client's rows)."""
    problems: list[Problem] = []
    timed: dict[str, Facts] = {}
    rows: dict[str, Rows] = {}
    found_across: list[Problem] = []
    found_whole: list[Problem] = []
    with _no_cycle_collection():
        for name in (*PRACTICE_CHECKS, *EXTRA_CHECKS):
            if name in LIVE_CHECKS:
                continue
            check = _resolve(name)
            if name in WHOLE_CHECKS:
                if whole:
                    found_whole.extend(check(practice))
            elif isinstance(check, TimedCheck):
                if check.static is not None:
                    problems.extend(check.static(practice))
                timed[name] = check.facts(practice)
            elif isinstance(check, RowsCheck):
                rows[name] = check.rows(practice)
                if across:
                    found_across.extend(check.judge(rows[name], practice.settings))
            else:
                problems.extend(check(practice))
    return Findings(problems, timed, rows, found_across, found_whole)


def judge_rows(rows: dict[str, Rows], settings: Settings) -> list[Problem]:
    """The rows checks' problems among `rows` (by check)."""
    out: list[Problem] = []
    for name, found in rows.items():
        check = _resolve(name)
        assert isinstance(check, RowsCheck), name
        out.extend(check.judge(found, settings))
    return out


def whole_checks(practice: Practice) -> list[Problem]:
    """The checks of git history (they read no record: an opened practice will do)."""
    return [p for name in WHOLE_CHECKS for p in _resolve(name)(practice)]


def judge(timed: dict[str, Facts], now: dt.datetime, settings: Settings) -> list[Problem]:
    """The timed checks' problems at `now`."""
    out: list[Problem] = []
    for name, facts in timed.items():
        check = _resolve(name)
        assert isinstance(check, TimedCheck), name
        out.extend(check.judge(facts, now, settings))
    return out


def live(practice: Practice) -> list[Problem]:
    """The checks that read no record (the templates)."""
    return [p for name in LIVE_CHECKS for p in _resolve(name)(practice)]


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
