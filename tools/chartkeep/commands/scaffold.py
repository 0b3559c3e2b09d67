"""`chartkeep new-client`, `new-note`, `new-group-note` and `watch`: write a new record from a
template, pre-filled from what the practice already knows, open it in the editor, check it.

The pure part (paths, values, filling) is `chartkeep.scaffold`; this module is the edge that reads
the few files a new note needs (the client's face sheet, plans and latest notes: never the whole
practice, so the editor opens at once on a practice of thousands of notes), writes atomically
without ever replacing a file, and runs the editor. Client names appear only in the face sheet:
never in a path, a message or the output, which show client codes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any

from chartkeep.cli import practice_option

_NOTE_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})-([a-z0-9_]+?)(?:-(\d+))?\.md")
_PLAN_FILE = re.compile(r"plan-(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.md")
RECENT_NOTES = 6  # latest notes read for the modality, session number and last plan


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new_client = sub.add_parser(
        "new-client",
        help="write a face sheet for a new client under the next free client code",
        description="Assign the next free client code (the settings' client_code_pattern, default "
        "C + 4 digits) and write notes/<CODE>/client.md. The name goes only into that file: the "
        "output shows the code. Example: chartkeep new-client --name 'Ann Lee' --dob 1990-04-02",
    )
    practice_option(new_client)
    new_client.add_argument("--name", help="the client's full name (written only to the face sheet)")
    new_client.add_argument("--dob", metavar="YYYY-MM-DD", help="date of birth")
    new_client.add_argument("--payer", help="payer id from chartkeep.toml (default self-pay)")
    new_client.add_argument("--clinician", help="clinician id (default: the practice's only one)")
    new_client.add_argument("--pronouns", help="e.g. she/her")
    new_client.add_argument("--diagnoses", default="", metavar="CODES", help="ICD-10-CM codes, comma-separated")
    new_client.add_argument("--code", help="use this client code instead of the next free one")
    new_client.add_argument("--no-edit", action="store_true", help="do not open the editor")
    new_client.set_defaults(func=run_new_client)

    new_note = sub.add_parser(
        "new-note",
        help="write a new note from a template and open it in the editor",
        description="Write notes/CLIENT/DATE-TYPE.md (a plan: notes/CLIENT/plan-DATE.md; a "
        "psychotherapy note: private/CLIENT/DATE.md), pre-filled from the face sheet, the plan in "
        "force and the last session; print its path; open $VISUAL/$EDITOR when on a terminal (or "
        "CHARTKEEP_EDIT=1) and check the note when the editor exits. Never overwrites: a second "
        "note the same day gets -2. Exit 0 once written; what is left to fill is for the checks. "
        "Example: chartkeep new-note C0001 soap --start 10:00 --end 10:53",
    )
    practice_option(new_note)
    new_note.add_argument("client", nargs="?", metavar="CLIENT", help="client code, e.g. C0001")
    new_note.add_argument("type", nargs="?", metavar="TYPE", help="template: soap, dap, birp, girp, "
                          "intake, group, family, crisis, contact, cancellation, discharge, plan, "
                          "psychotherapy or a practice template")
    new_note.add_argument("--date", metavar="YYYY-MM-DD", help="date of service (default today)")
    new_note.add_argument("--start", metavar="HH:MM", help="start time, 24-hour")
    new_note.add_argument("--end", metavar="HH:MM", help="end time, 24-hour")
    new_note.add_argument("--no-edit", action="store_true", help="do not open the editor")
    new_note.set_defaults(func=run_new_note)

    group = sub.add_parser(
        "new-group-note",
        help="write a group session record and one note per member",
        description="Write notes/groups/GROUP/DATE-group.md (theme, interventions, members) and "
        "for each client notes/CLIENT/DATE-group.md (type: group, service 90853), the shared "
        "sections filled from --theme/--interventions and each member's own '## Notes' left to "
        "write. No member's note names another member. On a terminal, a group or members left out "
        "are asked for (the group's last members offered). Example: chartkeep new-group-note "
        "--group tuesday-anxiety --clients C0001,C0002 --theme 'Coping with worry'",
    )
    practice_option(group)
    group.add_argument("--group", metavar="NAME", help="group id: lower-case letters, digits, '-' (asked if left out)")
    group.add_argument("--clients", metavar="CODES", help="members present, comma-separated codes (asked if left out)")
    group.add_argument("--date", metavar="YYYY-MM-DD", help="date of the session (default today)")
    group.add_argument("--start", metavar="HH:MM", help="start time, 24-hour")
    group.add_argument("--end", metavar="HH:MM", help="end time, 24-hour")
    group.add_argument("--theme", help="the session's theme (shared by every member's note)")
    group.add_argument("--interventions", help="the interventions used (shared)")
    group.add_argument("--clinician", help="clinician id (default: the first member's clinician)")
    group.add_argument("--modality", choices=("in-person", "video", "audio"), default="in-person")
    group.add_argument("--pos", default="11", help='place of service (default "11", office)')
    group.add_argument("--no-edit", action="store_true", help="do not open the editor")
    group.set_defaults(func=run_new_group_note)

    watch = sub.add_parser(
        "watch",
        help="re-check each note as it is saved",
        description="Watch notes/ and private/ and print each saved note's problems (or 'ok') "
        "within a second; editors' swap, backup and lock files are ignored. Ctrl-C stops. With "
        "--autosave N, changed drafts are committed every N minutes (`git commit`, message naming "
        "client codes only), problems or not.",
    )
    practice_option(watch)
    watch.add_argument("--autosave", type=float, default=None, metavar="MINUTES",
                       help="commit changed drafts every MINUTES minutes")
    watch.set_defaults(func=run_watch)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def run_new_note(args: argparse.Namespace) -> int:
    from chartkeep import scaffold
    from chartkeep.errors import UsageError
    from chartkeep.schema import STANDARD_NOTE_TYPES

    root, settings, today = _open_practice(args.practice)
    templates = template_files(root)
    client, note_type = args.client, (args.type or "").lower() or None
    if client is None or note_type is None:
        client, note_type = _ask_note(root, settings, templates, client, note_type)
    if note_type in scaffold.OTHER_COMMANDS:
        raise UsageError(f"{note_type!r} is written by `chartkeep {scaffold.OTHER_COMMANDS[note_type]}`")
    if note_type not in templates or not scaffold.TYPE_NAME.fullmatch(note_type):
        raise UsageError(
            f"no template {note_type!r}: use one of {', '.join(note_types(templates))}, or add "
            f"templates/{note_type}.md with `required_sections: [...]`"
        )
    day = _parse_day(args.date, today)
    start, end = _session_times(args.start, args.end)
    face = _face_sheet(root, settings, client)
    template_text = template_text_of(root, templates[note_type])
    meta = _template_meta(template_text)
    record = str(meta.get("record") or "note")
    custom = record == "note" and note_type not in STANDARD_NOTE_TYPES
    known = read_known(root, client, day, face, settings)
    values = scaffold.prefill(note_type, known, day, start=start, end=end, custom=custom)
    text = scaffold.fill(template_text, values, note_type=note_type if record == "note" else None)
    rel = write_new(root, scaffold.note_path(note_type, client, day), text)
    print(display(root, rel), flush=True)
    edit_and_check(root, [rel], args.no_edit)
    return 0


def run_new_client(args: argparse.Namespace) -> int:
    from chartkeep import scaffold
    from chartkeep.checks.privacy import face_sheet_names, holds_a_name
    from chartkeep.errors import UsageError

    root, settings, today = _open_practice(args.practice)
    pattern = settings.code_pattern()
    existing = client_codes(root, pattern)
    if args.code is not None:
        unsafe = scaffold.unsafe_code(args.code)
        if unsafe:
            raise UsageError(f"--code {args.code!r} {unsafe}: a client code is one folder name under "
                             "notes/ (letters and digits, e.g. C0042); nothing was written")
        if not pattern.fullmatch(args.code):
            raise UsageError(f"--code {args.code!r} does not match client_code_pattern {pattern.pattern!r}")
        if args.code in existing or (root / "notes" / args.code).exists():
            raise UsageError(f"client {args.code} already exists; leave out --code for the next free one")
        if holds_a_name(args.code, [args.name or "", *face_sheet_names(root, pattern)]):
            raise UsageError("--code contains a client's name: client codes are the only identifiers "
                             "allowed in paths; leave out --code for the next free one")
        code = args.code
    else:
        try:
            code = scaffold.next_client_code(settings.client_code_pattern, existing)
        except ValueError as error:
            raise UsageError(str(error)) from None
    name, dob_text = args.name, args.dob
    if is_terminal() and not args.no_edit:
        name = name or _prompt("Client's full name (kept only in the face sheet): ")
        dob_text = dob_text or _prompt("Date of birth (YYYY-MM-DD): ")
    dob = None
    if dob_text:
        dob = _parse_date(dob_text, "--dob")
        if dob > today:
            raise UsageError(f"--dob {dob_text!r} is in the future: check the year")
    clinician = args.clinician or (next(iter(settings.clinicians)) if len(settings.clinicians) == 1 else None)
    if clinician and settings.clinicians and clinician not in settings.clinicians:
        raise UsageError(f"clinician {clinician!r} is not in chartkeep.toml; use one of {', '.join(settings.clinicians)}")
    if args.payer and args.payer != "self-pay" and args.payer not in settings.payers:
        known = ", ".join(["self-pay", *settings.payers])
        raise UsageError(f"payer {args.payer!r} is not in chartkeep.toml; use one of {known}")
    diagnoses = [d.strip() for d in args.diagnoses.split(",") if d.strip()]
    values = scaffold.client_values(
        code, name=name, dob=dob, clinician=clinician, payer=args.payer,
        pronouns=args.pronouns, diagnoses=diagnoses, today=today,
    )
    templates = template_files(root)
    text = scaffold.fill(template_text_of(root, templates["client"]), values)
    rel = f"notes/{code}/client.md"
    from chartkeep.layout import atomic_write

    try:
        atomic_write(root / rel, text, exclusive=True)
    except FileExistsError:
        raise UsageError(f"{rel} already exists; nothing was written") from None
    print(display(root, rel), flush=True)
    edit_and_check(root, [rel], args.no_edit)
    return 0


def run_new_group_note(args: argparse.Namespace) -> int:
    from chartkeep import scaffold
    from chartkeep.checks.privacy import face_sheet_names, holds_a_name
    from chartkeep.errors import UsageError

    root, settings, today = _open_practice(args.practice)
    group, clients = args.group, args.clients
    if not group or not clients or not clients.strip(" ,"):
        group, clients = _ask_group(root, settings, group, clients)
    if not group or not clients or not clients.strip(" ,"):
        raise UsageError("no group or no members named; nothing was written")
    pattern = settings.code_pattern()
    if holds_a_name(group, face_sheet_names(root, pattern)):
        raise UsageError(
            "--group contains a client's name: the group id is a folder name in every member's "
            "chart; name the group by its day or theme (e.g. tuesday-anxiety)"
        )
    if not scaffold.GROUP_NAME.fullmatch(group) or pattern.search(group.upper()):
        raise UsageError(
            f"--group {group!r}: use lower-case letters, digits and '-' (e.g. tuesday-anxiety), "
            "and no client code"
        )
    members = [c.strip() for c in clients.split(",") if c.strip()]
    if len(set(members)) != len(members):
        raise UsageError("--clients lists a client twice")
    day = _parse_day(args.date, today)
    start, end = _session_times(args.start, args.end)
    faces = {code: _face_sheet(root, settings, code) for code in members}
    for text, option in ((args.theme, "--theme"), (args.interventions, "--interventions")):
        if text and _names_someone(text, faces):
            raise UsageError(
                f"{option} names a member (code or name): the group record is read in every "
                "member's chart; describe the group, not a member"
            )
    clinician = args.clinician or faces[members[0]].get("clinician")
    if args.clinician and settings.clinicians and args.clinician not in settings.clinicians:
        raise UsageError(f"--clinician {args.clinician!r} is not in chartkeep.toml; use one of "
                         f"{', '.join(settings.clinicians)}")
    shared = scaffold.group_values(
        group, day, members, clinician, start=start, end=end, theme=args.theme,
        interventions=args.interventions, modality=args.modality, pos=args.pos,
    )
    templates = template_files(root)
    records = [(scaffold.group_path(group, day),
                scaffold.fill(template_text_of(root, templates["group-session"]), shared))]
    member_template = template_text_of(root, templates["group"])
    for code in members:
        known = read_known(root, code, day, faces[code], settings)
        own = scaffold.prefill("group", known, day, start=start, end=end)
        values = scaffold.member_values(group, shared, own)
        records.append((scaffold.note_path("group", code, day), scaffold.fill(member_template, values)))
    written: list[str] = []
    try:
        for first, text in records:
            written.append(write_new(root, first, text))
    except BaseException:  # all or nothing: a rerun must not find half a session and add -2 copies
        for rel in written:
            (root / rel).unlink(missing_ok=True)  # created by this run a moment ago, template text only
        raise
    for rel in written:
        print(display(root, rel), flush=True)
    edit_and_check(root, written, args.no_edit)
    return 0


def run_watch(args: argparse.Namespace) -> int:
    from chartkeep.layout import find_practice
    from chartkeep.watch import watch

    root = find_practice(args.practice)
    from chartkeep.gitstate import require_unlocked

    require_unlocked(root)
    if args.autosave is not None and not args.autosave > 0:
        from chartkeep.errors import UsageError

        raise UsageError(f"--autosave {args.autosave:g}: give the minutes between commits, more than 0")
    return watch(root, autosave_minutes=args.autosave)


# ---------------------------------------------------------------------------------------------
# Reading what a new note needs (and nothing more)
# ---------------------------------------------------------------------------------------------


def _open_practice(option: str | None) -> tuple[Path, Any, dt.date]:
    from chartkeep.gitstate import require_unlocked
    from chartkeep.layout import find_practice
    from chartkeep.settings import load_settings

    root = find_practice(option)
    require_unlocked(root)
    settings, _ = load_settings(root)  # `chartkeep check` reports settings problems
    return root, settings, practice_today(settings.timezone)


def practice_today(timezone: str) -> dt.date:
    """Today in the practice's time zone (as `chartkeep.practice.practice_now`, without loading
    the practice model: this runs before the editor opens)."""
    try:
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(timezone)).date()
    except (KeyError, ValueError, ImportError, OSError):
        return dt.date.today()


def read_meta(path: Path) -> tuple[dict[str, Any], str]:
    """A record's front matter and body, or ({}, "") when it cannot be read: the note being
    scaffolded never depends on another file being perfect."""
    from chartkeep import yamlstrict
    from chartkeep.layout import read_regular
    from chartkeep.reader import SplitError, decode, split_front_matter

    try:
        data = read_regular(path)[1]
    except OSError:
        return {}, ""
    text, _ = decode(str(path), data)
    if text is None:
        return {}, ""
    try:
        split = split_front_matter(text)
    except SplitError:
        return {}, ""
    loaded = yamlstrict.load(split.front, str(path), split.front_line)
    meta = loaded.value if isinstance(loaded.value, dict) else {}
    return meta, split.body


def _template_meta(text: str) -> dict[str, Any]:
    from chartkeep import yamlstrict
    from chartkeep.reader import SplitError, split_front_matter

    try:
        split = split_front_matter(text)
    except SplitError:
        return {}
    loaded = yamlstrict.load(split.front, "template", split.front_line)
    return loaded.value if isinstance(loaded.value, dict) else {}


def template_text_of(root: Path, path: Path) -> str:
    """A template's text, refused with what to fix when it cannot make a record (unreadable, not
    UTF-8, no front matter, broken YAML): a note is never written from a broken template."""
    from chartkeep.errors import SetupError
    from chartkeep.layout import read_regular
    from chartkeep.problems import ERROR, problem
    from chartkeep.reader import decode
    from chartkeep.templates import read_template

    shown = str(path.relative_to(root)) if path.is_relative_to(root) else f"(built-in) {path.name}"
    template, problems = read_template(path, shown)
    errors = [p for p in problems if p.severity == ERROR]
    text = None
    if template is not None and not errors:
        try:
            text, errors = decode(shown, read_regular(path)[1])
        except OSError as error:
            errors = [problem("CK012", shown, 0, f"cannot read: {error.strerror or error}")]
    if text is None:
        lines = "\n".join(p.as_text() for p in errors or problems)
        raise SetupError(
            f"the template {shown} cannot be used: fix it (or remove it to use the built-in one), "
            f"then run the command again; nothing was written.\n{lines}"
        )
    return text


def template_files(root: Path) -> dict[str, Path]:
    """Template name → file; the practice's `templates/` wins over the package defaults."""
    from chartkeep.templates import template_dirs

    found: dict[str, Path] = {}
    for directory in template_dirs(root):
        if directory.is_dir():
            for path in sorted(directory.glob("*.md")):
                found[path.stem] = path
    return found


