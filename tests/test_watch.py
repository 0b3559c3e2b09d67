"""`chartkeep watch` with real file saves (in place, vim-style rename with a backup, editors' swap
and lock files), Ctrl-C, and `--autosave` commits through real git."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chartkeep import watch

from tests.gitutil import commit_all, git_env, git_out, init_repo
from tests.test_scaffold import CLIENTS, TODAY, make_practice

SAVED = f"notes/C0001/{TODAY}-soap.md"

GOOD = f"""---
record: note
type: soap
client: C0001
date: {TODAY}
start: "10:00"
end: "10:45"
service: "90834"
pos: "11"
modality: in-person
diagnoses: [F33.0]
goals: [G1]
risk: {{suicidal: denied, homicidal: denied}}
measures: {{phq9: {{total: 8, item9: 0}}}}
clinician: jdoe
---

## Subjective
Client reported sleeping six hours most nights.

## Objective
Casually dressed; mood "ok", affect congruent.

## Assessment
Sleep improving (G1).

## Plan
Continue the sleep diary.
"""


class Watcher:
    """`chartkeep watch` in a subprocess, its output lines in a queue."""

    def __init__(self, root: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "chartkeep", "watch", *args],
            cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=git_env(),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("watching", timeout=10)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 5.0) -> list[str]:
        """Lines up to and including the first that contains `text`."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got
        raise AssertionError(f"no line with {text!r} within {timeout}s; got {got}")

    def quiet(self, seconds: float) -> list[str]:
        time.sleep(seconds)
        got = []
        while not self.lines.empty():
            got.append(self.lines.get())
        return got

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        assert self.process.stderr is not None
        return code, self.process.stderr.read()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_practice(tmp_path / "practice")


@pytest.fixture
def watcher(root: Path) -> Iterator[Watcher]:
    running = Watcher(root)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_is_note_path_ignores_editor_side_files() -> None:
    assert watch.is_note_path("notes/C0001/2026-01-15-soap.md")
    assert watch.is_note_path("private/C0001/2026-01-15.md")
    assert watch.is_note_path("notes/groups/tue/2026-01-15-group.md")
    for side in (".2026-01-15-soap.md.swp", "2026-01-15-soap.md~", "#2026-01-15-soap.md#",
                 ".#2026-01-15-soap.md", "4913", ".ck-abc.tmp", "2026-01-15-soap.md.tmp",
                 "2026-01-15-soap.md.swx", "x.md.crswap"):
        assert not watch.is_note_path(f"notes/C0001/{side}"), side
    assert not watch.is_note_path("templates/soap.md")
    assert not watch.is_note_path("notes/.git/x.md")


def test_autosave_message_names_codes_only() -> None:
    paths = ["notes/C0003/2026-01-15-soap.md", "notes/C0001/client.md", "private/C0001/2026-01-15.md",
             "notes/groups/tue/2026-01-15-group.md"]
    assert watch.autosave_message(paths) == "autosave: C0001, C0003"
    assert watch.autosave_message(["notes/groups/tue/2026-01-15-group.md"]) == "autosave: group records"


def test_saves_are_checked_across_editor_save_patterns(root: Path, watcher: Watcher) -> None:
    note = root / SAVED
    folder = note.parent
    # a plain save (nano, VS Code): the Plan section is missing
    started = time.monotonic()
    note.write_text(GOOD.replace("## Plan\nContinue the sleep diary.\n", ""), encoding="utf-8")
    got = watcher.expect("CK401")
    assert time.monotonic() - started < 2.5
    assert any(line.startswith(f"{SAVED}:") and "'## Plan'" in line for line in got)

    # editors' side files alone produce no output
    (folder / f".{note.name}.swp").write_bytes(b"b0VIM 9.0\x00")
    (folder / "4913").write_text("")
    (folder / f"#{note.name}#").write_text("autosave")
    os.symlink("user@host.1234", folder / f".#{note.name}")
    (folder / f"{note.name}~").write_text("backup")
    assert watcher.quiet(0.8) == []

    # vim with backupcopy=no: the note is renamed to a backup, a new file written in its place
    os.rename(note, folder / f"{note.name}~")
    note.write_text(GOOD, encoding="utf-8")
    os.unlink(folder / f"{note.name}~")
    got = watcher.expect(f"{SAVED}: ok")
    assert not any("error" in line for line in got)

    # VS Code / atomic save: write a temp file, rename it over the note
    tmp = folder / f".{note.name}.tmp"
    tmp.write_text(GOOD.replace("Continue the sleep diary.", "<!-- to do -->"), encoding="utf-8")
    os.replace(tmp, note)
    got = watcher.expect("CK402")
    assert any(line.startswith(f"{SAVED}:") for line in got)

    code, stderr = watcher.interrupt()
    assert code == 0
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_autosave_commits_drafts_with_client_codes_only(root: Path) -> None:
    init_repo(root)
    commit_all(root, "initial")
    running = Watcher(root, "--autosave", "0.01")  # every 0.6 s
    try:
        draft = GOOD.replace("## Plan\nContinue the sleep diary.\n", "")  # a draft with errors
        (root / SAVED).write_text(draft, encoding="utf-8")
        (root / "notes" / "C0003" / f"{TODAY}-dap.md").write_text("---\nrecord: note\n---\n")
        (root / "notes" / "C0003" / f".{TODAY}-dap.md.swp").write_bytes(b"swap")
        running.expect("autosave: C0001, C0003", timeout=10)
        code, stderr = running.interrupt()
    finally:
        if running.process.poll() is None:
            running.process.kill()
    assert code == 0, stderr
    assert git_out(root, "log", "-1", "--format=%s") == "autosave: C0001, C0003"
    message = git_out(root, "log", "-1", "--format=%B")
    for name in CLIENTS.values():
        for part in name.split():
            assert part not in message
    committed = git_out(root, "show", "--name-only", "--format=", "HEAD").split("\n")
    assert sorted(committed) == sorted([SAVED, f"notes/C0003/{TODAY}-dap.md"])
    assert git_out(root, "status", "--porcelain", "--", "notes/C0001") == ""
