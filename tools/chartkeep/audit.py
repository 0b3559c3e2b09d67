"""The practice audit (`chartkeep audit`) and a note's history (`chartkeep history`).

The audit gathers what an HHS-OIG reviewer finds most (missing signatures, missing or stale
treatment plans, undocumented sessions) plus edits after signing, and every check error, into one
short report. It is a reader of the check results and of git history; it holds no rules of its own
beyond "a scheduled appointment that has passed should have a note".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from chartkeep.checks.locking import is_signed
from chartkeep.history import History, open_history
from chartkeep.layout import read_regular
from chartkeep.practice import Practice
from chartkeep.problems import ERROR, Problem
from chartkeep.settings import Settings
from chartkeep.signing import NoteFormatError, addenda, locked_change, split


@dataclass(frozen=True)
class Finding:
    """One line of the report: where, and what needs doing."""

    where: str
    what: str


@dataclass(frozen=True)
class Section:
    title: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Report:
    heading: str
    sections: tuple[Section, ...]
    notices: tuple[str, ...] = ()

    @property
    def needs_action(self) -> bool:
        return any(section.findings for section in self.sections)

    def as_text(self) -> str:
        lines = [self.heading]
        for notice in self.notices:
            lines.append(f"note: {notice}")
        for section in self.sections:
            if not section.findings:
                continue
            lines.append("")
            lines.append(f"{section.title} ({len(section.findings)})")
            width = min(max(len(f.where) for f in section.findings), 44)
            lines.extend(f"  {f.where:<{width}}  {f.what}" for f in section.findings)
        count = sum(len(s.findings) for s in self.sections)
        lines.append("")
        if count:
            lines.append(
                f"{count} item{'s' if count != 1 else ''} need action. `chartkeep check` says how "
                "to fix each; `chartkeep history NOTE` shows who changed what."
            )
        else:
            lines.append("Nothing needs action.")
        return "\n".join(lines)


def audit(practice: Practice) -> Report:
    """The report for a loaded practice, as of `practice.now`."""
    from chartkeep.checks import run_checks
    from chartkeep.checks.locking import NOT_A_REPOSITORY, lock_states

    problems = run_checks(practice, lists=["all"])
    notices: list[str] = []
    locking: list[Problem] = []
    uncommitted: list[Finding] = []
    history = open_history(practice.root)
    if history is None:
        notices.append(NOT_A_REPOSITORY)
    else:
        with history:
            for state in lock_states(practice, history):
                locking.extend(state.problems)
                if state.signing is None and state.signed_on_disk:
                    uncommitted.append(Finding(state.path, "signed, but the signature was never committed"))
    by_code: dict[str, list[Problem]] = {}
    seen_locking = {(p.path, p.line, p.code) for p in locking}
    for item in problems:
        by_code.setdefault(item.code, []).append(item)
    deadline = practice.settings.note_deadline_hours
    unsigned = tuple(Finding(p.path, _short(p.message)) for p in by_code.get("CK501", []))
    changed = tuple(Finding(f"{p.path}:{p.line}" if p.line else p.path, _short(p.message)) for p in locking)
    shown = {"CK501", "CK408", "CK409", "CK414"}
    errors = tuple(
        Finding(f"{p.path}:{p.line}" if p.line else p.path, f"{p.code} {_short(p.message)}")
        for p in problems
        if p.severity == ERROR and p.code not in shown and (p.path, p.line, p.code) not in seen_locking
    )
    if len(uncommitted) > 5:
        uncommitted = [
            Finding(
                f"{len(uncommitted)} notes",
                f"signed, but no signed version was ever committed (e.g. {uncommitted[0].where}): "
                "commit them",
            )
        ]
    sections = (
        Section(f"Unsigned past the {deadline}-hour deadline", unsigned),
        Section("Signed notes changed after signing", (*changed, *uncommitted)),
        Section("Treatment plans due or missing", tuple(plan_findings(practice))),
        Section(
            "Measures the plan tracks, missing",
            tuple(Finding(p.path, _short(p.message)) for p in by_code.get("CK414", [])),
        ),
        Section("Appointments passed without a note", tuple(appointment_findings(practice))),
        Section("Check errors", errors),
    )
    heading = (
        f"Audit of {practice.settings.practice_name} as of {practice.now:%Y-%m-%d %H:%M}: "
        f"{len(practice.clients)} clients, {len(practice.notes)} notes"
    )
    return Report(heading, sections, tuple(notices))


def _short(message: str) -> str:
    """The finding without the how-to: its first sentence, up to the first colon when that is
    still long (`chartkeep check` prints the whole message with the fix)."""
    text = message.split(". ", 1)[0].rstrip(".")
    if len(text) > 90 and ": " in text:
        text = text.split(": ", 1)[0]
    return text


def plan_findings(practice: Practice) -> list[Finding]:
    """Active clients with no treatment plan, or whose latest plan's review is due."""
    out = []
    soon = dt.timedelta(days=practice.settings.plan_due_warning_days)
    for code, client in sorted(practice.clients.items()):
        if client.status != "active":
            continue
        plans = practice.plans.get(code, [])
        if not plans:
            if practice.notes_of(code):
                out.append(Finding(code, "no treatment plan"))
            continue
        plan = plans[-1]
        due = practice.review_due(plan)
        if due < practice.today:
            out.append(Finding(code, f"plan review overdue since {due} ({plan.path})"))
        elif due - soon <= practice.today:
            out.append(Finding(code, f"plan review due by {due} ({plan.path})"))
    return out