def note_types(templates: dict[str, Path]) -> list[str]:
    from chartkeep.scaffold import OTHER_COMMANDS

    return sorted(name for name in templates if name not in OTHER_COMMANDS)


def client_codes(root: Path, pattern: re.Pattern[str]) -> list[str]:
    base = root / "notes"
    if not base.is_dir():
        return []
    return sorted(entry.name for entry in os.scandir(base) if entry.is_dir() and pattern.fullmatch(entry.name))


def active_caseload(root: Path, settings: Any) -> list[str]:
    """Codes of active clients (reads every face sheet: only when asking who the note is for)."""
    codes = []
    for code in client_codes(root, settings.code_pattern()):
        meta, _ = read_meta(root / "notes" / code / "client.md")
        if meta and meta.get("status", "active") == "active":
            codes.append(code)
    return codes


def _face_sheet(root: Path, settings: Any, code: str) -> dict[str, Any]:
    from chartkeep import scaffold
    from chartkeep.errors import UsageError

    if scaffold.unsafe_code(code) or not settings.code_pattern().fullmatch(code):
        raise UsageError(
            f"{code!r} is not a client code (pattern {settings.client_code_pattern!r}, e.g. C0001)"
        )
    path = root / "notes" / code / "client.md"
    if not path.is_file():
        raise UsageError(
            f"no client {code}: there is no notes/{code}/client.md. Check the code, or add the "
            "client with `chartkeep new-client`"
        )
    meta, _ = read_meta(path)
    if not meta:
        raise UsageError(f"notes/{code}/client.md cannot be read: run `chartkeep check` and fix it")
    if meta.get("status") == "discharged":
        when = meta.get("discharge_date")
        raise UsageError(
            f"client {code} was discharged{f' on {when}' if when else ''}: to see them again, set "
            f"`status: active` in notes/{code}/client.md (and write a new plan)"
        )
    return meta


