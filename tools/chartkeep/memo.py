"""What the checks found in the whole practice, cached by client: a `chartkeep check` that finds
every file as the last one left it reads no record at all, and one after an edit checks only the
edited client's records again.

Cached in `.git/chartkeep/findings.pickle` (never in the work tree), with what it was found from:

- the code, the settings, the templates and the allowed signers (`_basis`): any change there and
  everything is checked afresh;
- each record file's mtime and size (`practice.scan`), and each file's unit (`checks.units`:
  the client whose records it is checked with). When a few note files changed and no face sheet or
  plan did, the units they belonged to and now belong to are checked again, with every face sheet
  and plan at hand as in a whole check; the checks across clients are judged again from their
  rows (`checks.RowsCheck`), and the checks of git history run again;
- the commit HEAD names, which the checks of git history read.

What depends on the clock (deadlines, dates in the future) is kept as facts and judged at every
run (`checks.TimedCheck`). Findings are reused only forward in time, since a fact left out as past
stays past: a check `--as-of` an earlier moment checks afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import subprocess
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, overload

from chartkeep.cache import cache_dir, cache_key
from chartkeep.checks import (
    EXTRA_CHECKS,
    PRACTICE_CHECKS,
    Findings,
    Rows,
    every_problem,
    findings,
    judge,
    judge_rows,
    live,
    units,
    whole_checks,
)
from chartkeep.history import ALLOWED_SIGNERS
from chartkeep.layout import atomic_write, is_context_file
from chartkeep.practice import (
    Practice,
    Stat,
    add_parsed,
    fill_practice,
    load_practice,
    make_env,
    open_practice,
    parse_paths,
    scan,
)
from chartkeep.problems import Problem
from chartkeep.templates import template_dirs

MEMO_FORMAT = 3
_MEMO_FILE = "findings.pickle"
_DETAIL_FILE = "findings-detail.pickle"
_NO_STAT = (-1, -1)
T = TypeVar("T")
# What the practice checks run besides the record checks' code (already in `cache_key`).
_SOURCES = ("history.py", "layout.py", "memo.py")
# Past this many changed files, checking them client by client costs more than a whole check.
MAX_CHANGED = 200


@dataclass(frozen=True)
class Memo:
    """Findings with what they were found from (plain data, pickled). What a warm check needs
    is kept apart from what only checking a few clients again needs (`Detail`): each file's
    stat data and unit, and the rows of the checks across clients, many times its size."""

    basis: str
    made: dt.datetime
    head: bytes
    files: bytes  # `_files_key`
    found: Findings  # without the rows


@dataclass(frozen=True)
class Detail:
    """What checking a few clients again needs: each record file's stat data and unit, and the
    rows of the checks across clients (by check)."""

    files: bytes  # the `Memo` it goes with
    stats: dict[str, Stat]
    units: dict[str, str]
    rows: dict[str, Rows]


def check_files(root: Path, paths: Sequence[str], *, as_of: dt.datetime | None = None) -> tuple[
    Practice, list[Problem]
]:
    """The problems of these files (`chartkeep check FILE…`, `watch`), before any selection.

    When a whole check has left its findings, they are brought up to date and give each file's
    problems exactly as a whole check would (an overlap with another client's session too).
    Otherwise the files are checked with every face sheet and plan only, which is quick but
    cannot see the checks across clients."""
    found = check_practice(root, as_of=as_of, cached_only=True)
    if found is None:
        practice = load_practice(root, paths=paths, as_of=as_of)
        found = practice, every_problem(practice)
    wanted = set(paths)
    return found[0], [p for p in found[1] if p.path in wanted]


@overload
def check_practice(root: Path, *, as_of: dt.datetime | None = ..., jobs: int | None = ...) -> tuple[
    Practice, list[Problem]
]: ...


@overload
def check_practice(
    root: Path, *, as_of: dt.datetime | None = ..., jobs: int | None = ..., cached_only: bool
) -> tuple[Practice, list[Problem]] | None: ...


def check_practice(
    root: Path, *, as_of: dt.datetime | None = None, jobs: int | None = None, cached_only: bool = False
) -> tuple[Practice, list[Problem]] | None:
    """The practice (opened; with the records read, if any were) and every problem found in it
    at its moment, before any selection (`checks.choose`). With `cached_only`, None when there
    are no findings of an earlier whole check to start from."""
    practice = open_practice(root, as_of=as_of)
    opened = list(practice.problems)  # the settings' and templates': found afresh at every run
    files = scan(root)
    parsed = cache_dir(root)
    store = parsed.parent if parsed is not None else None
    if store is None:
        if cached_only:
            return None
        fill_practice(practice, list(files), stats=files, jobs=jobs)
        found = _found(practice, opened)
    else:
        basis, head, key = _basis(practice), _head(root), _files_key(files)
        memo = _load(store / _MEMO_FILE, Memo)
        if memo is not None and (memo.basis != basis or memo.made > practice.now):
            memo = None  # findings are reused forward in time only: see the module's docstring
        if memo is None and cached_only:
            return None
        if memo is not None and memo.files == key and memo.head == head:
            found = memo.found
        else:
            detail = _load(store / _DETAIL_FILE, Detail) if memo is not None else None
            fresh = None
            if memo is not None and detail is not None and detail.files == memo.files:
                fresh = _refreshed(practice, opened, memo.found, detail, files, jobs)
            if fresh is None:
                fill_practice(practice, list(files), stats=files, jobs=jobs)
                fresh = (_found(practice, opened), units(practice))
            found = fresh[0]
            _save(store, Memo(basis, practice.now, head, key, replace(found, rows={})),
                  Detail(key, files, fresh[1], found.rows))
    timed = judge(found.timed, practice.now, practice.settings)
    return practice, [*opened, *found.all_problems(), *timed, *live(practice)]


def _files_key(files: dict[str, Stat]) -> bytes:
    """A digest of every record file's path, mtime and size."""
    digest = hashlib.sha256("\0".join(files).encode("utf-8", "surrogateescape"))
    digest.update(array("q", [n for stat in files.values() for n in (stat or _NO_STAT)]).tobytes())
    return digest.digest()


def _found(practice: Practice, opened: list[Problem], *, whole: bool = True) -> Findings:
    """The findings of a filled practice, with what loading found in its files (`whole`: the
    whole practice, else a part: see `checks.findings`)."""
    found = findings(practice, whole=whole, across=whole)
    return Findings([*practice.problems[len(opened):], *found.problems], found.timed, found.rows,
                    found.across, found.whole)


def _refreshed(
    practice: Practice, opened: list[Problem], old: Findings, detail: Detail, files: dict[str, Stat],
    jobs: int | None,
) -> tuple[Findings, dict[str, str]] | None:
    """The findings after a few note files changed: the units they were and are in checked again
    (with every face sheet and plan), the rest kept. None when a face sheet or plan changed, or
    too many files did: then the whole practice is checked."""
    changed = {p for p, stat in files.items() if detail.stats.get(p, False) != stat}
    changed.update(p for p in detail.stats if p not in files)
    if len(changed) > MAX_CHANGED or any(is_context_file(p) for p in changed):
        return None
    present = [p for p in changed if p in files]
    probe = replace(practice, records=[], raws=[], problems=[], features={})  # the changed files alone
    add_parsed(probe, (parsed for _, parsed in parse_paths(str(practice.root), present, _env(practice))))
    affected = {detail.units[p] for p in changed if p in detail.units} | set(units(probe).values())
    wanted = {p for p, unit in detail.units.items() if unit in affected}
    fill_practice(practice, [p for p in files if is_context_file(p) or p in changed or p in wanted],
                  stats=files, jobs=jobs, complete=False)
    now_in = units(practice)
    new = _found(practice, opened, whole=False)
    mine = {p for p, unit in now_in.items() if unit in affected}

    def kept(path: str) -> bool:
        return detail.units.get(path) not in affected

    problems = [p for p in old.problems if kept(p.path)]
    problems.extend(p for p in new.problems if p.path in mine)
    timed = {name: [f for f in facts if kept(f[0])] + [f for f in new.timed.get(name, ()) if f[0] in mine]
             for name, facts in old.timed.items()}
    rows = {name: [r for r in found if kept(r[0])] + [r for r in new.rows.get(name, ()) if r[0] in mine]
            for name, found in detail.rows.items()}
    unit_of = {p: unit for p, unit in detail.units.items() if p in files and unit not in affected}
    unit_of.update((p, unit) for p, unit in now_in.items() if unit in affected)
    across = judge_rows(rows, practice.settings)
    return Findings(problems, timed, rows, across, whole_checks(practice)), unit_of


def _basis(practice: Practice) -> str:
    """What every finding depends on: code, settings, templates, allowed signers."""
    root = practice.root
    digest = hashlib.sha256(f"{MEMO_FORMAT}".encode())
    digest.update(cache_key(_env(practice), _SOURCES).encode())
    digest.update(repr((PRACTICE_CHECKS, EXTRA_CHECKS)).encode())
    for folder in template_dirs(root):
        if folder.is_dir():
            digest.update(repr(sorted(_stat(path) for path in folder.glob("*.md"))).encode(
                "utf-8", "surrogateescape"))
    try:
        digest.update((root / ALLOWED_SIGNERS).read_bytes())
    except OSError:  # none (or unreadable: the check of signatures says so)
        digest.update(b"-")
    return digest.hexdigest()


def _env(practice: Practice):  # type: ignore[no-untyped-def]
    return make_env(practice.settings, practice.sections)


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:  # gone since it was listed, or unreadable: the templates' own check says so
        return path.name, -1, -1
    return path.name, info.st_mtime_ns, info.st_size


def _head(root: Path) -> bytes:
    """The commit HEAD names (empty before the first commit or without git)."""
    try:
        result = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root,
                                capture_output=True, check=False, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except OSError:
        return b""
    return result.stdout.strip()


def _load(path: Path, kind: type[T]) -> T | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file only makes this run slower
        return None
    return found if isinstance(found, kind) else None


def _save(store: Path, memo: Memo, detail: Detail) -> None:
    """The detail first: a memo is only used with the detail written for it."""
    try:
        store.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, data in ((_DETAIL_FILE, detail), (_MEMO_FILE, memo)):
            atomic_write(store / name, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
    except OSError:
        pass  # a read-only .git still gets its notes checked
