"""The practice checks' findings for the whole practice, cached: a `chartkeep check` that finds
every file as the last one left it reads no record at all.

The practice checks compare every record with every other (plans in force, cloned notes, other
clients' names), so what they find is kept for the practice as a whole, in
`.git/chartkeep/findings.pickle` (never in the work tree). It is reused when nothing they read has
changed: every record file's mtime and size (`practice.scan`), the templates, chartkeep's code,
the settings, the commit HEAD names (signed notes are compared with their signing commits) and
the allowed signers. What depends on the clock (deadlines, dates in the future) is kept as facts
and judged at every run (`checks.TimedCheck`); findings are reused only forward in time, since a
fact left out as past stays past (a check `--as-of` an earlier moment checks afresh).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import subprocess
from array import array
from pathlib import Path

from chartkeep.cache import cache_dir, cache_key
from chartkeep.checks import EXTRA_CHECKS, PRACTICE_CHECKS, Findings, findings, judge
from chartkeep.history import ALLOWED_SIGNERS
from chartkeep.layout import atomic_write
from chartkeep.practice import Practice, Stat, fill_practice, make_env, open_practice, scan
from chartkeep.problems import Problem
from chartkeep.templates import template_dirs

MEMO_FORMAT = 1
_MEMO_FILE = "findings.pickle"
# What the practice checks run besides the record checks' code (already in `cache_key`).
_SOURCES = ("history.py", "layout.py", "memo.py")
_NO_STAT = (-1, -1)


def check_practice(root: Path, *, as_of: dt.datetime | None = None, jobs: int | None = None) -> tuple[
    Practice, list[Problem]
]:
    """The practice (opened; its records read only when the findings were not cached) and every
    problem found in it at its moment, before any selection (`checks.choose`)."""
    practice = open_practice(root, as_of=as_of)
    files = scan(root)
    parsed = cache_dir(root)
    store = parsed.parent if parsed is not None else None
    key = _key(practice, files) if store is not None else ""
    found = _load(store, key, practice.now) if store is not None else None
    opened = list(practice.problems)  # the settings' and templates': found afresh at every run
    if found is None:
        fill_practice(practice, list(files), stats=files, jobs=jobs)
        checked = findings(practice)
        found = Findings([*practice.problems[len(opened):], *checked.problems], checked.timed)
        if store is not None:
            _save(store, key, practice.now, found)
    return practice, [*opened, *found.problems, *judge(found, practice.now, practice.settings)]


def _key(practice: Practice, files: dict[str, Stat]) -> str:
    root = practice.root
    digest = hashlib.sha256(f"{MEMO_FORMAT}".encode())
    digest.update(cache_key(make_env(practice.settings, practice.sections), _SOURCES).encode())
    digest.update(repr((PRACTICE_CHECKS, EXTRA_CHECKS)).encode())
    digest.update("\0".join(files).encode("utf-8", "surrogateescape"))
    digest.update(array("q", [n for stat in files.values() for n in (stat or _NO_STAT)]).tobytes())
    for folder in template_dirs(root):
        if folder.is_dir():
            digest.update(repr(sorted(_stat(path) for path in folder.glob("*.md"))).encode(
                "utf-8", "surrogateescape"))
    signers = root / ALLOWED_SIGNERS
    digest.update(signers.read_bytes() if signers.is_file() else b"-")
    digest.update(_head(root))
    return digest.hexdigest()


def _stat(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return path.name, info.st_mtime_ns, info.st_size


def _head(root: Path) -> bytes:
    """The commit HEAD names (empty before the first commit or without git)."""
    try:
        result = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=root,
                                capture_output=True, check=False, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except OSError:
        return b""
    return result.stdout.strip()


def _load(store: Path, key: str, now: dt.datetime) -> Findings | None:
    """The cached findings for `key`, when they were made at or before `now`."""
    try:
        with (store / _MEMO_FILE).open("rb") as handle:
            stored_key, made, found = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign file only makes this run slower
        return None
    if stored_key != key or not isinstance(made, dt.datetime) or made > now:
        return None
    return found if isinstance(found, Findings) else None


def _save(store: Path, key: str, now: dt.datetime, found: Findings) -> None:
    try:
        store.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(store / _MEMO_FILE, pickle.dumps((key, now, found), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only .git still gets its notes checked