def read_known(root: Path, code: str, day: dt.date, face: dict[str, Any], settings: Any) -> Any:
    """The face sheet, the plan in force on `day` and the latest notes up to `day`."""
    from chartkeep import billing
    from chartkeep.scaffold import Known, PastNote, section_text
    from chartkeep.schema import UNBILLED_TYPES

    folder = root / "notes" / code
    names = os.listdir(folder)
    iso = day.isoformat()
    plans = []
    dated = []
    billable_count = 0
    for name in names:
        plan = _PLAN_FILE.fullmatch(name)
        if plan and plan[1] <= iso:
            plans.append((plan[1], int(plan[2] or 1), name))
            continue
        note = _NOTE_FILE.fullmatch(name)
        if note and note[1] <= iso:
            dated.append((note[1], int(note[3] or 1), name))
            if note[2] not in UNBILLED_TYPES:
                billable_count += 1
    plan_meta = plan_path = None
    if plans:
        plan_name = max(plans)[2]
        plan_meta, _ = read_meta(folder / plan_name)
        plan_path = f"notes/{code}/{plan_name}"
    past = []
    for _, _, name in sorted(dated, reverse=True)[:RECENT_NOTES]:
        meta, body = read_meta(folder / name)
        if meta:
            past.append(PastNote(f"notes/{code}/{name}", meta, section_text(body, "Plan")))
        # usually the latest note alone tells the modality, the session number and the last plan
        if any(n.billable and n.meta.get("modality") and n.meta.get("session") for n in past) and any(
            n.plan for n in past
        ):
            break
    return Known(
        client=face,
        plan=plan_meta or None,
        plan_path=plan_path,
        notes=tuple(past),
        notes_count=billable_count,
        codes=billing.rules(settings.billing).codes,
        review_days=settings.plan_review_days,
    )