def appointment_findings(practice: Practice) -> list[Finding]:
    """A note's `next_appointment` that has passed with no note for that client on or after it."""
    out = []
    by_client: dict[str, list] = {}
    for note in practice.notes:
        by_client.setdefault(note.client, []).append(note)
    for code, notes in sorted(by_client.items()):
        client = practice.clients.get(code)
        if client is not None and client.status != "active":
            continue
        last = max(n.date for n in notes)
        pending = sorted(
            {
                (n.next_appointment, n.path)
                for n in notes
                if n.next_appointment and last < n.next_appointment < practice.today
            },
        )
        if pending:
            day, path = pending[0]
            out.append(Finding(code, f"appointment {day} (from {path}): no note on or after it"))
    return out


# -- a note's history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One step in a note's life, from git."""

    at: dt.datetime | None
    what: str
    who: str
    commit: str
    extra: str = ""
    details: tuple[str, ...] = field(default=())

    def as_text(self) -> str:
        when = f"{self.at:%Y-%m-%d %H:%M}" if self.at else "work tree       "
        text = f"{when}  {self.what:<22} {self.who}"
        if self.commit:
            text += f"  {self.commit}"
        if self.extra:
            text += f"  {self.extra}"
        return text


def note_history(root: Path, rel: str, history: History, settings: Settings) -> list[Event]:
    """Created, edited, signed, addenda, attested, co-signed: one event per commit, then the
    work tree's state when it differs from the last commit."""
    chain = history.versions([rel]).get(rel, [])
    if not chain:
        return []
    verdicts = {}
    if (root / ".chartkeep" / "allowed_signers").is_file():
        verdicts = history.verify(v.commit.id for v in chain)
    events: list[Event] = []
    local = _to_practice_time(settings)
    previous: str | None = None
    signed_text: str | None = None
    for version in chain:
        commit = version.commit
        who = f"{commit.author} <{commit.email}>" if commit.email else commit.author
        status, principal = verdicts.get(commit.id, ("", ""))
        extra = {
            "G": f"SSH-signed, verified ({principal})",
            "B": "SSH signature BAD",
            "U": "SSH-signed, key not in allowed_signers",
            "E": "SSH signature cannot be checked",
        }
        note = extra.get(status, "")
        if version.blob is None:
            events.append(Event(local(commit.at), "deleted", who, commit.short, note))
            previous = None
            continue
        text = history.text(rel, version.blob)
        if text is None:
            events.append(Event(local(commit.at), "changed (unreadable)", who, commit.short, note))
            continue
        what = _describe(previous, text, signed_text)
        if signed_text is None and is_signed(text):
            signed_text = text
        events.append(Event(local(commit.at), what, who, commit.short, note))
        previous = text
    path = root / rel
    try:
        current: str | None = read_regular(path)[1].decode("utf-8", "replace")
    except OSError:
        current = None
    if current is not None:
        if previous is not None and current != previous:
            broken = signed_text is not None and locked_change(signed_text, current) is not None
            events.append(
                Event(
                    None,
                    "changed after signing" if broken else "uncommitted changes",
                    "",
                    "",
                    "CK505: see `chartkeep check`" if broken else "",
                )
            )
    elif previous is not None:
        events.append(Event(None, "deleted (not committed)", "", ""))
    return events


def _to_practice_time(settings: Settings):  # type: ignore[no-untyped-def]
    """Commit times shown in the practice's time zone, like the notes' own times."""
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(settings.timezone)
    except (KeyError, ValueError, ImportError, OSError):
        zone = None

    def local(at: dt.datetime) -> dt.datetime:
        if zone is None or at.tzinfo is None:
            return at.replace(tzinfo=None)
        return at.astimezone(zone).replace(tzinfo=None)

    return local


def _describe(previous: str | None, text: str, signed_text: str | None) -> str:
    if previous is None:
        return "created, signed" if is_signed(text) else "created"
    if not is_signed(previous) and is_signed(text):
        return "signed (late)" if "\nlate: true" in text.split("\n---", 1)[0] + "\n" else "signed"
    if signed_text is not None and locked_change(signed_text, text) is not None:
        return "EDITED AFTER SIGNING"
    try:
        old, new = split(previous), split(text)
    except NoteFormatError:
        return "edited"
    steps = []
    old_front, new_front = "".join(old.front), "".join(new.front)
    if "cosigned:" in new_front and "cosigned:" not in old_front:
        steps.append("co-signed")
    if "attestation:" in new_front and "attestation:" not in old_front:
        steps.append("attested")
    old_add, new_add = addenda(old.body), addenda(new.body)
    if len(new_add) > len(old_add):
        steps.append("addendum signed" if new_add[-1].signed else "addendum added")
    elif new_add and old_add and new_add[-1].signed and not old_add[-1].signed:
        steps.append("addendum signed")
    elif new_add and new.body != old.body:
        steps.append("addendum edited")
    return ", ".join(steps) or "edited"
