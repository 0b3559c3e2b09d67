"""Load a practice: settings, templates and every record, read and parsed (the load stage).

The result is plain data (`Practice`) that the checks, the chart and the commands read. Reading
and parsing one file depends only on its bytes, its path and the practice's note types, so it is
cached by content hash inside `.git` (never in the work tree) and runs on both cores when cold.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chartkeep import billing
from chartkeep.checks import Env, Features, features, local_problems
from chartkeep.layout import GROUPS_DIR, NOTES_DIR, PRIVATE_DIR, is_context_file, read_regular
from chartkeep.model import (
    Client,
    GroupSession,
    ProgressNote,
    PsychotherapyNote,
    Record,
    TreatmentPlan,
    build,
)
from chartkeep.problems import Problem, problem
from chartkeep.reader import RawRecord, read_record
from chartkeep.schema import validate
from chartkeep.settings import Settings, load_settings
from chartkeep.templates import Template, load_templates, required_sections


@dataclass
class Practice:
    """Everything the checks look at, as plain data."""

    root: Path
    settings: Settings
    now: dt.datetime
    templates: dict[str, Template] = field(default_factory=dict)
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    plans: dict[str, list[TreatmentPlan]] = field(default_factory=dict)
    notes: list[ProgressNote] = field(default_factory=list)
    groups: list[GroupSession] = field(default_factory=list)
    private: list[PsychotherapyNote] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    raws: list[RawRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    features: dict[str, Features] = field(default_factory=dict)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def notes_of(self, client: str) -> list[ProgressNote]:
        return [n for n in self.notes if n.client == client]

    def plan_in_force(self, client: str, day: dt.date) -> TreatmentPlan | None:
        """The latest plan dated on or before `day`."""
        current = None
        for plan in self.plans.get(client, ()):
            if plan.date <= day:
                current = plan
        return current

    def review_due(self, plan: TreatmentPlan) -> dt.date:
        return plan.review_by or plan.date + dt.timedelta(days=self.settings.plan_review_days)


def practice_now(settings: Settings, as_of: dt.datetime | None = None) -> dt.datetime:
    """The current wall-clock time in the practice's time zone (naive, like the notes' times)."""
    if as_of is not None:
        return as_of
    try:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)
    except (KeyError, ValueError, ImportError, OSError):
        return dt.datetime.now().replace(microsecond=0)


Stat = tuple[int, int] | None  # a file's mtime (ns) and size; None when it cannot be stat-ed


def scan(root: Path) -> dict[str, Stat]:
    """Every record file under notes/ and private/ (practice-relative paths, sorted) with its
    mtime and size: what a cache compares to know the file unchanged. Dot files and folders, editor
    leftovers and anything but .md are not records; symbolic links to folders are not followed."""
    found: dict[str, Stat] = {}
    for top in (NOTES_DIR, PRIVATE_DIR):
        _scan_folder(os.path.join(root, top), f"{top}/", found)
    return dict(sorted(found.items()))


def _scan_folder(folder: str, rel: str, found: dict[str, Stat]) -> None:
    """`scan` of one folder (`rel`: its practice-relative path and "/"), then of its folders.
    Run for every one of a practice's files, so the common case is tested first: a note."""
    try:
        entries = os.scandir(folder)
    except OSError:  # missing, or not a folder
        return
    subfolders = []
    with entries:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder and name.endswith(".md"):  # (no editor leftover ends so)
                try:
                    info = entry.stat()
                    found[rel + name] = (info.st_mtime_ns, info.st_size)
                except OSError:  # a dangling link: reading it says why
                    found[rel + name] = None
            elif is_folder and not entry.is_symlink():
                subfolders.append(name)
    for name in subfolders:
        _scan_folder(os.path.join(folder, name), f"{rel}{name}/", found)


def discover(root: Path) -> list[str]:
    """Every record file under notes/ and private/, as sorted practice-relative paths."""
    return list(scan(root))


@dataclass(frozen=True)
class Parsed:
    """One file after the read, parse and record-check stages."""

    raw: RawRecord
    record: Record | None
    problems: tuple[Problem, ...]
    features: Features | None = None

    def slim(self) -> Parsed:
        """The same, having forgotten its body text, for the cache (the body is read again from
        the file when needed; the record shares the raw record, so it forgets it too)."""
        self.raw.drop_text()
        return self


def make_env(settings: Settings, sections: dict[str, tuple[str, ...]]) -> Env:
    return Env(settings=settings, sections=sections, rules=billing.rules(settings.billing))


def parse_file(path: str, data: bytes, env: Env, source: str | None = None) -> Parsed:
    """Read, validate, type and check one file: everything that depends on it alone."""
    raw = read_record(path, data, source)
    if not raw.readable:
        return Parsed(raw, None, tuple(raw.problems))
    checked = validate(raw, frozenset(env.sections))
    problems = [*raw.problems, *checked.problems]
    if checked.record is None:
        return Parsed(raw, None, tuple(problems))
    record = build(checked.record, checked.values, raw)
    problems.extend(local_problems(record, env))
    return Parsed(raw, record, tuple(problems), features(record))