def _names_someone(text: str, faces: dict[str, dict[str, Any]]) -> bool:
    from chartkeep.checks.privacy import fold

    folded = fold(text)
    for code, meta in faces.items():
        if code.casefold() in folded:
            return True
        name = str(meta.get("name") or "").split()
        if name and len(name) >= 2 and fold(f"{name[0]} {name[-1]}") in folded:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Writing, asking, editing
# ---------------------------------------------------------------------------------------------


def write_new(root: Path, first: str, text: str) -> str:
    """Write `text` at `first`, or the first free `-2`, `-3` … name: never over an existing file."""
    from chartkeep.errors import UsageError
    from chartkeep.layout import atomic_write
    from chartkeep.scaffold import candidate_paths

    for rel in candidate_paths(first):
        try:
            atomic_write(root / rel, text, exclusive=True)
        except FileExistsError:
            continue
        return rel
    raise UsageError(f"{first}: 99 records of this kind that day already; nothing was written")


def display(root: Path, rel: str) -> str:
    """A practice-relative path as the user can open it from where they are."""
    cwd = Path.cwd().resolve()
    if cwd == root:
        return rel
    return os.path.relpath(root / rel, cwd)


def is_terminal() -> bool:
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def should_edit(no_edit: bool) -> bool:
    if no_edit:
        return False
    forced = os.environ.get("CHARTKEEP_EDIT", "").strip()
    if forced:
        return forced not in ("0", "no", "false")
    return is_terminal()


