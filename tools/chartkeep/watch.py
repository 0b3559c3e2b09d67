"""`chartkeep watch`: re-check each note when it is saved, and optionally autosave drafts to git.

Editors save in different ways: in place (nano, VS Code by default), by writing a new file and
renaming it over the old one (vim with `backupcopy=no`, VS Code's atomic save, many IDEs), after
moving the old file to a backup (`x.md~`), and emacs drops lock (`.#x.md`) and autosave
(`#x.md#`) files beside the note. So every event (created, modified, moved-to) is reduced to the
note path it leaves behind, swap/backup/temp names are ignored, and a path is checked once it has
been quiet for a moment. The checks themselves are the same as `chartkeep check` on that file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from chartkeep.layout import NOTES_DIR, PRIVATE_DIR

QUIET_SECONDS = 0.25  # a save is often several events: wait until the file has settled
POLL_SECONDS = 0.05
_IGNORED_SUFFIXES = (
    ".swp", ".swo", ".swx", ".swn", "~", ".tmp", ".bak", ".orig", ".part", ".crswap", ".save",
)
_CODE_IN_PATH = re.compile(rf"^(?:{NOTES_DIR}|{PRIVATE_DIR})/([^/]+)/")


def is_note_path(rel: str) -> bool:
    """Whether a practice-relative path is a record worth checking, not an editor's side file:
    vim `.x.md.swp` and `4913`, emacs `#x.md#` and `.#x.md`, backups `x.md~`, temp files."""
    path = PurePosixPath(rel)
    parts = path.parts
    if len(parts) < 3 or parts[0] not in (NOTES_DIR, PRIVATE_DIR):
        return False
    if any(part.startswith(".") for part in parts):
        return False
    name = path.name
    if name.startswith(("#", "~")) or name.endswith(_IGNORED_SUFFIXES):
        return False
    return name.endswith(".md")


def client_codes_of(paths: Iterable[str], pattern: re.Pattern[str] | None = None) -> list[str]:
    """Client codes named by the folders of `paths`: only folder names that are client codes
    (the practice's `pattern`, and one safe path component); group records and anything else
    name none."""
    from chartkeep.scaffold import unsafe_code

    pattern = pattern or _default_pattern()
    codes = set()
    for rel in paths:
        match = _CODE_IN_PATH.match(rel)
        if match and unsafe_code(match[1]) is None and pattern.fullmatch(match[1]):
            codes.add(match[1])
    return sorted(codes)


def _default_pattern() -> re.Pattern[str]:
    from chartkeep.settings import Settings

    return Settings().code_pattern()


def autosave_message(paths: Sequence[str], pattern: re.Pattern[str] | None = None) -> str:
    """The commit message: client codes only, never a name or a note's words."""
    codes = client_codes_of(paths, pattern)
    return f"autosave: {', '.join(codes)}" if codes else "autosave: group records"


def committable(rel: str, pattern: re.Pattern[str], name_parts: set[str]) -> bool:
    """Whether autosave may commit `rel`: it lies in a client code's folder (or a group's
    folder) and its path holds no client's name. Anything else is left for the clinician."""
    from chartkeep.checks.privacy import path_names
    from chartkeep.layout import GROUPS_DIR
    from chartkeep.scaffold import GROUP_NAME, unsafe_code

    parts = PurePosixPath(rel).parts
    if len(parts) < 3:
        return False
    folder = parts[1]
    if parts[0] == NOTES_DIR and folder == GROUPS_DIR:
        placed = len(parts) == 4 and GROUP_NAME.fullmatch(parts[2]) is not None
    else:
        placed = unsafe_code(folder) is None and pattern.fullmatch(folder) is not None
    return placed and not path_names(rel, name_parts)


def check_files(root: Path, rels: Sequence[str]) -> list[Any]:
    """The problems of these files, as `chartkeep check FILE…` reports them."""
    from chartkeep.checks import choose
    from chartkeep.memo import check_files as problems_of

    practice, found = problems_of(root, list(rels))
    return choose(found, practice.settings)


class SaveCollector:
    """Collects note paths from file events; hands each back once it has been quiet."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()

    def relative(self, path: str | bytes) -> str | None:
        text = path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
        # abspath, not resolve: an emacs lock `.#x.md` is a dangling symlink, and the event's own
        # name is what matters (watchdog reports paths under the resolved directories we gave it)
        try:
            return Path(os.path.abspath(text)).relative_to(self.root).as_posix()
        except ValueError:
            return None

    def saw(self, path: str | bytes) -> None:
        rel = self.relative(path)
        if rel is not None and is_note_path(rel):
            with self._lock:
                self._pending[rel] = time.monotonic()

    def dispatch(self, event: Any) -> None:
        """watchdog's handler entry point: every event kind comes here."""
        if getattr(event, "is_directory", False):
            return
        kind = getattr(event, "event_type", "")
        if kind in ("created", "modified", "closed"):
            self.saw(event.src_path)
        elif kind == "moved":
            self.saw(event.dest_path)

    def settled(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        with self._lock:
            ready = sorted(p for p, seen in self._pending.items() if now - seen >= QUIET_SECONDS)
            for rel in ready:
                del self._pending[rel]
        return [rel for rel in ready if (self.root / rel).is_file()]


def report(root: Path, rels: Sequence[str], out: TextIO) -> None:
    """Print each file's problems, or `PATH: ok`."""
    from chartkeep.problems import render

    problems = check_files(root, rels)
    for rel in rels:
        own = [p for p in problems if p.path == rel]
        print(render(own) if own else f"{rel}: ok", file=out, flush=True)


def changed_drafts(root: Path) -> list[str]:
    """Notes changed or new since the last commit, from `git status` (the git CLI)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "-z", "--untracked-files=all", "--", NOTES_DIR, PRIVATE_DIR],
        cwd=root, capture_output=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode("utf-8", "replace").strip() or "git status failed")
    entries = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    paths = []
    skip_next = False
    for entry in entries:
        if skip_next:
            skip_next = False
            continue
        if len(entry) < 4:
            continue
        status, rel = entry[:2], entry[3:]
        if "R" in status or "C" in status:
            skip_next = True  # the rename's source follows
        if is_note_path(rel):
            paths.append(rel)
    return sorted(set(paths))


@dataclass(frozen=True)
class Autosave:
    """What one autosave did: the commit message (None when nothing was committed) and the
    changed notes it left alone (outside a client folder, or with a name in the path)."""

    message: str | None
    held: tuple[str, ...] = ()


def held_notice(count: int) -> str:
    """The one line saying some notes were not committed: a count, never a path (a path
    outside a client folder may hold a client's name)."""
    notes = "1 note" if count == 1 else f"{count} notes"
    return (f"autosave: {notes} outside a client folder (or with a client's name in the path) not "
            "committed: move it to notes/<CLIENT CODE>/, named by date and type, "
            "then `chartkeep check`")


def autosave(root: Path) -> Autosave:
    """Commit changed drafts through the git CLI (`git add`, `git commit`): problems or not,
    a draft is better in history than lost. Only notes in a client code's (or a group's) folder
    with no client's name in their path are committed: a commit message and git's history
    carry client codes only."""
    from chartkeep.checks.privacy import face_sheet_names, name_parts
    from chartkeep.settings import load_settings

    changed = changed_drafts(root)
    if not changed:
        return Autosave(None)
    settings, _ = load_settings(root)
    pattern = settings.code_pattern()
    parts = name_parts(face_sheet_names(root, pattern))
    paths = [rel for rel in changed if committable(rel, pattern, parts)]
    held = tuple(rel for rel in changed if rel not in paths)
    if not paths:
        return Autosave(None, held)
    message = autosave_message(paths, pattern)
    steps = (["git", "add", "-A", "--", *paths], ["git", "commit", "-q", "-m", message, "--", *paths])
    for step in steps:
        result = subprocess.run(step, cwd=root, capture_output=True, check=False)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise RuntimeError(detail or f"{step[1]} failed")
    return Autosave(message, held)


def watch(root: Path, *, autosave_minutes: float | None = None, out: TextIO | None = None,
          stop: threading.Event | None = None) -> int:
    """Watch until Ctrl-C (or `stop`); exit status 0."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    out = out or sys.stdout
    collector = SaveCollector(root)

    class Handler(FileSystemEventHandler):
        def dispatch(self, event: FileSystemEvent) -> None:
            collector.dispatch(event)

    observer = Observer()
    watched = [root / NOTES_DIR, root / PRIVATE_DIR]
    for directory in watched:
        directory.mkdir(exist_ok=True)
        observer.schedule(Handler(), str(directory), recursive=True)
    interval = autosave_minutes * 60 if autosave_minutes else None
    next_save = time.monotonic() + interval if interval else None
    warned: set[str] = set()
    observer.start()
    try:
        extra = f"; autosaving every {autosave_minutes:g} min" if interval else ""
        print(f"watching {NOTES_DIR}/ and {PRIVATE_DIR}/{extra} (Ctrl-C to stop)", file=out, flush=True)
        while stop is None or not stop.is_set():
            time.sleep(POLL_SECONDS)
            ready = collector.settled()
            if ready:
                try:
                    report(root, ready, out)
                except Exception as error:  # noqa: BLE001 - a broken check must not end the watch
                    print(f"chartkeep: could not check {', '.join(ready)}: {error}", file=sys.stderr)
            if next_save is not None and interval and time.monotonic() >= next_save:
                next_save = time.monotonic() + interval
                try:
                    saved = autosave(root)
                except (RuntimeError, OSError) as error:
                    print(f"chartkeep: autosave failed: {error}", file=sys.stderr, flush=True)
                else:
                    if saved.message:
                        print(saved.message, file=out, flush=True)
                    if set(saved.held) - warned:  # said once, until another such note appears
                        print(held_notice(len(saved.held)), file=out, flush=True)
                    warned = set(saved.held)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        try:
            observer.join(timeout=2)
        except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C
            pass
    print("stopped watching", file=out, flush=True)
    return 0