def parse_paths(
    root: str, paths: Sequence[str], env: Env
) -> list[tuple[tuple[int, int, str] | None, Parsed]]:
    """Parse files by path, each with what identifies the bytes parsed, for the cache: their
    mtime (ns), size and SHA-256 (None when the file could not be read)."""
    out: list[tuple[tuple[int, int, str] | None, Parsed]] = []
    for path in paths:
        source = os.path.join(root, path)
        try:
            info, data = read_regular(source)
        except OSError as error:
            raw = RawRecord(path=path)
            reason = error.strerror or str(error)
            out.append((None, Parsed(raw, None, (problem("CK012", path, 0, f"cannot read: {reason}"),))))
            continue
        read = (info.st_mtime_ns, info.st_size, hashlib.sha256(data).hexdigest())
        out.append((read, parse_file(path, data, env, source)))
    return out


def load_practice(
    root: Path,
    *,
    paths: Iterable[str] | None = None,
    as_of: dt.datetime | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
) -> Practice:
    """Read and parse the whole practice (or only `paths` plus the face sheets and plans)."""
    practice = open_practice(root, as_of=as_of)
    files = scan(root)
    all_paths = list(files)
    if paths is not None:
        wanted = set(paths)
        all_paths = [p for p in all_paths if p in wanted or is_context_file(p)]
    fill_practice(practice, all_paths, stats=files, jobs=jobs, use_cache=use_cache, complete=paths is None)
    return practice


def open_practice(root: Path, *, as_of: dt.datetime | None = None) -> Practice:
    """The practice's settings, templates and moment, with no record read yet."""
    settings, problems = load_settings(root)
    templates, template_problems = load_templates(root)
    practice = Practice(root=root, settings=settings, now=practice_now(settings, as_of))
    practice.templates = templates
    practice.sections = required_sections(templates)
    practice.problems.extend(problems)
    practice.problems.extend(template_problems)
    return practice


def fill_practice(
    practice: Practice,
    paths: Sequence[str],
    *,
    stats: Mapping[str, Stat] | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    complete: bool = True,
) -> None:
    """Read and parse `paths` (from the cache where unchanged; `stats` as `scan` gave them) into
    an opened practice. `complete`: they are all of the practice's records."""
    from chartkeep.cache import parse_cached

    env = make_env(practice.settings, practice.sections)
    with _no_cycle_collection():
        parsed = parse_cached(practice.root, paths, env, jobs=jobs, use_cache=use_cache, complete=complete,
                              stats=stats)
        add_parsed(practice, parsed)
        index_records(practice)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Loading builds a million small objects and frees none: Python's cycle collector would
    walk them again and again (a third of a warm check) for nothing to collect. They are frozen
    afterwards (kept out of later collections; freed as usual when no longer referenced), and
    the next load first returns the last load's objects to the collector, so a long `serve`
    still collects any cycles among them."""
    enabled = gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def add_parsed(practice: Practice, parsed: Iterable[Parsed]) -> None:
    """Add parsed files to a practice (then `index_records` sorts them into clients, notes, …)."""
    for item in parsed:
        practice.raws.append(item.raw)
        practice.problems.extend(item.problems)
        if item.record is not None:
            practice.records.append(item.record)
            if item.features is not None:
                practice.features[item.record.path] = item.features


def index_records(practice: Practice) -> None:
    """Sort `practice.records` into clients, plans, notes, groups and private notes, afresh."""
    practice.clients, practice.plans = {}, {}
    practice.notes, practice.groups, practice.private = [], [], []
    for record in practice.records:
        if isinstance(record, Client):
            if record.client in practice.clients:
                first = practice.clients[record.client]
                practice.problems.append(
                    problem(
                        "CK111",
                        record.path,
                        record.line("client"),
                        f"client {record.client} already has a face sheet ({first.path}); "
                        "each client code has one",
                    )
                )
                continue
            practice.clients[record.client] = record
        elif isinstance(record, TreatmentPlan):
            practice.plans.setdefault(record.client, []).append(record)
        elif isinstance(record, ProgressNote):
            practice.notes.append(record)
        elif isinstance(record, GroupSession):
            practice.groups.append(record)
        elif isinstance(record, PsychotherapyNote):
            practice.private.append(record)
    for plans in practice.plans.values():
        plans.sort(key=lambda p: p.date)
    practice.notes.sort(key=lambda n: (n.client, n.date, n.start or dt.time.min, n.path))


def in_group_dir(path: str) -> bool:
    return path.startswith(f"{NOTES_DIR}/{GROUPS_DIR}/")