def editor_command() -> list[str] | None:
    import shlex
    import shutil

    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("sensible-editor", "nano", "vi"):
        if shutil.which(fallback):
            return [fallback]
    return None


def edit_and_check(root: Path, rels: list[str], no_edit: bool) -> None:
    """Open the editor on the new files, then print their problems (the note stays either way)."""
    if not should_edit(no_edit):
        return
    import subprocess

    command = editor_command()
    if command is None:
        print("chartkeep: no $VISUAL or $EDITOR set: edit the file, then run `chartkeep check` on it",
              file=sys.stderr)
        return
    try:
        result = subprocess.run([*command, *(str(root / rel) for rel in rels)], check=False)
    except OSError as error:
        print(f"chartkeep: could not start the editor {command[0]!r} ({error.strerror}): set $EDITOR",
              file=sys.stderr)
        return
    if result.returncode != 0:
        print(f"chartkeep: the editor exited with status {result.returncode}; the note is kept",
              file=sys.stderr)
    from chartkeep.problems import render
    from chartkeep.watch import check_files

    problems = check_files(root, rels)
    if problems:
        print(render([_shown(root, p) for p in problems]), flush=True)


def _shown(root: Path, item: Any) -> Any:
    from dataclasses import replace

    return replace(item, path=display(root, item.path))


def _prompt(question: str) -> str | None:
    try:
        answer = input(question).strip()
    except EOFError:
        return None
    return answer or None


def _ask_note(
    root: Path, settings: Any, templates: dict[str, Path], client: str | None, note_type: str | None
) -> tuple[str, str]:
    """Ask on a terminal for what is missing; without one, exit 2 listing the choices."""
    from chartkeep.errors import UsageError

    caseload = active_caseload(root, settings) if client is None else []
    types = note_types(templates)
    if not is_terminal():
        lines = ["name the client and the note type: chartkeep new-note CLIENT TYPE"]
        if client is None:
            lines.append("  clients (active): " + (", ".join(caseload) or "none; add one with `chartkeep new-client`"))
        lines.append("  types: " + ", ".join(types))
        raise UsageError("\n".join(lines))
    if client is None:
        client = _choose("Client", caseload)
    if note_type is None:
        note_type = _choose("Note type", types)
    return client, note_type.lower()


def _ask_group(root: Path, settings: Any, group: str | None, clients: str | None) -> tuple[str | None, str | None]:
    """Ask on a terminal for the group and the members present, offering the group's last
    session's members; without one, exit 2 saying what to name."""
    from chartkeep import scaffold
    from chartkeep.errors import UsageError
    from chartkeep.layout import GROUPS_DIR, NOTES_DIR

    folder = root / NOTES_DIR / GROUPS_DIR
    try:
        groups = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:  # no groups yet (or an unreadable folder: writing there says why)
        groups = []
    caseload = ", ".join(active_caseload(root, settings)) or "none"
    if not is_terminal():
        raise UsageError(
            "name the group and the members present: chartkeep new-group-note --group NAME "
            f"--clients C0001,C0002\n  groups: {', '.join(groups) or 'none yet'}\n  active clients: {caseload}"
        )
    if not group:
        group = _choose("Group", groups) if groups else _prompt("Group name (e.g. tuesday-anxiety): ")
    if not clients or not clients.strip(" ,"):
        last = _last_members(folder / group) if group and scaffold.GROUP_NAME.fullmatch(group) else []
        print(f"  active clients: {caseload}")
        offered = f" [{','.join(last)}]" if last else ""
        clients = _prompt(f"Members present, comma-separated{offered}: ") or ",".join(last)
    return group, clients


def _last_members(folder: Path) -> list[str]:
    """The members of a group's latest session record (none when it has none or is unreadable)."""
    sessions = sorted(folder.glob("*-group.md"))
    members = read_meta(sessions[-1])[0].get("members") if sessions else None
    return [str(code) for code in members] if isinstance(members, list) else []


def _choose(what: str, choices: list[str]) -> str:
    from chartkeep.errors import UsageError

    if not choices:
        raise UsageError(f"no {what.lower()} to choose from")
    for number, choice in enumerate(choices, 1):
        print(f"  {number:>3}  {choice}")
    answer = _prompt(f"{what} (number or name): ")
    if answer is None:
        raise UsageError(f"no {what.lower()} chosen; nothing was written")
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1]
    return answer


def _parse_date(text: str, option: str) -> dt.date:
    from chartkeep.errors import UsageError
    from chartkeep.schema import parse_date

    day = parse_date(text.strip())
    if day is None:
        raise UsageError(f"{option} {text!r} is not a date between 1900 and 2199: use YYYY-MM-DD")
    return day


def _parse_day(text: str | None, today: dt.date) -> dt.date:
    from chartkeep.errors import UsageError

    if text is None:
        return today
    day = _parse_date(text, "--date")
    if day > today:
        raise UsageError(
            f"--date {day} is in the future (today is {today}): notes are written after the session"
        )
    return day


def _parse_time(text: str | None, option: str) -> dt.time | None:
    from chartkeep.errors import UsageError
    from chartkeep.scaffold import parse_hhmm

    if text is None:
        return None
    parsed = parse_hhmm(text)
    if parsed is None:
        raise UsageError(f'{option} {text!r} is not a time: write "HH:MM", 24-hour (e.g. 14:05)')
    return parsed


def _session_times(start_text: str | None, end_text: str | None) -> tuple[dt.time | None, dt.time | None]:
    from chartkeep.errors import UsageError

    start, end = _parse_time(start_text, "--start"), _parse_time(end_text, "--end")
    if start is not None and end is not None and end <= start:
        raise UsageError(
            f"--end {end_text} is not after --start {start_text}: use 24-hour times (19:58, not 7:58)"
        )
    return start, end
